//! `/api/v1/api-keys`: keys for integration scripts, managed by admins. The
//! secret is shown once, at creation, and stored hashed.

use std::collections::BTreeSet;

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::created;
use super::extract::JsonBody;
use super::preconditions::{IfMatch, tagged};
use crate::AppState;
use crate::auth::{Allowed, passwords};
use crate::db::api_keys::{self as store, StoredApiKey};
use crate::domain::access::{ApiKey, Permission, required};
use crate::domain::validation::{self, Validator};
use crate::error::{AppError, AppResult};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_api_keys).service(create_api_key).service(get_api_key).service(revoke_api_key);
}

/// A new API key.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Nightly ATS sync", "scopes": ["candidates:read", "candidates:write", "needs:read"], "expires_at": "2027-12-31T00:00:00Z"}))]
pub struct ApiKeyInput {
    #[schema(format = "text", min_length = 1, max_length = 100)]
    pub name: String,
    /// What the key may do, such as `candidates:read` or `needs:write`.
    #[schema(min_items = 1)]
    pub scopes: Vec<String>,
    /// Binds the key to one organization: it then acts as a member of that organization.
    #[serde(default)]
    #[schema(format = Uuid)]
    pub organization_id: Option<String>,
    /// When the key stops working; never when absent.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

impl ApiKeyInput {
    fn parse(&self) -> AppResult<ApiKey> {
        let mut v = Validator::new();
        let name = v.check("name", validation::text(&self.name, 1, 100));
        let organization_id = v.check("organization_id", self.organization_id.as_deref().map(str::parse).transpose());
        let mut scopes = BTreeSet::new();
        if self.scopes.is_empty() {
            v.fail("scopes", "required", "name at least one scope");
        }
        for (i, scope) in self.scopes.iter().enumerate() {
            if let Some(p) = v.check(format!("scopes[{i}]"), scope.parse::<Permission>()) {
                scopes.insert(p);
            }
        }
        if let Some(at) = self.expires_at
            && at <= Utc::now()
        {
            v.fail("expires_at", "in_the_past", "must be in the future");
        }
        let key =
            (|| Some(ApiKey { name: name?, scopes, organization_id: organization_id?, expires_at: self.expires_at }))();
        let key = v.finish(key).map_err(AppError::Validation)?;
        // A key cannot do more than its role: refuse scopes it could never use.
        let role = key.role();
        let useless: Vec<&str> = key.scopes.iter().filter(|p| !role.grants(**p)).map(|p| p.scope()).collect();
        if !useless.is_empty() {
            return Err(AppError::field(
                "scopes",
                "not_grantable",
                format!("a key acting as {role} cannot hold: {}", useless.join(", ")),
            ));
        }
        Ok(key)
    }
}

/// An API key (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyView {
    /// The `client_id` to exchange for a token.
    #[schema(example = "key_0193a5f26c1e7b7a9c551d2e3f4a5b6c")]
    pub id: String,
    pub name: String,
    pub scopes: Vec<String>,
    #[schema(format = Uuid)]
    pub organization_id: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// The admin who created it.
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<StoredApiKey> for ApiKeyView {
    fn from(k: StoredApiKey) -> Self {
        ApiKeyView {
            id: k.id,
            name: k.key.name,
            scopes: k.key.scopes.iter().map(|p| p.scope().to_owned()).collect(),
            organization_id: k.key.organization_id.map(|o| o.to_string()),
            expires_at: k.key.expires_at,
            revoked_at: k.revoked_at,
            last_used_at: k.last_used_at,
            created_by: k.created_by,
            created_at: k.created_at,
        }
    }
}

/// A new API key with its secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub key: ApiKeyView,
    /// Exchange `client_id` and this secret at `POST /api/v1/auth/token` (`grant_type=client_credentials`).
    /// It is not stored and cannot be shown again.
    pub client_secret: String,
}

/// List API keys
#[utoipa::path(tag = "api-keys", security(("oauth2" = ["api_keys:manage"])), responses((status = 200, description = "Every API key (secrets are never shown again).", body = Vec<ApiKeyView>)))]
#[get("/api-keys")]
async fn list_api_keys(
    state: web::Data<AppState>,
    _: Allowed<required::ApiKeysManage>,
) -> AppResult<web::Json<Vec<ApiKeyView>>> {
    let keys = state.db.read(store::list).await?;
    Ok(web::Json(keys.into_iter().map(ApiKeyView::from).collect()))
}

/// Create an API key
///
/// The answer holds the secret, once.
#[utoipa::path(tag = "api-keys", security(("oauth2" = ["api_keys:manage"])), request_body = ApiKeyInput,
    responses((status = 201, description = "Created; `Location` names the new key. The secret is shown this once.", body = CreatedApiKey, headers(("ETag" = String), ("Location" = String, description = "URL of the new key")))))]
#[post("/api-keys")]
async fn create_api_key(
    state: web::Data<AppState>,
    principal: Allowed<required::ApiKeysManage>,
    body: JsonBody<ApiKeyInput>,
) -> AppResult<HttpResponse> {
    let key = body.0.parse()?;
    let (stored, secret) = create(&state, key, principal.subject.clone()).await?;
    let version = stored.version();
    Ok(created(
        format!("/api/v1/api-keys/{}", stored.id),
        version,
        CreatedApiKey { key: stored.into(), client_secret: secret },
    ))
}

/// Creates a key and returns it with its secret (also used by the CLI).
pub async fn create(state: &AppState, key: ApiKey, created_by: String) -> AppResult<(StoredApiKey, String)> {
    let secret = passwords::generate(40);
    let shown = secret.expose_secret().to_owned();
    let hashed = web::block(move || passwords::hash(&secret)).await??;
    let stored = state.db.write(move |conn| store::insert(conn, &key, hashed, &created_by)).await?;
    Ok((stored, shown))
}

/// Get an API key
#[utoipa::path(tag = "api-keys", security(("oauth2" = ["api_keys:manage"])), params(("id" = uuid::Uuid, Path, description = "API key id")),
    responses((status = 200, description = "The API key.", body = ApiKeyView, headers(("ETag" = String)))))]
#[get("/api-keys/{id}")]
async fn get_api_key(
    state: web::Data<AppState>,
    _: Allowed<required::ApiKeysManage>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let stored = state.db.lookup(move |conn| store::get(conn, &id)).await?;
    Ok(tagged(stored.version(), ApiKeyView::from(stored)))
}

/// Revoke an API key
///
/// The key and every token it was exchanged for stop working at once.
#[utoipa::path(tag = "api-keys", security(("oauth2" = ["api_keys:manage"])), params(("id" = uuid::Uuid, Path, description = "API key id")),
    responses((status = 204, description = "Revoked.")))]
#[delete("/api-keys/{id}")]
async fn revoke_api_key(
    state: web::Data<AppState>,
    _: Allowed<required::ApiKeysManage>,
    id: web::Path<String>,
    if_match: IfMatch,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    state
        .db
        .write(move |conn| {
            if_match.check(store::get(conn, &id)?.version())?;
            store::revoke(conn, &id)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
