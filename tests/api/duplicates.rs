//! Possible duplicates and merges, on both backends: the rules (the same
//! e-mail however typed, the same phone, alike names in one city), groups
//! formed transitively, the review list and its pages, pairs marked distinct,
//! keys following changes; a merge that moves pipelines (joining entries of a
//! need both were in), documents, consents and notes, answers 308 for the old
//! id and announces `candidate.merged`; and a property: whatever each holds,
//! nothing is lost and nothing points at the duplicate afterwards.

use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl, SqliteConnection};
use interim_tracker::db::DatabaseUrl;
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::helpers::{TestApp, backend_tests, invalid_fields, json_of, problem};
use crate::pipeline::{add, open_need};
use crate::search::upload_text;

async fn person(app: &TestApp, first: &str, last: &str, email: &str, phone: Option<&str>, city: &str) -> String {
    let body = json!({"first_name": first, "last_name": last, "email": email, "phone": phone,
        "location": {"city": city, "country": "NL"}});
    app.create("/api/v1/candidates", &body).await["id"].as_str().unwrap().to_owned()
}

async fn duplicates(app: &TestApp, id: &str) -> Value {
    json_of(app.get(&format!("/api/v1/candidates/{id}/duplicates")).await, 200).await
}

fn found(view: &Value) -> Vec<(String, Vec<String>)> {
    view["duplicates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let rules = d["reasons"].as_array().unwrap().iter().map(|r| r["rule"].as_str().unwrap().to_owned());
            (d["candidate"]["id"].as_str().unwrap().to_owned(), rules.collect())
        })
        .collect()
}

async fn possible_duplicates_are_found_grouped_and_reviewed(app: TestApp) {
    let ada = person(&app, "Ada", "Lovelace", "ada.lovelace@example.com", Some("+31 6 1234 5678"), "Amsterdam").await;
    let same_mail = person(&app, "Ada", "Lovelace", "Ada.Lovelace+cv@Example.com", None, "Amsterdam").await;
    let same_phone = person(&app, "A.", "King", "countess@example.org", Some("06-12345678"), "Utrecht").await;
    let alike = person(&app, "Adda", "Lovelace", "adda@example.net", None, "amsterdam").await;
    let elsewhere = person(&app, "Ada", "Lovelace", "ada@rotterdam.example", None, "Rotterdam").await;
    person(&app, "Grace", "Hopper", "grace@example.com", Some("+1 202 555 0100"), "Arlington").await;
    let g1 = person(&app, "Maria", "Jansen", "maria@example.com", Some("020 555 0199"), "Haarlem").await;
    let g2 = person(&app, "Pieter", "de Vries", "pieter@example.com", Some("+31 20 555 0199"), "Leiden").await;

    let view = duplicates(&app, &ada).await;
    assert_eq!(view["candidate_id"], ada.as_str());
    assert_eq!(
        found(&view),
        [
            (same_mail.clone(), vec!["same_email".to_owned(), "similar_name_same_city".to_owned()]),
            (same_phone.clone(), vec!["same_phone".to_owned()]),
            (alike.clone(), vec!["similar_name_same_city".to_owned()]),
        ],
        "{view}"
    );
    let reasons = &view["duplicates"][0]["reasons"];
    assert_eq!(reasons[0]["shared"], "ada.lovelace@example.com");
    assert_eq!(reasons[1]["similarity"], 1.0);
    assert!(view["duplicates"][2]["reasons"][0]["similarity"].as_f64().unwrap() >= 0.9);
    assert_eq!(view["duplicates"][1]["candidate"]["phone"], "06-12345678");
    assert!(!found(&view).iter().any(|(id, _)| *id == elsewhere), "another city is another person");

    // The group is transitive: the phone's match is linked to the others through Ada.
    let mut group = vec![ada.clone(), same_mail.clone(), same_phone.clone(), alike.clone()];
    group.sort();
    assert_eq!(duplicates(&app, &same_phone).await["group"], json!(group));

    // The review list: every group, by its smallest id, page by page.
    let mut pairs = vec![g1.clone(), g2.clone()];
    pairs.sort();
    let mut expected = [group.clone(), pairs.clone()];
    expected.sort();
    let ids = |page: &Value| -> Vec<Vec<String>> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["candidates"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect())
            .collect()
    };
    let first = json_of(app.get("/api/v1/candidates/duplicates?limit=1").await, 200).await;
    assert_eq!(ids(&first), [expected[0].clone()]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = json_of(app.get(&format!("/api/v1/candidates/duplicates?limit=1&cursor={cursor}")).await, 200).await;
    assert_eq!(ids(&second), [expected[1].clone()]);
    assert!(second.get("next_cursor").is_none(), "{second}");
    problem(app.get("/api/v1/candidates/duplicates?cursor=nope").await, 400, "invalid-query").await;

    // Two people who only look alike: marked distinct, they are no longer offered (saying it twice is the same).
    for _ in 0..2 {
        let marked = app.put(&format!("/api/v1/candidates/{ada}/distinct/{alike}"), &json!({})).await;
        assert_eq!(marked.status(), 204);
    }
    assert!(!found(&duplicates(&app, &ada).await).iter().any(|(id, _)| *id == alike));
    assert!(!found(&duplicates(&app, &alike).await).iter().any(|(id, _)| *id == ada));
    problem(app.put(&format!("/api/v1/candidates/{ada}/distinct/{ada}"), &json!({})).await, 400, "invalid-query").await;

    // A change of phone number takes the link away.
    let patched = app
        .patch_if(&format!("/api/v1/candidates/{same_phone}"), &json!({"phone": "+44 20 7946 0000"}), "\"v1\"")
        .await;
    assert_eq!(patched.status(), 200);
    assert!(!found(&duplicates(&app, &ada).await).iter().any(|(id, _)| *id == same_phone));

    // Creation says who the new candidate may be, or refuses to create them.
    let body = json!({"first_name": "Ada", "last_name": "Lovelace", "email": "ADA.LOVELACE+new@example.com"});
    let refused = problem(app.post("/api/v1/candidates?duplicates=refuse", &body).await, 409, "conflict").await;
    assert!(refused["detail"].as_str().unwrap().contains(&ada), "{refused}");
    let count = app.list_all("/api/v1/candidates").await.len();
    let created = json_of(app.post("/api/v1/candidates?duplicates=warn", &body).await, 201).await;
    let named: Vec<&str> = created["possible_duplicates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["candidate_id"].as_str().unwrap())
        .collect();
    assert!(named.contains(&ada.as_str()) && named.contains(&same_mail.as_str()), "{created}");
    assert_eq!(created["possible_duplicates"][0]["reasons"][0]["rule"], "same_email");
    assert_eq!(app.list_all("/api/v1/candidates").await.len(), count + 1);
    let unique = app
        .create(
            "/api/v1/candidates",
            &json!({"first_name": "Hedy", "last_name": "Lamarr", "email": "hedy@example.com"}),
        )
        .await;
    assert!(unique.get("possible_duplicates").is_none(), "{unique}");

    problem(app.get("/api/v1/candidates/0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c/duplicates").await, 404, "not-found")
        .await;
    let member = app.user("org_member", Some(&app.organization("Contoso").await)).await;
    problem(app.with(&member).get(&format!("/api/v1/candidates/{ada}/duplicates")).await, 403, "forbidden").await;
}

async fn a_merge_moves_everything_and_the_old_id_leads_to_the_survivor(app: TestApp) {
    let org = app.organization("Northwind Retail").await;
    let (both, only_theirs) = (open_need(&app, &org, "Interim CFO").await, open_need(&app, &org, "Interim COO").await);
    let ada = person(&app, "Ada", "Lovelace", "ada@example.com", None, "Amsterdam").await;
    let dup = person(&app, "Ada", "Lovelace", "ada+old@example.com", Some("+31 6 1234 5678"), "Amsterdam").await;
    let patched = app
        .patch_if(
            &format!("/api/v1/candidates/{dup}"),
            &json!({"headline": "Interim finance director", "industries": ["energy"]}),
            "\"v1\"",
        )
        .await;
    assert_eq!(patched.status(), 200);
    add(&app, &both, &ada).await;
    add(&app, &both, &dup).await;
    add(&app, &only_theirs, &dup).await;
    let note = app
        .post(&format!("/api/v1/needs/{both}/pipeline/{dup}/notes"), &json!({"body": "Met at the treasury forum"}))
        .await;
    assert_eq!(note.status(), 201);
    upload_text(&app, &dup, "Cash pooling across twelve countries, a refinancing of 400 million.").await;
    let noted = app.post(&format!("/api/v1/candidates/{dup}/notes"), &json!({"body": "Prefers the north"})).await;
    assert_eq!(noted.status(), 201);
    let consent = app.post(&format!("/api/v1/candidates/{dup}/consents"), &json!({"purpose": "talent_pool"})).await;
    assert_eq!(consent.status(), 201);
    let since =
        json_of(app.get("/api/v1/changes?since=now").await, 200).await["next_since"].as_str().unwrap().to_owned();
    let entry_id = |entry: Value| entry["id"].as_str().unwrap().to_owned();
    let joined = entry_id(json_of(app.get(&format!("/api/v1/needs/{both}/pipeline/{dup}")).await, 200).await);
    let kept = entry_id(json_of(app.get(&format!("/api/v1/needs/{both}/pipeline/{ada}")).await, 200).await);
    let moved = entry_id(json_of(app.get(&format!("/api/v1/needs/{only_theirs}/pipeline/{dup}")).await, 200).await);

    // Bad merges change nothing.
    let refused = problem(
        app.post(&format!("/api/v1/candidates/{ada}/merge"), &json!({"duplicate_id": ada})).await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(invalid_fields(&refused), ["duplicate_id"]);
    let refused = problem(
        app.post(
            &format!("/api/v1/candidates/{ada}/merge"),
            &json!({"duplicate_id": dup, "fields": {"headline": "both", "shoe_size": "survivor"}}),
        )
        .await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(invalid_fields(&refused), ["fields.headline", "fields.shoe_size"]);

    let response = app
        .post(
            &format!("/api/v1/candidates/{ada}/merge"),
            &json!({"duplicate_id": dup, "fields": {"email": "survivor"}}),
        )
        .await;
    // The survivor (at v1) moves past the duplicate's versions (v2), so no If-Match read there ever matches it.
    assert_eq!(response.headers()["etag"], "\"v3\"");
    let merged = json_of(response, 200).await;
    assert_eq!(merged["merged_id"], dup.as_str());
    assert_eq!(
        merged["moved"],
        json!({"pipeline_entries": 1, "pipeline_entries_joined": 1, "assignments": 0, "documents": 1, "consents": 1, "notes": 1})
    );
    let survivor = &merged["candidate"];
    assert_eq!(survivor["id"], ada.as_str());
    assert_eq!(survivor["email"], "ada@example.com");
    assert_eq!(survivor["phone"], "+31 6 1234 5678", "a gap is filled from the duplicate");
    assert_eq!(survivor["headline"], "Interim finance director");
    assert_eq!(survivor["industries"], json!(["energy"]));

    // The old id leads to the survivor: 308 with Location, which a client follows.
    let plain = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let old = plain.get(app.url(&format!("/api/v1/candidates/{dup}"))).bearer_auth(&app.token).send().await.unwrap();
    assert_eq!(old.status(), 308);
    assert_eq!(old.headers()["location"], format!("/api/v1/candidates/{ada}").as_str());
    let body: Value = old.json().await.unwrap();
    assert_eq!(
        (body["type"].as_str().unwrap(), body["merged_into"].as_str().unwrap()),
        ("urn:interim-tracker:problem:merged", ada.as_str())
    );
    assert_eq!(json_of(app.get(&format!("/api/v1/candidates/{dup}")).await, 200).await["id"], ada.as_str());
    let followed = app.patch_if(&format!("/api/v1/candidates/{dup}"), &json!({"headline": "x"}), "\"v2\"").await;
    problem(followed, 412, "precondition-failed").await;
    let again = problem(
        app.post(&format!("/api/v1/candidates/{ada}/merge"), &json!({"duplicate_id": dup})).await,
        422,
        "validation-failed",
    )
    .await;
    assert!(again["errors"][0]["message"].as_str().unwrap().contains("merged"), "{again}");

    // Everything moved: pipelines (the shared need's entry holds both histories and the note), documents, consents.
    let pipelines = json_of(app.get(&format!("/api/v1/candidates/{ada}/pipeline")).await, 200).await;
    let mut needs: Vec<&str> =
        pipelines["items"].as_array().unwrap().iter().map(|e| e["need_id"].as_str().unwrap()).collect();
    needs.sort();
    let mut wanted = vec![both.as_str(), only_theirs.as_str()];
    wanted.sort();
    assert_eq!(needs, wanted);
    let history = json_of(app.get(&format!("/api/v1/needs/{both}/pipeline/{ada}/history")).await, 200).await;
    assert_eq!(history["items"].as_array().unwrap().len(), 2, "{history}");
    let entry = json_of(app.get(&format!("/api/v1/needs/{both}/pipeline/{ada}")).await, 200).await;
    assert_eq!(entry["notes"][0]["body"], "Met at the treasury forum", "{entry}");
    let documents = json_of(app.get(&format!("/api/v1/candidates/{ada}/documents")).await, 200).await;
    assert_eq!(documents["items"].as_array().unwrap().len(), 1);
    let notes = json_of(app.get(&format!("/api/v1/candidates/{ada}/notes")).await, 200).await;
    assert_eq!(notes["items"][0]["body"], "Prefers the north");
    let consents = json_of(app.get(&format!("/api/v1/candidates/{ada}/consents")).await, 200).await;
    assert_eq!(consents.as_array().unwrap().len(), 1, "{consents}");
    let search = json_of(app.get("/api/v1/candidates?q=refinancing").await, 200).await;
    assert_eq!(
        search["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect::<Vec<_>>(),
        [ada.as_str()]
    );
    let listed = json_of(app.get("/api/v1/candidates").await, 200).await;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1), "{listed}");

    // Integrators hear of it: `candidate.merged` names where the old id leads.
    let feed = json_of(app.get(&format!("/api/v1/changes?since={since}&resource=candidate")).await, 200).await;
    let merges: Vec<&Value> = feed["items"].as_array().unwrap().iter().filter(|c| c["action"] == "merged").collect();
    assert_eq!(merges.len(), 1, "{feed}");
    assert_eq!(
        (merges[0]["resource_id"].as_str().unwrap(), merges[0]["data"]["merged_into"].as_str().unwrap()),
        (dup.as_str(), ada.as_str())
    );
    // And of the entries: the moved one names the survivor now, the joined one leads to the survivor's.
    let feed = json_of(app.get(&format!("/api/v1/changes?since={since}&resource=pipeline_entry")).await, 200).await;
    let changes: Vec<(&str, &str)> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["resource_id"].as_str().unwrap(), c["action"].as_str().unwrap()))
        .collect();
    let mut expected = vec![(joined.as_str(), "merged"), (kept.as_str(), "updated"), (moved.as_str(), "updated")];
    let mut sorted = changes.clone();
    sorted.sort();
    expected.sort();
    assert_eq!(sorted, expected, "{feed}");
    let merged_entry = feed["items"].as_array().unwrap().iter().find(|c| c["action"] == "merged").unwrap();
    assert_eq!(merged_entry["data"]["merged_into"], kept.as_str());
    let moved_entry = json_of(app.get(&format!("/api/v1/needs/{only_theirs}/pipeline/{ada}")).await, 200).await;
    assert_eq!((moved_entry["id"].as_str(), moved_entry["version"].as_i64()), (Some(moved.as_str()), Some(2)));
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Rows in every table that names a candidate, that name `id`.
fn rows_naming(database_url: &str, id: &str) -> i64 {
    let sql = format!(
        "SELECT (SELECT COUNT(*) FROM pipeline_entries WHERE candidate_id = '{id}') \
         + (SELECT COUNT(*) FROM assignments WHERE candidate_id = '{id}' OR successor_candidate_id = '{id}') \
         + (SELECT COUNT(*) FROM documents WHERE candidate_id = '{id}') \
         + (SELECT COUNT(*) FROM candidate_consents WHERE candidate_id = '{id}') \
         + (SELECT COUNT(*) FROM notes WHERE subject = 'candidate' AND subject_id = '{id}') \
         + (SELECT COUNT(*) FROM candidate_keys WHERE candidate_id = '{id}') \
         + (SELECT COUNT(*) FROM candidate_texts WHERE candidate_id = '{id}') \
         + (SELECT COUNT(*) FROM candidate_skills WHERE candidate_id = '{id}') \
         + (SELECT COUNT(*) FROM candidates WHERE id = '{id}') AS n"
    );
    let count: Vec<Count> = match DatabaseUrl::parse(database_url).unwrap() {
        DatabaseUrl::Sqlite(path) => {
            diesel::sql_query(sql).load(&mut SqliteConnection::establish(&path.to_string_lossy()).unwrap())
        }
        DatabaseUrl::Postgres(url) => diesel::sql_query(sql).load(&mut PgConnection::establish(&url).unwrap()),
    }
    .unwrap();
    count[0].n
}

/// What each of two candidates holds in a case of the merge property.
#[derive(Debug, Clone)]
struct Holdings {
    /// Which of three needs each is in.
    needs: [(bool, bool); 3],
    documents: (usize, usize),
    consents: (usize, usize),
    notes: (usize, usize),
}

fn holdings() -> impl Strategy<Value = Holdings> {
    (any::<[(bool, bool); 3]>(), (0..3usize, 0..3usize), (0..3usize, 0..3usize), (0..3usize, 0..3usize))
        .prop_map(|(needs, documents, consents, notes)| Holdings { needs, documents, consents, notes })
}

async fn merge_case(app: &TestApp, needs: &[String], case: usize, h: &Holdings) {
    let a = person(app, "Case", &format!("Survivor{case}"), &format!("s{case}@example.com"), None, "Delft").await;
    let b = person(app, "Case", &format!("Duplicate{case}"), &format!("d{case}@example.com"), None, "Delft").await;
    for (who, index) in [(&a, 0), (&b, 1)] {
        let pick = |p: (usize, usize)| if index == 0 { p.0 } else { p.1 };
        for (need, held) in needs.iter().zip(h.needs) {
            if (index == 0 && held.0) || (index == 1 && held.1) {
                add(app, need, who).await;
                for n in 0..pick(h.notes) {
                    let body = json!({"body": format!("note {n} of {who}")});
                    assert_eq!(
                        app.post(&format!("/api/v1/needs/{need}/pipeline/{who}/notes"), &body).await.status(),
                        201
                    );
                }
            }
        }
        for d in 0..pick(h.documents) {
            upload_text(app, who, &format!("document {d}")).await;
        }
        for _ in 0..pick(h.consents) {
            assert_eq!(
                app.post(&format!("/api/v1/candidates/{who}/consents"), &json!({"purpose": "talent_pool"}))
                    .await
                    .status(),
                201
            );
        }
    }
    let before = rows_naming(&app.database_url, &a) + rows_naming(&app.database_url, &b);
    let merged =
        json_of(app.post(&format!("/api/v1/candidates/{a}/merge"), &json!({"duplicate_id": b})).await, 200).await;
    assert_eq!(rows_naming(&app.database_url, &b), 0, "nothing points at the duplicate: {h:?}");

    let joined = h.needs.iter().filter(|(x, y)| *x && *y).count();
    let moved = &merged["moved"];
    assert_eq!(moved["pipeline_entries_joined"], joined);
    assert_eq!(moved["pipeline_entries"], h.needs.iter().filter(|(x, y)| !*x && *y).count());
    let entries = json_of(app.get(&format!("/api/v1/candidates/{a}/pipeline")).await, 200).await;
    assert_eq!(entries["items"].as_array().unwrap().len(), h.needs.iter().filter(|(x, y)| *x || *y).count());
    let mut notes = 0;
    for (need, held) in needs.iter().zip(h.needs) {
        if held.0 || held.1 {
            let entry = json_of(app.get(&format!("/api/v1/needs/{need}/pipeline/{a}")).await, 200).await;
            notes += entry["notes"].as_array().unwrap().len();
        }
    }
    let held_notes = |n: usize, side: fn(&(bool, bool)) -> bool| h.needs.iter().filter(|p| side(p)).count() * n;
    assert_eq!(notes, held_notes(h.notes.0, |p| p.0) + held_notes(h.notes.1, |p| p.1), "{h:?}");
    let documents = json_of(app.get(&format!("/api/v1/candidates/{a}/documents")).await, 200).await;
    assert_eq!(documents["items"].as_array().unwrap().len(), h.documents.0 + h.documents.1);
    let consents = json_of(app.get(&format!("/api/v1/candidates/{a}/consents")).await, 200).await;
    assert_eq!(consents.as_array().unwrap().len(), h.consents.0 + h.consents.1);
    // The survivor holds every row either held, less the duplicate's own (its record, keys, skills, text) and the
    // entries that joined.
    let after = rows_naming(&app.database_url, &a);
    assert_eq!(after, before - 4 - joined as i64, "{before} -> {after}: {h:?}");
}

async fn nothing_is_lost_in_a_merge(app: TestApp) {
    let org = app.organization("Northwind Retail").await;
    let mut needs = Vec::new();
    for title in ["Interim CFO", "Interim COO", "Interim CXO"] {
        needs.push(open_need(&app, &org, title).await);
    }
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig { cases: 6, ..ProptestConfig::default() });
    let handle = tokio::runtime::Handle::current();
    let case = std::sync::atomic::AtomicUsize::new(0);
    runner
        .run(&holdings(), |h| {
            let case = case.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tokio::task::block_in_place(|| handle.block_on(merge_case(&app, &needs, case, &h)));
            Ok(())
        })
        .unwrap();
}

async fn imports_report_possible_duplicates_or_refuse_them(app: TestApp) {
    let maria = person(&app, "Maria", "Jansen", "maria.jansen@example.com", Some("+31 6 1234 5678"), "Rotterdam").await;
    let csv = "first_name,last_name,email,phone,location.city,location.country\n\
        Maria,Jansen,MARIA.JANSEN+work@example.com,,Rotterdam,NL\n\
        Piet,Bakker,piet@example.com,06 99 88 77 66,Utrecht,NL\n\
        Pieter,Bakker,pieter@example.com,0031 6 9988 7766,Utrecht,NL\n";
    // Checked without writing: the row naming Maria's e-mail is flagged.
    let dry = json_of(app.post_body("/api/v1/candidates/import?dry_run=true", "text/csv", csv).await, 200).await;
    assert_eq!((dry["created"].clone(), dry["possible_duplicates"].clone()), (json!(3), json!(2)), "{dry}");
    assert_eq!(dry["results"][0]["possible_duplicates"], json!([maria]));
    assert_eq!(dry["results"][1].get("possible_duplicates"), None, "a row with no likeness names none");

    // Refused: the rows that may be stored candidates (or an earlier row's) fail; the others land.
    let refused =
        json_of(app.post_body("/api/v1/candidates/import?duplicates=refuse", "text/csv", csv).await, 200).await;
    assert_eq!((refused["created"].clone(), refused["failed"].clone()), (json!(1), json!(2)), "{refused}");
    let codes: Vec<Value> =
        refused["results"].as_array().unwrap().iter().map(|r| r["errors"][0]["code"].clone()).collect();
    assert_eq!(codes, [json!("possible_duplicates"), Value::Null, json!("possible_duplicates")]);
    assert!(refused["results"][0]["errors"][0]["message"].as_str().unwrap().contains(&maria));
    let piet = refused["results"][1]["id"].as_str().unwrap().to_owned();

    // Warned (the default): created, and named.
    let warned = json_of(app.post_body("/api/v1/candidates/import", "text/csv", csv).await, 200).await;
    assert_eq!(warned["results"][1]["status"], "unchanged", "{warned}");
    assert_eq!(warned["results"][0]["possible_duplicates"], json!([maria]));
    assert_eq!(warned["results"][2]["possible_duplicates"], json!([piet]));
    let created = warned["results"][0]["id"].as_str().unwrap().to_owned();
    let theirs = found(&duplicates(&app, &created).await);
    assert_eq!(theirs.first().map(|(id, _)| id.as_str()), Some(maria.as_str()));
}

backend_tests!(
    imports_report_possible_duplicates_or_refuse_them,
    possible_duplicates_are_found_grouped_and_reviewed,
    a_merge_moves_everything_and_the_old_id_leads_to_the_survivor,
    nothing_is_lost_in_a_merge
);
