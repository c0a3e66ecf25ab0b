//! How an assignment is going: its roadmap milestones
//! (`/assignments/{id}/milestones`), check-ins against the need's success
//! criteria (`/assignments/{id}/check-ins`) and the hand-over to the
//! long-term executive (`/assignments/{id}/hand-over`).

use actix_web::{HttpResponse, get, patch, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::assignments::{AssignmentView, visible};
use super::created;
use super::extract::{JsonBody, MergePatch, merge, path_id, path_id_uuid};
use super::preconditions::{IfMatch, tagged};
use crate::AppState;
use crate::auth::Allowed;
use crate::db::assignments::{self as store, CheckIn, StoredMilestone};
use crate::db::{candidates, needs};
use crate::domain::access::required;
use crate::domain::assignment::{HandOver, Milestone, MilestoneStatus};
use crate::domain::need::SuccessCriterion;
use crate::domain::validation::{self, Validator};
use crate::domain::{AssignmentId, CandidateId, SkillKey};
use crate::error::{AppError, AppResult};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_milestones)
        .service(add_milestone)
        .service(get_milestone)
        .service(update_milestone)
        .service(list_check_ins)
        .service(add_check_in)
        .service(set_hand_over);
}

const MAX_NOTES: usize = 4000;

/// A roadmap milestone's writable fields.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Launch the voice-of-the-customer programme", "skill_key": "customer-data-analysis",
    "status": "in_progress", "due_date": "2027-03-31", "notes": "Survey vendor chosen."}))]
pub struct MilestoneInput {
    #[schema(format = "text", min_length = 1, max_length = 200)]
    pub title: String,
    /// The roadmap area's skill, if any.
    #[serde(default)]
    #[schema(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 60)]
    pub skill_key: Option<String>,
    #[serde(default = "planned")]
    pub status: MilestoneStatus,
    #[serde(default)]
    pub due_date: Option<NaiveDate>,
    #[serde(default)]
    #[schema(format = "text", max_length = 4000)]
    pub notes: Option<String>,
}

fn planned() -> MilestoneStatus {
    MilestoneStatus::Planned
}

impl MilestoneInput {
    fn parse(&self, position: i32) -> AppResult<Milestone> {
        let mut v = Validator::new();
        let title = v.check("title", validation::text(&self.title, 1, 200));
        let skill_key = v.check("skill_key", self.skill_key.as_deref().map(SkillKey::parse).transpose());
        let notes = v.check("notes", validation::optional_text(self.notes.as_deref(), MAX_NOTES));
        let milestone = (|| {
            Some(Milestone {
                position,
                title: title?,
                skill_key: skill_key?,
                status: self.status,
                due_date: self.due_date,
                notes: notes?,
            })
        })();
        v.finish(milestone).map_err(AppError::Validation)
    }
}

impl From<&Milestone> for MilestoneInput {
    fn from(m: &Milestone) -> Self {
        MilestoneInput {
            title: m.title.clone(),
            skill_key: m.skill_key.as_ref().map(|k| k.as_str().to_owned()),
            status: m.status,
            due_date: m.due_date,
            notes: m.notes.clone(),
        }
    }
}

/// A step of the assignment's roadmap.
#[derive(Debug, Serialize, ToSchema)]
pub struct MilestoneView {
    #[schema(format = Uuid)]
    pub id: String,
    /// Order within the roadmap, from 1.
    pub position: i32,
    #[serde(flatten)]
    pub fields: MilestoneInput,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<StoredMilestone> for MilestoneView {
    fn from(s: StoredMilestone) -> Self {
        MilestoneView {
            id: s.id,
            position: s.value.position,
            fields: MilestoneInput::from(&s.value),
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// The roadmap of an assignment, in order.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"id": "0193a5f6-0000-7000-8000-000000000001", "position": 1,
    "title": "Set the customer service strategy", "skill_key": "customer-service-strategy", "status": "done",
    "due_date": "2027-02-09", "notes": null, "version": 2, "created_at": "2026-12-01T10:00:00Z", "updated_at": "2027-02-08T16:00:00Z"}]}))]
pub struct MilestonesView {
    pub items: Vec<MilestoneView>,
}

/// List an assignment's roadmap milestones
///
/// For an interim CXO the roadmap starts as the seed's seven steps (customer service strategy, culture management,
/// customer data analysis, customer relationship development, customer base leverage, new customer acquisition,
/// product and service innovation), due one after the other across the planned period; every assignment's
/// roadmap is editable.
#[utoipa::path(security(("oauth2" = ["assignments:read"])), tag = "assignments",
    params(("id" = uuid::Uuid, Path, description = "Assignment id")), responses((status = 200, description = "The assignment's roadmap milestones, in order; `ETag` is the assignment's version.", body = MilestonesView, headers(("ETag" = String)))))]
#[get("/assignments/{id}/milestones")]
async fn list_milestones(
    state: web::Data<AppState>,
    principal: Allowed<required::AssignmentsRead>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: AssignmentId = path_id(&id, "assignment")?;
    let (current, items) = state
        .db
        .read(move |conn| {
            let current = visible(conn, &principal, id)?;
            Ok((current, store::milestones(conn, id)?))
        })
        .await?;
    Ok(tagged(current.version, MilestonesView { items: items.into_iter().map(MilestoneView::from).collect() }))
}

/// Add a roadmap milestone
///
/// Added after the last one; at most 100 per assignment.
#[utoipa::path(security(("oauth2" = ["assignments:write"])), tag = "assignments",
    params(("id" = uuid::Uuid, Path, description = "Assignment id")), request_body = MilestoneInput,
    responses((status = 201, description = "Added; `Location` names the milestone.", body = MilestoneView,
        headers(("ETag" = String), ("Location" = String, description = "URL of the milestone")))))]
#[post("/assignments/{id}/milestones")]
async fn add_milestone(
    state: web::Data<AppState>,
    principal: Allowed<required::AssignmentsWrite>,
    id: web::Path<String>,
    body: JsonBody<MilestoneInput>,
) -> AppResult<HttpResponse> {
    let id: AssignmentId = path_id(&id, "assignment")?;
    let milestone = body.0.parse(0)?;
    let stored = state
        .db
        .write(move |conn| {
            visible(conn, &principal, id)?;
            store::add_milestone(conn, id, &milestone)
        })
        .await?;
    let location = format!("/api/v1/assignments/{id}/milestones/{}", stored.id);
    Ok(created(location, stored.version, MilestoneView::from(stored)))
}

/// Get a roadmap milestone
#[utoipa::path(security(("oauth2" = ["assignments:read"])), tag = "assignments",
    params(("id" = uuid::Uuid, Path, description = "Assignment id"), ("milestone_id" = uuid::Uuid, Path, description = "Milestone id")),
    responses((status = 200, description = "The milestone; `ETag` is its version.", body = MilestoneView, headers(("ETag" = String)))))]
#[get("/assignments/{id}/milestones/{milestone_id}")]
async fn get_milestone(
    state: web::Data<AppState>,
    principal: Allowed<required::AssignmentsRead>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let id: AssignmentId = path_id(&path.0, "assignment")?;
    let milestone = path_id_uuid(&path.1, "milestone")?.to_string();
    let stored = state
        .db
        .read(move |conn| {
            visible(conn, &principal, id)?;
            store::milestone(conn, id, &milestone)
        })
        .await?;
    Ok(tagged(stored.version, MilestoneView::from(stored)))
}

/// Change a roadmap milestone
///
/// A JSON Merge Patch of the title, skill, status (planned, in_progress, done, skipped), due date and notes.
#[utoipa::path(security(("oauth2" = ["assignments:write"])), tag = "assignments",
    params(("id" = uuid::Uuid, Path, description = "Assignment id"), ("milestone_id" = uuid::Uuid, Path, description = "Milestone id")),
    request_body(content = MilestoneInput, content_type = "application/merge-patch+json",
        example = json!({"status": "done", "notes": "Strategy signed off by the board."})),
    responses((status = 200, description = "The milestone as changed; `ETag` is its new version.", body = MilestoneView, headers(("ETag" = String)))))]
#[patch("/assignments/{id}/milestones/{milestone_id}")]
async fn update_milestone(
    state: web::Data<AppState>,
    principal: Allowed<required::AssignmentsWrite>,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
    patch: MergePatch,
) -> AppResult<HttpResponse> {
    let id: AssignmentId = path_id(&path.0, "assignment")?;
    let milestone = path_id_uuid(&path.1, "milestone")?.to_string();
    let stored = state
        .db
        .write(move |conn| {
            visible(conn, &principal, id)?;
            let current = store::milestone(conn, id, &milestone)?;
            let next = merge(&MilestoneInput::from(&current.value), &patch.0)?.parse(current.value.position)?;
            // An invalid body is refused (422) whatever version it names.
            if_match.check(current.version)?;
            store::update_milestone(conn, id, &current, &next)
        })
        .await?;
    Ok(tagged(stored.version, MilestoneView::from(stored)))
}

/// A measurement of one of the need's success criteria.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"metric": "Net Promoter Score", "value": 4, "measured_on": "2027-03-31", "note": "Q1 survey"}))]
pub struct CheckInInput {
    /// A metric of the need's charter success criteria (case does not matter).
    #[schema(format = "text", min_length = 1, max_length = 200)]
    pub metric: String,
    pub value: f64,
    pub measured_on: NaiveDate,
    #[serde(default)]
    #[schema(format = "text", max_length = 4000)]
    pub note: Option<String>,
}

/// A check-in, with its progress against the criterion.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckInView {
    #[schema(format = Uuid)]
    pub id: String,
    pub metric: String,
    pub value: f64,
    pub measured_on: NaiveDate,
    pub note: Option<String>,
    /// Who recorded it.
    pub actor: String,
    pub created_at: DateTime<Utc>,
    /// The criterion's baseline and target, as the need's charter says now.
    pub baseline: Option<f64>,
    pub target: Option<f64>,
    pub unit: Option<String>,
    /// (value - baseline) / (target - baseline), in per cent: 0 at the baseline, 100 at the target (also when
    /// the target is below the baseline). Null when the charter no longer has the metric.
    #[schema(example = 50.0)]
    pub progress_percent: Option<f64>,
}

/// Check-ins by date of measurement.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"id": "0193a5f7-0000-7000-8000-000000000001", "metric": "Net Promoter Score",
    "value": 4.0, "measured_on": "2027-03-31", "note": "Q1 survey", "actor": "user:0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c",
    "created_at": "2027-04-02T09:00:00Z", "baseline": -12.0, "target": 20.0, "unit": "points", "progress_percent": 50.0}]}))]
pub struct CheckInsView {
    pub items: Vec<CheckInView>,
}

/// The check-in as shown, with progress against `criteria`.
pub fn check_in_view(c: CheckIn, criteria: &[SuccessCriterion]) -> CheckInView {
    let criterion = criteria.iter().find(|k| k.metric.eq_ignore_ascii_case(&c.metric));
    CheckInView {
        progress_percent: criterion.map(|k| k.progress(c.value)),
        baseline: criterion.map(|k| k.baseline),
        target: criterion.map(|k| k.target),
        unit: criterion.and_then(|k| k.unit.clone()),
        id: c.id,
        metric: c.metric,
        value: c.value,
        measured_on: c.measured_on,
        note: c.note,
        actor: c.actor,
        created_at: c.created_at,
    }
}

/// Record a check-in against a success criterion
///
/// The metric must be one of the need's charter success criteria (422 otherwise, listing them).
#[utoipa::path(security(("oauth2" = ["assignments:write"])), tag = "assignments",
    params(("id" = uuid::Uuid, Path, description = "Assignment id")), request_body = CheckInInput,
    responses((status = 201, description = "Recorded, with its progress.", body = CheckInView,
        headers(("ETag" = String), ("Location" = String, description = "URL of the assignment's check-ins")))))]
#[post("/assignments/{id}/check-ins")]
async fn add_check_in(
    state: web::Data<AppState>,
    principal: Allowed<required::AssignmentsWrite>,
    id: web::Path<String>,
    body: JsonBody<CheckInInput>,
) -> AppResult<HttpResponse> {
    let id: AssignmentId = path_id(&id, "assignment")?;
    let input = body.0;
    let mut v = Validator::new();
    if !input.value.is_finite() {
        v.fail("value", "not_finite", "must be a finite number");
    }
    let metric = v.check("metric", validation::text(&input.metric, 1, 200));
    let note = v.check("note", validation::optional_text(input.note.as_deref(), MAX_NOTES));
    let (metric, note) = v.finish(metric.zip(note)).map_err(AppError::Validation)?;
    let actor = principal.subject.clone();
    let (current, view) = state
        .db
        .write(move |conn| {
            let current = visible(conn, &principal, id)?;
            let need = needs::get(conn, current.value.need_id)?;
            let criteria = &need.value.0.charter.success_criteria;
            let Some(criterion) = criteria.iter().find(|k| k.metric.eq_ignore_ascii_case(&metric)) else {
                let known: Vec<&str> = criteria.iter().map(|k| k.metric.as_str()).collect();
                return Err(AppError::field(
                    "metric",
                    "unknown_metric",
                    if known.is_empty() {
                        "the need's charter has no success criteria to check in against".to_owned()
                    } else {
                        format!("must be one of the need's success criteria: {}", known.join(", "))
                    },
                ));
            };
            let check_in = CheckIn {
                id: uuid::Uuid::now_v7().to_string(),
                metric: criterion.metric.clone(),
                value: input.value,
                measured_on: input.measured_on,
                note,
                actor,
                created_at: Utc::now(),
            };
            let stored = store::add_check_in(conn, id, &check_in)?;
            Ok((current, check_in_view(stored, criteria)))
        })
        .await?;
    Ok(created(format!("/api/v1/assignments/{id}/check-ins"), current.version, view))
}

/// List an assignment's check-ins
///
/// By date of measurement, each with its progress towards the criterion's target.
#[utoipa::path(security(("oauth2" = ["assignments:read"])), tag = "assignments",
    params(("id" = uuid::Uuid, Path, description = "Assignment id")), responses((status = 200, description = "The assignment's check-ins, by date of measurement.", body = CheckInsView, headers(("ETag" = String)))))]
#[get("/assignments/{id}/check-ins")]
async fn list_check_ins(
    state: web::Data<AppState>,
    principal: Allowed<required::AssignmentsRead>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: AssignmentId = path_id(&id, "assignment")?;
    let (current, need, check_ins) = state
        .db
        .read(move |conn| {
            let current = visible(conn, &principal, id)?;
            let need = needs::get(conn, current.value.need_id)?;
            Ok((current, need, store::check_ins(conn, &[id])?))
        })
        .await?;
    let criteria = &need.value.0.charter.success_criteria;
    let items = check_ins.into_iter().map(|(_, c)| check_in_view(c, criteria)).collect();
    Ok(tagged(current.version, CheckInsView { items }))
}

/// The hand-over to the long-term executive.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"successor_name": "Maria Jansen", "date": "2027-07-01",
    "notes": "Maria shadowed the interim for three weeks; the roadmap and the CX dashboards are handed over."}))]
pub struct HandOverInput {
    /// The successor, when they are a candidate in the service.
    #[serde(default)]
    #[schema(format = Uuid)]
    pub successor_candidate_id: Option<String>,
    /// The successor's name; one of the two is required.
    #[serde(default)]
    #[schema(format = "text", max_length = 200)]
    pub successor_name: Option<String>,
    /// The hand-over date.
    pub date: NaiveDate,
    #[serde(default)]
    #[schema(format = "text", max_length = 4000)]
    pub notes: Option<String>,
}

/// Record the hand-over
///
/// The interim often helps hire the long-term executive: record the successor (a candidate of the service or
/// a name) and the hand-over date. Replaces any hand-over recorded before. `If-Match` is optional.
#[utoipa::path(security(("oauth2" = ["assignments:write"])), tag = "assignments",
    params(("id" = uuid::Uuid, Path, description = "Assignment id"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` the change is made against (optional).")),
    request_body = HandOverInput,
    responses((status = 200, description = "Recorded; the assignment as it is now.", body = AssignmentView, headers(("ETag" = String))),
        (status = 412, response = super::PreconditionFailed)))]
#[put("/assignments/{id}/hand-over")]
async fn set_hand_over(
    state: web::Data<AppState>,
    principal: Allowed<required::AssignmentsWrite>,
    id: web::Path<String>,
    if_match: Option<IfMatch>,
    body: JsonBody<HandOverInput>,
) -> AppResult<HttpResponse> {
    let id: AssignmentId = path_id(&id, "assignment")?;
    let input = body.0;
    let mut v = Validator::new();
    let successor = v.check(
        "successor_candidate_id",
        input.successor_candidate_id.as_deref().map(str::parse::<CandidateId>).transpose(),
    );
    let name = v.check("successor_name", validation::optional_text(input.successor_name.as_deref(), 200));
    let notes = v.check("notes", validation::optional_text(input.notes.as_deref(), MAX_NOTES));
    if input.successor_candidate_id.is_none() && matches!(name, Some(None)) {
        v.fail("successor_name", "required", "name the successor, or give their candidate id");
    }
    let (successor, (name, notes)) = v.finish(successor.zip(name.zip(notes))).map_err(AppError::Validation)?;
    let stored = state
        .db
        .write(move |conn| {
            let current = visible(conn, &principal, id)?;
            if let Some(if_match) = &if_match {
                if_match.check(current.version)?;
            }
            if let Some(successor) = successor {
                if successor == current.value.candidate_id {
                    return Err(AppError::field(
                        "successor_candidate_id",
                        "same_person",
                        "the interim cannot succeed themselves",
                    ));
                }
                // A candidate the caller may not see is answered exactly as one that does not exist.
                let seen = match principal.tenant() {
                    None => candidates::exists(conn, successor)?,
                    Some(org) => !crate::db::pipeline::stages_in_organization(conn, successor, org)?.is_empty(),
                };
                if !seen {
                    return Err(AppError::field(
                        "successor_candidate_id",
                        "unknown_candidate",
                        "no candidate has this id",
                    ));
                }
            }
            let hand_over =
                HandOver { successor_candidate_id: successor, successor_name: name, date: input.date, notes };
            let next = crate::domain::assignment::Assignment { hand_over: Some(hand_over), ..current.value.clone() };
            store::update(conn, &current, &next)
        })
        .await?;
    Ok(tagged(stored.version, AssignmentView::from(stored)))
}
