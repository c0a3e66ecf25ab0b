//! Queries for custom fields: their definitions, the checks of the values
//! a write gives, and the value rows the list filters read.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::organizations::corrupt;
use super::schema::{assignment_custom_values, candidate_custom_values, custom_fields, need_custom_values};
use super::{DbConnection, json, now};
use crate::domain::custom_field::{self as rules, CustomValues, FieldDefinition, FieldResource, MAX_FIELDS};
use crate::domain::validation::Validator;
use crate::domain::{OrganizationId, Stored};
use crate::error::{AppError, AppResult};

/// A definition, keyed by its resource and key.
pub type StoredField = Stored<(FieldResource, String), FieldDefinition>;

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = custom_fields, treat_none_as_null = true)]
struct Row {
    resource: String,
    key: String,
    label: String,
    description: Option<String>,
    field_type: String,
    options: String,
    required: bool,
    organization_id: Option<String>,
    active: bool,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl Row {
    fn new(f: &FieldDefinition, version: i64, created_at: NaiveDateTime, updated_at: NaiveDateTime) -> AppResult<Self> {
        Ok(Row {
            resource: f.resource.as_str().into(),
            key: f.key.clone(),
            label: f.label.clone(),
            description: f.description.clone(),
            field_type: f.field_type.as_str().into(),
            options: json::encode(&f.options)?,
            required: f.required,
            organization_id: f.organization_id.map(|o| o.to_string()),
            active: f.active,
            version,
            created_at,
            updated_at,
        })
    }

    fn into_domain(self) -> AppResult<StoredField> {
        let resource: FieldResource = self.resource.parse().map_err(corrupt)?;
        Ok(Stored {
            id: (resource, self.key.clone()),
            value: FieldDefinition {
                resource,
                key: self.key,
                label: self.label,
                description: self.description,
                field_type: self.field_type.parse().map_err(corrupt)?,
                options: json::decode(&self.options)?,
                required: self.required,
                organization_id: self.organization_id.as_deref().map(str::parse).transpose().map_err(corrupt)?,
                active: self.active,
            },
            version: self.version,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        })
    }
}

/// Every definition (of one resource), by resource and key.
pub fn all(conn: &mut DbConnection, resource: Option<FieldResource>) -> AppResult<Vec<StoredField>> {
    let mut query = custom_fields::table.select(Row::as_select()).into_boxed();
    if let Some(resource) = resource {
        query = query.filter(custom_fields::resource.eq(resource.as_str()));
    }
    let rows: Vec<Row> = query.order((custom_fields::resource.asc(), custom_fields::key.asc())).load(conn)?;
    rows.into_iter().map(Row::into_domain).collect()
}

pub fn get(conn: &mut DbConnection, resource: FieldResource, key: &str) -> AppResult<StoredField> {
    let row =
        custom_fields::table.find((resource.as_str(), key)).select(Row::as_select()).get_result(conn).optional()?;
    row.ok_or(AppError::NotFound("custom field"))?.into_domain()
}

/// Defines a field: a key new for its resource (409 otherwise), within the limit.
pub fn insert(conn: &mut DbConnection, f: &FieldDefinition) -> AppResult<StoredField> {
    let known: i64 = custom_fields::table.find((f.resource.as_str(), &f.key)).count().get_result(conn)?;
    if known > 0 {
        return Err(AppError::Conflict(format!("A {} field `{}` exists already.", f.resource, f.key)));
    }
    let held: i64 =
        custom_fields::table.filter(custom_fields::resource.eq(f.resource.as_str())).count().get_result(conn)?;
    if held >= MAX_FIELDS as i64 {
        return Err(AppError::Conflict(format!("{} has {MAX_FIELDS} custom fields, the most it may.", f.resource)));
    }
    if let Some(org) = f.organization_id
        && !super::organizations::exists(conn, org)?
    {
        return Err(AppError::field("organization_id", "unknown_organization", "no organization has this id"));
    }
    let at = now();
    let row = Row::new(f, 1, at, at)?;
    diesel::insert_into(custom_fields::table).values(&row).execute(conn)?;
    row.into_domain()
}

/// Changes a definition, guarded by the version read. Its resource, key,
/// type and organization stay; options may be added, and removed while no
/// record holds them.
pub fn update(conn: &mut DbConnection, current: &StoredField, next: &FieldDefinition) -> AppResult<StoredField> {
    let before = &current.value;
    for (field, same) in [
        ("key", before.key == next.key),
        ("resource", before.resource == next.resource),
        ("type", before.field_type == next.field_type),
        ("organization_id", before.organization_id == next.organization_id),
    ] {
        if !same {
            return Err(AppError::field(
                field,
                "immutable",
                "a field's resource, key, type and organization never change: define a new field",
            ));
        }
    }
    for removed in before.options.iter().filter(|o| !next.options.contains(o)) {
        if holders(conn, before.resource, &before.key, Some(removed))? > 0 {
            return Err(AppError::Conflict(format!(
                "Records hold the option `{removed}` of `{}`: change them first, or keep the option.",
                before.key
            )));
        }
    }
    let row = Row::new(next, current.version + 1, current.created_at.naive_utc(), now())?;
    let updated = diesel::update(
        custom_fields::table
            .find((before.resource.as_str(), &before.key))
            .filter(custom_fields::version.eq(current.version)),
    )
    .set(&row)
    .execute(conn)?;
    super::ensure_updated(updated)?;
    row.into_domain()
}

/// Deletes a definition no record holds a value of; one with values is retired instead (409).
pub fn delete(conn: &mut DbConnection, current: &StoredField) -> AppResult<()> {
    let (resource, key) = (current.value.resource, &current.value.key);
    let held = holders(conn, resource, key, None)?;
    if held > 0 {
        return Err(AppError::Conflict(format!(
            "{held} records hold a value of `{key}`: retire it with `active: false` instead."
        )));
    }
    let deleted = diesel::delete(
        custom_fields::table.find((resource.as_str(), key)).filter(custom_fields::version.eq(current.version)),
    )
    .execute(conn)?;
    super::ensure_updated(deleted)
}

/// How many records hold a value of the field (that value, when given).
fn holders(conn: &mut DbConnection, resource: FieldResource, key: &str, value: Option<&str>) -> AppResult<i64> {
    macro_rules! count {
        ($table:ident) => {{
            let mut query = $table::table.filter($table::key.eq(key)).into_boxed();
            if let Some(value) = value {
                query = query.filter($table::value.eq(value));
            }
            query.count().get_result::<i64>(conn)?
        }};
    }
    Ok(match resource {
        FieldResource::Candidate => count!(candidate_custom_values),
        FieldResource::Need => count!(need_custom_values),
        FieldResource::Assignment => count!(assignment_custom_values),
    })
}

/// The values a write of a record of `organization` keeps, checked against
/// the resource's definitions (422 naming `custom_fields.<key>` otherwise).
pub fn checked(
    conn: &mut DbConnection,
    resource: FieldResource,
    organization: Option<OrganizationId>,
    given: &CustomValues,
    stored: &CustomValues,
) -> AppResult<CustomValues> {
    let definitions: Vec<FieldDefinition> = all(conn, Some(resource))?.into_iter().map(|f| f.value).collect();
    let mut v = Validator::new();
    let kept = rules::values(&mut v, &definitions, organization, given, stored);
    v.finish(kept).map_err(AppError::Validation)
}

/// The value a list filter (`custom_field=key:value`) looks for, as the
/// value rows hold it; 400 for a key the resource lacks or a value the
/// field cannot hold.
pub fn filter_value(conn: &mut DbConnection, resource: FieldResource, key: &str, raw: &str) -> AppResult<String> {
    let field = match get(conn, resource, key) {
        Ok(field) => field.value,
        Err(AppError::NotFound(_)) => {
            return Err(AppError::InvalidQuery(format!("`custom_field`: {resource}s have no custom field `{key}`.")));
        }
        Err(error) => return Err(error),
    };
    field.filter_text(raw).map_err(|e| AppError::InvalidQuery(format!("`custom_field`: `{key}` {}.", e.message)))
}

/// Writes a record's value rows anew.
pub fn write_values(
    conn: &mut DbConnection,
    resource: FieldResource,
    id: &str,
    values: &CustomValues,
) -> AppResult<()> {
    let rows: Vec<(String, String)> = values
        .iter()
        .flat_map(|(key, value)| rules::filter_texts(value).into_iter().map(move |t| (key.clone(), t)))
        .collect();
    macro_rules! write {
        ($table:ident, $owner:ident) => {{
            diesel::delete($table::table.filter($table::$owner.eq(id))).execute(conn)?;
            for (key, value) in rows {
                diesel::insert_into($table::table)
                    .values(($table::$owner.eq(id), $table::key.eq(key), $table::value.eq(value)))
                    .execute(conn)?;
            }
        }};
    }
    match resource {
        FieldResource::Candidate => write!(candidate_custom_values, candidate_id),
        FieldResource::Need => write!(need_custom_values, need_id),
        FieldResource::Assignment => write!(assignment_custom_values, assignment_id),
    }
    Ok(())
}

/// A list filter's `custom_field` as the value rows hold it (see [`filter_value`]).
pub fn resolve(
    conn: &mut DbConnection,
    resource: FieldResource,
    asked: &Option<(String, String)>,
) -> AppResult<Option<(String, String)>> {
    asked.as_ref().map(|(key, raw)| Ok((key.clone(), filter_value(conn, resource, key, raw)?))).transpose()
}
