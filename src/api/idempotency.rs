//! `Idempotency-Key` on POST: the first response to a caller's key is kept
//! for 24 hours and replayed to retries (`Idempotent-Replayed: true`); the
//! same key with a different request answers 422, and while the first
//! request is still running, 409. A request never writes twice.

use actix_web::body::{BoxBody, MessageBody, to_bytes};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{CONTENT_TYPE, ETAG, HeaderName, HeaderValue, LOCATION};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError, web};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::db::idempotency::{self as store, Reservation, Stored};
use crate::error::AppError;

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

pub async fn guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let applies = req.method() == Method::POST
        && req.path().starts_with("/api/v1/")
        && req.path() != "/api/v1/auth/token"
        && req.headers().contains_key(IDEMPOTENCY_KEY)
        // Imports are upserts, safe to run again, and their bodies are never held whole.
        && !super::extract::is_import(req.path());
    if !applies {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let refuse = |req: ServiceRequest, error: AppError| Ok(req.into_response(error.error_response()));
    let key = match req.headers().get(IDEMPOTENCY_KEY).and_then(|v| v.to_str().ok()) {
        Some(k) if (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()) => k.to_owned(),
        _ => {
            let error = AppError::InvalidQuery("Idempotency-Key must be 1 to 255 visible ASCII characters.".into());
            return refuse(req, error);
        }
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    // Keys belong to a caller, authenticated in full (a revoked token gets no replay) and counted against
    // the caller's rate limit, once: the handler's extractor finds it done.
    let caller = match req.extract::<crate::auth::Principal>().await {
        Ok(principal) => principal.subject,
        Err(error) => return refuse(req, error),
    };

    let body = if super::extract::is_document_upload(req.path()) {
        // A document is held whole anyway, to be stored: read within its own cap, as its handler reads it.
        let idle = req.app_data::<super::extract::BodyTimeout>().map_or(std::time::Duration::from_secs(10), |t| t.0);
        match super::extract::read_capped(
            actix_web::HttpMessage::take_payload(&mut req),
            crate::domain::document::MAX_BYTES,
            idle,
        )
        .await
        {
            Ok(body) => body,
            Err(error) => {
                let mut response = req.into_response(error.error_response());
                response.response_mut().head_mut().set_connection_type(actix_web::http::ConnectionType::Close);
                return Ok(response);
            }
        }
    } else {
        match req.extract::<web::Bytes>().await {
            Ok(body) => body,
            Err(_) => {
                let limit =
                    req.app_data::<super::extract::BodyLimit>().map_or(super::extract::DEFAULT_BODY_LIMIT, |l| l.0);
                return refuse(req, AppError::PayloadTooLarge { limit });
            }
        }
    };
    let mut hasher = Sha256::new();
    hasher.update(req.path().as_bytes());
    hasher.update([0]);
    hasher.update(req.query_string().as_bytes());
    hasher.update([0]);
    hasher.update(&body);
    let hash: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    req.set_payload(actix_web::dev::Payload::from(body));

    let (c, k, h) = (caller.clone(), key.clone(), hash.clone());
    let reservation = state.db.write(move |conn| store::reserve(conn, &c, &k, &h)).await;
    match reservation {
        Ok(Reservation::New) => {}
        Ok(Reservation::Known(stored)) if stored.request_hash != hash => {
            let error = AppError::field(
                "Idempotency-Key",
                "key_reused",
                "this key was used for a different request; use a new key for a new request",
            );
            return refuse(req, error);
        }
        Ok(Reservation::Known(Stored { status: None, .. })) | Err(AppError::Conflict(_)) => {
            let error =
                AppError::Conflict("A request with this Idempotency-Key is still in progress; retry shortly.".into());
            return refuse(req, error);
        }
        Ok(Reservation::Known(stored)) => return Ok(req.into_response(replay(&stored))),
        Err(error) => return refuse(req, error),
    }

    let response = next.call(req).await;
    let response = match response {
        Ok(response) => response,
        Err(error) => {
            state.db.write(move |conn| store::release(conn, &caller, &key)).await.ok();
            return Err(error);
        }
    };
    let status = response.status();
    // Worth retrying, or a refusal of the caller rather than an answer to the
    // request (a 403 pinned to the key would turn the next request under it
    // into 422 instead of 403): do not pin these to the key.
    if status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::UNAUTHORIZED
        || status == StatusCode::FORBIDDEN
    {
        state.db.write(move |conn| store::release(conn, &caller, &key)).await.ok();
        return Ok(response.map_into_boxed_body());
    }
    let (request, response) = response.into_parts();
    let (head, body) = response.into_parts();
    let bytes =
        to_bytes(body).await.map_err(|_| AppError::Internal(anyhow::anyhow!("reading a response to keep it")))?;
    let header = |name: &HeaderName| head.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let stored = Stored {
        request_hash: hash,
        status: Some(status.as_u16().into()),
        response_body: Some(String::from_utf8_lossy(&bytes).into_owned()),
        location: header(&LOCATION),
        etag: header(&ETAG),
        content_type: header(&CONTENT_TYPE),
    };
    if let Err(error) = state.db.write(move |conn| store::complete(conn, &caller, &key, &stored)).await {
        tracing::error!(%error, "keeping an idempotent response");
    }
    Ok(ServiceResponse::new(request, head.set_body(bytes).map_into_boxed_body()))
}

fn replay(stored: &Stored) -> HttpResponse {
    let status = stored.status.and_then(|s| u16::try_from(s).ok()).and_then(|s| StatusCode::from_u16(s).ok());
    let mut response = HttpResponse::build(status.unwrap_or(StatusCode::OK));
    response.insert_header((REPLAYED, HeaderValue::from_static("true")));
    for (name, value) in [(LOCATION, &stored.location), (ETAG, &stored.etag), (CONTENT_TYPE, &stored.content_type)] {
        if let Some(value) = value.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
            response.insert_header((name, value));
        }
    }
    response.body(stored.response_body.clone().unwrap_or_default())
}
