use serde_json::json;

use crate::helpers::{TestApp, backend_tests, invalid_fields, json_of, problem};

async fn the_cxo_template_ships(app: TestApp) {
    let globals = app.list_all("/api/v1/skillsets?scope=global").await;
    let cxo = globals.iter().find(|s| s["name"] == "Interim Chief Experience Officer").expect("the CXO template");
    assert_eq!(cxo["organization_id"], serde_json::Value::Null);
    assert_eq!(cxo["builtin"], true);
    let required: Vec<&str> =
        cxo["required_skills"].as_array().unwrap().iter().map(|r| r["skill"].as_str().unwrap()).collect();
    for area in
        ["customer-service-strategy", "culture-management", "customer-data-analysis", "product-and-service-innovation"]
    {
        assert!(required.contains(&area), "{area}");
    }
    assert!(cxo["crisis_experience"].as_array().unwrap().contains(&json!("negative_customer_feedback")));
    let id = cxo["id"].as_str().unwrap();
    problem(app.delete(&format!("/api/v1/skillsets/{id}")).await, 409, "conflict").await;
}

async fn organizations_own_skillsets(app: TestApp) {
    let org = app.organization("Northwind Retail").await;
    let body = json!({
        "organization_id": org,
        "name": "Retail turnaround CXO",
        "required_skills": [{"skill": "customer-service-strategy", "min_level": 4, "weight": 9, "must_have": true}],
        "preferred_skills": [{"skill": "online-reputation-management", "min_level": 3}],
        "min_years_experience": 8,
        "industries": ["Retail"],
        "languages": ["nl", "en"],
        "crisis_experience": ["online_reputation_crisis"]
    });
    let created = app.create("/api/v1/skillsets", &body).await;
    assert_eq!(created["preferred_skills"][0]["weight"], 5, "default weight");
    assert_eq!(created["industries"], json!(["retail"]));
    let id = created["id"].as_str().unwrap();

    let owned =
        json_of(app.get(&format!("/api/v1/skillsets?organization_id={org}&include_total=true")).await, 200).await;
    assert_eq!(owned["total"], 1);
    let patched =
        json_of(app.patch(&format!("/api/v1/skillsets/{id}"), &json!({"min_years_experience": 12})).await, 200).await;
    assert_eq!(patched["version"], 2);
    let moved = problem(
        app.patch(&format!("/api/v1/skillsets/{id}"), &json!({"organization_id": null})).await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(invalid_fields(&moved), ["organization_id"]);

    let by_skill = json_of(app.get("/api/v1/skillsets?skill=online-reputation-management").await, 200).await;
    assert_eq!(by_skill["items"].as_array().unwrap().len(), 1);

    assert_eq!(app.delete(&format!("/api/v1/skillsets/{id}")).await.status(), 204);
}

async fn invalid_skillsets_are_refused(app: TestApp) {
    let refused = problem(
        app.post(
            "/api/v1/skillsets",
            &json!({
                "organization_id": "0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c",
                "name": "X",
                "required_skills": [{"skill": "crm-systems", "min_level": 0}, {"skill": "not-a-skill", "min_level": 3}],
                "preferred_skills": [{"skill": "crm-systems", "min_level": 2, "must_have": true, "weight": 11}],
                "languages": ["xx"]
            }),
        )
        .await,
        422,
        "validation-failed",
    )
    .await;
    let mut fields = invalid_fields(&refused);
    fields.sort();
    assert_eq!(
        fields,
        ["languages[0]", "preferred_skills[0].must_have", "preferred_skills[0].weight", "required_skills[0].min_level"]
    );
    // References are checked once the body is valid.
    let refused = problem(
        app.post(
            "/api/v1/skillsets",
            &json!({"organization_id": "0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c", "name": "X",
                    "required_skills": [{"skill": "not-a-skill", "min_level": 3}]}),
        )
        .await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(invalid_fields(&refused), ["organization_id", "required_skills[0].skill"]);
}

backend_tests!(the_cxo_template_ships, organizations_own_skillsets, invalid_skillsets_are_refused);
