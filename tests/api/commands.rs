//! The first start's admin, and the CLI's `create-user` and `api-key create`.

use interim_tracker::commands;
use interim_tracker::config::{ApiKeyCommand, CreateUser};
use serde_json::json;

use crate::helpers::{TestApp, backend_tests, json_of, test_config};

async fn the_first_admin_is_created_once(app: TestApp) {
    // The test app was bootstrapped with a known admin; a second bootstrap, even
    // with other settings, adds nobody.
    let mut config = test_config(&app.database_url);
    config.auth.bootstrap_admin_email = Some("someone.else@example.com".into());
    config.auth.bootstrap_admin_password = None;
    let db = interim_tracker::prepare_database(&config).unwrap();
    interim_tracker::auth::bootstrap_admin(&db, &config.auth).unwrap();
    let users = json_of(app.get("/api/v1/users").await, 200).await;
    assert_eq!(users.as_array().unwrap().len(), 1);
    assert_eq!(users[0]["role"], "admin");
}

async fn the_cli_creates_users_and_api_keys(app: TestApp) {
    let config = test_config(&app.database_url);
    let db = interim_tracker::prepare_database(&config).unwrap();
    let args = CreateUser {
        email: "Cli.Recruiter@Example.com".into(),
        role: "recruiter".into(),
        organization: None,
        password: Some("a password from the cli".parse().unwrap()),
    };
    let out = commands::create_user(&db, &args).unwrap();
    assert!(out.contains("cli.recruiter@example.com") && !out.contains("Password"), "{out}");
    let token = app.login("cli.recruiter@example.com", "a password from the cli").await;
    assert_eq!(json_of(app.with(&token).get("/api/v1/me").await, 200).await["role"], "recruiter");

    let generated =
        CreateUser { email: "gen@example.com".into(), role: "admin".into(), organization: None, password: None };
    let out = commands::create_user(&db, &generated).unwrap();
    let password = out.rsplit("(shown once): ").next().unwrap().trim();
    app.login("gen@example.com", password).await;
    let member_without_org =
        CreateUser { email: "m@example.com".into(), role: "org_member".into(), organization: None, password: None };
    assert!(commands::create_user(&db, &member_without_org).is_err());

    let command = ApiKeyCommand::Create {
        name: "nightly".into(),
        scopes: vec!["needs:read".into()],
        organization: None,
        expires_in_days: Some(30),
    };
    let out = commands::api_key(&db, &command).unwrap();
    let field = |name: &str| {
        out.lines().find_map(|l| l.strip_prefix(name)).unwrap().split_whitespace().next().unwrap().to_owned()
    };
    let (id, secret) = (field("client_id:"), field("client_secret:"));
    let response = app
        .token_request(&[("grant_type", "client_credentials"), ("client_id", &id), ("client_secret", &secret)])
        .await;
    let token = json_of(response, 200).await["access_token"].as_str().unwrap().to_owned();
    json_of(app.with(&token).get("/api/v1/needs").await, 200).await;
    let key = json_of(app.get(&format!("/api/v1/api-keys/{id}")).await, 200).await;
    assert_eq!(key["scopes"], json!(["needs:read"]));
    assert!(key["expires_at"].is_string());
    let bad = ApiKeyCommand::Create {
        name: "x".into(),
        scopes: vec!["users:manage".into()],
        organization: None,
        expires_in_days: None,
    };
    assert!(commands::api_key(&db, &bad).is_err());
}

backend_tests!(the_first_admin_is_created_once, the_cli_creates_users_and_api_keys);
