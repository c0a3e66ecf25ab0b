//! `/api/v1/candidates/{id}/documents` and `/api/v1/assignments/{id}/documents`:
//! a candidate's CV, cover letter, references, contract or NDA, and an
//! assignment's contract or statement of work.
//!
//! An upload is the document's bytes as the request body, as they are (no
//! multipart, no base64), with `kind` and optionally `filename` in the query
//! (or the name in `Content-Disposition`): what `curl --data-binary @cv.pdf`
//! sends, and what an HR system's HTTP client sends without a form library.
//! The body is read as it arrives, up to 20 MiB; its type is told from the
//! bytes (PDF, DOCX or UTF-8 text), and a `Content-Type` that says otherwise
//! is refused. The text is read off the async workers, on a thread of its
//! own, within a time limit; a document whose text cannot be read is stored
//! all the same, and says why.

use std::time::Duration;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::candidates::{Sight, reader_of, sight};
use super::created;
use super::extract::{self, path_id};
use super::pagination::{self, PageOf, Paging};
use super::preconditions::{IfMatch, tagged};
use crate::AppState;
use crate::auth::{Allowed, Principal};
use crate::db::DbConnection;
use crate::db::documents::{self as store, DocumentFilter, DocumentSort, NewDocument, Owner, StoredDocument};
use crate::domain::access::required;
use crate::domain::document::{
    self as rules, AssignmentDocumentKind, CandidateDocumentKind, DocumentKind, Extraction, Filename, MediaType,
    TextStatus,
};
use crate::domain::{AssignmentId, CandidateId, OrganizationId};
use crate::error::{AppError, AppResult};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_candidate_documents)
        .service(upload_candidate_document)
        .service(get_candidate_document)
        .service(download_candidate_document)
        .service(delete_candidate_document)
        .service(list_assignment_documents)
        .service(upload_assignment_document)
        .service(get_assignment_document)
        .service(download_assignment_document)
        .service(delete_assignment_document);
}

/// How long reading a document's text may take; past it the document is stored as unreadable.
const EXTRACTION_DEADLINE: Duration = Duration::from_secs(20);

/// Why an organization member is refused a candidate's documents they may otherwise see.
const DOCUMENTS_FROM_OFFER: &str = "a candidate's documents hold their contact details: organization members see them once the candidate is offered or placed";

/// A document's metadata; its bytes are at `content_url`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5f6-1a2b-7c3d-8e4f-5a6b7c8d9e0f",
    "candidate_id": "0193a5f2-7d2e-7c8b-8d66-2e3f4a5b6c7d",
    "assignment_id": null,
    "kind": "cv",
    "filename": "Maria Jansen CV.pdf",
    "content_type": "application/pdf",
    "size": 48213,
    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "text_status": "extracted",
    "text_error": null,
    "uploaded_by": "user:0193a5f0-0000-7000-8000-000000000001",
    "version": 1,
    "created_at": "2026-12-02T10:00:00Z",
    "content_url": "/api/v1/candidates/0193a5f2-7d2e-7c8b-8d66-2e3f4a5b6c7d/documents/0193a5f6-1a2b-7c3d-8e4f-5a6b7c8d9e0f/content"
}))]
pub struct DocumentView {
    #[schema(format = Uuid)]
    pub id: String,
    /// The candidate it belongs to (null for an assignment's).
    #[schema(format = Uuid)]
    pub candidate_id: Option<String>,
    /// The assignment it belongs to (null for a candidate's).
    #[schema(format = Uuid)]
    pub assignment_id: Option<String>,
    pub kind: DocumentKind,
    /// The file name given at upload (or `<kind>.<extension>`).
    pub filename: String,
    /// The type told from the bytes.
    #[schema(
        example = "application/pdf",
        pattern = "^(application/pdf|application/vnd\\.openxmlformats-officedocument\\.wordprocessingml\\.document|text/plain)$"
    )]
    pub content_type: String,
    /// In bytes.
    #[schema(minimum = 1)]
    pub size: i64,
    /// SHA-256 of the bytes, in lowercase hex; the download's `ETag`.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub sha256: String,
    /// Whether the text was read (and is kept for search).
    pub text_status: TextStatus,
    /// Why the text could not be read, when `text_status` is `unreadable`.
    pub text_error: Option<String>,
    /// Who uploaded it: `user:<id>`, `api_key:<id>` or `external:<subject>`.
    pub uploaded_by: String,
    /// Documents never change: always 1.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    /// Where the bytes are downloaded.
    pub content_url: String,
}

impl From<StoredDocument> for DocumentView {
    fn from(d: StoredDocument) -> Self {
        let (candidate_id, assignment_id) = match d.owner {
            Owner::Candidate(id) => (Some(id.to_string()), None),
            Owner::Assignment(id) => (None, Some(id.to_string())),
        };
        DocumentView {
            content_url: format!("{}/{}/content", d.owner.documents_path(), d.id),
            id: d.id,
            candidate_id,
            assignment_id,
            kind: d.kind,
            filename: d.filename,
            content_type: d.media.as_str().to_owned(),
            size: d.size,
            sha256: d.sha256,
            text_status: d.text_status,
            text_error: d.text_error,
            uploaded_by: d.uploaded_by,
            version: d.version,
            created_at: d.created_at,
        }
    }
}

/// A document's bytes, as they are (the spec's shape of an upload's body and a download's).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct DocumentBytes(Vec<u8>);

/// A document with its text and bytes, as a data-subject export holds it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentExport {
    #[serde(flatten)]
    pub document: DocumentView,
    /// The text read from it, when `text_status` is `extracted`.
    pub text: Option<String>,
    /// The bytes, in standard base64.
    #[schema(content_encoding = "base64")]
    pub content_base64: String,
}

impl From<store::FullDocument> for DocumentExport {
    fn from(d: store::FullDocument) -> Self {
        DocumentExport {
            document: DocumentView::from(d.document),
            text: d.text,
            content_base64: base64::engine::general_purpose::STANDARD.encode(&d.content),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CandidateUploadQuery {
    /// What the document is.
    kind: CandidateDocumentKind,
    /// The file's name (the last part of a path is kept), 1 to 255 characters without control characters.
    /// Without it, the `filename*` or `filename` of `Content-Disposition`, else `<kind>.<extension>`.
    #[param(
        min_length = 1,
        max_length = 255,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\u0000-\\u001F\\u007F-\\u009F/\\\\. ][^\\u0000-\\u001F\\u007F-\\u009F/\\\\]*$"
    )]
    filename: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssignmentUploadQuery {
    /// What the document is.
    kind: AssignmentDocumentKind,
    /// The file's name (the last part of a path is kept), 1 to 255 characters without control characters.
    /// Without it, the `filename*` or `filename` of `Content-Disposition`, else `<kind>.<extension>`.
    #[param(
        min_length = 1,
        max_length = 255,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\u0000-\\u001F\\u007F-\\u009F/\\\\. ][^\\u0000-\\u001F\\u007F-\\u009F/\\\\]*$"
    )]
    filename: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CandidateDocumentListQuery {
    /// Only documents of this kind.
    kind: Option<CandidateDocumentKind>,
    /// `created_at` (default); prefix `-` for newest first.
    #[param(pattern = "^(-?created_at)?$")]
    sort: Option<String>,
    /// Page size, 1 to 200 (default 50; larger values are capped).
    #[param(minimum = 1)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page; it keeps that list's filters and sort.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    cursor: Option<String>,
    /// Also count every matching document.
    include_total: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssignmentDocumentListQuery {
    /// Only documents of this kind.
    kind: Option<AssignmentDocumentKind>,
    /// `created_at` (default); prefix `-` for newest first.
    #[param(pattern = "^(-?created_at)?$")]
    sort: Option<String>,
    /// Page size, 1 to 200 (default 50; larger values are capped).
    #[param(minimum = 1)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page; it keeps that list's filters and sort.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    cursor: Option<String>,
    /// Also count every matching document.
    include_total: Option<bool>,
}

/// What a caller may do with documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Read,
    Write,
}

/// Checks that `owner` exists and that the caller may read or change its
/// documents, as the owner itself: a candidate's are read by the practice's
/// staff, and by organization members only where they see the candidate's
/// contact details (see [`sight`]); an assignment's by whoever sees the
/// assignment. Answers the organization that events about them go to.
fn authorize(
    conn: &mut DbConnection,
    principal: &Principal,
    owner: Owner,
    access: Access,
) -> AppResult<Option<OrganizationId>> {
    match owner {
        Owner::Candidate(id) => {
            let member_of = match access {
                Access::Read => reader_of(principal)?,
                // The handler's extractor required `candidates:write`: the practice's staff.
                Access::Write => None,
            };
            match sight(conn, member_of, id)? {
                Sight::Whole => {}
                Sight::WithoutContact => return Err(AppError::Forbidden { scope: DOCUMENTS_FROM_OFFER }),
            }
            match access {
                Access::Read => crate::db::privacy::erased_at(conn, id).map(drop)?,
                Access::Write => crate::db::privacy::ensure_not_erased(conn, id)?,
            }
            Ok(None)
        }
        Owner::Assignment(id) => {
            let assignment = super::assignments::visible(conn, principal, id)?;
            if access == Access::Write {
                crate::db::privacy::ensure_not_erased(conn, assignment.value.candidate_id)?;
            }
            Ok(Some(assignment.value.organization_id))
        }
    }
}

/// The file name an upload names: `filename` in the query, else `Content-Disposition`'s.
fn filename_of(req: &HttpRequest, query: Option<&str>) -> AppResult<Option<Filename>> {
    let from_header = || {
        let value = req.headers().get(header::CONTENT_DISPOSITION)?;
        let disposition = header::ContentDisposition::from_raw(value).ok()?;
        if let Some(extended) = disposition.get_filename_ext() {
            return String::from_utf8(extended.value.clone()).ok();
        }
        disposition.get_filename().map(str::to_owned)
    };
    let raw = query.map(str::to_owned).or_else(from_header);
    raw.map(|name| Filename::parse(&name).map_err(|e| AppError::field("filename", e.code, e.message))).transpose()
}

/// Reads the text of a document on a thread of its own, within [`EXTRACTION_DEADLINE`]: a document that
/// takes longer is stored as unreadable (the thread finishes on its own, its result dropped).
async fn extract_text(media: MediaType, bytes: web::Bytes) -> Extraction {
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let spawned = std::thread::Builder::new().name("document-text".into()).spawn(move || {
        let _ = sender.send(rules::extract_text(media, &bytes));
    });
    if let Err(error) = spawned {
        tracing::warn!(%error, "no thread to read a document's text");
        return Extraction::Unreadable("the text could not be read: the service is busy".into());
    }
    match actix_web::rt::time::timeout(EXTRACTION_DEADLINE, receiver).await {
        Ok(Ok(extraction)) => extraction,
        Ok(Err(_)) => Extraction::Unreadable("the text could not be read".into()),
        Err(_) => {
            tracing::warn!(media = media.as_str(), "reading a document's text took too long");
            Extraction::Unreadable(format!("reading the text took longer than {} s", EXTRACTION_DEADLINE.as_secs()))
        }
    }
}

/// Reads, checks and stores an upload; 201 with the document.
async fn upload(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    owner: Owner,
    kind: DocumentKind,
    filename: Option<&str>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let content_type = req.headers().get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap_or("\u{fffd}"));
    let declared = MediaType::declared(content_type).map_err(|essence| {
        AppError::UnsupportedMediaType(format!(
            "Send a PDF, a Word document (DOCX) or UTF-8 text, as its own type or application/octet-stream (got \
             {essence})."
        ))
    })?;
    let filename = filename_of(&req, filename)?;
    let idle = req.app_data::<extract::BodyTimeout>().map_or(Duration::from_secs(10), |t| t.0);
    let bytes = extract::read_capped(payload, rules::MAX_BYTES, idle).await?;
    if bytes.is_empty() {
        return Err(AppError::field("", "empty", "the body holds no document: send its bytes"));
    }
    let media = rules::detect(&bytes).map_err(|rules::Unsupported(what)| {
        AppError::UnsupportedMediaType(format!(
            "The bytes are {what}: send a PDF, a Word document (DOCX) or UTF-8 text."
        ))
    })?;
    if let Some(said) = declared.filter(|said| *said != media) {
        return Err(AppError::UnsupportedMediaType(format!(
            "Content-Type says {} but the bytes are {}: send the document with its own type, or as \
             application/octet-stream.",
            said.as_str(),
            media.as_str()
        )));
    }
    let sha256 = rules::sha256_hex(&bytes);
    let text = extract_text(media, bytes.clone()).await;
    let new = NewDocument {
        owner,
        kind,
        filename: filename.unwrap_or_else(|| Filename::default_for(kind, media)),
        media,
        sha256,
        text,
        uploaded_by: principal.subject.clone(),
        content: bytes.to_vec(),
    };
    let stored = state
        .db
        .write(move |conn| {
            let organization = authorize(conn, &principal, owner, Access::Write)?;
            store::insert(conn, new, organization)
        })
        .await?;
    let location = format!("{}/{}", owner.documents_path(), stored.id);
    Ok(created(location, stored.version, DocumentView::from(stored)))
}

fn resolve_list(
    kind: Option<DocumentKind>,
    sort: Option<&str>,
    limit: Option<i64>,
    cursor: Option<&str>,
    include_total: Option<bool>,
) -> AppResult<(DocumentFilter, crate::db::page::PageRequest<DocumentSort>)> {
    let paging = Paging { limit, cursor, sort, include_total };
    pagination::resolve(paging, DocumentFilter { kind }, DocumentSort::CreatedAt)
}

async fn list(
    state: web::Data<AppState>,
    principal: Principal,
    owner: Owner,
    (filter, request): (DocumentFilter, crate::db::page::PageRequest<DocumentSort>),
) -> AppResult<web::Json<PageOf<DocumentView>>> {
    let read = move |conn: &mut DbConnection,
                     filter: &DocumentFilter,
                     request: &crate::db::page::PageRequest<DocumentSort>| {
        authorize(conn, &principal, owner, Access::Read)?;
        store::list(conn, owner, filter, request)
    };
    Ok(web::Json(pagination::read_page(&state.db, filter, request, read, DocumentView::from).await?))
}

async fn metadata(
    state: web::Data<AppState>,
    principal: Principal,
    owner: Owner,
    document: String,
) -> AppResult<HttpResponse> {
    let stored = state
        .db
        .read(move |conn| {
            authorize(conn, &principal, owner, Access::Read)?;
            store::get(conn, owner, &document)
        })
        .await?;
    Ok(tagged(stored.version, DocumentView::from(stored)))
}

/// The `ETag` of a document's bytes: their SHA-256.
fn content_tag(sha256: &str) -> String {
    format!("\"{sha256}\"")
}

/// Whether `If-None-Match` names `tag` (or `*`): the caller holds these bytes already.
fn holds_already(if_none_match: Option<&str>, tag: &str) -> bool {
    let Some(value) = if_none_match else { return false };
    // Weak comparison (RFC 9110 §13.1.2): `W/` does not matter here.
    value.split(',').map(|t| t.trim().trim_start_matches("W/")).any(|t| t == "*" || t == tag)
}

async fn download(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    owner: Owner,
    document: String,
) -> AppResult<HttpResponse> {
    let held = req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (stored, content) = state
        .db
        .read(move |conn| {
            authorize(conn, &principal, owner, Access::Read)?;
            let stored = store::get(conn, owner, &document)?;
            if holds_already(held.as_deref(), &content_tag(&stored.sha256)) {
                return Ok((stored, None));
            }
            let content = store::content(conn, &stored.id)?;
            Ok((stored, Some(content)))
        })
        .await?;
    let tag = content_tag(&stored.sha256);
    let Some(content) = content else {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, tag)).finish());
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, stored.media.content_type()))
        .insert_header((header::CONTENT_DISPOSITION, rules::content_disposition(&stored.filename)))
        .insert_header((header::ETAG, tag))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        // Personal data: kept by the caller's own client only, and checked again (by its ETag) before reuse.
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache")))
        .body(content))
}

async fn remove(
    state: web::Data<AppState>,
    principal: Principal,
    owner: Owner,
    document: String,
    if_match: IfMatch,
) -> AppResult<HttpResponse> {
    state
        .db
        .write(move |conn| {
            let organization = authorize(conn, &principal, owner, Access::Write)?;
            let current = store::get(conn, owner, &document)?;
            if_match.check(current.version)?;
            store::delete(conn, owner, &document, organization)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

fn candidate(raw: &str) -> AppResult<Owner> {
    Ok(Owner::Candidate(path_id::<CandidateId>(raw, "candidate")?))
}

fn assignment(raw: &str) -> AppResult<Owner> {
    Ok(Owner::Assignment(path_id::<AssignmentId>(raw, "assignment")?))
}

/// A document id from the path; anything but a UUID answers 404.
fn document_id(raw: &str) -> AppResult<String> {
    extract::path_id_uuid(raw, "document").map(|id| id.hyphenated().to_string())
}

/// List a candidate's documents
///
/// Oldest first (`sort=-created_at`: newest first). Organization members may list the documents of a candidate
/// in the pipeline of one of their organization's needs (`pipeline:read`) once the candidate is `offered` or
/// `placed` there, as they see the candidate's contact details (403 before; a candidate in none of their
/// pipelines answers 404, as a missing one).
#[utoipa::path(security(("oauth2" = ["candidates:read"])), tag = "documents",
    params(("id" = uuid::Uuid, Path, description = "Candidate id"), CandidateDocumentListQuery),
    responses((status = 200, description = "One page of the candidate's documents; `next_cursor` leads to the next.", body = PageOf<DocumentView>)))]
#[get("/candidates/{id}/documents")]
async fn list_candidate_documents(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    query: web::Query<CandidateDocumentListQuery>,
) -> AppResult<web::Json<PageOf<DocumentView>>> {
    reader_of(&principal)?;
    let q = query.into_inner();
    let page = resolve_list(q.kind.map(Into::into), q.sort.as_deref(), q.limit, q.cursor.as_deref(), q.include_total)?;
    list(state, principal, candidate(&id)?, page).await
}

/// Upload a document of a candidate
///
/// The body is the document itself, as it is (`curl --data-binary @cv.pdf`): a PDF, a Word document (DOCX) or
/// UTF-8 text, up to 20 MiB (413 beyond). Send it with its own `Content-Type` or as `application/octet-stream`:
/// the type is told from the bytes either way, and a `Content-Type` that names another type is refused (415),
/// as are bytes of any other type (415) and an empty body (422). Name the file with `filename` (or
/// `Content-Disposition: attachment; filename*=UTF-8''…`). The text of a PDF or DOCX is read and kept for
/// search; a document whose text cannot be read is stored all the same, with `text_status` `unreadable` and
/// the reason in `text_error`. An erased candidate takes no documents (409).
#[utoipa::path(security(("oauth2" = ["candidates:write"])), tag = "documents",
    params(("id" = uuid::Uuid, Path, description = "Candidate id"), CandidateUploadQuery),
    request_body(description = "The document's bytes, as `application/octet-stream` or as the document's own type \
        (`application/pdf`, `application/vnd.openxmlformats-officedocument.wordprocessingml.document`, `text/plain`).",
        content((inline(DocumentBytes) = "application/octet-stream", example = json!("Maria Jansen\nInterim Chief Experience Officer\n")))),
    responses((status = 201, description = "Stored; `Location` names the document.", body = DocumentView,
        headers(("ETag" = String), ("Location" = String, description = "URL of the new document"))),
        (status = 409, response = super::Conflict)))]
#[post("/candidates/{id}/documents")]
async fn upload_candidate_document(
    state: web::Data<AppState>,
    principal: Allowed<required::CandidatesWrite>,
    req: HttpRequest,
    id: web::Path<String>,
    query: web::Query<CandidateUploadQuery>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let owner = candidate(&id)?;
    let query = query.into_inner();
    upload(state, principal.0, req, owner, query.kind.into(), query.filename.as_deref(), payload).await
}

/// Get a candidate's document
///
/// Its metadata; the bytes are at `content_url`. Organization members: as for the list.
#[utoipa::path(security(("oauth2" = ["candidates:read"])), tag = "documents",
    params(("id" = uuid::Uuid, Path, description = "Candidate id"), ("document_id" = uuid::Uuid, Path, description = "Document id")),
    responses((status = 200, description = "The document; `ETag` is its version.", body = DocumentView, headers(("ETag" = String)))))]
#[get("/candidates/{id}/documents/{document_id}")]
async fn get_candidate_document(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    reader_of(&principal)?;
    let (id, document) = path.into_inner();
    metadata(state, principal, candidate(&id)?, document_id(&document)?).await
}

/// Download a candidate's document
///
/// The bytes as uploaded, with their type, `Content-Disposition: attachment` and the file name (RFC 6266,
/// with `filename*` for names beyond ASCII), `X-Content-Type-Options: nosniff`, and their SHA-256 as `ETag`:
/// send it as `If-None-Match` to be answered 304 when you hold them already. Organization members: as for the
/// list.
#[utoipa::path(security(("oauth2" = ["candidates:read"])), tag = "documents",
    params(("id" = uuid::Uuid, Path, description = "Candidate id"), ("document_id" = uuid::Uuid, Path, description = "Document id"),
        ("If-None-Match" = Option<String>, Header, description = "The `ETag` of bytes you hold: 304 when they are these.")),
    responses(
        (status = 200, description = "The document's bytes.",
            content((inline(DocumentBytes) = "application/pdf"), (inline(DocumentBytes) = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"), (inline(DocumentBytes) = "text/plain")),
            headers(("ETag" = String), ("Content-Disposition" = String), ("X-Content-Type-Options" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified: `If-None-Match` names these bytes.", headers(("ETag" = String)))))]
#[get("/candidates/{id}/documents/{document_id}/content")]
async fn download_candidate_document(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    reader_of(&principal)?;
    let (id, document) = path.into_inner();
    download(state, principal, req, candidate(&id)?, document_id(&document)?).await
}

/// Delete a candidate's document
///
/// With its bytes and text; `document.deleted` is announced.
#[utoipa::path(security(("oauth2" = ["candidates:write"])), tag = "documents",
    params(("id" = uuid::Uuid, Path, description = "Candidate id"), ("document_id" = uuid::Uuid, Path, description = "Document id")),
    responses((status = 204, description = "Deleted.")))]
#[delete("/candidates/{id}/documents/{document_id}")]
async fn delete_candidate_document(
    state: web::Data<AppState>,
    principal: Allowed<required::CandidatesWrite>,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
) -> AppResult<HttpResponse> {
    let (id, document) = path.into_inner();
    remove(state, principal.0, candidate(&id)?, document_id(&document)?, if_match).await
}

/// List an assignment's documents
///
/// Oldest first (`sort=-created_at`: newest first).
#[utoipa::path(security(("oauth2" = ["assignments:read"])), tag = "documents",
    params(("id" = uuid::Uuid, Path, description = "Assignment id"), AssignmentDocumentListQuery),
    responses((status = 200, description = "One page of the assignment's documents; `next_cursor` leads to the next.", body = PageOf<DocumentView>)))]
#[get("/assignments/{id}/documents")]
async fn list_assignment_documents(
    state: web::Data<AppState>,
    principal: Allowed<required::AssignmentsRead>,
    id: web::Path<String>,
    query: web::Query<AssignmentDocumentListQuery>,
) -> AppResult<web::Json<PageOf<DocumentView>>> {
    let q = query.into_inner();
    let page = resolve_list(q.kind.map(Into::into), q.sort.as_deref(), q.limit, q.cursor.as_deref(), q.include_total)?;
    list(state, principal.0, assignment(&id)?, page).await
}

/// Upload a document of an assignment
///
/// A contract or statement of work, sent as for a candidate's document (the body is the document itself, up to
/// 20 MiB: PDF, DOCX or UTF-8 text, its type told from the bytes). The assignment's organization's webhooks
/// receive `document.created`. An assignment of an erased candidate takes no documents (409).
#[utoipa::path(security(("oauth2" = ["assignments:write"])), tag = "documents",
    params(("id" = uuid::Uuid, Path, description = "Assignment id"), AssignmentUploadQuery),
    request_body(description = "The document's bytes, as `application/octet-stream` or as the document's own type \
        (`application/pdf`, `application/vnd.openxmlformats-officedocument.wordprocessingml.document`, `text/plain`).",
        content((inline(DocumentBytes) = "application/octet-stream", example = json!("Maria Jansen\nInterim Chief Experience Officer\n")))),
    responses((status = 201, description = "Stored; `Location` names the document.", body = DocumentView,
        headers(("ETag" = String), ("Location" = String, description = "URL of the new document"))),
        (status = 409, response = super::Conflict)))]
#[post("/assignments/{id}/documents")]
async fn upload_assignment_document(
    state: web::Data<AppState>,
    principal: Allowed<required::AssignmentsWrite>,
    req: HttpRequest,
    id: web::Path<String>,
    query: web::Query<AssignmentUploadQuery>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let owner = assignment(&id)?;
    let query = query.into_inner();
    upload(state, principal.0, req, owner, query.kind.into(), query.filename.as_deref(), payload).await
}

/// Get an assignment's document
///
/// Its metadata; the bytes are at `content_url`.
#[utoipa::path(security(("oauth2" = ["assignments:read"])), tag = "documents",
    params(("id" = uuid::Uuid, Path, description = "Assignment id"), ("document_id" = uuid::Uuid, Path, description = "Document id")),
    responses((status = 200, description = "The document; `ETag` is its version.", body = DocumentView, headers(("ETag" = String)))))]
#[get("/assignments/{id}/documents/{document_id}")]
async fn get_assignment_document(
    state: web::Data<AppState>,
    principal: Allowed<required::AssignmentsRead>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (id, document) = path.into_inner();
    metadata(state, principal.0, assignment(&id)?, document_id(&document)?).await
}

/// Download an assignment's document
///
/// As a candidate's: the bytes with their type, `Content-Disposition: attachment`, `nosniff` and their SHA-256
/// as `ETag` (304 for a matching `If-None-Match`).
#[utoipa::path(security(("oauth2" = ["assignments:read"])), tag = "documents",
    params(("id" = uuid::Uuid, Path, description = "Assignment id"), ("document_id" = uuid::Uuid, Path, description = "Document id"),
        ("If-None-Match" = Option<String>, Header, description = "The `ETag` of bytes you hold: 304 when they are these.")),
    responses(
        (status = 200, description = "The document's bytes.",
            content((inline(DocumentBytes) = "application/pdf"), (inline(DocumentBytes) = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"), (inline(DocumentBytes) = "text/plain")),
            headers(("ETag" = String), ("Content-Disposition" = String), ("X-Content-Type-Options" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified: `If-None-Match` names these bytes.", headers(("ETag" = String)))))]
#[get("/assignments/{id}/documents/{document_id}/content")]
async fn download_assignment_document(
    state: web::Data<AppState>,
    principal: Allowed<required::AssignmentsRead>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (id, document) = path.into_inner();
    download(state, principal.0, req, assignment(&id)?, document_id(&document)?).await
}

/// Delete an assignment's document
///
/// With its bytes and text; `document.deleted` is announced.
#[utoipa::path(security(("oauth2" = ["assignments:write"])), tag = "documents",
    params(("id" = uuid::Uuid, Path, description = "Assignment id"), ("document_id" = uuid::Uuid, Path, description = "Document id")),
    responses((status = 204, description = "Deleted.")))]
#[delete("/assignments/{id}/documents/{document_id}")]
async fn delete_assignment_document(
    state: web::Data<AppState>,
    principal: Allowed<required::AssignmentsWrite>,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
) -> AppResult<HttpResponse> {
    let (id, document) = path.into_inner();
    remove(state, principal.0, assignment(&id)?, document_id(&document)?, if_match).await
}
