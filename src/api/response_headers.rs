//! The response headers the service sends, declared once as components
//! (`#/components/headers`) and referred to by each response that really
//! carries them:
//!
//! - `X-Request-Id` on every response (`telemetry::request_id`);
//! - `ETag` where the handler declares it (it sends it: `tagged`, `created`,
//!   and a document's download, tagged with the SHA-256 of its bytes);
//! - `Content-Disposition`, `X-Content-Type-Options` and `Cache-Control`
//!   where the handler declares them (a document's download);
//! - `Idempotent-Replayed` on the successes of operations that take an
//!   `Idempotency-Key` (`idempotency::replay`);
//! - `Retry-After` on 429 and 503, `WWW-Authenticate` on 401 and on a 403
//!   for a missing scope (`AppError::error_response`).

use serde_json::{Map, Value, json};

const REQUEST_ID: &str = "X-Request-Id";
const ETAG: &str = "ETag";
const REPLAYED: &str = "Idempotent-Replayed";
const RETRY_AFTER: &str = "Retry-After";
const WWW_AUTHENTICATE: &str = "WWW-Authenticate";
const CONTENT_DISPOSITION: &str = "Content-Disposition";
const NOSNIFF: &str = "X-Content-Type-Options";
const CACHE_CONTROL: &str = "Cache-Control";
/// The headers a handler declares by name, each made to refer to its component.
const DECLARED_BY_HANDLERS: [&str; 4] = [ETAG, CONTENT_DISPOSITION, NOSNIFF, CACHE_CONTROL];

fn components() -> Value {
    json!({
        REQUEST_ID: {
            "description": "The request's id in the service's logs: the caller's own `X-Request-Id` when it is 1 to 64 \
                of `A-Z a-z 0-9 - _ . :`, a new UUID otherwise.",
            "schema": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[A-Za-z0-9_.:-]+$"}
        },
        ETAG: {
            "description": "The version read or written, to send back as `If-Match` with a change; on a document's \
                content, the SHA-256 of its bytes (hex), to send back as `If-None-Match`.",
            "schema": {"type": "string", "pattern": "^\"(v[0-9]+|[0-9a-f]{64})\"$", "examples": ["\"v3\""]}
        },
        CONTENT_DISPOSITION: {
            "description": "`attachment`, with the file name as `filename` (ASCII, other characters as `_`) and as \
                `filename*` (UTF-8, RFC 5987), per RFC 6266.",
            "schema": {"type": "string", "examples": ["attachment; filename=\"cv.pdf\"; filename*=UTF-8''cv.pdf"]}
        },
        NOSNIFF: {
            "description": "`nosniff`: the content is of the type it is sent as, and nothing else.",
            "schema": {"type": "string", "enum": ["nosniff"]}
        },
        CACHE_CONTROL: {
            "description": "`private, no-cache`: personal data, kept by the caller's own client only and checked \
                again (`If-None-Match`) before reuse.",
            "schema": {"type": "string", "enum": ["private, no-cache"]}
        },
        REPLAYED: {
            "description": "`true` when this is the kept answer to an earlier request with the same `Idempotency-Key`, \
                replayed: nothing was done again.",
            "schema": {"type": "string", "enum": ["true"]}
        },
        RETRY_AFTER: {
            "description": "Seconds to wait before trying again.",
            "schema": {"type": "integer", "minimum": 0}
        },
        WWW_AUTHENTICATE: {
            "description": "The bearer challenge (RFC 6750): `error=\"invalid_token\"` with the reason a token was refused, \
                or `error=\"insufficient_scope\"` with the scope a call needs.",
            "schema": {"type": "string", "examples": ["Bearer realm=\"interim-tracker\", error=\"invalid_token\", \
                error_description=\"the token has expired\""]}
        },
    })
}

fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/headers/{name}")})
}

/// Declares the headers in `doc` (the serialized document).
pub fn declare(doc: &mut Value) {
    if let Some(components_of) = doc.get_mut("components").and_then(Value::as_object_mut) {
        components_of.insert("headers".into(), components());
        let responses = components_of.get_mut("responses").and_then(Value::as_object_mut);
        for (name, response) in responses.into_iter().flatten() {
            let mut sent = vec![REQUEST_ID];
            match name.as_str() {
                "TooManyRequests" | "Unavailable" => sent.push(RETRY_AFTER),
                "Unauthorized" | "Forbidden" => sent.push(WWW_AUTHENTICATE),
                _ => {}
            }
            add(response, &sent);
        }
    }
    let paths = doc.get_mut("paths").and_then(Value::as_object_mut);
    let items = paths.into_iter().flat_map(|paths| paths.values_mut()).filter_map(Value::as_object_mut);
    for operation in items.flat_map(|item| item.values_mut()) {
        let idempotent = operation
            .get("parameters")
            .and_then(Value::as_array)
            .is_some_and(|ps| ps.iter().any(|p| p["name"] == "Idempotency-Key"));
        let responses = operation.get_mut("responses").and_then(Value::as_object_mut);
        // A `$ref` response carries the headers of its component.
        for (status, response) in responses.into_iter().flatten().filter(|(_, r)| r.get("$ref").is_none()) {
            let mut sent = vec![REQUEST_ID];
            if idempotent && status.starts_with('2') {
                sent.push(REPLAYED);
            }
            // An operation's own refusals (SCIM's) carry what the shared ones do.
            match status.as_str() {
                "429" | "503" => sent.push(RETRY_AFTER),
                "401" | "403" => sent.push(WWW_AUTHENTICATE),
                _ => {}
            }
            add(response, &sent);
        }
    }
}

/// Adds the headers `sent` to `response`, and makes the ones a handler
/// declared by name (`ETag`) refer to their component.
fn add(response: &mut Value, sent: &[&str]) {
    let Some(response) = response.as_object_mut() else { return };
    let headers = response.entry("headers").or_insert_with(|| Value::Object(Map::new()));
    let Some(headers) = headers.as_object_mut() else { return };
    for name in DECLARED_BY_HANDLERS {
        if headers.contains_key(name) {
            headers.insert(name.into(), reference(name));
        }
    }
    for name in sent {
        headers.insert((*name).into(), reference(name));
    }
}
