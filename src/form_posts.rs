//! The server's half of forms that work without JavaScript (the pages' half is `ui::forms`): when
//! a plain HTML form post to a server function fails, the answer is a redirect back to the form
//! carrying the error, and the values the function names as safe to give back.

use leptos::prelude::*;
use leptos::server_fn::error::ServerFnUrlError;

use crate::error::ErrorBody;

/// The query parameters Leptos uses for a plain form post's error.
const ERROR_PARAMS: [&str; 2] = ["__path", "__err"];

/// The longest value given back in the address; longer ones are not kept.
const KEPT_VALUE_MAX: usize = 200;

/// In a server function: turns the outcome into what the caller sees, as `?` on an [`AppError`]
/// would. In addition, when the request is a plain HTML form post (no JavaScript) that failed, the
/// redirect back to the form also carries the `keep` values, so that the page can fill them in
/// again. `path` is the server function's path (`<Fn as ServerFn>::PATH`). Only keep values that
/// are safe in an address: never passwords.
pub fn keep_on_error<T>(
    path: &str,
    keep: &[(&str, &str)],
    outcome: Result<T, crate::error::AppError>,
) -> Result<T, ErrorBody> {
    match outcome {
        Ok(value) => Ok(value),
        Err(error) => {
            let body = ErrorBody::from(error);
            if let Some(location) =
                plain_post_referer().and_then(|referer| return_address(&referer, path, keep, &body))
            {
                leptos_axum::redirect(&location);
            }
            Err(body)
        }
    }
}

/// Whether the current request is a plain HTML form post (the browser's own, without
/// JavaScript), whose answer is a redirect rather than data.
pub fn is_plain_form_post() -> bool {
    use_context::<axum::http::request::Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    })
}

/// The page a plain HTML form post came from, when the current request is one.
fn plain_post_referer() -> Option<String> {
    use axum::http::header;
    if !is_plain_form_post() {
        return None;
    }
    let parts = use_context::<axum::http::request::Parts>()?;
    parts
        .headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The address (path and query, so always on this site) to send a failed plain form post back to:
/// the form's page with `keep` and the error added, and earlier ones removed.
fn return_address(
    referer: &str,
    path: &str,
    keep: &[(&str, &str)],
    error: &ErrorBody,
) -> Option<String> {
    let mut page = url::Url::parse(referer).ok()?;
    let others: Vec<(String, String)> = page
        .query_pairs()
        .filter(|(key, _)| {
            !ERROR_PARAMS.contains(&key.as_ref()) && !keep.iter().any(|(name, _)| name == key)
        })
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect();
    {
        let mut query = page.query_pairs_mut();
        query.clear();
        for (key, value) in &others {
            query.append_pair(key, value);
        }
        for (name, value) in keep {
            let value = value.trim();
            if !value.is_empty() && value.len() <= KEPT_VALUE_MAX {
                query.append_pair(name, value);
            }
        }
    }
    let with_error = ServerFnUrlError::new(path, error.clone())
        .to_url(page.as_str())
        .ok()?;
    Some(match with_error.query() {
        Some(query) => format!("{}?{query}", with_error.path()),
        None => with_error.path().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn error() -> ErrorBody {
        ErrorBody {
            code: ErrorCode::InvalidCredentials,
            message: "Wrong username or password.".into(),
            field: None,
            diagnostics: None,
            fields: Vec::new(),
        }
    }

    #[test]
    fn the_return_address_keeps_the_page_and_replaces_old_errors() {
        let address = return_address(
            "http://store.test/login?next=%2Fupload%3Fkind%3Dpackages&username=old&__path=x&__err=y",
            "/api/accounts/login",
            &[("username", "Map Maker"), ("empty", " ")],
            &error(),
        )
        .unwrap();
        assert!(address.starts_with("/login?next=%2Fupload%3Fkind%3Dpackages&username=Map+Maker&__path=%2Fapi%2Faccounts%2Flogin&__err="), "{address}");
        assert_eq!(address.matches("__err").count(), 1);
        assert!(!address.contains("old") && !address.contains("empty"));
        let parsed = url::Url::parse(&format!("http://store.test{address}")).unwrap();
        let (_, encoded) = parsed.query_pairs().find(|(k, _)| k == "__err").unwrap();
        assert_eq!(ServerFnUrlError::<ErrorBody>::decode_err(&encoded), error());
    }

    #[test]
    fn the_return_address_never_leaves_the_site() {
        let address = return_address(
            "https://evil.example/phish?a=1",
            "/api/accounts/login",
            &[],
            &error(),
        )
        .unwrap();
        assert!(address.starts_with("/phish?a=1&__path="), "{address}");
        assert!(return_address("not a url", "/p", &[], &error()).is_none());
    }
}
