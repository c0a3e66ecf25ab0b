//! The practice's list of reasons candidacies end for: rejections and
//! withdrawals name one of it, admins change it, reports count it.

use serde_json::{Value, json};

use crate::helpers::{TestApp, backend_tests, invalid_fields, json_of, problem};
use crate::pipeline::{add, candidate, move_to, open_need};

const REASONS: &str = "/api/v1/pipeline-reasons";

fn codes(list: &Value) -> Vec<String> {
    list["items"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap().to_owned()).collect()
}

fn field_codes(problem: &Value) -> Vec<String> {
    problem["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap().to_owned()).collect()
}

async fn the_list_is_managed_and_moves_name_its_reasons(app: TestApp) {
    // The list the service starts with, in order, and by the move each reason is for.
    let all = codes(&json_of(app.get(REASONS).await, 200).await);
    assert_eq!(all.first().map(String::as_str), Some("skills_gap"));
    assert!(all.contains(&"accepted_other_offer".to_owned()) && all.contains(&"other".to_owned()), "{all:?}");
    let withdrawals = codes(&json_of(app.get(&format!("{REASONS}?stage=withdrawn")).await, 200).await);
    assert!(withdrawals.contains(&"accepted_other_offer".to_owned()), "{withdrawals:?}");
    assert!(!withdrawals.contains(&"skills_gap".to_owned()), "{withdrawals:?}");
    problem(app.get(&format!("{REASONS}?stage=placed")).await, 400, "invalid-query").await;

    // Admins add reasons; the code is checked and new, and a reason is for some move.
    let added = app
        .post(
            REASONS,
            &json!({"code": "relocation_refused", "label": "Relocation refused", "for_rejection": false, "for_withdrawal": true}),
        )
        .await;
    assert_eq!(added.headers()["location"], "/api/v1/pipeline-reasons/relocation_refused");
    assert_eq!(added.headers()["etag"], "\"v1\"");
    let added = json_of(added, 201).await;
    assert_eq!((added["active"].clone(), added["position"].clone()), (json!(true), json!(1000)));
    problem(app.post(REASONS, &json!({"code": "relocation_refused", "label": "Again"})).await, 409, "conflict").await;
    let bad =
        problem(app.post(REASONS, &json!({"code": "Bad-Code", "label": " "})).await, 422, "validation-failed").await;
    assert_eq!(invalid_fields(&bad), ["code", "label"]);
    let idle = app.post(REASONS, &json!({"code": "idle", "label": "Idle", "for_rejection": false})).await;
    assert_eq!(invalid_fields(&problem(idle, 422, "validation-failed").await), ["for_withdrawal"]);
    let recruiter = app.user("recruiter", None).await;
    let refused = app.with(&recruiter).post(REASONS, &json!({"code": "mine", "label": "Mine"})).await;
    assert!(problem(refused, 403, "forbidden").await["detail"].as_str().unwrap().contains("settings:manage"));
    assert!(codes(&json_of(app.with(&recruiter).get(REASONS).await, 200).await).contains(&"relocation_refused".into()));

    // A withdrawal names a reason for withdrawals, with free text beside it.
    let org = app.organization("Northwind Retail").await;
    let need = open_need(&app, &org, "Interim CFO").await;
    let (ada, bea) = (candidate(&app, "Ada").await, candidate(&app, "Bea").await);
    add(&app, &need, &ada).await;
    add(&app, &need, &bea).await;
    let entry = format!("/api/v1/needs/{need}/pipeline/{ada}");
    let bare = problem(move_to(&app, &need, &ada, json!({"to": "withdrawn"})).await, 422, "validation-failed").await;
    assert_eq!((invalid_fields(&bare), field_codes(&bare)), (vec!["reason".into()], vec!["required".into()]));
    for (body, code) in [
        (json!({"to": "withdrawn", "reason": "no_such_reason"}), "unknown_reason"),
        (json!({"to": "withdrawn", "reason": "skills_gap"}), "not_for_this_move"),
        (json!({"to": "rejected", "reason": "relocation_refused"}), "not_for_this_move"),
        (json!({"to": "screening", "reason": "relocation_refused"}), "not_applicable"),
        (json!({"to": "withdrawn", "reason": "Relocation"}), "invalid_code"),
    ] {
        let refused = problem(move_to(&app, &need, &ada, body.clone()).await, 422, "validation-failed").await;
        assert_eq!(field_codes(&refused), [code], "{body}");
    }
    let long = json!({"to": "withdrawn", "reason": "relocation_refused", "reason_detail": "x".repeat(1001)});
    let too_long = problem(move_to(&app, &need, &ada, long).await, 422, "validation-failed").await;
    assert_eq!(invalid_fields(&too_long), ["reason_detail"]);
    assert_eq!(json_of(app.get(&entry).await, 200).await["version"], 1, "refused moves change nothing");
    let why = json!({"to": "withdrawn", "reason": "relocation_refused", "reason_detail": "Will not move to Lyon."});
    let withdrawn = json_of(move_to(&app, &need, &ada, why).await, 200).await;
    assert_eq!(withdrawn["reason"], "relocation_refused");
    assert_eq!(withdrawn["reason_detail"], "Will not move to Lyon.");
    assert_eq!(withdrawn["rejection_reason"], Value::Null, "a withdrawal is no rejection");
    let history = json_of(app.get(&format!("{entry}/history")).await, 200).await;
    let last = &history["items"][1];
    assert_eq!(
        (last["reason"].clone(), last["reason_detail"].clone()),
        (withdrawn["reason"].clone(), withdrawn["reason_detail"].clone())
    );

    // Retired, it stays in the history but no new move names it; its code never changes.
    let path = format!("{REASONS}/relocation_refused");
    let retired =
        json_of(app.patch_if(&path, &json!({"active": false, "label": "Would not relocate"}), "\"v1\"").await, 200)
            .await;
    assert_eq!((retired["active"].clone(), retired["version"].clone()), (json!(false), json!(2)));
    let again = json!({"to": "withdrawn", "reason": "relocation_refused"});
    let refused = problem(move_to(&app, &need, &bea, again).await, 422, "validation-failed").await;
    assert_eq!(field_codes(&refused), ["retired"]);
    assert!(!codes(&json_of(app.get(REASONS).await, 200).await).contains(&"relocation_refused".into()));
    let everything = json_of(app.get(&format!("{REASONS}?include_retired=true")).await, 200).await;
    assert!(codes(&everything).contains(&"relocation_refused".into()));
    let renamed = app.patch_if(&path, &json!({"code": "relocation"}), "\"v2\"").await;
    assert_eq!(invalid_fields(&problem(renamed, 422, "validation-failed").await), ["code"]);
    problem(app.patch_if(&path, &json!({"active": true}), "\"v1\"").await, 412, "precondition-failed").await;

    // A reason in the history is retired, not deleted; an unused one is deleted.
    problem(app.delete(&path).await, 409, "conflict").await;
    json_of(app.post(REASONS, &json!({"code": "typo", "label": "Typo"})).await, 201).await;
    let gone = app.delete(&format!("{REASONS}/typo")).await;
    assert_eq!(gone.status(), 204);
    problem(app.get(&format!("{REASONS}/typo")).await, 404, "not-found").await;
    problem(app.get(&format!("{REASONS}/Not-A-Code")).await, 404, "not-found").await;
}

async fn reports_count_why_candidacies_end(app: TestApp) {
    let (a, b) = (app.organization("Org A").await, app.organization("Org B").await);
    let need = open_need(&app, &a, "Interim CFO").await;
    let other = open_need(&app, &b, "Interim COO").await;
    let people = [
        candidate(&app, "Ada").await,
        candidate(&app, "Bea").await,
        candidate(&app, "Cy").await,
        candidate(&app, "Dee").await,
    ];
    for person in &people[..3] {
        add(&app, &need, person).await;
    }
    add(&app, &other, &people[3]).await;
    let end = |to: &str, reason: &str| json!({"to": to, "reason": reason});
    json_of(move_to(&app, &need, &people[0], end("rejected", "rate_too_high")).await, 200).await;
    json_of(move_to(&app, &need, &people[1], json!({"to": "screening"})).await, 200).await;
    json_of(move_to(&app, &need, &people[1], end("rejected", "rate_too_high")).await, 200).await;
    json_of(move_to(&app, &need, &people[2], end("withdrawn", "accepted_other_offer")).await, 200).await;
    json_of(move_to(&app, &other, &people[3], end("rejected", "skills_gap")).await, 200).await;

    let report = json_of(app.get(&format!("/api/v1/reports/rejection-reasons?organization_id={a}")).await, 200).await;
    assert_eq!((report["rejected"].clone(), report["withdrawn"].clone()), (json!(2), json!(1)));
    assert_eq!(
        report["items"],
        json!([
            {"stage": "rejected", "code": "rate_too_high", "label": "Rate too high", "count": 2, "share": 1.0,
             "left_from": {"sourced": 1, "screening": 1}},
            {"stage": "withdrawn", "code": "accepted_other_offer", "label": "Accepted another offer", "count": 1, "share": 1.0,
             "left_from": {"sourced": 1}},
        ])
    );
    let everyone = json_of(app.get("/api/v1/reports/rejection-reasons").await, 200).await;
    assert_eq!(everyone["rejected"], 3);
    let first: Vec<(Value, Value, Value)> = everyone["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["code"].clone(), i["count"].clone(), i["share"].clone()))
        .collect();
    assert_eq!(
        first,
        [
            (json!("rate_too_high"), json!(2), json!(0.667)),
            (json!("skills_gap"), json!(1), json!(0.333)),
            (json!("accepted_other_offer"), json!(1), json!(1.0))
        ]
    );
    let tomorrow = chrono::Utc::now().date_naive() + chrono::Days::new(1);
    let later = json_of(app.get(&format!("/api/v1/reports/rejection-reasons?from={tomorrow}")).await, 200).await;
    assert_eq!((later["rejected"].clone(), later["items"].clone()), (json!(0), json!([])));
    let today = chrono::Utc::now().date_naive();
    let up_to_today = json_of(app.get(&format!("/api/v1/reports/rejection-reasons?to={today}")).await, 200).await;
    assert_eq!(up_to_today["rejected"], 3, "`to` takes the whole day");
    problem(
        app.get(&format!("/api/v1/reports/rejection-reasons?from={tomorrow}&to={today}")).await,
        400,
        "invalid-query",
    )
    .await;
    // Members see their own organization's figures whatever they ask.
    let member = app.user("org_member", Some(&b)).await;
    let theirs =
        json_of(app.with(&member).get(&format!("/api/v1/reports/rejection-reasons?organization_id={a}")).await, 200)
            .await;
    assert_eq!((theirs["rejected"].clone(), theirs["items"][0]["code"].clone()), (json!(1), json!("skills_gap")));

    // Time to fill counts each need's ends and their reasons.
    let fill = json_of(app.get(&format!("/api/v1/reports/time-to-fill?organization_id={a}")).await, 200).await;
    let item = fill["items"].as_array().unwrap().iter().find(|i| i["need_id"] == need.as_str()).unwrap();
    assert_eq!((item["rejected"].clone(), item["withdrawn"].clone()), (json!(2), json!(1)));
    let reasons: Vec<(Value, Value)> =
        fill["reasons"].as_array().unwrap().iter().map(|r| (r["code"].clone(), r["count"].clone())).collect();
    assert_eq!(reasons, [(json!("rate_too_high"), json!(2)), (json!("accepted_other_offer"), json!(1))]);
}

backend_tests!(the_list_is_managed_and_moves_name_its_reasons, reports_count_why_candidacies_end);
