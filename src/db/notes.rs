//! Notes on candidates, needs and assignments. A note names its subject by
//! kind and id (no foreign key can point at three tables): the subject's
//! deletion, erasure or merge takes its notes along through [`forget_about`]
//! and [`move_to`].

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::organizations::corrupt;
use super::page::{self, Page, PageRequest, Position, seek};
use super::schema::notes;
use super::{DbConnection, now};
use crate::domain::OrganizationId;
use crate::domain::note::{NoteSubject, Visibility};
use crate::error::AppResult;

#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub id: String,
    pub subject: NoteSubject,
    pub subject_id: String,
    pub visibility: Visibility,
    /// The organization that sees it, when shared.
    pub organization_id: Option<OrganizationId>,
    pub body: String,
    pub author: String,
    pub created_at: DateTime<Utc>,
    /// 1 when written, one more with each change (the ETag).
    pub version: i64,
    /// When it was last changed, if ever.
    pub updated_at: Option<DateTime<Utc>>,
}

/// A note to add.
#[derive(Debug, Clone)]
pub struct NewNote {
    pub subject: NoteSubject,
    pub subject_id: String,
    pub visibility: Visibility,
    pub organization_id: Option<OrganizationId>,
    pub body: String,
    pub author: String,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = notes)]
struct Row {
    id: String,
    subject: String,
    subject_id: String,
    visibility: String,
    organization_id: Option<String>,
    body: String,
    author: String,
    created_at: NaiveDateTime,
    version: i64,
    updated_at: Option<NaiveDateTime>,
}

impl Row {
    fn into_domain(self) -> AppResult<Note> {
        Ok(Note {
            id: self.id,
            subject: self.subject.parse().map_err(corrupt)?,
            subject_id: self.subject_id,
            visibility: self.visibility.parse().map_err(corrupt)?,
            organization_id: self.organization_id.map(|o| o.parse()).transpose().map_err(corrupt)?,
            body: self.body,
            author: self.author,
            created_at: self.created_at.and_utc(),
            version: self.version,
            updated_at: self.updated_at.map(|t| t.and_utc()),
        })
    }
}

/// Notes are listed oldest first (`sort=-created_at`: newest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteSort {
    CreatedAt,
}

/// Whose notes a list shows: the practice sees every note, a member of an organization only those shared with it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct NoteFilter {
    pub subject: NoteSubject,
    pub subject_id: String,
    pub shared_with: Option<OrganizationId>,
}

pub fn add(conn: &mut DbConnection, new: &NewNote) -> AppResult<Note> {
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(notes::table)
        .values((
            notes::id.eq(&id),
            notes::subject.eq(new.subject.as_str()),
            notes::subject_id.eq(&new.subject_id),
            notes::visibility.eq(new.visibility.as_str()),
            notes::organization_id.eq(new.organization_id.map(|o| o.to_string())),
            notes::body.eq(&new.body),
            notes::author.eq(&new.author),
            notes::created_at.eq(now()),
        ))
        .execute(conn)?;
    get(conn, &id)
}

/// The note of this id (`NotFound` when there is none; the caller checks its subject and who sees it).
pub fn get(conn: &mut DbConnection, id: &str) -> AppResult<Note> {
    let row: Option<Row> = notes::table.find(id).select(Row::as_select()).get_result(conn).optional()?;
    row.ok_or(crate::error::AppError::NotFound("note"))?.into_domain()
}

/// What a change to a note sets: its text and who sees it (the author and subject stay).
#[derive(Debug, Clone)]
pub struct NoteChange {
    pub visibility: Visibility,
    pub organization_id: Option<OrganizationId>,
    pub body: String,
}

/// Changes the note at `current`'s version (412 if it changed since).
pub fn change(conn: &mut DbConnection, current: &Note, to: &NoteChange) -> AppResult<Note> {
    let updated = diesel::update(notes::table.find(&current.id).filter(notes::version.eq(current.version)))
        .set((
            notes::visibility.eq(to.visibility.as_str()),
            notes::organization_id.eq(to.organization_id.map(|o| o.to_string())),
            notes::body.eq(&to.body),
            notes::version.eq(current.version + 1),
            notes::updated_at.eq(Some(now())),
        ))
        .execute(conn)?;
    super::ensure_updated(updated)?;
    get(conn, &current.id)
}

/// Deletes the note at `current`'s version (412 if it changed since).
pub fn delete(conn: &mut DbConnection, current: &Note) -> AppResult<()> {
    let deleted =
        diesel::delete(notes::table.find(&current.id).filter(notes::version.eq(current.version))).execute(conn)?;
    super::ensure_updated(deleted)
}

fn visible(filter: &NoteFilter) -> notes::BoxedQuery<'static, super::MultiBackend> {
    let mut query = notes::table
        .filter(notes::subject.eq(filter.subject.as_str()))
        .filter(notes::subject_id.eq(filter.subject_id.clone()))
        .into_boxed();
    if let Some(org) = filter.shared_with {
        query = query
            .filter(notes::visibility.eq(Visibility::Organization.as_str()))
            .filter(notes::organization_id.eq(org.to_string()));
    }
    query
}

pub fn list(conn: &mut DbConnection, filter: &NoteFilter, page: &PageRequest<NoteSort>) -> AppResult<Page<Note>> {
    let total = if page.with_total { Some(visible(filter).count().get_result(conn)?) } else { None };
    let after = page.after.as_ref().map(|p| p.timestamp().map(|t| (t, p.id.clone()))).transpose()?;
    let query = visible(filter).select(Row::as_select()).limit(page.limit + 1);
    let rows: Vec<Row> = seek!(query, notes::created_at, notes::id, page.direction, after).load(conn)?;
    Page::from_rows(rows, page.limit, total, |r| Position {
        value: page::timestamp_value(&r.created_at),
        id: r.id.clone(),
    })
    .try_map(Row::into_domain)
}

/// Every note of the subject the filter lets through, oldest first (for a timeline).
pub fn all(conn: &mut DbConnection, filter: &NoteFilter) -> AppResult<Vec<Note>> {
    let rows: Vec<Row> = visible(filter).select(Row::as_select()).order((notes::created_at, notes::id)).load(conn)?;
    rows.into_iter().map(Row::into_domain).collect()
}

/// The subject is gone (deleted or erased): so are its notes.
pub(crate) fn forget_about(conn: &mut DbConnection, subject: NoteSubject, id: &str) -> AppResult<()> {
    diesel::delete(notes::table.filter(notes::subject.eq(subject.as_str())).filter(notes::subject_id.eq(id)))
        .execute(conn)?;
    Ok(())
}

/// A merge: the notes of one subject become another's; gives how many moved.
pub(crate) fn move_to(conn: &mut DbConnection, subject: NoteSubject, from: &str, to: &str) -> AppResult<usize> {
    Ok(diesel::update(notes::table.filter(notes::subject.eq(subject.as_str())).filter(notes::subject_id.eq(from)))
        .set(notes::subject_id.eq(to))
        .execute(conn)?)
}

/// A candidate's notes with their times, for search (practice staff search: every note counts).
pub(crate) fn dated_about_candidate(conn: &mut DbConnection, id: &str) -> AppResult<Vec<(NaiveDateTime, String)>> {
    Ok(notes::table
        .filter(notes::subject.eq(NoteSubject::Candidate.as_str()))
        .filter(notes::subject_id.eq(id))
        .select((notes::created_at, notes::body))
        .load(conn)?)
}
