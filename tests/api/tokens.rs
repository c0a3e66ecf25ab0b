//! Forged and unacceptable tokens are each answered 401, with the service's
//! own keys and with an external identity provider's; the provider's real
//! tokens work, and so do both keys during a rotation.

use interim_tracker::config::Config;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

use crate::helpers::{AUDIENCE, ISSUER, JWT_SECRET, TestApp, backend_tests, json_of, problem};

const IDP_PRIVATE: &str = include_str!("../fixtures/idp-private.pem");
const IDP_PUBLIC: &str = include_str!("../fixtures/idp-public.pem");
const IDP_NEXT_PRIVATE: &str = include_str!("../fixtures/idp-next-private.pem");
const IDP_NEXT_PUBLIC: &str = include_str!("../fixtures/idp-next-public.pem");

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

/// The claims of a valid service token of the admin `subject`.
fn claims(subject: &str) -> Value {
    json!({
        "sub": subject, "role": "admin", "iss": ISSUER, "aud": AUDIENCE,
        "iat": now(), "nbf": now(), "exp": now() + 300,
        "jti": "forged", "token_type": "access", "sub_kind": "user"
    })
}

fn hs256(claims: &Value, kid: Option<&str>, secret: &[u8]) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = kid.map(str::to_owned);
    encode(&header, claims, &EncodingKey::from_secret(secret)).unwrap()
}

fn b64(value: &Value) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
}

async fn assert_refused(app: &TestApp, token: &str, what: &str) {
    let response = app.with(token).get("/api/v1/me").await;
    let status = response.status().as_u16();
    let challenge = response.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(status, 401, "{what} was accepted");
    assert!(challenge.unwrap_or_default().contains("invalid_token"), "{what}");
    problem(response, 401, "unauthenticated").await;
}

async fn admin_subject(app: &TestApp) -> String {
    json_of(app.get("/api/v1/me").await, 200).await["subject"].as_str().unwrap().to_owned()
}

async fn forged_service_tokens_are_refused(app: TestApp) {
    let subject = admin_subject(&app).await;
    let secret = JWT_SECRET.as_bytes();
    let valid = claims(&subject);
    // The baseline is accepted, so every refusal below is for its one change.
    json_of(app.with(&hs256(&valid, None, secret)).get("/api/v1/me").await, 200).await;

    let none = format!("{}.{}.", b64(&json!({"alg": "none", "typ": "JWT"})), b64(&valid));
    assert_refused(&app, &none, "alg none").await;
    let none_upper = format!("{}.{}.", b64(&json!({"alg": "NONE"})), b64(&valid));
    assert_refused(&app, &none_upper, "alg NONE").await;

    let token = hs256(&valid, None, secret);
    let (head, signature) = token.rsplit_once('.').unwrap();
    let mut bytes = signature.as_bytes().to_vec();
    bytes[5] = if bytes[5] == b'A' { b'B' } else { b'A' };
    assert_refused(&app, &format!("{head}.{}", String::from_utf8(bytes).unwrap()), "a tampered signature").await;
    assert_refused(&app, &hs256(&valid, None, b"another secret that is long enough!!"), "another secret").await;

    let with = |change: &dyn Fn(&mut serde_json::Map<String, Value>)| {
        let mut c = valid.as_object().unwrap().clone();
        change(&mut c);
        hs256(&Value::Object(c), None, secret)
    };
    let cases: Vec<(&str, String)> = vec![
        (
            "expired",
            with(&|c| {
                c.insert("exp".into(), json!(now() - 120));
            }),
        ),
        (
            "nbf in the future",
            with(&|c| {
                c.insert("nbf".into(), json!(now() + 300));
            }),
        ),
        (
            "missing aud",
            with(&|c| {
                c.remove("aud");
            }),
        ),
        (
            "wrong aud",
            with(&|c| {
                c.insert("aud".into(), json!("another-api"));
            }),
        ),
        (
            "missing iss",
            with(&|c| {
                c.remove("iss");
            }),
        ),
        (
            "wrong iss",
            with(&|c| {
                c.insert("iss".into(), json!("someone-else"));
            }),
        ),
        (
            "missing sub",
            with(&|c| {
                c.remove("sub");
            }),
        ),
        (
            "missing exp",
            with(&|c| {
                c.remove("exp");
            }),
        ),
        (
            "exp as a string",
            with(&|c| {
                c.insert("exp".into(), json!((now() + 300).to_string()));
            }),
        ),
        (
            "a refresh token",
            with(&|c| {
                c.insert("token_type".into(), json!("refresh"));
            }),
        ),
        (
            "no token type",
            with(&|c| {
                c.remove("token_type");
            }),
        ),
        (
            "an unknown role",
            with(&|c| {
                c.insert("role".into(), json!("superuser"));
            }),
        ),
    ];
    for (what, token) in cases {
        assert_refused(&app, &token, what).await;
    }
    assert_refused(&app, &hs256(&valid, Some("no-such-key"), secret), "an unknown kid").await;
    // RFC 7515 §4.1.11: a critical header extension the service does not understand (it understands none).
    for crit in [json!(["https://example.com/ext"]), json!(["exp"]), json!([])] {
        let mut header = Header::new(Algorithm::HS256);
        header.crit = serde_json::from_value(crit.clone()).unwrap();
        let token = encode(&header, &valid, &EncodingKey::from_secret(secret)).unwrap();
        assert_refused(&app, &token, &format!("crit {crit}")).await;
    }
    // Well signed, but not what the user is now: another role, or an epoch the user is not in.
    assert_refused(&app, &with(&|c| drop(c.insert("role".into(), json!("recruiter")))), "a role not the user's").await;
    assert_refused(&app, &with(&|c| drop(c.insert("epoch".into(), json!(7)))), "another token epoch").await;
    // Within the 60 s leeway a just-expired token still works; beyond it, not.
    let lenient = with(&|c| {
        c.insert("exp".into(), json!(now() - 20));
    });
    json_of(app.with(&lenient).get("/api/v1/me").await, 200).await;
}

fn external_idp(config: &mut Config) {
    config.auth.jwt_public_key_pem = Some(IDP_PUBLIC.to_owned());
    config.auth.jwt_public_key_kid = Some("idp-2026".into());
    config.auth.jwt_next_public_key_pem = Some(IDP_NEXT_PUBLIC.to_owned());
    config.auth.jwt_next_public_key_kid = Some("idp-2027".into());
    config.auth.jwt_role_claim = "https://interim-tracker/role".into();
    config.auth.jwt_org_claim = "https://interim-tracker/org".into();
}

fn rs256(claims: &Value, kid: &str, private: &str) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.into());
    encode(&header, claims, &EncodingKey::from_rsa_pem(private.as_bytes()).unwrap()).unwrap()
}

async fn an_identity_providers_tokens_are_checked(app: TestApp) {
    let org = app.organization("Helix").await;
    let idp_claims = json!({
        "sub": "auth0|42", "iss": ISSUER, "aud": AUDIENCE, "exp": now() + 300, "iat": now(),
        "https://interim-tracker/role": "org_member", "https://interim-tracker/org": org
    });
    let me = json_of(app.with(&rs256(&idp_claims, "idp-2026", IDP_PRIVATE)).get("/api/v1/me").await, 200).await;
    assert_eq!(me["subject"], "external:auth0|42");
    assert_eq!(me["role"], "org_member");
    assert_eq!(me["organization_id"], org.as_str());
    // During a rotation, the next key works too.
    json_of(app.with(&rs256(&idp_claims, "idp-2027", IDP_NEXT_PRIVATE)).get("/api/v1/me").await, 200).await;

    // HS256 signed with the provider's public key (key confusion).
    let mut confused = idp_claims.clone();
    confused["token_type"] = json!("access");
    assert_refused(
        &app,
        &hs256(&confused, Some("idp-2026"), IDP_PUBLIC.as_bytes()),
        "HS256 signed with the public key",
    )
    .await;
    assert_refused(&app, &hs256(&confused, None, IDP_PUBLIC.as_bytes()), "HS256 with the public key, no kid").await;
    // Signed by a key that is not the provider's current one for this kid.
    assert_refused(&app, &rs256(&idp_claims, "idp-2026", IDP_NEXT_PRIVATE), "the wrong key for the kid").await;
    assert_refused(&app, &rs256(&idp_claims, "idp-1999", IDP_PRIVATE), "an unknown kid").await;
    let mut no_aud = idp_claims.clone();
    no_aud.as_object_mut().unwrap().remove("aud");
    assert_refused(&app, &rs256(&no_aud, "idp-2026", IDP_PRIVATE), "an IdP token without aud").await;
    let mut stale = idp_claims.clone();
    stale["exp"] = json!(now() - 120);
    assert_refused(&app, &rs256(&stale, "idp-2026", IDP_PRIVATE), "an expired IdP token").await;
    let mut homeless = idp_claims.clone();
    homeless.as_object_mut().unwrap().remove("https://interim-tracker/org");
    assert_refused(&app, &rs256(&homeless, "idp-2026", IDP_PRIVATE), "a member without an organization").await;
    // The service's own tokens keep working beside the provider's.
    json_of(app.get("/api/v1/me").await, 200).await;
}

backend_tests!(forged_service_tokens_are_refused);

mod external {
    use super::*;

    backend_tests!(config = external_idp; an_identity_providers_tokens_are_checked);
}
