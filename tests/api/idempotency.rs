//! `Idempotency-Key`: retried POSTs are answered from the first response and
//! never write twice.

use serde_json::{Value, json};

use crate::helpers::{TestApp, backend_tests, json_of, problem};

async fn post_with_key(app: &TestApp, token: &str, key: &str, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/organizations"))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn total(app: &TestApp) -> i64 {
    json_of(app.get("/api/v1/organizations?include_total=true").await, 200).await["total"].as_i64().unwrap()
}

async fn retries_replay_the_first_response(app: TestApp) {
    let body = json!({"name": "Northwind"});
    let first = post_with_key(&app, &app.token, "sync-2026-11-23-0001", &body).await;
    let location = first.headers()["location"].clone();
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first = json_of(first, 201).await;
    let again = post_with_key(&app, &app.token, "sync-2026-11-23-0001", &body).await;
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.headers()["location"], location);
    assert_eq!(again.headers()["etag"], "\"v1\"");
    assert_eq!(json_of(again, 201).await, first);
    assert_eq!(total(&app).await, 1, "never two records");

    // The same key for another request is a client bug: 422, and nothing written.
    let reused = problem(
        post_with_key(&app, &app.token, "sync-2026-11-23-0001", &json!({"name": "Other"})).await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(reused["errors"][0]["field"], "Idempotency-Key");
    assert_eq!(total(&app).await, 1);

    // Keys are per caller: another caller's identical key is theirs.
    let recruiter = app.user("recruiter", None).await;
    json_of(post_with_key(&app, &recruiter, "sync-2026-11-23-0001", &body).await, 201).await;
    assert_eq!(total(&app).await, 2);

    // A refused request is answered the same way again.
    let invalid = json!({"name": ""});
    problem(post_with_key(&app, &app.token, "bad-1", &invalid).await, 422, "validation-failed").await;
    let replayed = post_with_key(&app, &app.token, "bad-1", &invalid).await;
    assert_eq!(replayed.headers()["idempotent-replayed"], "true");
    problem(replayed, 422, "validation-failed").await;

    // A refusal of the caller is not pinned to the key: the same key with
    // another body is refused as the caller, not as a reused key.
    let org = app.organization("Member's own").await;
    let member = app.user("org_member", Some(&org)).await;
    problem(post_with_key(&app, &member, "member-1", &json!({"name": "A"})).await, 403, "forbidden").await;
    problem(post_with_key(&app, &member, "member-1", &json!({"name": "B"})).await, 403, "forbidden").await;

    problem(post_with_key(&app, &app.token, &"k".repeat(300), &body).await, 400, "invalid-query").await;
    // Without a key, every POST is a new request.
    app.create("/api/v1/organizations", &body).await;
    app.create("/api/v1/organizations", &body).await;
    assert_eq!(total(&app).await, 5);
}

async fn concurrent_duplicates_write_once(app: TestApp) {
    let mut racers = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let request = app
            .client
            .post(app.url("/api/v1/organizations"))
            .bearer_auth(&app.token)
            .header("idempotency-key", "race-1")
            .json(&json!({"name": "Racing Retail"}));
        racers.spawn(async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        });
    }
    let answers = racers.join_all().await;
    assert!(answers.iter().all(|(s, _)| *s == 201 || *s == 409), "{answers:?}");
    let ids: Vec<&Value> = answers.iter().filter(|(s, _)| *s == 201).map(|(_, b)| &b["id"]).collect();
    assert!(!ids.is_empty());
    assert!(ids.iter().all(|id| *id == ids[0]), "every success is the same record");
    assert_eq!(total(&app).await, 1, "never two records");
}

backend_tests!(retries_replay_the_first_response, concurrent_duplicates_write_once);
