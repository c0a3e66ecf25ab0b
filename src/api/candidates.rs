//! `/api/v1/candidates`: interim executives.

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
use super::rendered::Rendered;
use super::views::{Money, Place};
use crate::AppState;
use crate::auth::Allowed;
use crate::db::DbConnection;
use crate::db::candidates::{self as store, CandidateFilter, CandidateSort, StoredCandidate};
use crate::db::custom_fields;
use crate::db::page::{Page, PageRequest};
use crate::domain::access::required;
use crate::domain::candidate::{
    self as rules, Availability, Candidate, CandidateSkill, CandidateStatus, Consent, Education, LanguageProficiency,
    LanguageSkill, RemotePreference, Training,
};
use crate::domain::custom_field::{self, FieldResource};
use crate::domain::skill::{self, SkillLevel};
use crate::domain::validation::{self, Invalid, Validator, in_range};
use crate::domain::{CandidateId, CrisisSignal, SkillKey, codes, external, search, tag};
use crate::error::{AppError, AppResult};

pub fn routes(cfg: &mut ServiceConfig) {
    // The export before `/candidates/{id}`, which would take `export` for an id.
    cfg.service(list_candidates)
        .service(export_candidates)
        .service(import_candidates)
        .service(create_candidate)
        .service(get_candidate)
        .service(update_candidate)
        .service(delete_candidate);
}

/// A skill the candidate has, at a level from 1 (aware) to 5 (expert).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkillEntry {
    /// Key of a skill of the taxonomy (`/api/v1/skills`), or its URI (kept as the key).
    #[schema(example = "customer-service-strategy", max_length = 500)]
    pub skill: String,
    #[schema(minimum = 1, maximum = 5, example = 4)]
    pub level: i64,
    /// Years of practice, 0 to 60. Matching counts them: a skill scores ×0.9 with none, 2 % more a year, in
    /// full from five years on.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 60, example = 8)]
    pub years: i64,
    /// The year the candidate last used the skill; absent when in use now (or not said). Matching counts it
    /// against the assignment's start: in full within two years, 10 % less each year after, down to ×0.6.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1950, maximum = 9999, example = 2024)]
    pub last_used: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LanguageEntry {
    /// ISO 639-1 code.
    #[schema(example = "en", format = "language")]
    pub language: String,
    pub proficiency: LanguageProficiency,
}

/// When the candidate can work.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityEntry {
    #[serde(default)]
    pub available_from: Option<NaiveDate>,
    /// The latest date an assignment may run to.
    #[serde(default)]
    pub available_until: Option<NaiveDate>,
    /// Longest engagement accepted, 1 to 60 months.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 60)]
    pub max_engagement_months: Option<i64>,
}

/// A degree or other education.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EducationEntry {
    #[schema(format = "text", min_length = 1, max_length = 200, example = "MBA")]
    pub degree: String,
    #[serde(default)]
    #[schema(format = "text", max_length = 200)]
    pub field: Option<String>,
    #[serde(default)]
    #[schema(format = "text", max_length = 200)]
    pub institution: Option<String>,
    #[serde(default)]
    #[schema(minimum = 1940, maximum = 2100)]
    pub year: Option<i64>,
}

/// A certification or programme.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrainingEntry {
    #[schema(
        format = "text",
        min_length = 1,
        max_length = 200,
        example = "Certified Customer Experience Professional (CCXP)"
    )]
    pub name: String,
    #[serde(default)]
    #[schema(format = "text", max_length = 200)]
    pub issuer: Option<String>,
    #[serde(default)]
    #[schema(minimum = 1940, maximum = 2100)]
    pub year: Option<i64>,
}

/// Consent to hold the candidate's data.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentEntry {
    #[serde(default)]
    pub given: bool,
    /// The date after which the data must be deleted or anonymized.
    #[serde(default)]
    pub retention_until: Option<NaiveDate>,
}

/// The writable fields of a candidate.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "external_id": "ats-4711",
    "first_name": "Maria",
    "last_name": "Jansen",
    "email": "maria.jansen@example.com",
    "phone": "+31 6 1234 5678",
    "headline": "Interim CXO who turned around two retail chains",
    "summary": "Eighteen years in customer service and experience leadership in retail and e-commerce.",
    "location": {"city": "Rotterdam", "country": "NL"},
    "remote_preference": "hybrid",
    "willing_to_travel": true,
    "languages": [{"language": "nl", "proficiency": "native"}, {"language": "en", "proficiency": "fluent"}],
    "day_rate": {"amount": 1400, "currency": "EUR"},
    "availability": {"available_from": "2027-01-04", "available_until": "2027-12-31", "max_engagement_months": 9},
    "years_experience": 18,
    "executive_roles": ["Chief Experience Officer", "VP Customer Service"],
    "industries": ["retail", "e-commerce"],
    "crisis_experience": ["negative_customer_feedback", "online_reputation_crisis"],
    "skills": [
        {"skill": "customer-service-strategy", "level": 5, "years": 12},
        {"skill": "customer-data-analysis", "level": 4, "years": 8},
        {"skill": "executive-leadership", "level": 4, "years": 10}
    ],
    "background": [{"degree": "MBA", "field": "Marketing", "institution": "Erasmus University", "year": 2006}],
    "training": [{"name": "Certified Customer Experience Professional (CCXP)", "issuer": "CXPA", "year": 2019}],
    "status": "active",
    "consent": {"given": true, "retention_until": "2029-12-31"},
    "tags": ["board-ready", "retail turnaround"],
    "external_ids": {"workday": "W-1042", "greenhouse": "88123"},
    "custom_fields": {"notice_period_weeks": 6, "board_member": true}
}))]
pub struct CandidateInput {
    /// The candidate's id in the client's own system; unique.
    #[serde(default)]
    #[schema(format = "text", max_length = 100)]
    pub external_id: Option<String>,
    #[schema(format = "text", min_length = 1, max_length = 100)]
    pub first_name: String,
    #[schema(format = "text", min_length = 1, max_length = 100)]
    pub last_name: String,
    /// Unique among candidates; stored in lowercase.
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// Digits, spaces and `+ - ( ) .`, up to 40 characters.
    #[serde(default)]
    #[schema(
        pattern = r"^[\u0009-\u000D\u0020\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*([0-9+().-]([0-9 +().-]{0,38}[0-9+().-])?)?[\u0009-\u000D\u0020\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
    )]
    pub phone: Option<String>,
    #[serde(default)]
    #[schema(format = "text", max_length = 200)]
    pub headline: Option<String>,
    #[serde(default)]
    #[schema(format = "text", max_length = 5000)]
    pub summary: Option<String>,
    #[serde(default)]
    pub location: Option<Place>,
    #[serde(default = "default_remote")]
    pub remote_preference: RemotePreference,
    #[serde(default)]
    pub willing_to_travel: bool,
    #[serde(default)]
    pub languages: Vec<LanguageEntry>,
    #[serde(default)]
    pub day_rate: Option<Money>,
    #[serde(default)]
    pub availability: AvailabilityEntry,
    /// Total years of executive experience, 0 to 60.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 60)]
    pub years_experience: i64,
    /// Executive roles held, such as `Chief Experience Officer`.
    #[serde(default)]
    #[schema(format = "text", min_length = 1, max_length = 100)]
    pub executive_roles: Vec<String>,
    /// Lowercase industry labels.
    #[serde(default)]
    #[schema(format = "text", min_length = 1, max_length = 100)]
    pub industries: Vec<String>,
    /// Crisis situations the candidate has turned around.
    #[serde(default)]
    pub crisis_experience: Vec<CrisisSignal>,
    #[serde(default)]
    pub skills: Vec<SkillEntry>,
    /// Education.
    #[serde(default)]
    pub background: Vec<EducationEntry>,
    /// Certifications and programmes.
    #[serde(default)]
    pub training: Vec<TrainingEntry>,
    #[serde(default = "default_status")]
    pub status: CandidateStatus,
    #[serde(default)]
    pub consent: ConsentEntry,
    /// The practice's labels: up to 20, each 1 to 50 characters without `, ; " \ < >`, kept in lowercase and
    /// sorted. Lists filter by them (`tag=`).
    #[serde(default)]
    #[schema(format = "tag", max_items = 20)]
    pub tags: Vec<String>,
    /// The candidate's ids in other systems, by source system (`{"workday": "W-1042"}`): up to 10 sources, each
    /// named by 1 to 40 lowercase letters, digits and `_ . -`, each id 1 to 100 characters and unique per source.
    /// A merge patch changes one source's id (`null` removes it) and leaves the others; an import adds its
    /// sources' ids to those stored.
    #[serde(default)]
    #[schema(value_type = Object, additional_properties = true)]
    pub external_ids: BTreeMap<String, String>,
    /// The values of the practice's custom fields of candidates, by key (`GET /api/v1/custom-fields?resource=candidate`):
    /// each checked against its field's type (422 on `custom_fields.<key>` otherwise); a required
    /// field must be given; `null` removes a value.
    #[serde(default)]
    #[schema(value_type = Object, additional_properties = true)]
    pub custom_fields: BTreeMap<String, serde_json::Value>,
}

fn default_remote() -> RemotePreference {
    RemotePreference::Flexible
}

fn default_status() -> CandidateStatus {
    CandidateStatus::Active
}

pub(crate) fn email(value: &str) -> Result<String, Invalid> {
    let value = value.trim().to_lowercase();
    if value.len() <= 254 && email_address::EmailAddress::is_valid(&value) && value.contains('.') {
        Ok(value)
    } else {
        Err(Invalid::new("invalid_email", "must be an e-mail address such as name@example.com"))
    }
}

fn phone(value: Option<&str>) -> Result<Option<String>, Invalid> {
    let phone = validation::optional_text(value, 40)?;
    match phone {
        Some(p) if !p.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c)) => {
            Err(Invalid::new("invalid_phone", "may hold only digits, spaces and + - ( ) ."))
        }
        other => Ok(other),
    }
}

fn year(value: Option<i64>) -> Result<Option<i32>, Invalid> {
    value.map(|y| in_range(y, 1940, 2100).map(|y| y as i32)).transpose()
}

impl CandidateInput {
    /// Skills named by URI become their keys.
    pub(super) fn resolve_skills(mut self, conn: &mut DbConnection) -> AppResult<Self> {
        crate::db::skills::resolve_references(conn, self.skills.iter_mut().map(|s| &mut s.skill))?;
        Ok(self)
    }

    pub(super) fn parse(&self) -> AppResult<Candidate> {
        let mut v = Validator::new();
        let external_id = v.check("external_id", validation::optional_text(self.external_id.as_deref(), 100));
        let first_name = v.check("first_name", validation::text(&self.first_name, 1, 100));
        let last_name = v.check("last_name", validation::text(&self.last_name, 1, 100));
        let email = v.check("email", email(&self.email));
        let phone = v.check("phone", phone(self.phone.as_deref()));
        let headline = v.check("headline", validation::optional_text(self.headline.as_deref(), 200));
        let summary = v.check("summary", validation::optional_text(self.summary.as_deref(), 5000));
        // `Some(None)`: not given; `None`: given but invalid.
        let location = self.location.as_ref().map_or(Some(None), |p| p.parse(&mut v, "location").map(Some));
        let day_rate = self.day_rate.as_ref().map_or(Some(None), |m| m.parse(&mut v, "day_rate").map(Some));
        let years_experience = v.check("years_experience", skill::years(self.years_experience));

        let mut languages = Vec::new();
        if v.check("languages", validation::list_len(&self.languages, rules::MAX_LABELS)).is_some() {
            for (i, l) in self.languages.iter().enumerate() {
                if let Some(language) = v.check(format!("languages[{i}].language"), codes::language(&l.language)) {
                    if languages.iter().any(|known: &LanguageSkill| known.language == language) {
                        v.fail(
                            format!("languages[{i}].language"),
                            "duplicate",
                            format!("`{language}` is listed twice"),
                        );
                    }
                    languages.push(LanguageSkill { language, proficiency: l.proficiency });
                }
            }
        }

        let a = &self.availability;
        let max_months = v.check(
            "availability.max_engagement_months",
            a.max_engagement_months.map(|m| in_range(m, 1, 60).map(|m| m as i32)).transpose(),
        );
        if let (Some(from), Some(until)) = (a.available_from, a.available_until)
            && until < from
        {
            v.fail("availability.available_until", "before_start", "must not be before available_from");
        }

        let executive_roles =
            validation::labels(&mut v, "executive_roles", &self.executive_roles, rules::MAX_LABELS, false);
        let industries = validation::labels(&mut v, "industries", &self.industries, rules::MAX_LABELS, true);
        let tags = tag::tags(&mut v, "tags", &self.tags);
        let external_ids = external::ids(&mut v, "external_ids", &self.external_ids);
        let mut crisis_experience = self.crisis_experience.clone();
        crisis_experience.sort();
        crisis_experience.dedup();

        let mut skills: Vec<CandidateSkill> = Vec::new();
        if v.check("skills", validation::list_len(&self.skills, rules::MAX_SKILLS)).is_some() {
            for (i, s) in self.skills.iter().enumerate() {
                let key = v.check(format!("skills[{i}].skill"), skill::reference(&s.skill));
                let level = v.check(format!("skills[{i}].level"), SkillLevel::parse(s.level));
                let years = v.check(format!("skills[{i}].years"), skill::years(s.years));
                let last_used = match s.last_used {
                    None => Some(None),
                    Some(year) => v.check(format!("skills[{i}].last_used"), skill::last_used(year)).map(Some),
                };
                if let (Some(skill), Some(level), Some(years), Some(last_used)) = (key, level, years, last_used) {
                    if skills.iter().any(|known| known.skill == skill) {
                        v.fail(format!("skills[{i}].skill"), "duplicate", format!("`{skill}` is listed twice"));
                    }
                    skills.push(CandidateSkill { skill, level, years, last_used });
                }
            }
        }

        let mut background = Vec::new();
        if v.check("background", validation::list_len(&self.background, rules::MAX_LABELS)).is_some() {
            for (i, e) in self.background.iter().enumerate() {
                let degree = v.check(format!("background[{i}].degree"), validation::text(&e.degree, 1, 200));
                let field =
                    v.check(format!("background[{i}].field"), validation::optional_text(e.field.as_deref(), 200));
                let institution = v.check(
                    format!("background[{i}].institution"),
                    validation::optional_text(e.institution.as_deref(), 200),
                );
                let year = v.check(format!("background[{i}].year"), year(e.year));
                if let (Some(degree), Some(field), Some(institution), Some(year)) = (degree, field, institution, year) {
                    background.push(Education { degree, field, institution, year });
                }
            }
        }

        let mut training = Vec::new();
        if v.check("training", validation::list_len(&self.training, rules::MAX_LABELS)).is_some() {
            for (i, t) in self.training.iter().enumerate() {
                let name = v.check(format!("training[{i}].name"), validation::text(&t.name, 1, 200));
                let issuer =
                    v.check(format!("training[{i}].issuer"), validation::optional_text(t.issuer.as_deref(), 200));
                let year = v.check(format!("training[{i}].year"), year(t.year));
                if let (Some(name), Some(issuer), Some(year)) = (name, issuer, year) {
                    training.push(Training { name, issuer, year });
                }
            }
        }

        let candidate = (|| {
            Some(Candidate {
                external_id: external_id?,
                first_name: first_name?,
                last_name: last_name?,
                email: email?,
                phone: phone?,
                headline: headline?,
                summary: summary?,
                location: location?,
                remote_preference: self.remote_preference,
                willing_to_travel: self.willing_to_travel,
                languages,
                day_rate: day_rate?,
                availability: Availability {
                    available_from: a.available_from,
                    available_until: a.available_until,
                    max_engagement_months: max_months?,
                },
                years_experience: years_experience?,
                executive_roles,
                industries,
                crisis_experience,
                skills,
                background,
                training,
                status: self.status,
                consent: Consent { given: self.consent.given, retention_until: self.consent.retention_until },
                commitments: Vec::new(),
                tags: tags?,
                external_ids: external_ids?,
                // Checked against the fields' definitions where the store is at hand (`custom_fields::checked`).
                custom_fields: self.custom_fields.clone(),
            })
        })();
        v.finish(candidate).map_err(AppError::Validation)
    }
}

impl From<&Candidate> for CandidateInput {
    fn from(c: &Candidate) -> Self {
        CandidateInput {
            external_id: c.external_id.clone(),
            first_name: c.first_name.clone(),
            last_name: c.last_name.clone(),
            email: c.email.clone(),
            phone: c.phone.clone(),
            headline: c.headline.clone(),
            summary: c.summary.clone(),
            location: c.location.clone().map(Place::from),
            remote_preference: c.remote_preference,
            willing_to_travel: c.willing_to_travel,
            languages: c
                .languages
                .iter()
                .map(|l| LanguageEntry { language: l.language.clone(), proficiency: l.proficiency })
                .collect(),
            day_rate: c.day_rate.map(Money::from),
            availability: AvailabilityEntry {
                available_from: c.availability.available_from,
                available_until: c.availability.available_until,
                max_engagement_months: c.availability.max_engagement_months.map(i64::from),
            },
            years_experience: c.years_experience.into(),
            executive_roles: c.executive_roles.clone(),
            industries: c.industries.clone(),
            crisis_experience: c.crisis_experience.clone(),
            skills: c
                .skills
                .iter()
                .map(|s| SkillEntry {
                    skill: s.skill.to_string(),
                    level: s.level.get().into(),
                    years: s.years.into(),
                    last_used: s.last_used.map(i64::from),
                })
                .collect(),
            background: c
                .background
                .iter()
                .map(|e| EducationEntry {
                    degree: e.degree.clone(),
                    field: e.field.clone(),
                    institution: e.institution.clone(),
                    year: e.year.map(i64::from),
                })
                .collect(),
            training: c
                .training
                .iter()
                .map(|t| TrainingEntry { name: t.name.clone(), issuer: t.issuer.clone(), year: t.year.map(i64::from) })
                .collect(),
            status: c.status,
            consent: ConsentEntry { given: c.consent.given, retention_until: c.consent.retention_until },
            tags: c.tags.clone(),
            external_ids: c.external_ids.clone(),
            custom_fields: c.custom_fields.clone(),
        }
    }
}

/// An interim executive.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateView {
    #[schema(format = Uuid, example = "0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c")]
    pub id: String,
    #[serde(flatten)]
    pub fields: CandidateInput,
    /// When consent was given; absent while it is not.
    pub consent_recorded_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Only in a list searched with `q`: where the words were found and how well the candidate matches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search: Option<SearchHit>,
    /// Only in the answer to a creation, when there are any: stored candidates who may be the same person.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub possible_duplicates: Option<Vec<DuplicateOfNew>>,
}

/// A field full-text search reads.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SearchField {
    Name,
    Headline,
    Skills,
    Summary,
    /// The notes on the candidate and on their pipeline entries.
    Notes,
    /// The text read from the candidate's documents (a CV …).
    Documents,
}

impl SearchField {
    fn of(name: &str) -> Self {
        match name {
            "name" => SearchField::Name,
            "headline" => SearchField::Headline,
            "skills" => SearchField::Skills,
            "summary" => SearchField::Summary,
            "notes" => SearchField::Notes,
            _ => SearchField::Documents,
        }
    }
}

/// Where a search found a candidate.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"score": 0.42, "found_in": ["headline", "documents"], "snippet": {"field": "headline", "text": "Interim CFO, turnaround and refinancing", "highlights": [{"start": 8, "end": 11}]}}))]
pub struct SearchHit {
    /// How well the candidate matches: higher is better. Comparable within one list only (PostgreSQL and
    /// SQLite rank on different scales).
    pub score: f64,
    /// The fields the words were found in, the weightiest first (as ranking weighs them).
    pub found_in: Vec<SearchField>,
    /// A passage of the weightiest of those fields.
    pub snippet: Snippet,
}

/// A passage of a field with the places of the words found in it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Snippet {
    pub field: SearchField,
    /// The passage, plain text (`…` where it was cut).
    pub text: String,
    /// Each found word, as character offsets into `text`: from `start` up to, not including, `end`.
    pub highlights: Vec<Highlight>,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct Highlight {
    #[schema(minimum = 0)]
    pub start: u64,
    #[schema(minimum = 0)]
    pub end: u64,
}

impl From<crate::db::search::Found> for SearchHit {
    fn from(found: crate::db::search::Found) -> Self {
        let offset = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        SearchHit {
            score: found.score,
            found_in: found.fields.iter().map(|f| SearchField::of(f)).collect(),
            snippet: Snippet {
                field: SearchField::of(found.field),
                text: found.text,
                highlights: found
                    .highlights
                    .iter()
                    .map(|&(s, e)| Highlight { start: offset(s), end: offset(e) })
                    .collect(),
            },
        }
    }
}

impl From<StoredCandidate> for CandidateView {
    fn from(s: StoredCandidate) -> Self {
        let (candidate, consent_recorded_at) = &s.value;
        CandidateView {
            id: s.id.to_string(),
            fields: CandidateInput::from(candidate),
            consent_recorded_at: *consent_recorded_at,
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
            search: None,
            possible_duplicates: None,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CandidateListQuery {
    /// Full-text search over the name, headline, skills (their labels and synonyms), summary, pipeline notes and
    /// the text of the candidate's documents, with English stemming (`managed` finds `management`): every word
    /// must be found; `"a phrase"` in quotes, `OR` between two words or phrases, and `-word` for what must not be.
    /// Combines with the other filters and cursors. Each item then carries `search` (its score and a snippet), and
    /// the list is ranked best first unless `sort` says otherwise. At most 200 characters and 16 words. For
    /// example `interim CFO "private equity" -retail` (not given as the parameter's example, which Swagger UI's
    /// "Try it out" would send: a first try lists everyone).
    #[param(pattern = "^[^\\u0000-\\u001F\\u007F]*$", max_length = 200)]
    q: Option<String>,
    status: Option<CandidateStatus>,
    /// Only candidates with this skill (a skill key) …
    #[param(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 60)]
    skill: Option<String>,
    /// … at this level or higher (1 to 5; default 1).
    #[param(minimum = 1, maximum = 5)]
    min_level: Option<i64>,
    /// Only candidates with this industry.
    #[param(pattern = "^[^\\u0000-\\u001F\\u007F]*$")]
    industry: Option<String>,
    /// Only candidates who speak this language (ISO 639-1).
    #[param(format = "language")]
    language: Option<String>,
    /// Only candidates living in this country (ISO 3166-1 alpha-2).
    #[param(format = "country")]
    country: Option<String>,
    /// Only candidates available on this date.
    available_by: Option<NaiveDate>,
    /// Only candidates changed at or after this time (RFC 3339).
    updated_since: Option<DateTime<Utc>>,
    /// Only candidates with every one of these tags (`,`-separated, up to 5).
    #[param(format = "tag-filter")]
    tag: Option<String>,
    /// Only the candidate with this id in this source system, as `source:id` (`workday:W-1042`).
    #[param(format = "external-ref")]
    external_ref: Option<String>,
    /// Only the candidate with this `external_id`.
    #[param(format = "text", max_length = 100)]
    external_id: Option<String>,
    /// Only candidates with this value of a custom field, as `key:value` (`board_member:true`; a multi-choice
    /// field: one of its options).
    #[param(format = "custom-field-filter")]
    custom_field: Option<String>,
    /// `created_at` (the default without `q`), `updated_at`, `last_name`, or `relevance` (the best match of `q`
    /// first; the default with `q`); prefix `-` for descending.
    #[param(pattern = "^(-?(created_at|updated_at|last_name|relevance))?$")]
    sort: Option<String>,
    /// Page size, 1 to 200 (default 50; larger values are capped).
    #[param(minimum = 1)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page; it keeps that list's filters and sort.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    cursor: Option<String>,
    /// Also count every matching candidate.
    include_total: Option<bool>,
}

impl CandidateListQuery {
    fn resolve(self) -> AppResult<(CandidateFilter, PageRequest<CandidateSort>)> {
        let filter = self.filter()?;
        let paging = Paging {
            limit: self.limit,
            cursor: self.cursor.as_deref(),
            sort: self.sort.as_deref(),
            include_total: self.include_total,
        };
        let default = if filter.q.is_some() { CandidateSort::Relevance } else { CandidateSort::CreatedAt };
        pagination::resolve(paging, filter, default)
    }

    fn filter(&self) -> AppResult<CandidateFilter> {
        extract::at_most("q", self.q.as_deref(), search::MAX_LENGTH)?;
        if let Some(q) = self.q.as_ref().filter(|q| !q.trim().is_empty()) {
            search::SearchQuery::parse(q).map_err(|e| AppError::InvalidQuery(format!("`q`: {e}.")))?;
        }
        Ok(CandidateFilter {
            // An empty `q=` is no search, as an empty `sort=` is the default order.
            q: self.q.clone().filter(|q| !q.trim().is_empty()),
            status: self.status,
            skill: self.skill.as_deref().map(SkillKey::parse).transpose().map_err(invalid_param("skill"))?,
            min_level: self
                .min_level
                .map(|l| SkillLevel::parse(l).map(|l| i32::from(l.get())))
                .transpose()
                .map_err(invalid_param("min_level"))?,
            industry: self.industry.as_deref().map(str::to_lowercase),
            language: self.language.as_deref().map(codes::language).transpose().map_err(invalid_param("language"))?,
            country: self.country.as_deref().map(codes::country).transpose().map_err(invalid_param("country"))?,
            available_by: self.available_by,
            updated_since: self.updated_since.map(|t| t.naive_utc()),
            tags: self.tag.as_deref().map(tag::filter).transpose().map_err(invalid_param("tag"))?.unwrap_or_default(),
            external_ref: self
                .external_ref
                .as_deref()
                .map(external::reference)
                .transpose()
                .map_err(invalid_param("external_ref"))?,
            external_id: validation::optional_text(self.external_id.as_deref(), 100)
                .map_err(invalid_param("external_id"))?,
            custom_field: self
                .custom_field
                .as_deref()
                .map(custom_field::filter)
                .transpose()
                .map_err(invalid_param("custom_field"))?,
        })
    }
}

/// List candidates
#[utoipa::path(security(("oauth2" = ["candidates:read"])), tag = "candidates", params(CandidateListQuery), responses((status = 200, description = "One page of candidates; `next_cursor` leads to the next.", body = PageOf<CandidateView>)))]
#[get("/candidates")]
async fn list_candidates(
    state: web::Data<AppState>,
    _: Allowed<required::CandidatesRead>,
    query: web::Query<CandidateListQuery>,
) -> AppResult<web::Json<PageOf<Rendered>>> {
    let (filter, request) = query.into_inner().resolve()?;
    let (rendered, matches) = (state.rendered.clone(), state.matches.clone());
    // The page as versions first (from the matching index when it can answer):
    // only the candidates not kept rendered are read whole.
    let list = move |conn: &mut DbConnection, filter: &CandidateFilter, request: &PageRequest<CandidateSort>| {
        let listed = matches.list_versions(conn, filter, request)?;
        let ids: Vec<CandidateId> = listed.items.iter().map(|l| l.id).collect();
        let items = rendered.all(&listed.items, |missing| store::get_many(conn, missing))?;
        let items = match store::found_in_page(conn, filter, &ids)? {
            None => items.into_iter().map(|(_, json)| json).collect(),
            Some(mut found) => items
                .into_iter()
                .map(|(id, json)| match found.remove(&id) {
                    Some(hit) => json.with_member("search", &SearchHit::from(hit)),
                    None => Ok(json),
                })
                .collect::<AppResult<_>>()?,
        };
        Ok(Page { items, next: listed.next, total: listed.total })
    };
    Ok(web::Json(pagination::read_page(&state.db, filter, request, list, |item| item).await?))
}

/// Export candidates (NDJSON)
///
/// Every candidate the filters match, one JSON object a line (`application/x-ndjson`), streamed as it is read,
/// so an export of any size holds little memory on either side. The list's filters and `sort` apply; `cursor`
/// resumes after a page of the list; `limit` and `include_total` do not apply. For nightly syncs:
/// `updated_since` with the time the previous run started.
#[utoipa::path(security(("oauth2" = ["candidates:read"])), tag = "candidates", params(CandidateListQuery),
    responses((status = 200, description = "One `CandidateView` a line.", content_type = "application/x-ndjson", body = CandidateView)))]
#[get("/candidates/export")]
async fn export_candidates(
    state: web::Data<AppState>,
    _: Allowed<required::CandidatesRead>,
    query: web::Query<CandidateListQuery>,
) -> AppResult<HttpResponse> {
    let (filter, request) = query.into_inner().resolve()?;
    pagination::export(state.db.clone(), filter, request, store::list, CandidateView::from).await
}

/// How CSV columns map onto [`CandidateInput`]: `location.country` and the
/// like nest, lists are `;`-separated, skills `key:level[:years[:last_used]]` (the key or the skill's URI), languages
/// `code:proficiency`.
pub(super) static CSV_COLUMNS: import::CsvColumns = import::CsvColumns {
    fields: import::field_names::<CandidateInput>,
    numbers: &["years_experience", "day_rate.amount", "availability.max_engagement_months"],
    flags: &["willing_to_travel", "consent.given"],
    lists: &[
        ("skills", &["skill", "level", "years", "last_used"]),
        ("languages", &["language", "proficiency"]),
        ("industries", &[]),
        ("executive_roles", &[]),
        ("crisis_experience", &[]),
        ("tags", &[]),
    ],
    required: &[],
};

/// Creates the candidate a row describes, or updates the one with its external id (else its e-mail). A
/// candidate it creates may be a stored one: the row says so, or is refused when `refuse`.
fn upsert_candidate(conn: &mut DbConnection, row: serde_json::Value, refuse: bool) -> AppResult<import::Upserted> {
    let mut candidate = extract::from_value::<CandidateInput>(row)?.resolve_skills(conn)?.parse()?;
    let mut possible_duplicates = Vec::new();
    let current = store::find_for_import(conn, &candidate)?;
    if let Some(current) = &current {
        // An id a duplicate merged into them had still finds them, but does not replace their own there.
        let former = store::former_external_ids(conn, current.id)?;
        candidate.external_ids.retain(|source, id| !former.iter().any(|(s, i)| s == source && i == id));
        // One source's import keeps the ids other sources gave the candidate.
        candidate.external_ids = external::combined(&current.value.0.external_ids, &candidate.external_ids);
    }
    let stored = current.as_ref().map(|c| c.value.0.custom_fields.clone()).unwrap_or_default();
    candidate.custom_fields =
        custom_fields::checked(conn, FieldResource::Candidate, None, &candidate.custom_fields, &stored)?;
    let (status, stored) = match current {
        Some(current) if candidate.same_as(&current.value.0) => (import::RowStatus::Unchanged, current),
        Some(current) => (import::RowStatus::Updated, store::update(conn, &current, &candidate)?),
        None => {
            let found = crate::db::duplicates::possible_duplicates(conn, None, &candidate)?;
            possible_duplicates = found.iter().map(|d| d.id.to_string()).collect();
            if refuse && !possible_duplicates.is_empty() {
                return Err(AppError::Validation(vec![crate::domain::FieldError {
                    field: String::new(),
                    code: "possible_duplicates",
                    message: format!(
                        "may be the same person as {} (the same e-mail or phone, or an alike name in one city)",
                        possible_duplicates.join(", ")
                    ),
                }]));
            }
            (import::RowStatus::Created, store::insert(conn, &candidate)?)
        }
    };
    Ok(import::Upserted { status, id: stored.id.to_string(), possible_duplicates })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CandidateImportQuery {
    /// Check every row (validation, references, uniqueness) and report what would happen, writing nothing.
    #[serde(default)]
    dry_run: bool,
    /// A row that would create a candidate who may be a stored one: `warn` (the default: create it and name them
    /// in the row's `possible_duplicates`) or `refuse` (the row fails with `possible_duplicates`).
    duplicates: Option<OnDuplicates>,
}

/// Import candidates
///
/// Creates or updates candidates from NDJSON (`application/x-ndjson`: one candidate a line, as in
/// POST /api/v1/candidates) or CSV (`text/csv`: a header row of field names; `location.country`-style
/// headers nest; `skills` as `key:level[:years[:last_used]]` (the key or the skill's URI) and `languages` as `code:proficiency`, `;`-separated;
/// `industries`, `executive_roles`, `crisis_experience` and `tags` `;`-separated; `willing_to_travel` and
/// `consent.given` as true/false). A row with an `external_id` updates the candidate with that id, else
/// the one with its e-mail, else creates one; a row equal to what is stored is `unchanged`, so the same
/// file can be sent again safely (imports take no `Idempotency-Key`). Each row is written on its own:
/// refused rows are reported with their errors while the others land. A row that creates a candidate who
/// may be a stored one (or one of an earlier row) names them in `possible_duplicates`; with
/// `duplicates=refuse` it fails instead. The body is read as it arrives (up to 200,000 rows and 512 MiB; each
/// row at most 64 KiB) and written 500 rows per transaction.
#[utoipa::path(security(("oauth2" = ["candidates:write"])), tag = "candidates", params(CandidateImportQuery),
    request_body(content(
        (String = "application/x-ndjson", example = json!("{\"first_name\": \"Ada\", \"last_name\": \"Byron\", \"email\": \"ada@example.com\", \"external_id\": \"ats-1001\"}\n{\"first_name\": \"Alan\", \"last_name\": \"Turing\", \"email\": \"alan@example.com\"}\n")),
        (String = "text/csv", example = json!("external_id,first_name,last_name,email,location.country,skills\nats-1001,Ada,Byron,ada@example.com,GB,customer-data-analysis:5;crm-systems:4\n")),
    )),
    responses((status = 200, description = "Every row's result, in order.", body = import::ImportReport)))]
#[post("/candidates/import")]
async fn import_candidates(
    state: web::Data<AppState>,
    _: Allowed<required::CandidatesWrite>,
    req: HttpRequest,
    query: web::Query<CandidateImportQuery>,
    payload: web::Payload,
) -> AppResult<web::Json<import::ImportReport>> {
    let refuse = query.duplicates == Some(OnDuplicates::Refuse);
    let upsert: import::Upsert = std::sync::Arc::new(move |conn, row| upsert_candidate(conn, row, refuse));
    let report = import::run(state.db.clone(), &req, payload, query.dry_run, &CSV_COLUMNS, upsert).await?;
    Ok(web::Json(report))
}

/// Create a candidate
///
/// Skills must be in the taxonomy; the e-mail and the external id must be unused (409 otherwise). Candidates who may
/// be the same person (see `GET /candidates/{id}/duplicates`) are listed in the answer's `possible_duplicates`;
/// with `duplicates=refuse` the candidate is not created when there are any (409 naming them).
#[utoipa::path(security(("oauth2" = ["candidates:write"])), tag = "candidates", request_body = CandidateInput, params(CreateQuery),
    responses((status = 201, description = "Created; `Location` names the new candidate.", body = CandidateView,
        headers(("ETag" = String), ("Location" = String, description = "URL of the new candidate"))),
        (status = 409, response = super::Conflict)))]
#[post("/candidates")]
async fn create_candidate(
    state: web::Data<AppState>,
    _: Allowed<required::CandidatesWrite>,
    query: web::Query<CreateQuery>,
    body: JsonBody<CandidateInput>,
) -> AppResult<HttpResponse> {
    let (input, refuse) = (body.0, query.duplicates == Some(OnDuplicates::Refuse));
    let (stored, duplicates) = state
        .db
        .write(move |conn| {
            let mut candidate = input.resolve_skills(conn)?.parse()?;
            candidate.custom_fields = custom_fields::checked(
                conn,
                FieldResource::Candidate,
                None,
                &candidate.custom_fields,
                &Default::default(),
            )?;
            let duplicates = crate::db::duplicates::possible_duplicates(conn, None, &candidate)?;
            if refuse && !duplicates.is_empty() {
                let ids: Vec<String> = duplicates.iter().map(|d| d.id.to_string()).collect();
                return Err(AppError::Conflict(format!(
                    "Possible duplicates exist: {} (see GET /api/v1/candidates/{{id}}/duplicates); merge into one, \
                     or create without `duplicates=refuse`.",
                    ids.join(", ")
                )));
            }
            Ok((store::insert(conn, &candidate)?, duplicates))
        })
        .await?;
    let (location, version) = (format!("/api/v1/candidates/{}", stored.id), stored.version);
    let body = state.rendered.render(stored)?;
    if duplicates.is_empty() {
        return Ok(created(location, version, body));
    }
    let listed: Vec<DuplicateOfNew> = duplicates
        .into_iter()
        .map(|d| DuplicateOfNew {
            candidate_id: d.id.to_string(),
            reasons: d.reasons.into_iter().map(super::duplicates::DuplicateReason::from).collect(),
        })
        .collect();
    Ok(created(location, version, body.with_member("possible_duplicates", &listed)?))
}

/// What to do when a new candidate may be the same person as a stored one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnDuplicates {
    /// Create, and list them in `possible_duplicates` (the default).
    Warn,
    /// Do not create: 409 naming them.
    Refuse,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CreateQuery {
    /// `warn` (the default) or `refuse`.
    duplicates: Option<OnDuplicates>,
}

/// A stored candidate who may be the same person as the one just created.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateOfNew {
    #[schema(format = Uuid)]
    pub candidate_id: String,
    pub reasons: Vec<super::duplicates::DuplicateReason>,
}

/// How much of a candidate a caller sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sight {
    /// Everything: the practice's staff, or a member once the candidate is offered or placed in their pipelines.
    Whole,
    /// Everything but contact details (`email`, `phone`) and documents, which hold them.
    WithoutContact,
}

/// Who may read candidates: the practice's staff (`None`), or an organization member with `pipeline:read`
/// (their organization), the candidates in its pipelines only; anyone else is refused (403).
pub(super) fn reader_of(principal: &crate::auth::Principal) -> AppResult<Option<crate::domain::OrganizationId>> {
    use crate::domain::access::Permission;
    match principal.tenant() {
        _ if principal.may(Permission::CandidatesRead) => Ok(None),
        Some(org) if principal.may(Permission::PipelineRead) => Ok(Some(org)),
        _ => Err(AppError::Forbidden { scope: Permission::CandidatesRead.scope() }),
    }
}

/// How much of candidate `id` a reader (see [`reader_of`]) sees: a member sees a candidate in none of their
/// organization's pipelines not at all (404, as a missing one), and contact details once
/// [`shows_contact`](crate::domain::pipeline::shows_contact) says so.
pub(super) fn sight(
    conn: &mut DbConnection,
    member_of: Option<crate::domain::OrganizationId>,
    id: CandidateId,
) -> AppResult<Sight> {
    let Some(org) = member_of else { return Ok(Sight::Whole) };
    let stages = crate::db::pipeline::stages_in_organization(conn, id, org)?;
    if stages.is_empty() {
        return Err(AppError::NotFound("candidate"));
    }
    Ok(if crate::domain::pipeline::shows_contact(&stages) { Sight::Whole } else { Sight::WithoutContact })
}

/// Get a candidate
///
/// Organization members may read a candidate who is in the pipeline of one of their organization's needs
/// (`pipeline:read`; anyone else answers 404, as a missing one), with `email` and `phone` null until the
/// candidate is `offered` or `placed` there.
#[utoipa::path(security(("oauth2" = ["candidates:read"])), tag = "candidates", params(("id" = uuid::Uuid, Path, description = "Candidate id")),
    responses((status = 200, description = "The candidate; `ETag` is its version.", body = CandidateView, headers(("ETag" = String)))))]
#[get("/candidates/{id}")]
async fn get_candidate(
    state: web::Data<AppState>,
    principal: crate::auth::Principal,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let member_of = reader_of(&principal)?;
    let id: CandidateId = path_id(&id, "candidate")?;
    let rendered = state.rendered.clone();
    let (version, view, sight) = state
        .db
        .lookup(move |conn| {
            let sight = sight(conn, member_of, id)?;
            let listed = store::listed(conn, id)?;
            let view = match rendered.get(&listed) {
                Some(view) => view,
                None => rendered.render(store::get(conn, id)?)?,
            };
            Ok((listed.version, view, sight))
        })
        .await?;
    if sight == Sight::Whole {
        return Ok(tagged(version, view));
    }
    let mut body: serde_json::Value = serde_json::from_str(view.json()).map_err(|e| AppError::Internal(e.into()))?;
    for field in ["email", "phone"] {
        if let Some(value) = body.get_mut(field) {
            *value = serde_json::Value::Null;
        }
    }
    Ok(tagged(version, body))
}

/// Update a candidate
///
/// A JSON Merge Patch (RFC 7396): fields given replace the current ones, `null` clears an optional field,
/// and a list given replaces the whole list.
#[utoipa::path(security(("oauth2" = ["candidates:write"])), tag = "candidates", params(("id" = uuid::Uuid, Path, description = "Candidate id")),
    request_body(content = CandidateInput, content_type = "application/merge-patch+json",
        example = json!({"day_rate": {"amount": 1550, "currency": "EUR"}, "availability": {"available_from": "2027-02-01"}})),
    responses((status = 200, description = "The candidate as changed; `ETag` is its new version.", body = CandidateView, headers(("ETag" = String))), (status = 409, response = super::Conflict)))]
#[patch("/candidates/{id}")]
async fn update_candidate(
    state: web::Data<AppState>,
    _: Allowed<required::CandidatesWrite>,
    id: web::Path<String>,
    if_match: IfMatch,
    patch: MergePatch,
) -> AppResult<HttpResponse> {
    let id: CandidateId = path_id(&id, "candidate")?;
    let stored = state
        .db
        .write(move |conn| {
            let current = store::get(conn, id)?;
            let mut next = merge(&CandidateInput::from(&current.value.0), &patch.0)?.resolve_skills(conn)?.parse()?;
            let stored = &current.value.0.custom_fields;
            next.custom_fields =
                custom_fields::checked(conn, FieldResource::Candidate, None, &next.custom_fields, stored)?;
            // An invalid body is refused (422) whatever version it names.
            if_match.check(current.version)?;
            store::update(conn, &current, &next)
        })
        .await?;
    Ok(tagged(stored.version, state.rendered.render(stored)?))
}

/// Delete a candidate
///
/// Deletes the candidate and everything recorded about them.
#[utoipa::path(security(("oauth2" = ["candidates:write"])), tag = "candidates", params(("id" = uuid::Uuid, Path, description = "Candidate id")),
    responses((status = 204, description = "Deleted.")))]
#[delete("/candidates/{id}")]
async fn delete_candidate(
    state: web::Data<AppState>,
    _: Allowed<required::CandidatesWrite>,
    id: web::Path<String>,
    if_match: IfMatch,
) -> AppResult<HttpResponse> {
    let id: CandidateId = path_id(&id, "candidate")?;
    state
        .db
        .write(move |conn| {
            if_match.check(store::get(conn, id)?.version)?;
            store::delete(conn, id)
        })
        .await?;
    state.rendered.forget(id);
    Ok(HttpResponse::NoContent().finish())
}
