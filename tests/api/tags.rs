//! Tags on candidates and needs: kept in lowercase and sorted, filtering
//! the lists (every tag named), counted, imported and exported.

use serde_json::{Value, json};

use crate::helpers::{TestApp, backend_tests, invalid_fields, json_of, problem};

async fn tagged_candidate(app: &TestApp, name: &str, tags: &[&str]) -> String {
    let body = json!({"first_name": name, "last_name": "Tagged", "email": format!("{}@example.com", name.to_lowercase()),
        "tags": tags});
    app.create("/api/v1/candidates", &body).await["id"].as_str().unwrap().to_owned()
}

fn ids(items: &[Value]) -> Vec<String> {
    items.iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect()
}

async fn candidates_carry_tags_that_filter_their_lists(app: TestApp) {
    let ada = tagged_candidate(&app, "Ada", &["Board-Ready", " french speaking ", "board-ready"]).await;
    let bea = tagged_candidate(&app, "Bea", &["board-ready"]).await;
    let cy = tagged_candidate(&app, "Cy", &[]).await;
    let read = json_of(app.get(&format!("/api/v1/candidates/{ada}")).await, 200).await;
    assert_eq!(read["tags"], json!(["board-ready", "french speaking"]), "trimmed, lowercased, folded, sorted");

    // Bad tags are refused by position, and nothing is written.
    let bad = json!({"first_name": "Dee", "last_name": "X", "email": "dee@example.com", "tags": ["ok", "a;b", " "]});
    let refused = problem(app.post("/api/v1/candidates", &bad).await, 422, "validation-failed").await;
    assert_eq!(invalid_fields(&refused), ["tags[1]", "tags[2]"]);
    let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
    let crowded = json!({"first_name": "Dee", "last_name": "X", "email": "dee@example.com", "tags": many});
    assert_eq!(
        invalid_fields(&problem(app.post("/api/v1/candidates", &crowded).await, 422, "validation-failed").await),
        ["tags"]
    );
    let total = json_of(app.get("/api/v1/candidates?include_total=true").await, 200).await["total"].clone();
    assert_eq!(total, 3);

    // A list names tags; every one must be carried, in any case, with any sort, page by page.
    for sort in ["created_at", "-updated_at", "last_name"] {
        let both = app.list_all(&format!("/api/v1/candidates?tag=board-ready&sort={sort}&limit=1")).await;
        let mut found = ids(&both);
        found.sort();
        let mut expected = vec![ada.clone(), bea.clone()];
        expected.sort();
        assert_eq!(found, expected, "{sort}");
    }
    let only =
        json_of(app.get("/api/v1/candidates?tag=French%20Speaking,board-ready&include_total=true").await, 200).await;
    assert_eq!((ids(only["items"].as_array().unwrap()), only["total"].clone()), (vec![ada.clone()], json!(1)));
    let none = json_of(app.get("/api/v1/candidates?tag=interim-cfo").await, 200).await;
    assert_eq!(none["items"], json!([]));
    let everyone = json_of(app.get("/api/v1/candidates?tag=").await, 200).await;
    assert_eq!(everyone["items"].as_array().unwrap().len(), 3, "an empty filter is no filter");
    for bad in ["a;b", "a,,b", "a,b,c,d,e,f"] {
        problem(app.get(&format!("/api/v1/candidates?tag={bad}")).await, 400, "invalid-query").await;
    }
    // A search combines with tags.
    let searched = json_of(app.get("/api/v1/candidates?q=Bea&tag=board-ready").await, 200).await;
    assert_eq!(ids(searched["items"].as_array().unwrap()), [bea.as_str()]);

    // A patch replaces the tags; the lists follow at once.
    let patched = app.patch(&format!("/api/v1/candidates/{bea}"), &json!({"tags": ["interim-cfo"]})).await;
    assert_eq!(json_of(patched, 200).await["tags"], json!(["interim-cfo"]));
    let board = json_of(app.get("/api/v1/candidates?tag=board-ready").await, 200).await;
    assert_eq!(ids(board["items"].as_array().unwrap()), [ada.as_str()]);
    let cfo = json_of(app.get("/api/v1/candidates?tag=interim-cfo").await, 200).await;
    assert_eq!(ids(cfo["items"].as_array().unwrap()), [bea.as_str()]);

    // The tags in use, most used first; a prefix narrows them.
    app.patch(&format!("/api/v1/candidates/{cy}"), &json!({"tags": ["interim-cfo", "french speaking"]})).await;
    let counts = json_of(app.get("/api/v1/candidates/tags").await, 200).await;
    assert_eq!(
        counts["items"],
        json!([{"tag": "french speaking", "count": 2}, {"tag": "interim-cfo", "count": 2}, {"tag": "board-ready", "count": 1}])
    );
    let narrowed = json_of(app.get("/api/v1/candidates/tags?prefix=IN&limit=5").await, 200).await;
    assert_eq!(narrowed["items"], json!([{"tag": "interim-cfo", "count": 2}]));
    problem(app.get("/api/v1/candidates/tags?limit=0").await, 400, "invalid-query").await;

    // Imports set tags (`;`-separated in CSV); exports carry them.
    let csv = "first_name,last_name,email,tags\nEd,Imported,ed@example.com,Board-Ready;turnaround\n";
    let report = json_of(app.post_body("/api/v1/candidates/import", "text/csv", csv).await, 200).await;
    assert_eq!(report["created"], 1, "{report}");
    let exported = app.get("/api/v1/candidates/export?tag=turnaround").await;
    let body = exported.text().await.unwrap();
    let lines: Vec<Value> = body.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 1, "{body}");
    assert_eq!(lines[0]["tags"], json!(["board-ready", "turnaround"]));
}

async fn needs_carry_tags_and_members_see_their_own(app: TestApp) {
    let (a, b) = (app.organization("Org A").await, app.organization("Org B").await);
    let need = |org: &str, title: &str, tags: &[&str]| json!({"organization_id": org, "title": title, "reason": "replacement", "tags": tags});
    let cfo = app.create("/api/v1/needs", &need(&a, "Interim CFO", &["Urgent", "board"])).await;
    assert_eq!(cfo["tags"], json!(["board", "urgent"]));
    let coo = app.create("/api/v1/needs", &need(&a, "Interim COO", &["urgent"])).await;
    app.create("/api/v1/needs", &need(&b, "Interim CMO", &["urgent", "rebrand"])).await;
    let urgent = app.list_all("/api/v1/needs?tag=urgent&limit=2").await;
    assert_eq!(urgent.len(), 3);
    let board = json_of(app.get(&format!("/api/v1/needs?tag=urgent,board&organization_id={a}")).await, 200).await;
    assert_eq!(ids(board["items"].as_array().unwrap()), [cfo["id"].as_str().unwrap()]);
    let bad = problem(app.post("/api/v1/needs", &need(&a, "X", &["<b>"])).await, 422, "validation-failed").await;
    assert_eq!(invalid_fields(&bad), ["tags[0]"]);

    let path = format!("/api/v1/needs/{}", coo["id"].as_str().unwrap());
    let patched = json_of(app.patch(&path, &json!({"tags": []})).await, 200).await;
    assert_eq!(patched["tags"], json!([]));
    let urgent = json_of(app.get(&format!("/api/v1/needs?tag=urgent&organization_id={a}")).await, 200).await;
    assert_eq!(ids(urgent["items"].as_array().unwrap()), [cfo["id"].as_str().unwrap()]);

    let all = json_of(app.get("/api/v1/needs/tags").await, 200).await;
    assert_eq!(
        all["items"],
        json!([{"tag": "urgent", "count": 2}, {"tag": "board", "count": 1}, {"tag": "rebrand", "count": 1}])
    );
    // Members see their own organization's needs and tags, whatever they ask.
    let member = app.user("org_member", Some(&b)).await;
    let theirs = json_of(app.with(&member).get(&format!("/api/v1/needs/tags?organization_id={a}")).await, 200).await;
    assert_eq!(theirs["items"], json!([{"tag": "rebrand", "count": 1}, {"tag": "urgent", "count": 1}]));
    let listed = json_of(app.with(&member).get("/api/v1/needs?tag=urgent").await, 200).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
}

backend_tests!(candidates_carry_tags_that_filter_their_lists, needs_carry_tags_and_members_see_their_own);
