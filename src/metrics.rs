//! Operational metrics in the Prometheus text format, served at `/metrics`:
//! requests and their latency per route and status, the database pools,
//! matching latency and the size of the matching index, the webhook outbox
//! and its deliveries.
//!
//! Request and match figures are recorded as they happen (a histogram
//! observation is a few atomic adds); pool and index figures are read when
//! scraped, so they cost nothing between scrapes.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::AppState;

/// Latency buckets, in seconds: 0.25 ms to 10 s.
const BUCKETS: &[f64] =
    &[0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

pub struct Metrics {
    registry: Registry,
    requests: HistogramVec,
    matches: Histogram,
    index_candidates: IntGauge,
    index_bytes: IntGauge,
    rendered_candidates: IntGauge,
    rendered_bytes: IntGauge,
    pool_connections: IntGaugeVec,
    pool_waiting: IntGaugeVec,
    /// Deliveries neither delivered nor given up, as the dispatcher last counted them.
    pub webhook_outbox_pending: IntGauge,
    /// Delivery attempts by outcome: delivered, retry (failed, tried again later), failed (given up).
    pub webhook_attempts: IntCounterVec,
}

impl Metrics {
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new_custom(Some("interim_tracker".into()), None)?;
        let requests = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "Time to answer a request, by route and status.")
                .buckets(BUCKETS.to_vec()),
            &["method", "route", "status"],
        )?;
        let matches = Histogram::with_opts(
            HistogramOpts::new("match_duration_seconds", "Time to rank the candidates for a need in the index.")
                .buckets(BUCKETS.to_vec()),
        )?;
        let index_candidates = IntGauge::new("match_index_candidates", "Candidates held in the matching index.")?;
        let index_bytes = IntGauge::new("match_index_bytes", "Memory the matching index holds, in bytes.")?;
        let rendered_candidates =
            IntGauge::new("rendered_candidates", "Candidates kept as the JSON the API answers with.")?;
        let rendered_bytes =
            IntGauge::new("rendered_candidates_bytes", "Memory the rendered candidates hold, in bytes.")?;
        let pool_connections = IntGaugeVec::new(
            Opts::new("db_pool_connections", "Database connections, by pool and state (in_use, idle, max)."),
            &["pool", "state"],
        )?;
        let pool_waiting =
            IntGaugeVec::new(Opts::new("db_pool_waiting", "Callers waiting for a database connection."), &["pool"])?;
        let webhook_outbox_pending = IntGauge::new(
            "webhook_outbox_pending",
            "Webhook deliveries waiting for their first or next attempt (counted every poll).",
        )?;
        let webhook_attempts = IntCounterVec::new(
            Opts::new(
                "webhook_delivery_attempts_total",
                "Webhook delivery attempts by outcome (delivered, retry, failed).",
            ),
            &["outcome"],
        )?;
        registry.register(Box::new(webhook_outbox_pending.clone()))?;
        registry.register(Box::new(webhook_attempts.clone()))?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(matches.clone()))?;
        registry.register(Box::new(index_candidates.clone()))?;
        registry.register(Box::new(index_bytes.clone()))?;
        registry.register(Box::new(rendered_candidates.clone()))?;
        registry.register(Box::new(rendered_bytes.clone()))?;
        registry.register(Box::new(pool_connections.clone()))?;
        registry.register(Box::new(pool_waiting.clone()))?;
        Ok(Self {
            registry,
            requests,
            matches,
            index_candidates,
            index_bytes,
            rendered_candidates,
            rendered_bytes,
            pool_connections,
            pool_waiting,
            webhook_outbox_pending,
            webhook_attempts,
        })
    }

    /// Records how long one ranking took.
    pub fn observe_match(&self, started: Instant) {
        self.matches.observe(started.elapsed().as_secs_f64());
    }

    /// Everything, in the text exposition format, with the figures read at scrape time refreshed.
    pub fn render(&self, state: &AppState) -> String {
        {
            let index = state.matches.read();
            self.index_candidates.set(i64::try_from(index.len()).unwrap_or(i64::MAX));
            self.index_bytes.set(i64::try_from(index.memory_bytes()).unwrap_or(i64::MAX));
        }
        self.rendered_candidates.set(i64::try_from(state.rendered.count()).unwrap_or(i64::MAX));
        self.rendered_bytes.set(i64::try_from(state.rendered.weight()).unwrap_or(i64::MAX));
        for pool in state.db.pool_stats() {
            let connections = |kind: &str| self.pool_connections.with_label_values(&[pool.name, kind]);
            connections("in_use").set(pool.in_use.into());
            connections("idle").set(pool.idle.into());
            connections("max").set(pool.max.into());
            self.pool_waiting.with_label_values(&[pool.name]).set(pool.waiting);
        }
        let mut out = Vec::new();
        if let Err(error) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::warn!(%error, "encoding the metrics");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}

/// Times every request, labelled with the route template (`/api/v1/needs/{id}`,
/// never the path itself, so ids do not multiply the series) and the status.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let started = Instant::now();
    let metrics = req.app_data::<web::Data<AppState>>().map(|state| state.metrics.clone());
    let method = req.method().clone();
    let response = next.call(req).await?;
    if let Some(metrics) = metrics {
        let route = response.request().match_pattern().unwrap_or_else(|| "unmatched".to_owned());
        let status = response.status();
        metrics
            .requests
            .with_label_values(&[method.as_str(), route.as_str(), status.as_str()])
            .observe(started.elapsed().as_secs_f64());
    }
    Ok(response)
}
