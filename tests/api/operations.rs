use crate::helpers::{TestApp, backend_tests, json_of, problem, test_config};

async fn health_and_readiness(app: TestApp) {
    let health = json_of(app.get("/health").await, 200).await;
    assert_eq!(health["status"], "ok");
    let ready = json_of(app.get("/ready").await, 200).await;
    let backend = if app.database_url.starts_with("postgres") { "postgresql" } else { "sqlite" };
    assert_eq!(ready["database"], backend);
}

async fn request_ids_are_echoed_or_made(app: TestApp) {
    let given = app.client.get(app.url("/health")).header("x-request-id", "trace-42").send().await.unwrap();
    assert_eq!(given.headers()["x-request-id"], "trace-42");
    let made = app.get("/health").await;
    let id = made.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 36, "a generated UUID: {id}");
    // A header that could inject into logs is replaced.
    let hostile = app.client.get(app.url("/health")).header("x-request-id", "a b\tc").send().await.unwrap();
    assert_ne!(hostile.headers()["x-request-id"], "a b\tc");
}

async fn unknown_routes_are_problems(app: TestApp) {
    problem(app.get("/api/v1/nothing-here").await, 404, "not-found").await;
    problem(app.get("/nope").await, 404, "not-found").await;
}

async fn unsupported_methods_answer_405_with_allow(app: TestApp) {
    let put = app.with(&app.token).request(reqwest::Method::PUT, "/api/v1/organizations", None).await;
    assert_eq!(put.headers()["allow"], "GET, POST");
    problem(put, 405, "method-not-allowed").await;
    let on_item = app
        .with(&app.token)
        .request(reqwest::Method::PUT, "/api/v1/needs/0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c", None)
        .await;
    assert_eq!(on_item.headers()["allow"], "GET, PATCH, DELETE");
    problem(on_item, 405, "method-not-allowed").await;
    problem(app.with(&app.token).request(reqwest::Method::DELETE, "/health", None).await, 405, "method-not-allowed")
        .await;
    problem(app.with(&app.token).request(reqwest::Method::PUT, "/api/v1/nothing", None).await, 404, "not-found").await;
    // `/candidates/export` also fits `/candidates/{id}`; the literal path names the methods.
    let export = app.with(&app.token).request(reqwest::Method::OPTIONS, "/api/v1/candidates/export", None).await;
    assert_eq!(export.headers()["allow"], "GET");
    problem(export, 405, "method-not-allowed").await;
    // `/needs/import` fits `/needs/{id}` too, whose handlers would take `import` for an id (and ask for If-Match).
    for method in [reqwest::Method::PATCH, reqwest::Method::DELETE, reqwest::Method::GET] {
        let import = app.with(&app.token).request(method, "/api/v1/needs/import", None).await;
        assert_eq!(import.headers()["allow"], "POST");
        problem(import, 405, "method-not-allowed").await;
    }
    let audit = app.get("/api/v1/audit-events?organization_id=").await;
    problem(audit, 400, "invalid-query").await;
}

async fn swagger_ui_and_spec_are_served(app: TestApp) {
    let docs = app.get("/docs/").await;
    assert_eq!(docs.status(), 200);
    let html = docs.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    let spec = json_of(app.get("/openapi.json").await, 200).await;
    assert_eq!(spec["openapi"], "3.1.0");
    assert!(spec["paths"]["/api/v1/candidates"].is_object());
}

async fn demo_data_loads_once(app: TestApp) {
    let db = interim_tracker::prepare_database(&test_config(&app.database_url)).unwrap();
    let summary = interim_tracker::demo::load(&db).unwrap();
    assert!(summary.contains("200 candidates"), "{summary}");
    let again = interim_tracker::demo::load(&db).unwrap();
    assert!(again.starts_with("The demo data is loaded already."), "{again}");
    // Both name the same need, and the calls to make next: its matches, then one explanation.
    let need_of =
        |text: &str| text.split("NEED=").nth(1).and_then(|rest| rest.split_whitespace().next()).map(str::to_owned);
    let need = need_of(&summary).unwrap();
    assert_eq!(need_of(&again).as_deref(), Some(need.as_str()), "{again}");
    for call in ["/api/v1/needs/$NEED/matches?limit=5", "/api/v1/needs/$NEED/matches/$CANDIDATE"] {
        assert!(summary.contains(call), "{summary}");
    }
    let shown = json_of(app.get(&format!("/api/v1/needs/{need}")).await, 200).await;
    assert_eq!(shown["reason"], "crisis");
    let matches = json_of(app.get(&format!("/api/v1/needs/{need}/matches?limit=1")).await, 200).await;
    let candidate = matches["items"][0]["candidate_id"].as_str().unwrap().to_owned();
    json_of(app.get(&format!("/api/v1/needs/{need}/matches/{candidate}")).await, 200).await;
    let total = |path: &'static str| {
        let app = &app;
        async move {
            json_of(app.get(&format!("{path}?include_total=true&limit=1")).await, 200).await["total"].as_i64().unwrap()
        }
    };
    assert_eq!(total("/api/v1/candidates").await, 200);
    assert_eq!(total("/api/v1/organizations").await, 5);
    assert_eq!(total("/api/v1/needs").await, 5);
    let crisis = json_of(app.get("/api/v1/needs?reason=crisis&include_total=true").await, 200).await;
    assert_eq!(crisis["total"], 3);
}

/// `/metrics` speaks Prometheus: requests by route template (never the raw
/// path) and status, the pools, the matching index and match latency.
async fn metrics_are_exposed_for_prometheus(app: TestApp) {
    let org = app.organization("Measured").await;
    json_of(app.get(&format!("/api/v1/organizations/{org}")).await, 200).await;
    app.get("/api/v1/nothing-here").await;
    let candidate = serde_json::json!({"first_name": "Ada", "last_name": "Byron", "email": "ada@example.com"});
    app.create("/api/v1/candidates", &candidate).await;
    let need = app
        .create(
            "/api/v1/needs",
            &serde_json::json!({"organization_id": org, "title": "CFO", "reason": "replacement", "status": "open"}),
        )
        .await;
    json_of(app.get(&format!("/api/v1/needs/{}/matches", need["id"].as_str().unwrap())).await, 200).await;

    let expected = [
        r#"interim_tracker_http_request_duration_seconds_count{method="GET",route="/api/v1/organizations/{id}",status="200"} 1"#,
        r#"interim_tracker_http_request_duration_seconds_bucket{method="POST",route="/api/v1/candidates",status="201",le="+Inf"} 1"#,
        r#"route="unmatched",status="404""#,
        "interim_tracker_match_duration_seconds_count 1",
        "interim_tracker_match_index_candidates 1",
        // The candidate created above, kept as the JSON its answer carried.
        "interim_tracker_rendered_candidates 1",
        r#"interim_tracker_db_pool_connections{pool=""#,
        r#"interim_tracker_db_pool_waiting{pool=""#,
    ];
    // Some figures are recorded just after an answer leaves (a request's duration), and the instance's
    // follower drops the rendered copy of a candidate once it sees the candidate's change logged (within a
    // second): list the candidates (which renders them again) and read the page again until all are in,
    // for a few seconds on a loaded machine.
    let started = std::time::Instant::now();
    let text = loop {
        json_of(app.get("/api/v1/candidates").await, 200).await;
        let response = app.client.get(app.url("/metrics")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
        let text = response.text().await.unwrap();
        if expected.iter().all(|e| text.contains(e)) || started.elapsed() > std::time::Duration::from_secs(10) {
            break text;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    for expected in expected {
        assert!(text.contains(expected), "{expected} is missing from\n{text}");
    }
    assert!(!text.contains(&org), "a raw path (with an id) became a label");
}

backend_tests!(
    metrics_are_exposed_for_prometheus,
    demo_data_loads_once,
    health_and_readiness,
    request_ids_are_echoed_or_made,
    unknown_routes_are_problems,
    unsupported_methods_answer_405_with_allow,
    swagger_ui_and_spec_are_served
);
