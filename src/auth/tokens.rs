//! Access tokens: JWTs the service issues (HS256 with `JWT_SECRET`) or an
//! external identity provider issues (RS256, ES256 or EdDSA, verified with its
//! public key). Verification pins each key's algorithm, requires `exp`, `iss`,
//! `aud` and `sub`, checks `nbf`, allows 60 s of clock skew, and picks the key
//! by `kid` so two keys are valid during a rotation.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::oidc::{self, Provider};
use crate::domain::OrganizationId;
use crate::domain::access::{Permission, Role};

/// The `token_type` claim of the service's access tokens; tokens of any
/// other type are never accepted as access tokens.
pub const ACCESS_TOKEN_TYPE: &str = "access";
/// Clock skew allowed on `exp` and `nbf`.
pub const LEEWAY_SECS: u64 = 60;
/// How many verified tokens [`TokenService::verify`] remembers; it forgets them all when full.
const RECENT_TOKENS: usize = 4096;

/// Who a token speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    User,
    ApiKey,
    /// A person authenticated by the external identity provider.
    External,
    /// An identity provider provisioning users over SCIM with its own credential; never in a token.
    Provisioning,
    /// A user of the service signed in through an identity provider whose `user_claim` names them: they act
    /// with the role and organization they hold here. Never in a token the service issues.
    ProviderUser,
}

/// The claims of an access token the service issues.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: Role,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// Space-separated scopes (API keys only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    pub iss: String,
    pub aud: String,
    pub iat: u64,
    pub nbf: u64,
    pub exp: u64,
    pub jti: String,
    pub token_type: String,
    pub sub_kind: SubjectKind,
    /// A user's token epoch when it was issued: a change to the user that must end their tokens moves the
    /// user's epoch on (`db::users::update`), and each request compares the two. Absent in API keys' tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<i64>,
}

/// A verified token: who it is, and what it may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub subject: String,
    pub kind: SubjectKind,
    pub role: Role,
    pub organization: Option<OrganizationId>,
    pub scopes: Option<BTreeSet<Permission>>,
    /// The user's token epoch the token was issued in (service tokens of users; 0 when absent).
    pub epoch: i64,
}

struct VerifyingKey {
    kid: String,
    algorithm: Algorithm,
    key: DecodingKey,
    external: bool,
}

/// A public key of the external identity provider.
pub struct ExternalKey {
    pub pem: String,
    pub kid: Option<String>,
}

/// How the service checks tokens from an external identity provider.
pub struct ExternalProvider {
    pub algorithm: Algorithm,
    /// The current key, then the next one during a rotation.
    pub keys: Vec<ExternalKey>,
    pub role_claim: String,
    pub org_claim: String,
}

pub struct TokenService {
    issuer: String,
    audience: String,
    ttl_secs: u64,
    signing_kid: String,
    signing_key: EncodingKey,
    keys: Vec<VerifyingKey>,
    role_claim: String,
    org_claim: String,
    /// Identity providers found by OpenID Connect discovery, each with its own keys (see [`oidc`]).
    providers: Vec<Arc<Provider>>,
    /// Tokens verified lately, with their `exp`: a client sends the same token with every request, and
    /// verifying it (decoding, the signature, the claims) was an eighth of a GET by id's CPU. The keys never
    /// change while the service runs, so a token verified once stays verified until it expires.
    recent: Mutex<HashMap<String, (Verified, u64)>>,
}

/// Why a token was refused; the reason goes into `WWW-Authenticate`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub &'static str);

/// Why a token is not verified, yet or at all.
#[derive(Debug)]
pub enum Unverified {
    Refused(Refused),
    /// The token's issuer is a discovered provider whose keys must be fetched first ([`Provider::refresh`]).
    KeysNeeded(Arc<Provider>),
}

impl From<Refused> for Unverified {
    fn from(r: Refused) -> Self {
        Unverified::Refused(r)
    }
}

/// The refusal a failed decoding means.
pub(super) fn refusal(e: jsonwebtoken::errors::Error) -> Refused {
    use jsonwebtoken::errors::ErrorKind::*;
    match e.kind() {
        ExpiredSignature => Refused("the token has expired"),
        ImmatureSignature => Refused("the token is not valid yet"),
        InvalidAudience => Refused("the token is for another audience"),
        InvalidIssuer => Refused("the token is from another issuer"),
        MissingRequiredClaim(_) => Refused("the token lacks a required claim"),
        InvalidSignature => Refused("the token's signature is invalid"),
        _ => Refused("the token is invalid"),
    }
}

/// The `iss` a token claims, read before any key is chosen (to choose the issuer's keys); verified after.
fn claimed_issuer(token: &str) -> Option<String> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("iss")?.as_str().map(str::to_owned)
}

fn kid_of(secret: &[u8]) -> String {
    let digest = Sha256::digest(secret);
    format!("hs-{}", digest.iter().take(8).map(|b| format!("{b:02x}")).collect::<String>())
}

impl TokenService {
    /// `secret` signs and verifies the service's tokens; `previous` (during a
    /// rotation) still verifies them.
    pub fn new(
        issuer: String,
        audience: String,
        ttl_secs: u64,
        secret: &SecretString,
        previous: Option<&SecretString>,
        external: Option<ExternalProvider>,
    ) -> anyhow::Result<Self> {
        let bytes = secret.expose_secret().as_bytes();
        anyhow::ensure!(bytes.len() >= 32, "JWT_SECRET must be at least 32 bytes long");
        let mut keys = vec![VerifyingKey {
            kid: kid_of(bytes),
            algorithm: Algorithm::HS256,
            key: DecodingKey::from_secret(bytes),
            external: false,
        }];
        if let Some(previous) = previous {
            let bytes = previous.expose_secret().as_bytes();
            anyhow::ensure!(bytes.len() >= 32, "JWT_PREVIOUS_SECRET must be at least 32 bytes long");
            keys.push(VerifyingKey {
                kid: kid_of(bytes),
                algorithm: Algorithm::HS256,
                key: DecodingKey::from_secret(bytes),
                external: false,
            });
        }
        let (mut role_claim, mut org_claim) = ("role".to_owned(), "org".to_owned());
        if let Some(provider) = external {
            anyhow::ensure!(
                matches!(provider.algorithm, Algorithm::RS256 | Algorithm::ES256 | Algorithm::EdDSA),
                "the external identity provider's algorithm must be RS256, ES256 or EdDSA"
            );
            for (i, external) in provider.keys.iter().enumerate() {
                let pem = external.pem.as_bytes();
                let key = match provider.algorithm {
                    Algorithm::RS256 => DecodingKey::from_rsa_pem(pem),
                    Algorithm::ES256 => DecodingKey::from_ec_pem(pem),
                    _ => DecodingKey::from_ed_pem(pem),
                }
                .map_err(|e| anyhow::anyhow!("reading the identity provider's public key {}: {e}", i + 1))?;
                let kid = external.kid.clone().unwrap_or_else(|| format!("external-{}", i + 1));
                keys.push(VerifyingKey { kid, algorithm: provider.algorithm, key, external: true });
            }
            role_claim = provider.role_claim;
            org_claim = provider.org_claim;
        }
        Ok(Self {
            issuer,
            audience,
            ttl_secs,
            signing_kid: kid_of(bytes),
            signing_key: EncodingKey::from_secret(bytes),
            keys,
            role_claim,
            org_claim,
            providers: Vec::new(),
            recent: Mutex::default(),
        })
    }

    /// Also accepts the tokens of these discovered identity providers (`OIDC_ISSUERS`).
    /// Trusts discovered providers; each one's keys are fetched at once, beside the start, so the first
    /// token of an issuer seldom waits.
    pub fn with_providers(mut self, providers: Vec<Arc<Provider>>) -> Self {
        for provider in &providers {
            provider.refresh_in_background();
        }
        self.providers = providers;
        self
    }

    pub fn ttl_secs(&self) -> u64 {
        self.ttl_secs
    }

    /// Issues an access token; `epoch` is a user's token epoch.
    pub fn issue(
        &self,
        subject: &str,
        kind: SubjectKind,
        role: Role,
        organization: Option<OrganizationId>,
        scopes: Option<&BTreeSet<Permission>>,
        epoch: Option<i64>,
    ) -> anyhow::Result<String> {
        let now = jsonwebtoken::get_current_timestamp();
        let claims = Claims {
            sub: subject.to_owned(),
            role,
            org: organization.map(|o| o.to_string()),
            scope: scopes.map(|s| s.iter().map(|p| p.scope()).collect::<Vec<_>>().join(" ")),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            nbf: now,
            exp: now + self.ttl_secs,
            jti: uuid::Uuid::new_v4().to_string(),
            token_type: ACCESS_TOKEN_TYPE.into(),
            sub_kind: kind,
            epoch,
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.signing_kid.clone());
        header.typ = Some("at+jwt".into());
        Ok(encode(&header, &claims, &self.signing_key)?)
    }

    /// Verifies a bearer token.
    pub fn verify(&self, token: &str) -> Result<Verified, Unverified> {
        let now = jsonwebtoken::get_current_timestamp();
        let recent = || self.recent.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((verified, exp)) = recent().get(token)
            && exp.saturating_add(LEEWAY_SECS) >= now
        {
            return Ok(verified.clone());
        }
        let (verified, exp) = self.verify_afresh(token)?;
        if let Some(exp) = exp {
            let mut recent = recent();
            if recent.len() >= RECENT_TOKENS {
                recent.clear();
            }
            recent.insert(token.to_owned(), (verified.clone(), exp));
        }
        Ok(verified)
    }

    /// Verifies a bearer token, and gives its `exp` when it is a whole number of seconds.
    fn verify_afresh(&self, token: &str) -> Result<(Verified, Option<u64>), Unverified> {
        let header =
            decode_header(token).map_err(|_| Refused("the token is malformed or uses an unsupported algorithm"))?;
        // RFC 7515 §4.1.11: a header extension the token calls critical must be understood, and this
        // service understands none.
        if header.crit.is_some() {
            return Err(Refused("the token names critical header extensions this service does not understand").into());
        }
        // A discovered provider's token is verified with that provider's keys only.
        if !self.providers.is_empty()
            && let Some(issuer) = claimed_issuer(token)
            && let Some(provider) = self.providers.iter().find(|p| p.issuer() == issuer)
        {
            if provider.is_stale() {
                // The keys held still verify; fresh ones are fetched beside this request.
                provider.refresh_in_background();
            }
            return provider.verify(token, &header).map_err(|e| match e {
                oidc::Unverified::Refused(r) => Unverified::Refused(r),
                oidc::Unverified::KeysNeeded => Unverified::KeysNeeded(Arc::clone(provider)),
            });
        }
        let key = match &header.kid {
            Some(kid) => self.keys.iter().find(|k| &k.kid == kid).ok_or(Refused("the token's key id is unknown"))?,
            // Without a key id, only a key of the token's own algorithm is tried.
            None => self
                .keys
                .iter()
                .find(|k| k.algorithm == header.alg)
                .ok_or(Refused("no key for the token's algorithm"))?,
        };
        if key.algorithm != header.alg {
            return Err(Refused("the token's algorithm does not match its key").into());
        }
        let mut validation = Validation::new(key.algorithm);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        let data = decode::<serde_json::Value>(token, &key.key, &validation).map_err(refusal)?;
        let claims = data.claims;
        let exp = claims["exp"].as_u64();
        let verified = if key.external { self.external_claims(&claims) } else { service_claims(claims) }?;
        Ok((verified, exp))
    }

    fn external_claims(&self, claims: &serde_json::Value) -> Result<Verified, Refused> {
        external_caller(
            claims,
            &ClaimMapping { role_claim: &self.role_claim, org_claim: &self.org_claim, ..Default::default() },
        )
    }
}

/// The subject of a provider's token that names a user of the service, before the user is found.
pub const PROVIDER_LOGIN: &str = "login:";

/// Where an identity provider's tokens say who the caller is.
#[derive(Default)]
pub(super) struct ClaimMapping<'a> {
    pub role_claim: &'a str,
    pub org_claim: &'a str,
    /// The role of a token without the role claim (none: refused).
    pub default_role: Option<Role>,
    /// The organization every token belongs to (one naming another is refused).
    pub organization: Option<OrganizationId>,
    /// The issuer, made part of the subject when several providers may hand out the same `sub`.
    pub issuer: Option<&'a str>,
    /// The claim naming a user of the service; the token then acts as that user.
    pub user_claim: Option<&'a str>,
}

/// The caller an identity provider's verified claims name: `external:{sub}` (with `@{issuer}` when given), its
/// role and organization as `mapping` reads them.
pub(super) fn external_caller(claims: &serde_json::Value, mapping: &ClaimMapping) -> Result<Verified, Refused> {
    let subject = claims["sub"].as_str().ok_or(Refused("the token's subject is not a string"))?;
    if let Some(claim) = mapping.user_claim {
        let login = claims.get(claim).and_then(|l| l.as_str()).map(str::trim).filter(|l| !l.is_empty());
        let login = login.ok_or(Refused("the token does not name its user (the issuer's user_claim)"))?;
        // The user is found, and their role read, when the request is confirmed; until then the token
        // grants nothing. `organization` is the issuer's own, which the user must belong to.
        return Ok(Verified {
            subject: format!("{PROVIDER_LOGIN}{}", crate::db::users::login_identity(login)),
            kind: SubjectKind::ProviderUser,
            role: Role::OrgMember,
            organization: mapping.organization,
            scopes: Some(BTreeSet::new()),
            epoch: 0,
        });
    }
    let role = match claims.get(mapping.role_claim) {
        Some(role) => role.as_str().and_then(|r| r.parse::<Role>().ok()),
        None => mapping.default_role,
    }
    .ok_or(Refused("the token carries no role this service knows"))?;
    let claimed = match claims.get(mapping.org_claim).and_then(|o| o.as_str()) {
        Some(org) => Some(org.parse::<OrganizationId>().map_err(|_| Refused("the token's organization is not an id"))?),
        None => None,
    };
    let organization = match (mapping.organization, claimed) {
        (Some(own), Some(claimed)) if own != claimed => {
            return Err(Refused("the token names another organization than its issuer's"));
        }
        (Some(own), _) => Some(own),
        (None, claimed) => claimed,
    };
    if role.is_tenant_bound() && organization.is_none() {
        return Err(Refused("an organization member's token must name the organization"));
    }
    let subject = match mapping.issuer {
        Some(issuer) => format!("external:{subject}@{issuer}"),
        None => format!("external:{subject}"),
    };
    Ok(Verified { subject, kind: SubjectKind::External, role, organization, scopes: None, epoch: 0 })
}

fn service_claims(claims: serde_json::Value) -> Result<Verified, Refused> {
    let claims: Claims = serde_json::from_value(claims).map_err(|_| Refused("the token's claims are malformed"))?;
    if claims.token_type != ACCESS_TOKEN_TYPE {
        return Err(Refused("the token is not an access token"));
    }
    let organization = claims
        .org
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|_| Refused("the token's organization is not an id"))?;
    let scopes = match claims.scope {
        Some(scope) => Some(
            scope
                .split_whitespace()
                .map(str::parse)
                .collect::<Result<BTreeSet<Permission>, _>>()
                .map_err(|_| Refused("the token carries an unknown scope"))?,
        ),
        None => None,
    };
    if matches!(claims.sub_kind, SubjectKind::Provisioning | SubjectKind::ProviderUser) {
        return Err(Refused("the token names a kind of caller no token is issued to"));
    }
    if claims.sub_kind == SubjectKind::ApiKey && scopes.is_none() {
        return Err(Refused("an API key's token must carry scopes"));
    }
    Ok(Verified {
        subject: claims.sub,
        kind: claims.sub_kind,
        role: claims.role,
        organization,
        scopes,
        epoch: claims.epoch.unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service() -> TokenService {
        let secret = SecretString::from("a".repeat(32));
        TokenService::new("iss".into(), "aud".into(), 60, &secret, None, None).unwrap()
    }

    #[test]
    fn issued_tokens_verify() {
        let tokens = service();
        let token = tokens.issue("user:1", SubjectKind::User, Role::Recruiter, None, None, Some(0)).unwrap();
        let verified = tokens.verify(&token).unwrap();
        assert_eq!(verified.subject, "user:1");
        assert_eq!(verified.role, Role::Recruiter);
    }

    #[test]
    fn a_remembered_token_counts_only_until_it_expires() {
        let tokens = service();
        let token = tokens.issue("user:1", SubjectKind::User, Role::Recruiter, None, None, Some(0)).unwrap();
        let verified = tokens.verify(&token).unwrap();
        assert_eq!(tokens.recent.lock().unwrap().get(&token).map(|r| &r.0), Some(&verified), "remembered");
        assert_eq!(tokens.verify(&token).unwrap(), verified);
        // Remembered past its expiry (and the leeway), a string is verified afresh: this one is no token.
        let expired = jsonwebtoken::get_current_timestamp() - LEEWAY_SECS - 1;
        tokens.recent.lock().unwrap().insert("not-a-token".into(), (verified.clone(), expired));
        assert!(tokens.verify("not-a-token").is_err());
        let unexpired = expired + 2;
        tokens.recent.lock().unwrap().insert("not-a-token".into(), (verified, unexpired));
        assert!(tokens.verify("not-a-token").is_ok(), "the expiry is what decides");
    }

    #[test]
    fn short_secrets_are_refused() {
        let short = SecretString::from("too short");
        assert!(TokenService::new("i".into(), "a".into(), 60, &short, None, None).is_err());
    }

    #[test]
    fn a_rotated_secret_still_verifies_its_tokens() {
        let old = SecretString::from("o".repeat(40));
        let new = SecretString::from("n".repeat(40));
        let before = TokenService::new("i".into(), "a".into(), 60, &old, None, None).unwrap();
        let token = before.issue("user:1", SubjectKind::User, Role::Admin, None, None, Some(0)).unwrap();
        let after = TokenService::new("i".into(), "a".into(), 60, &new, Some(&old), None).unwrap();
        assert!(after.verify(&token).is_ok());
        let without_old = TokenService::new("i".into(), "a".into(), 60, &new, None, None).unwrap();
        assert!(without_old.verify(&token).is_err());
    }
}
