//! `/api/v1/skills`: the skill taxonomy.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::created;
use super::extract::{JsonBody, MergePatch, merge};
use super::pagination::{self, PageOf, Paging};
use super::preconditions::{IfMatch, tagged};
use crate::AppState;
use crate::auth::Allowed;
use crate::db::skills::{self as store, SkillFilter, SkillSort, StoredSkill};
use crate::domain::SkillKey;
use crate::domain::access::required;
use crate::domain::skill::{Skill, SkillCategory};
use crate::domain::validation::{self, Validator};
use crate::error::{AppError, AppResult};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_skills).service(create_skill).service(get_skill).service(update_skill).service(delete_skill);
}

/// The writable fields of a skill.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"key": "net-promoter-programmes", "name": "Net Promoter programmes", "category": "customer_experience", "description": "Running NPS programmes end to end."}))]
pub struct SkillInput {
    /// Stable slug naming the skill: lowercase letters and digits separated by hyphens.
    /// Set at creation; it cannot change.
    #[schema(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 60)]
    pub key: String,
    #[schema(format = "text", min_length = 1, max_length = 100)]
    pub name: String,
    pub category: SkillCategory,
    #[serde(default)]
    #[schema(format = "text", max_length = 1000)]
    pub description: Option<String>,
}

impl SkillInput {
    fn parse(&self) -> AppResult<Skill> {
        let mut v = Validator::new();
        let key = v.check("key", SkillKey::parse(&self.key));
        let name = v.check("name", validation::text(&self.name, 1, 100));
        let description = v.check("description", validation::optional_text(self.description.as_deref(), 1000));
        let skill = (|| Some(Skill { key: key?, name: name?, category: self.category, description: description? }))();
        v.finish(skill).map_err(AppError::Validation)
    }
}

impl From<&Skill> for SkillInput {
    fn from(s: &Skill) -> Self {
        SkillInput {
            key: s.key.to_string(),
            name: s.name.clone(),
            category: s.category,
            description: s.description.clone(),
        }
    }
}

/// A skill of the taxonomy.
#[derive(Debug, Serialize, ToSchema)]
pub struct SkillView {
    #[serde(flatten)]
    pub fields: SkillInput,
    /// Shipped with the service: cannot be deleted.
    pub builtin: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<StoredSkill> for SkillView {
    fn from(s: StoredSkill) -> Self {
        let (skill, builtin) = &s.value;
        SkillView {
            fields: SkillInput::from(skill),
            builtin: *builtin,
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SkillListQuery {
    /// Case-insensitive text the key or name contains.
    #[param(pattern = "^[^\\u0000-\\u001F\\u007F]*$")]
    q: Option<String>,
    category: Option<SkillCategory>,
    /// `true` for shipped skills only, `false` for added ones only.
    builtin: Option<bool>,
    /// `key` (default) or `name`; prefix `-` for descending.
    #[param(pattern = "^(-?(key|name))?$")]
    sort: Option<String>,
    /// Page size, 1 to 200 (default 50; larger values are capped).
    #[param(minimum = 1)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page; it keeps that list's filters and sort.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    cursor: Option<String>,
    /// Also count every matching skill.
    include_total: Option<bool>,
}

fn key_of(raw: &str) -> AppResult<SkillKey> {
    SkillKey::parse(raw).map_err(|_| AppError::NotFound("skill"))
}

/// List skills
#[utoipa::path(security(("oauth2" = ["skills:read"])), tag = "skills", params(SkillListQuery), responses((status = 200, description = "One page of skills; `next_cursor` leads to the next.", body = PageOf<SkillView>)))]
#[get("/skills")]
async fn list_skills(
    state: web::Data<AppState>,
    _: Allowed<required::SkillsRead>,
    query: web::Query<SkillListQuery>,
) -> AppResult<web::Json<PageOf<SkillView>>> {
    let q = query.into_inner();
    let filter = SkillFilter { q: q.q, category: q.category, builtin: q.builtin };
    let paging =
        Paging { limit: q.limit, cursor: q.cursor.as_deref(), sort: q.sort.as_deref(), include_total: q.include_total };
    let (filter, request) = pagination::resolve(paging, filter, SkillSort::Key)?;
    Ok(web::Json(pagination::read_page(&state.db, filter, request, store::list, SkillView::from).await?))
}

/// Add a skill to the taxonomy
#[utoipa::path(security(("oauth2" = ["skills:write"])), tag = "skills", request_body = SkillInput,
    responses((status = 201, description = "Created; `Location` names the new skill.", body = SkillView,
        headers(("ETag" = String), ("Location" = String, description = "URL of the new skill"))),
        (status = 409, response = super::Conflict)))]
#[post("/skills")]
async fn create_skill(
    state: web::Data<AppState>,
    _: Allowed<required::SkillsWrite>,
    body: JsonBody<SkillInput>,
) -> AppResult<HttpResponse> {
    let skill = body.0.parse()?;
    let stored = state.db.write(move |conn| store::insert(conn, &skill, false)).await?;
    Ok(created(format!("/api/v1/skills/{}", stored.id), stored.version, SkillView::from(stored)))
}

/// Get a skill
#[utoipa::path(security(("oauth2" = ["skills:read"])), tag = "skills", params(("key" = String, Path, description = "Skill key")),
    responses((status = 200, description = "The skill; `ETag` is its version.", body = SkillView, headers(("ETag" = String)))))]
#[get("/skills/{key}")]
async fn get_skill(
    state: web::Data<AppState>,
    _: Allowed<required::SkillsRead>,
    key: web::Path<String>,
) -> AppResult<HttpResponse> {
    let key = key_of(&key)?;
    let stored = state.db.lookup(move |conn| store::get(conn, &key)).await?;
    Ok(tagged(stored.version, SkillView::from(stored)))
}

/// Update a skill
///
/// A JSON Merge Patch (RFC 7396). The key cannot change.
#[utoipa::path(security(("oauth2" = ["skills:write"])), tag = "skills", params(("key" = String, Path, description = "Skill key")),
    request_body(content = SkillInput, content_type = "application/merge-patch+json",
        example = json!({"description": "Running NPS and CSAT programmes end to end."})),
    responses((status = 200, description = "The skill as changed; `ETag` is its new version.", body = SkillView, headers(("ETag" = String)))))]
#[patch("/skills/{key}")]
async fn update_skill(
    state: web::Data<AppState>,
    _: Allowed<required::SkillsWrite>,
    key: web::Path<String>,
    if_match: IfMatch,
    patch: MergePatch,
) -> AppResult<HttpResponse> {
    let key = key_of(&key)?;
    let stored = state
        .db
        .write(move |conn| {
            let current = store::get(conn, &key)?;
            let next = merge(&SkillInput::from(&current.value.0), &patch.0)?.parse()?;
            // An invalid body is refused (422) whatever version it names.
            if_match.check(current.version)?;
            if next.key != key {
                return Err(AppError::field("key", "immutable", "the key of a skill cannot change"));
            }
            store::update(conn, &current, &next)
        })
        .await?;
    Ok(tagged(stored.version, SkillView::from(stored)))
}

/// Delete a skill
///
/// Only skills added through the API, and only while no candidate or skillset uses them (409 otherwise).
#[utoipa::path(security(("oauth2" = ["skills:write"])), tag = "skills", params(("key" = String, Path, description = "Skill key")),
    responses((status = 204, description = "Deleted."), (status = 409, response = super::Conflict)))]
#[delete("/skills/{key}")]
async fn delete_skill(
    state: web::Data<AppState>,
    _: Allowed<required::SkillsWrite>,
    key: web::Path<String>,
    if_match: IfMatch,
) -> AppResult<HttpResponse> {
    let key = key_of(&key)?;
    state
        .db
        .write(move |conn| {
            if_match.check(store::get(conn, &key)?.version)?;
            store::delete(conn, &key)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
