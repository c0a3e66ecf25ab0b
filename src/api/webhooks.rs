//! `/api/v1/webhooks`: subscriptions to events, their signing secrets and
//! their delivery logs. The practice's staff manage them (`webhooks:manage`).

use std::collections::BTreeSet;

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::created;
use super::extract::{JsonBody, MergePatch, merge, path_id};
use super::pagination::{self, PageOf, Paging};
use super::preconditions::{IfMatch, tagged};
use crate::AppState;
use crate::auth::Allowed;
use crate::db::webhooks::{self as store, Delivery, DeliveryFilter, DeliverySort, StoredSubscription};
use crate::domain::WebhookId;
use crate::domain::access::required;
use crate::domain::validation::{self, Validator};
use crate::domain::webhook::{self as rules, DeliveryStatus, EventType, Subscription};
use crate::error::{AppError, AppResult};
use crate::webhooks::signature;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_webhooks)
        .service(create_webhook)
        .service(get_webhook)
        .service(update_webhook)
        .service(delete_webhook)
        .service(rotate_secret)
        .service(list_deliveries)
        .service(get_delivery)
        .service(redeliver);
}

/// The writable fields of a webhook subscription.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://hr.example.com/hooks/interim-tracker", "events": ["need.created", "pipeline.entry_moved", "assignment.updated"], "description": "HR system"}))]
pub struct WebhookInput {
    /// Where events are posted: an absolute `https://` (or `http://`) URL with a path, without credentials. Deliveries
    /// only go to public addresses (checked on every connection, redirects included).
    #[schema(
        max_length = 2000,
        example = "https://hr.example.com/hooks/interim-tracker",
        pattern = r"^https?://([A-Za-z0-9-]+\.)*[A-Za-z][A-Za-z0-9-]*(:[0-9]{1,4})?/[-!$%&()*+,./0-9:;=?@A-Z\[\]\\_a-z|~]*$"
    )]
    pub url: String,
    /// The events to receive, at least one.
    #[schema(min_items = 1)]
    pub events: Vec<EventType>,
    /// Up to 200 characters.
    #[serde(default)]
    #[schema(format = "text", max_length = 200)]
    pub description: Option<String>,
    /// Receive only this organization's need, pipeline and assignment events (no candidate events);
    /// every event when absent.
    #[serde(default)]
    #[schema(format = Uuid)]
    pub organization_id: Option<String>,
    /// A paused subscription gets no new deliveries. Default `true`.
    #[serde(default = "active_by_default")]
    pub active: bool,
}

fn active_by_default() -> bool {
    true
}

impl WebhookInput {
    /// Validates the input; an address literal the deliveries could never reach is refused now
    /// (host names are checked when they are resolved, at every delivery).
    fn parse_for(&self, state: &AppState) -> AppResult<Subscription> {
        let subscription = self.parse()?;
        let url: url::Url =
            subscription.url.parse().map_err(|_| AppError::field("url", "invalid_url", "is not a URL"))?;
        state
            .webhooks
            .addresses()
            .check_url(&url)
            .map_err(|reason| AppError::field("url", "forbidden_address", reason))?;
        Ok(subscription)
    }

    fn parse(&self) -> AppResult<Subscription> {
        let mut v = Validator::new();
        let url = v.check("url", rules::check_url(&self.url));
        let description = v.check("description", validation::optional_text(self.description.as_deref(), 200));
        let organization_id = v.check("organization_id", self.organization_id.as_deref().map(str::parse).transpose());
        if self.events.is_empty() {
            v.fail("events", "required", "name at least one event");
        }
        let events: BTreeSet<EventType> = self.events.iter().copied().collect();
        let subscription = (|| {
            Some(Subscription {
                url: url?,
                description: description?,
                events,
                organization_id: organization_id?,
                active: self.active,
            })
        })();
        v.finish(subscription).map_err(AppError::Validation)
    }
}

impl From<&Subscription> for WebhookInput {
    fn from(s: &Subscription) -> Self {
        WebhookInput {
            url: s.url.clone(),
            events: s.events.iter().copied().collect(),
            description: s.description.clone(),
            organization_id: s.organization_id.map(|o| o.to_string()),
            active: s.active,
        }
    }
}

/// A webhook subscription (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookView {
    #[schema(format = Uuid)]
    pub id: String,
    #[serde(flatten)]
    pub fields: WebhookInput,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<StoredSubscription> for WebhookView {
    fn from(s: StoredSubscription) -> Self {
        WebhookView {
            id: s.id.to_string(),
            fields: WebhookInput::from(&s.value),
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// A subscription with its signing secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub webhook: WebhookView,
    /// Verifies deliveries (Standard Webhooks): `webhook-signature` holds `v1,` and the base64
    /// HMAC-SHA256, keyed with the base64-decoded part after `whsec_`, of
    /// `{webhook-id}.{webhook-timestamp}.{body}`. Refuse deliveries whose timestamp is more than
    /// five minutes off, and deduplicate on `webhook-id`. It cannot be shown again.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwYWJjZGVmZ2g=")]
    pub secret: String,
    /// Until when the previous secret also signs deliveries (after a rotation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_secret_valid_until: Option<DateTime<Utc>>,
}

/// List webhook subscriptions
#[utoipa::path(tag = "webhooks", security(("oauth2" = ["webhooks:manage"])), responses((status = 200, description = "Every webhook subscription.", body = Vec<WebhookView>)))]
#[get("/webhooks")]
async fn list_webhooks(
    state: web::Data<AppState>,
    _: Allowed<required::WebhooksManage>,
) -> AppResult<web::Json<Vec<WebhookView>>> {
    let subscriptions = state.db.read(|conn| store::list(conn, None)).await?;
    Ok(web::Json(subscriptions.into_iter().map(WebhookView::from).collect()))
}

/// Subscribe to events
///
/// Events of the chosen types are posted to `url` as JSON with the headers `webhook-id` (the event id,
/// the same on every retry: deduplicate on it), `webhook-timestamp` (Unix seconds) and
/// `webhook-signature` (see `secret`). Events are thin: they name the record, its version and
/// organization, never personal data; read the record through the API. Any 2xx answer within the
/// timeout acknowledges a delivery; anything else is retried with exponential back-off for 24 hours.
/// The answer holds the secret, once.
#[utoipa::path(tag = "webhooks", security(("oauth2" = ["webhooks:manage"])), request_body = WebhookInput,
    responses((status = 201, description = "Created; `Location` names the new subscription. The signing secret is shown this once.", body = WebhookWithSecret, headers(("ETag" = String), ("Location" = String, description = "URL of the new subscription")))))]
#[post("/webhooks")]
async fn create_webhook(
    state: web::Data<AppState>,
    principal: Allowed<required::WebhooksManage>,
    body: JsonBody<WebhookInput>,
) -> AppResult<HttpResponse> {
    let subscription = body.0.parse_for(&state)?;
    let secret = signature::generate_secret();
    let shown = secret.clone();
    let created_by = principal.subject.clone();
    let stored = state.db.write(move |conn| store::insert(conn, &subscription, secret, &created_by)).await?;
    let (location, version) = (format!("/api/v1/webhooks/{}", stored.id), stored.version);
    let body = WebhookWithSecret { webhook: stored.into(), secret: shown, previous_secret_valid_until: None };
    Ok(created(location, version, body))
}

/// Get a webhook subscription
#[utoipa::path(tag = "webhooks", security(("oauth2" = ["webhooks:manage"])), params(("id" = uuid::Uuid, Path, description = "Subscription id")),
    responses((status = 200, description = "The subscription; `ETag` is its version.", body = WebhookView, headers(("ETag" = String)))))]
#[get("/webhooks/{id}")]
async fn get_webhook(
    state: web::Data<AppState>,
    _: Allowed<required::WebhooksManage>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: WebhookId = path_id(&id, "webhook subscription")?;
    let (stored, _) = state.db.lookup(move |conn| store::get(conn, id)).await?;
    Ok(tagged(stored.version, WebhookView::from(stored)))
}

/// Update a webhook subscription
///
/// A JSON Merge Patch (RFC 7396). Set `active` to `false` to pause deliveries.
#[utoipa::path(tag = "webhooks", security(("oauth2" = ["webhooks:manage"])), params(("id" = uuid::Uuid, Path, description = "Subscription id")),
    request_body(content = WebhookInput, content_type = "application/merge-patch+json", example = json!({"active": false})),
    responses((status = 200, description = "The subscription as changed; `ETag` is its new version.", body = WebhookView, headers(("ETag" = String)))))]
#[patch("/webhooks/{id}")]
async fn update_webhook(
    state: web::Data<AppState>,
    _: Allowed<required::WebhooksManage>,
    id: web::Path<String>,
    if_match: IfMatch,
    patch: MergePatch,
) -> AppResult<HttpResponse> {
    let id: WebhookId = path_id(&id, "webhook subscription")?;
    let checker = state.clone();
    let stored = state
        .db
        .write(move |conn| {
            let (current, _) = store::get(conn, id)?;
            let next = merge(&WebhookInput::from(&current.value), &patch.0)?.parse_for(&checker)?;
            if_match.check(current.version)?;
            store::update(conn, &current, &next)
        })
        .await?;
    Ok(tagged(stored.version, WebhookView::from(stored)))
}

/// Delete a webhook subscription
///
/// Its pending deliveries and its delivery log go with it.
#[utoipa::path(tag = "webhooks", security(("oauth2" = ["webhooks:manage"])), params(("id" = uuid::Uuid, Path, description = "Subscription id")),
    responses((status = 204, description = "Deleted.")))]
#[delete("/webhooks/{id}")]
async fn delete_webhook(
    state: web::Data<AppState>,
    _: Allowed<required::WebhooksManage>,
    id: web::Path<String>,
    if_match: IfMatch,
) -> AppResult<HttpResponse> {
    let id: WebhookId = path_id(&id, "webhook subscription")?;
    state
        .db
        .write(move |conn| {
            if_match.check(store::get(conn, id)?.0.version)?;
            store::delete(conn, id)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A secret rotation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"previous_secret_valid_for_secs": 86400}))]
pub struct RotateSecret {
    /// How long the current secret keeps signing deliveries next to the new one, in seconds
    /// (0 to 604800; default 86400), so receivers can switch without losing a delivery.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 604_800)]
    pub previous_secret_valid_for_secs: Option<i64>,
}

/// Rotate a subscription's secret
///
/// Answers the new secret, once. Until `previous_secret_valid_until`, every delivery carries two
/// signatures in `webhook-signature` (space-separated): one with each secret.
#[utoipa::path(tag = "webhooks", security(("oauth2" = ["webhooks:manage"])), params(("id" = uuid::Uuid, Path, description = "Subscription id")),
    request_body = RotateSecret, responses((status = 200, description = "The subscription with its new secret, shown this once.", body = WebhookWithSecret, headers(("ETag" = String)))))]
#[post("/webhooks/{id}/rotate-secret")]
async fn rotate_secret(
    state: web::Data<AppState>,
    _: Allowed<required::WebhooksManage>,
    id: web::Path<String>,
    body: JsonBody<RotateSecret>,
) -> AppResult<HttpResponse> {
    let id: WebhookId = path_id(&id, "webhook subscription")?;
    let grace = body.0.previous_secret_valid_for_secs.unwrap_or(86_400);
    let grace = validation::in_range(grace, 0, 604_800)
        .map_err(|e| AppError::field("previous_secret_valid_for_secs", e.code, e.message))?;
    let until = Utc::now() + chrono::Duration::seconds(grace);
    let secret = signature::generate_secret();
    let shown = secret.clone();
    let stored = state
        .db
        .write(move |conn| {
            let (current, _) = store::get(conn, id)?;
            store::rotate_secret(conn, &current, secret, until)
        })
        .await?;
    let version = stored.version;
    let body = WebhookWithSecret { webhook: stored.into(), secret: shown, previous_secret_valid_until: Some(until) };
    Ok(tagged(version, body))
}

/// One delivery of an event to a subscription.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    #[schema(format = Uuid)]
    pub id: String,
    /// The event's id: the `webhook-id` header, the same for every attempt and redelivery.
    #[schema(example = "evt_0193a5f26c1e7b7a9c551d2e3f4a5b6c")]
    pub event_id: String,
    #[schema(example = "need.created")]
    pub event_type: String,
    pub status: DeliveryStatus,
    /// Attempts made so far.
    pub attempts: i32,
    /// When the next attempt is due (pending deliveries).
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The receiver's status code at the last attempt, if it answered.
    pub last_status_code: Option<i32>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        DeliveryView {
            id: d.id,
            event_id: d.event_id,
            event_type: d.event_type,
            status: d.status,
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at,
            last_attempt_at: d.last_attempt_at,
            last_status_code: d.last_status_code,
            last_error: d.last_error,
            delivered_at: d.delivered_at,
            created_at: d.created_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryListQuery {
    status: Option<DeliveryStatus>,
    /// `created_at` (default); prefix `-` for newest first.
    #[param(pattern = "^(-?(created_at))?$")]
    sort: Option<String>,
    /// Page size, 1 to 200 (default 50; larger values are capped).
    #[param(minimum = 1)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page; it keeps that list's filters and sort.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    cursor: Option<String>,
    /// Also count every matching delivery.
    include_total: Option<bool>,
}

/// List a subscription's deliveries
///
/// The delivery log: every delivery with its attempts, last answer or error, and next attempt.
#[utoipa::path(tag = "webhooks", security(("oauth2" = ["webhooks:manage"])),
    params(("id" = uuid::Uuid, Path, description = "Subscription id"), DeliveryListQuery),
    responses((status = 200, description = "One page of the subscription's deliveries, newest first; `next_cursor` leads to the next.", body = PageOf<DeliveryView>)))]
#[get("/webhooks/{id}/deliveries")]
async fn list_deliveries(
    state: web::Data<AppState>,
    _: Allowed<required::WebhooksManage>,
    id: web::Path<String>,
    query: web::Query<DeliveryListQuery>,
) -> AppResult<web::Json<PageOf<DeliveryView>>> {
    let id: WebhookId = path_id(&id, "webhook subscription")?;
    state.db.lookup(move |conn| store::get(conn, id)).await?;
    let q = query.into_inner();
    let filter = DeliveryFilter { subscription_id: id, status: q.status };
    let paging =
        Paging { limit: q.limit, cursor: q.cursor.as_deref(), sort: q.sort.as_deref(), include_total: q.include_total };
    let (filter, request) = pagination::resolve(paging, filter, DeliverySort::CreatedAt)?;
    if filter.subscription_id != id {
        return Err(AppError::InvalidQuery("`cursor` belongs to another subscription's deliveries.".into()));
    }
    Ok(web::Json(pagination::read_page(&state.db, filter, request, store::deliveries, DeliveryView::from).await?))
}

/// Get a delivery
#[utoipa::path(tag = "webhooks", security(("oauth2" = ["webhooks:manage"])),
    params(("id" = uuid::Uuid, Path, description = "Subscription id"), ("delivery_id" = uuid::Uuid, Path, description = "Delivery id")),
    responses((status = 200, description = "The delivery, with its attempts.", body = DeliveryView)))]
#[get("/webhooks/{id}/deliveries/{delivery_id}")]
async fn get_delivery(
    state: web::Data<AppState>,
    _: Allowed<required::WebhooksManage>,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<DeliveryView>> {
    let (id, delivery) = path.into_inner();
    let id: WebhookId = path_id(&id, "webhook subscription")?;
    let found = state.db.read(move |conn| store::delivery(conn, id, &delivery)).await?;
    Ok(web::Json(found.into()))
}

/// Deliver an event again
///
/// Queues a new delivery of the same event (same `webhook-id`), due now, whatever became of this one.
#[utoipa::path(tag = "webhooks", security(("oauth2" = ["webhooks:manage"])),
    params(("id" = uuid::Uuid, Path, description = "Subscription id"), ("delivery_id" = uuid::Uuid, Path, description = "Delivery id")),
    responses((status = 202, description = "Queued; the body is the new delivery.", body = DeliveryView,
        headers(("Location" = String, description = "URL of the new delivery")))))]
#[post("/webhooks/{id}/deliveries/{delivery_id}/redeliver")]
async fn redeliver(
    state: web::Data<AppState>,
    _: Allowed<required::WebhooksManage>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (id, delivery) = path.into_inner();
    let id: WebhookId = path_id(&id, "webhook subscription")?;
    let queued = state.db.write(move |conn| store::redeliver(conn, id, &delivery)).await?;
    let location = format!("/api/v1/webhooks/{id}/deliveries/{}", queued.id);
    Ok(HttpResponse::Accepted()
        .insert_header((actix_web::http::header::LOCATION, location))
        .json(DeliveryView::from(queued)))
}
