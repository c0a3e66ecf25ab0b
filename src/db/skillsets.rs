//! Queries for ideal skillsets: global templates and organization-owned ones.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::organizations::corrupt;
use super::page::{self, Page, PageRequest, Position, lower, seek};
use super::schema::{needs, skillset_skills, skillsets};
use super::{DbConnection, json, now};
use crate::domain::skill::SkillLevel;
use crate::domain::skillset::{IdealSkillset, SkillRequirement, SkillsetScope};
use crate::domain::{FieldError, OrganizationId, SkillKey, SkillsetId, Stored};
use crate::error::{AppError, AppResult};

/// A skillset and whether it ships with the service.
pub type StoredSkillset = Stored<SkillsetId, (IdealSkillset, bool)>;

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = skillsets, treat_none_as_null = true)]
struct Row {
    id: String,
    organization_id: Option<String>,
    name: String,
    role_title: Option<String>,
    description: Option<String>,
    min_years_experience: i32,
    industries: String,
    background: String,
    training: String,
    languages: String,
    crisis_experience: String,
    weights: Option<String>,
    builtin: bool,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    credits: Option<String>,
    must_have_exact: bool,
    match_without_required_skills: bool,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = skillset_skills)]
struct RequirementRow {
    skillset_id: String,
    skill_key: String,
    required: bool,
    min_level: i32,
    weight: i32,
    must_have: bool,
    position: i32,
}

impl Row {
    fn new(
        id: SkillsetId,
        s: &IdealSkillset,
        builtin: bool,
        version: i64,
        created_at: NaiveDateTime,
        updated_at: NaiveDateTime,
    ) -> AppResult<Self> {
        Ok(Row {
            id: id.to_string(),
            organization_id: s.organization_id.map(|o| o.to_string()),
            name: s.name.clone(),
            role_title: s.role_title.clone(),
            description: s.description.clone(),
            min_years_experience: s.min_years_experience,
            industries: json::encode(&s.industries)?,
            background: json::encode(&s.background)?,
            training: json::encode(&s.training)?,
            languages: json::encode(&s.languages)?,
            crisis_experience: json::encode(&s.crisis_experience)?,
            weights: s.weights.as_ref().map(json::encode).transpose()?,
            credits: s.credits.as_ref().map(json::encode).transpose()?,
            must_have_exact: s.must_have_exact,
            match_without_required_skills: s.match_without_required_skills,
            builtin,
            version,
            created_at,
            updated_at,
        })
    }

    fn into_domain(self, requirements: &mut HashMap<String, Vec<RequirementRow>>) -> AppResult<StoredSkillset> {
        let mut required_skills = Vec::new();
        let mut preferred_skills = Vec::new();
        for r in requirements.remove(&self.id).unwrap_or_default() {
            let requirement = SkillRequirement {
                skill: SkillKey::parse(&r.skill_key).map_err(corrupt)?,
                min_level: SkillLevel::parse(r.min_level.into()).map_err(corrupt)?,
                weight: r.weight,
                must_have: r.must_have,
            };
            if r.required { required_skills.push(requirement) } else { preferred_skills.push(requirement) }
        }
        let skillset = IdealSkillset {
            organization_id: self.organization_id.as_deref().map(str::parse).transpose().map_err(corrupt)?,
            name: self.name,
            role_title: self.role_title,
            description: self.description,
            required_skills,
            preferred_skills,
            min_years_experience: self.min_years_experience,
            industries: json::decode(&self.industries)?,
            background: json::decode(&self.background)?,
            training: json::decode(&self.training)?,
            languages: json::decode(&self.languages)?,
            crisis_experience: json::decode(&self.crisis_experience)?,
            weights: self.weights.as_deref().map(json::decode).transpose()?,
            credits: self.credits.as_deref().map(json::decode).transpose()?,
            must_have_exact: self.must_have_exact,
            match_without_required_skills: self.match_without_required_skills,
        };
        Ok(Stored {
            id: self.id.parse().map_err(corrupt)?,
            value: (skillset, self.builtin),
            version: self.version,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        })
    }
}

fn load_requirements(conn: &mut DbConnection, ids: &[&str]) -> AppResult<HashMap<String, Vec<RequirementRow>>> {
    let order = (skillset_skills::skillset_id, skillset_skills::position);
    let rows = rows_of!(conn, skillset_skills.skillset_id, ids, order, RequirementRow);
    let mut by_skillset: HashMap<String, Vec<RequirementRow>> = HashMap::new();
    for row in rows {
        by_skillset.entry(row.skillset_id.clone()).or_default().push(row);
    }
    Ok(by_skillset)
}

fn write_requirements(conn: &mut DbConnection, id: &str, s: &IdealSkillset) -> AppResult<()> {
    diesel::delete(skillset_skills::table.filter(skillset_skills::skillset_id.eq(id))).execute(conn)?;
    let rows: Vec<RequirementRow> = s
        .requirements()
        .enumerate()
        .map(|(position, (r, required))| RequirementRow {
            skillset_id: id.into(),
            skill_key: r.skill.to_string(),
            required,
            min_level: r.min_level.get().into(),
            weight: r.weight,
            must_have: r.must_have,
            position: position as i32,
        })
        .collect();
    // One statement per row: batch inserts are not in the subset both backends share.
    for row in &rows {
        diesel::insert_into(skillset_skills::table).values(row).execute(conn)?;
    }
    Ok(())
}

/// Checks what the skillset refers to: its organization and its skills.
fn ensure_references(conn: &mut DbConnection, s: &IdealSkillset) -> AppResult<()> {
    let mut errors = Vec::new();
    if let Some(org) = s.organization_id
        && !super::organizations::exists(conn, org)?
    {
        errors.push(FieldError {
            field: "organization_id".into(),
            code: "unknown_organization",
            message: "no organization has this id".into(),
        });
    }
    let unknown = super::skills::unknown(conn, s.requirements().map(|(r, _)| &r.skill))?;
    for (list, items) in [("required_skills", &s.required_skills), ("preferred_skills", &s.preferred_skills)] {
        for (i, r) in items.iter().enumerate() {
            if unknown.contains(&r.skill) {
                errors.push(FieldError {
                    field: format!("{list}[{i}].skill"),
                    code: "unknown_skill",
                    message: format!("`{}` is not in the skill taxonomy (see /api/v1/skills)", r.skill),
                });
            }
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(AppError::Validation(errors)) }
}

pub fn insert(conn: &mut DbConnection, s: &IdealSkillset, builtin: bool) -> AppResult<StoredSkillset> {
    ensure_references(conn, s)?;
    let at = now();
    let id = SkillsetId::generate();
    let row = Row::new(id, s, builtin, 1, at, at)?;
    diesel::insert_into(skillsets::table).values(&row).execute(conn)?;
    write_requirements(conn, &row.id, s)?;
    get(conn, id)
}

pub fn get(conn: &mut DbConnection, id: SkillsetId) -> AppResult<StoredSkillset> {
    let id = id.to_string();
    let row: Row = natively!(&mut *conn, |db| skillsets::table.find(&id).select(Row::as_select()).get_result(db))
        .optional()?
        .ok_or(AppError::NotFound("skillset"))?;
    let mut requirements = load_requirements(conn, &[&id])?;
    row.into_domain(&mut requirements)
}

/// The ideal skillset a need points to, if any.
pub fn of_need(conn: &mut DbConnection, need: &crate::domain::need::Need) -> AppResult<Option<StoredSkillset>> {
    need.skillset_id.map(|id| get(conn, id)).transpose()
}

/// The id of the shipped skillset named `name`, if it was shipped already.
pub fn find_builtin(conn: &mut DbConnection, name: &str) -> AppResult<Option<String>> {
    Ok(skillsets::table
        .filter(skillsets::builtin.eq(true))
        .filter(skillsets::name.eq(name))
        .select(skillsets::id)
        .get_result(conn)
        .optional()?)
}

pub fn update(conn: &mut DbConnection, current: &StoredSkillset, s: &IdealSkillset) -> AppResult<StoredSkillset> {
    ensure_references(conn, s)?;
    let id = current.id.to_string();
    let row = Row::new(current.id, s, current.value.1, current.version + 1, current.created_at.naive_utc(), now())?;
    let updated = diesel::update(skillsets::table.find(&id).filter(skillsets::version.eq(current.version)))
        .set(&row)
        .execute(conn)?;
    super::ensure_updated(updated)?;
    write_requirements(conn, &id, s)?;
    get(conn, current.id)
}

pub fn delete(conn: &mut DbConnection, id: SkillsetId) -> AppResult<()> {
    let current = get(conn, id)?;
    if current.value.1 {
        return Err(AppError::Conflict("Skillsets shipped with the service cannot be deleted.".into()));
    }
    let used: i64 = needs::table.filter(needs::skillset_id.eq(id.to_string())).count().get_result(conn)?;
    if used > 0 {
        return Err(AppError::Conflict(format!("The skillset is used by {used} need(s).")));
    }
    diesel::delete(skillsets::table.find(id.to_string())).execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkillsetSort {
    CreatedAt,
    UpdatedAt,
    Name,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct SkillsetFilter {
    /// Only global templates and this organization's own (an organization member's view).
    #[serde(skip)]
    pub visible_to: Option<OrganizationId>,
    pub q: Option<String>,
    pub organization_id: Option<OrganizationId>,
    pub scope: Option<SkillsetScope>,
    pub skill: Option<SkillKey>,
    pub updated_since: Option<NaiveDateTime>,
}

pub fn list(
    conn: &mut DbConnection,
    filter: &SkillsetFilter,
    page: &PageRequest<SkillsetSort>,
) -> AppResult<Page<StoredSkillset>> {
    let filtered = || {
        let mut query = skillsets::table.into_boxed();
        if let Some(org) = filter.visible_to {
            query =
                query.filter(skillsets::organization_id.is_null().or(skillsets::organization_id.eq(org.to_string())));
        }
        if let Some(q) = &filter.q {
            query = query.filter(lower(skillsets::name).like(page::contains_pattern(q)).escape('\\'));
        }
        if let Some(org) = filter.organization_id {
            query = query.filter(skillsets::organization_id.eq(org.to_string()));
        }
        match filter.scope {
            Some(SkillsetScope::Global) => query = query.filter(skillsets::organization_id.is_null()),
            Some(SkillsetScope::Organization) => query = query.filter(skillsets::organization_id.is_not_null()),
            None => {}
        }
        if let Some(skill) = &filter.skill {
            let using = skillset_skills::table
                .filter(skillset_skills::skill_key.eq(skill.to_string()))
                .select(skillset_skills::skillset_id);
            query = query.filter(skillsets::id.eq_any(using));
        }
        if let Some(since) = filter.updated_since {
            query = query.filter(skillsets::updated_at.ge(since));
        }
        query
    };
    let total = if page.with_total { Some(filtered().count().get_result(conn)?) } else { None };
    let query = filtered().select(Row::as_select()).limit(page.limit + 1);
    let after = page.after.as_ref();
    let (id, dir) = (skillsets::id, page.direction);
    let rows: Vec<Row> = match page.sort {
        SkillsetSort::CreatedAt => {
            let after = after.map(|p| p.timestamp().map(|t| (t, p.id.clone()))).transpose()?;
            seek!(query, skillsets::created_at, id, dir, after).load(conn)?
        }
        SkillsetSort::UpdatedAt => {
            let after = after.map(|p| p.timestamp().map(|t| (t, p.id.clone()))).transpose()?;
            seek!(query, skillsets::updated_at, id, dir, after).load(conn)?
        }
        SkillsetSort::Name => {
            let after = after.map(|p| (p.value.clone(), p.id.clone()));
            seek!(query, skillsets::name, id, dir, after).load(conn)?
        }
    };
    let sort = page.sort;
    let page = Page::from_rows(rows, page.limit, total, |row| Position {
        value: match sort {
            SkillsetSort::CreatedAt => page::timestamp_value(&row.created_at),
            SkillsetSort::UpdatedAt => page::timestamp_value(&row.updated_at),
            SkillsetSort::Name => row.name.clone(),
        },
        id: row.id.clone(),
    });
    let ids: Vec<&str> = page.items.iter().map(|r| r.id.as_str()).collect();
    let mut requirements = load_requirements(conn, &ids)?;
    page.try_map(|row| row.into_domain(&mut requirements))
}
