//! Possible duplicates among candidates, the pairs found to be two people,
//! and merges. Each candidate's keys ([`crate::domain::duplicate::keys`]) are
//! kept in `candidate_keys` in the transaction of its write; candidates that
//! share a key are possible duplicates (for names, when they are also alike
//! enough), and possible duplicates group transitively.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::organizations::corrupt;
use super::schema::{
    candidate_consents, candidate_distinct_pairs, candidate_external_ids, candidate_former_external_ids,
    candidate_keys, candidate_merges, candidates, documents,
};
use super::{DbConnection, now};
use crate::domain::CandidateId;
use crate::domain::candidate::Candidate;
use crate::domain::duplicate::{self, DuplicateKey, DuplicateRule};
use crate::domain::webhook::EventType;
use crate::error::{AppError, AppResult};

/// A group of possible duplicates holds at most this many candidates; a
/// larger one (a shared switchboard number, say) is cut there.
pub const GROUP_LIMIT: usize = 50;

/// Why a candidate may be the same person as another.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub rule: DuplicateRule,
    /// The key both share, as compared (the e-mail, the phone's last digits, `city|le`).
    pub shared: String,
    /// For names: how alike they are (Jaro-Winkler, 0 to 1).
    pub similarity: Option<f64>,
}

/// Another candidate that may be the same person.
#[derive(Debug, Clone, PartialEq)]
pub struct PossibleDuplicate {
    pub id: CandidateId,
    pub reasons: Vec<Reason>,
}

/// Writes the keys `c` is compared by, replacing those it had.
pub(crate) fn write_keys(conn: &mut DbConnection, id: CandidateId, c: &Candidate, replace: bool) -> AppResult<()> {
    let key = id.to_string();
    if replace {
        diesel::delete(candidate_keys::table.filter(candidate_keys::candidate_id.eq(&key))).execute(conn)?;
    }
    // One to three keys: one statement each, kept prepared (a batch is not, on both backends).
    for k in keys_of(c) {
        let row = (
            candidate_keys::candidate_id.eq(&key),
            candidate_keys::rule.eq(k.rule.as_str()),
            candidate_keys::value.eq(&k.value),
        );
        natively!(&mut *conn, |db| diesel::insert_into(candidate_keys::table).values(row).execute(db))?;
    }
    Ok(())
}

/// Writes the keys of candidates stored before duplicates were looked for (at start; erased ones have none).
pub fn backfill(db: &super::Database) -> AppResult<usize> {
    let mut count = 0;
    loop {
        let written = db.write_blocking(|conn| {
            let missing: Vec<String> = candidates::table
                .filter(candidates::erased_at.is_null())
                .filter(diesel::dsl::not(diesel::dsl::exists(
                    candidate_keys::table.filter(candidate_keys::candidate_id.eq(candidates::id)),
                )))
                .select(candidates::id)
                .limit(500)
                .load(conn)?;
            for id in &missing {
                let id: CandidateId = id.parse().map_err(corrupt)?;
                let stored = super::candidates::get(conn, id)?;
                write_keys(conn, id, &stored.value.0, false)?;
            }
            Ok(missing.len())
        })?;
        if written == 0 {
            return Ok(count);
        }
        count += written;
    }
}

/// Whether `a` and `b` are compared by the same keys (a write that changes none leaves them).
pub(crate) fn same_keys(a: &Candidate, b: &Candidate) -> bool {
    keys_of(a) == keys_of(b)
}

/// An erased candidate is nobody's duplicate.
pub(crate) fn forget_keys(conn: &mut DbConnection, id: CandidateId) -> AppResult<()> {
    diesel::delete(candidate_keys::table.filter(candidate_keys::candidate_id.eq(id.to_string()))).execute(conn)?;
    Ok(())
}

fn keys_of(c: &Candidate) -> BTreeSet<DuplicateKey> {
    let city = c.location.as_ref().and_then(|l| l.city.as_deref());
    duplicate::keys(&c.email, c.phone.as_deref(), &c.last_name, city).into_iter().collect()
}

/// The candidates that may be the same person as `c` (stored as `own`, or about to be stored), best reasons first.
pub fn possible_duplicates(
    conn: &mut DbConnection,
    own: Option<CandidateId>,
    c: &Candidate,
) -> AppResult<Vec<PossibleDuplicate>> {
    let own_key = own.map(|id| id.to_string()).unwrap_or_default();
    let mut found: BTreeMap<String, Vec<Reason>> = BTreeMap::new();
    for key in keys_of(c) {
        let others: Vec<String> = candidate_keys::table
            .filter(candidate_keys::rule.eq(key.rule.as_str()))
            .filter(candidate_keys::value.eq(&key.value))
            .filter(candidate_keys::candidate_id.ne(&own_key))
            .select(candidate_keys::candidate_id)
            .limit(GROUP_LIMIT as i64)
            .load(conn)?;
        let names = match key.rule {
            DuplicateRule::SimilarNameSameCity => names_of(conn, &others)?,
            _ => HashMap::new(),
        };
        for other in others {
            let similarity = match names.get(&other) {
                Some((first, last)) => {
                    let alike = duplicate::name_similarity((&c.first_name, &c.last_name), (first, last));
                    if alike < duplicate::SIMILAR_NAME {
                        continue;
                    }
                    Some((alike * 100.0).round() / 100.0)
                }
                None => None,
            };
            found.entry(other).or_default().push(Reason { rule: key.rule, shared: key.value.clone(), similarity });
        }
    }
    let distinct = match own {
        Some(id) => distinct_from(conn, id)?,
        None => HashSet::new(),
    };
    let mut out = found
        .into_iter()
        .filter(|(id, _)| !distinct.contains(id))
        .map(|(id, mut reasons)| {
            reasons.sort_by_key(|r| r.rule);
            Ok(PossibleDuplicate { id: id.parse().map_err(corrupt)?, reasons })
        })
        .collect::<AppResult<Vec<_>>>()?;
    // Most reasons first, then the strongest (an e-mail before a phone before a name).
    out.sort_by(|a, b| b.reasons.len().cmp(&a.reasons.len()).then_with(|| a.reasons[0].rule.cmp(&b.reasons[0].rule)));
    Ok(out)
}

fn names_of(conn: &mut DbConnection, ids: &[String]) -> AppResult<HashMap<String, (String, String)>> {
    let rows: Vec<(String, String, String)> = candidates::table
        .filter(candidates::id.eq_any(ids))
        .select((candidates::id, candidates::first_name, candidates::last_name))
        .load(conn)?;
    Ok(rows.into_iter().map(|(id, first, last)| (id, (first, last))).collect())
}

fn distinct_from(conn: &mut DbConnection, id: CandidateId) -> AppResult<HashSet<String>> {
    let key = id.to_string();
    let pairs: Vec<(String, String)> = candidate_distinct_pairs::table
        .filter(candidate_distinct_pairs::candidate_id.eq(&key).or(candidate_distinct_pairs::other_id.eq(&key)))
        .select((candidate_distinct_pairs::candidate_id, candidate_distinct_pairs::other_id))
        .load(conn)?;
    Ok(pairs.into_iter().map(|(a, b)| if a == key { b } else { a }).collect())
}

/// `id` and every candidate linked to it by possible duplicates, transitively (at most [`GROUP_LIMIT`]), by id.
pub fn group_of(conn: &mut DbConnection, id: CandidateId) -> AppResult<Vec<CandidateId>> {
    let mut group = BTreeSet::from([id]);
    let mut next = vec![id];
    while let Some(member) = next.pop() {
        let candidate = super::candidates::get(conn, member)?;
        for other in possible_duplicates(conn, Some(member), &candidate.value.0)? {
            if group.len() >= GROUP_LIMIT {
                return Ok(group.into_iter().collect());
            }
            if group.insert(other.id) {
                next.push(other.id);
            }
        }
    }
    Ok(group.into_iter().collect())
}

/// Every group of possible duplicates, ordered by its smallest id: the
/// groups after `after`, at most `limit` of them, and whether more follow.
pub fn groups(conn: &mut DbConnection, after: Option<&str>, limit: usize) -> AppResult<(Vec<Vec<CandidateId>>, bool)> {
    // The keys more than one candidate shares, then who shares them.
    let shared: Vec<(String, String)> = candidate_keys::table
        .group_by((candidate_keys::rule, candidate_keys::value))
        .having(diesel::dsl::count_star().gt(1))
        .select((candidate_keys::rule, candidate_keys::value))
        .load(conn)?;
    let values: Vec<&str> = shared.iter().map(|(_, v)| v.as_str()).collect();
    let wanted: HashSet<&(String, String)> = shared.iter().collect();
    let mut buckets: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for chunk in values.chunks(500) {
        let rows: Vec<(String, String, String)> = candidate_keys::table
            .filter(candidate_keys::value.eq_any(chunk))
            .select((candidate_keys::rule, candidate_keys::value, candidate_keys::candidate_id))
            .load(conn)?;
        for (rule, value, id) in rows {
            let key = (rule, value);
            if wanted.contains(&key) {
                buckets.entry(key).or_default().push(id);
            }
        }
    }
    let pairs: HashSet<(String, String)> = candidate_distinct_pairs::table
        .select((candidate_distinct_pairs::candidate_id, candidate_distinct_pairs::other_id))
        .load(conn)?
        .into_iter()
        .collect();
    let mut links = UnionFind::default();
    for ((rule, _), members) in buckets {
        let by_name = rule == DuplicateRule::SimilarNameSameCity.as_str();
        let names = if by_name { names_of(conn, &members)? } else { HashMap::new() };
        for (i, a) in members.iter().enumerate().take(GROUP_LIMIT) {
            for b in members.iter().skip(i + 1).take(GROUP_LIMIT) {
                let (low, high) = if a < b { (a, b) } else { (b, a) };
                if pairs.contains(&(low.clone(), high.clone())) {
                    continue;
                }
                if by_name {
                    let (Some(x), Some(y)) = (names.get(a), names.get(b)) else { continue };
                    if duplicate::name_similarity((&x.0, &x.1), (&y.0, &y.1)) < duplicate::SIMILAR_NAME {
                        continue;
                    }
                }
                links.join(a, b);
            }
        }
    }
    let mut groups: Vec<Vec<String>> = links.groups().into_iter().filter(|g| g.len() > 1).collect();
    groups.sort();
    let groups: Vec<Vec<String>> =
        groups.into_iter().filter(|g| after.is_none_or(|after| g[0].as_str() > after)).collect();
    let more = groups.len() > limit;
    let page = groups
        .into_iter()
        .take(limit)
        .map(|g| g.into_iter().take(GROUP_LIMIT).map(|id| id.parse().map_err(corrupt)).collect())
        .collect::<AppResult<Vec<_>>>()?;
    Ok((page, more))
}

#[derive(Default)]
struct UnionFind {
    parent: HashMap<String, String>,
}

impl UnionFind {
    fn root(&mut self, x: &str) -> String {
        let mut at = x.to_owned();
        while let Some(up) = self.parent.get(&at).filter(|up| **up != at) {
            at = up.clone();
        }
        self.parent.insert(x.to_owned(), at.clone());
        at
    }

    fn join(&mut self, a: &str, b: &str) {
        let (ra, rb) = (self.root(a), self.root(b));
        if ra != rb {
            let (low, high) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent.insert(high, low);
        }
    }

    fn groups(mut self) -> Vec<Vec<String>> {
        let members: Vec<String> = self.parent.keys().cloned().collect();
        let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for m in members {
            let root = self.root(&m);
            groups.entry(root).or_default().push(m);
        }
        groups
            .into_values()
            .map(|mut g| {
                g.sort();
                g
            })
            .collect()
    }
}

/// Records that `a` and `b` are two people: they are no longer offered as duplicates of each other.
pub fn mark_distinct(conn: &mut DbConnection, a: CandidateId, b: CandidateId, by: &str) -> AppResult<()> {
    if a == b {
        return Err(AppError::InvalidQuery("A candidate cannot be distinct from itself.".into()));
    }
    for id in [a, b] {
        if !super::candidates::exists(conn, id)? {
            return Err(AppError::NotFound("candidate"));
        }
    }
    let (low, high) = if a.to_string() < b.to_string() { (a, b) } else { (b, a) };
    let exists =
        candidate_distinct_pairs::table.find((low.to_string(), high.to_string())).count().get_result::<i64>(conn)?;
    if exists == 0 {
        diesel::insert_into(candidate_distinct_pairs::table)
            .values((
                candidate_distinct_pairs::candidate_id.eq(low.to_string()),
                candidate_distinct_pairs::other_id.eq(high.to_string()),
                candidate_distinct_pairs::decided_by.eq(by),
                candidate_distinct_pairs::decided_at.eq(now()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Where a merged candidate's id leads now (following merges into candidates merged in turn).
pub fn merged_into(conn: &mut DbConnection, id: CandidateId) -> AppResult<Option<(CandidateId, DateTime<Utc>)>> {
    let found: Option<(String, chrono::NaiveDateTime)> = candidate_merges::table
        .find(id.to_string())
        .select((candidate_merges::survivor_id, candidate_merges::merged_at))
        .get_result(conn)
        .optional()?;
    found.map(|(survivor, at)| Ok((survivor.parse().map_err(corrupt)?, at.and_utc()))).transpose()
}

/// The ids in source systems that the merged record does not keep (the duplicate's where the survivor has its
/// own, or the survivor's where the merge took the duplicate's) still name the person: they become the
/// survivor's former ids, as do those merged into the duplicate before.
fn former_ids_join(
    conn: &mut DbConnection,
    survivor: &super::candidates::StoredCandidate,
    duplicate: CandidateId,
    merged: &Candidate,
) -> AppResult<()> {
    let (keep, gone) = (survivor.id.to_string(), duplicate.to_string());
    diesel::update(candidate_former_external_ids::table.filter(candidate_former_external_ids::candidate_id.eq(&gone)))
        .set(candidate_former_external_ids::candidate_id.eq(&keep))
        .execute(conn)?;
    let theirs: Vec<(String, String)> = candidate_external_ids::table
        .filter(candidate_external_ids::candidate_id.eq(&gone))
        .select((candidate_external_ids::source, candidate_external_ids::external_id))
        .load(conn)?;
    let ours = survivor.value.0.external_ids.iter().map(|(s, i)| (s.clone(), i.clone()));
    let dropped = theirs
        .into_iter()
        .map(|pair| (pair, &gone))
        .chain(ours.map(|pair| (pair, &keep)))
        .filter(|((source, id), _)| merged.external_ids.get(source) != Some(id));
    for ((source, external_id), whose) in dropped {
        diesel::delete(candidate_former_external_ids::table.find((&source, &external_id))).execute(conn)?;
        diesel::insert_into(candidate_former_external_ids::table)
            .values((
                candidate_former_external_ids::source.eq(&source),
                candidate_former_external_ids::external_id.eq(&external_id),
                candidate_former_external_ids::candidate_id.eq(&keep),
                candidate_former_external_ids::merged_id.eq(whose),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// What a merge moved from the duplicate to the survivor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Moved {
    pub pipeline_entries: usize,
    /// Entries of needs both were in: the duplicate's history and notes joined the survivor's entry.
    pub pipeline_entries_joined: usize,
    pub assignments: usize,
    pub documents: usize,
    pub consents: usize,
    /// Notes on the candidate (pipeline notes go with their entries).
    pub notes: usize,
}

/// Merges `duplicate` into `survivor`, whose record becomes `merged`: the
/// duplicate's pipeline entries, assignments, documents, consents, notes and
/// history move to the survivor, the duplicate's record goes, and its id
/// leads to the survivor from now on. One transaction: all of it or nothing.
pub fn merge(
    conn: &mut DbConnection,
    survivor: &super::candidates::StoredCandidate,
    duplicate: CandidateId,
    merged: &Candidate,
    by: &str,
) -> AppResult<(super::candidates::StoredCandidate, Moved)> {
    let (keep, gone) = (survivor.id.to_string(), duplicate.to_string());
    if keep == gone {
        return Err(AppError::field("duplicate_id", "same_candidate", "must be another candidate than the survivor"));
    }
    super::privacy::ensure_not_erased(conn, survivor.id)?;
    super::privacy::ensure_not_erased(conn, duplicate)?;
    let mut moved = Moved::default();

    // Two held assignments that overlap cannot be one person's.
    let (mine, theirs) =
        (super::assignments::held_periods(conn, &keep)?, super::assignments::held_periods(conn, &gone)?);
    if mine.iter().any(|a| theirs.iter().any(|b| a.overlaps(b))) {
        return Err(AppError::Conflict(
            "Both candidates hold assignments that overlap; one person cannot. End or change one first.".into(),
        ));
    }

    // Pipelines, then assignments: each changed record is announced, so a sync keyed by their ids follows.
    (moved.pipeline_entries, moved.pipeline_entries_joined) =
        super::pipeline::merge_candidates(conn, duplicate, survivor.id)?;
    moved.assignments = super::assignments::merge_candidates(conn, duplicate, survivor.id)?;
    moved.documents = diesel::update(documents::table.filter(documents::candidate_id.eq(&gone)))
        .set(documents::candidate_id.eq(&keep))
        .execute(conn)?;
    moved.notes = super::notes::move_to(conn, crate::domain::note::NoteSubject::Candidate, &gone, &keep)?;
    moved.consents = diesel::update(candidate_consents::table.filter(candidate_consents::candidate_id.eq(&gone)))
        .set(candidate_consents::candidate_id.eq(&keep))
        .execute(conn)?;

    // The duplicate goes (its e-mail may be the one the survivor takes), and its id leads to the survivor, as do
    // the ids merged into it before.
    former_ids_join(conn, survivor, duplicate, merged)?;
    let their_version: i64 = candidates::table.find(&gone).select(candidates::version).get_result(conn)?;
    diesel::delete(candidates::table.find(&gone)).execute(conn)?;
    super::candidates::record_change(conn, duplicate)?;
    diesel::update(candidate_merges::table.filter(candidate_merges::survivor_id.eq(&gone)))
        .set(candidate_merges::survivor_id.eq(&keep))
        .execute(conn)?;
    diesel::insert_into(candidate_merges::table)
        .values((
            candidate_merges::merged_id.eq(&gone),
            candidate_merges::survivor_id.eq(&keep),
            candidate_merges::merged_by.eq(by),
            candidate_merges::merged_at.eq(now()),
        ))
        .execute(conn)?;
    super::webhooks::announce(
        conn,
        EventType::CandidateMerged,
        None,
        serde_json::json!({"id": gone, "merged_into": keep}),
    )?;

    // The survivor's version moves past every version the duplicate had: a client that follows the old id's
    // redirect with the If-Match it read there can never match the survivor by coincidence (412 instead).
    let mut survivor = survivor.clone();
    if their_version >= survivor.version {
        let raised = diesel::update(candidates::table.find(&keep).filter(candidates::version.eq(survivor.version)))
            .set(candidates::version.eq(their_version))
            .execute(conn)?;
        super::ensure_updated(raised)?;
        survivor.version = their_version;
    }
    let stored = super::candidates::update(conn, &survivor, merged)?;
    super::candidates::holdings_changed(conn, survivor.id)?;
    Ok((stored, moved))
}
