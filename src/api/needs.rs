//! `/api/v1/needs`: an organization's need for an interim executive (a
//! mandate), with its team charter.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::created;
use super::extract::{self, JsonBody, MergePatch, invalid_param, merge, path_id};
use super::import;
use super::pagination::{self, PageOf, Paging};
use super::preconditions::{IfMatch, tagged};
use super::views::{Money, Place};
use crate::AppState;
use crate::auth::{Allowed, Principal};
use crate::db::DbConnection;
use crate::db::custom_fields;
use crate::db::needs::{self as store, NeedFilter, NeedSort, StoredNeed};
use crate::db::page::PageRequest;
use crate::domain::access::required;
use crate::domain::custom_field::{self, FieldResource};
use crate::domain::need::{Charter, Need, NeedReason, NeedStatus, RemotePolicy, SuccessCriterion, Urgency};
use crate::domain::validation::{self, Invalid, Validator, in_range};
use crate::domain::{CrisisSignal, NeedId, OrganizationId, SkillsetId, external, tag};
use crate::error::{AppError, AppResult};

pub fn routes(cfg: &mut ServiceConfig) {
    // The export before `/needs/{id}`, which would take `export` for an id.
    cfg.service(list_needs)
        .service(export_needs)
        .service(import_needs)
        .service(create_need)
        .service(get_need)
        .service(update_need)
        .service(delete_need);
}

/// A success criterion: a metric, where it stands, and where it must get to.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CriterionEntry {
    /// Unique within the need.
    #[schema(format = "text", min_length = 1, max_length = 200, example = "Net Promoter Score")]
    pub metric: String,
    #[serde(default)]
    #[schema(format = "text", max_length = 50, example = "points")]
    pub unit: Option<String>,
    #[schema(example = -12.0)]
    pub baseline: f64,
    #[schema(example = 20.0)]
    pub target: f64,
    /// How and how often it is measured.
    #[serde(default)]
    #[schema(format = "text", max_length = 500, example = "Quarterly relationship survey")]
    pub measured_by: Option<String>,
}

/// The team charter of the mandate.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CharterEntry {
    /// Roles and responsibilities.
    #[serde(default)]
    #[schema(format = "text", min_length = 1, max_length = 100)]
    pub responsibilities: Vec<String>,
    /// What the interim does.
    #[serde(default)]
    #[schema(format = "text", min_length = 1, max_length = 100)]
    pub in_scope: Vec<String>,
    /// What the interim does not do.
    #[serde(default)]
    #[schema(format = "text", min_length = 1, max_length = 100)]
    pub out_of_scope: Vec<String>,
    /// How success is measured.
    #[serde(default)]
    pub success_criteria: Vec<CriterionEntry>,
}

/// The writable fields of a need.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "organization_id": "0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c",
    "title": "Interim Chief Experience Officer",
    "reason": "crisis",
    "crisis_signals": ["negative_customer_feedback", "online_reputation_crisis"],
    "skillset_id": null,
    "start_by": "2027-01-15",
    "duration_months": 6,
    "day_rate_budget": {"amount": 1600, "currency": "EUR"},
    "location": {"city": "Amsterdam", "country": "NL"},
    "remote_policy": "hybrid",
    "urgency": "critical",
    "status": "open",
    "charter": {
        "responsibilities": ["Own the customer service strategy", "Lead the customer care and CX teams"],
        "in_scope": ["Customer service", "Review and social media response"],
        "out_of_scope": ["Product pricing"],
        "success_criteria": [
            {"metric": "Net Promoter Score", "unit": "points", "baseline": -12, "target": 20, "measured_by": "Quarterly survey"},
            {"metric": "Average review rating", "unit": "stars", "baseline": 2.1, "target": 4.0}
        ]
    },
    "tags": ["board mandate", "urgent"],
    "external_ids": {"workday": "REQ-2041"},
    "custom_fields": {"board_sponsor": "cfo"}
}))]
pub struct NeedInput {
    /// The id of this need in the client's own system (up to 100 characters), unique within the
    /// organization; imports update the need that has it.
    #[serde(default)]
    #[schema(format = "text", max_length = 100)]
    pub external_id: Option<String>,
    /// The organization with the need. Set at creation; it cannot change. Organization members
    /// may leave it out: their own organization is used.
    #[serde(default)]
    #[schema(format = Uuid)]
    pub organization_id: Option<String>,
    /// Role title, such as `Interim Chief Experience Officer`.
    #[schema(format = "text", min_length = 1, max_length = 200)]
    pub title: String,
    pub reason: NeedReason,
    /// Crisis signals observed; at least one when `reason` is `crisis`.
    #[serde(default)]
    #[schema(example = json!(["negative_customer_feedback"]))]
    pub crisis_signals: Vec<CrisisSignal>,
    /// An ideal skillset: a global template or one of the organization's own.
    #[serde(default)]
    #[schema(format = Uuid)]
    pub skillset_id: Option<String>,
    /// The date the interim must start by.
    #[serde(default)]
    pub start_by: Option<NaiveDate>,
    /// Expected duration, 1 to 60 months.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 60)]
    pub duration_months: Option<i64>,
    #[serde(default)]
    pub day_rate_budget: Option<Money>,
    #[serde(default)]
    pub location: Option<Place>,
    #[serde(default = "default_remote_policy")]
    pub remote_policy: RemotePolicy,
    #[serde(default = "default_urgency")]
    pub urgency: Urgency,
    /// Created as `draft` (default) or `open`; later moves follow the need's life cycle:
    /// draft → open | cancelled; open → on_hold | filled | cancelled; on_hold → open | cancelled; filled → open.
    #[serde(default = "default_status")]
    pub status: NeedStatus,
    #[serde(default)]
    pub charter: CharterEntry,
    /// The practice's labels: up to 20, each 1 to 50 characters without `, ; " \ < >`, kept in lowercase and
    /// sorted. Lists filter by them (`tag=`).
    #[serde(default)]
    #[schema(format = "tag", max_items = 20)]
    pub tags: Vec<String>,
    /// The need's ids in other systems, by source system (`{"workday": "W-1042"}`): up to 10 sources, each
    /// named by 1 to 40 lowercase letters, digits and `_ . -`, each id 1 to 100 characters and unique per source within the organization.
    /// A merge patch changes one source's id (`null` removes it) and leaves the others; an import adds its
    /// sources' ids to those stored.
    #[serde(default)]
    #[schema(value_type = Object, additional_properties = true)]
    pub external_ids: BTreeMap<String, String>,
    /// The values of the practice's custom fields of needs, by key (`GET /api/v1/custom-fields?resource=need`):
    /// each checked against its field's type (fields of one organization only for its needs; 422 on `custom_fields.<key>` otherwise); a required
    /// field must be given; `null` removes a value.
    #[serde(default)]
    #[schema(value_type = Object, additional_properties = true)]
    pub custom_fields: BTreeMap<String, serde_json::Value>,
}

fn default_remote_policy() -> RemotePolicy {
    RemotePolicy::Hybrid
}

fn default_urgency() -> Urgency {
    Urgency::Normal
}

fn default_status() -> NeedStatus {
    NeedStatus::Draft
}

const MAX_CHARTER_ITEMS: usize = 30;

impl NeedInput {
    /// Reads a new need: members' needs belong to their own organization.
    fn parse_new(mut self, principal: &Principal) -> AppResult<Need> {
        let requested = match &self.organization_id {
            Some(id) => Some(id.parse().map_err(|e: Invalid| AppError::field("organization_id", e.code, e.message))?),
            None => None,
        };
        self.organization_id = principal.owner_for_new(requested)?.map(|o| o.to_string());
        self.parse()
    }

    fn parse(&self) -> AppResult<Need> {
        let mut v = Validator::new();
        let organization_id = match &self.organization_id {
            Some(id) => v.check("organization_id", id.parse::<OrganizationId>()),
            None => {
                v.fail("organization_id", "required", "name the organization with the need");
                None
            }
        };
        let title = v.check("title", validation::text(&self.title, 1, 200));
        let external_id = v.check("external_id", validation::optional_text(self.external_id.as_deref(), 100));
        let mut crisis_signals = self.crisis_signals.clone();
        crisis_signals.sort();
        crisis_signals.dedup();
        if self.reason == NeedReason::Crisis && crisis_signals.is_empty() {
            v.fail("crisis_signals", "required", "a need in crisis names at least one crisis signal");
        }
        let skillset_id = v.check("skillset_id", self.skillset_id.as_deref().map(str::parse::<SkillsetId>).transpose());
        let duration =
            v.check("duration_months", self.duration_months.map(|m| in_range(m, 1, 60).map(|m| m as i32)).transpose());
        let budget = self.day_rate_budget.as_ref().map_or(Some(None), |m| m.parse(&mut v, "day_rate_budget").map(Some));
        let location = self.location.as_ref().map_or(Some(None), |p| p.parse(&mut v, "location").map(Some));

        let tags = tag::tags(&mut v, "tags", &self.tags);
        let external_ids = external::ids(&mut v, "external_ids", &self.external_ids);
        let c = &self.charter;
        let responsibilities =
            validation::labels(&mut v, "charter.responsibilities", &c.responsibilities, MAX_CHARTER_ITEMS, false);
        let in_scope = validation::labels(&mut v, "charter.in_scope", &c.in_scope, MAX_CHARTER_ITEMS, false);
        let out_of_scope =
            validation::labels(&mut v, "charter.out_of_scope", &c.out_of_scope, MAX_CHARTER_ITEMS, false);
        let mut success_criteria: Vec<SuccessCriterion> = Vec::new();
        if v.check("charter.success_criteria", validation::list_len(&c.success_criteria, MAX_CHARTER_ITEMS)).is_some() {
            for (i, entry) in c.success_criteria.iter().enumerate() {
                let field = |name: &str| format!("charter.success_criteria[{i}].{name}");
                let metric = v.check(field("metric"), validation::text(&entry.metric, 1, 200));
                let unit = v.check(field("unit"), validation::optional_text(entry.unit.as_deref(), 50));
                let measured_by =
                    v.check(field("measured_by"), validation::optional_text(entry.measured_by.as_deref(), 500));
                if let (Some(metric), Some(unit), Some(measured_by)) = (metric, unit, measured_by) {
                    if success_criteria.iter().any(|known| known.metric.eq_ignore_ascii_case(&metric)) {
                        v.fail(field("metric"), "duplicate", format!("`{metric}` is listed twice"));
                    }
                    let criterion =
                        SuccessCriterion { metric, unit, baseline: entry.baseline, target: entry.target, measured_by };
                    if v.check(field("target"), criterion.check()).is_some() {
                        success_criteria.push(criterion);
                    }
                }
            }
        }
        let need = (|| {
            Some(Need {
                external_id: external_id?,
                organization_id: organization_id?,
                title: title?,
                reason: self.reason,
                crisis_signals,
                skillset_id: skillset_id?,
                start_by: self.start_by,
                duration_months: duration?,
                day_rate_budget: budget?,
                location: location?,
                remote_policy: self.remote_policy,
                urgency: self.urgency,
                status: self.status,
                charter: Charter { responsibilities, in_scope, out_of_scope, success_criteria },
                tags: tags?,
                external_ids: external_ids?,
                // Checked against the fields' definitions where the store is at hand (`custom_fields::checked`).
                custom_fields: self.custom_fields.clone(),
            })
        })();
        v.finish(need).map_err(AppError::Validation)
    }
}

impl From<&Need> for NeedInput {
    fn from(n: &Need) -> Self {
        NeedInput {
            external_id: n.external_id.clone(),
            organization_id: Some(n.organization_id.to_string()),
            title: n.title.clone(),
            reason: n.reason,
            crisis_signals: n.crisis_signals.clone(),
            skillset_id: n.skillset_id.map(|s| s.to_string()),
            start_by: n.start_by,
            duration_months: n.duration_months.map(i64::from),
            day_rate_budget: n.day_rate_budget.map(Money::from),
            location: n.location.clone().map(Place::from),
            remote_policy: n.remote_policy,
            urgency: n.urgency,
            status: n.status,
            tags: n.tags.clone(),
            external_ids: n.external_ids.clone(),
            custom_fields: n.custom_fields.clone(),
            charter: CharterEntry {
                responsibilities: n.charter.responsibilities.clone(),
                in_scope: n.charter.in_scope.clone(),
                out_of_scope: n.charter.out_of_scope.clone(),
                success_criteria: n
                    .charter
                    .success_criteria
                    .iter()
                    .map(|c| CriterionEntry {
                        metric: c.metric.clone(),
                        unit: c.unit.clone(),
                        baseline: c.baseline,
                        target: c.target,
                        measured_by: c.measured_by.clone(),
                    })
                    .collect(),
            },
        }
    }
}

/// A need for an interim executive.
#[derive(Debug, Serialize, ToSchema)]
pub struct NeedView {
    #[schema(format = Uuid, example = "0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c")]
    pub id: String,
    #[serde(flatten)]
    pub fields: NeedInput,
    /// When the need was first opened.
    pub opened_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<StoredNeed> for NeedView {
    fn from(s: StoredNeed) -> Self {
        let (need, opened_at) = &s.value;
        NeedView {
            id: s.id.to_string(),
            fields: NeedInput::from(need),
            opened_at: *opened_at,
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NeedListQuery {
    /// Case-insensitive text the title contains.
    #[param(pattern = "^[^\\u0000-\\u001F\\u007F]*$")]
    q: Option<String>,
    #[param(format = Uuid)]
    organization_id: Option<String>,
    status: Option<NeedStatus>,
    reason: Option<NeedReason>,
    urgency: Option<Urgency>,
    /// Only needs with this crisis signal.
    crisis_signal: Option<CrisisSignal>,
    #[param(format = Uuid)]
    skillset_id: Option<String>,
    /// Only needs changed at or after this time (RFC 3339).
    updated_since: Option<DateTime<Utc>>,
    /// Only needs with every one of these tags (`,`-separated, up to 5).
    #[param(format = "tag-filter")]
    tag: Option<String>,
    /// Only the needs with this id in this source system, as `source:id` (`workday:REQ-2041`; unique within an
    /// organization).
    #[param(format = "external-ref")]
    external_ref: Option<String>,
    /// Only needs with this value of a custom field, as `key:value` (a multi-choice field: one of its options).
    #[param(format = "custom-field-filter")]
    custom_field: Option<String>,
    /// `created_at` (default), `updated_at` or `title`; prefix `-` for descending.
    #[param(pattern = "^(-?(created_at|updated_at|title))?$")]
    sort: Option<String>,
    /// Page size, 1 to 200 (default 50; larger values are capped).
    #[param(minimum = 1)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page; it keeps that list's filters and sort.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    cursor: Option<String>,
    /// Also count every matching need.
    include_total: Option<bool>,
}

/// List needs
#[utoipa::path(security(("oauth2" = ["needs:read"])), tag = "needs", params(NeedListQuery), responses((status = 200, description = "One page of needs; `next_cursor` leads to the next.", body = PageOf<NeedView>)))]
#[get("/needs")]
async fn list_needs(
    state: web::Data<AppState>,
    principal: Allowed<required::NeedsRead>,
    query: web::Query<NeedListQuery>,
) -> AppResult<web::Json<PageOf<NeedView>>> {
    let (filter, request) = listed(&principal, query.into_inner())?;
    Ok(web::Json(pagination::read_page(&state.db, filter, request, store::list, NeedView::from).await?))
}

/// Export needs (NDJSON)
///
/// Every need the filters match, one JSON object a line (`application/x-ndjson`), streamed as it is read, so
/// an export of any size holds little memory on either side. The list's filters and `sort` apply; `cursor`
/// resumes after a page of the list; `limit` and `include_total` do not apply. For nightly syncs:
/// `updated_since` with the time the previous run started.
#[utoipa::path(security(("oauth2" = ["needs:read"])), tag = "needs", params(NeedListQuery),
    responses((status = 200, description = "One `NeedView` a line.", content_type = "application/x-ndjson", body = NeedView)))]
#[get("/needs/export")]
async fn export_needs(
    state: web::Data<AppState>,
    principal: Allowed<required::NeedsRead>,
    query: web::Query<NeedListQuery>,
) -> AppResult<HttpResponse> {
    let (filter, request) = listed(&principal, query.into_inner())?;
    pagination::export(state.db.clone(), filter, request, store::list, NeedView::from).await
}

/// What a list or an export of needs asks for, confined to a member's own organization.
fn listed(principal: &Principal, q: NeedListQuery) -> AppResult<(NeedFilter, PageRequest<NeedSort>)> {
    let filter = NeedFilter {
        q: q.q,
        organization_id: q
            .organization_id
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(invalid_param("organization_id"))?,
        status: q.status,
        reason: q.reason,
        urgency: q.urgency,
        crisis_signal: q.crisis_signal,
        skillset_id: q.skillset_id.as_deref().map(str::parse).transpose().map_err(invalid_param("skillset_id"))?,
        updated_since: q.updated_since.map(|t| t.naive_utc()),
        tags: q.tag.as_deref().map(tag::filter).transpose().map_err(invalid_param("tag"))?.unwrap_or_default(),
        external_ref: q
            .external_ref
            .as_deref()
            .map(external::reference)
            .transpose()
            .map_err(invalid_param("external_ref"))?,
        custom_field: q
            .custom_field
            .as_deref()
            .map(custom_field::filter)
            .transpose()
            .map_err(invalid_param("custom_field"))?,
    };
    let paging =
        Paging { limit: q.limit, cursor: q.cursor.as_deref(), sort: q.sort.as_deref(), include_total: q.include_total };
    let (mut filter, request) = pagination::resolve(paging, filter, NeedSort::CreatedAt)?;
    // Applied after the cursor is read, so no cursor can widen it.
    if let Some(tenant) = principal.tenant() {
        filter.organization_id = Some(tenant);
    }
    Ok((filter, request))
}

/// Create a need
///
/// The organization must exist, and the skillset must be a global template or the organization's own.
#[utoipa::path(security(("oauth2" = ["needs:write"])), tag = "needs", request_body = NeedInput,
    responses((status = 201, description = "Created; `Location` names the new need.", body = NeedView,
        headers(("ETag" = String), ("Location" = String, description = "URL of the new need")))))]
#[post("/needs")]
async fn create_need(
    state: web::Data<AppState>,
    principal: Allowed<required::NeedsWrite>,
    body: JsonBody<NeedInput>,
) -> AppResult<HttpResponse> {
    let need = body.0.parse_new(&principal)?;
    ensure_initial(&need)?;
    let stored = state
        .db
        .write(move |conn| {
            let org = Some(need.organization_id);
            let values =
                custom_fields::checked(conn, FieldResource::Need, org, &need.custom_fields, &Default::default())?;
            store::insert(conn, &Need { custom_fields: values, ..need })
        })
        .await?;
    Ok(created(format!("/api/v1/needs/{}", stored.id), stored.version, NeedView::from(stored)))
}

/// Creates the need a row describes, or updates the organization's need with its external id.
fn upsert_need(
    principal: &Principal,
    conn: &mut DbConnection,
    row: serde_json::Value,
) -> AppResult<(import::RowStatus, String)> {
    let mut need = extract::from_value::<NeedInput>(row)?.parse_new(principal)?;
    let current = store::find_for_import(conn, &need)?;
    if let Some(current) = &current {
        // One source's import keeps the ids other sources gave the need.
        need.external_ids = external::combined(&current.value.0.external_ids, &need.external_ids);
    }
    let stored = current.as_ref().map(|c| c.value.0.custom_fields.clone()).unwrap_or_default();
    let org = Some(need.organization_id);
    need.custom_fields = custom_fields::checked(conn, FieldResource::Need, org, &need.custom_fields, &stored)?;
    let (status, stored) = match current {
        Some(current) if current.value.0 == need => (import::RowStatus::Unchanged, current),
        Some(current) => (import::RowStatus::Updated, store::update(conn, &current, &need)?),
        None => {
            ensure_initial(&need)?;
            (import::RowStatus::Created, store::insert(conn, &need)?)
        }
    };
    Ok((status, stored.id.to_string()))
}

fn ensure_initial(need: &Need) -> AppResult<()> {
    if need.status.is_initial() {
        Ok(())
    } else {
        Err(AppError::field("status", "invalid_initial_status", "a need is created as `draft` or `open`"))
    }
}

/// How CSV columns map onto [`NeedInput`]: `location.country`, `day_rate_budget.amount` and the like
/// nest; `crisis_signals` is `;`-separated. Charters need NDJSON.
pub(super) static CSV_COLUMNS: import::CsvColumns = import::CsvColumns {
    fields: import::field_names::<NeedInput>,
    numbers: &["duration_months", "day_rate_budget.amount"],
    flags: &[],
    lists: &[("crisis_signals", &[]), ("tags", &[])],
    required: &[],
};

/// Import needs
///
/// Creates or updates needs from NDJSON (`application/x-ndjson`: one need a line, as in POST /api/v1/needs)
/// or CSV (`text/csv`: a header row of field names; `location.country` and `day_rate_budget.amount`-style
/// headers nest; `crisis_signals` and `tags` `;`-separated). A row with an `external_id` updates the organization's
/// need with that id (status moves follow the need's life cycle), else creates one (as `draft` or `open`);
/// a row equal to what is stored is `unchanged`. Members import into their own organization only. Each
/// row is written on its own: refused rows are reported with their errors while the others land. Limits
/// and streaming as for candidates' imports.
#[utoipa::path(security(("oauth2" = ["needs:write"])), tag = "needs", params(import::ImportQuery),
    request_body(content(
        (String = "application/x-ndjson", example = json!("{\"external_id\": \"req-2041\", \"organization_id\": \"0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c\", \"title\": \"Interim CFO\", \"reason\": \"replacement\", \"status\": \"open\"}\n")),
        (String = "text/csv", example = json!("external_id,organization_id,title,reason,status,location.country\nreq-2041,0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c,Interim CFO,replacement,open,NL\n")),
    )),
    responses((status = 200, description = "Every row's result, in order.", body = import::ImportReport)))]
#[post("/needs/import")]
async fn import_needs(
    state: web::Data<AppState>,
    principal: Allowed<required::NeedsWrite>,
    req: HttpRequest,
    query: web::Query<import::ImportQuery>,
    payload: web::Payload,
) -> AppResult<web::Json<import::ImportReport>> {
    let principal: Principal = principal.0.clone();
    let upsert: import::Upsert =
        std::sync::Arc::new(move |conn, row| upsert_need(&principal, conn, row).map(import::Upserted::from));
    let report = import::run(state.db.clone(), &req, payload, query.dry_run, &CSV_COLUMNS, upsert).await?;
    Ok(web::Json(report))
}

/// Get a need
#[utoipa::path(security(("oauth2" = ["needs:read"])), tag = "needs", params(("id" = uuid::Uuid, Path, description = "Need id")),
    responses((status = 200, description = "The need; `ETag` is its version.", body = NeedView, headers(("ETag" = String)))))]
#[get("/needs/{id}")]
async fn get_need(
    state: web::Data<AppState>,
    principal: Allowed<required::NeedsRead>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: NeedId = path_id(&id, "need")?;
    let stored = state.db.lookup(move |conn| store::get(conn, id)).await?;
    principal.check_sees(Some(stored.value.0.organization_id), "need")?;
    Ok(tagged(stored.version, NeedView::from(stored)))
}

/// Update a need
///
/// A JSON Merge Patch (RFC 7396); a list given replaces the whole list. A status move outside the
/// need's life cycle answers 409 naming the allowed moves.
#[utoipa::path(security(("oauth2" = ["needs:write"])), tag = "needs", params(("id" = uuid::Uuid, Path, description = "Need id")),
    request_body(content = NeedInput, content_type = "application/merge-patch+json",
        example = json!({"status": "on_hold", "urgency": "high"})),
    responses((status = 200, description = "The need as changed; `ETag` is its new version.", body = NeedView, headers(("ETag" = String))), (status = 409, response = super::Conflict)))]
#[patch("/needs/{id}")]
async fn update_need(
    state: web::Data<AppState>,
    principal: Allowed<required::NeedsWrite>,
    id: web::Path<String>,
    if_match: IfMatch,
    patch: MergePatch,
) -> AppResult<HttpResponse> {
    let id: NeedId = path_id(&id, "need")?;
    let stored = state
        .db
        .write(move |conn| {
            let current = store::get(conn, id)?;
            principal.check_sees(Some(current.value.0.organization_id), "need")?;
            let mut next = merge(&NeedInput::from(&current.value.0), &patch.0)?.parse()?;
            let (org, stored) = (Some(next.organization_id), &current.value.0.custom_fields);
            next.custom_fields = custom_fields::checked(conn, FieldResource::Need, org, &next.custom_fields, stored)?;
            // An invalid body is refused (422) whatever version it names.
            if_match.check(current.version)?;
            store::update(conn, &current, &next)
        })
        .await?;
    Ok(tagged(stored.version, NeedView::from(stored)))
}

/// Delete a need
#[utoipa::path(security(("oauth2" = ["needs:write"])), tag = "needs", params(("id" = uuid::Uuid, Path, description = "Need id")),
    responses((status = 204, description = "Deleted.")))]
#[delete("/needs/{id}")]
async fn delete_need(
    state: web::Data<AppState>,
    principal: Allowed<required::NeedsWrite>,
    id: web::Path<String>,
    if_match: IfMatch,
) -> AppResult<HttpResponse> {
    let id: NeedId = path_id(&id, "need")?;
    state
        .db
        .write(move |conn| {
            let current = store::get(conn, id)?;
            principal.check_sees(Some(current.value.0.organization_id), "need")?;
            if_match.check(current.version)?;
            store::delete(conn, id)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
