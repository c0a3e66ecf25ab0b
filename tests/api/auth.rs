//! Tokens, API keys, users, the audit log and the answers to callers
//! without a valid token.

use serde_json::{Value, json};

use crate::helpers::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, backend_tests, json_of, problem};

async fn token_endpoint_speaks_oauth2(app: TestApp) {
    let ok =
        app.token_request(&[("grant_type", "password"), ("username", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)]).await;
    assert_eq!(ok.headers()["cache-control"], "no-store");
    let body = json_of(ok, 200).await;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 600);
    assert!(body["access_token"].as_str().unwrap().split('.').count() == 3);

    let oauth_error = |response: reqwest::Response, status: u16, error: &'static str| async move {
        let body = json_of(response, status).await;
        assert_eq!(body["error"], error, "{body}");
        assert!(body["error_description"].is_string());
    };
    let wrong = app
        .token_request(&[("grant_type", "password"), ("username", ADMIN_EMAIL), ("password", "wrong password!")])
        .await;
    oauth_error(wrong, 400, "invalid_grant").await;
    let unknown =
        app.token_request(&[("grant_type", "password"), ("username", "nobody@example.com"), ("password", "x")]).await;
    oauth_error(unknown, 400, "invalid_grant").await;
    oauth_error(
        app.token_request(&[("grant_type", "authorization_code"), ("code", "x")]).await,
        400,
        "unsupported_grant_type",
    )
    .await;
    oauth_error(app.token_request(&[("username", ADMIN_EMAIL)]).await, 400, "invalid_request").await;
    let as_json =
        app.client.post(app.url("/api/v1/auth/token")).json(&json!({"grant_type": "password"})).send().await.unwrap();
    oauth_error(as_json, 400, "invalid_request").await;
    let bad_client = app
        .token_request(&[("grant_type", "client_credentials"), ("client_id", "key_x"), ("client_secret", "y")])
        .await;
    oauth_error(bad_client, 401, "invalid_client").await;

    // A deactivated user cannot log in any more.
    let users = json_of(app.get("/api/v1/users").await, 200).await;
    let token = app.user("recruiter", None).await;
    let me = json_of(app.with(&token).get("/api/v1/me").await, 200).await;
    let id = me["subject"].as_str().unwrap().trim_start_matches("user:").to_owned();
    assert_eq!(
        json_of(app.get("/api/v1/users").await, 200).await.as_array().unwrap().len(),
        users.as_array().unwrap().len() + 1
    );
    json_of(app.patch(&format!("/api/v1/users/{id}"), &json!({"active": false})).await, 200).await;
    let email = me["email"].as_str().unwrap();
    let refused = app
        .token_request(&[("grant_type", "password"), ("username", email), ("password", "a long enough password")])
        .await;
    oauth_error(refused, 400, "invalid_grant").await;
}

async fn every_api_route_needs_a_token(app: TestApp) {
    let response = app.anonymous().get("/api/v1/candidates").await;
    assert_eq!(response.headers()["www-authenticate"], r#"Bearer realm="interim-tracker""#);
    problem(response, 401, "unauthenticated").await;
    let response = app.with("not-a-jwt").get("/api/v1/needs").await;
    let challenge = response.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(challenge.contains(r#"error="invalid_token""#), "{challenge}");
    problem(response, 401, "unauthenticated").await;
    let basic = app.client.get(app.url("/api/v1/needs")).basic_auth("admin", Some("pw")).send().await.unwrap();
    problem(basic, 401, "unauthenticated").await;
    problem(app.anonymous().post("/api/v1/organizations", &json!({"name": "X"})).await, 401, "unauthenticated").await;
    // Operations and the documentation stay public.
    for path in ["/health", "/ready", "/openapi.json", "/docs/"] {
        assert_eq!(app.anonymous().get(path).await.status(), 200, "{path}");
    }
}

async fn me_tells_who_i_am(app: TestApp) {
    let me = json_of(app.get("/api/v1/me").await, 200).await;
    assert_eq!(me["role"], "admin");
    assert_eq!(me["email"], ADMIN_EMAIL);
    assert!(me["permissions"].as_array().unwrap().contains(&json!("users:manage")));
    let org = app.organization("Northwind").await;
    let member = app.user("org_member", Some(&org)).await;
    let me = json_of(app.with(&member).get("/api/v1/me").await, 200).await;
    assert_eq!(me["role"], "org_member");
    assert_eq!(me["organization_id"], org.as_str());
    assert!(!me["permissions"].as_array().unwrap().contains(&json!("candidates:read")));
}

async fn api_keys_are_scoped_shown_once_and_revocable(app: TestApp) {
    let created = app.create("/api/v1/api-keys", &json!({"name": "Nightly sync", "scopes": ["candidates:read"]})).await;
    let id = created["id"].as_str().unwrap();
    let secret = created["client_secret"].as_str().unwrap();
    let read = json_of(app.get(&format!("/api/v1/api-keys/{id}")).await, 200).await;
    assert!(read.get("client_secret").is_none(), "the secret is shown once: {read}");
    assert!(!read.to_string().contains(secret));
    assert_eq!(read["last_used_at"], Value::Null);

    let form = [("grant_type", "client_credentials"), ("client_id", id), ("client_secret", secret)];
    let exchange = || app.token_request(&form);
    let token = json_of(exchange().await, 200).await["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.with(&token).get("/api/v1/candidates").await.status(), 200);
    let refused = app.with(&token).post("/api/v1/organizations", &json!({"name": "X"})).await;
    let challenge = refused.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(challenge.contains("insufficient_scope") && challenge.contains("organizations:manage"), "{challenge}");
    problem(refused, 403, "forbidden").await;
    let used = json_of(app.get(&format!("/api/v1/api-keys/{id}")).await, 200).await;
    assert!(used["last_used_at"].is_string());

    let wrong =
        app.token_request(&[("grant_type", "client_credentials"), ("client_id", id), ("client_secret", "guess")]).await;
    assert_eq!(json_of(wrong, 401).await["error"], "invalid_client");

    assert_eq!(app.delete(&format!("/api/v1/api-keys/{id}")).await.status(), 204);
    problem(app.with(&token).get("/api/v1/candidates").await, 401, "unauthenticated").await;
    assert_eq!(json_of(exchange().await, 401).await["error"], "invalid_client");

    let refused = problem(
        app.post("/api/v1/api-keys", &json!({"name": "x", "scopes": ["users:manage", "candidates:launch"]})).await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(refused["errors"][0]["field"], "scopes[1]");
    problem(
        app.post("/api/v1/api-keys", &json!({"name": "x", "scopes": ["users:manage"]})).await,
        422,
        "validation-failed",
    )
    .await;
    let expired = json!({"name": "x", "scopes": ["needs:read"], "expires_at": "2001-01-01T00:00:00Z"});
    problem(app.post("/api/v1/api-keys", &expired).await, 422, "validation-failed").await;
}

async fn only_admins_manage_users_and_keys(app: TestApp) {
    let recruiter = app.user("recruiter", None).await;
    for path in ["/api/v1/users", "/api/v1/api-keys", "/api/v1/audit-events"] {
        problem(app.with(&recruiter).get(path).await, 403, "forbidden").await;
    }
    let refused = app
        .with(&recruiter)
        .post("/api/v1/users", &json!({"email": "x@example.com", "role": "admin", "password": "0123456789abc"}))
        .await;
    problem(refused, 403, "forbidden").await;
    let weak = problem(
        app.post("/api/v1/users", &json!({"email": "x@example.com", "role": "recruiter", "password": "short"})).await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(weak["errors"][0]["field"], "password");
    let homeless = problem(
        app.post(
            "/api/v1/users",
            &json!({"email": "y@example.com", "role": "org_member", "password": "0123456789abc"}),
        )
        .await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(homeless["errors"][0]["field"], "organization_id");
    let user = app
        .create("/api/v1/users", &json!({"email": "Z@Example.com", "role": "recruiter", "password": "0123456789abc"}))
        .await;
    assert_eq!(user["email"], "z@example.com");
    assert!(user.get("password").is_none() && !user.to_string().contains("argon2"), "{user}");
    problem(
        app.post("/api/v1/users", &json!({"email": "z@example.com", "role": "recruiter", "password": "0123456789abc"}))
            .await,
        409,
        "conflict",
    )
    .await;
}

async fn the_audit_log_records_writes_and_refusals(app: TestApp) {
    let org = app.organization("Northwind").await;
    let recruiter = app.user("recruiter", None).await;
    problem(app.with(&recruiter).get("/api/v1/users").await, 403, "forbidden").await;
    problem(app.anonymous().get("/api/v1/needs").await, 401, "unauthenticated").await;

    let events = app.list_all("/api/v1/audit-events?limit=5").await;
    let created = events
        .iter()
        .find(|e| e["action"] == "POST /api/v1/organizations" && e["object_id"] == org.as_str())
        .expect("the creation is recorded");
    assert_eq!(created["outcome"], "succeeded");
    assert!(created["actor"].as_str().unwrap().starts_with("user:"));
    assert!(created["request_id"].is_string());
    let refusal = events
        .iter()
        .find(|e| e["action"] == "GET /api/v1/users" && e["status"] == 403)
        .expect("the refusal is recorded");
    assert_eq!(refusal["outcome"], "refused");
    assert_eq!(refusal["role"], "recruiter");
    assert!(events.iter().any(|e| e["actor"] == "anonymous" && e["status"] == 401));
    let text = serde_json::to_string(&events).unwrap();
    assert!(!text.contains("@"), "no e-mail addresses in the audit log");

    // Nobody edits it: there is no route that could.
    let first = events[0]["id"].as_str().unwrap();
    assert_eq!(app.delete(&format!("/api/v1/audit-events/{first}")).await.status(), 404);
    assert_eq!(app.patch(&format!("/api/v1/audit-events/{first}"), &json!({})).await.status(), 404);
}

backend_tests!(
    token_endpoint_speaks_oauth2,
    every_api_route_needs_a_token,
    me_tells_who_i_am,
    api_keys_are_scoped_shown_once_and_revocable,
    only_admins_manage_users_and_keys,
    the_audit_log_records_writes_and_refusals
);
