//! `/api/v1/needs/{id}/pipeline`: the candidates considered for a need, the
//! stages they move through, with who moved them and when, and notes.
//! `/api/v1/candidates/{id}/pipeline`: a candidate's entries across needs.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::created;
use super::extract::{JsonBody, path_id};
use super::pagination::{self, PageOf, Paging};
use super::preconditions::{IfMatch, tagged};
use super::views::Money;
use crate::AppState;
use crate::auth::Allowed;
use crate::db::needs::{self, StoredNeed};
use crate::db::pipeline::{self as store, EntryFilter, EntrySort, EntryWithNotes, Move, Note, StoredEntry};
use crate::db::{assignments, candidates};
use crate::domain::access::{Permission, required};
use crate::domain::assignment::{Assignment, AssignmentStatus, Outcome, Period};
use crate::domain::candidate::Candidate;
use crate::domain::pipeline::{self as rules, Stage};
use crate::domain::validation::{self, Validator};
use crate::domain::{CandidateId, DayRate, NeedId};
use crate::error::{AppError, AppResult};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_pipeline)
        .service(add_to_pipeline)
        .service(get_entry)
        .service(move_entry)
        .service(entry_history)
        .service(add_note)
        .service(candidate_pipeline);
}

const MAX_NOTE_CHARS: usize = 4000;

/// Adds a candidate to a need's pipeline, at stage `sourced`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "candidate_id": "0193a5f2-7d2e-7c8b-8d66-2e3f4a5b6c7d",
    "note": "Turned around a retail chain's NPS in 2024; referred by the CFO."
}))]
pub struct AddCandidateInput {
    /// The candidate; at most once in a need's pipeline.
    #[schema(format = Uuid)]
    pub candidate_id: String,
    /// Why the candidate was sourced; kept with the first move of the history.
    #[serde(default)]
    #[schema(format = "text", max_length = 4000)]
    pub note: Option<String>,
}

/// Moves an entry to another stage.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"to": "rejected", "reason": "rate_too_high", "reason_detail": "Asks 2,100 EUR a day; budget is 1,600.",
    "note": "Keep for the next CFO need: strong on turnarounds."}))]
pub struct MoveInput {
    /// The stage to move to: the next stage (sourced → screening → interviewing → offered → placed), or
    /// `rejected` / `withdrawn` from any open stage.
    pub to: Stage,
    /// Required when moving to `rejected` or `withdrawn`, and only then: the code of an active reason of the
    /// practice's list (`GET /api/v1/pipeline-reasons`) that is for that kind of move.
    #[serde(default)]
    #[schema(pattern = "^[a-z][a-z0-9_]{0,47}$", example = "rate_too_high")]
    pub reason: Option<String>,
    /// Free text beside the reason, up to 1000 characters.
    #[serde(default)]
    #[schema(format = "text", max_length = 1000)]
    pub reason_detail: Option<String>,
    #[serde(default)]
    #[schema(format = "text", max_length = 4000)]
    pub note: Option<String>,
    /// Only when moving to `placed`: the terms of the interim assignment the placement creates.
    #[serde(default)]
    pub assignment: Option<PlacementTerms>,
}

/// The terms of the assignment a placement creates; each defaults from the need and the candidate.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"start": "2027-01-15", "planned_end": "2027-07-14", "day_rate": {"amount": 1550, "currency": "EUR"}}))]
pub struct PlacementTerms {
    /// Default: the need's start-by date, else today.
    #[serde(default)]
    pub start: Option<NaiveDate>,
    /// Default: the start plus the need's expected duration (6 months when it has none).
    #[serde(default)]
    pub planned_end: Option<NaiveDate>,
    /// The agreed day rate. Default: the candidate's day rate, else the need's budget.
    #[serde(default)]
    pub day_rate: Option<Money>,
}

/// Months an assignment runs when neither the request nor the need says.
const DEFAULT_DURATION_MONTHS: u32 = 6;

impl PlacementTerms {
    /// The assignment a placement of `candidate` for `need` creates.
    fn resolve(
        &self,
        day_rate: Option<DayRate>,
        need: &StoredNeed,
        candidate: &Candidate,
        entry: &StoredEntry,
    ) -> AppResult<Assignment> {
        let n = &need.value.0;
        let start = self.start.or(n.start_by).unwrap_or_else(|| Utc::now().date_naive());
        let months = n.duration_months.and_then(|m| u32::try_from(m).ok()).unwrap_or(DEFAULT_DURATION_MONTHS);
        let planned_end = match self.planned_end.or_else(|| start.checked_add_months(Months::new(months))) {
            Some(end) => end,
            None => return Err(AppError::field("assignment.planned_end", "required", "name the planned end")),
        };
        let mut v = Validator::new();
        let period = v.check("assignment.planned_end", Period::new(start, planned_end));
        let rate = day_rate.or(candidate.day_rate).or(n.day_rate_budget);
        if rate.is_none() {
            v.fail("assignment.day_rate", "required", "neither the candidate nor the need has a day rate: agree one");
        }
        let (period, day_rate) = v.finish(period.zip(rate)).map_err(AppError::Validation)?;
        Ok(Assignment {
            candidate_id: entry.value.candidate_id,
            need_id: need.id,
            organization_id: n.organization_id,
            pipeline_entry_id: Some(entry.id),
            start: period.start,
            planned_end: period.end,
            actual_end: None,
            day_rate,
            status: AssignmentStatus::Proposed,
            outcome: Outcome::default(),
            hand_over: None,
            custom_fields: Default::default(),
        })
    }
}

/// A note on an entry.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"body": "Client asked for a second interview with the COO."}))]
pub struct NoteInput {
    /// 1 to 4000 characters.
    #[schema(format = "text", min_length = 1, max_length = 4000)]
    pub body: String,
}

fn note_text(v: &mut Validator, field: &str, note: Option<&str>) -> Option<Option<String>> {
    v.check(field, validation::optional_text(note, MAX_NOTE_CHARS))
}

/// A note on an entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoteView {
    #[schema(format = Uuid)]
    pub id: String,
    pub body: String,
    /// Who wrote it (`user:<id>`, `api_key:<id>`).
    #[schema(example = "user:0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c")]
    pub author: String,
    pub created_at: DateTime<Utc>,
}

impl From<Note> for NoteView {
    fn from(n: Note) -> Self {
        NoteView { id: n.id, body: n.body, author: n.author, created_at: n.created_at }
    }
}

/// The match that shortlisted the candidate, as it was then.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchSnapshotView {
    /// 0 to 100.
    #[schema(example = 82.5)]
    pub score: f64,
    #[schema(format = Uuid)]
    pub skillset_id: Option<String>,
    /// The skillset's version the score was computed with.
    pub skillset_version: Option<i64>,
    /// The per-criterion breakdown, as the matching explained it.
    #[schema(value_type = Option<Object>)]
    pub explanation: Option<serde_json::Value>,
}

/// A candidate in a need's pipeline.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5f3-1a2b-7c3d-8e4f-5a6b7c8d9e0f",
    "need_id": "0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c",
    "candidate_id": "0193a5f2-7d2e-7c8b-8d66-2e3f4a5b6c7d",
    "organization_id": "0193a5f2-5b0d-7a69-8b44-0c1d2e3f4a5b",
    "stage": "interviewing",
    "reason": null,
    "reason_detail": null,
    "rejection_reason": null,
    "allowed_moves": ["offered", "rejected", "withdrawn"],
    "match_snapshot": {"score": 82.5, "skillset_id": "0193a5f2-4a9c-7958-9a33-fb0c1d2e3f4a", "skillset_version": 3, "explanation": null},
    "notes": [{"id": "0193a5f4-0000-7000-8000-000000000001", "body": "Strong references.", "author": "user:0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c", "created_at": "2026-11-23T10:15:00Z"}],
    "assignment_id": null,
    "version": 4,
    "created_at": "2026-11-20T09:00:00Z",
    "updated_at": "2026-11-23T10:15:00Z"
}))]
pub struct EntryView {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub need_id: String,
    #[schema(format = Uuid)]
    pub candidate_id: String,
    /// The need's organization.
    #[schema(format = Uuid)]
    pub organization_id: String,
    pub stage: Stage,
    /// The code of the reason a rejection or withdrawal named (see `GET /api/v1/pipeline-reasons`).
    pub reason: Option<String>,
    /// The free text given with the reason.
    pub reason_detail: Option<String>,
    /// The reason when the stage is `rejected`, else null. Kept for clients written before withdrawals named
    /// reasons too; read `reason`.
    #[deprecated]
    pub rejection_reason: Option<String>,
    /// The stages this entry may move to now.
    pub allowed_moves: Vec<Stage>,
    /// The match score when shortlisted; null when added by hand.
    pub match_snapshot: Option<MatchSnapshotView>,
    /// Oldest first.
    pub notes: Vec<NoteView>,
    /// The interim assignment the placement created; null before.
    #[schema(format = Uuid)]
    pub assignment_id: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

// `rejection_reason` is deprecated for callers, and still filled.
#[allow(deprecated)]
impl From<EntryWithNotes> for EntryView {
    fn from((s, notes, assignment): EntryWithNotes) -> Self {
        let e = s.value;
        EntryView {
            id: s.id.to_string(),
            need_id: e.need_id.to_string(),
            candidate_id: e.candidate_id.to_string(),
            organization_id: e.organization_id.to_string(),
            stage: e.stage,
            rejection_reason: (e.stage == Stage::Rejected).then(|| e.reason.clone()).flatten(),
            reason: e.reason,
            reason_detail: e.reason_detail,
            allowed_moves: e.stage.allowed_moves().to_vec(),
            match_snapshot: e.match_snapshot.map(|m| MatchSnapshotView {
                score: m.score,
                skillset_id: m.skillset_id.map(|s| s.to_string()),
                skillset_version: m.skillset_version,
                explanation: m.explanation,
            }),
            notes: notes.into_iter().map(NoteView::from).collect(),
            assignment_id: assignment.map(|a| a.to_string()),
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// One move of an entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct MoveView {
    /// The stage before; null for the addition to the pipeline.
    pub from: Option<Stage>,
    pub to: Stage,
    /// The code of the reason a rejection or withdrawal named.
    pub reason: Option<String>,
    pub reason_detail: Option<String>,
    pub note: Option<String>,
    /// Who moved it (`user:<id>`, `api_key:<id>`, `external:<subject>`).
    #[schema(example = "user:0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c")]
    pub actor: String,
    pub moved_at: DateTime<Utc>,
}

impl From<Move> for MoveView {
    fn from(m: Move) -> Self {
        MoveView {
            from: m.from,
            to: m.to,
            reason: m.reason,
            reason_detail: m.reason_detail,
            note: m.note,
            actor: m.actor,
            moved_at: m.at,
        }
    }
}

/// The stage history of an entry, oldest first.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [
    {"from": null, "to": "sourced", "reason": null, "reason_detail": null, "note": "Referred by the CFO.", "actor": "user:0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c", "moved_at": "2026-11-20T09:00:00Z"},
    {"from": "sourced", "to": "rejected", "reason": "rate_too_high", "reason_detail": "Asks 2,100 EUR a day.", "note": null, "actor": "user:0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c", "moved_at": "2026-11-21T14:30:00Z"}
]}))]
pub struct HistoryView {
    pub items: Vec<MoveView>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PipelineListQuery {
    /// Only entries at this stage.
    stage: Option<Stage>,
    /// `created_at` (default) or `updated_at`; prefix `-` for descending.
    #[param(pattern = "^(-?(created_at|updated_at))?$")]
    sort: Option<String>,
    /// Page size, 1 to 200 (default 50; larger values are capped).
    #[param(minimum = 1)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page; it keeps that list's filters and sort.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    cursor: Option<String>,
    /// Also count every matching entry.
    include_total: Option<bool>,
}

/// Resolves a pipeline list's paging; `fixed` holds the filters the path sets.
fn resolve(
    q: PipelineListQuery,
    fixed: EntryFilter,
) -> AppResult<(EntryFilter, crate::db::page::PageRequest<EntrySort>)> {
    let filter = EntryFilter { stage: q.stage, ..fixed.clone() };
    let paging =
        Paging { limit: q.limit, cursor: q.cursor.as_deref(), sort: q.sort.as_deref(), include_total: q.include_total };
    let (mut filter, request) = pagination::resolve(paging, filter, EntrySort::CreatedAt)?;
    // The path and the caller's tenancy win over anything a cursor carries.
    filter.need_id = fixed.need_id;
    filter.candidate_id = fixed.candidate_id;
    filter.organization_id = fixed.organization_id;
    Ok((filter, request))
}

fn ids(raw: &(String, String)) -> AppResult<(NeedId, CandidateId)> {
    Ok((path_id(&raw.0, "need")?, path_id(&raw.1, "pipeline entry")?))
}

/// List a need's pipeline
///
/// The candidates considered for the need, oldest first, each with its stage, allowed moves, match snapshot
/// and notes. Filter by `stage`.
#[utoipa::path(security(("oauth2" = ["pipeline:read"])), tag = "pipeline",
    params(("id" = uuid::Uuid, Path, description = "Need id"), PipelineListQuery),
    responses((status = 200, description = "One page of the need's pipeline entries; `next_cursor` leads to the next.", body = PageOf<EntryView>)))]
#[get("/needs/{id}/pipeline")]
async fn list_pipeline(
    state: web::Data<AppState>,
    principal: Allowed<required::PipelineRead>,
    id: web::Path<String>,
    query: web::Query<PipelineListQuery>,
) -> AppResult<web::Json<PageOf<EntryView>>> {
    let id: NeedId = path_id(&id, "need")?;
    let need = state.db.lookup(move |conn| needs::get(conn, id)).await?;
    principal.check_sees(Some(need.value.0.organization_id), "need")?;
    let (filter, request) = resolve(query.into_inner(), EntryFilter { need_id: Some(id), ..EntryFilter::default() })?;
    Ok(web::Json(pagination::read_page(&state.db, filter, request, store::list, EntryView::from).await?))
}

/// Add a candidate to a need's pipeline
///
/// The candidate enters at stage `sourced`. Needs `candidates:read` as well: organization members work with the
/// candidates the practice puts in their pipelines, and do not add their own. A candidate is in a need's pipeline at most once (409), and a
/// filled or cancelled need takes no new candidates (409). An unknown candidate is a validation error (422).
#[utoipa::path(security(("oauth2" = ["pipeline:write", "candidates:read"])), tag = "pipeline",
    params(("id" = uuid::Uuid, Path, description = "Need id")), request_body = AddCandidateInput,
    responses((status = 201, description = "Added; `Location` names the entry.", body = EntryView,
        headers(("ETag" = String), ("Location" = String, description = "URL of the entry"))),
        (status = 409, response = super::Conflict)))]
#[post("/needs/{id}/pipeline")]
async fn add_to_pipeline(
    state: web::Data<AppState>,
    principal: Allowed<required::PipelineWrite>,
    id: web::Path<String>,
    body: JsonBody<AddCandidateInput>,
) -> AppResult<HttpResponse> {
    // Only the practice's staff, who see the bench, put candidates forward: an organization member naming an
    // arbitrary candidate would otherwise reach their contact details by moving them to `offered`.
    principal.require(Permission::CandidatesRead)?;
    let id: NeedId = path_id(&id, "need")?;
    let input = body.0;
    let mut v = Validator::new();
    let candidate = v.check("candidate_id", input.candidate_id.parse::<CandidateId>());
    let note = note_text(&mut v, "note", input.note.as_deref());
    let (candidate, note) = v.finish(candidate.zip(note)).map_err(AppError::Validation)?;
    let actor = principal.subject.clone();
    let entry = state
        .db
        .write(move |conn| {
            let need = needs::get(conn, id)?;
            principal.check_sees(Some(need.value.0.organization_id), "need")?;
            let entry = store::insert(conn, &need, candidate, None, note, &actor)?;
            store::with_notes(conn, entry)
        })
        .await?;
    let location = format!("/api/v1/needs/{id}/pipeline/{candidate}");
    Ok(created(location, entry.0.version, EntryView::from(entry)))
}

/// Get a candidate's entry in a need's pipeline
#[utoipa::path(security(("oauth2" = ["pipeline:read"])), tag = "pipeline",
    params(("id" = uuid::Uuid, Path, description = "Need id"), ("candidate_id" = uuid::Uuid, Path, description = "Candidate id")),
    responses((status = 200, description = "The pipeline entry; `ETag` is its version.", body = EntryView, headers(("ETag" = String)))))]
#[get("/needs/{id}/pipeline/{candidate_id}")]
async fn get_entry(
    state: web::Data<AppState>,
    principal: Allowed<required::PipelineRead>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (need, candidate) = ids(&path)?;
    let entry = state
        .db
        .read(move |conn| {
            let need = needs::get(conn, need)?;
            principal.check_sees(Some(need.value.0.organization_id), "need")?;
            let entry = store::get(conn, need.id, candidate)?;
            store::with_notes(conn, entry)
        })
        .await?;
    Ok(tagged(entry.0.version, EntryView::from(entry)))
}

/// Move a candidate to another stage
///
/// Stages: sourced → screening → interviewing → offered → placed, or `rejected` / `withdrawn` from any open
/// stage. A move outside these answers 409 with `allowed_moves` naming the moves there are. Rejecting and
/// withdrawing name a `reason` from the practice's list (`GET /api/v1/pipeline-reasons?stage=rejected`), with
/// optional free text in `reason_detail`; a missing, unknown, retired or unfitting reason answers 422. The
/// move is recorded in the history with who made it.
/// `If-Match` is optional: when sent, the move applies only to that version (412 otherwise).
///
/// Moving to `placed` creates the interim assignment (status `proposed`) in the same transaction, with the
/// `assignment` terms given or their defaults; `Link` names it. A candidate never holds two overlapping
/// proposed, active or extended assignments: such a placement answers 409 and changes nothing.
#[utoipa::path(security(("oauth2" = ["pipeline:write"])), tag = "pipeline",
    params(("id" = uuid::Uuid, Path, description = "Need id"), ("candidate_id" = uuid::Uuid, Path, description = "Candidate id"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` the move is made against (optional).")),
    request_body = MoveInput,
    responses((status = 200, description = "Moved; the entry as it is now.", body = EntryView,
            headers(("ETag" = String), ("Link" = String, description = "After a placement: the assignment it created (`rel=\"related\"`)."))),
        (status = 409, description = "The move is outside the stage machine; `allowed_moves` names the moves there are.",
            content_type = "application/problem+json", body = crate::error::Problem,
            example = json!({"type": "urn:interim-tracker:problem:conflict", "title": "The request conflicts with the current state",
                "status": 409, "detail": "A candidacy cannot move from `sourced` to `offered`; allowed: screening, rejected, withdrawn.",
                "allowed_moves": ["screening", "rejected", "withdrawn"]})),
        (status = 412, response = super::PreconditionFailed)))]
#[post("/needs/{id}/pipeline/{candidate_id}/moves")]
async fn move_entry(
    state: web::Data<AppState>,
    principal: Allowed<required::PipelineWrite>,
    path: web::Path<(String, String)>,
    if_match: Option<IfMatch>,
    body: JsonBody<MoveInput>,
) -> AppResult<HttpResponse> {
    let (need, candidate) = ids(&path)?;
    let input = body.0;
    let mut v = Validator::new();
    let note = note_text(&mut v, "note", input.note.as_deref());
    if let Some(code) = &input.reason {
        v.check("reason", rules::reason_code(code));
    }
    let detail = v.check(
        "reason_detail",
        validation::optional_text(input.reason_detail.as_deref(), rules::MAX_REASON_DETAIL_CHARS),
    );
    if input.assignment.is_some() && input.to != Stage::Placed {
        v.fail("assignment", "not_applicable", "assignment terms are only given when moving to `placed`");
    }
    let terms = input.assignment.unwrap_or_default();
    let day_rate = match &terms.day_rate {
        Some(money) => money.parse(&mut v, "assignment.day_rate").map(Some),
        None => Some(None),
    };
    let ((note, day_rate), detail) = v.finish(note.zip(day_rate).zip(detail)).map_err(AppError::Validation)?;
    let why = store::Why { reason: input.reason, detail };
    let actor = principal.subject.clone();
    let (entry, assignment) = state
        .db
        .write(move |conn| {
            let need = needs::get(conn, need)?;
            principal.check_sees(Some(need.value.0.organization_id), "need")?;
            let current = store::get(conn, need.id, candidate)?;
            if let Some(if_match) = &if_match {
                if_match.check(current.version)?;
            }
            let moved = store::move_to(conn, &current, input.to, why, note, &actor)?;
            // Placing creates the assignment in the same transaction: both land or neither does.
            let assignment = if input.to == Stage::Placed {
                let person = candidates::get(conn, candidate)?;
                let assignment = terms.resolve(day_rate, &need, &person.value.0, &moved)?;
                Some(assignments::insert(conn, &assignment, &need.value.0)?.id)
            } else {
                None
            };
            Ok((store::with_notes(conn, moved)?, assignment))
        })
        .await?;
    let mut response = tagged(entry.0.version, EntryView::from(entry));
    if let Some(id) = assignment {
        let link = format!("</api/v1/assignments/{id}>; rel=\"related\"; title=\"assignment\"");
        if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&link) {
            response.headers_mut().insert(actix_web::http::header::LINK, value);
        }
    }
    Ok(response)
}

/// Get an entry's stage history
///
/// Every move, oldest first: from, to, who made it, when, the rejection reason and the note. The first is the
/// addition to the pipeline.
#[utoipa::path(security(("oauth2" = ["pipeline:read"])), tag = "pipeline",
    params(("id" = uuid::Uuid, Path, description = "Need id"), ("candidate_id" = uuid::Uuid, Path, description = "Candidate id")),
    responses((status = 200, description = "Every stage the entry went through, oldest first.", body = HistoryView, headers(("ETag" = String)))))]
#[get("/needs/{id}/pipeline/{candidate_id}/history")]
async fn entry_history(
    state: web::Data<AppState>,
    principal: Allowed<required::PipelineRead>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (need, candidate) = ids(&path)?;
    let (entry, moves) = state
        .db
        .read(move |conn| {
            let need = needs::get(conn, need)?;
            principal.check_sees(Some(need.value.0.organization_id), "need")?;
            let entry = store::get(conn, need.id, candidate)?;
            let moves = store::history(conn, entry.id)?;
            Ok((entry, moves))
        })
        .await?;
    Ok(tagged(entry.version, HistoryView { items: moves.into_iter().map(MoveView::from).collect() }))
}

/// Add a note to an entry
///
/// Notes are listed with the entry, oldest first; adding one raises the entry's version.
#[utoipa::path(security(("oauth2" = ["pipeline:write"])), tag = "pipeline",
    params(("id" = uuid::Uuid, Path, description = "Need id"), ("candidate_id" = uuid::Uuid, Path, description = "Candidate id")),
    request_body = NoteInput,
    responses((status = 201, description = "Added; the entry with its notes.", body = EntryView,
        headers(("ETag" = String), ("Location" = String, description = "URL of the entry")))))]
#[post("/needs/{id}/pipeline/{candidate_id}/notes")]
async fn add_note(
    state: web::Data<AppState>,
    principal: Allowed<required::PipelineWrite>,
    path: web::Path<(String, String)>,
    body: JsonBody<NoteInput>,
) -> AppResult<HttpResponse> {
    let (need, candidate) = ids(&path)?;
    let mut v = Validator::new();
    let text = v.check("body", validation::text(&body.0.body, 1, MAX_NOTE_CHARS));
    let text = v.finish(text).map_err(AppError::Validation)?;
    let author = principal.subject.clone();
    let entry = state
        .db
        .write(move |conn| {
            let need = needs::get(conn, need)?;
            principal.check_sees(Some(need.value.0.organization_id), "need")?;
            let current = store::get(conn, need.id, candidate)?;
            let updated = store::add_note(conn, &current, text, &author)?;
            store::with_notes(conn, updated)
        })
        .await?;
    let location = format!("/api/v1/needs/{need}/pipeline/{candidate}");
    Ok(created(location, entry.0.version, EntryView::from(entry)))
}

/// List a candidate's pipeline entries
///
/// The candidate's entries across needs, oldest first. Organization members see only the entries of their
/// own organization's needs; a candidate in none of them answers 404, as a missing one.
#[utoipa::path(security(("oauth2" = ["pipeline:read"])), tag = "pipeline",
    params(("id" = uuid::Uuid, Path, description = "Candidate id"), PipelineListQuery),
    responses((status = 200, description = "One page of the candidate's pipeline entries; `next_cursor` leads to the next.", body = PageOf<EntryView>)))]
#[get("/candidates/{id}/pipeline")]
async fn candidate_pipeline(
    state: web::Data<AppState>,
    principal: Allowed<required::PipelineRead>,
    id: web::Path<String>,
    query: web::Query<PipelineListQuery>,
) -> AppResult<web::Json<PageOf<EntryView>>> {
    let id: CandidateId = path_id(&id, "candidate")?;
    let tenant = principal.tenant();
    state
        .db
        .read(move |conn| {
            let visible = match tenant {
                // A member learns nothing of candidates outside their own pipelines.
                Some(org) => store::candidate_in_organization(conn, id, org)?,
                None => crate::db::candidates::exists(conn, id)?,
            };
            if visible { Ok(()) } else { Err(AppError::NotFound("candidate")) }
        })
        .await?;
    let fixed = EntryFilter { candidate_id: Some(id), organization_id: tenant, ..EntryFilter::default() };
    let (filter, request) = resolve(query.into_inner(), fixed)?;
    Ok(web::Json(pagination::read_page(&state.db, filter, request, store::list, EntryView::from).await?))
}
