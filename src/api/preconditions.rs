//! ETags and `If-Match`: every single resource is read with its `ETag` (its
//! version), and every change must name the version it was made against, so
//! no update is ever lost (missing: 428, stale: 412).

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::header::{ETAG, IF_MATCH};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use serde::Serialize;

use crate::error::{AppError, AppResult};

/// The ETag of a resource's `version`.
pub fn etag(version: i64) -> String {
    format!("\"v{version}\"")
}

/// 200 with the resource and its ETag.
pub fn tagged<T: Serialize>(version: i64, body: T) -> HttpResponse {
    HttpResponse::Ok().insert_header((ETAG, etag(version))).json(body)
}

/// The `If-Match` of a change: the versions it may apply to.
#[derive(Debug, Clone)]
pub enum IfMatch {
    /// `*`: whatever the current version is.
    Any,
    Tags(Vec<String>),
}

impl IfMatch {
    /// Refuses with 412 unless `version` is one the caller named.
    pub fn check(&self, version: i64) -> AppResult<()> {
        match self {
            IfMatch::Any => Ok(()),
            IfMatch::Tags(tags) if tags.contains(&etag(version)) => Ok(()),
            IfMatch::Tags(_) => Err(AppError::PreconditionFailed),
        }
    }
}

impl FromRequest for IfMatch {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(header) = req.headers().get(IF_MATCH) else { return ready(Err(AppError::PreconditionRequired)) };
        let Ok(value) = header.to_str() else { return ready(Err(AppError::PreconditionFailed)) };
        // An empty If-Match names no version: as good as none.
        if value.trim().is_empty() {
            return ready(Err(AppError::PreconditionRequired));
        }
        if value.trim() == "*" {
            return ready(Ok(IfMatch::Any));
        }
        // Weak tags never match under If-Match's strong comparison (RFC 9110 §13.1.1).
        let tags = value.split(',').map(str::trim).filter(|t| !t.starts_with("W/")).map(str::to_owned).collect();
        ready(Ok(IfMatch::Tags(tags)))
    }
}
