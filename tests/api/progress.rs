//! How an assignment goes: the CXO roadmap copied onto it and edited,
//! check-ins with their progress against the charter, and the hand-over.

use serde_json::{Value, json};

use crate::helpers::{TestApp, backend_tests, invalid_fields, json_of, problem};
use crate::pipeline::{add, candidate, move_to};

/// A CXO need with two success criteria, its candidate placed; returns the assignment's path.
async fn placed_cxo(app: &TestApp, org: &str, title: &str) -> String {
    let need = app
        .create(
            "/api/v1/needs",
            &json!({"organization_id": org, "title": title, "reason": "crisis", "status": "open",
            "crisis_signals": ["negative_customer_feedback"], "start_by": "2027-01-01", "duration_months": 6,
            "charter": {"success_criteria": [
                {"metric": "Net Promoter Score", "unit": "points", "baseline": -12, "target": 20},
                {"metric": "Complaints per week", "baseline": 120, "target": 40}
            ]}}),
        )
        .await;
    let need = need["id"].as_str().unwrap().to_owned();
    let person = candidate(app, &format!("P{}", uuid::Uuid::new_v4().simple())).await;
    add(app, &need, &person).await;
    for stage in ["screening", "interviewing", "offered", "placed"] {
        let response = move_to(app, &need, &person, json!({"to": stage})).await;
        let link = response.headers().get("link").map(|l| l.to_str().unwrap().to_owned());
        json_of(response, 200).await;
        if let Some(link) = link {
            return link.trim_start_matches('<').split('>').next().unwrap().to_owned();
        }
    }
    unreachable!("the placement names its assignment")
}

async fn a_cxo_gets_the_seven_step_roadmap(app: TestApp) {
    let org = app.organization("Northwind Retail").await;
    let path = placed_cxo(&app, &org, "Interim Chief Experience Officer").await;
    let roadmap = json_of(app.get(&format!("{path}/milestones")).await, 200).await;
    let items = roadmap["items"].as_array().unwrap();
    let skills: Vec<&str> = items.iter().map(|m| m["skill_key"].as_str().unwrap()).collect();
    assert_eq!(
        skills,
        [
            "customer-service-strategy",
            "culture-management",
            "customer-data-analysis",
            "customer-relationship-development",
            "customer-base-leverage",
            "new-customer-acquisition",
            "product-and-service-innovation"
        ]
    );
    assert!(items.iter().all(|m| m["status"] == "planned" && m["due_date"].is_string()));
    assert_eq!(items[6]["due_date"], "2027-07-01");

    // Edit one with If-Match; bad values are refused.
    let first = format!("{path}/milestones/{}", items[0]["id"].as_str().unwrap());
    problem(app.patch_if(&first, &json!({"status": "done"}), "\"v9\"").await, 412, "precondition-failed").await;
    let done =
        json_of(app.patch_if(&first, &json!({"status": "done", "notes": "Signed off"}), "\"v1\"").await, 200).await;
    assert_eq!((&done["status"], &done["notes"], &done["version"]), (&json!("done"), &json!("Signed off"), &json!(2)));
    let bad =
        problem(app.patch(&first, &json!({"status": "finished", "title": ""})).await, 422, "validation-failed").await;
    assert_eq!(bad["errors"][0]["field"], "status");
    let bad = problem(app.patch(&first, &json!({"title": " "})).await, 422, "validation-failed").await;
    assert_eq!(invalid_fields(&bad), ["title"]);
    problem(app.get(&format!("{path}/milestones/0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c")).await, 404, "not-found").await;
    problem(app.get(&format!("{path}/milestones/nope")).await, 404, "not-found").await;

    // Add one at the end.
    let added = json_of(
        app.post(&format!("{path}/milestones"), &json!({"title": "Hire the permanent CXO", "due_date": "2027-06-01"}))
            .await,
        201,
    )
    .await;
    assert_eq!((&added["position"], &added["status"]), (&json!(8), &json!("planned")));
    let read = json_of(app.get(&format!("{path}/milestones/{}", added["id"].as_str().unwrap())).await, 200).await;
    assert_eq!(read, added);

    // Another role gets no roadmap.
    let cfo = placed_cxo(&app, &org, "Interim CFO").await;
    assert_eq!(json_of(app.get(&format!("{cfo}/milestones")).await, 200).await["items"], json!([]));
}

async fn check_ins_show_progress_against_the_charter(app: TestApp) {
    let org = app.organization("Northwind Retail").await;
    let path = placed_cxo(&app, &org, "Interim Chief Experience Officer").await;
    let check_ins = format!("{path}/check-ins");
    let nps = json_of(
        app.post(&check_ins, &json!({"metric": "net promoter score", "value": 4, "measured_on": "2027-03-31"})).await,
        201,
    )
    .await;
    assert_eq!(nps["metric"], "Net Promoter Score");
    assert_eq!((&nps["baseline"], &nps["target"], &nps["unit"]), (&json!(-12.0), &json!(20.0), &json!("points")));
    assert_eq!(nps["progress_percent"], 50.0);
    // Lower is better for complaints.
    let complaints = json_of(
        app.post(
            &check_ins,
            &json!({"metric": "Complaints per week", "value": 80, "measured_on": "2027-02-28", "note": "Feb"}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(complaints["progress_percent"], 50.0);
    let unknown = problem(
        app.post(&check_ins, &json!({"metric": "Revenue", "value": 1, "measured_on": "2027-02-28"})).await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(unknown["errors"][0]["code"], "unknown_metric");
    assert!(unknown["errors"][0]["message"].as_str().unwrap().contains("Net Promoter Score"));
    problem(
        app.post(&check_ins, &json!({"metric": "Revenue", "value": "a lot", "measured_on": "2027-02-28"})).await,
        422,
        "validation-failed",
    )
    .await;
    let listed = json_of(app.get(&check_ins).await, 200).await;
    let dates: Vec<&str> =
        listed["items"].as_array().unwrap().iter().map(|c| c["measured_on"].as_str().unwrap()).collect();
    assert_eq!(dates, ["2027-02-28", "2027-03-31"], "by date of measurement");
}

async fn the_hand_over_names_the_successor(app: TestApp) {
    let org = app.organization("Northwind Retail").await;
    let path = placed_cxo(&app, &org, "Interim Chief Experience Officer").await;
    let hand_over = format!("{path}/hand-over");
    let put = |body: Value| {
        let request = app.client.put(app.url(&hand_over)).bearer_auth(&app.token).json(&body);
        async move { request.send().await.unwrap() }
    };
    let nobody = problem(put(json!({"date": "2027-07-01"})).await, 422, "validation-failed").await;
    assert_eq!(invalid_fields(&nobody), ["successor_name"]);
    let interim = json_of(app.get(&path).await, 200).await["candidate_id"].clone();
    let themselves =
        problem(put(json!({"date": "2027-07-01", "successor_candidate_id": interim})).await, 422, "validation-failed")
            .await;
    assert_eq!(themselves["errors"][0]["code"], "same_person");
    let unknown = json!({"date": "2027-07-01", "successor_candidate_id": "0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c"});
    let unknown_answer = problem(put(unknown).await, 422, "validation-failed").await;
    assert_eq!(unknown_answer["errors"][0]["code"], "unknown_candidate");
    let done = json_of(
        put(json!({"successor_name": "Maria Jansen", "date": "2027-07-01", "notes": "Three weeks of shadowing"})).await,
        200,
    )
    .await;
    assert_eq!(
        done["hand_over"],
        json!({"successor_candidate_id": null, "successor_name": "Maria Jansen", "date": "2027-07-01", "notes": "Three weeks of shadowing"})
    );

    // Another organization's member cannot see or touch any of it.
    let other = app.organization("Org B").await;
    let token = app.user("org_member", Some(&other)).await;
    let member = app.with(&token);
    for sub in ["milestones", "check-ins", "extensions"] {
        problem(member.get(&format!("{path}/{sub}")).await, 404, "not-found").await;
    }
    problem(member.post(&format!("{path}/milestones"), &json!({"title": "x"})).await, 404, "not-found").await;
    let mine = app
        .client
        .put(app.url(&hand_over))
        .bearer_auth(&token)
        .json(&json!({"successor_name": "x", "date": "2027-07-01"}));
    problem(mine.send().await.unwrap(), 404, "not-found").await;
    assert_eq!(json_of(app.get(&path).await, 200).await, done);

    // The assignment's own organization's member names as successor only a candidate they may see (one in
    // their organization's pipeline): any other is answered exactly as a missing one.
    let own = app.user("org_member", Some(&org)).await;
    let unseen = candidate(&app, "Unseen").await;
    let body = json!({"date": "2027-07-01", "successor_candidate_id": unseen});
    let request = app.client.put(app.url(&hand_over)).bearer_auth(&own).json(&body);
    let refused = problem(request.send().await.unwrap(), 422, "validation-failed").await;
    assert_eq!(refused["errors"][0], unknown_answer["errors"][0], "as for a missing candidate");
    let need = json_of(app.get(&path).await, 200).await["need_id"].as_str().unwrap().to_owned();
    add(&app, &need, &unseen).await;
    let request = app.client.put(app.url(&hand_over)).bearer_auth(&own).json(&body);
    let recorded = json_of(request.send().await.unwrap(), 200).await;
    assert_eq!(recorded["hand_over"]["successor_candidate_id"], json!(unseen));
}

backend_tests!(
    a_cxo_gets_the_seven_step_roadmap,
    check_ins_show_progress_against_the_charter,
    the_hand_over_names_the_successor
);
