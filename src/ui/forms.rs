//! Forms that work the same with and without JavaScript.
//!
//! With JavaScript, an `ActionForm` calls its server function and the page shows the error the
//! function returns. Without JavaScript, the browser posts the form itself; Leptos answers a failed
//! post with a redirect back to the page (its `Referer`) carrying the error in the address:
//! `?__path=<server function path>&__err=<the error as URL-safe base64 JSON>` (server_fn's
//! `ServerFnUrlError`). [`error_in_address`] reads that error back, so every form built on
//! [`super::action_error`] shows it beside the right field in both cases.
//!
//! A plain post loses what the person typed, since the page is loaded anew. A server function
//! names the values that are safe to give back (a username, a label; never a password) with
//! [`crate::form_posts::keep_on_error`]; they travel in the same redirect, and [`kept_value`] fills them back in.

use leptos::prelude::*;
use leptos::server_fn::error::ServerFnUrlError;
use leptos_router::hooks::use_query_map;

use crate::error::ErrorBody;

/// The error that a plain form post to the server function at `path` left in this page's address.
pub fn error_in_address(path: &'static str) -> Signal<Option<ErrorBody>> {
    let query = use_query_map();
    Signal::derive(move || {
        let query = query.read();
        match (query.get_str("__path"), query.get_str("__err")) {
            (Some(from), Some(error)) if from == path => {
                Some(ServerFnUrlError::<ErrorBody>::decode_err(error))
            }
            _ => None,
        }
    })
}

/// The value of form field `name` given back after a plain form post failed (see
/// [`crate::form_posts::keep_on_error`]), to fill the field in again.
pub fn kept_value(name: &str) -> Option<String> {
    let query = use_query_map();
    let query = query.read_untracked();
    query.get_str("__err")?;
    query.get(name).filter(|v| !v.is_empty())
}
