//! The figures behind `/api/v1/reports`, each of one organization or of all.
//! They read whole (small) sets and aggregate in Rust, the same on both
//! backends.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::DbConnection;
use super::assignments::{self, CheckIn, StoredAssignment};
use super::needs::{self, StoredNeed};
use super::organizations::corrupt;
use super::schema::{assignments as assignment_table, organizations, pipeline_entries, pipeline_moves};
use crate::domain::assignment::AssignmentStatus;
use crate::domain::pipeline::Stage;
use crate::domain::{AssignmentId, NeedId, OrganizationId};
use crate::error::AppResult;

fn holding() -> Vec<&'static str> {
    AssignmentStatus::ALL.iter().filter(|s| s.holds_candidate()).map(AssignmentStatus::as_str).collect()
}

/// Assignments still holding their candidate (proposed, active, extended)
/// planned to end from `from` to `to`, soonest first.
pub fn ending_between(
    conn: &mut DbConnection,
    organization: Option<OrganizationId>,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<StoredAssignment>> {
    let filter = assignments::AssignmentFilter {
        organization_id: organization,
        ending_after: Some(from),
        ending_before: Some(to),
        ..Default::default()
    };
    let mut all = assignments::all(conn, &filter)?;
    all.retain(|a| a.value.status.holds_candidate());
    all.sort_by_key(|a| (a.value.planned_end, a.id));
    Ok(all)
}

/// A need that was opened, when its first candidate entered its pipeline,
/// and when its first placement was made.
pub struct NeedTimes {
    pub need: StoredNeed,
    pub opened_at: DateTime<Utc>,
    pub first_candidate_at: Option<DateTime<Utc>>,
    pub placed_at: Option<DateTime<Utc>>,
}

pub fn need_times(conn: &mut DbConnection, organization: Option<OrganizationId>) -> AppResult<Vec<NeedTimes>> {
    let opened = needs::ever_opened(conn, organization)?;
    let mut entries = pipeline_entries::table
        .group_by(pipeline_entries::need_id)
        .select((pipeline_entries::need_id, diesel::dsl::min(pipeline_entries::created_at)))
        .into_boxed();
    let mut placements = assignment_table::table
        .group_by(assignment_table::need_id)
        .select((assignment_table::need_id, diesel::dsl::min(assignment_table::created_at)))
        .into_boxed();
    if let Some(org) = organization {
        entries = entries.filter(pipeline_entries::organization_id.eq(org.to_string()));
        placements = placements.filter(assignment_table::organization_id.eq(org.to_string()));
    }
    let first_entries: HashMap<String, Option<NaiveDateTime>> = entries.load(conn)?.into_iter().collect();
    let first_placements: HashMap<String, Option<NaiveDateTime>> = placements.load(conn)?.into_iter().collect();
    Ok(opened
        .into_iter()
        .filter_map(|need| {
            let opened_at = need.value.1?;
            let key = need.id.to_string();
            let first_candidate_at = first_entries.get(&key).copied().flatten().map(|t| t.and_utc());
            let placed_at = first_placements.get(&key).copied().flatten().map(|t| t.and_utc());
            Some(NeedTimes { need, opened_at, first_candidate_at, placed_at })
        })
        .collect())
}

/// A running assignment, its need and its check-ins.
pub type Running = (StoredAssignment, Option<StoredNeed>, Vec<CheckIn>);

/// Active and extended assignments, with their needs and check-ins.
pub fn running_with_check_ins(
    conn: &mut DbConnection,
    organization: Option<OrganizationId>,
) -> AppResult<Vec<Running>> {
    let filter = assignments::AssignmentFilter { organization_id: organization, ..Default::default() };
    let mut running = assignments::all(conn, &filter)?;
    running.retain(|a| matches!(a.value.status, AssignmentStatus::Active | AssignmentStatus::Extended));
    let ids: Vec<AssignmentId> = running.iter().map(|a| a.id).collect();
    let need_ids: Vec<NeedId> = running.iter().map(|a| a.value.need_id).collect();
    let by_need: HashMap<NeedId, StoredNeed> = needs::many(conn, &need_ids)?.into_iter().map(|n| (n.id, n)).collect();
    let mut check_ins: HashMap<AssignmentId, Vec<CheckIn>> = HashMap::new();
    for (id, check_in) in assignments::check_ins(conn, &ids)? {
        check_ins.entry(id).or_default().push(check_in);
    }
    Ok(running
        .into_iter()
        .map(|a| {
            let need = by_need.get(&a.value.need_id).cloned();
            let own = check_ins.remove(&a.id).unwrap_or_default();
            (a, need, own)
        })
        .collect())
}

/// Open needs of one organization or of all.
pub fn open_needs(conn: &mut DbConnection, organization: Option<OrganizationId>) -> AppResult<Vec<StoredNeed>> {
    let mut open = needs::all_open(conn)?;
    if let Some(org) = organization {
        open.retain(|n| n.value.0.organization_id == org);
    }
    Ok(open)
}

/// Placements (assignments created) per organization: its name, how many,
/// and how many hold their candidate now.
pub fn placements_by_organization(
    conn: &mut DbConnection,
    organization: Option<OrganizationId>,
) -> AppResult<Vec<(String, String, i64, i64)>> {
    let filter = assignments::AssignmentFilter { organization_id: organization, ..Default::default() };
    let all = assignments::all(conn, &filter)?;
    let held = holding();
    let mut counts: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for a in &all {
        let entry = counts.entry(a.value.organization_id.to_string()).or_default();
        entry.0 += 1;
        if held.contains(&a.value.status.as_str()) {
            entry.1 += 1;
        }
    }
    let ids: Vec<String> = counts.keys().cloned().collect();
    let names: HashMap<String, String> = organizations::table
        .filter(organizations::id.eq_any(ids))
        .select((organizations::id, organizations::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let mut rows: Vec<(String, String, i64, i64)> = counts
        .into_iter()
        .map(|(id, (placements, current))| {
            let name = names.get(&id).cloned().unwrap_or_default();
            (id, name, placements, current)
        })
        .collect();
    rows.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.1.cmp(&b.1)));
    Ok(rows)
}

/// A candidacy that ended without a placement: the move that ended it.
pub struct Closing {
    pub need_id: NeedId,
    /// The stage it left.
    pub from: Option<Stage>,
    /// `rejected` or `withdrawn`.
    pub to: Stage,
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
}

/// A closing move as read: need id, from, to, reason, when.
type ClosingRow = (String, Option<String>, String, Option<String>, NaiveDateTime);

/// The rejections and withdrawals of one organization's pipelines (or of
/// all) made from `from` to `to`, oldest first.
pub fn closings(
    conn: &mut DbConnection,
    organization: Option<OrganizationId>,
    from: Option<NaiveDateTime>,
    to: Option<NaiveDateTime>,
) -> AppResult<Vec<Closing>> {
    let mut query = pipeline_moves::table
        .inner_join(pipeline_entries::table)
        .filter(pipeline_moves::to_stage.eq_any([Stage::Rejected.as_str(), Stage::Withdrawn.as_str()]))
        .select((
            pipeline_entries::need_id,
            pipeline_moves::from_stage,
            pipeline_moves::to_stage,
            pipeline_moves::reason,
            pipeline_moves::moved_at,
        ))
        .order((pipeline_moves::moved_at.asc(), pipeline_moves::id.asc()))
        .into_boxed();
    if let Some(org) = organization {
        query = query.filter(pipeline_entries::organization_id.eq(org.to_string()));
    }
    if let Some(from) = from {
        query = query.filter(pipeline_moves::moved_at.ge(from));
    }
    if let Some(to) = to {
        query = query.filter(pipeline_moves::moved_at.lt(to));
    }
    let rows: Vec<ClosingRow> = query.load(conn)?;
    rows.into_iter()
        .map(|(need, from, to, reason, at)| {
            Ok(Closing {
                need_id: need.parse().map_err(corrupt)?,
                from: from.as_deref().map(str::parse).transpose().map_err(corrupt)?,
                to: to.parse().map_err(corrupt)?,
                reason,
                at: at.and_utc(),
            })
        })
        .collect()
}
