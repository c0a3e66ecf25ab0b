use serde_json::json;

use crate::helpers::{TestApp, backend_tests, json_of, problem};

const ROADMAP: [&str; 7] = [
    "customer-service-strategy",
    "culture-management",
    "customer-data-analysis",
    "customer-relationship-development",
    "customer-base-leverage",
    "new-customer-acquisition",
    "product-and-service-innovation",
];

async fn the_cxo_taxonomy_ships(app: TestApp) {
    let skills = app.list_all("/api/v1/skills?limit=10").await;
    let keys: Vec<&str> = skills.iter().map(|s| s["key"].as_str().unwrap()).collect();
    for area in ROADMAP {
        assert!(keys.contains(&area), "{area} is shipped");
    }
    assert!(skills.iter().all(|s| s["builtin"] == true));
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "sorted by key by default");
    let leadership = json_of(app.get("/api/v1/skills?category=leadership&include_total=true").await, 200).await;
    assert!(leadership["total"].as_i64().unwrap() >= 3);
}

async fn the_taxonomy_is_extensible(app: TestApp) {
    let body =
        json!({"key": "net-promoter-programmes", "name": "Net Promoter programmes", "category": "customer_experience"});
    let created = app.create("/api/v1/skills", &body).await;
    assert_eq!(created["builtin"], false);
    problem(app.post("/api/v1/skills", &body).await, 409, "conflict").await;
    let patched = json_of(
        app.patch("/api/v1/skills/net-promoter-programmes", &json!({"description": "NPS end to end"})).await,
        200,
    )
    .await;
    assert_eq!(patched["description"], "NPS end to end");
    problem(
        app.patch("/api/v1/skills/net-promoter-programmes", &json!({"key": "nps"})).await,
        422,
        "validation-failed",
    )
    .await;
    let bad = problem(
        app.post("/api/v1/skills", &json!({"key": "Bad Key", "name": "x", "category": "finance"})).await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(bad["errors"][0]["field"], "key");

    // In use: not deleted; unused: deleted; shipped: never.
    app.create(
        "/api/v1/candidates",
        &json!({"first_name": "A", "last_name": "B", "email": "a@example.com", "skills": [{"skill": "net-promoter-programmes", "level": 3}]}),
    )
    .await;
    problem(app.delete("/api/v1/skills/net-promoter-programmes").await, 409, "conflict").await;
    app.create("/api/v1/skills", &json!({"key": "unused-skill", "name": "Unused", "category": "finance"})).await;
    assert_eq!(app.delete("/api/v1/skills/unused-skill").await.status(), 204);
    problem(app.delete("/api/v1/skills/customer-service-strategy").await, 409, "conflict").await;
}

backend_tests!(the_cxo_taxonomy_ships, the_taxonomy_is_extensible);
