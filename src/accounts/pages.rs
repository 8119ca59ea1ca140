//! Account pages: register, log in, settings, profiles, and the guard of the member pages.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use std::sync::{Arc, Mutex};

use super::api::{
    account_deletion_plan, user_profile, ChangeDisplayName, ChangePassword, DeleteAccount,
};
use super::{login_address, safe_return_path, with_next, DeletionPlan, SignedInUser};
use crate::accounts::auth::use_auth;
use crate::dates::format_date;
use crate::error::ErrorCode;
use crate::moderation::api::load_account_standing;
use crate::moderation::pages::{AccountActions, AccountPanel, MyReports};
use crate::ui::{action_error, field_error, route_param, Field, FormAlert, NotFound};

/// The page to return to after logging in, from this page's `?next=`, when it is a page of this
/// site (see [`safe_return_path`]).
fn return_path() -> Option<String> {
    let query = use_query_map();
    let next = query.read_untracked().get("next")?;
    safe_return_path(&next).map(str::to_string)
}

/// Sends the browser to `address` instead of this page: on the server a `303 See Other` (set
/// before the page is sent, which needs the route's `SsrMode::Async`), in the browser a navigation
/// that replaces this page in the history, so that Back does not return to it.
fn send_away(address: &str, navigate: impl Fn(&str, leptos_router::NavigateOptions) + 'static) {
    #[cfg(feature = "ssr")]
    {
        let _ = navigate;
        if let (Some(response), Ok(location)) = (
            use_context::<leptos_axum::ResponseOptions>(),
            axum::http::HeaderValue::from_str(address),
        ) {
            response.set_status(axum::http::StatusCode::SEE_OTHER);
            response.insert_header(axum::http::header::LOCATION, location);
        }
    }
    #[cfg(not(feature = "ssr"))]
    {
        let address = address.to_string();
        request_animation_frame(move || {
            navigate(
                &address,
                leptos_router::NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            )
        });
    }
}

/// Shows `children` only to a signed-in user. Anyone else is sent to log in first, and back to
/// this very page (path and query) afterwards. Every page for members uses it.
#[component]
pub fn RequireSignIn(children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    let location = use_location();
    let navigate = use_navigate();
    // The page is made here, before anything is awaited, and shown below once the user is known.
    // Made inside the suspended view, a page makes its resources only after an await, so the
    // order in which they are made (by which the browser finds each one's data in the server's
    // page) depends on when each suspended view wakes: the suspected cause of a hydration error
    // at the team settings page in one CI run. Made again if the view is ever redrawn.
    let made = Arc::new(Mutex::new(Some(children())));
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let (children, navigate, made) = (children.clone(), navigate.clone(), made.clone());
                Suspend::new(async move {
                    match auth.user.await {
                        Ok(Some(_)) => {
                            let made = made.lock().ok().and_then(|mut made| made.take());
                            made.unwrap_or_else(|| children())
                        }
                        Ok(None) => {
                            let search = location.search.get_untracked();
                            let search = search.trim_start_matches('?');
                            let here = if search.is_empty() {
                                location.pathname.get_untracked()
                            } else {
                                format!("{}?{search}", location.pathname.get_untracked())
                            };
                            let login = login_address(&here);
                            send_away(&login, navigate);
                            view! {
                                <p>"You are not logged in. " <a href=login>"Log in"</a> " to see this page."</p>
                            }
                            .into_any()
                        }
                        Err(e) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}

/// A password input with a "Show password" switch. Its value is never kept after a failed post.
#[component]
fn PasswordField(
    label: &'static str,
    /// The form field name, also the id of the input.
    #[prop(default = "password")]
    name: &'static str,
    autocomplete: &'static str,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] minlength: Option<usize>,
) -> impl IntoView {
    let (shown, set_shown) = signal(false);
    let input_type =
        Signal::derive(move || if shown.get() { "text" } else { "password" }.to_string());
    view! {
        <Field
            label=label
            name=name
            input_type=input_type
            autocomplete=autocomplete
            error=error
            hint=hint.unwrap_or_default()
            minlength=minlength.unwrap_or(1)
        />
        <label class="check">
            <input
                type="checkbox"
                name=format!("show-{name}")
                prop:checked=shown
                on:change=move |ev| set_shown.set(event_target_checked(&ev))
            />
            " Show password"
        </label>
    }
}

/// `/register`: create an account.
#[component]
pub fn RegisterPage() -> impl IntoView {
    let auth = use_auth();
    let error = action_error(auth.register);
    let pending = auth.register.pending();
    let next = return_path();
    let to_login = with_next("/login", next.as_deref());
    view! {
        <Title text="Register" />
        <section class="form-page">
            <h1>"Create your account"</h1>
            <ActionForm action=auth.register attr:class="stack" attr:novalidate=true>
                <FormAlert error=error />
                {next.clone().map(|next| view! { <input type="hidden" name="next" value=next /> })}
                <Field
                    label="Username"
                    name="username"
                    autocomplete="username"
                    hint="Lowercase letters, digits and '-', 2 to 39 characters. It is your address: /u/name."
                    pattern="[a-z0-9\\-]{2,39}"
                    maxlength=super::USERNAME_MAX
                    error=field_error(error, "username")
                />
                <Field
                    label="Display name"
                    name="display_name"
                    autocomplete="name"
                    hint="The name other people see."
                    maxlength=super::DISPLAY_NAME_MAX
                    error=field_error(error, "display_name")
                />
                <PasswordField
                    label="Password"
                    autocomplete="new-password"
                    hint="At least 10 characters."
                    minlength=super::PASSWORD_MIN
                    error=field_error(error, "password")
                />
                <button type="submit" class="button" disabled=pending>
                    {move || if pending.get() { "Creating account…" } else { "Create account" }}
                </button>
            </ActionForm>
            <p>"Already have an account? " <a href=to_login>"Log in"</a></p>
        </section>
    }
}

/// `/login`: log in, then return to `?next=` (a page of this site) or the front page.
#[component]
pub fn LoginPage() -> impl IntoView {
    let auth = use_auth();
    let error = action_error(auth.login);
    // A wrong name or password is shown beside the password, where the person types again.
    let error = Signal::derive(move || {
        error.get().map(|mut e| {
            if e.code == ErrorCode::InvalidCredentials {
                e.field = Some("password".into());
            }
            e
        })
    });
    let pending = auth.login.pending();
    let next = return_path();
    let to_register = with_next("/register", next.as_deref());
    view! {
        <Title text="Log in" />
        <section class="form-page">
            <h1>"Log in"</h1>
            {next.is_some().then(|| view! { <p class="lead">"Log in to continue where you were."</p> })}
            <ActionForm action=auth.login attr:class="stack" attr:novalidate=true>
                <FormAlert error=error />
                {next.clone().map(|next| view! { <input type="hidden" name="next" value=next /> })}
                <Field
                    label="Username"
                    name="username"
                    autocomplete="username"
                    error=field_error(error, "username")
                />
                <PasswordField
                    label="Password"
                    autocomplete="current-password"
                    error=field_error(error, "password")
                />
                <button type="submit" class="button" disabled=pending>
                    {move || if pending.get() { "Logging in…" } else { "Log in" }}
                </button>
            </ActionForm>
            <p>"New here? " <a href=to_register>"Create an account"</a></p>
        </section>
    }
}

/// `/settings`: the signed-in user's account: display name, password, tokens, deleting it.
/// Wrapped in [`RequireSignIn`] by the router.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let auth = use_auth();
    // Created here, with the page, rather than inside the suspended parts below: a resource first
    // created inside nested suspended views was not found again when the browser hydrated the
    // server's page ("hydration error" at the deletion section, 5 page loads in 6).
    let delete = ServerAction::<DeleteAccount>::new();
    let plan = Resource::new(move || delete.version().get(), |_| account_deletion_plan());
    view! {
        <Title text="Settings" />
        <section class="stack-lg account-settings">
            <h1>"Settings"</h1>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match auth.user.await {
                        Ok(Some(user)) => view! { <AccountSettings user delete plan /> }.into_any(),
                        Ok(None) => ().into_any(),
                        Err(e) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
                    }
                })}
            </Transition>
            <MyReports />
        </section>
    }
}

#[component]
fn AccountSettings(
    user: SignedInUser,
    delete: ServerAction<DeleteAccount>,
    plan: Resource<Result<DeletionPlan, crate::error::ErrorBody>>,
) -> impl IntoView {
    view! {
        <dl class="facts">
            <dt>"Username"</dt>
            <dd>{user.username.clone()}</dd>
        </dl>
        <ul>
            <li><a href="/settings/tokens">"Tokens"</a>": for game servers, the command line and CI"</li>
            <li><a href=format!("/u/{}", user.username)>"Your public profile"</a></li>
        </ul>
        <DisplayNameForm current=user.display_name.clone() />
        <PasswordForm />
        <DeleteAccountForm username=user.username delete plan />
    }
}

/// Changes the display name; the header shows the new one at once.
#[component]
fn DisplayNameForm(current: String) -> impl IntoView {
    let auth = use_auth();
    let change = ServerAction::<ChangeDisplayName>::new();
    let error = action_error(change);
    let saved = move || matches!(change.value().get(), Some(Ok(_)));
    Effect::new(move |_| {
        if let Some(Ok(_)) = change.value().get() {
            auth.user.refetch();
        }
    });
    view! {
        <ActionForm action=change attr:class="stack panel" attr:aria-labelledby="name-heading" attr:novalidate=true>
            <h2 id="name-heading">"Display name"</h2>
            <FormAlert error=error />
            <Field
                label="Display name"
                name="display_name"
                autocomplete="name"
                hint="The name other people see."
                maxlength=super::DISPLAY_NAME_MAX
                value=current
                error=field_error(error, "display_name")
            />
            <div>
                <button type="submit" class="button" disabled=change.pending()>"Save name"</button>
                {move || saved().then(|| view! { <span class="saved" role="status">" Saved."</span> })}
            </div>
        </ActionForm>
    }
}

/// Changes the password; other sessions are logged out.
#[component]
fn PasswordForm() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let error = action_error(change);
    let done = move || matches!(change.value().get(), Some(Ok(())));
    view! {
        <ActionForm action=change attr:class="stack panel" attr:aria-labelledby="password-heading" attr:novalidate=true>
            <h2 id="password-heading">"Password"</h2>
            <p class="hint">"Changing it logs you out everywhere else. Tokens keep working."</p>
            <FormAlert error=error />
            <PasswordField
                label="Current password"
                name="current_password"
                autocomplete="current-password"
                error=field_error(error, "current_password")
            />
            <PasswordField
                label="New password"
                name="new_password"
                autocomplete="new-password"
                hint="At least 10 characters."
                minlength=super::PASSWORD_MIN
                error=field_error(error, "new_password")
            />
            <div>
                <button type="submit" class="button" disabled=change.pending()>"Change password"</button>
                {move || done().then(|| view! {
                    <span class="saved" role="status">" Password changed. Your other sessions are logged out."</span>
                })}
            </div>
        </ActionForm>
    }
}

/// Explains what deleting the account does to its teams and resources, then deletes it once the
/// person types their username and password.
#[component]
fn DeleteAccountForm(
    username: String,
    delete: ServerAction<DeleteAccount>,
    plan: Resource<Result<DeletionPlan, crate::error::ErrorBody>>,
) -> impl IntoView {
    let error = action_error(delete);
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            // A whole new front page, logged out. Refreshing the log-in state in this page instead
            // raced with the store's redirect: the sign-in guard around this page could send the
            // visitor to log in first (seen once in a CI run).
            let _ = window().location().set_href("/");
        }
    });
    view! {
        <section class="stack panel danger-zone" aria-labelledby="delete-heading">
            <h2 id="delete-heading">"Delete your account"</h2>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || {
                    let username = username.clone();
                    Suspend::new(async move {
                        match plan.await {
                            Ok(plan) => view! { <DeletionExplained plan username delete error /> }.into_any(),
                            Err(e) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
                        }
                    })
                }}
            </Transition>
        </section>
    }
}

#[component]
fn DeletionExplained(
    plan: DeletionPlan,
    username: String,
    delete: ServerAction<DeleteAccount>,
    error: Signal<Option<crate::error::ErrorBody>>,
) -> impl IntoView {
    let team_link =
        |name: String| view! { <li><a href=format!("/teams/{name}")>{name.clone()}</a></li> };
    let blocked = !plan.blocking.is_empty();
    view! {
        <ul class="consequences">
            <li>"You are logged out everywhere, and your tokens stop working at once."</li>
            <li>"Releases you uploaded stay with their teams."</li>
            <li>"This cannot be undone; your username becomes free for anyone to take."</li>
        </ul>
        {(!plan.left_teams.is_empty()).then(|| view! {
            <p>"You leave these teams; they keep their members and resources:"</p>
            <ul data-testid="teams-left">{plan.left_teams.into_iter().map(team_link).collect_view()}</ul>
        })}
        {(!plan.deleted_teams.is_empty()).then(|| view! {
            <p>"These teams have no other members and hold nothing; they are deleted with your account:"</p>
            <ul data-testid="teams-deleted">{plan.deleted_teams.into_iter().map(team_link).collect_view()}</ul>
        })}
        {blocked.then(|| view! {
            <div class="alert error" role="alert" data-testid="deletion-blocked">
                <p>"You cannot delete your account yet: you are the only owner of these teams. Make another member an owner in each team's settings (or remove what it holds) first."</p>
                <ul>
                    {plan.blocking.into_iter().map(|team| {
                        let mut why = Vec::new();
                        if !team.resources.is_empty() {
                            why.push(format!("holds {}", team.resources.join(", ")));
                        }
                        if team.other_members > 0 {
                            why.push(format!(
                                "{} other member{}",
                                team.other_members,
                                if team.other_members == 1 { "" } else { "s" }
                            ));
                        }
                        view! {
                            <li>
                                <a href=format!("/teams/{}/settings", team.name)>{team.title.clone()}</a>
                                {format!(" ({}): {}", team.name, why.join("; "))}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </div>
        })}
        {(!blocked).then(|| view! {
            <ActionForm action=delete attr:class="stack" attr:novalidate=true>
                <FormAlert error=error />
                <Field
                    label="Type your username to confirm"
                    name="confirm"
                    error=field_error(error, "confirm")
                />
                <p class="hint">{format!("Your username is {username}.")}</p>
                <PasswordField
                    label="Your password"
                    autocomplete="current-password"
                    error=field_error(error, "password")
                />
                <button type="submit" class="button danger" disabled=delete.pending()>"Delete my account"</button>
            </ActionForm>
        })}
    }
}

/// `/u/{name}`: a user's public profile, with their teams and those teams' resources.
#[component]
pub fn ProfilePage() -> impl IntoView {
    let name = route_param("name");
    let staff = AccountActions::new();
    let found = Resource::new(
        move || (name(), staff.versions()),
        |(name, _)| user_profile(name),
    );
    // What the staff see of the account; `None` for everyone else.
    let standing = Resource::new(
        move || (name(), staff.versions()),
        |(name, _)| load_account_standing(name),
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let standing = standing.await.ok().flatten();
                match found.await {
                    Ok(Some(p)) => view! {
                        <Title text=p.display_name.clone() />
                        <section class="profile stack-lg">
                            <header>
                                <h1>{p.display_name.clone()}</h1>
                                <p class="muted">"@" {p.username.clone()}
                                    {p.site_role.map(|role| view! { " " <span class="badge site-role" data-testid="site-role">{format!("store {}", role.as_str())}</span> })}
                                </p>
                                <p>"Joined " <time datetime=format_date(p.joined_at)>{format_date(p.joined_at)}</time></p>
                            </header>
                            <section aria-labelledby="profile-teams">
                                <h2 id="profile-teams">"Teams"</h2>
                                {if p.teams.is_empty() {
                                    view! { <p class="muted">"Not in any team yet."</p> }.into_any()
                                } else {
                                    view! {
                                        <ul class="team-list" data-testid="profile-teams">
                                            {p.teams.into_iter().map(|t| view! {
                                                <li>
                                                    <a href=format!("/teams/{}", t.name)>{t.title.clone()}</a>
                                                    " " <span class="muted">{t.name.clone()}</span>
                                                    " " <span class=format!("badge role-{}", t.role.as_str())>{t.role.as_str()}</span>
                                                </li>
                                            }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            </section>
                            <section aria-labelledby="profile-resources">
                                <h2 id="profile-resources">"Resources"</h2>
                                {if p.resources.is_empty() {
                                    view! { <p class="muted">"No packages or asset packs yet."</p> }.into_any()
                                } else {
                                    view! {
                                        <ul class="team-list" data-testid="profile-resources">
                                            {p.resources.into_iter().map(|r| view! {
                                                <li>
                                                    <a href=format!("/{}/{}", crate::resources::path_of_kind(r.kind), r.name)>{r.title.clone()}</a>
                                                    " " <span class="muted mono">{r.name.clone()}</span>
                                                    " " <span class="muted">{format!("by {}", r.team)}</span>
                                                </li>
                                            }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            </section>
                            {standing.map(|standing| view! {
                                <AccountPanel username=p.username.clone() role=p.site_role standing actions=staff />
                            })}
                        </section>
                    }.into_any(),
                    Ok(None) => view! { <NotFound /> }.into_any(),
                    Err(e) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
