//! `/api/v1/users`: the people who log in, managed by admins.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::created;
use super::extract::{JsonBody, MergePatch, merge, path_id_uuid};
use super::preconditions::{IfMatch, tagged};
use crate::AppState;
use crate::auth::{Allowed, passwords};
use crate::db::users::{self as store, StoredUser};
use crate::domain::access::{Role, User, required};
use crate::domain::validation::{self, Validator};
use crate::error::{AppError, AppResult};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_users).service(create_user).service(get_user).service(update_user).service(delete_user);
}

/// The writable fields of a user.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "sam.recruiter@practice.example", "display_name": "Sam", "role": "recruiter", "password": "correct horse battery staple"}))]
pub struct UserInput {
    /// The login; unique, stored in lowercase.
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    #[serde(default)]
    #[schema(format = "text", max_length = 100)]
    pub display_name: Option<String>,
    pub role: Role,
    /// Required for `org_member`, absent otherwise.
    #[serde(default)]
    #[schema(format = Uuid)]
    pub organization_id: Option<String>,
    #[serde(default = "active")]
    pub active: bool,
    /// 12 to 256 characters; write-only. On update, absent keeps the password.
    // Never serialized from a stored user (there is none to show); named in the schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = Password, write_only, min_length = 12, max_length = 256, pattern = "^[^\\u0000]*$")]
    pub password: Option<String>,
}

fn active() -> bool {
    true
}

impl UserInput {
    fn parse(&self) -> AppResult<(User, Option<SecretString>)> {
        let mut v = Validator::new();
        let email = v.check("email", super::candidates::email(&self.email));
        let display_name = v.check("display_name", validation::optional_text(self.display_name.as_deref(), 100));
        let organization_id = v.check("organization_id", self.organization_id.as_deref().map(str::parse).transpose());
        if let Some(org) = &organization_id {
            match (self.role.is_tenant_bound(), org.is_some()) {
                (true, false) => {
                    v.fail("organization_id", "required", "an organization member belongs to an organization")
                }
                (false, true) => {
                    v.fail("organization_id", "not_allowed", "only organization members belong to an organization")
                }
                _ => {}
            }
        }
        if let Some(password) = &self.password {
            v.check("password", passwords::check_strength(password));
        }
        let user = (|| {
            Some(User {
                email: email?,
                display_name: display_name?,
                role: self.role,
                organization_id: organization_id?,
                active: self.active,
            })
        })();
        let user = v.finish(user).map_err(AppError::Validation)?;
        Ok((user, self.password.clone().map(SecretString::from)))
    }
}

impl From<&User> for UserInput {
    fn from(u: &User) -> Self {
        UserInput {
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            role: u.role,
            organization_id: u.organization_id.map(|o| o.to_string()),
            active: u.active,
            password: None,
        }
    }
}

/// A person who logs in.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    #[schema(format = Uuid)]
    pub id: String,
    #[serde(flatten)]
    pub fields: UserInput,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<StoredUser> for UserView {
    fn from(s: StoredUser) -> Self {
        UserView {
            id: s.id.to_string(),
            fields: UserInput::from(&s.value),
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

async fn hash(password: Option<SecretString>) -> AppResult<Option<String>> {
    match password {
        None => Ok(None),
        Some(p) => web::block(move || passwords::hash(&p)).await?.map(Some),
    }
}

/// List users
#[utoipa::path(tag = "users", security(("oauth2" = ["users:manage"])), responses((status = 200, description = "Every user.", body = Vec<UserView>)))]
#[get("/users")]
async fn list_users(
    state: web::Data<AppState>,
    _: Allowed<required::UsersManage>,
) -> AppResult<web::Json<Vec<UserView>>> {
    let users = state.db.read(|conn| store::list(conn, None)).await?;
    Ok(web::Json(users.into_iter().map(UserView::from).collect()))
}

/// Create a user
#[utoipa::path(tag = "users", security(("oauth2" = ["users:manage"])), request_body = UserInput,
    responses((status = 201, description = "Created; `Location` names the new user.", body = UserView, headers(("ETag" = String), ("Location" = String, description = "URL of the new user"))),
        (status = 409, response = super::Conflict)))]
#[post("/users")]
async fn create_user(
    state: web::Data<AppState>,
    _: Allowed<required::UsersManage>,
    body: JsonBody<UserInput>,
) -> AppResult<HttpResponse> {
    let (user, password) = body.0.parse()?;
    let password = password.ok_or_else(|| AppError::field("password", "required", "a new user needs a password"))?;
    let hashed = hash(Some(password)).await?.unwrap_or_default();
    let stored = state.db.write(move |conn| store::insert(conn, &user, hashed)).await?;
    Ok(created(format!("/api/v1/users/{}", stored.id), stored.version, UserView::from(stored)))
}

/// Get a user
#[utoipa::path(tag = "users", security(("oauth2" = ["users:manage"])), params(("id" = uuid::Uuid, Path, description = "User id")),
    responses((status = 200, description = "The user; `ETag` is its version.", body = UserView, headers(("ETag" = String)))))]
#[get("/users/{id}")]
async fn get_user(
    state: web::Data<AppState>,
    _: Allowed<required::UsersManage>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = path_id_uuid(&id, "user")?;
    let stored = state.db.lookup(move |conn| store::get(conn, id)).await?;
    Ok(tagged(stored.version, UserView::from(stored)))
}

/// Update a user
///
/// A JSON Merge Patch (RFC 7396); `password` sets a new password. Deactivate with `"active": false`.
#[utoipa::path(tag = "users", security(("oauth2" = ["users:manage"])), params(("id" = uuid::Uuid, Path, description = "User id")),
    request_body(content = UserInput, content_type = "application/merge-patch+json", example = json!({"active": false})),
    responses((status = 200, description = "The user as changed; `ETag` is its new version.", body = UserView, headers(("ETag" = String))), (status = 409, response = super::Conflict)))]
#[patch("/users/{id}")]
async fn update_user(
    state: web::Data<AppState>,
    _: Allowed<required::UsersManage>,
    id: web::Path<String>,
    if_match: IfMatch,
    patch: MergePatch,
) -> AppResult<HttpResponse> {
    let id = path_id_uuid(&id, "user")?;
    let current = state.db.lookup(move |conn| store::get(conn, id)).await?;
    let (user, password) = merge(&UserInput::from(&current.value), &patch.0)?.parse()?;
    // An invalid body is refused (422) whatever version it names.
    if_match.check(current.version)?;
    let hashed = hash(password).await?;
    let stored = state.db.write(move |conn| store::update(conn, &current, &user, hashed)).await?;
    Ok(tagged(stored.version, UserView::from(stored)))
}

/// Delete a user
#[utoipa::path(tag = "users", security(("oauth2" = ["users:manage"])), params(("id" = uuid::Uuid, Path, description = "User id")),
    responses((status = 204, description = "Deleted.")))]
#[delete("/users/{id}")]
async fn delete_user(
    state: web::Data<AppState>,
    principal: Allowed<required::UsersManage>,
    id: web::Path<String>,
    if_match: IfMatch,
) -> AppResult<HttpResponse> {
    let id = path_id_uuid(&id, "user")?;
    if principal.subject == format!("user:{id}") {
        return Err(AppError::Conflict("You cannot delete yourself.".into()));
    }
    state
        .db
        .write(move |conn| {
            if_match.check(store::get(conn, id)?.version)?;
            store::delete(conn, id)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
