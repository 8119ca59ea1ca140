//! Finding 6: log-in throttling. Slots are taken before the password check (no race), strangers
//! cannot lock the owner out, `X-Forwarded-For` counts only from a trusted proxy, and registrations
//! are limited per address.

use std::net::IpAddr;

use futures_util::future::join_all;
use nanos_store::accounts::{service, throttle};
use nanos_store::db;

use crate::common::{form_request, send_from, TestApp, TestResponse};

const PASSWORD: &str = "correct horse battery";
const WRONG: &str = "not the password at all";

fn ip(text: &str) -> IpAddr {
    text.parse().expect("test address")
}

/// A log-in over HTTP through `router`, from `peer`, with an `X-Forwarded-For` header when given.
async fn log_in_via(
    router: &axum::Router,
    peer: &str,
    forwarded_for: Option<&str>,
    username: &str,
    password: &str,
) -> TestResponse {
    let mut request = form_request(
        "/api/accounts/login",
        &[("username", username), ("password", password)],
    );
    if let Some(value) = forwarded_for {
        request
            .headers_mut()
            .insert("x-forwarded-for", value.parse().expect("header value"));
    }
    send_from(router, ip(peer), request).await
}

fn assert_too_many(response: &TestResponse) {
    assert_eq!(response.status, 429, "{}", response.body);
    assert_eq!(response.json()["error"], "too-many-requests");
    let retry_after: i64 = response.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1, "Retry-After {retry_after}");
}

async fn concurrent_guesses_get_only_the_limit_of_password_checks(app: &TestApp) {
    app.create_user("victim").await;
    let answers =
        join_all((0..40).map(|_| log_in_via(&app.router, "198.51.100.7", None, "victim", WRONG)))
            .await;
    let checked = answers.iter().filter(|r| r.status == 401).count() as i64;
    let refused: Vec<&TestResponse> = answers.iter().filter(|r| r.status == 429).collect();
    assert_eq!(
        checked,
        throttle::MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS,
        "password checks"
    );
    assert_eq!(refused.len() as i64, 40 - checked, "everything else is 429");
    for response in refused {
        assert_too_many(response);
        assert!(
            response.json()["message"]
                .as_str()
                .unwrap()
                .contains("this account from your address"),
            "{}",
            response.body
        );
    }
}

async fn strangers_cannot_lock_the_owner_out(app: &TestApp) {
    app.create_user("owner").await;

    // A stranger hammers the account from one address until refused...
    for _ in 0..2 * throttle::MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS {
        let response = log_in_via(&app.router, "198.51.100.7", None, "owner", WRONG).await;
        assert!(
            matches!(response.status.as_u16(), 401 | 429),
            "{}",
            response.body
        );
    }
    assert_too_many(&log_in_via(&app.router, "198.51.100.7", None, "owner", PASSWORD).await);
    // ...and the owner still logs in from their own address at once.
    let response = log_in_via(&app.router, "192.0.2.10", None, "owner", PASSWORD).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert!(response.session_cookie().is_some());

    // Guessing spread over many addresses only slows the account down for new addresses.
    let pool = &app.state.pool;
    let now = db::now();
    let mut delayed = 0;
    for n in 1..=30 {
        let stranger = ip(&format!("203.0.113.{n}"));
        match service::log_in(pool, "owner", WRONG, Some(stranger), now).await {
            Err(nanos_store::error::AppError::Unauthorized { .. }) => {}
            Err(nanos_store::error::AppError::TooManyRequests {
                retry_after_secs, ..
            }) => {
                assert!(retry_after_secs <= throttle::ACCOUNT_MAX_DELAY_SECS);
                delayed += 1;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    // The stranger's first failures count towards the free ones too.
    let free_left =
        throttle::ACCOUNT_FAILURES_BEFORE_DELAY - throttle::MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS;
    assert_eq!(delayed, 30 - free_left);

    // The owner's known address is not slowed down at all...
    service::log_in(pool, "owner", PASSWORD, Some(ip("192.0.2.10")), now)
        .await
        .expect("the owner's usual address is never delayed");
    // ...and a new one waits a short while, not a lock-out.
    let new_address = Some(ip("192.0.2.99"));
    let wait = match service::log_in(pool, "owner", PASSWORD, new_address, now).await {
        Err(nanos_store::error::AppError::TooManyRequests {
            retry_after_secs, ..
        }) => retry_after_secs,
        other => panic!("expected a delay, got {other:?}"),
    };
    assert!(
        (1..=throttle::ACCOUNT_MAX_DELAY_SECS).contains(&wait),
        "waits {wait} s"
    );
    service::log_in(pool, "owner", PASSWORD, new_address, now + wait)
        .await
        .expect("in after the delay");
}

async fn forwarded_for_counts_only_behind_a_trusted_proxy(app: &TestApp) {
    app.create_user("alice").await;
    app.create_user("bob").await;
    let limit = throttle::MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS;

    // No trusted proxy: a made-up X-Forwarded-For changes nothing, the peer is the client.
    for n in 0..limit {
        let forged = format!("192.0.2.{n}");
        let response = log_in_via(&app.router, "10.0.0.2", Some(&forged), "alice", WRONG).await;
        assert_eq!(response.status, 401, "{}", response.body);
    }
    assert_too_many(
        &log_in_via(
            &app.router,
            "10.0.0.2",
            Some("192.0.2.200"),
            "alice",
            PASSWORD,
        )
        .await,
    );

    // Behind a trusted proxy the header names the client; entries left of it are the client's
    // own claims and are ignored.
    let behind_proxy =
        app.with_settings(|s| s.trusted_proxies = vec!["10.0.0.0/8".parse().unwrap()]);
    for _ in 0..limit {
        let response = log_in_via(
            &behind_proxy,
            "10.0.0.2",
            Some("192.0.2.1, 198.51.100.1"),
            "bob",
            WRONG,
        )
        .await;
        assert_eq!(response.status, 401, "{}", response.body);
    }
    assert_too_many(
        &log_in_via(
            &behind_proxy,
            "10.0.0.2",
            Some("198.51.100.1"),
            "bob",
            PASSWORD,
        )
        .await,
    );
    assert_too_many(
        &log_in_via(
            &behind_proxy,
            "10.0.0.2",
            Some("198.51.100.2, 198.51.100.1"),
            "bob",
            PASSWORD,
        )
        .await,
    );
    let response = log_in_via(
        &behind_proxy,
        "10.0.0.2",
        Some("198.51.100.2"),
        "bob",
        PASSWORD,
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.body);
    // A client that is not the proxy cannot pick its address with the header.
    assert_too_many(
        &log_in_via(
            &behind_proxy,
            "198.51.100.1",
            Some("192.0.2.7"),
            "bob",
            PASSWORD,
        )
        .await,
    );
}

async fn registrations_are_limited_per_address(app: &TestApp) {
    let per_hour = app.state.settings.registrations_per_hour;
    let register = |peer: &'static str, username: String| async move {
        let request = form_request(
            "/api/accounts/register",
            &[
                ("username", &username),
                ("display_name", "New"),
                ("password", PASSWORD),
            ],
        );
        send_from(&app.router, ip(peer), request).await
    };

    // Refused registrations (a taken name) do not use up the address's allowance.
    app.create_user("taken").await;
    assert_eq!(register("192.0.2.50", "taken".into()).await.status, 409);

    let answers =
        join_all((0..2 * per_hour).map(|n| register("192.0.2.50", format!("new-{n}")))).await;
    let created = answers.iter().filter(|r| r.status == 200).count() as i64;
    assert_eq!(created, per_hour, "accounts created from one address");
    for response in answers.iter().filter(|r| r.status != 200) {
        assert_too_many(response);
        let message = response.json()["message"].as_str().unwrap().to_string();
        assert!(
            message.contains("new accounts from your address"),
            "{message}"
        );
    }

    // Another address is not affected, and the allowance comes back after an hour.
    assert_eq!(register("192.0.2.51", "elsewhere".into()).await.status, 200);
    let registration = service::Registration {
        username: "next-hour".into(),
        display_name: "Next".into(),
        password: PASSWORD.into(),
    };
    let later = db::now() + throttle::REGISTRATION_WINDOW_SECS + 1;
    service::register_from(
        &app.state.pool,
        registration,
        Some(ip("192.0.2.50")),
        per_hour,
        later,
    )
    .await
    .expect("allowed again an hour later");
}

crate::on_both_databases!(
    concurrent_guesses_get_only_the_limit_of_password_checks,
    strangers_cannot_lock_the_owner_out,
    forwarded_for_counts_only_behind_a_trusted_proxy,
    registrations_are_limited_per_address,
);
