//! The change feed: `GET /api/v1/changes`, every create, update and delete of
//! candidates, needs, pipeline entries, assignments and documents in the
//! order they committed, so a sync can follow what happened (deletions
//! included) instead of comparing lists.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::pagination;
use crate::AppState;
use crate::auth::Principal;
use crate::db::changes::{self as store, Change, ChangeFilter, Since};
use crate::domain::access::Permission;
use crate::domain::change::{ChangeAction, ChangedResource};
use crate::error::{AppError, AppResult};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_changes);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangeFeedQuery {
    /// Where to read from: the `next_since` of the previous page; `now` for the newest position without reading
    /// anything (take it before a full sync, then follow the feed from it); absent or empty: from the oldest change kept.
    #[param(pattern = "^(now|[0-9]{1,18})?$", example = "now")]
    since: Option<String>,
    /// Only these kinds of record, comma-separated, such as `candidate,need`.
    #[param(
        pattern = "^((candidate|need|pipeline_entry|assignment|document)(,(candidate|need|pipeline_entry|assignment|document))*)?$"
    )]
    resource: Option<String>,
    /// Page size, 1 to 200 (default 50; larger values are capped).
    #[param(minimum = 1)]
    limit: Option<i64>,
}

/// One change of one record, as its event was announced (webhooks carry the same event, with the same `event_id`).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "seq": "1042", "event_id": "evt_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b", "type": "candidate.deleted",
    "resource": "candidate", "action": "deleted", "resource_id": "0193a1b2-c3d4-7e8f-9a0b-1c2d3e4f5a6b",
    "organization_id": null, "occurred_at": "2026-12-03T09:30:00Z",
    "data": {"id": "0193a1b2-c3d4-7e8f-9a0b-1c2d3e4f5a6b"}
}))]
pub struct ChangeView {
    /// The change's position in the feed (a decimal string: larger is later).
    pub seq: String,
    /// The event's id, as in its webhook delivery: a receiver of both can tell a change it already has.
    pub event_id: String,
    /// The event type, as webhooks name it (`candidate.updated`, `pipeline.entry_moved` …).
    #[serde(rename = "type")]
    pub event_type: String,
    pub resource: ChangedResource,
    pub action: ChangeAction,
    /// The id of the record that changed.
    #[schema(format = Uuid)]
    pub resource_id: String,
    /// The organization the record belongs to; null for candidates and their documents.
    #[schema(format = Uuid)]
    pub organization_id: Option<String>,
    pub occurred_at: DateTime<Utc>,
    /// What the event says: ids, version and status, never personal data (as in webhook payloads).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

impl From<Change> for ChangeView {
    fn from(c: Change) -> Self {
        ChangeView {
            seq: c.seq.to_string(),
            event_id: c.event_id,
            event_type: c.event.as_str().to_owned(),
            resource: c.resource,
            action: c.action,
            resource_id: c.resource_id,
            organization_id: c.organization_id.map(|o| o.to_string()),
            occurred_at: c.occurred_at,
            data: c.data,
        }
    }
}

/// A page of the feed. Unlike a list's `next_cursor`, `next_since` is always there: keep it, and read from it next
/// time, whether or not this page held anything.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangePageView {
    pub items: Vec<ChangeView>,
    /// Pass as `since` to read on from here.
    #[schema(example = "1042")]
    pub next_since: String,
    /// More changes were there already: read again from `next_since` at once.
    pub has_more: bool,
}

/// Follow changes (the change feed)
///
/// Every create, update and delete of candidates, needs, pipeline entries (moves included), assignments and
/// documents, and every merge of a candidate into another (`merged`, naming `data.merged_into`), in the order they
/// committed: the same events webhooks deliver, to be pulled instead. A nightly sync
/// reads from the `next_since` it kept until `has_more` is false, applies each change (a `deleted` one removes the
/// record on its side) and keeps the new `next_since`. A deleted candidate or need takes its pipeline entries (and a
/// candidate its documents) with it: the one `deleted` change of the candidate or need stands for them. An erasure of a candidate's personal data is an `updated`
/// change whose record now holds only placeholders.
///
/// Each caller sees the changes of the records it may read: `candidates:read` for candidates and their documents,
/// `needs:read`, `pipeline:read`, `assignments:read` (also for assignments' documents); an organization member sees
/// only its own organization's needs, pipelines, assignments and their documents. Asking for a `resource` the
/// caller may not read is refused (403).
///
/// Changes are kept for `CHANGES_KEPT_DAYS` (default 35): a `since` older than that, or ahead of the feed (a cursor
/// from another database), is answered 410 (`gone`): sync again from the lists, taking `since=now` first.
#[utoipa::path(security(("oauth2" = [])), tag = "changes", params(ChangeFeedQuery),
    responses(
        (status = 200, description = "The changes after `since`, oldest first, and where to read on.", body = ChangePageView),
        (status = 410, response = super::Gone),
    ))]
#[get("/changes")]
async fn list_changes(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<ChangeFeedQuery>,
) -> AppResult<web::Json<ChangePageView>> {
    let query = query.into_inner();
    let since = match query.since.as_deref() {
        None | Some("") => Since::Oldest,
        Some("now") => Since::Now,
        Some(seq) => Since::After(seq.parse::<u64>().ok().and_then(|s| i64::try_from(s).ok()).ok_or_else(|| {
            AppError::InvalidQuery("`since` must be `now` or the `next_since` of an earlier page.".into())
        })?),
    };
    let resources = match query.resource.as_deref().filter(|r| !r.is_empty()) {
        None => Vec::new(),
        Some(list) => list
            .split(',')
            .map(|r| {
                r.parse::<ChangedResource>()
                    .map_err(|e| AppError::InvalidQuery(format!("`resource`: `{r}` {}.", e.message)))
            })
            .collect::<AppResult<Vec<_>>>()?,
    };
    let filter = visible_to(&principal, resources)?;
    let limit = pagination::page_limit(query.limit)?;
    let page = state.db.read(move |conn| store::read(conn, since, &filter, limit)).await?;
    Ok(web::Json(ChangePageView {
        items: page.items.into_iter().map(ChangeView::from).collect(),
        next_since: page.next.to_string(),
        has_more: page.more,
    }))
}

/// What the caller may see of the feed; asking for a kind of record it may not read is refused.
fn visible_to(principal: &Principal, resources: Vec<ChangedResource>) -> AppResult<ChangeFilter> {
    use crate::domain::change::read_permission;
    let permissions: std::collections::BTreeSet<Permission> = ChangedResource::ALL
        .iter()
        .flat_map(|&r| [read_permission(r, false), read_permission(r, true)])
        .filter(|&p| principal.may(p))
        .collect();
    for &resource in &resources {
        let needed = read_permission(resource, false);
        let alternative = read_permission(resource, true);
        if !principal.may(needed) && !principal.may(alternative) {
            return Err(AppError::Forbidden { scope: needed.scope() });
        }
    }
    if permissions.is_empty() {
        return Err(AppError::Forbidden { scope: Permission::CandidatesRead.scope() });
    }
    Ok(ChangeFilter { resources, permissions: permissions.into_iter().collect(), organization: principal.tenant() })
}
