//! Starts the real application, as `main` does, on a fresh database of its
//! own: a temporary SQLite file, or a fresh schema on the PostgreSQL server
//! named by `TEST_DATABASE_URL`.

use std::sync::atomic::{AtomicBool, Ordering};

use diesel::{Connection, PgConnection, connection::SimpleConnection};
use interim_tracker::Application;
use interim_tracker::config::Config;
use reqwest::{Method, Response};
use serde_json::Value;

/// Runs each listed test function once per backend: `sqlite::name` always,
/// `postgres::name` when `TEST_DATABASE_URL` is set.
macro_rules! backend_tests {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::TestApp::sqlite().await).await
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(app) = $crate::helpers::TestApp::postgres().await {
                        super::$name(app).await
                    }
                }
            )+
        }
    };
}
pub(crate) use backend_tests;

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub database_url: String,
    _database: TestDatabase,
}

enum TestDatabase {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, schema: String },
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres { admin_url, schema } = self {
            // Best effort: the server may still hold connections; a leftover schema is harmless.
            if let Ok(mut conn) = PgConnection::establish(admin_url) {
                let _ = conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
            }
        }
    }
}

/// The PostgreSQL server tests use, if any.
pub fn postgres_url() -> Option<String> {
    static WARNED: AtomicBool = AtomicBool::new(false);
    let url = std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty());
    if url.is_none() && !WARNED.swap(true, Ordering::Relaxed) {
        eprintln!("TEST_DATABASE_URL is not set: the PostgreSQL variants of the tests do nothing");
    }
    url
}

/// A fresh, empty schema on the test server; returns the URL that selects it.
pub fn fresh_postgres_schema(admin_url: &str) -> (String, String) {
    let schema = format!("it_{}", uuid::Uuid::new_v4().simple());
    let mut conn = PgConnection::establish(admin_url)
        .unwrap_or_else(|e| panic!("TEST_DATABASE_URL is set but PostgreSQL cannot be reached: {e}"));
    conn.batch_execute(&format!("CREATE SCHEMA {schema}")).expect("creating a test schema");
    let separator = if admin_url.contains('?') { '&' } else { '?' };
    (format!("{admin_url}{separator}options=-csearch_path%3D{schema}"), schema)
}

pub fn test_config(database_url: &str) -> Config {
    Config {
        bind_addr: "127.0.0.1:0".parse().expect("a socket address"),
        database_url: database_url.to_owned(),
        database_pool_size: 4,
        workers: Some(2),
        max_body_bytes: 64 * 1024,
        shutdown_timeout_secs: 1,
        log_level: std::env::var("TEST_LOG").unwrap_or_else(|_| "warn".into()),
        log_format: "text".into(),
    }
}

impl TestApp {
    pub async fn sqlite() -> TestApp {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let url = format!("sqlite://{}", dir.path().join("nested/folder/test.db").display());
        Self::start(url, TestDatabase::Sqlite(dir)).await
    }

    pub async fn postgres() -> Option<TestApp> {
        let admin_url = postgres_url()?;
        let (url, schema) = fresh_postgres_schema(&admin_url);
        Some(Self::start(url, TestDatabase::Postgres { admin_url, schema }).await)
    }

    async fn start(database_url: String, database: TestDatabase) -> TestApp {
        let config = test_config(&database_url);
        interim_tracker::telemetry::init(&config.log_level, "text");
        let app = Application::build(&config).expect("the application starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run());
        TestApp { address, client: reqwest::Client::new(), database_url, _database: database }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn request(&self, method: Method, path: &str, body: Option<&Value>) -> Response {
        let mut request = self.client.request(method, self.url(path));
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("the request is answered")
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.request(Method::POST, path, Some(body)).await
    }

    /// PATCH with a JSON Merge Patch.
    pub async fn patch(&self, path: &str, body: &Value) -> Response {
        self.client
            .patch(self.url(path))
            .header("content-type", "application/merge-patch+json")
            .body(body.to_string())
            .send()
            .await
            .expect("the request is answered")
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.request(Method::DELETE, path, None).await
    }

    /// POSTs `body` and returns the created resource, asserting a 201 with `Location`.
    pub async fn create(&self, path: &str, body: &Value) -> Value {
        let response = self.post(path, body).await;
        let status = response.status().as_u16();
        let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
        let created: Value = response.json().await.expect("a JSON body");
        assert_eq!(status, 201, "creating {path}: {created}");
        let id = created["id"].as_str().or(created["key"].as_str()).unwrap();
        assert_eq!(location.as_deref(), Some(format!("/api/v1{}/{id}", path.trim_start_matches("/api/v1")).as_str()));
        created
    }

    pub async fn organization(&self, name: &str) -> String {
        self.create("/api/v1/organizations", &serde_json::json!({"name": name, "country": "NL"})).await["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Every item of a list, following cursors.
    pub async fn list_all(&self, path_and_query: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut page: Value = json_of(self.get(path_and_query).await, 200).await;
        loop {
            items.extend(page["items"].as_array().unwrap().iter().cloned());
            let Some(cursor) = page["next_cursor"].as_str() else { break };
            let path = path_and_query.split('?').next().unwrap();
            page = json_of(self.get(&format!("{path}?cursor={cursor}")).await, 200).await;
        }
        items
    }
}

/// Asserts the status and returns the JSON body.
pub async fn json_of(response: Response, status: u16) -> Value {
    let actual = response.status().as_u16();
    let body = response.text().await.unwrap_or_default();
    assert_eq!(actual, status, "unexpected status; body: {body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

/// Asserts a problem+json answer of the given status and kind; returns it.
pub async fn problem(response: Response, status: u16, kind: &str) -> Value {
    let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
    let body = json_of(response, status).await;
    assert_eq!(content_type.as_deref(), Some("application/problem+json"), "{body}");
    assert_eq!(body["type"], format!("urn:interim-tracker:problem:{kind}"), "{body}");
    assert_eq!(body["status"], status);
    body
}

/// The `field`s of a validation problem.
pub fn invalid_fields(problem: &Value) -> Vec<String> {
    problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect()
}
