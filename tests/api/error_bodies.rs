//! Errors never reveal internals: every kind of error this API can be pushed
//! into answers problem+json without SQL, stack traces, crate or backend
//! names, or source paths.

use reqwest::{Method, Response};
use serde_json::json;

use crate::helpers::{TestApp, backend_tests};

/// Words that would betray the implementation, in lower case.
const INTERNALS: &[&str] = &[
    "select ",
    "insert ",
    "update ",
    "delete from",
    " where ",
    "returning",
    "diesel",
    "sqlite",
    "postgres",
    "pg_",
    "sqlstate",
    "duplicate key",
    "constraint",
    "violates",
    "r2d2",
    "panicked",
    "backtrace",
    "stack",
    "thread '",
    "src/",
    ".rs:",
    "/home/",
    "/work/",
    "anyhow",
    "actix",
    "serde",
    "interim_tracker::",
];

async fn send(app: &TestApp, method: Method, path: &str, headers: &[(&str, &str)], body: Option<String>) -> Response {
    let mut request = app.client.request(method, app.url(path)).bearer_auth(&app.token);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request.body(body);
    }
    request.send().await.unwrap()
}

async fn post(app: &TestApp, path: &str, body: &str) -> Response {
    send(app, Method::POST, path, &[("content-type", "application/json")], Some(body.to_owned())).await
}

async fn errors_reveal_nothing_internal(app: TestApp) {
    const JSON: (&str, &str) = ("content-type", "application/json");
    const MERGE: (&str, &str) = ("content-type", "application/merge-patch+json");
    let unknown = "0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c";
    let org = app.organization("Northwind").await;
    let org_path = format!("/api/v1/organizations/{org}");
    app.create(
        "/api/v1/candidates",
        &json!({"first_name": "Ada", "last_name": "Byron", "email": "ada@example.com", "external_id": "ats-1"}),
    )
    .await;
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let member = app.user("org_member", Some(&org)).await;

    let mut answers: Vec<(&str, Response)> = vec![
        ("bad id", app.get("/api/v1/candidates/not-a-uuid").await),
        ("bad id with quotes", app.get("/api/v1/candidates/'%20OR%201=1--").await),
        ("unknown id", app.get(&format!("/api/v1/needs/{unknown}")).await),
        ("unknown route", app.get("/api/v1/../../etc/passwd").await),
        ("unsupported method", send(&app, Method::PUT, "/api/v1/organizations", &[], None).await),
        ("malformed JSON", post(&app, "/api/v1/organizations", "{\"name\": ").await),
        ("trailing garbage", post(&app, "/api/v1/organizations", "{\"name\": \"A\"} ;DROP TABLE x").await),
        ("deep JSON", post(&app, "/api/v1/organizations", &deep).await),
        ("wrong type", post(&app, "/api/v1/organizations", "{\"name\": 42}").await),
        ("huge number", post(&app, "/api/v1/candidates", "{\"first_name\": \"A\", \"last_name\": \"B\", \"email\": \"x@y.co\", \"years_experience\": 1e400}").await),
        ("integer overflow", post(&app, "/api/v1/candidates", "{\"first_name\": \"A\", \"last_name\": \"B\", \"email\": \"x@y.co\", \"years_experience\": 99999999999999999999}").await),
        ("NUL in text", post(&app, "/api/v1/organizations", "{\"name\": \"Nul\\u0000Corp\"}").await),
        ("empty body", send(&app, Method::POST, "/api/v1/organizations", &[JSON], None).await),
        ("unique e-mail", post(&app, "/api/v1/candidates", "{\"first_name\": \"A\", \"last_name\": \"B\", \"email\": \"ADA@example.com\"}").await),
        ("unique external id", post(&app, "/api/v1/candidates", "{\"first_name\": \"A\", \"last_name\": \"B\", \"email\": \"b@example.com\", \"external_id\": \"ats-1\"}").await),
        ("unknown reference", post(&app, "/api/v1/needs", &format!("{{\"organization_id\": \"{unknown}\", \"title\": \"CFO\", \"reason\": \"replacement\"}}")).await),
        ("bad query", app.get("/api/v1/candidates?limit=abc").await),
        ("bad sort", app.get("/api/v1/candidates?sort=name;DROP%20TABLE%20candidates").await),
        ("bad cursor", app.get("/api/v1/candidates?cursor=%27%20OR%201%3D1").await),
        ("no If-Match", send(&app, Method::PATCH, &org_path, &[MERGE], Some("{}".into())).await),
        ("stale If-Match", send(&app, Method::PATCH, &org_path, &[MERGE, ("if-match", "\"v0\"")], Some("{}".into())).await),
        ("garbled If-Match", send(&app, Method::PATCH, &org_path, &[MERGE, ("if-match", "v'1")], Some("{}".into())).await),
        ("wrong media type", send(&app, Method::POST, "/api/v1/organizations", &[("content-type", "text/xml")], Some("<a/>".into())).await),
        ("too large", post(&app, "/api/v1/organizations", &format!("{{\"name\": \"{}\"}}", "x".repeat(100 * 1024))).await),
        ("bad token", app.client.get(app.url("/api/v1/organizations")).bearer_auth("a.b.c").send().await.unwrap()),
        ("forbidden", app.with(&member).get("/api/v1/audit-events").await),
        ("refused move", post(&app, &format!("/api/v1/needs/{unknown}/pipeline/{unknown}/moves"), "{\"to\": \"placed\"}").await),
    ];
    // Invalid UTF-8 in a JSON body.
    answers.push((
        "invalid UTF-8 body",
        app.client
            .post(app.url("/api/v1/organizations"))
            .bearer_auth(&app.token)
            .header("content-type", "application/json")
            .body(vec![b'{', b'"', b'n', b'"', b':', b'"', 0xff, 0xfe, b'"', b'}'])
            .send()
            .await
            .unwrap(),
    ));

    let mut server_errors = Vec::new();
    for (what, response) in answers {
        let status = response.status();
        assert!(status.is_client_error() || status.is_server_error(), "{what}: {status}");
        if status.is_server_error() {
            server_errors.push(what);
        }
        let headers = format!("{:?}", response.headers()).to_ascii_lowercase();
        let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
        let body = response.text().await.unwrap();
        assert_eq!(content_type.as_deref(), Some("application/problem+json"), "{what}: {status} {body}");
        let lower = body.to_ascii_lowercase();
        for word in INTERNALS {
            assert!(!lower.contains(word), "{what}: {status} reveals {word:?}: {body}");
            assert!(!headers.contains(word), "{what}: {status} headers reveal {word:?}: {headers}");
        }
    }
    assert!(server_errors.is_empty(), "bad input answered 5xx: {server_errors:?}");
}

backend_tests!(errors_reveal_nothing_internal);
