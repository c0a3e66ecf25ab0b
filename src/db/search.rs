//! Full-text search over candidates: what is searched of each (kept in
//! `candidate_texts` whenever a field it reads changes), the SQL fragments
//! that find and rank them on each backend (SQLite FTS5 with bm25;
//! PostgreSQL's tsvector with a GIN index and `ts_rank_cd`), and the snippets
//! that show where the words were found.

use std::collections::HashMap;

use diesel::dsl::sql;
use diesel::expression::SqlLiteral;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Double, Text};

use super::DbConnection;
use super::schema::{
    candidate_search_stale, candidate_skills, candidate_texts, candidates, documents, pipeline_entries, pipeline_moves,
    pipeline_notes, skill_labels, skills,
};
use crate::domain::ids::CandidateId;
use crate::domain::search::{FIELDS, SearchQuery};
use crate::error::AppResult;

/// Most characters kept of a candidate's notes, and of their documents' text,
/// for search (PostgreSQL refuses a tsvector over 1 MB; a CV is a few
/// thousand characters, and what lies beyond this is not found).
pub const MAX_NOTES_CHARS: usize = 64 * 1024;
pub const MAX_DOCUMENTS_CHARS: usize = 256 * 1024;

/// How each field weighs in SQLite's bm25, in the order of the FTS5 table's
/// columns (name, headline, summary, skills, notes, documents); PostgreSQL
/// weighs them A, A, C, B, D, D (see the migrations).
const BM25: &str = "bm25(candidate_search, 10.0, 8.0, 3.0, 5.0, 1.0, 1.0)";

/// The search text of a candidate, field by field.
#[derive(Debug, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = candidate_texts)]
struct Texts {
    candidate_id: String,
    name: String,
    headline: String,
    summary: String,
    skills: String,
    notes: String,
    documents: String,
}

/// Text as kept for search: at most `max` characters.
fn kept(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// Joins `parts` with newlines up to `max` characters.
fn joined(parts: impl IntoIterator<Item = String>, max: usize) -> String {
    let mut out = String::new();
    for part in parts {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&part);
        if out.chars().count() >= max {
            break;
        }
    }
    kept(&out, max)
}

/// Writes again what search reads of candidate `id` (or forgets it, when the
/// candidate is gone), in the caller's transaction.
pub fn refresh(conn: &mut DbConnection, id: CandidateId) -> AppResult<()> {
    let key = id.to_string();
    let person: Option<(String, String, Option<String>, Option<String>)> = candidates::table
        .find(&key)
        .select((candidates::first_name, candidates::last_name, candidates::headline, candidates::summary))
        .get_result(conn)
        .optional()?;
    let Some((first_name, last_name, headline, summary)) = person else {
        diesel::delete(candidate_texts::table.find(&key)).execute(conn)?;
        return Ok(());
    };
    let held: Vec<(String, String)> = candidate_skills::table
        .inner_join(skills::table.on(skills::key.eq(candidate_skills::skill_key)))
        .filter(candidate_skills::candidate_id.eq(&key))
        .order(candidate_skills::skill_key)
        .select((skills::key, skills::name))
        .load(conn)?;
    let keys: Vec<&String> = held.iter().map(|(k, _)| k).collect();
    let synonyms: Vec<(String, String)> = if keys.is_empty() {
        Vec::new()
    } else {
        skill_labels::table
            .filter(skill_labels::skill_key.eq_any(keys))
            .order((skill_labels::skill_key, skill_labels::position))
            .select((skill_labels::skill_key, skill_labels::label))
            .load(conn)?
    };
    let mut labels: HashMap<&str, Vec<&str>> = HashMap::new();
    for (key, label) in &synonyms {
        labels.entry(key.as_str()).or_default().push(label.as_str());
    }
    let skill_lines = held.iter().map(|(key, name)| {
        let mut line = name.clone();
        for label in labels.get(key.as_str()).into_iter().flatten().filter(|l| !l.eq_ignore_ascii_case(name)) {
            line.push_str(", ");
            line.push_str(label);
        }
        line
    });
    let mut notes: Vec<(chrono::NaiveDateTime, String)> = pipeline_notes::table
        .inner_join(pipeline_entries::table)
        .filter(pipeline_entries::candidate_id.eq(&key))
        .select((pipeline_notes::created_at, pipeline_notes::body))
        .load(conn)?;
    let with_moves: Vec<(chrono::NaiveDateTime, Option<String>)> = pipeline_moves::table
        .inner_join(pipeline_entries::table)
        .filter(pipeline_entries::candidate_id.eq(&key))
        .filter(pipeline_moves::note.is_not_null())
        .select((pipeline_moves::moved_at, pipeline_moves::note))
        .load(conn)?;
    notes.extend(with_moves.into_iter().filter_map(|(at, note)| Some((at, note?))));
    notes.extend(super::notes::dated_about_candidate(conn, &key)?);
    notes.sort();
    let notes = notes.into_iter().map(|(_, note)| note);
    let texts: Vec<Option<String>> = documents::table
        .filter(documents::candidate_id.eq(Some(&key)))
        .order((documents::created_at, documents::id))
        .select(documents::text)
        .load(conn)?;
    let row = Texts {
        candidate_id: key,
        name: kept(&format!("{first_name} {last_name}"), 1_000),
        headline: kept(headline.as_deref().unwrap_or(""), 1_000),
        summary: kept(summary.as_deref().unwrap_or(""), 10_000),
        skills: joined(skill_lines, 20_000),
        notes: joined(notes, MAX_NOTES_CHARS),
        documents: joined(texts.into_iter().flatten(), MAX_DOCUMENTS_CHARS),
    };
    // Most changes of a candidate (a status, a day rate, an assignment) leave the text as it was: then the
    // index is not touched (a deletion from it is what a write of search text costs most).
    let current: Option<Texts> =
        candidate_texts::table.find(&row.candidate_id).select(Texts::as_select()).get_result(conn).optional()?;
    if current.as_ref() == Some(&row) {
        return Ok(());
    }
    natively!(conn, |db| diesel::insert_into(candidate_texts::table)
        .values(&row)
        .on_conflict(candidate_texts::candidate_id)
        .do_update()
        .set(&row)
        .execute(db))?;
    Ok(())
}

/// A skill's name or synonyms changed: the search text of every candidate who holds it quotes the old ones and
/// is rewritten by [`refresh_stale`], in batches off the request (a popular skill has tens of thousands of
/// holders). Two statements, whatever their number.
pub(crate) fn skill_relabelled(conn: &mut DbConnection, skill: &str) -> AppResult<()> {
    let holders = || candidate_skills::table.filter(candidate_skills::skill_key.eq(skill.to_owned()));
    diesel::delete(
        candidate_search_stale::table
            .filter(candidate_search_stale::candidate_id.eq_any(holders().select(candidate_skills::candidate_id))),
    )
    .execute(conn)?;
    diesel::insert_into(candidate_search_stale::table)
        .values(holders().select(candidate_skills::candidate_id))
        .into_columns(candidate_search_stale::candidate_id)
        .execute(conn)?;
    Ok(())
}

/// Whether some candidates' search text waits to be rewritten (a cheap read, before a write is taken).
pub fn any_stale(conn: &mut DbConnection) -> AppResult<bool> {
    Ok(candidate_search_stale::table
        .select(candidate_search_stale::candidate_id)
        .first::<String>(conn)
        .optional()?
        .is_some())
}

/// Rewrites the search text of up to `limit` candidates [`skill_relabelled`] marked; answers how many.
pub fn refresh_stale(conn: &mut DbConnection, limit: i64) -> AppResult<usize> {
    let ids: Vec<String> = candidate_search_stale::table
        .select(candidate_search_stale::candidate_id)
        .order(candidate_search_stale::candidate_id)
        .limit(limit)
        .load(conn)?;
    for id in &ids {
        refresh(conn, id.parse().map_err(super::organizations::corrupt)?)?;
    }
    diesel::delete(candidate_search_stale::table.filter(candidate_search_stale::candidate_id.eq_any(&ids)))
        .execute(conn)?;
    Ok(ids.len())
}

/// Takes the words of erased candidates out of the index's pages for good. SQLite's FTS5 only marks a
/// deleted text's words deleted until its segments merge; `optimize` merges them all now (about 2 s for
/// 40,000 CVs, measured; the retention purge runs it once per batch). PostgreSQL's old row versions are
/// out of every read at once and out of the file at the next vacuum, as for every table.
pub fn forget_erased(conn: &mut DbConnection) -> AppResult<()> {
    if let DbConnection::Sqlite(db) = conn {
        diesel::RunQueryDsl::execute(
            diesel::sql_query("INSERT INTO candidate_search (candidate_search) VALUES ('optimize')"),
            db,
        )?;
    }
    Ok(())
}

/// Writes the search text of every candidate that has none (those stored
/// before search was), a transaction per batch; answers how many.
pub fn backfill(db: &super::Database) -> AppResult<usize> {
    let counts = |conn: &mut DbConnection| -> AppResult<(i64, i64)> {
        Ok((candidates::table.count().get_result(conn)?, candidate_texts::table.count().get_result(conn)?))
    };
    let (stored, searched) = db.with_reader(counts)?;
    if stored == searched {
        return Ok(0);
    }
    let mut count = 0;
    loop {
        let written = db.write_blocking(|conn| {
            let missing: Vec<String> = candidates::table
                .filter(diesel::dsl::not(diesel::dsl::exists(
                    candidate_texts::table.filter(candidate_texts::candidate_id.eq(candidates::id)),
                )))
                .select(candidates::id)
                .limit(500)
                .load(conn)?;
            for id in &missing {
                refresh(conn, id.parse().map_err(super::organizations::corrupt)?)?;
            }
            Ok(missing.len())
        })?;
        if written == 0 {
            return Ok(count);
        }
        count += written;
    }
}

type BoundText = <String as diesel::expression::AsExpression<Text>>::Expression;
/// An SQL fragment that binds the search query once.
pub type WithQuery<ST> = SqlLiteral<ST, diesel::expression::UncheckedBind<SqlLiteral<ST>, BoundText>>;

/// Which engine searches: the SQL of each differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Fts5,
    Tsvector,
}

impl Engine {
    pub fn of(conn: &DbConnection) -> Self {
        match conn {
            DbConnection::Sqlite(_) => Engine::Fts5,
            DbConnection::Postgresql(_) => Engine::Tsvector,
        }
    }

    /// The query in the engine's syntax, as the SQL below binds it.
    fn syntax(self, query: &SearchQuery) -> String {
        match self {
            Engine::Fts5 => query.fts5(),
            Engine::Tsvector => query.websearch(),
        }
    }

    /// `candidates.id IN (the candidates the query finds)`, for lists in
    /// another order than relevance.
    pub fn found(self, query: &SearchQuery) -> WithQuery<Bool> {
        let (fragment, close) = match self {
            Engine::Fts5 => (
                "candidates.id IN (SELECT candidate_texts.candidate_id FROM candidate_search \
                 JOIN candidate_texts ON candidate_texts.seq = candidate_search.rowid WHERE candidate_search MATCH ",
                ")",
            ),
            Engine::Tsvector => (
                "candidates.id IN (SELECT candidate_texts.candidate_id FROM candidate_texts \
                 WHERE candidate_texts.search @@ websearch_to_tsquery('english', ",
                "))",
            ),
        };
        sql::<Bool>(fragment).bind::<Text, _>(self.syntax(query)).sql(close)
    }
}

/// The search's condition and rank inside a join of `candidates`,
/// `candidate_texts` and `candidate_search` (SQLite).
pub mod fts5 {
    use super::*;

    pub fn matched(query: &SearchQuery) -> WithQuery<Bool> {
        sql::<Bool>("candidate_search MATCH ").bind::<Text, _>(query.fts5()).sql("")
    }

    /// Lower ranks first (the score answered is its negation, so that a
    /// higher score is a better match).
    pub fn rank() -> SqlLiteral<Double> {
        sql::<Double>(BM25)
    }
}

/// The search's condition and rank inside a join of `candidates` and
/// `candidate_texts` (PostgreSQL).
pub mod tsvector {
    use super::*;

    pub fn matched(query: &SearchQuery) -> WithQuery<Bool> {
        sql::<Bool>("candidate_texts.search @@ websearch_to_tsquery('english', ")
            .bind::<Text, _>(query.websearch())
            .sql(")")
    }

    /// Lower ranks first, as [`super::fts5::rank`].
    pub fn rank(query: &SearchQuery) -> WithQuery<Double> {
        sql::<Double>("(-ts_rank_cd(candidate_texts.search, websearch_to_tsquery('english', ")
            .bind::<Text, _>(query.websearch())
            .sql("), 1))::float8")
    }
}

/// Where a candidate's words were found: the fields in the order of their
/// weight, and a passage of the weightiest with the found words' places.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Found {
    /// Higher is a better match (comparable within one list, not between backends).
    pub score: f64,
    pub fields: Vec<&'static str>,
    pub field: &'static str,
    pub text: String,
    /// Character offsets `[start, end)` of each found word in `text`.
    pub highlights: Vec<(usize, usize)>,
}

/// The score of each of `ids` for the search `query`, with their search text.
#[derive(QueryableByName)]
struct Scored {
    #[diesel(sql_type = Text)]
    candidate_id: String,
    #[diesel(sql_type = Double)]
    score: f64,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    headline: String,
    #[diesel(sql_type = Text)]
    skills: String,
    #[diesel(sql_type = Text)]
    summary: String,
    #[diesel(sql_type = Text)]
    notes: String,
    #[diesel(sql_type = Text)]
    documents: String,
}

/// Where the query's words were found in each of `ids` (those it finds),
/// with their score.
pub fn snippets(
    conn: &mut DbConnection,
    query: &SearchQuery,
    ids: &[CandidateId],
) -> AppResult<HashMap<CandidateId, Found>> {
    let mut out = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let keys: Vec<String> = ids.iter().map(ToString::to_string).collect();
    const FIELDS_SQL: &str = "candidate_texts.name, candidate_texts.headline, candidate_texts.skills, \
                              candidate_texts.summary, candidate_texts.notes, candidate_texts.documents";
    let rows: Vec<Scored> = match conn {
        DbConnection::Sqlite(db) => {
            let statement = format!(
                "SELECT candidate_texts.candidate_id AS candidate_id, -{BM25} AS score, {FIELDS_SQL} \
                 FROM candidate_search JOIN candidate_texts ON candidate_texts.seq = candidate_search.rowid \
                 WHERE candidate_search MATCH ? AND candidate_texts.candidate_id IN ({})",
                vec!["?"; keys.len()].join(", ")
            );
            let mut scored =
                diesel::sql_query(statement).into_boxed::<diesel::sqlite::Sqlite>().bind::<Text, _>(query.fts5());
            for key in keys {
                scored = scored.bind::<Text, _>(key);
            }
            scored.load(db)?
        }
        // By key only: with `search @@ query` here the planner may test every row's vector instead.
        DbConnection::Postgresql(db) => diesel::sql_query(format!(
            "SELECT candidate_id, ts_rank_cd(search, websearch_to_tsquery('english', $1), 1)::float8 AS score, \
             {FIELDS_SQL} FROM candidate_texts WHERE candidate_id = ANY($2)"
        ))
        .bind::<Text, _>(query.websearch())
        .bind::<diesel::sql_types::Array<Text>, _>(keys)
        .load(db)?,
    };
    let highlighter = query.highlighter();
    for row in rows {
        let texts = [&row.name, &row.headline, &row.skills, &row.summary, &row.notes, &row.documents];
        let mut found: Option<Found> = None;
        for (field, text) in FIELDS.iter().zip(texts) {
            match &mut found {
                // Only the weightiest field's passage is answered; the others need only say whether.
                Some(f) => {
                    if highlighter.passage(text).is_some() {
                        f.fields.push(field);
                    }
                }
                None => {
                    if let Some(p) = highlighter.passage(text) {
                        let (text, highlights) = (p.text, p.highlights);
                        found = Some(Found { score: row.score, fields: vec![field], field, text, highlights });
                    }
                }
            }
        }
        if let Some(found) = found {
            out.insert(row.candidate_id.parse().map_err(super::organizations::corrupt)?, found);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_cut_to_their_limit() {
        assert_eq!(kept("abcdef", 3), "abc");
        assert_eq!(joined(["ab".to_owned(), "cd".to_owned()], 4), "ab\ncd".chars().take(4).collect::<String>());
    }
}
