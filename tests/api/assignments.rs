//! Interim assignments: placing a candidate creates one; its life cycle,
//! the need following it, extensions, and no overlapping assignments even
//! when placements race.

use serde_json::{Value, json};

use crate::helpers::{TestApp, backend_tests, invalid_fields, json_of, problem};
use crate::pipeline::{add, candidate, move_to, open_need};

/// Adds `candidate` to `need` and moves it up to `offered`.
pub async fn offered(app: &TestApp, need: &str, candidate: &str) {
    add(app, need, candidate).await;
    for stage in ["screening", "interviewing", "offered"] {
        json_of(move_to(app, need, candidate, json!({"to": stage})).await, 200).await;
    }
}

/// Places `candidate` for `need`; returns the assignment.
pub async fn place(app: &TestApp, need: &str, candidate: &str, terms: Option<Value>) -> Value {
    let mut body = json!({"to": "placed"});
    if let Some(terms) = terms {
        body["assignment"] = terms;
    }
    let response = move_to(app, need, candidate, body).await;
    let link = response.headers()["link"].to_str().unwrap().to_owned();
    let entry = json_of(response, 200).await;
    assert_eq!(entry["stage"], "placed");
    let path = link.trim_start_matches('<').split('>').next().unwrap().to_owned();
    let assignment = json_of(app.get(&path).await, 200).await;
    assert_eq!(entry["assignment_id"], assignment["id"], "the entry names its assignment");
    assignment
}

async fn transition(app: &TestApp, id: &str, body: Value) -> reqwest::Response {
    app.post(&format!("/api/v1/assignments/{id}/transitions"), &body).await
}

async fn placing_creates_a_proposed_assignment(app: TestApp) {
    let org = app.organization("Northwind Retail").await;
    let need = open_need(&app, &org, "Interim CXO").await;
    let ada = candidate(&app, "Ada").await;
    offered(&app, &need, &ada).await;
    // Terms only go with a placement, and are validated before anything is written.
    let stray = move_to(&app, &need, &ada, json!({"to": "withdrawn", "assignment": {"start": "2027-01-01"}})).await;
    assert_eq!(invalid_fields(&problem(stray, 422, "validation-failed").await), ["assignment"]);
    let bad = move_to(
        &app,
        &need,
        &ada,
        json!({"to": "placed", "assignment": {"start": "2027-03-01", "planned_end": "2027-02-01", "day_rate": {"amount": 0, "currency": "EUR"}}}),
    )
    .await;
    let bad = problem(bad, 422, "validation-failed").await;
    assert_eq!(invalid_fields(&bad), ["assignment.day_rate.amount"]);
    let bad = move_to(
        &app,
        &need,
        &ada,
        json!({"to": "placed", "assignment": {"start": "2027-03-01", "planned_end": "2027-02-01"}}),
    )
    .await;
    assert_eq!(invalid_fields(&problem(bad, 422, "validation-failed").await), ["assignment.planned_end"]);
    let entry = json_of(app.get(&format!("/api/v1/needs/{need}/pipeline/{ada}")).await, 200).await;
    assert_eq!(entry["stage"], "offered", "a refused placement changes nothing");
    assert_eq!(json_of(app.get("/api/v1/assignments?include_total=true").await, 200).await["total"], 0);

    // Defaults: the need's start and duration, the candidate's day rate.
    let assignment = place(&app, &need, &ada, None).await;
    assert_eq!(assignment["status"], "proposed");
    assert_eq!(assignment["candidate_id"], ada.as_str());
    assert_eq!(assignment["need_id"], need.as_str());
    assert_eq!(assignment["organization_id"], org.as_str());
    assert_eq!(assignment["pipeline_entry_id"], entry["id"]);
    assert_eq!((&assignment["start"], &assignment["planned_end"]), (&json!("2027-01-15"), &json!("2027-07-15")));
    assert_eq!(assignment["day_rate"], json!({"amount": 1500, "currency": "EUR"}));
    assert_eq!(assignment["allowed_moves"], json!(["active", "terminated"]));

    // Explicit terms win.
    let other_need = open_need(&app, &org, "Interim CFO").await;
    let bea = candidate(&app, "Bea").await;
    offered(&app, &other_need, &bea).await;
    let terms =
        json!({"start": "2027-02-01", "planned_end": "2027-05-31", "day_rate": {"amount": 1400, "currency": "EUR"}});
    let explicit = place(&app, &other_need, &bea, Some(terms)).await;
    assert_eq!((&explicit["start"], &explicit["planned_end"]), (&json!("2027-02-01"), &json!("2027-05-31")));
    assert_eq!(explicit["day_rate"]["amount"], 1400);
}

async fn the_life_cycle_and_the_need_follow(app: TestApp) {
    let org = app.organization("Northwind Retail").await;
    let need = open_need(&app, &org, "Interim CXO").await;
    let ada = candidate(&app, "Ada").await;
    offered(&app, &need, &ada).await;
    let a = place(&app, &need, &ada, None).await;
    let id = a["id"].as_str().unwrap();
    let path = format!("/api/v1/assignments/{id}");

    let refused =
        problem(transition(&app, id, json!({"to": "completed", "outcome_rating": 4})).await, 409, "conflict").await;
    assert_eq!(refused["allowed_moves"], json!(["active", "terminated"]));
    let extend = json!({"new_end": "2027-10-15", "reason": "Successor starts in October", "agreed_by": "The CEO"});
    let early = problem(app.post(&format!("{path}/extensions"), &extend).await, 409, "conflict").await;
    assert_eq!(early["allowed_moves"], json!(["active", "terminated"]));

    let active = json_of(transition(&app, id, json!({"to": "active"})).await, 200).await;
    assert_eq!(active["status"], "active");
    let need_now = json_of(app.get(&format!("/api/v1/needs/{need}")).await, 200).await;
    assert_eq!(need_now["status"], "filled", "the need is filled when its assignment becomes active");

    // Terms change with If-Match, while the assignment runs.
    let etag = format!("\"v{}\"", active["version"]);
    problem(
        app.patch_if(&path, &json!({"day_rate": {"amount": 1600, "currency": "EUR"}}), "\"v1\"").await,
        412,
        "precondition-failed",
    )
    .await;
    let changed =
        json_of(app.patch_if(&path, &json!({"day_rate": {"amount": 1600, "currency": "EUR"}}), &etag).await, 200).await;
    assert_eq!(changed["day_rate"]["amount"], 1600);
    let bad = problem(app.patch(&path, &json!({"status": "completed"})).await, 422, "validation-failed").await;
    assert_eq!(bad["errors"][0]["code"], "unknown_field");

    // Extensions.
    problem(transition(&app, id, json!({"to": "extended"})).await, 422, "validation-failed").await;
    let not_later = problem(
        app.post(&format!("{path}/extensions"), &json!({"new_end": "2027-07-01", "reason": "x", "agreed_by": "y"}))
            .await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(invalid_fields(&not_later), ["new_end"]);
    let extended = json_of(app.post(&format!("{path}/extensions"), &extend).await, 201).await;
    assert_eq!((&extended["status"], &extended["planned_end"]), (&json!("extended"), &json!("2027-10-15")));
    let extensions = json_of(app.get(&format!("{path}/extensions")).await, 200).await;
    assert_eq!(extensions["items"][0]["previous_end"], "2027-07-15");
    assert_eq!(extensions["items"][0]["agreed_by"], "The CEO");

    // Completion needs a rating; then nothing moves any more.
    let unrated = problem(transition(&app, id, json!({"to": "completed"})).await, 422, "validation-failed").await;
    assert_eq!(invalid_fields(&unrated), ["outcome_rating"]);
    let misplaced = problem(
        transition(&app, id, json!({"to": "completed", "outcome_rating": 9, "reason": "why"})).await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(invalid_fields(&misplaced), ["outcome_rating", "reason"]);
    let done = json_of(
        transition(
            &app,
            id,
            json!({"to": "completed", "date": "2027-10-15", "outcome_rating": 5, "evaluation": "NPS +30"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        (&done["status"], &done["actual_end"], &done["outcome_rating"]),
        (&json!("completed"), &json!("2027-10-15"), &json!(5))
    );
    assert_eq!(done["allowed_moves"], json!([]));
    let closed = problem(transition(&app, id, json!({"to": "terminated", "reason": "x"})).await, 409, "conflict").await;
    assert_eq!(closed["allowed_moves"], json!([]));
    problem(app.patch(&path, &json!({"planned_end": "2027-12-31"})).await, 409, "conflict").await;
    assert_eq!(json_of(app.get(&format!("/api/v1/needs/{need}")).await, 200).await["status"], "filled");
}

async fn terminating_reopens_the_need(app: TestApp) {
    let org = app.organization("Northwind Retail").await;
    let need = open_need(&app, &org, "Interim CXO").await;
    let ada = candidate(&app, "Ada").await;
    offered(&app, &need, &ada).await;
    let a = place(&app, &need, &ada, None).await;
    let id = a["id"].as_str().unwrap();
    json_of(transition(&app, id, json!({"to": "active"})).await, 200).await;
    let unexplained = problem(transition(&app, id, json!({"to": "terminated"})).await, 422, "validation-failed").await;
    assert_eq!(invalid_fields(&unexplained), ["reason"]);
    let ended = json_of(
        transition(&app, id, json!({"to": "terminated", "date": "2027-03-01", "reason": "Company sold"})).await,
        200,
    )
    .await;
    assert_eq!((&ended["termination_reason"], &ended["actual_end"]), (&json!("Company sold"), &json!("2027-03-01")));
    assert_eq!(json_of(app.get(&format!("/api/v1/needs/{need}")).await, 200).await["status"], "open");
}

async fn overlapping_placements_race_and_exactly_one_wins(app: TestApp) {
    let org = app.organization("Northwind Retail").await;
    let ada = candidate(&app, "Ada").await;
    let mut needs = Vec::new();
    for title in ["Interim CXO", "Interim COO", "Interim CFO", "Interim CMO"] {
        let need = open_need(&app, &org, title).await;
        offered(&app, &need, &ada).await;
        needs.push(need);
    }
    // Every need starts 2027-01-15 for 6 months: all four placements overlap.
    let mut racers = tokio::task::JoinSet::new();
    for need in &needs {
        let request = app
            .client
            .post(app.url(&format!("/api/v1/needs/{need}/pipeline/{ada}/moves")))
            .bearer_auth(&app.token)
            .json(&json!({"to": "placed"}));
        racers.spawn(async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.text().await.unwrap())
        });
    }
    let mut answers = racers.join_all().await;
    answers.sort();
    let statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
    assert_eq!(statuses, [200, 409, 409, 409], "{answers:?}");
    assert!(answers[1].1.contains("overlaps"), "{}", answers[1].1);
    let held = json_of(app.get(&format!("/api/v1/assignments?candidate_id={ada}&include_total=true")).await, 200).await;
    assert_eq!(held["total"], 1);
    let placed: Vec<Value> = {
        let mut stages = Vec::new();
        for need in &needs {
            stages.push(
                json_of(app.get(&format!("/api/v1/needs/{need}/pipeline/{ada}")).await, 200).await["stage"].clone(),
            );
        }
        stages
    };
    assert_eq!(placed.iter().filter(|s| **s == "placed").count(), 1, "the refused placements rolled back: {placed:?}");

    // A later, non-overlapping period is fine.
    let later = json!({"start": "2027-08-01", "planned_end": "2027-12-31"});
    let losing = needs.iter().zip(&placed).find(|(_, s)| **s == "offered").unwrap().0;
    let second = place(&app, losing, &ada, Some(later)).await;
    assert_eq!(second["status"], "proposed");
    // Moving it back over the first one is refused.
    let path = format!("/api/v1/assignments/{}", second["id"].as_str().unwrap());
    problem(app.patch(&path, &json!({"start": "2027-07-01"})).await, 409, "conflict").await;
}

async fn lists_filter_and_members_see_their_own(app: TestApp) {
    let a = app.organization("Org A").await;
    let b = app.organization("Org B").await;
    let need_a = open_need(&app, &a, "A's CXO").await;
    let need_b = open_need(&app, &b, "B's CFO").await;
    let ada = candidate(&app, "Ada").await;
    let bea = candidate(&app, "Bea").await;
    offered(&app, &need_a, &ada).await;
    offered(&app, &need_b, &bea).await;
    let in_a = place(&app, &need_a, &ada, Some(json!({"planned_end": "2027-03-31"}))).await;
    let in_b = place(&app, &need_b, &bea, None).await;
    json_of(transition(&app, in_b["id"].as_str().unwrap(), json!({"to": "active"})).await, 200).await;

    let ids = |page: &Value| page["items"].as_array().unwrap().iter().map(|a| a["id"].clone()).collect::<Vec<_>>();
    let ending = json_of(app.get("/api/v1/assignments?ending_before=2027-04-01").await, 200).await;
    assert_eq!(ids(&ending), [in_a["id"].clone()]);
    let active = json_of(app.get("/api/v1/assignments?status=active").await, 200).await;
    assert_eq!(ids(&active), [in_b["id"].clone()]);
    let by_end = json_of(app.get("/api/v1/assignments?sort=-planned_end").await, 200).await;
    assert_eq!(ids(&by_end), [in_b["id"].clone(), in_a["id"].clone()]);
    let paged = app.list_all("/api/v1/assignments?sort=planned_end&limit=1").await;
    assert_eq!(paged.iter().map(|a| a["id"].clone()).collect::<Vec<_>>(), [in_a["id"].clone(), in_b["id"].clone()]);
    problem(app.get("/api/v1/assignments?status=paused").await, 400, "invalid-query").await;
    problem(app.get("/api/v1/assignments?candidate_id=nope").await, 400, "invalid-query").await;

    let token = app.user("org_member", Some(&b)).await;
    let member = app.with(&token);
    let own = json_of(member.get(&format!("/api/v1/assignments?organization_id={a}")).await, 200).await;
    assert_eq!(ids(&own), [in_b["id"].clone()], "a filter naming A is overridden");
    let path_a = format!("/api/v1/assignments/{}", in_a["id"].as_str().unwrap());
    let missing = "/api/v1/assignments/0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c";
    assert_eq!(
        problem(member.get(&path_a).await, 404, "not-found").await,
        problem(member.get(missing).await, 404, "not-found").await
    );
    problem(member.post(&format!("{path_a}/transitions"), &json!({"to": "active"})).await, 404, "not-found").await;
    problem(member.patch(&path_a, &json!({"planned_end": "2027-04-30"})).await, 404, "not-found").await;
    assert_eq!(json_of(app.get(&path_a).await, 200).await, in_a, "A's assignment is unchanged");
    json_of(member.get(&format!("/api/v1/assignments/{}", in_b["id"].as_str().unwrap())).await, 200).await;
}

/// Refused for overlapping another organization's assignment, a placement learns that the period is taken,
/// not which assignment takes it, nor its status or dates.
async fn an_overlap_with_another_organization_names_nothing_of_it(app: TestApp) {
    let (north, south) = (app.organization("Northwind Retail").await, app.organization("Southwind Bank").await);
    let ada = candidate(&app, "Ada").await;
    let (theirs, ours) = (open_need(&app, &north, "Interim CXO").await, open_need(&app, &south, "Interim CFO").await);
    offered(&app, &theirs, &ada).await;
    let held = place(&app, &theirs, &ada, Some(json!({"start": "2027-01-01", "planned_end": "2027-06-30"}))).await;
    offered(&app, &ours, &ada).await;
    let member = app.user("org_member", Some(&south)).await;
    let moves = format!("/api/v1/needs/{ours}/pipeline/{ada}/moves");
    let refused = app.with(&member).post(&moves, &json!({"to": "placed"})).await;
    let body = problem(refused, 409, "conflict").await.to_string();
    let id = held["id"].as_str().unwrap();
    assert!(body.contains("not available from 2027-01-15") && !body.contains(id), "{body}");
    assert!(!body.contains("proposed") && !body.contains("2027-01-01") && !body.contains("2027-06-30"), "{body}");
}

backend_tests!(
    an_overlap_with_another_organization_names_nothing_of_it,
    placing_creates_a_proposed_assignment,
    the_life_cycle_and_the_need_follow,
    terminating_reopens_the_need,
    overlapping_placements_race_and_exactly_one_wins,
    lists_filter_and_members_see_their_own
);
