//! Skills as a taxonomy: ESCO's own files imported (skills, broader and
//! related skills, occupations and their skills), a skill named by key or
//! URI everywhere, suggestions from labels and synonyms, and a skillset made
//! from an occupation. The fixture is tests/fixtures/esco/.

use serde_json::{Value, json};

use crate::helpers::{TestApp, backend_tests, json_of, problem};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/esco");
const ERM: &str = "http://data.europa.eu/esco/skill/d4de6637-acff-59ba-a1aa-0609825860e0";

fn fixture(file: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURE}/{file}")).unwrap()
}

/// The URI of `label` in the fixture's skills file.
fn uri_of(label: &str) -> String {
    let text = fixture("skills_en.csv");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    reader.records().map(Result::unwrap).find(|r| &r[4] == label).map(|r| r[1].to_owned()).unwrap()
}

fn encoded(uri: &str) -> String {
    url::form_urlencoded::byte_serialize(uri.as_bytes()).collect()
}

async fn import(app: &TestApp, layout: &str, file: &str, extra: &str) -> Value {
    let path = format!("/api/v1/skills/import?layout={layout}&taxonomy_version=1.2.0{extra}");
    json_of(app.post_body(&path, "text/csv", fixture(file)).await, 200).await
}

fn counts(report: &Value) -> (i64, i64, i64, i64) {
    let n = |k: &str| report[k].as_i64().unwrap();
    (n("created"), n("updated"), n("unchanged"), n("failed"))
}

const FILES: [(&str, &str); 5] = [
    ("esco_skills", "skills_en.csv"),
    ("esco_broader_relations", "broaderRelationsSkillPillar_en.csv"),
    ("esco_skill_relations", "skillSkillRelations_en.csv"),
    ("esco_occupations", "occupations_en.csv"),
    ("esco_occupation_skills", "occupationSkillRelations_en.csv"),
];

async fn import_all(app: &TestApp) -> Vec<Value> {
    let mut reports = Vec::new();
    for (layout, file) in FILES {
        reports.push(import(app, layout, file, "").await);
    }
    reports
}

async fn esco_files_import_and_again_are_unchanged(app: TestApp) {
    // A dry run reports and writes nothing.
    let dry = import(&app, "esco_skills", "skills_en.csv", "&dry_run=true").await;
    assert_eq!((dry["dry_run"].as_bool(), counts(&dry)), (Some(true), (20, 0, 0, 0)), "{dry}");
    let esco = json_of(app.get("/api/v1/skills?taxonomy=esco&include_total=true").await, 200).await;
    assert_eq!(esco["total"], 0);

    let reports = import_all(&app).await;
    assert_eq!(counts(&reports[0]), (20, 0, 0, 0), "{}", reports[0]);
    assert_eq!(counts(&reports[1]), (18, 0, 0, 0), "{}", reports[1]);
    assert_eq!(counts(&reports[2]), (5, 0, 0, 0), "{}", reports[2]);
    assert_eq!(counts(&reports[3]), (2, 0, 0, 0), "{}", reports[3]);
    assert_eq!(counts(&reports[4]), (14, 0, 0, 0), "{}", reports[4]);
    // Three skill groups became skills of their own.
    let esco = json_of(app.get("/api/v1/skills?taxonomy=esco&include_total=true").await, 200).await;
    assert_eq!(esco["total"], 23);

    // By key and by URI (percent-encoded), the same skill, with what ESCO says of it.
    let erm = json_of(app.get("/api/v1/skills/enterprise-risk-management").await, 200).await;
    let by_uri = json_of(app.get(&format!("/api/v1/skills/{}", encoded(ERM))).await, 200).await;
    assert_eq!(erm, by_uri);
    assert_eq!(erm["uri"], ERM);
    assert_eq!(
        erm["alt_labels"],
        json!(["ERM", "enterprise-wide risk management", "enterprise risk management framework"])
    );
    assert_eq!(erm["skill_type"], "skill_competence");
    assert_eq!(erm["reuse_level"], "cross_sector");
    assert_eq!(erm["broader"], json!(["risk-management"]));
    assert_eq!(erm["related"], json!(["business-continuity-planning", "corporate-governance"]));
    assert_eq!((erm["taxonomy"].as_str(), erm["taxonomy_version"].as_str()), (Some("esco"), Some("1.2.0")));
    assert_eq!(erm["category"], Value::Null);
    let risk = json_of(app.get("/api/v1/skills/risk-management").await, 200).await;
    assert_eq!(risk["broader"], json!(["managing-risk"]), "a skill group is a broader skill");
    let group = json_of(app.get("/api/v1/skills/managing-risk").await, 200).await;
    assert_eq!(group["broader"], json!(["management-skills"]));
    // Several parents.
    let bcp = json_of(app.get("/api/v1/skills/business-continuity-planning").await, 200).await;
    assert_eq!(bcp["broader"].as_array().unwrap().len(), 2, "{bcp}");
    // A label whose slug a shipped skill holds gets a suffix.
    let change =
        json_of(app.get(&format!("/api/v1/skills?uri={}", encoded(&uri_of("change management")))).await, 200).await;
    assert_eq!(change["items"][0]["key"], "change-management-2");
    assert_eq!(json_of(app.get("/api/v1/skills/change-management").await, 200).await["builtin"], true);

    // Everything again: nothing changes.
    for report in import_all(&app).await {
        let (created, updated, unchanged, failed) = counts(&report);
        assert_eq!((created, updated, failed), (0, 0, 0), "{report}");
        assert!(unchanged > 0);
    }
    // A new release of a skill updates it, under the same key.
    let renamed = fixture("skills_en.csv").replace("ERM\n", "ERM programme\n");
    let report = json_of(
        app.post_body("/api/v1/skills/import?layout=esco_skills&taxonomy_version=1.2.1", "text/csv", renamed).await,
        200,
    )
    .await;
    assert_eq!(counts(&report), (0, 20, 0, 0), "{report}");
    let erm = json_of(app.get("/api/v1/skills/enterprise-risk-management").await, 200).await;
    assert_eq!(erm["alt_labels"][0], "ERM programme");
    assert_eq!(erm["broader"], json!(["risk-management"]), "a skills file keeps the relations");
}

async fn bad_taxonomy_files_are_refused_clearly(app: TestApp) {
    let csv = "text/csv";
    let no_layout = app.post_body("/api/v1/skills/import", csv, fixture("skills_en.csv")).await;
    problem(no_layout, 400, "invalid-query").await;
    let wrong = app.post_body("/api/v1/skills/import?layout=esco_skill_relations", csv, fixture("skills_en.csv")).await;
    let body = problem(wrong, 400, "malformed-body").await;
    assert!(body["detail"].as_str().unwrap().contains("originalSkillUri"), "{body}");
    let unknown_layout = app.post_body("/api/v1/skills/import?layout=onet", csv, "a\n").await;
    assert_eq!(unknown_layout.status(), 400);
    let ndjson_esco = app.post_body("/api/v1/skills/import?layout=esco_skills", "application/x-ndjson", "{}\n").await;
    problem(ndjson_esco, 400, "invalid-query").await;
    problem(app.post_body("/api/v1/skills/import", "application/json", "{}").await, 415, "unsupported-media-type")
        .await;

    // Relations before their skills: each row refused, naming the URI.
    let report = import(&app, "esco_skill_relations", "skillSkillRelations_en.csv", "").await;
    assert_eq!(counts(&report), (0, 0, 0, 5));
    assert_eq!(report["results"][0]["errors"][0]["code"], "unknown_skill");
    assert_eq!(report["results"][0]["errors"][0]["field"], "originalSkillUri");
    // Rows without what they need, and bad values.
    let rows = "conceptUri,preferredLabel,skillType,reuseLevel\n,no uri,,\nhttp://x.example/1,,,\nhttp://x.example/2,bad type,skill,\nhttp://x.example/3,good,knowledge,transversal\n";
    let report = json_of(app.post_body("/api/v1/skills/import?layout=esco_skills", csv, rows).await, 200).await;
    assert_eq!(counts(&report), (1, 0, 0, 3), "{report}");
    let field = |i: usize| report["results"][i]["errors"][0]["field"].as_str().unwrap().to_owned();
    assert_eq!([field(0), field(1), field(2)], ["conceptUri", "preferredLabel", "skillType"]);

    // Only those who may add skills may import them.
    let org = app.organization("Importers").await;
    let member = app.user("org_member", Some(&org)).await;
    let refused = app.with(&member).post_body("/api/v1/skills/import?layout=esco_skills", csv, rows).await;
    problem(refused, 403, "forbidden").await;
}

async fn ndjson_skills_name_broader_skills_by_uri_or_key(app: TestApp) {
    let body = [
        json!({"uri": "https://skills.example.com/cx", "label": "Customer experience", "alt_labels": ["CX"]}),
        json!({"uri": "https://skills.example.com/nps", "label": "Net Promoter programmes", "alt_labels": ["NPS"],
               "skill_type": "skill/competence", "broader": ["https://skills.example.com/cx", "customer-data-analysis"]}),
        json!({"uri": "https://skills.example.com/x", "label": "Unknown parent", "broader": ["https://skills.example.com/none"]}),
        json!({"uri": "https://skills.example.com/y", "label": "Typo", "altLabels": []}),
    ]
    .iter()
    .map(|r| format!("{r}\n"))
    .collect::<String>();
    let report = json_of(
        app.post_body("/api/v1/skills/import?taxonomy=practice", "application/x-ndjson", body.clone()).await,
        200,
    )
    .await;
    assert_eq!(counts(&report), (2, 0, 0, 2), "{report}");
    assert_eq!(report["results"][2]["errors"][0]["code"], "unknown_skill");
    let nps = json_of(app.get("/api/v1/skills/net-promoter-programmes").await, 200).await;
    assert_eq!(nps["broader"], json!(["customer-data-analysis", "customer-experience"]));
    assert_eq!(nps["taxonomy"], "practice");
    let again =
        json_of(app.post_body("/api/v1/skills/import?taxonomy=practice", "application/x-ndjson", body).await, 200)
            .await;
    assert_eq!(counts(&again), (0, 0, 2, 2), "{again}");
}

async fn a_uri_stands_for_its_skill_everywhere(app: TestApp) {
    import(&app, "esco_skills", "skills_en.csv", "").await;
    // Candidates' and skillsets' skills by URI are kept as keys.
    let candidate = app
        .create(
            "/api/v1/candidates",
            &json!({"first_name": "Risk", "last_name": "Lead", "email": "risk@example.com",
                    "skills": [{"skill": ERM, "level": 4}, {"skill": "crisis-management", "level": 3}]}),
        )
        .await;
    assert_eq!(candidate["skills"][0]["skill"], "enterprise-risk-management");
    let skillset = app
        .create(
            "/api/v1/skillsets",
            &json!({"name": "Risk", "required_skills": [{"skill": ERM, "min_level": 3}],
                    "preferred_skills": [{"skill": uri_of("perform risk analysis"), "min_level": 2}]}),
        )
        .await;
    assert_eq!(skillset["required_skills"][0]["skill"], "enterprise-risk-management");
    assert_eq!(skillset["preferred_skills"][0]["skill"], "perform-risk-analysis");
    let id = candidate["id"].as_str().unwrap();
    let patched = app
        .patch(&format!("/api/v1/candidates/{id}"), &json!({"skills": [{"skill": uri_of("lead a team"), "level": 5}]}))
        .await;
    assert_eq!(json_of(patched, 200).await["skills"][0]["skill"], "lead-a-team");
    // An unknown URI is an unknown skill.
    let unknown = "http://data.europa.eu/esco/skill/00000000-0000-0000-0000-000000000000";
    let refused = app
        .post(
            "/api/v1/candidates",
            &json!({"first_name": "A", "last_name": "B", "email": "ab@example.com",
            "skills": [{"skill": unknown, "level": 4}]}),
        )
        .await;
    let body = problem(refused, 422, "validation-failed").await;
    assert_eq!(
        (body["errors"][0]["field"].as_str(), body["errors"][0]["code"].as_str()),
        (Some("skills[0].skill"), Some("unknown_skill"))
    );
    let refused = app
        .post("/api/v1/skillsets", &json!({"name": "X", "required_skills": [{"skill": unknown, "min_level": 3}]}))
        .await;
    assert_eq!(problem(refused, 422, "validation-failed").await["errors"][0]["code"], "unknown_skill");
    problem(app.get(&format!("/api/v1/skills/{}", encoded(unknown))).await, 404, "not-found").await;

    // A skill made by hand, with a URI, synonyms and a broader skill by URI; patched and deleted by URI.
    let own = app
        .create(
            "/api/v1/skills",
            &json!({"key": "risk-appetite", "name": "Risk appetite setting", "uri": "https://skills.example.com/appetite",
                    "alt_labels": ["risk tolerance"], "broader": [ERM], "skill_type": "knowledge"}),
        )
        .await;
    assert_eq!(own["broader"], json!(["enterprise-risk-management"]));
    assert_eq!(own["category"], Value::Null);
    let path = format!("/api/v1/skills/{}", encoded("https://skills.example.com/appetite"));
    let patched = json_of(app.patch(&path, &json!({"related": ["perform-risk-analysis"]})).await, 200).await;
    assert_eq!(patched["related"], json!(["perform-risk-analysis"]));
    let clash = app
        .post("/api/v1/skills", &json!({"key": "other", "name": "Other", "uri": "https://skills.example.com/appetite"}))
        .await;
    problem(clash, 409, "conflict").await;
    let bad = app.post("/api/v1/skills", &json!({"key": "selfish", "name": "S", "broader": ["selfish"]})).await;
    problem(bad, 422, "validation-failed").await;
    assert_eq!(app.delete(&path).await.status(), 204);
    problem(app.get("/api/v1/skills/risk-appetite").await, 404, "not-found").await;
}

async fn suggestions_come_from_labels_and_synonyms(app: TestApp) {
    import_all(&app).await;
    let suggest = |q: &str| {
        let path = format!("/api/v1/skills/suggest?q={}", encoded(q));
        let app = &app;
        async move { json_of(app.get(&path).await, 200).await }
    };
    let keys = |v: &Value| {
        v["items"].as_array().unwrap().iter().map(|i| i["key"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    // The imported skill and the shipped one both have the synonym: equal, by key.
    let crm = suggest("CRM").await;
    assert_eq!(keys(&crm)[..2], ["crm-systems", "customer-relationship-management"], "{crm}");
    assert_eq!(crm["items"][1]["why"], json!({"kind": "synonym", "label": "CRM"}));
    assert_eq!(crm["items"][1]["score"], 95.0);
    let cx = suggest("CX strategy").await;
    assert_eq!(keys(&cx)[..2], ["customer-service-strategy", "develop-customer-experience-strategy"], "{cx}");
    assert_eq!(cx["items"][1]["why"]["kind"], "synonym");
    let erm = suggest("enterprise risk").await;
    assert_eq!(erm["items"][0]["key"], "enterprise-risk-management", "{erm}");
    assert_eq!(erm["items"][0]["why"]["kind"], "label_starts_with");
    let exact = suggest("Risk Management").await;
    assert_eq!(exact["items"][0]["why"], json!({"kind": "exact_label", "label": "risk management"}));
    assert_eq!(exact["items"][0]["score"], 100.0);
    let scores: Vec<f64> = exact["items"].as_array().unwrap().iter().map(|i| i["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    let words = suggest("customer strategy experience").await;
    assert_eq!(words["items"][0]["why"]["kind"], "all_words_in_label", "{words}");
    assert_eq!(suggest("zzzz nothing").await["items"], json!([]));
    let limited = json_of(app.get("/api/v1/skills/suggest?q=management&limit=2").await, 200).await;
    assert_eq!(limited["items"].as_array().unwrap().len(), 2);

    // A new synonym is found at once (the index follows the taxonomy's revision).
    app.patch("/api/v1/skills/corporate-governance", &json!({"alt_labels": ["board oversight"]})).await;
    assert_eq!(suggest("board oversight").await["items"][0]["key"], "corporate-governance");

    for bad in ["q=", "q=%20", "limit=3", "q=x&limit=0", "q=x&limit=51", "q=x&limit=many"] {
        let response = app.get(&format!("/api/v1/skills/suggest?{bad}")).await;
        assert_eq!(response.status(), 400, "{bad}");
    }
}

async fn a_skillset_is_made_from_an_occupation(app: TestApp) {
    import_all(&app).await;
    let list = json_of(app.get("/api/v1/occupations?q=risk&include_total=true").await, 200).await;
    assert_eq!(list["total"], 1, "{list}");
    let cro = &list["items"][0];
    assert_eq!((cro["key"].as_str(), cro["isco_group"].as_str()), (Some("chief-risk-officer"), Some("1120")));
    assert_eq!(cro["alt_labels"], json!(["CRO", "head of risk"]));
    let by_synonym = json_of(app.get("/api/v1/occupations?q=cx%20manager").await, 200).await;
    assert_eq!(by_synonym["items"][0]["key"], "customer-experience-manager");
    let uri = cro["uri"].as_str().unwrap();
    let detail = json_of(app.get(&format!("/api/v1/occupations/{}", encoded(uri))).await, 200).await;
    let skills = |list: &str| {
        detail[list].as_array().unwrap().iter().map(|s| s["skill"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(
        skills("essential_skills"),
        [
            "corporate-governance",
            "enterprise-risk-management",
            "manage-financial-risk",
            "risk-management",
            "strategic-planning"
        ]
    );
    assert_eq!(
        skills("optional_skills"),
        ["business-continuity-planning", "compliance-management", "crisis-management-2"]
    );
    problem(app.get("/api/v1/occupations/no-such-occupation").await, 404, "not-found").await;

    let response = app.post("/api/v1/skillsets/from-occupation", &json!({"occupation": uri})).await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let made: Value = response.json().await.unwrap();
    let skillset = &made["skillset"];
    assert_eq!(location, format!("/api/v1/skillsets/{}", skillset["id"].as_str().unwrap()));
    assert_eq!(skillset["name"], "chief risk officer");
    assert_eq!(skillset["required_skills"].as_array().unwrap().len(), 5);
    assert_eq!(skillset["preferred_skills"].as_array().unwrap().len(), 3);
    assert!(skillset["required_skills"].as_array().unwrap().iter().all(|s| s["min_level"] == 3));
    assert_eq!(
        (made["left_out_required"].as_array().unwrap().len(), made["left_out_preferred"].as_array().unwrap().len()),
        (0, 0)
    );

    let org = app.organization("Risky").await;
    let member = app.user("org_member", Some(&org)).await;
    let own = app
        .with(&member)
        .post("/api/v1/skillsets/from-occupation", &json!({"occupation": "customer-experience-manager", "name": "Interim CXO", "min_level": 4, "must_have": true}))
        .await;
    let own = json_of(own, 201).await;
    assert_eq!(own["skillset"]["organization_id"], org.as_str());
    assert_eq!(own["skillset"]["required_skills"][0]["min_level"], 4);
    assert_eq!(own["skillset"]["required_skills"][0]["must_have"], true);

    let unknown = app.post("/api/v1/skillsets/from-occupation", &json!({"occupation": "astronaut"})).await;
    assert_eq!(problem(unknown, 422, "validation-failed").await["errors"][0]["code"], "unknown_occupation");
    let bad = app
        .post("/api/v1/skillsets/from-occupation", &json!({"occupation": "chief-risk-officer", "min_level": 9}))
        .await;
    problem(bad, 422, "validation-failed").await;
}

/// The heart of it: after ESCO's files are imported, a candidate holding "enterprise risk management" at
/// level 5 is credited for a required "risk management" (narrower, × 0.9) with the path in the evidence, meets
/// it as a must-have, and ranks; a skillset demanding the skill itself excludes them and says what would not.
async fn a_narrower_esco_skill_is_credited_with_its_path(app: TestApp) {
    import_all(&app).await;
    let org = app.organization("Northwind").await;
    let risk = uri_of("risk management");
    let skillset = app
        .create(
            "/api/v1/skillsets",
            &json!({"name": "Interim CRO", "organization_id": org,
                    "required_skills": [{"skill": risk, "min_level": 3, "weight": 8, "must_have": true}]}),
        )
        .await;
    let need = app
        .create(
            "/api/v1/needs",
            &json!({"organization_id": org, "title": "Interim CRO", "reason": "replacement",
                    "skillset_id": skillset["id"], "start_by": "2027-02-01", "duration_months": 6, "status": "open"}),
        )
        .await;
    let candidate = app
        .create(
            "/api/v1/candidates",
            &json!({"first_name": "Risa", "last_name": "Test", "email": "risa@example.com", "remote_preference": "flexible",
                    "willing_to_travel": true, "years_experience": 15, "skills": [{"skill": ERM, "level": 5, "years": 8}]}),
        )
        .await;
    let (need_id, candidate_id) = (need["id"].as_str().unwrap(), candidate["id"].as_str().unwrap());
    let why = json_of(app.get(&format!("/api/v1/needs/{need_id}/matches/{candidate_id}")).await, 200).await;
    assert_eq!(why["eligible"], true, "{why}");
    let skills = &why["criteria"][0];
    assert_eq!(skills["score"], 90.0, "{why}");
    let evidence = &skills["evidence"][0];
    assert_eq!(evidence["skill"]["relation"], "narrower", "{why}");
    assert_eq!(evidence["skill"]["credit"], 0.9, "{why}");
    assert_eq!(evidence["skill"]["held_label"], "enterprise risk management", "{why}");
    let fact = evidence["fact"].as_str().unwrap();
    assert!(
        fact.starts_with(
            "credited enterprise risk management (narrower than risk management) at level 5 (8 years) × 0.9"
        ),
        "{fact}"
    );
    let page = json_of(app.get(&format!("/api/v1/needs/{need_id}/matches")).await, 200).await;
    assert_eq!(page["items"][0]["candidate_id"], candidate["id"], "{page}");

    let skillset_path = format!("/api/v1/skillsets/{}", skillset["id"].as_str().unwrap());
    json_of(app.patch(&skillset_path, &json!({"must_have_exact": true})).await, 200).await;
    let why = json_of(app.get(&format!("/api/v1/needs/{need_id}/matches/{candidate_id}")).await, 200).await;
    assert_eq!(why["eligible"], false, "{why}");
    let must = why["filters"].as_array().unwrap().iter().find(|f| f["name"] == "must_have_skills").unwrap();
    assert_eq!(must["remedy"], "hold risk management at level 3", "{why}");
    let page = json_of(app.get(&format!("/api/v1/needs/{need_id}/matches")).await, 200).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 0, "{page}");
}

backend_tests!(
    a_narrower_esco_skill_is_credited_with_its_path,
    esco_files_import_and_again_are_unchanged,
    bad_taxonomy_files_are_refused_clearly,
    ndjson_skills_name_broader_skills_by_uri_or_key,
    a_uri_stands_for_its_skill_everywhere,
    suggestions_come_from_labels_and_synonyms,
    a_skillset_is_made_from_an_occupation,
);

/// ESCO's size, for docs/performance.md: `python3 benches/esco_synthetic.py /tmp/esco`, then
/// `ESCO_DIR=/tmp/esco cargo test --release --test api esco_sized -- --ignored --nocapture`
/// (with `TEST_DATABASE_URL` for PostgreSQL too). Prints each file's import time, the taxonomy's load
/// and suggestions; also checks a second run of the skills file is all `unchanged`.
#[allow(clippy::print_stdout)]
async fn esco_sized_import(app: TestApp) {
    let Ok(dir) = std::env::var("ESCO_DIR") else { return };
    let backend = if app.database_url.starts_with("postgres") { "postgres" } else { "sqlite" };
    let run = async |layout: &str, file: &str| {
        let body = std::fs::read_to_string(format!("{dir}/{file}")).unwrap();
        let started = std::time::Instant::now();
        let path = format!("/api/v1/skills/import?layout={layout}&taxonomy_version=1.2.0");
        let report = json_of(app.post_body(&path, "text/csv", body).await, 200).await;
        let elapsed = started.elapsed();
        let rows = report["rows"].as_f64().unwrap();
        println!(
            "{backend}: {file}: {rows} rows in {:.2} s ({:.0} rows/s), {:?}",
            elapsed.as_secs_f64(),
            rows / elapsed.as_secs_f64(),
            counts(&report)
        );
        assert_eq!(
            report["failed"],
            0,
            "{}",
            report["results"].as_array().unwrap().iter().find(|r| r["status"] == "failed").unwrap()
        );
        report
    };
    for (layout, file) in FILES {
        run(layout, file).await;
    }
    let again = run("esco_skills", "skills_en.csv").await;
    assert_eq!(again["unchanged"], again["rows"]);

    let db =
        interim_tracker::db::Database::connect(&interim_tracker::db::DatabaseUrl::parse(&app.database_url).unwrap(), 2)
            .unwrap();
    for _ in 0..3 {
        let started = std::time::Instant::now();
        let (skills, relations) = db
            .read(|conn| {
                let revision = interim_tracker::db::skills::revision(conn)?;
                let skills = interim_tracker::db::skills::taxonomy(conn)?;
                let relations: usize = skills.iter().map(|s| s.broader.len() + s.related.len()).sum();
                assert!(revision.get() > 0);
                Ok((skills.len(), relations))
            })
            .await
            .unwrap();
        println!(
            "{backend}: taxonomy(): {skills} skills, {relations} relations in {:.1} ms",
            started.elapsed().as_secs_f64() * 1000.0
        );
    }
    for q in ["CRM", "customer risk", "manage budget data", "zzz"] {
        for round in ["first (index built)", "again"] {
            let started = std::time::Instant::now();
            let found = json_of(app.get(&format!("/api/v1/skills/suggest?q={}", encoded(q))).await, 200).await;
            println!(
                "{backend}: suggest {q:?} {round}: {} results in {:.1} ms",
                found["items"].as_array().unwrap().len(),
                started.elapsed().as_secs_f64() * 1000.0
            );
        }
    }
}

mod esco_sized {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "ESCO-sized: run with ESCO_DIR (see esco_sized_import)"]
    async fn sqlite() {
        super::esco_sized_import(crate::helpers::TestApp::sqlite().await).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "ESCO-sized: run with ESCO_DIR and TEST_DATABASE_URL (see esco_sized_import)"]
    async fn postgres() {
        if let Some(app) = crate::helpers::TestApp::postgres().await {
            super::esco_sized_import(app).await
        }
    }
}
