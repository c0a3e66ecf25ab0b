//! Webhook subscriptions, the outbox of events and their deliveries.
//!
//! [`announce`] runs inside the transaction of the change it announces, so
//! an event exists exactly when its change committed. Deliveries are claimed
//! with a conditional update (`claimed_until` in the past), which one
//! instance wins on either backend, so no delivery is sent twice at once.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::organizations::corrupt;
use super::page::{self, Page, PageRequest, Position, seek};
use super::schema::{webhook_deliveries, webhook_events, webhook_subscriptions};
use super::{DbConnection, json, now};
use crate::domain::webhook::{DeliveryStatus, EventType, Subscription};
use crate::domain::{OrganizationId, Stored, WebhookId};
use crate::error::{AppError, AppResult};

pub type StoredSubscription = Stored<WebhookId, Subscription>;

/// A subscription's signing secrets: the current one, and the previous one
/// while a rotation's grace period lasts.
#[derive(Debug, Clone)]
pub struct Secrets {
    pub current: String,
    pub previous: Option<(String, DateTime<Utc>)>,
}

impl Secrets {
    /// The secrets that sign a delivery made at `at`.
    pub fn signing(&self, at: DateTime<Utc>) -> Vec<&str> {
        let mut secrets = vec![self.current.as_str()];
        if let Some((previous, until)) = &self.previous
            && *until > at
        {
            secrets.push(previous);
        }
        secrets
    }
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = webhook_subscriptions, treat_none_as_null = true)]
struct SubscriptionRow {
    id: String,
    url: String,
    description: Option<String>,
    events: String,
    organization_id: Option<String>,
    active: bool,
    secret: String,
    previous_secret: Option<String>,
    previous_secret_expires_at: Option<NaiveDateTime>,
    version: i64,
    created_by: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl SubscriptionRow {
    fn into_domain(self) -> AppResult<(StoredSubscription, Secrets)> {
        let events: Vec<String> = json::decode(&self.events)?;
        let events: BTreeSet<EventType> =
            events.iter().map(|e| e.parse()).collect::<Result<_, _>>().map_err(corrupt)?;
        let subscription = Stored {
            id: self.id.parse().map_err(corrupt)?,
            value: Subscription {
                url: self.url,
                description: self.description,
                events,
                organization_id: self.organization_id.as_deref().map(str::parse).transpose().map_err(corrupt)?,
                active: self.active,
            },
            version: self.version,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        };
        let previous = self.previous_secret.zip(self.previous_secret_expires_at.map(|t| t.and_utc()));
        Ok((subscription, Secrets { current: self.secret, previous }))
    }
}

fn encode_events(events: &BTreeSet<EventType>) -> AppResult<String> {
    json::encode(&events.iter().map(|e| e.as_str()).collect::<Vec<_>>())
}

fn ensure_organization(conn: &mut DbConnection, s: &Subscription) -> AppResult<()> {
    match s.organization_id {
        Some(org) if !super::organizations::exists(conn, org)? => {
            Err(AppError::field("organization_id", "unknown_organization", "no organization has this id"))
        }
        _ => Ok(()),
    }
}

pub fn insert(
    conn: &mut DbConnection,
    s: &Subscription,
    secret: String,
    created_by: &str,
) -> AppResult<StoredSubscription> {
    ensure_organization(conn, s)?;
    let at = now();
    let row = SubscriptionRow {
        id: WebhookId::generate().to_string(),
        url: s.url.clone(),
        description: s.description.clone(),
        events: encode_events(&s.events)?,
        organization_id: s.organization_id.map(|o| o.to_string()),
        active: s.active,
        secret,
        previous_secret: None,
        previous_secret_expires_at: None,
        version: 1,
        created_by: created_by.to_owned(),
        created_at: at,
        updated_at: at,
    };
    diesel::insert_into(webhook_subscriptions::table).values(&row).execute(conn)?;
    Ok(row.into_domain()?.0)
}

pub fn get(conn: &mut DbConnection, id: WebhookId) -> AppResult<(StoredSubscription, Secrets)> {
    webhook_subscriptions::table
        .find(id.to_string())
        .select(SubscriptionRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or(AppError::NotFound("webhook subscription"))?
        .into_domain()
}

/// Every subscription, oldest first; `organization` limits them to one organization's.
pub fn list(conn: &mut DbConnection, organization: Option<OrganizationId>) -> AppResult<Vec<StoredSubscription>> {
    let mut query = webhook_subscriptions::table.into_boxed();
    if let Some(org) = organization {
        query = query.filter(webhook_subscriptions::organization_id.eq(org.to_string()));
    }
    let rows: Vec<SubscriptionRow> = query
        .order((webhook_subscriptions::created_at.asc(), webhook_subscriptions::id.asc()))
        .select(SubscriptionRow::as_select())
        .load(conn)?;
    rows.into_iter().map(|r| r.into_domain().map(|(s, _)| s)).collect()
}

/// Stores `next`, guarded by the version read.
pub fn update(
    conn: &mut DbConnection,
    current: &StoredSubscription,
    next: &Subscription,
) -> AppResult<StoredSubscription> {
    ensure_organization(conn, next)?;
    let updated = diesel::update(
        webhook_subscriptions::table
            .find(current.id.to_string())
            .filter(webhook_subscriptions::version.eq(current.version)),
    )
    .set((
        webhook_subscriptions::url.eq(&next.url),
        webhook_subscriptions::description.eq(&next.description),
        webhook_subscriptions::events.eq(encode_events(&next.events)?),
        webhook_subscriptions::organization_id.eq(next.organization_id.map(|o| o.to_string())),
        webhook_subscriptions::active.eq(next.active),
        webhook_subscriptions::version.eq(current.version + 1),
        webhook_subscriptions::updated_at.eq(now()),
    ))
    .execute(conn)?;
    super::ensure_updated(updated)?;
    Ok(get(conn, current.id)?.0)
}

/// Replaces the secret; the old one keeps signing until `previous_until`.
pub fn rotate_secret(
    conn: &mut DbConnection,
    current: &StoredSubscription,
    secret: String,
    previous_until: DateTime<Utc>,
) -> AppResult<StoredSubscription> {
    let (_, secrets) = get(conn, current.id)?;
    let updated = diesel::update(
        webhook_subscriptions::table
            .find(current.id.to_string())
            .filter(webhook_subscriptions::version.eq(current.version)),
    )
    .set((
        webhook_subscriptions::secret.eq(secret),
        webhook_subscriptions::previous_secret.eq(Some(secrets.current)),
        webhook_subscriptions::previous_secret_expires_at.eq(Some(previous_until.naive_utc())),
        webhook_subscriptions::version.eq(current.version + 1),
        webhook_subscriptions::updated_at.eq(now()),
    ))
    .execute(conn)?;
    super::ensure_updated(updated)?;
    Ok(get(conn, current.id)?.0)
}

/// Deletes a subscription and its delivery log.
pub fn delete(conn: &mut DbConnection, id: WebhookId) -> AppResult<()> {
    let id = id.to_string();
    diesel::delete(webhook_deliveries::table.filter(webhook_deliveries::subscription_id.eq(&id))).execute(conn)?;
    match diesel::delete(webhook_subscriptions::table.find(&id)).execute(conn)? {
        0 => Err(AppError::NotFound("webhook subscription")),
        _ => Ok(()),
    }
}

/// Announces an event: appends it to the change feed ([`super::changes`]) and
/// writes it to the outbox with one pending delivery per subscription that
/// wants it (nothing when none does). Call it inside the change's transaction.
pub fn announce(
    conn: &mut DbConnection,
    event: EventType,
    organization: Option<OrganizationId>,
    data: serde_json::Value,
) -> AppResult<()> {
    let rows: Vec<SubscriptionRow> = natively!(&mut *conn, |db| webhook_subscriptions::table
        .filter(webhook_subscriptions::active.eq(true))
        .select(SubscriptionRow::as_select())
        .load(db))?;
    let mut wanted = Vec::new();
    for row in rows {
        let (subscription, _) = row.into_domain()?;
        if subscription.value.wants(event, organization) {
            wanted.push(subscription.id);
        }
    }
    let at = now();
    let id = format!("evt_{}", uuid::Uuid::now_v7().simple());
    super::changes::record(conn, &id, event, organization, &data, at)?;
    if wanted.is_empty() {
        return Ok(());
    }
    let payload = serde_json::json!({
        "id": id,
        "type": event.as_str(),
        "occurred_at": at.and_utc(),
        "organization_id": organization.map(|o| o.to_string()),
        "data": data,
    });
    diesel::insert_into(webhook_events::table)
        .values((
            webhook_events::id.eq(&id),
            webhook_events::event_type.eq(event.as_str()),
            webhook_events::organization_id.eq(organization.map(|o| o.to_string())),
            webhook_events::payload.eq(json::encode(&payload)?),
            webhook_events::occurred_at.eq(at),
        ))
        .execute(conn)?;
    for subscription in wanted {
        insert_delivery(conn, subscription, &id, at)?;
    }
    Ok(())
}

/// Drops the custom fields' values from the data of the event `id`, if the outbox still holds it.
pub(crate) fn scrub_custom_fields(conn: &mut DbConnection, id: &str) -> AppResult<()> {
    let payload: Option<String> =
        webhook_events::table.find(id).select(webhook_events::payload).get_result(conn).optional()?;
    let Some(payload) = payload else { return Ok(()) };
    let mut payload: serde_json::Value = json::decode(&payload)?;
    if let Some(data) = payload.get_mut("data").and_then(|d| d.as_object_mut()) {
        data.remove("custom_fields");
    }
    diesel::update(webhook_events::table.find(id))
        .set(webhook_events::payload.eq(json::encode(&payload)?))
        .execute(conn)?;
    Ok(())
}

fn insert_delivery(
    conn: &mut DbConnection,
    subscription: WebhookId,
    event: &str,
    at: NaiveDateTime,
) -> AppResult<String> {
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(webhook_deliveries::table)
        .values((
            webhook_deliveries::id.eq(&id),
            webhook_deliveries::subscription_id.eq(subscription.to_string()),
            webhook_deliveries::event_id.eq(event),
            webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()),
            webhook_deliveries::attempts.eq(0),
            webhook_deliveries::next_attempt_at.eq(Some(at)),
            webhook_deliveries::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(id)
}

/// One delivery, as its log shows it.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: String,
    pub subscription_id: WebhookId,
    pub event_id: String,
    pub event_type: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
struct DeliveryRow {
    id: String,
    subscription_id: String,
    event_id: String,
    status: String,
    attempts: i32,
    next_attempt_at: Option<NaiveDateTime>,
    last_attempt_at: Option<NaiveDateTime>,
    last_status_code: Option<i32>,
    last_error: Option<String>,
    delivered_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
}

impl DeliveryRow {
    fn into_domain(self, event_type: String) -> AppResult<Delivery> {
        Ok(Delivery {
            id: self.id,
            subscription_id: self.subscription_id.parse().map_err(corrupt)?,
            event_id: self.event_id,
            event_type,
            status: self.status.parse().map_err(corrupt)?,
            attempts: self.attempts,
            next_attempt_at: self.next_attempt_at.map(|t| t.and_utc()),
            last_attempt_at: self.last_attempt_at.map(|t| t.and_utc()),
            last_status_code: self.last_status_code,
            last_error: self.last_error,
            delivered_at: self.delivered_at.map(|t| t.and_utc()),
            created_at: self.created_at.and_utc(),
        })
    }
}

/// Which deliveries a log page shows.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct DeliveryFilter {
    pub subscription_id: WebhookId,
    pub status: Option<DeliveryStatus>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliverySort {
    CreatedAt,
}

/// A page of a subscription's delivery log.
pub fn deliveries(
    conn: &mut DbConnection,
    filter: &DeliveryFilter,
    page: &PageRequest<DeliverySort>,
) -> AppResult<Page<Delivery>> {
    let filtered = || {
        let mut query = webhook_deliveries::table
            .inner_join(webhook_events::table)
            .filter(webhook_deliveries::subscription_id.eq(filter.subscription_id.to_string()))
            .into_boxed();
        if let Some(status) = filter.status {
            query = query.filter(webhook_deliveries::status.eq(status.as_str()));
        }
        query
    };
    let total = if page.with_total { Some(filtered().count().get_result(conn)?) } else { None };
    let query = filtered().select((DeliveryRow::as_select(), webhook_events::event_type)).limit(page.limit + 1);
    let after = page.after.as_ref().map(|p| p.timestamp().map(|t| (t, p.id.clone()))).transpose()?;
    let rows: Vec<(DeliveryRow, String)> =
        seek!(query, webhook_deliveries::created_at, webhook_deliveries::id, page.direction, after).load(conn)?;
    Page::from_rows(rows, page.limit, total, |(row, _)| Position {
        value: page::timestamp_value(&row.created_at),
        id: row.id.clone(),
    })
    .try_map(|(row, event_type)| row.into_domain(event_type))
}

pub fn delivery(conn: &mut DbConnection, subscription: WebhookId, id: &str) -> AppResult<Delivery> {
    let (row, event_type): (DeliveryRow, String) = webhook_deliveries::table
        .inner_join(webhook_events::table)
        .filter(webhook_deliveries::id.eq(id))
        .filter(webhook_deliveries::subscription_id.eq(subscription.to_string()))
        .select((DeliveryRow::as_select(), webhook_events::event_type))
        .get_result(conn)
        .optional()?
        .ok_or(AppError::NotFound("webhook delivery"))?;
    row.into_domain(event_type)
}

/// Sends a delivery's event again, as a new delivery due now.
pub fn redeliver(conn: &mut DbConnection, subscription: WebhookId, id: &str) -> AppResult<Delivery> {
    let original = delivery(conn, subscription, id)?;
    let new_id = insert_delivery(conn, subscription, &original.event_id, now())?;
    delivery(conn, subscription, &new_id)
}

/// A delivery claimed for sending, with what it takes to send it.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub delivery_id: String,
    pub event_id: String,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub url: String,
    pub secrets: Secrets,
    pub payload: String,
}

/// Claims up to `limit` due deliveries for `lease`: until then no other
/// instance takes them. A claim whose instance died expires and is taken again.
pub fn claim_due(
    conn: &mut DbConnection,
    at: NaiveDateTime,
    lease: chrono::Duration,
    limit: i64,
) -> AppResult<Vec<Claimed>> {
    let due: Vec<String> = webhook_deliveries::table
        .filter(webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()))
        .filter(webhook_deliveries::next_attempt_at.le(at))
        .filter(webhook_deliveries::claimed_until.is_null().or(webhook_deliveries::claimed_until.lt(at)))
        .order((webhook_deliveries::next_attempt_at.asc(), webhook_deliveries::id.asc()))
        .select(webhook_deliveries::id)
        .limit(limit)
        .load(conn)?;
    let mut claimed = Vec::new();
    for id in due {
        // The same condition again: of several instances, one updates the row.
        let won = diesel::update(
            webhook_deliveries::table
                .find(&id)
                .filter(webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()))
                .filter(webhook_deliveries::claimed_until.is_null().or(webhook_deliveries::claimed_until.lt(at))),
        )
        .set(webhook_deliveries::claimed_until.eq(Some(at + lease)))
        .execute(conn)?;
        if won == 0 {
            continue;
        }
        let (row, payload): (DeliveryRow, String) = webhook_deliveries::table
            .inner_join(webhook_events::table)
            .filter(webhook_deliveries::id.eq(&id))
            .select((DeliveryRow::as_select(), webhook_events::payload))
            .get_result(conn)?;
        let subscription: Option<SubscriptionRow> = webhook_subscriptions::table
            .find(&row.subscription_id)
            .select(SubscriptionRow::as_select())
            .get_result(conn)
            .optional()?;
        let Some((subscription, secrets)) = subscription.map(SubscriptionRow::into_domain).transpose()? else {
            continue;
        };
        claimed.push(Claimed {
            delivery_id: row.id,
            event_id: row.event_id,
            attempts: row.attempts,
            created_at: row.created_at.and_utc(),
            url: subscription.value.url,
            secrets,
            payload,
        });
    }
    Ok(claimed)
}

/// What one attempt came to.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub at: DateTime<Utc>,
    pub status_code: Option<u16>,
    pub error: Option<String>,
    /// `None`: delivered or given up; `Some`: try again then.
    pub retry_at: Option<DateTime<Utc>>,
    pub delivered: bool,
}

/// Records an attempt and releases the claim.
pub fn record_attempt(conn: &mut DbConnection, delivery: &str, attempt: &Attempt) -> AppResult<()> {
    let status = match (attempt.delivered, attempt.retry_at) {
        (true, _) => DeliveryStatus::Delivered,
        (false, Some(_)) => DeliveryStatus::Pending,
        (false, None) => DeliveryStatus::Failed,
    };
    let error = attempt.error.as_ref().map(|e| e.chars().take(500).collect::<String>());
    diesel::update(webhook_deliveries::table.find(delivery))
        .set((
            webhook_deliveries::status.eq(status.as_str()),
            webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
            webhook_deliveries::next_attempt_at.eq(attempt.retry_at.map(|t| t.naive_utc())),
            webhook_deliveries::claimed_until.eq(None::<NaiveDateTime>),
            webhook_deliveries::last_attempt_at.eq(Some(attempt.at.naive_utc())),
            webhook_deliveries::last_status_code.eq(attempt.status_code.map(i32::from)),
            webhook_deliveries::last_error.eq(error),
            webhook_deliveries::delivered_at.eq(attempt.delivered.then_some(attempt.at.naive_utc())),
        ))
        .execute(conn)?;
    Ok(())
}

/// Whether any delivery is due and unclaimed.
pub fn any_due(conn: &mut DbConnection, at: NaiveDateTime) -> AppResult<bool> {
    let due: Option<String> = webhook_deliveries::table
        .filter(webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()))
        .filter(webhook_deliveries::next_attempt_at.le(at))
        .filter(webhook_deliveries::claimed_until.is_null().or(webhook_deliveries::claimed_until.lt(at)))
        .select(webhook_deliveries::id)
        .first(conn)
        .optional()?;
    Ok(due.is_some())
}

/// Deliveries not yet delivered nor given up: the outbox's depth.
pub fn pending_count(conn: &mut DbConnection) -> AppResult<i64> {
    Ok(webhook_deliveries::table
        .filter(webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()))
        .count()
        .get_result(conn)?)
}
