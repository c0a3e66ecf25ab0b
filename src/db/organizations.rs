//! Queries for organizations.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::page::{self, Page, PageRequest, Position, lower, seek};
use super::schema::{needs, organizations, skillsets};
use super::{DbConnection, now};
use crate::domain::organization::{Organization, OrganizationSize};
use crate::domain::{OrganizationId, Stored};
use crate::error::{AppError, AppResult};

pub type StoredOrganization = Stored<OrganizationId, Organization>;

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = organizations, treat_none_as_null = true)]
struct Row {
    id: String,
    name: String,
    industry: Option<String>,
    size: Option<String>,
    region: Option<String>,
    country: Option<String>,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl Row {
    fn new(
        id: OrganizationId,
        o: &Organization,
        version: i64,
        created_at: NaiveDateTime,
        updated_at: NaiveDateTime,
    ) -> Self {
        Row {
            id: id.to_string(),
            name: o.name.clone(),
            industry: o.industry.clone(),
            size: o.size.map(|s| s.as_str().to_owned()),
            region: o.region.clone(),
            country: o.country.clone(),
            version,
            created_at,
            updated_at,
        }
    }

    fn into_domain(self) -> AppResult<StoredOrganization> {
        Ok(Stored {
            id: self.id.parse().map_err(corrupt)?,
            value: Organization {
                name: self.name,
                industry: self.industry,
                size: self.size.as_deref().map(str::parse).transpose().map_err(corrupt)?,
                region: self.region,
                country: self.country,
            },
            version: self.version,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        })
    }
}

/// A stored value that no longer parses: a bug or a manual edit, never the client's fault.
pub(crate) fn corrupt(e: crate::domain::validation::Invalid) -> AppError {
    AppError::Internal(anyhow::anyhow!("stored value does not parse: {}", e.message))
}

pub fn insert(conn: &mut DbConnection, org: &Organization) -> AppResult<StoredOrganization> {
    let at = now();
    let row = Row::new(OrganizationId::generate(), org, 1, at, at);
    diesel::insert_into(organizations::table).values(&row).execute(conn)?;
    row.into_domain()
}

pub fn get(conn: &mut DbConnection, id: OrganizationId) -> AppResult<StoredOrganization> {
    organizations::table
        .find(id.to_string())
        .select(Row::as_select())
        .get_result(conn)
        .optional()?
        .ok_or(AppError::NotFound("organization"))?
        .into_domain()
}

pub fn exists(conn: &mut DbConnection, id: OrganizationId) -> AppResult<bool> {
    let found = organizations::table.find(id.to_string()).count().get_result::<i64>(conn)?;
    Ok(found > 0)
}

/// Whether an organization has exactly this name.
pub fn exists_named(conn: &mut DbConnection, name: &str) -> AppResult<bool> {
    let found = organizations::table.filter(organizations::name.eq(name)).count().get_result::<i64>(conn)?;
    Ok(found > 0)
}

pub fn update(
    conn: &mut DbConnection,
    current: &StoredOrganization,
    org: &Organization,
) -> AppResult<StoredOrganization> {
    let row = Row::new(current.id, org, current.version + 1, current.created_at.naive_utc(), now());
    let updated = diesel::update(organizations::table.find(&row.id).filter(organizations::version.eq(current.version)))
        .set(&row)
        .execute(conn)?;
    super::ensure_updated(updated)?;
    row.into_domain()
}

pub fn delete(conn: &mut DbConnection, id: OrganizationId) -> AppResult<()> {
    let id = id.to_string();
    let needs: i64 = needs::table.filter(needs::organization_id.eq(&id)).count().get_result(conn)?;
    let skillsets: i64 = skillsets::table.filter(skillsets::organization_id.eq(&id)).count().get_result(conn)?;
    if needs + skillsets > 0 {
        return Err(AppError::Conflict(format!(
            "The organization still has {needs} need(s) and {skillsets} skillset(s); delete them first."
        )));
    }
    match diesel::delete(organizations::table.find(id)).execute(conn)? {
        0 => Err(AppError::NotFound("organization")),
        _ => Ok(()),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganizationSort {
    CreatedAt,
    UpdatedAt,
    Name,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct OrganizationFilter {
    /// Only this organization (an organization member's view).
    #[serde(skip)]
    pub only: Option<OrganizationId>,
    pub q: Option<String>,
    pub industry: Option<String>,
    pub size: Option<OrganizationSize>,
    pub country: Option<String>,
    pub updated_since: Option<NaiveDateTime>,
}

pub fn list(
    conn: &mut DbConnection,
    filter: &OrganizationFilter,
    page: &PageRequest<OrganizationSort>,
) -> AppResult<Page<StoredOrganization>> {
    let filtered = || {
        let mut query = organizations::table.into_boxed();
        if let Some(only) = filter.only {
            query = query.filter(organizations::id.eq(only.to_string()));
        }
        if let Some(q) = &filter.q {
            query = query.filter(lower(organizations::name).like(page::contains_pattern(q)).escape('\\'));
        }
        if let Some(industry) = &filter.industry {
            query = query.filter(organizations::industry.eq(industry.to_lowercase()));
        }
        if let Some(size) = &filter.size {
            query = query.filter(organizations::size.eq(size.as_str()));
        }
        if let Some(country) = &filter.country {
            query = query.filter(organizations::country.eq(country));
        }
        if let Some(since) = filter.updated_since {
            query = query.filter(organizations::updated_at.ge(since));
        }
        query
    };
    let total = if page.with_total { Some(filtered().count().get_result(conn)?) } else { None };
    let query = filtered().select(Row::as_select()).limit(page.limit + 1);
    let after = page.after.as_ref();
    let (id, dir) = (organizations::id, page.direction);
    let rows: Vec<Row> = match page.sort {
        OrganizationSort::CreatedAt => {
            let after = after.map(|p| p.timestamp().map(|t| (t, p.id.clone()))).transpose()?;
            seek!(query, organizations::created_at, id, dir, after).load(conn)?
        }
        OrganizationSort::UpdatedAt => {
            let after = after.map(|p| p.timestamp().map(|t| (t, p.id.clone()))).transpose()?;
            seek!(query, organizations::updated_at, id, dir, after).load(conn)?
        }
        OrganizationSort::Name => {
            let after = after.map(|p| (p.value.clone(), p.id.clone()));
            seek!(query, organizations::name, id, dir, after).load(conn)?
        }
    };
    let sort = page.sort;
    Page::from_rows(rows, page.limit, total, |row| Position {
        value: match sort {
            OrganizationSort::CreatedAt => page::timestamp_value(&row.created_at),
            OrganizationSort::UpdatedAt => page::timestamp_value(&row.updated_at),
            OrganizationSort::Name => row.name.clone(),
        },
        id: row.id.clone(),
    })
    .try_map(Row::into_domain)
}
