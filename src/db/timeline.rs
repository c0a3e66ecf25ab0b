//! One timeline per candidate and per need: their notes and what was already
//! recorded about them (pipeline moves and notes, documents, assignments,
//! their extensions and check-ins), merged in time order and paged.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::DbConnection;
use super::notes::{self, NoteFilter};
use super::page::{self, Direction, Page, PageRequest, Position};
use super::schema::{
    assignment_check_ins, assignment_extensions, assignments, documents, pipeline_entries, pipeline_moves,
    pipeline_notes,
};
use crate::domain::OrganizationId;
use crate::domain::note::{NoteSubject, TimelineKind as EventKind, Visibility};
use crate::error::AppResult;

/// One event of a timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub kind: EventKind,
    /// The id of the record the event comes from (a note, a move, a document …).
    pub id: String,
    pub occurred_at: DateTime<Utc>,
    /// Who did it (`user:<id>`, `api_key:<id>`), when recorded.
    pub actor: Option<String>,
    pub need_id: Option<String>,
    pub candidate_id: Option<String>,
    pub assignment_id: Option<String>,
    pub text: Option<String>,
    pub visibility: Option<Visibility>,
    pub from_stage: Option<String>,
    pub to_stage: Option<String>,
    pub reason: Option<String>,
    pub document_kind: Option<String>,
    pub new_end: Option<NaiveDate>,
    pub metric: Option<String>,
    pub value: Option<f64>,
}

impl Event {
    fn new(kind: EventKind, id: String, at: NaiveDateTime) -> Self {
        Event {
            kind,
            id,
            occurred_at: at.and_utc(),
            actor: None,
            need_id: None,
            candidate_id: None,
            assignment_id: None,
            text: None,
            visibility: None,
            from_stage: None,
            to_stage: None,
            reason: None,
            document_kind: None,
            new_end: None,
            metric: None,
            value: None,
        }
    }
}

/// Whose timeline, seen by whom (a member of an organization: only its shares and its own needs' records).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct TimelineFilter {
    pub subject: NoteSubject,
    pub subject_id: String,
    pub shared_with: Option<OrganizationId>,
}

/// Timelines are in time order, oldest first (`sort=-occurred_at`: newest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimelineSort {
    OccurredAt,
}

/// One page of the timeline.
pub fn page(
    conn: &mut DbConnection,
    filter: &TimelineFilter,
    request: &PageRequest<TimelineSort>,
) -> AppResult<Page<Event>> {
    let mut events = events(conn, filter)?;
    let key = |e: &Event| (page::timestamp_value(&e.occurred_at.naive_utc()), e.id.clone());
    events.sort_by_key(key);
    if request.direction == Direction::Desc {
        events.reverse();
    }
    let total = request.with_total.then_some(events.len() as i64);
    if let Some(after) = &request.after {
        let after = (after.value.clone(), after.id.clone());
        events.retain(|e| match request.direction {
            Direction::Asc => key(e) > after,
            Direction::Desc => key(e) < after,
        });
    }
    events.truncate(usize::try_from(request.limit + 1).unwrap_or(usize::MAX));
    Ok(Page::from_rows(events, request.limit, total, |e| {
        let (value, id) = key(e);
        Position { value, id }
    }))
}

/// A pipeline entry: its id, need and candidate.
type EntryRow = (String, String, String);
/// An assignment: its id, need, candidate and when it was proposed.
type HeldRow = (String, String, String, NaiveDateTime);
/// A move: id, entry, from, to, reason, note, actor, when.
type MoveRow = (String, String, Option<String>, String, Option<String>, Option<String>, String, NaiveDateTime);
/// A check-in: id, assignment, metric, value, note, actor, when.
type CheckInRow = (String, String, String, f64, Option<String>, String, NaiveDateTime);

/// Every event of the subject the filter lets through, in no particular order.
fn events(conn: &mut DbConnection, filter: &TimelineFilter) -> AppResult<Vec<Event>> {
    let id = filter.subject_id.as_str();
    let notes_of = |subject, subject_id: &str| NoteFilter {
        subject,
        subject_id: subject_id.to_owned(),
        shared_with: filter.shared_with,
    };
    let mut out = Vec::new();
    let add_notes = |conn: &mut DbConnection, filter: NoteFilter, out: &mut Vec<Event>| -> AppResult<()> {
        for n in notes::all(conn, &filter)? {
            let mut e = Event::new(EventKind::Note, n.id, n.created_at.naive_utc());
            e.actor = Some(n.author);
            e.text = Some(n.body);
            e.visibility = Some(n.visibility);
            match n.subject {
                NoteSubject::Candidate => e.candidate_id = Some(n.subject_id),
                NoteSubject::Need => e.need_id = Some(n.subject_id),
                NoteSubject::Assignment => e.assignment_id = Some(n.subject_id),
            }
            out.push(e);
        }
        Ok(())
    };
    // The pipeline entries, documents and assignments the timeline covers.
    let (entries, held): (Vec<EntryRow>, Vec<HeldRow>) = match filter.subject {
        NoteSubject::Candidate => {
            add_notes(conn, notes_of(NoteSubject::Candidate, id), &mut out)?;
            let docs: Vec<(String, String, String, Option<String>, NaiveDateTime)> = documents::table
                .filter(documents::candidate_id.eq(id))
                .select((
                    documents::id,
                    documents::kind,
                    documents::filename,
                    documents::uploaded_by.nullable(),
                    documents::created_at,
                ))
                .load(conn)?;
            for (doc, kind, filename, by, at) in docs {
                let mut e = Event::new(EventKind::DocumentAdded, doc, at);
                e.candidate_id = Some(id.to_owned());
                e.document_kind = Some(kind);
                e.text = Some(filename);
                e.actor = by;
                out.push(e);
            }
            (
                pipeline_entries::table
                    .filter(pipeline_entries::candidate_id.eq(id))
                    .select((pipeline_entries::id, pipeline_entries::need_id, pipeline_entries::candidate_id))
                    .load(conn)?,
                assignments::table
                    .filter(assignments::candidate_id.eq(id))
                    .select((assignments::id, assignments::need_id, assignments::candidate_id, assignments::created_at))
                    .load(conn)?,
            )
        }
        NoteSubject::Need | NoteSubject::Assignment => {
            add_notes(conn, notes_of(NoteSubject::Need, id), &mut out)?;
            let held: Vec<(String, String, String, NaiveDateTime)> = assignments::table
                .filter(assignments::need_id.eq(id))
                .select((assignments::id, assignments::need_id, assignments::candidate_id, assignments::created_at))
                .load(conn)?;
            for (assignment, _, _, _) in &held {
                add_notes(conn, notes_of(NoteSubject::Assignment, assignment), &mut out)?;
            }
            (
                pipeline_entries::table
                    .filter(pipeline_entries::need_id.eq(id))
                    .select((pipeline_entries::id, pipeline_entries::need_id, pipeline_entries::candidate_id))
                    .load(conn)?,
                held,
            )
        }
    };
    let entry_ids: Vec<&str> = entries.iter().map(|(e, _, _)| e.as_str()).collect();
    let of_entry = |entry: &str| entries.iter().find(|(e, _, _)| e == entry).map(|(_, n, c)| (n.clone(), c.clone()));
    let moves: Vec<MoveRow> = pipeline_moves::table
        .filter(pipeline_moves::entry_id.eq_any(&entry_ids))
        .select((
            pipeline_moves::id,
            pipeline_moves::entry_id,
            pipeline_moves::from_stage,
            pipeline_moves::to_stage,
            pipeline_moves::reason,
            pipeline_moves::note,
            pipeline_moves::actor,
            pipeline_moves::moved_at,
        ))
        .load(conn)?;
    for (move_id, entry, from, to, reason, note, actor, at) in moves {
        let mut e = Event::new(EventKind::StageMoved, move_id, at);
        (e.need_id, e.candidate_id) = of_entry(&entry).unzip();
        (e.from_stage, e.to_stage, e.reason, e.text, e.actor) = (from, Some(to), reason, note, Some(actor));
        out.push(e);
    }
    let entry_notes: Vec<(String, String, String, String, NaiveDateTime)> = pipeline_notes::table
        .filter(pipeline_notes::entry_id.eq_any(&entry_ids))
        .select((
            pipeline_notes::id,
            pipeline_notes::entry_id,
            pipeline_notes::body,
            pipeline_notes::author,
            pipeline_notes::created_at,
        ))
        .load(conn)?;
    for (note, entry, body, author, at) in entry_notes {
        let mut e = Event::new(EventKind::PipelineNote, note, at);
        (e.need_id, e.candidate_id) = of_entry(&entry).unzip();
        (e.text, e.actor) = (Some(body), Some(author));
        out.push(e);
    }
    let assignment_ids: Vec<&str> = held.iter().map(|(a, _, _, _)| a.as_str()).collect();
    let of_assignment = |a: &str| held.iter().find(|(x, _, _, _)| x == a).map(|(_, n, c, _)| (n.clone(), c.clone()));
    for (assignment, need, candidate, at) in &held {
        let mut e = Event::new(EventKind::AssignmentCreated, assignment.clone(), *at);
        (e.assignment_id, e.need_id, e.candidate_id) =
            (Some(assignment.clone()), Some(need.clone()), Some(candidate.clone()));
        out.push(e);
    }
    let extensions: Vec<(String, String, NaiveDate, String, String, NaiveDateTime)> = assignment_extensions::table
        .filter(assignment_extensions::assignment_id.eq_any(&assignment_ids))
        .select((
            assignment_extensions::id,
            assignment_extensions::assignment_id,
            assignment_extensions::new_end,
            assignment_extensions::reason,
            assignment_extensions::actor,
            assignment_extensions::created_at,
        ))
        .load(conn)?;
    for (extension, assignment, new_end, reason, actor, at) in extensions {
        let mut e = Event::new(EventKind::AssignmentExtended, extension, at);
        (e.need_id, e.candidate_id) = of_assignment(&assignment).unzip();
        (e.assignment_id, e.new_end, e.text, e.actor) = (Some(assignment), Some(new_end), Some(reason), Some(actor));
        out.push(e);
    }
    let check_ins: Vec<CheckInRow> = assignment_check_ins::table
        .filter(assignment_check_ins::assignment_id.eq_any(&assignment_ids))
        .select((
            assignment_check_ins::id,
            assignment_check_ins::assignment_id,
            assignment_check_ins::metric,
            assignment_check_ins::value,
            assignment_check_ins::note,
            assignment_check_ins::actor,
            assignment_check_ins::created_at,
        ))
        .load(conn)?;
    for (check_in, assignment, metric, value, note, actor, at) in check_ins {
        let mut e = Event::new(EventKind::CheckIn, check_in, at);
        (e.need_id, e.candidate_id) = of_assignment(&assignment).unzip();
        (e.assignment_id, e.metric, e.value, e.text, e.actor) =
            (Some(assignment), Some(metric), Some(value), note, Some(actor));
        out.push(e);
    }
    Ok(out)
}
