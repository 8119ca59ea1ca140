//! The shared log-in state: the log-in actions and the signed-in user, provided once by the app
//! shell and read by the header and the pages.

use leptos::prelude::*;

use super::api::{Login, Logout, Register};
use super::SignedInUser;
use crate::error::ErrorBody;

/// The log-in actions and the signed-in user, shared by the header and the account pages.
#[derive(Clone, Copy)]
pub struct Auth {
    pub login: ServerAction<Login>,
    pub logout: ServerAction<Logout>,
    pub register: ServerAction<Register>,
    /// Refetched whenever one of the actions above completes.
    pub user: Resource<Result<Option<SignedInUser>, ErrorBody>>,
}

/// The signed-in state provided by the app shell ([`crate::app::App`]).
pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}
