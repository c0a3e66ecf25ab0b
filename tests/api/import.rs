//! Bulk import of candidates: NDJSON and CSV, good and bad rows mixed, the
//! upsert on external id or e-mail, dry runs, and a body of many batches.

use serde_json::{Value, json};

use crate::helpers::{TestApp, backend_tests, json_of, problem};

async fn send(app: &TestApp, query: &str, content_type: &str, body: impl Into<reqwest::Body>) -> reqwest::Response {
    app.post_body(&format!("/api/v1/candidates/import{query}"), content_type, body).await
}

async fn total(app: &TestApp) -> i64 {
    json_of(app.get("/api/v1/candidates?include_total=true").await, 200).await["total"].as_i64().unwrap()
}

fn statuses(report: &Value) -> Vec<&str> {
    report["results"].as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect()
}

fn ndjson(rows: &[Value]) -> String {
    rows.iter().map(|r| format!("{r}\n")).collect()
}

async fn good_rows_land_and_bad_rows_are_reported(app: TestApp) {
    let rows = [
        json!({"external_id": "ats-1", "first_name": "Ada", "last_name": "Byron", "email": "ada@example.com",
               "skills": [{"skill": "customer-data-analysis", "level": 5}]}),
        json!({"first_name": "Alan", "last_name": "Turing", "email": "not an e-mail"}),
        json!({"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"}),
        json!({"first_name": "Edsger", "last_name": "Dijkstra", "email": "ewd@example.com",
               "skills": [{"skill": "astrology", "level": 5}]}),
    ];
    let mut body = ndjson(&rows);
    body.push_str("{not json\n\n[1, 2]\n");
    let report = json_of(send(&app, "", "application/x-ndjson", body).await, 200).await;
    assert_eq!(statuses(&report), ["created", "failed", "created", "failed", "failed", "failed"]);
    assert_eq!(
        (report["rows"].as_i64(), report["created"].as_i64(), report["failed"].as_i64()),
        (Some(6), Some(2), Some(4))
    );
    let results = report["results"].as_array().unwrap();
    assert_eq!(results[1]["errors"][0]["field"], "email");
    assert_eq!(results[3]["errors"][0]["code"], "unknown_skill");
    assert_eq!(results[3]["errors"][0]["field"], "skills[0].skill");
    assert_eq!(results[4]["errors"][0]["code"], "malformed");
    assert_eq!(results[5]["row"], 6, "blank lines are not rows");
    assert_eq!(total(&app).await, 2, "the good rows landed, nothing of the bad ones");
    let ada = results[0]["id"].as_str().unwrap();
    let stored = json_of(app.get(&format!("/api/v1/candidates/{ada}")).await, 200).await;
    assert_eq!(stored["skills"][0]["skill"], "customer-data-analysis");

    // The same rows again: nothing changes. Then one row changed, by external id and by e-mail.
    let again =
        json_of(send(&app, "", "application/x-ndjson", ndjson(&[rows[0].clone(), rows[2].clone()])).await, 200).await;
    assert_eq!(statuses(&again), ["unchanged", "unchanged"]);
    assert_eq!(again["results"][0]["id"], ada);
    let changed = [
        json!({"external_id": "ats-1", "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com",
               "skills": [{"skill": "customer-data-analysis", "level": 5}]}),
        json!({"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com", "headline": "Interim CIO"}),
    ];
    let updated = json_of(send(&app, "", "application/x-ndjson", ndjson(&changed)).await, 200).await;
    assert_eq!(statuses(&updated), ["updated", "updated"]);
    let stored = json_of(app.get(&format!("/api/v1/candidates/{ada}")).await, 200).await;
    assert_eq!((stored["last_name"].as_str(), stored["version"].as_i64()), (Some("Lovelace"), Some(2)));
    assert_eq!(total(&app).await, 2);

    // Another row with Ada's e-mail but a new external id collides: refused, reported.
    let clash = json!({"external_id": "ats-2", "first_name": "A", "last_name": "B", "email": "ada@example.com"});
    let refused = json_of(send(&app, "", "application/x-ndjson", ndjson(&[clash])).await, 200).await;
    assert_eq!(statuses(&refused), ["failed"]);
    assert_eq!(refused["results"][0]["errors"][0]["code"], "conflict");
}

async fn csv_rows_nest_and_list(app: TestApp) {
    let body = "external_id,first_name,last_name,email,location.country,location.city,day_rate.amount,day_rate.currency,\
                skills,languages,industries,willing_to_travel,years_experience\n\
                ats-7,Margaret,Hamilton,\"margaret@example.com\",US,Boston,1800,USD,\
                customer-service-strategy:5:10;culture-management:4,en:native;de:professional,\"software; aerospace\",yes,25\n\
                ats-8,Bad,Rate,bad@example.com,US,,-5,USD,,,,no,3\n\
                short,row\n";
    let report = json_of(send(&app, "", "text/csv; charset=utf-8", body).await, 200).await;
    assert_eq!(statuses(&report), ["created", "failed", "failed"]);
    assert_eq!(report["results"][1]["errors"][0]["field"], "day_rate.amount");
    assert_eq!(report["results"][2]["errors"][0]["code"], "malformed");
    let id = report["results"][0]["id"].as_str().unwrap();
    let stored = json_of(app.get(&format!("/api/v1/candidates/{id}")).await, 200).await;
    assert_eq!(stored["location"], json!({"city": "Boston", "country": "US"}));
    assert_eq!(stored["day_rate"], json!({"amount": 1800, "currency": "USD"}));
    assert_eq!(stored["skills"][0], json!({"skill": "customer-service-strategy", "level": 5, "years": 10}));
    assert_eq!(stored["languages"][0], json!({"language": "de", "proficiency": "professional"}));
    assert_eq!(stored["industries"], json!(["aerospace", "software"]));
    // The same row again, its lists in another order than stored: unchanged.
    let again = json_of(send(&app, "", "text/csv", body).await, 200).await;
    assert_eq!(statuses(&again), ["unchanged", "failed", "failed"]);
    assert_eq!((stored["willing_to_travel"].as_bool(), stored["years_experience"].as_i64()), (Some(true), Some(25)));
}

async fn a_dry_run_reports_and_writes_nothing(app: TestApp) {
    let rows = [
        json!({"first_name": "A", "last_name": "One", "email": "one@example.com"}),
        json!({"first_name": "B", "last_name": "Two", "email": "two"}),
    ];
    let report = json_of(send(&app, "?dry_run=true", "application/x-ndjson", ndjson(&rows)).await, 200).await;
    assert_eq!(report["dry_run"], true);
    assert_eq!(statuses(&report), ["created", "failed"]);
    assert_eq!(total(&app).await, 0, "a dry run writes nothing");
    problem(send(&app, "", "application/json", "{}").await, 415, "unsupported-media-type").await;
    problem(send(&app, "", "text/csv", "{}").await, 400, "malformed-body").await;
    problem(send(&app, "", "text/csv", "null").await, 400, "malformed-body").await;
    problem(send(&app, "", "text/csv", "first_name,Last Name\nA,B\n").await, 400, "malformed-body").await;
    let org = app.organization("Members").await;
    let member = app.user("org_member", Some(&org)).await;
    let refused = app.with(&member).post_body("/api/v1/candidates/import", "text/csv", "first_name\nA\n").await;
    problem(refused, 403, "forbidden").await;
}

/// Far more than the JSON body limit (64 KiB in tests) and several batches,
/// sent in small chunks.
async fn a_large_import_streams_through_in_batches(app: TestApp) {
    let n = 1_800;
    let lines: Vec<String> = (0..n)
        .map(|i| json!({"external_id": format!("bulk-{i}"), "first_name": "Bulk", "last_name": format!("N{i}"), "email": format!("bulk{i}@example.com")}).to_string() + "\n")
        .collect();
    let chunks: Vec<Result<String, std::io::Error>> = lines.chunks(37).map(|c| Ok(c.concat())).collect();
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    let report = json_of(send(&app, "", "application/x-ndjson", body).await, 200).await;
    assert_eq!(report["created"], n);
    assert_eq!(report["results"][n - 1]["row"], n);
    assert_eq!(total(&app).await, n as i64);
    // The matching index follows imported candidates like any other write.
    let org = app.organization("Bulk").await;
    let need = app
        .create(
            "/api/v1/needs",
            &json!({"organization_id": org, "title": "Interim CFO", "reason": "replacement", "status": "open"}),
        )
        .await;
    let matches = json_of(
        app.get(&format!("/api/v1/needs/{}/matches?include_excluded=true&limit=5", need["id"].as_str().unwrap())).await,
        200,
    )
    .await;
    assert!(!matches["items"].as_array().unwrap().is_empty());
}

async fn needs_upsert_on_their_external_id(app: TestApp) {
    let org = app.organization("Importing Org").await;
    let other = app.organization("Other Org").await;
    let rows = [
        json!({"external_id": "req-1", "organization_id": org, "title": "Interim CFO", "reason": "replacement", "status": "open"}),
        json!({"external_id": "req-2", "organization_id": org, "title": "Interim CXO", "reason": "crisis"}),
        json!({"external_id": "req-3", "organization_id": org, "title": "Interim COO", "reason": "replacement", "status": "filled"}),
    ];
    let post = |body: String| app.post_body("/api/v1/needs/import", "application/x-ndjson", body);
    let report = json_of(post(ndjson(&rows)).await, 200).await;
    assert_eq!(statuses(&report), ["created", "failed", "failed"]);
    assert_eq!(report["results"][1]["errors"][0]["field"], "crisis_signals", "a crisis needs its signals");
    assert_eq!(report["results"][2]["errors"][0]["code"], "invalid_initial_status");

    let mut moved = rows[0].clone();
    moved["status"] = json!("on_hold");
    let report = json_of(post(ndjson(&[rows[0].clone()])).await, 200).await;
    assert_eq!(statuses(&report), ["unchanged"]);
    let report = json_of(post(ndjson(&[moved])).await, 200).await;
    assert_eq!(statuses(&report), ["updated"]);
    let id = report["results"][0]["id"].as_str().unwrap();
    assert_eq!(json_of(app.get(&format!("/api/v1/needs/{id}")).await, 200).await["status"], "on_hold");
    // The same external id in another organization is another need; within one, it is taken.
    let elsewhere =
        json!({"external_id": "req-1", "organization_id": other, "title": "Interim CFO", "reason": "replacement"});
    assert_eq!(statuses(&json_of(post(ndjson(&[elsewhere])).await, 200).await), ["created"]);
    let taken = json!({"external_id": "req-1", "organization_id": org, "title": "Another", "reason": "replacement"});
    problem(app.post("/api/v1/needs", &taken).await, 409, "conflict").await;

    // Members import into their own organization only.
    let member = app.user("org_member", Some(&org)).await;
    let csv = format!(
        "external_id,organization_id,title,reason,location.country\nreq-9,,Interim CIO,new_position,NL\nreq-10,{other},Interim CTO,new_position,\n"
    );
    let report = json_of(app.with(&member).post_body("/api/v1/needs/import", "text/csv", csv).await, 200).await;
    assert_eq!(statuses(&report), ["created", "failed"]);
    let created =
        json_of(app.get(&format!("/api/v1/needs/{}", report["results"][0]["id"].as_str().unwrap())).await, 200).await;
    assert_eq!(
        (created["organization_id"].as_str(), created["location"]["country"].as_str()),
        (Some(org.as_str()), Some("NL"))
    );
}

backend_tests!(
    needs_upsert_on_their_external_id,
    good_rows_land_and_bad_rows_are_reported,
    csv_rows_nest_and_list,
    a_dry_run_reports_and_writes_nothing,
    a_large_import_streams_through_in_batches
);
