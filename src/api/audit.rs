//! The audit log: every write and every refused attempt is recorded by
//! [`record`], with actor, organization, action, object and time, but no
//! personal data. Admins read it at `/api/v1/audit-events`; nobody edits it.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::invalid_param;
use super::pagination::{self, PageOf, Paging};
use crate::AppState;
use crate::auth::{Allowed, Principal};
use crate::db::audit::{self as store, AuditEvent, AuditFilter, AuditSort};
use crate::domain::OrganizationId;
use crate::domain::access::required;
use crate::error::AppResult;
use crate::telemetry::RequestId;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_audit_events);
}

/// Records the request in the audit log when it wrote, or tried to, or was refused.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let method = req.method().clone();
    let response = next.call(req).await?;
    let status = response.status().as_u16();
    let request = response.request();
    if !request.path().starts_with("/api/") && !request.path().starts_with("/scim/") {
        return Ok(response);
    }
    let principal = request.extensions().get::<Principal>().cloned();
    let tenant_bound = principal.as_ref().is_some_and(|p| p.tenant().is_some());
    let has_object = request.match_info().iter().next().is_some();
    let outcome = match status {
        401 | 403 | 429 => Outcome::Refused,
        // For an organization member, another organization's object looks missing: still a refusal.
        404 if tenant_bound && has_object => Outcome::Refused,
        500.. => Outcome::Failed,
        400.. => Outcome::Rejected,
        _ => Outcome::Succeeded,
    };
    let writes = !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS);
    if !writes && outcome != Outcome::Refused {
        return Ok(response);
    }
    let Some(state) = request.app_data::<web::Data<AppState>>().cloned() else { return Ok(response) };
    let pattern = request.match_pattern().unwrap_or_else(|| request.path().to_owned());
    let object_type = pattern
        .trim_start_matches("/api/v1/")
        .trim_start_matches("/scim/v2/")
        .split('/')
        .next()
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let object_id = request.match_info().iter().next().map(|(_, v)| v.to_owned()).or_else(|| {
        let location = response.headers().get(actix_web::http::header::LOCATION)?.to_str().ok()?;
        location.rsplit('/').next().map(str::to_owned)
    });
    let event = AuditEvent {
        id: uuid::Uuid::now_v7().to_string(),
        occurred_at: AuditEvent::at_now(),
        actor: principal.as_ref().map_or_else(|| "anonymous".to_owned(), |p| p.subject.clone()),
        actor_kind: principal
            .as_ref()
            .map_or("anonymous", |p| match p.kind {
                crate::auth::tokens::SubjectKind::User => "user",
                crate::auth::tokens::SubjectKind::ApiKey => "api_key",
                crate::auth::tokens::SubjectKind::External => "external",
                crate::auth::tokens::SubjectKind::Provisioning => "provisioning",
                crate::auth::tokens::SubjectKind::ProviderUser => "provider_user",
            })
            .to_owned(),
        role: principal.as_ref().map(|p| p.role.as_str().to_owned()),
        organization_id: principal.as_ref().and_then(|p| p.organization).map(|o| o.to_string()),
        action: format!("{method} {pattern}"),
        object_type,
        object_id,
        outcome: outcome.as_str().to_owned(),
        status: status.into(),
        request_id: request.extensions().get::<RequestId>().map(|r| r.0.clone()),
    };
    if let Err(error) = state.db.write(move |conn| store::append(conn, &event)).await {
        tracing::error!(%error, "recording an audit event");
    }
    Ok(response)
}

/// One recorded attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventView {
    #[schema(format = Uuid)]
    pub id: String,
    pub occurred_at: DateTime<Utc>,
    /// `user:<id>`, `api_key:<id>`, `external:<subject>` or `anonymous`.
    pub actor: String,
    pub actor_kind: String,
    pub role: Option<String>,
    #[schema(format = Uuid)]
    pub organization_id: Option<String>,
    /// Method and route, such as `PATCH /api/v1/needs/{id}`.
    #[schema(example = "PATCH /api/v1/needs/{id}")]
    pub action: String,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    /// `succeeded`, `rejected` (bad input), `refused` (not allowed) or `failed`.
    pub outcome: String,
    pub status: i32,
    pub request_id: Option<String>,
}

impl From<AuditEvent> for AuditEventView {
    fn from(e: AuditEvent) -> Self {
        AuditEventView {
            id: e.id,
            occurred_at: e.occurred_at.and_utc(),
            actor: e.actor,
            actor_kind: e.actor_kind,
            role: e.role,
            organization_id: e.organization_id,
            action: e.action,
            object_type: e.object_type,
            object_id: e.object_id,
            outcome: e.outcome,
            status: e.status,
            request_id: e.request_id,
        }
    }
}

/// How the audited request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Succeeded,
    /// The request was invalid (4xx other than 401/403).
    Rejected,
    /// Authentication or authorization failed.
    Refused,
    /// The service failed (5xx).
    Failed,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Succeeded => "succeeded",
            Outcome::Rejected => "rejected",
            Outcome::Refused => "refused",
            Outcome::Failed => "failed",
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only this actor's events.
    #[param(pattern = "^[^\\u0000-\\u001F\\u007F]*$")]
    actor: Option<String>,
    #[param(format = Uuid)]
    organization_id: Option<String>,
    outcome: Option<Outcome>,
    /// Only events at or after this time (RFC 3339).
    since: Option<DateTime<Utc>>,
    /// `occurred_at` (default) or `-occurred_at` for the newest first.
    #[param(pattern = "^(-?(occurred_at))?$")]
    sort: Option<String>,
    /// Page size, 1 to 200 (default 50; larger values are capped).
    #[param(minimum = 1)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    cursor: Option<String>,
    include_total: Option<bool>,
}

/// List audit events
#[utoipa::path(tag = "audit", params(AuditQuery), security(("oauth2" = ["audit:read"])),
    responses((status = 200, description = "One page of audit events, newest first; `next_cursor` leads to the next.", body = PageOf<AuditEventView>)))]
#[get("/audit-events")]
async fn list_audit_events(
    state: web::Data<AppState>,
    _: Allowed<required::AuditRead>,
    query: web::Query<AuditQuery>,
) -> AppResult<web::Json<PageOf<AuditEventView>>> {
    let q = query.into_inner();
    let filter = AuditFilter {
        actor: q.actor,
        organization_id: q
            .organization_id
            .as_deref()
            .map(str::parse::<OrganizationId>)
            .transpose()
            .map_err(invalid_param("organization_id"))?
            .map(|id| id.to_string()),
        outcome: q.outcome.map(|o| o.as_str().to_owned()),
        since: q.since.map(|t| t.naive_utc()),
    };
    let paging =
        Paging { limit: q.limit, cursor: q.cursor.as_deref(), sort: q.sort.as_deref(), include_total: q.include_total };
    let (filter, request) = pagination::resolve(paging, filter, AuditSort::OccurredAt)?;
    Ok(web::Json(pagination::read_page(&state.db, filter, request, store::list, AuditEventView::from).await?))
}
