use serde_json::{Value, json};

use crate::helpers::{TestApp, backend_tests, invalid_fields, json_of, problem};

fn maria() -> Value {
    json!({
        "external_id": "ats-4711",
        "first_name": "Maria",
        "last_name": "Jansen",
        "email": "Maria.Jansen@Example.com",
        "phone": "+31 6 1234 5678",
        "headline": "Interim CXO who turned around two retail chains",
        "summary": "Eighteen years in customer experience leadership.",
        "location": {"city": "Rotterdam", "country": "NL"},
        "remote_preference": "hybrid",
        "willing_to_travel": true,
        "languages": [{"language": "nl", "proficiency": "native"}, {"language": "en", "proficiency": "fluent"}],
        "day_rate": {"amount": 1400, "currency": "EUR"},
        "availability": {"available_from": "2027-01-04", "available_until": "2027-12-31", "max_engagement_months": 9},
        "years_experience": 18,
        "executive_roles": ["Chief Experience Officer"],
        "industries": ["Retail", "e-commerce"],
        "crisis_experience": ["online_reputation_crisis", "negative_customer_feedback"],
        "skills": [
            {"skill": "customer-service-strategy", "level": 5, "years": 12},
            {"skill": "customer-data-analysis", "level": 3, "years": 6},
            {"skill": "crm-systems", "level": 3, "years": 4}
        ],
        "background": [{"degree": "MBA", "field": "Marketing", "institution": "Erasmus University", "year": 2006}],
        "training": [{"name": "CCXP", "issuer": "CXPA", "year": 2019}],
        "status": "active",
        "consent": {"given": true, "retention_until": "2029-12-31"}
    })
}

fn minimal(first: &str, last: &str, email: &str) -> Value {
    json!({"first_name": first, "last_name": last, "email": email})
}

async fn every_field_round_trips(app: TestApp) {
    let created = app.create("/api/v1/candidates", &maria()).await;
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["email"], "maria.jansen@example.com");
    assert_eq!(created["industries"], json!(["e-commerce", "retail"]), "lowercased, in order");
    assert_eq!(created["skills"][0]["skill"], "customer-service-strategy");
    assert_eq!(created["skills"][0]["level"], 5);
    assert_eq!(created["skills"][1]["skill"], "crm-systems", "by level, then key");
    assert_eq!(created["crisis_experience"], json!(["negative_customer_feedback", "online_reputation_crisis"]));
    assert_eq!(created["background"][0]["degree"], "MBA");
    assert_eq!(created["training"][0]["name"], "CCXP");
    assert_eq!(created["day_rate"], json!({"amount": 1400, "currency": "EUR"}));
    assert_eq!(created["availability"]["max_engagement_months"], 9);
    assert!(created["consent_recorded_at"].is_string());
    // The answer to the POST is built from what was written, not read back: it must be what a read gives.
    let read = json_of(app.get(&format!("/api/v1/candidates/{id}")).await, 200).await;
    assert_eq!(read, created);

    // Defaults for a minimal candidate.
    let minimal = app.create("/api/v1/candidates", &minimal("Ada", "Byron", "ada@example.com")).await;
    assert_eq!(minimal["status"], "active");
    assert_eq!(minimal["remote_preference"], "flexible");
    assert_eq!(minimal["skills"], json!([]));
    assert_eq!(minimal["consent_recorded_at"], Value::Null);
}

async fn patches_merge_and_replace_lists(app: TestApp) {
    let created = app.create("/api/v1/candidates", &maria()).await;
    let id = created["id"].as_str().unwrap();
    let patched = json_of(
        app.patch(
            &format!("/api/v1/candidates/{id}"),
            &json!({"skills": [{"skill": "crm-systems", "level": 4}], "day_rate": null, "availability": {"available_from": "2027-02-01"}, "consent": {"given": false}}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(patched["skills"], json!([{"skill": "crm-systems", "level": 4, "years": 0}]));
    assert_eq!(patched["day_rate"], Value::Null);
    assert_eq!(patched["availability"]["available_from"], "2027-02-01");
    assert_eq!(patched["availability"]["available_until"], "2027-12-31", "merge keeps sibling fields");
    assert_eq!(patched["consent_recorded_at"], Value::Null, "withdrawn consent forgets its time");
    assert_eq!(patched["languages"], created["languages"]);
    assert_eq!(patched["version"], 2);
}

async fn emails_and_external_ids_are_unique(app: TestApp) {
    app.create("/api/v1/candidates", &maria()).await;
    let mut twin = minimal("M", "J", "maria.jansen@EXAMPLE.com");
    problem(app.post("/api/v1/candidates", &twin).await, 409, "conflict").await;
    twin["email"] = json!("other@example.com");
    twin["external_id"] = json!("ats-4711");
    problem(app.post("/api/v1/candidates", &twin).await, 409, "conflict").await;
    let other = app.create("/api/v1/candidates", &minimal("Ada", "Byron", "ada@example.com")).await;
    let id = other["id"].as_str().unwrap();
    problem(
        app.patch(&format!("/api/v1/candidates/{id}"), &json!({"email": "maria.jansen@example.com"})).await,
        409,
        "conflict",
    )
    .await;
}

async fn duplicate_skills_are_refused(app: TestApp) {
    let mut body = minimal("Ada", "Byron", "ada@example.com");
    body["skills"] = json!([{"skill": "crm-systems", "level": 3}, {"skill": "crm-systems", "level": 4}]);
    let refused = problem(app.post("/api/v1/candidates", &body).await, 422, "validation-failed").await;
    assert_eq!(invalid_fields(&refused), ["skills[1].skill"]);
}

async fn filters_hr_systems_need(app: TestApp) {
    app.create("/api/v1/candidates", &maria()).await;
    let mut tom = minimal("Tom", "Berg", "tom@example.com");
    tom["skills"] = json!([{"skill": "customer-service-strategy", "level": 2}]);
    tom["industries"] = json!(["banking"]);
    tom["languages"] = json!([{"language": "de", "proficiency": "native"}]);
    tom["status"] = json!("inactive");
    tom["availability"] = json!({"available_from": "2027-06-01"});
    app.create("/api/v1/candidates", &tom).await;

    let names = |page: &Value| {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["first_name"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let get = |query: &'static str| {
        let app = &app;
        async move { json_of(app.get(&format!("/api/v1/candidates?{query}")).await, 200).await }
    };
    assert_eq!(names(&get("skill=customer-service-strategy").await), ["Maria", "Tom"]);
    assert_eq!(names(&get("skill=customer-service-strategy&min_level=4").await), ["Maria"]);
    assert_eq!(names(&get("industry=banking").await), ["Tom"]);
    assert_eq!(names(&get("language=en").await), ["Maria"]);
    assert_eq!(names(&get("status=inactive").await), ["Tom"]);
    assert_eq!(names(&get("available_by=2027-03-01").await), ["Maria"]);
    assert_eq!(names(&get("available_by=2027-07-01").await), ["Maria", "Tom"]);
    assert_eq!(names(&get("country=NL").await), ["Maria"]);
    assert_eq!(names(&get("q=retail").await), ["Maria"]);
    assert_eq!(names(&get("sort=-last_name").await), ["Maria", "Tom"]);
    assert_eq!(names(&get("updated_since=2999-01-01T00:00:00Z").await), Vec::<String>::new());
    assert_eq!(names(&get("updated_since=2000-01-01T00:00:00Z").await), ["Maria", "Tom"]);
    problem(app.get("/api/v1/candidates?min_level=9&skill=crm-systems").await, 400, "invalid-query").await;
    problem(app.get("/api/v1/candidates?language=english").await, 400, "invalid-query").await;
    problem(app.get("/api/v1/candidates?available_by=soon").await, 400, "invalid-query").await;
}

async fn pages_are_capped_and_complete(app: TestApp) {
    for i in 0..7 {
        app.create("/api/v1/candidates", &minimal("Candidate", &format!("N{i}"), &format!("c{i}@example.com"))).await;
    }
    let capped = json_of(app.get("/api/v1/candidates?limit=100000&include_total=true").await, 200).await;
    assert_eq!(capped["items"].as_array().unwrap().len(), 7);
    assert_eq!(capped["total"], 7);
    let all = app.list_all("/api/v1/candidates?limit=3").await;
    let mut emails: Vec<_> = all.iter().map(|c| c["email"].as_str().unwrap().to_owned()).collect();
    assert_eq!(emails.len(), 7);
    emails.dedup();
    assert_eq!(emails.len(), 7, "no candidate twice");
}

async fn concurrent_writers_all_land(app: TestApp) {
    let mut writers = tokio::task::JoinSet::new();
    for i in 0..24 {
        let request = app.client.post(app.url("/api/v1/candidates")).bearer_auth(&app.token).json(&minimal(
            "Racer",
            &format!("R{i}"),
            &format!("r{i}@example.com"),
        ));
        writers.spawn(async move { request.send().await.map(|r| r.status().as_u16()) });
    }
    let statuses: Vec<_> = writers.join_all().await.into_iter().map(Result::unwrap).collect();
    assert!(statuses.iter().all(|&s| s == 201), "{statuses:?}");
    let total = json_of(app.get("/api/v1/candidates?include_total=true").await, 200).await["total"].clone();
    assert_eq!(total, 24);
}

async fn delete_removes_the_candidate(app: TestApp) {
    let created = app.create("/api/v1/candidates", &maria()).await;
    let id = created["id"].as_str().unwrap();
    assert_eq!(app.delete(&format!("/api/v1/candidates/{id}")).await.status(), 204);
    problem(app.get(&format!("/api/v1/candidates/{id}")).await, 404, "not-found").await;
    // The e-mail is free again.
    app.create("/api/v1/candidates", &maria()).await;
}

/// A varied candidate, the same for the same `n`.
fn varied(n: usize) -> Value {
    let mut c = minimal("Varied", &format!("V{n:02}"), &format!("v{n}@example.com"));
    let skills = ["customer-service-strategy", "crm-systems", "crisis-management"];
    c["skills"] = json!([
        {"skill": skills[n % 3], "level": 1 + n % 5},
        {"skill": skills[(n + 1) % 3], "level": 1 + (n / 3) % 5}
    ]);
    c["industries"] = match n % 4 {
        0 => json!([]),
        1 => json!(["Retail"]),
        2 => json!(["retail", "banking"]),
        _ => json!(["banking"]),
    };
    c["languages"] = match n % 3 {
        0 => json!([{"language": "en", "proficiency": "fluent"}]),
        1 => json!([{"language": "fr", "proficiency": "basic"}, {"language": "en", "proficiency": "native"}]),
        _ => json!([]),
    };
    if !n.is_multiple_of(5) {
        let country = ["NL", "DE", "FR", "GB"][n % 4];
        c["location"] = json!({ "country": country });
    }
    let status = ["active", "active", "inactive", "placed"][n % 4];
    c["status"] = json!(status);
    c["availability"] = match n % 6 {
        0 => json!({}),
        1 => json!({"available_from": "2027-03-01"}),
        2 => json!({"available_until": "2027-02-28"}),
        _ => json!({"available_from": "2027-01-15", "available_until": "2027-04-30"}),
    };
    c
}

/// Lists by creation or change time come from the matching index; the same filters with
/// `updated_since` (which the index does not hold) come from the database.
/// Both must give the same candidates, versions, order, pages and totals.
async fn lists_from_the_index_agree_with_the_database(app: TestApp) {
    let mut ids = Vec::new();
    for n in 0..40 {
        ids.push(app.create("/api/v1/candidates", &varied(n)).await["id"].as_str().unwrap().to_owned());
    }
    // Changes the index must follow: new attributes, a new version, a deletion.
    for (i, id) in ids.iter().enumerate().take(12).skip(4) {
        let patch = json!({"status": "active", "location": {"country": "DE"}, "industries": ["retail"], "skills": [{"skill": "crisis-management", "level": 1 + i % 5}]});
        json_of(app.patch(&format!("/api/v1/candidates/{id}"), &patch).await, 200).await;
    }
    assert_eq!(app.delete(&format!("/api/v1/candidates/{}", ids[20])).await.status(), 204);

    let filters = [
        "",
        "status=active",
        "status=placed",
        "skill=crisis-management",
        "skill=crisis-management&min_level=4",
        "skill=crm-systems&min_level=2&status=active",
        "skill=unknown-skill",
        "industry=RETAIL",
        "industry=banking&language=fr",
        "language=en&country=NL",
        "country=DE",
        "country=US",
        "available_by=2027-01-01",
        "available_by=2027-03-15&status=active",
        "available_by=2027-05-01&skill=customer-service-strategy&min_level=2",
    ];
    let listed = |page: &Value| -> Vec<(String, i64)> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["id"].as_str().unwrap().to_owned(), c["version"].as_i64().unwrap()))
            .collect()
    };
    for filter in filters {
        for sort in ["created_at", "-created_at", "updated_at", "-updated_at"] {
            let from_index = format!("/api/v1/candidates?{filter}&sort={sort}&limit=4&include_total=true");
            let from_database = format!("{from_index}&updated_since=2000-01-01T00:00:00Z");
            let (a, b) =
                (json_of(app.get(&from_index).await, 200).await, json_of(app.get(&from_database).await, 200).await);
            assert_eq!(listed(&a), listed(&b), "first page of {filter} by {sort}");
            assert_eq!(a["total"], b["total"], "total of {filter}");
            let (all_a, all_b) = (app.list_all(&from_index).await, app.list_all(&from_database).await);
            assert_eq!(all_a, all_b, "every page of {filter} by {sort}");
            assert_eq!(all_a.len() as i64, a["total"].as_i64().unwrap(), "pages of {filter} add up to the total");
        }
    }
    let everyone = app.list_all("/api/v1/candidates?limit=7").await;
    assert_eq!(everyone.len(), 39);
    assert!(everyone.iter().all(|c| c["id"] != ids[20].as_str()), "the deleted candidate is not listed");
    let newest_first = app.list_all("/api/v1/candidates?limit=7&sort=-created_at").await;
    assert_eq!(newest_first.into_iter().rev().collect::<Vec<_>>(), everyone);
}

backend_tests!(
    every_field_round_trips,
    patches_merge_and_replace_lists,
    emails_and_external_ids_are_unique,
    duplicate_skills_are_refused,
    filters_hr_systems_need,
    pages_are_capped_and_complete,
    concurrent_writers_all_land,
    delete_removes_the_candidate,
    lists_from_the_index_agree_with_the_database
);
