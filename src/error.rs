//! Errors as users see them.
//!
//! [`ErrorBody`] is the one error shape every client sees: the JSON body of a failed API request
//! (`{"error": code, "message": ...}`) and the error of every server function, so the browser shows
//! the same message the API would return. On the server, [`AppError`] is the error type of every
//! service function; it knows its HTTP status and converts into an [`ErrorBody`].

use serde::{Deserialize, Serialize};

/// The code of an error (the field `error` of `ErrorBody` and `FieldError`): kebab-case
/// (`MissingScope` is `missing-scope`), and stable, since programs match on it. A refused release
/// zip is `invalid-zip`, with the validator's findings, each with its own code, in `diagnostics`.
/// README.md's table of error codes says when each is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum ErrorCode {
    // Authentication (401) and permission (403).
    /// 401: the request needs a token or a session and has neither.
    MissingCredentials,
    /// 401: the `Authorization` header is neither `Token <token>` nor `Bearer <token>`.
    InvalidAuthorization,
    /// 401: the token is not shaped like a store token (`nwst_...`).
    MalformedToken,
    /// 401: no token with this value exists on this store.
    UnknownToken,
    /// 401: the token has expired.
    ExpiredToken,
    /// 401: the token was revoked.
    RevokedToken,
    /// 401: a page or server function that needs a logged-in user, without one.
    LoginRequired,
    /// 401: logging in with a wrong username or password.
    InvalidCredentials,
    /// 401: the account is suspended (its tokens stop working, it cannot log in); the message
    /// says why and until when.
    AccountSuspended,
    /// 403: the token lacks the scope the request needs.
    MissingScope,
    /// 403: the token is restricted to a team and the request acts outside it.
    TokenTeamRestricted,
    /// 403: the caller is not a member of the team, or their role there is too low for this.
    Forbidden,
    /// 403: a change with a session cookie that came from another site (`Origin` check).
    CrossSiteRequest,

    // Requests the store cannot read.
    /// 422: a JSON body that is not JSON, has the wrong content type or misses fields.
    InvalidJson,
    /// 422: a multipart upload that cannot be read.
    BadUpload,
    /// 422: a multipart text part (`changelog`, `channel`, `publish`, `caption`) over its size limit.
    PartTooLarge,
    /// 422: a multipart text part that is not UTF-8.
    NotUtf8,
    /// 422: an upload without its `file` part.
    MissingFile,
    /// 422: an upload's `resource` part is not the JSON it takes.
    InvalidResource,
    /// 422: an upload's `resource` part comes twice or after the `file` part.
    MisplacedResource,
    /// 413: a request body over the store's limit.
    TooLarge,
    /// 408: a request body that arrived too slowly, or a store too busy to finish it in time.
    RequestTimeout,
    /// 408: an upload that stopped sending, or sends too slowly.
    UploadStalled,
    /// 429: too many failed log-ins or new accounts from one address, or the Markdown renderer is
    /// busy; try again after `Retry-After` seconds.
    TooManyRequests,
    /// A server function's arguments could not be read.
    BadRequest,
    /// 503: the store cannot do its work now (`/readyz`: its database or release file storage
    /// does not answer).
    NotReady,

    // Values the store refuses (422, with `field` naming the form field unless said otherwise).
    /// A username that breaks the rules for usernames.
    InvalidUsername,
    /// A display name that breaks the rules for display names.
    InvalidDisplayName,
    /// A password that breaks the rules for passwords.
    InvalidPassword,
    /// The current password given to confirm a change is wrong.
    WrongPassword,
    /// The new password is the same as the current one.
    SamePassword,
    /// A typed confirmation (a name, to delete something) does not match.
    ConfirmationMismatch,
    /// A team name that breaks the rules for team names.
    InvalidTeamName,
    /// A team or resource title that is empty or too long.
    InvalidTitle,
    /// A description that is too long.
    InvalidDescription,
    /// A resource's short description that is too long.
    InvalidShortDescription,
    /// A resource name that breaks the rules for resource names.
    InvalidName,
    /// A category that is not one of the kind's categories.
    InvalidCategory,
    /// Too many tags, or a tag that breaks the rules for tags.
    InvalidTags,
    /// A license that is not an SPDX identifier or expression.
    InvalidLicense,
    /// A link that is not an absolute `http(s)` address, or is too long.
    InvalidLink,
    /// No team chosen for a new resource.
    MissingTeam,
    /// A new resource's team does not exist.
    UnknownTeam,
    /// A role that is not `owner`, `admin`, `developer` or `viewer`.
    InvalidRole,
    /// Inviting a user who does not exist, or assigning a report to someone who is not staff.
    UnknownUser,
    /// A release channel that is not `alpha`, `beta`, `stable` or `private`.
    InvalidChannel,
    /// A changelog that is too long.
    InvalidChangelog,
    /// A screenshot caption that is too long.
    InvalidCaption,
    /// Moving a screenshot in a direction that is neither earlier nor later.
    InvalidDirection,
    /// A listing's `sort` that is not `relevance`, `updated`, `downloads` or `name`.
    InvalidSort,
    /// A token's label that is empty or too long.
    InvalidLabel,
    /// A staff action's reason that is missing or too long, or a yank's that is too long.
    InvalidReason,
    /// A site role that is not `moderator` or `admin`.
    InvalidSiteRole,
    /// A report's details that are too long, or missing when the reason is `other`.
    InvalidDetails,
    /// A report reason that is not `malware`, `stolen-content`, `broken`, `spam` or `other`, or
    /// a report status that is not `open`, `dismissed` or `acted-on`.
    InvalidReportReason,
    /// A token's expiry that is missing, in the past or too far ahead, or a suspension's end that
    /// is in the past.
    InvalidExpiry,
    /// A token without any scope.
    InvalidScopes,
    /// A bulk action on releases that is unknown, or chooses no release or too many.
    InvalidBulk,
    /// A file path in a release that is not one: empty, `.` or `..` parts, `\` or control
    /// characters (nothing can be read from outside a release's zip).
    InvalidPath,
    /// A comparison of releases not written `{a}...{b}` with two versions.
    InvalidComparison,
    /// Restricting a token to a team the user is not a member of.
    InvalidTeam,
    /// An image that is not a JPEG, PNG or WebP file.
    NotAnImage,
    /// An image over the size or pixel limits.
    ImageTooLarge,
    /// Without a field: Markdown to preview that is too long (a form field's text gets the
    /// field's own code, such as `invalid-description`).
    MarkdownTooLong,
    /// Without a field: Markdown to preview that is nested too deeply.
    MarkdownTooDeep,
    /// Without a field: Markdown to preview that makes too much HTML.
    MarkdownTooComplex,
    /// Without a field: creating a token beyond the number of active tokens allowed.
    TooManyTokens,
    /// Without a field: a form error without any field's error, which the store never sends
    /// (each field's error carries its own code).
    InvalidFields,

    // Uploads the validator refused.
    /// 422: the release zip was refused; `diagnostics` lists the validator's findings, each with
    /// its own code (see the `Code` schema).
    InvalidZip,

    // Clashes with what exists (409).
    /// The username is taken.
    UsernameTaken,
    /// The team name is taken.
    TeamNameTaken,
    /// The resource name is taken.
    NameTaken,
    /// The user is already a member of the team.
    AlreadyMember,
    /// The user already has an invitation to the team.
    AlreadyInvited,
    /// The change would leave a team without an owner.
    LastOwner,
    /// Deleting a team that still holds resources.
    TeamHasResources,
    /// Uploading a version the resource already has.
    VersionExists,
    /// Deleting a published release (only drafts can be deleted).
    ReleasePublished,
    /// Yanking a draft (only published releases can be yanked; delete a draft instead).
    ReleaseNotPublished,
    /// Deleting a resource that the staff took down (or one of whose releases they did).
    UnderTakedown,
    /// Approving or declining a release that is not waiting for review.
    NotInReview,
    /// Purging the files of a resource or release that is not taken down.
    NotTakenDown,
    /// Adding a screenshot to a full gallery.
    TooManyScreenshots,

    // Anything else.
    /// 404: nothing at this address, or nothing the caller may see.
    NotFound,
    /// 410: the store's staff took this resource or release down; the message says why.
    TakenDown,
    /// 451: this resource or release was taken down for legal reasons; the message says why.
    UnavailableForLegalReasons,
    /// 500: a failure on the server; the details are in its log.
    InternalError,

    // Made by the pages in the browser, never sent by the store.
    /// The store could not be reached.
    NetworkError,
    /// The store answered an upload with something the page does not understand.
    BadResponse,
    /// An upload failed with an HTTP status and no error body.
    UploadFailed,
    /// An upload was interrupted or cancelled.
    UploadInterrupted,
}

impl std::fmt::Display for ErrorCode {
    /// The code as the JSON spells it (`missing-scope`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.serialize(f)
    }
}

impl std::str::FromStr for ErrorCode {
    type Err = serde::de::value::Error;

    /// Reads a code as the JSON spells it (`missing-scope`).
    fn from_str(code: &str) -> Result<Self, Self::Err> {
        use serde::de::IntoDeserializer;
        ErrorCode::deserialize(code.into_deserializer())
    }
}

/// A machine-readable code, a message for people, and the form field it concerns (if any).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// A stable, kebab-case code such as `invalid-credentials`.
    #[serde(rename = "error")]
    pub code: ErrorCode,
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
    pub code: ErrorCode,
    /// The form field.
    pub field: String,
    /// What is wrong with the value and what to do about it.
    pub message: String,
}

impl ErrorBody {
    /// An error with `code` and `message`, concerning no field.
    pub fn new(code: ErrorCode, message: String) -> Self {
        ErrorBody {
            code,
            message,
            field: None,
            diagnostics: None,
            fields: Vec::new(),
        }
    }

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
                ErrorCode::NetworkError,
                format!(
                    "The store could not be reached ({m}). Check your connection and try again."
                ),
            ),
            E::Args(m) | E::MissingArg(m) | E::Deserialization(m) => (
                ErrorCode::BadRequest,
                format!("The request was not understood: {m}"),
            ),
            other => (ErrorCode::InternalError, other.to_string()),
        };
        ErrorBody::new(code, message)
    }
}

#[cfg(feature = "ssr")]
pub use server::{AppError, FieldChecks};

#[cfg(feature = "ssr")]
mod server {
    use super::{ErrorBody, ErrorCode, FieldError};
    use axum::http::StatusCode;
    use axum::response::{IntoResponse, Response};

    /// Everything a service function can fail with.
    #[derive(Debug, thiserror::Error)]
    pub enum AppError {
        /// The input is wrong; `field` names the form field when there is one.
        #[error("{message}")]
        Invalid {
            code: ErrorCode,
            field: Option<&'static str>,
            message: String,
        },
        /// Several fields are wrong at once (at least one); each error belongs beside its field.
        #[error("{}", .0.first().map(|e| e.message.as_str()).unwrap_or("Some fields need attention."))]
        InvalidFields(Vec<FieldError>),
        /// The request needs a logged-in user or a valid token.
        #[error("{message}")]
        Unauthorized { code: ErrorCode, message: String },
        /// The caller is known but may not do this.
        #[error("{message}")]
        Forbidden { code: ErrorCode, message: String },
        /// Nothing there, or nothing the caller may see.
        #[error("{0}")]
        NotFound(String),
        /// Taken down by the staff: `410`, or `451` when `legal`.
        #[error("{message}")]
        TakenDown { legal: bool, message: String },
        /// The request clashes with what exists (a taken name, an existing version).
        #[error("{message}")]
        Conflict {
            code: ErrorCode,
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
        RequestTimeout { code: ErrorCode, message: String },
        /// Too many attempts; try again later.
        #[error("{message}")]
        TooManyRequests {
            message: String,
            retry_after_secs: i64,
        },
        /// The store cannot do its work now (a part it depends on does not answer).
        #[error("{0}")]
        Unavailable(String),
        /// A database failure; details go to the log, not to the user.
        #[error("database error: {0}")]
        Database(#[from] sqlx::Error),
        /// Any other failure that is not the user's fault.
        #[error("{0}")]
        Internal(String),
    }

    impl AppError {
        /// A bad value in form field `field`.
        pub fn field(code: ErrorCode, field: &'static str, message: impl Into<String>) -> Self {
            AppError::Invalid {
                code,
                field: Some(field),
                message: message.into(),
            }
        }

        /// The caller may not do this.
        pub fn forbidden(message: impl Into<String>) -> Self {
            AppError::Forbidden {
                code: ErrorCode::Forbidden,
                message: message.into(),
            }
        }

        /// A request that needs a logged-in user.
        pub fn login_required() -> Self {
            AppError::Unauthorized {
                code: ErrorCode::LoginRequired,
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
                AppError::TakenDown { legal: false, .. } => StatusCode::GONE,
                AppError::TakenDown { legal: true, .. } => {
                    StatusCode::UNAVAILABLE_FOR_LEGAL_REASONS
                }
                AppError::Conflict { .. } => StatusCode::CONFLICT,
                AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
                AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
                AppError::Database(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            }
        }

        /// The body clients see. Internal details are logged here and replaced by a generic message.
        pub fn body(&self) -> ErrorBody {
            let (code, field): (ErrorCode, Option<&str>) = match self {
                AppError::Invalid { code, field, .. } | AppError::Conflict { code, field, .. } => {
                    (*code, *field)
                }
                AppError::Unauthorized { code, .. }
                | AppError::Forbidden { code, .. }
                | AppError::RequestTimeout { code, .. } => (*code, None),
                AppError::InvalidFields(errors) => errors
                    .first()
                    .map(|e| (e.code, Some(e.field.as_str())))
                    .unwrap_or((ErrorCode::InvalidFields, None)),
                AppError::NotFound(_) => (ErrorCode::NotFound, None),
                AppError::TakenDown { legal: false, .. } => (ErrorCode::TakenDown, None),
                AppError::TakenDown { legal: true, .. } => {
                    (ErrorCode::UnavailableForLegalReasons, None)
                }
                AppError::InvalidZip { .. } => (ErrorCode::InvalidZip, None),
                AppError::TooLarge(_) => (ErrorCode::TooLarge, None),
                AppError::TooManyRequests { .. } => (ErrorCode::TooManyRequests, None),
                AppError::Unavailable(_) => (ErrorCode::NotReady, None),
                AppError::Database(_) | AppError::Internal(_) => (ErrorCode::InternalError, None),
            };
            let message = match self {
                AppError::Database(_) | AppError::Internal(_) => {
                    tracing::error!(error = %self, "request failed");
                    "Something went wrong on the server. Please try again; if it keeps happening, tell the store's administrator.".to_string()
                }
                other => other.to_string(),
            };
            ErrorBody {
                code,
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
        pub fn check(&mut self, code: ErrorCode, field: &str, outcome: Result<(), String>) {
            if let Err(message) = outcome {
                self.0.push(FieldError {
                    code,
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
