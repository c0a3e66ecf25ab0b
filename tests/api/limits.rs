//! Rate limits: password guessing on the token endpoint, and each caller on
//! the API, are answered 429 with `Retry-After`.

use interim_tracker::config::Config;

use crate::helpers::{ADMIN_EMAIL, TestApp, backend_tests, problem};

fn tight_limits(config: &mut Config) {
    config.auth.token_rate_limit_per_minute = 4;
    config.auth.rate_limit_per_minute = 30;
}

async fn password_guessing_is_slowed_down(app: TestApp) {
    let mut statuses = Vec::new();
    for attempt in 0..6 {
        let response = app
            .token_request(&[
                ("grant_type", "password"),
                ("username", ADMIN_EMAIL),
                ("password", &format!("guess {attempt}")),
            ])
            .await;
        statuses.push(response.status().as_u16());
        if response.status() == 429 {
            let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
            assert!((1..=60).contains(&retry_after));
            problem(response, 429, "rate-limited").await;
            break;
        }
    }
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    assert!(statuses[..statuses.len() - 1].iter().all(|&s| s == 400), "{statuses:?}");
}

async fn each_caller_is_limited(app: TestApp) {
    let mut limited = None;
    for _ in 0..40 {
        let response = app.get("/api/v1/skills?limit=1").await;
        if response.status() == 429 {
            limited = Some(response);
            break;
        }
    }
    let response = limited.expect("the 31st request in a minute is refused");
    assert!(response.headers().contains_key("retry-after"));
    problem(response, 429, "rate-limited").await;
    // Another caller has a budget of its own.
    assert_eq!(app.anonymous().get("/health").await.status(), 200);
}

/// The budget is the account's as the login looks it up (trimmed, any case),
/// from each address: guesses from one address spend nothing of the owner's
/// at another.
async fn guesses_from_elsewhere_never_lock_the_owner_out(app: TestApp) {
    use crate::helpers::ADMIN_PASSWORD;
    let guess = |client: reqwest::Client, username: String| {
        let url = app.url("/api/v1/auth/token");
        async move {
            let form = [("grant_type", "password"), ("username", username.as_str()), ("password", "a wrong guess")];
            client.post(url).form(&form).send().await.unwrap().status().as_u16()
        }
    };
    // Another address on the loopback network.
    let elsewhere =
        reqwest::Client::builder().local_address("127.0.0.2".parse::<std::net::IpAddr>().ok()).build().unwrap();
    let mut statuses = Vec::new();
    for username in
        [ADMIN_EMAIL.to_owned(), format!(" {} ", ADMIN_EMAIL.to_uppercase()), ADMIN_EMAIL.into(), ADMIN_EMAIL.into()]
    {
        statuses.push(guess(elsewhere.clone(), username).await);
    }
    assert_eq!(statuses, [400, 400, 400, 400]);
    // Padded or in capitals, it is the same account: the fifth guess from there is refused.
    assert_eq!(guess(elsewhere.clone(), format!("  {ADMIN_EMAIL}\t")).await, 429);
    // The owner, from their own address, logs in with the right password.
    app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
}

backend_tests!(
    config = tight_limits;
    password_guessing_is_slowed_down,
    each_caller_is_limited,
    guesses_from_elsewhere_never_lock_the_owner_out
);
