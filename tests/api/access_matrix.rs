//! The function-level matrix, built from the OpenAPI document itself: every
//! secured operation, called by every role and by API keys of every scope,
//! is refused with 403 exactly where the role or scope does not allow it.
//! A new operation enters the matrix without anyone editing this test.

use interim_tracker::domain::access::{Permission, Role};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, backend_tests, json_of};

struct Caller {
    name: String,
    token: String,
    role: Role,
    scopes: Option<Vec<Permission>>,
}

impl Caller {
    fn may(&self, permission: Permission) -> bool {
        self.role.grants(permission) && self.scopes.as_ref().is_none_or(|s| s.contains(&permission))
    }
}

/// The example body the spec shows for an operation.
fn example_body(spec: &Value, op: &Value) -> Option<Value> {
    let content = op.get("requestBody")?["content"].as_object()?;
    let (_, media) = content.iter().next()?;
    if let Some(example) = media.get("example") {
        return Some(example.clone());
    }
    let name = media["schema"]["$ref"].as_str()?.rsplit('/').next()?;
    spec["components"]["schemas"][name].get("example").cloned()
}

async fn every_operation_with_every_caller(app: TestApp) {
    let spec = json_of(app.anonymous().get("/openapi.json").await, 200).await;

    // Objects for the path parameters: organization A's, and global ones.
    let org = app.organization("Matrix A").await;
    let need = app
        .create("/api/v1/needs", &json!({"organization_id": org, "title": "Interim CXO", "reason": "new_position"}))
        .await;
    let skillset = app.create("/api/v1/skillsets", &json!({"organization_id": org, "name": "A's CXO"})).await;
    let candidate = app
        .create("/api/v1/candidates", &json!({"first_name": "A", "last_name": "B", "email": "ab@example.com"}))
        .await;
    let entry = app
        .post(
            &format!("/api/v1/needs/{}/pipeline", need["id"].as_str().unwrap()),
            &json!({"candidate_id": candidate["id"]}),
        )
        .await;
    assert_eq!(entry.status(), 201);
    let moves =
        format!("/api/v1/needs/{}/pipeline/{}/moves", need["id"].as_str().unwrap(), candidate["id"].as_str().unwrap());
    let mut placed = None;
    for stage in ["screening", "interviewing", "offered", "placed"] {
        let mut body = json!({"to": stage});
        if stage == "placed" {
            body["assignment"] = json!({"day_rate": {"amount": 1500, "currency": "EUR"}});
        }
        let response = app.post(&moves, &body).await;
        placed = response.headers().get("link").map(|l| l.to_str().unwrap().to_owned());
        assert_eq!(response.status(), 200);
    }
    let assignment = placed.unwrap().trim_start_matches("</api/v1/assignments/").split('>').next().unwrap().to_owned();
    app.create("/api/v1/skills", &json!({"key": "matrix-skill", "name": "Matrix", "category": "finance"})).await;
    let occupations =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/esco/occupations_en.csv"));
    let imported =
        app.post_body("/api/v1/skills/import?layout=esco_occupations", "text/csv", occupations.unwrap()).await;
    assert_eq!(imported.status(), 200);
    let user = app
        .create(
            "/api/v1/users",
            &json!({"email": "matrix@example.com", "role": "recruiter", "password": "0123456789abc"}),
        )
        .await;
    let key = app.create("/api/v1/api-keys", &json!({"name": "fixture", "scopes": ["needs:read"]})).await;
    let webhook = app
        .create("/api/v1/webhooks", &json!({"url": "https://hooks.example.com/in", "events": ["need.created"]}))
        .await;
    json_of(app.put("/api/v1/exchange-rates/GBP/EUR/2026-01-01", &json!({"rate": 1.15})).await, 201).await;
    // By the path segment before the parameter.
    let ids = [
        ("organizations", org.clone()),
        ("needs", need["id"].as_str().unwrap().to_owned()),
        ("skillsets", skillset["id"].as_str().unwrap().to_owned()),
        ("candidates", candidate["id"].as_str().unwrap().to_owned()),
        ("matches", candidate["id"].as_str().unwrap().to_owned()),
        ("skills", "matrix-skill".to_owned()),
        ("occupations", "chief-risk-officer".to_owned()),
        ("users", user["id"].as_str().unwrap().to_owned()),
        ("api-keys", key["id"].as_str().unwrap().to_owned()),
        ("assignments", assignment),
        ("webhooks", webhook["id"].as_str().unwrap().to_owned()),
        ("pipeline-reasons", "culture_fit".to_owned()),
        ("custom-fields", "candidate".to_owned()),
    ];

    let mut callers = vec![
        Caller { name: "admin".into(), token: app.token.clone(), role: Role::Admin, scopes: None },
        Caller {
            name: "recruiter".into(),
            token: app.user("recruiter", None).await,
            role: Role::Recruiter,
            scopes: None,
        },
        Caller {
            name: "org_member".into(),
            token: app.user("org_member", Some(&org)).await,
            role: Role::OrgMember,
            scopes: None,
        },
    ];
    for permission in Permission::ALL {
        if Role::Recruiter.grants(*permission) {
            callers.push(Caller {
                name: format!("API key with {permission}"),
                token: app.api_key(&[permission.scope()], None).await,
                role: Role::Recruiter,
                scopes: Some(vec![*permission]),
            });
        }
    }

    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(scopes) = op["security"][0]["oauth2"].as_array() else { continue };
            // An operation may require several scopes: all of them.
            let required: Vec<Permission> = scopes.iter().map(|s| s.as_str().unwrap().parse().unwrap()).collect();
            if required.is_empty() {
                continue;
            }
            // An exchange rate is named by its pair and first day.
            let mut url = path.replace("{base}/{quote}/{valid_from}", "GBP/EUR/2026-01-01");
            if let Some(start) = url.find('{') {
                let id = &ids
                    .iter()
                    .find(|(prefix, _)| url.contains(prefix))
                    .unwrap_or_else(|| panic!("no fixture for {path}"))
                    .1;
                let end = url.find('}').unwrap();
                url.replace_range(start..=end, id);
            }
            // A second parameter names the candidate (`/needs/{id}/pipeline/{candidate_id}`).
            url = url.replace("{candidate_id}", candidate["id"].as_str().unwrap());
            let method: Method = method.to_uppercase().parse().unwrap();
            let body = match method {
                Method::POST | Method::PUT => example_body(&spec, op),
                Method::PATCH => Some(json!({})),
                _ => None,
            };
            for caller in &callers {
                let response = app.with(&caller.token).request(method.clone(), &url, body.as_ref()).await;
                let status = response.status().as_u16();
                let who = format!("{method} {url} as {}", caller.name);
                // Members read the candidates in their own organization's pipelines (and, placed there as this
                // one is, their documents, and the notes shared with them).
                let member_reads_candidate = (path == "/api/v1/candidates/{id}"
                    || path.starts_with("/api/v1/candidates/{id}/documents")
                    || path.starts_with("/api/v1/candidates/{id}/notes"))
                    && method == Method::GET
                    && caller.role == Role::OrgMember
                    && caller.may(Permission::PipelineRead);
                if required.iter().all(|p| caller.may(*p)) || member_reads_candidate {
                    assert!(![401, 403].contains(&status) && status < 500, "{who}: allowed, but answered {status}");
                } else {
                    assert_eq!(status, 403, "{who}: not allowed, but answered {status}");
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 400, "only {checked} calls checked");
}

backend_tests!(every_operation_with_every_caller);
