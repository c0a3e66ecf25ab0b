//! Starts the real application, as `main` does, on a fresh database of its
//! own: a temporary SQLite file, or a fresh schema on the PostgreSQL server
//! named by `TEST_DATABASE_URL`.

use std::sync::atomic::{AtomicBool, Ordering};

use diesel::{Connection, PgConnection, connection::SimpleConnection};
use interim_tracker::Application;
use interim_tracker::config::{AuthConfig, Config, WebhookConfig};
use reqwest::{Method, Response};
use serde_json::Value;

/// Runs each listed test function once per backend: `sqlite::name` always,
/// `postgres::name` when `TEST_DATABASE_URL` is set.
macro_rules! backend_tests {
    // With `config = f;`, each app's configuration is first changed by `f(&mut Config)`.
    (config = $adjust:ident; $($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::TestApp::sqlite_with(super::$adjust).await).await
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(app) = $crate::helpers::TestApp::postgres_with(super::$adjust).await {
                        super::$name(app).await
                    }
                }
            )+
        }
    };
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

pub const ADMIN_EMAIL: &str = "admin@tests.example.com";
pub const ADMIN_PASSWORD: &str = "the admin's password for tests";
pub const JWT_SECRET: &str = "a test secret, long enough for HS256 signatures";
pub const ISSUER: &str = "interim-tracker";
pub const AUDIENCE: &str = "interim-tracker-api";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub database_url: String,
    /// An admin's access token, used by the request helpers of `TestApp`.
    pub token: String,
    _database: TestDatabase,
}

/// Requests made with one caller's token (or none).
pub struct Caller<'a> {
    app: &'a TestApp,
    token: Option<String>,
}

enum TestDatabase {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres {
        admin_url: String,
        schema: String,
    },
    /// Another instance's database: the first instance cleans it up.
    Shared,
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
        // Small, so that tests also see candidates read afresh when the JSON kept for them is gone.
        rendered_cache_mb: 1,
        workers: Some(2),
        max_body_bytes: 64 * 1024,
        request_header_timeout_ms: 5000,
        request_body_timeout_ms: 10_000,
        cors_allowed_origins: Vec::new(),
        shutdown_timeout_secs: 1,
        log_level: std::env::var("TEST_LOG").unwrap_or_else(|_| "warn".into()),
        log_format: "text".into(),
        auth: AuthConfig {
            jwt_secret: Some(JWT_SECRET.parse().unwrap()),
            jwt_previous_secret: None,
            jwt_issuer: ISSUER.into(),
            jwt_audience: AUDIENCE.into(),
            token_ttl_secs: 600,
            jwt_public_key_pem: None,
            jwt_public_key_kid: None,
            jwt_next_public_key_pem: None,
            jwt_next_public_key_kid: None,
            jwt_public_key_algorithm: "RS256".into(),
            jwt_role_claim: "role".into(),
            jwt_org_claim: "org".into(),
            oidc_issuers: Default::default(),
            scim_token: None,
            bootstrap_admin_email: Some(ADMIN_EMAIL.into()),
            bootstrap_admin_password: Some(ADMIN_PASSWORD.parse().unwrap()),
            rate_limit_per_minute: 100_000,
            token_rate_limit_per_minute: 10_000,
        },
        webhooks: WebhookConfig::default(),
        retention_period_secs: 730 * 86_400,
        retention_purge_interval_secs: 86_400,
        changes_kept_days: 35,
    }
}

impl TestApp {
    pub async fn sqlite() -> TestApp {
        Self::sqlite_with(|_| {}).await
    }

    pub async fn postgres() -> Option<TestApp> {
        Self::postgres_with(|_| {}).await
    }

    /// A SQLite app whose configuration `adjust` changes first.
    pub async fn sqlite_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let url = format!("sqlite://{}", dir.path().join("nested/folder/test.db").display());
        Self::start(url, TestDatabase::Sqlite(dir), adjust).await
    }

    pub async fn postgres_with(adjust: impl FnOnce(&mut Config)) -> Option<TestApp> {
        let admin_url = postgres_url()?;
        let (url, schema) = fresh_postgres_schema(&admin_url);
        Some(Self::start(url, TestDatabase::Postgres { admin_url, schema }, adjust).await)
    }

    /// A second instance of the service on this app's database, as when several run behind a load balancer.
    pub async fn another_instance(&self) -> TestApp {
        self.another_instance_with(|_| {}).await
    }

    /// Another instance whose configuration `adjust` changes first.
    pub async fn another_instance_with(&self, adjust: impl FnOnce(&mut Config)) -> TestApp {
        Self::start(self.database_url.clone(), TestDatabase::Shared, adjust).await
    }

    async fn start(database_url: String, database: TestDatabase, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let mut config = test_config(&database_url);
        adjust(&mut config);
        interim_tracker::telemetry::init(&config.log_level, "text");
        let app = Application::build(&config).expect("the application starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run());
        let mut app = TestApp {
            address,
            client: reqwest::Client::new(),
            database_url,
            token: String::new(),
            _database: database,
        };
        app.token = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        app
    }

    /// Logs in with the password grant; returns the access token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let response =
            self.token_request(&[("grant_type", "password"), ("username", email), ("password", password)]).await;
        let body = json_of(response, 200).await;
        body["access_token"].as_str().unwrap().to_owned()
    }

    pub async fn token_request(&self, form: &[(&str, &str)]) -> Response {
        self.client.post(self.url("/api/v1/auth/token")).form(form).send().await.expect("the request is answered")
    }

    /// A new user of `role` (of `org` for members); returns their token.
    pub async fn user(&self, role: &str, org: Option<&str>) -> String {
        let email = format!("{}-{}@tests.example.com", role.replace('_', "-"), uuid::Uuid::new_v4().simple());
        let password = "a long enough password";
        let mut body = serde_json::json!({"email": email, "role": role, "password": password});
        if let Some(org) = org {
            body["organization_id"] = org.into();
        }
        self.create("/api/v1/users", &body).await;
        self.login(&email, password).await
    }

    /// A new API key with `scopes` (bound to `org` when given); returns its token.
    pub async fn api_key(&self, scopes: &[&str], org: Option<&str>) -> String {
        let mut body = serde_json::json!({"name": "test key", "scopes": scopes});
        if let Some(org) = org {
            body["organization_id"] = org.into();
        }
        let key = self.create("/api/v1/api-keys", &body).await;
        let response = self
            .token_request(&[
                ("grant_type", "client_credentials"),
                ("client_id", key["id"].as_str().unwrap()),
                ("client_secret", key["client_secret"].as_str().unwrap()),
            ])
            .await;
        json_of(response, 200).await["access_token"].as_str().unwrap().to_owned()
    }

    /// Requests with `token`.
    pub fn with(&self, token: &str) -> Caller<'_> {
        Caller { app: self, token: Some(token.to_owned()) }
    }

    /// Requests without a token.
    pub fn anonymous(&self) -> Caller<'_> {
        Caller { app: self, token: None }
    }

    fn admin(&self) -> Caller<'_> {
        self.with(&self.token)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.admin().get(path).await
    }

    pub async fn post_body(&self, path: &str, content_type: &str, body: impl Into<reqwest::Body>) -> Response {
        self.admin().post_body(path, content_type, body).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.admin().post(path, body).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Response {
        self.admin().patch(path, body).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Response {
        self.admin().put(path, body).await
    }

    pub async fn patch_if(&self, path: &str, body: &Value, if_match: &str) -> Response {
        self.admin().patch_if(path, body, if_match).await
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.admin().delete(path).await
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

impl Caller<'_> {
    pub async fn request(&self, method: Method, path: &str, body: Option<&Value>) -> Response {
        let mut request = self.app.client.request(method, self.app.url(path));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("the request is answered")
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path, None).await
    }

    /// A POST of a body as it is, with its content type (imports, malformed JSON …).
    pub async fn post_body(&self, path: &str, content_type: &str, body: impl Into<reqwest::Body>) -> Response {
        let mut request = self.app.client.post(self.app.url(path)).header("content-type", content_type).body(body);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("the request is answered")
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.request(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Response {
        self.request(Method::PUT, path, Some(body)).await
    }

    /// PATCH with a JSON Merge Patch, made against whatever version is current (`If-Match: *`).
    pub async fn patch(&self, path: &str, body: &Value) -> Response {
        self.patch_if(path, body, "*").await
    }

    /// PATCH with a JSON Merge Patch and this `If-Match`.
    pub async fn patch_if(&self, path: &str, body: &Value, if_match: &str) -> Response {
        let mut request = self.app.client.patch(self.app.url(path)).header("if-match", if_match);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        request
            .header("content-type", "application/merge-patch+json")
            .body(body.to_string())
            .send()
            .await
            .expect("the request is answered")
    }

    /// DELETE whatever version is current (`If-Match: *`).
    pub async fn delete(&self, path: &str) -> Response {
        let mut request = self.app.client.delete(self.app.url(path)).header("if-match", "*");
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("the request is answered")
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
