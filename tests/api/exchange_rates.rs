use interim_tracker::db::{Database, DatabaseUrl, exchange_rates};
use serde_json::{Value, json};

use crate::helpers::{TestApp, backend_tests, invalid_fields, json_of, problem};

const RATES: &str = "/api/v1/exchange-rates";

async fn enter(app: &TestApp, path: &str, rate: f64, status: u16) -> Value {
    json_of(app.put(&format!("{RATES}/{path}"), &json!({"rate": rate})).await, status).await
}

fn pairs(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|r| {
            format!(
                "{}/{}/{}",
                r["base"].as_str().unwrap(),
                r["quote"].as_str().unwrap(),
                r["valid_from"].as_str().unwrap()
            )
        })
        .collect()
}

async fn rates_are_entered_listed_and_replaced(app: TestApp) {
    let response = app.put(&format!("{RATES}/GBP/EUR/2026-01-01"), &json!({"rate": 1.15})).await;
    assert_eq!(response.headers()["location"], "/api/v1/exchange-rates/GBP/EUR/2026-01-01");
    assert_eq!(response.headers()["etag"], "\"v1\"");
    let first = json_of(response, 201).await;
    assert_eq!(
        (&first["base"], &first["quote"], &first["valid_from"], &first["rate"], &first["version"]),
        (&json!("GBP"), &json!("EUR"), &json!("2026-01-01"), &json!(1.15), &json!(1))
    );
    // The same pair and day again replaces it.
    let replaced = enter(&app, "GBP/EUR/2026-01-01", 1.16, 200).await;
    assert_eq!((&replaced["rate"], &replaced["version"]), (&json!(1.16), &json!(2)));
    assert_eq!(replaced["created_at"], first["created_at"]);
    enter(&app, "GBP/EUR/2026-06-01", 1.2, 201).await;
    enter(&app, "USD/EUR/2026-01-01", 0.9, 201).await;
    enter(&app, "CHF/EUR/2026-08-01", 1.05, 201).await;

    let read = app.get(&format!("{RATES}/GBP/EUR/2026-01-01")).await;
    assert_eq!(read.headers()["etag"], "\"v2\"");
    assert_eq!(json_of(read, 200).await["rate"], 1.16);

    let all = app.list_all(&format!("{RATES}?limit=1")).await;
    assert_eq!(pairs(&all), ["CHF/EUR/2026-08-01", "GBP/EUR/2026-01-01", "GBP/EUR/2026-06-01", "USD/EUR/2026-01-01"]);
    let latest_first = json_of(app.get(&format!("{RATES}?sort=-pair&include_total=true")).await, 200).await;
    assert_eq!(latest_first["total"], 4);
    assert_eq!(pairs(latest_first["items"].as_array().unwrap())[0], "USD/EUR/2026-01-01");
    let gbp = json_of(app.get(&format!("{RATES}?base=GBP")).await, 200).await;
    assert_eq!(pairs(gbp["items"].as_array().unwrap()), ["GBP/EUR/2026-01-01", "GBP/EUR/2026-06-01"]);

    // The rates in force on a day: each pair's latest dated on or before it.
    let in_force = |on: &'static str| {
        let app = &app;
        async move { pairs(json_of(app.get(&format!("{RATES}?on={on}")).await, 200).await["items"].as_array().unwrap()) }
    };
    assert_eq!(in_force("2025-12-31").await, Vec::<String>::new());
    assert_eq!(in_force("2026-05-31").await, ["GBP/EUR/2026-01-01", "USD/EUR/2026-01-01"]);
    assert_eq!(in_force("2026-06-01").await, ["GBP/EUR/2026-06-01", "USD/EUR/2026-01-01"]);
    assert_eq!(in_force("2027-01-01").await, ["CHF/EUR/2026-08-01", "GBP/EUR/2026-06-01", "USD/EUR/2026-01-01"]);
    let gbp_in_june = json_of(app.get(&format!("{RATES}?on=2026-07-01&base=GBP&quote=EUR")).await, 200).await;
    assert_eq!(pairs(gbp_in_june["items"].as_array().unwrap()), ["GBP/EUR/2026-06-01"]);

    // Deleted: the previous rate of the pair is in force again.
    let stale =
        app.with(&app.token).request(reqwest::Method::DELETE, &format!("{RATES}/GBP/EUR/2026-06-01"), None).await;
    problem(stale, 428, "precondition-required").await;
    assert_eq!(app.delete(&format!("{RATES}/GBP/EUR/2026-06-01")).await.status(), 204);
    problem(app.get(&format!("{RATES}/GBP/EUR/2026-06-01")).await, 404, "not-found").await;
    problem(app.delete(&format!("{RATES}/GBP/EUR/2026-06-01")).await, 404, "not-found").await;
    assert_eq!(in_force("2026-07-01").await, ["GBP/EUR/2026-01-01", "USD/EUR/2026-01-01"]);
    // A path that cannot name a rate names none.
    for path in
        ["gbp/EUR/2026-01-01", "GBP/XYZ/2026-01-01", "GBP/EUR/2026-13-01", "GBP/EUR/tomorrow", "GBP/EUR/-5000-01-01"]
    {
        problem(app.get(&format!("{RATES}/{path}")).await, 404, "not-found").await;
    }
}

async fn amounts_are_converted_with_the_rate_in_force(app: TestApp) {
    enter(&app, "GBP/EUR/2026-01-01", 1.15, 201).await;
    enter(&app, "GBP/EUR/2026-06-01", 1.2, 201).await;
    let convert = |query: String| {
        let app = &app;
        async move { app.get(&format!("{RATES}/convert?{query}")).await }
    };

    let winter = json_of(convert("amount=1450&from=GBP&to=EUR&on=2026-03-01".into()).await, 200).await;
    assert_eq!(
        winter,
        json!({"amount": 1450, "from": "GBP", "to": "EUR", "on": "2026-03-01", "converted": 1668, "rate": 1.15,
            "inverse": false, "exchange_rate": {"base": "GBP", "quote": "EUR", "valid_from": "2026-01-01", "rate": 1.15}})
    );
    let summer = json_of(convert("amount=1450&from=GBP&to=EUR&on=2026-06-01".into()).await, 200).await;
    assert_eq!((&summer["converted"], &summer["exchange_rate"]["valid_from"]), (&json!(1740), &json!("2026-06-01")));

    // Only GBP/EUR is stored: EUR to GBP divides by it.
    let inverse = json_of(convert("amount=1740&from=EUR&to=GBP&on=2026-07-01".into()).await, 200).await;
    assert_eq!((&inverse["converted"], &inverse["inverse"]), (&json!(1450), &json!(true)));
    assert_eq!(
        inverse["exchange_rate"],
        json!({"base": "GBP", "quote": "EUR", "valid_from": "2026-06-01", "rate": 1.2})
    );
    assert!((inverse["rate"].as_f64().unwrap() - 1.0 / 1.2).abs() < 1e-12);
    // Half away from zero: 1 GBP at 1.15 is 1.15 EUR, 3 GBP 3.45, 10 GBP 11.5 → 12.
    let half = json_of(convert("amount=10&from=GBP&to=EUR&on=2026-03-01".into()).await, 200).await;
    assert_eq!(half["converted"], 12);

    let same = json_of(convert("amount=900&from=USD&to=USD&on=2020-01-01".into()).await, 200).await;
    assert_eq!((&same["converted"], &same["rate"], &same["exchange_rate"]), (&json!(900), &json!(1.0), &Value::Null));
    // Without `on`: today's rate.
    let today = json_of(convert("amount=100&from=GBP&to=EUR".into()).await, 200).await;
    assert_eq!(today["on"], chrono::Utc::now().date_naive().to_string());

    // No rate covers it: none of the pair at all, or none yet that day. No rate is made from two others.
    enter(&app, "USD/EUR/2026-01-01", 0.9, 201).await;
    for query in ["amount=100&from=GBP&to=USD&on=2026-07-01", "amount=100&from=GBP&to=EUR&on=2025-12-31"] {
        let refused = problem(convert(query.into()).await, 404, "not-found").await;
        assert!(refused["detail"].as_str().unwrap().contains("No exchange rate of GBP/"), "{refused}");
    }
    for query in [
        "amount=-1&from=GBP&to=EUR",
        "amount=1000000001&from=GBP&to=EUR",
        "amount=1.5&from=GBP&to=EUR",
        "amount=100&from=gbp&to=EUR",
        "amount=100&from=GBP&to=XYZ",
        "amount=100&from=GBP&to=EUR&on=2026-02-30",
        "amount=100&from=GBP&to=EUR&on=-5000-01-01",
        "amount=100&from=GBP&to=EUR&on=%2B12345-01-01",
        "from=GBP&to=EUR",
    ] {
        problem(convert(query.into()).await, 400, "invalid-query").await;
    }
    problem(app.get(&format!("{RATES}?base=EURO")).await, 400, "invalid-query").await;
    problem(app.get(&format!("{RATES}?sort=rate")).await, 400, "invalid-query").await;
    problem(app.get(&format!("{RATES}?on=-5000-01-01")).await, 400, "invalid-query").await;
}

async fn invalid_rates_are_refused(app: TestApp) {
    let refused = |path: &'static str, body: Value| {
        let app = &app;
        async move {
            invalid_fields(&problem(app.put(&format!("{RATES}/{path}"), &body).await, 422, "validation-failed").await)
        }
    };
    for rate in [json!(0), json!(-1.2), json!(0.0000001), json!(1_000_001), json!(1e300)] {
        assert_eq!(refused("GBP/EUR/2026-01-01", json!({"rate": rate})).await, ["rate"], "{rate}");
    }
    assert_eq!(refused("GBP/EUR/2026-01-01", json!({"rate": "1.15"})).await, ["rate"]);
    // A rate missing, or a field the body does not have.
    assert_eq!(refused("GBP/EUR/2026-01-01", json!({})).await.len(), 1);
    assert_eq!(refused("GBP/EUR/2026-01-01", json!({"rate": 1.1, "currency": "EUR"})).await.len(), 1);
    assert_eq!(refused("EUR/EUR/2026-01-01", json!({"rate": 1.0})).await, ["quote"]);
    assert_eq!(refused("XYZ/eur/2026-01-01", json!({"rate": 1.1})).await, ["base", "quote"]);
    assert_eq!(refused("GBP/EUR/01-01-2026", json!({"rate": -1})).await, ["valid_from", "rate"]);
    assert_eq!(refused("GBP/EUR/+12345-01-01", json!({"rate": 1.1})).await, ["valid_from"]);
    // The oldest and latest days an ISO date can name are fine.
    enter(&app, "GBP/EUR/0001-01-01", 1.1, 201).await;
    enter(&app, "GBP/EUR/9999-12-31", 1.1, 201).await;
    for path in ["GBP/EUR/0001-01-01", "GBP/EUR/9999-12-31"] {
        assert_eq!(app.delete(&format!("{RATES}/{path}")).await.status(), 204);
    }
    // No body, and a number no double holds: refused before any rule is checked.
    let response =
        app.with(&app.token).request(reqwest::Method::PUT, &format!("{RATES}/GBP/EUR/2026-01-01"), None).await;
    problem(response, 415, "unsupported-media-type").await;
    let raw = app
        .client
        .put(app.url(&format!("{RATES}/GBP/EUR/2026-01-01")))
        .bearer_auth(&app.token)
        .header("content-type", "application/json")
        .body(r#"{"rate": 1e400}"#)
        .send()
        .await
        .unwrap();
    assert!([400, 422].contains(&raw.status().as_u16()), "{}", raw.status());
    assert_eq!(json_of(app.get(RATES).await, 200).await["items"], json!([]), "nothing was stored");
}

async fn staff_write_rates_and_everyone_reads_them(app: TestApp) {
    let org = app.organization("Rates Ltd").await;
    let recruiter = app.user("recruiter", None).await;
    let member = app.user("org_member", Some(&org)).await;
    let writer_key = app.api_key(&["exchange_rates:write"], None).await;
    let reader_key = app.api_key(&["needs:read"], None).await;
    let body = json!({"rate": 1.15});

    json_of(app.with(&recruiter).put(&format!("{RATES}/GBP/EUR/2026-01-01"), &body).await, 201).await;
    json_of(app.with(&writer_key).put(&format!("{RATES}/USD/EUR/2026-01-01"), &json!({"rate": 0.9})).await, 201).await;
    for caller in [&member, &reader_key] {
        let refused =
            problem(app.with(caller).put(&format!("{RATES}/GBP/EUR/2026-02-01"), &body).await, 403, "forbidden").await;
        assert!(refused["detail"].as_str().unwrap().contains("exchange_rates:write"));
        problem(app.with(caller).delete(&format!("{RATES}/GBP/EUR/2026-01-01")).await, 403, "forbidden").await;
        let listed = json_of(app.with(caller).get(RATES).await, 200).await;
        assert_eq!(listed["items"].as_array().unwrap().len(), 2);
        json_of(app.with(caller).get(&format!("{RATES}/GBP/EUR/2026-01-01")).await, 200).await;
        let converted = json_of(
            app.with(caller).get(&format!("{RATES}/convert?amount=100&from=EUR&to=GBP&on=2026-03-01")).await,
            200,
        )
        .await;
        assert_eq!(converted["converted"], 87);
    }
    problem(app.anonymous().get(RATES).await, 401, "unauthenticated").await;
    problem(app.anonymous().get(&format!("{RATES}/convert?amount=1&from=GBP&to=EUR")).await, 401, "unauthenticated")
        .await;
    problem(app.anonymous().put(&format!("{RATES}/GBP/EUR/2026-02-01"), &body).await, 401, "unauthenticated").await;
    assert_eq!(app.with(&recruiter).delete(&format!("{RATES}/USD/EUR/2026-01-01")).await.status(), 204);
}

/// What matching relies on: the whole table in one read, and a revision that
/// moves with every write, deletes included.
async fn the_table_and_its_revision(app: TestApp) {
    let db = Database::connect(&DatabaseUrl::parse(&app.database_url).unwrap(), 1).unwrap();
    let revision = || db.with_reader(exchange_rates::revision).unwrap();
    let start = revision();
    enter(&app, "GBP/EUR/2026-01-01", 1.15, 201).await;
    let after_insert = revision();
    enter(&app, "GBP/EUR/2026-01-01", 1.16, 200).await;
    let after_replace = revision();
    enter(&app, "USD/EUR/2026-01-01", 0.9, 201).await;
    assert_eq!(app.delete(&format!("{RATES}/USD/EUR/2026-01-01")).await.status(), 204);
    let after_delete = revision();
    assert!(start < after_insert && after_insert < after_replace && after_replace + 1 < after_delete);
    // A refused write changes nothing.
    problem(app.put(&format!("{RATES}/EUR/EUR/2026-01-01"), &json!({"rate": 1})).await, 422, "validation-failed").await;
    assert_eq!(revision(), after_delete);

    let table = db.with_reader(exchange_rates::all).unwrap();
    assert_eq!(table.revision(), after_delete);
    let (gbp, eur) = (
        interim_tracker::domain::Currency::parse("GBP").unwrap(),
        interim_tracker::domain::Currency::parse("EUR").unwrap(),
    );
    let day = |d: &str| d.parse::<chrono::NaiveDate>().unwrap();
    let conversion = table.convert(1000, gbp, eur, day("2026-03-01")).unwrap();
    assert_eq!((conversion.amount, conversion.quoted, conversion.valid_from), (1160, 1.16, day("2026-01-01")));
    assert_eq!(table.convert(1000, eur, gbp, day("2025-12-31")), None);
}

backend_tests!(
    rates_are_entered_listed_and_replaced,
    amounts_are_converted_with_the_rate_in_force,
    invalid_rates_are_refused,
    staff_write_rates_and_everyone_reads_them,
    the_table_and_its_revision,
);
