//! The change feed: every event [`super::webhooks::announce`] announces is
//! appended here in the transaction of its change, so a change is in the feed
//! exactly when it committed, deletions included. Readers page through it by
//! sequence number; what is older than the kept period is forgotten, and a
//! cursor from before that is answered `Gone`, never silently short.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::organizations::corrupt;
use super::schema::{changes, changes_horizon};
use super::{DbConnection, json};
use crate::domain::OrganizationId;
use crate::domain::access::Permission;
use crate::domain::change::{self, ChangeAction, ChangedResource};
use crate::domain::webhook::EventType;
use crate::error::{AppError, AppResult};

/// One change of one record.
#[derive(Debug, Clone)]
pub struct Change {
    pub seq: i64,
    /// The id of the event: the same as in the webhook delivery of it.
    pub event_id: String,
    pub event: EventType,
    pub resource: ChangedResource,
    pub action: ChangeAction,
    pub resource_id: String,
    pub organization_id: Option<OrganizationId>,
    /// What the event says (ids, version, status; nothing personal).
    pub data: serde_json::Value,
    pub occurred_at: DateTime<Utc>,
}

/// Where a reader starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    /// At the oldest change kept.
    Oldest,
    /// At the newest change: nothing is read, only the position handed out.
    Now,
    /// After the change with this sequence number.
    After(i64),
}

/// Which changes a reader sees.
#[derive(Debug, Clone)]
pub struct ChangeFilter {
    /// Only these kinds of record (empty: every kind the reader may see).
    pub resources: Vec<ChangedResource>,
    /// The permissions the reader holds: a change needing another is left out.
    pub permissions: Vec<Permission>,
    /// An organization member sees its own organization's changes only.
    pub organization: Option<OrganizationId>,
}

/// A page of the feed, and where the next read starts: after the last change
/// read, or at the feed's newest change when no more were there.
#[derive(Debug)]
pub struct ChangePage {
    pub items: Vec<Change>,
    pub next: i64,
    pub more: bool,
}

/// Changes are kept at least this long unless configured otherwise (`CHANGES_KEPT_DAYS`).
pub const DEFAULT_KEPT_DAYS: u32 = 35;

/// Writers that append to a log read in sequence order take turns on
/// PostgreSQL (an advisory lock held to the commit), so sequence numbers
/// become visible in order and a reader never skips one still being
/// committed. SQLite has one writer at a time anyway.
pub(crate) fn take_turn(conn: &mut DbConnection) -> AppResult<()> {
    if let DbConnection::Postgresql(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(7265616368)").execute(pg)?;
    }
    Ok(())
}

/// An erasure: the candidate's events keep their ids and versions, but not the values of its custom fields (they
/// may hold personal data), in the feed and in the webhook outbox alike.
pub(crate) fn scrub_candidate(conn: &mut DbConnection, id: &str) -> AppResult<()> {
    let rows: Vec<(i64, String, String)> = changes::table
        .filter(changes::resource.eq(ChangedResource::Candidate.as_str()))
        .filter(changes::resource_id.eq(id))
        .filter(changes::data.like("%custom_fields%"))
        .select((changes::seq, changes::event_id, changes::data))
        .load(conn)?;
    for (seq, event_id, data) in rows {
        let mut data: serde_json::Value = json::decode(&data)?;
        if let Some(fields) = data.as_object_mut() {
            fields.remove("custom_fields");
        }
        diesel::update(changes::table.find(seq)).set(changes::data.eq(json::encode(&data)?)).execute(conn)?;
        super::webhooks::scrub_custom_fields(conn, &event_id)?;
    }
    Ok(())
}

/// Appends the event to the feed, in the transaction of its change.
pub(crate) fn record(
    conn: &mut DbConnection,
    event_id: &str,
    event: EventType,
    organization: Option<OrganizationId>,
    data: &serde_json::Value,
    at: NaiveDateTime,
) -> AppResult<()> {
    let (resource, _) = event.change();
    let resource_id = data.get("id").and_then(|id| id.as_str()).unwrap_or_default();
    let permission = change::read_permission(resource, data.get("assignment_id").is_some());
    take_turn(conn)?;
    diesel::insert_into(changes::table)
        .values((
            changes::event_id.eq(event_id),
            changes::event_type.eq(event.as_str()),
            changes::resource.eq(resource.as_str()),
            changes::resource_id.eq(resource_id),
            changes::organization_id.eq(organization.map(|o| o.to_string())),
            changes::read_scope.eq(permission.scope()),
            changes::data.eq(json::encode(data)?),
            changes::occurred_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

type Row = (i64, String, String, String, Option<String>, String, NaiveDateTime);

/// Reads at most `limit` changes after `since` that the filter lets through, oldest first.
pub fn read(conn: &mut DbConnection, since: Since, filter: &ChangeFilter, limit: i64) -> AppResult<ChangePage> {
    let forgotten: i64 = changes_horizon::table.find(1).select(changes_horizon::forgotten_through).get_result(conn)?;
    let newest: Option<i64> = changes::table.select(diesel::dsl::max(changes::seq)).get_result(conn)?;
    let newest = newest.unwrap_or(0).max(forgotten);
    let after = match since {
        Since::Now => return Ok(ChangePage { items: Vec::new(), next: newest, more: false }),
        Since::Oldest => forgotten,
        Since::After(seq) if seq < forgotten => {
            return Err(AppError::Gone(format!(
                "The changes after {seq} are no longer kept (the feed keeps what happened after {forgotten}): \
                 sync again from the lists, then follow the feed from the `next_since` of `since=now`."
            )));
        }
        Since::After(seq) if seq > newest => {
            return Err(AppError::Gone(format!(
                "`since` ({seq}) is ahead of this feed (its newest change is {newest}): the cursor comes from \
                 another database, or from before a restore. Sync again from the lists."
            )));
        }
        Since::After(seq) => seq,
    };
    let scopes: Vec<&str> = filter.permissions.iter().map(|p| p.scope()).collect();
    let mut query = changes::table
        .filter(changes::seq.gt(after))
        .filter(changes::seq.le(newest))
        .filter(changes::read_scope.eq_any(scopes))
        .order(changes::seq)
        .limit(limit + 1)
        .select((
            changes::seq,
            changes::event_id,
            changes::event_type,
            changes::resource_id,
            changes::organization_id,
            changes::data,
            changes::occurred_at,
        ))
        .into_boxed();
    if !filter.resources.is_empty() {
        query = query.filter(changes::resource.eq_any(filter.resources.iter().map(|r| r.as_str())));
    }
    if let Some(organization) = filter.organization {
        query = query.filter(changes::organization_id.eq(organization.to_string()));
    }
    let mut rows: Vec<Row> = query.load(conn)?;
    // Forgotten meanwhile (by another instance's hourly pass): what was read may have gaps.
    let still: i64 = changes_horizon::table.find(1).select(changes_horizon::forgotten_through).get_result(conn)?;
    if still > after {
        return Err(AppError::Gone(format!(
            "The changes after {after} were forgotten while being read: sync again from the lists."
        )));
    }
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let items = rows.into_iter().map(change_of).collect::<AppResult<Vec<_>>>()?;
    let next = match items.last() {
        Some(last) if more => last.seq,
        _ => newest,
    };
    Ok(ChangePage { items, next, more })
}

fn change_of((seq, event_id, event_type, resource_id, organization_id, data, at): Row) -> AppResult<Change> {
    let event: EventType = event_type.parse().map_err(corrupt)?;
    let (resource, action) = event.change();
    Ok(Change {
        seq,
        event_id,
        event,
        resource,
        action,
        resource_id,
        organization_id: organization_id.map(|o| o.parse()).transpose().map_err(corrupt)?,
        data: json::decode(&data)?,
        occurred_at: at.and_utc(),
    })
}

/// Forgets the changes that happened before `before` (and any earlier in
/// sequence), moving the horizon past them; gives how many were forgotten.
pub fn forget_before(conn: &mut DbConnection, before: NaiveDateTime) -> AppResult<usize> {
    let last: Option<i64> = changes::table
        .filter(changes::occurred_at.lt(before))
        .select(diesel::dsl::max(changes::seq))
        .get_result(conn)?;
    let Some(last) = last else { return Ok(0) };
    let forgotten = diesel::delete(changes::table.filter(changes::seq.le(last))).execute(conn)?;
    diesel::update(changes_horizon::table.find(1).filter(changes_horizon::forgotten_through.lt(last)))
        .set(changes_horizon::forgotten_through.eq(last))
        .execute(conn)?;
    Ok(forgotten)
}
