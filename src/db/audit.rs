//! The audit log: appended to, never changed.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::page::{self, Page, PageRequest, Position, seek};
use super::schema::audit_events;
use super::{DbConnection, now};
use crate::error::AppResult;

/// One recorded attempt: who, in which organization, did what to which
/// object, and how it ended. Ids and route names only, no personal data.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub id: String,
    pub occurred_at: NaiveDateTime,
    pub actor: String,
    pub actor_kind: String,
    pub role: Option<String>,
    pub organization_id: Option<String>,
    pub action: String,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    /// `succeeded`, `refused` or `failed`.
    pub outcome: String,
    pub status: i32,
    pub request_id: Option<String>,
}

impl AuditEvent {
    pub fn at_now() -> NaiveDateTime {
        now()
    }
}

pub fn append(conn: &mut DbConnection, event: &AuditEvent) -> AppResult<()> {
    natively!(conn, |db| diesel::insert_into(audit_events::table).values(event).execute(db))?;
    Ok(())
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub organization_id: Option<String>,
    pub outcome: Option<String>,
    pub since: Option<NaiveDateTime>,
}

/// Audit lists are always by time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditSort {
    OccurredAt,
}

/// Every event that names `object_id`, oldest first.
pub fn about(conn: &mut DbConnection, object_id: &str) -> AppResult<Vec<AuditEvent>> {
    Ok(audit_events::table
        .filter(audit_events::object_id.eq(object_id))
        .order((audit_events::occurred_at.asc(), audit_events::id.asc()))
        .select(AuditEvent::as_select())
        .load(conn)?)
}

pub fn list(
    conn: &mut DbConnection,
    filter: &AuditFilter,
    page: &PageRequest<AuditSort>,
) -> AppResult<Page<AuditEvent>> {
    let filtered = || {
        let mut query = audit_events::table.into_boxed();
        if let Some(actor) = &filter.actor {
            query = query.filter(audit_events::actor.eq(actor.clone()));
        }
        if let Some(org) = &filter.organization_id {
            query = query.filter(audit_events::organization_id.eq(org.clone()));
        }
        if let Some(outcome) = &filter.outcome {
            query = query.filter(audit_events::outcome.eq(outcome.clone()));
        }
        if let Some(since) = filter.since {
            query = query.filter(audit_events::occurred_at.ge(since));
        }
        query
    };
    let total = if page.with_total { Some(filtered().count().get_result(conn)?) } else { None };
    let after = page.after.as_ref().map(|p| p.timestamp().map(|t| (t, p.id.clone()))).transpose()?;
    let query = filtered().select(AuditEvent::as_select()).limit(page.limit + 1);
    let rows: Vec<AuditEvent> =
        seek!(query, audit_events::occurred_at, audit_events::id, page.direction, after).load(conn)?;
    Ok(Page::from_rows(rows, page.limit, total, |e| Position {
        value: page::timestamp_value(&e.occurred_at),
        id: e.id.clone(),
    }))
}
