//! `/api/v1/skills`: the skill taxonomy.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::created;
use super::extract::{self, JsonBody, MergePatch, merge};
use super::pagination::{self, PageOf, Paging};
use super::preconditions::{IfMatch, tagged};
use crate::AppState;
use crate::auth::Allowed;
use crate::db::DbConnection;
use crate::db::skills::{self as store, SkillFilter, SkillSort, StoredSkill};
use crate::domain::SkillKey;
use crate::domain::access::required;
use crate::domain::skill::{self, ReuseLevel, Skill, SkillCategory, SkillType};
use crate::domain::validation::{self, Validator};
use crate::error::{AppError, AppResult};

pub fn routes(cfg: &mut ServiceConfig) {
    // `suggest` and `import` before `{key}`, which would take them as keys.
    cfg.service(list_skills)
        .service(create_skill)
        .service(super::taxonomy::suggest_skills)
        .service(super::taxonomy::import_skills)
        .service(get_skill)
        .service(update_skill)
        .service(delete_skill);
}

/// The writable fields of a skill.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"key": "net-promoter-programmes", "name": "Net Promoter programmes", "category": "customer_experience",
    "description": "Running NPS programmes end to end.", "uri": "https://skills.example.com/nps", "alt_labels": ["NPS", "Net Promoter Score programmes"],
    "skill_type": "skill_competence", "reuse_level": "cross_sector", "broader": ["customer-data-analysis"], "related": [],
    "taxonomy": "practice", "taxonomy_version": "2026-12"}))]
pub struct SkillInput {
    /// Stable slug naming the skill: lowercase letters and digits separated by hyphens.
    /// Set at creation; it cannot change.
    #[schema(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 60)]
    pub key: String,
    /// The preferred label.
    #[schema(format = "text", min_length = 1, max_length = 200)]
    pub name: String,
    /// The practice's own family; imported skills have none.
    #[serde(default)]
    pub category: Option<SkillCategory>,
    #[serde(default)]
    #[schema(format = "text", max_length = 5000)]
    pub description: Option<String>,
    /// The taxonomy's stable identifier (ESCO conceptUri, O*NET element id, or the practice's own);
    /// unique. Wherever a skill is named (paths, candidates' and skillsets' skills), its URI may stand
    /// for its key.
    #[serde(default)]
    #[schema(pattern = "^[^\\s\\u0000-\\u001F\\u007F-\\u009F]+$", max_length = 500)]
    pub uri: Option<String>,
    /// Synonyms (ESCO's altLabels), at most 100, each up to 200 characters.
    #[serde(default)]
    #[schema(max_items = 100, format = "text", min_length = 1, max_length = 200)]
    pub alt_labels: Vec<String>,
    #[serde(default)]
    pub skill_type: Option<SkillType>,
    #[serde(default)]
    pub reuse_level: Option<ReuseLevel>,
    /// Broader skills (several allowed), by key or URI; shown as keys, in key order. At most 200.
    #[serde(default)]
    #[schema(max_items = 200)]
    pub broader: Vec<String>,
    /// Related skills, by key or URI; shown as keys, in key order. At most 200.
    #[serde(default)]
    #[schema(max_items = 200)]
    pub related: Vec<String>,
    /// The taxonomy the skill comes from (`esco`, `onet`, …).
    #[serde(default)]
    #[schema(format = "text", max_length = 50)]
    pub taxonomy: Option<String>,
    /// The taxonomy's release (`1.2.0`).
    #[serde(default)]
    #[schema(format = "text", max_length = 50)]
    pub taxonomy_version: Option<String>,
}

/// Keys of a list of skill references, each checked.
pub(super) fn references(v: &mut Validator, field: &str, items: &[String]) -> Vec<SkillKey> {
    let mut out: Vec<SkillKey> = Vec::new();
    if v.check(field, validation::list_len(items, skill::MAX_RELATIONS)).is_none() {
        return out;
    }
    for (i, item) in items.iter().enumerate() {
        if let Some(key) = v.check(format!("{field}[{i}]"), skill::reference(item))
            && !out.contains(&key)
        {
            out.push(key);
        }
    }
    // Kept (and shown) in key order.
    out.sort();
    out
}

/// Synonyms, trimmed, without blanks or repeats.
pub(super) fn alt_labels(v: &mut Validator, items: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if v.check("alt_labels", validation::list_len(items, skill::MAX_ALT_LABELS)).is_none() {
        return out;
    }
    for (i, item) in items.iter().enumerate() {
        if let Some(label) = v.check(format!("alt_labels[{i}]"), validation::text(item, 1, 200))
            && !out.contains(&label)
        {
            out.push(label);
        }
    }
    out
}

impl SkillInput {
    /// Broader and related skills named by URI become their keys.
    fn resolve(mut self, conn: &mut DbConnection) -> AppResult<SkillInput> {
        store::resolve_references(conn, self.broader.iter_mut().chain(self.related.iter_mut()))?;
        Ok(self)
    }

    fn parse(&self) -> AppResult<Skill> {
        let mut v = Validator::new();
        let key = v.check("key", SkillKey::parse(&self.key));
        let name = v.check("name", validation::text(&self.name, 1, 200));
        let description = v.check("description", validation::optional_text(self.description.as_deref(), 5000));
        let uri = v.check("uri", self.uri.as_deref().map(skill::uri).transpose());
        let alt_labels = alt_labels(&mut v, &self.alt_labels);
        let broader = references(&mut v, "broader", &self.broader);
        let related = references(&mut v, "related", &self.related);
        let taxonomy = v.check("taxonomy", validation::optional_text(self.taxonomy.as_deref(), 50));
        let taxonomy_version =
            v.check("taxonomy_version", validation::optional_text(self.taxonomy_version.as_deref(), 50));
        let skill = (|| {
            Some(Skill {
                key: key?,
                name: name?,
                category: self.category,
                description: description?,
                uri: uri?,
                alt_labels,
                skill_type: self.skill_type,
                reuse_level: self.reuse_level,
                broader,
                related,
                taxonomy: taxonomy?,
                taxonomy_version: taxonomy_version?,
            })
        })();
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
            uri: s.uri.clone(),
            alt_labels: s.alt_labels.clone(),
            skill_type: s.skill_type,
            reuse_level: s.reuse_level,
            broader: s.broader.iter().map(ToString::to_string).collect(),
            related: s.related.iter().map(ToString::to_string).collect(),
            taxonomy: s.taxonomy.clone(),
            taxonomy_version: s.taxonomy_version.clone(),
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
    /// The skill with this URI (exact).
    #[param(pattern = "^[^\\u0000-\\u001F\\u007F]*$", max_length = 500)]
    uri: Option<String>,
    /// Skills of this taxonomy (`esco`, …; exact).
    #[param(pattern = "^[^\\u0000-\\u001F\\u007F]*$", max_length = 50)]
    taxonomy: Option<String>,
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

const PATH: &str = "Skill key, or its URI (percent-encoded)";

/// List skills
#[utoipa::path(security(("oauth2" = ["skills:read"])), tag = "skills", params(SkillListQuery), responses((status = 200, description = "One page of skills; `next_cursor` leads to the next.", body = PageOf<SkillView>)))]
#[get("/skills")]
async fn list_skills(
    state: web::Data<AppState>,
    _: Allowed<required::SkillsRead>,
    query: web::Query<SkillListQuery>,
) -> AppResult<web::Json<PageOf<SkillView>>> {
    let q = query.into_inner();
    extract::at_most("uri", q.uri.as_deref(), 500)?;
    extract::at_most("taxonomy", q.taxonomy.as_deref(), 50)?;
    let filter = SkillFilter { q: q.q, category: q.category, builtin: q.builtin, uri: q.uri, taxonomy: q.taxonomy };
    let paging =
        Paging { limit: q.limit, cursor: q.cursor.as_deref(), sort: q.sort.as_deref(), include_total: q.include_total };
    let (filter, request) = pagination::resolve(paging, filter, SkillSort::Key)?;
    Ok(web::Json(pagination::read_page(&state.db, filter, request, store::list, SkillView::from).await?))
}

/// Add a skill to the taxonomy
///
/// Broader and related skills are named by key or URI and must exist (422 otherwise); the key and the
/// URI must be unused (409 otherwise).
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
    let input = body.0;
    let stored = state
        .db
        .write(move |conn| {
            let skill = input.resolve(conn)?.parse()?;
            store::insert(conn, &skill, false)
        })
        .await?;
    Ok(created(format!("/api/v1/skills/{}", stored.id), stored.version, SkillView::from(stored)))
}

/// Get a skill
#[utoipa::path(security(("oauth2" = ["skills:read"])), tag = "skills", params(("key" = String, Path, description = PATH)),
    responses((status = 200, description = "The skill; `ETag` is its version.", body = SkillView, headers(("ETag" = String)))))]
#[get("/skills/{key}")]
async fn get_skill(
    state: web::Data<AppState>,
    _: Allowed<required::SkillsRead>,
    key: web::Path<String>,
) -> AppResult<HttpResponse> {
    let stored = state.db.lookup(move |conn| store::find(conn, &key)).await?;
    Ok(tagged(stored.version, SkillView::from(stored)))
}

/// Update a skill
///
/// A JSON Merge Patch (RFC 7396); a list given replaces the whole list. The key cannot change.
#[utoipa::path(security(("oauth2" = ["skills:write"])), tag = "skills", params(("key" = String, Path, description = PATH)),
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
    let stored = state
        .db
        .write(move |conn| {
            let current = store::find(conn, &key)?;
            let next = merge(&SkillInput::from(&current.value.0), &patch.0)?.resolve(conn)?.parse()?;
            // An invalid body is refused (422) whatever version it names.
            if_match.check(current.version)?;
            if next.key != current.id {
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
#[utoipa::path(security(("oauth2" = ["skills:write"])), tag = "skills", params(("key" = String, Path, description = PATH)),
    responses((status = 204, description = "Deleted."), (status = 409, response = super::Conflict)))]
#[delete("/skills/{key}")]
async fn delete_skill(
    state: web::Data<AppState>,
    _: Allowed<required::SkillsWrite>,
    key: web::Path<String>,
    if_match: IfMatch,
) -> AppResult<HttpResponse> {
    state
        .db
        .write(move |conn| {
            let current = store::find(conn, &key)?;
            if_match.check(current.version)?;
            store::delete(conn, &current.id)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
