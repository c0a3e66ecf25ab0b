//! `/health` (the process is alive) and `/ready` (it can reach its database).

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
#[utoipa::path(tag = "operations", responses((status = 200, body = Status)))]
#[get("/health")]
async fn health() -> HttpResponse {
    HttpResponse::Ok().json(Status { status: "ok", database: None })
}

/// Readiness
///
/// Answers 200 when the database answers a query, 503 otherwise.
#[utoipa::path(tag = "operations", responses((status = 200, body = Status), (status = 503, response = super::Unavailable)))]
#[get("/ready")]
async fn ready(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    state.db.ping().await?;
    Ok(HttpResponse::Ok().json(Status { status: "ok", database: Some(state.db.url().backend_name()) }))
}
