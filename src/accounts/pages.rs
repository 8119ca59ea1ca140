//! Account pages: register, log in, settings, profiles.

use leptos::prelude::*;
use leptos_meta::Title;

use super::api::user_profile;
use crate::app::use_auth;
use crate::ui::{action_error, field_error, format_date, route_param, Field, FormAlert, NotFound};

/// A password input with a "Show password" switch.
#[component]
fn PasswordField(
    label: &'static str,
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
            name="password"
            input_type=input_type
            autocomplete=autocomplete
            error=error
            hint=hint.unwrap_or_default()
            minlength=minlength.unwrap_or(1)
        />
        <label class="check">
            <input
                type="checkbox"
                name="show-password"
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
    view! {
        <Title text="Register" />
        <section class="form-page">
            <h1>"Create your account"</h1>
            <ActionForm action=auth.register attr:class="stack" attr:novalidate=true>
                <FormAlert error=error />
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
            <p>"Already have an account? " <a href="/login">"Log in"</a></p>
        </section>
    }
}

/// `/login`: log in.
#[component]
pub fn LoginPage() -> impl IntoView {
    let auth = use_auth();
    let error = action_error(auth.login);
    let pending = auth.login.pending();
    view! {
        <Title text="Log in" />
        <section class="form-page">
            <h1>"Log in"</h1>
            <ActionForm action=auth.login attr:class="stack" attr:novalidate=true>
                <FormAlert error=error />
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
            <p>"New here? " <a href="/register">"Create an account"</a></p>
        </section>
    }
}

/// `/settings`: the signed-in user's account.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let auth = use_auth();
    view! {
        <Title text="Settings" />
        <section>
            <h1>"Settings"</h1>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match auth.user.await {
                        Ok(Some(user)) => view! {
                            <dl class="facts">
                                <dt>"Username"</dt>
                                <dd>{user.username.clone()}</dd>
                                <dt>"Display name"</dt>
                                <dd>{user.display_name.clone()}</dd>
                            </dl>
                            <ul>
                                <li><a href="/settings/tokens">"Tokens"</a>": for game servers, the command line and CI"</li>
                                <li><a href=format!("/u/{}", user.username)>"Your public profile"</a></li>
                            </ul>
                        }.into_any(),
                        Ok(None) => view! {
                            <p>"You are not logged in. " <a href="/login">"Log in"</a> " to see your settings."</p>
                        }.into_any(),
                        Err(e) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// `/u/{name}`: a user's public profile.
#[component]
pub fn ProfilePage() -> impl IntoView {
    let name = route_param("name");
    let found = Resource::new(name, user_profile);
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match found.await {
                    Ok(Some(p)) => view! {
                        <Title text=p.display_name.clone() />
                        <section class="profile">
                            <h1>{p.display_name.clone()}</h1>
                            <p class="muted">"@" {p.username.clone()}</p>
                            <p>"Joined " <time datetime=format_date(p.joined_at)>{format_date(p.joined_at)}</time></p>
                        </section>
                    }.into_any(),
                    Ok(None) => view! { <NotFound /> }.into_any(),
                    Err(e) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
