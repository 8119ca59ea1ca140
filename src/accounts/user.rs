//! A user row, the one account type the other domains' services need (kept apart from the account
//! services, which use those domains).

use super::SignedInUser;

/// A user row.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct User {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub created_at: i64,
}

impl From<User> for SignedInUser {
    fn from(user: User) -> Self {
        SignedInUser {
            username: user.username,
            display_name: user.display_name,
            site_role: None,
        }
    }
}
