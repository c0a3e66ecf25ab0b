//! No lost updates: reads carry an `ETag`, changes need `If-Match` (missing:
//! 428, stale: 412), and of two racing changes made against the same
//! version exactly one wins.

use serde_json::json;

use crate::helpers::{TestApp, backend_tests, json_of, problem};

async fn etags_guard_every_change(app: TestApp) {
    let created = app.post("/api/v1/organizations", &json!({"name": "Northwind"})).await;
    assert_eq!(created.headers()["etag"], "\"v1\"");
    let id = json_of(created, 201).await["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/organizations/{id}");
    let read = app.get(&path).await;
    let etag = read.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(etag, "\"v1\"");

    let unconditional = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&app.token)
        .header("content-type", "application/merge-patch+json")
        .body(r#"{"region": "EMEA"}"#)
        .send()
        .await
        .unwrap();
    problem(unconditional, 428, "precondition-required").await;
    problem(app.patch_if(&path, &json!({"region": "EMEA"}), "\"v7\"").await, 412, "precondition-failed").await;
    problem(app.patch_if(&path, &json!({"region": "EMEA"}), "W/\"v1\"").await, 412, "precondition-failed").await;
    let changed = app.patch_if(&path, &json!({"region": "EMEA"}), &etag).await;
    assert_eq!(changed.headers()["etag"], "\"v2\"");
    assert_eq!(json_of(changed, 200).await["region"], "EMEA");
    // The old ETag is stale now, for changes and for deletion.
    problem(app.patch_if(&path, &json!({"region": "APAC"}), &etag).await, 412, "precondition-failed").await;
    let stale_delete =
        app.client.delete(app.url(&path)).bearer_auth(&app.token).header("if-match", etag).send().await.unwrap();
    problem(stale_delete, 412, "precondition-failed").await;
    let no_precondition = app.client.delete(app.url(&path)).bearer_auth(&app.token).send().await.unwrap();
    problem(no_precondition, 428, "precondition-required").await;
    let delete = app
        .client
        .delete(app.url(&path))
        .bearer_auth(&app.token)
        .header("if-match", "\"v1\", \"v2\"")
        .send()
        .await
        .unwrap();
    assert_eq!(delete.status(), 204);
}

async fn of_racing_changes_exactly_one_wins(app: TestApp) {
    let need = app.create("/api/v1/organizations", &json!({"name": "Race"})).await;
    let path = format!("/api/v1/organizations/{}", need["id"].as_str().unwrap());
    let mut racers = tokio::task::JoinSet::new();
    for i in 0..8 {
        let request = app
            .client
            .patch(app.url(&path))
            .bearer_auth(&app.token)
            .header("if-match", "\"v1\"")
            .header("content-type", "application/merge-patch+json")
            .body(json!({"region": format!("region {i}")}).to_string());
        racers.spawn(async move { request.send().await.unwrap().status().as_u16() });
    }
    let mut statuses = racers.join_all().await;
    statuses.sort();
    assert_eq!(statuses, [200, 412, 412, 412, 412, 412, 412, 412]);
    let read = json_of(app.get(&path).await, 200).await;
    assert_eq!(read["version"], 2);
}

async fn every_resource_is_tagged(app: TestApp) {
    let org = app.organization("Tagged").await;
    let need =
        app.create("/api/v1/needs", &json!({"organization_id": org, "title": "CFO", "reason": "replacement"})).await;
    let candidate = app
        .create("/api/v1/candidates", &json!({"first_name": "A", "last_name": "B", "email": "ab@example.com"}))
        .await;
    let skillset = app.create("/api/v1/skillsets", &json!({"name": "Profile"})).await;
    for path in [
        format!("/api/v1/organizations/{org}"),
        format!("/api/v1/needs/{}", need["id"].as_str().unwrap()),
        format!("/api/v1/candidates/{}", candidate["id"].as_str().unwrap()),
        format!("/api/v1/skillsets/{}", skillset["id"].as_str().unwrap()),
        "/api/v1/skills/crm-systems".to_owned(),
    ] {
        let response = app.get(&path).await;
        let etag = response.headers()["etag"].to_str().unwrap().to_owned();
        let version = json_of(response, 200).await["version"].as_i64().unwrap();
        assert_eq!(etag, format!("\"v{version}\""), "{path}");
        problem(app.patch_if(&path, &json!({}), "\"v999\"").await, 412, "precondition-failed").await;
        json_of(app.patch_if(&path, &json!({}), &etag).await, 200).await;
    }
}

/// An invalid body is refused for what it is, whatever version it names; an
/// empty If-Match names none.
async fn invalid_bodies_are_refused_before_the_version_is_compared(app: TestApp) {
    let org = app.organization("Ordered").await;
    let path = format!("/api/v1/organizations/{org}");
    let invalid = json!({"name": null, "country": "Narnia"});
    problem(app.patch_if(&path, &invalid, "\"v999\"").await, 422, "validation-failed").await;
    problem(app.patch_if(&path, &json!({"region": "EMEA"}), "").await, 428, "precondition-required").await;
    problem(app.patch_if(&path, &json!({"region": "EMEA"}), "\"v999\"").await, 412, "precondition-failed").await;
    assert_eq!(json_of(app.get(&path).await, 200).await["version"], 1);
}

backend_tests!(
    etags_guard_every_change,
    of_racing_changes_exactly_one_wins,
    every_resource_is_tagged,
    invalid_bodies_are_refused_before_the_version_is_compared
);
