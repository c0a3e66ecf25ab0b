//! `/scim/v2/Groups`: the provider's groups; each may grant its members a role
//! (and, for organization members, an organization).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::users::MemberDoc;
use super::{Listing, ScimErrors, ScimResult, answer, body, location, meta};
use crate::AppState;
use crate::api::preconditions::IfMatch;
use crate::auth::Provisioner;
use crate::db::scim::{self as store, ScimGroup};
use crate::domain::scim::{self as rules, GroupFields};
use crate::error::AppError;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_scim_groups)
        .service(create_scim_group)
        .service(get_scim_group)
        .service(replace_scim_group)
        .service(patch_scim_group)
        .service(delete_scim_group);
}

/// A group (RFC 7643 §4.2), with the service's extension: the role it grants.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ScimGroup, example = json!({
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "urn:interim-tracker:params:scim:schemas:extension:access:2.0:Group"],
    "displayName": "Interim Tracker Recruiters",
    "members": [{"value": "0190b4e4-1f2a-7c3d-8e4f-5a6b7c8d9e0f"}],
    "urn:interim-tracker:params:scim:schemas:extension:access:2.0:Group": {"role": "recruiter"}
}))]
#[allow(dead_code)] // documents the shape for the spec; answers are built as JSON
pub struct GroupDoc {
    pub schemas: Vec<String>,
    #[schema(read_only, format = Uuid)]
    pub id: Option<String>,
    pub external_id: Option<String>,
    /// Unique, not case-sensitive.
    #[schema(max_length = 200)]
    pub display_name: String,
    /// Users, by id.
    pub members: Option<Vec<MemberDoc>>,
    #[serde(rename = "urn:interim-tracker:params:scim:schemas:extension:access:2.0:Group")]
    pub access: Option<GroupAccessDoc>,
    #[schema(read_only)]
    pub meta: Option<super::users::MetaDoc>,
}

/// What members of the group get. A user in several groups gets the broadest role (admin, then recruiter,
/// then org_member of the oldest such group); a user in none may not log in.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct GroupAccessDoc {
    /// Absent or null: the group grants nothing.
    pub role: Option<crate::domain::access::Role>,
    /// For `org_member` only: the organization its members belong to.
    #[schema(format = Uuid)]
    pub organization_id: Option<String>,
}

fn view(req: &HttpRequest, group: &ScimGroup, members: bool) -> Value {
    let mut view = json!({
        "schemas": [rules::GROUP_SCHEMA, rules::ACCESS_SCHEMA],
        "id": group.id,
        "displayName": group.display_name,
        rules::ACCESS_SCHEMA: {
            "role": group.grant.map(|g| g.role),
            "organizationId": group.grant.and_then(|g| g.organization).map(|o| o.to_string()),
        },
        "meta": meta(req, "Group", &format!("/Groups/{}", group.id), group.version, group.created_at, group.updated_at),
    });
    if let Some(object) = view.as_object_mut() {
        if let Some(external) = &group.external_id {
            object.insert("externalId".into(), json!(external));
        }
        if members {
            let members: Vec<Value> = group
                .members
                .iter()
                .map(|(id, display)| {
                    json!({"value": id, "display": display, "$ref": location(req, &format!("/Users/{id}")), "type": "User"})
                })
                .collect();
            object.insert("members".into(), Value::Array(members));
        }
    }
    view
}

fn answer_group(req: &HttpRequest, status: StatusCode, group: &ScimGroup) -> HttpResponse {
    let location = (status == StatusCode::CREATED).then(|| location(req, &format!("/Groups/{}", group.id)));
    answer(status, &view(req, group, true), Some(group.version), location.as_deref())
}

/// List groups
///
/// Filters are `eq` clauses on `displayName`, `externalId`, `id` or `members` (`members.value`), joined by
/// `and`; `excludedAttributes=members` leaves members out, as Entra ID asks.
#[utoipa::path(tag = "scim", security(("oauth2" = ["users:manage"])), params(super::ListQuery),
    responses((status = 200, description = "A `ListResponse` of groups, oldest first.", content_type = "application/scim+json", body = super::ListResponse), ScimErrors))]
#[get("/Groups")]
async fn list_scim_groups(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Result<Provisioner, AppError>,
) -> ScimResult<HttpResponse> {
    caller?;
    let listing = Listing::parse(&req)?;
    let members = !listing.leaves_out("members");
    let (clauses, start, count) = (listing.clauses.clone(), listing.start, listing.count);
    let (total, groups) = state.db.read(move |conn| store::list_groups(conn, &clauses, start, count, members)).await?;
    Ok(listing.answer(total, groups.iter().map(|g| view(&req, g, members)).collect()))
}

/// Create a group
///
/// Its members (users, by id) get the role the group grants, if it grants one, at once.
#[utoipa::path(tag = "scim", security(("oauth2" = ["users:manage"])),
    request_body(content(
        (GroupDoc = "application/scim+json"),
        (GroupDoc = "application/json"),
    )),
    responses((status = 201, description = "Created; `Location` names the group.", content_type = "application/scim+json", body = GroupDoc,
        headers(("ETag" = String), ("Location" = String, description = "URL of the new group"))),
        (status = 409, description = "Another group has this displayName.", content_type = "application/scim+json", body = super::ScimErrorBody),
        ScimErrors, super::ScimBodyErrors))]
#[post("/Groups")]
async fn create_scim_group(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Result<Provisioner, AppError>,
    payload: web::Payload,
) -> ScimResult<HttpResponse> {
    caller?;
    let fields = GroupFields::from_json(&body(&req, payload).await?)?;
    let group = state.db.write(move |conn| store::create_group(conn, &fields)).await?;
    Ok(answer_group(&req, StatusCode::CREATED, &group))
}

/// Get a group
#[utoipa::path(tag = "scim", security(("oauth2" = ["users:manage"])), params(("id" = uuid::Uuid, Path, description = "Group id")),
    responses((status = 200, description = "The group; `ETag` is its version.", content_type = "application/scim+json", body = GroupDoc, headers(("ETag" = String))),
        (status = 404, description = "No group has this id.", content_type = "application/scim+json", body = super::ScimErrorBody),
        ScimErrors))]
#[get("/Groups/{id}")]
async fn get_scim_group(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Result<Provisioner, AppError>,
    id: web::Path<String>,
) -> ScimResult<HttpResponse> {
    caller?;
    let listing = Listing::parse(&req)?;
    let members = !listing.leaves_out("members");
    let id = id.into_inner();
    let group = state.db.lookup(move |conn| store::get_group(conn, &id, members)).await?;
    Ok(answer(StatusCode::OK, &listing.shape(view(&req, &group, members)), Some(group.version), None))
}

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
            move |conn| store::get_group(conn, &id, true)
        })
        .await?;
    if let Some(if_match) = &if_match {
        if_match.check(current.version)?;
    }
    let fields = GroupFields::from_json(&change(view(req, &current, true))?)?;
    let group = state.db.write(move |conn| store::replace_group(conn, &current, &fields)).await?;
    Ok(answer_group(req, StatusCode::OK, &group))
}

/// Replace a group
#[utoipa::path(tag = "scim", security(("oauth2" = ["users:manage"])), params(("id" = uuid::Uuid, Path, description = "Group id"),
        ("If-Match" = Option<String>, Header, description = "Optional: the `ETag` (`meta.version`) the change is made against; another answers 412.")),
    request_body(content(
        (GroupDoc = "application/scim+json"),
        (GroupDoc = "application/json"),
    )),
    responses((status = 200, description = "The group as replaced.", content_type = "application/scim+json", body = GroupDoc, headers(("ETag" = String))),
        (status = 404, description = "No group has this id.", content_type = "application/scim+json", body = super::ScimErrorBody),
        (status = 409, description = "Another group has this displayName.", content_type = "application/scim+json", body = super::ScimErrorBody),
        (status = 412, description = "`If-Match` names another version.", content_type = "application/scim+json", body = super::ScimErrorBody),
        ScimErrors, super::ScimBodyErrors))]
#[put("/Groups/{id}")]
async fn replace_scim_group(
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

/// Change a group
///
/// Members are added with `{"op": "add", "path": "members", "value": [{"value": "<user id>"}]}` and removed
/// with `{"op": "remove", "path": "members[value eq \"<user id>\"]"}` (Okta) or with the members as the
/// value (Entra ID). The role a group grants is
/// `urn:interim-tracker:params:scim:schemas:extension:access:2.0:Group:role`.
#[utoipa::path(tag = "scim", security(("oauth2" = ["users:manage"])), params(("id" = uuid::Uuid, Path, description = "Group id"),
        ("If-Match" = Option<String>, Header, description = "Optional: the `ETag` (`meta.version`) the change is made against; another answers 412.")),
    request_body(content(
        (super::PatchRequest = "application/scim+json"),
        (super::PatchRequest = "application/json"),
    )),
    responses((status = 200, description = "The group as changed.", content_type = "application/scim+json", body = GroupDoc, headers(("ETag" = String))),
        (status = 404, description = "No group has this id.", content_type = "application/scim+json", body = super::ScimErrorBody),
        (status = 409, description = "Another group has this displayName.", content_type = "application/scim+json", body = super::ScimErrorBody),
        (status = 412, description = "`If-Match` names another version.", content_type = "application/scim+json", body = super::ScimErrorBody),
        ScimErrors, super::ScimBodyErrors))]
#[patch("/Groups/{id}")]
async fn patch_scim_group(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Result<Provisioner, AppError>,
    id: web::Path<String>,
    if_match: Option<IfMatch>,
    payload: web::Payload,
) -> ScimResult<HttpResponse> {
    caller?;
    let operations = rules::parse_patch(&body(&req, payload).await?)?;
    change(&req, &state, id.into_inner(), if_match, |mut group| {
        rules::apply_patch(&mut group, &operations, rules::GROUP_SCHEMA)?;
        Ok(group)
    })
    .await
}

/// Delete a group
///
/// Its members lose what it granted at once.
#[utoipa::path(tag = "scim", security(("oauth2" = ["users:manage"])), params(("id" = uuid::Uuid, Path, description = "Group id")),
    responses((status = 204, description = "Deleted."),
        (status = 404, description = "No group has this id.", content_type = "application/scim+json", body = super::ScimErrorBody),
        ScimErrors))]
#[delete("/Groups/{id}")]
async fn delete_scim_group(
    state: web::Data<AppState>,
    caller: Result<Provisioner, AppError>,
    id: web::Path<String>,
) -> ScimResult<HttpResponse> {
    caller?;
    let id = id.into_inner();
    state.db.write(move |conn| store::delete_group(conn, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
