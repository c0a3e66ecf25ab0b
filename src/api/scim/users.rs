//! `/scim/v2/Users`: the people who log in, as an identity provider keeps them.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{Listing, ScimErrors, ScimResult, answer, body, location, meta};
use crate::AppState;
use crate::api::preconditions::IfMatch;
use crate::auth::{Provisioner, passwords};
use crate::db::scim::{self as store, ScimUser};
use crate::domain::scim::{self as rules, Refusal, UserFields};
use crate::error::AppError;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_scim_users)
        .service(create_scim_user)
        .service(get_scim_user)
        .service(replace_scim_user)
        .service(patch_scim_user)
        .service(delete_scim_user);
}

/// A user (RFC 7643 §4.1), as the service keeps one.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ScimUser, example = json!({
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "userName": "jane.doe@client.example",
    "externalId": "00u1a2b3c4d5e6f7g8h9",
    "name": {"givenName": "Jane", "familyName": "Doe"},
    "emails": [{"value": "jane.doe@client.example", "type": "work", "primary": true}],
    "active": true
}))]
#[allow(dead_code)] // documents the shape for the spec; answers are built as JSON
pub struct UserDoc {
    pub schemas: Vec<String>,
    #[schema(read_only, format = Uuid)]
    pub id: Option<String>,
    /// The provider's id of the user.
    pub external_id: Option<String>,
    /// Unique, not case-sensitive: the provider's login (often an e-mail address).
    #[schema(max_length = 254)]
    pub user_name: String,
    pub name: Option<NameDoc>,
    #[schema(max_length = 100)]
    pub display_name: Option<String>,
    /// The primary one (else the first, else `userName`) is the address the user logs in with.
    pub emails: Option<Vec<EmailDoc>>,
    /// `false` deactivates the user: every token of theirs stops working at its next request.
    pub active: Option<bool>,
    /// Write-only: a password to log in with here, besides the provider (12 to 256 characters).
    #[schema(write_only, format = Password)]
    pub password: Option<String>,
    /// The groups the user is in (read-only: change a group's members).
    #[schema(read_only)]
    pub groups: Option<Vec<MemberDoc>>,
    #[serde(rename = "urn:interim-tracker:params:scim:schemas:extension:access:2.0:User")]
    #[schema(read_only)]
    pub access: Option<UserAccessDoc>,
    #[schema(read_only)]
    pub meta: Option<MetaDoc>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct NameDoc {
    pub formatted: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[allow(dead_code)]
pub struct EmailDoc {
    pub value: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub primary: Option<bool>,
}

/// A member of a group, or a group of a user.
#[derive(Debug, Serialize, ToSchema)]
#[allow(dead_code)]
pub struct MemberDoc {
    /// The id of the user (or group).
    pub value: String,
    pub display: Option<String>,
    #[serde(rename = "$ref")]
    #[schema(read_only)]
    pub reference: Option<String>,
}

/// What the user may do here, as their groups grant it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct UserAccessDoc {
    /// Null while no group grants one.
    pub role: Option<crate::domain::access::Role>,
    #[schema(format = Uuid)]
    pub organization_id: Option<String>,
    /// Whether the user may log in: active at the provider, and in a group that grants a role.
    pub may_log_in: bool,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct MetaDoc {
    pub resource_type: String,
    pub created: chrono::DateTime<chrono::Utc>,
    pub last_modified: chrono::DateTime<chrono::Utc>,
    pub location: String,
    /// The `ETag` of this version.
    pub version: String,
}

/// The JSON of a user, as every answer shows it and as a PATCH is applied to.
pub(super) fn view(req: &HttpRequest, user: &ScimUser) -> Value {
    let path = format!("/Users/{}", user.id);
    let mut name = serde_json::Map::new();
    if let Some(given) = &user.given_name {
        name.insert("givenName".into(), json!(given));
    }
    if let Some(family) = &user.family_name {
        name.insert("familyName".into(), json!(family));
    }
    if let Some(formatted) = &user.display_name {
        name.insert("formatted".into(), json!(formatted));
    }
    let mut view = json!({
        "schemas": [rules::USER_SCHEMA, rules::USER_ACCESS_SCHEMA],
        "id": user.id,
        "userName": user.user_name,
        "name": name,
        "emails": [{"value": user.email, "type": "work", "primary": true}],
        "active": user.idp_active,
        "groups": user.groups.iter().map(|(id, display)| json!({
            "value": id, "display": display, "$ref": location(req, &format!("/Groups/{id}")), "type": "direct",
        })).collect::<Vec<_>>(),
        rules::USER_ACCESS_SCHEMA: {
            "role": user.granted.then_some(user.role),
            "organizationId": user.organization_id.as_ref().filter(|_| user.granted),
            "mayLogIn": user.active,
        },
        "meta": meta(req, "User", &path, user.version, user.created_at, user.updated_at),
    });
    if let Some(object) = view.as_object_mut() {
        if let Some(external) = &user.external_id {
            object.insert("externalId".into(), json!(external));
        }
        if let Some(display) = &user.display_name {
            object.insert("displayName".into(), json!(display));
        }
    }
    view
}

/// The fields of a user as given, with the login address and password checked.
fn checked(resource: &Value) -> ScimResult<(UserFields, Option<String>)> {
    let mut fields = UserFields::from_json(resource)?;
    fields.email = crate::api::candidates::email(&fields.email).map_err(|e| Refusal {
        scim_type: "invalidValue",
        detail: format!("the user's e-mail address (the primary of `emails`, else `userName`) {}", e.message),
    })?;
    let password = fields.password.take();
    if let Some(password) = &password {
        passwords::check_strength(password)
            .map_err(|e| Refusal { scim_type: "invalidValue", detail: format!("`password` {}", e.message) })?;
    }
    Ok((fields, password))
}

async fn hash(password: Option<String>) -> ScimResult<Option<String>> {
    match password {
        None => Ok(None),
        Some(p) => Ok(Some(web::block(move || passwords::hash(&p.into())).await.map_err(AppError::from)??)),
    }
}

fn answer_user(req: &HttpRequest, status: StatusCode, user: &ScimUser) -> HttpResponse {
    let location = (status == StatusCode::CREATED).then(|| location(req, &format!("/Users/{}", user.id)));
    answer(status, &view(req, user), Some(user.version), location.as_deref())
}

/// List users
///
/// Okta and Entra ID look a user up by `filter=userName eq "…"` before creating them. Filters are `eq`
/// clauses on `userName`, `externalId`, `id`, `emails.value`, `displayName` or `active`, joined by `and`.
#[utoipa::path(tag = "scim", security(("oauth2" = ["users:manage"])), params(super::ListQuery),
    responses((status = 200, description = "A `ListResponse` of users, oldest first.", content_type = "application/scim+json", body = super::ListResponse), ScimErrors))]
#[get("/Users")]
async fn list_scim_users(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Result<Provisioner, AppError>,
) -> ScimResult<HttpResponse> {
    caller?;
    let listing = Listing::parse(&req)?;
    let (clauses, start, count) = (listing.clauses.clone(), listing.start, listing.count);
    let (total, users) = state.db.read(move |conn| store::list_users(conn, &clauses, start, count)).await?;
    Ok(listing.answer(total, users.iter().map(|u| view(&req, u)).collect()))
}

/// Create a user
///
/// A new user may log in once a group that grants a role has them as a member (see `/Groups`), and while
/// `active`. `userName` and the e-mail address are unique among all users (409 `uniqueness`).
#[utoipa::path(tag = "scim", security(("oauth2" = ["users:manage"])),
    request_body(content(
        (UserDoc = "application/scim+json"),
        (UserDoc = "application/json"),
    )),
    responses((status = 201, description = "Created; `Location` names the user.", content_type = "application/scim+json", body = UserDoc,
        headers(("ETag" = String), ("Location" = String, description = "URL of the new user"))),
        (status = 409, description = "Another user has this userName or e-mail address.", content_type = "application/scim+json", body = super::ScimErrorBody),
        ScimErrors, super::ScimBodyErrors))]
#[post("/Users")]
async fn create_scim_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Result<Provisioner, AppError>,
    payload: web::Payload,
) -> ScimResult<HttpResponse> {
    caller?;
    let (fields, password) = checked(&body(&req, payload).await?)?;
    let password = hash(password).await?;
    let user = state.db.write(move |conn| store::create_user(conn, &fields, password)).await?;
    Ok(answer_user(&req, StatusCode::CREATED, &user))
}

/// Get a user
#[utoipa::path(tag = "scim", security(("oauth2" = ["users:manage"])), params(("id" = uuid::Uuid, Path, description = "User id")),
    responses((status = 200, description = "The user; `ETag` is its version.", content_type = "application/scim+json", body = UserDoc, headers(("ETag" = String))),
        (status = 404, description = "No user has this id.", content_type = "application/scim+json", body = super::ScimErrorBody),
        ScimErrors))]
#[get("/Users/{id}")]
async fn get_scim_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Result<Provisioner, AppError>,
    id: web::Path<String>,
) -> ScimResult<HttpResponse> {
    caller?;
    let id = id.into_inner();
    let user = state.db.lookup(move |conn| store::get_user(conn, &id)).await?;
    Ok(answer_user(&req, StatusCode::OK, &user))
}

/// The user, changed by `change` from what it is now, written if `If-Match` (when sent) names its version.
async fn change(
    req: &HttpRequest,
    state: &AppState,
    id: String,
    if_match: Option<IfMatch>,
    change: impl FnOnce(Value) -> ScimResult<Value>,
) -> ScimResult<HttpResponse> {
    let current = state
        .db
        .lookup({
            let id = id.clone();
            move |conn| store::get_user(conn, &id)
        })
        .await?;
    if let Some(if_match) = &if_match {
        if_match.check(current.version)?;
    }
    let (fields, password) = checked(&change(view(req, &current))?)?;
    let password = hash(password).await?;
    let user = state.db.write(move |conn| store::replace_user(conn, &current, &fields, password)).await?;
    Ok(answer_user(req, StatusCode::OK, &user))
}

/// Replace a user
///
/// Attributes left out are cleared (but a password is kept unless one is sent).
#[utoipa::path(tag = "scim", security(("oauth2" = ["users:manage"])), params(("id" = uuid::Uuid, Path, description = "User id"),
        ("If-Match" = Option<String>, Header, description = "Optional: the `ETag` (`meta.version`) the change is made against; another answers 412.")),
    request_body(content(
        (UserDoc = "application/scim+json"),
        (UserDoc = "application/json"),
    )),
    responses((status = 200, description = "The user as replaced.", content_type = "application/scim+json", body = UserDoc, headers(("ETag" = String))),
        (status = 404, description = "No user has this id.", content_type = "application/scim+json", body = super::ScimErrorBody),
        (status = 409, description = "Another user has this userName or e-mail address.", content_type = "application/scim+json", body = super::ScimErrorBody),
        (status = 412, description = "`If-Match` names another version.", content_type = "application/scim+json", body = super::ScimErrorBody),
        ScimErrors, super::ScimBodyErrors))]
#[put("/Users/{id}")]
async fn replace_scim_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Result<Provisioner, AppError>,
    id: web::Path<String>,
    if_match: Option<IfMatch>,
    payload: web::Payload,
) -> ScimResult<HttpResponse> {
    caller?;
    let replacement = body(&req, payload).await?;
    change(&req, &state, id.into_inner(), if_match, |_| Ok(replacement)).await
}

/// Change a user
///
/// Operations as Okta sends them (`{"op": "replace", "value": {"active": false}}`) and as Entra ID does
/// (`{"op": "Replace", "path": "active", "value": "False"}`). `active: false` ends every token of the user
/// at its next request.
#[utoipa::path(tag = "scim", security(("oauth2" = ["users:manage"])), params(("id" = uuid::Uuid, Path, description = "User id"),
        ("If-Match" = Option<String>, Header, description = "Optional: the `ETag` (`meta.version`) the change is made against; another answers 412.")),
    request_body(content(
        (super::PatchRequest = "application/scim+json"),
        (super::PatchRequest = "application/json"),
    )),
    responses((status = 200, description = "The user as changed.", content_type = "application/scim+json", body = UserDoc, headers(("ETag" = String))),
        (status = 404, description = "No user has this id.", content_type = "application/scim+json", body = super::ScimErrorBody),
        (status = 409, description = "Another user has this userName or e-mail address.", content_type = "application/scim+json", body = super::ScimErrorBody),
        (status = 412, description = "`If-Match` names another version.", content_type = "application/scim+json", body = super::ScimErrorBody),
        ScimErrors, super::ScimBodyErrors))]
#[patch("/Users/{id}")]
async fn patch_scim_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Result<Provisioner, AppError>,
    id: web::Path<String>,
    if_match: Option<IfMatch>,
    payload: web::Payload,
) -> ScimResult<HttpResponse> {
    caller?;
    let operations = rules::parse_patch(&body(&req, payload).await?)?;
    change(&req, &state, id.into_inner(), if_match, |mut user| {
        rules::apply_patch(&mut user, &operations, rules::USER_SCHEMA)?;
        Ok(user)
    })
    .await
}

/// Delete a user
///
/// The user and their memberships are gone; their tokens stop working at once.
#[utoipa::path(tag = "scim", security(("oauth2" = ["users:manage"])), params(("id" = uuid::Uuid, Path, description = "User id")),
    responses((status = 204, description = "Deleted."),
        (status = 404, description = "No user has this id.", content_type = "application/scim+json", body = super::ScimErrorBody),
        (status = 409, description = "A caller cannot delete themselves.", content_type = "application/scim+json", body = super::ScimErrorBody),
        ScimErrors))]
#[delete("/Users/{id}")]
async fn delete_scim_user(
    state: web::Data<AppState>,
    caller: Result<Provisioner, AppError>,
    id: web::Path<String>,
) -> ScimResult<HttpResponse> {
    let caller = caller?;
    let id = id.into_inner();
    if caller.0.subject == format!("user:{id}") {
        return Err(AppError::Conflict("You cannot delete yourself.".into()).into());
    }
    let id = uuid::Uuid::parse_str(&id).map_err(|_| AppError::NotFound("user"))?;
    state.db.write(move |conn| crate::db::users::delete(conn, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
