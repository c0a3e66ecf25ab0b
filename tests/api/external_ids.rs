//! Ids by source system on candidates and needs: unique per source (a
//! need's within its organization), found by `external_ref`, kept source by
//! source through patches, imports from several systems and merges.

use serde_json::{Value, json};

use crate::helpers::{TestApp, backend_tests, invalid_fields, json_of, problem};

fn ids(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect()
}

async fn candidates_are_known_by_their_ids_in_each_source(app: TestApp) {
    let body = |name: &str, external_ids: Value| {
        json!({"first_name": name, "last_name": "Source", "email": format!("{}@example.com", name.to_lowercase()),
            "external_ids": external_ids})
    };
    let ada = app.create("/api/v1/candidates", &body("Ada", json!({"workday": " W-1 ", "bamboohr": "42"}))).await;
    assert_eq!(ada["external_ids"], json!({"bamboohr": "42", "workday": "W-1"}));
    let ada_id = ada["id"].as_str().unwrap().to_owned();

    // Unique per source; a source is a lowercase name; ids are text of 1 to 100 characters.
    problem(app.post("/api/v1/candidates", &body("Bea", json!({"workday": "W-1"}))).await, 409, "conflict").await;
    let bea = app.create("/api/v1/candidates", &body("Bea", json!({"workday": "W-2", "personio": "W-1"}))).await;
    let bea_id = bea["id"].as_str().unwrap().to_owned();
    let bad = problem(
        app.post("/api/v1/candidates", &body("Cy", json!({"Work Day": "1", "sap": " "}))).await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(invalid_fields(&bad), ["external_ids", "external_ids.sap"]);
    let crowded: serde_json::Map<String, Value> = (0..11).map(|i| (format!("s{i}"), json!("1"))).collect();
    let many =
        problem(app.post("/api/v1/candidates", &body("Cy", Value::Object(crowded))).await, 422, "validation-failed");
    assert_eq!(invalid_fields(&many.await), ["external_ids"]);

    // Found by source and id.
    let found = json_of(app.get("/api/v1/candidates?external_ref=workday:W-1").await, 200).await;
    assert_eq!(ids(&found), [ada_id.as_str()]);
    let other = json_of(app.get("/api/v1/candidates?external_ref=personio:W-1").await, 200).await;
    assert_eq!(ids(&other), [bea_id.as_str()]);
    assert_eq!(
        ids(&json_of(app.get("/api/v1/candidates?external_ref=sap:W-1").await, 200).await),
        Vec::<String>::new()
    );
    for bad in ["workday", "Workday:W-1", "workday:"] {
        problem(app.get(&format!("/api/v1/candidates?external_ref={bad}")).await, 400, "invalid-query").await;
    }

    // A merge patch changes one source and leaves the others.
    let path = format!("/api/v1/candidates/{ada_id}");
    let patched =
        json_of(app.patch(&path, &json!({"external_ids": {"sap": "S-9", "bamboohr": null}})).await, 200).await;
    assert_eq!(patched["external_ids"], json!({"sap": "S-9", "workday": "W-1"}));
    let by_sap = json_of(app.get("/api/v1/candidates?external_ref=sap:S-9").await, 200).await;
    assert_eq!(ids(&by_sap), [ada_id.as_str()]);
    assert_eq!(
        ids(&json_of(app.get("/api/v1/candidates?external_ref=bamboohr:42").await, 200).await),
        Vec::<String>::new()
    );

    // An import from another system finds the candidate by any of its ids and adds its own.
    let rows = [
        json!({"first_name": "Ada", "last_name": "Source", "email": "ada@example.com",
            "external_ids": {"workday": "W-1", "personio": "P-7"}}),
        json!({"first_name": "Bea", "last_name": "Source", "email": "bea@example.com",
            "external_ids": {"workday": "W-2", "sap": "S-9"}}),
    ];
    let ndjson: String = rows.iter().map(|r| format!("{r}\n")).collect();
    let report = json_of(app.post_body("/api/v1/candidates/import", "application/x-ndjson", ndjson).await, 200).await;
    assert_eq!(report["results"][0]["status"], "updated", "{report}");
    assert_eq!(report["results"][0]["id"], ada_id.as_str());
    assert_eq!(report["results"][1]["errors"][0]["code"], "names_several", "{report}");
    let read = json_of(app.get(&path).await, 200).await;
    assert_eq!(read["external_ids"], json!({"personio": "P-7", "sap": "S-9", "workday": "W-1"}));
    // CSV names a source by its column.
    let csv = "first_name,last_name,email,external_ids.greenhouse\nDee,Source,dee@example.com,1001\n";
    let imported = json_of(app.post_body("/api/v1/candidates/import", "text/csv", csv).await, 200).await;
    let dee = imported["results"][0]["id"].as_str().unwrap().to_owned();
    let by_column = json_of(app.get("/api/v1/candidates?external_ref=greenhouse:1001").await, 200).await;
    assert_eq!(ids(&by_column), [dee.as_str()]);

    // A merge keeps every source's id; the survivor's wins where both have one.
    let merged = app.post(&format!("/api/v1/candidates/{bea_id}/merge"), &json!({"duplicate_id": dee})).await;
    json_of(merged, 200).await;
    let survivor = json_of(app.get(&format!("/api/v1/candidates/{bea_id}")).await, 200).await;
    assert_eq!(survivor["external_ids"], json!({"greenhouse": "1001", "personio": "W-1", "workday": "W-2"}));
    let after = json_of(app.get("/api/v1/candidates?external_ref=greenhouse:1001").await, 200).await;
    assert_eq!(ids(&after), [bea_id.as_str()]);

    // The duplicate's ids where the survivor has its own still name the person, so the next sync of those
    // systems updates the survivor instead of creating the person again, and leaves the survivor's own ids.
    let eve = app
        .create(
            "/api/v1/candidates",
            &json!({"first_name": "Eve", "last_name": "Source", "email": "eve@example.com",
                "external_ids": {"workday": "W-9", "greenhouse": "2002"}}),
        )
        .await;
    let eve = eve["id"].as_str().unwrap().to_owned();
    json_of(app.post(&format!("/api/v1/candidates/{bea_id}/merge"), &json!({"duplicate_id": eve})).await, 200).await;
    for reference in ["workday:W-9", "greenhouse:2002", "workday:W-2"] {
        let found = json_of(app.get(&format!("/api/v1/candidates?external_ref={reference}")).await, 200).await;
        assert_eq!(ids(&found), [bea_id.as_str()], "{reference}");
    }
    let row = json!({"first_name": "Bea", "last_name": "Source", "email": "bea@example.com",
        "external_ids": {"workday": "W-9"}});
    let report =
        json_of(app.post_body("/api/v1/candidates/import", "application/x-ndjson", format!("{row}\n")).await, 200)
            .await;
    assert_eq!(report["results"][0]["id"], bea_id.as_str(), "{report}");
    assert_eq!(report["created"], 0, "{report}");
    let survivor = json_of(app.get(&format!("/api/v1/candidates/{bea_id}")).await, 200).await;
    assert_eq!(survivor["external_ids"], json!({"greenhouse": "1001", "personio": "W-1", "workday": "W-2"}));
    let taken = app
        .post(
            "/api/v1/candidates",
            &json!({"first_name": "Fay", "last_name": "Source", "email": "fay@example.com",
                "external_ids": {"greenhouse": "2002"}}),
        )
        .await;
    problem(taken, 409, "conflict").await;
    // An erasure takes them too.
    assert_eq!(app.post(&format!("/api/v1/candidates/{bea_id}/erase"), &json!({})).await.status(), 200);
    let gone = json_of(app.get("/api/v1/candidates?external_ref=workday:W-9").await, 200).await;
    assert_eq!(ids(&gone), Vec::<&str>::new());
}

async fn needs_are_known_by_their_ids_within_their_organization(app: TestApp) {
    let (a, b) = (app.organization("Org A").await, app.organization("Org B").await);
    let need = |org: &str, title: &str, external_ids: Value| json!({"organization_id": org, "title": title, "reason": "replacement", "external_ids": external_ids});
    let cfo = app.create("/api/v1/needs", &need(&a, "Interim CFO", json!({"workday": "REQ-1"}))).await;
    let elsewhere = app.create("/api/v1/needs", &need(&b, "Interim CFO", json!({"workday": "REQ-1"}))).await;
    problem(app.post("/api/v1/needs", &need(&a, "Interim COO", json!({"workday": "REQ-1"}))).await, 409, "conflict")
        .await;
    let found =
        json_of(app.get(&format!("/api/v1/needs?external_ref=workday:REQ-1&organization_id={a}")).await, 200).await;
    assert_eq!(ids(&found), [cfo["id"].as_str().unwrap()]);
    let both = json_of(app.get("/api/v1/needs?external_ref=workday:REQ-1").await, 200).await;
    assert_eq!(ids(&both).len(), 2);
    let member = app.user("org_member", Some(&b)).await;
    let theirs = json_of(app.with(&member).get("/api/v1/needs?external_ref=workday:REQ-1").await, 200).await;
    assert_eq!(ids(&theirs), [elsewhere["id"].as_str().unwrap()]);

    // An import names the need by its id in any source, and keeps the other sources' ids.
    let row = json!({"organization_id": a, "title": "Interim CFO (group)", "reason": "replacement",
        "external_ids": {"workday": "REQ-1", "greenhouse": "77"}});
    let report =
        json_of(app.post_body("/api/v1/needs/import", "application/x-ndjson", format!("{row}\n")).await, 200).await;
    assert_eq!(
        (report["results"][0]["status"].clone(), report["results"][0]["id"].clone()),
        (json!("updated"), cfo["id"].clone())
    );
    let read = json_of(app.get(&format!("/api/v1/needs/{}", cfo["id"].as_str().unwrap())).await, 200).await;
    assert_eq!(
        (read["title"].clone(), read["external_ids"].clone()),
        (json!("Interim CFO (group)"), json!({"greenhouse": "77", "workday": "REQ-1"}))
    );
}

backend_tests!(
    candidates_are_known_by_their_ids_in_each_source,
    needs_are_known_by_their_ids_within_their_organization
);
