//! Security regressions from the attacker's review (issue #10). Each finding has a test here that
//! fails if the hole comes back; those that touch the database run on SQLite and on Postgres.
//! The tests live in `tests/security/`, one file per area.

#[path = "security/access_table.rs"]
mod access_table;
#[path = "security/api_policy.rs"]
mod api_policy;
mod common;
#[path = "security/connections.rs"]
mod connections;
#[path = "security/csrf.rs"]
mod csrf;
#[path = "security/headers.rs"]
mod headers;
#[path = "security/login.rs"]
mod login;
#[path = "security/markdown.rs"]
mod markdown;
#[path = "security/renders.rs"]
mod renders;
#[path = "security/support.rs"]
mod support;
#[path = "security/uploads.rs"]
mod uploads;
#[path = "security/xss.rs"]
mod xss;
