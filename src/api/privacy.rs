//! Candidates' rights: consent records (`/candidates/{id}/consents`),
//! everything held about a candidate (`/candidates/{id}/export`) and erasure
//! (`/candidates/{id}/erase`).

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::assignments::AssignmentView;
use super::audit::AuditEventView;
use super::candidates::CandidateView;
use super::extract::{JsonBody, path_id};
use super::pipeline::{EntryView, MoveView};
use crate::AppState;
use crate::auth::Allowed;
use crate::db::page::{Direction, PageRequest};
use crate::db::{self, privacy as store};
use crate::domain::CandidateId;
use crate::domain::access::required;
use crate::domain::privacy::{ConsentPurpose, ConsentRecord};
use crate::domain::validation::{self, Validator};
use crate::error::{AppError, AppResult};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_consents)
        .service(record_consent)
        .service(withdraw_consent)
        .service(export_candidate_data)
        .service(erase_candidate);
}

/// A consent the candidate gave.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"purpose": "talent_pool", "given_at": "2026-11-20T09:30:00Z", "expires_at": "2028-11-20T00:00:00Z", "source": "signed intake form"}))]
pub struct ConsentInput {
    pub purpose: ConsentPurpose,
    /// When it was given; now when absent. Not in the future.
    #[serde(default)]
    pub given_at: Option<DateTime<Utc>>,
    /// When it lapses; never when absent.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    /// How it was obtained, up to 200 characters.
    #[serde(default)]
    #[schema(format = "text", max_length = 200)]
    pub source: Option<String>,
}

impl ConsentInput {
    fn parse(&self) -> AppResult<ConsentRecord> {
        let mut v = Validator::new();
        let now = Utc::now();
        let given_at = self.given_at.unwrap_or(now);
        if given_at > now + chrono::Duration::minutes(5) {
            v.fail("given_at", "in_the_future", "a consent is recorded once given");
        }
        if self.expires_at.is_some_and(|e| e <= given_at) {
            v.fail("expires_at", "before_given", "must be after given_at");
        }
        let source = v.check("source", validation::optional_text(self.source.as_deref(), 200));
        let record = source.map(|source| ConsentRecord {
            purpose: self.purpose,
            given_at,
            expires_at: self.expires_at,
            withdrawn_at: None,
            source,
        });
        v.finish(record).map_err(AppError::Validation)
    }
}

/// A consent record.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentView {
    #[schema(format = Uuid)]
    pub id: String,
    pub purpose: ConsentPurpose,
    pub given_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub source: Option<String>,
    /// Whether it holds now: given, not withdrawn, not expired.
    pub active: bool,
    /// Who recorded it.
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<store::StoredConsent> for ConsentView {
    fn from(c: store::StoredConsent) -> Self {
        ConsentView {
            active: c.record.holds_at(Utc::now()),
            id: c.id,
            purpose: c.record.purpose,
            given_at: c.record.given_at,
            expires_at: c.record.expires_at,
            withdrawn_at: c.record.withdrawn_at,
            source: c.record.source,
            recorded_by: c.recorded_by,
            created_at: c.created_at,
        }
    }
}

/// List a candidate's consents
#[utoipa::path(security(("oauth2" = ["candidates:read"])), tag = "privacy", params(("id" = uuid::Uuid, Path, description = "Candidate id")),
    responses((status = 200, description = "Every consent of the candidate, given and withdrawn.", body = Vec<ConsentView>)))]
#[get("/candidates/{id}/consents")]
async fn list_consents(
    state: web::Data<AppState>,
    _: Allowed<required::CandidatesRead>,
    id: web::Path<String>,
) -> AppResult<web::Json<Vec<ConsentView>>> {
    let id: CandidateId = path_id(&id, "candidate")?;
    let consents = state
        .db
        .read(move |conn| {
            store::erased_at(conn, id)?;
            store::consents(conn, id)
        })
        .await?;
    Ok(web::Json(consents.into_iter().map(ConsentView::from).collect()))
}

/// Record a consent
///
/// Consents are kept as given: withdraw one rather than change it. A candidate with a consent that holds
/// is never erased by the retention purge.
#[utoipa::path(security(("oauth2" = ["candidates:write"])), tag = "privacy", params(("id" = uuid::Uuid, Path, description = "Candidate id")),
    request_body = ConsentInput,
    responses((status = 201, description = "Recorded; `Location` names the candidate's consents.", body = ConsentView, headers(("Location" = String, description = "URL of the candidate's consents"))),
        (status = 409, response = super::Conflict)))]
#[post("/candidates/{id}/consents")]
async fn record_consent(
    state: web::Data<AppState>,
    principal: Allowed<required::CandidatesWrite>,
    id: web::Path<String>,
    body: JsonBody<ConsentInput>,
) -> AppResult<HttpResponse> {
    let id: CandidateId = path_id(&id, "candidate")?;
    let record = body.0.parse()?;
    let by = principal.subject.clone();
    let stored = state.db.write(move |conn| store::add_consent(conn, id, &record, &by)).await?;
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::LOCATION, format!("/api/v1/candidates/{id}/consents")))
        .json(ConsentView::from(stored)))
}

/// Withdraw a consent
///
/// From now on; withdrawing it again keeps the first time.
#[utoipa::path(security(("oauth2" = ["candidates:write"])), tag = "privacy",
    params(("id" = uuid::Uuid, Path, description = "Candidate id"), ("consent_id" = uuid::Uuid, Path, description = "Consent id")),
    responses((status = 200, description = "The consent, withdrawn.", body = ConsentView)))]
#[post("/candidates/{id}/consents/{consent_id}/withdraw")]
async fn withdraw_consent(
    state: web::Data<AppState>,
    _: Allowed<required::CandidatesWrite>,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<ConsentView>> {
    let (id, consent) = path.into_inner();
    let id: CandidateId = path_id(&id, "candidate")?;
    let stored = state.db.write(move |conn| store::withdraw_consent(conn, id, &consent)).await?;
    Ok(web::Json(stored.into()))
}

/// Everything the service holds about one candidate.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateDataExport {
    pub exported_at: DateTime<Utc>,
    pub candidate: CandidateView,
    /// When the candidate was erased, if they were.
    pub erased_at: Option<DateTime<Utc>>,
    pub consents: Vec<ConsentView>,
    /// The notes on them, for the practice or shared.
    pub notes: Vec<super::notes::RecordNoteView>,
    /// Their candidacies, each with its notes and its history of moves.
    pub pipeline: Vec<CandidacyExport>,
    pub assignments: Vec<AssignmentView>,
    /// Their documents and those of their assignments, each with its text and bytes.
    pub documents: Vec<super::documents::DocumentExport>,
    /// What the audit log holds about them (ids and actions only).
    pub audit_events: Vec<AuditEventView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CandidacyExport {
    pub entry: EntryView,
    pub history: Vec<MoveView>,
}

/// Export everything held about a candidate
///
/// For a subject access request (GDPR art. 15, and data portability): the profile, consents, notes, candidacies
/// with their notes and histories, assignments, documents (theirs and their assignments', each with its text
/// and its bytes in base64) and the audit events that name the candidate, as one JSON document. Admins only (`privacy:manage`).
#[utoipa::path(security(("oauth2" = ["privacy:manage"])), tag = "privacy", params(("id" = uuid::Uuid, Path, description = "Candidate id")),
    responses((status = 200, description = "Everything held about the candidate.", body = CandidateDataExport)))]
#[get("/candidates/{id}/export")]
async fn export_candidate_data(
    state: web::Data<AppState>,
    _: Allowed<required::PrivacyManage>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: CandidateId = path_id(&id, "candidate")?;
    let export = state
        .db
        .read(move |conn| {
            let candidate = db::candidates::get(conn, id)?;
            let erased_at = store::erased_at(conn, id)?;
            let consents = store::consents(conn, id)?;
            let filter = db::pipeline::EntryFilter { candidate_id: Some(id), ..Default::default() };
            let mut pipeline = Vec::new();
            let mut page = PageRequest {
                sort: db::pipeline::EntrySort::CreatedAt,
                direction: Direction::Asc,
                after: None,
                limit: 200,
                with_total: false,
            };
            loop {
                let found = db::pipeline::list(conn, &filter, &page)?;
                for entry in found.items {
                    let history = db::pipeline::history(conn, entry.0.id)?;
                    pipeline.push(CandidacyExport {
                        entry: EntryView::from(entry),
                        history: history.into_iter().map(MoveView::from).collect(),
                    });
                }
                match found.next {
                    Some(next) => page.after = Some(next),
                    None => break,
                }
            }
            let held = db::assignments::AssignmentFilter { candidate_id: Some(id), ..Default::default() };
            let assignments = db::assignments::all(conn, &held)?;
            let documents = db::documents::all_about(conn, id)?;
            let notes = db::notes::all(
                conn,
                &db::notes::NoteFilter {
                    subject: crate::domain::note::NoteSubject::Candidate,
                    subject_id: id.to_string(),
                    shared_with: None,
                },
            )?;
            let audit_events = db::audit::about(conn, &id.to_string())?;
            Ok(CandidateDataExport {
                exported_at: Utc::now(),
                candidate: CandidateView::from(candidate),
                erased_at,
                consents: consents.into_iter().map(ConsentView::from).collect(),
                notes: notes.into_iter().map(super::notes::RecordNoteView::from).collect(),
                pipeline,
                assignments: assignments.into_iter().map(AssignmentView::from).collect(),
                documents: documents.into_iter().map(super::documents::DocumentExport::from).collect(),
                audit_events: audit_events.into_iter().map(AuditEventView::from).collect(),
            })
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("content-disposition", format!("attachment; filename=\"candidate-{id}.json\"")))
        .json(export))
}

/// An erasure done.
#[derive(Debug, Serialize, ToSchema)]
pub struct Erasure {
    #[schema(format = Uuid)]
    pub id: String,
    pub erased_at: DateTime<Utc>,
}

/// Erase a candidate's personal data
///
/// GDPR art. 17. The candidate becomes an anonymous placeholder (same id, "Erased Candidate", no contact
/// details, no profile), so assignments and placements still count in the reports; their consents,
/// documents and those of their assignments (bytes and text), pipeline notes and move notes, match explanations, free text on their assignments and check-ins, and
/// stored replays of earlier writes are removed. Webhook events and the audit log only ever hold ids; the
/// audit log records that the erasure happened. Erasing again answers the first erasure's time. An erased
/// candidate cannot be changed (409). Admins only (`privacy:manage`).
#[utoipa::path(security(("oauth2" = ["privacy:manage"])), tag = "privacy", params(("id" = uuid::Uuid, Path, description = "Candidate id")),
    responses((status = 200, description = "The candidate's personal data is erased.", body = Erasure)))]
#[post("/candidates/{id}/erase")]
async fn erase_candidate(
    state: web::Data<AppState>,
    _: Allowed<required::PrivacyManage>,
    id: web::Path<String>,
) -> AppResult<web::Json<Erasure>> {
    let id: CandidateId = path_id(&id, "candidate")?;
    let erased_at = state.db.write(move |conn| store::erase(conn, id)).await?;
    state.rendered.forget(id);
    Ok(web::Json(Erasure { id: id.to_string(), erased_at }))
}
