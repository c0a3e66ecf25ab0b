//! `POST /api/v1/auth/token` (the OAuth2 token endpoint of RFC 6749) and
//! `GET /api/v1/me`.

use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE, PRAGMA};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::AppState;
use crate::auth::tokens::SubjectKind;
use crate::auth::{Principal, passwords};
use crate::domain::OrganizationId;
use crate::domain::access::{Permission, Role};
use crate::error::AppResult;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(token).service(me);
}

/// A token request, form-encoded.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(example = json!({"grant_type": "password", "username": "admin@interim-tracker.local", "password": "••••••••"}))]
pub struct TokenRequest {
    /// `password` (a person) or `client_credentials` (an API key).
    #[schema(example = "password")]
    grant_type: Option<String>,
    /// The e-mail address (`password` grant).
    #[schema(example = "admin@interim-tracker.local")]
    username: Option<String>,
    #[schema(format = Password)]
    password: Option<String>,
    /// The API key's id (`client_credentials` grant).
    client_id: Option<String>,
    #[schema(format = Password)]
    client_secret: Option<String>,
    /// Ignored: a token carries the caller's role, or the API key's scopes.
    #[allow(dead_code)] // accepted because OAuth2 clients (Swagger UI) send it
    scope: Option<String>,
}

/// An issued access token.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    access_token: String,
    #[schema(example = "Bearer")]
    token_type: &'static str,
    /// Seconds until the token expires.
    #[schema(example = 3600)]
    expires_in: u64,
}

/// An error of the token endpoint, as RFC 6749 §5.2 defines it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OAuthError {
    /// `invalid_request`, `invalid_grant`, `invalid_client` or `unsupported_grant_type`.
    #[schema(example = "invalid_grant")]
    error: &'static str,
    error_description: String,
}

fn oauth_error(status: StatusCode, error: &'static str, description: impl Into<String>) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((CACHE_CONTROL, "no-store"))
        .insert_header((PRAGMA, "no-cache"))
        .json(OAuthError { error, error_description: description.into() })
}

/// Get an access token
///
/// The OAuth2 token endpoint (RFC 6749), form-encoded. `grant_type=password` with `username` (the e-mail)
/// and `password` logs a person in; `grant_type=client_credentials` with `client_id` and `client_secret`
/// exchanges an API key. Failures answer RFC 6749's error JSON. Rate-limited per client address, and per
/// account from each address (429 with `Retry-After`), so guesses from elsewhere never lock the owner out.
/// A token ends early when its user is deleted, deactivated, given another role or organization, or a new
/// password: its next request is answered 401. Anyone may call it.
#[utoipa::path(tag = "auth",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Issued.", body = TokenResponse),
        (status = 400, description = "`invalid_request`, `invalid_grant` or `unsupported_grant_type`.", body = OAuthError),
        (status = 401, description = "`invalid_client`: unknown, revoked or expired API key, or a wrong secret.", body = OAuthError),
        (status = 429, response = super::TooManyRequests)))]
#[post("/auth/token")]
async fn token(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> AppResult<HttpResponse> {
    let form_encoded = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.trim_start().to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
    if !form_encoded {
        return Ok(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "send the request as application/x-www-form-urlencoded",
        ));
    }
    let Ok(form) = serde_urlencoded::from_bytes::<TokenRequest>(&body) else {
        return Ok(oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "the form could not be read"));
    };
    let address = req.connection_info().peer_addr().unwrap_or("unknown").to_owned();
    match form.grant_type.as_deref() {
        Some("password") => {
            let (Some(username), Some(password)) = (form.username, form.password) else {
                return Ok(oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "username and password are required",
                ));
            };
            // Limited on the account the login looks up, so `" Victim@X "` shares the budget of `victim@x`.
            let account = crate::db::users::login_identity(&username);
            state.auth.limits.login(&address, &account)?;
            let password = SecretString::from(password);
            let found = state.db.read(move |conn| crate::db::users::find_for_login(conn, &account)).await?;
            let verified = web::block(move || {
                let hash = found.as_ref().map(|l| l.password_hash.as_str());
                passwords::verify(&password, hash).then_some(found).flatten()
            })
            .await?;
            let Some(login) = verified.filter(|l| l.user.value.active) else {
                return Ok(oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "the e-mail or the password is wrong",
                ));
            };
            let (user, epoch) = (login.user, login.token_epoch);
            let subject = format!("user:{}", user.id);
            let token = state.auth.tokens.issue(
                &subject,
                SubjectKind::User,
                user.value.role,
                user.value.organization_id,
                None,
                Some(epoch),
            )?;
            Ok(issued(token, state.auth.tokens.ttl_secs()))
        }
        Some("client_credentials") => {
            let (Some(client_id), Some(secret)) = (form.client_id, form.client_secret) else {
                return Ok(oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "client_id and client_secret are required",
                ));
            };
            state.auth.limits.login(&address, &client_id)?;
            let secret = SecretString::from(secret);
            let id = client_id.clone();
            let found = state.db.read(move |conn| crate::db::api_keys::find_for_login(conn, &id)).await?;
            let verified = web::block(move || {
                let hash = found.as_ref().map(|(_, h)| h.as_str());
                passwords::verify(&secret, hash).then_some(found).flatten()
            })
            .await?;
            let Some((key, _)) = verified.filter(|(k, _)| k.usable()) else {
                return Ok(oauth_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    "the API key is unknown, revoked or expired, or the secret is wrong",
                ));
            };
            let id = key.id.clone();
            state.db.write(move |conn| crate::db::api_keys::touch(conn, &id)).await?;
            let subject = format!("api_key:{}", key.id);
            let token = state.auth.tokens.issue(
                &subject,
                SubjectKind::ApiKey,
                key.key.role(),
                key.key.organization_id,
                Some(&key.key.scopes),
                None,
            )?;
            Ok(issued(token, state.auth.tokens.ttl_secs()))
        }
        Some(other) => Ok(oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            format!("`{other}` is not supported; use password or client_credentials"),
        )),
        None => Ok(oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "grant_type is required")),
    }
}

fn issued(access_token: String, expires_in: u64) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .insert_header((PRAGMA, "no-cache"))
        .json(TokenResponse { access_token, token_type: "Bearer", expires_in })
}

/// The caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// `user:<id>`, `api_key:<id>` or `external:<subject>`.
    pub subject: String,
    pub role: Role,
    /// The organization an organization member or a bound API key belongs to.
    #[schema(format = Uuid)]
    pub organization_id: Option<String>,
    /// What the caller may do.
    pub permissions: Vec<String>,
    /// A person's e-mail address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// Who am I
///
/// The caller's identity, role, organization and permissions.
#[utoipa::path(tag = "auth", security(("oauth2" = [])), responses((status = 200, description = "Who the caller is.", body = Me)))]
#[get("/me")]
async fn me(state: web::Data<AppState>, principal: Principal) -> AppResult<web::Json<Me>> {
    let email = match principal.subject.strip_prefix("user:").and_then(|id| id.parse::<uuid::Uuid>().ok()) {
        Some(id) => state.db.lookup(move |conn| crate::db::users::get(conn, id)).await.ok().map(|u| u.value.email),
        None => None,
    };
    let permissions: BTreeSet<&str> =
        Permission::ALL.iter().filter(|p| principal.may(**p)).map(|p| p.scope()).collect();
    Ok(web::Json(Me {
        subject: principal.subject.clone(),
        role: principal.role,
        organization_id: principal.organization.map(|o: OrganizationId| o.to_string()),
        permissions: permissions.into_iter().map(str::to_owned).collect(),
        email,
    }))
}
