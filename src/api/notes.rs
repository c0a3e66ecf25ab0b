//! Notes on candidates, needs and assignments (`…/{id}/notes`), and the
//! timelines of candidates and needs (`…/{id}/timeline`).

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::candidates::{reader_of, sight};
use super::extract::{JsonBody, path_id};
use super::pagination::{self, PageOf, Paging};
use super::preconditions::{IfMatch, etag, tagged};
use crate::AppState;
use crate::auth::{Allowed, Principal};
use crate::db::notes::{self as store, NewNote, Note, NoteChange, NoteFilter, NoteSort};
use crate::db::timeline::{self, Event, TimelineFilter, TimelineSort};
use crate::db::{DbConnection, assignments, needs, organizations};
use crate::domain::access::required;
use crate::domain::note::{self as rules, MAX_NOTE_CHARS, NoteSubject, TimelineKind, Visibility};
use crate::domain::validation::{self, Validator};
use crate::domain::{AssignmentId, CandidateId, NeedId, OrganizationId};
use crate::error::{AppError, AppResult};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(add_candidate_note)
        .service(list_candidate_notes)
        .service(add_need_note)
        .service(list_need_notes)
        .service(add_assignment_note)
        .service(list_assignment_notes)
        .service(get_candidate_note)
        .service(change_candidate_note)
        .service(delete_candidate_note)
        .service(get_need_note)
        .service(change_need_note)
        .service(delete_need_note)
        .service(get_assignment_note)
        .service(change_assignment_note)
        .service(delete_assignment_note)
        .service(candidate_timeline)
        .service(need_timeline);
}

/// A note to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"body": "Prefers a three-day week; available for board meetings.", "visibility": "practice"}))]
pub struct RecordNoteInput {
    /// 1 to 10,000 characters.
    #[schema(format = "text", min_length = 1, max_length = 10000)]
    pub body: String,
    /// `practice` (the practice's staff only; the default for staff) or `organization` (also the organization's
    /// members; the only choice of a member, and the default).
    #[serde(default)]
    pub visibility: Option<Visibility>,
    /// For a note on a candidate shared with an organization: which one (its members see it while the candidate is
    /// in one of their pipelines). A need's or an assignment's note is shared with its own organization.
    #[serde(default)]
    #[schema(format = Uuid)]
    pub organization_id: Option<String>,
}

/// A note on a candidate, a need or an assignment.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordNoteView {
    #[schema(format = Uuid)]
    pub id: String,
    pub subject: NoteSubject,
    #[schema(format = Uuid)]
    pub subject_id: String,
    pub visibility: Visibility,
    /// The organization whose members see it, when shared.
    #[schema(format = Uuid)]
    pub organization_id: Option<String>,
    pub body: String,
    /// Who wrote it (`user:<id>`, `api_key:<id>`).
    #[schema(example = "user:0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c")]
    pub author: String,
    pub created_at: DateTime<Utc>,
    /// 1 when written, one more with each change; the `ETag` of `GET …/notes/{note_id}`.
    pub version: i64,
    /// When its author (or an admin) last changed it; null if never.
    pub updated_at: Option<DateTime<Utc>>,
}

impl From<Note> for RecordNoteView {
    fn from(n: Note) -> Self {
        RecordNoteView {
            id: n.id,
            subject: n.subject,
            subject_id: n.subject_id,
            visibility: n.visibility,
            organization_id: n.organization_id.map(|o| o.to_string()),
            body: n.body,
            author: n.author,
            created_at: n.created_at,
            version: n.version,
            updated_at: n.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NoteListQuery {
    /// `created_at` (oldest first, the default) or `-created_at` (newest first).
    #[param(pattern = "^(-?created_at)?$")]
    sort: Option<String>,
    /// Page size, 1 to 200 (default 50; larger values are capped).
    #[param(minimum = 1)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page; it keeps that list's filters and sort.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    cursor: Option<String>,
    /// Also count every note listed.
    include_total: Option<bool>,
}

/// Checks a note's input; a member's note is always shared with its organization.
fn note_of(
    conn: &mut DbConnection,
    principal: &Principal,
    input: RecordNoteInput,
    subject: NoteSubject,
    subject_id: String,
    owner: Option<OrganizationId>,
) -> AppResult<NewNote> {
    let mut v = Validator::new();
    let body = v.check("body", validation::text(&input.body, 1, MAX_NOTE_CHARS));
    let member = principal.tenant().is_some();
    let visibility = match input.visibility {
        Some(Visibility::Practice) if member => {
            v.fail("visibility", "not_allowed", "an organization member's notes are shared with its organization");
            Visibility::Organization
        }
        Some(visibility) => visibility,
        None if member => Visibility::Organization,
        None => Visibility::Practice,
    };
    let organization_id = match (subject, &input.organization_id, visibility) {
        (NoteSubject::Candidate, Some(id), Visibility::Organization) => match id.parse::<OrganizationId>() {
            Ok(id) if organizations::exists(conn, id)? => Some(id),
            _ => {
                v.fail("organization_id", "not_found", "names no organization");
                None
            }
        },
        (NoteSubject::Candidate, None, Visibility::Organization) => {
            v.fail(
                "organization_id",
                "required",
                "a shared note on a candidate names the organization it is shared with",
            );
            None
        }
        (_, Some(_), _) if subject != NoteSubject::Candidate || visibility == Visibility::Practice => {
            v.fail("organization_id", "not_allowed", "only a candidate's shared note names an organization");
            None
        }
        _ => owner,
    };
    let body = v.finish(body).map_err(AppError::Validation)?;
    Ok(NewNote { subject, subject_id, visibility, organization_id, body, author: principal.subject.clone() })
}

/// 201 with the note, its URL and its `ETag`.
fn created(subject_url: String, note: Note) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((actix_web::http::header::LOCATION, format!("{subject_url}/{}", note.id)))
        .insert_header((actix_web::http::header::ETAG, etag(note.version)))
        .json(RecordNoteView::from(note))
}

/// A correction of a note: its text, or who sees it. What is left out stays as it is.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"body": "Prefers a four-day week; available for board meetings."}))]
pub struct NoteChangeInput {
    /// 1 to 10,000 characters.
    #[serde(default)]
    #[schema(format = "text", min_length = 1, max_length = 10000)]
    pub body: Option<String>,
    /// `practice` or `organization`, with the rules of a new note (a member's notes stay shared).
    #[serde(default)]
    pub visibility: Option<Visibility>,
    /// For a candidate's note shared with an organization: which one (kept as it was when left out).
    #[serde(default)]
    #[schema(format = Uuid)]
    pub organization_id: Option<String>,
}

/// The note `note_id` of the subject, as the caller sees it: one of another subject, or not shared with the
/// caller's organization, is missing (404).
fn visible_note(
    conn: &mut DbConnection,
    principal: &Principal,
    note_id: &str,
    subject: NoteSubject,
    subject_id: &str,
) -> AppResult<Note> {
    let note = store::get(conn, note_id)?;
    let ours = note.subject == subject && note.subject_id == subject_id;
    if !ours || !rules::shown_to(note.visibility, note.organization_id, principal.tenant()) {
        return Err(AppError::NotFound("note"));
    }
    Ok(note)
}

/// Refuses a change to a note by anyone but its author or an admin (403).
fn check_may_change(principal: &Principal, note: &Note) -> AppResult<()> {
    if rules::may_change(&note.author, &principal.subject, principal.role) {
        Ok(())
    } else {
        Err(AppError::Forbidden { scope: "only a note's author or an admin changes or deletes it" })
    }
}

/// Applies a correction with the rules of a new note, at the version the caller read.
fn corrected(
    conn: &mut DbConnection,
    principal: &Principal,
    if_match: &IfMatch,
    current: &Note,
    input: NoteChangeInput,
    owner: Option<OrganizationId>,
) -> AppResult<Note> {
    check_may_change(principal, current)?;
    if_match.check(current.version)?;
    let visibility = input.visibility.unwrap_or(current.visibility);
    let organization_id = match (input.organization_id, current.subject, visibility) {
        (Some(id), _, _) => Some(id),
        (None, NoteSubject::Candidate, Visibility::Organization) => current.organization_id.map(|o| o.to_string()),
        (None, _, _) => None,
    };
    let whole = RecordNoteInput {
        body: input.body.unwrap_or_else(|| current.body.clone()),
        visibility: Some(visibility),
        organization_id,
    };
    let checked = note_of(conn, principal, whole, current.subject, current.subject_id.clone(), owner)?;
    let change =
        NoteChange { visibility: checked.visibility, organization_id: checked.organization_id, body: checked.body };
    store::change(conn, current, &change)
}

/// Deletes a note at the version the caller read.
fn removed(conn: &mut DbConnection, principal: &Principal, if_match: &IfMatch, current: &Note) -> AppResult<()> {
    check_may_change(principal, current)?;
    if_match.check(current.version)?;
    store::delete(conn, current)
}

fn list_request(
    query: NoteListQuery,
    filter: NoteFilter,
) -> AppResult<(NoteFilter, crate::db::page::PageRequest<NoteSort>)> {
    let paging = Paging {
        limit: query.limit,
        cursor: query.cursor.as_deref(),
        sort: query.sort.as_deref(),
        include_total: query.include_total,
    };
    pagination::resolve(paging, filter, NoteSort::CreatedAt)
}

/// Add a note to a candidate
///
/// Kept for the practice, or shared with an organization (`organization_id`), whose members then see it while the
/// candidate is in one of their pipelines. Notes are searched with the candidate's `q`, and shown in the timeline.
#[utoipa::path(security(("oauth2" = ["candidates:write"])), tag = "notes",
    params(("id" = uuid::Uuid, Path, description = "Candidate id")), request_body = RecordNoteInput,
    responses((status = 201, description = "Added; `Location` names the note, `ETag` is its version.", body = RecordNoteView,
        headers(("Location" = String, description = "URL of the note"), ("ETag" = String))),
        (status = 404, response = super::NotFound), (status = 422, response = super::Unprocessable)))]
#[post("/candidates/{id}/notes")]
async fn add_candidate_note(
    state: web::Data<AppState>,
    principal: Allowed<required::CandidatesWrite>,
    id: web::Path<String>,
    body: JsonBody<RecordNoteInput>,
) -> AppResult<HttpResponse> {
    let id: CandidateId = path_id(&id, "candidate")?;
    let note = state
        .db
        .write(move |conn| {
            crate::db::candidates::listed(conn, id)?;
            crate::db::privacy::ensure_not_erased(conn, id)?;
            let new = note_of(conn, &principal, body.0, NoteSubject::Candidate, id.to_string(), None)?;
            let note = store::add(conn, &new)?;
            crate::db::search::refresh(conn, id)?;
            Ok(note)
        })
        .await?;
    Ok(created(format!("/api/v1/candidates/{id}/notes"), note))
}

/// List a candidate's notes
///
/// Oldest first. The practice's staff see every note; an organization member (`pipeline:read`) sees the notes shared
/// with its organization, of a candidate in one of its pipelines (anyone else: 404).
#[utoipa::path(security(("oauth2" = ["candidates:read"])), tag = "notes",
    params(("id" = uuid::Uuid, Path, description = "Candidate id"), NoteListQuery),
    responses((status = 200, description = "One page of notes; `next_cursor` leads to the next.", body = PageOf<RecordNoteView>)))]
#[get("/candidates/{id}/notes")]
async fn list_candidate_notes(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    query: web::Query<NoteListQuery>,
) -> AppResult<web::Json<PageOf<RecordNoteView>>> {
    let member_of = reader_of(&principal)?;
    let id: CandidateId = path_id(&id, "candidate")?;
    let filter = NoteFilter { subject: NoteSubject::Candidate, subject_id: id.to_string(), shared_with: member_of };
    let (filter, request) = list_request(query.into_inner(), filter)?;
    let list = move |conn: &mut DbConnection, filter: &NoteFilter, request: &_| {
        crate::db::candidates::listed(conn, id)?;
        sight(conn, member_of, id)?;
        store::list(conn, filter, request)
    };
    Ok(web::Json(pagination::read_page(&state.db, filter, request, list, RecordNoteView::from).await?))
}

/// Add a note to a need
///
/// The practice's staff may keep it for the practice (the default) or share it with the need's organization; a
/// member's note is shared with its organization.
#[utoipa::path(security(("oauth2" = ["needs:write"])), tag = "notes",
    params(("id" = uuid::Uuid, Path, description = "Need id")), request_body = RecordNoteInput,
    responses((status = 201, description = "Added; `Location` names the note, `ETag` is its version.", body = RecordNoteView,
        headers(("Location" = String, description = "URL of the note"), ("ETag" = String))),
        (status = 404, response = super::NotFound), (status = 422, response = super::Unprocessable)))]
#[post("/needs/{id}/notes")]
async fn add_need_note(
    state: web::Data<AppState>,
    principal: Allowed<required::NeedsWrite>,
    id: web::Path<String>,
    body: JsonBody<RecordNoteInput>,
) -> AppResult<HttpResponse> {
    let id: NeedId = path_id(&id, "need")?;
    let note = state
        .db
        .write(move |conn| {
            let owner = needs::get(conn, id)?.value.0.organization_id;
            principal.check_sees(Some(owner), "need")?;
            let new = note_of(conn, &principal, body.0, NoteSubject::Need, id.to_string(), Some(owner))?;
            store::add(conn, &new)
        })
        .await?;
    Ok(created(format!("/api/v1/needs/{id}/notes"), note))
}

/// List a need's notes
///
/// Oldest first. Organization members see only the notes shared with their organization.
#[utoipa::path(security(("oauth2" = ["needs:read"])), tag = "notes",
    params(("id" = uuid::Uuid, Path, description = "Need id"), NoteListQuery),
    responses((status = 200, description = "One page of notes; `next_cursor` leads to the next.", body = PageOf<RecordNoteView>)))]
#[get("/needs/{id}/notes")]
async fn list_need_notes(
    state: web::Data<AppState>,
    principal: Allowed<required::NeedsRead>,
    id: web::Path<String>,
    query: web::Query<NoteListQuery>,
) -> AppResult<web::Json<PageOf<RecordNoteView>>> {
    let id: NeedId = path_id(&id, "need")?;
    let filter = NoteFilter { subject: NoteSubject::Need, subject_id: id.to_string(), shared_with: principal.tenant() };
    let (filter, request) = list_request(query.into_inner(), filter)?;
    let list = move |conn: &mut DbConnection, filter: &NoteFilter, request: &_| {
        principal.check_sees(Some(needs::get(conn, id)?.value.0.organization_id), "need")?;
        store::list(conn, filter, request)
    };
    Ok(web::Json(pagination::read_page(&state.db, filter, request, list, RecordNoteView::from).await?))
}

/// Add a note to an assignment
///
/// As on a need: kept for the practice, or shared with the assignment's organization (a member's always is).
#[utoipa::path(security(("oauth2" = ["assignments:write"])), tag = "notes",
    params(("id" = uuid::Uuid, Path, description = "Assignment id")), request_body = RecordNoteInput,
    responses((status = 201, description = "Added; `Location` names the note, `ETag` is its version.", body = RecordNoteView,
        headers(("Location" = String, description = "URL of the note"), ("ETag" = String))),
        (status = 404, response = super::NotFound), (status = 422, response = super::Unprocessable)))]
#[post("/assignments/{id}/notes")]
async fn add_assignment_note(
    state: web::Data<AppState>,
    principal: Allowed<required::AssignmentsWrite>,
    id: web::Path<String>,
    body: JsonBody<RecordNoteInput>,
) -> AppResult<HttpResponse> {
    let id: AssignmentId = path_id(&id, "assignment")?;
    let note = state
        .db
        .write(move |conn| {
            let owner = assignments::get(conn, id)?.value.organization_id;
            principal.check_sees(Some(owner), "assignment")?;
            let new = note_of(conn, &principal, body.0, NoteSubject::Assignment, id.to_string(), Some(owner))?;
            store::add(conn, &new)
        })
        .await?;
    Ok(created(format!("/api/v1/assignments/{id}/notes"), note))
}

/// List an assignment's notes
///
/// Oldest first. Organization members see only the notes shared with their organization.
#[utoipa::path(security(("oauth2" = ["assignments:read"])), tag = "notes",
    params(("id" = uuid::Uuid, Path, description = "Assignment id"), NoteListQuery),
    responses((status = 200, description = "One page of notes; `next_cursor` leads to the next.", body = PageOf<RecordNoteView>)))]
#[get("/assignments/{id}/notes")]
async fn list_assignment_notes(
    state: web::Data<AppState>,
    principal: Allowed<required::AssignmentsRead>,
    id: web::Path<String>,
    query: web::Query<NoteListQuery>,
) -> AppResult<web::Json<PageOf<RecordNoteView>>> {
    let id: AssignmentId = path_id(&id, "assignment")?;
    let filter =
        NoteFilter { subject: NoteSubject::Assignment, subject_id: id.to_string(), shared_with: principal.tenant() };
    let (filter, request) = list_request(query.into_inner(), filter)?;
    let list = move |conn: &mut DbConnection, filter: &NoteFilter, request: &_| {
        principal.check_sees(Some(assignments::get(conn, id)?.value.organization_id), "assignment")?;
        store::list(conn, filter, request)
    };
    Ok(web::Json(pagination::read_page(&state.db, filter, request, list, RecordNoteView::from).await?))
}

/// Checks that the caller reaches the subject of a note (404 as for a missing one otherwise; a candidate's while
/// not erased, for a change), and answers the organization its shared notes go to: a need's or an assignment's
/// own.
fn reach(
    conn: &mut DbConnection,
    principal: &Principal,
    subject: NoteSubject,
    id: &str,
    writes: bool,
) -> AppResult<Option<OrganizationId>> {
    match subject {
        NoteSubject::Candidate => {
            let id: CandidateId = path_id(id, "candidate")?;
            crate::db::candidates::listed(conn, id)?;
            // Only the practice's staff write a candidate's notes; members read those of their pipelines.
            if writes {
                crate::db::privacy::ensure_not_erased(conn, id)?;
            } else {
                sight(conn, reader_of(principal)?, id)?;
            }
            Ok(None)
        }
        NoteSubject::Need => {
            let owner = needs::get(conn, path_id(id, "need")?)?.value.0.organization_id;
            principal.check_sees(Some(owner), "need")?;
            Ok(Some(owner))
        }
        NoteSubject::Assignment => {
            let owner = assignments::get(conn, path_id(id, "assignment")?)?.value.organization_id;
            principal.check_sees(Some(owner), "assignment")?;
            Ok(Some(owner))
        }
    }
}

/// A candidate's notes are part of their search text: it follows a correction or a deletion.
fn searched_again(conn: &mut DbConnection, subject: NoteSubject, id: &str) -> AppResult<()> {
    match subject {
        NoteSubject::Candidate => crate::db::search::refresh(conn, path_id(id, "candidate")?),
        NoteSubject::Need | NoteSubject::Assignment => Ok(()),
    }
}

async fn read_note(
    state: &AppState,
    principal: Principal,
    subject: NoteSubject,
    (id, note_id): (String, String),
) -> AppResult<HttpResponse> {
    let note = state
        .db
        .read(move |conn| {
            reach(conn, &principal, subject, &id, false)?;
            visible_note(conn, &principal, &note_id, subject, &id)
        })
        .await?;
    Ok(tagged(note.version, RecordNoteView::from(note)))
}

async fn correct_note(
    state: &AppState,
    principal: Principal,
    subject: NoteSubject,
    (id, note_id): (String, String),
    if_match: IfMatch,
    input: NoteChangeInput,
) -> AppResult<HttpResponse> {
    let note = state
        .db
        .write(move |conn| {
            let owner = reach(conn, &principal, subject, &id, true)?;
            let current = visible_note(conn, &principal, &note_id, subject, &id)?;
            let note = corrected(conn, &principal, &if_match, &current, input, owner)?;
            searched_again(conn, subject, &id)?;
            Ok(note)
        })
        .await?;
    Ok(tagged(note.version, RecordNoteView::from(note)))
}

async fn delete_note(
    state: &AppState,
    principal: Principal,
    subject: NoteSubject,
    (id, note_id): (String, String),
    if_match: IfMatch,
) -> AppResult<HttpResponse> {
    state
        .db
        .write(move |conn| {
            reach(conn, &principal, subject, &id, true)?;
            let current = visible_note(conn, &principal, &note_id, subject, &id)?;
            removed(conn, &principal, &if_match, &current)?;
            searched_again(conn, subject, &id)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Get a note on a candidate
///
/// With its `ETag`, for a correction. An organization member sees a note shared with its organization, of a
/// candidate in one of its pipelines (anyone else: 404).
#[utoipa::path(security(("oauth2" = ["candidates:read"])), tag = "notes",
    params(("id" = uuid::Uuid, Path, description = "Candidate id"), ("note_id" = uuid::Uuid, Path, description = "Note id")),
    responses((status = 200, description = "The note; `ETag` is its version.", body = RecordNoteView, headers(("ETag" = String))),
        (status = 404, response = super::NotFound)))]
#[get("/candidates/{id}/notes/{note_id}")]
async fn get_candidate_note(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    read_note(&state, principal, NoteSubject::Candidate, path.into_inner()).await
}

/// Correct a note on a candidate
///
/// A JSON Merge Patch of its text or visibility, by its author or an admin (anyone else: 403), at the version read
/// (`If-Match`). The candidate's search text follows.
#[utoipa::path(security(("oauth2" = ["candidates:write"])), tag = "notes",
    params(("id" = uuid::Uuid, Path, description = "Candidate id"), ("note_id" = uuid::Uuid, Path, description = "Note id")),
    request_body(content = NoteChangeInput, content_type = "application/merge-patch+json",
        example = json!({"body": "Prefers a four-day week; available for board meetings."})),
    responses((status = 200, description = "The note as corrected; `ETag` is its new version.", body = RecordNoteView, headers(("ETag" = String))),
        (status = 404, response = super::NotFound), (status = 422, response = super::Unprocessable)))]
#[patch("/candidates/{id}/notes/{note_id}")]
async fn change_candidate_note(
    state: web::Data<AppState>,
    principal: Allowed<required::CandidatesWrite>,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
    body: JsonBody<NoteChangeInput>,
) -> AppResult<HttpResponse> {
    correct_note(&state, principal.0, NoteSubject::Candidate, path.into_inner(), if_match, body.0).await
}

/// Delete a note on a candidate
///
/// By its author or an admin (anyone else: 403), at the version read (`If-Match`). It leaves the timeline and the
/// candidate's search text; the audit log keeps that it was deleted, and by whom.
#[utoipa::path(security(("oauth2" = ["candidates:write"])), tag = "notes",
    params(("id" = uuid::Uuid, Path, description = "Candidate id"), ("note_id" = uuid::Uuid, Path, description = "Note id")),
    responses((status = 204, description = "Deleted."), (status = 404, response = super::NotFound)))]
#[delete("/candidates/{id}/notes/{note_id}")]
async fn delete_candidate_note(
    state: web::Data<AppState>,
    principal: Allowed<required::CandidatesWrite>,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
) -> AppResult<HttpResponse> {
    delete_note(&state, principal.0, NoteSubject::Candidate, path.into_inner(), if_match).await
}

/// Get a note on a need
///
/// With its `ETag`, for a correction. Organization members see the notes shared with their organization.
#[utoipa::path(security(("oauth2" = ["needs:read"])), tag = "notes",
    params(("id" = uuid::Uuid, Path, description = "Need id"), ("note_id" = uuid::Uuid, Path, description = "Note id")),
    responses((status = 200, description = "The note; `ETag` is its version.", body = RecordNoteView, headers(("ETag" = String))),
        (status = 404, response = super::NotFound)))]
#[get("/needs/{id}/notes/{note_id}")]
async fn get_need_note(
    state: web::Data<AppState>,
    principal: Allowed<required::NeedsRead>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    read_note(&state, principal.0, NoteSubject::Need, path.into_inner()).await
}

/// Correct a note on a need
///
/// A JSON Merge Patch of its text or visibility, by its author or an admin (anyone else: 403), at the version read
/// (`If-Match`).
#[utoipa::path(security(("oauth2" = ["needs:write"])), tag = "notes",
    params(("id" = uuid::Uuid, Path, description = "Need id"), ("note_id" = uuid::Uuid, Path, description = "Note id")),
    request_body(content = NoteChangeInput, content_type = "application/merge-patch+json",
        example = json!({"body": "Prefers a four-day week; available for board meetings."})),
    responses((status = 200, description = "The note as corrected; `ETag` is its new version.", body = RecordNoteView, headers(("ETag" = String))),
        (status = 404, response = super::NotFound), (status = 422, response = super::Unprocessable)))]
#[patch("/needs/{id}/notes/{note_id}")]
async fn change_need_note(
    state: web::Data<AppState>,
    principal: Allowed<required::NeedsWrite>,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
    body: JsonBody<NoteChangeInput>,
) -> AppResult<HttpResponse> {
    correct_note(&state, principal.0, NoteSubject::Need, path.into_inner(), if_match, body.0).await
}

/// Delete a note on a need
///
/// By its author or an admin (anyone else: 403), at the version read (`If-Match`).
#[utoipa::path(security(("oauth2" = ["needs:write"])), tag = "notes",
    params(("id" = uuid::Uuid, Path, description = "Need id"), ("note_id" = uuid::Uuid, Path, description = "Note id")),
    responses((status = 204, description = "Deleted."), (status = 404, response = super::NotFound)))]
#[delete("/needs/{id}/notes/{note_id}")]
async fn delete_need_note(
    state: web::Data<AppState>,
    principal: Allowed<required::NeedsWrite>,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
) -> AppResult<HttpResponse> {
    delete_note(&state, principal.0, NoteSubject::Need, path.into_inner(), if_match).await
}

/// Get a note on an assignment
///
/// With its `ETag`, for a correction. Organization members see the notes shared with their organization.
#[utoipa::path(security(("oauth2" = ["assignments:read"])), tag = "notes",
    params(("id" = uuid::Uuid, Path, description = "Assignment id"), ("note_id" = uuid::Uuid, Path, description = "Note id")),
    responses((status = 200, description = "The note; `ETag` is its version.", body = RecordNoteView, headers(("ETag" = String))),
        (status = 404, response = super::NotFound)))]
#[get("/assignments/{id}/notes/{note_id}")]
async fn get_assignment_note(
    state: web::Data<AppState>,
    principal: Allowed<required::AssignmentsRead>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    read_note(&state, principal.0, NoteSubject::Assignment, path.into_inner()).await
}

/// Correct a note on an assignment
///
/// A JSON Merge Patch of its text or visibility, by its author or an admin (anyone else: 403), at the version read
/// (`If-Match`).
#[utoipa::path(security(("oauth2" = ["assignments:write"])), tag = "notes",
    params(("id" = uuid::Uuid, Path, description = "Assignment id"), ("note_id" = uuid::Uuid, Path, description = "Note id")),
    request_body(content = NoteChangeInput, content_type = "application/merge-patch+json",
        example = json!({"body": "Prefers a four-day week; available for board meetings."})),
    responses((status = 200, description = "The note as corrected; `ETag` is its new version.", body = RecordNoteView, headers(("ETag" = String))),
        (status = 404, response = super::NotFound), (status = 422, response = super::Unprocessable)))]
#[patch("/assignments/{id}/notes/{note_id}")]
async fn change_assignment_note(
    state: web::Data<AppState>,
    principal: Allowed<required::AssignmentsWrite>,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
    body: JsonBody<NoteChangeInput>,
) -> AppResult<HttpResponse> {
    correct_note(&state, principal.0, NoteSubject::Assignment, path.into_inner(), if_match, body.0).await
}

/// Delete a note on an assignment
///
/// By its author or an admin (anyone else: 403), at the version read (`If-Match`).
#[utoipa::path(security(("oauth2" = ["assignments:write"])), tag = "notes",
    params(("id" = uuid::Uuid, Path, description = "Assignment id"), ("note_id" = uuid::Uuid, Path, description = "Note id")),
    responses((status = 204, description = "Deleted."), (status = 404, response = super::NotFound)))]
#[delete("/assignments/{id}/notes/{note_id}")]
async fn delete_assignment_note(
    state: web::Data<AppState>,
    principal: Allowed<required::AssignmentsWrite>,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
) -> AppResult<HttpResponse> {
    delete_note(&state, principal.0, NoteSubject::Assignment, path.into_inner(), if_match).await
}

/// One event of a timeline. Which fields are set depends on `kind` (see its values).
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineEventView {
    pub kind: TimelineKind,
    /// The id of the record the event comes from (a note, a move, a document, an assignment …).
    #[schema(format = Uuid)]
    pub id: String,
    pub occurred_at: DateTime<Utc>,
    /// Who did it (`user:<id>`, `api_key:<id>`), when recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Uuid)]
    pub need_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Uuid)]
    pub candidate_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Uuid)]
    pub assignment_id: Option<String>,
    /// A note's text, a move's note, an extension's reason, a document's file name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_stage: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_stage: Option<String>,
    /// A rejection's or withdrawal's reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_end: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
}

impl From<Event> for TimelineEventView {
    fn from(e: Event) -> Self {
        TimelineEventView {
            kind: e.kind,
            id: e.id,
            occurred_at: e.occurred_at,
            actor: e.actor,
            need_id: e.need_id,
            candidate_id: e.candidate_id,
            assignment_id: e.assignment_id,
            text: e.text,
            visibility: e.visibility,
            from_stage: e.from_stage,
            to_stage: e.to_stage,
            reason: e.reason,
            document_kind: e.document_kind,
            new_end: e.new_end,
            metric: e.metric,
            value: e.value,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimelineQuery {
    /// `occurred_at` (oldest first, the default) or `-occurred_at` (newest first).
    #[param(pattern = "^(-?occurred_at)?$")]
    sort: Option<String>,
    /// Page size, 1 to 200 (default 50; larger values are capped).
    #[param(minimum = 1)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page; it keeps that list's sort.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    cursor: Option<String>,
    /// Also count every event.
    include_total: Option<bool>,
}

fn timeline_request(
    query: TimelineQuery,
    filter: TimelineFilter,
) -> AppResult<(TimelineFilter, crate::db::page::PageRequest<TimelineSort>)> {
    let paging = Paging {
        limit: query.limit,
        cursor: query.cursor.as_deref(),
        sort: query.sort.as_deref(),
        include_total: query.include_total,
    };
    pagination::resolve(paging, filter, TimelineSort::OccurredAt)
}

/// A candidate's timeline
///
/// Everything recorded about the candidate, in time order: notes, documents uploaded, each pipeline entry's moves
/// and notes, assignments proposed, their extensions and check-ins. The practice's staff only.
#[utoipa::path(security(("oauth2" = ["candidates:read"])), tag = "notes",
    params(("id" = uuid::Uuid, Path, description = "Candidate id"), TimelineQuery),
    responses((status = 200, description = "One page of events; `next_cursor` leads to the next.", body = PageOf<TimelineEventView>)))]
#[get("/candidates/{id}/timeline")]
async fn candidate_timeline(
    state: web::Data<AppState>,
    _: Allowed<required::CandidatesRead>,
    id: web::Path<String>,
    query: web::Query<TimelineQuery>,
) -> AppResult<web::Json<PageOf<TimelineEventView>>> {
    let id: CandidateId = path_id(&id, "candidate")?;
    let filter = TimelineFilter { subject: NoteSubject::Candidate, subject_id: id.to_string(), shared_with: None };
    let (filter, request) = timeline_request(query.into_inner(), filter)?;
    let list = move |conn: &mut DbConnection, filter: &TimelineFilter, request: &_| {
        crate::db::candidates::listed(conn, id)?;
        timeline::page(conn, filter, request)
    };
    Ok(web::Json(pagination::read_page(&state.db, filter, request, list, TimelineEventView::from).await?))
}

/// A need's timeline
///
/// Everything recorded about the need, in time order: its notes, each pipeline entry's moves and notes, its
/// assignments, their notes, extensions and check-ins. Organization members see their own organization's needs, with
/// the notes shared with it.
#[utoipa::path(security(("oauth2" = ["needs:read"])), tag = "notes",
    params(("id" = uuid::Uuid, Path, description = "Need id"), TimelineQuery),
    responses((status = 200, description = "One page of events; `next_cursor` leads to the next.", body = PageOf<TimelineEventView>)))]
#[get("/needs/{id}/timeline")]
async fn need_timeline(
    state: web::Data<AppState>,
    principal: Allowed<required::NeedsRead>,
    id: web::Path<String>,
    query: web::Query<TimelineQuery>,
) -> AppResult<web::Json<PageOf<TimelineEventView>>> {
    let id: NeedId = path_id(&id, "need")?;
    let filter =
        TimelineFilter { subject: NoteSubject::Need, subject_id: id.to_string(), shared_with: principal.tenant() };
    let (filter, request) = timeline_request(query.into_inner(), filter)?;
    let list = move |conn: &mut DbConnection, filter: &TimelineFilter, request: &_| {
        principal.check_sees(Some(needs::get(conn, id)?.value.0.organization_id), "need")?;
        timeline::page(conn, filter, request)
    };
    Ok(web::Json(pagination::read_page(&state.db, filter, request, list, TimelineEventView::from).await?))
}
