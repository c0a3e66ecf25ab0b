//! `/scim/v2`: SCIM 2.0 (RFC 7643, RFC 7644), by which an identity provider
//! (Okta, Entra ID …) creates, changes, deactivates and deletes the people
//! who log in, and the groups that give them their role and organization.
//!
//! SCIM speaks its own media type, `application/scim+json`, and its own
//! error document: every answer here, refusals included, is SCIM's, mapped
//! from the service's one error type in [`ScimError`].

mod discovery;
mod groups;
mod users;

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, ETAG};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::preconditions::etag;
use crate::domain::scim::{self as rules, Refusal};
use crate::error::AppError;

pub const MEDIA_TYPE: &str = "application/scim+json";
/// Most resources a list answers at once (`count`), as `ServiceProviderConfig` says.
pub const MAX_RESULTS: i64 = 200;
/// Largest body a SCIM request may send.
const MAX_BODY: usize = 1024 * 1024;

pub fn routes(cfg: &mut ServiceConfig) {
    discovery::routes(cfg);
    users::routes(cfg);
    groups::routes(cfg);
}

/// A SCIM error (RFC 7644 §3.12).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ScimError, example = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "409", "scimType": "uniqueness", "detail": "Another user has this userName or e-mail address."}))]
pub struct ScimErrorBody {
    pub schemas: Vec<String>,
    /// The HTTP status, as a string.
    pub status: String,
    /// `invalidFilter`, `invalidSyntax`, `invalidPath`, `invalidValue`, `noTarget`, `uniqueness`, `tooMany`, `mutability`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scim_type: Option<String>,
    pub detail: String,
}

/// Any refusal or failure of a SCIM request, answered as SCIM's error document.
#[derive(Debug)]
pub struct ScimError {
    status: StatusCode,
    scim_type: Option<&'static str>,
    detail: String,
    /// The service's error, kept for its headers (`Retry-After`, `WWW-Authenticate`) and its log.
    source: Option<AppError>,
}

impl std::fmt::Display for ScimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.detail)
    }
}

impl From<Refusal> for ScimError {
    fn from(r: Refusal) -> Self {
        ScimError { status: StatusCode::BAD_REQUEST, scim_type: Some(r.scim_type), detail: r.detail, source: None }
    }
}

impl From<AppError> for ScimError {
    fn from(error: AppError) -> Self {
        let status = error.status_code();
        let (scim_type, detail) = match &error {
            AppError::Validation(errors) => {
                let first = errors.first();
                // The store's SCIM refusals keep their scimType as the code of the field `scim`.
                let scim_type = match first {
                    Some(e) if e.field == "scim" => e.code,
                    _ => "invalidValue",
                };
                let detail = errors
                    .iter()
                    .map(|e| if e.field == "scim" { e.message.clone() } else { format!("{}: {}", e.field, e.message) })
                    .collect::<Vec<_>>()
                    .join("; ");
                return ScimError { status: StatusCode::BAD_REQUEST, scim_type: Some(scim_type), detail, source: None };
            }
            AppError::InvalidQuery(d) => (Some("invalidFilter"), d.clone()),
            AppError::MalformedBody(d) => (Some("invalidSyntax"), d.clone()),
            AppError::Conflict(d) => (Some("uniqueness"), d.clone()),
            AppError::NotFound("route") => (None, "No such resource: see /scim/v2/ResourceTypes.".into()),
            AppError::NotFound(what) => (None, format!("No {what} has this id.")),
            other => (None, other.problem().detail),
        };
        let status = match error {
            AppError::InvalidQuery(_) | AppError::MalformedBody(_) => StatusCode::BAD_REQUEST,
            _ => status,
        };
        ScimError { status, scim_type, detail, source: Some(error) }
    }
}

impl ResponseError for ScimError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        // The service's own answer first, for its headers and its logging of a failure.
        let mut response = match &self.source {
            Some(source) => {
                let mut r = source.error_response();
                *r.status_mut() = self.status;
                r.drop_body().map_into_boxed_body()
            }
            None => HttpResponse::new(self.status),
        };
        let body = ScimErrorBody {
            schemas: vec![rules::ERROR.into()],
            status: self.status.as_u16().to_string(),
            scim_type: self.scim_type.map(str::to_owned),
            detail: self.detail.clone(),
        };
        response.headers_mut().insert(CONTENT_TYPE, actix_web::http::header::HeaderValue::from_static(MEDIA_TYPE));
        response.set_body(actix_web::body::BoxBody::new(serde_json::to_vec(&body).unwrap_or_default()))
    }
}

pub type ScimResult<T> = Result<T, ScimError>;

/// The answer to a request refused before any handler ran (a query with control characters, a method the
/// path does not take): SCIM's error document under `/scim/`, the problem document elsewhere.
pub fn refusal(path: &str, error: AppError) -> HttpResponse {
    if path.starts_with("/scim/") { ScimError::from(error).error_response() } else { error.error_response() }
}

/// A SCIM answer: `application/scim+json`, with the resource's `ETag` when it has a version.
fn answer(status: StatusCode, body: &Value, version: Option<i64>, location: Option<&str>) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response.content_type(MEDIA_TYPE);
    if let Some(version) = version {
        response.insert_header((ETAG, etag(version)));
    }
    if let Some(location) = location {
        response.insert_header((actix_web::http::header::LOCATION, location.to_owned()));
    }
    response.body(serde_json::to_vec(body).unwrap_or_default())
}

/// The JSON of a request body: `application/scim+json` or `application/json`, an object, at most 1 MiB.
async fn body(req: &HttpRequest, payload: actix_web::web::Payload) -> ScimResult<Value> {
    let json = req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_none_or(|v| {
        let essence = v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        essence == MEDIA_TYPE || essence == "application/json"
    });
    if !json {
        return Err(AppError::UnsupportedMediaType("Send application/scim+json (or application/json).".into()).into());
    }
    let bytes = payload.to_bytes_limited(MAX_BODY).await.map_err(|_| AppError::PayloadTooLarge { limit: MAX_BODY })?;
    let bytes = bytes.map_err(|e| AppError::MalformedBody(format!("The body could not be read: {e}.")))?;
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|e| Refusal { scim_type: "invalidSyntax", detail: format!("The body is not JSON: {e}.") })?;
    if !value.is_object() {
        return Err(Refusal { scim_type: "invalidSyntax", detail: "The body is a JSON object.".into() }.into());
    }
    Ok(value)
}

/// The query of a list: a filter, the page, and which attributes to answer.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `eq` clauses joined by `and`, such as `userName eq "jane.doe@client.example"`.
    #[param(example = "userName eq \"jane.doe@client.example\"", max_length = 1000)]
    pub filter: Option<String>,
    /// The 1-based index of the first result (1 by default; below 1 is taken as 1, RFC 7644 §3.4.2.4).
    #[param(value_type = Option<i64>)]
    pub start_index: Option<String>,
    /// How many results to answer, at most 200 (100 by default; more is taken as 200, below 0 as 0); 0
    /// answers only `totalResults`.
    #[param(value_type = Option<i64>)]
    pub count: Option<String>,
    /// Comma-separated attributes to answer (besides `id`, `schemas` and `meta`).
    #[param(max_length = 1000)]
    pub attributes: Option<String>,
    /// Comma-separated attributes to leave out, such as `members`.
    #[param(max_length = 1000)]
    pub excluded_attributes: Option<String>,
}

/// What a list asks for, checked.
struct Listing {
    clauses: Vec<rules::Clause>,
    start: i64,
    count: i64,
    attributes: Vec<String>,
    excluded: Vec<String>,
}

impl Listing {
    fn parse(req: &HttpRequest) -> ScimResult<Self> {
        let query: ListQuery = serde_urlencoded::from_str(req.query_string())
            .map_err(|e| AppError::InvalidQuery(format!("The query could not be read: {e}.")))?;
        let number = |name: &str, value: Option<&str>, default: i64| -> ScimResult<i64> {
            match value {
                None => Ok(default),
                Some(v) => v.trim().parse::<i64>().map_err(|_| {
                    ScimError::from(Refusal {
                        scim_type: "invalidValue",
                        detail: format!("`{name}` is a whole number"),
                    })
                }),
            }
        };
        if query.filter.as_deref().is_some_and(|f| f.chars().count() > 1000) {
            return Err(
                Refusal { scim_type: "invalidFilter", detail: "a filter has at most 1000 characters".into() }.into()
            );
        }
        for (name, value) in [("attributes", &query.attributes), ("excludedAttributes", &query.excluded_attributes)] {
            if value.as_deref().is_some_and(|v| v.chars().count() > 1000) {
                let detail = format!("`{name}` has at most 1000 characters");
                return Err(Refusal { scim_type: "invalidValue", detail }.into());
            }
        }
        let clauses = match query.filter.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
            Some(filter) => rules::parse_filter(filter)?,
            None => Vec::new(),
        };
        // RFC 7644 §3.4.2.4: a startIndex below 1 is 1, a negative count is 0; more than the most is the most.
        let start = number("startIndex", query.start_index.as_deref(), 1)?.max(1);
        let count = number("count", query.count.as_deref(), 100)?.clamp(0, MAX_RESULTS);
        let names = |v: Option<&str>| -> Vec<String> {
            v.into_iter()
                .flat_map(|v| v.split(','))
                .map(|a| a.trim().to_ascii_lowercase())
                .filter(|a| !a.is_empty())
                .collect()
        };
        Ok(Listing {
            clauses,
            start,
            count,
            attributes: names(query.attributes.as_deref()),
            excluded: names(query.excluded_attributes.as_deref()),
        })
    }

    /// Whether the answer leaves `attribute` out.
    fn leaves_out(&self, attribute: &str) -> bool {
        let attribute = attribute.to_ascii_lowercase();
        self.excluded.contains(&attribute) || (!self.attributes.is_empty() && !self.attributes.contains(&attribute))
    }

    /// A resource with only the attributes asked for (`id`, `schemas` and `meta` always).
    fn shape(&self, mut resource: Value) -> Value {
        if let Some(object) = resource.as_object_mut() {
            object.retain(|key, _| {
                matches!(key.as_str(), "id" | "schemas" | "meta") || {
                    let top = key.rsplit_once(':').map_or(key.as_str(), |(_, a)| a);
                    let asked = |a: &String| {
                        let first = a.split('.').next().unwrap_or(a);
                        first.eq_ignore_ascii_case(key)
                            || a.eq_ignore_ascii_case(key)
                            || first.eq_ignore_ascii_case(top)
                    };
                    !self.excluded.iter().any(asked)
                        && (self.attributes.is_empty() || self.attributes.iter().any(asked))
                }
            });
        }
        resource
    }

    fn answer(&self, total: i64, resources: Vec<Value>) -> HttpResponse {
        let resources: Vec<Value> = resources.into_iter().map(|r| self.shape(r)).collect();
        answer(
            StatusCode::OK,
            &json!({
                "schemas": [rules::LIST_RESPONSE],
                "totalResults": total,
                "startIndex": self.start,
                "itemsPerPage": resources.len(),
                "Resources": resources,
            }),
            None,
            None,
        )
    }
}

/// The absolute URL of `path` on this service, as `meta.location` names a resource.
fn location(req: &HttpRequest, path: &str) -> String {
    let info = req.connection_info();
    format!("{}://{}/scim/v2{path}", info.scheme(), info.host())
}

/// `meta` of a resource.
fn meta(
    req: &HttpRequest,
    resource_type: &str,
    path: &str,
    version: i64,
    created: chrono::DateTime<chrono::Utc>,
    modified: chrono::DateTime<chrono::Utc>,
) -> Value {
    json!({
        "resourceType": resource_type,
        "created": created.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "lastModified": modified.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "location": location(req, path),
        "version": etag(version),
    })
}

/// The documented list answer (RFC 7644 §3.4.2).
#[derive(Debug, Serialize, ToSchema)]
#[allow(dead_code)] // documents the shape for the spec
pub struct ListResponse {
    /// `["urn:ietf:params:scim:api:messages:2.0:ListResponse"]`
    pub schemas: Vec<String>,
    #[serde(rename = "totalResults")]
    pub total_results: i64,
    #[serde(rename = "startIndex")]
    pub start_index: i64,
    #[serde(rename = "itemsPerPage")]
    pub items_per_page: i64,
    /// Users or groups (or, for discovery, resource types and schemas).
    #[serde(rename = "Resources")]
    pub resources: Vec<serde_json::Map<String, Value>>,
}

/// A PATCH request (RFC 7644 §3.5.2).
#[derive(Debug, Serialize, ToSchema)]
#[allow(dead_code)] // documents the shape for the spec
#[schema(example = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "active", "value": false}]}))]
pub struct PatchRequest {
    pub schemas: Vec<String>,
    #[serde(rename = "Operations")]
    #[schema(min_items = 1, max_items = 1000)]
    pub operations: Vec<PatchOperation>,
}

/// One operation: `add`, `replace` or `remove` (in any case), with a `path` such as `active`,
/// `name.familyName`, `emails[type eq "work"].value` or `members[value eq "…"]`, or a `value` object
/// without a path.
#[derive(Debug, Serialize, ToSchema)]
#[allow(dead_code)] // documents the shape for the spec
pub struct PatchOperation {
    #[schema(pattern = "^([Aa][Dd][Dd]|[Rr][Ee][Pp][Ll][Aa][Cc][Ee]|[Rr][Ee][Mm][Oo][Vv][Ee])$")]
    pub op: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

/// The error answers a SCIM operation may give.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // documents the answers for the spec
pub enum ScimErrors {
    /// The request is malformed: a filter, a path or a value SCIM cannot take (`scimType` says which).
    #[response(status = 400, content_type = "application/scim+json")]
    BadRequest(ScimErrorBody),
    /// No credential, or one that is not `SCIM_TOKEN` nor a valid token.
    #[response(status = 401, content_type = "application/scim+json")]
    Unauthenticated(ScimErrorBody),
    /// A token whose caller may not manage users.
    #[response(status = 403, content_type = "application/scim+json")]
    Forbidden(ScimErrorBody),
    /// The caller's rate limit is spent: retry after `Retry-After` seconds.
    #[response(status = 429, content_type = "application/scim+json")]
    TooManyRequests(ScimErrorBody),
    /// An unexpected failure; it has been logged.
    #[response(status = 500, content_type = "application/scim+json")]
    Internal(ScimErrorBody),
}

/// The further error answers of a SCIM operation that takes a body. (An invalid value is 400
/// `invalidValue`, as SCIM says, not 422.)
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // documents the answers for the spec
pub enum ScimBodyErrors {
    /// The body exceeds 1 MiB.
    #[response(status = 413, content_type = "application/scim+json")]
    PayloadTooLarge(ScimErrorBody),
    /// The body is not `application/scim+json` (nor `application/json`).
    #[response(status = 415, content_type = "application/scim+json")]
    UnsupportedMediaType(ScimErrorBody),
}
