//! Request extractors that turn every kind of bad input into a problem+json:
//! JSON bodies (unknown fields refused, size bounded), JSON Merge Patch
//! documents, query strings and path ids.

use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::time::Duration;

use actix_web::ResponseError;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::ConnectionType;
use actix_web::middleware::Next;

use actix_web::error::PayloadError;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::domain::FieldError;
use crate::domain::validation::Invalid;
use crate::error::AppError;

/// The body size limit, in bytes; bigger bodies are answered 413.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// How long a request's body may take to arrive once its headers have.
#[derive(Debug, Clone, Copy)]
pub struct BodyTimeout(pub Duration);

/// Reads every request's body (within the body limit) before anything else
/// does, and answers 408 and closes the connection when it takes longer than
/// [`BodyTimeout`]: a client trickling a body, or stopping halfway, holds
/// nothing for long.
pub async fn body_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(BodyTimeout(deadline)) = req.app_data::<BodyTimeout>().copied() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    if streams_body(&req) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let limit = req.app_data::<BodyLimit>().copied().unwrap_or(BodyLimit(DEFAULT_BODY_LIMIT)).0;
    let read = actix_web::rt::time::timeout(deadline, req.extract::<web::Bytes>()).await;
    let error = match read {
        Ok(Ok(body)) => {
            req.set_payload(Payload::from(body));
            return Ok(next.call(req).await?.map_into_boxed_body());
        }
        Err(_elapsed) => AppError::RequestTimeout,
        Ok(Err(e)) => match e.as_error::<PayloadError>() {
            Some(PayloadError::Overflow) => AppError::PayloadTooLarge { limit },
            _ if e.as_response_error().status_code().as_u16() == 413 => AppError::PayloadTooLarge { limit },
            _ => AppError::MalformedBody("The body could not be read.".into()),
        },
    };
    let mut response = req.into_response(error.error_response());
    // What is left of the body would be read as the next request.
    response.response_mut().head_mut().set_connection_type(ConnectionType::Close);
    Ok(response)
}

/// Whether the request's body is read as it arrives, by its handler, with its
/// own limits (imports, document uploads): no middleware reads it first.
pub fn streams_body(req: &ServiceRequest) -> bool {
    req.method() == actix_web::http::Method::POST && (is_import(req.path()) || is_document_upload(req.path()))
}

/// Document uploads (`POST …/documents`): bodies of up to
/// [`MAX_BYTES`](crate::domain::document::MAX_BYTES), read as they arrive.
pub fn is_document_upload(path: &str) -> bool {
    path.starts_with("/api/v1/") && path.ends_with("/documents")
}

/// The bytes a body may send past a cap before the answer (413) is given
/// without reading more: read and dropped, so a client that sends its whole
/// body before reading the answer gets the 413 rather than a reset connection.
const DRAINED_PAST_CAP: usize = 16 * 1024 * 1024;

/// Reads a body as it arrives, up to `cap` bytes, each chunk within `idle`:
/// 413 once it grows past `cap` (nothing past the cap is kept), 408 when the
/// client pauses longer than `idle`.
pub async fn read_capped<S>(mut body: S, cap: usize, idle: Duration) -> Result<web::Bytes, AppError>
where
    S: futures_util::Stream<Item = Result<web::Bytes, PayloadError>> + Unpin,
{
    use futures_util::StreamExt;
    let mut kept = web::BytesMut::new();
    let mut received: usize = 0;
    loop {
        let chunk = match actix_web::rt::time::timeout(idle, body.next()).await {
            Err(_) => return Err(AppError::RequestTimeout),
            Ok(None) => break,
            Ok(Some(Err(_))) => return Err(AppError::MalformedBody("The body could not be read.".into())),
            Ok(Some(Ok(chunk))) => chunk,
        };
        received = received.saturating_add(chunk.len());
        if received <= cap {
            kept.extend_from_slice(&chunk);
        } else if received > cap.saturating_add(DRAINED_PAST_CAP) {
            break;
        } else {
            // Past the cap: dropped as it arrives.
            kept.clear();
        }
    }
    if received > cap {
        return Err(AppError::PayloadTooLarge { limit: cap });
    }
    Ok(kept.freeze())
}

/// Imports (`POST …/import`): bodies read as they arrive, upserts that need no `Idempotency-Key`.
pub fn is_import(path: &str) -> bool {
    path.ends_with("/import")
}

/// A JSON request body (`application/json` or any `+json` type).
pub struct JsonBody<T>(pub T);

/// A JSON Merge Patch (RFC 7396) body: `application/merge-patch+json`, or
/// `application/json`.
pub struct MergePatch(pub serde_json::Value);

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let bytes = read_json_body(req, payload);
        Box::pin(async move {
            let bytes = bytes.await?;
            // serde would read a struct from an array, by position: refuse that.
            if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
                parse::<serde_json::Value>(&bytes)?;
                return Err(AppError::field("", "invalid_type", "the body must be a JSON object"));
            }
            parse(&bytes).map(JsonBody)
        })
    }
}

impl FromRequest for MergePatch {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let bytes = read_json_body(req, payload);
        Box::pin(async move {
            let patch: serde_json::Value = parse(&bytes.await?)?;
            if !patch.is_object() {
                return Err(AppError::field("", "not_an_object", "a merge patch must be a JSON object"));
            }
            Ok(MergePatch(patch))
        })
    }
}

/// Reads the body after checking its media type, within the body limit.
fn read_json_body(
    req: &HttpRequest,
    payload: &mut Payload,
) -> impl Future<Output = Result<web::Bytes, AppError>> + use<> {
    let limit = req.app_data::<BodyLimit>().copied().unwrap_or(BodyLimit(DEFAULT_BODY_LIMIT)).0;
    let content_type = req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body = web::Bytes::from_request(req, payload);
    async move {
        let essence = content_type.as_deref().map(|ct| ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase());
        match essence.as_deref() {
            Some("application/json") => {}
            Some(ct) if ct.starts_with("application/") && ct.ends_with("+json") => {}
            other => {
                return Err(AppError::UnsupportedMediaType(format!(
                    "Send the body as application/json (got {}).",
                    other.unwrap_or("no Content-Type")
                )));
            }
        }
        body.await.map_err(|e| match e.as_error::<PayloadError>() {
            Some(PayloadError::Overflow) => AppError::PayloadTooLarge { limit },
            _ => match e.as_response_error().status_code().as_u16() {
                413 => AppError::PayloadTooLarge { limit },
                _ => AppError::MalformedBody("The body could not be read.".into()),
            },
        })
    }
}

pub const DEFAULT_BODY_LIMIT: usize = 256 * 1024;

/// Parses JSON, telling syntax errors (400) from data that does not fit
/// the expected shape (422, with the path of the offending field).
fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(AppError::MalformedBody("The body is empty; send a JSON document.".into()));
    }
    let mut document: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| AppError::MalformedBody(format!("The body is not valid JSON: {e}.")))?;
    integral_numbers(&mut document);
    if let Some(field) = nul_character(&document, String::new()) {
        return Err(AppError::field(field, "invalid_characters", "must not contain the NUL character"));
    }
    from_value(document)
}

/// The path of the first string (or key) holding U+0000. No field may hold
/// it, and PostgreSQL cannot store it in text: refuse it before anything
/// else reads the document.
fn nul_character(value: &serde_json::Value, path: String) -> Option<String> {
    match value {
        serde_json::Value::String(s) => s.contains('\0').then_some(path),
        serde_json::Value::Array(items) => {
            items.iter().enumerate().find_map(|(i, item)| nul_character(item, format!("{path}[{i}]")))
        }
        serde_json::Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            let at = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
            if key.contains('\0') { Some(at) } else { nul_character(item, at) }
        }),
        _ => None,
    }
}

/// JSON does not tell `30` from `30.0`, and JSON Schema counts both as
/// integers: a number without a fraction is read as an integer, so fields
/// typed as integers accept both.
fn integral_numbers(value: &mut serde_json::Value) {
    // Beyond 2^53 a float no longer holds every integer exactly.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    match value {
        serde_json::Value::Number(n) if !n.is_i64() && !n.is_u64() => {
            if let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() <= EXACT) {
                // Integral and within ±2^53: the cast is exact.
                *value = serde_json::Value::from(f as i64);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(integral_numbers),
        serde_json::Value::Object(fields) => fields.values_mut().for_each(integral_numbers),
        _ => {}
    }
}

/// Deserializes an in-memory JSON value (a merged patch) into `T`.
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, AppError> {
    serde_path_to_error::deserialize(value).map_err(shape_error)
}

fn shape_error(error: serde_path_to_error::Error<serde_json::Error>) -> AppError {
    let path = error.path().to_string();
    let inner = error.inner();
    use serde_json::error::Category;
    match inner.classify() {
        Category::Syntax | Category::Eof | Category::Io => {
            AppError::MalformedBody(format!("The body is not valid JSON: {inner}."))
        }
        Category::Data => {
            let message = inner.to_string();
            // Drop serde_json's " at line 1 column 12": the path already says where.
            let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
            let code = if message.starts_with("unknown field") {
                "unknown_field"
            } else if message.starts_with("missing field") {
                "required"
            } else if message.starts_with("unknown variant") {
                "unknown_value"
            } else {
                "invalid_type"
            };
            let field = if path == "." { String::new() } else { path };
            AppError::Validation(vec![FieldError { field, code, message }])
        }
    }
}

/// Applies a merge patch to the writable representation of a resource and
/// reads the result back, so PATCH goes through the same validation as POST.
pub fn merge<T: Serialize + DeserializeOwned>(current: &T, patch: &serde_json::Value) -> Result<T, AppError> {
    let mut document = serde_json::to_value(current).map_err(|e| AppError::Internal(e.into()))?;
    json_patch::merge(&mut document, patch);
    from_value(document)
}

/// Parses an id from the path; an id that cannot exist answers 404, the
/// same as one that does not.
pub fn path_id<I: FromStr<Err = Invalid>>(raw: &str, what: &'static str) -> Result<I, AppError> {
    raw.parse().map_err(|_| AppError::NotFound(what))
}

/// Parses a UUID from the path; anything else answers 404.
pub fn path_id_uuid(raw: &str, what: &'static str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(raw).map_err(|_| AppError::NotFound(what))
}

/// Maps a query parameter that does not parse to 400, naming the parameter.
pub fn invalid_param(name: &'static str) -> impl Fn(Invalid) -> AppError {
    move |e| AppError::InvalidQuery(format!("`{name}` {}.", e.message))
}

/// Refuses a query parameter longer than its documented `maxLength` (in characters) with 400, naming it.
pub fn at_most(name: &'static str, value: Option<&str>, max: usize) -> Result<(), AppError> {
    match value {
        Some(v) if v.chars().count() > max => {
            Err(AppError::InvalidQuery(format!("`{name}` must have at most {max} characters.")))
        }
        _ => Ok(()),
    }
}

/// Refuses a query string that encodes a control character (`%00`-`%1F`,
/// `%7F`) with 400 before any handler sees it: no parameter takes one,
/// and PostgreSQL cannot even compare text holding U+0000.
pub async fn printable_query(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if encodes_control_character(req.query_string()) {
        let error = AppError::InvalidQuery("The query string must not contain control characters.".into());
        let refusal = super::scim::refusal(req.path(), error);
        return Ok(req.into_response(refusal));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

fn encodes_control_character(query: &str) -> bool {
    query.as_bytes().windows(3).any(|w| {
        w[0] == b'%'
            && match (w[1], w[2].to_ascii_lowercase()) {
                (b'0' | b'1', c) => c.is_ascii_hexdigit(),
                (b'7', b'f') => true,
                _ => false,
            }
    }) || query.bytes().any(|b| b.is_ascii_control())
}

/// Query strings that do not parse answer 400 with what was wrong.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| AppError::InvalidQuery(format!("{err}.")).into())
}
