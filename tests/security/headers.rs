//! Finding 12: every page carries a Content-Security-Policy that allows only the store's own
//! scripts and this response's nonce (which the hydration scripts carry), no framing, no foreign
//! images; every other response a policy that allows nothing. Both for visitors and members.

use crate::common::TestApp;

async fn pages_and_api_answers_carry_the_security_headers(app: &TestApp) {
    let cookie = app.register("headers").await;
    for (page, cookie) in [
        ("/", None),
        ("/packages", None),
        ("/no-such-page", None),
        ("/settings/tokens", Some(cookie.as_str())),
    ] {
        let response = app.get(page, cookie).await;
        let policy = response
            .headers
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{page}: no Content-Security-Policy"));
        let nonce = policy
            .split_once("'nonce-")
            .and_then(|(_, rest)| rest.split_once('\''))
            .map(|(nonce, _)| nonce)
            .unwrap_or_else(|| panic!("{page}: no nonce in {policy}"));
        assert!(nonce.len() >= 16, "{page}: a real nonce");
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
        assert!(policy.contains("img-src 'self' data:"), "{policy}");
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        // Every inline script on the page carries the nonce, so the browser runs it.
        for script in response.body.split("<script").skip(1) {
            let tag = script.split('>').next().unwrap_or_default();
            assert!(
                tag.contains(&format!("nonce=\"{nonce}\"")) || tag.contains(" src="),
                "{page}: a script without the nonce: <script{tag}>"
            );
        }
        assert_eq!(response.headers["x-frame-options"], "DENY");
        assert_eq!(response.headers["x-content-type-options"], "nosniff");
        assert_eq!(response.headers["referrer-policy"], "same-origin");
    }
    let second = app.get("/", None).await;
    let first = app.get("/", None).await;
    assert_ne!(
        second.headers["content-security-policy"], first.headers["content-security-policy"],
        "a new nonce for every response"
    );
    let api = app.api("GET", "/store/v1/packages", None, None).await;
    assert_eq!(
        api.headers["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'; sandbox"
    );
}

crate::on_both_databases!(pages_and_api_answers_carry_the_security_headers);
