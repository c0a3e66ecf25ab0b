//! SCIM discovery (RFC 7644 §4): what the service supports, its resource
//! types and their schemas. Public: they describe the service, nothing of its data.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde_json::{Value, json};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{MAX_RESULTS, ScimError, ScimResult, answer, location};
use crate::domain::scim as rules;
use crate::error::AppError;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(service_provider_config)
        .service(list_resource_types)
        .service(get_resource_type)
        .service(list_schemas)
        .service(get_schema);
}

/// What the service supports
#[utoipa::path(tag = "scim",
    responses((status = 200, description = "The `ServiceProviderConfig`: PATCH, filters (`eq`, up to 200 results), ETags and password changes are supported; bulk and sorting are not.", content_type = "application/scim+json", body = Object)))]
#[get("/ServiceProviderConfig")]
async fn service_provider_config(req: HttpRequest) -> HttpResponse {
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "documentationUri": format!("{}://{}/docs/", req.connection_info().scheme(), req.connection_info().host()),
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": true},
        "sort": {"supported": false},
        "etag": {"supported": true},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "Bearer token",
            "description": "The SCIM credential configured as SCIM_TOKEN, or an admin's access token.",
            "specUri": "https://www.rfc-editor.org/rfc/rfc6750",
            "primary": true,
        }],
        "meta": {"resourceType": "ServiceProviderConfig", "location": location(&req, "/ServiceProviderConfig")},
    });
    answer(StatusCode::OK, &body, None, None)
}

fn resource_types_of(req: &HttpRequest) -> Vec<Value> {
    vec![
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "User", "name": "User", "endpoint": "/Users",
            "description": "A person who logs in",
            "schema": rules::USER_SCHEMA,
            "schemaExtensions": [{"schema": rules::USER_ACCESS_SCHEMA, "required": false}],
            "meta": {"resourceType": "ResourceType", "location": location(req, "/ResourceTypes/User")},
        }),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "Group", "name": "Group", "endpoint": "/Groups",
            "description": "A group of users; it may grant its members a role",
            "schema": rules::GROUP_SCHEMA,
            "schemaExtensions": [{"schema": rules::ACCESS_SCHEMA, "required": false}],
            "meta": {"resourceType": "ResourceType", "location": location(req, "/ResourceTypes/Group")},
        }),
    ]
}

fn list(resources: Vec<Value>) -> HttpResponse {
    let body = json!({
        "schemas": [rules::LIST_RESPONSE],
        "totalResults": resources.len(),
        "startIndex": 1,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    });
    answer(StatusCode::OK, &body, None, None)
}

fn unknown(what: &'static str) -> ScimError {
    AppError::NotFound(what).into()
}

/// The resource types
#[utoipa::path(tag = "scim",
    responses((status = 200, description = "A `ListResponse` of the resource types: `User` and `Group`.", content_type = "application/scim+json", body = super::ListResponse)))]
#[get("/ResourceTypes")]
async fn list_resource_types(req: HttpRequest) -> HttpResponse {
    list(resource_types_of(&req))
}

/// A resource type
#[utoipa::path(tag = "scim", params(("resource" = String, Path, description = "`User` or `Group`")),
    responses((status = 200, description = "The resource type.", content_type = "application/scim+json", body = Object),
        (status = 404, description = "No such resource type.", content_type = "application/scim+json", body = super::ScimErrorBody)))]
#[get("/ResourceTypes/{resource}")]
async fn get_resource_type(req: HttpRequest, id: web::Path<String>) -> ScimResult<HttpResponse> {
    let found =
        resource_types_of(&req).into_iter().find(|r| r["id"] == id.as_str()).ok_or_else(|| unknown("resource type"))?;
    Ok(answer(StatusCode::OK, &found, None, None))
}

/// One attribute of a schema (RFC 7643 §7).
fn attribute(name: &str, kind: &str, description: &str) -> Value {
    json!({
        "name": name, "type": kind, "multiValued": false, "description": description, "required": false,
        "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none",
    })
}

fn with(mut attribute: Value, changes: Value) -> Value {
    if let (Some(a), Some(c)) = (attribute.as_object_mut(), changes.as_object()) {
        for (k, v) in c {
            a.insert(k.clone(), v.clone());
        }
    }
    attribute
}

fn schemas_of(req: &HttpRequest) -> Vec<Value> {
    let meta = |id: &str| json!({"resourceType": "Schema", "location": location(req, &format!("/Schemas/{id}"))});
    let member = |of: &str| {
        with(
            attribute(of, "complex", "A member: a user, by id"),
            json!({"multiValued": true, "subAttributes": [
                with(attribute("value", "string", "The id"), json!({"caseExact": true})),
                with(attribute("display", "string", "A name to show"), json!({"mutability": "readOnly"})),
                with(attribute("$ref", "reference", "The URL"), json!({"mutability": "readOnly", "referenceTypes": ["User", "Group"]})),
                with(attribute("type", "string", "User"), json!({"mutability": "readOnly"})),
            ]}),
        )
    };
    let role = with(
        attribute("role", "string", "admin, recruiter or org_member"),
        json!({"canonicalValues": ["admin", "recruiter", "org_member"]}),
    );
    let organization = attribute("organizationId", "string", "For org_member: the organization's id");
    vec![
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
            "id": rules::USER_SCHEMA, "name": "User", "description": "A person who logs in",
            "attributes": [
                with(attribute("userName", "string", "Unique login at the provider"), json!({"required": true, "uniqueness": "server"})),
                with(attribute("externalId", "string", "The provider's id"), json!({"caseExact": true})),
                with(attribute("name", "complex", "The user's name"), json!({"subAttributes": [
                    attribute("formatted", "string", "The full name"),
                    attribute("givenName", "string", "Given name"),
                    attribute("familyName", "string", "Family name"),
                ]})),
                attribute("displayName", "string", "The name shown (at most 100 characters)"),
                with(attribute("emails", "complex", "The primary one is the address the user logs in with"), json!({"multiValued": true, "subAttributes": [
                    attribute("value", "string", "The address"),
                    with(attribute("type", "string", "work"), json!({"canonicalValues": ["work", "home", "other"]})),
                    attribute("primary", "boolean", "The address to log in with"),
                ]})),
                attribute("active", "boolean", "false: the user may not log in, and their tokens stop working"),
                with(attribute("password", "string", "A password to log in with here (12 to 256 characters)"), json!({"mutability": "writeOnly", "returned": "never"})),
                with(member("groups"), json!({"mutability": "readOnly", "description": "The groups the user is in"})),
            ],
            "meta": meta(rules::USER_SCHEMA),
        }),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
            "id": rules::GROUP_SCHEMA, "name": "Group", "description": "A group of users",
            "attributes": [
                with(attribute("displayName", "string", "Unique name"), json!({"required": true, "uniqueness": "server"})),
                with(attribute("externalId", "string", "The provider's id"), json!({"caseExact": true})),
                member("members"),
            ],
            "meta": meta(rules::GROUP_SCHEMA),
        }),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
            "id": rules::ACCESS_SCHEMA, "name": "GroupAccess",
            "description": "The role (and organization) a group grants its members",
            "attributes": [role.clone(), organization.clone()],
            "meta": meta(rules::ACCESS_SCHEMA),
        }),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
            "id": rules::USER_ACCESS_SCHEMA, "name": "UserAccess",
            "description": "What the user's groups grant (read-only)",
            "attributes": [
                with(role, json!({"mutability": "readOnly"})),
                with(organization, json!({"mutability": "readOnly"})),
                with(attribute("mayLogIn", "boolean", "Active at the provider, and in a group that grants a role"), json!({"mutability": "readOnly"})),
            ],
            "meta": meta(rules::USER_ACCESS_SCHEMA),
        }),
    ]
}

/// The schemas
#[utoipa::path(tag = "scim",
    responses((status = 200, description = "A `ListResponse` of the schemas of users, groups and the service's extensions.", content_type = "application/scim+json", body = super::ListResponse)))]
#[get("/Schemas")]
async fn list_schemas(req: HttpRequest) -> HttpResponse {
    list(schemas_of(&req))
}

/// A schema
#[utoipa::path(tag = "scim", params(("urn" = String, Path, description = "The schema's URN")),
    responses((status = 200, description = "The schema.", content_type = "application/scim+json", body = Object),
        (status = 404, description = "No such schema.", content_type = "application/scim+json", body = super::ScimErrorBody)))]
#[get("/Schemas/{urn}")]
async fn get_schema(req: HttpRequest, id: web::Path<String>) -> ScimResult<HttpResponse> {
    let found = schemas_of(&req).into_iter().find(|s| s["id"] == id.as_str()).ok_or_else(|| unknown("schema"))?;
    Ok(answer(StatusCode::OK, &found, None, None))
}
