//! The REST API: one module per resource, each with its handlers, request
//! and response types and routes. Routes are registered once, in
//! [`configure`], and the OpenAPI document is collected from that same
//! registration, so the two cannot drift.

pub mod api_keys;
pub mod assignments;
pub mod audit;
pub mod auth;
pub mod candidates;
pub mod changes;
pub mod custom_fields;
pub mod documents;
pub mod duplicates;
pub mod exchange_rates;
pub mod extract;
pub mod health;
pub mod idempotency;
pub mod import;
pub mod matches;
pub mod needs;
pub mod notes;
pub mod occupations;
pub mod organizations;
pub mod pagination;
pub mod pipeline;
pub mod pipeline_reasons;
pub mod preconditions;
pub mod privacy;
pub mod progress;
pub mod rendered;
pub mod reports;
mod response_headers;
mod schema_shapes;
pub mod scim;
pub mod skills;
pub mod skillsets;
pub mod tags;
pub mod taxonomy;
pub mod users;
mod views;
pub mod webhooks;

use actix_web::{App, HttpResponse};
use utoipa::openapi::response::{ResponseBuilder, Responses};
use utoipa::openapi::{ContentBuilder, OpenApi as OpenApiDoc, Ref, RefOr};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{AppExt, scope};

use crate::error::{AppError, Problem};

/// Every route of the service, with its documentation.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::health).service(health::ready).service(health::metrics).service(
        scope::scope("/api/v1").configure(|v1| {
            auth::routes(v1);
            organizations::routes(v1);
            skills::routes(v1);
            tags::routes(v1);
            duplicates::routes(v1);
            candidates::routes(v1);
            privacy::routes(v1);
            documents::routes(v1);
            skillsets::routes(v1);
            occupations::routes(v1);
            needs::routes(v1);
            matches::routes(v1);
            pipeline_reasons::routes(v1);
            pipeline::routes(v1);
            assignments::routes(v1);
            progress::routes(v1);
            reports::routes(v1);
            users::routes(v1);
            api_keys::routes(v1);
            audit::routes(v1);
            changes::routes(v1);
            custom_fields::routes(v1);
            notes::routes(v1);
            webhooks::routes(v1);
            exchange_rates::routes(v1);
        }),
    );
    cfg.service(scope::scope("/scim/v2").configure(scim::routes));
}

/// The OpenAPI 3.1 document of the service. A JSON value, not utoipa's
/// `OpenApi`: that type would drop the rules across fields (`if`, `anyOf`, …)
/// `schema_shapes` adds to object schemas.
pub fn openapi() -> serde_json::Value {
    let (_, mut doc) = App::new().into_utoipa_app().openapi(ApiDoc::openapi()).configure(configure).split_for_parts();
    StandardErrors.modify(&mut doc);
    let mut doc = schema_shapes::reshape(doc);
    response_headers::declare(&mut doc);
    doc
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "interim-tracker",
        description = "Track interim executives (an interim Chief Experience Officer, CFO, COO …), the ideal \
            skillsets organizations need, their open needs and the interim assignments that fill them.\n\n\
            Conventions: everything under `/api/v1` is JSON; lists page with an opaque `cursor` (at most 200 \
            items a page); `PATCH` takes a JSON Merge Patch (RFC 7396); creation answers 201 with `Location`; \
            every error is `application/problem+json` (RFC 9457) with a stable `type`.",
        license(name = "MIT")
    ),
    tags(
        (name = "organizations", description = "Client organizations: the unit of tenancy."),
        (name = "skills", description = "The skill taxonomy; ships with the skills of an interim CXO, extensible, and takes ESCO's files in bulk."),
        (name = "occupations", description = "Occupations of a taxonomy (ESCO) with the skills each needs; a skillset can be made from one."),
        (name = "candidates", description = "Interim executives and their profiles."),
        (name = "duplicates", description = "Possible duplicates among candidates (the same e-mail or phone, or alike names in one city), a review list, and merges that lose nothing."),
        (name = "documents", description = "Documents of candidates (CV, cover letter, references, contract, NDA) and of assignments (contract, statement of work): uploaded as they are, typed from their bytes, their text kept for search."),
        (name = "skillsets", description = "Ideal skillsets: global templates and organization-owned profiles."),
        (name = "needs", description = "An organization's need for an interim executive, with its charter."),
        (name = "notes", description = "Notes on candidates, needs and assignments, kept for the practice or shared with an organization, and the timelines of candidates and needs."),
        (name = "pipeline", description = "Candidates considered for a need: stages, history with who moved them, notes, and the practice's list of reasons a candidacy ends for."),
        (name = "assignments", description = "Interim assignments: terms, status, extensions, roadmap milestones, check-ins, hand-over."),
        (name = "reports", description = "Assignments ending soon, time to fill, success-criteria progress, open needs, placements, why candidacies end."),
        (name = "matching", description = "Explainable ranking of candidates for needs, and of needs for candidates."),
        (name = "auth", description = "Tokens (the OAuth2 token endpoint) and the caller's identity."),
        (name = "users", description = "People who log in; admins only."),
        (name = "scim", description = "SCIM 2.0 (RFC 7643, RFC 7644) for identity providers (Okta, Entra ID): users and the groups that grant them a role, with `SCIM_TOKEN`. Answers are `application/scim+json`, errors SCIM's own."),
        (name = "api-keys", description = "API keys for integration scripts; admins only."),
        (name = "audit", description = "The audit log of writes and refused attempts; admins only."),
        (name = "privacy", description = "Candidates' consents, the export of everything held about a candidate, and erasure."),
        (name = "custom-fields", description = "Typed fields the practice defines on candidates, needs and assignments (for every organization, or for one); records carry their values in `custom_fields`, lists filter by them."),
        (name = "changes", description = "The change feed: every create, update and delete in commit order, deletions included, for syncs that must not keep what is gone."),
        (name = "webhooks", description = "Signed event deliveries to your systems, with retries, a delivery log and redelivery."),
        (name = "exchange-rates", description = "The dated exchange rates the practice maintains, and conversions with them; matching uses them to compare day rates and budgets in different currencies."),
        (name = "operations", description = "Liveness and readiness."),
    ),
    components(
        // Enums only used as query parameters are referenced, so they must be listed.
        schemas(Problem, crate::domain::skillset::SkillsetScope, audit::Outcome, taxonomy::Layout, candidates::OnDuplicates,
            crate::domain::document::CandidateDocumentKind, crate::domain::document::AssignmentDocumentKind),
        responses(BadRequest, Unauthorized, Forbidden, NotFound, Conflict, Gone, PreconditionFailed, PayloadTooLarge,
            UnsupportedMediaType, Unprocessable, PreconditionRequired, TooManyRequests, Unavailable, InternalError)
    )
)]
struct ApiDoc;

macro_rules! problem_responses {
    ($($name:ident => $description:literal, $example:expr;)+) => {$(
        #[doc = $description]
        pub struct $name;

        impl<'r> utoipa::ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<utoipa::openapi::response::Response>) {
                // Each status shows a body it is really answered with, made by the same code.
                let example: AppError = $example;
                let content = ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .example(serde_json::to_value(example.problem()).ok())
                    .build();
                let response = ResponseBuilder::new()
                    .description($description)
                    .content("application/problem+json", content)
                    .build();
                (stringify!($name), RefOr::T(response))
            }
        }
    )+};
}

problem_responses! {
    BadRequest => "The request is malformed: a query parameter, cursor or body that cannot be read (`malformed-body`, `invalid-query`).",
        AppError::InvalidQuery("the cursor is not valid for this list".into());
    Unauthorized => "No valid access token (`unauthenticated`); `WWW-Authenticate` says why.",
        AppError::Unauthenticated(Some("the token has expired"));
    Forbidden => "The caller's role or scopes do not allow this (`forbidden`).",
        AppError::Forbidden { scope: "needs:write" };
    NotFound => "No such resource, or one of another organization (`not-found`).",
        AppError::NotFound("need");
    TooManyRequests => "Rate limit reached; retry after `Retry-After` seconds (`rate-limited`).",
        AppError::TooManyRequests { retry_after_secs: 12 };
    Gone => "What was asked for is no longer kept, such as a change-feed position older than the changes kept (`gone`).",
        AppError::Gone("The changes after 1042 are no longer kept (the feed keeps what happened after 5120): sync again from the lists, then follow the feed from the `next_since` of `since=now`.".into());
    PreconditionFailed => "`If-Match` names a version that is no longer current (`precondition-failed`): read again, reapply.",
        AppError::PreconditionFailed;
    PreconditionRequired => "The change lacks `If-Match` (`precondition-required`): send the `ETag` you read.",
        AppError::PreconditionRequired;
    Conflict => "The request conflicts with the current state, such as a duplicate or a record still in use (`conflict`).",
        AppError::Conflict("A record with the same unique value already exists.".into());
    PayloadTooLarge => "The body exceeds the size limit (`payload-too-large`).",
        AppError::PayloadTooLarge { limit: extract::DEFAULT_BODY_LIMIT };
    UnsupportedMediaType => "The body is not sent as JSON (`unsupported-media-type`).",
        AppError::UnsupportedMediaType("Send the body as application/json (got text/plain).".into());
    Unprocessable => "The body is well-formed but invalid; `errors` lists every invalid field (`validation-failed`).",
        AppError::field("skills[0].level", "out_of_range", "must be between 1 and 5");
    Unavailable => "The database is busy or unreachable; retry after `Retry-After` seconds (`service-unavailable`).",
        AppError::Unavailable(String::new());
    InternalError => "An unexpected error; nothing internal is revealed (`internal-error`).",
        AppError::Internal(anyhow::anyhow!("never shown"));
}

/// Adds the errors every operation of a kind can answer, so each handler
/// documents only what is particular to it (its success and the headers that
/// come with it are its own); declares the security schemes, and says under
/// each secured operation who may call it, from the scope it requires and
/// the roles that grant it.
struct StandardErrors;

const OAUTH2: &str = "oauth2";
const BEARER: &str = "bearer";
const SCIM: &str = "scim";

fn who_may_call(scopes: &[String]) -> String {
    use crate::domain::access::{Permission, Role};
    let required: Vec<Permission> = scopes.iter().filter_map(|s| s.parse().ok()).collect();
    if required.is_empty() {
        return "**Who may call:** any authenticated caller.".to_owned();
    }
    let roles: Vec<&str> =
        Role::ALL.iter().filter(|r| required.iter().all(|p| r.grants(*p))).map(Role::as_str).collect();
    let members = if required.iter().all(|p| Role::OrgMember.grants(*p)) {
        " (organization members: their own organization's objects only)"
    } else {
        ""
    };
    let keys = required.iter().map(|p| format!("`{}`", p.scope())).collect::<Vec<_>>().join(" and ");
    let noun = if required.len() == 1 { "scope" } else { "scopes" };
    format!("**Who may call:** {}{members}; API keys with {noun} {keys}.", roles.join(", "))
}

fn security_schemes(openapi: &mut OpenApiDoc) {
    use crate::domain::access::Permission;
    use utoipa::openapi::security::{Flow, HttpAuthScheme, HttpBuilder, OAuth2, Password, Scopes, SecurityScheme};
    // Swagger UI shows each scope's name, then its description: the name again would read twice.
    let scopes = Scopes::from_iter(Permission::ALL.iter().map(|p| (p.scope().to_owned(), p.description().to_owned())));
    let components = openapi.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        OAUTH2,
        SecurityScheme::OAuth2(OAuth2::with_description(
            [Flow::Password(Password::new("/api/v1/auth/token", scopes))],
            "Log in with your e-mail and password (Swagger UI: Authorize). Scopes are ignored for people: a \
             token carries the caller's role.",
        )),
    );
    components.add_security_scheme(
        BEARER,
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some(
                    "An access token from POST /api/v1/auth/token, or from the configured identity provider.",
                ))
                .build(),
        ),
    );
    components.add_security_scheme(
        SCIM,
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "The identity provider's SCIM credential, configured as `SCIM_TOKEN`: it opens `/scim/v2` only.",
                ))
                .build(),
        ),
    );
}

impl Modify for StandardErrors {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        use utoipa::openapi::security::SecurityRequirement;
        security_schemes(openapi);
        for (path, item) in openapi.paths.paths.iter_mut() {
            let versioned = path.starts_with("/api/");
            let has_path_id = path.contains('{');
            let operations = [
                ("get", &mut item.get),
                ("post", &mut item.post),
                ("put", &mut item.put),
                ("patch", &mut item.patch),
                ("delete", &mut item.delete),
            ];
            for (method, operation) in operations.into_iter().filter_map(|(m, op)| op.as_mut().map(|op| (m, op))) {
                let has_body = operation.request_body.is_some();
                let idempotent =
                    versioned && method == "post" && !path.ends_with("/auth/token") && !extract::is_import(path);
                if idempotent {
                    let key = utoipa::openapi::path::ParameterBuilder::new()
                        .name("Idempotency-Key")
                        .parameter_in(utoipa::openapi::path::ParameterIn::Header)
                        .required(utoipa::openapi::Required::False)
                        .description(Some(
                            "Makes the request safe to retry: the first response to your key is kept 24 hours and \
                             replayed (with `Idempotent-Replayed: true`); the same key with another body answers 422, \
                             and while the first request runs, 409.",
                        ))
                        .schema(Some(
                            utoipa::openapi::schema::ObjectBuilder::new()
                                .schema_type(utoipa::openapi::schema::Type::String)
                                .min_length(Some(1))
                                .max_length(Some(255))
                                .pattern(Some(r"^[\x21-\x7e]+$")),
                        ))
                        .build();
                    operation.parameters.get_or_insert_with(Vec::new).push(RefOr::T(key));
                }
                if versioned && has_path_id && matches!(method, "patch" | "delete") {
                    let if_match = utoipa::openapi::path::ParameterBuilder::new()
                        .name("If-Match")
                        .parameter_in(utoipa::openapi::path::ParameterIn::Header)
                        .required(utoipa::openapi::Required::True)
                        .description(Some(
                            "The `ETag` of the version the change is made against, as read (such as `\"v3\"`), or \
                             `*` for whatever version is current. Missing: 428; another version: 412.",
                        ))
                        .schema(Some(
                            utoipa::openapi::schema::ObjectBuilder::new()
                                .schema_type(utoipa::openapi::schema::Type::String)
                                // RFC 9110's entity-tag list; weak tags are allowed but never match.
                                .pattern(Some(r#"^(\*|(W/)?"[\x21\x23-\x7e]*"( *, *(W/)?"[\x21\x23-\x7e]*")*)$"#))
                                .examples(["\"v1\""]),
                        ))
                        .build();
                    operation.parameters.get_or_insert_with(Vec::new).push(RefOr::T(if_match));
                }
                // A handler declares `oauth2` with the scopes it requires (all of them); a plain bearer token
                // works the same.
                let scopes = operation.security.as_ref().and_then(|requirements| {
                    let value = serde_json::to_value(requirements).ok()?;
                    let scopes = value.get(0)?.get(OAUTH2)?.as_array()?.clone();
                    Some(scopes.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect::<Vec<String>>())
                });
                let secured = scopes.is_some();
                // Public: said outright, so a client never sends (or a generator never asks for) a token.
                if !secured {
                    operation.security = Some(Vec::new());
                }
                let provisioning = path.starts_with("/scim/");
                if let Some(scopes) = scopes {
                    let mut requirements = vec![
                        SecurityRequirement::new(OAUTH2, scopes.clone()),
                        SecurityRequirement::new(BEARER, scopes.clone()),
                    ];
                    let mut who = who_may_call(&scopes);
                    if provisioning {
                        requirements.insert(0, SecurityRequirement::new(SCIM, Vec::<String>::new()));
                        who = "**Who may call:** the identity provider, with `SCIM_TOKEN`; admins, with their own \
                               token."
                            .to_owned();
                    }
                    operation.security = Some(requirements);
                    operation.description = Some(match operation.description.take() {
                        Some(d) if !d.is_empty() => format!("{d}\n\n{who}"),
                        _ => who,
                    });
                }
                let add = |responses: &mut Responses, status: &str, name: &str| {
                    responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| Ref::from_response_name(name).into());
                };
                let responses = &mut operation.responses;
                // A POST may collide with a record or an in-flight retry; a DELETE may find the record in use.
                if versioned && ((method == "post" && !path.ends_with("/auth/token")) || method == "delete") {
                    add(responses, "409", "Conflict");
                }
                // Single resources carry their version as an ETag; changes must name it.
                if versioned && has_path_id && matches!(method, "patch" | "delete") {
                    add(responses, "412", "PreconditionFailed");
                    add(responses, "428", "PreconditionRequired");
                }
                if secured {
                    add(responses, "401", "Unauthorized");
                    add(responses, "403", "Forbidden");
                    add(responses, "429", "TooManyRequests");
                }
                if versioned {
                    add(responses, "400", "BadRequest");
                    if has_path_id {
                        add(responses, "404", "NotFound");
                    }
                    if has_body {
                        add(responses, "413", "PayloadTooLarge");
                        add(responses, "415", "UnsupportedMediaType");
                    }
                    if has_body || idempotent {
                        // An Idempotency-Key reused for another request is 422 too.
                        add(responses, "422", "Unprocessable");
                    }
                    add(responses, "503", "Unavailable");
                }
                add(responses, "500", "InternalError");
            }
        }
    }
}

/// The documented paths and their methods, to tell 405 from 404.
pub struct RouteTable(Vec<(Vec<String>, Vec<&'static str>)>);

impl RouteTable {
    pub fn from_spec(spec: &serde_json::Value) -> Self {
        let routes = spec["paths"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(path, item)| {
                let methods = ["GET", "POST", "PUT", "PATCH", "DELETE"];
                let segments = path.split('/').map(str::to_owned).collect();
                (segments, methods.into_iter().filter(|m| item.get(m.to_ascii_lowercase()).is_some()).collect())
            })
            .collect();
        RouteTable(routes)
    }

    /// The methods of the documented path `path` matches, if any. A path
    /// such as `/candidates/export` matches `/candidates/{id}` too; the
    /// template with the most literal segments names it.
    pub fn methods(&self, path: &str) -> Option<Vec<&'static str>> {
        let segments: Vec<&str> = path.split('/').collect();
        let matching = self.0.iter().filter(|(template, _)| {
            template.len() == segments.len()
                && template.iter().zip(&segments).all(|(t, s)| (t.starts_with('{') && !s.is_empty()) || t == s)
        });
        let literal = |template: &[String]| template.iter().filter(|t| !t.starts_with('{')).count();
        let most_literal = matching.clone().map(|(template, _)| literal(template)).max()?;
        let mut found: Option<Vec<&'static str>> = None;
        for (template, methods) in matching {
            if literal(template) == most_literal {
                let all = found.get_or_insert_with(Vec::new);
                for method in methods {
                    if !all.contains(method) {
                        all.push(method);
                    }
                }
            }
        }
        found
    }
}

/// 201 Created with the new resource's `Location` and `ETag`.
pub fn created<T: serde::Serialize>(location: String, version: i64, body: T) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((actix_web::http::header::LOCATION, location))
        .insert_header((actix_web::http::header::ETAG, preconditions::etag(version)))
        .json(body)
}
