use serde_json::{Value, json};

use crate::helpers::{TestApp, backend_tests, invalid_fields, json_of, problem};

fn crisis_need(org: &str) -> Value {
    json!({
        "organization_id": org,
        "title": "Interim Chief Experience Officer",
        "reason": "crisis",
        "crisis_signals": ["online_reputation_crisis", "negative_customer_feedback"],
        "start_by": "2027-01-15",
        "duration_months": 6,
        "day_rate_budget": {"amount": 1600, "currency": "EUR"},
        "location": {"city": "Amsterdam", "country": "NL"},
        "remote_policy": "hybrid",
        "urgency": "critical",
        "charter": {
            "responsibilities": ["Own the customer service strategy"],
            "in_scope": ["Customer service"],
            "out_of_scope": ["Pricing"],
            "success_criteria": [{"metric": "Net Promoter Score", "unit": "points", "baseline": -12, "target": 20}]
        }
    })
}

async fn a_need_with_its_charter(app: TestApp) {
    let org = app.organization("Northwind Retail").await;
    let globals = app.list_all("/api/v1/skillsets?scope=global").await;
    let mut body = crisis_need(&org);
    body["skillset_id"] = globals[0]["id"].clone();
    let created = app.create("/api/v1/needs", &body).await;
    assert_eq!(created["status"], "draft");
    assert_eq!(created["opened_at"], Value::Null);
    assert_eq!(created["crisis_signals"], json!(["negative_customer_feedback", "online_reputation_crisis"]));
    assert_eq!(created["charter"]["success_criteria"][0]["target"], 20.0);
    let id = created["id"].as_str().unwrap();
    let read = json_of(app.get(&format!("/api/v1/needs/{id}")).await, 200).await;
    assert_eq!(read, created);
}

async fn status_follows_the_life_cycle(app: TestApp) {
    let org = app.organization("Northwind Retail").await;
    let need = app.create("/api/v1/needs", &crisis_need(&org)).await;
    let path = format!("/api/v1/needs/{}", need["id"].as_str().unwrap());
    let opened = json_of(app.patch(&path, &json!({"status": "open"})).await, 200).await;
    assert!(opened["opened_at"].is_string());
    let refused = problem(app.patch(&path, &json!({"status": "draft"})).await, 409, "conflict").await;
    let detail = refused["detail"].as_str().unwrap();
    assert!(detail.contains("on_hold") && detail.contains("filled") && detail.contains("cancelled"), "{detail}");
    let held = json_of(app.patch(&path, &json!({"status": "on_hold"})).await, 200).await;
    assert_eq!(held["opened_at"], opened["opened_at"], "first opening is kept");
    json_of(app.patch(&path, &json!({"status": "cancelled"})).await, 200).await;
    problem(app.patch(&path, &json!({"status": "open"})).await, 409, "conflict").await;

    let mut filled = crisis_need(&org);
    filled["status"] = json!("filled");
    let refused = problem(app.post("/api/v1/needs", &filled).await, 422, "validation-failed").await;
    assert_eq!(invalid_fields(&refused), ["status"]);
}

async fn needs_are_validated(app: TestApp) {
    let org = app.organization("Northwind Retail").await;
    let mut body = crisis_need(&org);
    body["crisis_signals"] = json!([]);
    body["duration_months"] = json!(0);
    body["charter"]["success_criteria"] = json!([{"metric": "NPS", "baseline": 5, "target": 5}]);
    let refused = problem(app.post("/api/v1/needs", &body).await, 422, "validation-failed").await;
    assert_eq!(invalid_fields(&refused), ["crisis_signals", "duration_months", "charter.success_criteria[0].target"]);

    let other = app.organization("Helix Software").await;
    let foreign = app.create("/api/v1/skillsets", &json!({"organization_id": other, "name": "Helix CXO"})).await;
    let mut body = crisis_need(&org);
    body["skillset_id"] = foreign["id"].clone();
    let refused = problem(app.post("/api/v1/needs", &body).await, 422, "validation-failed").await;
    assert_eq!(refused["errors"][0]["code"], "unknown_skillset", "another organization's skillset looks unknown");

    let need = app.create("/api/v1/needs", &crisis_need(&org)).await;
    let path = format!("/api/v1/needs/{}", need["id"].as_str().unwrap());
    let moved = problem(app.patch(&path, &json!({"organization_id": other})).await, 422, "validation-failed").await;
    assert_eq!(invalid_fields(&moved), ["organization_id"]);
}

async fn needs_filter_by_reason_signal_and_status(app: TestApp) {
    let org = app.organization("Northwind Retail").await;
    app.create("/api/v1/needs", &crisis_need(&org)).await;
    app.create(
        "/api/v1/needs",
        &json!({"organization_id": org, "title": "Interim CFO", "reason": "replacement", "status": "open"}),
    )
    .await;
    let titles = |page: &Value| {
        page["items"].as_array().unwrap().iter().map(|n| n["title"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    let get = |q: String| {
        let app = &app;
        async move { json_of(app.get(&format!("/api/v1/needs?{q}")).await, 200).await }
    };
    assert_eq!(
        titles(&get("crisis_signal=online_reputation_crisis".into()).await),
        ["Interim Chief Experience Officer"]
    );
    assert_eq!(titles(&get("crisis_signal=kpis_not_met".into()).await), Vec::<String>::new());
    assert_eq!(titles(&get("reason=replacement".into()).await), ["Interim CFO"]);
    assert_eq!(titles(&get("status=open".into()).await), ["Interim CFO"]);
    assert_eq!(
        titles(&get(format!("organization_id={org}&sort=title")).await),
        ["Interim CFO", "Interim Chief Experience Officer"]
    );
    assert_eq!(titles(&get("urgency=critical".into()).await), ["Interim Chief Experience Officer"]);
    problem(app.get("/api/v1/needs?crisis_signal=bad_weather").await, 400, "invalid-query").await;
}

backend_tests!(
    a_need_with_its_charter,
    status_follows_the_life_cycle,
    needs_are_validated,
    needs_filter_by_reason_signal_and_status
);
