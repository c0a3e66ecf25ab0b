//! Bulk import: a body of NDJSON (one JSON object a line) or CSV (a header
//! row, then one record a row) is read as it arrives and written in batches,
//! each row on its own (a savepoint), so good rows land while bad ones are
//! reported with their errors. Neither the rows nor the body are ever held
//! whole: the body flows through a small bounded channel into a blocking
//! reader, which parses and writes [`BATCH`] rows per transaction.
//!
//! An import is an upsert on a natural key (an external id or an e-mail), so
//! running the same file again is safe and reports its rows `unchanged`:
//! imports do not take `Idempotency-Key`.

use std::io::{self, BufRead, BufReader, Read};
use std::time::Duration;

use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, web};
use diesel::Connection;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use crate::db::{Database, DbConnection};
use crate::domain::FieldError;
use crate::error::{AppError, AppResult};

/// Rows written per transaction.
const BATCH: usize = 500;
/// The most rows one import takes.
pub const MAX_ROWS: u64 = 200_000;
/// The largest import body, in bytes.
pub const MAX_BYTES: u64 = 512 * 1024 * 1024;
/// The longest line (NDJSON) or record (CSV), in bytes.
pub const MAX_LINE: usize = 64 * 1024;

/// The body's format, from its `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Ndjson,
    Csv,
}

impl Format {
    pub fn of(req: &HttpRequest) -> AppResult<Format> {
        let content_type = req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        match content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase().as_str() {
            "application/x-ndjson" | "application/jsonl" | "application/json-lines" => Ok(Format::Ndjson),
            "text/csv" => Ok(Format::Csv),
            other => Err(AppError::UnsupportedMediaType(format!(
                "Send the rows as application/x-ndjson or text/csv (got {}).",
                if other.is_empty() { "no Content-Type" } else { other }
            ))),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Check every row (validation, references, uniqueness) and report what would happen, writing nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// What became of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RowStatus {
    Created,
    Updated,
    /// The record already held exactly this.
    Unchanged,
    /// Refused; `errors` says why. Nothing of the row was written.
    Failed,
}

/// The result of one row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RowResult {
    /// 1 for the first data row (after the CSV header).
    pub row: u64,
    pub status: RowStatus,
    /// The record's id (created, updated or unchanged): a UUID, or a key for skills and occupations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Why the row was refused, field by field as in a 422.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<crate::error::ProblemFieldError>)]
    pub errors: Vec<FieldError>,
    /// Candidates only: the stored candidates the one this row created may be (the same e-mail or phone, an
    /// alike name in one city); review them with `GET /api/v1/candidates/{id}/duplicates`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<uuid::Uuid>)]
    pub possible_duplicates: Vec<String>,
}

/// What an import did.
#[derive(Debug, Default, Serialize, ToSchema)]
#[schema(example = json!({"dry_run": false, "rows": 3, "created": 1, "updated": 1, "unchanged": 0, "failed": 1,
    "possible_duplicates": 1,
    "results": [{"row": 1, "status": "created", "id": "0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6c",
            "possible_duplicates": ["0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6e"]},
        {"row": 2, "status": "updated", "id": "0193a5f2-6c1e-7b7a-9c55-1d2e3f4a5b6d"},
        {"row": 3, "status": "failed", "errors": [{"field": "email", "code": "invalid_email", "message": "is not an e-mail address"}]}]}))]
pub struct ImportReport {
    pub dry_run: bool,
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub failed: u64,
    /// Rows that created a candidate who may be a stored one (see each result's `possible_duplicates`).
    pub possible_duplicates: u64,
    /// One result per row, in order.
    pub results: Vec<RowResult>,
}

impl ImportReport {
    fn push(&mut self, result: RowResult) {
        self.rows += 1;
        match result.status {
            RowStatus::Created => self.created += 1,
            RowStatus::Updated => self.updated += 1,
            RowStatus::Unchanged => self.unchanged += 1,
            RowStatus::Failed => self.failed += 1,
        }
        if !result.possible_duplicates.is_empty() {
            self.possible_duplicates += 1;
        }
        self.results.push(result);
    }
}

/// What writing one row did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upserted {
    pub status: RowStatus,
    pub id: String,
    /// The stored records a created one may duplicate (candidates only).
    pub possible_duplicates: Vec<String>,
}

impl From<(RowStatus, String)> for Upserted {
    fn from((status, id): (RowStatus, String)) -> Self {
        Upserted { status, id, possible_duplicates: Vec::new() }
    }
}

/// Writes one row, parsed into a JSON object.
pub type Upsert = std::sync::Arc<dyn Fn(&mut DbConnection, Value) -> AppResult<Upserted> + Send + Sync>;

/// How CSV cells become JSON values for a resource: `a.b` headers nest,
/// and the resource says which columns hold numbers, flags or lists.
pub struct CsvColumns {
    /// The input's field names, which the header row's names (before any `.`) must be.
    pub fields: fn() -> Vec<String>,
    pub numbers: &'static [&'static str],
    pub flags: &'static [&'static str],
    /// Columns whose cell is a `;`-separated list; each item becomes an
    /// object by splitting on `:` into these fields, or stays a string.
    pub lists: &'static [(&'static str, &'static [&'static str])],
    /// For a layout of someone else's (ESCO's files): the columns the header
    /// row must have; others are allowed and ignored, and cells are read as
    /// text. Empty for the resource's own fields, which `fields` checks.
    pub required: &'static [&'static str],
}

/// Reads the body as it arrives and imports it; the answer comes once every
/// row is written (or refused).
pub async fn run(
    db: Database,
    req: &HttpRequest,
    mut payload: web::Payload,
    dry_run: bool,
    columns: &'static CsvColumns,
    upsert: Upsert,
) -> AppResult<ImportReport> {
    let format = Format::of(req)?;
    let idle = req.app_data::<super::extract::BodyTimeout>().map_or(Duration::from_secs(10), |t| t.0);
    let (sender, receiver) = tokio::sync::mpsc::channel::<io::Result<web::Bytes>>(8);
    let import = web::block(move || {
        let reader = ChannelReader { receiver, current: web::Bytes::new() };
        import(&db, reader, format, dry_run, columns, &upsert)
    });
    let feed = async move {
        let mut received: u64 = 0;
        loop {
            let chunk = match actix_web::rt::time::timeout(idle, payload.next()).await {
                Err(_) => Err(AppError::RequestTimeout),
                Ok(None) => return Ok(()),
                Ok(Some(Err(_))) => Err(AppError::MalformedBody("The body could not be read.".into())),
                Ok(Some(Ok(chunk))) => {
                    received += chunk.len() as u64;
                    if received > MAX_BYTES {
                        Err(AppError::PayloadTooLarge { limit: MAX_BYTES as usize })
                    } else {
                        Ok(chunk)
                    }
                }
            };
            match chunk {
                // The importer stopped reading (it failed): its error is the answer.
                Ok(chunk) => {
                    if sender.send(Ok(chunk)).await.is_err() {
                        return Ok(());
                    }
                }
                Err(error) => {
                    let _ = sender.send(Err(io::Error::other("the body stopped"))).await;
                    return Err(error);
                }
            }
        }
    };
    let (imported, fed) = futures_util::future::join(import, feed).await;
    fed?;
    imported?
}

/// The blocking side of the body: chunks as they arrive, with back-pressure.
struct ChannelReader {
    receiver: tokio::sync::mpsc::Receiver<io::Result<web::Bytes>>,
    current: web::Bytes,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            match self.receiver.blocking_recv() {
                Some(Ok(chunk)) => self.current = chunk,
                Some(Err(error)) => return Err(error),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}

/// A row as read: its number and its JSON object, or why it could not be read.
type ReadRow = (u64, Result<Value, FieldError>);

fn import(
    db: &Database,
    reader: impl Read,
    format: Format,
    dry_run: bool,
    columns: &CsvColumns,
    upsert: &Upsert,
) -> AppResult<ImportReport> {
    let mut report = ImportReport { dry_run, ..Default::default() };
    let mut batch: Vec<ReadRow> = Vec::with_capacity(BATCH);
    // A table that grew a lot since the planner last looked gets plans for a small one (on
    // PostgreSQL, sequential scans for every lookup): refresh its statistics as the load goes on.
    let mut written_since_analyze = 0;
    let mut flush = |batch: &mut Vec<ReadRow>, report: &mut ImportReport, last: bool| -> AppResult<()> {
        let before = report.created + report.updated;
        write_batch(db, std::mem::take(batch), dry_run, upsert, report)?;
        written_since_analyze += report.created + report.updated - before;
        if !dry_run && (written_since_analyze >= ANALYZE_EVERY || (last && written_since_analyze >= ANALYZE_AFTER)) {
            written_since_analyze = 0;
            // Best effort: the rows are in; only the planner's estimates are stale.
            if let Err(error) = db.analyze() {
                tracing::warn!(%error, "refreshing the planner's statistics during an import");
            }
        }
        Ok(())
    };
    let mut each = |row: ReadRow| -> AppResult<()> {
        if row.0 > MAX_ROWS {
            return Err(AppError::TooManyRows { limit: MAX_ROWS });
        }
        batch.push(row);
        if batch.len() >= BATCH {
            flush(&mut batch, &mut report, false)?;
        }
        Ok(())
    };
    match format {
        Format::Ndjson => read_ndjson(reader, &mut each)?,
        Format::Csv => read_csv(reader, columns, &mut each)?,
    }
    flush(&mut batch, &mut report, true)?;
    Ok(report)
}

/// Rows written during an import between two refreshes of the planner's statistics.
const ANALYZE_EVERY: u64 = 5000;
/// Rows written by one import after which the planner's statistics are refreshed at its end.
const ANALYZE_AFTER: u64 = 1000;

fn write_batch(
    db: &Database,
    rows: Vec<ReadRow>,
    dry_run: bool,
    upsert: &Upsert,
    report: &mut ImportReport,
) -> AppResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut results = Vec::with_capacity(rows.len());
    let written = db.write_blocking(|conn| {
        for (row, value) in rows {
            let outcome = value.map_err(|e| AppError::Validation(vec![e])).and_then(|value| {
                // A savepoint per row: a refused row leaves nothing behind, the others stay.
                conn.transaction(|conn| upsert(conn, value))
            });
            results.push(match outcome {
                Ok(done) => RowResult {
                    row,
                    status: done.status,
                    id: Some(done.id),
                    errors: Vec::new(),
                    possible_duplicates: done.possible_duplicates,
                },
                Err(error) => RowResult {
                    row,
                    status: RowStatus::Failed,
                    id: None,
                    errors: row_errors(error)?,
                    possible_duplicates: Vec::new(),
                },
            });
        }
        // A dry run undoes the batch; the results stay.
        if dry_run { Err(AppError::DryRun) } else { Ok(()) }
    });
    match written {
        Ok(()) | Err(AppError::DryRun) => {}
        Err(error) => return Err(error),
    }
    results.into_iter().for_each(|r| report.push(r));
    Ok(())
}

/// A row's refusal as field errors; errors that are not the row's fault
/// (the database failing) stop the import.
fn row_errors(error: AppError) -> AppResult<Vec<FieldError>> {
    let message = |code, message: String| vec![FieldError { field: String::new(), code, message }];
    match error {
        AppError::Validation(errors) => Ok(errors),
        AppError::Conflict(detail) => Ok(message("conflict", detail)),
        AppError::NotFound(what) => Ok(message("not_found", format!("no {what} has this id"))),
        other => Err(other),
    }
}

fn read_ndjson(reader: impl Read, each: &mut impl FnMut(ReadRow) -> AppResult<()>) -> AppResult<()> {
    let mut reader = BufReader::with_capacity(64 * 1024, reader);
    let mut line = Vec::new();
    let mut row = 0;
    loop {
        line.clear();
        let read = (&mut reader).take(MAX_LINE as u64 + 1).read_until(b'\n', &mut line).map_err(body_error)?;
        if read == 0 {
            return Ok(());
        }
        if line.len() > MAX_LINE && line.last() != Some(&b'\n') {
            return Err(AppError::PayloadTooLarge { limit: MAX_LINE });
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        row += 1;
        let value = match serde_json::from_slice::<Value>(&line) {
            Ok(value @ Value::Object(_)) => Ok(value),
            Ok(_) => Err(FieldError {
                field: String::new(),
                code: "invalid_type",
                message: "a row must be a JSON object".into(),
            }),
            Err(e) => {
                Err(FieldError { field: String::new(), code: "malformed", message: format!("not valid JSON: {e}") })
            }
        };
        each((row, value))?;
    }
}

fn read_csv(reader: impl Read, columns: &CsvColumns, each: &mut impl FnMut(ReadRow) -> AppResult<()>) -> AppResult<()> {
    let mut csv = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(reader);
    let headers = csv.headers().map_err(csv_error)?.clone();
    if headers.iter().all(str::is_empty) {
        return Ok(());
    }
    if let Some(missing) = columns.required.iter().find(|r| !headers.iter().any(|h| h == **r)) {
        return Err(AppError::MalformedBody(format!(
            "The CSV's first row must name the layout's columns ({}); `{missing}` is missing.",
            columns.required.join(", ")
        )));
    }
    // The header row names fields, dotted for nesting: anything else is not this import's CSV.
    let fields = (columns.fields)();
    if let Some(bad) = headers
        .iter()
        .find(|h| columns.required.is_empty() && !fields.iter().any(|f| h.split('.').next() == Some(f.as_str())))
    {
        return Err(AppError::MalformedBody(format!(
            "The CSV's first row must name fields of the record (such as `{}`); `{bad}` is not one.",
            fields.first().map_or("", String::as_str)
        )));
    }
    let mut record = csv::StringRecord::new();
    let mut row = 0;
    while csv.read_record(&mut record).map_err(csv_error)? {
        row += 1;
        if record.as_slice().len() > MAX_LINE {
            return Err(AppError::PayloadTooLarge { limit: MAX_LINE });
        }
        let value = if record.len() != headers.len() {
            Err(FieldError {
                field: String::new(),
                code: "malformed",
                message: format!("the row has {} cells, the header {}", record.len(), headers.len()),
            })
        } else {
            Ok(csv_object(&headers, &record, columns))
        };
        each((row, value))?;
    }
    Ok(())
}

/// A CSV record as the JSON object the resource's input reads; empty cells
/// are left out.
fn csv_object(headers: &csv::StringRecord, record: &csv::StringRecord, columns: &CsvColumns) -> Value {
    let mut object = Map::new();
    for (header, cell) in headers.iter().zip(record.iter()) {
        if cell.is_empty() {
            continue;
        }
        let value = if columns.numbers.contains(&header) {
            cell.parse::<i64>()
                .map(Value::from)
                .or_else(|_| cell.parse::<f64>().map(Value::from))
                .unwrap_or_else(|_| Value::from(cell))
        } else if columns.flags.contains(&header) {
            match cell.to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" => Value::Bool(true),
                "false" | "no" | "0" => Value::Bool(false),
                _ => Value::from(cell),
            }
        } else if let Some((_, fields)) = columns.lists.iter().find(|(name, _)| *name == header) {
            Value::Array(
                cell.split(';').map(str::trim).filter(|i| !i.is_empty()).map(|item| list_item(item, fields)).collect(),
            )
        } else {
            Value::from(cell)
        };
        // `location.country` nests: {"location": {"country": …}}.
        let mut target = &mut object;
        let mut parts = header.split('.').peekable();
        while let Some(part) = parts.next() {
            if parts.peek().is_none() {
                target.insert(part.to_owned(), value);
                break;
            }
            let entry = target.entry(part.to_owned()).or_insert_with(|| Value::Object(Map::new()));
            let Value::Object(next) = entry else { break };
            target = next;
        }
    }
    Value::Object(object)
}

/// The property names of an input's schema: the columns a CSV may have.
pub fn field_names<T: utoipa::PartialSchema>() -> Vec<String> {
    let schema = serde_json::to_value(T::schema()).unwrap_or_default();
    schema["properties"].as_object().map(|p| p.keys().cloned().collect()).unwrap_or_default()
}

impl CsvColumns {
    /// What [`read_csv`] accepts as a header row, as a JSON Schema pattern
    /// for the whole body: after any blank lines (the reader skips them),
    /// cells that are all empty, or each (trimmed) a field name, optionally
    /// dotted; then any rows.
    pub fn header_pattern(&self) -> String {
        const SPACE: &str = r"[\u0009\u000B\u000C\u0020\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]";
        let names = (self.fields)().join("|");
        let cell = format!(r#"{SPACE}*({names})(\.[^,\r\n"]*|{SPACE}*)"#);
        format!(
            r"^[\r\n]*(([,\u0009\u000B\u000C\u0020\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]+|{cell}(,{cell})*)([\r\n][\s\S]*)?)?$"
        )
    }
}

/// `crm-systems:4:6` with fields `[skill, level, years]` becomes
/// `{"skill": "crm-systems", "level": 4, "years": 6}`. A first part that is a
/// URI keeps its scheme's colon: `http://data.europa.eu/esco/skill/abc:4`
/// names the skill by its URI.
fn list_item(item: &str, fields: &[&str]) -> Value {
    if fields.is_empty() {
        return Value::from(item);
    }
    let mut parts: Vec<&str> = item.split(':').collect();
    let head = if parts.len() > 1 && parts[1].starts_with("//") {
        let uri = &item[..parts[0].len() + 1 + parts[1].len()];
        parts.drain(..2);
        uri
    } else {
        parts.remove(0)
    };
    let object: Map<String, Value> = fields
        .iter()
        .zip(std::iter::once(head).chain(parts).map(str::trim))
        .map(|(field, part)| (field.to_string(), part.parse::<i64>().map_or_else(|_| Value::from(part), Value::from)))
        .collect();
    Value::Object(object)
}

fn body_error(error: io::Error) -> AppError {
    AppError::MalformedBody(format!("The body could not be read: {error}."))
}

fn csv_error(error: csv::Error) -> AppError {
    match error.into_kind() {
        csv::ErrorKind::Io(io) => body_error(io),
        csv::ErrorKind::Utf8 { pos, .. } => {
            AppError::MalformedBody(format!("The CSV is not UTF-8 (row {}).", pos.map_or(0, |p| p.record())))
        }
        other => AppError::MalformedBody(format!("The CSV could not be read: {other:?}.")),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn fields() -> Vec<String> {
        ["email", "years_experience", "day_rate", "consent", "skills", "industries", "phone"].map(String::from).to_vec()
    }

    const COLUMNS: CsvColumns = CsvColumns {
        fields,
        numbers: &["years_experience", "day_rate.amount"],
        flags: &["consent.given"],
        lists: &[("skills", &["skill", "level", "years"]), ("industries", &[])],
        required: &[],
    };

    #[test]
    fn list_items_name_skills_by_key_or_uri() {
        let fields = ["skill", "level", "years", "last_used"];
        assert_eq!(
            list_item("crm-systems:4:6", &fields),
            serde_json::json!({"skill": "crm-systems", "level": 4, "years": 6})
        );
        assert_eq!(
            list_item("http://data.europa.eu/esco/skill/abc : 4:6:2021", &fields),
            serde_json::json!({"skill": "http://data.europa.eu/esco/skill/abc", "level": 4, "years": 6, "last_used": 2021})
        );
        assert_eq!(
            list_item("en:fluent", &["language", "proficiency"]),
            serde_json::json!({"language": "en", "proficiency": "fluent"})
        );
    }

    #[test]
    fn the_header_pattern_accepts_what_the_reader_accepts() {
        let pattern = regex::Regex::new(&COLUMNS.header_pattern()).unwrap();
        for text in [
            "",
            "\n",
            ",,\n",
            " , \u{3000}\r\nrow",
            "email",
            "email,phone\n1,2",
            " email , day_rate.amount\r\n",
            "day_rate.currency,consent.given",
            "email,\n",
            ",email",
            "emails\n",
            "email .x\n",
            "mail",
            "email\u{1},phone",
            "x,email\n",
            "email\rrow",
            "\rx",
            "\n\nemail\n",
            "\r\n,\n",
            " \rx",
            "\r\n\r\n",
        ] {
            let read = read_csv(text.as_bytes(), &COLUMNS, &mut |_| Ok(())).is_ok();
            assert_eq!(pattern.is_match(text), read, "{text:?}");
        }
    }

    #[test]
    fn csv_cells_become_the_input_object() {
        let text = "email,years_experience,day_rate.amount,day_rate.currency,consent.given,skills,industries,phone\n\
                    a@b.example,12,1500,EUR,yes,crm-systems:4:6; culture-management:5,retail;banking,\n";
        let mut rows = Vec::new();
        read_csv(text.as_bytes(), &COLUMNS, &mut |row| {
            rows.push(row);
            Ok(())
        })
        .unwrap();
        let (row, value) = rows.pop().unwrap();
        assert_eq!(row, 1);
        assert_eq!(
            value.unwrap(),
            serde_json::json!({"email": "a@b.example", "years_experience": 12,
                "day_rate": {"amount": 1500, "currency": "EUR"}, "consent": {"given": true},
                "skills": [{"skill": "crm-systems", "level": 4, "years": 6}, {"skill": "culture-management", "level": 5}],
                "industries": ["retail", "banking"]})
        );
    }

    #[test]
    fn ndjson_rows_are_numbered_and_bad_lines_reported() {
        let text = "{\"a\": 1}\n\n[1]\n{broken\n{\"b\": 2}";
        let mut rows = Vec::new();
        read_ndjson(text.as_bytes(), &mut |row| {
            rows.push(row);
            Ok(())
        })
        .unwrap();
        let numbers: Vec<u64> = rows.iter().map(|r| r.0).collect();
        assert_eq!(numbers, [1, 2, 3, 4]);
        assert!(rows[0].1.is_ok() && rows[3].1.is_ok());
        assert_eq!(rows[1].1.as_ref().unwrap_err().code, "invalid_type");
        assert_eq!(rows[2].1.as_ref().unwrap_err().code, "malformed");
    }
}
