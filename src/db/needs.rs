//! Queries for needs (mandates) and the rules that involve other records.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::organizations::corrupt;
use super::page::{self, Page, PageRequest, Position, lower, seek};
use super::schema::{need_custom_values, need_external_ids, need_tags, needs, skillsets};
use super::{DbConnection, json, now};
use crate::domain::codes::Location;
use crate::domain::custom_field::FieldResource;
use crate::domain::external;
use crate::domain::need::{Need, NeedReason, NeedStatus, Urgency};
use crate::domain::webhook::EventType;
use crate::domain::{CrisisSignal, Currency, DayRate, FieldError, NeedId, OrganizationId, SkillsetId, Stored};
use crate::error::{AppError, AppResult};

/// A need and when it was first opened.
pub type StoredNeed = Stored<NeedId, (Need, Option<chrono::DateTime<chrono::Utc>>)>;

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = needs, treat_none_as_null = true)]
struct Row {
    id: String,
    organization_id: String,
    title: String,
    reason: String,
    crisis_signals: String,
    skillset_id: Option<String>,
    start_by: Option<NaiveDate>,
    duration_months: Option<i32>,
    budget_amount: Option<i64>,
    budget_currency: Option<String>,
    city: Option<String>,
    country: Option<String>,
    remote_policy: String,
    urgency: String,
    status: String,
    charter: String,
    opened_at: Option<NaiveDateTime>,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    external_id: Option<String>,
    /// The need's tags as JSON, sorted; `need_tags` holds them for the filters.
    tags: String,
    /// The need's ids by source as JSON; `need_external_ids` holds them for lookups.
    external_ids: String,
    /// The custom fields' values as JSON; `need_custom_values` holds them for the filters.
    custom_fields: String,
}

impl Row {
    fn new(
        id: NeedId,
        n: &Need,
        opened_at: Option<NaiveDateTime>,
        version: i64,
        created_at: NaiveDateTime,
        updated_at: NaiveDateTime,
    ) -> AppResult<Self> {
        Ok(Row {
            id: id.to_string(),
            external_id: n.external_id.clone(),
            organization_id: n.organization_id.to_string(),
            title: n.title.clone(),
            reason: n.reason.as_str().into(),
            crisis_signals: json::encode(&n.crisis_signals)?,
            skillset_id: n.skillset_id.map(|s| s.to_string()),
            start_by: n.start_by,
            duration_months: n.duration_months,
            budget_amount: n.day_rate_budget.map(|b| b.amount),
            budget_currency: n.day_rate_budget.map(|b| b.currency.code()),
            city: n.location.as_ref().and_then(|l| l.city.clone()),
            country: n.location.as_ref().map(|l| l.country.clone()),
            remote_policy: n.remote_policy.as_str().into(),
            urgency: n.urgency.as_str().into(),
            status: n.status.as_str().into(),
            charter: json::encode(&n.charter)?,
            opened_at,
            version,
            created_at,
            updated_at,
            tags: json::encode(&n.tags)?,
            external_ids: json::encode(&n.external_ids)?,
            custom_fields: json::encode(&n.custom_fields)?,
        })
    }

    fn into_domain(self) -> AppResult<StoredNeed> {
        let day_rate_budget = match (self.budget_amount, self.budget_currency.as_deref()) {
            (Some(amount), Some(code)) => Some(DayRate { amount, currency: Currency::parse(code).map_err(corrupt)? }),
            _ => None,
        };
        let need = Need {
            external_id: self.external_id,
            organization_id: self.organization_id.parse().map_err(corrupt)?,
            title: self.title,
            reason: self.reason.parse().map_err(corrupt)?,
            crisis_signals: json::decode(&self.crisis_signals)?,
            skillset_id: self.skillset_id.as_deref().map(str::parse).transpose().map_err(corrupt)?,
            start_by: self.start_by,
            duration_months: self.duration_months,
            day_rate_budget,
            location: self.country.map(|country| Location { city: self.city, country }),
            remote_policy: self.remote_policy.parse().map_err(corrupt)?,
            urgency: self.urgency.parse().map_err(corrupt)?,
            status: self.status.parse().map_err(corrupt)?,
            charter: json::decode(&self.charter)?,
            tags: json::decode(&self.tags)?,
            external_ids: json::decode(&self.external_ids)?,
            custom_fields: json::decode(&self.custom_fields)?,
        };
        Ok(Stored {
            id: self.id.parse().map_err(corrupt)?,
            value: (need, self.opened_at.map(|t| t.and_utc())),
            version: self.version,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        })
    }
}

/// Checks what the need refers to: its organization, and a skillset that is
/// a global template or the organization's own.
/// The need of `organization` with this external id.
pub fn find_by_external_id(
    conn: &mut DbConnection,
    organization: OrganizationId,
    external_id: &str,
) -> AppResult<Option<StoredNeed>> {
    needs::table
        .filter(needs::organization_id.eq(organization.to_string()))
        .filter(needs::external_id.eq(external_id))
        .select(Row::as_select())
        .get_result(conn)
        .optional()?
        .map(Row::into_domain)
        .transpose()
}

/// Refuses an external id (or an id in a source system) another need of the organization has.
fn ensure_unique(conn: &mut DbConnection, n: &Need, except: Option<NeedId>) -> AppResult<()> {
    for (source, external_id) in &n.external_ids {
        if holder_of(conn, n.organization_id, source, external_id)?.is_some_and(|holder| Some(holder) != except) {
            return Err(AppError::Conflict(format!(
                "Another need of this organization has the id `{external_id}` of source `{source}` (external_ids)."
            )));
        }
    }
    let Some(external_id) = &n.external_id else { return Ok(()) };
    match find_by_external_id(conn, n.organization_id, external_id)? {
        Some(other) if Some(other.id) != except => {
            Err(AppError::Conflict("Another need of this organization has this external id.".into()))
        }
        _ => Ok(()),
    }
}

fn ensure_references(conn: &mut DbConnection, n: &Need) -> AppResult<()> {
    let mut errors = Vec::new();
    if !super::organizations::exists(conn, n.organization_id)? {
        errors.push(FieldError {
            field: "organization_id".into(),
            code: "unknown_organization",
            message: "no organization has this id".into(),
        });
    }
    if let Some(skillset) = n.skillset_id {
        let owner: Option<Option<String>> = skillsets::table
            .find(skillset.to_string())
            .select(skillsets::organization_id)
            .get_result(conn)
            .optional()?;
        match owner {
            None => errors.push(FieldError {
                field: "skillset_id".into(),
                code: "unknown_skillset",
                message: "no ideal skillset has this id".into(),
            }),
            // Another organization's skillset looks unknown, so its existence does not leak.
            Some(Some(owner)) if owner != n.organization_id.to_string() => errors.push(FieldError {
                field: "skillset_id".into(),
                code: "unknown_skillset",
                message: "no global template or skillset of this organization has this id".into(),
            }),
            Some(_) => {}
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(AppError::Validation(errors)) }
}

pub fn insert(conn: &mut DbConnection, n: &Need) -> AppResult<StoredNeed> {
    ensure_references(conn, n)?;
    ensure_unique(conn, n, None)?;
    let at = now();
    let opened_at = (n.status == NeedStatus::Open).then_some(at);
    let row = Row::new(NeedId::generate(), n, opened_at, 1, at, at)?;
    diesel::insert_into(needs::table).values(&row).execute(conn)?;
    write_tags(conn, &row.id, &n.tags)?;
    write_external_ids(conn, &row.id, n)?;
    super::custom_fields::write_values(conn, FieldResource::Need, &row.id, &n.custom_fields)?;
    let stored = row.into_domain()?;
    announce(conn, EventType::NeedCreated, &stored)?;
    Ok(stored)
}

/// Writes a need's tags where the list filter reads them (one statement a row:
/// batch inserts are not in the subset both backends share).
fn write_tags(conn: &mut DbConnection, id: &str, tags: &[String]) -> AppResult<()> {
    for tag in tags {
        diesel::insert_into(need_tags::table)
            .values((need_tags::need_id.eq(id), need_tags::tag.eq(tag)))
            .execute(conn)?;
    }
    Ok(())
}

fn write_external_ids(conn: &mut DbConnection, id: &str, n: &Need) -> AppResult<()> {
    for (source, external_id) in &n.external_ids {
        diesel::insert_into(need_external_ids::table)
            .values((
                need_external_ids::organization_id.eq(n.organization_id.to_string()),
                need_external_ids::source.eq(source),
                need_external_ids::external_id.eq(external_id),
                need_external_ids::need_id.eq(id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The need of `organization` with this id in this source system.
pub fn holder_of(
    conn: &mut DbConnection,
    organization: OrganizationId,
    source: &str,
    external_id: &str,
) -> AppResult<Option<NeedId>> {
    let holder: Option<String> = need_external_ids::table
        .find((organization.to_string(), source, external_id))
        .select(need_external_ids::need_id)
        .get_result(conn)
        .optional()?;
    holder.map(|h| h.parse().map_err(corrupt)).transpose()
}

/// The need an import row names: by its ids in source systems first (ids
/// naming two needs are refused), else by its `external_id`.
pub fn find_for_import(conn: &mut DbConnection, n: &Need) -> AppResult<Option<StoredNeed>> {
    let mut named = std::collections::BTreeSet::new();
    for (source, external_id) in &n.external_ids {
        named.extend(holder_of(conn, n.organization_id, source, external_id)?);
    }
    let message = "these ids name different needs of the organization";
    let one = external::one_named(named, message).map_err(|e| AppError::field("external_ids", e.code, e.message))?;
    if let Some(id) = one {
        return get(conn, id).map(Some);
    }
    match &n.external_id {
        Some(external_id) => find_by_external_id(conn, n.organization_id, external_id),
        None => Ok(None),
    }
}

pub fn get(conn: &mut DbConnection, id: NeedId) -> AppResult<StoredNeed> {
    natively!(conn, |db| needs::table.find(id.to_string()).select(Row::as_select()).get_result(db))
        .optional()?
        .ok_or(AppError::NotFound("need"))?
        .into_domain()
}

pub fn update(conn: &mut DbConnection, current: &StoredNeed, n: &Need) -> AppResult<StoredNeed> {
    let (before, opened_at) = &current.value;
    if n.organization_id != before.organization_id {
        return Err(AppError::field(
            "organization_id",
            "immutable",
            "a need cannot move to another organization; create a new need instead",
        ));
    }
    if !before.status.can_move_to(n.status) {
        let allowed: Vec<&str> = before.status.allowed_moves().iter().map(NeedStatus::as_str).collect();
        return Err(AppError::Conflict(format!(
            "A need cannot move from `{}` to `{}`; allowed: {}.",
            before.status,
            n.status,
            if allowed.is_empty() { "none".to_owned() } else { allowed.join(", ") }
        )));
    }
    ensure_references(conn, n)?;
    ensure_unique(conn, n, Some(current.id))?;
    let at = now();
    let opened_at = opened_at.map(|t| t.naive_utc()).or((n.status == NeedStatus::Open).then_some(at));
    let row = Row::new(current.id, n, opened_at, current.version + 1, current.created_at.naive_utc(), at)?;
    let updated = diesel::update(needs::table.find(&row.id).filter(needs::version.eq(current.version)))
        .set(&row)
        .execute(conn)?;
    super::ensure_updated(updated)?;
    if n.tags != before.tags {
        diesel::delete(need_tags::table.filter(need_tags::need_id.eq(&row.id))).execute(conn)?;
        write_tags(conn, &row.id, &n.tags)?;
    }
    if n.external_ids != before.external_ids {
        diesel::delete(need_external_ids::table.filter(need_external_ids::need_id.eq(&row.id))).execute(conn)?;
        write_external_ids(conn, &row.id, n)?;
    }
    if n.custom_fields != before.custom_fields {
        super::custom_fields::write_values(conn, FieldResource::Need, &row.id, &n.custom_fields)?;
    }
    let stored = row.into_domain()?;
    announce(conn, EventType::NeedUpdated, &stored)?;
    Ok(stored)
}

pub fn delete(conn: &mut DbConnection, id: NeedId) -> AppResult<()> {
    let need = get(conn, id)?;
    diesel::delete(needs::table.find(id.to_string())).execute(conn)?;
    super::notes::forget_about(conn, crate::domain::note::NoteSubject::Need, &id.to_string())?;
    let organization = need.value.0.organization_id;
    super::webhooks::announce(conn, EventType::NeedDeleted, Some(organization), serde_json::json!({"id": id}))
}

/// Need events name the need, its organization, status and version.
pub(crate) fn announce(conn: &mut DbConnection, event: EventType, need: &StoredNeed) -> AppResult<()> {
    let n = &need.value.0;
    let data = serde_json::json!({"id": need.id, "organization_id": n.organization_id, "status": n.status,
        "version": need.version, "custom_fields": n.custom_fields});
    super::webhooks::announce(conn, event, Some(n.organization_id), data)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NeedSort {
    CreatedAt,
    UpdatedAt,
    Title,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct NeedFilter {
    pub q: Option<String>,
    pub organization_id: Option<OrganizationId>,
    pub status: Option<NeedStatus>,
    pub reason: Option<NeedReason>,
    pub urgency: Option<Urgency>,
    pub crisis_signal: Option<CrisisSignal>,
    pub skillset_id: Option<SkillsetId>,
    pub updated_since: Option<NaiveDateTime>,
    /// Carries every one of these tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Has this id in this source system.
    #[serde(default)]
    pub external_ref: Option<(String, String)>,
    /// Holds this value (as the value rows keep it) of this custom field.
    #[serde(default)]
    pub custom_field: Option<(String, String)>,
}

pub fn list(conn: &mut DbConnection, filter: &NeedFilter, page: &PageRequest<NeedSort>) -> AppResult<Page<StoredNeed>> {
    let filter = &NeedFilter {
        custom_field: super::custom_fields::resolve(conn, FieldResource::Need, &filter.custom_field)?,
        ..filter.clone()
    };
    let filtered = || {
        let mut query = needs::table.into_boxed();
        if let Some(q) = &filter.q {
            query = query.filter(lower(needs::title).like(page::contains_pattern(q)).escape('\\'));
        }
        if let Some(org) = filter.organization_id {
            query = query.filter(needs::organization_id.eq(org.to_string()));
        }
        if let Some(status) = filter.status {
            query = query.filter(needs::status.eq(status.as_str()));
        }
        if let Some(reason) = filter.reason {
            query = query.filter(needs::reason.eq(reason.as_str()));
        }
        if let Some(urgency) = filter.urgency {
            query = query.filter(needs::urgency.eq(urgency.as_str()));
        }
        if let Some(signal) = filter.crisis_signal {
            // Signals are stored as a JSON array of fixed words, so the quoted
            // word matches exactly one element.
            query = query.filter(needs::crisis_signals.like(format!("%\"{}\"%", signal.as_str())));
        }
        if let Some(skillset) = filter.skillset_id {
            query = query.filter(needs::skillset_id.eq(skillset.to_string()));
        }
        if let Some(since) = filter.updated_since {
            query = query.filter(needs::updated_at.ge(since));
        }
        for tag in &filter.tags {
            query = query.filter(diesel::dsl::exists(
                need_tags::table.filter(need_tags::need_id.eq(needs::id)).filter(need_tags::tag.eq(tag.clone())),
            ));
        }
        if let Some((key, value)) = &filter.custom_field {
            query = query.filter(diesel::dsl::exists(
                need_custom_values::table
                    .filter(need_custom_values::need_id.eq(needs::id))
                    .filter(need_custom_values::key.eq(key.clone()))
                    .filter(need_custom_values::value.eq(value.clone())),
            ));
        }
        if let Some((source, external_id)) = &filter.external_ref {
            query = query.filter(diesel::dsl::exists(
                need_external_ids::table
                    .filter(need_external_ids::need_id.eq(needs::id))
                    .filter(need_external_ids::source.eq(source.clone()))
                    .filter(need_external_ids::external_id.eq(external_id.clone())),
            ));
        }
        query
    };
    let total = if page.with_total { Some(filtered().count().get_result(conn)?) } else { None };
    let query = filtered().select(Row::as_select()).limit(page.limit + 1);
    let after = page.after.as_ref();
    let (id, dir) = (needs::id, page.direction);
    let rows: Vec<Row> = match page.sort {
        NeedSort::CreatedAt => {
            let after = after.map(|p| p.timestamp().map(|t| (t, p.id.clone()))).transpose()?;
            seek!(query, needs::created_at, id, dir, after).load(conn)?
        }
        NeedSort::UpdatedAt => {
            let after = after.map(|p| p.timestamp().map(|t| (t, p.id.clone()))).transpose()?;
            seek!(query, needs::updated_at, id, dir, after).load(conn)?
        }
        NeedSort::Title => {
            let after = after.map(|p| (p.value.clone(), p.id.clone()));
            seek!(query, needs::title, id, dir, after).load(conn)?
        }
    };
    let sort = page.sort;
    Page::from_rows(rows, page.limit, total, |row| Position {
        value: match sort {
            NeedSort::CreatedAt => page::timestamp_value(&row.created_at),
            NeedSort::UpdatedAt => page::timestamp_value(&row.updated_at),
            NeedSort::Title => row.title.clone(),
        },
        id: row.id.clone(),
    })
    .try_map(Row::into_domain)
}

/// Every open need.
pub fn all_open(conn: &mut DbConnection) -> AppResult<Vec<StoredNeed>> {
    let rows: Vec<Row> = needs::table
        .filter(needs::status.eq(NeedStatus::Open.as_str()))
        .order(needs::id)
        .select(Row::as_select())
        .load(conn)?;
    rows.into_iter().map(Row::into_domain).collect()
}

/// The needs that were ever opened, of one organization or of all, oldest first.
pub fn ever_opened(conn: &mut DbConnection, organization: Option<OrganizationId>) -> AppResult<Vec<StoredNeed>> {
    let mut query = needs::table.filter(needs::opened_at.is_not_null()).into_boxed();
    if let Some(org) = organization {
        query = query.filter(needs::organization_id.eq(org.to_string()));
    }
    let rows: Vec<Row> = query.order((needs::opened_at.asc(), needs::id.asc())).select(Row::as_select()).load(conn)?;
    rows.into_iter().map(Row::into_domain).collect()
}

/// The needs of `ids`.
pub fn many(conn: &mut DbConnection, ids: &[NeedId]) -> AppResult<Vec<StoredNeed>> {
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let rows: Vec<Row> = needs::table.filter(needs::id.eq_any(ids)).select(Row::as_select()).load(conn)?;
    rows.into_iter().map(Row::into_domain).collect()
}
