//! Matching over HTTP: candidates ranked for a need with explanations, why a
//! candidate is excluded, and open needs ranked for a candidate.

use serde_json::{Value, json};

use crate::helpers::{TestApp, backend_tests, json_of, problem};

fn candidate(name: &str, skills: Value, rate: i64) -> Value {
    json!({
        "first_name": name, "last_name": "Test", "email": format!("{}@example.com", name.to_lowercase()),
        "location": {"city": "Amsterdam", "country": "NL"}, "remote_preference": "hybrid",
        "languages": [{"language": "en", "proficiency": "fluent"}],
        "day_rate": {"amount": rate, "currency": "EUR"}, "years_experience": 15,
        "industries": ["retail"], "crisis_experience": ["negative_customer_feedback"],
        "skills": skills
    })
}

async fn candidates_are_ranked_and_explained(app: TestApp) {
    let org = app.organization("Northwind").await;
    let cxo = app.list_all("/api/v1/skillsets?scope=global").await[0]["id"].clone();
    let need = app
        .create(
            "/api/v1/needs",
            &json!({"organization_id": org, "title": "Interim CXO", "reason": "crisis", "crisis_signals": ["negative_customer_feedback"],
                    "skillset_id": cxo, "start_by": "2027-02-01", "duration_months": 6, "status": "open",
                    "day_rate_budget": {"amount": 1500, "currency": "EUR"}, "location": {"city": "Amsterdam", "country": "NL"}}),
        )
        .await;
    let need_id = need["id"].as_str().unwrap();
    let strong = json!([{"skill": "customer-service-strategy", "level": 5}, {"skill": "executive-leadership", "level": 5},
                        {"skill": "culture-management", "level": 4}, {"skill": "customer-data-analysis", "level": 4}]);
    let fair =
        json!([{"skill": "customer-service-strategy", "level": 4}, {"skill": "executive-leadership", "level": 4}]);
    let lacking = json!([{"skill": "executive-leadership", "level": 5}]);
    let best = app.create("/api/v1/candidates", &candidate("Strong", strong.clone(), 1400)).await;
    app.create("/api/v1/candidates", &candidate("Fair", fair, 1450)).await;
    let excluded = app.create("/api/v1/candidates", &candidate("Lacking", lacking, 1400)).await;
    app.create("/api/v1/candidates", &candidate("Pricey", strong, 2500)).await;

    let page = json_of(app.get(&format!("/api/v1/needs/{need_id}/matches?include_total=true")).await, 200).await;
    let names: Vec<&str> =
        page["items"].as_array().unwrap().iter().map(|m| m["first_name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Strong", "Fair"], "{page}");
    assert_eq!(page["total"], 2);
    let top = &page["items"][0];
    assert_eq!(top["candidate_id"], best["id"]);
    let sum: f64 = top["criteria"].as_array().unwrap().iter().map(|c| c["contribution"].as_f64().unwrap()).sum();
    assert!((sum - top["total"].as_f64().unwrap()).abs() < 1e-6, "the breakdown adds up to the total");
    assert!(top["filters"].as_array().unwrap().iter().all(|f| f["passed"] == true));

    let all = json_of(app.get(&format!("/api/v1/needs/{need_id}/matches?include_excluded=true")).await, 200).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 4);
    let high = json_of(app.get(&format!("/api/v1/needs/{need_id}/matches?min_score=99.5")).await, 200).await;
    assert!(high["items"].as_array().unwrap().len() < 2);
    let first = json_of(app.get(&format!("/api/v1/needs/{need_id}/matches?limit=1")).await, 200).await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = json_of(app.get(&format!("/api/v1/needs/{need_id}/matches?cursor={cursor}")).await, 200).await;
    assert_eq!(second["items"][0]["first_name"], "Fair");
    assert!(second.get("next_cursor").is_none());

    // Why a candidate is not a match.
    let why =
        json_of(app.get(&format!("/api/v1/needs/{need_id}/matches/{}", excluded["id"].as_str().unwrap())).await, 200)
            .await;
    assert_eq!(why["eligible"], false);
    let failed: Vec<&Value> = why["filters"].as_array().unwrap().iter().filter(|f| f["passed"] == false).collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["name"], "must_have_skills");
    assert!(failed[0]["reason"].as_str().unwrap().contains("customer-service-strategy"));

    // Open needs ranked for a candidate.
    let needs =
        json_of(app.get(&format!("/api/v1/candidates/{}/matches", best["id"].as_str().unwrap())).await, 200).await;
    assert_eq!(needs["items"][0]["need_id"], need["id"]);

    problem(app.get(&format!("/api/v1/needs/{need_id}/matches?min_score=120")).await, 400, "invalid-query").await;
    problem(app.get("/api/v1/needs/0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c/matches").await, 404, "not-found").await;
    let member = app.user("org_member", Some(&org)).await;
    problem(app.with(&member).get(&format!("/api/v1/needs/{need_id}/matches")).await, 403, "forbidden").await;
}

backend_tests!(candidates_are_ranked_and_explained);
