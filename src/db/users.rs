//! Queries for users.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::organizations::corrupt;
use super::schema::users;
use super::{DbConnection, now};
use crate::domain::access::{Role, User};
use crate::domain::{OrganizationId, Stored};
use crate::error::{AppError, AppResult};

pub type StoredUser = Stored<uuid::Uuid, User>;

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = users, treat_none_as_null = true)]
struct Row {
    id: String,
    email: String,
    display_name: Option<String>,
    password_hash: String,
    role: String,
    organization_id: Option<String>,
    active: bool,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    token_epoch: i64,
    /// The SCIM userName in lowercase; a user created here is named by their e-mail.
    user_name_key: Option<String>,
    provisioned: bool,
}

impl Row {
    fn into_domain(self) -> AppResult<StoredUser> {
        Ok(Stored {
            id: self.id.parse().map_err(|_| AppError::Internal(anyhow::anyhow!("stored user id is not a UUID")))?,
            value: User {
                email: self.email,
                display_name: self.display_name,
                role: self.role.parse().map_err(corrupt)?,
                organization_id: self.organization_id.as_deref().map(str::parse).transpose().map_err(corrupt)?,
                active: self.active,
            },
            version: self.version,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        })
    }
}

fn ensure_organization(conn: &mut DbConnection, org: Option<OrganizationId>) -> AppResult<()> {
    if let Some(org) = org
        && !super::organizations::exists(conn, org)?
    {
        return Err(AppError::field("organization_id", "unknown_organization", "no organization has this id"));
    }
    Ok(())
}

pub fn count(conn: &mut DbConnection) -> AppResult<i64> {
    Ok(users::table.count().get_result(conn)?)
}

pub fn insert(conn: &mut DbConnection, user: &User, password_hash: String) -> AppResult<StoredUser> {
    ensure_organization(conn, user.organization_id)?;
    let taken: i64 = users::table
        .filter(users::email.eq(&user.email).or(users::user_name_key.eq(&user.email)))
        .count()
        .get_result(conn)?;
    if taken > 0 {
        return Err(AppError::Conflict("A user with this e-mail address exists.".into()));
    }
    let at = now();
    let row = Row {
        id: uuid::Uuid::now_v7().to_string(),
        email: user.email.clone(),
        display_name: user.display_name.clone(),
        password_hash,
        role: user.role.as_str().into(),
        organization_id: user.organization_id.map(|o| o.to_string()),
        active: user.active,
        version: 1,
        created_at: at,
        updated_at: at,
        token_epoch: 0,
        user_name_key: Some(user.email.clone()),
        provisioned: false,
    };
    diesel::insert_into(users::table).values(&row).execute(conn)?;
    row.into_domain()
}

pub fn get(conn: &mut DbConnection, id: uuid::Uuid) -> AppResult<StoredUser> {
    users::table
        .find(id.to_string())
        .select(Row::as_select())
        .get_result(conn)
        .optional()?
        .ok_or(AppError::NotFound("user"))?
        .into_domain()
}

/// A user found by their login, with what a token issued to them carries.
pub struct Login {
    pub user: StoredUser,
    pub password_hash: String,
    pub token_epoch: i64,
}

/// The user with this e-mail (trimmed, in lowercase: as stored) and their password hash.
pub fn find_for_login(conn: &mut DbConnection, email: &str) -> AppResult<Option<Login>> {
    // No stored value holds U+0000, and PostgreSQL refuses to compare one.
    if email.contains('\0') {
        return Ok(None);
    }
    let row: Option<Row> = users::table
        .filter(users::email.eq(login_identity(email)))
        .select(Row::as_select())
        .get_result(conn)
        .optional()?;
    row.map(|r| {
        let (password_hash, token_epoch) = (r.password_hash.clone(), r.token_epoch);
        r.into_domain().map(|user| Login { user, password_hash, token_epoch })
    })
    .transpose()
}

/// The account a login names: what the token endpoint looks up and rate-limits.
pub fn login_identity(email: &str) -> String {
    email.trim().to_lowercase()
}

/// What decides whether a user's token still speaks for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub active: bool,
    pub role: Role,
    pub organization_id: Option<OrganizationId>,
    pub token_epoch: i64,
}

/// The user's standing now; `None` once they are deleted. Read on every
/// request a user's token makes, by the primary key.
pub fn standing(conn: &mut DbConnection, id: &str) -> AppResult<Option<Standing>> {
    let row: Option<(bool, String, Option<String>, i64)> = natively!(&mut *conn, |db| users::table
        .find(id)
        .select((users::active, users::role, users::organization_id, users::token_epoch))
        .get_result(db)
        .optional()?);
    row.map(|(active, role, organization_id, token_epoch)| {
        Ok(Standing {
            active,
            role: role.parse().map_err(corrupt)?,
            organization_id: organization_id.as_deref().map(str::parse).transpose().map_err(corrupt)?,
            token_epoch,
        })
    })
    .transpose()
}

/// The user a login names (their SCIM `userName` or their e-mail, as [`login_identity`] reads it), with their
/// standing: who an identity provider's token with a `user_claim` acts as.
pub fn signed_in(conn: &mut DbConnection, login: &str) -> AppResult<Option<(String, Standing)>> {
    if login.contains('\0') {
        return Ok(None);
    }
    let row: Option<(String, bool, String, Option<String>, i64)> = users::table
        .filter(users::user_name_key.eq(login).or(users::email.eq(login)))
        .select((users::id, users::active, users::role, users::organization_id, users::token_epoch))
        .first(conn)
        .optional()?;
    row.map(|(id, active, role, organization_id, token_epoch)| {
        Ok((
            id,
            Standing {
                active,
                role: role.parse().map_err(corrupt)?,
                organization_id: organization_id.as_deref().map(str::parse).transpose().map_err(corrupt)?,
                token_epoch,
            },
        ))
    })
    .transpose()
}

/// Replaces a user's fields; a new password hash when given.
pub fn update(
    conn: &mut DbConnection,
    current: &StoredUser,
    user: &User,
    password_hash: Option<String>,
) -> AppResult<StoredUser> {
    ensure_organization(conn, user.organization_id)?;
    let id = current.id.to_string();
    let taken: i64 = users::table
        .filter(users::email.eq(&user.email).or(users::user_name_key.eq(&user.email)))
        .filter(users::id.ne(&id))
        .count()
        .get_result(conn)?;
    if taken > 0 {
        return Err(AppError::Conflict("A user with this e-mail address exists.".into()));
    }
    let provisioned: bool = users::table.find(&id).select(users::provisioned).get_result(conn)?;
    let before = &current.value;
    if provisioned
        && (before.email != user.email
            || before.role != user.role
            || before.organization_id != user.organization_id
            || before.active != user.active)
    {
        return Err(AppError::Conflict(
            "This user is provisioned by the identity provider (SCIM): their e-mail, role, organization and \
             whether they are active change there (or through the groups it maps); here only display_name and \
             password change."
                .into(),
        ));
    }
    // What a token of theirs asserts (role, organization, that they may log in), or the password it was
    // issued for, changed: every token issued before ends at its next request.
    let revokes = before.role != user.role
        || before.organization_id != user.organization_id
        || (before.active && !user.active)
        || password_hash.is_some();
    let epoch = users::token_epoch + i64::from(revokes);
    let updated = diesel::update(users::table.find(&id).filter(users::version.eq(current.version)))
        .set((
            users::token_epoch.eq(epoch),
            users::email.eq(&user.email),
            users::display_name.eq(&user.display_name),
            users::role.eq(user.role.as_str()),
            users::organization_id.eq(user.organization_id.map(|o| o.to_string())),
            users::active.eq(user.active),
            users::version.eq(current.version + 1),
            users::updated_at.eq(now()),
        ))
        .execute(conn)?;
    super::ensure_updated(updated)?;
    if !provisioned && before.email != user.email {
        diesel::update(users::table.find(&id)).set(users::user_name_key.eq(&user.email)).execute(conn)?;
    }
    if let Some(hash) = password_hash {
        diesel::update(users::table.find(&id)).set(users::password_hash.eq(hash)).execute(conn)?;
    }
    get(conn, current.id)
}

pub fn delete(conn: &mut DbConnection, id: uuid::Uuid) -> AppResult<()> {
    match diesel::delete(users::table.find(id.to_string())).execute(conn)? {
        0 => Err(AppError::NotFound("user")),
        _ => Ok(()),
    }
}

pub fn list(conn: &mut DbConnection, organization: Option<OrganizationId>) -> AppResult<Vec<StoredUser>> {
    let mut query = users::table.select(Row::as_select()).order(users::id).into_boxed();
    if let Some(org) = organization {
        query = query.filter(users::organization_id.eq(org.to_string()));
    }
    let rows: Vec<Row> = query.load(conn)?;
    rows.into_iter().map(Row::into_domain).collect()
}
