//! The response headers the service sends, declared once as components
//! (`#/components/headers`) and referred to by each response that really
//! carries them:
//!
//! - `X-Request-Id` on every response (`telemetry::request_id`);
//! - `ETag` where the handler declares it (it sends it: `tagged`, `created`),
//!   unless it describes an ETag of its own form (a document's content);
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

fn components() -> Value {
    json!({
        REQUEST_ID: {
            "description": "The request's id in the service's logs: the caller's own `X-Request-Id` when it is 1 to 64 \
                of `A-Z a-z 0-9 - _ . :`, a new UUID otherwise.",
            "schema": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[A-Za-z0-9_.:-]+$"}
        },
        ETAG: {
            "description": "The version read or written, to send back as `If-Match` with a change.",
            "schema": {"type": "string", "pattern": "^\"v[0-9]+\"$", "examples": ["\"v3\""]}
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
    // An ETag the handler describes itself is of its own form (a document's bytes are tagged with their
    // SHA-256), not a version.
    if headers.get(ETAG).is_some_and(|h| h.get("description").is_none()) {
        headers.insert(ETAG.into(), reference(ETAG));
    }
    for name in sent {
        headers.insert((*name).into(), reference(name));
    }
}
