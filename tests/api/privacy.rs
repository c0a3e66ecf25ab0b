//! Candidates' rights: consent records, the export of everything held about a
//! candidate, erasure (nothing of them left in any table), and the retention
//! purge (scheduled once across instances, and from the CLI's function).

use std::time::{Duration, Instant};

use diesel::QueryableByName;
use diesel::RunQueryDsl;
use diesel::sql_types::{Binary, Nullable, Text};
use interim_tracker::config::Config;
use interim_tracker::db::{Database, DatabaseUrl};
use serde_json::json;

use crate::helpers::{TestApp, backend_tests, invalid_fields, json_of, problem, test_config};

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Cell {
    #[diesel(sql_type = Nullable<Binary>)]
    v: Option<Vec<u8>>,
}

/// Every text of every column of every table: what a dump of the database shows.
fn dump(database_url: &str) -> String {
    let url = DatabaseUrl::parse(database_url).unwrap();
    let postgres = matches!(url, DatabaseUrl::Postgres(_));
    let db = Database::connect(&url, 1).unwrap();
    db.with_reader(|conn| {
        let tables_sql = if postgres {
            "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()"
        } else {
            "SELECT name FROM sqlite_master WHERE type = 'table'"
        };
        let tables: Vec<Name> = diesel::sql_query(tables_sql).load(conn)?;
        let mut out = String::new();
        for table in tables {
            let columns_sql = if postgres {
                format!(
                    "SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '{}'",
                    table.name
                )
            } else {
                format!("SELECT name FROM pragma_table_info('{}')", table.name)
            };
            let columns: Vec<Name> = diesel::sql_query(columns_sql).load(conn)?;
            for column in columns {
                // Bytes on SQLite, where the full-text index keeps its pages as blobs.
                let (column, table) = (&column.name, &table.name);
                let statement = if postgres {
                    format!("SELECT convert_to(CAST(\"{column}\" AS TEXT), 'UTF8') AS v FROM \"{table}\"")
                } else {
                    format!("SELECT CAST(\"{column}\" AS BLOB) AS v FROM \"{table}\"")
                };
                let cells: Vec<Cell> = diesel::sql_query(statement).load(conn)?;
                for cell in cells.into_iter().filter_map(|c| c.v) {
                    out.push_str(&String::from_utf8_lossy(&cell));
                    out.push('\n');
                }
            }
        }
        if !postgres {
            // And the words the full-text index holds, as it reads them.
            diesel::sql_query("CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_words USING fts5vocab(main, candidate_search, 'row')")
                .execute(conn)?;
            let words: Vec<Name> = diesel::sql_query("SELECT term AS name FROM temp.search_words").load(conn)?;
            for word in words {
                out.push_str(&word.name);
                out.push('\n');
            }
        }
        Ok(out)
    })
    .unwrap()
}

async fn place(app: &TestApp, need: &str, candidate: &str) {
    let moves = format!("/api/v1/needs/{need}/pipeline/{candidate}/moves");
    for stage in ["screening", "interviewing", "offered", "placed"] {
        let mut body = json!({"to": stage, "note": format!("Zebediah moved to {stage}")});
        if stage == "placed" {
            body["assignment"] = json!({"day_rate": {"amount": 1500, "currency": "EUR"}});
        }
        assert_eq!(app.post(&moves, &body).await.status(), 200, "{stage}");
    }
}

async fn consents_are_recorded_and_withdrawn(app: TestApp) {
    let candidate = app
        .create("/api/v1/candidates", &json!({"first_name": "C", "last_name": "D", "email": "cd@example.com"}))
        .await;
    let path = format!("/api/v1/candidates/{}/consents", candidate["id"].as_str().unwrap());
    let given = json_of(
        app.post(
            &path,
            &json!({"purpose": "talent_pool", "expires_at": "2099-01-01T00:00:00Z", "source": "intake form"}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!((given["active"].as_bool(), given["purpose"].as_str()), (Some(true), Some("talent_pool")));
    let refused = problem(
        app.post(&path, &json!({"purpose": "astrology", "given_at": "2099-01-01T00:00:00Z"})).await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(invalid_fields(&refused), ["purpose"]);
    let refused = problem(
        app.post(&path, &json!({"purpose": "marketing", "given_at": "2099-01-01T00:00:00Z"})).await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(invalid_fields(&refused), ["given_at"]);

    let withdraw = format!("{path}/{}/withdraw", given["id"].as_str().unwrap());
    let withdrawn = json_of(app.post(&withdraw, &json!({})).await, 200).await;
    assert_eq!(withdrawn["active"], false);
    let again = json_of(app.post(&withdraw, &json!({})).await, 200).await;
    assert_eq!(again["withdrawn_at"], withdrawn["withdrawn_at"], "the first withdrawal's time stays");
    let listed = json_of(app.get(&path).await, 200).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    problem(app.post(&format!("{path}/nope/withdraw"), &json!({})).await, 404, "not-found").await;
}

async fn erasure_leaves_nothing_of_the_candidate(app: TestApp) {
    let org = app.organization("Erasure Ltd").await;
    let need = app
        .create(
            "/api/v1/needs",
            &json!({"organization_id": org, "title": "Interim CXO", "reason": "replacement", "status": "open"}),
        )
        .await;
    let need = need["id"].as_str().unwrap().to_owned();
    // Created with an idempotency key: the stored replay holds the record too.
    let created = app
        .client
        .post(app.url("/api/v1/candidates"))
        .bearer_auth(&app.token)
        .header("idempotency-key", "erasure-test-1")
        .json(&json!({"external_id": "ats-zq", "first_name": "Zebediah", "last_name": "Quuxworth",
                      "email": "zeb.quuxworth@example.com", "phone": "+31 6 1234 5678", "headline": "Quuxworth turnarounds",
                      "skills": [{"skill": "customer-service-strategy", "level": 5}]}))
        .send()
        .await
        .unwrap();
    let candidate = json_of(created, 201).await;
    let id = candidate["id"].as_str().unwrap().to_owned();
    let consents = format!("/api/v1/candidates/{id}/consents");
    json_of(app.post(&consents, &json!({"purpose": "placement", "source": "Quuxworth's e-mail"})).await, 201).await;
    json_of(
        app.post(
            &format!("/api/v1/needs/{need}/pipeline"),
            &json!({"candidate_id": id, "note": "Quuxworth came recommended"}),
        )
        .await,
        201,
    )
    .await;
    json_of(
        app.post(
            &format!("/api/v1/needs/{need}/pipeline/{id}/notes"),
            &json!({"body": "Call Zebediah on zeb.quuxworth@example.com"}),
        )
        .await,
        201,
    )
    .await;
    place(&app, &need, &id).await;
    assert!(dump(&app.database_url).contains("Quuxworth"), "the dump sees the data before erasure");

    // Everything held, for the candidate's access request; admins only.
    let export = json_of(app.get(&format!("/api/v1/candidates/{id}/export")).await, 200).await;
    assert_eq!(export["candidate"]["last_name"], "Quuxworth");
    assert_eq!(export["consents"].as_array().unwrap().len(), 1);
    assert_eq!(export["pipeline"][0]["entry"]["notes"].as_array().unwrap().len(), 1);
    assert_eq!(export["pipeline"][0]["history"].as_array().unwrap().len(), 5);
    assert_eq!(export["assignments"].as_array().unwrap().len(), 1);
    assert!(!export["audit_events"].as_array().unwrap().is_empty());
    let recruiter = app.user("recruiter", None).await;
    problem(app.with(&recruiter).get(&format!("/api/v1/candidates/{id}/export")).await, 403, "forbidden").await;
    problem(app.with(&recruiter).post(&format!("/api/v1/candidates/{id}/erase"), &json!({})).await, 403, "forbidden")
        .await;

    let placements_before = json_of(app.get("/api/v1/reports/placements").await, 200).await;
    let erased = json_of(app.post(&format!("/api/v1/candidates/{id}/erase"), &json!({})).await, 200).await;
    let again = json_of(app.post(&format!("/api/v1/candidates/{id}/erase"), &json!({})).await, 200).await;
    assert_eq!(again["erased_at"], erased["erased_at"]);

    let dumped = dump(&app.database_url).to_lowercase();
    for personal in ["zebediah", "quuxworth", "zeb.quuxworth@example.com", "1234 5678", "ats-zq"] {
        assert!(!dumped.contains(personal), "`{personal}` is still in the database");
    }
    let placeholder = json_of(app.get(&format!("/api/v1/candidates/{id}")).await, 200).await;
    assert_eq!(
        (placeholder["first_name"].as_str(), placeholder["status"].as_str()),
        (Some("Erased"), Some("inactive"))
    );
    let etag = format!("\"v{}\"", placeholder["version"]);
    problem(
        app.patch_if(&format!("/api/v1/candidates/{id}"), &json!({"first_name": "Back"}), &etag).await,
        409,
        "conflict",
    )
    .await;
    problem(app.post(&consents, &json!({"purpose": "marketing"})).await, 409, "conflict").await;
    // Placements still count; the audit log says the erasure happened.
    assert_eq!(json_of(app.get("/api/v1/reports/placements").await, 200).await, placements_before);
    let audit = json_of(app.get("/api/v1/audit-events?limit=200").await, 200).await;
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["object_id"] == id.as_str() && e["action"].as_str().unwrap_or("").contains("erase")),
        "{audit}"
    );
}

/// A short retention period and a purge every second.
fn purging(config: &mut Config) {
    config.retention_period_secs = 1;
    config.retention_purge_interval_secs = 1;
}

async fn the_retention_purge_runs_once_across_instances(app: TestApp) {
    let other = app.another_instance_with(purging).await;
    let started = Instant::now();
    let without = app
        .create("/api/v1/candidates", &json!({"first_name": "No", "last_name": "Consent", "email": "no@example.com"}))
        .await;
    let with = other
        .create(
            "/api/v1/candidates",
            &json!({"first_name": "With", "last_name": "Consent", "email": "with@example.com"}),
        )
        .await;
    json_of(
        app.post(
            &format!("/api/v1/candidates/{}/consents", with["id"].as_str().unwrap()),
            &json!({"purpose": "talent_pool"}),
        )
        .await,
        201,
    )
    .await;

    let erased = loop {
        let found =
            json_of(app.get(&format!("/api/v1/candidates/{}", without["id"].as_str().unwrap())).await, 200).await;
        if found["first_name"] == "Erased" {
            break found;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "never purged");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(erased["email"].as_str().unwrap().ends_with("@erased.invalid"));
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let kept = json_of(app.get(&format!("/api/v1/candidates/{}", with["id"].as_str().unwrap())).await, 200).await;
    assert_eq!(kept["first_name"], "With", "a consent that holds keeps the candidate");

    // Two instances looked every second for several seconds; the runs never overlap, and each
    // candidate was erased once.
    let db = Database::connect(&DatabaseUrl::parse(&app.database_url).unwrap(), 1).unwrap();
    let runs =
        db.with_reader(|conn| interim_tracker::db::privacy::runs(conn, interim_tracker::retention::JOB)).unwrap();
    assert!(!runs.is_empty());
    // Counted from the first run, which may precede `started` (the first instance purges while the second
    // starts): one run a second at most, whichever instance claims it.
    let elapsed = (chrono::Utc::now() - runs[0].started_at).as_seconds_f64();
    assert!((runs.len() as f64) <= elapsed + 2.0, "{} runs in {elapsed:.1} s: both instances ran", runs.len());
    for pair in runs.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert!(a.finished_at.is_some_and(|f| f <= b.started_at), "overlapping runs: {a:?} {b:?}");
    }
    let erasing_runs: i32 = runs.iter().map(|r| r.affected).sum();
    assert_eq!(erasing_runs, 1, "the candidate was erased once: {runs:?}");

    // The CLI's purge: a dry run lists, nothing is due now.
    let policy = interim_tracker::retention::Policy { retention: Duration::from_secs(1), every: None };
    let config = test_config(&app.database_url);
    let cli_db = interim_tracker::prepare_database(&config).unwrap();
    let due =
        tokio::task::spawn_blocking(move || interim_tracker::retention::purge(&cli_db, &policy, "cli-test", true))
            .await
            .unwrap()
            .unwrap();
    assert!(due.is_empty(), "{due:?}");
}

backend_tests!(consents_are_recorded_and_withdrawn, erasure_leaves_nothing_of_the_candidate);

/// The purge's own configuration, which would erase the other tests' candidates.
mod purge {
    use crate::helpers::TestApp;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::the_retention_purge_runs_once_across_instances(TestApp::sqlite_with(super::purging).await).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(app) = TestApp::postgres_with(super::purging).await {
            super::the_retention_purge_runs_once_across_instances(app).await
        }
    }
}
