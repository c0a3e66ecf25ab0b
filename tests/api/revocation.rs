//! A change to a user takes effect on their very next request, on every
//! instance: once they are deleted, deactivated, given another role or
//! organization, or a new password, the tokens issued before are refused
//! (401), even by an instance that did not make the change.

use serde_json::{Value, json};

use crate::helpers::{TestApp, backend_tests, json_of, problem};

const PASSWORD: &str = "a long enough password";

/// A new user (created through `app`) and their token; returns (id, email, token).
async fn user(app: &TestApp, body: Value) -> (String, String, String) {
    let email = format!("revoked-{}@tests.example.com", uuid::Uuid::new_v4().simple());
    let mut body = body;
    body["email"] = email.clone().into();
    body["password"] = PASSWORD.into();
    let created = app.create("/api/v1/users", &body).await;
    let token = app.login(&email, PASSWORD).await;
    (created["id"].as_str().unwrap().to_owned(), email, token)
}

async fn refused(app: &TestApp, token: &str, what: &str) {
    let response = app.with(token).get("/api/v1/me").await;
    assert_eq!(response.status(), 401, "{what}: the old token still works");
    let challenge = response.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(challenge.contains("invalid_token") && challenge.contains("revoked"), "{what}: {challenge}");
    problem(response, 401, "unauthenticated").await;
}

async fn accepted(app: &TestApp, token: &str) -> Value {
    json_of(app.with(token).get("/api/v1/me").await, 200).await
}

async fn patch_user(app: &TestApp, id: &str, patch: Value) {
    let path = format!("/api/v1/users/{id}");
    let etag = app.get(&path).await.headers()["etag"].to_str().unwrap().to_owned();
    json_of(app.patch_if(&path, &patch, &etag).await, 200).await;
}

async fn every_change_that_matters_ends_the_old_tokens_on_every_instance(a: TestApp) {
    let b = a.another_instance().await;
    let org = a.organization("Revocation Org").await;
    let other_org = a.organization("Other Org").await;

    // A demoted admin cannot create another admin, through either instance.
    let (id, email, token) = user(&a, json!({"role": "admin"})).await;
    assert_eq!(accepted(&b, &token).await["role"], "admin");
    patch_user(&a, &id, json!({"role": "recruiter"})).await;
    for app in [&a, &b] {
        let attempt = app
            .with(&token)
            .post(
                "/api/v1/users",
                &json!({"email": "new-admin@tests.example.com", "role": "admin", "password": PASSWORD}),
            )
            .await;
        assert_eq!(attempt.status(), 401, "a demoted admin created an admin");
        refused(app, &token, "demoted").await;
    }
    // Also where the request is refused before any query (a malformed body, a bad query parameter).
    let malformed = b.with(&token).post_body("/api/v1/organizations", "application/json", "{not json").await;
    problem(malformed, 401, "unauthenticated").await;
    problem(a.with(&token).get("/api/v1/candidates?limit=not-a-number").await, 401, "unauthenticated").await;
    // Logging in again gives a token of the new role.
    assert_eq!(accepted(&b, &a.login(&email, PASSWORD).await).await["role"], "recruiter");

    // Moved to another organization: no more reading the first one's needs.
    let (id, email, token) = user(&a, json!({"role": "org_member", "organization_id": org})).await;
    assert_eq!(json_of(b.with(&token).get("/api/v1/needs").await, 200).await["items"], json!([]));
    patch_user(&b, &id, json!({"organization_id": other_org})).await;
    refused(&a, &token, "moved to another organization").await;
    refused(&b, &token, "moved to another organization").await;
    assert_eq!(accepted(&a, &a.login(&email, PASSWORD).await).await["organization_id"], json!(other_org));

    // A new password ends the sessions of the old one.
    let (id, email, token) = user(&a, json!({"role": "recruiter"})).await;
    accepted(&b, &token).await;
    patch_user(&a, &id, json!({"password": "another long enough password"})).await;
    refused(&a, &token, "new password").await;
    refused(&b, &token, "new password").await;
    accepted(&b, &b.login(&email, "another long enough password").await).await;

    // Deactivated, then deleted.
    let (id, _, token) = user(&a, json!({"role": "recruiter"})).await;
    accepted(&b, &token).await;
    patch_user(&b, &id, json!({"active": false})).await;
    refused(&a, &token, "deactivated").await;
    refused(&b, &token, "deactivated").await;
    // Active again, the tokens issued before stay ended.
    patch_user(&a, &id, json!({"active": true})).await;
    refused(&b, &token, "deactivated, then activated again").await;

    let (id, _, token) = user(&a, json!({"role": "recruiter"})).await;
    accepted(&b, &token).await;
    assert_eq!(a.delete(&format!("/api/v1/users/{id}")).await.status(), 204);
    refused(&a, &token, "deleted").await;
    refused(&b, &token, "deleted").await;
}

/// A retry with the same `Idempotency-Key` is no way around it: the kept answer is not replayed.
async fn a_revoked_token_gets_no_replay(app: TestApp) {
    let (id, _, token) = user(&app, json!({"role": "recruiter"})).await;
    let post = || {
        app.client
            .post(app.url("/api/v1/organizations"))
            .bearer_auth(&token)
            .header("idempotency-key", "revocation-retry-1")
            .json(&json!({"name": "Replayed Org"}))
            .send()
    };
    assert_eq!(post().await.unwrap().status(), 201);
    let replayed = post().await.unwrap();
    assert_eq!(
        (replayed.status().as_u16(), replayed.headers()["idempotent-replayed"].to_str().unwrap()),
        (201, "true")
    );
    patch_user(&app, &id, json!({"active": false})).await;
    let refused = post().await.unwrap();
    assert!(refused.headers().get("idempotent-replayed").is_none());
    problem(refused, 401, "unauthenticated").await;
}

async fn a_change_that_does_not_matter_keeps_the_tokens(app: TestApp) {
    let (id, _, token) = user(&app, json!({"role": "recruiter"})).await;
    patch_user(&app, &id, json!({"display_name": "Renamed"})).await;
    accepted(&app, &token).await;
}

backend_tests!(
    every_change_that_matters_ends_the_old_tokens_on_every_instance,
    a_revoked_token_gets_no_replay,
    a_change_that_does_not_matter_keeps_the_tokens
);
