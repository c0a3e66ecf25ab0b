//! The spec is the contract: the committed `openapi/openapi.json` must be
//! what the code generates, and every operation must be documented.

use crate::helpers::TestApp;
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
                assert!(responses.contains_key("413"), "{name} documents 413");
                // SCIM answers an invalid value 400 `invalidValue` (RFC 7644 §3.12), never 422.
                assert!(path.starts_with("/scim/") || responses.contains_key("422"), "{name} documents 422");
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
        // SCIM's PATCH takes its own operations (RFC 7644 §3.5.2).
        let Some(patch) = item.get("patch").filter(|_| !path.starts_with("/scim/")) else { continue };
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
    assert_eq!(patch["name"]["$ref"], "#/components/schemas/Text200", "a required field cannot be removed");
    assert!(patch["region"]["anyOf"].as_array().unwrap().contains(&serde_json::json!({"type": "null"})));
}

/// Every operation of the spec, as `(method, path, operation)`.
fn operations(spec: &Value) -> Vec<(String, String, Value)> {
    let mut all = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            all.push((method.clone(), path.clone(), op.clone()));
        }
    }
    all
}

/// Every schema object in `value`, with where it is.
fn walk<'a>(value: &'a Value, at: String, found: &mut Vec<(String, &'a Value)>) {
    match value {
        Value::Object(object) => {
            found.push((at.clone(), value));
            for (key, v) in object {
                walk(v, format!("{at}/{key}"), found);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(v, format!("{at}/{i}"), found);
            }
        }
        _ => {}
    }
}

/// OpenAPI 3.1 requires a description on every response; generators refuse a document without.
#[test]
fn every_response_has_a_description() {
    let spec = generated();
    let mut responses: Vec<(String, &Value)> = Vec::new();
    for (method, path, _) in operations(&spec) {
        for (status, response) in spec["paths"][&path][&method]["responses"].as_object().unwrap() {
            responses.push((format!("{method} {path} {status}"), response));
        }
    }
    for (name, response) in spec["components"]["responses"].as_object().unwrap() {
        responses.push((format!("#/components/responses/{name}"), response));
    }
    for (name, response) in responses {
        if response.get("$ref").is_none() {
            assert!(response["description"].as_str().is_some_and(|d| !d.is_empty()), "{name} has no description");
        }
    }
}

/// Language, country and currency codes are one component each, referred to
/// everywhere else (a nullable field as `anyOf` the code and `null`); each
/// error status shows an example of its own.
#[test]
fn codes_and_examples_are_shared_components() {
    let spec = generated();
    let schemas = &spec["components"]["schemas"];
    for (name, sample) in [("CountryCode", "NL"), ("LanguageCode", "nl"), ("CurrencyCode", "EUR")] {
        let codes = schemas[name]["enum"].as_array().unwrap_or_else(|| panic!("{name} is missing"));
        assert!(codes.contains(&Value::from(sample)) && !codes.contains(&Value::Null), "{name}");
    }
    let mut found = Vec::new();
    walk(&spec, String::new(), &mut found);
    for (at, schema) in found {
        let Some(values) = schema.get("enum").and_then(Value::as_array) else { continue };
        let shared = ["/components/schemas/CountryCode", "/components/schemas/LanguageCode"];
        let inline_codes =
            values.len() > 100 && !shared.contains(&at.as_str()) && at != "/components/schemas/CurrencyCode";
        assert!(!inline_codes, "codes are copied at {at}");
    }
    let mut examples = std::collections::HashSet::new();
    for (name, response) in spec["components"]["responses"].as_object().unwrap() {
        let example = &response["content"]["application/problem+json"]["example"];
        assert!(example["status"].is_u64(), "{name} shows no example");
        assert!(examples.insert(example["status"].to_string()), "{name} repeats another status's example");
    }
    for (name, page) in schemas.as_object().unwrap().iter().filter(|(name, _)| name.starts_with("PageOf_")) {
        let view = name.trim_start_matches("PageOf_");
        assert_eq!(page["properties"]["items"]["items"]["$ref"], format!("#/components/schemas/{view}"), "{name}");
    }
}

/// Whether `schema` says `format: uuid`, directly or in one of its options.
fn is_uuid(schema: &Value) -> bool {
    schema["format"] == "uuid"
        || schema["items"]["format"] == "uuid"
        || ["anyOf", "oneOf"].iter().any(|k| schema[k].as_array().is_some_and(|o| o.iter().any(is_uuid)))
}

/// Ids are UUIDs, and say so: in every schema and every path. (API keys,
/// events and audit entries' subjects have ids of their own shape.)
#[test]
fn ids_are_uuids() {
    let spec = generated();
    let not_uuids = ["ApiKeyView.id", "CreatedApiKey.id", "AuditEventView.object_id", "AuditEventView.request_id"];
    // An import's rows are candidates or needs (UUIDs), or skills and occupations (keys).
    let not_uuids = [
        not_uuids.as_slice(),
        &["DeliveryView.event_id", "ChangeView.event_id", "TokenRequest.client_id", "RowResult.id"],
    ]
    .concat();
    for (name, schema) in spec["components"]["schemas"].as_object().unwrap() {
        for (field, property) in schema["properties"].as_object().into_iter().flatten() {
            let id = field == "id" || field.ends_with("_id") || field.ends_with("_ids");
            if !id
                || field == "external_id"
                || field == "external_ids"
                || not_uuids.contains(&format!("{name}.{field}").as_str())
            {
                continue;
            }
            // A cross-field rule may add `{"type": "null"}` or a bare type under a property; the field's own
            // schema is in the component it was made from.
            let bare = property.as_object().is_some_and(|p| p.keys().all(|k| k == "type"));
            assert!(bare || is_uuid(property), "{name}.{field} is not documented as a UUID: {property}");
        }
    }
    for (method, path, op) in operations(&spec) {
        for parameter in op["parameters"].as_array().into_iter().flatten() {
            // An exchange rate is named by its pair and first day, a skill by its key, a pipeline reason by its code.
            let rate_path = path.starts_with("/api/v1/exchange-rates/{base}");
            let named = ["key", "code", "resource", "urn"].iter().any(|n| parameter["name"] == *n);
            if parameter["in"] == "path" && !named && !rate_path {
                assert!(is_uuid(&parameter["schema"]), "{method} {path}: {} is not a UUID", parameter["name"]);
            }
        }
    }
}

/// What needs no token says so with `security: []`; everything else names its scheme.
#[test]
fn public_operations_need_no_token() {
    let spec = generated();
    let public = [
        "get /health",
        "get /ready",
        "get /metrics",
        "post /api/v1/auth/token",
        "get /scim/v2/ServiceProviderConfig",
        "get /scim/v2/ResourceTypes",
        "get /scim/v2/ResourceTypes/{resource}",
        "get /scim/v2/Schemas",
        "get /scim/v2/Schemas/{urn}",
    ];
    for (method, path, op) in operations(&spec) {
        let name = format!("{method} {path}");
        if public.contains(&name.as_str()) {
            assert_eq!(op["security"], serde_json::json!([]), "{name} is public");
        } else {
            assert!(op["security"].as_array().is_some_and(|s| !s.is_empty()), "{name} names its security");
        }
    }
    // Swagger UI shows each scope's name beside its description: the same words twice read as a mistake.
    let scopes = spec["components"]["securitySchemes"]["oauth2"]["flows"]["password"]["scopes"].as_object().unwrap();
    for (scope, description) in scopes {
        assert_ne!(description.as_str(), Some(scope.as_str()), "scope {scope} is described by its name");
    }
}

/// Every response header refers to a shared component (or is the handler's
/// own `Location` or `Link`), and the headers the service always sends are
/// declared.
#[test]
fn response_headers_are_shared_components() {
    let spec = generated();
    let declared = spec["components"]["headers"].as_object().unwrap();
    for name in ["ETag", "Idempotent-Replayed", "Retry-After", "WWW-Authenticate", "X-Request-Id"] {
        assert!(declared[name]["description"].is_string(), "{name} is not a header component");
    }
    for (method, path, op) in operations(&spec) {
        for (status, response) in op["responses"].as_object().unwrap() {
            let response = match response["$ref"].as_str() {
                Some(r) => &spec["components"]["responses"][r.rsplit('/').next().unwrap()],
                None => response,
            };
            let headers = response["headers"].as_object().unwrap();
            assert!(headers.contains_key("X-Request-Id"), "{method} {path} {status} lacks X-Request-Id");
            // `Location` and `Link` name a resource of the handler's own.
            for (name, header) in headers.iter().filter(|(name, _)| !["Location", "Link"].contains(&name.as_str())) {
                assert_eq!(header["$ref"], format!("#/components/headers/{name}"), "{method} {path} {status}");
            }
            let idempotent = op["parameters"].as_array().into_iter().flatten().any(|p| p["name"] == "Idempotency-Key");
            if idempotent && status.starts_with('2') {
                assert!(headers.contains_key("Idempotent-Replayed"), "{method} {path} {status}");
            }
        }
    }
    let responses = &spec["components"]["responses"];
    for (response, header) in
        [("TooManyRequests", "Retry-After"), ("Unavailable", "Retry-After"), ("Unauthorized", "WWW-Authenticate")]
    {
        assert!(responses[response]["headers"][header].is_object(), "{response} lacks {header}");
    }
}

/// The headers the spec declares on each GET's success are the ones really
/// sent: every GET whose path can be filled from a few records is called.
async fn declared_headers_are_sent(app: TestApp) {
    let org = app.organization("Northwind").await;
    let need = crate::pipeline::open_need(&app, &org, "Interim CXO").await;
    let candidate = crate::pipeline::candidate(&app, "Ada").await;
    crate::pipeline::add(&app, &need, &candidate).await;
    let skillset = app.list_all("/api/v1/skillsets?scope=global").await[0]["id"].as_str().unwrap().to_owned();
    let occupations =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/esco/occupations_en.csv"));
    let imported =
        app.post_body("/api/v1/skills/import?layout=esco_occupations", "text/csv", occupations.unwrap()).await;
    assert_eq!(imported.status(), 200);
    assert_eq!(
        app.put("/api/v1/exchange-rates/GBP/EUR/2026-01-01", &serde_json::json!({"rate": 1.15})).await.status(),
        201
    );
    let spec = generated();
    let mut called = 0;
    for (method, path, op) in operations(&spec).into_iter().filter(|(method, _, _)| method == "get") {
        let resource = path.split('/').nth(3).unwrap_or_default();
        let id = match resource {
            "organizations" => org.as_str(),
            "candidates" => candidate.as_str(),
            "needs" => need.as_str(),
            "skillsets" => skillset.as_str(),
            _ => "",
        };
        let url = path
            .replace("{id}", id)
            .replace("{candidate_id}", &candidate)
            .replace(
                "{key}",
                if resource == "occupations" { "chief-risk-officer" } else { "customer-service-strategy" },
            )
            .replace("{base}/{quote}/{valid_from}", "GBP/EUR/2026-01-01")
            .replace("/exchange-rates/convert", "/exchange-rates/convert?amount=1000&from=GBP&to=EUR&on=2026-02-01");
        if url.contains('{') || (path.contains("{id}") && id.is_empty()) {
            continue;
        }
        // Operations that need a query get one.
        let url = if path == "/api/v1/skills/suggest" { format!("{url}?q=crm") } else { url };
        let response = app.get(&url).await;
        assert_eq!(response.status(), 200, "GET {url}");
        let sent = |name: &str| response.headers().contains_key(name);
        let declared = |name: &str| op["responses"]["200"]["headers"].get(name).is_some();
        assert!(sent("x-request-id"), "{method} {path} sends no X-Request-Id");
        assert_eq!(sent("etag"), declared("ETag"), "{method} {path}: ETag sent and declared differ");
        called += 1;
    }
    assert!(called >= 20, "only {called} GETs were called");
}

crate::helpers::backend_tests!(declared_headers_are_sent);

/// Every `$ref` names a component the document holds (an enum used only as a query parameter must be listed
/// among the components, or validators and generators refuse the document).
#[test]
fn every_reference_resolves() {
    fn walk(v: &Value, spec: &Value, missing: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    let found = r.strip_prefix("#/").map(|path| path.split('/').try_fold(spec, |at, key| at.get(key)));
                    if !matches!(found, Some(Some(_))) {
                        missing.push(r.clone());
                    }
                }
                map.values().for_each(|v| walk(v, spec, missing));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, spec, missing)),
            _ => {}
        }
    }
    let spec = generated();
    let mut missing = Vec::new();
    walk(&spec, &spec, &mut missing);
    assert!(missing.is_empty(), "unresolved references: {missing:?}");
}
