//! NDJSON exports of candidates and needs: streamed in batches, every row
//! once, with the list's filters; members get their own organization's needs.

use serde_json::{Value, json};

use crate::helpers::{TestApp, backend_tests, json_of, problem};

async fn lines(response: reqwest::Response) -> Vec<Value> {
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    let body = response.text().await.unwrap();
    assert!(body.is_empty() || body.ends_with('\n'), "every line ends with a newline");
    body.lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

async fn candidates_are_exported_in_full_with_the_list_filters(app: TestApp) {
    // More than one batch (200), so the stream crosses a batch boundary.
    for i in 0..205 {
        let status = if i % 50 == 0 { "inactive" } else { "active" };
        let body = json!({"first_name": "C", "last_name": format!("{i:03}"), "email": format!("c{i}@example.com"), "status": status});
        let created = app.client.post(app.url("/api/v1/candidates")).bearer_auth(&app.token).json(&body).send().await;
        assert_eq!(created.unwrap().status(), 201);
    }
    let all = lines(app.get("/api/v1/candidates/export").await).await;
    assert_eq!(all.len(), 205);
    let mut ids: Vec<&str> = all.iter().map(|c| c["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 205, "every candidate exactly once");
    assert_eq!(all[0]["email"], "c0@example.com", "oldest first, the full view");

    let inactive = lines(app.get("/api/v1/candidates/export?status=inactive").await).await;
    assert_eq!(inactive.len(), 5);
    let by_name = lines(app.get("/api/v1/candidates/export?sort=-last_name").await).await;
    assert_eq!(by_name[0]["last_name"], "204");

    // A nightly sync: what changed since the last run started.
    let since = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let changed = &all[7];
    let path = format!("/api/v1/candidates/{}", changed["id"].as_str().unwrap());
    json_of(app.patch_if(&path, &json!({"headline": "Back on the market"}), "\"v1\"").await, 200).await;
    let since = since.replace('+', "%2B");
    let delta = lines(app.get(&format!("/api/v1/candidates/export?updated_since={since}")).await).await;
    assert_eq!(delta.len(), 1);
    assert_eq!(delta[0]["headline"], "Back on the market");

    problem(app.get("/api/v1/candidates/export?status=retired").await, 400, "invalid-query").await;
    let member = app.user("org_member", Some(&app.organization("Nosy").await)).await;
    problem(app.with(&member).get("/api/v1/candidates/export").await, 403, "forbidden").await;
    problem(app.anonymous().get("/api/v1/candidates/export").await, 401, "unauthenticated").await;
}

async fn members_export_their_own_needs_only(app: TestApp) {
    let (mine, theirs) = (app.organization("Mine").await, app.organization("Theirs").await);
    for (org, title) in [(&mine, "CFO"), (&mine, "COO"), (&theirs, "CXO")] {
        app.create("/api/v1/needs", &json!({"organization_id": org, "title": title, "reason": "replacement"})).await;
    }
    assert_eq!(lines(app.get("/api/v1/needs/export").await).await.len(), 3);
    let member = app.user("org_member", Some(&mine)).await;
    let own = lines(app.with(&member).get(&format!("/api/v1/needs/export?organization_id={theirs}")).await).await;
    assert_eq!(own.len(), 2);
    assert!(own.iter().all(|n| n["organization_id"] == mine.as_str()));
}

backend_tests!(candidates_are_exported_in_full_with_the_list_filters, members_export_their_own_needs_only);
