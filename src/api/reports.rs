//! `/api/v1/reports`: assignments ending soon, time to shortlist and to
//! place, progress on success criteria, open needs by reason and crisis
//! signal, placements per organization. Organization members see only their
//! own organization's figures.

use std::collections::BTreeMap;

use actix_web::{get, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::invalid_param;
use super::progress::{CheckInView, check_in_view};
use crate::AppState;
use crate::auth::{Allowed, Principal};
use crate::db::{DbConnection, pipeline_reasons, reports};
use crate::domain::access::required;
use crate::domain::assignment::AssignmentStatus;
use crate::domain::need::NeedReason;
use crate::domain::pipeline::Stage;
use crate::domain::{CrisisSignal, OrganizationId};
use crate::error::{AppError, AppResult};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(assignments_ending)
        .service(time_to_fill)
        .service(success_criteria)
        .service(open_needs)
        .service(placements)
        .service(rejection_reasons);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// Only this organization's figures (organization members always get their own).
    #[param(format = Uuid)]
    organization_id: Option<String>,
}

/// The organization a report covers: a member's own, else the one asked for (or all).
fn scope(principal: &Principal, requested: Option<&str>) -> AppResult<Option<OrganizationId>> {
    let requested = requested.map(str::parse).transpose().map_err(invalid_param("organization_id"))?;
    Ok(principal.tenant().or(requested))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EndingQuery {
    /// The window, 1 to 366 days from today (default 30).
    #[param(minimum = 1, maximum = 366)]
    within_days: Option<i64>,
    /// Only this organization's assignments (organization members always get their own).
    #[param(format = Uuid)]
    organization_id: Option<String>,
}

/// An assignment ending soon.
#[derive(Debug, Serialize, ToSchema)]
pub struct EndingItem {
    #[schema(format = Uuid)]
    pub assignment_id: String,
    #[schema(format = Uuid)]
    pub candidate_id: String,
    #[schema(format = Uuid)]
    pub need_id: String,
    #[schema(format = Uuid)]
    pub organization_id: String,
    pub status: AssignmentStatus,
    pub planned_end: NaiveDate,
    /// Days from today to the planned end.
    pub days_left: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"as_of": "2027-06-20", "within_days": 30, "items": [{"assignment_id": "0193a5f5-2b3c-7d4e-8f5a-6b7c8d9e0f1a",
    "candidate_id": "0193a5f2-7d2e-7c8b-8d66-2e3f4a5b6c7d", "need_id": "0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c",
    "organization_id": "0193a5f2-5b0d-7a69-8b44-0c1d2e3f4a5b", "status": "active", "planned_end": "2027-07-15", "days_left": 25}]}))]
pub struct EndingReport {
    pub as_of: NaiveDate,
    pub within_days: i64,
    /// Soonest first.
    pub items: Vec<EndingItem>,
}

/// Assignments ending soon
///
/// Proposed, active and extended assignments planned to end within the next `within_days` days.
#[utoipa::path(security(("oauth2" = ["reports:read"])), tag = "reports", params(EndingQuery),
    responses((status = 200, description = "The assignments ending soon, soonest first.", body = EndingReport)))]
#[get("/reports/assignments-ending")]
async fn assignments_ending(
    state: web::Data<AppState>,
    principal: Allowed<required::ReportsRead>,
    query: web::Query<EndingQuery>,
) -> AppResult<web::Json<EndingReport>> {
    let within_days = query.within_days.unwrap_or(30);
    if !(1..=366).contains(&within_days) {
        return Err(AppError::InvalidQuery("`within_days` must be between 1 and 366.".into()));
    }
    let organization = scope(&principal, query.organization_id.as_deref())?;
    let today = Utc::now().date_naive();
    let until = today + chrono::Days::new(within_days as u64);
    let ending = state.db.read(move |conn| reports::ending_between(conn, organization, today, until)).await?;
    let items = ending
        .into_iter()
        .map(|a| EndingItem {
            assignment_id: a.id.to_string(),
            candidate_id: a.value.candidate_id.to_string(),
            need_id: a.value.need_id.to_string(),
            organization_id: a.value.organization_id.to_string(),
            status: a.value.status,
            planned_end: a.value.planned_end,
            days_left: (a.value.planned_end - today).num_days(),
        })
        .collect();
    Ok(web::Json(EndingReport { as_of: today, within_days, items }))
}

/// How long one need took.
#[derive(Debug, Serialize, ToSchema)]
pub struct NeedTimesItem {
    #[schema(format = Uuid)]
    pub need_id: String,
    pub title: String,
    #[schema(format = Uuid)]
    pub organization_id: String,
    pub opened_at: DateTime<Utc>,
    /// When the first candidate entered its pipeline.
    pub first_candidate_at: Option<DateTime<Utc>>,
    /// When the first placement was made.
    pub placed_at: Option<DateTime<Utc>>,
    pub days_to_shortlist: Option<f64>,
    pub days_to_placement: Option<f64>,
    /// Candidacies of this need rejected so far.
    pub rejected: usize,
    /// Candidacies of this need withdrawn so far.
    pub withdrawn: usize,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"needs_opened": 12, "shortlisted": 10, "placed": 7, "average_days_to_shortlist": 2.4,
    "median_days_to_shortlist": 1.5, "average_days_to_placement": 16.8, "median_days_to_placement": 14.0,
    "reasons": [{"stage": "rejected", "code": "rate_too_high", "label": "Rate too high", "count": 9, "share": 0.45},
        {"stage": "withdrawn", "code": "accepted_other_offer", "label": "Accepted another offer", "count": 4, "share": 0.8}],
    "items": []}))]
pub struct TimeToFillReport {
    /// Needs ever opened.
    pub needs_opened: usize,
    /// Of them, with at least one candidate in the pipeline.
    pub shortlisted: usize,
    /// Of them, with a placement.
    pub placed: usize,
    pub average_days_to_shortlist: Option<f64>,
    pub median_days_to_shortlist: Option<f64>,
    pub average_days_to_placement: Option<f64>,
    pub median_days_to_placement: Option<f64>,
    /// Why the candidacies of these needs ended without a placement: each reason named, most named first
    /// within each stage (`share` is of that stage's candidacies).
    pub reasons: Vec<ReasonCount>,
    /// Every need ever opened, oldest first.
    pub items: Vec<NeedTimesItem>,
}

fn days_between(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    let days = (to - from).num_seconds() as f64 / 86_400.0;
    (days.max(0.0) * 10.0).round() / 10.0
}

fn average(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| (values.iter().sum::<f64>() / values.len() as f64 * 10.0).round() / 10.0)
}

fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some(((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 * 10.0).round() / 10.0),
    }
}

/// Time to shortlist and to placement
///
/// For every need ever opened: the days from its first opening to its first pipeline entry (the shortlist) and
/// to its first placement, with averages and medians.
#[utoipa::path(security(("oauth2" = ["reports:read"])), tag = "reports", params(ReportQuery),
    responses((status = 200, description = "Time to fill, need by need, with averages and medians.", body = TimeToFillReport)))]
#[get("/reports/time-to-fill")]
async fn time_to_fill(
    state: web::Data<AppState>,
    principal: Allowed<required::ReportsRead>,
    query: web::Query<ReportQuery>,
) -> AppResult<web::Json<TimeToFillReport>> {
    let organization = scope(&principal, query.organization_id.as_deref())?;
    let (times, closings, labels) = state
        .db
        .read(move |conn| {
            let times = reports::need_times(conn, organization)?;
            let closings = reports::closings(conn, organization, None, None)?;
            Ok((times, closings, reason_labels(conn)?))
        })
        .await?;
    let opened: std::collections::HashSet<_> = times.iter().map(|t| t.need.id).collect();
    let closings: Vec<_> = closings.into_iter().filter(|c| opened.contains(&c.need_id)).collect();
    let mut ended: std::collections::HashMap<_, usize> = std::collections::HashMap::new();
    for c in &closings {
        *ended.entry((c.need_id, c.to)).or_default() += 1;
    }
    let ended = |need, stage| ended.get(&(need, stage)).copied().unwrap_or(0);
    let items: Vec<NeedTimesItem> = times
        .into_iter()
        .map(|t| NeedTimesItem {
            rejected: ended(t.need.id, Stage::Rejected),
            withdrawn: ended(t.need.id, Stage::Withdrawn),
            need_id: t.need.id.to_string(),
            title: t.need.value.0.title.clone(),
            organization_id: t.need.value.0.organization_id.to_string(),
            opened_at: t.opened_at,
            first_candidate_at: t.first_candidate_at,
            placed_at: t.placed_at,
            days_to_shortlist: t.first_candidate_at.map(|at| days_between(t.opened_at, at)),
            days_to_placement: t.placed_at.map(|at| days_between(t.opened_at, at)),
        })
        .collect();
    let shortlist: Vec<f64> = items.iter().filter_map(|i| i.days_to_shortlist).collect();
    let placement: Vec<f64> = items.iter().filter_map(|i| i.days_to_placement).collect();
    Ok(web::Json(TimeToFillReport {
        needs_opened: items.len(),
        shortlisted: shortlist.len(),
        placed: placement.len(),
        average_days_to_shortlist: average(&shortlist),
        median_days_to_shortlist: median(&shortlist),
        average_days_to_placement: average(&placement),
        median_days_to_placement: median(&placement),
        reasons: count_reasons(&closings, &labels),
        items,
    }))
}

/// Where one criterion of a running assignment stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct CriterionProgress {
    pub metric: String,
    pub unit: Option<String>,
    pub baseline: f64,
    pub target: f64,
    /// The latest check-in of this metric, with its progress; null before the first.
    pub latest: Option<CheckInView>,
}

/// A running assignment's progress on its need's success criteria.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentProgress {
    #[schema(format = Uuid)]
    pub assignment_id: String,
    #[schema(format = Uuid)]
    pub need_id: String,
    #[schema(format = Uuid)]
    pub organization_id: String,
    #[schema(format = Uuid)]
    pub candidate_id: String,
    pub status: AssignmentStatus,
    pub criteria: Vec<CriterionProgress>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"assignment_id": "0193a5f5-2b3c-7d4e-8f5a-6b7c8d9e0f1a", "need_id": "0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c",
    "organization_id": "0193a5f2-5b0d-7a69-8b44-0c1d2e3f4a5b", "candidate_id": "0193a5f2-7d2e-7c8b-8d66-2e3f4a5b6c7d", "status": "active",
    "criteria": [{"metric": "Net Promoter Score", "unit": "points", "baseline": -12.0, "target": 20.0, "latest": null}]}]}))]
pub struct SuccessReport {
    pub items: Vec<AssignmentProgress>,
}

/// Success-criteria progress per running assignment
///
/// For every active or extended assignment, each success criterion of its need's charter with the latest
/// check-in and its progress towards the target.
#[utoipa::path(security(("oauth2" = ["reports:read"])), tag = "reports", params(ReportQuery),
    responses((status = 200, description = "Each success criterion's latest check-in and progress.", body = SuccessReport)))]
#[get("/reports/success-criteria")]
async fn success_criteria(
    state: web::Data<AppState>,
    principal: Allowed<required::ReportsRead>,
    query: web::Query<ReportQuery>,
) -> AppResult<web::Json<SuccessReport>> {
    let organization = scope(&principal, query.organization_id.as_deref())?;
    let running = state.db.read(move |conn| reports::running_with_check_ins(conn, organization)).await?;
    let items = running
        .into_iter()
        .map(|(a, need, check_ins)| {
            let criteria = need.map(|n| n.value.0.charter.success_criteria).unwrap_or_default();
            let progress = criteria
                .iter()
                .map(|c| CriterionProgress {
                    metric: c.metric.clone(),
                    unit: c.unit.clone(),
                    baseline: c.baseline,
                    target: c.target,
                    // Check-ins come by date of measurement: the last one of the metric is the latest.
                    latest: check_ins
                        .iter()
                        .rev()
                        .find(|k| k.metric.eq_ignore_ascii_case(&c.metric))
                        .cloned()
                        .map(|k| check_in_view(k, &criteria)),
                })
                .collect();
            AssignmentProgress {
                assignment_id: a.id.to_string(),
                need_id: a.value.need_id.to_string(),
                organization_id: a.value.organization_id.to_string(),
                candidate_id: a.value.candidate_id.to_string(),
                status: a.value.status,
                criteria: progress,
            }
        })
        .collect();
    Ok(web::Json(SuccessReport { items }))
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"total": 5, "by_reason": {"replacement": 1, "new_position": 1, "crisis": 3},
    "by_crisis_signal": {"negative_customer_feedback": 2, "online_reputation_crisis": 1, "high_employee_turnover": 0,
    "trouble_recruiting_talent": 0, "low_morale_and_engagement": 1, "management_issues": 0, "significant_sales_drop": 1, "kpis_not_met": 2}}))]
pub struct OpenNeedsReport {
    pub total: usize,
    /// Every reason, with how many open needs give it.
    pub by_reason: BTreeMap<String, usize>,
    /// Every crisis signal, with how many open needs observe it.
    pub by_crisis_signal: BTreeMap<String, usize>,
}

/// Open needs by reason and crisis signal
#[utoipa::path(security(("oauth2" = ["reports:read"])), tag = "reports", params(ReportQuery),
    responses((status = 200, description = "Open needs counted by reason and by crisis signal.", body = OpenNeedsReport)))]
#[get("/reports/open-needs")]
async fn open_needs(
    state: web::Data<AppState>,
    principal: Allowed<required::ReportsRead>,
    query: web::Query<ReportQuery>,
) -> AppResult<web::Json<OpenNeedsReport>> {
    let organization = scope(&principal, query.organization_id.as_deref())?;
    let open = state.db.read(move |conn| reports::open_needs(conn, organization)).await?;
    let mut by_reason: BTreeMap<String, usize> = NeedReason::ALL.iter().map(|r| (r.as_str().to_owned(), 0)).collect();
    let mut by_crisis_signal: BTreeMap<String, usize> =
        CrisisSignal::ALL.iter().map(|s| (s.as_str().to_owned(), 0)).collect();
    for need in &open {
        *by_reason.entry(need.value.0.reason.as_str().to_owned()).or_default() += 1;
        for signal in &need.value.0.crisis_signals {
            *by_crisis_signal.entry(signal.as_str().to_owned()).or_default() += 1;
        }
    }
    Ok(web::Json(OpenNeedsReport { total: open.len(), by_reason, by_crisis_signal }))
}

/// Placements of one organization.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlacementsItem {
    #[schema(format = Uuid)]
    pub organization_id: String,
    pub name: String,
    /// Assignments ever created by a placement.
    pub placements: i64,
    /// Of them, proposed, active or extended now.
    pub current: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"organization_id": "0193a5f2-5b0d-7a69-8b44-0c1d2e3f4a5b", "name": "Northwind Retail", "placements": 3, "current": 1}]}))]
pub struct PlacementsReport {
    /// Most placements first.
    pub items: Vec<PlacementsItem>,
}

/// Placements per organization
#[utoipa::path(security(("oauth2" = ["reports:read"])), tag = "reports", params(ReportQuery),
    responses((status = 200, description = "Placements counted per organization.", body = PlacementsReport)))]
#[get("/reports/placements")]
async fn placements(
    state: web::Data<AppState>,
    principal: Allowed<required::ReportsRead>,
    query: web::Query<ReportQuery>,
) -> AppResult<web::Json<PlacementsReport>> {
    let organization = scope(&principal, query.organization_id.as_deref())?;
    let rows = state.db.read(move |conn| reports::placements_by_organization(conn, organization)).await?;
    let items = rows
        .into_iter()
        .map(|(organization_id, name, placements, current)| PlacementsItem {
            organization_id,
            name,
            placements,
            current,
        })
        .collect();
    Ok(web::Json(PlacementsReport { items }))
}

/// How often one reason ended candidacies.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReasonCount {
    /// `rejected` or `withdrawn`.
    pub stage: Stage,
    /// The reason's code; null for withdrawals made before withdrawals named reasons.
    pub code: Option<String>,
    pub label: String,
    pub count: usize,
    /// Of the candidacies that ended at this stage, the part this reason ended (0 to 1).
    pub share: f64,
}

/// The labels of the practice's reasons, by code.
fn reason_labels(conn: &mut DbConnection) -> AppResult<BTreeMap<String, String>> {
    Ok(pipeline_reasons::all(conn)?.into_iter().map(|r| (r.id, r.value.label)).collect())
}

/// Counts the reasons of `closings`, most named first within each stage (rejections first).
fn count_reasons(closings: &[reports::Closing], labels: &BTreeMap<String, String>) -> Vec<ReasonCount> {
    let mut counts: BTreeMap<(Stage, Option<String>), usize> = BTreeMap::new();
    for c in closings {
        *counts.entry((c.to, c.reason.clone())).or_default() += 1;
    }
    let per_stage = |stage: Stage| closings.iter().filter(|c| c.to == stage).count();
    let mut out: Vec<ReasonCount> = counts
        .into_iter()
        .map(|((stage, code), count)| ReasonCount {
            stage,
            label: match &code {
                Some(code) => labels.get(code).cloned().unwrap_or_else(|| code.clone()),
                None => "No reason given".into(),
            },
            code,
            count,
            share: (count as f64 / per_stage(stage) as f64 * 1000.0).round() / 1000.0,
        })
        .collect();
    out.sort_by(|a, b| {
        (a.stage != Stage::Rejected)
            .cmp(&(b.stage != Stage::Rejected))
            .then_with(|| b.count.cmp(&a.count))
            .then_with(|| a.code.cmp(&b.code))
    });
    out
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReasonsQuery {
    /// Only this organization's pipelines (organization members always get their own).
    #[param(format = Uuid)]
    organization_id: Option<String>,
    /// Only candidacies ended on or after this day (UTC).
    from: Option<NaiveDate>,
    /// Only candidacies ended on or before this day (UTC).
    to: Option<NaiveDate>,
}

/// One reason, with the stages the candidacies it ended were at.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReasonItem {
    #[serde(flatten)]
    pub count: ReasonCount,
    /// How many were at each stage when they ended (`sourced`, `screening`, `interviewing`, `offered`).
    pub left_from: BTreeMap<String, usize>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"from": "2026-01-01", "to": "2026-12-31", "rejected": 20, "withdrawn": 5, "items": [
    {"stage": "rejected", "code": "rate_too_high", "label": "Rate too high", "count": 9, "share": 0.45,
     "left_from": {"screening": 6, "interviewing": 3}},
    {"stage": "withdrawn", "code": "accepted_other_offer", "label": "Accepted another offer", "count": 4, "share": 0.8,
     "left_from": {"offered": 4}}]}))]
pub struct ReasonsReport {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Candidacies rejected in the period.
    pub rejected: usize,
    /// Candidacies withdrawn in the period.
    pub withdrawn: usize,
    /// Rejections first, each stage's most named reason first.
    pub items: Vec<ReasonItem>,
}

/// Why candidacies end without a placement
///
/// Every rejection and withdrawal in the period (default: all time), counted by the reason of the practice's
/// list it named, with the stage each candidacy was at when it ended. `from` after `to` answers 400.
#[utoipa::path(security(("oauth2" = ["reports:read"])), tag = "reports", params(ReasonsQuery),
    responses((status = 200, description = "Rejections and withdrawals counted by reason.", body = ReasonsReport)))]
#[get("/reports/rejection-reasons")]
async fn rejection_reasons(
    state: web::Data<AppState>,
    principal: Allowed<required::ReportsRead>,
    query: web::Query<ReasonsQuery>,
) -> AppResult<web::Json<ReasonsReport>> {
    let organization = scope(&principal, query.organization_id.as_deref())?;
    let (from, to) = (query.from, query.to);
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        return Err(AppError::InvalidQuery("`from` is after `to`.".into()));
    }
    let start = from.and_then(|d| d.and_hms_opt(0, 0, 0));
    let end = to.and_then(|d| d.succ_opt()).and_then(|d| d.and_hms_opt(0, 0, 0));
    let (closings, labels) = state
        .db
        .read(move |conn| Ok((reports::closings(conn, organization, start, end)?, reason_labels(conn)?)))
        .await?;
    let items = count_reasons(&closings, &labels)
        .into_iter()
        .map(|count| {
            let mut left_from = BTreeMap::new();
            for c in closings.iter().filter(|c| c.to == count.stage && c.reason == count.code) {
                let stage = c.from.map_or("unknown", |s| s.as_str());
                *left_from.entry(stage.to_owned()).or_default() += 1;
            }
            ReasonItem { count, left_from }
        })
        .collect();
    Ok(web::Json(ReasonsReport {
        from,
        to,
        rejected: closings.iter().filter(|c| c.to == Stage::Rejected).count(),
        withdrawn: closings.iter().filter(|c| c.to == Stage::Withdrawn).count(),
        items,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn averages_and_medians() {
        assert_eq!(average(&[]), None);
        assert_eq!(median(&[]), None);
        assert_eq!(average(&[1.0, 2.0, 4.0]), Some(2.3));
        assert_eq!(median(&[4.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 10.0]), Some(3.0));
    }
}
