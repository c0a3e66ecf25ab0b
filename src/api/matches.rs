//! Matching: candidates ranked for a need, the full explanation for one
//! candidate (including why one is excluded), and open needs ranked for a
//! candidate. Scores come from [`crate::matching`].

use actix_web::{HttpResponse, get, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::path_id;
use super::pagination::{self, PageOf, Paging};
use crate::AppState;
use crate::auth::Allowed;
use crate::db::page::{Page, Position};
use crate::db::{candidates, needs, skillsets};
use crate::domain::access::required;
use crate::domain::{CandidateId, NeedId, Stored};
use crate::error::{AppError, AppResult};
use crate::matching::{self, Explanation, Settings, Weights};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(need_matches).service(need_match).service(candidate_matches);
}

/// How far above a need's budget a day rate may be and still pass.
pub const RATE_TOLERANCE: f64 = 0.10;

fn settings() -> Settings {
    Settings { weights: Weights::default(), rate_tolerance: RATE_TOLERANCE, today: Utc::now().date_naive() }
}

/// A candidate ranked for a need.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateMatch {
    pub candidate_id: String,
    pub first_name: String,
    pub last_name: String,
    pub headline: Option<String>,
    #[serde(flatten)]
    pub explanation: Explanation,
}

/// A need ranked for a candidate.
#[derive(Debug, Serialize, ToSchema)]
pub struct NeedMatch {
    pub need_id: String,
    pub organization_id: String,
    pub title: String,
    #[serde(flatten)]
    pub explanation: Explanation,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MatchQuery {
    /// Only results scoring at least this (0-100).
    min_score: Option<f64>,
    /// Also list candidates a hard filter excludes (default: only eligible ones).
    include_excluded: Option<bool>,
    /// Page size, 1 to 200 (default 50; larger values are capped).
    limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    include_total: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct MatchFilter {
    min_score: f64,
    include_excluded: bool,
}

/// Results are always ranked best first; ties go to the smaller id.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Ranking {
    Score,
}

/// A result: the id of what was scored, its explanation, and the object.
type Scored<T> = (String, Explanation, T);
/// A page of results with what produced it, for minting the next cursor.
type Ranked<T> = (Page<Scored<T>>, MatchFilter, crate::db::page::PageRequest<Ranking>);

/// Ranks scored results and cuts the page after the cursor's position.
fn rank<T>(mut scored: Vec<Scored<T>>, query: MatchQuery) -> AppResult<Ranked<T>> {
    let filter = MatchFilter {
        min_score: query.min_score.unwrap_or(0.0),
        include_excluded: query.include_excluded.unwrap_or(false),
    };
    if !(0.0..=100.0).contains(&filter.min_score) {
        return Err(AppError::InvalidQuery("`min_score` must be between 0 and 100.".into()));
    }
    let paging =
        Paging { limit: query.limit, cursor: query.cursor.as_deref(), sort: None, include_total: query.include_total };
    let (filter, request) = pagination::resolve(paging, filter, Ranking::Score)?;
    scored.retain(|(_, e, _)| e.total >= filter.min_score && (filter.include_excluded || e.eligible));
    scored.sort_by(|a, b| b.1.total.total_cmp(&a.1.total).then_with(|| a.0.cmp(&b.0)));
    let total = request.with_total.then_some(scored.len() as i64);
    if let Some(after) = &request.after {
        let score: f64 =
            after.value.parse().map_err(|_| AppError::InvalidQuery("the cursor is not valid for this list".into()))?;
        scored.retain(|(id, e, _)| e.total < score || (e.total == score && id.as_str() > after.id.as_str()));
    }
    scored.truncate(request.limit as usize + 1);
    let page = Page::from_rows(scored, request.limit, total, |(id, e, _)| Position {
        value: e.total.to_string(),
        id: id.clone(),
    });
    Ok((page, filter, request))
}

/// Rank candidates for a need
///
/// Every candidate scored against the need and its ideal skillset, best first. Only eligible candidates (every
/// hard filter passed) unless `include_excluded=true`. Each result carries its full explanation.
#[utoipa::path(security(("oauth2" = ["candidates:read"])), tag = "matching",
    params(("id" = String, Path, description = "Need id"), MatchQuery),
    responses((status = 200, body = PageOf<CandidateMatch>)))]
#[get("/needs/{id}/matches")]
async fn need_matches(
    state: web::Data<AppState>,
    principal: Allowed<required::CandidatesRead>,
    id: web::Path<String>,
    query: web::Query<MatchQuery>,
) -> AppResult<web::Json<PageOf<CandidateMatch>>> {
    let id: NeedId = path_id(&id, "need")?;
    let (need, skillset, candidates) = state
        .db
        .read(move |conn| {
            let need = needs::get(conn, id)?;
            let skillset = skillsets::of_need(conn, &need.value.0)?;
            Ok((need, skillset, candidates::all(conn)?))
        })
        .await?;
    principal.check_sees(Some(need.value.0.organization_id), "need")?;
    let settings = settings();
    let skillset = skillset.map(|s| s.value.0);
    let scored = candidates
        .into_iter()
        .map(|c| {
            let e = matching::explain(&need.value.0, skillset.as_ref(), &c.value.0, &settings);
            (c.id.to_string(), e, c)
        })
        .collect();
    let (page, filter, request) = rank(scored, query.into_inner())?;
    Ok(web::Json(PageOf::new(
        page,
        &filter,
        &request,
        |(id, explanation, c): (String, Explanation, Stored<CandidateId, _>)| {
            let (candidate, _) = c.value;
            CandidateMatch {
                candidate_id: id,
                first_name: candidate.first_name,
                last_name: candidate.last_name,
                headline: candidate.headline,
                explanation,
            }
        },
    )))
}

/// Explain one candidate for a need
///
/// The full explanation: every hard filter with its verdict and reason (why a candidate is excluded), and
/// every criterion with its score, weight, contribution and evidence.
#[utoipa::path(security(("oauth2" = ["candidates:read"])), tag = "matching",
    params(("id" = String, Path, description = "Need id"), ("candidate_id" = String, Path, description = "Candidate id")),
    responses((status = 200, body = CandidateMatch)))]
#[get("/needs/{id}/matches/{candidate_id}")]
async fn need_match(
    state: web::Data<AppState>,
    principal: Allowed<required::CandidatesRead>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (need_id, candidate_id) = path.into_inner();
    let need_id: NeedId = path_id(&need_id, "need")?;
    let candidate_id: CandidateId = path_id(&candidate_id, "candidate")?;
    let (need, skillset, candidate) = state
        .db
        .read(move |conn| {
            let need = needs::get(conn, need_id)?;
            let skillset = skillsets::of_need(conn, &need.value.0)?;
            Ok((need, skillset, candidates::get(conn, candidate_id)?))
        })
        .await?;
    principal.check_sees(Some(need.value.0.organization_id), "need")?;
    let explanation =
        matching::explain(&need.value.0, skillset.as_ref().map(|s| &s.value.0), &candidate.value.0, &settings());
    let (candidate, _) = candidate.value;
    Ok(HttpResponse::Ok().json(CandidateMatch {
        candidate_id: candidate_id.to_string(),
        first_name: candidate.first_name,
        last_name: candidate.last_name,
        headline: candidate.headline,
        explanation,
    }))
}

/// Rank open needs for a candidate
///
/// Every open need the caller may see, scored for the candidate, best first.
#[utoipa::path(security(("oauth2" = ["candidates:read"])), tag = "matching",
    params(("id" = String, Path, description = "Candidate id"), MatchQuery),
    responses((status = 200, body = PageOf<NeedMatch>)))]
#[get("/candidates/{id}/matches")]
async fn candidate_matches(
    state: web::Data<AppState>,
    principal: Allowed<required::CandidatesRead>,
    id: web::Path<String>,
    query: web::Query<MatchQuery>,
) -> AppResult<web::Json<PageOf<NeedMatch>>> {
    let id: CandidateId = path_id(&id, "candidate")?;
    let (candidate, open) = state
        .db
        .read(move |conn| {
            let candidate = candidates::get(conn, id)?;
            let mut open = Vec::new();
            for need in needs::all_open(conn)? {
                let skillset = skillsets::of_need(conn, &need.value.0)?;
                open.push((need, skillset));
            }
            Ok((candidate, open))
        })
        .await?;
    let settings = settings();
    let scored = open
        .into_iter()
        .filter(|(need, _)| principal.sees(Some(need.value.0.organization_id)))
        .map(|(need, skillset)| {
            let e =
                matching::explain(&need.value.0, skillset.as_ref().map(|s| &s.value.0), &candidate.value.0, &settings);
            (need.id.to_string(), e, need)
        })
        .collect();
    let (page, filter, request) = rank(scored, query.into_inner())?;
    Ok(web::Json(PageOf::new(
        page,
        &filter,
        &request,
        |(id, explanation, need): (String, Explanation, crate::db::needs::StoredNeed)| NeedMatch {
            need_id: id,
            organization_id: need.value.0.organization_id.to_string(),
            title: need.value.0.title,
            explanation,
        },
    )))
}
