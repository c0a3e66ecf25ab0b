//! Notes on candidates, needs and assignments, and the timelines of
//! candidates and needs, on both backends: who may write which visibility,
//! who reads which notes (the practice all; an organization member what is
//! shared with it, on its own records), limits refused with nothing written,
//! notes found by search and gone with an erasure; timelines in time order,
//! paged both ways.

use serde_json::{Value, json};

use crate::assignments::{offered, place};
use crate::helpers::{TestApp, backend_tests, invalid_fields, json_of, problem};
use crate::pipeline::{add, candidate, move_to, open_need};

async fn note(app: &TestApp, token: &str, path: &str, body: Value) -> reqwest::Response {
    app.with(token).post(&format!("{path}/notes"), &body).await
}

fn bodies(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|n| n["body"].as_str().unwrap().to_owned()).collect()
}

async fn notes_are_kept_for_the_practice_or_shared(app: TestApp) {
    let (ours, theirs) = (app.organization("Northwind Retail").await, app.organization("Contoso").await);
    let need = open_need(&app, &ours, "Interim CFO").await;
    let ada = candidate(&app, "Ada").await;
    add(&app, &need, &ada).await;
    let (member, other) = (app.user("org_member", Some(&ours)).await, app.user("org_member", Some(&theirs)).await);
    let person = format!("/api/v1/candidates/{ada}");

    // On a candidate: for the practice, or shared with an organization it names.
    let kept = json_of(
        note(&app, &app.token, &person, json!({"body": "Asked for 1,800 a day; settles at 1,600."})).await,
        201,
    )
    .await;
    assert_eq!((kept["visibility"].as_str(), kept["organization_id"].as_str()), (Some("practice"), None));
    assert_eq!(kept["subject"], "candidate");
    assert!(kept["author"].as_str().unwrap().starts_with("user:"));
    let shared = note(
        &app,
        &app.token,
        &person,
        json!({"body": "Strong on refinancing.", "visibility": "organization", "organization_id": ours}),
    )
    .await;
    let location = shared.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(shared.headers()["etag"], "\"v1\"");
    let shared = json_of(shared, 201).await;
    assert_eq!(shared["organization_id"], ours.as_str());
    assert_eq!(location, format!("{person}/notes/{}", shared["id"].as_str().unwrap()));
    assert_eq!((shared["version"].as_i64(), shared["updated_at"].as_str()), (Some(1), None));
    for (body, field) in [
        (json!({"body": "x", "visibility": "organization"}), "organization_id"),
        (
            json!({"body": "x", "visibility": "organization", "organization_id": "0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c"}),
            "organization_id",
        ),
        (json!({"body": "x", "organization_id": ours}), "organization_id"),
        (json!({"body": "  "}), "body"),
        (json!({"body": "x".repeat(10_001)}), "body"),
    ] {
        let refused = problem(note(&app, &app.token, &person, body).await, 422, "validation-failed").await;
        assert_eq!(invalid_fields(&refused), [field], "{refused}");
    }
    problem(note(&app, &app.token, &person, json!({"body": "x", "pinned": true})).await, 422, "validation-failed")
        .await;
    problem(
        note(&app, &app.token, "/api/v1/candidates/0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c", json!({"body": "x"})).await,
        404,
        "not-found",
    )
    .await;
    let all = json_of(app.get(&format!("{person}/notes")).await, 200).await;
    assert_eq!(bodies(&all), ["Asked for 1,800 a day; settles at 1,600.", "Strong on refinancing."]);
    // A member sees what is shared with it, of a candidate in its pipelines; another organization sees nothing.
    let seen = json_of(app.with(&member).get(&format!("{person}/notes")).await, 200).await;
    assert_eq!(bodies(&seen), ["Strong on refinancing."]);
    problem(app.with(&other).get(&format!("{person}/notes")).await, 404, "not-found").await;
    problem(note(&app, &member, &person, json!({"body": "x"})).await, 403, "forbidden").await;
    // Notes are searched with the candidate; newest first on request, with cursors.
    let found = json_of(app.get("/api/v1/candidates?q=settles").await, 200).await;
    assert_eq!(found["items"][0]["id"], ada.as_str());
    let newest =
        json_of(app.get(&format!("{person}/notes?sort=-created_at&limit=1&include_total=true")).await, 200).await;
    assert_eq!((bodies(&newest), newest["total"].as_i64()), (vec!["Strong on refinancing.".to_owned()], Some(2)));
    let cursor = newest["next_cursor"].as_str().unwrap();
    let next = json_of(app.get(&format!("{person}/notes?cursor={cursor}")).await, 200).await;
    assert_eq!(bodies(&next), ["Asked for 1,800 a day; settles at 1,600."]);

    // On a need: staff choose; a member's note is shared with its organization, and it sees only shared ones.
    let mandate = format!("/api/v1/needs/{need}");
    json_of(note(&app, &app.token, &mandate, json!({"body": "Budget may stretch to 1,700."})).await, 201).await;
    json_of(
        note(&app, &app.token, &mandate, json!({"body": "Board meets on the 12th.", "visibility": "organization"}))
            .await,
        201,
    )
    .await;
    let theirs_note =
        json_of(note(&app, &member, &mandate, json!({"body": "The CEO wants a start in March."})).await, 201).await;
    assert_eq!(
        (theirs_note["visibility"].as_str(), theirs_note["organization_id"].as_str()),
        (Some("organization"), Some(ours.as_str()))
    );
    let refused = problem(
        note(&app, &member, &mandate, json!({"body": "x", "visibility": "practice"})).await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(invalid_fields(&refused), ["visibility"]);
    assert_eq!(bodies(&json_of(app.get(&format!("{mandate}/notes")).await, 200).await).len(), 3);
    let seen = json_of(app.with(&member).get(&format!("{mandate}/notes")).await, 200).await;
    assert_eq!(bodies(&seen), ["Board meets on the 12th.", "The CEO wants a start in March."]);
    problem(app.with(&other).get(&format!("{mandate}/notes")).await, 404, "not-found").await;
    problem(note(&app, &other, &mandate, json!({"body": "x"})).await, 404, "not-found").await;

    // On an assignment, the same rules.
    let bob = candidate(&app, "Bob").await;
    let second = open_need(&app, &ours, "Interim COO").await;
    offered(&app, &second, &bob).await;
    let assignment = place(&app, &second, &bob, None).await;
    let placement = format!("/api/v1/assignments/{}", assignment["id"].as_str().unwrap());
    json_of(note(&app, &app.token, &placement, json!({"body": "Renewal likely."})).await, 201).await;
    json_of(note(&app, &member, &placement, json!({"body": "Good first month."})).await, 201).await;
    assert_eq!(
        bodies(&json_of(app.with(&member).get(&format!("{placement}/notes")).await, 200).await),
        ["Good first month."]
    );
    assert_eq!(bodies(&json_of(app.get(&format!("{placement}/notes")).await, 200).await).len(), 2);
    problem(app.with(&other).get(&format!("{placement}/notes")).await, 404, "not-found").await;

    // A data-subject export holds the notes; an erasure takes them with it.
    let export = json_of(app.get(&format!("{person}/export")).await, 200).await;
    assert_eq!(export["notes"].as_array().unwrap().len(), 2, "{export}");
    assert_eq!(app.post(&format!("{person}/erase"), &json!({})).await.status(), 200);
    assert_eq!(bodies(&json_of(app.get(&format!("{person}/notes")).await, 200).await), Vec::<String>::new());
    assert_eq!(json_of(app.get("/api/v1/candidates?q=settles").await, 200).await["items"], json!([]));
}

fn kinds(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap().to_owned()).collect()
}

async fn timelines_show_what_happened_in_order(app: TestApp) {
    let org = app.organization("Northwind Retail").await;
    let need = open_need(&app, &org, "Interim CXO").await;
    let ada = candidate(&app, "Ada").await;
    let person = format!("/api/v1/candidates/{ada}");
    json_of(note(&app, &app.token, &person, json!({"body": "Met at the CX summit."})).await, 201).await;
    let cv = app
        .client
        .post(app.url(&format!("{person}/documents?kind=cv&filename=ada.txt")))
        .bearer_auth(&app.token)
        .header("content-type", "text/plain; charset=utf-8")
        .body("Customer experience, ten years.")
        .send()
        .await
        .unwrap();
    assert_eq!(cv.status(), 201);
    add(&app, &need, &ada).await;
    json_of(move_to(&app, &need, &ada, json!({"to": "screening", "note": "Call on Monday"})).await, 200).await;
    let pipeline_note =
        app.post(&format!("/api/v1/needs/{need}/pipeline/{ada}/notes"), &json!({"body": "References fine"})).await;
    assert_eq!(pipeline_note.status(), 201);
    json_of(
        note(
            &app,
            &app.token,
            &format!("/api/v1/needs/{need}"),
            json!({"body": "Kick-off held.", "visibility": "organization"}),
        )
        .await,
        201,
    )
    .await;
    json_of(note(&app, &app.token, &format!("/api/v1/needs/{need}"), json!({"body": "Fee agreed."})).await, 201).await;

    let expected = ["note", "document_added", "stage_moved", "stage_moved", "pipeline_note"];
    let timeline = json_of(app.get(&format!("{person}/timeline?include_total=true")).await, 200).await;
    assert_eq!(kinds(&timeline), expected, "{timeline}");
    assert_eq!(timeline["total"], 5);
    let items = &timeline["items"];
    assert_eq!(
        (items[0]["text"].as_str(), items[0]["visibility"].as_str()),
        (Some("Met at the CX summit."), Some("practice"))
    );
    assert_eq!((items[1]["text"].as_str(), items[1]["document_kind"].as_str()), (Some("ada.txt"), Some("cv")));
    assert_eq!((items[2]["to_stage"].as_str(), items[2]["need_id"].as_str()), (Some("sourced"), Some(need.as_str())));
    assert_eq!((items[3]["from_stage"].as_str(), items[3]["text"].as_str()), (Some("sourced"), Some("Call on Monday")));
    assert!(items[3]["actor"].as_str().unwrap().starts_with("user:"));

    // Paged, both ways: the same events.
    let mut paged = Vec::new();
    let mut page = json_of(app.get(&format!("{person}/timeline?limit=2")).await, 200).await;
    loop {
        paged.extend(kinds(&page));
        let Some(cursor) = page["next_cursor"].as_str() else { break };
        page = json_of(app.get(&format!("{person}/timeline?cursor={cursor}")).await, 200).await;
    }
    assert_eq!(paged, expected);
    let newest = json_of(app.get(&format!("{person}/timeline?sort=-occurred_at")).await, 200).await;
    let mut reversed = expected.to_vec();
    reversed.reverse();
    assert_eq!(kinds(&newest), reversed);

    // A need's timeline: its pipeline and notes; a member sees the notes shared with it.
    let mandate = json_of(app.get(&format!("/api/v1/needs/{need}/timeline")).await, 200).await;
    assert_eq!(kinds(&mandate), ["stage_moved", "stage_moved", "pipeline_note", "note", "note"]);
    let member = app.user("org_member", Some(&org)).await;
    let seen = json_of(app.with(&member).get(&format!("/api/v1/needs/{need}/timeline")).await, 200).await;
    assert_eq!(kinds(&seen), ["stage_moved", "stage_moved", "pipeline_note", "note"]);
    assert_eq!(seen["items"][3]["text"], "Kick-off held.");
    problem(app.with(&member).get(&format!("{person}/timeline")).await, 403, "forbidden").await;
    problem(app.get("/api/v1/candidates/0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c/timeline").await, 404, "not-found").await;
    problem(app.get(&format!("{person}/timeline?sort=created_at")).await, 400, "invalid-query").await;
}

async fn send_if(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    if_match: Option<&str>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(tag) = if_match {
        request = request.header("if-match", tag);
    }
    if let Some(body) = body {
        request = request.header("content-type", "application/merge-patch+json").body(body.to_string());
    }
    request.send().await.unwrap()
}

async fn notes_are_corrected_or_deleted_by_their_author(app: TestApp) {
    use reqwest::Method;
    let ours = app.organization("Northwind Retail").await;
    let need = open_need(&app, &ours, "Interim CFO").await;
    let ada = candidate(&app, "Ada").await;
    add(&app, &need, &ada).await;
    let (author, colleague) = (app.user("recruiter", None).await, app.user("recruiter", None).await);
    let (member, fellow) = (app.user("org_member", Some(&ours)).await, app.user("org_member", Some(&ours)).await);
    let person = format!("/api/v1/candidates/{ada}");

    let written = note(&app, &author, &person, json!({"body": "Asked for 1,800 a day."})).await;
    let url = written.headers()["location"].to_str().unwrap().to_owned();
    let written = json_of(written, 201).await;
    let read = app.with(&author).get(&url).await;
    assert_eq!(read.headers()["etag"], "\"v1\"");
    assert_eq!(json_of(read, 200).await, written);

    // Only its author or an admin changes it; at the version read, with the rules of a new note.
    let change = json!({"body": "Settles at 1,550, negotiable."});
    for (token, tag, status) in
        [(&colleague, Some("\"v1\""), 403), (&author, None, 428), (&author, Some("\"v9\""), 412)]
    {
        assert_eq!(send_if(&app, token, Method::PATCH, &url, tag, Some(change.clone())).await.status(), status);
        assert_eq!(send_if(&app, token, Method::DELETE, &url, tag, None).await.status(), status);
    }
    let refused = problem(
        send_if(&app, &author, Method::PATCH, &url, Some("\"v1\""), Some(json!({"body": " "}))).await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(invalid_fields(&refused), ["body"]);
    let refused = problem(
        send_if(&app, &author, Method::PATCH, &url, Some("\"v1\""), Some(json!({"visibility": "organization"}))).await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(invalid_fields(&refused), ["organization_id"]);
    assert_eq!(json_of(app.get(&url).await, 200).await, written, "nothing was written");

    let corrected = send_if(&app, &author, Method::PATCH, &url, Some("\"v1\""), Some(change)).await;
    assert_eq!(corrected.headers()["etag"], "\"v2\"");
    let corrected = json_of(corrected, 200).await;
    assert_eq!(
        (corrected["body"].as_str(), corrected["version"].as_i64()),
        (Some("Settles at 1,550, negotiable."), Some(2))
    );
    assert!(corrected["updated_at"].is_string() && corrected["author"] == written["author"]);
    // Search reads the corrected text, not the old one.
    assert_eq!(json_of(app.get("/api/v1/candidates?q=negotiable").await, 200).await["items"][0]["id"], ada.as_str());
    assert_eq!(json_of(app.get("/api/v1/candidates?q=asked").await, 200).await["items"], json!([]));

    // Shared by an admin (not its author): then the organization's members read it.
    problem(app.with(&member).get(&url).await, 404, "not-found").await;
    let shared = json_of(
        send_if(
            &app,
            &app.token,
            Method::PATCH,
            &url,
            Some("\"v2\""),
            Some(json!({"visibility": "organization", "organization_id": ours})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!((shared["organization_id"].as_str(), shared["version"].as_i64()), (Some(ours.as_str()), Some(3)));
    assert_eq!(json_of(app.with(&member).get(&url).await, 200).await["body"], "Settles at 1,550, negotiable.");
    // Another subject's path does not reach it.
    let bob = candidate(&app, "Bob").await;
    let elsewhere = url.replace(&ada, &bob);
    problem(app.get(&elsewhere).await, 404, "not-found").await;
    assert_eq!(send_if(&app, &author, Method::DELETE, &elsewhere, Some("*"), None).await.status(), 404);

    // Deleted: gone from its list, the timeline and search.
    assert_eq!(send_if(&app, &author, Method::DELETE, &url, Some("\"v3\""), None).await.status(), 204);
    problem(app.get(&url).await, 404, "not-found").await;
    assert_eq!(bodies(&json_of(app.get(&format!("{person}/notes")).await, 200).await), Vec::<String>::new());
    assert_eq!(kinds(&json_of(app.get(&format!("{person}/timeline")).await, 200).await), ["stage_moved"]);
    assert_eq!(json_of(app.get("/api/v1/candidates?q=negotiable").await, 200).await["items"], json!([]));

    // On a need: a member corrects its own note, not a fellow member's, and it stays shared.
    let mandate = format!("/api/v1/needs/{need}");
    let theirs = note(&app, &member, &mandate, json!({"body": "Start in March."})).await;
    let theirs_url = theirs.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(
        send_if(&app, &fellow, Method::PATCH, &theirs_url, Some("*"), Some(json!({"body": "x"}))).await.status(),
        403
    );
    let refused = problem(
        send_if(&app, &member, Method::PATCH, &theirs_url, Some("*"), Some(json!({"visibility": "practice"}))).await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(invalid_fields(&refused), ["visibility"]);
    let fixed =
        send_if(&app, &member, Method::PATCH, &theirs_url, Some("\"v1\""), Some(json!({"body": "Start in April."})))
            .await;
    assert_eq!(json_of(fixed, 200).await["visibility"], "organization");
    let kept = note(&app, &app.token, &mandate, json!({"body": "Fee agreed."})).await;
    let kept_url = kept.headers()["location"].to_str().unwrap().to_owned();
    problem(app.with(&member).get(&kept_url).await, 404, "not-found").await;
    assert_eq!(send_if(&app, &member, Method::DELETE, &kept_url, Some("*"), None).await.status(), 404);
    assert_eq!(send_if(&app, &app.token, Method::DELETE, &theirs_url, Some("\"v2\""), None).await.status(), 204);
    assert_eq!(bodies(&json_of(app.get(&format!("{mandate}/notes")).await, 200).await), ["Fee agreed."]);

    // On an assignment, the same.
    let second = open_need(&app, &ours, "Interim COO").await;
    offered(&app, &second, &bob).await;
    let assignment = place(&app, &second, &bob, None).await;
    let placement = format!("/api/v1/assignments/{}", assignment["id"].as_str().unwrap());
    let first = note(&app, &member, &placement, json!({"body": "Good first month."})).await;
    let first_url = first.headers()["location"].to_str().unwrap().to_owned();
    let fixed =
        send_if(&app, &member, Method::PATCH, &first_url, Some("\"v1\""), Some(json!({"body": "A good first month."})))
            .await;
    assert_eq!(json_of(fixed, 200).await["version"], 2);
    assert_eq!(send_if(&app, &member, Method::DELETE, &first_url, Some("\"v2\""), None).await.status(), 204);
    assert_eq!(bodies(&json_of(app.get(&format!("{placement}/notes")).await, 200).await), Vec::<String>::new());
}

backend_tests!(
    notes_are_kept_for_the_practice_or_shared,
    timelines_show_what_happened_in_order,
    notes_are_corrected_or_deleted_by_their_author
);
