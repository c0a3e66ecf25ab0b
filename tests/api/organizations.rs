use serde_json::json;

use crate::helpers::{TestApp, backend_tests, invalid_fields, json_of, problem};

async fn create_read_update_delete(app: TestApp) {
    let created = app
        .create(
            "/api/v1/organizations",
            &json!({"name": "  Northwind Retail ", "industry": "Retail", "size": "large", "region": "Benelux", "country": "NL"}),
        )
        .await;
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["name"], "Northwind Retail", "trimmed");
    assert_eq!(created["industry"], "retail", "lowercased");
    assert_eq!(created["version"], 1);

    let read = json_of(app.get(&format!("/api/v1/organizations/{id}")).await, 200).await;
    assert_eq!(read, created);

    let patched = json_of(
        app.patch(&format!("/api/v1/organizations/{id}"), &json!({"region": null, "size": "enterprise"})).await,
        200,
    )
    .await;
    assert_eq!(patched["region"], serde_json::Value::Null);
    assert_eq!(patched["size"], "enterprise");
    assert_eq!(patched["name"], "Northwind Retail", "untouched fields stay");
    assert_eq!(patched["version"], 2);
    assert_eq!(patched["created_at"], created["created_at"]);

    let listed = app.list_all("/api/v1/organizations").await;
    assert_eq!(listed, vec![patched]);

    assert_eq!(app.delete(&format!("/api/v1/organizations/{id}")).await.status(), 204);
    problem(app.get(&format!("/api/v1/organizations/{id}")).await, 404, "not-found").await;
    problem(app.delete(&format!("/api/v1/organizations/{id}")).await, 404, "not-found").await;
}

async fn invalid_organizations_are_refused_with_every_field(app: TestApp) {
    let refused = problem(
        app.post("/api/v1/organizations", &json!({"name": " ", "country": "Netherlands"})).await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(invalid_fields(&refused), ["name", "country"]);
    let id = app.organization("Helix Software").await;
    let refused = problem(
        app.patch(&format!("/api/v1/organizations/{id}"), &json!({"name": "x".repeat(201)})).await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(invalid_fields(&refused), ["name"]);
    // Nothing was changed by the refused patch.
    let read = json_of(app.get(&format!("/api/v1/organizations/{id}")).await, 200).await;
    assert_eq!(read["name"], "Helix Software");
    assert_eq!(read["version"], 1);
}

async fn lists_filter_sort_and_page(app: TestApp) {
    for (name, industry) in [
        ("Delta Bank", "banking"),
        ("Alpine Hotels", "hospitality"),
        ("Cobalt Telecom", "telecom"),
        ("Beacon Bank", "banking"),
    ] {
        app.create("/api/v1/organizations", &json!({"name": name, "industry": industry})).await;
    }
    let names =
        |items: &[serde_json::Value]| items.iter().map(|o| o["name"].as_str().unwrap().to_owned()).collect::<Vec<_>>();

    let by_name = json_of(app.get("/api/v1/organizations?sort=name").await, 200).await;
    assert_eq!(
        names(by_name["items"].as_array().unwrap()),
        ["Alpine Hotels", "Beacon Bank", "Cobalt Telecom", "Delta Bank"]
    );
    let desc = json_of(app.get("/api/v1/organizations?sort=-name&limit=3").await, 200).await;
    assert_eq!(names(desc["items"].as_array().unwrap()), ["Delta Bank", "Cobalt Telecom", "Beacon Bank"]);

    // The cursor keeps the filter and the sort.
    let first =
        json_of(app.get("/api/v1/organizations?industry=banking&sort=-name&limit=1&include_total=true").await, 200)
            .await;
    assert_eq!(first["total"], 2);
    assert_eq!(names(first["items"].as_array().unwrap()), ["Delta Bank"]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = json_of(app.get(&format!("/api/v1/organizations?cursor={cursor}&limit=1")).await, 200).await;
    assert_eq!(names(second["items"].as_array().unwrap()), ["Beacon Bank"]);
    assert!(second.get("next_cursor").is_none(), "last page: {second}");

    let found = json_of(app.get("/api/v1/organizations?q=HOTEL").await, 200).await;
    assert_eq!(names(found["items"].as_array().unwrap()), ["Alpine Hotels"]);

    let all = app.list_all("/api/v1/organizations?limit=1").await;
    assert_eq!(all.len(), 4, "paging visits every organization once");

    problem(app.get("/api/v1/organizations?limit=0").await, 400, "invalid-query").await;
    problem(app.get("/api/v1/organizations?sort=shoe_size").await, 400, "invalid-query").await;
    problem(app.get("/api/v1/organizations?cursor=not-a-cursor").await, 400, "invalid-query").await;
    problem(app.get("/api/v1/organizations?size=gigantic").await, 400, "invalid-query").await;
    problem(app.get("/api/v1/organizations?updated_since=yesterday").await, 400, "invalid-query").await;
}

async fn an_organization_in_use_is_not_deleted(app: TestApp) {
    let org = app.organization("Meridian Bank").await;
    app.create("/api/v1/needs", &json!({"organization_id": org, "title": "Interim CFO", "reason": "replacement"}))
        .await;
    problem(app.delete(&format!("/api/v1/organizations/{org}")).await, 409, "conflict").await;
    json_of(app.get(&format!("/api/v1/organizations/{org}")).await, 200).await;
}

backend_tests!(
    create_read_update_delete,
    invalid_organizations_are_refused_with_every_field,
    lists_filter_sort_and_page,
    an_organization_in_use_is_not_deleted
);
