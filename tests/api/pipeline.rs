//! The pipeline: candidates added to a need, moved through the stages with a
//! history of who moved them, refused moves named, notes, lists and tenancy.

use serde_json::{Value, json};

use crate::helpers::{TestApp, backend_tests, invalid_fields, json_of, problem};

const MISSING: &str = "0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c";

pub async fn open_need(app: &TestApp, org: &str, title: &str) -> String {
    let need = app
        .create(
            "/api/v1/needs",
            &json!({"organization_id": org, "title": title, "reason": "new_position", "status": "open",
                "start_by": "2027-01-15", "duration_months": 6, "day_rate_budget": {"amount": 1600, "currency": "EUR"}}),
        )
        .await;
    need["id"].as_str().unwrap().to_owned()
}

pub async fn candidate(app: &TestApp, name: &str) -> String {
    let body = json!({"first_name": name, "last_name": "Interim", "email": format!("{}@example.com", name.to_lowercase()),
        "day_rate": {"amount": 1500, "currency": "EUR"}});
    app.create("/api/v1/candidates", &body).await["id"].as_str().unwrap().to_owned()
}

pub async fn add(app: &TestApp, need: &str, candidate: &str) -> Value {
    let response = app.post(&format!("/api/v1/needs/{need}/pipeline"), &json!({"candidate_id": candidate})).await;
    assert_eq!(
        response.headers().get("location").map(|l| l.to_str().unwrap().to_owned()),
        Some(format!("/api/v1/needs/{need}/pipeline/{candidate}"))
    );
    json_of(response, 201).await
}

pub async fn move_to(app: &TestApp, need: &str, candidate: &str, body: Value) -> reqwest::Response {
    app.post(&format!("/api/v1/needs/{need}/pipeline/{candidate}/moves"), &body).await
}

async fn a_candidate_moves_through_the_stages(app: TestApp) {
    let org = app.organization("Northwind Retail").await;
    let need = open_need(&app, &org, "Interim CXO").await;
    let ada = candidate(&app, "Ada").await;
    let response = app
        .post(&format!("/api/v1/needs/{need}/pipeline"), &json!({"candidate_id": ada, "note": "Referred by the CFO"}))
        .await;
    assert_eq!(response.headers()["etag"], "\"v1\"");
    let added = json_of(response, 201).await;
    assert_eq!(added["stage"], "sourced");
    assert_eq!(added["organization_id"], org.as_str());
    assert_eq!(added["allowed_moves"], json!(["screening", "rejected", "withdrawn"]));
    assert_eq!(added["match_snapshot"], Value::Null);
    assert_eq!(added["assignment_id"], Value::Null);
    let entry = format!("/api/v1/needs/{need}/pipeline/{ada}");
    let read = app.get(&entry).await;
    assert_eq!(read.headers()["etag"], "\"v1\"");
    assert_eq!(json_of(read, 200).await, added);

    // At most once per need; unknown candidates and bad notes are refused, and nothing is written.
    let again = problem(
        app.post(&format!("/api/v1/needs/{need}/pipeline"), &json!({"candidate_id": ada})).await,
        409,
        "conflict",
    )
    .await;
    assert!(again["detail"].as_str().unwrap().contains("already"), "{again}");
    let unknown = problem(
        app.post(&format!("/api/v1/needs/{need}/pipeline"), &json!({"candidate_id": MISSING, "note": " "})).await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(invalid_fields(&unknown), ["candidate_id"]);
    let bad = problem(
        app.post(&format!("/api/v1/needs/{need}/pipeline"), &json!({"candidate_id": "nope", "stage": "placed"})).await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(bad["errors"][0]["code"], "unknown_field");
    problem(
        app.post(&format!("/api/v1/needs/{MISSING}/pipeline"), &json!({"candidate_id": ada})).await,
        404,
        "not-found",
    )
    .await;

    json_of(move_to(&app, &need, &ada, json!({"to": "screening"})).await, 200).await;
    let moved = move_to(&app, &need, &ada, json!({"to": "interviewing", "note": "First interview on Monday"})).await;
    assert_eq!(moved.headers()["etag"], "\"v3\"");
    let moved = json_of(moved, 200).await;
    assert_eq!(moved["stage"], "interviewing");
    assert_eq!(moved["version"], 3);

    // A move outside the stage machine is refused, naming the allowed moves.
    let refused = problem(move_to(&app, &need, &ada, json!({"to": "placed"})).await, 409, "conflict").await;
    assert_eq!(refused["allowed_moves"], json!(["offered", "rejected", "withdrawn"]));
    let detail = refused["detail"].as_str().unwrap();
    assert!(detail.contains("interviewing") && detail.contains("offered, rejected, withdrawn"), "{detail}");
    problem(move_to(&app, &need, &ada, json!({"to": "sourced"})).await, 409, "conflict").await;
    problem(move_to(&app, &need, &ada, json!({"to": "hired"})).await, 422, "validation-failed").await;
    // Rejecting needs a reason of the list; a reason belongs to rejections and withdrawals only.
    let no_reason =
        problem(move_to(&app, &need, &ada, json!({"to": "rejected"})).await, 422, "validation-failed").await;
    assert_eq!(invalid_fields(&no_reason), ["reason"]);
    let stray = problem(
        move_to(&app, &need, &ada, json!({"to": "offered", "reason": "other"})).await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(invalid_fields(&stray), ["reason"]);
    problem(
        move_to(&app, &need, &ada, json!({"to": "rejected", "reason": "too_expensive"})).await,
        422,
        "validation-failed",
    )
    .await;
    // If-Match is optional, and honoured when sent.
    let stale = app
        .client
        .post(app.url(&format!("{entry}/moves")))
        .bearer_auth(&app.token)
        .header("if-match", "\"v1\"")
        .json(&json!({"to": "offered"}))
        .send()
        .await
        .unwrap();
    problem(stale, 412, "precondition-failed").await;
    assert_eq!(json_of(app.get(&entry).await, 200).await["version"], 3, "refused moves change nothing");

    let rejected =
        json_of(move_to(&app, &need, &ada, json!({"to": "rejected", "reason": "rate_too_high"})).await, 200).await;
    assert_eq!(rejected["reason"], "rate_too_high");
    assert_eq!(rejected["rejection_reason"], "rate_too_high", "the field of clients written before stays");
    assert_eq!(rejected["allowed_moves"], json!([]));
    let closed = problem(move_to(&app, &need, &ada, json!({"to": "screening"})).await, 409, "conflict").await;
    assert_eq!(closed["allowed_moves"], json!([]));

    let history = json_of(app.get(&format!("{entry}/history")).await, 200).await;
    let moves: Vec<(Value, Value)> =
        history["items"].as_array().unwrap().iter().map(|m| (m["from"].clone(), m["to"].clone())).collect();
    assert_eq!(
        moves,
        [
            (Value::Null, json!("sourced")),
            (json!("sourced"), json!("screening")),
            (json!("screening"), json!("interviewing")),
            (json!("interviewing"), json!("rejected")),
        ]
    );
    let items = history["items"].as_array().unwrap();
    assert_eq!(items[0]["note"], "Referred by the CFO");
    assert_eq!(items[2]["note"], "First interview on Monday");
    assert_eq!(items[3]["reason"], "rate_too_high");
    let me = json_of(app.get("/api/v1/me").await, 200).await;
    assert!(items.iter().all(|m| m["actor"] == me["subject"] && m["moved_at"].is_string()), "{history}");
}

async fn notes_are_listed_with_the_entry(app: TestApp) {
    let org = app.organization("Northwind Retail").await;
    let need = open_need(&app, &org, "Interim CXO").await;
    let ada = candidate(&app, "Ada").await;
    add(&app, &need, &ada).await;
    let notes = format!("/api/v1/needs/{need}/pipeline/{ada}/notes");
    let first = json_of(app.post(&notes, &json!({"body": "Strong references."})).await, 201).await;
    assert_eq!(first["version"], 2);
    let second = json_of(app.post(&notes, &json!({"body": "Second interview with the COO."})).await, 201).await;
    let bodies: Vec<&str> = second["notes"].as_array().unwrap().iter().map(|n| n["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["Strong references.", "Second interview with the COO."]);
    assert!(second["notes"][0]["author"].as_str().unwrap().starts_with("user:"));
    let refused = problem(app.post(&notes, &json!({"body": "  "})).await, 422, "validation-failed").await;
    assert_eq!(invalid_fields(&refused), ["body"]);
    problem(
        app.post(&format!("/api/v1/needs/{need}/pipeline/{MISSING}/notes"), &json!({"body": "x"})).await,
        404,
        "not-found",
    )
    .await;
    let listed = json_of(app.get(&format!("/api/v1/needs/{need}/pipeline")).await, 200).await;
    assert_eq!(listed["items"][0]["notes"], second["notes"]);
}

async fn pipelines_list_page_and_follow_candidates(app: TestApp) {
    let org = app.organization("Northwind Retail").await;
    let need = open_need(&app, &org, "Interim CXO").await;
    let other_need = open_need(&app, &org, "Interim CFO").await;
    let mut people = Vec::new();
    for name in ["Ada", "Bea", "Cy"] {
        let id = candidate(&app, name).await;
        add(&app, &need, &id).await;
        people.push(id);
    }
    add(&app, &other_need, &people[0]).await;
    json_of(move_to(&app, &need, &people[1], json!({"to": "withdrawn", "reason": "accepted_other_offer"})).await, 200)
        .await;

    let all = app.list_all(&format!("/api/v1/needs/{need}/pipeline?limit=2")).await;
    let ids: Vec<&str> = all.iter().map(|e| e["candidate_id"].as_str().unwrap()).collect();
    assert_eq!(ids, people.iter().map(String::as_str).collect::<Vec<_>>());
    let page =
        json_of(app.get(&format!("/api/v1/needs/{need}/pipeline?stage=withdrawn&include_total=true")).await, 200).await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["candidate_id"], people[1].as_str());
    problem(app.get(&format!("/api/v1/needs/{need}/pipeline?stage=hired")).await, 400, "invalid-query").await;
    problem(app.get(&format!("/api/v1/needs/{need}/pipeline?sort=name")).await, 400, "invalid-query").await;

    let across = json_of(app.get(&format!("/api/v1/candidates/{}/pipeline", people[0])).await, 200).await;
    let needs: Vec<&str> = across["items"].as_array().unwrap().iter().map(|e| e["need_id"].as_str().unwrap()).collect();
    assert_eq!(needs, [need.as_str(), other_need.as_str()]);
    problem(app.get(&format!("/api/v1/candidates/{MISSING}/pipeline")).await, 404, "not-found").await;

    // A cancelled need takes no new candidates.
    let late = candidate(&app, "Dee").await;
    json_of(app.patch(&format!("/api/v1/needs/{other_need}"), &json!({"status": "cancelled"})).await, 200).await;
    problem(
        app.post(&format!("/api/v1/needs/{other_need}/pipeline"), &json!({"candidate_id": late})).await,
        409,
        "conflict",
    )
    .await;
}

async fn members_work_only_on_their_own_pipelines(app: TestApp) {
    let a = app.organization("Org A").await;
    let b = app.organization("Org B").await;
    let need_a = open_need(&app, &a, "A's CXO").await;
    let need_b = open_need(&app, &b, "B's CFO").await;
    let ada = candidate(&app, "Ada").await;
    let bea = candidate(&app, "Bea").await;
    add(&app, &need_a, &ada).await;
    add(&app, &need_b, &bea).await;
    let entry_a = format!("/api/v1/needs/{need_a}/pipeline/{ada}");
    let before = json_of(app.get(&entry_a).await, 200).await;

    let token = app.user("org_member", Some(&b)).await;
    let member = app.with(&token);
    // A's need and its pipeline answer exactly as a missing need's.
    for (path, missing) in [
        (format!("/api/v1/needs/{need_a}/pipeline"), format!("/api/v1/needs/{MISSING}/pipeline")),
        (entry_a.clone(), format!("/api/v1/needs/{MISSING}/pipeline/{ada}")),
        (format!("{entry_a}/history"), format!("/api/v1/needs/{MISSING}/pipeline/{ada}/history")),
        (format!("/api/v1/candidates/{ada}/pipeline"), format!("/api/v1/candidates/{MISSING}/pipeline")),
    ] {
        let seen = problem(member.get(&path).await, 404, "not-found").await;
        let missing = problem(member.get(&missing).await, 404, "not-found").await;
        assert_eq!(seen, missing, "{path}");
    }
    // Members do not put candidates forward (they would reach anyone's contact details by offering them).
    for need in [&need_a, &need_b] {
        let body = json!({"candidate_id": ada});
        problem(member.post(&format!("/api/v1/needs/{need}/pipeline"), &body).await, 403, "forbidden").await;
    }
    for (path, body) in [
        (format!("{entry_a}/moves"), json!({"to": "screening"})),
        (format!("{entry_a}/notes"), json!({"body": "mine now"})),
    ] {
        problem(member.post(&path, &body).await, 404, "not-found").await;
    }
    assert_eq!(json_of(app.get(&entry_a).await, 200).await, before, "A's entry is unchanged");

    // Their own organization's pipeline is theirs to read and work.
    let own = json_of(member.get(&format!("/api/v1/needs/{need_b}/pipeline")).await, 200).await;
    assert_eq!(own["items"][0]["candidate_id"], bea.as_str());
    add(&app, &need_b, &ada).await;
    let moved = json_of(
        member.post(&format!("/api/v1/needs/{need_b}/pipeline/{bea}/moves"), &json!({"to": "screening"})).await,
        200,
    )
    .await;
    assert_eq!(moved["stage"], "screening");
    // Ada is in A's and B's pipelines: the member sees B's entry only.
    let across = json_of(member.get(&format!("/api/v1/candidates/{ada}/pipeline?include_total=true")).await, 200).await;
    assert_eq!(across["total"], 1);
    assert_eq!(across["items"][0]["need_id"], need_b.as_str());
    let everything =
        json_of(app.get(&format!("/api/v1/candidates/{ada}/pipeline?include_total=true")).await, 200).await;
    assert_eq!(everything["total"], 2);
}

async fn members_read_candidates_of_their_pipelines_without_contact_until_offered(app: TestApp) {
    let a = app.organization("Org A").await;
    let b = app.organization("Org B").await;
    let need_a = open_need(&app, &a, "A's CXO").await;
    let need_b = open_need(&app, &b, "B's CFO").await;
    let ada = candidate(&app, "Ada").await;
    let bea = candidate(&app, "Bea").await;
    json_of(app.patch(&format!("/api/v1/candidates/{ada}"), &json!({"phone": "+31 20 123 4567"})).await, 200).await;
    add(&app, &need_b, &ada).await;
    add(&app, &need_a, &bea).await;
    // Offered in A's pipeline does not reveal anything to B.
    add(&app, &need_a, &ada).await;
    for stage in ["screening", "interviewing", "offered"] {
        json_of(move_to(&app, &need_a, &ada, json!({"to": stage})).await, 200).await;
    }

    let token = app.user("org_member", Some(&b)).await;
    let member = app.with(&token);
    let read = member.get(&format!("/api/v1/candidates/{ada}")).await;
    assert!(read.headers().contains_key("etag"));
    let read = json_of(read, 200).await;
    assert_eq!((&read["first_name"], &read["email"], &read["phone"]), (&json!("Ada"), &Value::Null, &Value::Null));
    // Not in B's pipelines: the same answer as a missing candidate.
    assert_eq!(
        problem(member.get(&format!("/api/v1/candidates/{bea}")).await, 404, "not-found").await,
        problem(member.get(&format!("/api/v1/candidates/{MISSING}")).await, 404, "not-found").await
    );
    problem(member.get("/api/v1/candidates").await, 403, "forbidden").await;
    problem(member.patch(&format!("/api/v1/candidates/{ada}"), &json!({"headline": "x"})).await, 403, "forbidden")
        .await;

    for stage in ["screening", "interviewing", "offered"] {
        json_of(move_to(&app, &need_b, &ada, json!({"to": stage})).await, 200).await;
    }
    let offered = json_of(member.get(&format!("/api/v1/candidates/{ada}")).await, 200).await;
    assert_eq!((&offered["email"], &offered["phone"]), (&json!("ada@example.com"), &json!("+31 20 123 4567")));
    // The practice's staff always see everything.
    let staff = json_of(app.get(&format!("/api/v1/candidates/{bea}")).await, 200).await;
    assert_eq!(staff["email"], "bea@example.com");
}

backend_tests!(
    members_read_candidates_of_their_pipelines_without_contact_until_offered,
    a_candidate_moves_through_the_stages,
    notes_are_listed_with_the_entry,
    pipelines_list_page_and_follow_candidates,
    members_work_only_on_their_own_pipelines
);
