//! The one error type of the service and its one mapping to HTTP: every error
//! leaves as `application/problem+json` (RFC 9457) with a stable `type` per
//! kind. Unexpected errors are logged with their cause and answered with a
//! body that reveals nothing internal.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::FieldError;

/// Prefix of every problem `type`; the suffix names the kind and never changes.
pub const PROBLEM_TYPE_PREFIX: &str = "urn:interim-tracker:problem:";

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No valid bearer token; the reason, when there was a token.
    #[error("unauthenticated")]
    Unauthenticated(Option<&'static str>),
    /// Authenticated, but the caller lacks the permission named by `scope`.
    #[error("forbidden: {scope}")]
    Forbidden { scope: &'static str },
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A conversion no stored exchange rate covers.
    #[error("no exchange rate from {from} to {to} on {on}")]
    NoExchangeRate { from: String, to: String, on: chrono::NaiveDate },
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("malformed body: {0}")]
    MalformedBody(String),
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    #[error("conflict: {0}")]
    Conflict(String),
    /// The candidate was merged into another: answered 308 with `Location` naming the survivor.
    #[error("merged into {into}")]
    Merged { into: String },
    /// What was asked for is no longer kept (a change feed cursor from before what is kept).
    #[error("gone: {0}")]
    Gone(String),
    /// A move outside a life cycle (a pipeline stage, an assignment status);
    /// `allowed` names the moves there are from the current state.
    #[error("refused move: {detail}")]
    RefusedMove { detail: String, allowed: Vec<&'static str> },
    /// A change without `If-Match`.
    #[error("precondition required")]
    PreconditionRequired,
    /// `If-Match` names a version that is no longer current.
    #[error("precondition failed")]
    PreconditionFailed,
    /// The body did not arrive within the body timeout.
    #[error("request body timed out")]
    RequestTimeout,
    #[error("body larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// An import with more rows than one request takes.
    #[error("more than {limit} rows")]
    TooManyRows { limit: u64 },
    /// Never answered: undoes the transaction of a dry run, whose results are kept apart.
    #[error("dry run")]
    DryRun,
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    /// The path exists, but not with this method; `allow` lists the methods it has.
    #[error("method not allowed")]
    MethodNotAllowed { allow: String },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// A validation failure of one field.
    pub fn field(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        AppError::Validation(vec![FieldError { field: field.into(), code, message: message.into() }])
    }

    /// The stable kind (suffix of `type`) and title of this error.
    fn kind(&self) -> (&'static str, &'static str) {
        match self {
            AppError::Unauthenticated(_) => ("unauthenticated", "Authentication required"),
            AppError::Forbidden { .. } => ("forbidden", "Not allowed"),
            AppError::TooManyRequests { .. } => ("rate-limited", "Too many requests"),
            AppError::NotFound(_) | AppError::NoExchangeRate { .. } => ("not-found", "Resource not found"),
            AppError::Validation(_) => ("validation-failed", "The request body is invalid"),
            AppError::MalformedBody(_) => ("malformed-body", "The request body could not be read"),
            AppError::InvalidQuery(_) => ("invalid-query", "The query parameters are invalid"),
            AppError::Conflict(_) | AppError::RefusedMove { .. } => {
                ("conflict", "The request conflicts with the current state")
            }
            AppError::Gone(_) => ("gone", "No longer available"),
            AppError::Merged { .. } => ("merged", "Merged into another record"),
            AppError::PreconditionRequired => ("precondition-required", "If-Match is required"),
            AppError::PreconditionFailed => ("precondition-failed", "The resource has changed"),
            AppError::RequestTimeout => ("request-timeout", "The request body arrived too slowly"),
            AppError::PayloadTooLarge { .. } | AppError::TooManyRows { .. } => {
                ("payload-too-large", "The request body is too large")
            }
            AppError::UnsupportedMediaType(_) => ("unsupported-media-type", "Unsupported media type"),
            AppError::MethodNotAllowed { .. } => ("method-not-allowed", "Method not allowed"),
            AppError::Unavailable(_) => ("service-unavailable", "The service is temporarily unavailable"),
            AppError::Internal(_) | AppError::DryRun => ("internal-error", "Internal server error"),
        }
    }

    /// The problem document this error is answered with (the spec's examples are made with it too).
    pub fn problem(&self) -> Problem {
        let (kind, title) = self.kind();
        Problem {
            problem_type: format!("{PROBLEM_TYPE_PREFIX}{kind}"),
            title: title.into(),
            status: self.status_code().as_u16(),
            detail: self.detail(),
            errors: match self {
                AppError::Validation(errors) => errors.clone(),
                _ => Vec::new(),
            },
            merged_into: match self {
                AppError::Merged { into } => Some(into.clone()),
                _ => None,
            },
            allowed_moves: match self {
                AppError::RefusedMove { allowed, .. } => Some(allowed.iter().map(|m| (*m).to_owned()).collect()),
                _ => None,
            },
        }
    }

    fn detail(&self) -> String {
        match self {
            AppError::Unauthenticated(None) => {
                "Send an access token: `Authorization: Bearer <token>` (see POST /api/v1/auth/token).".into()
            }
            AppError::Unauthenticated(Some(reason)) => format!("The access token was refused: {reason}."),
            AppError::Forbidden { scope } => format!("Your role or scopes do not allow this ({scope})."),
            AppError::TooManyRequests { retry_after_secs } => format!("Retry in {retry_after_secs} s."),
            AppError::NotFound(what) => format!("No {what} exists with this id."),
            AppError::NoExchangeRate { from, to, on } => format!(
                "No exchange rate of {from}/{to} or {to}/{from} is in force on {on}; enter one with \
                 PUT /api/v1/exchange-rates/{from}/{to}/{{valid_from}}."
            ),
            AppError::Validation(errors) => {
                format!("{} field(s) are invalid; see `errors`.", errors.len())
            }
            AppError::MalformedBody(d) | AppError::InvalidQuery(d) | AppError::Conflict(d) | AppError::Gone(d) => {
                d.clone()
            }
            AppError::RefusedMove { detail, .. } => detail.clone(),
            AppError::Merged { into } => {
                format!("This candidate was merged into {into}, which holds everything of theirs: use that id.")
            }
            AppError::UnsupportedMediaType(d) => d.clone(),
            AppError::PreconditionRequired => {
                "Send If-Match with the ETag of the version you read, so no change is lost.".into()
            }
            AppError::PreconditionFailed => {
                "The resource changed since you read it: read it again, then reapply your change.".into()
            }
            AppError::RequestTimeout => "Send the whole body without pausing; the connection is closed.".into(),
            AppError::PayloadTooLarge { limit } => format!("The body must not exceed {limit} bytes."),
            AppError::TooManyRows { limit } => {
                format!("An import takes at most {limit} rows; the rows before were processed. Split the file.")
            }
            AppError::MethodNotAllowed { allow } => format!("This resource supports: {allow}."),
            AppError::Unavailable(_) => "The database is busy or unreachable; retry shortly.".into(),
            AppError::Internal(_) | AppError::DryRun => "An unexpected error occurred; it has been logged.".into(),
        }
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:interim-tracker:problem:validation-failed",
    "title": "The request body is invalid",
    "status": 422,
    "detail": "1 field(s) are invalid; see `errors`.",
    "errors": [{"field": "skills[0].level", "code": "out_of_range", "message": "must be between 1 and 5"}]
}))]
pub struct Problem {
    /// Stable identifier of the kind of problem.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Per-field details, for `validation-failed`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<ProblemFieldError>)]
    pub errors: Vec<FieldError>,
    /// For `merged`: the id of the candidate the record was merged into (as `Location` names it).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Uuid)]
    pub merged_into: Option<String>,
    /// For a refused move (`conflict`): the moves allowed from the current state (empty when none is).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_moves: Option<Vec<String>>,
}

/// One invalid field of a request.
#[derive(Debug, Serialize, ToSchema)]
#[allow(dead_code)] // documents the shape of `FieldError` for the spec
pub struct ProblemFieldError {
    /// JSON path of the field, such as `skills[2].level`.
    pub field: String,
    /// Stable code: `required`, `out_of_range`, `unknown_field`, `invalid_format`, ...
    pub code: String,
    pub message: String,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden { .. } => StatusCode::FORBIDDEN,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::NotFound(_) | AppError::NoExchangeRate { .. } => StatusCode::NOT_FOUND,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::MalformedBody(_) | AppError::InvalidQuery(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) | AppError::RefusedMove { .. } => StatusCode::CONFLICT,
            AppError::Gone(_) => StatusCode::GONE,
            AppError::Merged { .. } => StatusCode::PERMANENT_REDIRECT,
            AppError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            AppError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            AppError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            AppError::PayloadTooLarge { .. } | AppError::TooManyRows { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) | AppError::DryRun => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        match self {
            AppError::Internal(cause) => tracing::error!(error = ?cause, "request failed"),
            AppError::Unavailable(cause) => tracing::warn!(%cause, "database unavailable"),
            _ => tracing::debug!(error = %self, "request refused"),
        }
        let problem = self.problem();
        let mut response = HttpResponse::build(status);
        response.content_type("application/problem+json");
        match self {
            AppError::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("1")));
            }
            AppError::MethodNotAllowed { allow } => {
                response.insert_header((header::ALLOW, allow.clone()));
            }
            AppError::Merged { into } => {
                response.insert_header((header::LOCATION, format!("/api/v1/candidates/{into}")));
            }
            AppError::TooManyRequests { retry_after_secs } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            // RFC 6750 §3: no error code when no token was sent.
            AppError::Unauthenticated(None) => {
                response.insert_header((header::WWW_AUTHENTICATE, r#"Bearer realm="interim-tracker""#));
            }
            AppError::Unauthenticated(Some(reason)) => {
                let challenge =
                    format!(r#"Bearer realm="interim-tracker", error="invalid_token", error_description="{reason}""#);
                response.insert_header((header::WWW_AUTHENTICATE, challenge));
            }
            AppError::Forbidden { scope } if scope.contains(':') => {
                let challenge =
                    format!(r#"Bearer realm="interim-tracker", error="insufficient_scope", scope="{scope}""#);
                response.insert_header((header::WWW_AUTHENTICATE, challenge));
            }
            _ => {}
        }
        response.json(problem)
    }
}

impl From<DieselError> for AppError {
    fn from(error: DieselError) -> Self {
        match error {
            DieselError::NotFound => AppError::NotFound("resource"),
            DieselError::DatabaseError(kind, info) => match kind {
                DatabaseErrorKind::UniqueViolation => {
                    AppError::Conflict("A record with the same unique value already exists.".into())
                }
                DatabaseErrorKind::ForeignKeyViolation => AppError::Conflict(
                    "The record is referenced by, or refers to, records that prevent this change.".into(),
                ),
                DatabaseErrorKind::SerializationFailure => {
                    AppError::Conflict("A concurrent change got there first; retry the request.".into())
                }
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand => {
                    AppError::Unavailable(info.message().to_owned())
                }
                // SQLite reports lock contention as a plain error.
                _ if info.message().contains("database is locked") || info.message().contains("busy") => {
                    AppError::Unavailable(info.message().to_owned())
                }
                _ => AppError::Internal(anyhow::anyhow!("database error: {}", info.message())),
            },
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        AppError::Unavailable(error.to_string())
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(_: actix_web::error::BlockingError) -> Self {
        AppError::Unavailable("the blocking thread pool is shut down".into())
    }
}

pub type AppResult<T> = Result<T, AppError>;
