//! interim-tracker: track interim executives, the ideal skillsets
//! organizations need, their needs and the assignments that fill them.
//!
//! The library builds the whole service so that `main` and the tests start
//! exactly the same thing: [`Application::build`] connects, migrates, ships
//! the catalog and binds; [`Application::run`] serves until SIGTERM or Ctrl-C.

pub mod api;
pub mod auth;
pub mod commands;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod matching;
pub mod metrics;
pub mod retention;
pub mod telemetry;
pub mod webhooks;

use std::net::TcpListener;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::middleware::{Condition, from_fn};
use actix_web::{App, HttpResponse, HttpServer, web};
use anyhow::Context;
use utoipa_swagger_ui::SwaggerUi;

use crate::api::extract::{self, BodyLimit, BodyTimeout};
use crate::config::Config;
use crate::db::match_index::LiveIndex;
use crate::db::{Database, DatabaseUrl};
use crate::error::AppError;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Database,
    pub auth: Arc<auth::Auth>,
    /// The matching index of every candidate, kept in step with the database.
    pub matches: Arc<LiveIndex>,
    pub metrics: Arc<metrics::Metrics>,
    /// Delivers webhook events; its thread stops when the last state is dropped.
    pub webhooks: Arc<webhooks::Dispatcher>,
    /// Candidates kept as the JSON the API answers with, and decoded for explanations.
    pub rendered: Arc<api::rendered::RenderedCandidates>,
    /// The skill taxonomy matching reads, held in memory.
    pub reference: Arc<db::reference::ReferenceData>,
    /// Every skill label, indexed for suggestions, at the taxonomy's latest revision read.
    pub labels: Arc<api::taxonomy::LabelIndexCache>,
}

/// Opens the database, applies pending migrations and ships the catalog.
pub fn prepare_database(config: &Config) -> anyhow::Result<Database> {
    let url = DatabaseUrl::parse(&config.database_url)?;
    let db = Database::connect(&url, config.database_pool_size)?;
    tracing::info!(database = %url, "database opened");
    let applied = db.migrate()?;
    if !applied.is_empty() {
        tracing::info!(?applied, backend = url.backend_name(), "migrations applied");
    }
    db::seed::ship_catalog(&db).map_err(|e| anyhow::anyhow!("shipping the catalog: {e}"))?;
    let searchable = db::search::backfill(&db).map_err(|e| anyhow::anyhow!("making candidates searchable: {e}"))?;
    if searchable > 0 {
        tracing::info!(candidates = searchable, "search texts written for candidates stored before search");
    }
    let compared =
        db::duplicates::backfill(&db).map_err(|e| anyhow::anyhow!("keying candidates for duplicates: {e}"))?;
    if compared > 0 {
        tracing::info!(candidates = compared, "duplicate keys written for candidates stored before them");
    }
    Ok(db)
}

pub struct Application {
    server: Server,
    port: u16,
    database: DatabaseUrl,
}

impl Application {
    /// Prepares the database and binds `config.bind_addr` (port 0 picks a free port).
    pub fn build(config: &Config) -> anyhow::Result<Self> {
        // Bound first, so an address that cannot be had fails the start before the database is touched.
        let listener = TcpListener::bind(config.bind_addr).map_err(|e| {
            let fix = match e.kind() {
                std::io::ErrorKind::AddrInUse => "another program listens there: stop it, or set another port",
                std::io::ErrorKind::PermissionDenied => "ports below 1024 need privileges: set a port above 1024",
                _ => "set BIND_ADDR to an address of this machine, such as 127.0.0.1:8080",
            };
            anyhow::anyhow!("cannot listen on {} (BIND_ADDR): {e}; {fix}", config.bind_addr)
        })?;
        let db = prepare_database(config)?;
        let auth = Arc::new(auth::Auth::from_config(&config.auth)?);
        auth::bootstrap_admin(&db, &config.auth)?;
        let started = Instant::now();
        let matches = Arc::new(LiveIndex::load(&db).map_err(|e| anyhow::anyhow!("loading the matching index: {e}"))?);
        tracing::info!(
            candidates = matches.read().len(),
            bytes = matches.read().memory_bytes(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "matching index loaded"
        );
        let last_change =
            db.with_reader(db::candidates::last_change).map_err(|e| anyhow::anyhow!("reading the change log: {e}"))?;
        let rendered =
            Arc::new(api::rendered::RenderedCandidates::new(config.rendered_cache_mb * 1024 * 1024, last_change));
        follow_changes(&db, &matches, &rendered, Duration::from_secs(u64::from(config.changes_kept_days) * 86_400));
        let metrics = Arc::new(metrics::Metrics::new().context("registering the metrics")?);
        let dispatcher =
            Arc::new(webhooks::Dispatcher::new(db.clone(), webhook_settings(&config.webhooks), metrics.clone())?);
        webhooks::start(&dispatcher);
        retention::schedule(db.clone(), config.retention(), Arc::downgrade(&matches));
        let port = listener.local_addr()?.port();
        // Database calls are the only blocking work: give the workers together
        // about one blocking thread per connection, so excess calls queue for a
        // thread instead of holding one while they wait for a connection.
        let workers = config.workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
        let blocking_threads = (db.max_connections() as usize).div_ceil(workers).max(2);
        let database = db.url().clone();
        let reference = Arc::new(db::reference::ReferenceData::default());
        let labels = Arc::default();
        let state = AppState { db, auth, matches, metrics, webhooks: dispatcher, rendered, reference, labels };
        let spec = api::openapi();
        let routes = web::Data::new(api::RouteTable::from_spec(&spec));
        let body_limit = usize::try_from(config.max_body_bytes).unwrap_or(extract::DEFAULT_BODY_LIMIT);
        let cors_origins: Vec<String> = config.cors_allowed_origins.iter().filter(|o| !o.is_empty()).cloned().collect();
        let header_timeout = Duration::from_millis(config.request_header_timeout_ms);
        let body_timeout = Duration::from_millis(config.request_body_timeout_ms);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(state.clone()))
                .app_data(routes.clone())
                .app_data(BodyLimit(body_limit))
                .app_data(BodyTimeout(body_timeout))
                .app_data(web::PayloadConfig::new(body_limit))
                .app_data(extract::query_config())
                .wrap(from_fn(api::idempotency::guard))
                // Outside the guard, whose reservation is a request's first query.
                .wrap(from_fn(auth::deferred_checks))
                .wrap(from_fn(allowed_method))
                .wrap(from_fn(extract::printable_query))
                .wrap(from_fn(extract::body_deadline))
                .wrap(from_fn(api::audit::record))
                .wrap(from_fn(telemetry::request_id))
                .wrap(from_fn(metrics::observe))
                // Outermost, so preflights are answered before anything asks for a token.
                .wrap(Condition::new(!cors_origins.is_empty(), cors(&cors_origins)))
                .configure(|cfg| api::configure(&mut utoipa_actix_web::service_config::ServiceConfig::new(cfg)))
                .service(
                    SwaggerUi::new("/docs/{_:.*}").external_url_unchecked("/openapi.json", spec.clone()).config(
                        // Keep the token across page reloads, and show how long calls take.
                        utoipa_swagger_ui::Config::default()
                            .persist_authorization(true)
                            .display_request_duration(true)
                            .try_it_out_enabled(true),
                    ),
                )
                // A person who opens the server's address finds the API's documentation.
                .route(
                    "/",
                    web::get().to(|| async { HttpResponse::Found().insert_header(("location", "/docs/")).finish() }),
                )
                .route(
                    "/docs",
                    web::get().to(|| async {
                        HttpResponse::PermanentRedirect().insert_header(("location", "/docs/")).finish()
                    }),
                )
                .default_service(web::to(not_found))
        })
        .workers(workers)
        .worker_max_blocking_threads(blocking_threads)
        .shutdown_timeout(config.shutdown_timeout_secs)
        // A client that sends half a header, or nothing, is answered 408 or
        // dropped after this long, and holds no worker meanwhile.
        .client_request_timeout(header_timeout)
        .client_disconnect_timeout(Duration::from_secs(1))
        .listen(listener)?;
        Ok(Self { server: server.run(), port, database })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The database the service runs on.
    pub fn database(&self) -> &DatabaseUrl {
        &self.database
    }

    /// Serves until SIGTERM or Ctrl-C, then lets in-flight requests finish.
    pub async fn run(self) -> std::io::Result<()> {
        self.server.await
    }
}

fn webhook_settings(config: &config::WebhookConfig) -> webhooks::Settings {
    webhooks::Settings {
        addresses: Arc::new(webhooks::address::AddressPolicy { allowed: config.allowed_networks.clone() }),
        retry: domain::webhook::RetryPolicy {
            first: Duration::from_millis(config.retry_first_ms),
            window: Duration::from_secs(config.retry_window_secs),
            ..Default::default()
        },
        timeout: Duration::from_millis(config.timeout_ms),
        poll: Duration::from_millis(config.poll_ms),
    }
}

/// CORS for the configured origins only: a preflight from another origin is
/// refused, and its requests are served without CORS headers, so browsers
/// keep their pages from reading the answers.
fn cors(origins: &[String]) -> actix_cors::Cors {
    let cors = origins.iter().fold(actix_cors::Cors::default(), |cors, origin| cors.allowed_origin(origin));
    cors.allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::IF_MATCH])
        .allowed_header("idempotency-key")
        .expose_headers([header::ETAG, header::LOCATION, header::RETRY_AFTER])
        .expose_headers(["x-request-id"])
        .block_on_origin_mismatch(false)
        .max_age(3600)
}

/// Catches the matching index up with writes made through other instances every second, so their effect
/// shows here within a second even before a match asks, drops the rendered candidates that changed (so no
/// copy of an erased candidate stays in memory), rewrites the search text of a renamed skill's holders, and forgets changes logged over a day ago, and the change
/// feed's older than `feed_kept`, once an hour (every instance does; a second deletion finds nothing). Stops when the application is dropped.
fn follow_changes(
    db: &Database,
    matches: &Arc<LiveIndex>,
    rendered: &Arc<api::rendered::RenderedCandidates>,
    feed_kept: Duration,
) {
    let (db, matches): (Database, Weak<LiveIndex>) = (db.clone(), Arc::downgrade(matches));
    let rendered = Arc::downgrade(rendered);
    let spawned = std::thread::Builder::new().name("index-follower".into()).spawn(move || {
        let mut pruned = Instant::now();
        loop {
            std::thread::sleep(Duration::from_secs(1));
            let (Some(live), Some(rendered)) = (matches.upgrade(), rendered.upgrade()) else { return };
            if let Err(error) = db.with_reader(|conn| live.catch_up(conn)) {
                tracing::warn!(%error, "catching the matching index up");
            }
            if let Err(error) = db.with_reader(|conn| rendered.follow(conn)) {
                tracing::warn!(%error, "dropping rendered candidates that changed");
            }
            // A renamed skill's holders: up to 500 search texts a second, each batch its own transaction.
            if db.with_reader(db::search::any_stale).unwrap_or(false)
                && let Err(error) = db.write_blocking(|conn| db::search::refresh_stale(conn, 500))
            {
                tracing::warn!(%error, "rewriting the search text of a renamed skill's holders");
            }
            if pruned.elapsed() >= Duration::from_secs(3600) {
                pruned = Instant::now();
                let before = db::now() - db::match_index::CHANGES_KEPT;
                if let Err(error) = db.write_blocking(|conn| db::candidates::prune_changes(conn, before)) {
                    tracing::warn!(%error, "forgetting old changes of candidates");
                }
                let before = db::now() - feed_kept;
                if let Err(error) = db.write_blocking(|conn| db::changes::forget_before(conn, before)) {
                    tracing::warn!(%error, "forgetting old changes of the change feed");
                }
            }
        }
    });
    if let Err(error) = spawned {
        tracing::warn!(%error, "could not start following changes; matches still catch up before ranking");
    }
}

/// A documented path asked with a method it does not have is answered 405
/// before routing: `PATCH /needs/import` would otherwise reach the handler
/// of `/needs/{id}` with `import` for an id (and answer 428 or 404).
async fn allowed_method(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let method = req.method().as_str();
    let refused = req
        .app_data::<web::Data<api::RouteTable>>()
        .and_then(|routes| routes.methods(req.path()))
        .filter(|allow| !allow.is_empty() && !allow.contains(&method) && !matches!(method, "OPTIONS" | "HEAD"));
    if let Some(allow) = refused {
        let error = AppError::MethodNotAllowed { allow: allow.join(", ") };
        let refusal = api::scim::refusal(req.path(), error);
        return Ok(req.into_response(refusal));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// No route took the request: 405 with `Allow` when the path exists with
/// other methods, 404 otherwise.
async fn not_found(req: actix_web::HttpRequest, routes: web::Data<api::RouteTable>) -> HttpResponse {
    let error = match routes.methods(req.path()) {
        Some(allow) if !allow.is_empty() => AppError::MethodNotAllowed { allow: allow.join(", ") },
        _ => AppError::NotFound("route"),
    };
    api::scim::refusal(req.path(), error)
}
