//! Queries for the skill taxonomy.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::organizations::corrupt;
use super::page::{self, Page, PageRequest, Position, lower, seek};
use super::schema::{candidate_skills, skills, skillset_skills};
use super::{DbConnection, now};
use crate::domain::skill::{Skill, SkillCategory};
use crate::domain::{SkillKey, Stored};
use crate::error::{AppError, AppResult};

/// A skill and whether it ships with the service (and so cannot be deleted).
pub type StoredSkill = Stored<SkillKey, (Skill, bool)>;

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = skills, treat_none_as_null = true)]
struct Row {
    key: String,
    name: String,
    category: String,
    description: Option<String>,
    builtin: bool,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl Row {
    fn new(skill: &Skill, builtin: bool, version: i64, created_at: NaiveDateTime, updated_at: NaiveDateTime) -> Self {
        Row {
            key: skill.key.to_string(),
            name: skill.name.clone(),
            category: skill.category.as_str().to_owned(),
            description: skill.description.clone(),
            builtin,
            version,
            created_at,
            updated_at,
        }
    }

    fn into_domain(self) -> AppResult<StoredSkill> {
        let key = SkillKey::parse(&self.key).map_err(corrupt)?;
        Ok(Stored {
            id: key.clone(),
            value: (
                Skill {
                    key,
                    name: self.name,
                    category: self.category.parse().map_err(corrupt)?,
                    description: self.description,
                },
                self.builtin,
            ),
            version: self.version,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        })
    }
}

pub fn insert(conn: &mut DbConnection, skill: &Skill, builtin: bool) -> AppResult<StoredSkill> {
    let at = now();
    let row = Row::new(skill, builtin, 1, at, at);
    let taken: i64 = skills::table.find(&row.key).count().get_result(conn)?;
    if taken > 0 {
        return Err(AppError::Conflict(format!("A skill with the key `{}` already exists.", skill.key)));
    }
    diesel::insert_into(skills::table).values(&row).execute(conn)?;
    row.into_domain()
}

pub fn get(conn: &mut DbConnection, key: &SkillKey) -> AppResult<StoredSkill> {
    skills::table
        .find(key.as_str())
        .select(Row::as_select())
        .get_result(conn)
        .optional()?
        .ok_or(AppError::NotFound("skill"))?
        .into_domain()
}

/// The keys among `keys` that are not in the taxonomy.
pub fn unknown<'k>(conn: &mut DbConnection, keys: impl IntoIterator<Item = &'k SkillKey>) -> AppResult<Vec<SkillKey>> {
    // A lookup per key, which diesel keeps prepared, rather than one `IN` list
    // prepared anew on every write of a candidate or skillset.
    let mut unknown = Vec::new();
    for key in keys {
        let found: Option<String> =
            natively!(&mut *conn, |db| skills::table.find(key.as_str()).select(skills::key).get_result(db))
                .optional()?;
        if found.is_none() {
            unknown.push(key.clone());
        }
    }
    Ok(unknown)
}

pub fn update(conn: &mut DbConnection, current: &StoredSkill, skill: &Skill) -> AppResult<StoredSkill> {
    let row = Row::new(skill, current.value.1, current.version + 1, current.created_at.naive_utc(), now());
    let updated = diesel::update(skills::table.find(&row.key).filter(skills::version.eq(current.version)))
        .set(&row)
        .execute(conn)?;
    super::ensure_updated(updated)?;
    row.into_domain()
}

pub fn delete(conn: &mut DbConnection, key: &SkillKey) -> AppResult<()> {
    let current = get(conn, key)?;
    if current.value.1 {
        return Err(AppError::Conflict("Skills shipped with the service cannot be deleted.".into()));
    }
    let used_by_candidates: i64 =
        candidate_skills::table.filter(candidate_skills::skill_key.eq(key.as_str())).count().get_result(conn)?;
    let used_by_skillsets: i64 =
        skillset_skills::table.filter(skillset_skills::skill_key.eq(key.as_str())).count().get_result(conn)?;
    if used_by_candidates + used_by_skillsets > 0 {
        return Err(AppError::Conflict(format!(
            "The skill is used by {used_by_candidates} candidate(s) and {used_by_skillsets} skillset(s)."
        )));
    }
    diesel::delete(skills::table.find(key.as_str())).execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkillSort {
    Key,
    Name,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct SkillFilter {
    pub q: Option<String>,
    pub category: Option<SkillCategory>,
    pub builtin: Option<bool>,
}

pub fn list(
    conn: &mut DbConnection,
    filter: &SkillFilter,
    page: &PageRequest<SkillSort>,
) -> AppResult<Page<StoredSkill>> {
    let filtered = || {
        let mut query = skills::table.into_boxed();
        if let Some(q) = &filter.q {
            let pattern = page::contains_pattern(q);
            query = query.filter(
                lower(skills::name).like(pattern.clone()).escape('\\').or(skills::key.like(pattern).escape('\\')),
            );
        }
        if let Some(category) = filter.category {
            query = query.filter(skills::category.eq(category.as_str()));
        }
        if let Some(builtin) = filter.builtin {
            query = query.filter(skills::builtin.eq(builtin));
        }
        query
    };
    let total = if page.with_total { Some(filtered().count().get_result(conn)?) } else { None };
    let query = filtered().select(Row::as_select()).limit(page.limit + 1);
    let after = page.after.as_ref().map(|p| (p.value.clone(), p.id.clone()));
    let (key, dir) = (skills::key, page.direction);
    let rows: Vec<Row> = match page.sort {
        SkillSort::Key => seek!(query, skills::key, key, dir, after).load(conn)?,
        SkillSort::Name => seek!(query, skills::name, key, dir, after).load(conn)?,
    };
    let sort = page.sort;
    Page::from_rows(rows, page.limit, total, |row| Position {
        value: match sort {
            SkillSort::Key => row.key.clone(),
            SkillSort::Name => row.name.clone(),
        },
        id: row.key.clone(),
    })
    .try_map(Row::into_domain)
}

/// Where the taxonomy stands: it changed when this did. Every write to a skill moves `updated_at` on, and a
/// delete lowers the count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Revision {
    count: i64,
    latest: Option<NaiveDateTime>,
}

pub fn revision(conn: &mut DbConnection) -> AppResult<Revision> {
    let (count, latest) = skills::table
        .select((diesel::dsl::count_star(), diesel::dsl::max(skills::updated_at)))
        .get_result::<(i64, Option<NaiveDateTime>)>(conn)?;
    Ok(Revision { count, latest })
}

/// Every skill as matching reads it.
pub fn taxonomy(conn: &mut DbConnection) -> AppResult<Vec<crate::matching::taxonomy::TaxonomySkill>> {
    let rows: Vec<(String, String)> = skills::table.select((skills::key, skills::name)).load(conn)?;
    rows.into_iter()
        .map(|(key, label)| {
            Ok(crate::matching::taxonomy::TaxonomySkill {
                key: SkillKey::parse(&key).map_err(corrupt)?,
                label,
                alt_labels: Vec::new(),
                broader: Vec::new(),
                related: Vec::new(),
            })
        })
        .collect()
}
