//! Security regressions from the attacker's review (issue #10). Each finding has a test here that
//! fails if the hole comes back; those that touch the database run on SQLite and on Postgres.
//! The tests live in `tests/security/`, one file per area.

mod common;
#[path = "security/markdown.rs"]
mod markdown;
