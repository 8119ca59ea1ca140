//! The application's root: the HTML shell, the routes, and the shared log-in state it provides
//! ([`crate::accounts::auth::Auth`]).

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, Link, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::accounts::api::{current_user, Login, Logout, Register};
use crate::accounts::auth::Auth;
use crate::accounts::pages::{LoginPage, ProfilePage, RegisterPage, RequireSignIn, SettingsPage};
use crate::files::pages::{ComparePage, FilesPage};
use crate::moderation::pages::{AdminPage, ModerationLogPage};
use crate::resources::pages::{
    AssetsPage, HomeBrowsePage, PackagesPage, ReleasePage, ResourcePage,
};
use crate::resources::wizard::UploadPage;
use crate::teams::pages::{TeamPublicPage, TeamSettingsPage, TeamsPage};
use crate::tokens::pages::TokensPage;
use crate::ui::{Footer, Header, NotFound};
use crate::validate::Kind;

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                // Live reload under `cargo leptos watch`; nothing otherwise.
                <AutoReload options=options.clone() />
                // The stylesheet and the bundle by the names the build gave them: content-hashed
                // (`pkg/nanos-store.<hash>.css`) when the site has a hash file, see
                // `config::HASH_FILE_NAME`. The id lets `cargo leptos watch` swap the stylesheet.
                <HashedStylesheet options=options.clone() id="leptos" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The text of every page's `<title>`, from the text the page gives its `<Title>`.
///
/// leptos_meta 0.8 writes the title into the server's HTML without escaping it, so a title such as
/// `</title><script>…` would end the element and run. Every `<Title>` goes through this formatter,
/// which escapes the text in the server's HTML; the browser decodes it, and in the browser the
/// title is set as plain text (`document.title`), so there it stays as it is. Pages must not set a
/// formatter of their own.
fn page_title(title: String) -> String {
    let title = format!("{title} · nanos store");
    #[cfg(feature = "ssr")]
    let title = crate::ui::escape_html(&title);
    title
}

/// The root component.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let login = ServerAction::<Login>::new();
    let logout = ServerAction::<Logout>::new();
    let register = ServerAction::<Register>::new();
    let user = Resource::new(
        move || {
            (
                login.version().get(),
                logout.version().get(),
                register.version().get(),
            )
        },
        |_| current_user(),
    );
    provide_context(Auth {
        login,
        logout,
        register,
        user,
    });
    // Effects run only in the browser, once the page is hydrated: from then on forms are sent by
    // the app rather than by the browser itself. End-to-end tests wait for this mark.
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    // The upload wizard's state outlives its page, so Back and Forward keep what it holds.
    provide_context(crate::resources::wizard::WizardState::new());

    view! {
        <Link rel="icon" href="/favicon.svg" />
        <Title formatter=page_title />
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <Header />
            <main id="main" class="page">
                <Routes fallback=|| view! { <NotFound /> }>
                    <Route path=path!("/") view=HomeBrowsePage />
                    <Route path=path!("/packages") view=PackagesPage />
                    <Route path=path!("/assets") view=AssetsPage />
                    <Route path=path!("/packages/:name") view=|| view! { <ResourcePage kind=Kind::Package /> } ssr=SsrMode::Async />
                    <Route path=path!("/assets/:name") view=|| view! { <ResourcePage kind=Kind::AssetPack /> } ssr=SsrMode::Async />
                    <Route path=path!("/packages/:name/releases/:version") view=|| view! { <ReleasePage kind=Kind::Package /> } ssr=SsrMode::Async />
                    <Route path=path!("/assets/:name/releases/:version") view=|| view! { <ReleasePage kind=Kind::AssetPack /> } ssr=SsrMode::Async />
                    <Route path=path!("/packages/:name/releases/:version/files") view=|| view! { <FilesPage kind=Kind::Package /> } ssr=SsrMode::Async />
                    <Route path=path!("/assets/:name/releases/:version/files") view=|| view! { <FilesPage kind=Kind::AssetPack /> } ssr=SsrMode::Async />
                    <Route path=path!("/packages/:name/releases/:version/files/*path") view=|| view! { <FilesPage kind=Kind::Package /> } ssr=SsrMode::Async />
                    <Route path=path!("/assets/:name/releases/:version/files/*path") view=|| view! { <FilesPage kind=Kind::AssetPack /> } ssr=SsrMode::Async />
                    <Route path=path!("/packages/:name/compare/:range") view=|| view! { <ComparePage kind=Kind::Package /> } ssr=SsrMode::Async />
                    <Route path=path!("/assets/:name/compare/:range") view=|| view! { <ComparePage kind=Kind::AssetPack /> } ssr=SsrMode::Async />
                    // Pages for members: a visitor who is not logged in is sent to log in first
                    // (a redirect decided before the page is sent, hence `SsrMode::Async`).
                    <Route path=path!("/upload") view=|| view! { <RequireSignIn><UploadPage /></RequireSignIn> } ssr=SsrMode::Async />
                    <Route path=path!("/login") view=LoginPage />
                    <Route path=path!("/register") view=RegisterPage />
                    <Route path=path!("/settings") view=|| view! { <RequireSignIn><SettingsPage /></RequireSignIn> } ssr=SsrMode::Async />
                    <Route path=path!("/settings/tokens") view=|| view! { <RequireSignIn><TokensPage /></RequireSignIn> } ssr=SsrMode::Async />
                    <Route path=path!("/u/:name") view=ProfilePage ssr=SsrMode::Async />
                    <Route path=path!("/teams") view=|| view! { <RequireSignIn><TeamsPage /></RequireSignIn> } ssr=SsrMode::Async />
                    <Route path=path!("/teams/:name") view=TeamPublicPage ssr=SsrMode::Async />
                    <Route path=path!("/admin") view=|| view! { <RequireSignIn><AdminPage /></RequireSignIn> } ssr=SsrMode::Async />
                    <Route path=path!("/admin/log") view=|| view! { <RequireSignIn><ModerationLogPage /></RequireSignIn> } ssr=SsrMode::Async />
                    <Route path=path!("/teams/:name/settings") view=|| view! { <RequireSignIn><TeamSettingsPage /></RequireSignIn> } ssr=SsrMode::Async />
                </Routes>
            </main>
            <Footer />
        </Router>
    }
}
