//! Identity providers found by OpenID Connect discovery, against a real
//! discovery and JWKS server run in the test process: keys fetched once and
//! kept, a rotation followed, an unknown `kid` fetched for at most once per
//! `min_refresh_secs`, the provider down (cached keys still verify), a
//! discovery document or token of another issuer, algorithm confusion,
//! encryption and symmetric keys ignored, and an organization's own provider.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpResponse, HttpServer, web};
use interim_tracker::config::Config;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

use crate::helpers::{AUDIENCE, TestApp, json_of, problem};

const IDP_PRIVATE: &str = include_str!("../fixtures/idp-private.pem");
const IDP_PUBLIC: &str = include_str!("../fixtures/idp-public.pem");
const IDP_NEXT_PRIVATE: &str = include_str!("../fixtures/idp-next-private.pem");
const IDP_JWK: &str = include_str!("../fixtures/idp-jwk.json");
const IDP_NEXT_JWK: &str = include_str!("../fixtures/idp-next-jwk.json");

/// What the provider serves, changed by the test as it goes.
#[derive(Clone)]
struct Served {
    /// The `issuer` its discovery document names (its own URL, unless a test says otherwise).
    named: Arc<Mutex<Option<String>>>,
    keys: Arc<Mutex<Value>>,
    down: Arc<AtomicBool>,
    fetches: Arc<AtomicUsize>,
}

struct Idp {
    issuer: String,
    served: Served,
}

impl Idp {
    async fn start(keys: Value) -> Idp {
        let served = Served {
            named: Arc::default(),
            keys: Arc::new(Mutex::new(keys)),
            down: Arc::default(),
            fetches: Arc::default(),
        };
        let state = served.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(state.clone()))
                .route("/.well-known/openid-configuration", web::get().to(discovery))
                .route("/jwks", web::get().to(jwks))
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
        let issuer = format!("http://127.0.0.1:{}", server.addrs()[0].port());
        tokio::spawn(server.run());
        Idp { issuer, served }
    }

    fn fetches(&self) -> usize {
        self.served.fetches.load(Ordering::SeqCst)
    }

    fn serve(&self, keys: Value) {
        *self.served.keys.lock().unwrap() = keys;
    }
}

async fn discovery(served: web::Data<Served>, req: actix_web::HttpRequest) -> HttpResponse {
    if served.down.load(Ordering::SeqCst) {
        return HttpResponse::ServiceUnavailable().finish();
    }
    let own = format!("http://{}", req.connection_info().host());
    let issuer = served.named.lock().unwrap().clone().unwrap_or_else(|| own.clone());
    HttpResponse::Ok().json(json!({"issuer": issuer, "jwks_uri": format!("{own}/jwks")}))
}

async fn jwks(served: web::Data<Served>) -> HttpResponse {
    if served.down.load(Ordering::SeqCst) {
        return HttpResponse::ServiceUnavailable().finish();
    }
    served.fetches.fetch_add(1, Ordering::SeqCst);
    let keys = served.keys.lock().unwrap().clone();
    HttpResponse::Ok().insert_header(("cache-control", "public, max-age=600")).json(keys)
}

fn jwk(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// An HMAC key in the set, which the service must never take.
fn symmetric() -> Value {
    json!({"kty": "oct", "kid": "sym-1", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA", "alg": "HS256"})
}

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

/// A token of `issuer` for `subject`, signed RS256 with `pem` under `kid`, with `extra` claims.
fn token(issuer: &str, subject: &str, kid: &str, pem: &str, extra: Value) -> String {
    let mut claims =
        json!({"sub": subject, "iss": issuer, "aud": AUDIENCE, "iat": now(), "nbf": now(), "exp": now() + 300});
    for (k, v) in extra.as_object().unwrap() {
        claims[k] = v.clone();
    }
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    encode(&header, &claims, &EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap()).unwrap()
}

async fn me(app: &TestApp, token: &str) -> Value {
    json_of(app.with(token).get("/api/v1/me").await, 200).await
}

async fn refused(app: &TestApp, token: &str, what: &str) -> String {
    let response = app.with(token).get("/api/v1/me").await;
    assert_eq!(response.status(), 401, "{what} was accepted");
    let challenge = response.headers()["www-authenticate"].to_str().unwrap().to_owned();
    problem(response, 401, "unauthenticated").await;
    challenge
}

struct Providers {
    /// Refetches at once for an unknown kid (`min_refresh_secs: 0`).
    open: Idp,
    /// A client organization's own: its tokens are that organization's members; refetches once a minute at most.
    organization: Idp,
    /// Its discovery document names another issuer.
    impostor: Idp,
}

async fn providers() -> Providers {
    let encryption = {
        let mut key = jwk(IDP_NEXT_JWK);
        key["kid"] = json!("enc-1");
        key["use"] = json!("enc");
        key
    };
    let open = Idp::start(json!({"keys": [jwk(IDP_JWK), encryption, symmetric()]})).await;
    let organization = Idp::start(json!({"keys": [jwk(IDP_JWK)]})).await;
    let impostor = Idp::start(json!({"keys": [jwk(IDP_JWK)]})).await;
    *impostor.served.named.lock().unwrap() = Some("https://login.example.com".into());
    Providers { open, organization, impostor }
}

fn configure(config: &mut Config, p: &Providers, org: &str) {
    let issuers = json!([
        {"issuer": p.open.issuer, "min_refresh_secs": 0},
        {"issuer": p.organization.issuer, "organization_id": org, "default_role": "org_member", "role_claim": "groups"},
        {"issuer": p.impostor.issuer},
    ]);
    config.auth.oidc_issuers =
        interim_tracker::config::OidcIssuers(interim_tracker::auth::oidc::parse_issuers(&issuers.to_string()).unwrap());
}

async fn discovered_providers_are_trusted_as_they_rotate(app: TestApp, p: Providers) {
    let open = &p.open;
    // Keys are fetched at start, beside it, before any token asks; then kept.
    for _ in 0..100 {
        if open.fetches() > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(open.fetches(), 1, "the keys were not fetched at start");
    let alice = token(&open.issuer, "alice", "idp-1", IDP_PRIVATE, json!({"role": "recruiter"}));
    let seen = me(&app, &alice).await;
    assert_eq!(seen["subject"], format!("external:alice@{}", open.issuer));
    assert_eq!(seen["role"], "recruiter");
    let bob = token(&open.issuer, "bob", "idp-1", IDP_PRIVATE, json!({"role": "admin"}));
    me(&app, &bob).await;
    assert_eq!(open.fetches(), 1, "the keys are kept");
    // A role the service does not know, an organization member without one, another audience: refused.
    for (extra, what) in [
        (json!({"role": "owner"}), "an unknown role"),
        (json!({"role": "org_member"}), "a member without an organization"),
        (json!({"role": "admin", "aud": "another-api"}), "another audience"),
    ] {
        refused(&app, &token(&open.issuer, "carol", "idp-1", IDP_PRIVATE, extra), what).await;
    }

    // A rotation: the provider now signs with its next key, under a kid the service has not seen.
    open.serve(json!({"keys": [jwk(IDP_NEXT_JWK)]}));
    let dana = token(&open.issuer, "dana", "idp-2", IDP_NEXT_PRIVATE, json!({"role": "recruiter"}));
    me(&app, &dana).await;
    assert_eq!(open.fetches(), 2, "an unknown kid fetched the keys again");
    // The retired key's new tokens are refused (a token verified before stays so until it expires).
    let old = token(&open.issuer, "erin", "idp-1", IDP_PRIVATE, json!({"role": "recruiter"}));
    let challenge = refused(&app, &old, "a retired key").await;
    assert!(challenge.contains("unknown"), "{challenge}");

    // The provider down: the keys held still verify; an unknown kid is refused, and nothing fails.
    open.served.down.store(true, Ordering::SeqCst);
    me(&app, &token(&open.issuer, "frank", "idp-2", IDP_NEXT_PRIVATE, json!({"role": "recruiter"}))).await;
    refused(&app, &token(&open.issuer, "gina", "idp-9", IDP_NEXT_PRIVATE, json!({"role": "recruiter"})), "kid 9").await;
    open.served.down.store(false, Ordering::SeqCst);

    // Algorithm confusion: HS256 under the RSA key's kid, keyed with the public key's text, is refused; so are
    // the set's symmetric and encryption keys, which the service never takes.
    open.serve(json!({"keys": [jwk(IDP_NEXT_JWK), symmetric()]}));
    let claims = json!({"sub": "mallory", "iss": open.issuer, "aud": AUDIENCE, "exp": now() + 300, "role": "admin"});
    for (kid, secret) in [("idp-2", IDP_PUBLIC.as_bytes()), ("sym-1", b"secret-secret-secret-secret-secret".as_slice())]
    {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(kid.into());
        let forged = encode(&header, &claims, &EncodingKey::from_secret(secret)).unwrap();
        refused(&app, &forged, &format!("HS256 under {kid}")).await;
    }
    refused(
        &app,
        &token(&open.issuer, "mallory", "enc-1", IDP_NEXT_PRIVATE, json!({"role": "admin"})),
        "an encryption key",
    )
    .await;

    // A token naming an issuer that is not configured, and a provider whose document names another issuer.
    refused(
        &app,
        &token("http://127.0.0.1:9/elsewhere", "olga", "idp-2", IDP_NEXT_PRIVATE, json!({"role": "admin"})),
        "another issuer",
    )
    .await;
    let impostor = &p.impostor;
    refused(&app, &token(&impostor.issuer, "paul", "idp-1", IDP_PRIVATE, json!({"role": "admin"})), "an impostor")
        .await;
    assert_eq!(impostor.fetches(), 0, "its keys were never taken");

    // A client organization's own provider: its people are that organization's members.
    let orgs = &p.organization;
    let member = me(&app, &token(&orgs.issuer, "quinn", "idp-1", IDP_PRIVATE, json!({}))).await;
    assert_eq!((member["role"].as_str(), member["organization_id"].is_string()), (Some("org_member"), true));
    let named = member["organization_id"].as_str().unwrap().to_owned();
    me(&app, &token(&orgs.issuer, "rita", "idp-1", IDP_PRIVATE, json!({"org": named}))).await;
    let other = "0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c";
    refused(&app, &token(&orgs.issuer, "sam", "idp-1", IDP_PRIVATE, json!({"org": other})), "another organization")
        .await;
    // Unknown kids fetch its keys at most once a minute: a stream of forged kids costs the provider nothing.
    let before = orgs.fetches();
    for kid in ["forged-1", "forged-2", "forged-3"] {
        refused(&app, &token(&orgs.issuer, "tom", kid, IDP_PRIVATE, json!({})), kid).await;
    }
    assert_eq!(orgs.fetches(), before, "an unknown kid refetched within min_refresh_secs");
    // Members of the organization see their organization's records only, as any member does.
    let orgs_list =
        json_of(app.with(&token(&orgs.issuer, "uma", "idp-1", IDP_PRIVATE, json!({}))).get("/api/v1/needs").await, 200)
            .await;
    assert!(orgs_list["items"].as_array().unwrap().iter().all(|n| n["organization_id"] == named.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    let p = providers().await;
    let org = uuid::Uuid::now_v7().to_string();
    let app = TestApp::sqlite_with(|c| configure(c, &p, &org)).await;
    discovered_providers_are_trusted_as_they_rotate(app, p).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    let p = providers().await;
    let org = uuid::Uuid::now_v7().to_string();
    let Some(app) = TestApp::postgres_with(|c| configure(c, &p, &org)).await else { return };
    discovered_providers_are_trusted_as_they_rotate(app, p).await;
}

/// An issuer whose `user_claim` names users of the service: its tokens act as the provisioned user, with the
/// role their SCIM groups grant, and stop at once when the provider deactivates them.
async fn provisioned_users_sign_in_through_their_provider(app: TestApp, idp: Idp) {
    let scim = |method: reqwest::Method, path: &str, body: Value| {
        app.client
            .request(method, app.url(&format!("/scim/v2{path}")))
            .bearer_auth(SCIM_TOKEN)
            .header("content-type", "application/scim+json")
            .body(body.to_string())
            .send()
    };
    let sso = |claims: Value| token(&idp.issuer, "00u-sso-1", "idp-1", IDP_PRIVATE, claims);
    let named = sso(json!({"preferred_username": "SSO.User@client.example"}));
    // Not provisioned yet: refused, whatever role the token claims.
    let early = sso(json!({"preferred_username": "sso.user@client.example", "role": "admin"}));
    refused(&app, &early, "a token of a user not provisioned").await;

    let user = json_of(
        scim(reqwest::Method::POST, "/Users", json!({"userName": "sso.user@client.example", "active": true}))
            .await
            .unwrap(),
        201,
    )
    .await;
    let id = user["id"].as_str().unwrap().to_owned();
    // Provisioned, but no group grants a role: still refused.
    refused(&app, &named, "a user without a role").await;
    let group = json!({
        "displayName": "Recruiters", "members": [{"value": id}],
        "urn:interim-tracker:params:scim:schemas:extension:access:2.0:Group": {"role": "recruiter"},
    });
    json_of(scim(reqwest::Method::POST, "/Groups", group).await.unwrap(), 201).await;

    let seen = me(&app, &named).await;
    assert_eq!(
        (seen["subject"].as_str(), seen["role"].as_str()),
        (Some(format!("user:{id}").as_str()), Some("recruiter"))
    );
    assert_eq!(app.with(&named).get("/api/v1/candidates").await.status(), 200);
    let admin_only = app.with(&named).get("/api/v1/users").await;
    assert_eq!(admin_only.status(), 403, "the token's role claim was believed");
    refused(&app, &sso(json!({"email": "sso.user@client.example"})), "a token without the user claim").await;

    let off = json!({"Operations": [{"op": "replace", "path": "active", "value": false}]});
    json_of(scim(reqwest::Method::PATCH, &format!("/Users/{id}"), off).await.unwrap(), 200).await;
    refused(&app, &named, "a deactivated user's provider token").await;
}

const SCIM_TOKEN: &str = "the identity provider's SCIM credential, long enough";

fn linked(config: &mut Config, idp: &Idp) {
    let issuers = json!([{"issuer": idp.issuer, "user_claim": "preferred_username"}]);
    config.auth.oidc_issuers =
        interim_tracker::config::OidcIssuers(interim_tracker::auth::oidc::parse_issuers(&issuers.to_string()).unwrap());
    config.auth.scim_token = Some(SCIM_TOKEN.parse().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_provisioned() {
    let idp = Idp::start(json!({"keys": [jwk(IDP_JWK)]})).await;
    let app = TestApp::sqlite_with(|c| linked(c, &idp)).await;
    provisioned_users_sign_in_through_their_provider(app, idp).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_provisioned() {
    let idp = Idp::start(json!({"keys": [jwk(IDP_JWK)]})).await;
    let Some(app) = TestApp::postgres_with(|c| linked(c, &idp)).await else { return };
    provisioned_users_sign_in_through_their_provider(app, idp).await;
}
