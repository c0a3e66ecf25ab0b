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
    // Labels, not keys, and what would make the candidate eligible.
    assert!(failed[0]["reason"].as_str().unwrap().contains("Customer service strategy at level"), "{why}");
    assert!(failed[0]["remedy"].as_str().unwrap().starts_with("hold Customer service strategy"), "{why}");
    let wanted = &why["criteria"][0]["evidence"][0]["skill"];
    assert_eq!(wanted["wanted"], "customer-service-strategy", "{why}");
    assert!(wanted.get("held").is_none(), "{why}");

    // Open needs ranked for a candidate.
    let needs =
        json_of(app.get(&format!("/api/v1/candidates/{}/matches", best["id"].as_str().unwrap())).await, 200).await;
    assert_eq!(needs["items"][0]["need_id"], need["id"]);

    problem(app.get(&format!("/api/v1/needs/{need_id}/matches?min_score=120")).await, 400, "invalid-query").await;
    problem(app.get("/api/v1/needs/0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c/matches").await, 404, "not-found").await;
    let member = app.user("org_member", Some(&org)).await;
    problem(app.with(&member).get(&format!("/api/v1/needs/{need_id}/matches")).await, 403, "forbidden").await;
}

backend_tests!(candidates_are_ranked_and_explained, a_skill_of_the_same_label_earns_credit_as_a_synonym);

/// A varied bench: skills, rates, places, availability and languages differ from one candidate to the next.
fn varied_candidate(i: usize) -> Value {
    let skills = ["customer-service-strategy", "executive-leadership", "culture-management", "customer-data-analysis"];
    let places = [("Amsterdam", "NL"), ("Utrecht", "NL"), ("Berlin", "DE")];
    let (city, country) = places[i % places.len()];
    let remote = ["hybrid", "onsite", "remote", "flexible"][i % 4];
    let language = ["en", "nl"][i % 2];
    let proficiency = ["basic", "professional", "fluent"][i % 3];
    let industry = ["retail", "banking", "telecom"][i % 3];
    let currency = if i.is_multiple_of(7) { "GBP" } else { "EUR" };
    let crisis = if i.is_multiple_of(2) { json!(["negative_customer_feedback"]) } else { json!([]) };
    let skills: Vec<Value> = skills
        .iter()
        .enumerate()
        .filter(|(j, _)| !(i + j).is_multiple_of(3))
        .map(|(j, s)| json!({"skill": s, "level": 1 + (i + j) % 5, "years": j}))
        .collect();
    json!({
        "first_name": format!("Varied{i}"), "last_name": "Test", "email": format!("varied{i}@example.com"),
        "location": {"city": city, "country": country}, "remote_preference": remote,
        "willing_to_travel": i.is_multiple_of(3),
        "languages": [{"language": language, "proficiency": proficiency}],
        "day_rate": {"amount": 1000 + (i * 137) % 900, "currency": currency},
        "years_experience": (i * 5) % 25,
        "availability": {"available_from": format!("2027-0{}-1{}", 1 + i % 4, i % 10)},
        "industries": [industry], "crisis_experience": crisis, "skills": skills
    })
}

pub(crate) async fn cxo_need(app: &TestApp, org: &str) -> String {
    let cxo = app.list_all("/api/v1/skillsets?scope=global").await[0]["id"].clone();
    let need = app
        .create(
            "/api/v1/needs",
            &json!({"organization_id": org, "title": "Interim CXO", "reason": "crisis", "crisis_signals": ["negative_customer_feedback"],
                    "skillset_id": cxo, "start_by": "2027-02-01", "duration_months": 6, "status": "open",
                    "day_rate_budget": {"amount": 1500, "currency": "EUR"}, "location": {"city": "Amsterdam", "country": "NL"}}),
        )
        .await;
    need["id"].as_str().unwrap().to_owned()
}

/// The ranking (from the index) agrees with each candidate's explanation (scored from the database), and is
/// ordered by total, then id, across pages.
async fn the_ranking_agrees_with_each_explanation(app: TestApp) {
    let org = app.organization("Northwind").await;
    let need = cxo_need(&app, &org).await;
    for i in 0..21 {
        app.create("/api/v1/candidates", &varied_candidate(i)).await;
    }
    for (name, rate) in [("Strong", 1400), ("Equal", 1400), ("Dearer", 1600)] {
        let skills =
            json!([{"skill": "customer-service-strategy", "level": 5}, {"skill": "executive-leadership", "level": 4}]);
        app.create("/api/v1/candidates", &candidate(name, skills, rate)).await;
    }
    let mut ranked = Vec::new();
    let mut path = format!("/api/v1/needs/{need}/matches?include_excluded=true&limit=7&include_total=true");
    loop {
        let page = json_of(app.get(&path).await, 200).await;
        if ranked.is_empty() {
            assert_eq!(page["total"], 24);
        }
        ranked.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/needs/{need}/matches?cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(ranked.len(), 24);
    let key = |m: &Value| (-m["total"].as_f64().unwrap(), m["candidate_id"].as_str().unwrap().to_owned());
    for pair in ranked.windows(2) {
        let (a, b) = (key(&pair[0]), key(&pair[1]));
        assert!(a.0 < b.0 || (a.0 == b.0 && a.1 < b.1), "out of order: {a:?} then {b:?}");
    }
    let mut eligible = 0;
    for m in &ranked {
        let one = json_of(
            app.get(&format!("/api/v1/needs/{need}/matches/{}", m["candidate_id"].as_str().unwrap())).await,
            200,
        )
        .await;
        assert_eq!(one["total"], m["total"]);
        assert_eq!(one["eligible"], m["eligible"]);
        eligible += usize::from(m["eligible"] == true);
    }
    let only_eligible =
        json_of(app.get(&format!("/api/v1/needs/{need}/matches?limit=200&include_total=true")).await, 200).await;
    assert_eq!(only_eligible["total"], eligible);
    assert!(eligible > 0 && eligible < 24, "the bench mixes eligible and excluded candidates ({eligible})");

    // Uncounted, ranking passes over the candidates that cannot reach the page: the same page, without a total.
    for excluded in [false, true] {
        let path = format!("/api/v1/needs/{need}/matches?limit=3&include_excluded={excluded}");
        let uncounted = json_of(app.get(&path).await, 200).await;
        let counted = json_of(app.get(&format!("{path}&include_total=true")).await, 200).await;
        assert_eq!(uncounted["items"], counted["items"]);
        assert_eq!(uncounted["next_cursor"], counted["next_cursor"]);
        assert!(uncounted["total"].is_null() && counted["total"].is_number(), "{uncounted} {counted}");
    }
}

/// A write through one instance counts at once in the other instance's ranking.
async fn matches_follow_writes_made_through_another_instance(app: TestApp) {
    let org = app.organization("Northwind").await;
    let need = cxo_need(&app, &org).await;
    let other = app.another_instance().await;
    let strong =
        json!([{"skill": "customer-service-strategy", "level": 5}, {"skill": "executive-leadership", "level": 5}]);
    let created = app.create("/api/v1/candidates", &candidate("Newcomer", strong, 1400)).await;
    let id = created["id"].as_str().unwrap();
    let names = |page: &Value| -> Vec<String> {
        page["items"].as_array().unwrap().iter().map(|m| m["first_name"].as_str().unwrap().to_owned()).collect()
    };
    let page = json_of(other.get(&format!("/api/v1/needs/{need}/matches")).await, 200).await;
    assert_eq!(names(&page), ["Newcomer"]);

    // Priced out of the budget through the first instance: excluded on the second.
    let response =
        app.patch(&format!("/api/v1/candidates/{id}"), &json!({"day_rate": {"amount": 3000, "currency": "EUR"}})).await;
    json_of(response, 200).await;
    let page = json_of(other.get(&format!("/api/v1/needs/{need}/matches")).await, 200).await;
    assert!(names(&page).is_empty(), "{page}");
    let page = json_of(other.get(&format!("/api/v1/needs/{need}/matches?include_excluded=true")).await, 200).await;
    assert_eq!(page["items"][0]["eligible"], false);

    // Deleted: gone from the other instance's index, even before it ranks (it follows the log every second).
    app.delete(&format!("/api/v1/candidates/{id}")).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let page = json_of(other.get(&format!("/api/v1/needs/{need}/matches?include_excluded=true")).await, 200).await;
    assert!(names(&page).is_empty(), "{page}");
}

/// The explanation shows the candidate as the ranking saw it: after a write through either instance, never a
/// copy kept from before it.
async fn explanations_show_the_version_ranked(app: TestApp) {
    let org = app.organization("Northwind").await;
    let need = cxo_need(&app, &org).await;
    let other = app.another_instance().await;
    let skills =
        json!([{"skill": "customer-service-strategy", "level": 5}, {"skill": "executive-leadership", "level": 5}]);
    let created = app.create("/api/v1/candidates", &candidate("Kept", skills, 1400)).await;
    let id = created["id"].as_str().unwrap();
    let first = |page: Value| page["items"][0].clone();
    let experience = |m: &Value| {
        m["criteria"].as_array().unwrap().iter().find(|c| c["name"] == "experience").unwrap()["evidence"][0]["fact"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let path = format!("/api/v1/needs/{need}/matches");
    let before = first(json_of(app.get(&path).await, 200).await);
    assert_eq!(before["headline"], Value::Null);
    assert!(experience(&before).starts_with("15 years"), "{before}");

    for (instance, headline, years) in [(&other, "Turnaround CXO", 21), (&app, "Interim CXO", 9)] {
        let response = instance
            .patch(&format!("/api/v1/candidates/{id}"), &json!({"headline": headline, "years_experience": years}))
            .await;
        json_of(response, 200).await;
        for ranker in [&app, &other] {
            let now = first(json_of(ranker.get(&path).await, 200).await);
            assert_eq!(now["headline"], headline, "{now}");
            assert!(experience(&now).starts_with(&format!("{years} years")), "{now}");
        }
    }
}

/// The skillset's own weights are the ones applied, and shown.
async fn skillset_weights_are_applied_and_shown(app: TestApp) {
    let org = app.organization("Northwind").await;
    let skills_only = json!({"skills": 100, "experience": 0, "industries": 0, "crisis_experience": 0,
        "background_and_training": 0, "languages": 0, "rate": 0, "availability": 0, "location": 0});
    let skillset = app
        .create(
            "/api/v1/skillsets",
            &json!({"name": "Skills only", "required_skills": [{"skill": "customer-service-strategy", "min_level": 4}],
                    "weights": skills_only}),
        )
        .await;
    assert_eq!(skillset["weights"]["skills"], 100.0);
    let need = app
        .create(
            "/api/v1/needs",
            &json!({"organization_id": org, "title": "Interim CXO", "reason": "replacement", "skillset_id": skillset["id"], "status": "open"}),
        )
        .await;
    let c = app
        .create(
            "/api/v1/candidates",
            &candidate("Exact", json!([{"skill": "customer-service-strategy", "level": 4, "years": 5}]), 900),
        )
        .await;
    let m = json_of(
        app.get(&format!("/api/v1/needs/{}/matches/{}", need["id"].as_str().unwrap(), c["id"].as_str().unwrap())).await,
        200,
    )
    .await;
    assert_eq!(
        m["total"], 80.0,
        "at the minimum level, with five years of it, the skills score is 80, and only skills count: {m}"
    );
    let weights: Vec<f64> = m["criteria"].as_array().unwrap().iter().map(|c| c["weight"].as_f64().unwrap()).collect();
    assert_eq!(weights, [100.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);

    // Defaults fill what is left out; nonsense is refused.
    let partial = app.create("/api/v1/skillsets", &json!({"name": "Partial", "weights": {"rate": 30}})).await;
    assert_eq!(partial["weights"]["rate"], 30.0);
    assert_eq!(partial["weights"]["skills"], 40.0);
    let all_zero: serde_json::Map<String, Value> =
        skills_only.as_object().unwrap().keys().map(|k| (k.clone(), json!(0))).collect();
    for weights in [json!({"rate": -1}), json!({"skills": 101}), Value::Object(all_zero)] {
        problem(
            app.post("/api/v1/skillsets", &json!({"name": "Bad", "weights": weights})).await,
            422,
            "validation-failed",
        )
        .await;
    }
    problem(
        app.post("/api/v1/skillsets", &json!({"name": "Bad", "weights": {"charm": 5}})).await,
        422,
        "validation-failed",
    )
    .await;
}

mod more {
    use super::*;
    backend_tests!(
        the_ranking_agrees_with_each_explanation,
        matches_follow_writes_made_through_another_instance,
        explanations_show_the_version_ranked,
        skillset_weights_are_applied_and_shown
    );
}

/// A shortlist puts the best eligible candidates (or the listed ones) in the pipeline, each with its match.
async fn a_shortlist_keeps_the_match_that_made_it(app: TestApp) {
    let org = app.organization("Northwind").await;
    let need = cxo_need(&app, &org).await;
    let strong =
        json!([{"skill": "customer-service-strategy", "level": 5}, {"skill": "executive-leadership", "level": 5}]);
    let fair =
        json!([{"skill": "customer-service-strategy", "level": 4}, {"skill": "executive-leadership", "level": 4}]);
    let lacking = json!([{"skill": "executive-leadership", "level": 5}]);
    app.create("/api/v1/candidates", &candidate("Strong", strong.clone(), 1400)).await;
    app.create("/api/v1/candidates", &candidate("Second", strong, 1450)).await;
    app.create("/api/v1/candidates", &candidate("Fair", fair, 1450)).await;
    let lacking = app.create("/api/v1/candidates", &candidate("Lacking", lacking, 1400)).await;
    let ranked = json_of(app.get(&format!("/api/v1/needs/{need}/matches")).await, 200).await;
    let ranked = ranked["items"].as_array().unwrap().clone();
    assert_eq!(ranked.len(), 3);

    let first = json_of(
        app.post(&format!("/api/v1/needs/{need}/shortlist"), &json!({"top": 2, "note": "long list"})).await,
        200,
    )
    .await;
    let added = first["added"].as_array().unwrap();
    assert_eq!(added.len(), 2);
    for (entry, ranked) in added.iter().zip(&ranked) {
        assert_eq!(entry["candidate_id"], ranked["candidate_id"]);
        assert_eq!(entry["stage"], "sourced");
        let snapshot = &entry["match_snapshot"];
        assert_eq!(snapshot["score"], ranked["total"]);
        assert!(snapshot["skillset_id"].is_string() && snapshot["skillset_version"].is_i64(), "{snapshot}");
        assert_eq!(snapshot["explanation"]["criteria"], ranked["criteria"]);
    }
    // Again: the ones already in are passed over, and only eligible candidates are taken.
    let second = json_of(app.post(&format!("/api/v1/needs/{need}/shortlist"), &json!({"top": 5})).await, 200).await;
    let added: Vec<&Value> = second["added"].as_array().unwrap().iter().map(|e| &e["candidate_id"]).collect();
    assert_eq!(added, [&ranked[2]["candidate_id"]]);

    // Listed by hand: an excluded candidate may be shortlisted (its snapshot says so); one already in is skipped.
    let listed = json!({"candidate_ids": [lacking["id"], ranked[0]["candidate_id"]]});
    let third = json_of(app.post(&format!("/api/v1/needs/{need}/shortlist"), &listed).await, 200).await;
    assert_eq!(third["added"][0]["match_snapshot"]["explanation"]["eligible"], false);
    assert_eq!(third["skipped"][0]["reason"], "already_in_pipeline");
    let pipeline = app.list_all(&format!("/api/v1/needs/{need}/pipeline")).await;
    assert_eq!(pipeline.len(), 4);

    // Bad requests change nothing.
    let unknown = json!({"candidate_ids": ["0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c"]});
    problem(app.post(&format!("/api/v1/needs/{need}/shortlist"), &unknown).await, 422, "validation-failed").await;
    for bad in [
        json!({}),
        json!({"top": 0}),
        json!({"top": 51}),
        json!({"top": 2, "candidate_ids": []}),
        json!({"top": 2, "min_score": 101}),
    ] {
        problem(app.post(&format!("/api/v1/needs/{need}/shortlist"), &bad).await, 422, "validation-failed").await;
    }
    assert_eq!(app.list_all(&format!("/api/v1/needs/{need}/pipeline")).await.len(), 4);
    // Organization members cannot browse the bench, so they cannot shortlist from it.
    let member = app.user("org_member", Some(&org)).await;
    problem(
        app.with(&member).post(&format!("/api/v1/needs/{need}/shortlist"), &json!({"top": 1})).await,
        403,
        "forbidden",
    )
    .await;
}

mod shortlists {
    use super::*;
    backend_tests!(a_shortlist_keeps_the_match_that_made_it);
}

/// The explanation of `candidate` for `need`, after checking the ranking lists it exactly when it is eligible.
async fn eligible_for(app: &TestApp, need: &str, candidate: &str) -> Value {
    let one = json_of(app.get(&format!("/api/v1/needs/{need}/matches/{candidate}")).await, 200).await;
    let listed = json_of(app.get(&format!("/api/v1/needs/{need}/matches")).await, 200).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), usize::from(one["eligible"] == true), "{listed}");
    one
}

/// A candidate placed on one mandate is not a match for another at the same time, and is again once that
/// assignment ends early.
async fn a_candidate_on_an_overlapping_assignment_is_excluded(app: TestApp) {
    let org = app.organization("Northwind").await;
    let first = cxo_need(&app, &org).await;
    let second = cxo_need(&app, &org).await;
    let strong =
        json!([{"skill": "customer-service-strategy", "level": 5}, {"skill": "executive-leadership", "level": 5}]);
    let c = app.create("/api/v1/candidates", &candidate("Busy", strong, 1400)).await;
    let id = c["id"].as_str().unwrap();
    let other = app.another_instance().await;
    assert_eq!(eligible_for(&other, &second, id).await["eligible"], true);

    json_of(app.post(&format!("/api/v1/needs/{first}/pipeline"), &json!({"candidate_id": id})).await, 201).await;
    for stage in ["screening", "interviewing", "offered", "placed"] {
        let moved = app.post(&format!("/api/v1/needs/{first}/pipeline/{id}/moves"), &json!({"to": stage})).await;
        json_of(moved, 200).await;
    }
    let busy = eligible_for(&other, &second, id).await;
    assert_eq!(busy["eligible"], false);
    let filter = busy["filters"].as_array().unwrap().iter().find(|f| f["name"] == "assignments").unwrap().clone();
    assert_eq!(filter["passed"], false);
    assert!(filter["reason"].as_str().unwrap().contains("overlaps"), "{filter}");

    let assignments = app.list_all(&format!("/api/v1/assignments?candidate_id={id}")).await;
    let assignment = assignments[0]["id"].as_str().unwrap();
    let ended = app
        .post(
            &format!("/api/v1/assignments/{assignment}/transitions"),
            &json!({"to": "terminated", "reason": "The board changed its mind"}),
        )
        .await;
    json_of(ended, 200).await;
    assert_eq!(eligible_for(&other, &second, id).await["eligible"], true);
}

mod assignments_held {
    use super::*;
    backend_tests!(a_candidate_on_an_overlapping_assignment_is_excluded);
}

/// A skill added under another key with the label of one a skillset asks for is its synonym: the candidate
/// holding it is credited, and the explanation says by which relation. The taxonomy is read again after the
/// write, with no restart.
async fn a_skill_of_the_same_label_earns_credit_as_a_synonym(app: TestApp) {
    let org = app.organization("Northwind").await;
    let cxo = app.list_all("/api/v1/skillsets?scope=global").await[0]["id"].clone();
    let need = app
        .create(
            "/api/v1/needs",
            &json!({"organization_id": org, "title": "Interim CXO", "reason": "crisis", "skillset_id": cxo, "crisis_signals": ["negative_customer_feedback"],
                    "start_by": "2027-02-01", "duration_months": 6, "status": "open",
                    "location": {"city": "Amsterdam", "country": "NL"}}),
        )
        .await;
    let need_id = need["id"].as_str().unwrap();
    let explained = |id: String| format!("/api/v1/needs/{need_id}/matches/{id}");
    // Ranked once before the skill exists: the taxonomy held in memory must move on with the write.
    json_of(app.get(&format!("/api/v1/needs/{need_id}/matches")).await, 200).await;
    app.create(
        "/api/v1/skills",
        &json!({"key": "cx-service-strategy", "name": "Customer Service Strategy", "category": "customer_experience"}),
    )
    .await;
    let c = app
        .create(
            "/api/v1/candidates",
            &candidate(
                "Synonymous",
                json!([{"skill": "cx-service-strategy", "level": 5}, {"skill": "executive-leadership", "level": 5}]),
                1400,
            ),
        )
        .await;
    let why = json_of(app.get(&explained(c["id"].as_str().unwrap().to_owned())).await, 200).await;
    let must = why["filters"].as_array().unwrap().iter().find(|f| f["name"] == "must_have_skills").unwrap();
    assert_eq!(must["passed"], true, "a synonym meets a must-have: {why}");
    let evidence = &why["criteria"][0]["evidence"][0];
    assert_eq!(evidence["skill"]["relation"], "synonym", "{why}");
    assert_eq!(evidence["skill"]["held"], "cx-service-strategy", "{why}");
    assert_eq!(evidence["skill"]["credit"], 1.0, "{why}");
    let page = json_of(app.get(&format!("/api/v1/needs/{need_id}/matches")).await, 200).await;
    assert!(page["items"].as_array().unwrap().iter().any(|m| m["candidate_id"] == c["id"]), "{page}");
}

/// A day rate in pounds against a budget in euros is converted with the rate the practice entered, in force on
/// the need's start, and the reason shows it; without a rate the candidate is excluded and told why. A rate
/// entered through one instance reaches the other's next match.
async fn a_day_rate_in_another_currency_is_converted_with_the_practice_s_rate(app: TestApp) {
    let org = app.organization("Northwind").await;
    let need = cxo_need(&app, &org).await;
    let strong =
        json!([{"skill": "customer-service-strategy", "level": 5}, {"skill": "executive-leadership", "level": 5}]);
    let mut body = candidate("Pound", strong, 1300);
    body["day_rate"]["currency"] = json!("GBP");
    let c = app.create("/api/v1/candidates", &body).await;
    let id = c["id"].as_str().unwrap();
    let rate_filter =
        |e: &Value| e["filters"].as_array().unwrap().iter().find(|f| f["name"] == "rate").unwrap().clone();

    let other = app.another_instance().await;
    let before = eligible_for(&other, &need, id).await;
    assert_eq!(before["eligible"], false);
    let filter = rate_filter(&before);
    assert!(filter["reason"].as_str().unwrap().contains("no GBP/EUR exchange rate is held for 2027-02-01"), "{filter}");
    assert!(filter["remedy"].as_str().unwrap().contains("exchange rate"), "{filter}");

    // 1300 GBP at 1.15 is 1495 EUR, within the 1500 EUR budget; the later rate is not in force on the start.
    for (day, rate) in [("2026-06-01", 1.15), ("2027-03-01", 1.4)] {
        json_of(app.put(&format!("/api/v1/exchange-rates/GBP/EUR/{day}"), &json!({"rate": rate})).await, 201).await;
    }
    let after = eligible_for(&other, &need, id).await;
    assert_eq!(after["eligible"], true, "{after:#}");
    assert_eq!(
        rate_filter(&after)["reason"],
        "day rate 1300 GBP (1495 EUR at the GBP/EUR rate of 1.15 from 2026-06-01) against a budget of 1500 (cap 1650)"
    );
    let rate = after["criteria"].as_array().unwrap().iter().find(|c| c["name"] == "rate").unwrap();
    assert!(rate["evidence"][0]["fact"].as_str().unwrap().contains("1495 EUR"), "{rate}");

    // A rate that makes the quote too dear: the remedy names the most to quote in pounds.
    json_of(app.put("/api/v1/exchange-rates/GBP/EUR/2026-12-01", &json!({"rate": 1.3})).await, 201).await;
    let dear = eligible_for(&other, &need, id).await;
    assert_eq!(dear["eligible"], false);
    // 1269 GBP × 1.3 = 1649.7 → 1650 EUR, at the cap; 1270 × 1.3 = 1651.
    assert_eq!(rate_filter(&dear)["remedy"], "quote at most 1269 GBP a day");
}

/// Years of practice and the last use of a skill count, and the explanation says by how much.
async fn years_and_last_use_of_a_skill_count(app: TestApp) {
    let org = app.organization("Northwind").await;
    let need = cxo_need(&app, &org).await;
    let skills = |years: i64, last_used: Option<i64>| {
        let mut s = json!({"skill": "customer-service-strategy", "level": 5, "years": years});
        if let Some(y) = last_used {
            s["last_used"] = json!(y);
        }
        json!([s, {"skill": "executive-leadership", "level": 5, "years": 10}])
    };
    let seasoned = app.create("/api/v1/candidates", &candidate("Seasoned", skills(12, None), 1400)).await;
    let novice = app.create("/api/v1/candidates", &candidate("Novice", skills(0, None), 1400)).await;
    let stale = app.create("/api/v1/candidates", &candidate("Stale", skills(12, Some(2019)), 1400)).await;
    assert_eq!(stale["skills"][0]["last_used"], 2019, "{stale}");
    let explained = |c: &Value| format!("/api/v1/needs/{need}/matches/{}", c["id"].as_str().unwrap());
    let fact = |e: &Value| {
        let skills = e["criteria"].as_array().unwrap().iter().find(|c| c["name"] == "skills").unwrap().clone();
        skills["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["skill"]["wanted"] == "customer-service-strategy")
            .unwrap()
            .clone()
    };
    let s = json_of(app.get(&explained(&seasoned)).await, 200).await;
    let n = json_of(app.get(&explained(&novice)).await, 200).await;
    let st = json_of(app.get(&explained(&stale)).await, 200).await;
    assert_eq!(
        (fact(&s)["skill"]["years_factor"].clone(), fact(&s)["skill"]["recency_factor"].clone()),
        (json!(1.0), json!(1.0))
    );
    assert_eq!(fact(&n)["skill"]["years_factor"], 0.9);
    assert!(fact(&n)["fact"].as_str().unwrap().contains("(0 years × 0.9)"), "{}", fact(&n));
    // The need starts in 2027: eight years after 2019, × 0.6.
    assert_eq!(
        (fact(&st)["skill"]["last_used"].clone(), fact(&st)["skill"]["recency_factor"].clone()),
        (json!(2019), json!(0.6))
    );
    assert!(fact(&st)["fact"].as_str().unwrap().contains("last used 2019 × 0.6"), "{}", fact(&st));
    let total = |e: &Value| e["total"].as_f64().unwrap();
    assert!(total(&s) > total(&n) && total(&s) > total(&st), "{} {} {}", total(&s), total(&n), total(&st));
    // The ranking (the index) agrees.
    let ranked = json_of(app.get(&format!("/api/v1/needs/{need}/matches")).await, 200).await;
    let order: Vec<&str> =
        ranked["items"].as_array().unwrap().iter().map(|m| m["first_name"].as_str().unwrap()).collect();
    assert_eq!(order[0], "Seasoned", "{order:?}");
    for m in ranked["items"].as_array().unwrap() {
        let one = json_of(
            app.get(&format!("/api/v1/needs/{need}/matches/{}", m["candidate_id"].as_str().unwrap())).await,
            200,
        )
        .await;
        assert_eq!(one["total"], m["total"]);
    }
    // A year out of range is refused, naming the field.
    let bad = app.post("/api/v1/candidates", &candidate("Ancient", skills(3, Some(1900)), 1400)).await;
    let body = problem(bad, 422, "validation-failed").await;
    assert!(body.to_string().contains("skills[0].last_used"), "{body}");
}

mod currencies_and_seasoning {
    use super::*;
    backend_tests!(
        a_day_rate_in_another_currency_is_converted_with_the_practice_s_rate,
        years_and_last_use_of_a_skill_count
    );
}
