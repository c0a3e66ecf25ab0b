//! Queries for occupations (ESCO) and the skills each needs.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::organizations::corrupt;
use super::page::{self, Page, PageRequest, Position, lower, seek};
use super::schema::{occupation_skills, occupations, skills};
use super::{DbConnection, now};
use crate::domain::occupation::{Occupation, OccupationSkill, SkillNeed};
use crate::domain::skill::key_from_label;
use crate::domain::{SkillKey, Stored};
use crate::error::{AppError, AppResult};

pub type StoredOccupation = Stored<SkillKey, Occupation>;

/// How alt labels are kept in their one column (they are shown, never queried one by one).
const LABEL_SEPARATOR: char = '\n';

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = occupations, treat_none_as_null = true)]
struct Row {
    key: String,
    uri: String,
    name: String,
    alt_labels: String,
    isco_group: Option<String>,
    code: Option<String>,
    description: Option<String>,
    taxonomy: Option<String>,
    taxonomy_version: Option<String>,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl Row {
    fn new(o: &Occupation, version: i64, created_at: NaiveDateTime, updated_at: NaiveDateTime) -> Row {
        Row {
            key: o.key.to_string(),
            uri: o.uri.clone(),
            name: o.name.clone(),
            alt_labels: o.alt_labels.join(&LABEL_SEPARATOR.to_string()),
            isco_group: o.isco_group.clone(),
            code: o.code.clone(),
            description: o.description.clone(),
            taxonomy: o.taxonomy.clone(),
            taxonomy_version: o.taxonomy_version.clone(),
            version,
            created_at,
            updated_at,
        }
    }

    fn into_domain(self) -> AppResult<StoredOccupation> {
        let key = SkillKey::parse(&self.key).map_err(corrupt)?;
        Ok(Stored {
            id: key.clone(),
            value: Occupation {
                key,
                uri: self.uri,
                name: self.name,
                alt_labels: self
                    .alt_labels
                    .split(LABEL_SEPARATOR)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect(),
                isco_group: self.isco_group,
                code: self.code,
                description: self.description,
                taxonomy: self.taxonomy,
                taxonomy_version: self.taxonomy_version,
            },
            version: self.version,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        })
    }
}

/// The occupation a key or URI names.
pub fn find(conn: &mut DbConnection, reference: &str) -> AppResult<StoredOccupation> {
    let reference = reference.trim();
    let row: Option<Row> = occupations::table
        .filter(occupations::key.eq(reference).or(occupations::uri.eq(reference)))
        .select(Row::as_select())
        .first(conn)
        .optional()?;
    row.ok_or(AppError::NotFound("occupation"))?.into_domain()
}

/// The skills an occupation needs, essential ones first, each list by name.
pub fn skills_of(conn: &mut DbConnection, key: &SkillKey) -> AppResult<Vec<OccupationSkill>> {
    let rows: Vec<(String, String, Option<String>, String)> = occupation_skills::table
        .inner_join(skills::table)
        .filter(occupation_skills::occupation_key.eq(key.as_str()))
        .order((occupation_skills::relation, skills::name, skills::key))
        .select((skills::key, skills::name, skills::uri, occupation_skills::relation))
        .load(conn)?;
    rows.into_iter()
        .map(|(skill, name, uri, need)| {
            Ok(OccupationSkill {
                skill: SkillKey::parse(&skill).map_err(corrupt)?,
                name,
                uri,
                need: need.parse().map_err(corrupt)?,
            })
        })
        .collect()
}

/// What an import did with a row.
pub enum Imported {
    Created(SkillKey),
    Updated(SkillKey),
    Unchanged(SkillKey),
}

/// Creates or updates the occupation with `occupation.uri`; a new one gets a
/// key made from its label (`-2`, `-3`… when taken). The key given is ignored.
pub fn import(conn: &mut DbConnection, mut occupation: Occupation) -> AppResult<Imported> {
    let current: Option<Row> = occupations::table
        .filter(occupations::uri.eq(&occupation.uri))
        .select(Row::as_select())
        .get_result(conn)
        .optional()?;
    match current {
        Some(row) => {
            let current = row.into_domain()?;
            occupation.key = current.id.clone();
            if occupation == current.value {
                return Ok(Imported::Unchanged(current.id));
            }
            let row = Row::new(&occupation, current.version + 1, current.created_at.naive_utc(), now());
            diesel::update(occupations::table.find(current.id.as_str())).set(&row).execute(conn)?;
            Ok(Imported::Updated(current.id))
        }
        None => {
            // The label's slug, else with `-2`, `-3`…, each tried by primary key.
            let base = key_from_label(&occupation.name);
            let mut key = base.clone();
            let mut n = 2;
            while occupations::table.find(&key).count().get_result::<i64>(conn)? > 0 {
                key = format!("{base}-{n}");
                n += 1;
            }
            occupation.key = SkillKey::parse(&key).map_err(corrupt)?;
            let at = now();
            diesel::insert_into(occupations::table).values(&Row::new(&occupation, 1, at, at)).execute(conn)?;
            Ok(Imported::Created(occupation.key))
        }
    }
}

/// Records that `occupation` needs `skill` (essentially or optionally); `None` when it already did so,
/// else whether it is new (`true`) or changed its need (`false`).
pub fn needs_skill(
    conn: &mut DbConnection,
    occupation: &SkillKey,
    skill: &SkillKey,
    need: SkillNeed,
) -> AppResult<Option<bool>> {
    let current: Option<String> = occupation_skills::table
        .find((occupation.as_str(), skill.as_str()))
        .select(occupation_skills::relation)
        .get_result(conn)
        .optional()?;
    match current {
        Some(c) if c == need.as_str() => Ok(None),
        Some(_) => {
            diesel::update(occupation_skills::table.find((occupation.as_str(), skill.as_str())))
                .set(occupation_skills::relation.eq(need.as_str()))
                .execute(conn)?;
            Ok(Some(false))
        }
        None => {
            diesel::insert_into(occupation_skills::table)
                .values((
                    occupation_skills::occupation_key.eq(occupation.as_str()),
                    occupation_skills::skill_key.eq(skill.as_str()),
                    occupation_skills::relation.eq(need.as_str()),
                ))
                .execute(conn)?;
            Ok(Some(true))
        }
    }
}

/// The key of the occupation with this URI (or key).
pub fn resolve(conn: &mut DbConnection, reference: &str) -> AppResult<Option<SkillKey>> {
    let found: Option<String> = occupations::table
        .filter(occupations::key.eq(reference).or(occupations::uri.eq(reference)))
        .select(occupations::key)
        .first(conn)
        .optional()?;
    found.map(|k| SkillKey::parse(&k).map_err(corrupt)).transpose()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OccupationSort {
    Name,
    Key,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct OccupationFilter {
    pub q: Option<String>,
}

pub fn list(
    conn: &mut DbConnection,
    filter: &OccupationFilter,
    page: &PageRequest<OccupationSort>,
) -> AppResult<Page<StoredOccupation>> {
    let filtered = || {
        let mut query = occupations::table.into_boxed();
        if let Some(q) = &filter.q {
            let pattern = page::contains_pattern(q);
            query = query.filter(
                lower(occupations::name)
                    .like(pattern.clone())
                    .escape('\\')
                    .or(lower(occupations::alt_labels).like(pattern.clone()).escape('\\'))
                    .or(occupations::key.like(pattern).escape('\\')),
            );
        }
        query
    };
    let total = if page.with_total { Some(filtered().count().get_result(conn)?) } else { None };
    let query = filtered().select(Row::as_select()).limit(page.limit + 1);
    let after = page.after.as_ref().map(|p| (p.value.clone(), p.id.clone()));
    let (key, dir) = (occupations::key, page.direction);
    let rows: Vec<Row> = match page.sort {
        OccupationSort::Key => seek!(query, occupations::key, key, dir, after).load(conn)?,
        OccupationSort::Name => seek!(query, occupations::name, key, dir, after).load(conn)?,
    };
    let sort = page.sort;
    Page::from_rows(rows, page.limit, total, |row| Position {
        value: match sort {
            OccupationSort::Key => row.key.clone(),
            OccupationSort::Name => row.name.clone(),
        },
        id: row.key.clone(),
    })
    .try_map(Row::into_domain)
}
