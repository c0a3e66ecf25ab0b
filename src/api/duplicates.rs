//! Possible duplicates among candidates and merges: `/api/v1/candidates/{id}/duplicates`, the review list
//! `/api/v1/candidates/duplicates`, `…/{id}/distinct/{other_id}` for two people who only look alike, and
//! `…/{id}/merge`.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::candidates::{CandidateInput, CandidateView};
use super::extract::{JsonBody, path_id};
use super::pagination::{self, PageOf};
use super::preconditions::tagged;
use crate::AppState;
use crate::auth::Allowed;
use crate::db::DbConnection;
use crate::db::candidates::{self as candidates, StoredCandidate};
use crate::db::duplicates::{self as store, Moved, PossibleDuplicate, Reason};
use crate::domain::CandidateId;
use crate::domain::access::required;
use crate::domain::duplicate::{self, DuplicateRule, FieldChoice};
use crate::error::{AppError, AppResult};

/// Registered before `/candidates/{id}`, which would take `duplicates` for an id.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(review_duplicates).service(duplicates_of).service(mark_distinct).service(merge_candidates);
}

/// Enough of a candidate to tell two apart when reviewing.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateBrief {
    #[schema(format = Uuid)]
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub city: Option<String>,
    pub headline: Option<String>,
    pub updated_at: DateTime<Utc>,
}

impl From<&StoredCandidate> for CandidateBrief {
    fn from(s: &StoredCandidate) -> Self {
        let c = &s.value.0;
        CandidateBrief {
            id: s.id.to_string(),
            first_name: c.first_name.clone(),
            last_name: c.last_name.clone(),
            email: c.email.clone(),
            phone: c.phone.clone(),
            city: c.location.as_ref().and_then(|l| l.city.clone()),
            headline: c.headline.clone(),
            updated_at: s.updated_at,
        }
    }
}

/// One reason two candidates may be one person.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"rule": "same_phone", "shared": "612345678"}))]
pub struct DuplicateReason {
    pub rule: DuplicateRule,
    /// What both share, as compared: the e-mail without case, `+tag` or Gmail's dots; the phone's last nine
    /// digits; for names, `city|` and the first two letters of the last name.
    pub shared: String,
    /// For `similar_name_same_city`: how alike the full names are (Jaro-Winkler, 0.9 to 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f64>,
}

impl From<Reason> for DuplicateReason {
    fn from(r: Reason) -> Self {
        DuplicateReason { rule: r.rule, shared: r.shared, similarity: r.similarity }
    }
}

/// A candidate that may be the same person, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct PossibleDuplicateView {
    pub candidate: CandidateBrief,
    pub reasons: Vec<DuplicateReason>,
}

/// The possible duplicates of one candidate.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicatesOfView {
    #[schema(format = Uuid)]
    pub candidate_id: String,
    /// Those that share a key with this candidate, most reasons first.
    pub duplicates: Vec<PossibleDuplicateView>,
    /// This candidate and everyone linked to it through possible duplicates, transitively (at most 50), by id.
    #[schema(value_type = Vec<String>, format = Uuid)]
    pub group: Vec<String>,
}

/// The possible duplicates of a candidate
///
/// The candidates that share a normalized e-mail (without case, `+tag` or Gmail's dots) or phone (the last nine
/// digits) with this one, or whose names are at least 90 % alike (Jaro-Winkler, without case or accents) in the same
/// city, each with its reasons; and the group they form transitively. Pairs marked distinct are left out.
#[utoipa::path(security(("oauth2" = ["candidates:read"])), tag = "duplicates",
    params(("id" = uuid::Uuid, Path, description = "Candidate id")),
    responses((status = 200, description = "The candidate's possible duplicates.", body = DuplicatesOfView)))]
#[get("/candidates/{id}/duplicates")]
async fn duplicates_of(
    state: web::Data<AppState>,
    _: Allowed<required::CandidatesRead>,
    id: web::Path<String>,
) -> AppResult<web::Json<DuplicatesOfView>> {
    let id: CandidateId = path_id(&id, "candidate")?;
    let view = state
        .db
        .read(move |conn| {
            let candidate = candidates::get(conn, id)?;
            let found = store::possible_duplicates(conn, Some(id), &candidate.value.0)?;
            let group = store::group_of(conn, id)?;
            Ok(DuplicatesOfView {
                candidate_id: id.to_string(),
                duplicates: with_briefs(conn, found)?,
                group: group.iter().map(ToString::to_string).collect(),
            })
        })
        .await?;
    Ok(web::Json(view))
}

pub(super) fn with_briefs(
    conn: &mut DbConnection,
    found: Vec<PossibleDuplicate>,
) -> AppResult<Vec<PossibleDuplicateView>> {
    let ids: Vec<CandidateId> = found.iter().map(|d| d.id).collect();
    let mut stored: BTreeMap<CandidateId, StoredCandidate> =
        candidates::get_many(conn, &ids)?.into_iter().map(|s| (s.id, s)).collect();
    Ok(found
        .into_iter()
        .filter_map(|d| {
            let candidate = stored.remove(&d.id)?;
            Some(PossibleDuplicateView {
                candidate: CandidateBrief::from(&candidate),
                reasons: d.reasons.into_iter().map(DuplicateReason::from).collect(),
            })
        })
        .collect())
}

/// A group of candidates that may be one person.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateGroupView {
    /// At least two candidates, by id (at most 50).
    pub candidates: Vec<CandidateBrief>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReviewQuery {
    /// Groups per page, 1 to 200 (default 50; larger values are capped).
    #[param(minimum = 1)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?$")]
    cursor: Option<String>,
}

/// Review possible duplicates
///
/// Every group of candidates that may be one person (linked transitively by the rules of
/// `GET /candidates/{id}/duplicates`), for a person to review: merge them (`POST /candidates/{id}/merge`) or say
/// they are distinct (`PUT /candidates/{id}/distinct/{other_id}`). Groups are ordered by their smallest id. Each
/// page compares every key that candidates share afresh, so its cost grows with how many are shared.
#[utoipa::path(security(("oauth2" = ["candidates:read"])), tag = "duplicates", params(ReviewQuery),
    responses((status = 200, description = "One page of groups; `next_cursor` leads to the next.", body = PageOf<DuplicateGroupView>)))]
#[get("/candidates/duplicates")]
async fn review_duplicates(
    state: web::Data<AppState>,
    _: Allowed<required::CandidatesRead>,
    query: web::Query<ReviewQuery>,
) -> AppResult<web::Json<PageOf<DuplicateGroupView>>> {
    let limit = pagination::page_limit(query.limit)? as usize;
    let after = match query.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(cursor) => Some(
            path_id::<CandidateId>(cursor, "cursor")
                .map_err(|_| AppError::InvalidQuery("`cursor` is not a cursor issued by this list.".into()))?,
        ),
        None => None,
    };
    let page = state
        .db
        .read(move |conn| {
            let after = after.map(|a| a.to_string());
            let (groups, more) = store::groups(conn, after.as_deref(), limit)?;
            let next_cursor = if more { groups.last().map(|g| g[0].to_string()) } else { None };
            let mut items = Vec::new();
            for group in groups {
                let stored = candidates::get_many(conn, &group)?;
                items.push(DuplicateGroupView { candidates: stored.iter().map(CandidateBrief::from).collect() });
            }
            Ok(PageOf { items, next_cursor, total: None })
        })
        .await?;
    Ok(web::Json(page))
}

/// Mark two candidates as distinct people
///
/// They are no longer offered as possible duplicates of each other (in either's list or in the review). Saying it
/// again changes nothing.
#[utoipa::path(security(("oauth2" = ["candidates:write"])), tag = "duplicates",
    params(("id" = uuid::Uuid, Path, description = "Candidate id"), ("other_id" = uuid::Uuid, Path, description = "The other candidate's id")),
    responses((status = 204, description = "Recorded.")))]
#[put("/candidates/{id}/distinct/{other_id}")]
async fn mark_distinct(
    state: web::Data<AppState>,
    caller: Allowed<required::CandidatesWrite>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (id, other) = path.into_inner();
    let (id, other): (CandidateId, CandidateId) = (path_id(&id, "candidate")?, path_id(&other, "candidate")?);
    let by = caller.subject.clone();
    state.db.write(move |conn| store::mark_distinct(conn, id, other, &by)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A merge of a duplicate into the candidate that survives.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"duplicate_id": "0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6d", "fields": {"phone": "duplicate", "headline": "survivor"}}))]
pub struct MergeRequest {
    /// The candidate merged into this one; it is gone afterwards, and its id leads here.
    #[schema(format = Uuid)]
    pub duplicate_id: String,
    /// Where each field of the survivor comes from, by the field's name in `CandidateInput`: `survivor`,
    /// `duplicate`, or `both` for lists. Fields not named keep the survivor's value, or take the duplicate's when the
    /// survivor has none; lists take both (the survivor's items, then the duplicate's it lacks: a skill or language
    /// once, the survivor's level).
    #[serde(default)]
    pub fields: BTreeMap<String, FieldChoice>,
}

/// What a merge did.
#[derive(Debug, Serialize, ToSchema)]
pub struct MergeOutcome {
    /// The survivor as it is now.
    pub candidate: CandidateView,
    /// The id that was merged; it answers 308 to the survivor from now on.
    #[schema(format = Uuid)]
    pub merged_id: String,
    pub moved: MovedView,
}

/// What moved from the duplicate to the survivor.
#[derive(Debug, Serialize, ToSchema)]
pub struct MovedView {
    /// Pipeline entries of needs only the duplicate was in.
    pub pipeline_entries: usize,
    /// Entries of needs both were in: the duplicate's history and notes joined the survivor's entry.
    pub pipeline_entries_joined: usize,
    pub assignments: usize,
    pub documents: usize,
    pub consents: usize,
    /// Notes on the candidate (the pipeline's notes go with their entries).
    pub notes: usize,
}

impl From<Moved> for MovedView {
    fn from(m: Moved) -> Self {
        MovedView {
            pipeline_entries: m.pipeline_entries,
            pipeline_entries_joined: m.pipeline_entries_joined,
            assignments: m.assignments,
            documents: m.documents,
            consents: m.consents,
            notes: m.notes,
        }
    }
}

/// Merge a duplicate into a candidate
///
/// In one transaction: the survivor's fields become what `fields` chooses; the duplicate's pipeline entries,
/// assignments, documents, consents, pipeline notes and history move to the survivor (an entry of a need both were in
/// joins the survivor's); the duplicate's record goes, and its id answers 308 with `Location` naming the survivor
/// (`merged_into` in the body). Webhooks and the change feed announce `candidate.merged` (the duplicate's id and
/// `merged_into`) and `candidate.updated` (the survivor). Refused (409) when both hold assignments that overlap, or
/// when either was erased.
#[utoipa::path(security(("oauth2" = ["candidates:write"])), tag = "duplicates",
    params(("id" = uuid::Uuid, Path, description = "The survivor's id")), request_body = MergeRequest,
    responses((status = 200, description = "Merged; `ETag` is the survivor's new version.", body = MergeOutcome, headers(("ETag" = String))),
        (status = 404, response = super::NotFound), (status = 422, response = super::Unprocessable)))]
#[post("/candidates/{id}/merge")]
async fn merge_candidates(
    state: web::Data<AppState>,
    caller: Allowed<required::CandidatesWrite>,
    id: web::Path<String>,
    body: JsonBody<MergeRequest>,
) -> AppResult<HttpResponse> {
    let survivor_id: CandidateId = path_id(&id, "candidate")?;
    let request = body.0;
    let duplicate_id: CandidateId = request
        .duplicate_id
        .parse()
        .map_err(|_| AppError::field("duplicate_id", "invalid_format", "must be a candidate id (a UUID)"))?;
    let by = caller.subject.clone();
    let rendered = state.rendered.clone();
    let (stored, moved) = state
        .db
        .write(move |conn| {
            let survivor = candidates::get(conn, survivor_id)?;
            let duplicate = match candidates::get(conn, duplicate_id) {
                Err(AppError::NotFound(_)) => {
                    return Err(AppError::field("duplicate_id", "not_found", "names no candidate"));
                }
                Err(AppError::Merged { into }) => {
                    return Err(AppError::field("duplicate_id", "merged", format!("was merged into {into} already")));
                }
                other => other?,
            };
            let fields = |c: &StoredCandidate| match serde_json::to_value(CandidateInput::from(&c.value.0)) {
                Ok(serde_json::Value::Object(map)) => Ok(map),
                _ => Err(AppError::Internal(anyhow::anyhow!("a candidate is not a JSON object"))),
            };
            let merged = duplicate::merge_fields(&fields(&survivor)?, &fields(&duplicate)?, &request.fields)
                .map_err(AppError::Validation)?;
            let input: CandidateInput = serde_json::from_value(serde_json::Value::Object(merged))
                .map_err(|e| AppError::field("fields", "invalid", e.to_string()))?;
            let candidate = input.resolve_skills(conn)?.parse()?;
            store::merge(conn, &survivor, duplicate_id, &candidate, &by)
        })
        .await?;
    rendered.forget(duplicate_id);
    let version = stored.version;
    let outcome = MergeOutcome {
        candidate: CandidateView::from(stored),
        merged_id: duplicate_id.to_string(),
        moved: moved.into(),
    };
    Ok(tagged(version, outcome))
}
