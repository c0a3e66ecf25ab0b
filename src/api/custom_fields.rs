//! `/api/v1/custom-fields`: the typed fields the practice defines on
//! candidates, needs and assignments (for every organization, or for one).
//! Their values are the records' `custom_fields`, checked against these
//! definitions, filtered with `custom_field=key:value`.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::created;
use super::extract::{JsonBody, MergePatch, merge};
use super::preconditions::{IfMatch, tagged};
use crate::AppState;
use crate::auth::{Allowed, Principal};
use crate::db::custom_fields::{self as store, StoredField};
use crate::domain::access::required;
use crate::domain::custom_field::{self as rules, FieldDefinition, FieldResource, FieldType, MAX_OPTIONS};
use crate::domain::validation::{self, Validator};
use crate::error::{AppError, AppResult};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_fields).service(create_field).service(get_field).service(update_field).service(delete_field);
}

/// A custom field's definition; `resource`, `key`, `type` and `organization_id` are set when it is defined
/// and never change.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"resource": "candidate", "key": "notice_period_weeks", "label": "Notice period (weeks)",
    "description": "How soon the candidate can start, counted from an offer.", "type": "number", "required": false}))]
pub struct FieldInput {
    pub resource: FieldResource,
    /// How values are named in `custom_fields`: 1 to 48 lowercase letters, digits and `_`, starting with a letter.
    #[schema(pattern = "^[a-z][a-z0-9_]{0,47}$")]
    pub key: String,
    #[schema(format = "text", min_length = 1, max_length = 100)]
    pub label: String,
    #[serde(default)]
    #[schema(format = "text", max_length = 500)]
    pub description: Option<String>,
    /// `text` (up to 1,000 characters), `number`, `date` (YYYY-MM-DD), `boolean`, `choice` (one of `options`)
    /// or `multi_choice` (some of them).
    #[serde(rename = "type")]
    pub field_type: FieldType,
    /// The values of a choice or multi-choice field (1 to 100, each 1 to 100 characters); none for the others.
    /// Options may be added later, and removed while no record holds them.
    #[serde(default)]
    #[schema(format = "text", min_length = 1, max_length = 100, max_items = 100)]
    pub options: Vec<String>,
    /// Whether every write of a record must give a value (default false).
    #[serde(default)]
    pub required: bool,
    /// Only this organization's needs or assignments have the field (none: every record); never for candidates.
    #[serde(default)]
    #[schema(format = Uuid)]
    pub organization_id: Option<String>,
    /// False retires the field: values stay, none is given anew (default true).
    #[serde(default = "active")]
    pub active: bool,
}

fn active() -> bool {
    true
}

impl FieldInput {
    fn parse(&self) -> AppResult<FieldDefinition> {
        let mut v = Validator::new();
        let key = v.check("key", rules::key(&self.key));
        let label = v.check("label", validation::text(&self.label, 1, 100));
        let description = v.check("description", validation::optional_text(self.description.as_deref(), 500));
        let options = validation::labels(&mut v, "options", &self.options, MAX_OPTIONS, false);
        let organization_id = v.check("organization_id", self.organization_id.as_deref().map(str::parse).transpose());
        let field = (|| {
            Some(FieldDefinition {
                resource: self.resource,
                key: key?,
                label: label?,
                description: description?,
                field_type: self.field_type,
                options,
                required: self.required,
                organization_id: organization_id?,
                active: self.active,
            })
        })();
        if let Some(field) = &field {
            field.check(&mut v);
        }
        v.finish(field).map_err(AppError::Validation)
    }
}

impl From<&FieldDefinition> for FieldInput {
    fn from(f: &FieldDefinition) -> Self {
        FieldInput {
            resource: f.resource,
            key: f.key.clone(),
            label: f.label.clone(),
            description: f.description.clone(),
            field_type: f.field_type,
            options: f.options.clone(),
            required: f.required,
            organization_id: f.organization_id.map(|o| o.to_string()),
            active: f.active,
        }
    }
}

/// A custom field.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldView {
    #[serde(flatten)]
    pub fields: FieldInput,
    /// Grows by one with every change.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<StoredField> for FieldView {
    fn from(s: StoredField) -> Self {
        FieldView {
            fields: FieldInput::from(&s.value),
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [
    {"resource": "candidate", "key": "notice_period_weeks", "label": "Notice period (weeks)", "description": null,
     "type": "number", "options": [], "required": false, "organization_id": null, "active": true, "version": 1,
     "created_at": "2026-12-07T09:00:00Z", "updated_at": "2026-12-07T09:00:00Z"},
    {"resource": "need", "key": "board_sponsor", "label": "Board sponsor", "description": null,
     "type": "choice", "options": ["ceo", "cfo", "chair"], "required": true, "organization_id": "0193a5f2-5b0d-7a69-8b44-0c1d2e3f4a5b",
     "active": true, "version": 1, "created_at": "2026-12-07T09:00:00Z", "updated_at": "2026-12-07T09:00:00Z"}]}))]
pub struct FieldList {
    /// By resource, then key.
    pub items: Vec<FieldView>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FieldListQuery {
    /// Only the fields of this resource.
    resource: Option<FieldResource>,
}

fn path_field(raw: &(String, String)) -> AppResult<(FieldResource, String)> {
    let missing = |_| AppError::NotFound("custom field");
    Ok((raw.0.parse().map_err(missing)?, rules::key(&raw.1).map_err(missing)?))
}

/// Whether the caller sees the field: organization members see every
/// organization's fields and their own organization's.
fn sees(principal: &Principal, field: &FieldDefinition) -> bool {
    principal.tenant().is_none() || field.applies_to(principal.tenant())
}

/// List custom fields
///
/// The fields the practice defined on candidates, needs and assignments; any caller may read them (an
/// organization member: the fields of every organization and of their own).
#[utoipa::path(security(("oauth2" = [])), tag = "custom-fields", params(FieldListQuery),
    responses((status = 200, description = "The custom fields.", body = FieldList)))]
#[get("/custom-fields")]
async fn list_fields(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<FieldListQuery>,
) -> AppResult<web::Json<FieldList>> {
    let resource = query.resource;
    let all = state.db.read(move |conn| store::all(conn, resource)).await?;
    let items = all.into_iter().filter(|f| sees(&principal, &f.value)).map(FieldView::from).collect();
    Ok(web::Json(FieldList { items }))
}

/// Define a custom field
///
/// A key new for its resource (409 otherwise); at most 100 fields per resource. A required field applies to
/// every later write of a record: define it before records exist, or fill it in with the writes that follow.
#[utoipa::path(security(("oauth2" = ["settings:manage"])), tag = "custom-fields", request_body = FieldInput,
    responses((status = 201, description = "Defined; `Location` names the field.", body = FieldView,
        headers(("ETag" = String), ("Location" = String, description = "URL of the new field"))),
        (status = 409, response = super::Conflict)))]
#[post("/custom-fields")]
async fn create_field(
    state: web::Data<AppState>,
    _: Allowed<required::SettingsManage>,
    body: JsonBody<FieldInput>,
) -> AppResult<HttpResponse> {
    let field = body.0.parse()?;
    let stored = state.db.write(move |conn| store::insert(conn, &field)).await?;
    let location = format!("/api/v1/custom-fields/{}/{}", stored.value.resource, stored.value.key);
    Ok(created(location, stored.version, FieldView::from(stored)))
}

/// Get a custom field
#[utoipa::path(security(("oauth2" = [])), tag = "custom-fields",
    params(("resource" = FieldResource, Path, description = "candidate, need or assignment"),
        ("key" = String, Path, description = "The field's key", pattern = "^[a-z][a-z0-9_]{0,47}$")),
    responses((status = 200, description = "The field; `ETag` is its version.", body = FieldView, headers(("ETag" = String)))))]
#[get("/custom-fields/{resource}/{key}")]
async fn get_field(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (resource, key) = path_field(&path)?;
    let stored = state.db.lookup(move |conn| store::get(conn, resource, &key)).await?;
    if !sees(&principal, &stored.value) {
        return Err(AppError::NotFound("custom field"));
    }
    Ok(tagged(stored.version, FieldView::from(stored)))
}

/// Change or retire a custom field
///
/// A JSON Merge Patch (RFC 7396) of the label, description, options, `required` and `active`; the resource,
/// key, type and organization never change (422). An option records hold cannot be removed (409).
/// `active: false` retires the field: the values stay, and no write gives it a new one.
#[utoipa::path(security(("oauth2" = ["settings:manage"])), tag = "custom-fields",
    params(("resource" = FieldResource, Path, description = "candidate, need or assignment"),
        ("key" = String, Path, description = "The field's key", pattern = "^[a-z][a-z0-9_]{0,47}$")),
    request_body(content = FieldInput, content_type = "application/merge-patch+json", example = json!({"label": "Notice (weeks)", "required": true})),
    responses((status = 200, description = "The field as changed; `ETag` is its new version.", body = FieldView, headers(("ETag" = String))),
        (status = 409, response = super::Conflict)))]
#[patch("/custom-fields/{resource}/{key}")]
async fn update_field(
    state: web::Data<AppState>,
    _: Allowed<required::SettingsManage>,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
    patch: MergePatch,
) -> AppResult<HttpResponse> {
    let (resource, key) = path_field(&path)?;
    let stored = state
        .db
        .write(move |conn| {
            let current = store::get(conn, resource, &key)?;
            let next = merge(&FieldInput::from(&current.value), &patch.0)?.parse()?;
            if_match.check(current.version)?;
            store::update(conn, &current, &next)
        })
        .await?;
    Ok(tagged(stored.version, FieldView::from(stored)))
}

/// Delete a custom field
///
/// Only a field no record holds a value of; one with values answers 409: retire it instead.
#[utoipa::path(security(("oauth2" = ["settings:manage"])), tag = "custom-fields",
    params(("resource" = FieldResource, Path, description = "candidate, need or assignment"),
        ("key" = String, Path, description = "The field's key", pattern = "^[a-z][a-z0-9_]{0,47}$")),
    responses((status = 204, description = "Deleted."), (status = 409, response = super::Conflict)))]
#[delete("/custom-fields/{resource}/{key}")]
async fn delete_field(
    state: web::Data<AppState>,
    _: Allowed<required::SettingsManage>,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
) -> AppResult<HttpResponse> {
    let (resource, key) = path_field(&path)?;
    state
        .db
        .write(move |conn| {
            let current = store::get(conn, resource, &key)?;
            if_match.check(current.version)?;
            store::delete(conn, &current)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
