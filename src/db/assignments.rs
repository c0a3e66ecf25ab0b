//! Queries for interim assignments. A candidate never holds two overlapping
//! assignments that are proposed, active or extended: every write that can
//! create an overlap first takes the candidate's lock (on SQLite the write
//! transaction already holds the database's write lock; on PostgreSQL the
//! candidate's row is locked `FOR UPDATE`), then checks.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::needs::StoredNeed;
use super::organizations::corrupt;
use super::page::{self, Page, PageRequest, Position, seek};
use super::schema::{
    assignment_check_ins, assignment_custom_values, assignment_extensions, assignment_milestones, assignments,
    candidates, needs,
};
use super::{DbConnection, now};
use crate::domain::assignment::{self as rules, Assignment, AssignmentStatus, HandOver, Milestone, Outcome, Period};
use crate::domain::catalog;
use crate::domain::custom_field::FieldResource;
use crate::domain::need::{Need, NeedStatus};
use crate::domain::webhook::EventType;
use crate::domain::{AssignmentId, CandidateId, Currency, DayRate, NeedId, OrganizationId, Stored};
use crate::error::{AppError, AppResult};

pub type StoredAssignment = Stored<AssignmentId, Assignment>;

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = assignments, treat_none_as_null = true)]
struct Row {
    id: String,
    candidate_id: String,
    need_id: String,
    organization_id: String,
    pipeline_entry_id: Option<String>,
    start_date: NaiveDate,
    planned_end: NaiveDate,
    actual_end: Option<NaiveDate>,
    day_rate_amount: i64,
    day_rate_currency: String,
    status: String,
    termination_reason: Option<String>,
    outcome_rating: Option<i32>,
    evaluation: Option<String>,
    successor_candidate_id: Option<String>,
    successor_name: Option<String>,
    hand_over_date: Option<NaiveDate>,
    hand_over_notes: Option<String>,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    /// The custom fields' values as JSON; `assignment_custom_values` holds them for the filters.
    custom_fields: String,
}

impl Row {
    fn new(
        id: AssignmentId,
        a: &Assignment,
        version: i64,
        created_at: NaiveDateTime,
        updated_at: NaiveDateTime,
    ) -> AppResult<Self> {
        let h = a.hand_over.as_ref();
        Ok(Row {
            id: id.to_string(),
            candidate_id: a.candidate_id.to_string(),
            need_id: a.need_id.to_string(),
            organization_id: a.organization_id.to_string(),
            pipeline_entry_id: a.pipeline_entry_id.map(|e| e.to_string()),
            start_date: a.start,
            planned_end: a.planned_end,
            actual_end: a.actual_end,
            day_rate_amount: a.day_rate.amount,
            day_rate_currency: a.day_rate.currency.code(),
            status: a.status.as_str().into(),
            termination_reason: a.outcome.termination_reason.clone(),
            outcome_rating: a.outcome.rating,
            evaluation: a.outcome.evaluation.clone(),
            successor_candidate_id: h.and_then(|h| h.successor_candidate_id).map(|c| c.to_string()),
            successor_name: h.and_then(|h| h.successor_name.clone()),
            hand_over_date: h.map(|h| h.date),
            hand_over_notes: h.and_then(|h| h.notes.clone()),
            version,
            created_at,
            updated_at,
            custom_fields: super::json::encode(&a.custom_fields)?,
        })
    }

    fn into_domain(self) -> AppResult<StoredAssignment> {
        let hand_over = match self.hand_over_date {
            None => None,
            Some(date) => Some(HandOver {
                successor_candidate_id: self
                    .successor_candidate_id
                    .as_deref()
                    .map(str::parse)
                    .transpose()
                    .map_err(corrupt)?,
                successor_name: self.successor_name,
                date,
                notes: self.hand_over_notes,
            }),
        };
        Ok(Stored {
            id: self.id.parse().map_err(corrupt)?,
            value: Assignment {
                candidate_id: self.candidate_id.parse().map_err(corrupt)?,
                need_id: self.need_id.parse().map_err(corrupt)?,
                organization_id: self.organization_id.parse().map_err(corrupt)?,
                pipeline_entry_id: self.pipeline_entry_id.as_deref().map(str::parse).transpose().map_err(corrupt)?,
                start: self.start_date,
                planned_end: self.planned_end,
                actual_end: self.actual_end,
                day_rate: DayRate {
                    amount: self.day_rate_amount,
                    currency: Currency::parse(&self.day_rate_currency).map_err(corrupt)?,
                },
                status: self.status.parse().map_err(corrupt)?,
                outcome: Outcome {
                    rating: self.outcome_rating,
                    evaluation: self.evaluation,
                    termination_reason: self.termination_reason,
                },
                hand_over,
                custom_fields: super::json::decode(&self.custom_fields)?,
            },
            version: self.version,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        })
    }
}

/// Serializes the writes that could give `candidate` overlapping
/// assignments, until the transaction ends.
fn lock_candidate(conn: &mut DbConnection, candidate: CandidateId) -> AppResult<()> {
    // SQLite: the write transaction began with BEGIN IMMEDIATE, so it already
    // holds the only write lock there is.
    if let DbConnection::Postgresql(pg) = conn {
        candidates::table.find(candidate.to_string()).select(candidates::id).for_update().first::<String>(pg)?;
    }
    Ok(())
}

/// The periods of the assignments `candidate` holds (proposed, active or extended), by start: what the
/// candidate's row keeps for matching's "no overlapping assignment" filter.
pub fn held_periods(conn: &mut DbConnection, candidate: &str) -> AppResult<Vec<Period>> {
    Ok(held(conn, candidate)?.into_iter().map(|a| a.value.period()).collect())
}

/// The assignments `candidate` holds (proposed, active or extended), by start.
fn held(conn: &mut DbConnection, candidate: &str) -> AppResult<Vec<StoredAssignment>> {
    // A candidate has few assignments: filtering their status here keeps the
    // query free of `IN` lists, so its statement is kept prepared.
    let rows: Vec<Row> = natively!(conn, |db| assignments::table
        .filter(assignments::candidate_id.eq(candidate))
        .order((assignments::start_date, assignments::id))
        .select(Row::as_select())
        .load(db)?);
    let all = rows.into_iter().map(Row::into_domain).collect::<AppResult<Vec<_>>>()?;
    Ok(all.into_iter().filter(|a| a.value.status.holds_candidate()).collect())
}

/// Refuses with 409 when `candidate` holds another assignment (proposed,
/// active or extended) overlapping `period`. Only an assignment of the same
/// organization (`organization`, whose assignment is being written) is named:
/// of another organization's, the writer learns only that the period is taken.
fn ensure_no_overlap(
    conn: &mut DbConnection,
    candidate: CandidateId,
    organization: OrganizationId,
    period: Period,
    except: Option<AssignmentId>,
) -> AppResult<()> {
    for other in held(conn, &candidate.to_string())? {
        if Some(other.id) == except {
            continue;
        }
        let held = other.value.period();
        if !held.overlaps(&period) {
            continue;
        }
        return Err(AppError::Conflict(if other.value.organization_id == organization {
            format!(
                "The candidate already holds assignment {} ({}, {} to {}), which overlaps {} to {}.",
                other.id, other.value.status, held.start, held.end, period.start, period.end
            )
        } else {
            format!(
                "The candidate is not available from {} to {}: they hold another assignment in that period.",
                period.start, period.end
            )
        }));
    }
    Ok(())
}

/// Creates an assignment for `need`, once no other of the candidate's
/// overlaps it, with the role's roadmap (the CXO's seven steps when the need
/// uses the shipped CXO skillset or its title names customer experience).
pub fn insert(conn: &mut DbConnection, a: &Assignment, need: &Need) -> AppResult<StoredAssignment> {
    lock_candidate(conn, a.candidate_id)?;
    ensure_no_overlap(conn, a.candidate_id, a.organization_id, a.period(), None)?;
    let at = now();
    let row = Row::new(AssignmentId::generate(), a, 1, at, at)?;
    diesel::insert_into(assignments::table).values(&row).execute(conn)?;
    super::custom_fields::write_values(conn, FieldResource::Assignment, &row.id, &a.custom_fields)?;
    let stored = row.into_domain()?;
    let cxo = super::skillsets::find_builtin(conn, catalog::CXO_SKILLSET.name)?;
    let is_cxo = (need.skillset_id.is_some() && need.skillset_id.map(|s| s.to_string()) == cxo)
        || rules::is_experience_role(&need.title);
    for milestone in rules::roadmap_for(is_cxo, a.period()) {
        insert_milestone_row(conn, stored.id, &milestone, at)?;
    }
    super::candidates::holdings_changed(conn, a.candidate_id)?;
    announce(conn, EventType::AssignmentCreated, &stored)?;
    Ok(stored)
}

pub fn get(conn: &mut DbConnection, id: AssignmentId) -> AppResult<StoredAssignment> {
    assignments::table
        .find(id.to_string())
        .select(Row::as_select())
        .get_result(conn)
        .optional()?
        .ok_or(AppError::NotFound("assignment"))?
        .into_domain()
}

/// Stores `next` in place of `current`, guarded by the version read; checks
/// overlaps again when the period or status changes what the candidate holds.
pub fn update(conn: &mut DbConnection, current: &StoredAssignment, next: &Assignment) -> AppResult<StoredAssignment> {
    if next.status.holds_candidate() && next.period() != current.value.period() {
        lock_candidate(conn, next.candidate_id)?;
        ensure_no_overlap(conn, next.candidate_id, next.organization_id, next.period(), Some(current.id))?;
    }
    let at = now();
    let row = Row::new(current.id, next, current.version + 1, current.created_at.naive_utc(), at)?;
    let updated = diesel::update(assignments::table.find(&row.id).filter(assignments::version.eq(current.version)))
        .set(&row)
        .execute(conn)?;
    super::ensure_updated(updated)?;
    if next.custom_fields != current.value.custom_fields {
        super::custom_fields::write_values(conn, FieldResource::Assignment, &row.id, &next.custom_fields)?;
    }
    if next.status.holds_candidate() != current.value.status.holds_candidate()
        || next.period() != current.value.period()
    {
        super::candidates::holdings_changed(conn, next.candidate_id)?;
    }
    let stored = row.into_domain()?;
    announce(conn, EventType::AssignmentUpdated, &stored)?;
    Ok(stored)
}

/// A merge of `duplicate` into `survivor`: the duplicate's assignments, and those it was to take over, now name
/// the survivor, each a new version announced as `assignment.updated`. Gives how many the duplicate held.
pub(crate) fn merge_candidates(
    conn: &mut DbConnection,
    duplicate: CandidateId,
    survivor: CandidateId,
) -> AppResult<usize> {
    let gone = duplicate.to_string();
    let rows: Vec<Row> = assignments::table
        .filter(assignments::candidate_id.eq(&gone).or(assignments::successor_candidate_id.eq(&gone)))
        .order(assignments::id)
        .select(Row::as_select())
        .load(conn)?;
    let mut held = 0;
    for current in rows.into_iter().map(Row::into_domain) {
        let current = current?;
        let mut next = current.value.clone();
        if next.candidate_id == duplicate {
            next.candidate_id = survivor;
            held += 1;
        }
        if let Some(h) = next.hand_over.as_mut().filter(|h| h.successor_candidate_id == Some(duplicate)) {
            h.successor_candidate_id = Some(survivor);
        }
        update(conn, &current, &next)?;
    }
    Ok(held)
}

/// Assignment events name the assignment, its need and candidate, and its status.
fn announce(conn: &mut DbConnection, event: EventType, assignment: &StoredAssignment) -> AppResult<()> {
    let a = &assignment.value;
    let data = serde_json::json!({
        "id": assignment.id, "need_id": a.need_id, "candidate_id": a.candidate_id,
        "status": a.status, "version": assignment.version, "custom_fields": a.custom_fields,
    });
    super::webhooks::announce(conn, event, Some(a.organization_id), data)
}

/// Moves the need along with its assignment: `filled` when the assignment
/// becomes active, open again when it is terminated early.
pub fn follow_need(conn: &mut DbConnection, need: &StoredNeed, status: AssignmentStatus) -> AppResult<()> {
    let current = need.value.0.status;
    let next = match status {
        AssignmentStatus::Active if current.can_move_to(NeedStatus::Filled) => NeedStatus::Filled,
        AssignmentStatus::Terminated if current == NeedStatus::Filled => NeedStatus::Open,
        _ => return Ok(()),
    };
    if next == current {
        return Ok(());
    }
    let updated = diesel::update(needs::table.find(need.id.to_string()).filter(needs::version.eq(need.version)))
        .set((needs::status.eq(next.as_str()), needs::version.eq(need.version + 1), needs::updated_at.eq(now())))
        .execute(conn)?;
    super::ensure_updated(updated)?;
    let moved = super::needs::get(conn, need.id)?;
    super::needs::announce(conn, EventType::NeedUpdated, &moved)
}

/// One extension of an assignment.
#[derive(Debug, Clone, PartialEq)]
pub struct Extension {
    pub previous_end: NaiveDate,
    pub new_end: NaiveDate,
    pub reason: String,
    pub agreed_by: String,
    pub actor: String,
    pub at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = assignment_extensions)]
struct ExtensionRow {
    id: String,
    assignment_id: String,
    previous_end: NaiveDate,
    new_end: NaiveDate,
    reason: String,
    agreed_by: String,
    actor: String,
    created_at: NaiveDateTime,
}

/// Extends an assignment to `new_end`; its status becomes `extended`.
pub fn extend(conn: &mut DbConnection, current: &StoredAssignment, e: &Extension) -> AppResult<StoredAssignment> {
    let next = Assignment { planned_end: e.new_end, status: AssignmentStatus::Extended, ..current.value.clone() };
    let stored = update(conn, current, &next)?;
    let row = ExtensionRow {
        id: uuid::Uuid::now_v7().to_string(),
        assignment_id: current.id.to_string(),
        previous_end: e.previous_end,
        new_end: e.new_end,
        reason: e.reason.clone(),
        agreed_by: e.agreed_by.clone(),
        actor: e.actor.clone(),
        created_at: e.at.naive_utc(),
    };
    diesel::insert_into(assignment_extensions::table).values(&row).execute(conn)?;
    Ok(stored)
}

/// Every extension of an assignment, oldest first.
pub fn extensions(conn: &mut DbConnection, id: AssignmentId) -> AppResult<Vec<Extension>> {
    let rows: Vec<ExtensionRow> = assignment_extensions::table
        .filter(assignment_extensions::assignment_id.eq(id.to_string()))
        .order((assignment_extensions::created_at.asc(), assignment_extensions::id.asc()))
        .select(ExtensionRow::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| Extension {
            previous_end: r.previous_end,
            new_end: r.new_end,
            reason: r.reason,
            agreed_by: r.agreed_by,
            actor: r.actor,
            at: r.created_at.and_utc(),
        })
        .collect())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssignmentSort {
    CreatedAt,
    PlannedEnd,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct AssignmentFilter {
    pub status: Option<AssignmentStatus>,
    pub organization_id: Option<OrganizationId>,
    pub candidate_id: Option<CandidateId>,
    pub need_id: Option<NeedId>,
    /// Planned to end on or before this day.
    pub ending_before: Option<NaiveDate>,
    /// Planned to end on or after this day.
    pub ending_after: Option<NaiveDate>,
    /// Holds this value (as the value rows keep it) of this custom field.
    #[serde(default)]
    pub custom_field: Option<(String, String)>,
}

fn selected(filter: &AssignmentFilter) -> assignments::BoxedQuery<'_, <DbConnection as diesel::Connection>::Backend> {
    let mut query = assignments::table.into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(assignments::status.eq(status.as_str()));
    }
    if let Some(org) = filter.organization_id {
        query = query.filter(assignments::organization_id.eq(org.to_string()));
    }
    if let Some(candidate) = filter.candidate_id {
        query = query.filter(assignments::candidate_id.eq(candidate.to_string()));
    }
    if let Some(need) = filter.need_id {
        query = query.filter(assignments::need_id.eq(need.to_string()));
    }
    if let Some((key, value)) = &filter.custom_field {
        query = query.filter(diesel::dsl::exists(
            assignment_custom_values::table
                .filter(assignment_custom_values::assignment_id.eq(assignments::id))
                .filter(assignment_custom_values::key.eq(key.clone()))
                .filter(assignment_custom_values::value.eq(value.clone())),
        ));
    }
    if let Some(day) = filter.ending_before {
        query = query.filter(assignments::planned_end.le(day));
    }
    if let Some(day) = filter.ending_after {
        query = query.filter(assignments::planned_end.ge(day));
    }
    query
}

/// Every assignment `filter` selects (for reports).
pub fn all(conn: &mut DbConnection, filter: &AssignmentFilter) -> AppResult<Vec<StoredAssignment>> {
    let rows: Vec<Row> = selected(filter).order(assignments::id.asc()).select(Row::as_select()).load(conn)?;
    rows.into_iter().map(Row::into_domain).collect()
}

pub fn list(
    conn: &mut DbConnection,
    filter: &AssignmentFilter,
    page: &PageRequest<AssignmentSort>,
) -> AppResult<Page<StoredAssignment>> {
    let filter = &AssignmentFilter {
        custom_field: super::custom_fields::resolve(conn, FieldResource::Assignment, &filter.custom_field)?,
        ..filter.clone()
    };
    let filtered = || selected(filter);
    let total = if page.with_total { Some(filtered().count().get_result(conn)?) } else { None };
    let query = filtered().select(Row::as_select()).limit(page.limit + 1);
    let after = page.after.as_ref();
    let (id, dir) = (assignments::id, page.direction);
    let invalid = || AppError::InvalidQuery("the cursor is not valid for this list".into());
    let rows: Vec<Row> = match page.sort {
        AssignmentSort::CreatedAt => {
            let after = after.map(|p| p.timestamp().map(|t| (t, p.id.clone()))).transpose()?;
            seek!(query, assignments::created_at, id, dir, after).load(conn)?
        }
        AssignmentSort::PlannedEnd => {
            let after = after
                .map(|p| p.value.parse::<NaiveDate>().map(|d| (d, p.id.clone())).map_err(|_| invalid()))
                .transpose()?;
            seek!(query, assignments::planned_end, id, dir, after).load(conn)?
        }
    };
    let sort = page.sort;
    Page::from_rows(rows, page.limit, total, |row| Position {
        value: match sort {
            AssignmentSort::CreatedAt => page::timestamp_value(&row.created_at),
            AssignmentSort::PlannedEnd => row.planned_end.to_string(),
        },
        id: row.id.clone(),
    })
    .try_map(Row::into_domain)
}

pub type StoredMilestone = Stored<String, Milestone>;

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = assignment_milestones, treat_none_as_null = true)]
struct MilestoneRow {
    id: String,
    assignment_id: String,
    position: i32,
    title: String,
    skill_key: Option<String>,
    status: String,
    due_date: Option<NaiveDate>,
    notes: Option<String>,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl MilestoneRow {
    fn new(
        id: String,
        assignment: AssignmentId,
        m: &Milestone,
        version: i64,
        created: NaiveDateTime,
        updated: NaiveDateTime,
    ) -> Self {
        MilestoneRow {
            id,
            assignment_id: assignment.to_string(),
            position: m.position,
            title: m.title.clone(),
            skill_key: m.skill_key.as_ref().map(|k| k.as_str().to_owned()),
            status: m.status.as_str().into(),
            due_date: m.due_date,
            notes: m.notes.clone(),
            version,
            created_at: created,
            updated_at: updated,
        }
    }

    fn into_domain(self) -> AppResult<StoredMilestone> {
        Ok(Stored {
            id: self.id,
            value: Milestone {
                position: self.position,
                title: self.title,
                skill_key: self
                    .skill_key
                    .as_deref()
                    .map(crate::domain::SkillKey::parse)
                    .transpose()
                    .map_err(corrupt)?,
                status: self.status.parse().map_err(corrupt)?,
                due_date: self.due_date,
                notes: self.notes,
            },
            version: self.version,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        })
    }
}

fn insert_milestone_row(
    conn: &mut DbConnection,
    assignment: AssignmentId,
    m: &Milestone,
    at: NaiveDateTime,
) -> AppResult<StoredMilestone> {
    let row = MilestoneRow::new(uuid::Uuid::now_v7().to_string(), assignment, m, 1, at, at);
    diesel::insert_into(assignment_milestones::table).values(&row).execute(conn)?;
    row.into_domain()
}

/// The most milestones an assignment has.
pub const MAX_MILESTONES: i64 = 100;

/// Adds a milestone after the last one.
pub fn add_milestone(conn: &mut DbConnection, assignment: AssignmentId, m: &Milestone) -> AppResult<StoredMilestone> {
    let existing: Vec<i32> = assignment_milestones::table
        .filter(assignment_milestones::assignment_id.eq(assignment.to_string()))
        .select(assignment_milestones::position)
        .load(conn)?;
    if existing.len() as i64 >= MAX_MILESTONES {
        return Err(AppError::Conflict(format!("An assignment has at most {MAX_MILESTONES} milestones.")));
    }
    let position = existing.into_iter().max().unwrap_or(0) + 1;
    insert_milestone_row(conn, assignment, &Milestone { position, ..m.clone() }, now())
}

/// The roadmap of an assignment, in order.
pub fn milestones(conn: &mut DbConnection, assignment: AssignmentId) -> AppResult<Vec<StoredMilestone>> {
    let rows: Vec<MilestoneRow> = assignment_milestones::table
        .filter(assignment_milestones::assignment_id.eq(assignment.to_string()))
        .order((assignment_milestones::position.asc(), assignment_milestones::id.asc()))
        .select(MilestoneRow::as_select())
        .load(conn)?;
    rows.into_iter().map(MilestoneRow::into_domain).collect()
}

pub fn milestone(conn: &mut DbConnection, assignment: AssignmentId, id: &str) -> AppResult<StoredMilestone> {
    assignment_milestones::table
        .filter(assignment_milestones::assignment_id.eq(assignment.to_string()))
        .filter(assignment_milestones::id.eq(id))
        .select(MilestoneRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or(AppError::NotFound("milestone"))?
        .into_domain()
}

/// Changes a milestone, guarded by the version read.
pub fn update_milestone(
    conn: &mut DbConnection,
    assignment: AssignmentId,
    current: &StoredMilestone,
    next: &Milestone,
) -> AppResult<StoredMilestone> {
    let row = MilestoneRow::new(
        current.id.clone(),
        assignment,
        next,
        current.version + 1,
        current.created_at.naive_utc(),
        now(),
    );
    let updated = diesel::update(
        assignment_milestones::table.find(&row.id).filter(assignment_milestones::version.eq(current.version)),
    )
    .set(&row)
    .execute(conn)?;
    super::ensure_updated(updated)?;
    row.into_domain()
}

/// A measurement of a success criterion during an assignment.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckIn {
    pub id: String,
    pub metric: String,
    pub value: f64,
    pub measured_on: NaiveDate,
    pub note: Option<String>,
    pub actor: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = assignment_check_ins)]
struct CheckInRow {
    id: String,
    assignment_id: String,
    metric: String,
    value: f64,
    measured_on: NaiveDate,
    note: Option<String>,
    actor: String,
    created_at: NaiveDateTime,
}

impl CheckInRow {
    fn into_domain(self) -> CheckIn {
        CheckIn {
            id: self.id,
            metric: self.metric,
            value: self.value,
            measured_on: self.measured_on,
            note: self.note,
            actor: self.actor,
            created_at: self.created_at.and_utc(),
        }
    }
}

pub fn add_check_in(conn: &mut DbConnection, assignment: AssignmentId, c: &CheckIn) -> AppResult<CheckIn> {
    let row = CheckInRow {
        id: c.id.clone(),
        assignment_id: assignment.to_string(),
        metric: c.metric.clone(),
        value: c.value,
        measured_on: c.measured_on,
        note: c.note.clone(),
        actor: c.actor.clone(),
        created_at: c.created_at.naive_utc(),
    };
    diesel::insert_into(assignment_check_ins::table).values(&row).execute(conn)?;
    Ok(row.into_domain())
}

/// The check-ins of each of `assignments`, by date of measurement.
pub fn check_ins(conn: &mut DbConnection, assignments: &[AssignmentId]) -> AppResult<Vec<(AssignmentId, CheckIn)>> {
    if assignments.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = assignments.iter().map(ToString::to_string).collect();
    let rows: Vec<CheckInRow> = assignment_check_ins::table
        .filter(assignment_check_ins::assignment_id.eq_any(ids))
        .order((assignment_check_ins::measured_on.asc(), assignment_check_ins::id.asc()))
        .select(CheckInRow::as_select())
        .load(conn)?;
    rows.into_iter().map(|r| Ok((r.assignment_id.parse().map_err(corrupt)?, r.into_domain()))).collect()
}
