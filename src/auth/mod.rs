//! Authentication and authorization. A request's caller is a [`Principal`],
//! extracted from its bearer token; each handler states the permission it
//! needs with [`Principal::require`], next to its logic, and confines
//! organization members to their own organization with
//! [`Principal::tenant`].

pub mod oidc;
pub mod passwords;
pub mod rate_limit;
pub mod tokens;

use std::collections::BTreeSet;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};

use self::rate_limit::RateLimits;
use self::tokens::{SubjectKind, TokenService, Unverified};
use crate::AppState;
use crate::domain::OrganizationId;
use crate::domain::access::{Permission, Requirement, Role};
use crate::error::{AppError, AppResult};

/// What authentication needs at run time.
pub struct Auth {
    pub tokens: TokenService,
    pub limits: RateLimits,
    /// The SHA-256 of `SCIM_TOKEN`: what a provisioning request's bearer credential must hash to.
    pub provisioning: Option<[u8; 32]>,
}

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// `user:<id>`, `api_key:<id>` or `external:<subject>`; never personal data.
    pub subject: String,
    pub kind: SubjectKind,
    pub role: Role,
    pub organization: Option<OrganizationId>,
    /// For API keys: what the key may do, within its role.
    pub scopes: Option<BTreeSet<Permission>>,
}

impl Principal {
    pub fn may(&self, permission: Permission) -> bool {
        self.role.grants(permission) && self.scopes.as_ref().is_none_or(|s| s.contains(&permission))
    }

    /// Refuses with 403 unless the caller holds `permission`.
    pub fn require(&self, permission: Permission) -> AppResult<()> {
        if self.may(permission) { Ok(()) } else { Err(AppError::Forbidden { scope: permission.scope() }) }
    }

    /// The organization the caller is confined to; `None` for the practice's staff.
    pub fn tenant(&self) -> Option<OrganizationId> {
        if self.role.is_tenant_bound() { self.organization } else { None }
    }

    /// Whether the caller may see an object owned by `owner` (`None`: global).
    pub fn sees(&self, owner: Option<OrganizationId>) -> bool {
        match (self.tenant(), owner) {
            (None, _) | (Some(_), None) => true,
            (Some(tenant), Some(owner)) => tenant == owner,
        }
    }

    /// 404 for an object of another organization, exactly as for a missing one.
    pub fn check_sees(&self, owner: Option<OrganizationId>, what: &'static str) -> AppResult<()> {
        if self.sees(owner) { Ok(()) } else { Err(AppError::NotFound(what)) }
    }

    /// The owner a new object gets: an organization member's own organization
    /// whatever the body says (another organization looks unknown); for the
    /// practice's staff, what the body says.
    pub fn owner_for_new(&self, requested: Option<OrganizationId>) -> AppResult<Option<OrganizationId>> {
        match (self.tenant(), requested) {
            (None, requested) => Ok(requested),
            (Some(tenant), None) => Ok(Some(tenant)),
            (Some(tenant), Some(requested)) if requested == tenant => Ok(Some(tenant)),
            (Some(_), Some(_)) => {
                Err(AppError::field("organization_id", "unknown_organization", "no organization has this id"))
            }
        }
    }

    /// Refuses to change a global object (a shipped or practice-wide template)
    /// unless the caller is the practice's staff.
    pub fn check_changes_global(&self, owner: Option<OrganizationId>) -> AppResult<()> {
        match (self.tenant(), owner) {
            (Some(_), None) => Err(AppError::Forbidden { scope: "global templates belong to the practice" }),
            _ => Ok(()),
        }
    }
}

/// The token epoch of the request's token, kept beside its [`Principal`].
#[derive(Clone, Copy)]
struct TokenEpoch(i64);

/// Marks a request whose caller was found still valid in the database.
struct Confirmed;

/// The bearer token of a request, if it has one.
fn bearer(req: &HttpRequest) -> AppResult<&str> {
    let header = req.headers().get(AUTHORIZATION).ok_or(AppError::Unauthenticated(None))?;
    let value =
        header.to_str().map_err(|_| AppError::Unauthenticated(Some("the Authorization header is malformed")))?;
    let (scheme, token) = value.split_once(' ').ok_or(AppError::Unauthenticated(Some("use the Bearer scheme")))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(AppError::Unauthenticated(Some("use the Bearer scheme")));
    }
    Ok(token.trim())
}

/// Authenticates the request: verifies the token, applies the caller's rate
/// limit and, when given, checks `required`, all before any await, so these
/// answers come before the body is even read. Then checks that an API key
/// is still valid, or that a user is still as their token says, once a
/// request (the idempotency guard and the handler both ask).
fn authenticate(req: HttpRequest, required: Option<Permission>) -> impl Future<Output = AppResult<Principal>> {
    let (known, confirmed) = {
        let extensions = req.extensions();
        let known = extensions.get::<Principal>().cloned().zip(extensions.get::<TokenEpoch>().map(|e| e.0));
        (known, extensions.contains::<Confirmed>())
    };
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the application state is missing")));
    // Verified here, before any await, unless a discovered provider's keys must be fetched first.
    let verified = match (&state, &known) {
        (Ok(_), Some(_)) | (Err(_), _) => None,
        (Ok(state), None) => Some(bearer(&req).map(|token| (token.to_owned(), state.auth.tokens.verify(token)))),
    };
    let checked = match verified {
        Some(Ok((token, Err(Unverified::KeysNeeded(provider))))) => Err((state, token, provider)),
        other => Ok(admit(&req, state, known, other, required)),
    };
    async move {
        let (state, mut principal, epoch) = match checked {
            Ok(admitted) => admitted?,
            Err((state, token, provider)) => {
                provider.refresh().await;
                let state = state?;
                let verified = state.auth.tokens.verify(&token);
                admit(&req, Ok(state), None, Some(Ok((token, verified))), required)?
            }
        };
        if confirmed {
            return Ok(principal);
        }
        match principal.kind {
            SubjectKind::ApiKey => {
                // A revoked or expired key stops working at once, not when its token expires.
                let id = principal.subject.trim_start_matches("api_key:").to_owned();
                state.db.write(move |conn| crate::db::api_keys::touch(conn, &id)).await?;
            }
            SubjectKind::User => {
                // Every request sees the user as they are now, on whichever instance it lands: deleted,
                // deactivated, moved or demoted, or with a new password, their older tokens stop here. Read
                // by the request's first query (or when it made none, before its answer leaves).
                let check = standing_check(&principal, epoch);
                if let Some(check) = crate::db::deferred::defer(check) {
                    state.db.lookup(move |conn| check(conn)).await?;
                }
            }
            SubjectKind::ProviderUser => {
                // The user the provider's token names, as they are now: deactivated or deleted, refused.
                let login = principal.subject.trim_start_matches(tokens::PROVIDER_LOGIN).to_owned();
                let found = state.db.lookup(move |conn| crate::db::users::signed_in(conn, &login)).await?;
                let (id, standing) = found.filter(|(_, s)| s.active).ok_or(AppError::Unauthenticated(Some(
                    "the token names no active user of this service: provision them (SCIM) first",
                )))?;
                if principal.organization.is_some_and(|own| standing.organization_id != Some(own)) {
                    return Err(AppError::Unauthenticated(Some(
                        "the token's user belongs to another organization than its issuer's",
                    )));
                }
                principal = Principal {
                    subject: format!("user:{id}"),
                    kind: SubjectKind::ProviderUser,
                    role: standing.role,
                    organization: standing.organization_id,
                    scopes: None,
                };
                req.extensions_mut().insert(principal.clone());
                if let Some(permission) = required {
                    principal.require(permission)?;
                }
            }
            SubjectKind::External | SubjectKind::Provisioning => {}
        }
        req.extensions_mut().insert(Confirmed);
        Ok(principal)
    }
}

type Verification = AppResult<(String, Result<tokens::Verified, Unverified>)>;

/// The caller a verified token names, remembered with the request, within its rate limit and holding
/// `required`.
fn admit(
    req: &HttpRequest,
    state: AppResult<web::Data<AppState>>,
    known: Option<(Principal, i64)>,
    verified: Option<Verification>,
    required: Option<Permission>,
) -> AppResult<(web::Data<AppState>, Principal, i64)> {
    let state = state?;
    let (principal, epoch) = match (known, verified) {
        (Some(known), _) => known,
        (None, None) => return Err(AppError::Internal(anyhow::anyhow!("a request was neither known nor verified"))),
        (None, Some(verification)) => {
            let verified = match verification?.1 {
                Ok(verified) => verified,
                Err(Unverified::Refused(r)) => return Err(AppError::Unauthenticated(Some(r.0))),
                Err(Unverified::KeysNeeded(_)) => {
                    return Err(AppError::Unauthenticated(Some("the token's key id is unknown to its issuer")));
                }
            };
            let principal = Principal {
                subject: verified.subject,
                kind: verified.kind,
                role: verified.role,
                organization: verified.organization,
                scopes: verified.scopes,
            };
            req.extensions_mut().insert(principal.clone());
            req.extensions_mut().insert(TokenEpoch(verified.epoch));
            state.auth.limits.per_caller(&principal.subject)?;
            (principal, verified.epoch)
        }
    };
    // A provider's token naming a user grants what the user holds, known once they are found.
    if let Some(permission) = required
        && !principal.subject.starts_with(tokens::PROVIDER_LOGIN)
    {
        principal.require(permission)?;
    }
    Ok((state, principal, epoch))
}

/// Refuses (401) a user's token unless the user still exists, is active, and
/// holds the role, organization and token epoch the token was issued with.
fn standing_check(principal: &Principal, epoch: i64) -> crate::db::deferred::Check {
    let id = principal.subject.trim_start_matches("user:").to_owned();
    let (role, organization) = (principal.role, principal.organization);
    std::sync::Arc::new(move |conn: &mut crate::db::DbConnection| {
        let standing = crate::db::users::standing(conn, &id)?;
        let current = standing
            .is_some_and(|s| s.active && s.token_epoch == epoch && s.role == role && s.organization_id == organization);
        if current {
            Ok(())
        } else {
            Err(AppError::Unauthenticated(Some(
                "the token was revoked: its user was changed, deactivated or deleted; log in again",
            )))
        }
    })
}

/// Middleware: gives each request room for the standing check its
/// authentication defers, and runs the check itself when the request made
/// no query, answering 401 in place of what the handler answered.
pub async fn deferred_checks(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    use actix_web::ResponseError;
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let (response, finish) = crate::db::deferred::scope(next.call(req)).await;
    let response = response?.map_into_boxed_body();
    let Some(state) = state else { return Ok(response) };
    match finish.verdict(&state.db).await {
        Ok(()) => Ok(response),
        Err(error) => {
            let (request, _) = response.into_parts();
            Ok(actix_web::dev::ServiceResponse::new(request, error.error_response()))
        }
    }
}

/// Any authenticated caller.
impl FromRequest for Principal {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(authenticate(req.clone(), None))
    }
}

/// A caller holding the permission `P`; anyone else is answered 403 (or 401).
pub struct Allowed<P: Requirement>(pub Principal, PhantomData<P>);

impl<P: Requirement> std::ops::Deref for Allowed<P> {
    type Target = Principal;

    fn deref(&self) -> &Principal {
        &self.0
    }
}

impl<P: Requirement + 'static> FromRequest for Allowed<P> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let principal = authenticate(req.clone(), Some(P::PERMISSION));
        Box::pin(async move { Ok(Allowed(principal.await?, PhantomData)) })
    }
}

impl Auth {
    /// Reads the keys and limits from the configuration; a missing
    /// `JWT_SECRET` gets a random one, with a warning.
    pub fn from_config(config: &crate::config::AuthConfig) -> anyhow::Result<Self> {
        use secrecy::SecretString;
        let secret = match &config.jwt_secret {
            Some(secret) => SecretString::from(secret.expose().to_owned()),
            None => {
                tracing::warn!("JWT_SECRET is not set: using a random secret; tokens will not survive a restart");
                passwords::generate(64)
            }
        };
        let previous = config.jwt_previous_secret.as_ref().map(|s| SecretString::from(s.expose().to_owned()));
        let external = match &config.jwt_public_key_pem {
            None => None,
            Some(first) => {
                let mut keys =
                    vec![tokens::ExternalKey { pem: read_pem(first)?, kid: config.jwt_public_key_kid.clone() }];
                if let Some(next) = &config.jwt_next_public_key_pem {
                    keys.push(tokens::ExternalKey {
                        pem: read_pem(next)?,
                        kid: config.jwt_next_public_key_kid.clone(),
                    });
                }
                let algorithm = match config.jwt_public_key_algorithm.as_str() {
                    "ES256" => jsonwebtoken::Algorithm::ES256,
                    "EdDSA" => jsonwebtoken::Algorithm::EdDSA,
                    _ => jsonwebtoken::Algorithm::RS256,
                };
                Some(tokens::ExternalProvider {
                    algorithm,
                    keys,
                    role_claim: config.jwt_role_claim.clone(),
                    org_claim: config.jwt_org_claim.clone(),
                })
            }
        };
        let providers = config
            .oidc_issuers
            .0
            .iter()
            .map(|issuer| oidc::Provider::new(issuer.clone(), &config.jwt_audience).map(std::sync::Arc::new))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let tokens = TokenService::new(
            config.jwt_issuer.clone(),
            config.jwt_audience.clone(),
            config.token_ttl_secs,
            &secret,
            previous.as_ref(),
            external,
        )?
        .with_providers(providers);
        let provisioning = match &config.scim_token {
            None => None,
            Some(token) => {
                anyhow::ensure!(token.expose().chars().count() >= 32, "SCIM_TOKEN must be at least 32 characters long");
                Some(digest(token.expose()))
            }
        };
        Ok(Auth {
            tokens,
            limits: RateLimits::new(config.rate_limit_per_minute, config.token_rate_limit_per_minute),
            provisioning,
        })
    }
}

fn digest(secret: &str) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(secret.as_bytes()).into()
}

/// The caller of a SCIM request: the identity provider, by `SCIM_TOKEN`, or an admin (`users:manage`) by
/// their own token. The SCIM credential opens `/scim/v2` and nothing else: it is not a token, and no other
/// extractor accepts it.
pub struct Provisioner(pub Principal);

impl FromRequest for Provisioner {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>();
        let expected = state.and_then(|s| s.auth.provisioning);
        // Compared as digests: the time taken says nothing of the credential.
        if let (Some(expected), Ok(token)) = (expected, bearer(req))
            && digest(token) == expected
        {
            let principal = Principal {
                subject: "scim".into(),
                kind: SubjectKind::Provisioning,
                role: Role::Admin,
                organization: None,
                scopes: Some(BTreeSet::from([Permission::UsersManage])),
            };
            let limited = state.map_or(Ok(()), |s| s.auth.limits.per_caller(&principal.subject));
            req.extensions_mut().insert(principal.clone());
            return Box::pin(std::future::ready(limited.map(|()| Provisioner(principal))));
        }
        let principal = authenticate(req.clone(), Some(Permission::UsersManage));
        Box::pin(async move { Ok(Provisioner(principal.await?)) })
    }
}

/// PEM text as given, or read from the file it names.
fn read_pem(value: &str) -> anyhow::Result<String> {
    use anyhow::Context;
    if value.trim_start().starts_with("-----BEGIN") {
        Ok(value.replace("\\n", "\n"))
    } else {
        std::fs::read_to_string(value).with_context(|| format!("reading the public key file {value}"))
    }
}

/// Creates the first admin when no user exists: from `BOOTSTRAP_ADMIN_EMAIL`
/// and `BOOTSTRAP_ADMIN_PASSWORD`, or with a generated password printed once.
pub fn bootstrap_admin(db: &crate::db::Database, config: &crate::config::AuthConfig) -> anyhow::Result<()> {
    use secrecy::{ExposeSecret, SecretString};
    let email =
        config.bootstrap_admin_email.clone().unwrap_or_else(|| "admin@interim-tracker.local".into()).to_lowercase();
    let (password, generated) = match &config.bootstrap_admin_password {
        Some(p) => (SecretString::from(p.expose().to_owned()), false),
        None => (passwords::generate(20), true),
    };
    let created = db
        .write_blocking(|conn| {
            if crate::db::users::count(conn)? > 0 {
                return Ok(false);
            }
            let user = crate::domain::access::User {
                email: email.clone(),
                display_name: Some("Administrator".into()),
                role: Role::Admin,
                organization_id: None,
                active: true,
            };
            crate::db::users::insert(conn, &user, passwords::hash(&password)?)?;
            Ok(true)
        })
        .map_err(|e| anyhow::anyhow!("creating the first admin: {e}"))?;
    if created {
        tracing::info!(%email, "created the first admin");
        if generated {
            // Printed once, on the terminal only: it is not kept anywhere else.
            eprintln!(
                "\n  First start: an admin was created.\n    e-mail:   {email}\n    password: {}\n  \
                 Log in with Swagger UI's Authorize button, or POST /api/v1/auth/token.\n",
                password.expose_secret()
            );
        }
    }
    Ok(())
}
