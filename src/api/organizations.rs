//! `/api/v1/organizations`: client organizations.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::created;
use super::extract::{JsonBody, MergePatch, invalid_param, merge, path_id};
use super::pagination::{self, PageOf, Paging};
use super::preconditions::{IfMatch, tagged};
use crate::AppState;
use crate::auth::Allowed;
use crate::db::organizations::{self as store, OrganizationFilter, OrganizationSort, StoredOrganization};
use crate::domain::access::required;
use crate::domain::codes;
use crate::domain::organization::{Organization, OrganizationSize};
use crate::domain::validation::{self, Validator};
use crate::domain::{OrganizationId, Stored};
use crate::error::{AppError, AppResult};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_organizations)
        .service(create_organization)
        .service(get_organization)
        .service(update_organization)
        .service(delete_organization);
}

/// The writable fields of an organization.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Northwind Retail", "industry": "retail", "size": "large", "region": "Benelux", "country": "NL"}))]
pub struct OrganizationInput {
    /// 1 to 200 characters.
    #[schema(format = "text", min_length = 1, max_length = 200)]
    pub name: String,
    /// Lowercase industry label, such as `retail` or `banking`.
    #[serde(default)]
    #[schema(format = "text", max_length = 100)]
    pub industry: Option<String>,
    #[serde(default)]
    pub size: Option<OrganizationSize>,
    /// Free-text region, such as `EMEA` or `Benelux`.
    #[serde(default)]
    #[schema(format = "text", max_length = 100)]
    pub region: Option<String>,
    /// ISO 3166-1 alpha-2 code of the head office.
    #[serde(default)]
    #[schema(format = "country")]
    pub country: Option<String>,
}

impl OrganizationInput {
    fn parse(&self) -> AppResult<Organization> {
        let mut v = Validator::new();
        let name = v.check("name", validation::text(&self.name, 1, 200));
        let industry = v.check("industry", validation::optional_text(self.industry.as_deref(), 100));
        let region = v.check("region", validation::optional_text(self.region.as_deref(), 100));
        let country = v.check("country", self.country.as_deref().map(codes::country).transpose());
        let org = (|| {
            Some(Organization {
                name: name?,
                industry: industry?.map(|i| i.to_lowercase()),
                size: self.size,
                region: region?,
                country: country?,
            })
        })();
        v.finish(org).map_err(AppError::Validation)
    }
}

impl From<&Organization> for OrganizationInput {
    fn from(o: &Organization) -> Self {
        OrganizationInput {
            name: o.name.clone(),
            industry: o.industry.clone(),
            size: o.size,
            region: o.region.clone(),
            country: o.country.clone(),
        }
    }
}

/// A client organization.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationView {
    #[schema(format = Uuid, example = "0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c")]
    pub id: String,
    #[serde(flatten)]
    pub fields: OrganizationInput,
    /// Grows by one with every change.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<StoredOrganization> for OrganizationView {
    fn from(s: Stored<OrganizationId, Organization>) -> Self {
        OrganizationView {
            id: s.id.to_string(),
            fields: OrganizationInput::from(&s.value),
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrganizationListQuery {
    /// Case-insensitive text the name contains.
    #[param(pattern = "^[^\\u0000-\\u001F\\u007F]*$")]
    q: Option<String>,
    #[param(pattern = "^[^\\u0000-\\u001F\\u007F]*$")]
    industry: Option<String>,
    size: Option<OrganizationSize>,
    /// ISO 3166-1 alpha-2 code.
    #[param(format = "country")]
    country: Option<String>,
    /// Only organizations changed at or after this time (RFC 3339).
    updated_since: Option<DateTime<Utc>>,
    /// `created_at` (default), `updated_at` or `name`; prefix `-` for descending.
    #[param(pattern = "^(-?(created_at|updated_at|name))?$")]
    sort: Option<String>,
    /// Page size, 1 to 200 (default 50; larger values are capped).
    #[param(minimum = 1)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page; it keeps that list's filters and sort.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    cursor: Option<String>,
    /// Also count every matching organization.
    include_total: Option<bool>,
}

/// List organizations
#[utoipa::path(security(("oauth2" = ["organizations:read"])), tag = "organizations", params(OrganizationListQuery), responses((status = 200, description = "One page of organizations; `next_cursor` leads to the next.", body = PageOf<OrganizationView>)))]
#[get("/organizations")]
async fn list_organizations(
    state: web::Data<AppState>,
    principal: Allowed<required::OrganizationsRead>,
    query: web::Query<OrganizationListQuery>,
) -> AppResult<web::Json<PageOf<OrganizationView>>> {
    let q = query.into_inner();
    let filter = OrganizationFilter {
        only: None,
        q: q.q,
        industry: q.industry,
        size: q.size,
        country: q.country.as_deref().map(codes::country).transpose().map_err(invalid_param("country"))?,
        updated_since: q.updated_since.map(|t| t.naive_utc()),
    };
    let paging =
        Paging { limit: q.limit, cursor: q.cursor.as_deref(), sort: q.sort.as_deref(), include_total: q.include_total };
    let (mut filter, request) = pagination::resolve(paging, filter, OrganizationSort::CreatedAt)?;
    // Applied after the cursor is read, so no cursor can widen it.
    filter.only = principal.tenant();
    Ok(web::Json(pagination::read_page(&state.db, filter, request, store::list, OrganizationView::from).await?))
}

/// Create an organization
#[utoipa::path(security(("oauth2" = ["organizations:manage"])), tag = "organizations", request_body = OrganizationInput,
    responses((status = 201, description = "Created; `Location` names the new organization.", body = OrganizationView,
        headers(("ETag" = String), ("Location" = String, description = "URL of the new organization")))))]
#[post("/organizations")]
async fn create_organization(
    state: web::Data<AppState>,
    _: Allowed<required::OrganizationsManage>,
    body: JsonBody<OrganizationInput>,
) -> AppResult<HttpResponse> {
    let org = body.0.parse()?;
    let stored = state.db.write(move |conn| store::insert(conn, &org)).await?;
    Ok(created(format!("/api/v1/organizations/{}", stored.id), stored.version, OrganizationView::from(stored)))
}

/// Get an organization
#[utoipa::path(security(("oauth2" = ["organizations:read"])), tag = "organizations", params(("id" = uuid::Uuid, Path, description = "Organization id")),
    responses((status = 200, description = "The organization; `ETag` is its version.", body = OrganizationView, headers(("ETag" = String)))))]
#[get("/organizations/{id}")]
async fn get_organization(
    state: web::Data<AppState>,
    principal: Allowed<required::OrganizationsRead>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: OrganizationId = path_id(&id, "organization")?;
    principal.check_sees(Some(id), "organization")?;
    let stored = state.db.lookup(move |conn| store::get(conn, id)).await?;
    Ok(tagged(stored.version, OrganizationView::from(stored)))
}

/// Update an organization
///
/// A JSON Merge Patch (RFC 7396): fields given replace the current ones, `null` clears an optional field.
#[utoipa::path(security(("oauth2" = ["organizations:write"])), tag = "organizations", params(("id" = uuid::Uuid, Path, description = "Organization id")),
    request_body(content = OrganizationInput, content_type = "application/merge-patch+json",
        example = json!({"region": "EMEA", "size": "enterprise"})),
    responses((status = 200, description = "The organization as changed; `ETag` is its new version.", body = OrganizationView, headers(("ETag" = String)))))]
#[patch("/organizations/{id}")]
async fn update_organization(
    state: web::Data<AppState>,
    principal: Allowed<required::OrganizationsWrite>,
    id: web::Path<String>,
    if_match: IfMatch,
    patch: MergePatch,
) -> AppResult<HttpResponse> {
    let id: OrganizationId = path_id(&id, "organization")?;
    principal.check_sees(Some(id), "organization")?;
    let stored = state
        .db
        .write(move |conn| {
            let current = store::get(conn, id)?;
            let next = merge(&OrganizationInput::from(&current.value), &patch.0)?.parse()?;
            // An invalid body is refused (422) whatever version it names.
            if_match.check(current.version)?;
            store::update(conn, &current, &next)
        })
        .await?;
    Ok(tagged(stored.version, OrganizationView::from(stored)))
}

/// Delete an organization
///
/// Refused with 409 while the organization still has needs or skillsets.
#[utoipa::path(security(("oauth2" = ["organizations:manage"])), tag = "organizations", params(("id" = uuid::Uuid, Path, description = "Organization id")),
    responses((status = 204, description = "Deleted."), (status = 409, response = super::Conflict)))]
#[delete("/organizations/{id}")]
async fn delete_organization(
    state: web::Data<AppState>,
    _: Allowed<required::OrganizationsManage>,
    id: web::Path<String>,
    if_match: IfMatch,
) -> AppResult<HttpResponse> {
    let id: OrganizationId = path_id(&id, "organization")?;
    state
        .db
        .write(move |conn| {
            if_match.check(store::get(conn, id)?.version)?;
            store::delete(conn, id)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
