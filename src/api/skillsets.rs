//! `/api/v1/skillsets`: ideal skillsets, global templates and
//! organization-owned profiles.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::created;
use super::extract::{JsonBody, MergePatch, invalid_param, merge, path_id};
use super::pagination::{self, PageOf, Paging};
use super::preconditions::{IfMatch, tagged};
use crate::AppState;
use crate::auth::Allowed;
use crate::db::skillsets::{self as store, SkillsetFilter, SkillsetSort, StoredSkillset};
use crate::domain::access::required;
use crate::domain::skill::{self, SkillLevel};
use crate::domain::skillset::{self as rules, Credits, IdealSkillset, MatchWeights, SkillRequirement, SkillsetScope};
use crate::domain::validation::{self, Validator};
use crate::domain::{CrisisSignal, OrganizationId, SkillKey, SkillsetId, codes};
use crate::error::{AppError, AppResult};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_skillsets)
        .service(create_skillset)
        .service(get_skillset)
        .service(update_skillset)
        .service(delete_skillset);
}

/// A skill the profile asks for.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequirementEntry {
    /// Key of a skill of the taxonomy, or its URI (kept as the key).
    #[schema(example = "customer-service-strategy", max_length = 500)]
    pub skill: String,
    /// Lowest level (1 to 5) that counts.
    #[schema(minimum = 1, maximum = 5, example = 4)]
    pub min_level: i64,
    /// Relative importance among the profile's skills, 1 to 10 (default 5).
    #[serde(default = "default_weight")]
    #[schema(minimum = 1, maximum = 10, example = 8)]
    pub weight: i64,
    /// Without this skill at `min_level` a candidate is not a match. Only for required skills.
    #[serde(default)]
    pub must_have: bool,
}

fn default_weight() -> i64 {
    SkillRequirement::DEFAULT_WEIGHT.into()
}

/// The writable fields of an ideal skillset.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "organization_id": null,
    "name": "Interim Chief Customer Officer (retail turnaround)",
    "role_title": "Interim Chief Customer Officer",
    "description": "Stabilises customer service in a retail chain under pressure.",
    "required_skills": [
        {"skill": "customer-service-strategy", "min_level": 4, "weight": 10, "must_have": true},
        {"skill": "online-reputation-management", "min_level": 3, "weight": 7}
    ],
    "preferred_skills": [{"skill": "crisis-management", "min_level": 3, "weight": 5}],
    "min_years_experience": 10,
    "industries": ["retail"],
    "background": ["Degree in business or marketing"],
    "training": ["Customer experience certification (for example CCXP)"],
    "languages": ["en"],
    "crisis_experience": ["negative_customer_feedback", "online_reputation_crisis"],
    "weights": {"skills": 40, "experience": 10, "industries": 5, "crisis_experience": 15,
        "background_and_training": 5, "languages": 5, "rate": 10, "availability": 7, "location": 3}
}))]
pub struct SkillsetInput {
    /// The owning organization; `null` for a global template. Set at creation; it cannot change.
    #[serde(default)]
    #[schema(format = Uuid)]
    pub organization_id: Option<String>,
    #[schema(format = "text", min_length = 1, max_length = 200)]
    pub name: String,
    #[serde(default)]
    #[schema(format = "text", max_length = 200)]
    pub role_title: Option<String>,
    #[serde(default)]
    #[schema(format = "text", max_length = 5000)]
    pub description: Option<String>,
    #[serde(default)]
    pub required_skills: Vec<RequirementEntry>,
    /// Skills that add to a match; none of them also in `required_skills`.
    #[serde(default)]
    #[schema(inline, example = json!([{"skill": "crisis-management", "min_level": 3, "weight": 5}]))]
    pub preferred_skills: Vec<RequirementEntry>,
    /// 0 to 60.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 60)]
    pub min_years_experience: i64,
    /// Preferred industries (lowercase labels).
    #[serde(default)]
    #[schema(format = "text", min_length = 1, max_length = 100)]
    pub industries: Vec<String>,
    /// Education wanted.
    #[serde(default)]
    #[schema(format = "text", min_length = 1, max_length = 100)]
    pub background: Vec<String>,
    /// Certifications and programmes wanted.
    #[serde(default)]
    #[schema(format = "text", min_length = 1, max_length = 100)]
    pub training: Vec<String>,
    /// Languages the interim must speak (ISO 639-1).
    #[serde(default)]
    #[schema(format = "language")]
    pub languages: Vec<String>,
    /// Crisis experience wanted.
    #[serde(default)]
    pub crisis_experience: Vec<CrisisSignal>,
    /// How much each matching criterion counts (each 0 to 100, normalised over the criteria that apply to a
    /// need); `null` for the defaults: skills 40, experience 10, industries 8, crisis_experience 10,
    /// background_and_training 5, languages 5, rate 10, availability 7, location 5.
    #[serde(default)]
    pub weights: Option<MatchWeights>,
    /// The credit (0 to 1) a held skill earns for a wanted one it is related to in the taxonomy, as a share of
    /// what the wanted skill itself would earn at the same level; `null` for the defaults: synonym 1, narrower
    /// 0.9, broader 0.6, sibling 0.5, related 0.5. A credit of 0 turns that relation off.
    #[serde(default)]
    pub credits: Option<Credits>,
    /// Must-haves are met only by the skill itself. By default a synonym or a narrower skill at the level asked
    /// for meets a must-have too.
    #[serde(default)]
    pub must_have_exact: bool,
    /// A candidate holding none of the required skills, nor a skill credited for one, can still be a match. By
    /// default such a candidate is excluded (the `required_skills` filter).
    #[serde(default)]
    pub match_without_required_skills: bool,
}

fn requirements(v: &mut Validator, field: &str, entries: &[RequirementEntry], required: bool) -> Vec<SkillRequirement> {
    let mut out: Vec<SkillRequirement> = Vec::new();
    if v.check(field, validation::list_len(entries, rules::MAX_REQUIREMENTS)).is_none() {
        return out;
    }
    for (i, e) in entries.iter().enumerate() {
        let skill = v.check(format!("{field}[{i}].skill"), skill::reference(&e.skill));
        let min_level = v.check(format!("{field}[{i}].min_level"), SkillLevel::parse(e.min_level));
        let weight = v.check(format!("{field}[{i}].weight"), SkillRequirement::weight(e.weight));
        if e.must_have && !required {
            v.fail(format!("{field}[{i}].must_have"), "not_allowed", "only required skills can be must-have");
        }
        if let (Some(skill), Some(min_level), Some(weight)) = (skill, min_level, weight) {
            out.push(SkillRequirement { skill, min_level, weight, must_have: e.must_have });
        }
    }
    out
}

impl SkillsetInput {
    pub(super) fn parse(&self) -> AppResult<IdealSkillset> {
        let mut v = Validator::new();
        let organization_id =
            v.check("organization_id", self.organization_id.as_deref().map(str::parse::<OrganizationId>).transpose());
        let name = v.check("name", validation::text(&self.name, 1, 200));
        let role_title = v.check("role_title", validation::optional_text(self.role_title.as_deref(), 200));
        let description = v.check("description", validation::optional_text(self.description.as_deref(), 5000));
        let required_skills = requirements(&mut v, "required_skills", &self.required_skills, true);
        let preferred_skills = requirements(&mut v, "preferred_skills", &self.preferred_skills, false);
        let mut seen: Vec<&SkillKey> = Vec::new();
        for (list, items) in [("required_skills", &required_skills), ("preferred_skills", &preferred_skills)] {
            for (i, r) in items.iter().enumerate() {
                if seen.contains(&&r.skill) {
                    v.fail(format!("{list}[{i}].skill"), "duplicate", format!("`{}` is listed twice", r.skill));
                }
                seen.push(&r.skill);
            }
        }
        let min_years = v.check("min_years_experience", skill::years(self.min_years_experience));
        let industries = validation::labels(&mut v, "industries", &self.industries, 30, true);
        let background = validation::labels(&mut v, "background", &self.background, 30, false);
        let training = validation::labels(&mut v, "training", &self.training, 30, false);
        let mut languages = Vec::new();
        if v.check("languages", validation::list_len(&self.languages, 30)).is_some() {
            for (i, l) in self.languages.iter().enumerate() {
                if let Some(code) = v.check(format!("languages[{i}]"), codes::language(l)) {
                    if languages.contains(&code) {
                        v.fail(format!("languages[{i}]"), "duplicate", format!("`{code}` is listed twice"));
                    }
                    languages.push(code);
                }
            }
        }
        let mut crisis_experience = self.crisis_experience.clone();
        crisis_experience.sort();
        crisis_experience.dedup();
        if let Some(weights) = &self.weights {
            v.check("weights", weights.check());
        }
        if let Some(credits) = &self.credits {
            v.check("credits", credits.check());
        }
        let skillset = (|| {
            Some(IdealSkillset {
                organization_id: organization_id?,
                name: name?,
                role_title: role_title?,
                description: description?,
                required_skills,
                preferred_skills,
                min_years_experience: min_years?,
                industries,
                background,
                training,
                languages,
                crisis_experience,
                weights: self.weights,
                credits: self.credits,
                must_have_exact: self.must_have_exact,
                match_without_required_skills: self.match_without_required_skills,
            })
        })();
        v.finish(skillset).map_err(AppError::Validation)
    }
}

fn entries(list: &[SkillRequirement]) -> Vec<RequirementEntry> {
    list.iter()
        .map(|r| RequirementEntry {
            skill: r.skill.to_string(),
            min_level: r.min_level.get().into(),
            weight: r.weight.into(),
            must_have: r.must_have,
        })
        .collect()
}

impl From<&IdealSkillset> for SkillsetInput {
    fn from(s: &IdealSkillset) -> Self {
        SkillsetInput {
            organization_id: s.organization_id.map(|o| o.to_string()),
            name: s.name.clone(),
            role_title: s.role_title.clone(),
            description: s.description.clone(),
            required_skills: entries(&s.required_skills),
            preferred_skills: entries(&s.preferred_skills),
            min_years_experience: s.min_years_experience.into(),
            industries: s.industries.clone(),
            background: s.background.clone(),
            training: s.training.clone(),
            languages: s.languages.clone(),
            crisis_experience: s.crisis_experience.clone(),
            weights: s.weights,
            credits: s.credits,
            must_have_exact: s.must_have_exact,
            match_without_required_skills: s.match_without_required_skills,
        }
    }
}

/// An ideal skillset.
#[derive(Debug, Serialize, ToSchema)]
pub struct SkillsetView {
    #[schema(format = Uuid, example = "0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c")]
    pub id: String,
    #[serde(flatten)]
    pub fields: SkillsetInput,
    /// Shipped with the service: cannot be deleted.
    pub builtin: bool,
    /// Grows by one with every change; matches record the version they were computed with.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<StoredSkillset> for SkillsetView {
    fn from(s: StoredSkillset) -> Self {
        let (skillset, builtin) = &s.value;
        SkillsetView {
            id: s.id.to_string(),
            fields: SkillsetInput::from(skillset),
            builtin: *builtin,
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SkillsetListQuery {
    /// Case-insensitive text the name contains.
    #[param(pattern = "^[^\\u0000-\\u001F\\u007F]*$")]
    q: Option<String>,
    /// Only this organization's skillsets.
    #[param(format = Uuid)]
    organization_id: Option<String>,
    /// `global` for templates only, `organization` for owned ones only.
    scope: Option<SkillsetScope>,
    /// Only skillsets that ask for this skill.
    #[param(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 60)]
    skill: Option<String>,
    /// Only skillsets changed at or after this time (RFC 3339).
    updated_since: Option<DateTime<Utc>>,
    /// `created_at` (default), `updated_at` or `name`; prefix `-` for descending.
    #[param(pattern = "^(-?(created_at|updated_at|name))?$")]
    sort: Option<String>,
    /// Page size, 1 to 200 (default 50; larger values are capped).
    #[param(minimum = 1)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page; it keeps that list's filters and sort.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    cursor: Option<String>,
    /// Also count every matching skillset.
    include_total: Option<bool>,
}

/// List ideal skillsets
#[utoipa::path(security(("oauth2" = ["skillsets:read"])), tag = "skillsets", params(SkillsetListQuery), responses((status = 200, description = "One page of ideal skillsets; `next_cursor` leads to the next.", body = PageOf<SkillsetView>)))]
#[get("/skillsets")]
async fn list_skillsets(
    state: web::Data<AppState>,
    principal: Allowed<required::SkillsetsRead>,
    query: web::Query<SkillsetListQuery>,
) -> AppResult<web::Json<PageOf<SkillsetView>>> {
    let q = query.into_inner();
    let filter = SkillsetFilter {
        visible_to: None,
        q: q.q,
        organization_id: q
            .organization_id
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(invalid_param("organization_id"))?,
        scope: q.scope,
        skill: q.skill.as_deref().map(SkillKey::parse).transpose().map_err(invalid_param("skill"))?,
        updated_since: q.updated_since.map(|t| t.naive_utc()),
    };
    let paging =
        Paging { limit: q.limit, cursor: q.cursor.as_deref(), sort: q.sort.as_deref(), include_total: q.include_total };
    let (mut filter, request) = pagination::resolve(paging, filter, SkillsetSort::CreatedAt)?;
    // Applied after the cursor is read, so no cursor can widen it.
    filter.visible_to = principal.tenant();
    Ok(web::Json(pagination::read_page(&state.db, filter, request, store::list, SkillsetView::from).await?))
}

/// Create an ideal skillset
///
/// With `organization_id` the skillset belongs to that organization; without it, it is a global template.
#[utoipa::path(security(("oauth2" = ["skillsets:write"])), tag = "skillsets", request_body = SkillsetInput,
    responses((status = 201, description = "Created; `Location` names the new skillset.", body = SkillsetView,
        headers(("ETag" = String), ("Location" = String, description = "URL of the new skillset")))))]
#[post("/skillsets")]
async fn create_skillset(
    state: web::Data<AppState>,
    principal: Allowed<required::SkillsetsWrite>,
    body: JsonBody<SkillsetInput>,
) -> AppResult<HttpResponse> {
    let input = body.0;
    let stored = state
        .db
        .write(move |conn| {
            let mut skillset = input.resolve_skills(conn)?.parse()?;
            skillset.organization_id = principal.owner_for_new(skillset.organization_id)?;
            store::insert(conn, &skillset, false)
        })
        .await?;
    Ok(created(format!("/api/v1/skillsets/{}", stored.id), stored.version, SkillsetView::from(stored)))
}

/// Get an ideal skillset
#[utoipa::path(security(("oauth2" = ["skillsets:read"])), tag = "skillsets", params(("id" = uuid::Uuid, Path, description = "Skillset id")),
    responses((status = 200, description = "The ideal skillset; `ETag` is its version.", body = SkillsetView, headers(("ETag" = String)))))]
#[get("/skillsets/{id}")]
async fn get_skillset(
    state: web::Data<AppState>,
    principal: Allowed<required::SkillsetsRead>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: SkillsetId = path_id(&id, "skillset")?;
    let stored = state.db.lookup(move |conn| store::get(conn, id)).await?;
    principal.check_sees(stored.value.0.organization_id, "skillset")?;
    Ok(tagged(stored.version, SkillsetView::from(stored)))
}

/// Update an ideal skillset
///
/// A JSON Merge Patch (RFC 7396); a list given replaces the whole list. The owner cannot change.
#[utoipa::path(security(("oauth2" = ["skillsets:write"])), tag = "skillsets", params(("id" = uuid::Uuid, Path, description = "Skillset id")),
    request_body(content = SkillsetInput, content_type = "application/merge-patch+json",
        example = json!({"min_years_experience": 12, "languages": ["en", "nl"]})),
    responses((status = 200, description = "The ideal skillset as changed; `ETag` is its new version.", body = SkillsetView, headers(("ETag" = String)))))]
#[patch("/skillsets/{id}")]
async fn update_skillset(
    state: web::Data<AppState>,
    principal: Allowed<required::SkillsetsWrite>,
    id: web::Path<String>,
    if_match: IfMatch,
    patch: MergePatch,
) -> AppResult<HttpResponse> {
    let id: SkillsetId = path_id(&id, "skillset")?;
    let stored = state
        .db
        .write(move |conn| {
            let current = store::get(conn, id)?;
            principal.check_sees(current.value.0.organization_id, "skillset")?;
            principal.check_changes_global(current.value.0.organization_id)?;
            let next = merge(&SkillsetInput::from(&current.value.0), &patch.0)?.resolve_skills(conn)?.parse()?;
            // An invalid body is refused (422) whatever version it names.
            if_match.check(current.version)?;
            if next.organization_id != current.value.0.organization_id {
                return Err(AppError::field("organization_id", "immutable", "the owner of a skillset cannot change"));
            }
            store::update(conn, &current, &next)
        })
        .await?;
    Ok(tagged(stored.version, SkillsetView::from(stored)))
}

/// Delete an ideal skillset
///
/// Refused with 409 for shipped templates and while a need uses the skillset.
#[utoipa::path(security(("oauth2" = ["skillsets:write"])), tag = "skillsets", params(("id" = uuid::Uuid, Path, description = "Skillset id")),
    responses((status = 204, description = "Deleted."), (status = 409, response = super::Conflict)))]
#[delete("/skillsets/{id}")]
async fn delete_skillset(
    state: web::Data<AppState>,
    principal: Allowed<required::SkillsetsWrite>,
    id: web::Path<String>,
    if_match: IfMatch,
) -> AppResult<HttpResponse> {
    let id: SkillsetId = path_id(&id, "skillset")?;
    state
        .db
        .write(move |conn| {
            let current = store::get(conn, id)?;
            let owner = current.value.0.organization_id;
            principal.check_sees(owner, "skillset")?;
            principal.check_changes_global(owner)?;
            if_match.check(current.version)?;
            store::delete(conn, id)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
