//! CORS only for the configured origins (`CORS_ALLOWED_ORIGINS`): their
//! preflights and requests get `Access-Control-Allow-Origin`; other origins,
//! and every origin when none is configured, get no CORS headers.

use interim_tracker::config::Config;
use reqwest::{Method, Response};

use crate::helpers::{TestApp, backend_tests};

const ALLOWED: &str = "https://app.example.com";
const OTHER: &str = "https://evil.example.net";

fn two_origins(config: &mut Config) {
    config.cors_allowed_origins = vec![ALLOWED.into(), "http://localhost:5173".into()];
}

async fn preflight(app: &TestApp, origin: &str) -> Response {
    app.client
        .request(Method::OPTIONS, app.url("/api/v1/organizations"))
        .header("origin", origin)
        .header("access-control-request-method", "PATCH")
        .header("access-control-request-headers", "authorization, content-type, if-match, idempotency-key")
        .send()
        .await
        .unwrap()
}

async fn get_from(app: &TestApp, origin: &str, token: Option<&str>) -> Response {
    let mut request = app.client.get(app.url("/api/v1/organizations")).header("origin", origin);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

/// The comma-separated values of a header, in lower case.
fn listed(response: &Response, name: &str) -> Vec<String> {
    let value = response.headers().get(name).map_or("", |v| v.to_str().unwrap());
    value.split(',').map(|v| v.trim().to_ascii_lowercase()).filter(|v| !v.is_empty()).collect()
}

/// No `Access-Control-Allow-*` header, so a browser keeps the page from reading
/// the answer (`Access-Control-Expose-Headers` alone grants nothing).
fn has_no_cors_headers(response: &Response) {
    let cors: Vec<_> =
        response.headers().keys().filter(|name| name.as_str().starts_with("access-control-allow-")).collect();
    assert!(cors.is_empty(), "{} answered with {cors:?}", response.status());
}

async fn configured_origins_get_cors_headers(app: TestApp) {
    // A preflight needs no token: it is answered before anything asks for one.
    let allowed = preflight(&app, ALLOWED).await;
    assert!(allowed.status().is_success(), "{}", allowed.status());
    assert_eq!(allowed.headers()["access-control-allow-origin"], ALLOWED);
    assert!(listed(&allowed, "access-control-allow-methods").contains(&"patch".to_owned()));
    let headers = listed(&allowed, "access-control-allow-headers");
    for header in ["authorization", "content-type", "if-match", "idempotency-key"] {
        assert!(headers.contains(&header.to_owned()), "{header} not in {headers:?}");
    }
    assert_eq!(
        preflight(&app, "http://localhost:5173").await.headers()["access-control-allow-origin"],
        "http://localhost:5173"
    );

    let read = get_from(&app, ALLOWED, Some(&app.token)).await;
    assert_eq!(read.status(), 200);
    assert_eq!(read.headers()["access-control-allow-origin"], ALLOWED);
    let exposed = listed(&read, "access-control-expose-headers");
    for header in ["etag", "location", "retry-after", "x-request-id"] {
        assert!(exposed.contains(&header.to_owned()), "{header} not in {exposed:?}");
    }
    assert!(listed(&read, "vary").contains(&"origin".to_owned()));
    // Errors too, so the page can read why it was refused.
    let refused = get_from(&app, ALLOWED, None).await;
    assert_eq!(refused.status(), 401);
    assert_eq!(refused.headers()["access-control-allow-origin"], ALLOWED);

    // Another origin: the preflight is refused, and requests (which only
    // browsers police) are answered without CORS headers.
    let foreign = preflight(&app, OTHER).await;
    assert!(foreign.status().is_client_error(), "{}", foreign.status());
    has_no_cors_headers(&foreign);
    let foreign = get_from(&app, OTHER, Some(&app.token)).await;
    assert_eq!(foreign.status(), 200);
    has_no_cors_headers(&foreign);
    // Nor does a look-alike of an allowed origin pass.
    has_no_cors_headers(&preflight(&app, "https://app.example.com.evil.example.net").await);
    has_no_cors_headers(&preflight(&app, "http://app.example.com").await);
}

async fn without_configured_origins_there_are_no_cors_headers(app: TestApp) {
    let preflight = preflight(&app, ALLOWED).await;
    assert!(!preflight.status().is_success(), "{}", preflight.status());
    has_no_cors_headers(&preflight);
    let read = get_from(&app, ALLOWED, Some(&app.token)).await;
    assert_eq!(read.status(), 200);
    has_no_cors_headers(&read);
}

fn no_origins(config: &mut Config) {
    config.cors_allowed_origins = Vec::new();
}

mod configured {
    use super::*;
    backend_tests!(config = two_origins; configured_origins_get_cors_headers);
}

mod unconfigured {
    use super::*;
    backend_tests!(config = no_origins; without_configured_origins_there_are_no_cors_headers);
}
