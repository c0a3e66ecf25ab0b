//! Full-text search through the candidates list's `q`, on both backends
//! (SQLite FTS5, PostgreSQL tsvector): every field it reads (headline,
//! summary, skills with their synonyms, pipeline notes, a CV's text), English
//! stemming, phrases, `OR` and exclusions, ranking by field weight with
//! snippets whose offsets point at the words, the other filters and cursors,
//! changes and deletions and erasure taking words away, candidates stored
//! before search found after a restart, and refusals for text that finds
//! nothing.

use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};
use interim_tracker::db::DatabaseUrl;
use serde_json::{Value, json};

use crate::helpers::{TestApp, backend_tests, json_of, problem};

async fn candidate(app: &TestApp, last_name: &str, fields: Value) -> String {
    let mut body = json!({"first_name": "Maria", "last_name": last_name, "email": format!("{}@example.com", last_name.to_lowercase())});
    body.as_object_mut().unwrap().extend(fields.as_object().unwrap().clone());
    app.create("/api/v1/candidates", &body).await["id"].as_str().unwrap().to_owned()
}

async fn search(app: &TestApp, query: &str) -> Value {
    json_of(app.get(&format!("/api/v1/candidates?{query}")).await, 200).await
}

fn last_names(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|c| c["last_name"].as_str().unwrap().to_owned()).collect()
}

/// The words a snippet marks, as its offsets (in characters) cut them from its text.
fn marked(hit: &Value) -> Vec<String> {
    let text: Vec<char> = hit["snippet"]["text"].as_str().unwrap().chars().collect();
    hit["snippet"]["highlights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            let (start, end) = (h["start"].as_u64().unwrap() as usize, h["end"].as_u64().unwrap() as usize);
            text[start..end].iter().collect::<String>().to_lowercase()
        })
        .collect()
}

pub async fn upload_text(app: &TestApp, candidate: &str, text: &str) -> String {
    let response = app
        .client
        .post(app.url(&format!("/api/v1/candidates/{candidate}/documents?kind=cv")))
        .bearer_auth(&app.token)
        .header("content-type", "text/plain; charset=utf-8")
        .body(text.to_owned())
        .send()
        .await
        .unwrap();
    json_of(response, 201).await["id"].as_str().unwrap().to_owned()
}

async fn every_field_is_searched_and_ranked_by_weight(app: TestApp) {
    let headline = candidate(&app, "Headline", json!({"headline": "Interim treasurer for a refinancing"})).await;
    let summary = candidate(
        &app,
        "Summary",
        json!({"headline": "Finance director", "summary": "Led the treasury through two refinancing rounds."}),
    )
    .await;
    let cv = candidate(&app, "Curriculum", json!({"headline": "Operations lead"})).await;
    upload_text(&app, &cv, "Career\n2019-2023: group treasury, cash pooling and a refinancing of 400 million.\n").await;
    candidate(&app, "Unrelated", json!({"headline": "Chief people officer", "summary": "Culture and talent."})).await;

    // Stemming: `refinancing` is found by `refinanced`; ranked by where it was found (headline first).
    let page = search(&app, "q=refinanced&include_total=true").await;
    assert_eq!(last_names(&page), ["Headline", "Summary", "Curriculum"], "{page}");
    assert_eq!(page["total"], 3);
    let scores: Vec<f64> =
        page["items"].as_array().unwrap().iter().map(|c| c["search"]["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    let first = &page["items"][0];
    assert_eq!(first["id"], headline.as_str());
    assert_eq!(first["search"]["found_in"], json!(["headline"]));
    assert_eq!(first["search"]["snippet"]["field"], "headline");
    assert_eq!(marked(&first["search"]), ["refinancing"]);
    let in_cv = &page["items"][2];
    assert_eq!(in_cv["search"]["found_in"], json!(["documents"]));
    assert_eq!(marked(&in_cv["search"]), ["refinancing"]);
    // Two fields found: both named, the weightiest's passage shown.
    let treasury = search(&app, "q=treasury").await;
    assert_eq!(last_names(&treasury), ["Summary", "Curriculum"], "{treasury}");
    assert_eq!(treasury["items"][0]["id"], summary.as_str());
    assert_eq!(treasury["items"][0]["search"]["found_in"], json!(["summary"]));

    // Without `q`, items carry no `search`; with another sort, the search still filters.
    let plain = search(&app, "limit=10").await;
    assert!(plain["items"].as_array().unwrap().iter().all(|c| c.get("search").is_none()), "{plain}");
    assert_eq!(last_names(&search(&app, "q=refinancing&sort=last_name").await), ["Curriculum", "Headline", "Summary"]);
    assert_eq!(last_names(&search(&app, "q=refinancing&sort=-last_name").await), ["Summary", "Headline", "Curriculum"]);
    // The name is searched too.
    assert_eq!(last_names(&search(&app, "q=unrelated").await), ["Unrelated"]);
}

async fn skills_synonyms_and_notes_are_searched(app: TestApp) {
    // A skill with a synonym, as a taxonomy import makes it.
    let skill = json!({"key": "cash-management", "name": "Cash management", "alt_labels": ["liquidity planning"]});
    json_of(app.post("/api/v1/skills", &skill).await, 201).await;
    let holder = candidate(&app, "Holder", json!({"skills": [{"skill": "cash-management", "level": 4}]})).await;
    let page = search(&app, "q=liquidity").await;
    assert_eq!(last_names(&page), ["Holder"], "{page}");
    assert_eq!(page["items"][0]["search"]["found_in"], json!(["skills"]));
    assert_eq!(marked(&page["items"][0]["search"]), ["liquidity"]);
    // Renamed, or given other synonyms, the skill is found by its new words within seconds, not its old ones.
    let renamed = app
        .patch(
            "/api/v1/skills/cash-management",
            &json!({"name": "Treasury management", "alt_labels": ["cash forecasting"]}),
        )
        .await;
    assert_eq!(renamed.status(), 200);
    let started = std::time::Instant::now();
    while last_names(&search(&app, "q=forecasting").await).is_empty() {
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "the holder's search text was not rewritten");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(last_names(&search(&app, "q=treasury").await), ["Holder"]);
    assert!(last_names(&search(&app, "q=liquidity").await).is_empty());

    // Pipeline notes, and the note of a move.
    let org = app.organization("Northwind").await;
    let need = app
        .create(
            "/api/v1/needs",
            &json!({"organization_id": org, "title": "Interim CFO", "reason": "replacement", "status": "open"}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let noted = candidate(&app, "Noted", json!({})).await;
    json_of(
        app.post(
            &format!("/api/v1/needs/{need}/pipeline"),
            &json!({"candidate_id": noted, "note": "Referred by the auditor"}),
        )
        .await,
        201,
    )
    .await;
    json_of(
        app.post(
            &format!("/api/v1/needs/{need}/pipeline/{noted}/notes"),
            &json!({"body": "Speaks fluent Portuguese."}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(last_names(&search(&app, "q=portuguese").await), ["Noted"]);
    assert_eq!(last_names(&search(&app, "q=auditor").await), ["Noted"]);
    let hit = &search(&app, "q=portuguese").await["items"][0]["search"];
    assert_eq!(hit["found_in"], json!(["notes"]));
    assert_eq!(holder.len(), 36);
}

async fn phrases_alternatives_exclusions_and_filters(app: TestApp) {
    candidate(&app, "Equity", json!({"headline": "CFO for private equity portfolios", "location": {"country": "NL"}}))
        .await;
    candidate(
        &app,
        "Private",
        json!({"headline": "CFO, private banking and equity research", "location": {"country": "DE"}}),
    )
    .await;
    candidate(
        &app,
        "Retail",
        json!({"headline": "CFO in retail", "location": {"country": "NL"}, "status": "inactive"}),
    )
    .await;

    let names = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(names(last_names(&search(&app, "q=cfo").await)), ["Equity", "Private", "Retail"]);
    assert_eq!(last_names(&search(&app, "q=%22private%20equity%22").await), ["Equity"]);
    assert_eq!(names(last_names(&search(&app, "q=private%20equity").await)), ["Equity", "Private"]);
    assert_eq!(names(last_names(&search(&app, "q=portfolios%20OR%20retail").await)), ["Equity", "Retail"]);
    assert_eq!(names(last_names(&search(&app, "q=cfo%20-retail").await)), ["Equity", "Private"]);
    // With the other filters.
    assert_eq!(names(last_names(&search(&app, "q=cfo&country=NL").await)), ["Equity", "Retail"]);
    assert_eq!(last_names(&search(&app, "q=cfo&country=NL&status=inactive").await), ["Retail"]);
    assert_eq!(search(&app, "q=cfo&country=FR&include_total=true").await["total"], 0);
    // Whatever is typed is words: the engines' operators find nothing odd and fail nothing.
    for odd in ["NEAR(cfo", "%22", "cfo*", "cfo:retail", "%5Ecfo", "cfo%20AND", "a%26b%7C!c", "(((", "-", "OR"] {
        let response = app.get(&format!("/api/v1/candidates?q={odd}")).await;
        assert!([200, 400].contains(&response.status().as_u16()), "q={odd}: {}", response.status());
    }
}

async fn relevance_pages_follow_cursors(app: TestApp) {
    // Different counts of the word in the headline and summary rank them apart; the same text ties.
    for (i, summary) in ["turnaround", "turnaround turnaround", "turnaround", "turnaround turnaround turnaround"]
        .iter()
        .cycle()
        .take(9)
        .enumerate()
    {
        candidate(&app, &format!("Person{i}"), json!({"headline": "Interim manager", "summary": summary})).await;
    }
    let whole = last_names(&search(&app, "q=turnaround&limit=50").await);
    assert_eq!(whole.len(), 9);
    let mut paged = Vec::new();
    let mut page = search(&app, "q=turnaround&limit=2").await;
    loop {
        paged.extend(last_names(&page));
        let Some(cursor) = page["next_cursor"].as_str() else { break };
        page = search(&app, &format!("cursor={cursor}&limit=2")).await;
    }
    assert_eq!(paged, whole, "pages of two give the order of one page");
    let mut descending = last_names(&search(&app, "q=turnaround&sort=-relevance").await);
    descending.reverse();
    assert_eq!(descending, whole);
    // The export streams the same candidates.
    let export = app.get("/api/v1/candidates/export?q=turnaround").await;
    assert_eq!(export.status(), 200);
    assert_eq!(export.text().await.unwrap().lines().count(), 9);
}

async fn changes_deletions_and_erasure_take_words_away(app: TestApp) {
    let id = candidate(&app, "Changing", json!({"headline": "Turnaround CFO"})).await;
    let doc = upload_text(&app, &id, "Restructured a shipyard.").await;
    assert_eq!(last_names(&search(&app, "q=shipyard").await), ["Changing"]);

    json_of(app.patch(&format!("/api/v1/candidates/{id}"), &json!({"headline": "Growth CFO"})).await, 200).await;
    assert!(last_names(&search(&app, "q=turnaround").await).is_empty());
    assert_eq!(last_names(&search(&app, "q=growth").await), ["Changing"]);

    assert_eq!(app.delete(&format!("/api/v1/candidates/{id}/documents/{doc}")).await.status(), 204);
    assert!(last_names(&search(&app, "q=shipyard").await).is_empty());

    upload_text(&app, &id, "Chaired the works council.").await;
    json_of(app.post(&format!("/api/v1/candidates/{id}/erase"), &json!({})).await, 200).await;
    for word in ["council", "growth", "changing"] {
        assert!(last_names(&search(&app, &format!("q={word}")).await).is_empty(), "{word} is still found");
    }

    let gone = candidate(&app, "Deleted", json!({"headline": "Shipbuilding COO"})).await;
    assert_eq!(app.delete(&format!("/api/v1/candidates/{gone}")).await.status(), 204);
    assert!(last_names(&search(&app, "q=shipbuilding").await).is_empty());
}

async fn candidates_stored_before_search_are_found_after_a_restart(app: TestApp) {
    candidate(&app, "Older", json!({"headline": "Interim CHRO, works councils"})).await;
    // What a database migrated from before search holds: candidates without their search text.
    match DatabaseUrl::parse(&app.database_url).unwrap() {
        DatabaseUrl::Sqlite(path) => {
            let mut conn = SqliteConnection::establish(&path.to_string_lossy()).unwrap();
            diesel::sql_query("DELETE FROM candidate_texts").execute(&mut conn).unwrap();
        }
        DatabaseUrl::Postgres(url) => {
            let mut conn = PgConnection::establish(&url).unwrap();
            diesel::sql_query("DELETE FROM candidate_texts").execute(&mut conn).unwrap();
        }
    }
    assert!(last_names(&search(&app, "q=councils").await).is_empty());
    let restarted = app.another_instance().await;
    assert_eq!(last_names(&search(&restarted, "q=council").await), ["Older"]);
}

async fn text_that_finds_nothing_is_refused(app: TestApp) {
    candidate(&app, "Someone", json!({})).await;
    for (query, says) in
        [("q=%21%21", "no word to find"), ("q=-retail", "no word to find"), ("sort=relevance", "give `q`")]
    {
        let body = problem(app.get(&format!("/api/v1/candidates?{query}")).await, 400, "invalid-query").await;
        assert!(body["detail"].as_str().unwrap().contains(says), "{query}: {body}");
    }
    // An empty `q` is no search, as an empty `sort` is the default order.
    let all = search(&app, "q=&limit=1").await;
    assert!(all["items"][0].get("search").is_none(), "{all}");
    let long = "a".repeat(201);
    problem(app.get(&format!("/api/v1/candidates?q={long}")).await, 400, "invalid-query").await;
    let many = vec!["word"; 17].join("%20");
    let body = problem(app.get(&format!("/api/v1/candidates?q={many}")).await, 400, "invalid-query").await;
    assert!(body["detail"].as_str().unwrap().contains("16 words"), "{body}");
}

backend_tests!(
    every_field_is_searched_and_ranked_by_weight,
    skills_synonyms_and_notes_are_searched,
    phrases_alternatives_exclusions_and_filters,
    relevance_pages_follow_cursors,
    changes_deletions_and_erasure_take_words_away,
    candidates_stored_before_search_are_found_after_a_restart,
    text_that_finds_nothing_is_refused
);
