//! `/api/v1/assignments`: interim assignments, created by placing a
//! candidate from a need's pipeline; their terms, status moves and extensions.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::created;
use super::extract::{JsonBody, MergePatch, invalid_param, merge, path_id};
use super::pagination::{self, PageOf, Paging};
use super::preconditions::{IfMatch, tagged};
use super::views::Money;
use crate::AppState;
use crate::auth::{Allowed, Principal};
use crate::db::DbConnection;
use crate::db::assignments::{self as store, AssignmentFilter, AssignmentSort, Extension, StoredAssignment};
use crate::db::{custom_fields, needs};
use crate::domain::access::required;
use crate::domain::assignment::{self as rules, Assignment, AssignmentStatus, Period};
use crate::domain::custom_field::{self, FieldResource};
use crate::domain::validation::{self, Validator};
use crate::domain::{AssignmentId, CandidateId, NeedId, OrganizationId};
use crate::error::{AppError, AppResult};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_assignments)
        .service(get_assignment)
        .service(update_assignment)
        .service(transition_assignment)
        .service(list_extensions)
        .service(extend_assignment);
}

const MAX_TEXT: usize = 2000;

/// The terms of an assignment that can change (JSON Merge Patch).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"start": "2027-01-15", "planned_end": "2027-07-14", "day_rate": {"amount": 1550, "currency": "EUR"},
    "custom_fields": {"purchase_order": "PO-88120"}}))]
pub struct AssignmentTerms {
    pub start: NaiveDate,
    /// On or after the start.
    pub planned_end: NaiveDate,
    /// The agreed day rate.
    pub day_rate: Money,
    /// The values of the practice's custom fields of assignments, by key (`GET /api/v1/custom-fields?resource=assignment`):
    /// each checked against its field's type (fields of one organization only for its assignments; 422 on
    /// `custom_fields.<key>` otherwise); a required field must be given once the assignment is changed (a
    /// placement creates it without); `null` removes a value.
    #[serde(default)]
    #[schema(value_type = Object, additional_properties = true)]
    pub custom_fields: BTreeMap<String, serde_json::Value>,
}

impl From<&Assignment> for AssignmentTerms {
    fn from(a: &Assignment) -> Self {
        AssignmentTerms {
            start: a.start,
            planned_end: a.planned_end,
            day_rate: Money::from(a.day_rate),
            custom_fields: a.custom_fields.clone(),
        }
    }
}

/// Who takes over when the interim leaves.
#[derive(Debug, Serialize, ToSchema)]
pub struct HandOverView {
    #[schema(format = Uuid)]
    pub successor_candidate_id: Option<String>,
    pub successor_name: Option<String>,
    pub date: NaiveDate,
    pub notes: Option<String>,
}

/// An interim assignment.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5f5-2b3c-7d4e-8f5a-6b7c8d9e0f1a",
    "candidate_id": "0193a5f2-7d2e-7c8b-8d66-2e3f4a5b6c7d",
    "need_id": "0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c",
    "organization_id": "0193a5f2-5b0d-7a69-8b44-0c1d2e3f4a5b",
    "pipeline_entry_id": "0193a5f3-1a2b-7c3d-8e4f-5a6b7c8d9e0f",
    "start": "2027-01-15", "planned_end": "2027-07-15", "actual_end": null,
    "day_rate": {"amount": 1550, "currency": "EUR"},
    "status": "active", "allowed_moves": ["extended", "completed", "terminated"],
    "termination_reason": null, "outcome_rating": null, "evaluation": null, "hand_over": null,
    "custom_fields": {"purchase_order": "PO-88120"},
    "version": 2, "created_at": "2026-12-01T10:00:00Z", "updated_at": "2027-01-15T08:00:00Z"
}))]
pub struct AssignmentView {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub candidate_id: String,
    #[schema(format = Uuid)]
    pub need_id: String,
    #[schema(format = Uuid)]
    pub organization_id: String,
    /// The pipeline entry whose placement created it.
    #[schema(format = Uuid)]
    pub pipeline_entry_id: Option<String>,
    #[serde(flatten)]
    pub terms: AssignmentTerms,
    /// Set when it completed or was terminated.
    pub actual_end: Option<NaiveDate>,
    /// proposed → active → extended → completed, or terminated (early, with a reason).
    pub status: AssignmentStatus,
    /// The statuses it may move to now (`extended` through POST …/extensions).
    pub allowed_moves: Vec<AssignmentStatus>,
    pub termination_reason: Option<String>,
    /// 1 (poor) to 5 (excellent), given at completion.
    pub outcome_rating: Option<i32>,
    pub evaluation: Option<String>,
    pub hand_over: Option<HandOverView>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<StoredAssignment> for AssignmentView {
    fn from(s: StoredAssignment) -> Self {
        let a = s.value;
        AssignmentView {
            id: s.id.to_string(),
            candidate_id: a.candidate_id.to_string(),
            need_id: a.need_id.to_string(),
            organization_id: a.organization_id.to_string(),
            pipeline_entry_id: a.pipeline_entry_id.map(|e| e.to_string()),
            terms: AssignmentTerms::from(&a),
            actual_end: a.actual_end,
            status: a.status,
            allowed_moves: a.status.allowed_moves().to_vec(),
            termination_reason: a.outcome.termination_reason,
            outcome_rating: a.outcome.rating,
            evaluation: a.outcome.evaluation,
            hand_over: a.hand_over.map(|h| HandOverView {
                successor_candidate_id: h.successor_candidate_id.map(|c| c.to_string()),
                successor_name: h.successor_name,
                date: h.date,
                notes: h.notes,
            }),
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// Loads an assignment the caller may see; another organization's answers 404, as a missing one.
pub fn visible(conn: &mut DbConnection, principal: &Principal, id: AssignmentId) -> AppResult<StoredAssignment> {
    let current = store::get(conn, id)?;
    principal.check_sees(Some(current.value.organization_id), "assignment")?;
    Ok(current)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssignmentListQuery {
    status: Option<AssignmentStatus>,
    #[param(format = Uuid)]
    organization_id: Option<String>,
    #[param(format = Uuid)]
    candidate_id: Option<String>,
    #[param(format = Uuid)]
    need_id: Option<String>,
    /// Only assignments planned to end on or before this day.
    ending_before: Option<NaiveDate>,
    /// Only assignments planned to end on or after this day.
    ending_after: Option<NaiveDate>,
    /// Only assignments with this value of a custom field, as `key:value` (a multi-choice field: one of its
    /// options).
    #[param(format = "custom-field-filter")]
    custom_field: Option<String>,
    /// `created_at` (default) or `planned_end`; prefix `-` for descending.
    #[param(pattern = "^(-?(created_at|planned_end))?$")]
    sort: Option<String>,
    /// Page size, 1 to 200 (default 50; larger values are capped).
    #[param(minimum = 1)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page; it keeps that list's filters and sort.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    cursor: Option<String>,
    /// Also count every matching assignment.
    include_total: Option<bool>,
}

/// List assignments
#[utoipa::path(security(("oauth2" = ["assignments:read"])), tag = "assignments", params(AssignmentListQuery),
    responses((status = 200, description = "One page of assignments; `next_cursor` leads to the next.", body = PageOf<AssignmentView>)))]
#[get("/assignments")]
async fn list_assignments(
    state: web::Data<AppState>,
    principal: Allowed<required::AssignmentsRead>,
    query: web::Query<AssignmentListQuery>,
) -> AppResult<web::Json<PageOf<AssignmentView>>> {
    let q = query.into_inner();
    let filter = AssignmentFilter {
        status: q.status,
        organization_id: q
            .organization_id
            .as_deref()
            .map(str::parse::<OrganizationId>)
            .transpose()
            .map_err(invalid_param("organization_id"))?,
        candidate_id: q
            .candidate_id
            .as_deref()
            .map(str::parse::<CandidateId>)
            .transpose()
            .map_err(invalid_param("candidate_id"))?,
        need_id: q.need_id.as_deref().map(str::parse::<NeedId>).transpose().map_err(invalid_param("need_id"))?,
        ending_before: q.ending_before,
        ending_after: q.ending_after,
        custom_field: q
            .custom_field
            .as_deref()
            .map(custom_field::filter)
            .transpose()
            .map_err(invalid_param("custom_field"))?,
    };
    let paging =
        Paging { limit: q.limit, cursor: q.cursor.as_deref(), sort: q.sort.as_deref(), include_total: q.include_total };
    let (mut filter, request) = pagination::resolve(paging, filter, AssignmentSort::CreatedAt)?;
    // Applied after the cursor is read, so no cursor can widen it.
    if let Some(tenant) = principal.tenant() {
        filter.organization_id = Some(tenant);
    }
    Ok(web::Json(pagination::read_page(&state.db, filter, request, store::list, AssignmentView::from).await?))
}

/// Get an assignment
#[utoipa::path(security(("oauth2" = ["assignments:read"])), tag = "assignments",
    params(("id" = uuid::Uuid, Path, description = "Assignment id")), responses((status = 200, description = "The assignment; `ETag` is its version.", body = AssignmentView, headers(("ETag" = String)))))]
#[get("/assignments/{id}")]
async fn get_assignment(
    state: web::Data<AppState>,
    principal: Allowed<required::AssignmentsRead>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: AssignmentId = path_id(&id, "assignment")?;
    let stored = state.db.read(move |conn| visible(conn, &principal, id)).await?;
    Ok(tagged(stored.version, AssignmentView::from(stored)))
}

/// Change an assignment's terms
///
/// A JSON Merge Patch of the start, planned end and agreed day rate, while the assignment is proposed, active
/// or extended (409 after it ended). New dates must not overlap another assignment of the candidate (409).
/// The status moves through POST …/transitions and …/extensions.
#[utoipa::path(security(("oauth2" = ["assignments:write"])), tag = "assignments",
    params(("id" = uuid::Uuid, Path, description = "Assignment id")),
    request_body(content = AssignmentTerms, content_type = "application/merge-patch+json",
        example = json!({"day_rate": {"amount": 1600, "currency": "EUR"}})),
    responses((status = 200, description = "The assignment as changed; `ETag` is its new version.", body = AssignmentView, headers(("ETag" = String))), (status = 409, response = super::Conflict)))]
#[patch("/assignments/{id}")]
async fn update_assignment(
    state: web::Data<AppState>,
    principal: Allowed<required::AssignmentsWrite>,
    id: web::Path<String>,
    if_match: IfMatch,
    patch: MergePatch,
) -> AppResult<HttpResponse> {
    let id: AssignmentId = path_id(&id, "assignment")?;
    let stored = state
        .db
        .write(move |conn| {
            let current = visible(conn, &principal, id)?;
            let a = &current.value;
            let next: AssignmentTerms = merge(&AssignmentTerms::from(a), &patch.0)?;
            let mut v = Validator::new();
            let period = v.check("planned_end", Period::new(next.start, next.planned_end));
            let rate = next.day_rate.parse(&mut v, "day_rate");
            let (period, rate) = v.finish(period.zip(rate)).map_err(AppError::Validation)?;
            let org = Some(a.organization_id);
            let values =
                custom_fields::checked(conn, FieldResource::Assignment, org, &next.custom_fields, &a.custom_fields)?;
            // An invalid body is refused (422) whatever version it names.
            if_match.check(current.version)?;
            if !a.status.holds_candidate() {
                return Err(AppError::Conflict(format!(
                    "The assignment is `{}`: its terms no longer change.",
                    a.status
                )));
            }
            let changed = Assignment {
                start: period.start,
                planned_end: period.end,
                day_rate: rate,
                custom_fields: values,
                ..a.clone()
            };
            store::update(conn, &current, &changed)
        })
        .await?;
    Ok(tagged(stored.version, AssignmentView::from(stored)))
}

/// Moves an assignment to another status.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"to": "completed", "date": "2027-07-15", "outcome_rating": 5,
    "evaluation": "NPS from -12 to +18; the permanent CXO starts in August."}))]
pub struct TransitionInput {
    /// `active`, `completed` or `terminated` (extensions go through POST …/extensions).
    pub to: AssignmentStatus,
    /// The last day, for `completed` and `terminated` (default: today).
    #[serde(default)]
    pub date: Option<NaiveDate>,
    /// Required for `terminated`: why it ended early.
    #[serde(default)]
    #[schema(format = "text", max_length = 2000)]
    pub reason: Option<String>,
    /// Required for `completed`: 1 (poor) to 5 (excellent).
    #[serde(default)]
    pub outcome_rating: Option<i64>,
    /// For `completed` or `terminated`: a short evaluation.
    #[serde(default)]
    #[schema(format = "text", max_length = 2000)]
    pub evaluation: Option<String>,
}

impl TransitionInput {
    /// Applies the move to `current`, checking what each status needs.
    fn apply(&self, current: &Assignment) -> AppResult<Assignment> {
        use AssignmentStatus::*;
        if self.to == Extended {
            return Err(AppError::field(
                "to",
                "use_extensions",
                "extend an assignment with POST /api/v1/assignments/{id}/extensions",
            ));
        }
        let mut v = Validator::new();
        if !current.status.can_move_to(self.to) {
            let allowed: Vec<&'static str> = current
                .status
                .allowed_moves()
                .iter()
                .filter(|s| **s != Extended)
                .map(AssignmentStatus::as_str)
                .collect();
            return Err(AppError::RefusedMove {
                detail: format!(
                    "An assignment cannot move from `{}` to `{}`; allowed: {}.",
                    current.status,
                    self.to,
                    if allowed.is_empty() { "none (it has ended)".to_owned() } else { allowed.join(", ") }
                ),
                allowed,
            });
        }
        let ends = matches!(self.to, Completed | Terminated);
        let reason = v.check("reason", validation::optional_text(self.reason.as_deref(), MAX_TEXT));
        let evaluation = v.check("evaluation", validation::optional_text(self.evaluation.as_deref(), MAX_TEXT));
        let rating = v.check("outcome_rating", self.outcome_rating.map(rules::outcome_rating).transpose());
        match self.to {
            Terminated if matches!(reason, Some(None)) => {
                v.fail("reason", "required", "say why the assignment ends early")
            }
            Completed if matches!(rating, Some(None)) => {
                v.fail("outcome_rating", "required", "rate the outcome, 1 (poor) to 5 (excellent)")
            }
            _ => {}
        }
        if self.to != Terminated && self.reason.is_some() {
            v.fail("reason", "not_applicable", "a reason is only given when terminating");
        }
        if self.to != Completed && self.outcome_rating.is_some() {
            v.fail("outcome_rating", "not_applicable", "a rating is only given at completion");
        }
        if !ends && (self.evaluation.is_some() || self.date.is_some()) {
            let field = if self.date.is_some() { "date" } else { "evaluation" };
            v.fail(field, "not_applicable", "only given when the assignment ends");
        }
        let (reason, evaluation, rating) =
            v.finish(reason.zip(evaluation).zip(rating).map(|((r, e), g)| (r, e, g))).map_err(AppError::Validation)?;
        let mut next = current.clone();
        next.status = self.to;
        if ends {
            let last = self.date.unwrap_or_else(|| Utc::now().date_naive());
            next.actual_end = Some(last);
            next.outcome.evaluation = evaluation;
            next.outcome.termination_reason = reason;
            next.outcome.rating = rating;
        }
        Ok(next)
    }
}

/// Move an assignment to another status
///
/// proposed → active | terminated; active or extended → completed | terminated. Terminating needs a `reason`,
/// completing an `outcome_rating` (1-5); both take the last `date` (default today) and an `evaluation`. A move
/// outside the life cycle answers 409 with `allowed_moves`. The need follows: `filled` when its assignment
/// becomes active, open again when it is terminated. `If-Match` is optional.
#[utoipa::path(security(("oauth2" = ["assignments:write"])), tag = "assignments",
    params(("id" = uuid::Uuid, Path, description = "Assignment id"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` the move is made against (optional).")),
    request_body = TransitionInput,
    responses((status = 200, description = "Moved; the assignment as it is now.", body = AssignmentView, headers(("ETag" = String))),
        (status = 409, description = "The move is outside the life cycle (`allowed_moves` names the moves there are).",
            content_type = "application/problem+json", body = crate::error::Problem,
            example = json!({"type": "urn:interim-tracker:problem:conflict", "title": "The request conflicts with the current state",
                "status": 409, "detail": "An assignment cannot move from `completed` to `active`; allowed: none (it has ended).",
                "allowed_moves": []})),
        (status = 412, response = super::PreconditionFailed)))]
#[post("/assignments/{id}/transitions")]
async fn transition_assignment(
    state: web::Data<AppState>,
    principal: Allowed<required::AssignmentsWrite>,
    id: web::Path<String>,
    if_match: Option<IfMatch>,
    body: JsonBody<TransitionInput>,
) -> AppResult<HttpResponse> {
    let id: AssignmentId = path_id(&id, "assignment")?;
    let input = body.0;
    let stored = state
        .db
        .write(move |conn| {
            let current = visible(conn, &principal, id)?;
            if let Some(if_match) = &if_match {
                if_match.check(current.version)?;
            }
            let next = input.apply(&current.value)?;
            let stored = store::update(conn, &current, &next)?;
            let need = needs::get(conn, next.need_id)?;
            store::follow_need(conn, &need, next.status)?;
            Ok(stored)
        })
        .await?;
    Ok(tagged(stored.version, AssignmentView::from(stored)))
}

/// Extends an assignment.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"new_end": "2027-10-15", "reason": "The permanent CXO starts in October.", "agreed_by": "Jane Doe, CEO"}))]
pub struct ExtensionInput {
    /// After the current planned end.
    pub new_end: NaiveDate,
    #[schema(format = "text", min_length = 1, max_length = 2000)]
    pub reason: String,
    /// Who agreed to it on the organization's side.
    #[schema(format = "text", min_length = 1, max_length = 200)]
    pub agreed_by: String,
}

/// An extension of an assignment.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExtensionView {
    pub previous_end: NaiveDate,
    pub new_end: NaiveDate,
    pub reason: String,
    pub agreed_by: String,
    /// Who recorded it (`user:<id>`, `api_key:<id>`).
    pub actor: String,
    pub created_at: DateTime<Utc>,
}

/// The extensions of an assignment, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExtensionsView {
    pub items: Vec<ExtensionView>,
}

/// Extend an assignment
///
/// Moves the planned end later and the status to `extended`, while active or extended (409 otherwise, naming
/// the allowed moves). The new period must not overlap another assignment of the candidate (409).
#[utoipa::path(security(("oauth2" = ["assignments:write"])), tag = "assignments",
    params(("id" = uuid::Uuid, Path, description = "Assignment id")), request_body = ExtensionInput,
    responses((status = 201, description = "Extended; the assignment as it is now.", body = AssignmentView,
        headers(("ETag" = String), ("Location" = String, description = "URL of the assignment's extensions")))))]
#[post("/assignments/{id}/extensions")]
async fn extend_assignment(
    state: web::Data<AppState>,
    principal: Allowed<required::AssignmentsWrite>,
    id: web::Path<String>,
    body: JsonBody<ExtensionInput>,
) -> AppResult<HttpResponse> {
    let id: AssignmentId = path_id(&id, "assignment")?;
    let input = body.0;
    let mut v = Validator::new();
    let reason = v.check("reason", validation::text(&input.reason, 1, MAX_TEXT));
    let agreed_by = v.check("agreed_by", validation::text(&input.agreed_by, 1, 200));
    let (reason, agreed_by) = v.finish(reason.zip(agreed_by)).map_err(AppError::Validation)?;
    let actor = principal.subject.clone();
    let stored = state
        .db
        .write(move |conn| {
            let current = visible(conn, &principal, id)?;
            let a = &current.value;
            if !a.status.can_move_to(AssignmentStatus::Extended) {
                let allowed: Vec<&'static str> =
                    a.status.allowed_moves().iter().map(AssignmentStatus::as_str).collect();
                return Err(AppError::RefusedMove {
                    detail: format!(
                        "An assignment that is `{}` cannot be extended; allowed: {}.",
                        a.status,
                        if allowed.is_empty() { "none (it has ended)".to_owned() } else { allowed.join(", ") }
                    ),
                    allowed,
                });
            }
            if input.new_end <= a.planned_end {
                return Err(AppError::field(
                    "new_end",
                    "not_later",
                    format!("must be after the current planned end, {}", a.planned_end),
                ));
            }
            let extension = Extension {
                previous_end: a.planned_end,
                new_end: input.new_end,
                reason,
                agreed_by,
                actor,
                at: Utc::now(),
            };
            store::extend(conn, &current, &extension)
        })
        .await?;
    Ok(created(format!("/api/v1/assignments/{id}/extensions"), stored.version, AssignmentView::from(stored)))
}

/// List an assignment's extensions
#[utoipa::path(security(("oauth2" = ["assignments:read"])), tag = "assignments",
    params(("id" = uuid::Uuid, Path, description = "Assignment id")), responses((status = 200, description = "The assignment's extensions, oldest first.", body = ExtensionsView, headers(("ETag" = String)))))]
#[get("/assignments/{id}/extensions")]
async fn list_extensions(
    state: web::Data<AppState>,
    principal: Allowed<required::AssignmentsRead>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: AssignmentId = path_id(&id, "assignment")?;
    let (current, extensions) = state
        .db
        .read(move |conn| {
            let current = visible(conn, &principal, id)?;
            Ok((current, store::extensions(conn, id)?))
        })
        .await?;
    let items = extensions
        .into_iter()
        .map(|e| ExtensionView {
            previous_end: e.previous_end,
            new_end: e.new_end,
            reason: e.reason,
            agreed_by: e.agreed_by,
            actor: e.actor,
            created_at: e.at,
        })
        .collect();
    Ok(tagged(current.version, ExtensionsView { items }))
}
