//! `/api/v1/candidates/tags` and `/api/v1/needs/tags`: the tags in use,
//! with how many candidates or needs carry each, for pickers and
//! autocompletion. Tags are set on the records themselves (`tags`) and
//! filter their lists (`tag=`).

use actix_web::{get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::invalid_param;
use crate::AppState;
use crate::auth::Allowed;
use crate::db::tags as store;
use crate::domain::access::required;
use crate::error::{AppError, AppResult};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(candidate_tags).service(need_tags);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CandidateTagsQuery {
    /// Only tags that start with this text (compared in lowercase, as tags are kept).
    #[param(pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$", max_length = 50)]
    prefix: Option<String>,
    /// At most this many tags, 1 to 200 (default 100).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NeedTagsQuery {
    /// Only tags that start with this text (compared in lowercase, as tags are kept).
    #[param(pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$", max_length = 50)]
    prefix: Option<String>,
    /// Only the needs of this organization (organization members always get their own).
    #[param(format = Uuid)]
    organization_id: Option<String>,
    /// At most this many tags, 1 to 200 (default 100).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
}

/// The prefix (in lowercase, as tags are kept) and the limit a query asks for.
fn prefix_and_limit(prefix: Option<&str>, limit: Option<i64>) -> AppResult<(String, usize)> {
    super::extract::at_most("prefix", prefix, 50)?;
    if prefix.is_some_and(|p| p.chars().any(char::is_control)) {
        return Err(AppError::InvalidQuery("`prefix` must not hold control characters.".into()));
    }
    let limit = limit.unwrap_or(100);
    if !(1..=200).contains(&limit) {
        return Err(AppError::InvalidQuery("`limit` must be between 1 and 200.".into()));
    }
    Ok((prefix.unwrap_or("").trim_start().to_lowercase(), limit as usize))
}

/// A tag and how many records carry it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TagCount {
    pub tag: String,
    pub count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"tag": "board-ready", "count": 42}, {"tag": "french speaking", "count": 17}]}))]
pub struct TagCounts {
    /// The most used first, then by tag.
    pub items: Vec<TagCount>,
}

fn counts(found: Vec<(String, i64)>) -> web::Json<TagCounts> {
    web::Json(TagCounts { items: found.into_iter().map(|(tag, count)| TagCount { tag, count }).collect() })
}

/// The tags on candidates
///
/// Every tag candidates carry, with how many carry it; `prefix` narrows them for autocompletion. Filter the
/// candidates list by tags with `GET /api/v1/candidates?tag=a,b`.
#[utoipa::path(security(("oauth2" = ["candidates:read"])), tag = "candidates", params(CandidateTagsQuery),
    responses((status = 200, description = "The tags in use, most used first.", body = TagCounts)))]
#[get("/candidates/tags")]
async fn candidate_tags(
    state: web::Data<AppState>,
    _: Allowed<required::CandidatesRead>,
    query: web::Query<CandidateTagsQuery>,
) -> AppResult<web::Json<TagCounts>> {
    let (prefix, limit) = prefix_and_limit(query.prefix.as_deref(), query.limit)?;
    Ok(counts(state.db.read(move |conn| store::on_candidates(conn, &prefix, limit)).await?))
}

/// The tags on needs
///
/// Every tag needs carry, with how many carry it; organization members see their own organization's.
/// Filter the needs list by tags with `GET /api/v1/needs?tag=a,b`.
#[utoipa::path(security(("oauth2" = ["needs:read"])), tag = "needs", params(NeedTagsQuery),
    responses((status = 200, description = "The tags in use, most used first.", body = TagCounts)))]
#[get("/needs/tags")]
async fn need_tags(
    state: web::Data<AppState>,
    principal: Allowed<required::NeedsRead>,
    query: web::Query<NeedTagsQuery>,
) -> AppResult<web::Json<TagCounts>> {
    let (prefix, limit) = prefix_and_limit(query.prefix.as_deref(), query.limit)?;
    let requested =
        query.organization_id.as_deref().map(str::parse).transpose().map_err(invalid_param("organization_id"))?;
    let organization = principal.tenant().or(requested);
    Ok(counts(state.db.read(move |conn| store::on_needs(conn, organization, &prefix, limit)).await?))
}
