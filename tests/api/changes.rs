//! The change feed (`GET /api/v1/changes`), on both backends: creates,
//! updates and deletions in commit order with the position to read on from,
//! filters by kind of record, what each caller may see (scopes, and an
//! organization member its own organization only), `since=now`, and 410 for a
//! position older than what is kept or ahead of the feed.

use interim_tracker::db::{Database, DatabaseUrl};
use serde_json::{Value, json};

use crate::helpers::{TestApp, backend_tests, json_of, problem};
use crate::pipeline::{add, candidate, move_to, open_need};

async fn feed(app: &TestApp, token: &str, query: &str) -> Value {
    json_of(app.with(token).get(&format!("/api/v1/changes?{query}")).await, 200).await
}

/// Every change after `since`, following `next_since` while `has_more`; gives them and where to read on.
async fn read_all(app: &TestApp, token: &str, since: &str, extra: &str) -> (Vec<Value>, String) {
    let mut items = Vec::new();
    let mut since = since.to_owned();
    loop {
        let page = feed(app, token, &format!("since={since}&limit=2{extra}")).await;
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        since = page["next_since"].as_str().unwrap().to_owned();
        if !page["has_more"].as_bool().unwrap() {
            return (items, since);
        }
    }
}

fn summary(changes: &[Value]) -> Vec<(String, String, String)> {
    changes
        .iter()
        .map(|c| {
            (
                c["type"].as_str().unwrap().to_owned(),
                c["action"].as_str().unwrap().to_owned(),
                c["resource_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn creates_updates_and_deletions_in_order(app: TestApp) {
    let start = feed(&app, &app.token, "since=now").await;
    assert_eq!(start["items"], json!([]));
    assert_eq!(start["has_more"], false);
    let start = start["next_since"].as_str().unwrap().to_owned();

    let org = app.organization("Northwind Retail").await;
    let ada = candidate(&app, "Ada").await;
    let need = open_need(&app, &org, "Interim CFO").await;
    add(&app, &need, &ada).await;
    assert_eq!(move_to(&app, &need, &ada, json!({"to": "screening"})).await.status(), 200);
    let patched =
        app.patch_if(&format!("/api/v1/candidates/{ada}"), &json!({"headline": "Interim CFO"}), "\"v1\"").await;
    assert_eq!(patched.status(), 200);
    let bob = candidate(&app, "Bob").await;
    assert_eq!(app.delete(&format!("/api/v1/candidates/{bob}")).await.status(), 204);

    let (changes, next) = read_all(&app, &app.token, &start, "").await;
    let entry = changes.iter().find(|c| c["type"] == "pipeline.entry_created").unwrap()["resource_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let s = |t: &str, a: &str, id: &str| (t.to_owned(), a.to_owned(), id.to_owned());
    assert_eq!(
        summary(&changes),
        [
            s("candidate.created", "created", &ada),
            s("need.created", "created", &need),
            s("pipeline.entry_created", "created", &entry),
            s("pipeline.entry_moved", "updated", &entry),
            s("candidate.updated", "updated", &ada),
            s("candidate.created", "created", &bob),
            s("candidate.deleted", "deleted", &bob),
        ]
    );
    let seqs: Vec<u64> = changes.iter().map(|c| c["seq"].as_str().unwrap().parse().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert_eq!(next, seqs.last().unwrap().to_string());
    let moved = &changes[3];
    assert_eq!(moved["resource"], "pipeline_entry");
    assert_eq!(moved["organization_id"], org.as_str());
    assert_eq!(moved["data"]["stage"], "screening");
    assert_eq!(moved["data"]["previous_stage"], "sourced");
    assert_eq!(changes[4]["data"]["version"], 2);
    assert!(changes[4]["event_id"].as_str().unwrap().starts_with("evt_"));
    assert!(changes[4]["occurred_at"].as_str().is_some());

    // Read on from `next_since`: nothing new, the same position; a new change follows.
    let again = feed(&app, &app.token, &format!("since={next}")).await;
    assert_eq!((again["items"].clone(), again["next_since"].clone()), (json!([]), json!(next)));
    // A need's deletion takes its pipeline with it: one change says so.
    let deleted = app.delete(&format!("/api/v1/needs/{need}")).await;
    assert_eq!(deleted.status(), 204, "{}", deleted.text().await.unwrap());
    let after = feed(&app, &app.token, &format!("since={next}")).await;
    assert_eq!(summary(after["items"].as_array().unwrap()), [s("need.deleted", "deleted", &need)]);

    // Without `since`: from the oldest change kept, the same changes from the start.
    let (everything, _) = read_all(&app, &app.token, "", "").await;
    assert!(everything.len() > changes.len());

    // Only some kinds of record.
    let (candidates, _) = read_all(&app, &app.token, &start, "&resource=candidate").await;
    assert!(candidates.iter().all(|c| c["resource"] == "candidate"));
    assert_eq!(candidates.len(), 4);
    let (two, _) = read_all(&app, &app.token, &start, "&resource=need,pipeline_entry").await;
    assert_eq!(two.len(), 4, "{two:?}");
}

async fn each_caller_sees_what_it_may_read(app: TestApp) {
    let start = feed(&app, &app.token, "since=now").await["next_since"].as_str().unwrap().to_owned();
    let ours = app.organization("Northwind Retail").await;
    let theirs = app.organization("Contoso").await;
    let ada = candidate(&app, "Ada").await;
    let our_need = open_need(&app, &ours, "Interim COO").await;
    let their_need = open_need(&app, &theirs, "Interim CHRO").await;
    add(&app, &our_need, &ada).await;
    add(&app, &their_need, &ada).await;

    // A member of one organization: its needs and pipelines, no candidate, nothing of another organization.
    let member = app.user("org_member", Some(&ours)).await;
    let (seen, _) = read_all(&app, &member, &start, "").await;
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen.iter().all(|c| c["organization_id"] == ours.as_str()), "{seen:?}");
    problem(app.with(&member).get("/api/v1/changes?resource=candidate").await, 403, "forbidden").await;

    // An API key with one scope sees that kind of record only.
    let key = app.api_key(&["needs:read"], None).await;
    let (needs, _) = read_all(&app, &key, &start, "").await;
    assert_eq!(
        summary(&needs).iter().map(|(t, _, _)| t.as_str()).collect::<Vec<_>>(),
        ["need.created", "need.created"]
    );
    problem(app.with(&key).get("/api/v1/changes?resource=pipeline_entry").await, 403, "forbidden").await;
    let none = app.api_key(&["webhooks:manage"], None).await;
    problem(app.with(&none).get("/api/v1/changes").await, 403, "forbidden").await;
    problem(app.anonymous().get("/api/v1/changes").await, 401, "unauthenticated").await;
}

async fn positions_not_kept_are_gone(app: TestApp) {
    let first = candidate(&app, "Ada").await;
    let since = feed(&app, &app.token, "since=now").await["next_since"].as_str().unwrap().to_owned();
    candidate(&app, "Bob").await;

    // Bad positions and kinds are refused.
    for query in ["since=yesterday", "since=-1", "resource=candidates", "resource=candidate,,need", "limit=0"] {
        problem(app.get(&format!("/api/v1/changes?{query}")).await, 400, "invalid-query").await;
    }
    // A position ahead of the feed comes from another database (or from before a restore).
    let ahead: u64 = since.parse::<u64>().unwrap() + 1000;
    let body = problem(app.get(&format!("/api/v1/changes?since={ahead}")).await, 410, "gone").await;
    assert!(body["detail"].as_str().unwrap().contains("ahead"), "{body}");

    // Forgetting what is older than the kept period (as the hourly pass does): an older position is gone,
    // the oldest one kept still reads, and nothing is silently skipped.
    let db = Database::connect(&DatabaseUrl::parse(&app.database_url).unwrap(), 1).unwrap();
    let cut = interim_tracker::db::now() + chrono::Duration::seconds(1);
    let forgotten = db.write_blocking(|conn| interim_tracker::db::changes::forget_before(conn, cut)).unwrap();
    assert!(forgotten >= 2, "{forgotten}");
    let body = problem(app.get(&format!("/api/v1/changes?since={since}")).await, 410, "gone").await;
    assert!(body["detail"].as_str().unwrap().contains("sync again"), "{body}");
    let oldest = feed(&app, &app.token, "").await;
    assert_eq!(oldest["items"], json!([]));
    let kept = oldest["next_since"].as_str().unwrap().to_owned();
    let patched =
        app.patch_if(&format!("/api/v1/candidates/{first}"), &json!({"headline": "Interim CFO"}), "\"v1\"").await;
    assert_eq!(patched.status(), 200);
    let page = feed(&app, &app.token, &format!("since={kept}")).await;
    assert_eq!(summary(page["items"].as_array().unwrap()), [("candidate.updated".into(), "updated".into(), first)]);
}

backend_tests!(creates_updates_and_deletions_in_order, each_caller_sees_what_it_may_read, positions_not_kept_are_gone);
