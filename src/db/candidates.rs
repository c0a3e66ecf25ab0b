//! Queries for candidates. A candidate is one row: its lists are JSON text on
//! it. Skills, industries and languages are also child tables, which only the
//! list filters read.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::organizations::corrupt;
use super::page::{self, Page, PageRequest, Position, seek};
use super::schema::{
    candidate_changes, candidate_custom_values, candidate_external_ids, candidate_former_external_ids,
    candidate_industries, candidate_languages, candidate_search, candidate_skills, candidate_tags, candidate_texts,
    candidates,
};
use super::search;
use super::{DbConnection, json, now};
use crate::domain::assignment::Period;
pub use crate::domain::candidate::CandidateFilter;
use crate::domain::candidate::{Availability, Candidate, CandidateSkill, Consent, LanguageSkill};
use crate::domain::codes::Location;
use crate::domain::custom_field::FieldResource;
use crate::domain::external;
use crate::domain::search::SearchQuery;
use crate::domain::skill::SkillLevel;
use crate::domain::webhook::EventType;
use crate::domain::{CandidateId, Currency, DayRate, SkillKey, Stored};
use crate::error::{AppError, AppResult};

/// A candidate and when consent to keep their data was recorded.
pub type StoredCandidate = Stored<CandidateId, (Candidate, Option<chrono::DateTime<chrono::Utc>>)>;

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = candidates, treat_none_as_null = true)]
struct Row {
    id: String,
    external_id: Option<String>,
    first_name: String,
    last_name: String,
    email: String,
    phone: Option<String>,
    headline: Option<String>,
    summary: Option<String>,
    city: Option<String>,
    country: Option<String>,
    remote_preference: String,
    willing_to_travel: bool,
    day_rate_amount: Option<i64>,
    day_rate_currency: Option<String>,
    available_from: Option<NaiveDate>,
    available_until: Option<NaiveDate>,
    max_engagement_months: Option<i32>,
    years_experience: i32,
    executive_roles: String,
    crisis_experience: String,
    background: String,
    training: String,
    status: String,
    consent_given: bool,
    consent_recorded_at: Option<NaiveDateTime>,
    retention_until: Option<NaiveDate>,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    /// [`Lists`] as JSON.
    lists: String,
    /// The [`HeldPeriod`]s of the assignments the candidate holds, as JSON.
    /// Only assignment writes change it (`holdings_changed`): an update of the
    /// candidate leaves it as stored.
    #[diesel(skip_update)]
    held: String,
}

/// A candidate's skills, industries and languages as its row keeps them, in the order reads give them.
#[derive(serde::Serialize, serde::Deserialize)]
struct Lists {
    skills: Vec<ListedSkill>,
    industries: Vec<String>,
    languages: Vec<ListedLanguage>,
    /// Sorted. (Rows written before tags lack it.)
    #[serde(default)]
    tags: Vec<String>,
    /// By source. (Rows written before external ids by source lack it.)
    #[serde(default)]
    external_ids: crate::domain::external::ExternalIds,
    /// By key. (Rows written before custom fields lack it.)
    #[serde(default)]
    custom_fields: crate::domain::custom_field::CustomValues,
}

/// A skill as the candidate's row lists it.
#[derive(serde::Serialize, serde::Deserialize)]
struct ListedSkill {
    skill: String,
    level: u8,
    years: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_used: Option<i32>,
}

/// The days an assignment the candidate holds (proposed, active or extended) takes, as the row keeps them.
#[derive(serde::Serialize, serde::Deserialize)]
struct HeldPeriod {
    start: NaiveDate,
    end: NaiveDate,
}

/// A language as the candidate's row lists it.
#[derive(serde::Serialize, serde::Deserialize)]
struct ListedLanguage {
    language: String,
    proficiency: String,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = candidate_skills)]
struct SkillRow {
    candidate_id: String,
    skill_key: String,
    level: i32,
    years: i32,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = candidate_industries)]
struct IndustryRow {
    candidate_id: String,
    industry: String,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = candidate_languages)]
struct LanguageRow {
    candidate_id: String,
    language: String,
    proficiency: String,
}

impl Row {
    fn new(
        id: CandidateId,
        c: &Candidate,
        consent_recorded_at: Option<NaiveDateTime>,
        version: i64,
        created_at: NaiveDateTime,
        updated_at: NaiveDateTime,
    ) -> AppResult<Self> {
        // Reads give skills best first, then by key; industries and languages by name.
        let mut skills: Vec<&CandidateSkill> = c.skills.iter().collect();
        skills.sort_by(|a, b| b.level.cmp(&a.level).then_with(|| a.skill.as_str().cmp(b.skill.as_str())));
        let skills: Vec<ListedSkill> = skills
            .into_iter()
            .map(|s| ListedSkill {
                skill: s.skill.to_string(),
                level: s.level.get(),
                years: s.years,
                last_used: s.last_used,
            })
            .collect();
        let mut industries = c.industries.clone();
        industries.sort();
        let mut languages: Vec<&LanguageSkill> = c.languages.iter().collect();
        languages.sort_by(|a, b| a.language.cmp(&b.language));
        let languages: Vec<ListedLanguage> = languages
            .into_iter()
            .map(|l| ListedLanguage { language: l.language.clone(), proficiency: l.proficiency.as_str().into() })
            .collect();
        Ok(Row {
            id: id.to_string(),
            external_id: c.external_id.clone(),
            first_name: c.first_name.clone(),
            last_name: c.last_name.clone(),
            email: c.email.clone(),
            phone: c.phone.clone(),
            headline: c.headline.clone(),
            summary: c.summary.clone(),
            city: c.location.as_ref().and_then(|l| l.city.clone()),
            country: c.location.as_ref().map(|l| l.country.clone()),
            remote_preference: c.remote_preference.as_str().to_owned(),
            willing_to_travel: c.willing_to_travel,
            day_rate_amount: c.day_rate.map(|r| r.amount),
            day_rate_currency: c.day_rate.map(|r| r.currency.code()),
            available_from: c.availability.available_from,
            available_until: c.availability.available_until,
            max_engagement_months: c.availability.max_engagement_months,
            years_experience: c.years_experience,
            executive_roles: json::encode(&c.executive_roles)?,
            crisis_experience: json::encode(&c.crisis_experience)?,
            background: json::encode(&c.background)?,
            training: json::encode(&c.training)?,
            status: c.status.as_str().to_owned(),
            consent_given: c.consent.given,
            consent_recorded_at,
            retention_until: c.consent.retention_until,
            version,
            created_at,
            updated_at,
            lists: json::encode(&Lists {
                skills,
                industries,
                languages,
                tags: c.tags.clone(),
                external_ids: c.external_ids.clone(),
                custom_fields: c.custom_fields.clone(),
            })?,
            // A new candidate holds nothing yet.
            held: "[]".into(),
        })
    }

    fn into_domain(self) -> AppResult<StoredCandidate> {
        let held: Vec<HeldPeriod> = json::decode(&self.held)?;
        let commitments = held.into_iter().map(|p| Period { start: p.start, end: p.end }).collect();
        let lists: Lists = json::decode(&self.lists)?;
        let skills = lists
            .skills
            .into_iter()
            .map(|s| {
                Ok(CandidateSkill {
                    skill: SkillKey::parse(&s.skill).map_err(corrupt)?,
                    level: SkillLevel::parse(s.level.into()).map_err(corrupt)?,
                    years: s.years,
                    last_used: s.last_used,
                })
            })
            .collect::<AppResult<_>>()?;
        let languages = lists
            .languages
            .into_iter()
            .map(|l| Ok(LanguageSkill { language: l.language, proficiency: l.proficiency.parse().map_err(corrupt)? }))
            .collect::<AppResult<_>>()?;
        let day_rate = match (self.day_rate_amount, self.day_rate_currency.as_deref()) {
            (Some(amount), Some(code)) => Some(DayRate { amount, currency: Currency::parse(code).map_err(corrupt)? }),
            _ => None,
        };
        let candidate = Candidate {
            external_id: self.external_id,
            first_name: self.first_name,
            last_name: self.last_name,
            email: self.email,
            phone: self.phone,
            headline: self.headline,
            summary: self.summary,
            location: self.country.map(|country| Location { city: self.city, country }),
            remote_preference: self.remote_preference.parse().map_err(corrupt)?,
            willing_to_travel: self.willing_to_travel,
            languages,
            day_rate,
            availability: Availability {
                available_from: self.available_from,
                available_until: self.available_until,
                max_engagement_months: self.max_engagement_months,
            },
            years_experience: self.years_experience,
            executive_roles: json::decode(&self.executive_roles)?,
            industries: lists.industries,
            crisis_experience: json::decode(&self.crisis_experience)?,
            skills,
            background: json::decode(&self.background)?,
            training: json::decode(&self.training)?,
            status: self.status.parse().map_err(corrupt)?,
            consent: Consent { given: self.consent_given, retention_until: self.retention_until },
            commitments,
            tags: lists.tags,
            external_ids: lists.external_ids,
            custom_fields: lists.custom_fields,
        };
        Ok(Stored {
            id: self.id.parse().map_err(corrupt)?,
            value: (candidate, self.consent_recorded_at.map(|t| t.and_utc())),
            version: self.version,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        })
    }
}

/// What `id` holds changed (an assignment of theirs was created, or its status
/// or days changed): the row keeps the periods anew, and the change log tells
/// every instance's matching index.
pub(crate) fn holdings_changed(conn: &mut DbConnection, id: CandidateId) -> AppResult<()> {
    let key = id.to_string();
    let held: Vec<HeldPeriod> = super::assignments::held_periods(conn, &key)?
        .into_iter()
        .map(|p| HeldPeriod { start: p.start, end: p.end })
        .collect();
    diesel::update(candidates::table.find(&key)).set(candidates::held.eq(json::encode(&held)?)).execute(conn)?;
    record_change(conn, id)
}

/// Writes the candidate's child rows, which the list filters read (replacing what a stored candidate had).
fn write_children(conn: &mut DbConnection, id: &str, c: &Candidate, replace: bool) -> AppResult<()> {
    if replace {
        diesel::delete(candidate_skills::table.filter(candidate_skills::candidate_id.eq(id))).execute(conn)?;
        diesel::delete(candidate_industries::table.filter(candidate_industries::candidate_id.eq(id))).execute(conn)?;
        diesel::delete(candidate_languages::table.filter(candidate_languages::candidate_id.eq(id))).execute(conn)?;
        diesel::delete(candidate_tags::table.filter(candidate_tags::candidate_id.eq(id))).execute(conn)?;
        diesel::delete(candidate_external_ids::table.filter(candidate_external_ids::candidate_id.eq(id)))
            .execute(conn)?;
    }
    super::custom_fields::write_values(conn, FieldResource::Candidate, id, &c.custom_fields)?;
    let skills = c.skills.iter().map(|s| SkillRow {
        candidate_id: id.into(),
        skill_key: s.skill.to_string(),
        level: s.level.get().into(),
        years: s.years,
    });
    let industries = c.industries.iter().map(|i| IndustryRow { candidate_id: id.into(), industry: i.clone() });
    let languages = c.languages.iter().map(|l| LanguageRow {
        candidate_id: id.into(),
        language: l.language.clone(),
        proficiency: l.proficiency.as_str().into(),
    });
    // One statement per row: batch inserts are not in the subset both backends share.
    natively!(&mut *conn, |db| {
        for row in skills {
            diesel::insert_into(candidate_skills::table).values(row).execute(db)?;
        }
        for row in industries {
            diesel::insert_into(candidate_industries::table).values(row).execute(db)?;
        }
        for row in languages {
            diesel::insert_into(candidate_languages::table).values(row).execute(db)?;
        }
        for tag in &c.tags {
            diesel::insert_into(candidate_tags::table)
                .values((candidate_tags::candidate_id.eq(id), candidate_tags::tag.eq(tag)))
                .execute(db)?;
        }
        for (source, external_id) in &c.external_ids {
            diesel::insert_into(candidate_external_ids::table)
                .values((
                    candidate_external_ids::source.eq(source),
                    candidate_external_ids::external_id.eq(external_id),
                    candidate_external_ids::candidate_id.eq(id),
                ))
                .execute(db)?;
        }
    });
    Ok(())
}

/// Refuses a candidate whose e-mail or external id another candidate has.
fn ensure_unique(conn: &mut DbConnection, c: &Candidate, except: Option<&str>) -> AppResult<()> {
    // One statement shape whether or not a candidate is excepted (no id is
    // empty), and not boxed, so diesel keeps it prepared.
    let except = except.unwrap_or("");
    let other = candidates::id.ne(except);
    let email = candidates::table.filter(candidates::email.eq(&c.email)).filter(other).select(candidates::id);
    if natively!(&mut *conn, |db| email.get_result::<String>(db)).optional()?.is_some() {
        return Err(AppError::Conflict("Another candidate has this e-mail address.".into()));
    }
    if let Some(external_id) = &c.external_id {
        let taken =
            candidates::table.filter(candidates::external_id.eq(external_id)).filter(other).select(candidates::id);
        if natively!(&mut *conn, |db| taken.get_result::<String>(db)).optional()?.is_some() {
            return Err(AppError::Conflict("Another candidate has this external id.".into()));
        }
    }
    for (source, external_id) in &c.external_ids {
        if holder_of(conn, source, external_id)?.is_some_and(|holder| holder.to_string() != except) {
            return Err(AppError::Conflict(format!(
                "Another candidate has the id `{external_id}` of source `{source}` (external_ids)."
            )));
        }
    }
    Ok(())
}

/// The candidate with this id in this source system.
pub fn holder_of(conn: &mut DbConnection, source: &str, external_id: &str) -> AppResult<Option<CandidateId>> {
    let holder: Option<String> = candidate_external_ids::table
        .find((source, external_id))
        .select(candidate_external_ids::candidate_id)
        .get_result(conn)
        .optional()?;
    // An id a merged duplicate had still names the person, now the survivor.
    let holder = match holder {
        Some(holder) => Some(holder),
        None => candidate_former_external_ids::table
            .find((source, external_id))
            .select(candidate_former_external_ids::candidate_id)
            .get_result(conn)
            .optional()?,
    };
    holder.map(|h| h.parse().map_err(corrupt)).transpose()
}

/// The ids in source systems that merged duplicates had, which still name candidate `id` (but are not its own).
pub fn former_external_ids(conn: &mut DbConnection, id: CandidateId) -> AppResult<Vec<(String, String)>> {
    Ok(candidate_former_external_ids::table
        .filter(candidate_former_external_ids::candidate_id.eq(id.to_string()))
        .select((candidate_former_external_ids::source, candidate_former_external_ids::external_id))
        .order((candidate_former_external_ids::source, candidate_former_external_ids::external_id))
        .load(conn)?)
}

fn ensure_skills_known(conn: &mut DbConnection, c: &Candidate) -> AppResult<()> {
    let unknown = super::skills::unknown(conn, c.skills.iter().map(|s| &s.skill))?;
    let errors: Vec<_> = c
        .skills
        .iter()
        .enumerate()
        .filter(|(_, s)| unknown.contains(&s.skill))
        .map(|(i, s)| crate::domain::FieldError {
            field: format!("skills[{i}].skill"),
            code: "unknown_skill",
            message: format!("`{}` is not in the skill taxonomy (see /api/v1/skills)", s.skill),
        })
        .collect();
    if errors.is_empty() { Ok(()) } else { Err(AppError::Validation(errors)) }
}

pub fn insert(conn: &mut DbConnection, c: &Candidate) -> AppResult<StoredCandidate> {
    ensure_skills_known(conn, c)?;
    ensure_unique(conn, c, None)?;
    let at = now();
    let id = CandidateId::generate();
    let row = Row::new(id, c, c.consent.given.then_some(at), 1, at, at)?;
    natively!(&mut *conn, |db| diesel::insert_into(candidates::table).values(&row).execute(db))?;
    // What was written is what a read would give (a new candidate holds no
    // assignments yet): built here, not read back, on the writer's hot path.
    write_children(conn, &row.id, c, false)?;
    super::duplicates::write_keys(conn, id, c, false)?;
    record_change(conn, id)?;
    search::refresh(conn, id)?;
    let stored = row.into_domain()?;
    announce(conn, EventType::CandidateCreated, &stored)?;
    Ok(stored)
}

pub fn get(conn: &mut DbConnection, id: CandidateId) -> AppResult<StoredCandidate> {
    let key = id.to_string();
    let row: Option<Row> =
        natively!(&mut *conn, |db| candidates::table.find(&key).select(Row::as_select()).get_result(db)).optional()?;
    row.ok_or_else(|| missing(conn, id))?.into_domain()
}

/// A candidate not found: merged into another (which `Location` then names), or missing.
fn missing(conn: &mut DbConnection, id: CandidateId) -> AppError {
    match super::duplicates::merged_into(conn, id) {
        Ok(Some((into, _))) => AppError::Merged { into: into.to_string() },
        Ok(None) => AppError::NotFound("candidate"),
        Err(error) => error,
    }
}

pub fn update(conn: &mut DbConnection, current: &StoredCandidate, c: &Candidate) -> AppResult<StoredCandidate> {
    super::privacy::ensure_not_erased(conn, current.id)?;
    let id = current.id.to_string();
    ensure_skills_known(conn, c)?;
    ensure_unique(conn, c, Some(&id))?;
    let at = now();
    // Consent is timestamped when it is given, and forgotten when withdrawn.
    let consent_at = match (current.value.0.consent.given, c.consent.given) {
        (_, false) => None,
        (true, true) => current.value.1.map(|t| t.naive_utc()),
        (false, true) => Some(at),
    };
    let row = Row::new(current.id, c, consent_at, current.version + 1, current.created_at.naive_utc(), at)?;
    let updated = diesel::update(candidates::table.find(&id).filter(candidates::version.eq(current.version)))
        .set(&row)
        .execute(conn)?;
    super::ensure_updated(updated)?;
    write_children(conn, &id, c, true)?;
    if !super::duplicates::same_keys(&current.value.0, c) {
        super::duplicates::write_keys(conn, current.id, c, true)?;
    }
    record_change(conn, current.id)?;
    search::refresh(conn, current.id)?;
    let stored = get(conn, current.id)?;
    announce(conn, EventType::CandidateUpdated, &stored)?;
    Ok(stored)
}

/// The candidate an imported row names: by external id when it has one,
/// else by e-mail.
pub fn find_for_import(conn: &mut DbConnection, c: &Candidate) -> AppResult<Option<StoredCandidate>> {
    // An id in a source system names the candidate first; ids naming two candidates are refused.
    let mut named = std::collections::BTreeSet::new();
    for (source, external_id) in &c.external_ids {
        named.extend(holder_of(conn, source, external_id)?);
    }
    let message = "these ids name different candidates: merge them first (POST /api/v1/candidates/{id}/merge)";
    let one = external::one_named(named, message).map_err(|e| AppError::field("external_ids", e.code, e.message))?;
    if let Some(id) = one {
        return get(conn, id).map(Some);
    }
    let id: Option<String> = match &c.external_id {
        Some(external_id) => candidates::table
            .filter(candidates::external_id.eq(external_id))
            .select(candidates::id)
            .get_result(conn)
            .optional()?,
        None => candidates::table
            .filter(candidates::email.eq(&c.email))
            .select(candidates::id)
            .get_result(conn)
            .optional()?,
    };
    id.map(|id| get(conn, id.parse().map_err(corrupt)?)).transpose()
}

pub fn exists(conn: &mut DbConnection, id: CandidateId) -> AppResult<bool> {
    let found = candidates::table.find(id.to_string()).count().get_result::<i64>(conn)?;
    Ok(found > 0)
}

pub fn delete(conn: &mut DbConnection, id: CandidateId) -> AppResult<()> {
    match diesel::delete(candidates::table.find(id.to_string())).execute(conn)? {
        0 => Err(AppError::NotFound("candidate")),
        _ => {
            super::notes::forget_about(conn, crate::domain::note::NoteSubject::Candidate, &id.to_string())?;
            record_change(conn, id)?;
            super::webhooks::announce(conn, EventType::CandidateDeleted, None, serde_json::json!({"id": id}))
        }
    }
}

/// Candidate events name the candidate and its version, nothing personal.
/// Candidate events name the candidate and its version, with its custom fields' values (an erasure scrubs them
/// from the feed and the outbox: see `changes::scrub_candidate`); nothing else of the profile.
fn announce(conn: &mut DbConnection, event: EventType, stored: &StoredCandidate) -> AppResult<()> {
    let data = serde_json::json!({
        "id": stored.id, "version": stored.version, "custom_fields": stored.value.0.custom_fields,
    });
    super::webhooks::announce(conn, event, None, data)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CandidateSort {
    CreatedAt,
    UpdatedAt,
    LastName,
    /// The best match of the search `q` first.
    Relevance,
}

/// Which version of a candidate a list holds: enough to tell whether a copy
/// kept elsewhere (the API's rendered candidates) is still the current one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listed {
    pub id: CandidateId,
    pub version: i64,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// The columns a list page orders by and tells versions by: a page is read
/// as these first, so only the candidates a caller lacks are read whole.
#[derive(Queryable, Selectable)]
#[diesel(table_name = candidates)]
struct ListedRow {
    id: String,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    last_name: String,
}

impl ListedRow {
    fn into_listed(self) -> AppResult<Listed> {
        Ok(Listed {
            id: self.id.parse().map_err(corrupt)?,
            version: self.version,
            updated_at: self.updated_at.and_utc(),
        })
    }
}

/// `listed` on SQLite: the version from the index alone, not the row (see
/// the migration candidate_versions). A query type of its own, because
/// diesel prepares a `sql_query` anew on every call and keeps this one.
#[derive(diesel::query_builder::QueryId)]
struct VersionOnSqlite(String);

impl diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite> for VersionOnSqlite {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::sqlite::Sqlite>,
    ) -> QueryResult<()> {
        out.push_sql("SELECT version, updated_at FROM candidates INDEXED BY candidates_versions WHERE id = ");
        out.push_bind_param::<diesel::sql_types::Text, _>(&self.0)
    }
}

impl diesel::query_builder::Query for VersionOnSqlite {
    type SqlType = (diesel::sql_types::BigInt, diesel::sql_types::Timestamp);
}

impl RunQueryDsl<diesel::SqliteConnection> for VersionOnSqlite {}

/// The version of one candidate (404 when there is none).
pub fn listed(conn: &mut DbConnection, id: CandidateId) -> AppResult<Listed> {
    let key = id.to_string();
    let found = match &mut *conn {
        DbConnection::Sqlite(db) => VersionOnSqlite(key).get_result::<(i64, NaiveDateTime)>(db),
        DbConnection::Postgresql(db) => {
            candidates::table.find(&key).select((candidates::version, candidates::updated_at)).get_result(db)
        }
    }
    .optional()?;
    let Some((version, updated_at)) = found else { return Err(missing(conn, id)) };
    Ok(Listed { id, version, updated_at: updated_at.and_utc() })
}

/// A page of candidates, whole.
pub fn list(
    conn: &mut DbConnection,
    filter: &CandidateFilter,
    page: &PageRequest<CandidateSort>,
) -> AppResult<Page<StoredCandidate>> {
    let listed = list_versions(conn, filter, page)?;
    let ids: Vec<CandidateId> = listed.items.iter().map(|l| l.id).collect();
    let mut read: std::collections::HashMap<CandidateId, StoredCandidate> =
        get_many(conn, &ids)?.into_iter().map(|c| (c.id, c)).collect();
    // On PostgreSQL the two reads are not one snapshot: one deleted in between is left out.
    Ok(listed.filter_map(|l| read.remove(&l.id)))
}

/// The list's filters other than `q`, applied to a boxed query whose FROM
/// holds `candidates` (the same filters whether or not a search joins it).
macro_rules! filtered {
    ($query:expr, $filter:expr) => {{
        let filter: &CandidateFilter = $filter;
        let mut query = $query;
        if let Some(status) = filter.status {
            query = query.filter(candidates::status.eq(status.as_str()));
        }
        // Correlated EXISTS, not `id IN (…)`: with IN, SQLite drives the query
        // from the whole list of holders and sorts it for a page of 20 (50-120 ms
        // at 100k); with EXISTS it walks the sort order's index and stops at the page.
        if let Some(skill) = &filter.skill {
            query = query.filter(diesel::dsl::exists(
                candidate_skills::table
                    .filter(candidate_skills::candidate_id.eq(candidates::id))
                    .filter(candidate_skills::skill_key.eq(skill.to_string()))
                    .filter(candidate_skills::level.ge(filter.min_level.unwrap_or(1))),
            ));
        }
        if let Some(industry) = &filter.industry {
            query = query.filter(diesel::dsl::exists(
                candidate_industries::table
                    .filter(candidate_industries::candidate_id.eq(candidates::id))
                    .filter(candidate_industries::industry.eq(industry.clone())),
            ));
        }
        if let Some(language) = &filter.language {
            query = query.filter(diesel::dsl::exists(
                candidate_languages::table
                    .filter(candidate_languages::candidate_id.eq(candidates::id))
                    .filter(candidate_languages::language.eq(language.clone())),
            ));
        }
        if let Some(country) = &filter.country {
            query = query.filter(candidates::country.eq(country.clone()));
        }
        if let Some(date) = filter.available_by {
            query = query
                .filter(candidates::available_from.is_null().or(candidates::available_from.le(date)))
                .filter(candidates::available_until.is_null().or(candidates::available_until.ge(date)));
        }
        if let Some(since) = filter.updated_since {
            query = query.filter(candidates::updated_at.ge(since));
        }
        for tag in &filter.tags {
            query = query.filter(diesel::dsl::exists(
                candidate_tags::table
                    .filter(candidate_tags::candidate_id.eq(candidates::id))
                    .filter(candidate_tags::tag.eq(tag.clone())),
            ));
        }
        if let Some((source, external_id)) = &filter.external_ref {
            // Its own id there, or one a duplicate merged into it had.
            query = query.filter(
                diesel::dsl::exists(
                    candidate_external_ids::table
                        .filter(candidate_external_ids::candidate_id.eq(candidates::id))
                        .filter(candidate_external_ids::source.eq(source.clone()))
                        .filter(candidate_external_ids::external_id.eq(external_id.clone())),
                )
                .or(diesel::dsl::exists(
                    candidate_former_external_ids::table
                        .filter(candidate_former_external_ids::candidate_id.eq(candidates::id))
                        .filter(candidate_former_external_ids::source.eq(source.clone()))
                        .filter(candidate_former_external_ids::external_id.eq(external_id.clone())),
                )),
            );
        }
        if let Some(external_id) = &filter.external_id {
            query = query.filter(candidates::external_id.eq(external_id.clone()));
        }
        if let Some((key, value)) = &filter.custom_field {
            query = query.filter(diesel::dsl::exists(
                candidate_custom_values::table
                    .filter(candidate_custom_values::candidate_id.eq(candidates::id))
                    .filter(candidate_custom_values::key.eq(key.clone()))
                    .filter(candidate_custom_values::value.eq(value.clone())),
            ));
        }
        query
    }};
}

/// The search a filter's `q` asks for (validated where the list was asked).
fn search_of(filter: &CandidateFilter) -> AppResult<Option<SearchQuery>> {
    let parse = |q: &String| SearchQuery::parse(q).map_err(|e| AppError::InvalidQuery(format!("`q`: {e}.")));
    filter.q.as_ref().map(parse).transpose()
}

/// A page of the list as the versions of its candidates, in order.
pub fn list_versions(
    conn: &mut DbConnection,
    filter: &CandidateFilter,
    page: &PageRequest<CandidateSort>,
) -> AppResult<Page<Listed>> {
    let filter = &CandidateFilter {
        custom_field: super::custom_fields::resolve(conn, FieldResource::Candidate, &filter.custom_field)?,
        ..filter.clone()
    };
    let search = search_of(filter)?;
    if page.sort == CandidateSort::Relevance {
        let search =
            search.ok_or_else(|| AppError::InvalidQuery("`sort=relevance` ranks a search: give `q`.".into()))?;
        return ranked_versions(conn, filter, &search, page);
    }
    let engine = search::Engine::of(conn);
    let filtered = || {
        let mut query = candidates::table.into_boxed();
        if let Some(search) = &search {
            query = query.filter(engine.found(search));
        }
        filtered!(query, filter)
    };
    let total = if page.with_total { Some(filtered().count().get_result(conn)?) } else { None };
    let query = filtered().select(ListedRow::as_select()).limit(page.limit + 1);
    let after = page.after.as_ref();
    let (id, dir) = (candidates::id, page.direction);
    let rows: Vec<ListedRow> = match page.sort {
        CandidateSort::CreatedAt => {
            let after = after.map(|p| p.timestamp().map(|t| (t, p.id.clone()))).transpose()?;
            seek!(query, candidates::created_at, id, dir, after).load(conn)?
        }
        CandidateSort::UpdatedAt => {
            let after = after.map(|p| p.timestamp().map(|t| (t, p.id.clone()))).transpose()?;
            seek!(query, candidates::updated_at, id, dir, after).load(conn)?
        }
        // (`Relevance` was ranked above.)
        CandidateSort::LastName | CandidateSort::Relevance => {
            let after = after.map(|p| (p.value.clone(), p.id.clone()));
            seek!(query, candidates::last_name, id, dir, after).load(conn)?
        }
    };
    let sort = page.sort;
    let page = Page::from_rows(rows, page.limit, total, |row| Position {
        value: match sort {
            CandidateSort::CreatedAt => page::timestamp_value(&row.created_at),
            CandidateSort::UpdatedAt => page::timestamp_value(&row.updated_at),
            CandidateSort::LastName | CandidateSort::Relevance => row.last_name.clone(),
        },
        id: row.id.clone(),
    });
    page.try_map(ListedRow::into_listed)
}

/// A page of the candidates a search finds, the best match first (with
/// `Direction::Asc`); the cursor holds the rank.
fn ranked_versions(
    conn: &mut DbConnection,
    filter: &CandidateFilter,
    search: &SearchQuery,
    page: &PageRequest<CandidateSort>,
) -> AppResult<Page<Listed>> {
    let bad_cursor = || AppError::InvalidQuery("the cursor is not valid for this list".into());
    let after = page
        .after
        .as_ref()
        .map(|p| p.value.parse::<f64>().map(|rank| (rank, p.id.clone())).map_err(|_| bad_cursor()))
        .transpose()?;
    let (id, dir, limit) = (candidates::id, page.direction, page.limit + 1);
    let (rows, total): (Vec<(ListedRow, f64)>, Option<i64>) = match search::Engine::of(conn) {
        search::Engine::Fts5 => {
            let filtered = || {
                let joined = candidates::table
                    .inner_join(candidate_texts::table)
                    .inner_join(candidate_search::table.on(candidate_search::rowid.eq(candidate_texts::seq)))
                    .filter(search::fts5::matched(search))
                    .into_boxed();
                filtered!(joined, filter)
            };
            let total = if page.with_total { Some(filtered().count().get_result(conn)?) } else { None };
            let query = filtered().select((ListedRow::as_select(), search::fts5::rank())).limit(limit);
            (seek!(query, search::fts5::rank(), id, dir, after).load(conn)?, total)
        }
        search::Engine::Tsvector => {
            let filtered = || {
                let joined = candidates::table
                    .inner_join(candidate_texts::table)
                    .filter(search::tsvector::matched(search))
                    .into_boxed();
                filtered!(joined, filter)
            };
            let total = if page.with_total { Some(filtered().count().get_result(conn)?) } else { None };
            let query = filtered().select((ListedRow::as_select(), search::tsvector::rank(search))).limit(limit);
            (seek!(query, search::tsvector::rank(search), id, dir, after).load(conn)?, total)
        }
    };
    // The cursor holds the rank as Rust writes an f64 (it reads back to the same value).
    let page = Page::from_rows(rows, page.limit, total, |(row, rank)| Position {
        value: rank.to_string(),
        id: row.id.clone(),
    });
    page.try_map(|(row, _)| row.into_listed())
}

/// Where the search `q` of `filter` found each of `ids`, with its score;
/// `None` when the list has no `q`.
pub fn found_in_page(
    conn: &mut DbConnection,
    filter: &CandidateFilter,
    ids: &[CandidateId],
) -> AppResult<Option<std::collections::HashMap<CandidateId, search::Found>>> {
    let Some(query) = search_of(filter)? else { return Ok(None) };
    Ok(Some(search::snippets(conn, &query, ids)?))
}

/// Every candidate, handed to `f` a batch at a time so the whole bench is never in memory at once.
pub fn each_batch(conn: &mut DbConnection, mut f: impl FnMut(Vec<StoredCandidate>)) -> AppResult<()> {
    let mut request = PageRequest {
        sort: CandidateSort::CreatedAt,
        direction: super::page::Direction::Asc,
        after: None,
        limit: 1000,
        with_total: false,
    };
    loop {
        let page = list(conn, &CandidateFilter::default(), &request)?;
        f(page.items);
        match page.next {
            Some(next) => request.after = Some(next),
            None => return Ok(()),
        }
    }
}

/// Up to how many candidates [`get_many`] reads one at a time on SQLite (on
/// PostgreSQL each would be a round trip).
const ONE_BY_ONE: usize = 64;

/// The candidates of `ids` that exist, in no particular order.
pub fn get_many(conn: &mut DbConnection, ids: &[CandidateId]) -> AppResult<Vec<StoredCandidate>> {
    // A page on SQLite: one kept statement per candidate costs less than an `IN (…)` statement prepared anew.
    if ids.len() <= ONE_BY_ONE && matches!(conn, DbConnection::Sqlite(_)) {
        let mut out = Vec::with_capacity(ids.len());
        for &id in ids {
            match get(conn, id) {
                Ok(c) => out.push(c),
                Err(AppError::NotFound(_) | AppError::Merged { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        return Ok(out);
    }
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let mut out = Vec::with_capacity(ids.len());
    // Bounded batches keep each statement under both backends' parameter limits.
    for chunk in ids.chunks(500) {
        let rows: Vec<Row> =
            candidates::table.filter(candidates::id.eq_any(chunk)).select(Row::as_select()).load(conn)?;
        for row in rows {
            out.push(row.into_domain()?);
        }
    }
    Ok(out)
}

/// Appends a change of the candidate (or of what it holds) to the change log, which every instance's matching index follows.
/// Writers take turns ([`super::changes::take_turn`]), so a follower never skips a change still being committed.
pub(crate) fn record_change(conn: &mut DbConnection, id: CandidateId) -> AppResult<()> {
    super::changes::take_turn(conn)?;
    let change = (candidate_changes::candidate_id.eq(id.to_string()), candidate_changes::changed_at.eq(now()));
    natively!(conn, |db| diesel::insert_into(candidate_changes::table).values(change).execute(db))?;
    Ok(())
}

/// How many logged changes one step of [`follow_changes`] reads.
const FOLLOW_BATCH: i64 = 5_000;

/// Hands `apply` the candidates the change log names after `*seq`, a batch at
/// a time and oldest first, moving `*seq` past each batch `apply` took; gives
/// how many changes there were. For every follower of the log (the matching
/// index, the rendered candidates).
pub fn follow_changes(
    conn: &mut DbConnection,
    seq: &mut i64,
    mut apply: impl FnMut(&mut DbConnection, Vec<CandidateId>) -> AppResult<()>,
) -> AppResult<usize> {
    // Most calls find nothing new: a max over the key is one kept statement,
    // while the page below binds a LIMIT, which SQLite prepares anew.
    if last_change(conn)? <= *seq {
        return Ok(0);
    }
    let mut count = 0;
    loop {
        let changes = changes_since(conn, *seq, FOLLOW_BATCH)?;
        let Some(&(last, _)) = changes.last() else { return Ok(count) };
        count += changes.len();
        apply(conn, changes.into_iter().map(|(_, id)| id).collect())?;
        *seq = last;
    }
}

/// Changes logged after `seq`, oldest first, at most `limit`.
fn changes_since(conn: &mut DbConnection, seq: i64, limit: i64) -> AppResult<Vec<(i64, CandidateId)>> {
    let rows: Vec<(i64, String)> = candidate_changes::table
        .filter(candidate_changes::seq.gt(seq))
        .order(candidate_changes::seq)
        .limit(limit)
        .select((candidate_changes::seq, candidate_changes::candidate_id))
        .load(conn)?;
    rows.into_iter().map(|(seq, id)| Ok((seq, id.parse().map_err(corrupt)?))).collect()
}

/// Forgets the changes logged before `before`. An instance catches up every
/// second, and one that has not for half the time the log is kept reloads
/// its index instead (`LiveIndex::catch_up`), so none needs them.
pub fn prune_changes(conn: &mut DbConnection, before: NaiveDateTime) -> AppResult<usize> {
    Ok(diesel::delete(candidate_changes::table.filter(candidate_changes::changed_at.lt(before))).execute(conn)?)
}

/// The last change logged (0 when none).
pub fn last_change(conn: &mut DbConnection) -> AppResult<i64> {
    let last: Option<i64> =
        natively!(conn, |db| candidate_changes::table.select(diesel::dsl::max(candidate_changes::seq)).get_result(db))?;
    Ok(last.unwrap_or(0))
}
