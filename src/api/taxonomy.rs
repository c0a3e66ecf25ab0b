//! The taxonomy in bulk: `POST /api/v1/skills/import` takes ESCO's own CSV
//! files (skills, their broader and related skills, occupations and the
//! skills they need) or NDJSON skills, through the common importer
//! ([`super::import`]); `GET /api/v1/skills/suggest` finds skills for free
//! text through their labels and synonyms.

use std::sync::{Arc, Mutex};

use actix_web::{HttpRequest, get, post, web};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::import::{self, CsvColumns, Format, RowStatus};
use crate::AppState;
use crate::auth::Allowed;
use crate::db::DbConnection;
use crate::db::occupations::{self as occupation_store, Imported as ImportedOccupation};
use crate::db::skills::{self as store, Imported};
use crate::domain::FieldError;
use crate::domain::SkillKey;
use crate::domain::access::required;
use crate::domain::occupation::{Occupation, SkillNeed};
use crate::domain::skill::{self, ReuseLevel, Skill, SkillType};
use crate::domain::validation::{self, Invalid, Validator};
use crate::error::{AppError, AppResult};
use crate::matching::taxonomy::{TaxonomySkill, normalise};

/// Which file an import body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// NDJSON, one skill a line: `uri`, `label`, `alt_labels`, `skill_type`, `reuse_level`,
    /// `description`, `broader` and `related` (URIs or keys of skills already stored or on earlier lines).
    Skills,
    /// ESCO's `skills_en.csv`.
    EscoSkills,
    /// ESCO's `broaderRelationsSkillPillar_en.csv`.
    EscoBroaderRelations,
    /// ESCO's `skillSkillRelations_en.csv`.
    EscoSkillRelations,
    /// ESCO's `occupations_en.csv`.
    EscoOccupations,
    /// ESCO's `occupationSkillRelations_en.csv`.
    EscoOccupationSkills,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaxonomyImportQuery {
    /// The file's layout. CSV bodies are one of ESCO's files and must name it; NDJSON is `skills` (the default).
    layout: Option<Layout>,
    /// Check every row and report what would happen, writing nothing. Each batch of 500 rows is undone
    /// before the next is read, so a row naming a skill made by an earlier batch of the same body reports
    /// it unknown.
    #[serde(default)]
    dry_run: bool,
    /// The taxonomy the rows come from (default `esco`).
    #[param(max_length = 50, example = "esco")]
    taxonomy: Option<String>,
    /// Its release, kept on every skill and occupation written (`1.2.0`).
    #[param(max_length = 50, example = "1.2.0")]
    taxonomy_version: Option<String>,
}

/// Where imported rows come from.
struct Source {
    taxonomy: String,
    version: Option<String>,
}

static ESCO_SKILLS: CsvColumns =
    CsvColumns { fields: Vec::new, numbers: &[], flags: &[], lists: &[], required: &["conceptUri", "preferredLabel"] };
static ESCO_BROADER: CsvColumns =
    CsvColumns { fields: Vec::new, numbers: &[], flags: &[], lists: &[], required: &["conceptUri", "broaderUri"] };
static ESCO_RELATED: CsvColumns = CsvColumns {
    fields: Vec::new,
    numbers: &[],
    flags: &[],
    lists: &[],
    required: &["originalSkillUri", "relatedSkillUri"],
};
static ESCO_OCCUPATIONS: CsvColumns =
    CsvColumns { fields: Vec::new, numbers: &[], flags: &[], lists: &[], required: &["conceptUri", "preferredLabel"] };
static ESCO_OCCUPATION_SKILLS: CsvColumns = CsvColumns {
    fields: Vec::new,
    numbers: &[],
    flags: &[],
    lists: &[],
    required: &["occupationUri", "relationType", "skillUri"],
};
static NDJSON_SKILLS: CsvColumns = CsvColumns { fields: Vec::new, numbers: &[], flags: &[], lists: &[], required: &[] };

/// A text cell of a row (`None` when empty or absent).
fn cell<'v>(row: &'v Value, column: &str) -> Option<&'v str> {
    row.get(column).and_then(Value::as_str).map(str::trim).filter(|c| !c.is_empty())
}

fn required_cell<'v>(v: &mut Validator, row: &'v Value, column: &str) -> Option<&'v str> {
    let found = cell(row, column);
    if found.is_none() {
        v.fail(column.to_owned(), "required", "is required");
    }
    found
}

fn status_of(imported: Imported) -> (RowStatus, String) {
    match imported {
        Imported::Created(k) => (RowStatus::Created, k.to_string()),
        Imported::Updated(k) => (RowStatus::Updated, k.to_string()),
        Imported::Unchanged(k) => (RowStatus::Unchanged, k.to_string()),
    }
}

/// ESCO's altLabels cell: one label a line.
fn labels_of(v: &mut Validator, cell: Option<&str>, preferred: &str) -> Vec<String> {
    let items: Vec<String> = cell
        .unwrap_or("")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && *l != preferred)
        .map(String::from)
        .collect();
    super::skills::alt_labels(v, &items)
}

/// A skill from a row of ESCO's skills file.
fn esco_skill(row: &Value, source: &Source) -> AppResult<Skill> {
    let mut v = Validator::new();
    let uri = required_cell(&mut v, row, "conceptUri").and_then(|u| v.check("conceptUri", skill::uri(u)));
    let name = required_cell(&mut v, row, "preferredLabel")
        .and_then(|l| v.check("preferredLabel", validation::text(l, 1, 200)));
    let alt_labels = labels_of(&mut v, cell(row, "altLabels"), name.as_deref().unwrap_or(""));
    let skill_type = v.check("skillType", cell(row, "skillType").map(SkillType::from_esco).transpose());
    let reuse_level = v.check("reuseLevel", cell(row, "reuseLevel").map(ReuseLevel::from_esco).transpose());
    let text = cell(row, "description").or_else(|| cell(row, "definition"));
    let description = v.check("description", validation::optional_text(text, 5000));
    let skill = (|| {
        Some(Skill {
            uri: Some(uri?),
            alt_labels,
            skill_type: skill_type?,
            reuse_level: reuse_level?,
            description: description?,
            taxonomy: Some(source.taxonomy.clone()),
            taxonomy_version: source.version.clone(),
            ..Skill::named(SkillKey::parse("imported").ok()?, name?, None)
        })
    })();
    v.finish(skill).map_err(AppError::Validation)
}

/// One line of the NDJSON form.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SkillLine {
    uri: String,
    #[serde(alias = "name")]
    label: String,
    #[serde(default)]
    alt_labels: Vec<String>,
    #[serde(default)]
    skill_type: Option<String>,
    #[serde(default)]
    reuse_level: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    broader: Option<Vec<String>>,
    #[serde(default)]
    related: Option<Vec<String>>,
}

fn ndjson_skill(conn: &mut DbConnection, row: Value, source: &Source) -> AppResult<(Skill, bool)> {
    let mut line: SkillLine = super::extract::from_value(row)?;
    let relations = line.broader.is_some() || line.related.is_some();
    store::resolve_references(conn, line.broader.iter_mut().flatten().chain(line.related.iter_mut().flatten()))?;
    let mut v = Validator::new();
    let uri = v.check("uri", skill::uri(&line.uri));
    let name = v.check("label", validation::text(&line.label, 1, 200));
    let alt_labels = super::skills::alt_labels(&mut v, &line.alt_labels);
    let skill_type = v.check("skill_type", line.skill_type.as_deref().map(SkillType::from_esco).transpose());
    let reuse_level = v.check("reuse_level", line.reuse_level.as_deref().map(ReuseLevel::from_esco).transpose());
    let description = v.check("description", validation::optional_text(line.description.as_deref(), 5000));
    let broader = super::skills::references(&mut v, "broader", line.broader.as_deref().unwrap_or_default());
    let related = super::skills::references(&mut v, "related", line.related.as_deref().unwrap_or_default());
    let skill = (|| {
        Some(Skill {
            uri: Some(uri?),
            alt_labels,
            skill_type: skill_type?,
            reuse_level: reuse_level?,
            description: description?,
            broader,
            related,
            taxonomy: Some(source.taxonomy.clone()),
            taxonomy_version: source.version.clone(),
            ..Skill::named(SkillKey::parse("imported").ok()?, name?, None)
        })
    })();
    Ok((v.finish(skill).map_err(AppError::Validation)?, relations))
}

fn unknown(field: &str, uri: &str, what: &str) -> AppError {
    AppError::Validation(vec![FieldError {
        field: field.to_owned(),
        code: if what == "skill" { "unknown_skill" } else { "unknown_occupation" },
        message: format!("no {what} has the URI `{uri}`: import the {what}s first"),
    }])
}

/// The key of the skill a relation row names; a skill group (ESCO's
/// `SkillGroup`) not yet stored becomes a skill of its own, from its label.
fn related_end(
    conn: &mut DbConnection,
    row: &Value,
    columns: (&str, &str, &str),
    source: &Source,
    groups: &mut bool,
) -> AppResult<SkillKey> {
    let (uri_column, type_column, label_column) = columns;
    let uri = cell(row, uri_column).ok_or_else(|| AppError::field(uri_column, "required", "is required"))?;
    if let Some(key) = store::resolve(conn, uri)? {
        return Ok(key);
    }
    let label = cell(row, label_column);
    match (cell(row, type_column), label) {
        (Some("SkillGroup"), Some(label)) => {
            let group = Skill {
                uri: Some(skill::uri(uri).map_err(|e| invalid(uri_column, e))?),
                taxonomy: Some(source.taxonomy.clone()),
                taxonomy_version: source.version.clone(),
                ..Skill::named(
                    SkillKey::parse("group").map_err(|e| invalid(uri_column, e))?,
                    validation::text(label, 1, 200).map_err(|e| invalid(label_column, e))?,
                    None,
                )
            };
            *groups = true;
            match store::import(conn, group, false)? {
                Imported::Created(key) | Imported::Updated(key) | Imported::Unchanged(key) => Ok(key),
            }
        }
        _ => Err(unknown(uri_column, uri, "skill")),
    }
}

fn invalid(field: &str, e: Invalid) -> AppError {
    AppError::field(field, e.code, e.message)
}

fn broader_row(conn: &mut DbConnection, row: Value, source: &Source) -> AppResult<(RowStatus, String)> {
    let mut groups = false;
    let child = related_end(conn, &row, ("conceptUri", "conceptType", "conceptLabel"), source, &mut groups)?;
    let parent = related_end(conn, &row, ("broaderUri", "broaderType", "broaderLabel"), source, &mut groups)?;
    let added = store::relate(conn, &child, true, &parent)?;
    Ok((if added || groups { RowStatus::Created } else { RowStatus::Unchanged }, child.to_string()))
}

fn related_row(conn: &mut DbConnection, row: Value) -> AppResult<(RowStatus, String)> {
    let end = |conn: &mut DbConnection, column: &str| -> AppResult<SkillKey> {
        let uri = cell(&row, column).ok_or_else(|| AppError::field(column, "required", "is required"))?;
        store::resolve(conn, uri)?.ok_or_else(|| unknown(column, uri, "skill"))
    };
    let from = end(conn, "originalSkillUri")?;
    let to = end(conn, "relatedSkillUri")?;
    let added = store::relate(conn, &from, false, &to)?;
    Ok((if added { RowStatus::Created } else { RowStatus::Unchanged }, from.to_string()))
}

fn occupation_row(conn: &mut DbConnection, row: Value, source: &Source) -> AppResult<(RowStatus, String)> {
    let mut v = Validator::new();
    let uri = required_cell(&mut v, &row, "conceptUri").and_then(|u| v.check("conceptUri", skill::uri(u)));
    let name = required_cell(&mut v, &row, "preferredLabel")
        .and_then(|l| v.check("preferredLabel", validation::text(l, 1, 200)));
    let alt_labels = labels_of(&mut v, cell(&row, "altLabels"), name.as_deref().unwrap_or(""));
    let description = v.check(
        "description",
        validation::optional_text(cell(&row, "description").or_else(|| cell(&row, "definition")), 5000),
    );
    let short = |v: &mut Validator, column: &str| v.check(column, validation::optional_text(cell(&row, column), 50));
    let isco_group = short(&mut v, "iscoGroup");
    let code = short(&mut v, "code");
    let occupation = (|| {
        Some(Occupation {
            key: SkillKey::parse("imported").ok()?,
            uri: uri?,
            name: name?,
            alt_labels,
            isco_group: isco_group?,
            code: code?,
            description: description?,
            taxonomy: Some(source.taxonomy.clone()),
            taxonomy_version: source.version.clone(),
        })
    })();
    let occupation = v.finish(occupation).map_err(AppError::Validation)?;
    Ok(match occupation_store::import(conn, occupation)? {
        ImportedOccupation::Created(k) => (RowStatus::Created, k.to_string()),
        ImportedOccupation::Updated(k) => (RowStatus::Updated, k.to_string()),
        ImportedOccupation::Unchanged(k) => (RowStatus::Unchanged, k.to_string()),
    })
}

fn occupation_skill_row(conn: &mut DbConnection, row: Value) -> AppResult<(RowStatus, String)> {
    let need: SkillNeed = cell(&row, "relationType")
        .ok_or_else(|| AppError::field("relationType", "required", "is required"))?
        .parse()
        .map_err(|e| invalid("relationType", e))?;
    let occupation_uri =
        cell(&row, "occupationUri").ok_or_else(|| AppError::field("occupationUri", "required", "is required"))?;
    let occupation = occupation_store::resolve(conn, occupation_uri)?
        .ok_or_else(|| unknown("occupationUri", occupation_uri, "occupation"))?;
    let skill_uri = cell(&row, "skillUri").ok_or_else(|| AppError::field("skillUri", "required", "is required"))?;
    let skill = store::resolve(conn, skill_uri)?.ok_or_else(|| unknown("skillUri", skill_uri, "skill"))?;
    let status = match occupation_store::needs_skill(conn, &occupation, &skill, need)? {
        None => RowStatus::Unchanged,
        Some(true) => RowStatus::Created,
        Some(false) => RowStatus::Updated,
    };
    Ok((status, occupation.to_string()))
}

/// Import a taxonomy (ESCO)
///
/// Creates or updates skills, their broader and related skills, occupations and the skills occupations
/// need, from ESCO's own CSV files (`text/csv`, each file as ESCO publishes it, named by `layout`) or from
/// NDJSON skills (`application/x-ndjson`, `layout=skills`). Send the skills first, then their relations,
/// then occupations and the skills they need: a relation naming an unknown URI is refused (422 in its
/// row), except that an ESCO skill group (`SkillGroup`) named in the broader relations becomes a skill of
/// its own, from its label, so the hierarchy stays whole.
///
/// Skills and occupations are found by URI, so sending the same file again reports its rows
/// `unchanged`; a new one gets a key made from its preferred label (`enterprise-risk-management`, with
/// `-2`, `-3`… when another skill holds it). Each row's `id` is the key of the skill (for relations,
/// of the narrower or originating skill) or occupation. `taxonomy` (default `esco`) and
/// `taxonomy_version` are kept on every skill and occupation written. Each row is written on its own;
/// refused rows are reported with their errors while the others land. The body is read as it arrives
/// (up to 200,000 rows and 512 MiB; each row at most 64 KiB) and written 500 rows per transaction.
/// Callers need `skills:write`, as for adding one skill.
#[utoipa::path(security(("oauth2" = ["skills:write"])), tag = "skills", params(TaxonomyImportQuery),
    request_body(content(
        (String = "text/csv", example = json!("conceptType,conceptUri,skillType,reuseLevel,preferredLabel,altLabels,hiddenLabels,status,modifiedDate,scopeNote,definition,inScheme,description\nKnowledgeSkillCompetence,http://data.europa.eu/esco/skill/0c2a3b9e-0000-4000-8000-000000000001,skill/competence,cross-sector,enterprise risk management,\"ERM\nenterprise-wide risk management\",,released,2023-11-30T12:00:00Z,,,http://data.europa.eu/esco/concept-scheme/skills,Plan and run the management of every risk an enterprise faces.\n")),
        (String = "application/x-ndjson", example = json!("{\"uri\": \"https://skills.example.com/nps\", \"label\": \"Net Promoter programmes\", \"alt_labels\": [\"NPS\"], \"broader\": [\"customer-data-analysis\"]}\n")),
    )),
    responses((status = 200, description = "Every row's result, in order; `id` is the skill's (or occupation's) key.", body = import::ImportReport)))]
#[post("/skills/import")]
pub async fn import_skills(
    state: web::Data<AppState>,
    _: Allowed<required::SkillsWrite>,
    req: HttpRequest,
    query: web::Query<TaxonomyImportQuery>,
    payload: web::Payload,
) -> AppResult<web::Json<import::ImportReport>> {
    let query = query.into_inner();
    let text = |name: &str, value: Option<String>| -> AppResult<Option<String>> {
        validation::optional_text(value.as_deref(), 50)
            .map_err(|e| AppError::InvalidQuery(format!("`{name}` {}.", e.message)))
    };
    let source = Arc::new(Source {
        taxonomy: text("taxonomy", query.taxonomy)?.unwrap_or_else(|| "esco".to_owned()),
        version: text("taxonomy_version", query.taxonomy_version)?,
    });
    let format = Format::of(&req)?;
    let layout = match (format, query.layout) {
        (Format::Ndjson, None | Some(Layout::Skills)) => Layout::Skills,
        (Format::Ndjson, Some(_)) => {
            return Err(AppError::InvalidQuery("ESCO's layouts are CSV; NDJSON bodies are `layout=skills`.".into()));
        }
        (Format::Csv, None | Some(Layout::Skills)) => {
            return Err(AppError::InvalidQuery(
                "Name the CSV's layout: `layout=esco_skills`, `esco_broader_relations`, `esco_skill_relations`, \
                 `esco_occupations` or `esco_occupation_skills`."
                    .into(),
            ));
        }
        (Format::Csv, Some(layout)) => layout,
    };
    let (columns, upsert): (&'static CsvColumns, import::Upsert) = match layout {
        Layout::Skills => (
            &NDJSON_SKILLS,
            Arc::new(move |conn: &mut DbConnection, row: Value| {
                let (skill, relations) = ndjson_skill(conn, row, &source)?;
                Ok(status_of(store::import(conn, skill, relations)?).into())
            }),
        ),
        Layout::EscoSkills => (
            &ESCO_SKILLS,
            Arc::new(move |conn: &mut DbConnection, row: Value| {
                Ok(status_of(store::import(conn, esco_skill(&row, &source)?, false)?).into())
            }),
        ),
        Layout::EscoBroaderRelations => (
            &ESCO_BROADER,
            Arc::new(move |conn: &mut DbConnection, row: Value| broader_row(conn, row, &source).map(Into::into)),
        ),
        Layout::EscoSkillRelations => {
            (&ESCO_RELATED, Arc::new(|conn: &mut DbConnection, row: Value| related_row(conn, row).map(Into::into)))
        }
        Layout::EscoOccupations => (
            &ESCO_OCCUPATIONS,
            Arc::new(move |conn: &mut DbConnection, row: Value| occupation_row(conn, row, &source).map(Into::into)),
        ),
        Layout::EscoOccupationSkills => (
            &ESCO_OCCUPATION_SKILLS,
            Arc::new(|conn: &mut DbConnection, row: Value| occupation_skill_row(conn, row).map(Into::into)),
        ),
    };
    let report = import::run(state.db.clone(), &req, payload, query.dry_run, columns, upsert).await?;
    Ok(web::Json(report))
}

// ---------------------------------------------------------------------------
// Suggest

/// The most suggestions one request answers.
pub const MAX_SUGGESTIONS: usize = 50;
const DEFAULT_SUGGESTIONS: usize = 10;

/// How a label matched the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// The preferred label is the text.
    ExactLabel,
    /// A synonym is the text.
    Synonym,
    /// The preferred label starts with the text.
    LabelStartsWith,
    /// A synonym starts with the text.
    SynonymStartsWith,
    /// Every word of the text is in the preferred label (a word or the start of one).
    AllWordsInLabel,
    /// Every word of the text is in a synonym.
    AllWordsInSynonym,
    /// The text is the initials of the preferred label (`CRM`).
    LabelInitials,
    /// Some words of the text are in the preferred label or a synonym.
    SomeWords,
}

impl MatchKind {
    fn score(self) -> f64 {
        match self {
            MatchKind::ExactLabel => 100.0,
            MatchKind::Synonym => 95.0,
            MatchKind::LabelStartsWith => 80.0,
            MatchKind::SynonymStartsWith => 75.0,
            MatchKind::AllWordsInLabel => 65.0,
            MatchKind::AllWordsInSynonym => 60.0,
            MatchKind::LabelInitials => 55.0,
            MatchKind::SomeWords => 40.0,
        }
    }
}

/// Why a skill is suggested.
#[derive(Debug, Serialize, ToSchema)]
pub struct Why {
    /// How the label matched.
    #[schema(example = "synonym")]
    pub kind: MatchKind,
    /// The label (preferred or synonym) that matched, as stored.
    #[schema(example = "customer relationship management")]
    pub label: String,
}

/// A skill the text may mean.
#[derive(Debug, Serialize, ToSchema)]
pub struct Suggestion {
    pub key: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// 0–100: the kind of match, less a little for labels much longer than the text.
    #[schema(example = 95.0)]
    pub score: f64,
    pub why: Why,
}

/// Skills suggested for a text.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"q": "CRM", "revision": 42, "items": [
    {"key": "crm-systems", "name": "CRM systems", "score": 95.0, "why": {"kind": "synonym", "label": "CRM"}}]}))]
pub struct Suggestions {
    /// The text, as sent.
    pub q: String,
    /// The taxonomy revision the suggestions were read from.
    pub revision: i64,
    /// Best first.
    pub items: Vec<Suggestion>,
}

struct Entry {
    key: usize,
    label: String,
    normalised: String,
    words: Vec<String>,
    preferred: bool,
}

/// Every label of the taxonomy, normalised, at one revision.
pub struct LabelIndex {
    revision: store::Revision,
    skills: Vec<(SkillKey, String, Option<String>)>,
    entries: Vec<Entry>,
}

impl LabelIndex {
    fn new(
        revision: store::Revision,
        taxonomy: Vec<TaxonomySkill>,
        uris: std::collections::HashMap<String, String>,
    ) -> Self {
        let mut index = LabelIndex { revision, skills: Vec::with_capacity(taxonomy.len()), entries: Vec::new() };
        for (i, s) in taxonomy.into_iter().enumerate() {
            for (label, preferred) in std::iter::once((&s.label, true)).chain(s.alt_labels.iter().map(|l| (l, false))) {
                let normalised = normalise(label);
                if normalised.is_empty() {
                    continue;
                }
                let words = normalised.split(' ').map(str::to_owned).collect();
                index.entries.push(Entry { key: i, label: label.clone(), normalised, words, preferred });
            }
            let uri = uris.get(s.key.as_str()).cloned();
            index.skills.push((s.key, s.label, uri));
        }
        index
    }

    fn suggest(&self, text: &str, limit: usize) -> Vec<Suggestion> {
        let q = normalise(text);
        if q.is_empty() {
            return Vec::new();
        }
        let q_words: Vec<&str> = q.split(' ').collect();
        let mut best: std::collections::HashMap<usize, (MatchKind, f64, &Entry)> = std::collections::HashMap::new();
        for e in &self.entries {
            let Some(kind) = match_kind(&q, &q_words, e) else { continue };
            // Among equal kinds, a label close to the text in length first.
            let extra = e.normalised.len().saturating_sub(q.len()) as f64;
            let score = (kind.score() - (extra / 10.0).min(9.0)).max(1.0);
            let better = best.get(&e.key).is_none_or(|(k, s, _)| (kind, -score) < (*k, -*s));
            if better {
                best.insert(e.key, (kind, score, e));
            }
        }
        let mut found: Vec<(MatchKind, f64, &Entry)> = best.into_values().collect();
        found.sort_by(|a, b| {
            b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)).then_with(|| self.skills[a.2.key].0.cmp(&self.skills[b.2.key].0))
        });
        found
            .into_iter()
            .take(limit)
            .map(|(kind, score, e)| {
                let (key, name, uri) = &self.skills[e.key];
                Suggestion {
                    key: key.to_string(),
                    name: name.clone(),
                    uri: uri.clone(),
                    score: (score * 10.0).round() / 10.0,
                    why: Why { kind, label: e.label.clone() },
                }
            })
            .collect()
    }
}

fn match_kind(q: &str, q_words: &[&str], e: &Entry) -> Option<MatchKind> {
    let pick = |label: MatchKind, synonym: MatchKind| if e.preferred { label } else { synonym };
    if e.normalised == q {
        return Some(pick(MatchKind::ExactLabel, MatchKind::Synonym));
    }
    if e.normalised.starts_with(q) {
        return Some(pick(MatchKind::LabelStartsWith, MatchKind::SynonymStartsWith));
    }
    let has = |w: &str| e.words.iter().any(|lw| lw.starts_with(w));
    let contained = q_words.iter().filter(|w| has(w)).count();
    if contained == q_words.len() {
        return Some(pick(MatchKind::AllWordsInLabel, MatchKind::AllWordsInSynonym));
    }
    if e.preferred && q_words.len() == 1 && q.len() >= 2 && e.words.len() == q.len() {
        let initials: String = e.words.iter().filter_map(|w| w.chars().next()).collect();
        if initials == q {
            return Some(MatchKind::LabelInitials);
        }
    }
    // Short words (`of`, `a`) alone do not make a match.
    let meaningful = q_words.iter().filter(|w| w.len() > 2 && has(w)).count();
    if meaningful > 0 && meaningful * 2 >= q_words.len() {
        return Some(MatchKind::SomeWords);
    }
    None
}

/// The label index of the taxonomy's latest revision, built again only when the revision moved.
#[derive(Default)]
pub struct LabelIndexCache(Mutex<Option<Arc<LabelIndex>>>);

impl LabelIndexCache {
    fn current(&self, conn: &mut DbConnection) -> AppResult<Arc<LabelIndex>> {
        let revision = store::revision(conn)?;
        if let Ok(held) = self.0.lock()
            && let Some(index) = held.as_ref().filter(|i| i.revision == revision)
        {
            return Ok(index.clone());
        }
        let taxonomy = store::taxonomy(conn)?;
        let uris = store::uris(conn)?;
        let index = Arc::new(LabelIndex::new(revision, taxonomy, uris));
        if let Ok(mut held) = self.0.lock() {
            *held = Some(index.clone());
        }
        Ok(index)
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestQuery {
    /// Free text: a label, a synonym, an acronym, some words (`CX strategy`, `CRM`, `enterprise risk`): 1 to
    /// 200 characters once the white space at either end is trimmed, no control characters. (The pattern is
    /// what `validation::text(_, 1, 200)` keeps, less the tab and line feed no query string carries.)
    #[param(
        pattern = "^[\\u0020\\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]*[^\\u0000-\\u0020\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]([^\\u0000-\\u001F\\u007F-\\u009F]{0,198}[^\\u0000-\\u0020\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000])?[\\u0020\\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]*$",
        example = "enterprise risk"
    )]
    q: String,
    /// How many suggestions, 1 to 50 (default 10).
    #[param(minimum = 1, maximum = 50)]
    limit: Option<i64>,
}

/// Suggest skills for free text
///
/// Ranks skills whose preferred label or synonyms match the text (compared lowercased, with punctuation
/// as spaces): the label or a synonym is the text, starts with it, holds every word of it (each word a
/// word of the label or the start of one), is spelt by its initials (`CRM`), or holds some of its words.
/// Each suggestion says which label matched and how, with a score (0–100). Read from an in-memory index
/// of every label, rebuilt when the taxonomy's revision moves. Callers need `skills:read`.
#[utoipa::path(security(("oauth2" = ["skills:read"])), tag = "skills", params(SuggestQuery),
    responses((status = 200, description = "The suggestions, best first (none when nothing matches).", body = Suggestions),
        (status = 400, response = super::BadRequest)))]
#[get("/skills/suggest")]
pub async fn suggest_skills(
    state: web::Data<AppState>,
    _: Allowed<required::SkillsRead>,
    query: web::Query<SuggestQuery>,
) -> AppResult<web::Json<Suggestions>> {
    let SuggestQuery { q, limit } = query.into_inner();
    let text = validation::text(&q, 1, 200).map_err(|e| AppError::InvalidQuery(format!("`q` {}.", e.message)))?;
    if text.chars().any(char::is_control) {
        return Err(AppError::InvalidQuery("`q` must not hold control characters.".into()));
    }
    let limit = match limit {
        None => DEFAULT_SUGGESTIONS,
        Some(n) if (1..=MAX_SUGGESTIONS as i64).contains(&n) => n as usize,
        Some(_) => return Err(AppError::InvalidQuery(format!("`limit` must be 1 to {MAX_SUGGESTIONS}."))),
    };
    let cache = state.labels.clone();
    let index = state.db.read(move |conn| cache.current(conn)).await?;
    let items = index.suggest(&text, limit);
    Ok(web::Json(Suggestions { q, revision: index.revision.get(), items }))
}
