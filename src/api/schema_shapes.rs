//! Reshapes what utoipa derives where it would describe the API wrongly.
//!
//! A view such as `OrganizationView` flattens its writable fields
//! (`OrganizationInput`) and adds `id`, `version`, …; utoipa renders that as
//! `allOf: [$ref Input, {id, version, …}]`. Inputs are closed
//! (`additionalProperties: false`, as the service refuses unknown fields), so
//! under `allOf` no view could ever validate. Here each such `allOf` becomes
//! one object holding the properties and required fields of all its parts,
//! open like every response.
//!
//! A `PATCH` takes a JSON Merge Patch (RFC 7396) of a resource's writable
//! fields, not the fields themselves: every member may be left out, `null`
//! removes an optional one (its default applies), and an object is merged
//! member by member. Each such body gets its own `…Patch` schema saying so.

use serde_json::{Map, Value};
use utoipa::openapi::OpenApi;

/// The document with open views and merge-patch bodies described as such.
pub fn reshape(doc: OpenApi) -> OpenApi {
    let Ok(value) = serde_json::to_value(&doc) else { return doc };
    match serde_json::from_value(reshaped(value)) {
        Ok(reshaped) => reshaped,
        Err(e) => {
            tracing::error!("the reshaped OpenAPI document does not read back ({e}); serving it as derived");
            doc
        }
    }
}

fn reshaped(mut value: Value) -> Value {
    // A view that flattens another view merges once that one has: a few rounds settle any nesting.
    for _ in 0..4 {
        let schemas = value.pointer("/components/schemas").and_then(Value::as_object).cloned().unwrap_or_default();
        let before = value.clone();
        merge_all_of(&mut value, &schemas);
        if value == before {
            break;
        }
    }
    let schemas = value.pointer("/components/schemas").and_then(Value::as_object).cloned().unwrap_or_default();
    let mut patches = Map::new();
    if let Some(paths) = value.get_mut("paths").and_then(Value::as_object_mut) {
        for operation in paths.values_mut().filter_map(|item| item.get_mut("patch")) {
            if let Some(schema) = operation.pointer_mut("/requestBody/content/application~1merge-patch+json/schema") {
                *schema = patch_of(schema, &schemas, &mut patches);
            }
        }
    }
    if let Some(components) = value.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        components.extend(patches);
    }
    value
}

/// A reference to the merge-patch schema of the object `schema` refers to,
/// made (with those of its nested objects) into `patches` on first use.
fn patch_of(schema: &Value, schemas: &Map<String, Value>, patches: &mut Map<String, Value>) -> Value {
    let Some(name) = referenced_object(schema, schemas) else { return schema.clone() };
    let patch_name = format!("{name}Patch");
    let reference = serde_json::json!({"$ref": format!("#/components/schemas/{patch_name}")});
    if patches.contains_key(&patch_name) {
        return reference;
    }
    let Some(object) = schemas.get(name).and_then(Value::as_object) else { return schema.clone() };
    // Claimed before the members, so a schema nested in itself ends.
    patches.insert(patch_name.clone(), Value::Null);
    let required: Vec<&str> =
        object.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    let mut properties = Map::new();
    for (field, property) in object.get("properties").and_then(Value::as_object).into_iter().flatten() {
        let mut property = match property.get("oneOf").and_then(Value::as_array) {
            Some(options) => {
                let options: Vec<Value> = options.iter().map(|o| patch_of(o, schemas, patches)).collect();
                let mut property = property.clone();
                property["oneOf"] = Value::Array(options);
                property
            }
            None => patch_of(property, schemas, patches),
        };
        if !required.contains(&field.as_str()) {
            allow_null(&mut property);
        }
        properties.insert(field.clone(), property);
    }
    let description = format!(
        "A JSON Merge Patch (RFC 7396) of `{name}`: members left out keep their value; `null` removes an optional one."
    );
    let mut patch = Map::new();
    patch.insert("type".into(), Value::from("object"));
    patch.insert("description".into(), Value::from(description));
    patch.insert("properties".into(), Value::Object(properties));
    patch.insert("additionalProperties".into(), Value::Bool(false));
    patches.insert(patch_name, Value::Object(patch));
    reference
}

/// The component name `schema` refers to, when it is an object with properties.
fn referenced_object<'a>(schema: &'a Value, schemas: &Map<String, Value>) -> Option<&'a str> {
    let name = schema.get("$ref")?.as_str()?.strip_prefix("#/components/schemas/")?;
    let target = schemas.get(name)?;
    (target.get("type").and_then(Value::as_str) == Some("object") && target.get("properties").is_some()).then_some(name)
}

fn allow_null(property: &mut Value) {
    let null_type = serde_json::json!({"type": "null"});
    if let Some(options) = property.get_mut("oneOf").and_then(Value::as_array_mut) {
        if !options.contains(&null_type) {
            options.insert(0, null_type);
        }
        return;
    }
    match property.get_mut("type") {
        Some(Value::String(kind)) => {
            let kind = Value::from(kind.as_str());
            property["type"] = Value::Array(vec![kind, Value::from("null")]);
        }
        Some(Value::Array(kinds)) => {
            if !kinds.contains(&Value::from("null")) {
                kinds.push(Value::from("null"));
            }
        }
        _ => {
            let options = vec![null_type, property.clone()];
            *property = serde_json::json!({ "oneOf": options });
        }
    }
}

fn merge_all_of(value: &mut Value, schemas: &Map<String, Value>) {
    match value {
        Value::Object(object) => {
            if let Some(merged) = object.get("allOf").and_then(|parts| merged_object(parts, schemas)) {
                object.remove("allOf");
                for (key, v) in merged {
                    object.insert(key, v);
                }
            }
            object.values_mut().for_each(|v| merge_all_of(v, schemas));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| merge_all_of(v, schemas)),
        _ => {}
    }
}

/// The union of `parts` when each is an object schema (inline or by
/// reference); `None` when some part is anything else.
fn merged_object(parts: &Value, schemas: &Map<String, Value>) -> Option<Map<String, Value>> {
    let mut properties = Map::new();
    let mut required: Vec<Value> = Vec::new();
    for part in parts.as_array()? {
        let part = match part.get("$ref").and_then(Value::as_str) {
            Some(reference) => schemas.get(reference.strip_prefix("#/components/schemas/")?)?,
            None => part,
        };
        if part.get("type").and_then(Value::as_str) != Some("object") || part.get("allOf").is_some() {
            return None;
        }
        if let Some(own) = part.get("properties").and_then(Value::as_object) {
            properties.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        for name in part.get("required").and_then(Value::as_array).into_iter().flatten() {
            if !required.contains(name) {
                required.push(name.clone());
            }
        }
    }
    let mut merged = Map::new();
    merged.insert("type".into(), Value::from("object"));
    if !required.is_empty() {
        merged.insert("required".into(), Value::Array(required));
    }
    merged.insert("properties".into(), Value::Object(properties));
    Some(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reshaped_document_reads_back() {
        let value = reshaped(serde_json::to_value(crate::api::openapi()).unwrap());
        assert!(value.pointer("/components/schemas/CandidateInputPatch").is_some(), "the patch schemas are missing");
        let _: OpenApi = serde_json::from_value(value).unwrap();
    }
}
