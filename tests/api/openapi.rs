//! The spec is the contract: the committed `openapi/openapi.json` must be
//! what the code generates, and every operation must be documented.

use serde_json::Value;

const REGENERATE: &str = "cargo run -- openapi > openapi/openapi.json";

fn generated() -> Value {
    serde_json::to_value(interim_tracker::api::openapi()).expect("the spec serializes")
}

#[test]
fn committed_spec_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let committed: Value = serde_json::from_str(&committed).unwrap_or(Value::Null);
    let generated = generated();
    if committed != generated {
        let first_difference = first_difference(&committed, &generated, String::new());
        panic!(
            "openapi/openapi.json differs from the spec the code generates (first difference at {first_difference}).\n\
             Regenerate it with:\n\n    {REGENERATE}\n"
        );
    }
}

fn first_difference(a: &Value, b: &Value, at: String) -> String {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for key in x.keys().chain(y.keys()) {
                if x.get(key) != y.get(key) {
                    return first_difference(
                        x.get(key).unwrap_or(&Value::Null),
                        y.get(key).unwrap_or(&Value::Null),
                        format!("{at}/{key}"),
                    );
                }
            }
            at
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                if p != q {
                    return first_difference(p, q, format!("{at}/{i}"));
                }
            }
            at
        }
        _ => {
            if at.is_empty() {
                "/".into()
            } else {
                at
            }
        }
    }
}

#[test]
fn every_operation_is_documented() {
    let spec = generated();
    assert_eq!(spec["openapi"], "3.1.0");
    let mut operations = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let name = format!("{method} {path}");
            assert!(op["summary"].as_str().is_some_and(|s| !s.is_empty()), "{name} has a summary");
            assert!(op["operationId"].is_string(), "{name} has an operationId");
            assert!(op["tags"].as_array().is_some_and(|t| !t.is_empty()), "{name} is tagged");
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.keys().any(|s| s.starts_with('2')), "{name} documents its success");
            assert!(responses.contains_key("500"), "{name} documents 500");
            if path.starts_with("/api/") {
                assert!(responses.contains_key("400") && responses.contains_key("503"), "{name} documents 400 and 503");
            }
            if path.contains('{') {
                assert!(responses.contains_key("404"), "{name} documents 404");
            }
            if let Some(body) = op.get("requestBody") {
                assert!(responses.contains_key("422") && responses.contains_key("413"), "{name} documents 413 and 422");
                let content = body["content"].as_object().unwrap();
                let has_example = content.values().any(|c| {
                    c.get("example").is_some()
                        || c["schema"]["$ref"].as_str().is_some_and(|r| {
                            let name = r.rsplit('/').next().unwrap();
                            spec["components"]["schemas"][name].get("example").is_some()
                        })
                });
                assert!(has_example, "{name} shows an example body");
            }
        }
    }
    assert!(operations >= 27, "only {operations} operations");
}

/// Views validate as served (no `allOf` with a closed input inside), and a
/// PATCH body is a merge patch: nothing required, `null` allowed where the
/// field is optional.
#[test]
fn views_are_open_and_patches_are_merge_patches() {
    let spec = generated();
    for (name, schema) in spec["components"]["schemas"].as_object().unwrap() {
        assert!(!schema.to_string().contains("\"allOf\"") || !name.ends_with("View"), "an allOf is left in {name}");
    }
    let view = &spec["components"]["schemas"]["OrganizationView"];
    assert!(view["properties"]["id"].is_object() && view["properties"]["name"].is_object());
    assert!(view.get("additionalProperties").is_none());
    for (path, item) in spec["paths"].as_object().unwrap() {
        let Some(patch) = item.get("patch") else { continue };
        let reference = patch["requestBody"]["content"]["application/merge-patch+json"]["schema"]["$ref"]
            .as_str()
            .unwrap_or_else(|| panic!("PATCH {path} takes a merge patch"));
        let name = reference.rsplit('/').next().unwrap();
        assert!(name.ends_with("Patch"), "PATCH {path} names {name}");
        let schema = &spec["components"]["schemas"][name];
        assert!(schema.get("required").is_none(), "{name} requires nothing");
        assert_eq!(schema["additionalProperties"], false, "{name} refuses unknown fields");
    }
    let patch = &spec["components"]["schemas"]["OrganizationInputPatch"]["properties"];
    assert_eq!(patch["name"]["type"], "string", "a required field cannot be removed");
    assert_eq!(patch["region"]["type"], serde_json::json!(["string", "null"]));
}
