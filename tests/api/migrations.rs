//! Migrations are reversible, and the SQLite and PostgreSQL schemas stay in step.

use diesel::sql_types::{Bool, Text};
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl, SqliteConnection};
use interim_tracker::db::{Database, DatabaseUrl};

use crate::helpers::{fresh_postgres_schema, postgres_url};

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
