//! Webhooks end to end: a receiver on loopback (allowlisted) checks every
//! signature and counts deliveries; retries, giving up, redelivery, secret
//! rotation, two instances sharing the outbox, and the address guard.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use interim_tracker::config::Config;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::{TestApp, backend_tests, invalid_fields, json_of, problem};

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    timestamp: i64,
    signatures: Vec<String>,
    body: String,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }

    /// Whether one of the signatures is `secret`'s over id, timestamp and body.
    fn signed_with(&self, secret: &str) -> bool {
        let key = STANDARD.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        mac.update(format!("{}.{}.{}", self.id, self.timestamp, self.body).as_bytes());
        let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
        self.signatures.contains(&expected)
    }
}

/// A webhook receiver on 127.0.0.1 that records every request and answers
/// the statuses of `script` in turn (200 once it runs out).
#[derive(Clone)]
struct Receiver {
    url: String,
    received: Arc<Mutex<Vec<Received>>>,
    script: Arc<Mutex<Vec<u16>>>,
}

impl Receiver {
    fn start() -> Receiver {
        let received = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(Vec::new()));
        let state = (received.clone(), script.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(state.clone()))
                .route("/hook", web::post().to(record))
                .route("/redirect", web::post().to(redirect))
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
        let port = server.addrs()[0].port();
        tokio::spawn(server.run());
        Receiver { url: format!("http://127.0.0.1:{port}/hook"), received, script }
    }

    fn answer(&self, statuses: &[u16]) {
        *self.script.lock().unwrap() = statuses.to_vec();
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until `done` holds for what was received (at most 15 s).
    async fn wait_for(&self, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let started = Instant::now();
        loop {
            let received = self.received();
            if done(&received) {
                return received;
            }
            assert!(started.elapsed() < Duration::from_secs(15), "waited 15 s for {what}; received {received:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

type ReceiverState = (Arc<Mutex<Vec<Received>>>, Arc<Mutex<Vec<u16>>>);

async fn record(req: HttpRequest, body: web::Bytes, state: web::Data<ReceiverState>) -> HttpResponse {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    state.0.lock().unwrap().push(Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp").parse().unwrap_or(0),
        signatures: header("webhook-signature").split(' ').map(str::to_owned).collect(),
        body: String::from_utf8(body.to_vec()).unwrap(),
    });
    let mut script = state.1.lock().unwrap();
    let status = if script.is_empty() { 200 } else { script.remove(0) };
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).finish()
}

/// Sends the delivery on to the cloud metadata address.
async fn redirect() -> HttpResponse {
    HttpResponse::TemporaryRedirect().insert_header(("location", "http://169.254.169.254/latest/meta-data/")).finish()
}

/// Loopback allowed, fast polls and retries, a short retry window.
fn receiving(config: &mut Config) {
    config.webhooks.allowed_networks = vec!["127.0.0.1/32".parse().unwrap()];
    config.webhooks.poll_ms = 50;
    config.webhooks.retry_first_ms = 100;
    config.webhooks.retry_window_secs = 3;
    config.webhooks.timeout_ms = 2000;
}

async fn subscribe(app: &TestApp, url: &str, events: &[&str]) -> Value {
    json_of(
        app.post("/api/v1/webhooks", &json!({"url": url, "events": events, "description": "test receiver"})).await,
        201,
    )
    .await
}

async fn deliveries(app: &TestApp, webhook: &Value) -> Vec<Value> {
    app.list_all(&format!("/api/v1/webhooks/{}/deliveries", webhook["id"].as_str().unwrap())).await
}

/// The subscription's deliveries once `count` of them are logged as delivered (at most 15 s): a receiver has
/// a delivery a moment before the dispatcher logs the answer.
async fn delivered(app: &TestApp, webhook: &Value, count: usize) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let log = deliveries(app, webhook).await;
        if log.iter().filter(|d| d["status"] == "delivered").count() >= count {
            return log;
        }
        assert!(started.elapsed() < Duration::from_secs(15), "not delivered: {log:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The subscription's first delivery once it has been attempted (at most 15 s).
async fn first_attempted(app: &TestApp, webhook: &Value) -> Value {
    let started = Instant::now();
    loop {
        let log = deliveries(app, webhook).await;
        if let Some(d) = log.iter().find(|d| d["attempts"].as_i64() > Some(0)) {
            return d.clone();
        }
        assert!(started.elapsed() < Duration::from_secs(15), "no attempt: {log:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn events_are_signed_delivered_and_logged(app: TestApp) {
    let receiver = Receiver::start();
    let webhook = subscribe(&app, &receiver.url, &["candidate.created", "need.created", "need.updated"]).await;
    let secret = webhook["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    let shown = json_of(app.get(&format!("/api/v1/webhooks/{}", webhook["id"].as_str().unwrap())).await, 200).await;
    assert!(shown.get("secret").is_none(), "the secret is shown once");

    let candidate = app
        .create(
            "/api/v1/candidates",
            &json!({"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"}),
        )
        .await;
    let org = app.organization("Hooked").await;
    let need = app
        .create("/api/v1/needs", &json!({"organization_id": org, "title": "Interim CFO", "reason": "replacement"}))
        .await;
    // Not subscribed: never delivered.
    app.create("/api/v1/skills", &json!({"key": "hooks", "name": "Hooks", "category": "finance"})).await;

    let received = receiver.wait_for("two events", |r| r.len() >= 2).await;
    let now = chrono::Utc::now().timestamp();
    for delivery in &received {
        assert!(delivery.signed_with(&secret), "signature of {delivery:?}");
        assert!((now - delivery.timestamp).abs() < 60, "the timestamp is the sending time");
        assert!(
            !delivery.body.contains("grace") && !delivery.body.contains("Hopper"),
            "no personal data: {}",
            delivery.body
        );
        assert_eq!(delivery.json()["id"], delivery.id, "webhook-id is the event id");
    }
    let created = received.iter().find(|r| r.json()["type"] == "candidate.created").expect("candidate.created").json();
    assert_eq!(created["data"]["id"], candidate["id"]);
    assert_eq!(created["data"]["version"], 1);
    let need_created = received.iter().find(|r| r.json()["type"] == "need.created").expect("need.created").json();
    assert_eq!(need_created["data"]["id"], need["id"]);
    assert_eq!(need_created["organization_id"], org.as_str());

    let log = delivered(&app, &webhook, 2).await;
    assert_eq!(log.len(), 2);
    for entry in &log {
        assert_eq!(entry["status"], "delivered", "{entry}");
        assert_eq!(entry["attempts"], 1);
        assert_eq!(entry["last_status_code"], 200);
    }
    // A forged body does not verify.
    let mut forged = received[0].clone();
    forged.body = forged.body.replace("created", "deleted");
    assert!(!forged.signed_with(&secret));
}

async fn failed_deliveries_are_retried_then_given_up_and_can_be_redelivered(app: TestApp) {
    let receiver = Receiver::start();
    let webhook = subscribe(&app, &receiver.url, &["need.created"]).await;
    let org = app.organization("Flaky").await;

    // Two failures, then success: three attempts of the same event.
    receiver.answer(&[500, 503]);
    app.create("/api/v1/needs", &json!({"organization_id": org, "title": "Interim COO", "reason": "replacement"}))
        .await;
    let received = receiver.wait_for("three attempts", |r| r.len() >= 3).await;
    assert!(received.iter().all(|r| r.id == received[0].id), "every retry carries the same webhook-id");
    let gaps: Vec<i64> = received.windows(2).map(|w| w[1].timestamp - w[0].timestamp).collect();
    assert!(gaps.iter().all(|g| *g >= 0), "{gaps:?}");
    let log = delivered(&app, &webhook, 1).await;
    assert_eq!((log[0]["status"].as_str(), log[0]["attempts"].as_i64()), (Some("delivered"), Some(3)));

    // A receiver that keeps failing: given up once the retry window (3 s here) has passed.
    receiver.answer(&[500; 1000]);
    app.create("/api/v1/needs", &json!({"organization_id": org, "title": "Interim CMO", "reason": "replacement"}))
        .await;
    let started = Instant::now();
    let failed = loop {
        let log = deliveries(&app, &webhook).await;
        if let Some(failed) = log.iter().find(|d| d["status"] == "failed") {
            break failed.clone();
        }
        assert!(started.elapsed() < Duration::from_secs(20), "never given up: {log:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(failed["attempts"].as_i64().unwrap() >= 3, "{failed}");
    assert_eq!(failed["last_status_code"], 500);
    assert!(failed["next_attempt_at"].is_null());
    let failed_page = json_of(
        app.get(&format!("/api/v1/webhooks/{}/deliveries?status=failed", webhook["id"].as_str().unwrap())).await,
        200,
    )
    .await;
    assert_eq!(failed_page["items"].as_array().unwrap().len(), 1);

    // Manual redelivery: a new delivery of the same event.
    receiver.answer(&[]);
    let before = receiver.received().len();
    let path = format!(
        "/api/v1/webhooks/{}/deliveries/{}/redeliver",
        webhook["id"].as_str().unwrap(),
        failed["id"].as_str().unwrap()
    );
    let queued = json_of(app.post(&path, &json!({})).await, 202).await;
    assert_eq!(queued["event_id"], failed["event_id"]);
    assert_ne!(queued["id"], failed["id"]);
    let received =
        receiver.wait_for("the redelivery", |r| r.len() > before && r.last().unwrap().id == failed["event_id"]).await;
    assert!(received.last().unwrap().signed_with(webhook["secret"].as_str().unwrap()));
    let redelivered = json_of(
        app.get(&format!(
            "/api/v1/webhooks/{}/deliveries/{}",
            webhook["id"].as_str().unwrap(),
            queued["id"].as_str().unwrap()
        ))
        .await,
        200,
    )
    .await;
    assert_eq!(redelivered["status"], "delivered");
    problem(
        app.post(
            &format!("/api/v1/webhooks/{}/deliveries/nope/redeliver", webhook["id"].as_str().unwrap()),
            &json!({}),
        )
        .await,
        404,
        "not-found",
    )
    .await;
}

async fn a_rotated_secret_signs_next_to_the_previous_one(app: TestApp) {
    let receiver = Receiver::start();
    let webhook = subscribe(&app, &receiver.url, &["candidate.created"]).await;
    let old = webhook["secret"].as_str().unwrap().to_owned();
    let id = webhook["id"].as_str().unwrap();
    let rotated = json_of(
        app.post(&format!("/api/v1/webhooks/{id}/rotate-secret"), &json!({"previous_secret_valid_for_secs": 3600}))
            .await,
        200,
    )
    .await;
    let new = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(old, new);
    assert!(rotated["previous_secret_valid_until"].is_string());
    app.create("/api/v1/candidates", &json!({"first_name": "A", "last_name": "B", "email": "ab@example.com"})).await;
    let received = receiver.wait_for("a delivery", |r| !r.is_empty()).await;
    assert_eq!(received[0].signatures.len(), 2);
    assert!(received[0].signed_with(&old) && received[0].signed_with(&new));

    // Without a grace period the old secret stops at once.
    let rotated = json_of(
        app.post(&format!("/api/v1/webhooks/{id}/rotate-secret"), &json!({"previous_secret_valid_for_secs": 0})).await,
        200,
    )
    .await;
    let newest = rotated["secret"].as_str().unwrap().to_owned();
    app.create("/api/v1/candidates", &json!({"first_name": "C", "last_name": "D", "email": "cd@example.com"})).await;
    let received = receiver.wait_for("a second delivery", |r| r.len() >= 2).await;
    assert_eq!(received[1].signatures.len(), 1);
    assert!(received[1].signed_with(&newest) && !received[1].signed_with(&new));
    let refused = problem(
        app.post(
            &format!("/api/v1/webhooks/{id}/rotate-secret"),
            &json!({"previous_secret_valid_for_secs": 9_999_999}),
        )
        .await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(invalid_fields(&refused), ["previous_secret_valid_for_secs"]);
}

async fn subscriptions_are_validated_and_managed(app: TestApp) {
    let refused = problem(
        app.post("/api/v1/webhooks", &json!({"url": "ftp://example.com/in", "events": [], "description": "x"})).await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(invalid_fields(&refused), ["url", "events"]);
    let refused = problem(
        app.post("/api/v1/webhooks", &json!({"url": "https://example.com/", "events": ["candidate.exploded"]})).await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(invalid_fields(&refused), ["events[0]"]);

    let webhook = json_of(
        app.post("/api/v1/webhooks", &json!({"url": "https://hooks.example.com/in", "events": ["need.created"]})).await,
        201,
    )
    .await;
    let path = format!("/api/v1/webhooks/{}", webhook["id"].as_str().unwrap());
    let paused = json_of(app.patch_if(&path, &json!({"active": false}), "\"v1\"").await, 200).await;
    assert_eq!(paused["active"], false);
    problem(app.patch_if(&path, &json!({"active": true}), "\"v1\"").await, 412, "precondition-failed").await;
    let listed = json_of(app.get("/api/v1/webhooks").await, 200).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);

    // Staff manage webhooks; organization members do not.
    let org = app.organization("Members").await;
    let member = app.user("org_member", Some(&org)).await;
    problem(app.with(&member).get("/api/v1/webhooks").await, 403, "forbidden").await;
    let recruiter = app.user("recruiter", None).await;
    assert_eq!(app.with(&recruiter).get("/api/v1/webhooks").await.status(), 200);

    let deleted =
        app.client.delete(app.url(&path)).bearer_auth(&app.token).header("if-match", "\"v2\"").send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    problem(app.get(&path).await, 404, "not-found").await;
}

/// Every address class, as a literal in the URL (refused at once) and behind
/// a name or a redirect (refused at delivery, with the reason in the log).
async fn the_address_guard_refuses_non_public_receivers(app: TestApp) {
    for host in [
        "127.0.0.1",
        "[::1]",
        "10.0.0.7",
        "172.16.5.4",
        "192.168.1.10",
        "169.254.169.254",
        "169.254.1.1",
        "[fe80::1]",
        "[fd00:ec2::254]",
        "[fc00::1]",
        "0.0.0.0",
        "100.64.0.1",
        "[::ffff:127.0.0.1]",
        "224.0.0.1",
    ] {
        let refused = problem(
            app.post("/api/v1/webhooks", &json!({"url": format!("http://{host}/hook"), "events": ["need.created"]}))
                .await,
            422,
            "validation-failed",
        )
        .await;
        assert_eq!(refused["errors"][0]["code"], "forbidden_address", "{host}");
    }
    // A name that resolves to loopback is refused when resolved, at delivery.
    let receiver = Receiver::start();
    let port = receiver.url.rsplit(':').next().unwrap().split('/').next().unwrap().to_owned();
    let webhook = subscribe(&app, &format!("http://localhost:{port}/hook"), &["need.created"]).await;
    let org = app.organization("Guarded").await;
    app.create("/api/v1/needs", &json!({"organization_id": org, "title": "Interim CIO", "reason": "replacement"}))
        .await;
    let attempted = first_attempted(&app, &webhook).await;
    assert!(attempted["last_error"].as_str().unwrap().contains("loopback"), "{attempted}");
    assert!(attempted["last_status_code"].is_null());
    assert!(receiver.received().is_empty(), "nothing reached the receiver");
}

async fn redirects_are_checked_again(app: TestApp) {
    let receiver = Receiver::start();
    let webhook = subscribe(&app, &receiver.url.replace("/hook", "/redirect"), &["need.created"]).await;
    let org = app.organization("Redirected").await;
    app.create("/api/v1/needs", &json!({"organization_id": org, "title": "Interim CTO", "reason": "replacement"}))
        .await;
    let attempted = first_attempted(&app, &webhook).await;
    assert_eq!(attempted["status"], "pending", "refused, to be retried: {attempted}");
    assert!(attempted["last_error"].as_str().unwrap().contains("cloud metadata"), "{attempted}");
}

/// Two instances poll one outbox: each event reaches the receiver once.
async fn two_instances_deliver_each_event_once(app: TestApp) {
    let other = app.another_instance_with(receiving).await;
    let receiver = Receiver::start();
    subscribe(&app, &receiver.url, &["candidate.created"]).await;
    for i in 0..20 {
        let via = if i % 2 == 0 { &app } else { &other };
        via.create(
            "/api/v1/candidates",
            &json!({"first_name": "N", "last_name": format!("{i}"), "email": format!("n{i}@example.com")}),
        )
        .await;
    }
    receiver.wait_for("twenty events", |r| r.len() >= 20).await;
    // Time for a second, duplicate send to arrive if there were one.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let received = receiver.received();
    let mut ids: Vec<&str> = received.iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!((received.len(), ids.len()), (20, 20), "each of 20 events once");
}

/// Fast polls, and no network allowlisted: public addresses only.
fn guarded(config: &mut Config) {
    config.webhooks.poll_ms = 50;
    config.webhooks.retry_first_ms = 100;
}

backend_tests!(
    config = receiving;
    events_are_signed_delivered_and_logged,
    failed_deliveries_are_retried_then_given_up_and_can_be_redelivered,
    a_rotated_secret_signs_next_to_the_previous_one,
    redirects_are_checked_again,
    two_instances_deliver_each_event_once,
    subscriptions_are_validated_and_managed,
);

/// The guard's own configuration, which `backend_tests!` cannot give a second time.
mod guard {
    use crate::helpers::TestApp;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::the_address_guard_refuses_non_public_receivers(TestApp::sqlite_with(super::guarded).await).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(app) = TestApp::postgres_with(super::guarded).await {
            super::the_address_guard_refuses_non_public_receivers(app).await
        }
    }
}
