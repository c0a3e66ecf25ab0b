//! Queries for SCIM provisioning: users as an identity provider sees them,
//! its groups, their members, and the role each provisioned user's groups
//! grant (written to the user, so every request's standing check sees it).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::organizations::corrupt;
use super::schema::{scim_group_members, scim_groups, users};
use super::{DbConnection, ensure_updated, now};
use crate::domain::access::Role;
use crate::domain::scim::{Clause, Grant, GroupFields, Refusal, UserFields, granted};
use crate::error::{AppError, AppResult};

/// A user as SCIM shows them.
#[derive(Debug, Clone)]
pub struct ScimUser {
    pub id: String,
    pub user_name: String,
    pub external_id: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub display_name: Option<String>,
    pub email: String,
    /// What the identity provider says.
    pub idp_active: bool,
    /// Whether they may log in: the provider says so and a group grants a role (for a provisioned user).
    pub active: bool,
    pub role: Role,
    pub organization_id: Option<String>,
    pub provisioned: bool,
    /// Whether `role` is in force: a user created here, or one a group grants a role.
    pub granted: bool,
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    /// `(id, displayName)` of their groups.
    pub groups: Vec<(String, String)>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = users)]
struct UserRow {
    id: String,
    email: String,
    display_name: Option<String>,
    role: String,
    organization_id: Option<String>,
    active: bool,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    user_name: Option<String>,
    external_id: Option<String>,
    given_name: Option<String>,
    family_name: Option<String>,
    provisioned: bool,
    idp_active: bool,
}

impl UserRow {
    fn into_scim(self, groups: Vec<(String, String)>, granted: bool) -> AppResult<ScimUser> {
        Ok(ScimUser {
            granted: granted || !self.provisioned,
            user_name: self.user_name.unwrap_or_else(|| self.email.clone()),
            id: self.id,
            external_id: self.external_id,
            given_name: self.given_name,
            family_name: self.family_name,
            display_name: self.display_name,
            email: self.email,
            idp_active: self.idp_active,
            active: self.active,
            role: self.role.parse().map_err(corrupt)?,
            organization_id: self.organization_id,
            provisioned: self.provisioned,
            version: self.version,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
            groups,
        })
    }
}

fn invalid_filter(detail: String) -> AppError {
    AppError::InvalidQuery(detail)
}

fn unsupported(clause: &Clause, resource: &str) -> AppError {
    invalid_filter(format!("{resource} are not filtered by `{}`", clause.attribute))
}

fn text_of(clause: &Clause) -> AppResult<&str> {
    clause.text().ok_or_else(|| invalid_filter(format!("`{}` is compared with a string", clause.attribute)))
}

type UserQuery<'a> = users::BoxedQuery<'a, super::MultiBackend>;

fn filtered_users<'a>(clauses: &'a [Clause]) -> AppResult<UserQuery<'a>> {
    let mut query = users::table.into_boxed();
    for clause in clauses {
        query = match clause.attribute.as_str() {
            "username" => query.filter(users::user_name_key.eq(text_of(clause)?.trim().to_lowercase())),
            "externalid" => query.filter(users::external_id.eq(text_of(clause)?)),
            "id" => query.filter(users::id.eq(text_of(clause)?)),
            "emails" | "emails.value" => query.filter(users::email.eq(text_of(clause)?.trim().to_lowercase())),
            "displayname" => query.filter(users::display_name.eq(text_of(clause)?)),
            "active" => match clause.value.as_bool() {
                Some(active) => query.filter(users::idp_active.eq(active)),
                None => return Err(invalid_filter("`active` is compared with true or false".into())),
            },
            _ => return Err(unsupported(clause, "users")),
        };
    }
    Ok(query)
}

type Membership = (String, String, String, Option<String>);

fn groups_of(conn: &mut DbConnection, ids: &[String]) -> AppResult<Vec<Membership>> {
    Ok(scim_group_members::table
        .inner_join(scim_groups::table)
        .filter(scim_group_members::user_id.eq_any(ids))
        .order((scim_groups::created_at, scim_groups::id))
        .select((scim_group_members::user_id, scim_groups::id, scim_groups::display_name, scim_groups::role))
        .load(conn)?)
}

fn with_groups(conn: &mut DbConnection, rows: Vec<UserRow>) -> AppResult<Vec<ScimUser>> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let memberships = groups_of(conn, &ids)?;
    rows.into_iter()
        .map(|row| {
            let mine: Vec<&Membership> = memberships.iter().filter(|(user, ..)| *user == row.id).collect();
            let granted = mine.iter().any(|(.., role)| role.is_some());
            let groups = mine.iter().map(|(_, id, name, _)| (id.clone(), name.clone())).collect();
            row.into_scim(groups, granted)
        })
        .collect()
}

/// The users matching `clauses`, in the order they were created: `(total, page)`; `start` counts from 1.
pub fn list_users(
    conn: &mut DbConnection,
    clauses: &[Clause],
    start: i64,
    count: i64,
) -> AppResult<(i64, Vec<ScimUser>)> {
    let total: i64 = filtered_users(clauses)?.count().get_result(conn)?;
    if count == 0 {
        return Ok((total, Vec::new()));
    }
    let rows: Vec<UserRow> = filtered_users(clauses)?
        .select(UserRow::as_select())
        .order(users::id)
        .offset(start - 1)
        .limit(count)
        .load(conn)?;
    Ok((total, with_groups(conn, rows)?))
}

pub fn get_user(conn: &mut DbConnection, id: &str) -> AppResult<ScimUser> {
    let row: UserRow = users::table
        .find(id)
        .select(UserRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or(AppError::NotFound("user"))?;
    Ok(with_groups(conn, vec![row])?.remove(0))
}

/// Refuses (409) a userName or login e-mail another user holds.
fn ensure_unique(conn: &mut DbConnection, fields: &UserFields, except: Option<&str>) -> AppResult<()> {
    let key = fields.user_name.to_lowercase();
    let mut query = users::table
        .filter(
            users::user_name_key.eq(&key).or(users::email.eq(&fields.email)).or(users::user_name_key.eq(&fields.email)),
        )
        .into_boxed();
    if let Some(id) = except {
        query = query.filter(users::id.ne(id));
    }
    let taken: i64 = query.count().get_result(conn)?;
    if taken > 0 {
        return Err(AppError::Conflict("Another user has this userName or e-mail address.".into()));
    }
    Ok(())
}

/// Creates a provisioned user. They may log in once a group grants them a role.
pub fn create_user(conn: &mut DbConnection, fields: &UserFields, password_hash: Option<String>) -> AppResult<ScimUser> {
    ensure_unique(conn, fields, None)?;
    let id = uuid::Uuid::now_v7().to_string();
    let at = now();
    diesel::insert_into(users::table)
        .values((
            users::id.eq(&id),
            users::email.eq(&fields.email),
            users::display_name.eq(&fields.display_name),
            // Nothing verifies against "!": without a password of their own they log in through their provider.
            users::password_hash.eq(password_hash.unwrap_or_else(|| "!".into())),
            // Until a group grants a role the user is inactive, and the role is never used.
            users::role.eq(Role::Recruiter.as_str()),
            users::organization_id.eq(None::<String>),
            users::active.eq(false),
            users::version.eq(1),
            users::created_at.eq(at),
            users::updated_at.eq(at),
            users::token_epoch.eq(0),
            users::user_name.eq(&fields.user_name),
            users::user_name_key.eq(fields.user_name.to_lowercase()),
            users::external_id.eq(&fields.external_id),
            users::given_name.eq(&fields.given_name),
            users::family_name.eq(&fields.family_name),
            users::provisioned.eq(true),
            users::idp_active.eq(fields.active),
        ))
        .execute(conn)?;
    apply_access(conn, &id)?;
    get_user(conn, &id)
}

/// Replaces what the identity provider keeps of a user (PUT, and a PATCH's result); `version` is the one
/// read. The user is provisioned from now on: their role comes from their groups.
pub fn replace_user(
    conn: &mut DbConnection,
    current: &ScimUser,
    fields: &UserFields,
    password_hash: Option<String>,
) -> AppResult<ScimUser> {
    ensure_unique(conn, fields, Some(&current.id))?;
    let new_password = password_hash.is_some();
    let updated = diesel::update(users::table.find(&current.id).filter(users::version.eq(current.version)))
        .set((
            users::email.eq(&fields.email),
            users::display_name.eq(&fields.display_name),
            users::user_name.eq(&fields.user_name),
            users::user_name_key.eq(fields.user_name.to_lowercase()),
            users::external_id.eq(&fields.external_id),
            users::given_name.eq(&fields.given_name),
            users::family_name.eq(&fields.family_name),
            users::provisioned.eq(true),
            users::idp_active.eq(fields.active),
            users::version.eq(current.version + 1),
            users::updated_at.eq(now()),
            // A new password ends the tokens issued for the old one.
            users::token_epoch.eq(users::token_epoch + i64::from(new_password)),
        ))
        .execute(conn)?;
    ensure_updated(updated)?;
    if let Some(hash) = password_hash {
        diesel::update(users::table.find(&current.id)).set(users::password_hash.eq(hash)).execute(conn)?;
    }
    apply_access(conn, &current.id)?;
    get_user(conn, &current.id)
}

/// Writes a provisioned user's role, organization and whether they may log in, as their groups and the
/// provider now say; a change ends every token issued before (their next request is refused).
pub fn apply_access(conn: &mut DbConnection, id: &str) -> AppResult<()> {
    let Some((provisioned, idp_active, role, organization, active)) = users::table
        .find(id)
        .select((users::provisioned, users::idp_active, users::role, users::organization_id, users::active))
        .get_result::<(bool, bool, String, Option<String>, bool)>(conn)
        .optional()?
    else {
        return Ok(());
    };
    if !provisioned {
        return Ok(());
    }
    let grants: Vec<Grant> = scim_group_members::table
        .inner_join(scim_groups::table)
        .filter(scim_group_members::user_id.eq(id))
        .filter(scim_groups::role.is_not_null())
        .order((scim_groups::created_at, scim_groups::id))
        .select((scim_groups::role, scim_groups::organization_id))
        .load::<(Option<String>, Option<String>)>(conn)?
        .into_iter()
        .map(|(role, organization)| grant_of(role, organization))
        .collect::<AppResult<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect();
    let (new_role, new_organization, new_active) = match granted(&grants) {
        Some(grant) => (grant.role.as_str().to_owned(), grant.organization.map(|o| o.to_string()), idp_active),
        None => (role.clone(), organization.clone(), false),
    };
    if (&new_role, &new_organization, new_active) == (&role, &organization, active) {
        return Ok(());
    }
    diesel::update(users::table.find(id))
        .set((
            users::role.eq(new_role),
            users::organization_id.eq(new_organization),
            users::active.eq(new_active),
            users::version.eq(users::version + 1),
            users::updated_at.eq(now()),
            users::token_epoch.eq(users::token_epoch + 1),
        ))
        .execute(conn)?;
    Ok(())
}

fn grant_of(role: Option<String>, organization: Option<String>) -> AppResult<Option<Grant>> {
    let Some(role) = role else { return Ok(None) };
    Ok(Some(Grant {
        role: role.parse().map_err(corrupt)?,
        organization: organization.as_deref().map(str::parse).transpose().map_err(corrupt)?,
    }))
}

// ---------------------------------------------------------------- groups

/// A group as SCIM shows it.
#[derive(Debug, Clone)]
pub struct ScimGroup {
    pub id: String,
    pub display_name: String,
    pub external_id: Option<String>,
    pub grant: Option<Grant>,
    /// `(user id, display)`; empty when not asked for.
    pub members: Vec<(String, String)>,
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = scim_groups)]
struct GroupRow {
    id: String,
    display_name: String,
    external_id: Option<String>,
    role: Option<String>,
    organization_id: Option<String>,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

type GroupQuery<'a> = scim_groups::BoxedQuery<'a, super::MultiBackend>;

fn filtered_groups<'a>(clauses: &'a [Clause]) -> AppResult<GroupQuery<'a>> {
    let mut query = scim_groups::table.into_boxed();
    for clause in clauses {
        query = match clause.attribute.as_str() {
            "displayname" => query.filter(scim_groups::display_name_key.eq(text_of(clause)?.trim().to_lowercase())),
            "externalid" => query.filter(scim_groups::external_id.eq(text_of(clause)?)),
            "id" => query.filter(scim_groups::id.eq(text_of(clause)?)),
            "members.value" => query.filter(
                scim_groups::id.eq_any(
                    scim_group_members::table
                        .filter(scim_group_members::user_id.eq(text_of(clause)?.to_owned()))
                        .select(scim_group_members::group_id),
                ),
            ),
            _ => return Err(unsupported(clause, "groups")),
        };
    }
    Ok(query)
}

/// `(group, user id, e-mail, userName)` of each member.
type Member = (String, String, String, Option<String>);

fn members_of(conn: &mut DbConnection, ids: &[String]) -> AppResult<Vec<Member>> {
    Ok(scim_group_members::table
        .inner_join(users::table)
        .filter(scim_group_members::group_id.eq_any(ids))
        .order(users::id)
        .select((scim_group_members::group_id, users::id, users::email, users::user_name))
        .load(conn)?)
}

fn with_members(conn: &mut DbConnection, rows: Vec<GroupRow>, members: bool) -> AppResult<Vec<ScimGroup>> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let all = if members { members_of(conn, &ids)? } else { Vec::new() };
    rows.into_iter()
        .map(|row| {
            Ok(ScimGroup {
                members: all
                    .iter()
                    .filter(|(group, ..)| *group == row.id)
                    .map(|(_, user, email, user_name)| {
                        (user.clone(), user_name.clone().unwrap_or_else(|| email.clone()))
                    })
                    .collect(),
                grant: grant_of(row.role, row.organization_id)?,
                id: row.id,
                display_name: row.display_name,
                external_id: row.external_id,
                version: row.version,
                created_at: row.created_at.and_utc(),
                updated_at: row.updated_at.and_utc(),
            })
        })
        .collect()
}

pub fn list_groups(
    conn: &mut DbConnection,
    clauses: &[Clause],
    start: i64,
    count: i64,
    members: bool,
) -> AppResult<(i64, Vec<ScimGroup>)> {
    let total: i64 = filtered_groups(clauses)?.count().get_result(conn)?;
    if count == 0 {
        return Ok((total, Vec::new()));
    }
    let rows: Vec<GroupRow> = filtered_groups(clauses)?
        .select(GroupRow::as_select())
        .order(scim_groups::id)
        .offset(start - 1)
        .limit(count)
        .load(conn)?;
    with_members(conn, rows, members).map(|groups| (total, groups))
}

pub fn get_group(conn: &mut DbConnection, id: &str, members: bool) -> AppResult<ScimGroup> {
    let row: GroupRow = scim_groups::table
        .find(id)
        .select(GroupRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or(AppError::NotFound("group"))?;
    Ok(with_members(conn, vec![row], members)?.remove(0))
}

fn check_group(conn: &mut DbConnection, fields: &GroupFields, except: Option<&str>) -> AppResult<()> {
    let mut query =
        scim_groups::table.filter(scim_groups::display_name_key.eq(fields.display_name.to_lowercase())).into_boxed();
    if let Some(id) = except {
        query = query.filter(scim_groups::id.ne(id));
    }
    if query.count().get_result::<i64>(conn)? > 0 {
        return Err(AppError::Conflict("Another group has this displayName.".into()));
    }
    if let Some(org) = fields.grant.and_then(|g| g.organization)
        && !super::organizations::exists(conn, org)?
    {
        return Err(refused(Refusal {
            scim_type: "invalidValue",
            detail: "`organizationId` names no organization".into(),
        }));
    }
    let known: i64 = users::table.filter(users::id.eq_any(&fields.members)).count().get_result(conn)?;
    if known != fields.members.len() as i64 {
        return Err(refused(Refusal { scim_type: "invalidValue", detail: "a member's `value` names no user".into() }));
    }
    Ok(())
}

/// A SCIM refusal met in the store (an unknown member, say): answered 400 with its `scimType`.
fn refused(refusal: Refusal) -> AppError {
    AppError::field("scim", refusal.scim_type, refusal.detail)
}

/// Makes `members` the group's members; answers the users who joined or left.
fn set_members(conn: &mut DbConnection, id: &str, members: &[String]) -> AppResult<Vec<String>> {
    let before: Vec<String> = scim_group_members::table
        .filter(scim_group_members::group_id.eq(id))
        .select(scim_group_members::user_id)
        .load(conn)?;
    let left: Vec<&String> = before.iter().filter(|u| !members.contains(u)).collect();
    let joined: Vec<&String> = members.iter().filter(|u| !before.contains(u)).collect();
    for chunk in left.chunks(1000) {
        diesel::delete(
            scim_group_members::table
                .filter(scim_group_members::group_id.eq(id))
                .filter(scim_group_members::user_id.eq_any(chunk)),
        )
        .execute(conn)?;
    }
    let rows: Vec<_> = joined
        .iter()
        .map(|user| (scim_group_members::group_id.eq(id), scim_group_members::user_id.eq(*user)))
        .collect();
    for chunk in rows.chunks(1000) {
        natively!(&mut *conn, |db| diesel::insert_into(scim_group_members::table).values(chunk).execute(db)?);
    }
    Ok(left.into_iter().chain(joined).cloned().collect())
}

pub fn create_group(conn: &mut DbConnection, fields: &GroupFields) -> AppResult<ScimGroup> {
    check_group(conn, fields, None)?;
    let id = uuid::Uuid::now_v7().to_string();
    let at = now();
    diesel::insert_into(scim_groups::table)
        .values((
            scim_groups::id.eq(&id),
            scim_groups::display_name.eq(&fields.display_name),
            scim_groups::display_name_key.eq(fields.display_name.to_lowercase()),
            scim_groups::external_id.eq(&fields.external_id),
            scim_groups::role.eq(fields.grant.map(|g| g.role.as_str())),
            scim_groups::organization_id.eq(fields.grant.and_then(|g| g.organization).map(|o| o.to_string())),
            scim_groups::version.eq(1),
            scim_groups::created_at.eq(at),
            scim_groups::updated_at.eq(at),
        ))
        .execute(conn)?;
    for user in set_members(conn, &id, &fields.members)? {
        apply_access(conn, &user)?;
    }
    get_group(conn, &id, true)
}

/// Replaces a group: its name, mapping and members; each member who joined or left, or whose grant
/// changed, gets their access written again.
pub fn replace_group(conn: &mut DbConnection, current: &ScimGroup, fields: &GroupFields) -> AppResult<ScimGroup> {
    check_group(conn, fields, Some(&current.id))?;
    let updated = diesel::update(scim_groups::table.find(&current.id).filter(scim_groups::version.eq(current.version)))
        .set((
            scim_groups::display_name.eq(&fields.display_name),
            scim_groups::display_name_key.eq(fields.display_name.to_lowercase()),
            scim_groups::external_id.eq(&fields.external_id),
            scim_groups::role.eq(fields.grant.map(|g| g.role.as_str())),
            scim_groups::organization_id.eq(fields.grant.and_then(|g| g.organization).map(|o| o.to_string())),
            scim_groups::version.eq(current.version + 1),
            scim_groups::updated_at.eq(now()),
        ))
        .execute(conn)?;
    ensure_updated(updated)?;
    let changed = set_members(conn, &current.id, &fields.members)?;
    // A new grant reaches every member; otherwise only those who joined or left.
    let touched = if current.grant == fields.grant { changed } else { [changed, fields.members.clone()].concat() };
    for user in touched {
        apply_access(conn, &user)?;
    }
    get_group(conn, &current.id, true)
}

pub fn delete_group(conn: &mut DbConnection, id: &str) -> AppResult<()> {
    let members: Vec<String> = scim_group_members::table
        .filter(scim_group_members::group_id.eq(id))
        .select(scim_group_members::user_id)
        .load(conn)?;
    if diesel::delete(scim_groups::table.find(id)).execute(conn)? == 0 {
        return Err(AppError::NotFound("group"));
    }
    diesel::delete(scim_group_members::table.filter(scim_group_members::group_id.eq(id))).execute(conn)?;
    for user in members {
        apply_access(conn, &user)?;
    }
    Ok(())
}
