//! The REST API: one module per resource, each with its handlers, request
//! and response types and routes. Routes are registered once, in
//! [`configure`], and the OpenAPI document is collected from that same
//! registration, so the two cannot drift.

pub mod candidates;
pub mod extract;
pub mod health;
pub mod needs;
pub mod organizations;
pub mod pagination;
pub mod skills;
pub mod skillsets;
mod views;

use actix_web::{App, HttpResponse};
use utoipa::openapi::response::{ResponseBuilder, Responses};
use utoipa::openapi::{ContentBuilder, OpenApi as OpenApiDoc, Ref, RefOr};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{AppExt, scope};

use crate::error::Problem;

/// Every route of the service, with its documentation.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::health).service(health::ready).service(scope::scope("/api/v1").configure(|v1| {
        organizations::routes(v1);
        skills::routes(v1);
        candidates::routes(v1);
        skillsets::routes(v1);
        needs::routes(v1);
    }));
}

/// The OpenAPI 3.1 document of the service.
pub fn openapi() -> OpenApiDoc {
    let (_, mut doc) = App::new().into_utoipa_app().openapi(ApiDoc::openapi()).configure(configure).split_for_parts();
    StandardErrors.modify(&mut doc);
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
        (name = "skills", description = "The skill taxonomy; ships with the skills of an interim CXO, extensible."),
        (name = "candidates", description = "Interim executives and their profiles."),
        (name = "skillsets", description = "Ideal skillsets: global templates and organization-owned profiles."),
        (name = "needs", description = "An organization's need for an interim executive, with its charter."),
        (name = "operations", description = "Liveness and readiness."),
    ),
    components(
        schemas(Problem),
        responses(BadRequest, NotFound, Conflict, PayloadTooLarge, UnsupportedMediaType, Unprocessable, Unavailable, InternalError)
    )
)]
struct ApiDoc;

macro_rules! problem_responses {
    ($($name:ident => $description:literal,)+) => {$(
        #[doc = $description]
        pub struct $name;

        impl<'r> utoipa::ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<utoipa::openapi::response::Response>) {
                let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build();
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
    NotFound => "No such resource (`not-found`).",
    Conflict => "The request conflicts with the current state, such as a duplicate or a record still in use (`conflict`).",
    PayloadTooLarge => "The body exceeds the size limit (`payload-too-large`).",
    UnsupportedMediaType => "The body is not sent as JSON (`unsupported-media-type`).",
    Unprocessable => "The body is well-formed but invalid; `errors` lists every invalid field (`validation-failed`).",
    Unavailable => "The database is busy or unreachable; retry after `Retry-After` seconds (`service-unavailable`).",
    InternalError => "An unexpected error; nothing internal is revealed (`internal-error`).",
}

/// Adds the errors every operation of a kind can answer, so each handler
/// documents only what is particular to it.
struct StandardErrors;

impl Modify for StandardErrors {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let versioned = path.starts_with("/api/");
            let has_path_id = path.contains('{');
            for operation in
                [&mut item.get, &mut item.post, &mut item.patch, &mut item.put, &mut item.delete].into_iter().flatten()
            {
                let has_body = operation.request_body.is_some();
                let add = |responses: &mut Responses, status: &str, name: &str| {
                    responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| Ref::from_response_name(name).into());
                };
                let responses = &mut operation.responses;
                if versioned {
                    add(responses, "400", "BadRequest");
                    if has_path_id {
                        add(responses, "404", "NotFound");
                    }
                    if has_body {
                        add(responses, "413", "PayloadTooLarge");
                        add(responses, "415", "UnsupportedMediaType");
                        add(responses, "422", "Unprocessable");
                    }
                    add(responses, "503", "Unavailable");
                }
                add(responses, "500", "InternalError");
            }
        }
    }
}

/// 201 Created with the new resource's `Location`.
pub fn created<T: serde::Serialize>(location: String, body: T) -> HttpResponse {
    HttpResponse::Created().insert_header((actix_web::http::header::LOCATION, location)).json(body)
}
