//! Identity providers found by OpenID Connect discovery: for each configured
//! issuer the service reads `{issuer}/.well-known/openid-configuration`,
//! fetches its `jwks_uri`, and verifies the issuer's tokens with those keys.
//!
//! Keys are kept by `kid`, each pinned to one algorithm (the JWK's `alg`, else
//! the one its type implies), encryption keys and symmetric keys ignored.
//! A key set is fresh for the `max-age` the provider sends (bounded to
//! [`MIN_FRESH`]..[`MAX_FRESH`]); a stale set still verifies while a new one
//! is fetched, and stays in use when the provider cannot be reached. A token
//! naming an unknown `kid` makes one fetch (single-flight: concurrent
//! requests wait for the same one), at most once per `min_refresh`, so a
//! stream of forged kids cannot make the service hammer the provider. Only
//! https is spoken, but to a loopback address (a provider in the same test).

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};
use serde::Deserialize;

use super::tokens::{ClaimMapping, LEEWAY_SECS, Refused, Verified, external_caller};
use crate::domain::OrganizationId;
use crate::domain::access::Role;

/// The shortest time a key set is taken as fresh, whatever the provider says.
pub const MIN_FRESH: Duration = Duration::from_secs(60);
/// The longest.
pub const MAX_FRESH: Duration = Duration::from_secs(24 * 3600);
/// How long a key set is fresh when the provider says nothing.
const DEFAULT_FRESH: Duration = Duration::from_secs(3600);

/// One identity provider, as configured (`OIDC_ISSUERS`, a JSON array of these).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuerConfig {
    /// The `iss` of its tokens, and where its discovery document is.
    pub issuer: String,
    /// The `aud` its tokens must carry (default: the service's `JWT_AUDIENCE`).
    #[serde(default)]
    pub audience: Option<String>,
    /// The claim holding the role (`admin`, `recruiter`, `org_member`).
    #[serde(default = "role_claim")]
    pub role_claim: String,
    /// The claim holding the organization id, for organization members.
    #[serde(default = "org_claim")]
    pub org_claim: String,
    /// The role of a token without the role claim (none: such a token is refused).
    #[serde(default)]
    pub default_role: Option<Role>,
    /// The organization every token of this issuer belongs to (a client
    /// organization's own provider): its members need no organization claim,
    /// and a token naming another organization is refused.
    #[serde(default)]
    pub organization_id: Option<OrganizationId>,
    /// The claim naming a user of the service (their SCIM `userName` or e-mail), such as
    /// `preferred_username`, `email` or `upn`: its tokens then act as that user, with the role and
    /// organization the user holds here (from their SCIM groups), and stop working the moment the user is
    /// deactivated or deleted. A token naming no user of the service is refused; role claims are not read.
    #[serde(default)]
    pub user_claim: Option<String>,
    /// The least time between two fetches of the keys for an unknown `kid`, in seconds (default 30).
    #[serde(default = "min_refresh_secs")]
    pub min_refresh_secs: u64,
}

fn role_claim() -> String {
    "role".into()
}
fn org_claim() -> String {
    "org".into()
}
fn min_refresh_secs() -> u64 {
    30
}

/// Reads `OIDC_ISSUERS`: a JSON array of [`IssuerConfig`], each issuer https (or http on a loopback address).
pub fn parse_issuers(value: &str) -> Result<Vec<IssuerConfig>, String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(Vec::new());
    }
    let issuers: Vec<IssuerConfig> = serde_json::from_str(value)
        .map_err(|e| format!("OIDC_ISSUERS must be a JSON array of issuers ({e}), such as [{{\"issuer\": \"https://login.example.com\"}}]"))?;
    for issuer in &issuers {
        allowed_url(&issuer.issuer).map_err(|e| format!("issuer `{}`: {e}", issuer.issuer))?;
    }
    let mut names: Vec<&str> = issuers.iter().map(|i| i.issuer.as_str()).collect();
    names.sort_unstable();
    if names.windows(2).any(|w| w[0] == w[1]) {
        return Err("OIDC_ISSUERS names an issuer twice".into());
    }
    Ok(issuers)
}

/// https, or http to a loopback address: the keys that decide who may do what never travel in clear text.
pub fn allowed_url(url: &str) -> Result<reqwest::Url, String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("not a URL ({e})"))?;
    let host = parsed.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']');
    let loopback =
        host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if loopback => Ok(parsed),
        _ => Err("must be https (http only to a loopback address)".into()),
    }
}

/// A key of the provider's set, pinned to one algorithm.
struct Key {
    algorithm: Algorithm,
    key: DecodingKey,
}

struct KeySet {
    /// By `kid`; a key without one is kept under "".
    keys: HashMap<String, Key>,
    fresh_until: Instant,
}

/// What verification needs from the caller: a fetch of the keys first.
pub enum Unverified {
    Refused(Refused),
    /// The token names a key this issuer's set does not hold (or no set is held yet).
    KeysNeeded,
}

impl From<Refused> for Unverified {
    fn from(r: Refused) -> Self {
        Unverified::Refused(r)
    }
}

pub struct Provider {
    config: IssuerConfig,
    audience: String,
    http: reqwest::Client,
    keys: RwLock<Option<KeySet>>,
    /// Held while fetching (single-flight); the time of the last fetch attempt.
    fetching: tokio::sync::Mutex<Option<Instant>>,
    /// Whether a fetch beside the requests is under way: one at a time, however many requests see stale keys.
    refreshing: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider").field("issuer", &self.config.issuer).finish_non_exhaustive()
    }
}

impl Provider {
    pub fn new(config: IssuerConfig, default_audience: &str) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let audience = config.audience.clone().unwrap_or_else(|| default_audience.to_owned());
        Ok(Provider {
            config,
            audience,
            http,
            keys: RwLock::default(),
            fetching: tokio::sync::Mutex::default(),
            refreshing: Default::default(),
        })
    }

    pub fn issuer(&self) -> &str {
        &self.config.issuer
    }

    /// Verifies a token of this issuer with the keys held.
    pub fn verify(&self, token: &str, header: &jsonwebtoken::Header) -> Result<(Verified, Option<u64>), Unverified> {
        let held = self.keys.read().unwrap_or_else(PoisonError::into_inner);
        let Some(set) = held.as_ref() else { return Err(Unverified::KeysNeeded) };
        let key = match &header.kid {
            Some(kid) => set.keys.get(kid),
            None => set.keys.get(""),
        };
        let Some(key) = key else { return Err(Unverified::KeysNeeded) };
        if key.algorithm != header.alg {
            return Err(Refused("the token's algorithm does not match its key").into());
        }
        let mut validation = Validation::new(key.algorithm);
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        let claims = decode::<serde_json::Value>(token, &key.key, &validation).map_err(super::tokens::refusal)?.claims;
        let exp = claims["exp"].as_u64();
        Ok((self.claims(&claims)?, exp))
    }

    fn claims(&self, claims: &serde_json::Value) -> Result<Verified, Refused> {
        // The issuer is part of the subject: two providers may hand out the same `sub`.
        let mapping = ClaimMapping {
            role_claim: &self.config.role_claim,
            org_claim: &self.config.org_claim,
            default_role: self.config.default_role,
            organization: self.config.organization_id,
            issuer: Some(&self.config.issuer),
            user_claim: self.config.user_claim.as_deref(),
        };
        external_caller(claims, &mapping)
    }

    /// Fetches the keys for a token that names one not held: once per `min_refresh` at most, and one fetch at a
    /// time (a request arriving meanwhile waits for it, then uses what it brought). A failed fetch keeps the
    /// keys held.
    pub async fn refresh(&self) {
        let started = Instant::now();
        let mut last = self.fetching.lock().await;
        let floor = Duration::from_secs(self.config.min_refresh_secs);
        if let Some(at) = *last
            && (at >= started || at.elapsed() < floor)
        {
            return; // Fetched while this request waited, or too recently to try again.
        }
        match self.fetch().await {
            Ok(set) => *self.keys.write().unwrap_or_else(PoisonError::into_inner) = Some(set),
            Err(error) => {
                tracing::warn!(issuer = %self.config.issuer, %error, "fetching the identity provider's keys; the keys held stay in use");
            }
        }
        // When it ended: a request that waited for this fetch uses what it brought.
        *last = Some(Instant::now());
    }

    /// Fetches the keys beside the requests (at start, and when they go stale), unless a fetch is under way
    /// already. Needs a Tokio runtime; without one, nothing is fetched ahead.
    pub fn refresh_in_background(self: &Arc<Self>) {
        use std::sync::atomic::Ordering;
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        if self.refreshing.swap(true, Ordering::AcqRel) {
            return;
        }
        let provider = Arc::clone(self);
        runtime.spawn(async move {
            provider.refresh().await;
            provider.refreshing.store(false, Ordering::Release);
        });
    }

    /// Whether the keys held are past the time the provider said they are fresh for (they still verify).
    pub fn is_stale(&self) -> bool {
        let held = self.keys.read().unwrap_or_else(PoisonError::into_inner);
        held.as_ref().is_some_and(|set| set.fresh_until <= Instant::now())
    }

    async fn fetch(&self) -> anyhow::Result<KeySet> {
        let discovery = format!("{}/.well-known/openid-configuration", self.config.issuer.trim_end_matches('/'));
        let document: serde_json::Value = self
            .http
            .get(allowed_url(&discovery).map_err(anyhow::Error::msg)?)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        anyhow::ensure!(
            document["issuer"].as_str() == Some(self.config.issuer.as_str()),
            "the discovery document names another issuer ({})",
            document["issuer"]
        );
        let jwks_uri =
            document["jwks_uri"].as_str().ok_or_else(|| anyhow::anyhow!("the discovery document has no jwks_uri"))?;
        let response = self
            .http
            .get(allowed_url(jwks_uri).map_err(|e| anyhow::anyhow!("jwks_uri {jwks_uri}: {e}"))?)
            .send()
            .await?
            .error_for_status()?;
        let fresh = fresh_for(response.headers());
        let set: serde_json::Value = response.json().await?;
        let keys = set["keys"].as_array().ok_or_else(|| anyhow::anyhow!("the key set has no `keys`"))?;
        let keys: HashMap<String, Key> = keys.iter().filter_map(signing_key).collect();
        anyhow::ensure!(!keys.is_empty(), "the key set holds no signing key this service can use");
        Ok(KeySet { keys, fresh_until: Instant::now() + fresh })
    }
}

/// How long a key set is fresh: `Cache-Control: max-age`, bounded; `no-store`/`no-cache` count as the least.
fn fresh_for(headers: &reqwest::header::HeaderMap) -> Duration {
    let Some(value) = headers.get(reqwest::header::CACHE_CONTROL).and_then(|v| v.to_str().ok()) else {
        return DEFAULT_FRESH;
    };
    let mut fresh = DEFAULT_FRESH;
    for directive in value.split(',').map(str::trim) {
        let lower = directive.to_ascii_lowercase();
        if lower == "no-store" || lower == "no-cache" {
            return MIN_FRESH;
        }
        if let Some(secs) = lower.strip_prefix("max-age=").and_then(|s| s.trim_matches('"').parse::<u64>().ok()) {
            fresh = Duration::from_secs(secs);
        }
    }
    fresh.clamp(MIN_FRESH, MAX_FRESH)
}

/// A JWK this service verifies signatures with, under its `kid`: not an encryption key, not symmetric, of an
/// asymmetric algorithm the key's own `alg` names or its type implies.
fn signing_key(value: &serde_json::Value) -> Option<(String, Key)> {
    let jwk: Jwk = serde_json::from_value(value.clone()).ok()?;
    if matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption) | Some(PublicKeyUse::Other(_))) {
        return None;
    }
    let algorithm = match (jwk.common.key_algorithm, &jwk.algorithm) {
        (Some(alg), _) => pinned(alg)?,
        (None, AlgorithmParameters::RSA(_)) => Algorithm::RS256,
        (None, AlgorithmParameters::EllipticCurve(ec)) => match ec.curve {
            EllipticCurve::P256 => Algorithm::ES256,
            EllipticCurve::P384 => Algorithm::ES384,
            _ => return None,
        },
        (None, AlgorithmParameters::OctetKeyPair(_)) => Algorithm::EdDSA,
        (None, _) => return None,
    };
    let fits = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => {
            matches!(
                algorithm,
                Algorithm::RS256
                    | Algorithm::RS384
                    | Algorithm::RS512
                    | Algorithm::PS256
                    | Algorithm::PS384
                    | Algorithm::PS512
            )
        }
        AlgorithmParameters::EllipticCurve(_) => matches!(algorithm, Algorithm::ES256 | Algorithm::ES384),
        AlgorithmParameters::OctetKeyPair(_) => algorithm == Algorithm::EdDSA,
        _ => false,
    };
    if !fits {
        return None;
    }
    let key = DecodingKey::from_jwk(&jwk).ok()?;
    Some((jwk.common.key_id.unwrap_or_default(), Key { algorithm, key }))
}

/// The JWK's `alg`, if it is an asymmetric signature algorithm (never HMAC: a public key is no secret).
fn pinned(alg: KeyAlgorithm) -> Option<Algorithm> {
    Some(match alg {
        KeyAlgorithm::RS256 => Algorithm::RS256,
        KeyAlgorithm::RS384 => Algorithm::RS384,
        KeyAlgorithm::RS512 => Algorithm::RS512,
        KeyAlgorithm::PS256 => Algorithm::PS256,
        KeyAlgorithm::PS384 => Algorithm::PS384,
        KeyAlgorithm::PS512 => Algorithm::PS512,
        KeyAlgorithm::ES256 => Algorithm::ES256,
        KeyAlgorithm::ES384 => Algorithm::ES384,
        KeyAlgorithm::EdDSA => Algorithm::EdDSA,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers_are_https_or_loopback_and_named_once() {
        let ok =
            parse_issuers(r#"[{"issuer": "https://login.example.com/tenant"}, {"issuer": "http://127.0.0.1:8081"}]"#);
        let ok = ok.unwrap();
        assert_eq!((ok[0].role_claim.as_str(), ok[0].org_claim.as_str(), ok[0].min_refresh_secs), ("role", "org", 30));
        assert!(parse_issuers("").unwrap().is_empty() && parse_issuers("[]").unwrap().is_empty());
        for bad in [
            r#"[{"issuer": "http://login.example.com"}]"#,
            r#"[{"issuer": "ftp://127.0.0.1"}]"#,
            r#"[{"issuer": "https://a.example.com"}, {"issuer": "https://a.example.com"}]"#,
            r#"[{"issuer": "https://a.example.com", "colour": "red"}]"#,
            r#"{"issuer": "https://a.example.com"}"#,
        ] {
            assert!(parse_issuers(bad).is_err(), "{bad}");
        }
        assert!(allowed_url("http://localhost:9/x").is_ok() && allowed_url("http://[::1]:9/x").is_ok());
        assert!(allowed_url("http://10.0.0.1/x").is_err());
    }

    #[test]
    fn freshness_follows_cache_control_within_bounds() {
        let with = |value: &str| {
            let mut headers = reqwest::header::HeaderMap::new();
            headers.insert(reqwest::header::CACHE_CONTROL, value.parse().unwrap());
            fresh_for(&headers)
        };
        assert_eq!(fresh_for(&reqwest::header::HeaderMap::new()), DEFAULT_FRESH);
        assert_eq!(with("public, max-age=600"), Duration::from_secs(600));
        assert_eq!(with("max-age=5"), MIN_FRESH);
        assert_eq!(with("max-age=9999999"), MAX_FRESH);
        assert_eq!(with("no-cache"), MIN_FRESH);
    }

    #[test]
    fn only_asymmetric_signing_keys_are_taken_each_with_one_algorithm() {
        let rsa = serde_json::json!({"kty": "RSA", "kid": "r", "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw", "e": "AQAB"});
        let (kid, key) = signing_key(&rsa).unwrap();
        assert_eq!((kid.as_str(), key.algorithm), ("r", Algorithm::RS256), "implied by its type");
        let mut pss = rsa.clone();
        pss["alg"] = serde_json::json!("PS256");
        assert_eq!(signing_key(&pss).unwrap().1.algorithm, Algorithm::PS256, "pinned by its alg");
        let mut encryption = rsa.clone();
        encryption["use"] = serde_json::json!("enc");
        assert!(signing_key(&encryption).is_none());
        let mut mismatched = rsa.clone();
        mismatched["alg"] = serde_json::json!("ES256");
        assert!(signing_key(&mismatched).is_none(), "an RSA key is no EC key");
        let mut hmac = rsa;
        hmac["alg"] = serde_json::json!("HS256");
        assert!(signing_key(&hmac).is_none(), "a public key is never an HMAC secret");
        let oct = serde_json::json!({"kty": "oct", "kid": "s", "k": "c2VjcmV0"});
        assert!(signing_key(&oct).is_none());
        assert!(signing_key(&serde_json::json!({"kty": "XYZ"})).is_none());
    }
}
