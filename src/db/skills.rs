//! Queries for the skill taxonomy: skills, their synonyms (`skill_labels`),
//! their broader and related skills (`skill_relations`), and the revision
//! that moves on with every change to any of them (`taxonomy_revision`).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::organizations::corrupt;
use super::page::{self, Page, PageRequest, Position, lower, seek};
use super::schema::{candidate_skills, skill_labels, skill_relations, skills, skillset_skills, taxonomy_revision};
use super::{DbConnection, now};
use crate::domain::skill::{ReuseLevel, Skill, SkillCategory, SkillType, key_from_label};
use crate::domain::{SkillKey, Stored};
use crate::error::{AppError, AppResult};
use crate::matching::taxonomy::{TaxonomySkill, normalise};

/// A skill and whether it ships with the service (and so cannot be deleted).
pub type StoredSkill = Stored<SkillKey, (Skill, bool)>;

const BROADER: &str = "broader";
const RELATED: &str = "related";

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = skills, treat_none_as_null = true)]
struct Row {
    key: String,
    name: String,
    category: Option<String>,
    description: Option<String>,
    builtin: bool,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    uri: Option<String>,
    skill_type: Option<String>,
    reuse_level: Option<String>,
    taxonomy: Option<String>,
    taxonomy_version: Option<String>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = skill_labels)]
struct LabelRow {
    skill_key: String,
    position: i32,
    label: String,
    normalised: String,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = skill_relations)]
struct RelationRow {
    skill_key: String,
    kind: String,
    other_key: String,
}

impl Row {
    fn new(skill: &Skill, builtin: bool, version: i64, created_at: NaiveDateTime, updated_at: NaiveDateTime) -> Self {
        Row {
            key: skill.key.to_string(),
            name: skill.name.clone(),
            category: skill.category.map(|c| c.as_str().to_owned()),
            description: skill.description.clone(),
            builtin,
            version,
            created_at,
            updated_at,
            uri: skill.uri.clone(),
            skill_type: skill.skill_type.map(|t| t.as_str().to_owned()),
            reuse_level: skill.reuse_level.map(|r| r.as_str().to_owned()),
            taxonomy: skill.taxonomy.clone(),
            taxonomy_version: skill.taxonomy_version.clone(),
        }
    }

    fn into_domain(
        self,
        alt_labels: Vec<String>,
        broader: Vec<SkillKey>,
        related: Vec<SkillKey>,
    ) -> AppResult<StoredSkill> {
        let key = SkillKey::parse(&self.key).map_err(corrupt)?;
        let category: Option<SkillCategory> = self.category.as_deref().map(str::parse).transpose().map_err(corrupt)?;
        let skill_type: Option<SkillType> = self.skill_type.as_deref().map(str::parse).transpose().map_err(corrupt)?;
        let reuse_level: Option<ReuseLevel> =
            self.reuse_level.as_deref().map(str::parse).transpose().map_err(corrupt)?;
        Ok(Stored {
            id: key.clone(),
            value: (
                Skill {
                    key,
                    name: self.name,
                    category,
                    description: self.description,
                    uri: self.uri,
                    alt_labels,
                    skill_type,
                    reuse_level,
                    broader,
                    related,
                    taxonomy: self.taxonomy,
                    taxonomy_version: self.taxonomy_version,
                },
                self.builtin,
            ),
            version: self.version,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        })
    }
}

/// Synonyms and relations of the skills `keys`, by skill.
#[derive(Default)]
struct Children {
    labels: HashMap<String, Vec<String>>,
    broader: HashMap<String, Vec<SkillKey>>,
    related: HashMap<String, Vec<SkillKey>>,
}

impl Children {
    fn load(conn: &mut DbConnection, keys: Option<&[String]>) -> AppResult<Children> {
        let mut labels_query = skill_labels::table.into_boxed();
        let mut relations_query = skill_relations::table.into_boxed();
        if let Some(keys) = keys {
            labels_query = labels_query.filter(skill_labels::skill_key.eq_any(keys.to_vec()));
            relations_query = relations_query.filter(skill_relations::skill_key.eq_any(keys.to_vec()));
        }
        let labels: Vec<(String, String)> = labels_query
            .order((skill_labels::skill_key, skill_labels::position))
            .select((skill_labels::skill_key, skill_labels::label))
            .load(conn)?;
        let relations: Vec<RelationRow> = relations_query
            .order((skill_relations::skill_key, skill_relations::kind, skill_relations::other_key))
            .select(RelationRow::as_select())
            .load(conn)?;
        let mut children = Children::default();
        for (key, label) in labels {
            children.labels.entry(key).or_default().push(label);
        }
        for r in relations {
            let other = SkillKey::parse(&r.other_key).map_err(corrupt)?;
            let list = if r.kind == BROADER { &mut children.broader } else { &mut children.related };
            list.entry(r.skill_key).or_default().push(other);
        }
        Ok(children)
    }

    fn attach(&mut self, row: Row) -> AppResult<StoredSkill> {
        let labels = self.labels.remove(&row.key).unwrap_or_default();
        let broader = self.broader.remove(&row.key).unwrap_or_default();
        let related = self.related.remove(&row.key).unwrap_or_default();
        row.into_domain(labels, broader, related)
    }
}

/// Moves the taxonomy's revision on: every write to skills, their labels or relations calls it.
fn bump_revision(conn: &mut DbConnection) -> AppResult<()> {
    diesel::update(taxonomy_revision::table.find(1))
        .set(taxonomy_revision::revision.eq(taxonomy_revision::revision + 1))
        .execute(conn)?;
    Ok(())
}

/// Where the taxonomy stands: it changed when this did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Revision(i64);

impl Revision {
    pub fn get(self) -> i64 {
        self.0
    }
}

/// The taxonomy's revision: a number that grows with every change to any
/// skill, synonym or relation — a one-row counter (`taxonomy_revision`) moved
/// on in the same transaction as the change, by every write here (one skill
/// or an import's row) — so a reader holding [`taxonomy`] reads one row by
/// key to know whether to load it again. Unlike `max(updated_at)` and a
/// count, it also moves for a delete followed by an insert in the same
/// microsecond, and for relations, which have no timestamp.
pub fn revision(conn: &mut DbConnection) -> AppResult<Revision> {
    let revision: i64 = natively!(&mut *conn, |db| taxonomy_revision::table
        .find(1)
        .select(taxonomy_revision::revision)
        .get_result(db))?;
    Ok(Revision(revision))
}

/// Every skill as matching reads it — labels, synonyms, broader and related
/// skills (as stored: `related` one way; [`crate::matching::taxonomy::Taxonomy::new`]
/// makes it symmetric) — in three queries, whatever the size (14,666 skills,
/// 34,552 relations and 70,000 synonyms load in 130-210 ms in a release build;
/// see docs/performance.md).
/// Whether it changed since it was loaded: compare [`revision`], read in the
/// same transaction, with the one read then.
pub fn taxonomy(conn: &mut DbConnection) -> AppResult<Vec<TaxonomySkill>> {
    let rows: Vec<(String, String)> =
        skills::table.order(skills::key).select((skills::key, skills::name)).load(conn)?;
    let mut children = Children::load(conn, None)?;
    rows.into_iter()
        .map(|(key, label)| {
            Ok(TaxonomySkill {
                alt_labels: children.labels.remove(&key).unwrap_or_default(),
                broader: children.broader.remove(&key).unwrap_or_default(),
                related: children.related.remove(&key).unwrap_or_default(),
                key: SkillKey::parse(&key).map_err(corrupt)?,
                label,
            })
        })
        .collect()
}

/// Every skill's URI, by key (skills without one left out).
pub fn uris(conn: &mut DbConnection) -> AppResult<HashMap<String, String>> {
    let rows: Vec<(String, Option<String>)> =
        skills::table.filter(skills::uri.is_not_null()).select((skills::key, skills::uri)).load(conn)?;
    Ok(rows.into_iter().filter_map(|(k, u)| Some((k, u?))).collect())
}

/// The key a reference names: a skill's key, or its URI (ESCO's conceptUri,
/// an O*NET id…). `None` when no skill has it. Every input that names a skill
/// goes through here.
pub fn resolve(conn: &mut DbConnection, reference: &str) -> AppResult<Option<SkillKey>> {
    let reference = reference.trim();
    if let Ok(key) = SkillKey::parse(reference) {
        let found: Option<String> =
            natively!(&mut *conn, |db| skills::table.find(key.as_str()).select(skills::key).get_result(db))
                .optional()?;
        if found.is_some() {
            return Ok(Some(key));
        }
    }
    if reference.is_empty() {
        return Ok(None);
    }
    let found: Option<String> =
        natively!(&mut *conn, |db| skills::table.filter(skills::uri.eq(reference)).select(skills::key).get_result(db))
            .optional()?;
    found.map(|k| SkillKey::parse(&k).map_err(corrupt)).transpose()
}

/// Rewrites each reference that is a known skill's URI to that skill's key;
/// keys, and anything unknown, stay as they are (to be refused as unknown
/// where the input is checked).
pub fn resolve_references<'r>(
    conn: &mut DbConnection,
    references: impl IntoIterator<Item = &'r mut String>,
) -> AppResult<()> {
    for reference in references {
        if SkillKey::parse(reference).is_ok() {
            continue;
        }
        if let Some(key) = resolve(conn, reference)? {
            *reference = key.to_string();
        }
    }
    Ok(())
}

/// The skill a key or URI names.
pub fn find(conn: &mut DbConnection, reference: &str) -> AppResult<StoredSkill> {
    let key = resolve(conn, reference)?.ok_or(AppError::NotFound("skill"))?;
    get(conn, &key)
}

/// The skill with this URI, if any.
pub fn find_by_uri(conn: &mut DbConnection, uri: &str) -> AppResult<Option<StoredSkill>> {
    let row: Option<Row> =
        skills::table.filter(skills::uri.eq(uri)).select(Row::as_select()).get_result(conn).optional()?;
    row.map(|row| {
        let mut children = Children::load(conn, Some(std::slice::from_ref(&row.key)))?;
        children.attach(row)
    })
    .transpose()
}

fn check_references(conn: &mut DbConnection, skill: &Skill) -> AppResult<()> {
    let mut errors = Vec::new();
    for (field, list) in [("broader", &skill.broader), ("related", &skill.related)] {
        for (i, key) in list.iter().enumerate() {
            if key == &skill.key {
                errors.push(crate::domain::FieldError {
                    field: format!("{field}[{i}]"),
                    code: "self_reference",
                    message: "a skill cannot name itself".into(),
                });
            } else if resolve(conn, key.as_str())?.is_none() {
                errors.push(crate::domain::FieldError {
                    field: format!("{field}[{i}]"),
                    code: "unknown_skill",
                    message: format!("`{key}` is not in the skill taxonomy (see /api/v1/skills)"),
                });
            }
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(AppError::Validation(errors)) }
}

fn uri_taken(conn: &mut DbConnection, skill: &Skill) -> AppResult<()> {
    if let Some(uri) = &skill.uri {
        let holder: Option<String> =
            skills::table.filter(skills::uri.eq(uri)).select(skills::key).get_result(conn).optional()?;
        if holder.is_some_and(|k| k != skill.key.as_str()) {
            return Err(AppError::Conflict(format!("Another skill already has the URI `{uri}`.")));
        }
    }
    Ok(())
}

/// Replaces the skill's synonyms (`fresh`: it has none yet).
fn write_labels(conn: &mut DbConnection, skill: &Skill, fresh: bool) -> AppResult<()> {
    if !fresh {
        diesel::delete(skill_labels::table.filter(skill_labels::skill_key.eq(skill.key.as_str()))).execute(conn)?;
    }
    let rows: Vec<LabelRow> = skill
        .alt_labels
        .iter()
        .enumerate()
        .map(|(i, label)| LabelRow {
            skill_key: skill.key.to_string(),
            position: i as i32,
            label: label.clone(),
            normalised: normalise(label),
        })
        .collect();
    if !rows.is_empty() {
        natively!(&mut *conn, |db| diesel::insert_into(skill_labels::table).values(&rows).execute(db))?;
    }
    Ok(())
}

/// Replaces the skill's broader and related skills (`fresh`: it has none yet).
fn write_relations(conn: &mut DbConnection, skill: &Skill, fresh: bool) -> AppResult<()> {
    if !fresh {
        let own = skill_relations::table.filter(skill_relations::skill_key.eq(skill.key.as_str()));
        diesel::delete(own).execute(conn)?;
    }
    let rows: Vec<RelationRow> = (skill.broader.iter().map(|k| (BROADER, k)))
        .chain(skill.related.iter().map(|k| (RELATED, k)))
        .map(|(kind, other)| RelationRow {
            skill_key: skill.key.to_string(),
            kind: kind.to_owned(),
            other_key: other.to_string(),
        })
        .collect();
    if !rows.is_empty() {
        natively!(&mut *conn, |db| diesel::insert_into(skill_relations::table).values(&rows).execute(db))?;
    }
    Ok(())
}

pub fn insert(conn: &mut DbConnection, skill: &Skill, builtin: bool) -> AppResult<StoredSkill> {
    let at = now();
    let row = Row::new(skill, builtin, 1, at, at);
    let taken: i64 = skills::table.find(&row.key).count().get_result(conn)?;
    if taken > 0 {
        return Err(AppError::Conflict(format!("A skill with the key `{}` already exists.", skill.key)));
    }
    uri_taken(conn, skill)?;
    check_references(conn, skill)?;
    diesel::insert_into(skills::table).values(&row).execute(conn)?;
    write_labels(conn, skill, true)?;
    write_relations(conn, skill, true)?;
    bump_revision(conn)?;
    row.into_domain(skill.alt_labels.clone(), skill.broader.clone(), skill.related.clone())
}

pub fn get(conn: &mut DbConnection, key: &SkillKey) -> AppResult<StoredSkill> {
    let row = skills::table
        .find(key.as_str())
        .select(Row::as_select())
        .get_result(conn)
        .optional()?
        .ok_or(AppError::NotFound("skill"))?;
    let mut children = Children::load(conn, Some(std::slice::from_ref(&row.key)))?;
    children.attach(row)
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
    uri_taken(conn, skill)?;
    check_references(conn, skill)?;
    let updated = diesel::update(skills::table.find(&row.key).filter(skills::version.eq(current.version)))
        .set(&row)
        .execute(conn)?;
    super::ensure_updated(updated)?;
    if skill.alt_labels != current.value.0.alt_labels {
        write_labels(conn, skill, false)?;
    }
    if skill.name != current.value.0.name || skill.alt_labels != current.value.0.alt_labels {
        super::search::skill_relabelled(conn, skill.key.as_str())?;
    }
    if skill.broader != current.value.0.broader || skill.related != current.value.0.related {
        write_relations(conn, skill, false)?;
    }
    bump_revision(conn)?;
    row.into_domain(skill.alt_labels.clone(), skill.broader.clone(), skill.related.clone())
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
    // Its labels, its relations either way and its place in occupations go with it.
    diesel::delete(skills::table.find(key.as_str())).execute(conn)?;
    bump_revision(conn)?;
    Ok(())
}

/// What an import found for a skill it was given.
pub enum Imported {
    Created(SkillKey),
    Updated(SkillKey),
    Unchanged(SkillKey),
}

/// Creates the skill `skill.uri` names, or updates it: found by URI (else a
/// new key is made from the label, with `-2`, `-3`… when another skill holds
/// it). The key of `skill` is ignored. `relations` false keeps the stored
/// broader and related skills (an ESCO skills file does not carry them).
pub fn import(conn: &mut DbConnection, mut skill: Skill, relations: bool) -> AppResult<Imported> {
    let Some(uri) = skill.uri.clone() else {
        return Err(AppError::field("uri", "required", "an imported skill needs its URI"));
    };
    match find_by_uri(conn, &uri)? {
        Some(current) => {
            skill.key = current.id.clone();
            let stored = &current.value.0;
            if !relations {
                skill.broader = stored.broader.clone();
                skill.related = stored.related.clone();
            }
            if skill.category.is_none() {
                skill.category = stored.category;
            }
            if &skill == stored {
                return Ok(Imported::Unchanged(current.id));
            }
            update(conn, &current, &skill)?;
            Ok(Imported::Updated(current.id))
        }
        None => {
            skill.key = free_key(conn, &skill.name)?;
            insert(conn, &skill, false)?;
            Ok(Imported::Created(skill.key))
        }
    }
}

/// A key made from `label` that no skill holds yet: the label's slug, else
/// with `-2`, `-3`… (each tried by primary key: collisions are rare).
fn free_key(conn: &mut DbConnection, label: &str) -> AppResult<SkillKey> {
    let base = key_from_label(label);
    let mut candidate = base.clone();
    let mut n = 2;
    loop {
        let taken: Option<String> =
            natively!(&mut *conn, |db| skills::table.find(candidate.as_str()).select(skills::key).get_result(db))
                .optional()?;
        if taken.is_none() {
            return SkillKey::parse(&candidate).map_err(corrupt);
        }
        candidate = format!("{base}-{n}");
        n += 1;
    }
}

/// Adds `other` as a broader (or related) skill of `skill`; false when it already was.
pub fn relate(conn: &mut DbConnection, skill: &SkillKey, broader: bool, other: &SkillKey) -> AppResult<bool> {
    let kind = if broader { BROADER } else { RELATED };
    if skill == other {
        return Err(AppError::field("relatedSkillUri", "self_reference", "a skill cannot name itself"));
    }
    let exists: i64 = skill_relations::table
        .filter(skill_relations::skill_key.eq(skill.as_str()))
        .filter(skill_relations::kind.eq(kind))
        .filter(skill_relations::other_key.eq(other.as_str()))
        .count()
        .get_result(conn)?;
    if exists > 0 {
        return Ok(false);
    }
    // Related is symmetric: the pair stored the other way round is the same relation.
    if !broader {
        let reverse: i64 = skill_relations::table
            .filter(skill_relations::skill_key.eq(other.as_str()))
            .filter(skill_relations::kind.eq(kind))
            .filter(skill_relations::other_key.eq(skill.as_str()))
            .count()
            .get_result(conn)?;
        if reverse > 0 {
            return Ok(false);
        }
    }
    let row = RelationRow { skill_key: skill.to_string(), kind: kind.to_owned(), other_key: other.to_string() };
    diesel::insert_into(skill_relations::table).values(&row).execute(conn)?;
    diesel::update(skills::table.find(skill.as_str()))
        .set((skills::version.eq(skills::version + 1), skills::updated_at.eq(now())))
        .execute(conn)?;
    bump_revision(conn)?;
    Ok(true)
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
    #[serde(default)]
    pub uri: Option<String>,
    #[serde(default)]
    pub taxonomy: Option<String>,
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
        if let Some(uri) = &filter.uri {
            query = query.filter(skills::uri.eq(uri.clone()));
        }
        if let Some(taxonomy) = &filter.taxonomy {
            query = query.filter(skills::taxonomy.eq(taxonomy.clone()));
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
    let keys: Vec<String> = rows.iter().map(|r| r.key.clone()).collect();
    let mut children = if keys.is_empty() { Children::default() } else { Children::load(conn, Some(&keys))? };
    let sort = page.sort;
    Page::from_rows(rows, page.limit, total, |row| Position {
        value: match sort {
            SkillSort::Key => row.key.clone(),
            SkillSort::Name => row.name.clone(),
        },
        id: row.key.clone(),
    })
    .try_map(|row| children.attach(row))
}
