//! `/api/v1/pipeline-reasons`: the practice's list of reasons a candidacy
//! ends without a placement. Rejecting or withdrawing a pipeline entry names
//! one; the reports count them.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::created;
use super::extract::{JsonBody, MergePatch, merge};
use super::preconditions::{IfMatch, tagged};
use crate::AppState;
use crate::auth::Allowed;
use crate::db::pipeline_reasons::{self as store, StoredReason};
use crate::domain::access::required;
use crate::domain::pipeline::{self as rules, PipelineReason, Stage};
use crate::domain::validation::{self, Validator};
use crate::error::{AppError, AppResult};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_reasons).service(create_reason).service(get_reason).service(update_reason).service(delete_reason);
}

/// A reason's writable fields; `code` is set when the reason is added and never changes.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "relocation_refused", "label": "Relocation refused",
    "description": "The candidate would not relocate for the assignment.", "for_rejection": false, "for_withdrawal": true}))]
pub struct ReasonInput {
    /// The code moves name: 1 to 48 lowercase letters, digits and `_`, starting with a letter.
    #[schema(pattern = "^[a-z][a-z0-9_]{0,47}$")]
    pub code: String,
    /// 1 to 100 characters.
    #[schema(format = "text", min_length = 1, max_length = 100)]
    pub label: String,
    #[serde(default)]
    #[schema(format = "text", max_length = 500)]
    pub description: Option<String>,
    /// Whether a rejection may name it (default true).
    #[serde(default = "yes")]
    pub for_rejection: bool,
    /// Whether a withdrawal may name it (default false). At least one of the two is true.
    #[serde(default)]
    pub for_withdrawal: bool,
    /// False retires the reason: it stays in the history and the reports, no new move names it (default true).
    #[serde(default = "yes")]
    pub active: bool,
    /// Where the list shows it, ascending (default 1000: last).
    #[serde(default = "last")]
    #[schema(minimum = 0, maximum = 100000)]
    pub position: i32,
}

fn yes() -> bool {
    true
}

fn last() -> i32 {
    1000
}

impl ReasonInput {
    fn parse(&self) -> AppResult<PipelineReason> {
        let mut v = Validator::new();
        let code = v.check("code", rules::reason_code(&self.code));
        let label = v.check("label", validation::text(&self.label, 1, 100));
        let description = v.check("description", validation::optional_text(self.description.as_deref(), 500));
        if !(0..=100_000).contains(&self.position) {
            v.fail("position", "out_of_range", "must be between 0 and 100000");
        }
        let reason = (|| {
            Some(PipelineReason {
                code: code?,
                label: label?,
                description: description?,
                for_rejection: self.for_rejection,
                for_withdrawal: self.for_withdrawal,
                active: self.active,
                position: self.position,
            })
        })();
        if let Some(r) = &reason {
            v.check("for_withdrawal", r.check());
        }
        v.finish(reason).map_err(AppError::Validation)
    }
}

impl From<&PipelineReason> for ReasonInput {
    fn from(r: &PipelineReason) -> Self {
        ReasonInput {
            code: r.code.clone(),
            label: r.label.clone(),
            description: r.description.clone(),
            for_rejection: r.for_rejection,
            for_withdrawal: r.for_withdrawal,
            active: r.active,
            position: r.position,
        }
    }
}

/// A reason of the practice's list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReasonView {
    #[serde(flatten)]
    pub fields: ReasonInput,
    /// Grows by one with every change.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<StoredReason> for ReasonView {
    fn from(s: StoredReason) -> Self {
        ReasonView {
            fields: ReasonInput::from(&s.value),
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// The whole list (it holds at most 200 reasons).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [
    {"code": "skills_gap", "label": "Skills gap", "description": "Skills or experience do not cover the need.",
     "for_rejection": true, "for_withdrawal": false, "active": true, "position": 10, "version": 1,
     "created_at": "2026-12-07T09:00:00Z", "updated_at": "2026-12-07T09:00:00Z"},
    {"code": "accepted_other_offer", "label": "Accepted another offer", "description": "The candidate took another assignment or position.",
     "for_rejection": false, "for_withdrawal": true, "active": true, "position": 70, "version": 1,
     "created_at": "2026-12-07T09:00:00Z", "updated_at": "2026-12-07T09:00:00Z"}]}))]
pub struct ReasonList {
    /// By `position`, then `code`.
    pub items: Vec<ReasonView>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReasonListQuery {
    /// Only the reasons a move to this stage may name: `rejected` or `withdrawn`.
    #[param(inline, pattern = "^(rejected|withdrawn)$")]
    stage: Option<String>,
    /// Also list retired reasons (default false).
    include_retired: Option<bool>,
}

/// Reads a reason's code from the path; a code that cannot exist answers 404.
fn path_code(raw: &str) -> AppResult<String> {
    rules::reason_code(raw).map_err(|_| AppError::NotFound("pipeline reason"))
}

/// List the reasons a candidacy ends for
///
/// The practice's list of reasons a rejection or a withdrawal names, in the order it is shown. The service
/// starts with a list (skills gap, rate too high, not available, culture fit, client declined, position filled,
/// accepted another offer, terms not agreed, personal circumstances, other) that admins change.
#[utoipa::path(security(("oauth2" = ["pipeline:read"])), tag = "pipeline", params(ReasonListQuery),
    responses((status = 200, description = "The list of reasons.", body = ReasonList)))]
#[get("/pipeline-reasons")]
async fn list_reasons(
    state: web::Data<AppState>,
    _: Allowed<required::PipelineRead>,
    query: web::Query<ReasonListQuery>,
) -> AppResult<web::Json<ReasonList>> {
    let stage = match query.stage.as_deref() {
        None => None,
        Some("rejected") => Some(Stage::Rejected),
        Some("withdrawn") => Some(Stage::Withdrawn),
        Some(_) => return Err(AppError::InvalidQuery("`stage` is `rejected` or `withdrawn`.".into())),
    };
    let retired = query.include_retired.unwrap_or(false);
    let all = state.db.read(store::all).await?;
    let items = all
        .into_iter()
        .filter(|r| retired || r.value.active)
        .filter(|r| stage.is_none_or(|s| r.value.applies_to(s)))
        .map(ReasonView::from)
        .collect();
    Ok(web::Json(ReasonList { items }))
}

/// Add a reason
///
/// A new code (409 if the list has it already); the list holds at most 200 reasons.
#[utoipa::path(security(("oauth2" = ["settings:manage"])), tag = "pipeline", request_body = ReasonInput,
    responses((status = 201, description = "Added; `Location` names the reason.", body = ReasonView,
        headers(("ETag" = String), ("Location" = String, description = "URL of the new reason"))),
        (status = 409, response = super::Conflict)))]
#[post("/pipeline-reasons")]
async fn create_reason(
    state: web::Data<AppState>,
    _: Allowed<required::SettingsManage>,
    body: JsonBody<ReasonInput>,
) -> AppResult<HttpResponse> {
    let reason = body.0.parse()?;
    let stored = state.db.write(move |conn| store::insert(conn, &reason)).await?;
    Ok(created(format!("/api/v1/pipeline-reasons/{}", stored.id), stored.version, ReasonView::from(stored)))
}

/// Get a reason
#[utoipa::path(security(("oauth2" = ["pipeline:read"])), tag = "pipeline",
    params(("code" = String, Path, description = "The reason's code", pattern = "^[a-z][a-z0-9_]{0,47}$")),
    responses((status = 200, description = "The reason; `ETag` is its version.", body = ReasonView, headers(("ETag" = String)))))]
#[get("/pipeline-reasons/{code}")]
async fn get_reason(
    state: web::Data<AppState>,
    _: Allowed<required::PipelineRead>,
    code: web::Path<String>,
) -> AppResult<HttpResponse> {
    let code = path_code(&code)?;
    let stored = state.db.lookup(move |conn| store::get(conn, &code)).await?;
    Ok(tagged(stored.version, ReasonView::from(stored)))
}

/// Change or retire a reason
///
/// A JSON Merge Patch (RFC 7396) of the label, description, the moves it is for, `active` and `position`;
/// `code` cannot change (422). `active: false` retires it: moves already made keep it, new ones cannot name it.
#[utoipa::path(security(("oauth2" = ["settings:manage"])), tag = "pipeline",
    params(("code" = String, Path, description = "The reason's code", pattern = "^[a-z][a-z0-9_]{0,47}$")),
    request_body(content = ReasonInput, content_type = "application/merge-patch+json", example = json!({"active": false})),
    responses((status = 200, description = "The reason as changed; `ETag` is its new version.", body = ReasonView, headers(("ETag" = String)))))]
#[patch("/pipeline-reasons/{code}")]
async fn update_reason(
    state: web::Data<AppState>,
    _: Allowed<required::SettingsManage>,
    code: web::Path<String>,
    if_match: IfMatch,
    patch: MergePatch,
) -> AppResult<HttpResponse> {
    let code = path_code(&code)?;
    let stored = state
        .db
        .write(move |conn| {
            let current = store::get(conn, &code)?;
            let next = merge(&ReasonInput::from(&current.value), &patch.0)?.parse()?;
            if next.code != current.id {
                return Err(AppError::field("code", "immutable", "a reason's code never changes: add a new reason"));
            }
            if_match.check(current.version)?;
            store::update(conn, &current, &next)
        })
        .await?;
    Ok(tagged(stored.version, ReasonView::from(stored)))
}

/// Delete a reason
///
/// Only a reason no move has named (a typo, say); one in the history answers 409: retire it instead.
#[utoipa::path(security(("oauth2" = ["settings:manage"])), tag = "pipeline",
    params(("code" = String, Path, description = "The reason's code", pattern = "^[a-z][a-z0-9_]{0,47}$")),
    responses((status = 204, description = "Deleted."), (status = 409, response = super::Conflict)))]
#[delete("/pipeline-reasons/{code}")]
async fn delete_reason(
    state: web::Data<AppState>,
    _: Allowed<required::SettingsManage>,
    code: web::Path<String>,
    if_match: IfMatch,
) -> AppResult<HttpResponse> {
    let code = path_code(&code)?;
    state
        .db
        .write(move |conn| {
            let current = store::get(conn, &code)?;
            if_match.check(current.version)?;
            store::delete(conn, &current)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
