//! Bad input of every kind gets a 4xx problem+json, never a 500, and never
//! leaves a record half-written.

use serde_json::json;

use crate::helpers::{TestApp, backend_tests, invalid_fields, json_of, problem};

async fn count(app: &TestApp, path: &str) -> i64 {
    json_of(app.get(&format!("{path}?include_total=true")).await, 200).await["total"].as_i64().unwrap()
}

async fn malformed_and_mistyped_bodies(app: TestApp) {
    let path = "/api/v1/organizations";
    problem(app.post_body(path, "application/json", "{\"name\": ").await, 400, "malformed-body").await;
    problem(app.post_body(path, "application/json", "{\"name\": \"A\"} trailing").await, 400, "malformed-body").await;
    problem(app.post_body(path, "application/json", "").await, 400, "malformed-body").await;
    // JSON nested 10,000 deep: refused without recursing through it.
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    problem(app.post_body(path, "application/json", deep.clone()).await, 400, "malformed-body").await;
    let org = app.organization("Deep").await;
    let patch = app
        .client
        .patch(app.url(&format!("{path}/{org}")))
        .bearer_auth(&app.token)
        .header("if-match", "*")
        .header("content-type", "application/merge-patch+json")
        .body(format!("{{\"region\": {deep}}}"))
        .send()
        .await
        .unwrap();
    problem(patch, 400, "malformed-body").await;
    assert_eq!(app.delete(&format!("{path}/{org}")).await.status(), 204);

    let wrong_type = problem(app.post(path, &json!({"name": 42})).await, 422, "validation-failed").await;
    assert_eq!(invalid_fields(&wrong_type), ["name"]);
    let missing = problem(app.post(path, &json!({"industry": "retail"})).await, 422, "validation-failed").await;
    assert_eq!(missing["errors"][0]["code"], "required");
    let not_object = problem(app.post(path, &json!(["Northwind"])).await, 422, "validation-failed").await;
    assert_eq!(not_object["errors"][0]["code"], "invalid_type");

    problem(app.post_body(path, "text/plain", "{\"name\": \"A\"}").await, 415, "unsupported-media-type").await;
    let no_type =
        app.client.post(app.url(path)).bearer_auth(&app.token).body("{\"name\": \"A\"}").send().await.unwrap();
    problem(no_type, 415, "unsupported-media-type").await;
    assert_eq!(count(&app, path).await, 0);
}

async fn unknown_fields_never_take_effect(app: TestApp) {
    let refused = problem(
        app.post(
            "/api/v1/organizations",
            &json!({"name": "Northwind", "id": "0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c", "version": 9, "created_at": "2020-01-01T00:00:00Z"}),
        )
        .await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(refused["errors"][0]["code"], "unknown_field");
    let org = app.organization("Northwind").await;
    let refused = problem(
        app.patch(&format!("/api/v1/organizations/{org}"), &json!({"version": 99})).await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(invalid_fields(&refused), ["version"]);
    let nested = problem(
        app.post("/api/v1/candidates", &json!({"first_name": "A", "last_name": "B", "email": "a@b.co", "skills": [{"skill": "crm-systems", "level": 3, "secret": true}]}))
            .await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(invalid_fields(&nested), ["skills[0].secret"]);
    problem(app.patch(&format!("/api/v1/organizations/{org}"), &json!("rename")).await, 422, "validation-failed").await;
}

async fn out_of_range_values_name_their_fields(app: TestApp) {
    let refused = problem(
        app.post(
            "/api/v1/candidates",
            &json!({
                "first_name": "Ada", "last_name": "Byron", "email": "not-an-email",
                "years_experience": 99,
                "day_rate": {"amount": 0, "currency": "EURO"},
                "languages": [{"language": "english", "proficiency": "native"}],
                "availability": {"available_from": "2027-03-01", "available_until": "2027-01-01", "max_engagement_months": 0},
                "skills": [{"skill": "customer-service-strategy", "level": 6, "years": -1}]
            }),
        )
        .await,
        422,
        "validation-failed",
    )
    .await;
    let mut fields = invalid_fields(&refused);
    fields.sort();
    assert_eq!(
        fields,
        [
            "availability.available_until",
            "availability.max_engagement_months",
            "day_rate.amount",
            "day_rate.currency",
            "email",
            "languages[0].language",
            "skills[0].level",
            "skills[0].years",
            "years_experience",
        ]
    );
    assert_eq!(count(&app, "/api/v1/candidates").await, 0);
}

/// JSON Schema counts `12.0` as an integer, and so does the service; `12.5` is refused.
async fn integers_may_be_written_with_a_zero_fraction(app: TestApp) {
    let body = json!({"first_name": "Ada", "last_name": "Byron", "email": "ada@example.com", "years_experience": 12.0});
    assert_eq!(app.create("/api/v1/candidates", &body).await["years_experience"], 12);
    let body = json!({"first_name": "Bo", "last_name": "Byron", "email": "bo@example.com", "years_experience": 12.5});
    let refused = problem(app.post("/api/v1/candidates", &body).await, 422, "validation-failed").await;
    assert_eq!(invalid_fields(&refused), ["years_experience"]);
}

async fn unknown_ids_answer_404(app: TestApp) {
    for path in ["organizations", "candidates", "skillsets", "needs"] {
        problem(app.get(&format!("/api/v1/{path}/0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c")).await, 404, "not-found").await;
        problem(app.get(&format!("/api/v1/{path}/not-a-uuid")).await, 404, "not-found").await;
        problem(
            app.patch(&format!("/api/v1/{path}/0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c"), &json!({})).await,
            404,
            "not-found",
        )
        .await;
        problem(app.delete(&format!("/api/v1/{path}/0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c")).await, 404, "not-found")
            .await;
    }
    problem(app.get("/api/v1/skills/no-such-skill").await, 404, "not-found").await;
    problem(app.get("/api/v1/skills/NOT%20A%20KEY").await, 404, "not-found").await;
}

async fn unknown_references_are_refused_and_nothing_is_written(app: TestApp) {
    let refused = problem(
        app.post(
            "/api/v1/candidates",
            &json!({"first_name": "Ada", "last_name": "Byron", "email": "ada@example.com",
                    "skills": [{"skill": "crm-systems", "level": 3}, {"skill": "astrology", "level": 5}]}),
        )
        .await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(invalid_fields(&refused), ["skills[1].skill"]);
    assert_eq!(refused["errors"][0]["code"], "unknown_skill");
    assert_eq!(count(&app, "/api/v1/candidates").await, 0, "no candidate half-written");

    let refused = problem(
        app.post("/api/v1/needs", &json!({"organization_id": "0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c", "title": "CFO", "reason": "replacement"}))
            .await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(refused["errors"][0]["code"], "unknown_organization");
    assert_eq!(count(&app, "/api/v1/needs").await, 0);
}

async fn oversized_bodies_answer_413(app: TestApp) {
    // The test app accepts 64 KiB.
    let body = json!({"name": "N", "region": "x".repeat(100 * 1024)}).to_string();
    problem(app.post_body("/api/v1/organizations", "application/json", body).await, 413, "payload-too-large").await;
    assert_eq!(count(&app, "/api/v1/organizations").await, 0);
}

/// PostgreSQL cannot hold U+0000 in text, so a NUL anywhere once reached it
/// as a 500; no field takes a control character in a query either.
async fn nul_characters_are_refused_in_queries_and_bodies(app: TestApp) {
    for query in ["q=%3E%C3%8A%00%C2%ABVv", "q=a%0Ab", "q=%7f"] {
        for path in ["/api/v1/needs", "/api/v1/candidates", "/api/v1/organizations", "/api/v1/skillsets"] {
            problem(app.get(&format!("{path}?{query}")).await, 400, "invalid-query").await;
        }
    }
    assert_eq!(app.get("/api/v1/candidates?q=100%25").await.status(), 200, "an encoded percent sign is fine");
    let login = [("grant_type", "password"), ("username", "ad\u{0}min@example.com"), ("password", "p")];
    assert_eq!(json_of(app.token_request(&login).await, 400).await["error"], "invalid_grant");
    let key = [("grant_type", "client_credentials"), ("client_id", "k\u{0}"), ("client_secret", "s")];
    assert_eq!(json_of(app.token_request(&key).await, 401).await["error"], "invalid_client");

    let refused = problem(
        app.post(
            "/api/v1/candidates",
            &json!({"first_name": "Ada", "last_name": "By\u{0}ron", "email": "ada@example.com"}),
        )
        .await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(invalid_fields(&refused), ["last_name"]);
    assert_eq!(refused["errors"][0]["code"], "invalid_characters");
    let refused = problem(
        app.post(
            "/api/v1/candidates",
            &json!({"first_name": "Ada", "last_name": "Byron", "email": "ada@example.com", "executive_roles": ["CFO", "C\u{0}O"]}),
        )
        .await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(invalid_fields(&refused), ["executive_roles[1]"]);
    assert_eq!(count(&app, "/api/v1/candidates").await, 0);
    assert_eq!(count(&app, "/api/v1/organizations").await, 0);
}

backend_tests!(
    nul_characters_are_refused_in_queries_and_bodies,
    malformed_and_mistyped_bodies,
    unknown_fields_never_take_effect,
    out_of_range_values_name_their_fields,
    integers_may_be_written_with_a_zero_fraction,
    unknown_ids_answer_404,
    unknown_references_are_refused_and_nothing_is_written,
    oversized_bodies_answer_413
);
