//! Migrations are reversible, and the SQLite and PostgreSQL schemas stay in step.

use diesel::sql_types::{Bool, Text};
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl, SqliteConnection};
use diesel_migrations::{FileBasedMigrations, MigrationHarness};
use interim_tracker::db::{Database, DatabaseUrl};
use serde_json::json;

use crate::helpers::{TestApp, backend_tests, fresh_postgres_schema, json_of, postgres_url};
use crate::matching::cxo_need;

#[derive(QueryableByName, Debug, PartialEq, Eq, PartialOrd, Ord, Clone)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Bool)]
    not_null: bool,
}

const SQLITE_COLUMNS: &str = "SELECT m.name AS table_name, p.name AS column_name, (p.\"notnull\" OR p.pk > 0) AS not_null \
    FROM sqlite_master m JOIN pragma_table_info(m.name) p \
    WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '__diesel_schema_migrations'";
const POSTGRES_COLUMNS: &str = "SELECT table_name::text AS table_name, column_name::text AS column_name, (is_nullable = 'NO') AS not_null \
    FROM information_schema.columns \
    WHERE table_schema = current_schema() AND table_name <> '__diesel_schema_migrations'";

fn columns(url: &DatabaseUrl) -> Vec<Column> {
    let mut columns: Vec<Column> = match url {
        DatabaseUrl::Sqlite(path) => {
            let mut conn = SqliteConnection::establish(&path.to_string_lossy()).unwrap();
            diesel::sql_query(SQLITE_COLUMNS).load(&mut conn).unwrap()
        }
        DatabaseUrl::Postgres(url) => {
            let mut conn = PgConnection::establish(url).unwrap();
            diesel::sql_query(POSTGRES_COLUMNS).load(&mut conn).unwrap()
        }
    };
    // Where the backends search differently: SQLite's FTS5 table (and the tables it keeps itself), PostgreSQL's
    // tsvector column.
    let engine_specific = |c: &Column| {
        c.table_name.starts_with("candidate_search") || (c.table_name == "candidate_texts" && c.column_name == "search")
    };
    columns.retain(|c| !engine_specific(c));
    columns.sort();
    columns
}

fn up_down_up(url: &DatabaseUrl) -> Vec<Column> {
    let db = Database::connect(url, 2).unwrap();
    db.migrate().unwrap();
    let migrated = columns(url);
    assert!(migrated.iter().any(|c| c.table_name == "needs"), "{migrated:?}");
    db.revert_all_migrations().unwrap();
    assert_eq!(columns(url), Vec::new(), "down.sql drops everything up.sql made");
    db.migrate().unwrap();
    assert_eq!(columns(url), migrated, "up after down gives the same schema");
    migrated
}

fn sqlite_url(dir: &tempfile::TempDir) -> DatabaseUrl {
    DatabaseUrl::Sqlite(dir.path().join("schema.db"))
}

#[test]
fn sqlite_migrations_are_reversible() {
    let dir = tempfile::tempdir().unwrap();
    up_down_up(&sqlite_url(&dir));
}

#[test]
fn postgres_migrations_are_reversible_and_match_sqlite() {
    let Some(admin) = postgres_url() else { return };
    let (url, schema) = fresh_postgres_schema(&admin);
    let postgres = up_down_up(&DatabaseUrl::Postgres(url));
    let dir = tempfile::tempdir().unwrap();
    let sqlite = columns(&{
        let url = sqlite_url(&dir);
        Database::connect(&url, 1).unwrap().migrate().unwrap();
        url
    });
    let mut conn = PgConnection::establish(&admin).unwrap();
    diesel::sql_query(format!("DROP SCHEMA {schema} CASCADE")).execute(&mut conn).unwrap();
    assert_eq!(sqlite, postgres, "migrations/sqlite and migrations/postgres define the same columns");
}

/// Migrations from this one on are taken back and made again by the upgrade test.
const LISTS_ON_THE_ROW: &str = "20261124000010";

/// Takes back every migration from [`LISTS_ON_THE_ROW`] on, then runs them all again: what upgrading a
/// database made before it does.
fn upgrade_from_before_lists_on_the_row(url: &str) {
    fn redo<C: MigrationHarness<B>, B: diesel::backend::Backend>(conn: &mut C, folder: &str) {
        let migrations = FileBasedMigrations::from_path(format!("{}/migrations/{folder}", env!("CARGO_MANIFEST_DIR")))
            .expect("the migrations folder");
        while conn.applied_migrations().unwrap().iter().any(|v| v.to_string().as_str() >= LISTS_ON_THE_ROW) {
            conn.revert_last_migration(migrations.clone()).unwrap();
        }
        conn.run_pending_migrations(migrations).unwrap();
    }
    match DatabaseUrl::parse(url).unwrap() {
        DatabaseUrl::Sqlite(path) => redo(&mut SqliteConnection::establish(&path.to_string_lossy()).unwrap(), "sqlite"),
        DatabaseUrl::Postgres(url) => redo(&mut PgConnection::establish(&url).unwrap(), "postgres"),
    }
}

/// The candidate `id`, and how they match `need`.
async fn candidate_and_match(app: &TestApp, id: &str, need: &str) -> (serde_json::Value, serde_json::Value) {
    let candidate = json_of(app.get(&format!("/api/v1/candidates/{id}")).await, 200).await;
    (candidate, json_of(app.get(&format!("/api/v1/needs/{need}/matches/{id}")).await, 200).await)
}

/// A database from before a candidate's lists and held assignments were kept on its row gets them filled in
/// from the child tables and assignments: every candidate reads as it did, lists and their order included,
/// and matching still sees what each holds.
async fn an_upgrade_keeps_every_candidate_as_it_was(app: TestApp) {
    let people = [
        (
            vec![("customer-service-strategy", 3, 4), ("change-management", 5, 9), ("crisis-management", 3, 2)],
            vec![("nl", "native"), ("en", "fluent"), ("de", "basic")],
            vec!["Retail", "banking", "e-commerce"],
        ),
        (vec![("change-management", 2, 1)], vec![("fr", "professional")], vec![]),
        (vec![], vec![], vec!["telecom"]),
    ];
    let mut ids = Vec::new();
    for (n, (skills, languages, industries)) in people.iter().enumerate() {
        let body = json!({
            "first_name": "Upgrade", "last_name": format!("Candidate {n}"), "email": format!("upgrade-{n}@example.com"),
            "skills": skills.iter().map(|(s, l, y)| json!({"skill": s, "level": l, "years": y})).collect::<Vec<_>>(),
            "languages": languages.iter().map(|(l, p)| json!({"language": l, "proficiency": p})).collect::<Vec<_>>(),
            "industries": industries,
            "consent": {"given": true},
        });
        ids.push(app.create("/api/v1/candidates", &body).await["id"].as_str().unwrap().to_owned());
    }
    // The first candidate is placed on one mandate, so is not a match for another at the same time.
    let org = app.organization("Upgrade").await;
    let (placed_on, other) = (cxo_need(&app, &org).await, cxo_need(&app, &org).await);
    let first = &ids[0];
    json_of(app.post(&format!("/api/v1/needs/{placed_on}/pipeline"), &json!({"candidate_id": first})).await, 201).await;
    for stage in ["screening", "interviewing", "offered", "placed"] {
        let moved = app.post(&format!("/api/v1/needs/{placed_on}/pipeline/{first}/moves"), &json!({"to": stage})).await;
        json_of(moved, 200).await;
    }
    let mut before = Vec::new();
    for id in &ids {
        before.push(candidate_and_match(&app, id, &other).await);
    }
    assert_eq!(before[0].0["skills"][0]["skill"], "change-management", "{:?}", before[0]);
    let held = before[0].1["filters"].as_array().unwrap().iter().find(|f| f["name"] == "assignments").unwrap();
    assert_eq!(held["passed"], false, "{held}");

    upgrade_from_before_lists_on_the_row(&app.database_url);
    // A new instance, so nothing read before the upgrade is reused.
    let upgraded = app.another_instance().await;
    for (id, before) in ids.iter().zip(&before) {
        assert_eq!(&candidate_and_match(&upgraded, id, &other).await, before);
    }
}

backend_tests!(an_upgrade_keeps_every_candidate_as_it_was);
