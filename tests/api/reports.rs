//! Reports: what they count, and that members see only their own figures.

use serde_json::json;

use crate::helpers::{TestApp, backend_tests, json_of, problem};
use crate::pipeline::{add, candidate, move_to};

/// A crisis need of `org`, with a candidate placed from today for `days` days and made active.
async fn running(app: &TestApp, org: &str, days: u64) -> (String, String) {
    let today = chrono::Utc::now().date_naive();
    let need = app
        .create(
            "/api/v1/needs",
            &json!({"organization_id": org, "title": "Interim Chief Experience Officer", "reason": "crisis", "status": "open",
                "crisis_signals": ["negative_customer_feedback", "kpis_not_met"],
                "charter": {"success_criteria": [{"metric": "NPS", "baseline": 0, "target": 40}]}}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let person = candidate(app, &format!("R{}", uuid::Uuid::new_v4().simple())).await;
    add(app, &need, &person).await;
    for stage in ["screening", "interviewing", "offered"] {
        json_of(move_to(app, &need, &person, json!({"to": stage})).await, 200).await;
    }
    let terms = json!({"start": today.to_string(), "planned_end": (today + chrono::Days::new(days)).to_string()});
    let placed = move_to(app, &need, &person, json!({"to": "placed", "assignment": terms})).await;
    let link = placed.headers()["link"].to_str().unwrap().to_owned();
    let path = link.trim_start_matches('<').split('>').next().unwrap().to_owned();
    json_of(app.post(&format!("{path}/transitions"), &json!({"to": "active"})).await, 200).await;
    (need, path)
}

async fn reports_count_and_members_see_their_own(app: TestApp) {
    let a = app.organization("Org A").await;
    let b = app.organization("Org B").await;
    let (_, soon) = running(&app, &a, 10).await;
    running(&app, &b, 90).await;
    app.create(
        "/api/v1/needs",
        &json!({"organization_id": a, "title": "Interim CFO", "reason": "replacement", "status": "open"}),
    )
    .await;
    json_of(
        app.post(&format!("{soon}/check-ins"), &json!({"metric": "NPS", "value": 10, "measured_on": "2026-01-01"}))
            .await,
        201,
    )
    .await;
    json_of(
        app.post(&format!("{soon}/check-ins"), &json!({"metric": "nps", "value": 30, "measured_on": "2026-02-01"}))
            .await,
        201,
    )
    .await;

    let ending = json_of(app.get("/api/v1/reports/assignments-ending").await, 200).await;
    assert_eq!(ending["items"].as_array().unwrap().len(), 1);
    assert_eq!(ending["items"][0]["days_left"], 10);
    let wider = json_of(app.get("/api/v1/reports/assignments-ending?within_days=120").await, 200).await;
    assert_eq!(wider["items"].as_array().unwrap().len(), 2);
    problem(app.get("/api/v1/reports/assignments-ending?within_days=0").await, 400, "invalid-query").await;

    let fill = json_of(app.get("/api/v1/reports/time-to-fill").await, 200).await;
    assert_eq!((&fill["needs_opened"], &fill["shortlisted"], &fill["placed"]), (&json!(3), &json!(2), &json!(2)));
    assert!(fill["median_days_to_placement"].as_f64().unwrap() >= 0.0);

    let success = json_of(app.get(&format!("/api/v1/reports/success-criteria?organization_id={a}")).await, 200).await;
    let latest = &success["items"][0]["criteria"][0]["latest"];
    assert_eq!((&latest["value"], &latest["progress_percent"]), (&json!(30.0), &json!(75.0)), "{success}");

    let open = json_of(app.get("/api/v1/reports/open-needs").await, 200).await;
    assert_eq!(open["total"], 1, "the CXO needs are filled");
    assert_eq!(open["by_reason"]["replacement"], 1);
    assert_eq!(open["by_crisis_signal"]["kpis_not_met"], 0);

    let placements = json_of(app.get("/api/v1/reports/placements").await, 200).await;
    assert_eq!(placements["items"].as_array().unwrap().len(), 2);
    assert_eq!(placements["items"][0]["current"], 1);

    // A member of B sees B's figures only, whatever they ask for.
    let token = app.user("org_member", Some(&b)).await;
    let member = app.with(&token);
    for report in ["assignments-ending?within_days=120", "time-to-fill", "success-criteria", "placements", "open-needs"]
    {
        let separator = if report.contains('?') { '&' } else { '?' };
        let page =
            json_of(member.get(&format!("/api/v1/reports/{report}{separator}organization_id={a}")).await, 200).await;
        assert!(!page.to_string().contains(&a), "{report}: {page}");
    }
    let mine = json_of(member.get("/api/v1/reports/placements").await, 200).await;
    assert_eq!(mine["items"][0]["organization_id"], b.as_str());
    assert_eq!(mine["items"][0]["name"], "Org B");
    let fill = json_of(member.get("/api/v1/reports/time-to-fill").await, 200).await;
    assert_eq!(fill["needs_opened"], 1);
}

backend_tests!(reports_count_and_members_see_their_own);
