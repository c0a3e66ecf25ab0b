//! Delivering webhook events: every instance polls the outbox, claims due
//! deliveries through the database (so of several instances one sends each),
//! signs and posts them, and records the attempt with the next retry time.

pub mod address;
pub mod signature;

use std::error::Error as _;
use std::sync::{Arc, Weak};
use std::time::Duration;

use chrono::Utc;

use crate::db::webhooks::{self as store, Attempt, Claimed};
use crate::db::{self, Database};
use crate::domain::webhook::RetryPolicy;
use crate::metrics::Metrics;
use address::{AddressPolicy, GuardedResolver};

/// How deliveries are made.
#[derive(Debug, Clone)]
pub struct Settings {
    pub addresses: Arc<AddressPolicy>,
    pub retry: RetryPolicy,
    /// How long a receiver has to answer.
    pub timeout: Duration,
    /// How often the outbox is polled.
    pub poll: Duration,
}

/// Deliveries claimed per poll.
const BATCH: i64 = 20;
/// Redirects followed per delivery, each to a checked address.
const MAX_REDIRECTS: usize = 3;

pub struct Dispatcher {
    db: Database,
    client: reqwest::Client,
    settings: Settings,
    metrics: Arc<Metrics>,
}

impl Dispatcher {
    pub fn new(db: Database, settings: Settings, metrics: Arc<Metrics>) -> anyhow::Result<Self> {
        let policy = settings.addresses.clone();
        let redirects = policy.clone();
        let client = reqwest::Client::builder()
            .user_agent(concat!("interim-tracker-webhooks/", env!("CARGO_PKG_VERSION")))
            .timeout(settings.timeout)
            // A proxy would connect to addresses the guard never saw.
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver(policy)))
            .redirect(reqwest::redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() >= MAX_REDIRECTS {
                    attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
                } else if let Err(reason) = redirects.check_url(attempt.url()) {
                    attempt.error(reason)
                } else {
                    attempt.follow()
                }
            }))
            .build()?;
        Ok(Self { db, client, settings, metrics })
    }

    /// Which addresses deliveries may reach.
    pub fn addresses(&self) -> &AddressPolicy {
        &self.settings.addresses
    }

    /// Claims the due deliveries and sends them, concurrently; returns how
    /// many were attempted.
    pub async fn run_once(&self) -> crate::error::AppResult<usize> {
        let lease = chrono::Duration::from_std(self.settings.timeout * 4 + Duration::from_secs(30))
            .unwrap_or(chrono::Duration::minutes(5));
        // Most polls find nothing: look first without taking the write lock.
        let now = db::now();
        let (pending, due) =
            self.db.read(move |conn| Ok((store::pending_count(conn)?, store::any_due(conn, now)?))).await?;
        self.metrics.webhook_outbox_pending.set(pending);
        if !due {
            return Ok(0);
        }
        let claimed = self.db.write(move |conn| store::claim_due(conn, db::now(), lease, BATCH)).await?;
        let count = claimed.len();
        let attempts = claimed.into_iter().map(|c| self.attempt(c));
        for (delivery, attempt) in futures_util::future::join_all(attempts).await {
            let outcome = match (attempt.delivered, attempt.retry_at) {
                (true, _) => "delivered",
                (false, Some(_)) => "retry",
                (false, None) => "failed",
            };
            self.metrics.webhook_attempts.with_label_values(&[outcome]).inc();
            if !attempt.delivered {
                tracing::info!(
                    delivery,
                    status = attempt.status_code,
                    error = attempt.error,
                    outcome,
                    "webhook delivery failed"
                );
            }
            self.db.write(move |conn| store::record_attempt(conn, &delivery, &attempt)).await?;
        }
        Ok(count)
    }

    async fn attempt(&self, c: Claimed) -> (String, Attempt) {
        let at = Utc::now();
        let result = self.post(&c, at).await;
        let (status_code, error) = match result {
            Ok(status) if status.is_success() => {
                return (
                    c.delivery_id,
                    Attempt { at, status_code: Some(status.as_u16()), error: None, retry_at: None, delivered: true },
                );
            }
            Ok(status) => (Some(status.as_u16()), Some(format!("the receiver answered {status}"))),
            Err(error) => (None, Some(error)),
        };
        let tries = u32::try_from(c.attempts).unwrap_or(0) + 1;
        let retry_at = self.settings.retry.next_attempt(tries, c.created_at, Utc::now());
        (c.delivery_id, Attempt { at, status_code, error, retry_at, delivered: false })
    }

    async fn post(&self, c: &Claimed, at: chrono::DateTime<Utc>) -> Result<reqwest::StatusCode, String> {
        let url: url::Url = c.url.parse().map_err(|e| format!("the URL does not parse: {e}"))?;
        self.settings.addresses.check_url(&url)?;
        let timestamp = at.timestamp();
        let signature = signature::header(&c.secrets.signing(at), &c.event_id, timestamp, c.payload.as_bytes());
        let response = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &c.event_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(c.payload.clone())
            .send()
            .await
            .map_err(describe)?;
        Ok(response.status())
    }
}

/// The error with its causes: reqwest's own message hides why a connection failed.
fn describe(error: reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Polls the outbox on a thread of its own until the dispatcher is dropped
/// (when the application stops).
pub fn start(dispatcher: &Arc<Dispatcher>) {
    let weak: Weak<Dispatcher> = Arc::downgrade(dispatcher);
    let poll = dispatcher.settings.poll;
    let spawned = std::thread::Builder::new().name("webhook-dispatcher".into()).spawn(move || {
        let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(runtime) => runtime,
            Err(error) => {
                tracing::error!(%error, "webhook deliveries cannot start");
                return;
            }
        };
        runtime.block_on(async move {
            loop {
                tokio::time::sleep(poll).await;
                let Some(dispatcher) = weak.upgrade() else { return };
                if let Err(error) = dispatcher.run_once().await {
                    tracing::warn!(%error, "delivering webhooks");
                }
            }
        });
    });
    if let Err(error) = spawned {
        tracing::error!(%error, "could not start the webhook dispatcher");
    }
}
