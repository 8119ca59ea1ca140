//! Settings → Tokens (`/settings/tokens`).

use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{list_tokens, take_new_token, CreateToken, RevokeToken};
use super::{Scope, TokenInfo, EXPIRY_PRESETS};
use crate::dates::format_date;
use crate::teams::api::my_teams;
use crate::ui::{action_error, Field, FormAlert, LoadError};

/// The tokens page: create a token (shown once), list and revoke active ones. Wrapped in
/// [`crate::accounts::pages::RequireSignIn`] by the router, so only a signed-in user sees the form.
#[component]
pub fn TokensPage() -> impl IntoView {
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let tokens = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| list_tokens(),
    );
    let created = create.value();
    let error = action_error(create);
    let field_error = move |field| crate::ui::field_error(error, field);
    let teams = Resource::new(|| (), |_| my_teams());
    // A token created without JavaScript, shown once after the redirect back here.
    let posted = Resource::new(|| (), |_| take_new_token());

    view! {
        <Title text="Tokens" />
        <section class="stack-lg">
            <h1>"Tokens"</h1>
            <p class="lead">
                "Tokens let game servers, the command line and CI act for you. "
                "Treat them like passwords."
            </p>

            {move || {
                created
                    .get()
                    .and_then(Result::ok)
                    .map(|new| view! { <NewTokenPanel token=new.token label=new.info.label /> })
            }}
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let shown = created.get().is_some();
                    posted
                        .await
                        .ok()
                        .flatten()
                        .filter(|_| !shown)
                        .map(|new| view! { <NewTokenPanel token=new.token label=new.info.label /> })
                })}
            </Suspense>

            <ActionForm action=create attr:class="stack panel token-form" attr:aria-labelledby="create-heading">
                <h2 id="create-heading">"Create a token"</h2>
                <FormAlert error=error />
                <Field
                    label="Label"
                    name="label"
                    hint="Only you see it. Name the server or job that will use the token."
                    maxlength=super::LABEL_MAX
                    error=field_error("label")
                />
                <div class="field">
                    <label for="expiry">"Expires"</label>
                    <select id="expiry" name="expiry">
                        {EXPIRY_PRESETS
                            .into_iter()
                            .map(|(days, label)| {
                                view! { <option value=days.to_string() selected=days == 90>{label}</option> }
                            })
                            .collect_view()}
                        <option value="date">"On a date…"</option>
                    </select>
                    // Shown by the stylesheet while "On a date…" is chosen, so that it works
                    // without JavaScript too.
                    <div class="expiry-date">
                        <label for="expires_on">"Expiry date (at most 2 years ahead)"</label>
                        <input id="expires_on" name="expires_on" type="date" />
                    </div>
                    <p class="field-error" id="expiry-error" aria-live="polite">{move || field_error("expiry").get()}</p>
                </div>
                <fieldset class="field">
                    <legend>"Scopes"</legend>
                    {Scope::ALL
                        .into_iter()
                        .map(|scope| {
                            view! {
                                <label class="check">
                                    <input type="checkbox" name=scope.as_str() checked=true />
                                    <strong>{scope.as_str()}</strong>
                                    {format!(": {}", scope.description())}
                                </label>
                            }
                        })
                        .collect_view()}
                    <p class="field-error" aria-live="polite">{move || field_error("scopes").get()}</p>
                </fieldset>
                <div class="field">
                    <label for="team">"Team"</label>
                    <p class="hint" id="team-hint">"Optionally limit the token to one team's resources."</p>
                    <select id="team" name="team" aria-describedby="team-hint">
                        <option value="">"All my teams"</option>
                        <Transition fallback=|| ()>
                            {move || Suspend::new(async move {
                                teams
                                    .await
                                    .unwrap_or_default()
                                    .into_iter()
                                    .map(|t| view! { <option value=t.name.clone()>{t.title.clone()}</option> })
                                    .collect_view()
                            })}
                        </Transition>
                    </select>
                    <p class="field-error" aria-live="polite">{move || field_error("team").get()}</p>
                </div>
                <button type="submit" class="button" disabled=create.pending()>"Create token"</button>
            </ActionForm>

            <h2>"Active tokens"</h2>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match tokens.await {
                        Ok(list) if list.is_empty() => view! { <p class="muted">"No active tokens."</p> }.into_any(),
                        Ok(list) => view! { <TokenTable tokens=list revoke=revoke /> }.into_any(),
                        Err(e) => view! { <LoadError error=e to="manage your tokens" /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The new token, shown once, with a copy button.
#[component]
fn NewTokenPanel(token: String, label: String) -> impl IntoView {
    let (copied, set_copied) = signal(false);
    let copy_value = token.clone();
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let clipboard = window().navigator().clipboard();
            let _ = clipboard.write_text(&copy_value);
            set_copied.set(true);
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = (&copy_value, set_copied);
        }
    };
    view! {
        <div class="panel success new-token" role="status">
            <h2>"Your new token “" {label} "”"</h2>
            <p><strong>"Copy it now: it will not be shown again."</strong></p>
            <div class="token-row">
                <input
                    type="text"
                    readonly=true
                    value=token
                    aria-label="New token"
                    data-testid="new-token"
                    class="mono"
                />
                <button type="button" class="button" on:click=copy>
                    {move || if copied.get() { "Copied" } else { "Copy" }}
                </button>
            </div>
        </div>
    }
}

/// The list of active tokens with their revoke buttons.
#[component]
fn TokenTable(tokens: Vec<TokenInfo>, revoke: ServerAction<RevokeToken>) -> impl IntoView {
    view! {
        <table class="table stacked-table">
            <thead>
                <tr>
                    <th scope="col">"Label"</th>
                    <th scope="col">"Scopes"</th>
                    <th scope="col">"Team"</th>
                    <th scope="col">"Created"</th>
                    <th scope="col">"Expires"</th>
                    <th scope="col">"Last used"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>
                {tokens
                    .into_iter()
                    .map(|token| view! { <TokenRow token revoke /> })
                    .collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn TokenRow(token: TokenInfo, revoke: ServerAction<RevokeToken>) -> impl IntoView {
    let (confirming, set_confirming) = signal(false);
    let scopes = Scope::join(&token.scopes).replace(',', ", ");
    let id = token.id.clone();
    let label = token.label.clone();
    view! {
        <tr>
            <td data-label="Label">{token.label.clone()}</td>
            <td data-label="Scopes">{scopes}</td>
            <td data-label="Team">{token.team.clone().unwrap_or_else(|| "all".into())}</td>
            <td data-label="Created">{format_date(token.created_at)}</td>
            <td data-label="Expires">{format_date(token.expires_at)}</td>
            <td data-label="Last used">{token.last_used_at.map(format_date).unwrap_or_else(|| "never".into())}</td>
            <td class="token-actions">
                <Show
                    when=move || confirming.get()
                    fallback=move || view! {
                        <button type="button" class="button-link" on:click=move |_| set_confirming.set(true)>
                            "Revoke"
                        </button>
                    }
                >
                    <span class="confirm">
                        {format!("Revoke “{label}”? Programs using it stop working at once. ")}
                        <button
                            type="button"
                            class="button danger small"
                            on:click={
                                let id = id.clone();
                                move |_| {
                                    revoke.dispatch(RevokeToken { id: id.clone() });
                                }
                            }
                        >
                            "Yes, revoke"
                        </button>
                        " "
                        <button type="button" class="button-link" on:click=move |_| set_confirming.set(false)>
                            "Cancel"
                        </button>
                    </span>
                </Show>
            </td>
        </tr>
    }
}
