//! Consent records, erasure and the retention purge.
//!
//! Erasure replaces a candidate with an anonymous placeholder (same id, so
//! assignments and placements still count) and removes their personal data
//! wherever the service holds it: the profile and its lists, consent records,
//! documents (theirs and their assignments', bytes and text), notes on them, pipeline notes and move notes, match explanations, free text on their
//! assignments and check-ins, and idempotency replays holding their record.
//! Webhook events and the audit log hold ids only; logs hold ids and routes.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::candidates::{self, StoredCandidate};
use super::organizations::corrupt;
use super::schema::{
    assignment_check_ins, assignment_custom_values, assignments, candidate_consents, candidate_former_external_ids,
    candidates as candidate_rows, idempotency_keys, job_runs, pipeline_entries, pipeline_moves, pipeline_notes,
    scheduled_jobs,
};
use super::{DbConnection, now};
use crate::domain::CandidateId;
use crate::domain::privacy::{self, ConsentRecord};
use crate::error::{AppError, AppResult};

/// A consent as stored.
#[derive(Debug, Clone)]
pub struct StoredConsent {
    pub id: String,
    pub candidate_id: CandidateId,
    pub record: ConsentRecord,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = candidate_consents)]
struct ConsentRow {
    id: String,
    candidate_id: String,
    purpose: String,
    given_at: NaiveDateTime,
    expires_at: Option<NaiveDateTime>,
    withdrawn_at: Option<NaiveDateTime>,
    source: Option<String>,
    recorded_by: String,
    created_at: NaiveDateTime,
}

impl ConsentRow {
    fn into_domain(self) -> AppResult<StoredConsent> {
        Ok(StoredConsent {
            id: self.id,
            candidate_id: self.candidate_id.parse().map_err(corrupt)?,
            record: ConsentRecord {
                purpose: self.purpose.parse().map_err(corrupt)?,
                given_at: self.given_at.and_utc(),
                expires_at: self.expires_at.map(|t| t.and_utc()),
                withdrawn_at: self.withdrawn_at.map(|t| t.and_utc()),
                source: self.source,
            },
            recorded_by: self.recorded_by,
            created_at: self.created_at.and_utc(),
        })
    }
}

/// Refuses changes to an erased candidate: there is nobody left to change.
pub fn ensure_not_erased(conn: &mut DbConnection, id: CandidateId) -> AppResult<()> {
    match erased_at(conn, id)? {
        Some(_) => Err(AppError::Conflict("The candidate was erased; nothing of them can change.".into())),
        None => Ok(()),
    }
}

pub fn erased_at(conn: &mut DbConnection, id: CandidateId) -> AppResult<Option<DateTime<Utc>>> {
    let erased: Option<Option<NaiveDateTime>> =
        candidate_rows::table.find(id.to_string()).select(candidate_rows::erased_at).get_result(conn).optional()?;
    match erased {
        None => Err(AppError::NotFound("candidate")),
        Some(at) => Ok(at.map(|t| t.and_utc())),
    }
}

pub fn add_consent(
    conn: &mut DbConnection,
    candidate: CandidateId,
    record: &ConsentRecord,
    recorded_by: &str,
) -> AppResult<StoredConsent> {
    ensure_not_erased(conn, candidate)?;
    let row = ConsentRow {
        id: uuid::Uuid::now_v7().to_string(),
        candidate_id: candidate.to_string(),
        purpose: record.purpose.as_str().to_owned(),
        given_at: record.given_at.naive_utc(),
        expires_at: record.expires_at.map(|t| t.naive_utc()),
        withdrawn_at: None,
        source: record.source.clone(),
        recorded_by: recorded_by.to_owned(),
        created_at: now(),
    };
    diesel::insert_into(candidate_consents::table).values(&row).execute(conn)?;
    row.into_domain()
}

pub fn consents(conn: &mut DbConnection, candidate: CandidateId) -> AppResult<Vec<StoredConsent>> {
    let rows: Vec<ConsentRow> = candidate_consents::table
        .filter(candidate_consents::candidate_id.eq(candidate.to_string()))
        .order((candidate_consents::created_at.asc(), candidate_consents::id.asc()))
        .select(ConsentRow::as_select())
        .load(conn)?;
    rows.into_iter().map(ConsentRow::into_domain).collect()
}

/// Withdraws a consent from now on; withdrawing it again keeps the first time.
pub fn withdraw_consent(conn: &mut DbConnection, candidate: CandidateId, id: &str) -> AppResult<StoredConsent> {
    diesel::update(
        candidate_consents::table
            .filter(candidate_consents::id.eq(id))
            .filter(candidate_consents::candidate_id.eq(candidate.to_string()))
            .filter(candidate_consents::withdrawn_at.is_null()),
    )
    .set(candidate_consents::withdrawn_at.eq(Some(now())))
    .execute(conn)?;
    consents(conn, candidate)?.into_iter().find(|c| c.id == id).ok_or(AppError::NotFound("consent"))
}

/// Erases a candidate's personal data (see the module documentation) and
/// answers when it happened; erasing again answers the first time.
pub fn erase(conn: &mut DbConnection, id: CandidateId) -> AppResult<DateTime<Utc>> {
    let at = erase_leaving_index(conn, id)?;
    super::search::forget_erased(conn)?;
    Ok(at)
}

/// [`erase`], but the search index still holds the words of the old text in
/// its pages (marked deleted) until [`super::search::forget_erased`]: for a
/// batch of erasures, which forget together.
pub fn erase_leaving_index(conn: &mut DbConnection, id: CandidateId) -> AppResult<DateTime<Utc>> {
    if let Some(at) = erased_at(conn, id)? {
        return Ok(at);
    }
    let current: StoredCandidate = candidates::get(conn, id)?;
    super::changes::scrub_candidate(conn, &id.to_string())?;
    candidates::update(conn, &current, &privacy::placeholder(id))?;
    let at = now();
    let key = id.to_string();
    diesel::update(candidate_rows::table.find(&key)).set(candidate_rows::erased_at.eq(Some(at))).execute(conn)?;
    diesel::delete(candidate_consents::table.filter(candidate_consents::candidate_id.eq(&key))).execute(conn)?;
    super::documents::erase_about(conn, id)?;
    super::duplicates::forget_keys(conn, id)?;
    diesel::delete(candidate_former_external_ids::table.filter(candidate_former_external_ids::candidate_id.eq(&key)))
        .execute(conn)?;
    super::notes::forget_about(conn, crate::domain::note::NoteSubject::Candidate, &key)?;

    let entries = pipeline_entries::table.filter(pipeline_entries::candidate_id.eq(&key)).select(pipeline_entries::id);
    diesel::delete(pipeline_notes::table.filter(pipeline_notes::entry_id.eq_any(entries))).execute(conn)?;
    diesel::update(pipeline_moves::table.filter(pipeline_moves::entry_id.eq_any(entries)))
        .set((pipeline_moves::note.eq(None::<String>), pipeline_moves::reason_detail.eq(None::<String>)))
        .execute(conn)?;
    // The explanation quotes the profile (skills, evidence); the score alone stays.
    diesel::update(pipeline_entries::table.filter(pipeline_entries::candidate_id.eq(&key)))
        .set((
            pipeline_entries::match_explanation.eq(None::<String>),
            pipeline_entries::reason_detail.eq(None::<String>),
        ))
        .execute(conn)?;
    // What search kept of their notes and documents goes with them.
    super::search::refresh(conn, id)?;

    let held = assignments::table.filter(assignments::candidate_id.eq(&key)).select(assignments::id);
    diesel::update(assignment_check_ins::table.filter(assignment_check_ins::assignment_id.eq_any(held)))
        .set(assignment_check_ins::note.eq(None::<String>))
        .execute(conn)?;
    diesel::update(assignments::table.filter(assignments::candidate_id.eq(&key)))
        .set((
            assignments::evaluation.eq(None::<String>),
            assignments::termination_reason.eq(None::<String>),
            assignments::hand_over_notes.eq(None::<String>),
            assignments::custom_fields.eq("{}"),
        ))
        .execute(conn)?;
    let held = assignments::table.filter(assignments::candidate_id.eq(&key)).select(assignments::id);
    diesel::delete(assignment_custom_values::table.filter(assignment_custom_values::assignment_id.eq_any(held)))
        .execute(conn)?;

    // Replays of earlier writes would hand their record out again.
    let email = super::page::contains_pattern(&current.value.0.email);
    diesel::delete(
        idempotency_keys::table.filter(
            idempotency_keys::response_body
                .like(format!("%{key}%"))
                .or(idempotency_keys::response_body.like(email).escape('\\')),
        ),
    )
    .execute(conn)?;
    Ok(at.and_utc())
}

/// Candidates whose personal data the retention rule says to erase: no
/// consent given (or its retention date passed), no consent record holding
/// now, not erased yet, holding no proposed, active or extended assignment,
/// and with no change to them or their pipeline entries since `cutoff`.
pub fn due_for_purge(conn: &mut DbConnection, cutoff: NaiveDateTime, limit: usize) -> AppResult<Vec<CandidateId>> {
    let today = Utc::now().date_naive();
    let at = now();
    let mut kept: HashSet<String> = pipeline_entries::table
        .filter(pipeline_entries::updated_at.ge(cutoff))
        .select(pipeline_entries::candidate_id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    kept.extend(
        assignments::table
            .filter(assignments::status.eq_any(["proposed", "active", "extended"]))
            .select(assignments::candidate_id)
            .load::<String>(conn)?,
    );
    kept.extend(
        candidate_consents::table
            .filter(candidate_consents::withdrawn_at.is_null())
            .filter(candidate_consents::given_at.le(at))
            .filter(candidate_consents::expires_at.is_null().or(candidate_consents::expires_at.gt(at)))
            .select(candidate_consents::candidate_id)
            .load::<String>(conn)?,
    );
    let ids: Vec<String> = candidate_rows::table
        .filter(candidate_rows::erased_at.is_null())
        .filter(candidate_rows::updated_at.lt(cutoff))
        .filter(candidate_rows::consent_given.eq(false).or(candidate_rows::retention_until.lt(today)))
        .order(candidate_rows::id)
        .select(candidate_rows::id)
        .load(conn)?;
    ids.iter().filter(|id| !kept.contains(*id)).take(limit).map(|id| id.parse().map_err(corrupt)).collect()
}

/// Claims the next run of `job` when it is due: moves its next run `every`
/// ahead. Of several instances, the one whose update lands first runs it.
pub fn claim_job(conn: &mut DbConnection, job: &str, every: chrono::Duration) -> AppResult<bool> {
    let at = now();
    let known: Option<String> =
        scheduled_jobs::table.find(job).select(scheduled_jobs::name).get_result(conn).optional()?;
    if known.is_none() {
        // Another instance may insert it first: a savepoint keeps that from spoiling this transaction.
        let _ = conn.transaction(|conn| {
            diesel::insert_into(scheduled_jobs::table)
                .values((scheduled_jobs::name.eq(job), scheduled_jobs::next_run_at.eq(at)))
                .execute(conn)
        });
    }
    let won = diesel::update(
        scheduled_jobs::table.filter(scheduled_jobs::name.eq(job)).filter(scheduled_jobs::next_run_at.le(at)),
    )
    .set(scheduled_jobs::next_run_at.eq(at + every))
    .execute(conn)?;
    Ok(won == 1)
}

/// Records a run of `job` by `instance`; returns its id for [`finish_run`].
pub fn start_run(conn: &mut DbConnection, job: &str, instance: &str) -> AppResult<String> {
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(job_runs::table)
        .values((
            job_runs::id.eq(&id),
            job_runs::job.eq(job),
            job_runs::instance.eq(instance),
            job_runs::started_at.eq(now()),
            job_runs::affected.eq(0),
        ))
        .execute(conn)?;
    Ok(id)
}

pub fn finish_run(conn: &mut DbConnection, run: &str, affected: usize) -> AppResult<()> {
    diesel::update(job_runs::table.find(run))
        .set((
            job_runs::finished_at.eq(Some(now())),
            job_runs::affected.eq(i32::try_from(affected).unwrap_or(i32::MAX)),
        ))
        .execute(conn)?;
    Ok(())
}

/// A run of a job, for operators and tests.
#[derive(Debug, Clone, serde::Serialize)]
pub struct JobRun {
    pub job: String,
    pub instance: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub affected: i32,
}

pub fn runs(conn: &mut DbConnection, job: &str) -> AppResult<Vec<JobRun>> {
    let rows: Vec<(String, String, NaiveDateTime, Option<NaiveDateTime>, i32)> = job_runs::table
        .filter(job_runs::job.eq(job))
        .order(job_runs::started_at.asc())
        .select((job_runs::job, job_runs::instance, job_runs::started_at, job_runs::finished_at, job_runs::affected))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(job, instance, started, finished, affected)| JobRun {
            job,
            instance,
            started_at: started.and_utc(),
            finished_at: finished.map(|t| t.and_utc()),
            affected,
        })
        .collect())
}
