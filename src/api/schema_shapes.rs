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
//!
//! Free text (a field marked `format = "text"`) is trimmed by the service
//! before its length is counted, and may hold no control character but tab
//! and line feed inside. `minLength`/`maxLength` would count the white space
//! a client pads with, so each kind of text (its limits) becomes one named
//! component, `Text200` or `OptionalText100`, that says so in words and holds
//! the `pattern` accepting exactly what the service accepts; fields refer to
//! it. Language, country and currency codes (`format = "language"`,
//! `"country"`, `"currency"`) refer to one component each, the `enum` of the
//! codes the service knows. A page's items refer to their view.
//!
//! A CSV import's body gets the pattern of the header row it reads.
//!
//! Last, the rules across fields that the derive cannot state are added
//! ([`cross_field_rules`]).

use serde_json::{Map, Value, json};
use utoipa::openapi::OpenApi;

use super::{candidates, needs};
use crate::domain::access::{Permission, Role};
use crate::domain::money::Currency;
use crate::domain::{codes, external, tag};

/// The document with open views and merge-patch bodies described as such.
pub fn reshape(doc: OpenApi) -> Value {
    match serde_json::to_value(&doc) {
        Ok(value) => reshaped(value),
        Err(e) => {
            tracing::error!("the OpenAPI document does not serialize ({e})");
            Value::Null
        }
    }
}

fn reshaped(mut value: Value) -> Value {
    let mut kinds = Map::new();
    own_formats(&mut value, &mut kinds);
    if let Some(components) = value.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        components.extend(kinds);
    }
    // A view that flattens another view merges once that one has: a few rounds settle any nesting.
    for _ in 0..4 {
        let schemas = value.pointer("/components/schemas").and_then(Value::as_object).cloned().unwrap_or_default();
        let before = value.clone();
        merge_all_of(&mut value, &schemas);
        if value == before {
            break;
        }
    }
    page_items_by_reference(&mut value);
    let schemas = value.pointer("/components/schemas").and_then(Value::as_object).cloned().unwrap_or_default();
    let mut patches = Map::new();
    if let Some(paths) = value.get_mut("paths").and_then(Value::as_object_mut) {
        for operation in paths.values_mut().filter_map(|item| item.get_mut("patch")) {
            if let Some(schema) = operation.pointer_mut("/requestBody/content/application~1merge-patch+json/schema") {
                *schema = patch_of(schema, &schemas, &mut patches, false);
            }
        }
    }
    for (path, columns) in
        [("/api/v1/candidates/import", &candidates::CSV_COLUMNS), ("/api/v1/needs/import", &needs::CSV_COLUMNS)]
    {
        let pointer = format!("/paths/{}/post/requestBody/content/text~1csv/schema", path.replace('/', "~1"));
        if let Some(Value::Object(csv)) = value.pointer_mut(&pointer) {
            csv.insert("pattern".into(), Value::from(columns.header_pattern()));
        }
    }
    if let Some(components) = value.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        components.extend(patches);
        // After the views and patches were made from the inputs, so each rule holds where it is added only.
        for (name, rules) in cross_field_rules() {
            if let Some(schema) = components.get_mut(name) {
                merge_into(schema, rules);
            }
        }
    }
    value
}

/// What a body must hold across its fields, where JSON Schema can say it
/// (the service checks the same in each input's `parse`), and what an
/// answer may hold that the input it flattens may not.
fn cross_field_rules() -> Vec<(&'static str, Value)> {
    let weights = ["skills", "experience", "industries", "crisis_experience", "background_and_training", "languages"]
        .into_iter()
        .chain(["rate", "availability", "location"]);
    let all_zero: Map<String, Value> = weights.map(|w| (w.to_owned(), json!({"const": 0}))).collect();
    let all_given: Vec<String> = all_zero.keys().cloned().collect();
    // A key acts as a recruiter, or as a member of the organization it is bound to.
    let scopes_of =
        |role: Role| -> Vec<&str> { Permission::ALL.iter().filter(|p| role.grants(**p)).map(|p| p.scope()).collect() };
    // A patch that makes a need a crisis names its signals too (the stored ones may be none).
    let crisis = json!({"if": {"required": ["reason"], "properties": {"reason": {"const": "crisis"}}},
        "then": {"required": ["crisis_signals"], "properties": {"crisis_signals": {"type": "array", "minItems": 1}}}});
    // Only required skills can be must-have.
    let preferred =
        json!({"properties": {"preferred_skills": {"items": {"properties": {"must_have": {"const": false}}}}}});
    let string = json!({"type": "string"});
    let member = json!({"const": "org_member"});
    // Ids by source system; a patch's `null` removes one source's.
    let external_ids = |patch: bool| {
        let id = if patch {
            json!({"anyOf": [text_kind_ref(100, true), {"type": "null"}]})
        } else {
            text_kind_ref(100, true)
        };
        let kind = if patch { json!(["object", "null"]) } else { json!("object") };
        json!({"properties": {"external_ids": {"type": kind, "maxProperties": external::MAX_SOURCES,
            "propertyNames": {"pattern": "^[a-z0-9][a-z0-9_.-]{0,39}$"}, "additionalProperties": id}}})
    };
    let mut rules = vec![];
    for (name, patch) in [("CandidateInput", false), ("CandidateView", false), ("CandidateInputPatch", true)]
        .into_iter()
        .chain([("NeedInput", false), ("NeedView", false), ("NeedInputPatch", true)])
    {
        rules.push((name, external_ids(patch)));
    }
    rules.extend(vec![
        (
            // Contact data is hidden from an organization member until the candidate is offered or placed.
            "CandidateView",
            json!({"properties": {"email": {"type": ["string", "null"],
                "description": "Unique among candidates; stored in lowercase. `null` for an organization member until the candidate is offered or placed."}}}),
        ),
        ("NeedInput", crisis.clone()),
        ("NeedInput", json!({"properties": {"status": {"enum": ["draft", "open"]}}})),
        // … and one that removes the signals says the need is no longer a crisis.
        (
            "NeedInputPatch",
            json!({"allOf": [crisis, {
                "if": {"required": ["crisis_signals"],
                    "properties": {"crisis_signals": {"anyOf": [{"type": "null"}, {"type": "array", "maxItems": 0}]}}},
                "then": {"required": ["reason"], "properties": {"reason": {"not": {"const": "crisis"}}}}}]}),
        ),
        // Set at creation; a patch may repeat it, not remove it.
        ("NeedInputPatch", json!({"properties": {"organization_id": string}})),
        ("SkillsetInput", preferred.clone()),
        ("SkillsetInputPatch", preferred),
        (
            "ApiKeyInput",
            json!({"properties": {"scopes": {"items": {"type": "string", "enum": scopes_of(Role::Recruiter)}}},
                "if": {"required": ["organization_id"], "properties": {"organization_id": string}},
                "then": {"properties": {"scopes": {"items": {"enum": scopes_of(Role::OrgMember)}}}}}),
        ),
        (
            // Either `top` or `candidate_ids`. Said with `if`, not a `oneOf` of partial objects, which client
            // generators read as two incomplete types.
            "ShortlistInput",
            json!({"if": {"required": ["top"], "properties": {"top": {"type": "integer"}}},
                "then": {"properties": {"candidate_ids": {"type": "null"}}},
                "else": {"required": ["candidate_ids"], "properties": {"candidate_ids": {"type": "array"}}}}),
        ),
        (
            "UserInput",
            json!({"required": ["password"], "properties": {"password": {"type": "string"}},
                "if": {"properties": {"role": member}},
                "then": {"required": ["organization_id"], "properties": {"organization_id": string}},
                "else": {"properties": {"organization_id": {"type": "null"}}}}),
        ),
        (
            // A patch that names both the role and the organization names them in agreement. One named alone
            // is checked against the stored other, which no schema can know.
            "UserInputPatch",
            json!({"allOf": [
                {"if": {"required": ["role", "organization_id"], "properties": {"role": member}},
                    "then": {"properties": {"organization_id": string}}},
                {"if": {"required": ["role", "organization_id"], "properties": {"role": {"not": member}}},
                    "then": {"properties": {"organization_id": {"type": "null"}}}}
            ]}),
        ),
        (
            "MoveInput",
            json!({"allOf": [
                {"if": {"properties": {"to": {"const": "placed"}}},
                    "else": {"properties": {"assignment": {"type": "null"}}}},
                {"if": {"properties": {"to": {"enum": ["rejected", "withdrawn"]}}},
                    "then": {"required": ["reason"], "properties": {"reason": {"not": {"type": "null"}}}},
                    "else": {"properties": {"reason": {"type": "null"}, "reason_detail": {"type": "null"}}}}
            ]}),
        ),
        // A reason is for rejections, withdrawals or both (`for_rejection` is true when left out).
        (
            "ReasonInput",
            json!({"not": {"required": ["for_rejection"],
                "properties": {"for_rejection": {"const": false}, "for_withdrawal": {"const": false}}}}),
        ),
        (
            "HandOverInput",
            json!({"anyOf": [
                {"required": ["successor_candidate_id"], "properties": {"successor_candidate_id": {"type": "string"}}},
                {"required": ["successor_name"],
                    "properties": {"successor_name": text_kind_ref(200, true)}}
            ]}),
        ),
        ("MatchWeights", json!({"not": {"required": all_given, "properties": all_zero}})),
        (
            // Choice fields have options, the others none; only needs' and assignments' fields are an
            // organization's.
            "FieldInput",
            json!({"allOf": [
                {"if": {"required": ["type"], "properties": {"type": {"enum": ["choice", "multi_choice"]}}},
                    "then": {"required": ["options"], "properties": {"options": {"minItems": 1}}},
                    "else": {"properties": {"options": {"maxItems": 0}}}},
                {"if": {"required": ["resource"], "properties": {"resource": {"const": "candidate"}}},
                    "then": {"properties": {"organization_id": {"type": "null"}}}}
            ]}),
        ),
    ]);
    rules
}

/// Adds `rules` to `schema`: objects merge member by member, `required` lists join.
fn merge_into(schema: &mut Value, rules: Value) {
    let (Value::Object(schema), Value::Object(rules)) = (schema, rules) else { return };
    for (key, rule) in rules {
        match (schema.get_mut(&key), rule) {
            (Some(Value::Array(known)), Value::Array(more)) if key == "required" => {
                let more: Vec<Value> = more.into_iter().filter(|m| !known.contains(m)).collect();
                known.extend(more);
            }
            (Some(known @ Value::Object(_)), rule @ Value::Object(_)) => merge_into(known, rule),
            (_, rule) => {
                schema.insert(key, rule);
            }
        }
    }
}

/// A reference to the merge-patch schema of the object `schema` refers to,
/// made (with those of its nested objects) into `patches` on first use. A
/// `nested` object keeps its required members: there may be no stored
/// object for the patch to merge into.
fn patch_of(schema: &Value, schemas: &Map<String, Value>, patches: &mut Map<String, Value>, nested: bool) -> Value {
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
                let options: Vec<Value> = options.iter().map(|o| patch_of(o, schemas, patches, true)).collect();
                let mut property = property.clone();
                property["oneOf"] = Value::Array(options);
                property
            }
            None => patch_of(property, schemas, patches, true),
        };
        if !required.contains(&field.as_str()) {
            allow_null(&mut property);
        }
        properties.insert(field.clone(), property);
    }
    let mut description = format!(
        "A JSON Merge Patch (RFC 7396) of `{name}`: members left out keep their value; `null` removes an optional one."
    );
    if nested && !required.is_empty() {
        description.push_str(" The required members are given even so: there may be no stored object to merge into.");
    }
    let mut patch = Map::new();
    patch.insert("type".into(), Value::from("object"));
    patch.insert("description".into(), Value::from(description));
    if nested && !required.is_empty() {
        patch.insert("required".into(), json!(required));
    }
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
    let options = match property.get("oneOf") {
        Some(_) => property.get_mut("oneOf"),
        None => property.get_mut("anyOf"),
    };
    if let Some(options) = options.and_then(Value::as_array_mut) {
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

/// Replaces this service's own formats (`text`, `language`, `country`,
/// `currency`) with a reference to the component that says what each stands
/// for, made into `kinds` on first use. A field that may be `null` becomes
/// `anyOf` the component and `null`.
fn own_formats(value: &mut Value, kinds: &mut Map<String, Value>) {
    match value {
        Value::Object(object) => {
            let kind = match object.get("format").and_then(Value::as_str) {
                Some("text") => {
                    let required = object.contains_key("minLength");
                    object.get("maxLength").and_then(Value::as_u64).map(|max| {
                        let (name, schema) = text_kind(max, required);
                        kinds.entry(name.clone()).or_insert(schema);
                        name
                    })
                }
                Some("custom-field-filter") => {
                    let description = "`key:value`: a custom field's key, a colon, and a value the field holds \
                        (for a multi-choice field, one of its options); the field's type reads the value.";
                    kinds.entry("CustomFieldFilter".to_owned()).or_insert(
                        json!({"type": "string", "description": description, "pattern": "^[a-z][a-z0-9_]{0,47}:"}),
                    );
                    Some("CustomFieldFilter".to_owned())
                }
                Some("external-ref") => {
                    let description = "`source:id`: a source system's name (1 to 40 lowercase letters, digits and \
                        `_ . -`, starting with a letter or digit), a colon, and the id there (1 to 100 characters, \
                        trimmed).";
                    let id = text_pattern(external::MAX_ID_CHARS as u64, true);
                    let pattern = format!("^[a-z0-9][a-z0-9_.-]{{0,39}}:{}", id.trim_start_matches('^'));
                    kinds
                        .entry("ExternalRef".to_owned())
                        .or_insert(json!({"type": "string", "description": description, "pattern": pattern}));
                    Some("ExternalRef".to_owned())
                }
                Some(format @ ("tag" | "tag-filter")) => {
                    let (name, schema) = tag_kind(format);
                    kinds.entry(name.to_owned()).or_insert(schema);
                    Some(name.to_owned())
                }
                Some(format @ ("language" | "country" | "currency")) => {
                    let (name, schema) = code_kind(format);
                    kinds.entry(name.to_owned()).or_insert(schema);
                    Some(name.to_owned())
                }
                _ => None,
            };
            if let Some(name) = kind {
                let nullable =
                    object.get("type").and_then(Value::as_array).is_some_and(|t| t.contains(&Value::from("null")));
                for key in ["type", "format", "minLength", "maxLength"] {
                    object.remove(key);
                }
                let reference = json!({"$ref": format!("#/components/schemas/{name}")});
                if nullable {
                    object.insert("anyOf".into(), json!([reference, {"type": "null"}]));
                } else {
                    object.extend(reference.as_object().cloned().unwrap_or_default());
                }
            }
            object.values_mut().for_each(|v| own_formats(v, kinds));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| own_formats(v, kinds)),
        _ => {}
    }
}

/// The component of free text of at most `max` characters (at least one
/// when `required`): its name and schema.
fn text_kind(max: u64, required: bool) -> (String, Value) {
    let (name, length) = if required {
        (format!("Text{max}"), format!("1 to {max} characters"))
    } else {
        (format!("OptionalText{max}"), format!("Up to {max} characters (blank: not given)"))
    };
    let description = format!(
        "{length}, counted after the white space at either end is trimmed (the service keeps the trimmed \
         text). Tab and line feed are allowed inside; other control characters are not."
    );
    (name, json!({"type": "string", "description": description, "pattern": text_pattern(max, required)}))
}

/// The component of a tag (`tag`) or of the `tag` filter of lists
/// (`tag-filter`): its name and schema. A tag is what `domain::tag::tag`
/// accepts: white space `str::trim` removes at either end, then 1 to 50
/// characters that start and end with neither white space nor a control
/// character and hold no control character nor any of `, ; " \ < >`.
fn tag_kind(format: &str) -> (&'static str, Value) {
    const SPACE: &str = r"[\u0009-\u000D\u0020\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]";
    const EDGE: &str = r#"[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000,;"\\<>]"#;
    const INNER: &str = r#"[^\u0000-\u001F\u007F-\u009F,;"\\<>]"#;
    let max = tag::MAX_TAG_CHARS - 2;
    let one = format!("{SPACE}*{EDGE}({INNER}{{0,{max}}}{EDGE})?{SPACE}*");
    if format == "tag" {
        let description = "1 to 50 characters after the white space at either end is trimmed, with no control \
            character nor any of `, ; \" \\ < >`; kept in lowercase.";
        return ("Tag", json!({"type": "string", "description": description, "pattern": format!("^{one}$")}));
    }
    let description = format!(
        "Up to {} tags, `,`-separated: only records with every one of them (empty: no filter).",
        tag::MAX_FILTER_TAGS
    );
    let more = tag::MAX_FILTER_TAGS - 1;
    (
        "TagFilter",
        json!({"type": "string", "description": description, "pattern": format!("^({one}(,{one}){{0,{more}}})?$")}),
    )
}

/// A reference to the component of [`text_kind`].
fn text_kind_ref(max: u64, required: bool) -> Value {
    json!({"$ref": format!("#/components/schemas/{}", text_kind(max, required).0)})
}

/// The component of a kind of code: its name and schema.
fn code_kind(format: &str) -> (&'static str, Value) {
    let (name, description, codes) = match format {
        "language" => ("LanguageCode", "An ISO 639-1 language code, such as `nl` or `en`.", codes::languages()),
        "country" => ("CountryCode", "An ISO 3166-1 alpha-2 country code, such as `NL` or `GB`.", codes::countries()),
        _ => ("CurrencyCode", "An ISO 4217 currency code, such as `EUR`.", Currency::codes()),
    };
    (name, json!({"type": "string", "description": description, "enum": codes}))
}

/// Each page (`PageOf_…`) refers to the view of its items rather than
/// holding a copy of it.
fn page_items_by_reference(value: &mut Value) {
    let Some(schemas) = value.pointer_mut("/components/schemas").and_then(Value::as_object_mut) else { return };
    let views: Vec<String> = schemas.keys().cloned().collect();
    for (name, page) in schemas.iter_mut() {
        let Some(view) = name.strip_prefix("PageOf_").filter(|v| views.iter().any(|known| known == v)) else {
            continue;
        };
        if let Some(items) = page.pointer_mut("/properties/items/items") {
            *items = json!({"$ref": format!("#/components/schemas/{view}")});
        }
    }
}

/// What `domain::validation::text(_, 1, max)` (or, when not `required`,
/// `optional_text(_, max)`) accepts: white space `str::trim` removes at
/// either end, then up to `max` characters that start and end with neither
/// white space nor a control character and hold no control character but
/// tab and line feed.
fn text_pattern(max: u64, required: bool) -> String {
    const SPACE: &str = r"[\u0009-\u000D\u0020\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]";
    const EDGE: &str = r"[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]";
    const INNER: &str = r"[^\u0000-\u0008\u000B-\u001F\u007F-\u009F]";
    let text = match max {
        0 => String::new(),
        1 => EDGE.to_owned(),
        _ => format!("{EDGE}({INNER}{{0,{}}}{EDGE})?", max - 2),
    };
    let text = if required { text } else { format!("({text})?") };
    format!("^{SPACE}*{text}{SPACE}*$")
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

    fn agrees_with_validation(max: u64, required: bool, value: &str) {
        let pattern = regex::Regex::new(&text_pattern(max, required)).unwrap();
        let valid = if required {
            crate::domain::validation::text(value, 1, max as usize).is_ok()
        } else {
            crate::domain::validation::optional_text(Some(value), max as usize).is_ok()
        };
        assert_eq!(pattern.is_match(value), valid, "{value:?} (max {max}, required {required})");
    }

    proptest::proptest! {
        #[test]
        fn text_patterns_accept_what_validation_accepts(
            chars in proptest::collection::vec(proptest::sample::select(
                vec!['a', 'é', '✓', ' ', '\t', '\n', '\r', '\u{b}', '\u{0}', '\u{1f}', '\u{7f}', '\u{85}', '\u{9f}',
                    '\u{a0}', '\u{3000}', '\u{2028}', '\u{200b}']), 0..8),
            max in 1u64..6,
            required: bool,
        ) {
            agrees_with_validation(max, required, &chars.into_iter().collect::<String>());
        }
    }

    #[test]
    fn text_patterns_on_chosen_values() {
        for value in [
            "",
            " ",
            "a",
            "ab",
            "abc",
            " abc\u{3000}",
            "\u{85}a\u{a0}",
            "a\tb",
            "a\nb",
            "a\rb",
            "\ra\r",
            "a\u{0}b",
            "a\u{85}b",
            "\u{7f}",
            "a\u{9f}",
            "a b c",
            "Ünïcödé ✓",
            "\u{2028}x\u{2029}",
            "a\u{1}",
        ] {
            for (max, required) in [(1, true), (2, true), (3, true), (3, false), (5, false)] {
                agrees_with_validation(max, required, value);
            }
        }
    }

    #[test]
    fn the_document_has_patches_and_rules() {
        let value = crate::api::openapi();
        assert!(value.pointer("/components/schemas/CandidateInputPatch").is_some(), "the patch schemas are missing");
        assert!(value.pointer("/components/schemas/HandOverInput/anyOf").is_some(), "the rules are missing");
    }
}
