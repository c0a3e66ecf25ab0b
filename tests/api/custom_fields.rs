//! Custom fields: defined by admins per resource (and per organization),
//! their values checked like built-in fields, listed, filtered, imported,
//! announced, retired and deleted.

use serde_json::{Value, json};

use crate::helpers::{TestApp, backend_tests, invalid_fields, json_of, problem};
use crate::pipeline::{add, candidate, move_to, open_need};

const FIELDS: &str = "/api/v1/custom-fields";

fn ids(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect()
}

fn codes(problem: &Value) -> Vec<(String, String)> {
    let errors = problem["errors"].as_array().unwrap().iter();
    errors.map(|e| (e["field"].as_str().unwrap().to_owned(), e["code"].as_str().unwrap().to_owned())).collect()
}

async fn define(app: &TestApp, body: Value) -> Value {
    json_of(app.post(FIELDS, &body).await, 201).await
}

async fn candidates_carry_checked_values_that_filter_their_lists(app: TestApp) {
    let notice = define(
        &app,
        json!({"resource": "candidate", "key": "notice_period_weeks", "label": "Notice (weeks)", "type": "number"}),
    )
    .await;
    assert_eq!(
        (notice["active"].clone(), notice["required"].clone(), notice["options"].clone()),
        (json!(true), json!(false), json!([]))
    );
    define(
        &app,
        json!({"resource": "candidate", "key": "sectors", "label": "Sectors", "type": "multi_choice",
        "options": ["retail", "banking", "energy"]}),
    )
    .await;
    define(&app, json!({"resource": "candidate", "key": "board_member", "label": "Board member", "type": "boolean"}))
        .await;

    // Definitions hold together, keys are new, and only admins define them.
    problem(
        app.post(FIELDS, &json!({"resource": "candidate", "key": "sectors", "label": "Again", "type": "text"})).await,
        409,
        "conflict",
    )
    .await;
    let bad = problem(
        app.post(
            FIELDS,
            &json!({"resource": "candidate", "key": "Region", "label": "Region", "type": "choice",
            "organization_id": "0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c"}),
        )
        .await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(invalid_fields(&bad), ["key"]);
    let mixed = problem(
        app.post(
            FIELDS,
            &json!({"resource": "candidate", "key": "region", "label": "Region", "type": "choice",
            "organization_id": "0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c"}),
        )
        .await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(invalid_fields(&mixed), ["options", "organization_id"]);
    let recruiter = app.user("recruiter", None).await;
    let attempt = json!({"resource": "candidate", "key": "x", "label": "X", "type": "text"});
    problem(app.with(&recruiter).post(FIELDS, &attempt).await, 403, "forbidden").await;
    let listed = json_of(app.with(&recruiter).get(&format!("{FIELDS}?resource=candidate")).await, 200).await;
    let keys: Vec<&str> = listed["items"].as_array().unwrap().iter().map(|f| f["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["board_member", "notice_period_weeks", "sectors"]);

    // Values are checked by type, kept as typed, and refused by key.
    let body = |name: &str, custom: Value| json!({"first_name": name, "last_name": "Custom", "email": format!("{}@example.com", name.to_lowercase()), "custom_fields": custom});
    let ada = app
        .create(
            "/api/v1/candidates",
            &body("Ada", json!({"notice_period_weeks": 6, "sectors": ["energy", "retail", "energy"]})),
        )
        .await;
    assert_eq!(ada["custom_fields"], json!({"notice_period_weeks": 6, "sectors": ["retail", "energy"]}));
    let ada_id = ada["id"].as_str().unwrap().to_owned();
    let wrong = problem(
        app.post(
            "/api/v1/candidates",
            &body("Bea", json!({"notice_period_weeks": "soon", "sectors": ["farming"], "shoe_size": 42})),
        )
        .await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(
        codes(&wrong),
        [
            ("custom_fields.notice_period_weeks".to_owned(), "invalid_type".to_owned()),
            ("custom_fields.sectors".to_owned(), "not_an_option".to_owned()),
            ("custom_fields.shoe_size".to_owned(), "unknown_field".to_owned())
        ]
    );
    let bea =
        app.create("/api/v1/candidates", &body("Bea", json!({"board_member": true, "sectors": ["banking"]}))).await;
    let bea_id = bea["id"].as_str().unwrap().to_owned();

    // Lists filter by a value, typed as the field reads it.
    let energy = json_of(app.get("/api/v1/candidates?custom_field=sectors:energy").await, 200).await;
    assert_eq!(ids(&energy), [ada_id.as_str()]);
    let six =
        json_of(app.get("/api/v1/candidates?custom_field=notice_period_weeks:6.0&include_total=true").await, 200).await;
    assert_eq!((ids(&six), six["total"].clone()), (vec![ada_id.clone()], json!(1)));
    let board = json_of(app.get("/api/v1/candidates?custom_field=board_member:true").await, 200).await;
    assert_eq!(ids(&board), [bea_id.as_str()]);
    for bad in ["shoe_size:42", "notice_period_weeks:soon", "sectors:farming", "nocolon"] {
        problem(app.get(&format!("/api/v1/candidates?custom_field={bad}")).await, 400, "invalid-query").await;
        // An export answers the same before it starts streaming.
        problem(app.get(&format!("/api/v1/candidates/export?custom_field={bad}")).await, 400, "invalid-query").await;
    }
    let exported = app.get("/api/v1/candidates/export?custom_field=sectors:energy").await.text().await.unwrap();
    assert_eq!(exported.lines().count(), 1, "{exported}");

    // A merge patch changes one value and leaves the others; `null` removes one.
    let path = format!("/api/v1/candidates/{ada_id}");
    let patched = json_of(
        app.patch(&path, &json!({"custom_fields": {"notice_period_weeks": null, "board_member": false}})).await,
        200,
    )
    .await;
    assert_eq!(patched["custom_fields"], json!({"board_member": false, "sectors": ["retail", "energy"]}));
    assert_eq!(
        ids(&json_of(app.get("/api/v1/candidates?custom_field=notice_period_weeks:6").await, 200).await),
        Vec::<String>::new()
    );

    // CSV cells name fields by column; numbers and booleans come as text.
    let csv = "first_name,last_name,email,custom_fields.notice_period_weeks,custom_fields.sectors,custom_fields.board_member\n\
        Cy,Custom,cy@example.com,8,banking;retail,true\n";
    let report = json_of(app.post_body("/api/v1/candidates/import", "text/csv", csv).await, 200).await;
    let cy = report["results"][0]["id"].as_str().unwrap_or_else(|| panic!("{report}")).to_owned();
    let read = json_of(app.get(&format!("/api/v1/candidates/{cy}")).await, 200).await;
    assert_eq!(
        read["custom_fields"],
        json!({"board_member": true, "notice_period_weeks": 8, "sectors": ["retail", "banking"]})
    );

    // Retired, a field keeps its values; no write gives it a new one.
    let sectors = format!("{FIELDS}/candidate/sectors");
    json_of(app.patch_if(&sectors, &json!({"active": false}), "\"v1\"").await, 200).await;
    let kept = json_of(app.patch(&path, &json!({"headline": "Interim CFO"})).await, 200).await;
    assert_eq!(kept["custom_fields"]["sectors"], json!(["retail", "energy"]));
    let changed =
        problem(app.patch(&path, &json!({"custom_fields": {"sectors": ["banking"]}})).await, 422, "validation-failed")
            .await;
    assert_eq!(codes(&changed), [("custom_fields.sectors".to_owned(), "retired".to_owned())]);
    json_of(app.patch_if(&sectors, &json!({"active": true}), "\"v2\"").await, 200).await;
    // Options records hold stay; new ones may be added; type and key never change.
    problem(app.patch_if(&sectors, &json!({"options": ["banking", "energy"]}), "\"v3\"").await, 409, "conflict").await;
    let more = json_of(
        app.patch_if(&sectors, &json!({"options": ["retail", "banking", "energy", "health"]}), "\"v3\"").await,
        200,
    )
    .await;
    assert_eq!(more["options"].as_array().unwrap().len(), 4);
    let retyped = problem(
        app.patch_if(&sectors, &json!({"type": "text", "options": []}), "\"v4\"").await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(invalid_fields(&retyped), ["type"]);

    // A field records hold is retired, not deleted; an unused one is deleted.
    problem(app.delete(&sectors).await, 409, "conflict").await;
    define(&app, json!({"resource": "candidate", "key": "unused", "label": "Unused", "type": "date"})).await;
    assert_eq!(app.delete(&format!("{FIELDS}/candidate/unused")).await.status(), 204);
    problem(app.get(&format!("{FIELDS}/candidate/unused")).await, 404, "not-found").await;
    problem(app.get(&format!("{FIELDS}/planet/unused")).await, 404, "not-found").await;

    // Candidate events (webhooks and the feed) carry the values; an erasure scrubs them from what is kept.
    let of = |feed: &Value, id: &str| -> Vec<Value> {
        feed["items"].as_array().unwrap().iter().filter(|c| c["resource_id"] == id).map(|c| c["data"].clone()).collect()
    };
    let feed = json_of(app.get("/api/v1/changes?resource=candidate&limit=200").await, 200).await;
    assert_eq!(of(&feed, &bea_id)[0]["custom_fields"], json!({"board_member": true, "sectors": ["banking"]}));
    assert_eq!(of(&feed, &cy)[0]["custom_fields"]["notice_period_weeks"], 8, "{feed}");
    assert_eq!(app.post(&format!("/api/v1/candidates/{cy}/erase"), &json!({})).await.status(), 200);
    let feed = json_of(app.get("/api/v1/changes?resource=candidate&limit=200").await, 200).await;
    let events = of(&feed, &cy);
    assert!(
        events.len() >= 2 && events.iter().all(|d| d.get("custom_fields").is_none_or(|f| f == &json!({}))),
        "{feed}"
    );
    assert_eq!(of(&feed, &bea_id)[0]["custom_fields"]["board_member"], true, "others' events keep theirs");
}

async fn needs_and_assignments_have_fields_of_their_own_organization(app: TestApp) {
    let (a, b) = (app.organization("Org A").await, app.organization("Org B").await);
    define(
        &app,
        json!({"resource": "need", "key": "board_sponsor", "label": "Board sponsor", "type": "choice",
        "options": ["ceo", "cfo", "chair"], "required": true, "organization_id": a}),
    )
    .await;
    define(&app, json!({"resource": "assignment", "key": "purchase_order", "label": "Purchase order", "type": "text"}))
        .await;
    let need = |org: &str, custom: Value| json!({"organization_id": org, "title": "Interim CFO", "reason": "replacement", "status": "open", "custom_fields": custom});
    let missing = problem(app.post("/api/v1/needs", &need(&a, json!({}))).await, 422, "validation-failed").await;
    assert_eq!(codes(&missing), [("custom_fields.board_sponsor".to_owned(), "required".to_owned())]);
    let theirs = app.create("/api/v1/needs", &need(&a, json!({"board_sponsor": "cfo"}))).await;
    assert_eq!(theirs["custom_fields"], json!({"board_sponsor": "cfo"}));
    let elsewhere =
        problem(app.post("/api/v1/needs", &need(&b, json!({"board_sponsor": "cfo"}))).await, 422, "validation-failed")
            .await;
    assert_eq!(codes(&elsewhere), [("custom_fields.board_sponsor".to_owned(), "unknown_field".to_owned())]);
    app.create("/api/v1/needs", &need(&b, json!({}))).await;
    problem(app.get("/api/v1/needs/export?custom_field=a:").await, 400, "invalid-query").await;
    let found = json_of(app.get("/api/v1/needs?custom_field=board_sponsor:cfo").await, 200).await;
    assert_eq!(ids(&found), [theirs["id"].as_str().unwrap()]);
    // The change feed (as webhooks) carries the values of needs.
    let feed = json_of(app.get("/api/v1/changes?resource=need").await, 200).await;
    let created = feed["items"].as_array().unwrap().iter().find(|c| c["resource_id"] == theirs["id"]).unwrap();
    assert_eq!(created["data"]["custom_fields"], json!({"board_sponsor": "cfo"}), "{created}");

    // Members see the fields of every organization and of their own.
    let member = app.user("org_member", Some(&b)).await;
    let seen = json_of(app.with(&member).get(FIELDS).await, 200).await;
    let keys: Vec<&str> = seen["items"].as_array().unwrap().iter().map(|f| f["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["purchase_order"]);
    problem(app.with(&member).get(&format!("{FIELDS}/need/board_sponsor")).await, 404, "not-found").await;

    // An assignment's values change with its terms, and filter its list.
    let open = open_need(&app, &b, "Interim COO").await;
    let person = candidate(&app, "Dee").await;
    add(&app, &open, &person).await;
    for stage in ["screening", "interviewing", "offered"] {
        json_of(move_to(&app, &open, &person, json!({"to": stage})).await, 200).await;
    }
    let placed = move_to(&app, &open, &person, json!({"to": "placed"})).await;
    let link = placed.headers()["link"].to_str().unwrap().to_owned();
    let path = link.trim_start_matches('<').split('>').next().unwrap().to_owned();
    let bad =
        problem(app.patch(&path, &json!({"custom_fields": {"purchase_order": " "}})).await, 422, "validation-failed")
            .await;
    assert_eq!(invalid_fields(&bad), ["custom_fields.purchase_order"]);
    let changed = json_of(app.patch(&path, &json!({"custom_fields": {"purchase_order": "PO-88120"}})).await, 200).await;
    assert_eq!(changed["custom_fields"], json!({"purchase_order": "PO-88120"}));
    let listed = json_of(app.get("/api/v1/assignments?custom_field=purchase_order:PO-88120").await, 200).await;
    assert_eq!(ids(&listed), [changed["id"].as_str().unwrap()]);
}

backend_tests!(
    candidates_carry_checked_values_that_filter_their_lists,
    needs_and_assignments_have_fields_of_their_own_organization
);
