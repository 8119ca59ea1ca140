//! The page shell and small building blocks shared by every page.

pub mod forms;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::accounts::auth::use_auth;
use crate::error::{ErrorBody, ErrorCode};

/// The site header: navigation and who is logged in.
#[component]
pub fn Header() -> impl IntoView {
    let auth = use_auth();
    // Logging in or registering from a page returns to it.
    let location = leptos_router::hooks::use_location();
    let here = move || {
        let (path, search) = (location.pathname.get(), location.search.get());
        let search = search.trim_start_matches('?');
        let here = if search.is_empty() {
            path
        } else {
            format!("{path}?{search}")
        };
        (here != "/")
            .then(|| crate::accounts::safe_return_path(&here).map(|_| here.clone()))
            .flatten()
    };
    let login_href = move || crate::accounts::with_next("/login", here().as_deref());
    let register_href = move || crate::accounts::with_next("/register", here().as_deref());
    view! {
        <header class="site-header">
            <nav class="nav" aria-label="Main">
                <A href="/" attr:class="brand">
                    <span class="brand-mark" aria-hidden="true">"◆"</span>
                    " nanos store"
                </A>
                <ul class="nav-links">
                    <li><A href="/">"Browse"</A></li>
                    <li><A href="/upload">"Upload"</A></li>
                    <li><A href="/teams">"Teams"</A></li>
                    <li><A href="/settings">"Settings"</A></li>
                </ul>
                <div class="nav-user">
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            match auth.user.await {
                                Ok(Some(user)) => {
                                    view! {
                                        {user.site_role.map(|_| view! { <a href="/admin" data-testid="admin-link">"Moderation"</a> })}
                                        <span class="signed-in">
                                            "Signed in as "
                                            <a href=format!("/u/{}", user.username) data-testid="current-user">
                                                {user.display_name.clone()}
                                            </a>
                                        </span>
                                        <ActionForm action=auth.logout attr:class="inline-form">
                                            <button type="submit" class="button-link">"Log out"</button>
                                        </ActionForm>
                                    }
                                        .into_any()
                                }
                                _ => {
                                    view! {
                                        <a href=login_href>"Log in"</a>
                                        <a href=register_href class="button small">"Register"</a>
                                    }
                                        .into_any()
                                }
                            }
                        })}
                    </Transition>
                </div>
            </nav>
        </header>
    }
}

/// The site footer.
#[component]
pub fn Footer() -> impl IntoView {
    view! {
        <footer class="site-footer">
            <p>
                "nanos store: packages and asset packs for nanos world servers. "
                <a href="/store/docs/" rel="external">"API"</a>
            </p>
        </footer>
    }
}

/// The page for any address that matches nothing; answers with status 404.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found" />
        <section class="not-found">
            <h1>"Page not found"</h1>
            <p>"Nothing lives at this address. It may have moved, or the link may be mistyped."</p>
            <p><a href="/">"Go to the front page"</a></p>
        </section>
    }
}

/// The page of a resource or release the store's staff took down: the reason, with status 410
/// (451 for legal reasons), which a page's error would otherwise not set for a browser's visit.
/// Any other error is shown as its message.
#[component]
pub fn PageError(error: ErrorBody) -> impl IntoView {
    let gone = match error.code {
        ErrorCode::TakenDown => Some(("Taken down", 410)),
        ErrorCode::UnavailableForLegalReasons => Some(("Unavailable for legal reasons", 451)),
        _ => None,
    };
    // Not found and bad addresses answer their status too, as the API does.
    let status = gone.map(|(_, status)| status).or(match error.code {
        ErrorCode::NotFound => Some(404),
        ErrorCode::InvalidPath | ErrorCode::InvalidComparison => Some(422),
        _ => None,
    });
    #[cfg(feature = "ssr")]
    if let (Some(status), Some(response)) = (status, use_context::<leptos_axum::ResponseOptions>())
    {
        if let Ok(status) = axum::http::StatusCode::from_u16(status) {
            response.set_status(status);
        }
    }
    #[cfg(not(feature = "ssr"))]
    let _ = status;
    match gone {
        Some((title, _)) => view! {
            <Title text=title />
            <section class="not-found" data-testid="taken-down">
                <h1>{title}</h1>
                <p class="alert error" role="alert">{error.message}</p>
                <p><a href="/">"Go to the front page"</a></p>
            </section>
        }
        .into_any(),
        None => view! { <p class="alert error" role="alert">{error.message}</p> }.into_any(),
    }
}

/// A labelled form input with its error beside it, wired for screen readers.
#[component]
pub fn Field(
    /// The visible label.
    label: &'static str,
    /// The form field name, also the id of the input.
    name: &'static str,
    /// The error to show under the input, if any.
    #[prop(into)]
    error: Signal<Option<String>>,
    /// The input type.
    #[prop(default = "text".into(), into)]
    input_type: Signal<String>,
    /// The `autocomplete` hint.
    #[prop(default = "off")]
    autocomplete: &'static str,
    /// Help shown under the label.
    #[prop(optional)]
    hint: Option<&'static str>,
    /// An HTML `pattern` for instant checking in the browser.
    #[prop(optional)]
    pattern: Option<&'static str>,
    /// The shortest value the browser accepts.
    #[prop(optional)]
    minlength: Option<usize>,
    /// The longest value the browser accepts.
    #[prop(optional)]
    maxlength: Option<usize>,
    /// The value the field starts with.
    #[prop(optional, into)]
    value: Option<String>,
) -> impl IntoView {
    let error_id = format!("{name}-error");
    let hint_id = format!("{name}-hint");
    // After a failed post without JavaScript: what the person typed, when it is safe to keep.
    let kept = (input_type.get_untracked() != "password")
        .then(|| forms::kept_value(name))
        .flatten()
        .or(value);
    let described_by = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if error.get().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:has-error=move || error.get().is_some()>
            <label for=name>{label}</label>
            {hint.map(|hint| view! { <p class="hint" id=hint_id.clone()>{hint}</p> })}
            <input
                id=name
                name=name
                type=move || input_type.get()
                value=kept
                autocomplete=autocomplete
                required=true
                pattern=pattern
                minlength=minlength
                maxlength=maxlength
                aria-invalid=move || error.get().is_some().then_some("true")
                aria-describedby=described_by
            />
            <p class="field-error" id=error_id aria-live="polite">
                {move || error.get()}
            </p>
        </div>
    }
}

/// A multi-line text field that starts out holding `text`, whatever characters it contains.
///
/// Leptos 0.8 (tachys 0.2) treats `<textarea>` like `<script>`: its children are written into the
/// server's HTML unescaped, so a text containing `</textarea>` would close the element and the rest
/// would run as markup. So a `<textarea>` must never be given children: use this component. The text
/// goes in as escaped inner HTML, which the browser decodes back to the very same characters, both
/// in the server-rendered page and when the client renders the field.
#[component]
pub fn TextArea(
    /// The element's id (for its `<label for>`).
    #[prop(into)]
    id: String,
    /// The form field name.
    name: &'static str,
    /// Visible rows.
    rows: u32,
    /// The text the field starts with.
    #[prop(into)]
    text: String,
    /// The id of the hint that describes the field, if any.
    #[prop(optional)]
    described_by: Option<&'static str>,
) -> impl IntoView {
    view! {
        <textarea id=id name=name rows=rows aria-describedby=described_by inner_html=escape_html(&text)></textarea>
    }
}

/// `text` with the characters that HTML gives a meaning (`&`, `<`, `>`, quotes) escaped, for the few
/// places where Leptos writes text into HTML without escaping it (see [`TextArea`] and the page
/// title in [`crate::app::App`]).
pub fn escape_html(text: &str) -> String {
    html_escape::encode_safe(text).into_owned()
}

/// An alert for an error that belongs to no single field.
#[component]
pub fn FormAlert(#[prop(into)] error: Signal<Option<ErrorBody>>) -> impl IntoView {
    move || {
        error
            .get()
            .filter(|e| e.field.is_none())
            .map(|e| view! { <p class="alert error" role="alert">{e.message}</p> })
    }
}

/// Why a page's data could not be loaded: a log-in link when nobody is logged in, else the message.
#[component]
pub fn LoadError(
    error: ErrorBody,
    /// What logging in lets the user do, e.g. "manage your tokens".
    to: &'static str,
) -> impl IntoView {
    // A page the visitor may not see answers 403, not 200 (the body says why).
    #[cfg(feature = "ssr")]
    if let (ErrorCode::Forbidden, Some(response)) =
        (error.code, use_context::<leptos_axum::ResponseOptions>())
    {
        response.set_status(axum::http::StatusCode::FORBIDDEN);
    }
    if error.code == ErrorCode::LoginRequired {
        view! { <p>"You are not logged in. " <a href="/login">"Log in"</a> {format!(" to {to}.")}</p> }
            .into_any()
    } else {
        view! { <p class="alert error" role="alert">{error.message}</p> }.into_any()
    }
}

/// A route parameter (`:name` in the path) as a reactive getter; empty when absent.
pub fn route_param(key: &'static str) -> impl Fn() -> String + Copy + Send + Sync + 'static {
    let params = leptos_router::hooks::use_params_map();
    move || params.read().get(key).unwrap_or_default()
}

/// The latest error of a server action, as a signal: the error it returned (with JavaScript), or
/// before it has run here, the error a plain form post left in the page's address (without
/// JavaScript; see [`forms`]).
pub fn action_error<I, O>(action: ServerAction<I>) -> Signal<Option<ErrorBody>>
where
    I: leptos::server_fn::ServerFn<Output = O, Error = ErrorBody> + Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    let value = action.value();
    let from_address = forms::error_in_address(I::PATH);
    Signal::derive(move || match value.get() {
        Some(outcome) => outcome.err(),
        None => from_address.get(),
    })
}

/// The part of an error that belongs to form field `field`.
pub fn field_error(
    error: Signal<Option<ErrorBody>>,
    field: &'static str,
) -> Signal<Option<String>> {
    Signal::derive(move || error.get().and_then(|e| e.for_field(field)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn escaping_leaves_no_markup() {
        let escaped = super::escape_html("</textarea><img src=x onerror=\"alert('1')\"> & more");
        assert!(!escaped.contains('<') && !escaped.contains('>') && !escaped.contains('"'));
        assert_eq!(
            html_escape::decode_html_entities(&escaped),
            "</textarea><img src=x onerror=\"alert('1')\"> & more"
        );
    }

    /// Leptos writes `<textarea>` children unescaped (see [`super::TextArea`]); this keeps every
    /// view from doing so, so that the only way to fill a textarea is the component.
    #[test]
    fn no_view_gives_a_textarea_children() {
        fn sources(dir: &std::path::Path, found: &mut Vec<(String, String)>) {
            for entry in std::fs::read_dir(dir).expect("read src").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    sources(&path, found);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).expect("read source");
                    found.push((path.display().to_string(), text));
                }
            }
        }
        let mut files = Vec::new();
        sources(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        let own_file = std::path::Path::new(file!());
        for (path, text) in files {
            if path.ends_with(own_file.to_str().unwrap_or_default()) {
                continue; // the component itself, and this test's messages
            }
            for (at, _) in text.match_indices("<textarea") {
                let element = &text[at..];
                let open_end = element.find('>').unwrap_or(element.len());
                assert!(
                    element[open_end + 1..].starts_with("</textarea>"),
                    "{path}: a <textarea> with children; use ui::TextArea or prop:value"
                );
            }
        }
    }
}
