//! Documents and their bytes, held in the database on both backends (BLOB on
//! SQLite, BYTEA on PostgreSQL): every instance serves them, and a backup of
//! the database holds them. A document is written once and never changed;
//! its metadata is read without its bytes (listed columns only), its bytes
//! only by a download or an export.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::organizations::corrupt;
use super::page::{self, Page, PageRequest, Position, seek};
use super::schema::{assignments, documents};
use super::{DbConnection, now};
use crate::domain::document::{DocumentKind, Extraction, Filename, MediaType, TextStatus};
use crate::domain::webhook::EventType;
use crate::domain::{AssignmentId, CandidateId, OrganizationId};
use crate::error::{AppError, AppResult};

/// What a document belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Candidate(CandidateId),
    Assignment(AssignmentId),
}

impl Owner {
    /// The path of the owner's documents, such as `/api/v1/candidates/{id}/documents`.
    pub fn documents_path(self) -> String {
        match self {
            Owner::Candidate(id) => format!("/api/v1/candidates/{id}/documents"),
            Owner::Assignment(id) => format!("/api/v1/assignments/{id}/documents"),
        }
    }
}

/// A document about to be stored.
#[derive(Debug)]
pub struct NewDocument {
    pub owner: Owner,
    pub kind: DocumentKind,
    pub filename: Filename,
    pub media: MediaType,
    pub sha256: String,
    pub text: Extraction,
    pub uploaded_by: String,
    pub content: Vec<u8>,
}

/// A document's metadata as stored (without its bytes or text).
#[derive(Debug, Clone)]
pub struct StoredDocument {
    pub id: String,
    pub owner: Owner,
    pub kind: DocumentKind,
    pub filename: String,
    pub media: MediaType,
    pub size: i64,
    pub sha256: String,
    pub text_status: TextStatus,
    pub text_error: Option<String>,
    pub uploaded_by: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = documents)]
struct Row {
    id: String,
    candidate_id: Option<String>,
    assignment_id: Option<String>,
    kind: String,
    filename: String,
    content_type: String,
    size_bytes: i64,
    sha256: String,
    text_status: String,
    text_error: Option<String>,
    uploaded_by: String,
    version: i64,
    created_at: NaiveDateTime,
}

impl Row {
    fn into_domain(self) -> AppResult<StoredDocument> {
        let owner = match (self.candidate_id, self.assignment_id) {
            (Some(candidate), None) => Owner::Candidate(candidate.parse().map_err(corrupt)?),
            (None, Some(assignment)) => Owner::Assignment(assignment.parse().map_err(corrupt)?),
            _ => return Err(AppError::Internal(anyhow::anyhow!("document {} has not exactly one owner", self.id))),
        };
        Ok(StoredDocument {
            id: self.id,
            owner,
            kind: self.kind.parse().map_err(corrupt)?,
            filename: self.filename,
            media: self.content_type.parse().map_err(corrupt)?,
            size: self.size_bytes,
            sha256: self.sha256,
            text_status: self.text_status.parse().map_err(corrupt)?,
            text_error: self.text_error,
            uploaded_by: self.uploaded_by,
            version: self.version,
            created_at: self.created_at.and_utc(),
        })
    }
}

fn owned_by(owner: Owner) -> documents::BoxedQuery<'static, <DbConnection as diesel::Connection>::Backend> {
    match owner {
        Owner::Candidate(id) => documents::table.filter(documents::candidate_id.eq(id.to_string())).into_boxed(),
        Owner::Assignment(id) => documents::table.filter(documents::assignment_id.eq(id.to_string())).into_boxed(),
    }
}

/// Stores a document and announces it (`document.created`, to the
/// organization of an assignment's document; a candidate's concern the
/// practice only).
pub fn insert(
    conn: &mut DbConnection,
    new: NewDocument,
    organization: Option<OrganizationId>,
) -> AppResult<StoredDocument> {
    let id = uuid::Uuid::now_v7().to_string();
    let (candidate_id, assignment_id) = match new.owner {
        Owner::Candidate(c) => (Some(c.to_string()), None),
        Owner::Assignment(a) => (None, Some(a.to_string())),
    };
    let size = i64::try_from(new.content.len()).map_err(|e| AppError::Internal(e.into()))?;
    let (text, text_error) = match &new.text {
        Extraction::Extracted(text) => (Some(text.as_str()), None),
        Extraction::Unreadable(reason) => (None, Some(reason.as_str())),
        Extraction::NotApplicable => (None, None),
    };
    diesel::insert_into(documents::table)
        .values((
            documents::id.eq(&id),
            documents::candidate_id.eq(&candidate_id),
            documents::assignment_id.eq(&assignment_id),
            documents::kind.eq(new.kind.as_str()),
            documents::filename.eq(new.filename.as_str()),
            documents::content_type.eq(new.media.as_str()),
            documents::size_bytes.eq(size),
            documents::sha256.eq(&new.sha256),
            documents::text_status.eq(new.text.status().as_str()),
            documents::text_error.eq(text_error),
            documents::text.eq(text),
            documents::uploaded_by.eq(&new.uploaded_by),
            documents::version.eq(1_i64),
            documents::created_at.eq(now()),
            documents::content.eq(&new.content),
        ))
        .execute(conn)?;
    let stored = get(conn, new.owner, &id)?;
    if let Owner::Candidate(candidate) = new.owner {
        super::search::refresh(conn, candidate)?;
    }
    announce(conn, EventType::DocumentCreated, &stored, organization)?;
    Ok(stored)
}

/// Document events name the document, its owner and kind: nothing of its content.
fn announce(
    conn: &mut DbConnection,
    event: EventType,
    document: &StoredDocument,
    organization: Option<OrganizationId>,
) -> AppResult<()> {
    let mut data = serde_json::json!({"id": document.id, "kind": document.kind.as_str()});
    match document.owner {
        Owner::Candidate(id) => data["candidate_id"] = id.to_string().into(),
        Owner::Assignment(id) => data["assignment_id"] = id.to_string().into(),
    }
    super::webhooks::announce(conn, event, organization, data)
}

/// The metadata of `owner`'s document `id`; 404 for another owner's.
pub fn get(conn: &mut DbConnection, owner: Owner, id: &str) -> AppResult<StoredDocument> {
    let row: Option<Row> =
        owned_by(owner).filter(documents::id.eq(id.to_owned())).select(Row::as_select()).get_result(conn).optional()?;
    row.ok_or(AppError::NotFound("document"))?.into_domain()
}

/// The bytes of a document.
pub fn content(conn: &mut DbConnection, id: &str) -> AppResult<Vec<u8>> {
    Ok(documents::table.find(id).select(documents::content).get_result(conn)?)
}

/// The text read from a document (`None` unless it was extracted).
pub fn text(conn: &mut DbConnection, id: &str) -> AppResult<Option<String>> {
    Ok(documents::table.find(id).select(documents::text).get_result(conn)?)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentSort {
    CreatedAt,
}

/// What a list of documents selects; the owner is set from the path after
/// the cursor is read, so no cursor can reach another owner's documents.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct DocumentFilter {
    pub kind: Option<DocumentKind>,
}

pub fn list(
    conn: &mut DbConnection,
    owner: Owner,
    filter: &DocumentFilter,
    page: &PageRequest<DocumentSort>,
) -> AppResult<Page<StoredDocument>> {
    let filtered = || {
        let mut query = owned_by(owner);
        if let Some(kind) = filter.kind {
            query = query.filter(documents::kind.eq(kind.as_str()));
        }
        query
    };
    let total = if page.with_total { Some(filtered().count().get_result(conn)?) } else { None };
    let query = filtered().select(Row::as_select()).limit(page.limit + 1);
    let after = page.after.as_ref().map(|p| p.timestamp().map(|t| (t, p.id.clone()))).transpose()?;
    let rows: Vec<Row> = match page.sort {
        DocumentSort::CreatedAt => {
            seek!(query, documents::created_at, documents::id, page.direction, after).load(conn)?
        }
    };
    Page::from_rows(rows, page.limit, total, |row| Position {
        value: page::timestamp_value(&row.created_at),
        id: row.id.clone(),
    })
    .try_map(Row::into_domain)
}

/// Deletes `owner`'s document `id` and announces it.
pub fn delete(conn: &mut DbConnection, owner: Owner, id: &str, organization: Option<OrganizationId>) -> AppResult<()> {
    let current = get(conn, owner, id)?;
    diesel::delete(documents::table.find(id)).execute(conn)?;
    if let Owner::Candidate(candidate) = owner {
        super::search::refresh(conn, candidate)?;
    }
    announce(conn, EventType::DocumentDeleted, &current, organization)
}

/// A document with its bytes and text, for a data-subject export.
#[derive(Debug)]
pub struct FullDocument {
    pub document: StoredDocument,
    pub text: Option<String>,
    pub content: Vec<u8>,
}

/// The ids of the assignments `candidate` holds or held.
fn assignments_of(conn: &mut DbConnection, candidate: CandidateId) -> AppResult<Vec<Option<String>>> {
    let ids: Vec<String> = assignments::table
        .filter(assignments::candidate_id.eq(candidate.to_string()))
        .select(assignments::id)
        .load(conn)?;
    Ok(ids.into_iter().map(Some).collect())
}

/// Every document about `candidate`: their own, and those of their
/// assignments (a contract names them), oldest first, with bytes and text.
pub fn all_about(conn: &mut DbConnection, candidate: CandidateId) -> AppResult<Vec<FullDocument>> {
    let held = assignments_of(conn, candidate)?;
    let rows: Vec<(Row, Option<String>, Vec<u8>)> = documents::table
        .filter(documents::candidate_id.eq(Some(candidate.to_string())).or(documents::assignment_id.eq_any(held)))
        .order((documents::created_at.asc(), documents::id.asc()))
        .select((Row::as_select(), documents::text, documents::content))
        .load(conn)?;
    rows.into_iter()
        .map(|(row, text, content)| Ok(FullDocument { document: row.into_domain()?, text, content }))
        .collect()
}

/// Deletes every document about `candidate` (see [`all_about`]), bytes and
/// text with them; answers how many.
pub fn erase_about(conn: &mut DbConnection, candidate: CandidateId) -> AppResult<usize> {
    let held = assignments_of(conn, candidate)?;
    Ok(diesel::delete(
        documents::table
            .filter(documents::candidate_id.eq(Some(candidate.to_string())).or(documents::assignment_id.eq_any(held))),
    )
    .execute(conn)?)
}
