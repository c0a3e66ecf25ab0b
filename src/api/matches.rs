//! Matching: candidates ranked for a need, the full explanation for one
//! candidate (including why one is excluded), and open needs ranked for a
//! candidate. Scores come from [`crate::matching`].

use actix_web::{HttpResponse, get, post, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use std::collections::HashMap;
use std::sync::Arc;

use uuid::Uuid;

use super::extract::{JsonBody, path_id};
use super::pagination::{self, PageOf, Paging};
use super::pipeline::EntryView;
use super::rendered::RenderedCandidates;
use crate::AppState;
use crate::auth::Allowed;
use crate::db::candidates::{Listed, StoredCandidate};
use crate::db::match_index::LiveIndex;
use crate::db::needs::StoredNeed;
use crate::db::page::{Page, PageRequest, Position};
use crate::db::{DbConnection, candidates, needs, pipeline, skillsets};
use crate::domain::access::{Permission, required};
use crate::domain::need::Need;
use crate::domain::pipeline::MatchSnapshot;
use crate::domain::skillset::{IdealSkillset, MatchWeights};
use crate::domain::validation::{self, Validator};
use crate::domain::{CandidateId, NeedId};
use crate::error::{AppError, AppResult};
use crate::matching::index::{self, Hit, Search};
use crate::matching::{self, Explainer, Explanation, Settings};
use crate::metrics::Metrics;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(need_matches).service(need_match).service(candidate_matches).service(shortlist);
}

/// The most candidates one shortlist call adds.
pub const MAX_SHORTLIST: usize = 50;
/// The longest note a shortlist call keeps on each entry, in characters.
const MAX_SHORTLIST_NOTE: usize = 2000;

/// How far above a need's budget a day rate may be and still pass.
pub const RATE_TOLERANCE: f64 = 0.10;

/// The settings of a match today, with the taxonomy and the exchange rates as they stand.
fn settings(state: &AppState, conn: &mut DbConnection) -> AppResult<Settings> {
    Ok(Settings {
        weights: MatchWeights::default(),
        rate_tolerance: RATE_TOLERANCE,
        today: Utc::now().date_naive(),
        taxonomy: state.reference.taxonomy(conn)?,
        rates: state.reference.rates(conn)?,
    })
}

/// A candidate ranked for a need.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "candidate_id": "0193a5f2-7d40-7c1e-9a55-3b2c1d0e4f5a", "first_name": "Ingrid", "last_name": "Janssen",
    "headline": "Interim CXO; turned around two retail customer-service organizations",
    "total": 86.5, "eligible": true,
    "filters": [
        {"name": "status", "passed": true, "reason": "the candidate is active"},
        {"name": "must_have_skills", "passed": true, "reason": "has every must-have skill"},
        {"name": "required_skills", "passed": true, "reason": "holds at least one required skill, or a skill credited for one"},
        {"name": "availability", "passed": true, "reason": "available during the assignment starting 2027-02-01"},
        {"name": "engagement_length", "passed": true, "reason": "no limit on the length of an assignment"},
        {"name": "assignments", "passed": true, "reason": "holds no overlapping assignment"},
        {"name": "rate", "passed": true, "reason": "day rate 1650 EUR against a budget of 1600 (cap 1760)"},
        {"name": "location", "passed": true, "reason": "based in the assignment's country"},
        {"name": "languages", "passed": true, "reason": "speaks every required language professionally"}
    ],
    "criteria": [
        {"name": "skills", "score": 85.0, "weight": 40.0, "share": 40.0, "contribution": 34.0, "evidence": [
            {"positive": true, "fact": "Customer service strategy at level 5 (12 years) for Customer service strategy (required, level 4): 90"},
            {"positive": true, "fact": "Executive leadership at level 4 (9 years) for Executive leadership (required, level 4): 80"},
            {"positive": false, "fact": "Customer data analysis at level 2 (3 years × 0.96; last used 2022 × 0.7) for Customer data analysis (required, level 3, below the level): 22.4"}]},
        {"name": "experience", "score": 100.0, "weight": 10.0, "share": 10.0, "contribution": 10.0, "evidence": [
            {"positive": true, "fact": "18 years of executive experience; wanted 10"}]},
        {"name": "industries", "score": 50.0, "weight": 8.0, "share": 8.0, "contribution": 4.0, "evidence": [
            {"positive": true, "fact": "industry retail"}, {"positive": false, "fact": "industry e-commerce"}]},
        {"name": "crisis_experience", "score": 100.0, "weight": 10.0, "share": 10.0, "contribution": 10.0, "evidence": [
            {"positive": true, "fact": "has turned around negative_customer_feedback"}]},
        {"name": "background_and_training", "score": 50.0, "weight": 5.0, "share": 5.0, "contribution": 2.5, "evidence": [
            {"positive": true, "fact": "wanted: MBA; met by MBA, Business Administration"}, {"positive": false, "fact": "wanted: COPC certification; no degree, field or training in the record names it"}]},
        {"name": "languages", "score": 100.0, "weight": 5.0, "share": 5.0, "contribution": 5.0, "evidence": [
            {"positive": true, "fact": "language nl: native"}]},
        {"name": "rate", "score": 90.0, "weight": 10.0, "share": 10.0, "contribution": 9.0, "evidence": [
            {"positive": true, "fact": "1650 EUR against a budget of 1600"}]},
        {"name": "availability", "score": 100.0, "weight": 7.0, "share": 7.0, "contribution": 7.0, "evidence": [
            {"positive": true, "fact": "available by 2027-02-01"}]},
        {"name": "location", "score": 100.0, "weight": 5.0, "share": 5.0, "contribution": 5.0, "evidence": [
            {"positive": true, "fact": "lives in Rotterdam"}]}
    ]
}))]
pub struct CandidateMatch {
    #[schema(format = Uuid)]
    pub candidate_id: String,
    pub first_name: String,
    pub last_name: String,
    pub headline: Option<String>,
    #[serde(flatten)]
    pub explanation: Explanation,
}

/// A need ranked for a candidate.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "need_id": "0193a5f2-8a10-7d2b-8c44-5e6f7a8b9c0d", "organization_id": "0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c",
    "title": "Interim Chief Experience Officer", "total": 80.5, "eligible": true,
    "filters": [
        {"name": "status", "passed": true, "reason": "the candidate is active"},
        {"name": "must_have_skills", "passed": true, "reason": "has every must-have skill"},
        {"name": "required_skills", "passed": true, "reason": "holds at least one required skill, or a skill credited for one"},
        {"name": "availability", "passed": true, "reason": "available during the assignment starting 2027-03-01"},
        {"name": "engagement_length", "passed": true, "reason": "no limit on the length of an assignment"},
        {"name": "assignments", "passed": true, "reason": "holds no overlapping assignment"},
        {"name": "rate", "passed": true, "reason": "day rate 1650 EUR against a budget of 1800 (cap 1980)"},
        {"name": "location", "passed": true, "reason": "willing to travel to the assignment"},
        {"name": "languages", "passed": true, "reason": "speaks every required language professionally"}
    ],
    "criteria": [
        {"name": "skills", "score": 75.0, "weight": 40.0, "share": 40.0, "contribution": 30.0, "evidence": [
            {"positive": true, "fact": "Customer service strategy at level 5 (12 years) for Customer service strategy (required, level 4): 90"},
            {"positive": false, "fact": "no Crisis management (preferred, level 3), nor a skill credited for it"}]},
        {"name": "experience", "score": 100.0, "weight": 10.0, "share": 10.0, "contribution": 10.0, "evidence": [
            {"positive": true, "fact": "18 years of executive experience; wanted 8"}]},
        {"name": "industries", "score": 100.0, "weight": 8.0, "share": 8.0, "contribution": 8.0, "evidence": [
            {"positive": true, "fact": "industry banking"}]},
        {"name": "crisis_experience", "score": 50.0, "weight": 10.0, "share": 10.0, "contribution": 5.0, "evidence": [
            {"positive": true, "fact": "has turned around online_reputation_crisis"},
            {"positive": false, "fact": "no record of high_employee_turnover"}]},
        {"name": "background_and_training", "score": 50.0, "weight": 5.0, "share": 5.0, "contribution": 2.5, "evidence": [
            {"positive": true, "fact": "wanted: MBA; met by MBA, Business Administration"}, {"positive": false, "fact": "wanted: Six Sigma Black Belt; no degree, field or training in the record names it"}]},
        {"name": "languages", "score": 100.0, "weight": 5.0, "share": 5.0, "contribution": 5.0, "evidence": [
            {"positive": true, "fact": "language de: professional"}]},
        {"name": "rate", "score": 100.0, "weight": 10.0, "share": 10.0, "contribution": 10.0, "evidence": [
            {"positive": true, "fact": "1650 EUR against a budget of 1800"}]},
        {"name": "availability", "score": 100.0, "weight": 7.0, "share": 7.0, "contribution": 7.0, "evidence": [
            {"positive": true, "fact": "available by 2027-03-01"}]},
        {"name": "location", "score": 60.0, "weight": 5.0, "share": 5.0, "contribution": 3.0, "evidence": [
            {"positive": true, "fact": "lives in NL, willing to travel"}]}
    ]
}))]
pub struct NeedMatch {
    #[schema(format = Uuid)]
    pub need_id: String,
    #[schema(format = Uuid)]
    pub organization_id: String,
    pub title: String,
    #[serde(flatten)]
    pub explanation: Explanation,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MatchQuery {
    /// Only results scoring at least this (0-100).
    #[param(minimum = 0, maximum = 100)]
    min_score: Option<f64>,
    /// Also list candidates a hard filter excludes (default: only eligible ones).
    include_excluded: Option<bool>,
    /// Page size, 1 to 200 (default 50; larger values are capped).
    #[param(minimum = 1)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    cursor: Option<String>,
    /// Also count every result that qualifies (`total`; default false). Counting takes a full pass over what the
    /// hard filters let through; without it, ranking passes over results that cannot reach the page.
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

/// What a page of matches asks for: the filter and page (for the next cursor) and the search to run.
struct Asked {
    filter: MatchFilter,
    request: PageRequest<Ranking>,
    search: Search,
}

fn asked(query: MatchQuery) -> AppResult<Asked> {
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
    let after = match &request.after {
        Some(after) => Some((
            after.value.parse::<f64>().ok().filter(|s| s.is_finite()).ok_or_else(invalid_cursor)?,
            after.id.parse::<Uuid>().map_err(|_| invalid_cursor())?,
        )),
        None => None,
    };
    let search = Search {
        min_score: filter.min_score,
        include_excluded: filter.include_excluded,
        after,
        k: request.limit as usize + 1,
        count: request.with_total,
    };
    Ok(Asked { filter, request, search })
}

fn invalid_cursor() -> AppError {
    AppError::InvalidQuery("the cursor is not valid for this list".into())
}

/// The page of `hits`, each with its explained object; hits whose object is gone are left out.
fn page_of<T, V>(
    asked: Asked,
    ranking: index::Ranking,
    mut explained: HashMap<Uuid, (Explanation, T)>,
    view: impl Fn(Uuid, Explanation, T) -> V,
) -> PageOf<V> {
    let items: Vec<(Hit, Explanation, T)> = ranking
        .hits
        .into_iter()
        .filter_map(|hit| explained.remove(&hit.id).map(|(e, object)| (hit, e, object)))
        .collect();
    // Counted only when the total was asked for (`Search::count`).
    let total = ranking.matched.map(|m| m as i64);
    let page = Page::from_rows(items, asked.request.limit, total, |(hit, _, _)| Position {
        value: hit.total.to_string(),
        id: hit.id.to_string(),
    });
    PageOf::new(page, &asked.filter, &asked.request, |(hit, e, object)| view(hit.id, e, object))
}

/// Rank candidates for a need
///
/// Every candidate scored against the need and its ideal skillset, best first (ties to the smaller id). Only
/// eligible candidates (every hard filter passed) unless `include_excluded=true`. Each result carries its full
/// explanation. Ranked by the in-memory index, which follows every write to a candidate (on any instance).
#[utoipa::path(security(("oauth2" = ["candidates:read"])), tag = "matching",
    params(("id" = uuid::Uuid, Path, description = "Need id"), MatchQuery),
    responses((status = 200, description = "One page of candidates ranked for the need, best first, each with its explanation.", body = PageOf<CandidateMatch>)))]
#[get("/needs/{id}/matches")]
async fn need_matches(
    state: web::Data<AppState>,
    principal: Allowed<required::CandidatesRead>,
    id: web::Path<String>,
    query: web::Query<MatchQuery>,
) -> AppResult<web::Json<PageOf<CandidateMatch>>> {
    let id: NeedId = path_id(&id, "need")?;
    let asked = asked(query.into_inner())?;
    let (need, skillset, settings) = load_need(&state, id).await?;
    principal.check_sees(Some(need.organization_id), "need")?;
    let ranker = Ranker {
        need: Arc::new(need),
        skillset: Arc::new(skillset),
        settings,
        search: asked.search,
        live: state.matches.clone(),
        kept: state.rendered.clone(),
        metrics: state.metrics.clone(),
    };
    // Ranking a current index on one thread is a millisecond or two of CPU: it runs here on the async worker,
    // like a lookup, which spares two thread hand-offs (100k SQLite, 1,750 matches/s: server CPU -7-20 %, p99
    // 6-9 ms from 12-53 ms). Changes to apply first, or an index ranked on every core, go to the blocking pool.
    let here = ranker.clone();
    let ranked = state
        .db
        .lookup(move |conn| {
            let quick = here.live.is_current(conn)? && here.live.read().ranks_on_one_thread();
            quick.then(|| here.rank(conn)).transpose()
        })
        .await?;
    let (ranking, explained) = match ranked {
        Some(ranked) => ranked,
        None => {
            state
                .db
                .read(move |conn| {
                    ranker.live.catch_up(conn)?;
                    ranker.rank(conn)
                })
                .await?
        }
    };
    Ok(web::Json(page_of(asked, ranking, explained, |id, explanation, stored: Arc<StoredCandidate>| {
        let candidate = &stored.value.0;
        CandidateMatch {
            candidate_id: id.to_string(),
            first_name: candidate.first_name.clone(),
            last_name: candidate.last_name.clone(),
            headline: candidate.headline.clone(),
            explanation,
        }
    })))
}

/// The ranked candidates, explained, by id.
type Explained = HashMap<Uuid, (Explanation, Arc<StoredCandidate>)>;

/// A need's ranking as a request asked for it, with what ranking and explaining read.
#[derive(Clone)]
struct Ranker {
    need: Arc<Need>,
    skillset: Arc<Option<IdealSkillset>>,
    settings: Settings,
    search: Search,
    live: Arc<LiveIndex>,
    kept: Arc<RenderedCandidates>,
    metrics: Arc<Metrics>,
}

impl Ranker {
    /// Ranks the index as it is, and explains the hits with the candidates of the versions ranked.
    fn rank(&self, conn: &mut DbConnection) -> AppResult<(index::Ranking, Explained)> {
        let (need, skillset, settings) = (&*self.need, self.skillset.as_ref().as_ref(), &self.settings);
        let started = std::time::Instant::now();
        let (ranking, listed) = {
            let index = self.live.read();
            let ranking = index.rank_auto(need, skillset, settings, self.search);
            // The versions ranked, so that a candidate kept decoded counts only for the version the index holds.
            let listed: Vec<Listed> = ranking
                .hits
                .iter()
                .filter_map(|h| {
                    let stamp = index.stamp(h.id)?;
                    Some(Listed {
                        id: CandidateId::from_uuid(h.id),
                        version: stamp.version,
                        updated_at: stamp.updated_at.and_utc(),
                    })
                })
                .collect();
            (ranking, listed)
        };
        self.metrics.observe_match(started);
        let explainer = Explainer::new(need, skillset, settings);
        let explained = self
            .kept
            .decoded(&listed, |ids| candidates::get_many(conn, ids))?
            .into_iter()
            .map(|c| {
                let e = explainer.explain(&c.value.0);
                (c.id.as_uuid(), (e, c))
            })
            .collect();
        Ok((ranking, explained))
    }
}

/// A need, its ideal skillset and the settings to match it with.
async fn load_need(state: &web::Data<AppState>, id: NeedId) -> AppResult<(Need, Option<IdealSkillset>, Settings)> {
    let state = state.clone();
    state
        .db
        .lookup({
            let state = state.clone();
            move |conn| {
                let need = needs::get(conn, id)?.value.0;
                let skillset = skillsets::of_need(conn, &need)?.map(|s| s.value.0);
                Ok((need, skillset, settings(&state, conn)?))
            }
        })
        .await
}

/// Explain one candidate for a need
///
/// The full explanation: every hard filter with its verdict and reason (why a candidate is excluded), and
/// every criterion with its score, weight, contribution and evidence.
#[utoipa::path(security(("oauth2" = ["candidates:read"])), tag = "matching",
    params(("id" = uuid::Uuid, Path, description = "Need id"), ("candidate_id" = uuid::Uuid, Path, description = "Candidate id")),
    responses((status = 200, description = "The candidate's score for the need, criterion by criterion, and the hard filters that exclude it if any.", body = CandidateMatch,
        example = json!({
            "candidate_id": "0193a5f2-7e55-7a0b-b1c2-4d5e6f708192", "first_name": "Marc", "last_name": "Dubois",
            "headline": "Interim COO, logistics and retail", "total": 52.19, "eligible": false,
            "filters": [
                {"name": "status", "passed": true, "reason": "the candidate is active"},
                {"name": "must_have_skills", "passed": false, "reason": "lacks Customer service strategy at level 4",
                 "remedy": "hold Customer service strategy at level 4 (or a synonym or a narrower skill at that level)"},
                {"name": "required_skills", "passed": true, "reason": "holds at least one required skill, or a skill credited for one"},
                {"name": "availability", "passed": true, "reason": "available during the assignment starting 2027-02-01"},
                {"name": "engagement_length", "passed": true, "reason": "takes assignments of up to 12 months; this one runs 6"},
                {"name": "assignments", "passed": true, "reason": "holds no overlapping assignment"},
                {"name": "rate", "passed": false, "reason": "day rate 1650 GBP (1898 EUR at the GBP/EUR rate of 1.15 from 2026-06-01) against a budget of 1600 (cap 1760)",
                 "remedy": "quote at most 1530 GBP a day"},
                {"name": "location", "passed": true, "reason": "willing to travel to the assignment"},
                {"name": "languages", "passed": true, "reason": "speaks every required language professionally"}
            ],
            "criteria": [
                {"name": "skills", "score": 50.0, "weight": 40.0, "share": 40.0, "contribution": 20.0, "evidence": [
                    {"positive": false, "fact": "Customer service strategy at level 2 (6 years) for Customer service strategy (required, level 4, below the level): 25",
                     "skill": {"wanted": "customer-service-strategy", "wanted_label": "Customer service strategy", "required": true, "min_level": 4,
                               "held": "customer-service-strategy", "held_label": "Customer service strategy", "level": 2, "years": 6,
                               "years_factor": 1.0, "recency_factor": 1.0, "relation": "exact", "credit": 1.0, "score": 25.0}},
                    {"positive": true, "fact": "credited Change management (narrower than Culture management) at level 5 (15 years) × 0.9 for Culture management (required, level 3): 90",
                     "skill": {"wanted": "culture-management", "wanted_label": "Culture management", "required": true, "min_level": 3,
                               "held": "change-management", "held_label": "Change management", "level": 5, "years": 15,
                               "years_factor": 1.0, "recency_factor": 1.0, "relation": "narrower", "credit": 0.9, "score": 90.0}}]},
                {"name": "experience", "score": 100.0, "weight": 10.0, "share": 10.0, "contribution": 10.0, "evidence": [
                    {"positive": true, "fact": "21 years of executive experience; wanted 10"}]},
                {"name": "industries", "score": 50.0, "weight": 8.0, "share": 8.0, "contribution": 4.0, "evidence": [
                    {"positive": true, "fact": "industry retail"}, {"positive": false, "fact": "industry e-commerce"}]},
                {"name": "crisis_experience", "score": 0.0, "weight": 10.0, "share": 10.0, "contribution": 0.0, "evidence": [
                    {"positive": false, "fact": "no record of negative_customer_feedback"}]},
                {"name": "background_and_training", "score": 50.0, "weight": 5.0, "share": 5.0, "contribution": 2.5, "evidence": [
                    {"positive": true, "fact": "wanted: MBA; met by MBA, Business Administration"}, {"positive": false, "fact": "wanted: COPC certification; no degree, field or training in the record names it"}]},
                {"name": "languages", "score": 100.0, "weight": 5.0, "share": 5.0, "contribution": 5.0, "evidence": [
                    {"positive": true, "fact": "language nl: professional"}]},
                {"name": "rate", "score": 6.88, "weight": 10.0, "share": 10.0, "contribution": 0.69, "evidence": [
                    {"positive": false, "fact": "1650 GBP (1898 EUR at the GBP/EUR rate of 1.15 from 2026-06-01) against a budget of 1600"}]},
                {"name": "availability", "score": 100.0, "weight": 7.0, "share": 7.0, "contribution": 7.0, "evidence": [
                    {"positive": true, "fact": "available by 2027-02-01"}]},
                {"name": "location", "score": 60.0, "weight": 5.0, "share": 5.0, "contribution": 3.0, "evidence": [
                    {"positive": true, "fact": "lives in BE, willing to travel"}]}
            ]
        }))))]
#[get("/needs/{id}/matches/{candidate_id}")]
async fn need_match(
    state: web::Data<AppState>,
    principal: Allowed<required::CandidatesRead>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (need_id, candidate_id) = path.into_inner();
    let need_id: NeedId = path_id(&need_id, "need")?;
    let candidate_id: CandidateId = path_id(&candidate_id, "candidate")?;
    let (need, skillset, settings) = load_need(&state, need_id).await?;
    principal.check_sees(Some(need.organization_id), "need")?;
    let candidate = state.db.lookup(move |conn| candidates::get(conn, candidate_id)).await?;
    let explanation = matching::explain(&need, skillset.as_ref(), &candidate.value.0, &settings);
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
    params(("id" = uuid::Uuid, Path, description = "Candidate id"), MatchQuery),
    responses((status = 200, description = "One page of open needs ranked for the candidate, best first.", body = PageOf<NeedMatch>)))]
#[get("/candidates/{id}/matches")]
async fn candidate_matches(
    state: web::Data<AppState>,
    principal: Allowed<required::CandidatesRead>,
    id: web::Path<String>,
    query: web::Query<MatchQuery>,
) -> AppResult<web::Json<PageOf<NeedMatch>>> {
    let id: CandidateId = path_id(&id, "candidate")?;
    let asked = asked(query.into_inner())?;
    let held = state.clone();
    let (candidate, open, settings) = state
        .db
        .read(move |conn| {
            let candidate = candidates::get(conn, id)?;
            let mut open = Vec::new();
            for need in needs::all_open(conn)? {
                let skillset = skillsets::of_need(conn, &need.value.0)?;
                open.push((need, skillset));
            }
            Ok((candidate, open, settings(&held, conn)?))
        })
        .await?;
    let explained: HashMap<Uuid, (Explanation, StoredNeed)> = open
        .into_iter()
        .filter(|(need, _)| principal.sees(Some(need.value.0.organization_id)))
        .map(|(need, skillset)| {
            let e =
                matching::explain(&need.value.0, skillset.as_ref().map(|s| &s.value.0), &candidate.value.0, &settings);
            (need.id.as_uuid(), (e, need))
        })
        .collect();
    let ranking = index::rank(explained.iter().map(|(id, (e, _))| (*id, e.total, e.eligible)), asked.search);
    Ok(web::Json(page_of(asked, ranking, explained, |id, explanation, need: StoredNeed| NeedMatch {
        need_id: id.to_string(),
        organization_id: need.value.0.organization_id.to_string(),
        title: need.value.0.title,
        explanation,
    })))
}

/// What to shortlist: the best `top` eligible candidates not yet in the pipeline, or the listed ones.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"top": 5, "min_score": 60, "note": "First long list for the steering committee"}))]
pub struct ShortlistInput {
    /// How many of the best-ranked eligible candidates to add, 1 to 50 (candidates already in the pipeline are
    /// passed over). Give either this or `candidate_ids`.
    #[schema(minimum = 1, maximum = 50)]
    pub top: Option<i64>,
    /// These candidates, whether or not a hard filter excludes them (at most 50).
    #[schema(value_type = Option<Vec<uuid::Uuid>>, min_items = 1, max_items = 50)]
    pub candidate_ids: Option<Vec<String>>,
    /// With `top`: only candidates scoring at least this (0-100).
    #[schema(minimum = 0, maximum = 100)]
    pub min_score: Option<f64>,
    /// Kept on each entry's history.
    #[schema(format = "text", max_length = 2000)]
    pub note: Option<String>,
}

/// A listed candidate that was not added.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShortlistSkip {
    #[schema(format = Uuid)]
    pub candidate_id: String,
    /// `already_in_pipeline`.
    pub reason: &'static str,
}

/// What a shortlist call added (each entry with the match that put it there) and what it passed over.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShortlistResult {
    pub added: Vec<EntryView>,
    pub skipped: Vec<ShortlistSkip>,
}

enum Choice {
    Top { count: usize, min_score: f64 },
    Listed(Vec<CandidateId>),
}

impl ShortlistInput {
    fn parse(self) -> AppResult<(Choice, Option<String>)> {
        let mut v = Validator::new();
        let choice = match (self.top, self.candidate_ids) {
            (Some(top), None) => v
                .check("top", validation::in_range(top, 1, MAX_SHORTLIST as i64))
                .map(|count| Choice::Top { count: count as usize, min_score: self.min_score.unwrap_or(0.0) }),
            (None, Some(ids)) => {
                let ids = v.check("candidate_ids", validation::list_len(&ids, MAX_SHORTLIST)).map(|_| {
                    ids.iter()
                        .enumerate()
                        .filter_map(|(i, id)| v.check(format!("candidate_ids[{i}]"), id.parse::<CandidateId>()))
                        .collect::<Vec<_>>()
                });
                if ids.as_ref().is_some_and(Vec::is_empty) {
                    v.fail("candidate_ids", "empty", "name at least one candidate");
                }
                ids.map(Choice::Listed)
            }
            _ => {
                v.fail("top", "one_of", "give either `top` or `candidate_ids`");
                None
            }
        };
        if let Some(score) = self.min_score
            && !(0.0..=100.0).contains(&score)
        {
            v.fail("min_score", "out_of_range", "must be between 0 and 100");
        }
        let note = v.check("note", validation::optional_text(self.note.as_deref(), MAX_SHORTLIST_NOTE));
        v.finish(choice.zip(note)).map_err(AppError::Validation)
    }
}

/// Shortlist candidates for a need
///
/// Puts the best `top` eligible candidates not yet in the need's pipeline (ranked as `GET .../matches` ranks
/// them), or the listed `candidate_ids`, into the pipeline at stage `sourced`, each with a snapshot of its match:
/// the score, the full explanation, and the ideal skillset and version it was computed with, so an audit can
/// reproduce it. Listed candidates already in the pipeline are reported in `skipped`; an unknown one refuses
/// the whole call (422) and nothing is added. Needs both `pipeline:write` and `candidates:read`.
#[utoipa::path(security(("oauth2" = ["pipeline:write", "candidates:read"])), tag = "matching",
    params(("id" = uuid::Uuid, Path, description = "Need id")), request_body = ShortlistInput,
    responses((status = 200, description = "What was added to the pipeline, and what was passed over.", body = ShortlistResult), (status = 409, response = super::Conflict)))]
#[post("/needs/{id}/shortlist")]
async fn shortlist(
    state: web::Data<AppState>,
    principal: Allowed<required::PipelineWrite>,
    id: web::Path<String>,
    body: JsonBody<ShortlistInput>,
) -> AppResult<web::Json<ShortlistResult>> {
    principal.require(Permission::CandidatesRead)?;
    let id: NeedId = path_id(&id, "need")?;
    let (choice, note) = body.0.parse()?;
    let (need, skillset, settings) = load_need(&state, id).await?;
    principal.check_sees(Some(need.organization_id), "need")?;
    let chosen = match choice {
        Choice::Listed(ids) => ids,
        Choice::Top { count, min_score } => {
            let (live, settings) = (state.matches.clone(), settings.clone());
            state
                .db
                .read(move |conn| {
                    let present = pipeline::candidates_of(conn, id)?;
                    live.catch_up(conn)?;
                    let search = Search {
                        min_score,
                        include_excluded: false,
                        after: None,
                        k: count + present.len(),
                        count: false,
                    };
                    let ranking = live.read().rank_auto(&need, skillset.as_ref(), &settings, search);
                    Ok(ranking
                        .hits
                        .into_iter()
                        .map(|h| CandidateId::from_uuid(h.id))
                        .filter(|c| !present.contains(c))
                        .take(count)
                        .collect())
                })
                .await?
        }
    };
    let actor = principal.subject.clone();
    let result = state
        .db
        .write(move |conn| {
            let need = needs::get(conn, id)?;
            let skillset = skillsets::of_need(conn, &need.value.0)?;
            let present = pipeline::candidates_of(conn, id)?;
            let explainer = Explainer::new(&need.value.0, skillset.as_ref().map(|s| &s.value.0), &settings);
            let mut result = ShortlistResult { added: Vec::new(), skipped: Vec::new() };
            for candidate_id in chosen {
                if present.contains(&candidate_id)
                    || result.added.iter().any(|e| e.candidate_id == candidate_id.to_string())
                {
                    result
                        .skipped
                        .push(ShortlistSkip { candidate_id: candidate_id.to_string(), reason: "already_in_pipeline" });
                    continue;
                }
                let candidate = candidates::get(conn, candidate_id).map_err(|e| match e {
                    AppError::NotFound(_) => AppError::field(
                        "candidate_ids",
                        "unknown_candidate",
                        format!("no candidate has the id {candidate_id}"),
                    ),
                    e => e,
                })?;
                let explanation = explainer.explain(&candidate.value.0);
                let snapshot = MatchSnapshot {
                    score: explanation.total,
                    skillset_id: skillset.as_ref().map(|s| s.id),
                    skillset_version: skillset.as_ref().map(|s| s.version),
                    explanation: Some(serde_json::to_value(&explanation).map_err(|e| AppError::Internal(e.into()))?),
                };
                let entry = pipeline::insert(conn, &need, candidate_id, Some(snapshot), note.clone(), &actor)?;
                result.added.push(EntryView::from(pipeline::with_notes(conn, entry)?));
            }
            Ok(result)
        })
        .await?;
    Ok(web::Json(result))
}
