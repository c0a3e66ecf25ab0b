//! Queries for API keys. Only a hash of each secret is stored.

use std::collections::BTreeSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::organizations::corrupt;
use super::schema::api_keys;
use super::{DbConnection, json, now};
use crate::domain::access::{ApiKey, Permission};
use crate::error::{AppError, AppResult};

/// An API key as stored, with its life-cycle times.
#[derive(Debug, Clone)]
pub struct StoredApiKey {
    pub id: String,
    pub key: ApiKey,
    pub created_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl StoredApiKey {
    /// 1 while the key is live, 2 once revoked: the only change a key sees.
    pub fn version(&self) -> i64 {
        if self.revoked_at.is_some() { 2 } else { 1 }
    }

    pub fn usable(&self) -> bool {
        self.revoked_at.is_none() && self.key.expires_at.is_none_or(|at| at > chrono::Utc::now())
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = api_keys)]
struct Row {
    id: String,
    name: String,
    secret_hash: String,
    scopes: String,
    organization_id: Option<String>,
    expires_at: Option<NaiveDateTime>,
    revoked_at: Option<NaiveDateTime>,
    last_used_at: Option<NaiveDateTime>,
    created_by: String,
    created_at: NaiveDateTime,
}

impl Row {
    fn into_domain(self) -> AppResult<StoredApiKey> {
        let scopes: Vec<String> = json::decode(&self.scopes)?;
        let scopes: BTreeSet<Permission> =
            scopes.iter().map(|s| s.parse()).collect::<Result<_, _>>().map_err(corrupt)?;
        Ok(StoredApiKey {
            id: self.id,
            key: ApiKey {
                name: self.name,
                scopes,
                organization_id: self.organization_id.as_deref().map(str::parse).transpose().map_err(corrupt)?,
                expires_at: self.expires_at.map(|t| t.and_utc()),
            },
            created_by: self.created_by,
            created_at: self.created_at.and_utc(),
            revoked_at: self.revoked_at.map(|t| t.and_utc()),
            last_used_at: self.last_used_at.map(|t| t.and_utc()),
        })
    }
}

pub fn insert(conn: &mut DbConnection, key: &ApiKey, secret_hash: String, created_by: &str) -> AppResult<StoredApiKey> {
    if let Some(org) = key.organization_id
        && !super::organizations::exists(conn, org)?
    {
        return Err(AppError::field("organization_id", "unknown_organization", "no organization has this id"));
    }
    let scopes: Vec<&str> = key.scopes.iter().map(|p| p.scope()).collect();
    let row = Row {
        id: format!("key_{}", uuid::Uuid::now_v7().simple()),
        name: key.name.clone(),
        secret_hash,
        scopes: json::encode(&scopes)?,
        organization_id: key.organization_id.map(|o| o.to_string()),
        expires_at: key.expires_at.map(|t| t.naive_utc()),
        revoked_at: None,
        last_used_at: None,
        created_by: created_by.into(),
        created_at: now(),
    };
    diesel::insert_into(api_keys::table).values(&row).execute(conn)?;
    row.into_domain()
}

pub fn get(conn: &mut DbConnection, id: &str) -> AppResult<StoredApiKey> {
    api_keys::table
        .find(id)
        .select(Row::as_select())
        .get_result(conn)
        .optional()?
        .ok_or(AppError::NotFound("API key"))?
        .into_domain()
}

/// The key with this id and its secret's hash.
pub fn find_for_login(conn: &mut DbConnection, id: &str) -> AppResult<Option<(StoredApiKey, String)>> {
    // No stored value holds U+0000, and PostgreSQL refuses to compare one.
    if id.contains('\0') {
        return Ok(None);
    }
    let row: Option<Row> = api_keys::table.find(id).select(Row::as_select()).get_result(conn).optional()?;
    row.map(|r| {
        let hash = r.secret_hash.clone();
        r.into_domain().map(|k| (k, hash))
    })
    .transpose()
}

/// Records a use of the key, refusing it when revoked or expired. The time
/// is written at most once a minute, so busy scripts do not write on every call.
pub fn touch(conn: &mut DbConnection, id: &str) -> AppResult<()> {
    let key = get(conn, id).map_err(|_| AppError::Unauthenticated(Some("the API key no longer exists")))?;
    if !key.usable() {
        return Err(AppError::Unauthenticated(Some("the API key is revoked or expired")));
    }
    let stale = key.last_used_at.is_none_or(|at| chrono::Utc::now() - at > chrono::TimeDelta::seconds(60));
    if stale {
        diesel::update(api_keys::table.find(id)).set(api_keys::last_used_at.eq(now())).execute(conn)?;
    }
    Ok(())
}

pub fn revoke(conn: &mut DbConnection, id: &str) -> AppResult<StoredApiKey> {
    let key = get(conn, id)?;
    if key.revoked_at.is_none() {
        diesel::update(api_keys::table.find(id)).set(api_keys::revoked_at.eq(now())).execute(conn)?;
    }
    get(conn, id)
}

pub fn list(conn: &mut DbConnection) -> AppResult<Vec<StoredApiKey>> {
    let rows: Vec<Row> = api_keys::table.select(Row::as_select()).order(api_keys::id).load(conn)?;
    rows.into_iter().map(Row::into_domain).collect()
}
