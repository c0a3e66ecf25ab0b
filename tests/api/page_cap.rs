//! Page sizes above the cap (200) are capped, not refused and not honoured;
//! the rest is reached through the cursor.

use crate::helpers::{TestApp, backend_tests, json_of, problem};

async fn page_sizes_above_the_cap_are_capped(app: TestApp) {
    let path = "/api/v1/organizations";
    for i in 0..205 {
        let created = app
            .client
            .post(app.url(path))
            .bearer_auth(&app.token)
            .json(&serde_json::json!({"name": format!("Org {i:03}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), 201);
    }
    for limit in ["201", "100000", "9223372036854775807"] {
        let page = json_of(app.get(&format!("{path}?limit={limit}&include_total=true")).await, 200).await;
        assert_eq!(page["items"].as_array().unwrap().len(), 200, "limit={limit}");
        assert_eq!(page["total"], 205);
        let cursor = page["next_cursor"].as_str().expect("a cursor to the rest");
        let rest = json_of(app.get(&format!("{path}?cursor={cursor}")).await, 200).await;
        assert_eq!(rest["items"].as_array().unwrap().len(), 5, "limit={limit}");
        assert!(rest["next_cursor"].is_null());
    }
    let default = json_of(app.get(path).await, 200).await;
    assert_eq!(default["items"].as_array().unwrap().len(), 50);
    // An empty cursor is no cursor: the first page.
    assert_eq!(json_of(app.get(&format!("{path}?cursor=")).await, 200).await, default);
    for limit in ["0", "-1", "99999999999999999999", "ten"] {
        problem(app.get(&format!("{path}?limit={limit}")).await, 400, "invalid-query").await;
    }
}

backend_tests!(page_sizes_above_the_cap_are_capped);
