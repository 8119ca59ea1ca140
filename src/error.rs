//! Errors as users see them.
//!
//! [`ErrorBody`] is the one error shape every client sees: the JSON body of a failed API request
//! (`{"error": code, "message": ...}`) and the error of every server function, so the browser shows
//! the same message the API would return. On the server, [`AppError`] is the error type of every
//! service function; it knows its HTTP status and converts into an [`ErrorBody`].

use serde::{Deserialize, Serialize};

/// A machine-readable code, a message for people, and the form field it concerns (if any).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// A stable, kebab-case code such as `invalid-credentials`.
    #[serde(rename = "error")]
    pub code: String,
    /// What went wrong and what to do about it.
    pub message: String,
    /// The form field the error belongs to, so a page can show it beside that field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For a rejected zip: the validator's findings, as `nanos-store validate --json` prints them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<Vec<crate::validate::Diagnostic>>,
    /// When several fields are wrong at once: every field's error (`code`, `message` and `field`
    /// above repeat the first), so that a form shows them all together.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

/// One form field's error, in [`ErrorBody::fields`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// A stable, kebab-case code such as `invalid-username`.
    #[serde(rename = "error")]
    pub code: String,
    /// The form field.
    pub field: String,
    /// What is wrong with the value and what to do about it.
    pub message: String,
}

impl ErrorBody {
    /// The error for `field`, if this error concerns that field.
    pub fn for_field(&self, field: &str) -> Option<String> {
        self.fields
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.clone())
            .or_else(|| (self.field.as_deref() == Some(field)).then(|| self.message.clone()))
    }
}

impl leptos::server_fn::error::FromServerFnError for ErrorBody {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        let (code, message) = match value {
            E::Request(m) | E::Response(m) => (
                "network-error",
                format!(
                    "The store could not be reached ({m}). Check your connection and try again."
                ),
            ),
            E::Args(m) | E::MissingArg(m) | E::Deserialization(m) => (
                "bad-request",
                format!("The request was not understood: {m}"),
            ),
            other => ("internal-error", other.to_string()),
        };
        ErrorBody {
            code: code.into(),
            message,
            field: None,
            diagnostics: None,
            fields: Vec::new(),
        }
    }
}

#[cfg(feature = "ssr")]
pub use server::{AppError, FieldChecks};

#[cfg(feature = "ssr")]
mod server {
    use super::{ErrorBody, FieldError};
    use axum::http::StatusCode;
    use axum::response::{IntoResponse, Response};

    /// Everything a service function can fail with.
    #[derive(Debug, thiserror::Error)]
    pub enum AppError {
        /// The input is wrong; `field` names the form field when there is one.
        #[error("{message}")]
        Invalid {
            code: &'static str,
            field: Option<&'static str>,
            message: String,
        },
        /// Several fields are wrong at once (at least one); each error belongs beside its field.
        #[error("{}", .0.first().map(|e| e.message.as_str()).unwrap_or("Some fields need attention."))]
        InvalidFields(Vec<FieldError>),
        /// The request needs a logged-in user or a valid token.
        #[error("{message}")]
        Unauthorized { code: &'static str, message: String },
        /// The caller is known but may not do this.
        #[error("{message}")]
        Forbidden { code: &'static str, message: String },
        /// Nothing there, or nothing the caller may see.
        #[error("{0}")]
        NotFound(String),
        /// The request clashes with what exists (a taken name, an existing version).
        #[error("{message}")]
        Conflict {
            code: &'static str,
            field: Option<&'static str>,
            message: String,
        },
        /// A release zip the validator refused.
        #[error("{message}")]
        InvalidZip {
            message: String,
            diagnostics: Vec<crate::validate::Diagnostic>,
        },
        /// The request body is larger than allowed.
        #[error("{0}")]
        TooLarge(String),
        /// The client stopped sending, or sends too slowly, in the middle of a request.
        #[error("{message}")]
        RequestTimeout { code: &'static str, message: String },
        /// Too many attempts; try again later.
        #[error("{message}")]
        TooManyRequests {
            message: String,
            retry_after_secs: i64,
        },
        /// A database failure; details go to the log, not to the user.
        #[error("database error: {0}")]
        Database(#[from] sqlx::Error),
        /// Any other failure that is not the user's fault.
        #[error("{0}")]
        Internal(String),
    }

    impl AppError {
        /// A bad value in form field `field`.
        pub fn field(code: &'static str, field: &'static str, message: impl Into<String>) -> Self {
            AppError::Invalid {
                code,
                field: Some(field),
                message: message.into(),
            }
        }

        /// The caller may not do this.
        pub fn forbidden(message: impl Into<String>) -> Self {
            AppError::Forbidden {
                code: "forbidden",
                message: message.into(),
            }
        }

        /// A request that needs a logged-in user.
        pub fn login_required() -> Self {
            AppError::Unauthorized {
                code: "login-required",
                message: "Log in first.".into(),
            }
        }

        /// The HTTP status this error maps to.
        pub fn status(&self) -> StatusCode {
            match self {
                AppError::Invalid { .. }
                | AppError::InvalidFields(_)
                | AppError::InvalidZip { .. } => StatusCode::UNPROCESSABLE_ENTITY,
                AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
                AppError::RequestTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
                AppError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
                AppError::Forbidden { .. } => StatusCode::FORBIDDEN,
                AppError::NotFound(_) => StatusCode::NOT_FOUND,
                AppError::Conflict { .. } => StatusCode::CONFLICT,
                AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
                AppError::Database(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            }
        }

        /// The body clients see. Internal details are logged here and replaced by a generic message.
        pub fn body(&self) -> ErrorBody {
            let (code, field): (&str, Option<&str>) = match self {
                AppError::Invalid { code, field, .. } | AppError::Conflict { code, field, .. } => {
                    (code, *field)
                }
                AppError::Unauthorized { code, .. }
                | AppError::Forbidden { code, .. }
                | AppError::RequestTimeout { code, .. } => (code, None),
                AppError::InvalidFields(errors) => errors
                    .first()
                    .map(|e| (e.code.as_str(), Some(e.field.as_str())))
                    .unwrap_or(("invalid-fields", None)),
                AppError::NotFound(_) => ("not-found", None),
                AppError::InvalidZip { .. } => ("invalid-zip", None),
                AppError::TooLarge(_) => ("too-large", None),
                AppError::TooManyRequests { .. } => ("too-many-requests", None),
                AppError::Database(_) | AppError::Internal(_) => ("internal-error", None),
            };
            let message = match self {
                AppError::Database(_) | AppError::Internal(_) => {
                    tracing::error!(error = %self, "request failed");
                    "Something went wrong on the server. Please try again; if it keeps happening, tell the store's administrator.".to_string()
                }
                other => other.to_string(),
            };
            ErrorBody {
                code: code.to_string(),
                message,
                field: field.map(str::to_string),
                diagnostics: match self {
                    AppError::InvalidZip { diagnostics, .. } => Some(diagnostics.clone()),
                    _ => None,
                },
                fields: match self {
                    AppError::InvalidFields(errors) => errors.clone(),
                    _ => Vec::new(),
                },
            }
        }
    }

    /// Collects the errors of every field of a form, so that all are reported at once.
    #[derive(Debug, Default)]
    pub struct FieldChecks(Vec<FieldError>);

    impl FieldChecks {
        /// Records the outcome of checking `field`; an `Err` message becomes its error.
        pub fn check(&mut self, code: &str, field: &str, outcome: Result<(), String>) {
            if let Err(message) = outcome {
                self.0.push(FieldError {
                    code: code.into(),
                    field: field.into(),
                    message,
                });
            }
        }

        /// Records an error from a check that already made an [`AppError`]: a field error is
        /// collected; any other error is returned, to be reported at once.
        pub fn add(&mut self, error: AppError) -> Result<(), AppError> {
            match error {
                AppError::Invalid {
                    code,
                    field: Some(field),
                    message,
                } => {
                    self.check(code, field, Err(message));
                    Ok(())
                }
                AppError::InvalidFields(errors) => {
                    self.0.extend(errors);
                    Ok(())
                }
                other => Err(other),
            }
        }

        /// `Ok` when every field passed, else all the errors together.
        pub fn finish(self) -> Result<(), AppError> {
            if self.0.is_empty() {
                Ok(())
            } else {
                Err(AppError::InvalidFields(self.0))
            }
        }
    }

    impl IntoResponse for AppError {
        fn into_response(self) -> Response {
            let mut response = (self.status(), axum::Json(self.body())).into_response();
            if let AppError::TooManyRequests {
                retry_after_secs, ..
            } = self
            {
                response.headers_mut().insert(
                    axum::http::header::RETRY_AFTER,
                    axum::http::HeaderValue::from(retry_after_secs),
                );
            }
            response
        }
    }

    /// Inside a server function, an [`AppError`] becomes the [`ErrorBody`] the browser sees, and the
    /// response gets the error's HTTP status. A plain HTML form post (no JavaScript) keeps Leptos's
    /// redirect back to the form instead, which an error status would override.
    impl From<AppError> for ErrorBody {
        fn from(error: AppError) -> Self {
            use leptos::prelude::use_context;
            let plain_form_post = use_context::<axum::http::request::Parts>()
                .and_then(|parts| {
                    parts
                        .headers
                        .get(axum::http::header::ACCEPT)
                        .and_then(|v| v.to_str().ok())
                        .map(|v| v.contains("text/html"))
                })
                .unwrap_or(false);
            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                if !plain_form_post {
                    response.set_status(error.status());
                }
                if let AppError::TooManyRequests {
                    retry_after_secs, ..
                } = &error
                {
                    response.insert_header(
                        axum::http::header::RETRY_AFTER,
                        axum::http::HeaderValue::from(*retry_after_secs),
                    );
                }
            }
            error.body()
        }
    }
}
