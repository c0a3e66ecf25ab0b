//! Queries for the pipeline: entries (a candidate for a need), their moves
//! and their notes. Every change of an entry raises its version and, for a
//! stage move, records the move in the same transaction.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::needs::StoredNeed;
use super::organizations::corrupt;
use super::page::{self, Page, PageRequest, Position, seek};
use super::schema::{assignments, candidates, pipeline_entries, pipeline_moves, pipeline_notes};
use super::{DbConnection, json, now};
use crate::domain::need::NeedStatus;
use crate::domain::pipeline::{self as rules, MatchSnapshot, MoveRefusal, PipelineEntry, Stage};
use crate::domain::webhook::EventType;
use crate::domain::{AssignmentId, CandidateId, NeedId, OrganizationId, PipelineEntryId, Stored};
use crate::error::{AppError, AppResult};

pub type StoredEntry = Stored<PipelineEntryId, PipelineEntry>;

/// One stage move of an entry; the first is its addition (no `from`).
#[derive(Debug, Clone, PartialEq)]
pub struct Move {
    pub from: Option<Stage>,
    pub to: Stage,
    /// The code of the reason a rejection or withdrawal named, and the free text beside it.
    pub reason: Option<String>,
    pub reason_detail: Option<String>,
    pub note: Option<String>,
    /// The caller's subject (`user:<id>`, `api_key:<id>`).
    pub actor: String,
    pub at: DateTime<Utc>,
}

/// A note on an entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub id: String,
    pub body: String,
    pub author: String,
    pub created_at: DateTime<Utc>,
}

/// An entry with its notes, oldest first, and the assignment its placement created.
pub type EntryWithNotes = (StoredEntry, Vec<Note>, Option<AssignmentId>);

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = pipeline_entries, treat_none_as_null = true)]
struct Row {
    id: String,
    need_id: String,
    candidate_id: String,
    organization_id: String,
    stage: String,
    reason: Option<String>,
    match_score: Option<f64>,
    match_skillset_id: Option<String>,
    match_skillset_version: Option<i64>,
    match_explanation: Option<String>,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    reason_detail: Option<String>,
}

impl Row {
    fn new(
        id: PipelineEntryId,
        e: &PipelineEntry,
        version: i64,
        created_at: NaiveDateTime,
        updated_at: NaiveDateTime,
    ) -> AppResult<Self> {
        let m = e.match_snapshot.as_ref();
        Ok(Row {
            id: id.to_string(),
            need_id: e.need_id.to_string(),
            candidate_id: e.candidate_id.to_string(),
            organization_id: e.organization_id.to_string(),
            stage: e.stage.as_str().into(),
            reason: e.reason.clone(),
            match_score: m.map(|m| m.score),
            match_skillset_id: m.and_then(|m| m.skillset_id).map(|s| s.to_string()),
            match_skillset_version: m.and_then(|m| m.skillset_version),
            match_explanation: m.and_then(|m| m.explanation.as_ref()).map(json::encode).transpose()?,
            version,
            created_at,
            updated_at,
            reason_detail: e.reason_detail.clone(),
        })
    }

    fn into_domain(self) -> AppResult<StoredEntry> {
        let match_snapshot = match self.match_score {
            None => None,
            Some(score) => Some(MatchSnapshot {
                score,
                skillset_id: self.match_skillset_id.as_deref().map(str::parse).transpose().map_err(corrupt)?,
                skillset_version: self.match_skillset_version,
                explanation: self.match_explanation.as_deref().map(json::decode).transpose()?,
            }),
        };
        Ok(Stored {
            id: self.id.parse().map_err(corrupt)?,
            value: PipelineEntry {
                need_id: self.need_id.parse().map_err(corrupt)?,
                candidate_id: self.candidate_id.parse().map_err(corrupt)?,
                organization_id: self.organization_id.parse().map_err(corrupt)?,
                stage: self.stage.parse().map_err(corrupt)?,
                reason: self.reason,
                reason_detail: self.reason_detail,
                match_snapshot,
            },
            version: self.version,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = pipeline_moves)]
struct MoveRow {
    id: String,
    entry_id: String,
    from_stage: Option<String>,
    to_stage: String,
    reason: Option<String>,
    note: Option<String>,
    actor: String,
    moved_at: NaiveDateTime,
    reason_detail: Option<String>,
}

impl MoveRow {
    fn into_domain(self) -> AppResult<Move> {
        Ok(Move {
            from: self.from_stage.as_deref().map(str::parse).transpose().map_err(corrupt)?,
            to: self.to_stage.parse().map_err(corrupt)?,
            reason: self.reason,
            reason_detail: self.reason_detail,
            note: self.note,
            actor: self.actor,
            at: self.moved_at.and_utc(),
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = pipeline_notes)]
struct NoteRow {
    id: String,
    entry_id: String,
    body: String,
    author: String,
    created_at: NaiveDateTime,
}

impl NoteRow {
    fn into_domain(self) -> Note {
        Note { id: self.id, body: self.body, author: self.author, created_at: self.created_at.and_utc() }
    }
}

/// Records a move of `candidate`'s entry; a note with it is searched with the candidate's notes.
fn record_move(conn: &mut DbConnection, entry: PipelineEntryId, candidate: CandidateId, m: &Move) -> AppResult<()> {
    let row = MoveRow {
        id: uuid::Uuid::now_v7().to_string(),
        entry_id: entry.to_string(),
        from_stage: m.from.map(|s| s.as_str().into()),
        to_stage: m.to.as_str().into(),
        reason: m.reason.clone(),
        note: m.note.clone(),
        actor: m.actor.clone(),
        moved_at: m.at.naive_utc(),
        reason_detail: m.reason_detail.clone(),
    };
    diesel::insert_into(pipeline_moves::table).values(&row).execute(conn)?;
    if m.note.is_some() {
        super::search::refresh(conn, candidate)?;
    }
    Ok(())
}

/// Adds `candidate` to the pipeline of `need`, at stage `sourced`. A
/// candidate is in a need's pipeline at most once (409); a need that is
/// filled or cancelled takes no new candidates (409).
pub fn insert(
    conn: &mut DbConnection,
    need: &StoredNeed,
    candidate: CandidateId,
    snapshot: Option<MatchSnapshot>,
    note: Option<String>,
    actor: &str,
) -> AppResult<StoredEntry> {
    let status = need.value.0.status;
    if matches!(status, NeedStatus::Filled | NeedStatus::Cancelled) {
        return Err(AppError::Conflict(format!("The need is `{status}`: it takes no new candidates.")));
    }
    let known = candidates::table.find(candidate.to_string()).count().get_result::<i64>(conn)? > 0;
    if !known {
        return Err(AppError::field("candidate_id", "unknown_candidate", "no candidate has this id"));
    }
    if let Some(existing) = find(conn, need.id, candidate)? {
        return Err(AppError::Conflict(format!(
            "The candidate is already in this need's pipeline (stage `{}`); move that entry instead.",
            existing.value.stage
        )));
    }
    let entry = PipelineEntry {
        need_id: need.id,
        candidate_id: candidate,
        organization_id: need.value.0.organization_id,
        stage: Stage::Sourced,
        reason: None,
        reason_detail: None,
        match_snapshot: snapshot,
    };
    let at = now();
    let row = Row::new(PipelineEntryId::generate(), &entry, 1, at, at)?;
    diesel::insert_into(pipeline_entries::table).values(&row).execute(conn)?;
    let stored = row.into_domain()?;
    let added = Move {
        from: None,
        to: Stage::Sourced,
        reason: None,
        reason_detail: None,
        note,
        actor: actor.to_owned(),
        at: at.and_utc(),
    };
    record_move(conn, stored.id, candidate, &added)?;
    announce(conn, EventType::PipelineEntryCreated, &stored, None)?;
    Ok(stored)
}

fn find(conn: &mut DbConnection, need: NeedId, candidate: CandidateId) -> AppResult<Option<StoredEntry>> {
    pipeline_entries::table
        .filter(pipeline_entries::need_id.eq(need.to_string()))
        .filter(pipeline_entries::candidate_id.eq(candidate.to_string()))
        .select(Row::as_select())
        .get_result(conn)
        .optional()?
        .map(Row::into_domain)
        .transpose()
}

/// The entry of `candidate` in the pipeline of `need`.
pub fn get(conn: &mut DbConnection, need: NeedId, candidate: CandidateId) -> AppResult<StoredEntry> {
    find(conn, need, candidate)?.ok_or(AppError::NotFound("pipeline entry"))
}

/// Turns a refused move into the error the client sees.
pub fn refusal(refusal: MoveRefusal) -> AppError {
    match refusal {
        MoveRefusal::Illegal { from, to, allowed } => {
            let names: Vec<&'static str> = allowed.iter().map(Stage::as_str).collect();
            AppError::RefusedMove {
                detail: format!(
                    "A candidacy cannot move from `{from}` to `{to}`; allowed: {}.",
                    if names.is_empty() { "none (the candidacy is closed)".to_owned() } else { names.join(", ") }
                ),
                allowed: names,
            }
        }
        MoveRefusal::ReasonRequired { to } => AppError::field(
            "reason",
            "required",
            format!("moving to `{to}` names a reason from the list (GET /api/v1/pipeline-reasons?stage={to})"),
        ),
        MoveRefusal::ReasonNotApplicable => AppError::field(
            "reason",
            "not_applicable",
            "a reason is only given when moving to `rejected` or `withdrawn`",
        ),
        MoveRefusal::ReasonNotFor { code, to } => AppError::field(
            "reason",
            "not_for_this_move",
            format!("`{code}` is not a reason for moving to `{to}` (GET /api/v1/pipeline-reasons?stage={to})"),
        ),
        MoveRefusal::ReasonRetired { code } => {
            AppError::field("reason", "retired", format!("`{code}` is retired from the list of reasons"))
        }
    }
}

/// The reason a move names and the free text beside it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Why {
    pub reason: Option<String>,
    pub detail: Option<String>,
}

/// Moves an entry to `to`, recording who moved it, why and when. The reason
/// is one of the practice's list that fits the move. The update is guarded
/// by the version read, so of two racing moves one wins.
pub fn move_to(
    conn: &mut DbConnection,
    current: &StoredEntry,
    to: Stage,
    why: Why,
    note: Option<String>,
    actor: &str,
) -> AppResult<StoredEntry> {
    let from = current.value.stage;
    let reason = match &why.reason {
        None => None,
        Some(code) => Some(super::pipeline_reasons::find(conn, code)?.ok_or_else(|| {
            AppError::field("reason", "unknown_reason", format!("the list of reasons has no `{code}`"))
        })?),
    };
    rules::check_move(from, to, reason.as_ref().map(|r| &r.value)).map_err(refusal)?;
    if why.detail.is_some() && why.reason.is_none() {
        return Err(AppError::field("reason_detail", "not_applicable", "the detail goes with a reason"));
    }
    let next = PipelineEntry {
        stage: to,
        reason: why.reason.clone(),
        reason_detail: why.detail.clone(),
        ..current.value.clone()
    };
    let at = now();
    let stored = update(conn, current, &next, at)?;
    let moved = Move {
        from: Some(from),
        to,
        reason: why.reason,
        reason_detail: why.detail,
        note,
        actor: actor.to_owned(),
        at: at.and_utc(),
    };
    record_move(conn, current.id, current.value.candidate_id, &moved)?;
    announce(conn, EventType::PipelineEntryMoved, &stored, Some(from))?;
    Ok(stored)
}

/// Pipeline events name the entry, its need and candidate, and the stages.
fn announce(conn: &mut DbConnection, event: EventType, entry: &StoredEntry, from: Option<Stage>) -> AppResult<()> {
    let e = &entry.value;
    let mut data = serde_json::json!({
        "id": entry.id, "need_id": e.need_id, "candidate_id": e.candidate_id,
        "stage": e.stage, "version": entry.version,
    });
    if let Some(from) = from {
        data["previous_stage"] = serde_json::json!(from);
    }
    if let Some(reason) = &e.reason {
        data["reason"] = serde_json::json!(reason);
    }
    super::webhooks::announce(conn, event, Some(e.organization_id), data)
}

fn update(
    conn: &mut DbConnection,
    current: &StoredEntry,
    next: &PipelineEntry,
    at: NaiveDateTime,
) -> AppResult<StoredEntry> {
    let row = Row::new(current.id, next, current.version + 1, current.created_at.naive_utc(), at)?;
    let updated =
        diesel::update(pipeline_entries::table.find(&row.id).filter(pipeline_entries::version.eq(current.version)))
            .set(&row)
            .execute(conn)?;
    super::ensure_updated(updated)?;
    row.into_domain()
}

/// A merge of `duplicate` into `survivor`: an entry of a need only the duplicate was in now names the survivor
/// (`pipeline.entry_updated`); one of a need both were in joins the survivor's entry, its moves, notes and
/// assignment going there (`pipeline.entry_merged` naming the entry it joined, then that entry's
/// `pipeline.entry_updated`: its history grew). Gives how many entries moved, and how many joined.
pub(crate) fn merge_candidates(
    conn: &mut DbConnection,
    duplicate: CandidateId,
    survivor: CandidateId,
) -> AppResult<(usize, usize)> {
    let rows: Vec<Row> = pipeline_entries::table
        .filter(pipeline_entries::candidate_id.eq(duplicate.to_string()))
        .order(pipeline_entries::id)
        .select(Row::as_select())
        .load(conn)?;
    let (mut moved, mut joined) = (0, 0);
    for gone in rows.into_iter().map(Row::into_domain) {
        let gone = gone?;
        let Some(own) = find(conn, gone.value.need_id, survivor)? else {
            let next = PipelineEntry { candidate_id: survivor, ..gone.value.clone() };
            let stored = update(conn, &gone, &next, now())?;
            announce(conn, EventType::PipelineEntryUpdated, &stored, None)?;
            moved += 1;
            continue;
        };
        let (from, to) = (gone.id.to_string(), own.id.to_string());
        diesel::update(pipeline_moves::table.filter(pipeline_moves::entry_id.eq(&from)))
            .set(pipeline_moves::entry_id.eq(&to))
            .execute(conn)?;
        diesel::update(pipeline_notes::table.filter(pipeline_notes::entry_id.eq(&from)))
            .set(pipeline_notes::entry_id.eq(&to))
            .execute(conn)?;
        diesel::update(assignments::table.filter(assignments::pipeline_entry_id.eq(&from)))
            .set(assignments::pipeline_entry_id.eq(&to))
            .execute(conn)?;
        diesel::delete(pipeline_entries::table.find(&from)).execute(conn)?;
        let data = serde_json::json!({"id": from, "need_id": gone.value.need_id, "merged_into": to});
        super::webhooks::announce(conn, EventType::PipelineEntryMerged, Some(gone.value.organization_id), data)?;
        let stored = update(conn, &own, &own.value, now())?;
        announce(conn, EventType::PipelineEntryUpdated, &stored, None)?;
        joined += 1;
    }
    Ok((moved, joined))
}

/// Keeps the match that shortlisted the candidate with the entry.
pub fn record_match(conn: &mut DbConnection, current: &StoredEntry, snapshot: MatchSnapshot) -> AppResult<StoredEntry> {
    let next = PipelineEntry { match_snapshot: Some(snapshot), ..current.value.clone() };
    update(conn, current, &next, now())
}

/// Every move of an entry, oldest first.
pub fn history(conn: &mut DbConnection, entry: PipelineEntryId) -> AppResult<Vec<Move>> {
    let rows: Vec<MoveRow> = pipeline_moves::table
        .filter(pipeline_moves::entry_id.eq(entry.to_string()))
        .order((pipeline_moves::moved_at.asc(), pipeline_moves::id.asc()))
        .select(MoveRow::as_select())
        .load(conn)?;
    rows.into_iter().map(MoveRow::into_domain).collect()
}

/// Adds a note to an entry; the entry's version grows, as its notes are part of it.
pub fn add_note(conn: &mut DbConnection, current: &StoredEntry, body: String, author: &str) -> AppResult<StoredEntry> {
    let at = now();
    let stored = update(conn, current, &current.value, at)?;
    let row = NoteRow {
        id: uuid::Uuid::now_v7().to_string(),
        entry_id: current.id.to_string(),
        body,
        author: author.to_owned(),
        created_at: at,
    };
    diesel::insert_into(pipeline_notes::table).values(&row).execute(conn)?;
    super::search::refresh(conn, current.value.candidate_id)?;
    Ok(stored)
}

/// The notes of each of `entries`, oldest first.
pub fn notes_of(
    conn: &mut DbConnection,
    entries: &[PipelineEntryId],
) -> AppResult<HashMap<PipelineEntryId, Vec<Note>>> {
    let mut notes: HashMap<PipelineEntryId, Vec<Note>> = HashMap::new();
    if entries.is_empty() {
        return Ok(notes);
    }
    let ids: Vec<String> = entries.iter().map(ToString::to_string).collect();
    let rows: Vec<NoteRow> = pipeline_notes::table
        .filter(pipeline_notes::entry_id.eq_any(ids))
        .order((pipeline_notes::created_at.asc(), pipeline_notes::id.asc()))
        .select(NoteRow::as_select())
        .load(conn)?;
    for row in rows {
        let entry = row.entry_id.parse().map_err(corrupt)?;
        notes.entry(entry).or_default().push(row.into_domain());
    }
    Ok(notes)
}

/// The assignments the placements of `entries` created.
fn assignments_of(
    conn: &mut DbConnection,
    entries: &[PipelineEntryId],
) -> AppResult<HashMap<PipelineEntryId, AssignmentId>> {
    if entries.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<String> = entries.iter().map(ToString::to_string).collect();
    let rows: Vec<(Option<String>, String)> = assignments::table
        .filter(assignments::pipeline_entry_id.eq_any(ids))
        .select((assignments::pipeline_entry_id, assignments::id))
        .load(conn)?;
    rows.into_iter()
        .filter_map(|(entry, id)| entry.map(|e| (e, id)))
        .map(|(entry, id)| Ok((entry.parse().map_err(corrupt)?, id.parse().map_err(corrupt)?)))
        .collect()
}

/// An entry with its notes and its assignment.
pub fn with_notes(conn: &mut DbConnection, entry: StoredEntry) -> AppResult<EntryWithNotes> {
    let mut notes = notes_of(conn, &[entry.id])?;
    let own = notes.remove(&entry.id).unwrap_or_default();
    let assignment = assignments_of(conn, &[entry.id])?.remove(&entry.id);
    Ok((entry, own, assignment))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntrySort {
    CreatedAt,
    UpdatedAt,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct EntryFilter {
    pub need_id: Option<NeedId>,
    pub candidate_id: Option<CandidateId>,
    pub organization_id: Option<OrganizationId>,
    pub stage: Option<Stage>,
}

pub fn list(
    conn: &mut DbConnection,
    filter: &EntryFilter,
    page: &PageRequest<EntrySort>,
) -> AppResult<Page<EntryWithNotes>> {
    let filtered = || {
        let mut query = pipeline_entries::table.into_boxed();
        if let Some(need) = filter.need_id {
            query = query.filter(pipeline_entries::need_id.eq(need.to_string()));
        }
        if let Some(candidate) = filter.candidate_id {
            query = query.filter(pipeline_entries::candidate_id.eq(candidate.to_string()));
        }
        if let Some(org) = filter.organization_id {
            query = query.filter(pipeline_entries::organization_id.eq(org.to_string()));
        }
        if let Some(stage) = filter.stage {
            query = query.filter(pipeline_entries::stage.eq(stage.as_str()));
        }
        query
    };
    let total = if page.with_total { Some(filtered().count().get_result(conn)?) } else { None };
    let query = filtered().select(Row::as_select()).limit(page.limit + 1);
    let after = page.after.as_ref().map(|p| p.timestamp().map(|t| (t, p.id.clone()))).transpose()?;
    let (id, dir) = (pipeline_entries::id, page.direction);
    let rows: Vec<Row> = match page.sort {
        EntrySort::CreatedAt => seek!(query, pipeline_entries::created_at, id, dir, after).load(conn)?,
        EntrySort::UpdatedAt => seek!(query, pipeline_entries::updated_at, id, dir, after).load(conn)?,
    };
    let sort = page.sort;
    let page = Page::from_rows(rows, page.limit, total, |row| Position {
        value: match sort {
            EntrySort::CreatedAt => page::timestamp_value(&row.created_at),
            EntrySort::UpdatedAt => page::timestamp_value(&row.updated_at),
        },
        id: row.id.clone(),
    })
    .try_map(Row::into_domain)?;
    let ids: Vec<PipelineEntryId> = page.items.iter().map(|e| e.id).collect();
    let mut notes = notes_of(conn, &ids)?;
    let mut placed = assignments_of(conn, &ids)?;
    page.try_map(|entry| {
        let own = notes.remove(&entry.id).unwrap_or_default();
        let assignment = placed.remove(&entry.id);
        Ok((entry, own, assignment))
    })
}

/// Whether `candidate` is in a pipeline of a need of `organization`.
pub fn candidate_in_organization(
    conn: &mut DbConnection,
    candidate: CandidateId,
    organization: OrganizationId,
) -> AppResult<bool> {
    let found = pipeline_entries::table
        .filter(pipeline_entries::candidate_id.eq(candidate.to_string()))
        .filter(pipeline_entries::organization_id.eq(organization.to_string()))
        .count()
        .get_result::<i64>(conn)?;
    Ok(found > 0)
}

/// The candidates already in the pipeline of `need`, whatever their stage.
pub fn candidates_of(conn: &mut DbConnection, need: NeedId) -> AppResult<Vec<CandidateId>> {
    let ids: Vec<String> = pipeline_entries::table
        .filter(pipeline_entries::need_id.eq(need.to_string()))
        .select(pipeline_entries::candidate_id)
        .load(conn)?;
    ids.iter().map(|id| id.parse().map_err(corrupt)).collect()
}

/// The stages `candidate` is at in the pipelines of `organization`'s needs.
pub fn stages_in_organization(
    conn: &mut DbConnection,
    candidate: CandidateId,
    organization: OrganizationId,
) -> AppResult<Vec<Stage>> {
    let stages: Vec<String> = pipeline_entries::table
        .filter(pipeline_entries::candidate_id.eq(candidate.to_string()))
        .filter(pipeline_entries::organization_id.eq(organization.to_string()))
        .select(pipeline_entries::stage)
        .load(conn)?;
    stages.iter().map(|s| s.parse().map_err(corrupt)).collect()
}
