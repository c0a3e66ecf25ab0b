//! A member of organization B never reads, changes or learns of anything of
//! organization A: every object answers 404 exactly as a missing one, every
//! list leaves it out, and A's data is unchanged afterwards.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, backend_tests, invalid_fields, json_of, problem};

async fn a_member_of_b_cannot_touch_a(app: TestApp) {
    let a = app.organization("Org A").await;
    let b = app.organization("Org B").await;
    let need_a =
        app.create("/api/v1/needs", &json!({"organization_id": a, "title": "A's CFO", "reason": "replacement"})).await;
    let skillset_a = app.create("/api/v1/skillsets", &json!({"organization_id": a, "name": "A's profile"})).await;
    let need_b =
        app.create("/api/v1/needs", &json!({"organization_id": b, "title": "B's COO", "reason": "replacement"})).await;
    let objects = [
        format!("/api/v1/organizations/{a}"),
        format!("/api/v1/needs/{}", need_a["id"].as_str().unwrap()),
        format!("/api/v1/skillsets/{}", skillset_a["id"].as_str().unwrap()),
    ];
    let before: Vec<Value> = futures_in_order(&app, &objects).await;

    for token in [
        app.user("org_member", Some(&b)).await,
        app.api_key(
            &[
                "needs:read",
                "needs:write",
                "skillsets:read",
                "skillsets:write",
                "organizations:read",
                "organizations:write",
            ],
            Some(&b),
        )
        .await,
    ] {
        let member = app.with(&token);
        for path in &objects {
            // The same call on an id that exists nowhere must get the very same answer.
            let missing = format!("{}/0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c", path.rsplit_once('/').unwrap().0);
            for method in [Method::GET, Method::PATCH, Method::DELETE] {
                let call = |target: String| {
                    let member = &member;
                    let method = method.clone();
                    async move {
                        let response = match method {
                            Method::PATCH => {
                                member.patch(&target, &json!({"name": "mine now", "title": "mine now"})).await
                            }
                            Method::DELETE => member.delete(&target).await,
                            _ => member.request(method, &target, None).await,
                        };
                        let status = response.status().as_u16();
                        (status, response.json::<Value>().await.unwrap())
                    }
                };
                let (status, body) = call(path.clone()).await;
                let (missing_status, missing_body) = call(missing.clone()).await;
                assert_eq!((status, &body["type"]), (missing_status, &missing_body["type"]), "{method} {path}: {body}");
                // 404, or 403 where members may not call the operation at all (deleting an organization).
                assert!(status == 404 || (status == 403 && method == Method::DELETE), "{method} {path}: {status}");
                assert!(!body.to_string().contains("Org A"), "{body}");
            }
        }
        // Lists, even with filters naming A, and with a cursor made for A.
        for list in [
            "/api/v1/needs".to_owned(),
            format!("/api/v1/needs?organization_id={a}"),
            "/api/v1/skillsets".to_owned(),
            format!("/api/v1/skillsets?organization_id={a}"),
            "/api/v1/organizations".to_owned(),
        ] {
            let page = json_of(member.get(&list).await, 200).await;
            let text = page.to_string();
            assert!(!text.contains(&a) && !text.contains("A's"), "{list}: {text}");
        }
        let admin_page = json_of(app.get(&format!("/api/v1/needs?organization_id={a}&limit=1")).await, 200).await;
        if let Some(cursor) = admin_page["next_cursor"].as_str() {
            let page = json_of(member.get(&format!("/api/v1/needs?cursor={cursor}")).await, 200).await;
            assert!(!page.to_string().contains(&a));
        }
        let own = json_of(member.get("/api/v1/needs?include_total=true").await, 200).await;
        assert_eq!(own["total"], 1);
        assert_eq!(own["items"][0]["id"], need_b["id"]);

        // Writing into A is refused as if A did not exist; nothing is created.
        let refused = problem(member.post("/api/v1/needs", &json!({"organization_id": a, "title": "x", "reason": "crisis", "crisis_signals": ["kpis_not_met"]})).await, 422, "validation-failed").await;
        assert_eq!(invalid_fields(&refused), ["organization_id"]);
        let refused = problem(
            member.post("/api/v1/skillsets", &json!({"organization_id": a, "name": "x"})).await,
            422,
            "validation-failed",
        )
        .await;
        assert_eq!(invalid_fields(&refused), ["organization_id"]);
        let mut foreign_skillset = json!({"title": "x", "reason": "new_position"});
        foreign_skillset["skillset_id"] = skillset_a["id"].clone();
        let refused = problem(member.post("/api/v1/needs", &foreign_skillset).await, 422, "validation-failed").await;
        assert_eq!(refused["errors"][0]["code"], "unknown_skillset");
        // Candidates are not the members' to browse.
        problem(member.get("/api/v1/candidates").await, 403, "forbidden").await;
    }
    let after: Vec<Value> = futures_in_order(&app, &objects).await;
    assert_eq!(before, after, "A's data is unchanged");
    let a_needs = json_of(app.get(&format!("/api/v1/needs?organization_id={a}&include_total=true")).await, 200).await;
    assert_eq!(a_needs["total"], 1);
}

async fn members_work_within_their_organization(app: TestApp) {
    let b = app.organization("Org B").await;
    let member = app.user("org_member", Some(&b)).await;
    let member = app.with(&member);
    // The organization comes from the token: a body need not, and cannot, name another.
    let created =
        json_of(member.post("/api/v1/needs", &json!({"title": "Interim COO", "reason": "new_position"})).await, 201)
            .await;
    assert_eq!(created["organization_id"], b.as_str());
    let skillset =
        json_of(member.post("/api/v1/skillsets", &json!({"name": "Our COO", "organization_id": null})).await, 201)
            .await;
    assert_eq!(skillset["organization_id"], b.as_str(), "a member cannot create a global template");
    let path = format!("/api/v1/needs/{}", created["id"].as_str().unwrap());
    json_of(member.patch(&path, &json!({"status": "open"})).await, 200).await;
    json_of(member.patch(&format!("/api/v1/organizations/{b}"), &json!({"region": "EMEA"})).await, 200).await;
    // Global templates: readable, not changeable; organizations: not creatable.
    let templates = json_of(member.get("/api/v1/skillsets?scope=global").await, 200).await;
    let cxo = templates["items"][0]["id"].as_str().unwrap().to_owned();
    json_of(member.get(&format!("/api/v1/skillsets/{cxo}")).await, 200).await;
    problem(member.patch(&format!("/api/v1/skillsets/{cxo}"), &json!({"name": "ours"})).await, 403, "forbidden").await;
    problem(member.delete(&format!("/api/v1/skillsets/{cxo}")).await, 403, "forbidden").await;
    problem(member.post("/api/v1/organizations", &json!({"name": "New"})).await, 403, "forbidden").await;
    problem(member.delete(&format!("/api/v1/organizations/{b}")).await, 403, "forbidden").await;
    assert_eq!(member.delete(&path).await.status(), 204);
}

async fn mass_assignment_never_takes_effect(app: TestApp) {
    let b = app.organization("Org B").await;
    let token = app.user("org_member", Some(&b)).await;
    let member = app.with(&token);
    for body in [
        json!({"title": "x", "reason": "new_position", "id": "0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c"}),
        json!({"title": "x", "reason": "new_position", "created_at": "2001-01-01T00:00:00Z"}),
        json!({"title": "x", "reason": "new_position", "version": 7}),
        json!({"title": "x", "reason": "new_position", "org": "0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c"}),
        json!({"title": "x", "reason": "new_position", "role": "admin"}),
    ] {
        let refused = problem(member.post("/api/v1/needs", &body).await, 422, "validation-failed").await;
        assert_eq!(refused["errors"][0]["code"], "unknown_field", "{body}");
    }
    let me = json_of(member.get("/api/v1/me").await, 200).await;
    assert_eq!(me["role"], "org_member");
    let id = me["subject"].as_str().unwrap().trim_start_matches("user:").to_owned();
    problem(member.patch(&format!("/api/v1/users/{id}"), &json!({"role": "admin"})).await, 403, "forbidden").await;
    let user = json_of(app.get(&format!("/api/v1/users/{id}")).await, 200).await;
    assert_eq!(user["role"], "org_member");
    let total = json_of(app.get("/api/v1/needs?include_total=true").await, 200).await["total"].clone();
    assert_eq!(total, 0);
}

async fn futures_in_order(app: &TestApp, paths: &[String]) -> Vec<Value> {
    let mut out = Vec::new();
    for path in paths {
        out.push(json_of(app.get(path).await, 200).await);
    }
    out
}

backend_tests!(
    a_member_of_b_cannot_touch_a,
    members_work_within_their_organization,
    mass_assignment_never_takes_effect
);
