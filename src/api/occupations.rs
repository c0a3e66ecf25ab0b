//! `/api/v1/occupations`: occupations of a taxonomy (ESCO, imported through
//! `POST /api/v1/skills/import`) with the skills each needs, and
//! `POST /api/v1/skillsets/from-occupation`, which makes an ideal skillset
//! of one through the ordinary skillset creation.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::created;
use super::extract::JsonBody;
use super::pagination::{self, PageOf, Paging};
use super::preconditions::tagged;
use super::skillsets::{RequirementEntry, SkillsetInput, SkillsetView};
use crate::AppState;
use crate::auth::Allowed;
use crate::db::DbConnection;
use crate::db::occupations::{self as store, OccupationFilter, OccupationSort, StoredOccupation};
use crate::domain::access::required;
use crate::domain::occupation::{OccupationSkill, SkillNeed};
use crate::domain::skillset::MAX_REQUIREMENTS;
use crate::error::{AppError, AppResult};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_occupations).service(get_occupation).service(skillset_from_occupation);
}

impl SkillsetInput {
    /// Required and preferred skills named by URI become their keys.
    pub(super) fn resolve_skills(mut self, conn: &mut DbConnection) -> AppResult<Self> {
        let entries = self.required_skills.iter_mut().chain(self.preferred_skills.iter_mut());
        crate::db::skills::resolve_references(conn, entries.map(|e| &mut e.skill))?;
        Ok(self)
    }
}

/// A skill an occupation needs.
#[derive(Debug, Serialize, ToSchema)]
pub struct OccupationSkillView {
    /// The skill's key.
    #[schema(example = "enterprise-risk-management")]
    pub skill: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
}

impl From<&OccupationSkill> for OccupationSkillView {
    fn from(s: &OccupationSkill) -> Self {
        OccupationSkillView { skill: s.skill.to_string(), name: s.name.clone(), uri: s.uri.clone() }
    }
}

/// An occupation of a taxonomy.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"key": "chief-risk-officer", "uri": "http://data.europa.eu/esco/occupation/00000000-0000-4000-8000-000000000101",
    "name": "chief risk officer", "alt_labels": ["CRO"], "isco_group": "1120", "code": "1120.9", "description": "Chief risk officers lead an organisation's risk management.",
    "taxonomy": "esco", "taxonomy_version": "1.2.0", "version": 1, "created_at": "2026-12-02T10:00:00Z", "updated_at": "2026-12-02T10:00:00Z"}))]
pub struct OccupationView {
    /// Slug made from the preferred label at import; the key or the URI names the occupation in paths.
    pub key: String,
    pub uri: String,
    /// The preferred label.
    pub name: String,
    pub alt_labels: Vec<String>,
    /// ISCO-08 unit group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub isco_group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub taxonomy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub taxonomy_version: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<StoredOccupation> for OccupationView {
    fn from(s: StoredOccupation) -> Self {
        let o = s.value;
        OccupationView {
            key: o.key.to_string(),
            uri: o.uri,
            name: o.name,
            alt_labels: o.alt_labels,
            isco_group: o.isco_group,
            code: o.code,
            description: o.description,
            taxonomy: o.taxonomy,
            taxonomy_version: o.taxonomy_version,
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// An occupation with the skills it needs.
#[derive(Debug, Serialize, ToSchema)]
pub struct OccupationDetail {
    #[serde(flatten)]
    pub occupation: OccupationView,
    /// Skills the occupation cannot do without, by name.
    pub essential_skills: Vec<OccupationSkillView>,
    /// Skills that help, by name.
    pub optional_skills: Vec<OccupationSkillView>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OccupationListQuery {
    /// Case-insensitive text the name, a synonym or the key contains.
    #[param(pattern = "^[^\\u0000-\\u001F\\u007F]*$")]
    q: Option<String>,
    /// `name` (default) or `key`; prefix `-` for descending.
    #[param(pattern = "^(-?(key|name))?$")]
    sort: Option<String>,
    /// Page size, 1 to 200 (default 50; larger values are capped).
    #[param(minimum = 1)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page; it keeps that list's filters and sort.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    cursor: Option<String>,
    /// Also count every matching occupation.
    include_total: Option<bool>,
}

/// List occupations
///
/// Occupations imported from a taxonomy (`layout=esco_occupations`). Callers need `skills:read`.
#[utoipa::path(security(("oauth2" = ["skills:read"])), tag = "occupations", params(OccupationListQuery),
    responses((status = 200, description = "One page of occupations; `next_cursor` leads to the next.", body = PageOf<OccupationView>)))]
#[get("/occupations")]
async fn list_occupations(
    state: web::Data<AppState>,
    _: Allowed<required::SkillsRead>,
    query: web::Query<OccupationListQuery>,
) -> AppResult<web::Json<PageOf<OccupationView>>> {
    let q = query.into_inner();
    let paging =
        Paging { limit: q.limit, cursor: q.cursor.as_deref(), sort: q.sort.as_deref(), include_total: q.include_total };
    let (filter, request) = pagination::resolve(paging, OccupationFilter { q: q.q }, OccupationSort::Name)?;
    Ok(web::Json(pagination::read_page(&state.db, filter, request, store::list, OccupationView::from).await?))
}

fn detail(conn: &mut DbConnection, reference: &str) -> AppResult<(i64, OccupationDetail)> {
    let occupation = store::find(conn, reference)?;
    let skills = store::skills_of(conn, &occupation.id)?;
    let of = |need: SkillNeed| skills.iter().filter(|s| s.need == need).map(OccupationSkillView::from).collect();
    let version = occupation.version;
    Ok((
        version,
        OccupationDetail {
            essential_skills: of(SkillNeed::Essential),
            optional_skills: of(SkillNeed::Optional),
            occupation: OccupationView::from(occupation),
        },
    ))
}

/// Get an occupation
///
/// With the skills it needs, essential and optional. Callers need `skills:read`.
#[utoipa::path(security(("oauth2" = ["skills:read"])), tag = "occupations",
    params(("key" = String, Path, description = "Occupation key, or its URI (percent-encoded)")),
    responses((status = 200, description = "The occupation; `ETag` is its version.", body = OccupationDetail, headers(("ETag" = String)))))]
#[get("/occupations/{key}")]
async fn get_occupation(
    state: web::Data<AppState>,
    _: Allowed<required::SkillsRead>,
    key: web::Path<String>,
) -> AppResult<HttpResponse> {
    let (version, detail) = state.db.lookup(move |conn| detail(conn, &key)).await?;
    Ok(tagged(version, detail))
}

/// What makes a skillset of an occupation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"occupation": "http://data.europa.eu/esco/occupation/00000000-0000-4000-8000-000000000101",
    "name": "Interim chief risk officer", "min_level": 3}))]
pub struct FromOccupationInput {
    /// The occupation's key or URI.
    #[schema(example = "chief-risk-officer", max_length = 500)]
    pub occupation: String,
    /// The skillset's name; the occupation's name by default.
    #[serde(default)]
    #[schema(format = "text", min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// The owning organization; `null` for a global template (members' skillsets are their organization's).
    #[serde(default)]
    #[schema(format = Uuid)]
    pub organization_id: Option<String>,
    /// The lowest level (1 to 5) each skill asks for; 3 by default.
    #[serde(default = "default_min_level")]
    #[schema(minimum = 1, maximum = 5, example = 3)]
    pub min_level: i64,
    /// Weight (1 to 10) of each required skill; 5 by default.
    #[serde(default = "default_weight")]
    #[schema(minimum = 1, maximum = 10)]
    pub weight: i64,
    /// Make every essential skill must-have (a candidate without one is not a match). False by default.
    #[serde(default)]
    pub must_have: bool,
    /// 0 to 60.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 60)]
    pub min_years_experience: i64,
}

fn default_min_level() -> i64 {
    3
}

fn default_weight() -> i64 {
    crate::domain::skillset::SkillRequirement::DEFAULT_WEIGHT.into()
}

/// The skillset made, and what of the occupation it could not hold.
#[derive(Debug, Serialize, ToSchema)]
pub struct SkillsetFromOccupation {
    pub skillset: SkillsetView,
    /// The occupation's key.
    pub occupation: String,
    /// Essential skills beyond the first 40 (a skillset holds at most 40 of each list), by key.
    pub left_out_required: Vec<String>,
    /// Optional skills beyond the first 40, by key.
    pub left_out_preferred: Vec<String>,
}

/// Make a skillset from an occupation
///
/// Creates an ideal skillset, as POST /api/v1/skillsets does, whose required skills are the occupation's
/// essential skills and whose preferred skills are its optional ones, each at `min_level` (and `weight`
/// for required ones; preferred ones get the default weight). A skillset holds at most 40 skills of each
/// list: the first 40 by name are kept, and the rest are named in `left_out_required` and
/// `left_out_preferred` (the skillset can then be changed with PATCH). The role title is the
/// occupation's name and the description says which occupation and taxonomy release it came from.
/// Callers need `skillsets:write` (organization members make their own organization's skillsets).
#[utoipa::path(security(("oauth2" = ["skillsets:write"])), tag = "skillsets", request_body = FromOccupationInput,
    responses((status = 201, description = "Created; `Location` names the new skillset.", body = SkillsetFromOccupation,
        headers(("ETag" = String), ("Location" = String, description = "URL of the new skillset")))))]
#[post("/skillsets/from-occupation")]
async fn skillset_from_occupation(
    state: web::Data<AppState>,
    principal: Allowed<required::SkillsetsWrite>,
    body: JsonBody<FromOccupationInput>,
) -> AppResult<HttpResponse> {
    let input = body.0;
    let (stored, made) = state
        .db
        .write(move |conn| {
            let occupation = store::find(conn, &input.occupation).map_err(|e| match e {
                AppError::NotFound(_) => {
                    AppError::field("occupation", "unknown_occupation", "no occupation has this key or URI")
                }
                other => other,
            })?;
            let skills = store::skills_of(conn, &occupation.id)?;
            let entries = |need: SkillNeed, weight: i64, must_have: bool| -> (Vec<RequirementEntry>, Vec<String>) {
                let all: Vec<&OccupationSkill> = skills.iter().filter(|s| s.need == need).collect();
                let (kept, cut) = all.split_at(all.len().min(MAX_REQUIREMENTS));
                let kept = kept
                    .iter()
                    .map(|s| RequirementEntry {
                        skill: s.skill.to_string(),
                        min_level: input.min_level,
                        weight,
                        must_have,
                    })
                    .collect();
                (kept, cut.iter().map(|s| s.skill.to_string()).collect())
            };
            let (required_skills, left_out_required) = entries(SkillNeed::Essential, input.weight, input.must_have);
            let (preferred_skills, left_out_preferred) = entries(SkillNeed::Optional, default_weight(), false);
            let o = &occupation.value;
            let release = match (&o.taxonomy, &o.taxonomy_version) {
                (Some(t), Some(v)) => format!(" ({t} {v})"),
                (Some(t), None) => format!(" ({t})"),
                _ => String::new(),
            };
            let skillset = SkillsetInput {
                organization_id: input.organization_id.clone(),
                name: input.name.clone().unwrap_or_else(|| o.name.clone()),
                role_title: Some(o.name.chars().take(200).collect()),
                description: Some(format!("Made from the occupation {}{release}: {}.", o.name, o.uri)),
                required_skills,
                preferred_skills,
                min_years_experience: input.min_years_experience,
                industries: Vec::new(),
                background: Vec::new(),
                training: Vec::new(),
                languages: Vec::new(),
                crisis_experience: Vec::new(),
                weights: None,
                credits: None,
                must_have_exact: false,
                match_without_required_skills: false,
            };
            let mut skillset = skillset.parse()?;
            skillset.organization_id = principal.owner_for_new(skillset.organization_id)?;
            let stored = crate::db::skillsets::insert(conn, &skillset, false)?;
            Ok((stored, (occupation.id.to_string(), left_out_required, left_out_preferred)))
        })
        .await?;
    let (location, version) = (format!("/api/v1/skillsets/{}", stored.id), stored.version);
    let (occupation, left_out_required, left_out_preferred) = made;
    let body = SkillsetFromOccupation {
        skillset: SkillsetView::from(stored),
        occupation,
        left_out_required,
        left_out_preferred,
    };
    Ok(created(location, version, body))
}
