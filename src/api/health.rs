//! `/health` (the process is alive), `/ready` (it can reach its database) and
//! `/metrics` (Prometheus).

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::AppResult;

#[derive(Serialize, ToSchema)]
pub struct Status {
    #[schema(example = "ok")]
    status: &'static str,
    /// `ready` only: the database backend in use.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "sqlite")]
    database: Option<&'static str>,
}

/// Liveness
///
/// Answers 200 while the process serves requests.
#[utoipa::path(tag = "operations", responses((status = 200, description = "The process serves requests.", body = Status)))]
#[get("/health")]
async fn health() -> HttpResponse {
    HttpResponse::Ok().json(Status { status: "ok", database: None })
}

/// Readiness
///
/// Answers 200 when the database answers a query, 503 otherwise.
#[utoipa::path(tag = "operations", responses((status = 200, description = "The database answers.", body = Status), (status = 503, response = super::Unavailable)))]
#[get("/ready")]
async fn ready(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    state.db.ping().await?;
    Ok(HttpResponse::Ok().json(Status { status: "ok", database: Some(state.db.url().backend_name()) }))
}

/// Metrics
///
/// The service's metrics in the Prometheus text format: requests and latency
/// per route and status (`interim_tracker_http_request_duration_seconds`),
/// database connections in use, idle and waiting per pool, matching latency
/// and the size of the matching index. Like `/health`, it needs no token:
/// expose it to your scraper only.
#[utoipa::path(tag = "operations", responses((status = 200, description = "Prometheus text exposition format 0.0.4.",
    content_type = "text/plain", body = String,
    example = "# TYPE interim_tracker_match_index_candidates gauge\ninterim_tracker_match_index_candidates 200\n")))]
#[get("/metrics")]
async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let text = web::block(move || state.metrics.render(&state)).await.unwrap_or_default();
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(text)
}
