//! Several stateless instances on one database: what one writes, the other
//! serves at once; its matching index follows within a second, and so does
//! its memory of rendered candidates; a token of one is accepted by the
//! other, and a key revoked through one stops on both.
//! (Webhook deliveries and the retention purge run once across instances:
//! see `webhooks.rs` and `privacy.rs`.)

use std::time::{Duration, Instant};

use interim_tracker::db::{Database, DatabaseUrl, candidates};
use serde_json::json;

use crate::helpers::{TestApp, backend_tests, json_of, problem};

/// A gauge (`interim_tracker_` + `name`) as an instance's `/metrics` says.
async fn gauge(app: &TestApp, name: &str) -> u64 {
    let text = app.anonymous().get("/metrics").await.text().await.unwrap();
    let prefix = format!("interim_tracker_{name} ");
    text.lines().find_map(|l| l.strip_prefix(prefix.as_str())).and_then(|v| v.trim().parse().ok()).unwrap_or(0)
}

/// Waits until `app`'s gauge `name` reads `count`, for at most two seconds.
async fn until_gauge(app: &TestApp, name: &str, count: u64, what: &str) {
    let started = Instant::now();
    while gauge(app, name).await != count {
        assert!(started.elapsed() < Duration::from_millis(2000), "{what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until `app`'s matching index counts `count` candidates, for at most two seconds.
async fn until_indexed(app: &TestApp, count: u64, what: &str) {
    until_gauge(app, "match_index_candidates", count, what).await;
}

async fn two_instances_serve_one_database(a: TestApp) {
    let b = a.another_instance().await;

    // A token issued by one instance is accepted by the other.
    let me = json_of(b.with(&a.token).get("/api/v1/me").await, 200).await;
    assert_eq!(me["role"], "admin");

    // A write through one is read through the other at once, and a change through the other is seen back.
    let created = a
        .create("/api/v1/candidates", &json!({"first_name": "Scale", "last_name": "Out", "email": "scale@example.com"}))
        .await;
    let path = format!("/api/v1/candidates/{}", created["id"].as_str().unwrap());
    let read = b.get(&path).await;
    assert_eq!(read.headers()["etag"], "\"v1\"");
    json_of(b.patch_if(&path, &json!({"headline": "Through B"}), "\"v1\"").await, 200).await;
    assert_eq!(json_of(a.get(&path).await, 200).await["headline"], "Through B");
    // Nor does A's list answer with the version A rendered before.
    let listed = json_of(a.get("/api/v1/candidates").await, 200).await;
    let item = listed["items"].as_array().unwrap().iter().find(|c| c["id"] == created["id"]).unwrap().clone();
    assert_eq!((item["headline"].clone(), item["version"].clone()), (json!("Through B"), json!(2)));
    // The stale version is refused on either instance.
    problem(a.patch_if(&path, &json!({"headline": "Lost update"}), "\"v1\"").await, 412, "precondition-failed").await;

    // B's matching index counts the candidate within a second, without being asked to rank.
    until_indexed(&b, 1, "B's index did not follow within a second or so").await;

    // An API key revoked through one instance stops working on the other at once.
    let key = a.create("/api/v1/api-keys", &json!({"name": "scale", "scopes": ["candidates:read"]})).await;
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", key["id"].as_str().unwrap()),
        ("client_secret", key["client_secret"].as_str().unwrap()),
    ];
    let token = json_of(a.token_request(&form).await, 200).await["access_token"].as_str().unwrap().to_owned();
    assert_eq!(b.with(&token).get("/api/v1/candidates").await.status(), 200);
    let revoke = a
        .client
        .delete(a.url(&format!("/api/v1/api-keys/{}", key["id"].as_str().unwrap())))
        .bearer_auth(&a.token)
        .header("if-match", "*")
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), 204);
    problem(b.with(&token).get("/api/v1/candidates").await, 401, "unauthenticated").await;
}

/// Old changes are forgotten (every instance prunes once an hour), and the
/// instances go on following the log past the pruned part.
async fn the_change_log_is_pruned_and_still_followed(a: TestApp) {
    let b = a.another_instance().await;
    a.create("/api/v1/candidates", &json!({"first_name": "Old", "last_name": "Change", "email": "old@example.com"}))
        .await;
    // Pruning forgets changes a day old, which every instance has long followed.
    until_indexed(&b, 1, "B did not follow the log").await;
    let db = Database::connect(&DatabaseUrl::parse(&a.database_url).unwrap(), 1).unwrap();
    assert!(db.with_reader(candidates::last_change).unwrap() > 0);
    let later = interim_tracker::db::now() + chrono::Duration::minutes(1);
    let pruned = db.write_blocking(|conn| candidates::prune_changes(conn, later)).unwrap();
    assert!(pruned >= 1, "nothing was pruned");
    assert_eq!(db.with_reader(candidates::last_change).unwrap(), 0, "the log is empty");

    a.create("/api/v1/candidates", &json!({"first_name": "New", "last_name": "Change", "email": "new@example.com"}))
        .await;
    until_indexed(&b, 2, "B did not follow the log past the pruned part").await;
}

/// Erasure through one instance drops the other's rendered copy of the candidate within a second or so,
/// so no copy of the erased data stays in any instance's memory.
async fn an_erased_candidate_leaves_no_rendered_copy_on_any_instance(a: TestApp) {
    let b = a.another_instance().await;
    let created = a
        .create("/api/v1/candidates", &json!({"first_name": "Kept", "last_name": "Copy", "email": "kept@example.com"}))
        .await;
    let id = created["id"].as_str().unwrap();
    json_of(b.get(&format!("/api/v1/candidates/{id}")).await, 200).await;
    assert_eq!(gauge(&b, "rendered_candidates").await, 1);

    let erase =
        a.client.post(a.url(&format!("/api/v1/candidates/{id}/erase"))).bearer_auth(&a.token).send().await.unwrap();
    assert_eq!(erase.status(), 200);
    assert_eq!(gauge(&a, "rendered_candidates").await, 0, "the erasing instance drops its copy at once");
    until_gauge(&b, "rendered_candidates", 0, "B kept its rendered copy of the erased candidate").await;
    let read = json_of(b.get(&format!("/api/v1/candidates/{id}")).await, 200).await;
    assert_eq!(read["first_name"], "Erased");
}

backend_tests!(
    two_instances_serve_one_database,
    the_change_log_is_pruned_and_still_followed,
    an_erased_candidate_leaves_no_rendered_copy_on_any_instance
);
