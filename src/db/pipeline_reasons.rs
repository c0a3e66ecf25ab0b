//! Queries for the practice's list of reasons a candidacy ends without a
//! placement. The list is small (at most `MAX_REASONS`), so it is read whole.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{pipeline_entries, pipeline_moves, pipeline_reasons};
use super::{DbConnection, now};
use crate::domain::Stored;
use crate::domain::pipeline::{MAX_REASONS, PipelineReason};
use crate::error::{AppError, AppResult};

/// A reason, keyed by its code.
pub type StoredReason = Stored<String, PipelineReason>;

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = pipeline_reasons, treat_none_as_null = true)]
struct Row {
    code: String,
    label: String,
    description: Option<String>,
    for_rejection: bool,
    for_withdrawal: bool,
    active: bool,
    position: i32,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl Row {
    fn new(r: &PipelineReason, version: i64, created_at: NaiveDateTime, updated_at: NaiveDateTime) -> Self {
        Row {
            code: r.code.clone(),
            label: r.label.clone(),
            description: r.description.clone(),
            for_rejection: r.for_rejection,
            for_withdrawal: r.for_withdrawal,
            active: r.active,
            position: r.position,
            version,
            created_at,
            updated_at,
        }
    }

    fn into_domain(self) -> StoredReason {
        Stored {
            id: self.code.clone(),
            value: PipelineReason {
                code: self.code,
                label: self.label,
                description: self.description,
                for_rejection: self.for_rejection,
                for_withdrawal: self.for_withdrawal,
                active: self.active,
                position: self.position,
            },
            version: self.version,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        }
    }
}

/// The whole list, in the order it is shown.
pub fn all(conn: &mut DbConnection) -> AppResult<Vec<StoredReason>> {
    let rows: Vec<Row> = pipeline_reasons::table
        .order((pipeline_reasons::position.asc(), pipeline_reasons::code.asc()))
        .select(Row::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(Row::into_domain).collect())
}

pub fn find(conn: &mut DbConnection, code: &str) -> AppResult<Option<StoredReason>> {
    let row = pipeline_reasons::table.find(code).select(Row::as_select()).get_result(conn).optional()?;
    Ok(row.map(Row::into_domain))
}

pub fn get(conn: &mut DbConnection, code: &str) -> AppResult<StoredReason> {
    find(conn, code)?.ok_or(AppError::NotFound("pipeline reason"))
}

/// Adds a reason; its code is new (409 otherwise) and the list has room.
pub fn insert(conn: &mut DbConnection, reason: &PipelineReason) -> AppResult<StoredReason> {
    if find(conn, &reason.code)?.is_some() {
        return Err(AppError::Conflict(format!("The list already has a reason `{}`: change that one.", reason.code)));
    }
    let held: i64 = pipeline_reasons::table.count().get_result(conn)?;
    if held >= MAX_REASONS as i64 {
        return Err(AppError::Conflict(format!(
            "The list holds {MAX_REASONS} reasons, the most it may; retire or delete one first."
        )));
    }
    let at = now();
    let row = Row::new(reason, 1, at, at);
    diesel::insert_into(pipeline_reasons::table).values(&row).execute(conn)?;
    Ok(row.into_domain())
}

/// Changes a reason, guarded by the version read (its code never changes).
pub fn update(conn: &mut DbConnection, current: &StoredReason, next: &PipelineReason) -> AppResult<StoredReason> {
    let row = Row::new(next, current.version + 1, current.created_at.naive_utc(), now());
    let updated =
        diesel::update(pipeline_reasons::table.find(&current.id).filter(pipeline_reasons::version.eq(current.version)))
            .set(&row)
            .execute(conn)?;
    super::ensure_updated(updated)?;
    Ok(row.into_domain())
}

/// How many moves and entries name the reason.
pub fn uses(conn: &mut DbConnection, code: &str) -> AppResult<i64> {
    let moves: i64 = pipeline_moves::table.filter(pipeline_moves::reason.eq(code)).count().get_result(conn)?;
    let entries: i64 = pipeline_entries::table.filter(pipeline_entries::reason.eq(code)).count().get_result(conn)?;
    Ok(moves + entries)
}

/// Deletes a reason no move has named; one in the history is retired instead (409).
pub fn delete(conn: &mut DbConnection, current: &StoredReason) -> AppResult<()> {
    let used = uses(conn, &current.id)?;
    if used > 0 {
        return Err(AppError::Conflict(format!(
            "The reason `{}` is named in the pipeline's history ({used} times): retire it with `active: false` instead.",
            current.id
        )));
    }
    let deleted =
        diesel::delete(pipeline_reasons::table.find(&current.id).filter(pipeline_reasons::version.eq(current.version)))
            .execute(conn)?;
    super::ensure_updated(deleted)
}
