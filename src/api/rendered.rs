//! Candidates kept as the JSON the API answers with. Decoding a candidate's
//! row and serializing its view were most of a list page's CPU (perf, 100k
//! candidates); a list or a GET now reads only each candidate's version and
//! answers with the JSON kept for that version, reading whole only the
//! candidates it lacks.
//!
//! An entry counts only for the version and `updated_at` it was rendered
//! from, both read in the same request, and every change of what the view
//! shows bumps the version (`db::candidates::update`), so nothing stale is
//! served: not after a write through this instance, nor through another one.
//! What is kept of a candidate changed, deleted or erased (through any
//! instance, or by the retention purge) is also dropped within a second
//! ([`RenderedCandidates::follow`]), so no copy of erased data lingers.

use std::sync::{Arc, Mutex, PoisonError};

use quick_cache::sync::Cache;
use quick_cache::{UnitWeighter, Weighter};
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

use super::candidates::CandidateView;
use crate::db::DbConnection;
use crate::db::candidates::{self as store, Listed, StoredCandidate};
use crate::domain::CandidateId;
use crate::error::{AppError, AppResult};

/// A candidate's view, serialized once; serializes as that JSON.
#[derive(Debug, Clone)]
pub struct Rendered(Arc<RawValue>);

impl Rendered {
    pub fn json(&self) -> &str {
        self.0.get()
    }

    /// The same object with one more member, `name: value` (not kept).
    pub fn with_member(&self, name: &str, value: &impl Serialize) -> AppResult<Rendered> {
        let object = self.json().trim_end();
        let open = object.strip_suffix('}').ok_or_else(|| AppError::Internal(anyhow::anyhow!("not an object")))?;
        let name = serde_json::to_string(name).map_err(|e| AppError::Internal(e.into()))?;
        let value = serde_json::to_string(value).map_err(|e| AppError::Internal(e.into()))?;
        let separator = if open.trim_end().ends_with('{') { "" } else { "," };
        let json = RawValue::from_string(format!("{open}{separator}{name}:{value}}}"))
            .map_err(|e| AppError::Internal(e.into()))?;
        Ok(Rendered(Arc::from(json)))
    }
}

impl Serialize for Rendered {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

#[derive(Clone)]
struct Entry {
    version: i64,
    updated_at: chrono::DateTime<chrono::Utc>,
    json: Rendered,
}

/// An entry weighs its JSON's bytes, plus its key and bookkeeping.
#[derive(Clone)]
struct Bytes;

impl Weighter<CandidateId, Entry> for Bytes {
    fn weight(&self, _: &CandidateId, entry: &Entry) -> u64 {
        entry.json.json().len() as u64 + 64
    }
}

/// Rendered candidates, up to a size in bytes; the least used go first.
/// Beside them, candidates as decoded from the database, for the
/// explanations of matches (reading 20 candidates from SQLite was 28 % of a
/// match's CPU, perf at 100k), under the same rules.
pub struct RenderedCandidates {
    /// `None` when the size is 0: every candidate is rendered afresh.
    kept: Option<Cache<CandidateId, Entry, Bytes>>,
    /// `None` when the size is 0: every candidate is read afresh.
    decoded: Option<Cache<CandidateId, Decoded, UnitWeighter>>,
    /// The last entry of the change log [`Self::follow`] has read.
    followed: Mutex<i64>,
}

/// What a rendered candidate weighs on average (1.5 KB in the load
/// benchmark's data set); the cache sizes its table from it.
const TYPICAL_BYTES: u64 = 1_500;

/// What a decoded candidate holds in memory, about (its strings and lists,
/// 2-3 KB in the load benchmark's data set): decoded ones are counted, not
/// weighed, as this many bytes each.
const DECODED_BYTES: u64 = 4_096;

#[derive(Clone)]
struct Decoded {
    version: i64,
    updated_at: chrono::DateTime<chrono::Utc>,
    candidate: Arc<StoredCandidate>,
}

impl RenderedCandidates {
    /// Keeps up to `max_bytes`; follows the change log from `last_change` on.
    pub fn new(max_bytes: u64, last_change: i64) -> Self {
        let kept = (max_bytes > 0).then(|| {
            let entries = usize::try_from(max_bytes / TYPICAL_BYTES).unwrap_or(usize::MAX).max(16);
            Cache::with_weighter(entries, max_bytes, Bytes)
        });
        // A quarter of the size again, for the few candidates matches explain.
        let decoded =
            (max_bytes > 0).then(|| Cache::new(usize::try_from(max_bytes / 4 / DECODED_BYTES).unwrap_or(1).max(16)));
        Self { kept, decoded, followed: Mutex::new(last_change) }
    }

    /// Drops what is kept of the candidates the change log names since the
    /// last call (blocking; the instance's follower calls it every second).
    pub fn follow(&self, conn: &mut DbConnection) -> AppResult<()> {
        let mut followed = self.followed.lock().unwrap_or_else(PoisonError::into_inner);
        store::follow_changes(conn, &mut followed, |_, ids| {
            ids.into_iter().for_each(|id| self.forget(id));
            Ok(())
        })?;
        Ok(())
    }

    /// The JSON of the listed version, when it is kept.
    pub fn get(&self, listed: &Listed) -> Option<Rendered> {
        let entry = self.kept.as_ref()?.get(&listed.id)?;
        (entry.version == listed.version && entry.updated_at == listed.updated_at).then_some(entry.json)
    }

    /// Renders `stored` and keeps it.
    pub fn render(&self, stored: StoredCandidate) -> AppResult<Rendered> {
        let (id, version, updated_at) = (stored.id, stored.version, stored.updated_at);
        let json =
            serde_json::value::to_raw_value(&CandidateView::from(stored)).map_err(|e| AppError::Internal(e.into()))?;
        let json = Rendered(Arc::from(json));
        if let Some(kept) = &self.kept {
            kept.insert(id, Entry { version, updated_at, json: json.clone() });
        }
        Ok(json)
    }

    /// The candidates of `listed`, in its order: the kept ones as kept, the
    /// others read with `read` (which may leave out one deleted meanwhile).
    pub fn all(
        &self,
        listed: &[Listed],
        read: impl FnOnce(&[CandidateId]) -> AppResult<Vec<StoredCandidate>>,
    ) -> AppResult<Vec<(CandidateId, Rendered)>> {
        let mut found: Vec<Option<Rendered>> = listed.iter().map(|l| self.get(l)).collect();
        let missing: Vec<CandidateId> =
            listed.iter().zip(&found).filter(|(_, f)| f.is_none()).map(|(l, _)| l.id).collect();
        if !missing.is_empty() {
            for stored in read(&missing)? {
                let id = stored.id;
                let json = self.render(stored)?;
                for (l, slot) in listed.iter().zip(found.iter_mut()) {
                    if l.id == id && slot.is_none() {
                        *slot = Some(json.clone());
                    }
                }
            }
        }
        Ok(listed.iter().zip(found).filter_map(|(l, f)| Some((l.id, f?))).collect())
    }

    /// The candidates of `listed` as stored, in its order: the kept ones as
    /// kept (for their version only), the others read with `read` (which may
    /// leave out one deleted meanwhile) and kept.
    pub fn decoded(
        &self,
        listed: &[Listed],
        read: impl FnOnce(&[CandidateId]) -> AppResult<Vec<StoredCandidate>>,
    ) -> AppResult<Vec<Arc<StoredCandidate>>> {
        let kept = |l: &Listed| {
            let entry = self.decoded.as_ref()?.get(&l.id)?;
            (entry.version == l.version && entry.updated_at == l.updated_at).then_some(entry.candidate)
        };
        let mut found: Vec<Option<Arc<StoredCandidate>>> = listed.iter().map(kept).collect();
        let missing: Vec<CandidateId> =
            listed.iter().zip(&found).filter(|(_, f)| f.is_none()).map(|(l, _)| l.id).collect();
        if !missing.is_empty() {
            for stored in read(&missing)? {
                let stored = Arc::new(stored);
                if let Some(decoded) = &self.decoded {
                    let entry =
                        Decoded { version: stored.version, updated_at: stored.updated_at, candidate: stored.clone() };
                    decoded.insert(stored.id, entry);
                }
                for (l, slot) in listed.iter().zip(found.iter_mut()) {
                    if l.id == stored.id && slot.is_none() {
                        *slot = Some(stored.clone());
                    }
                }
            }
        }
        Ok(found.into_iter().flatten().collect())
    }

    /// Drops what is kept of a candidate (deleted or erased through this
    /// instance: at once, rather than at the next [`Self::follow`]).
    pub fn forget(&self, id: CandidateId) {
        if let Some(kept) = &self.kept {
            kept.remove(&id);
        }
        if let Some(decoded) = &self.decoded {
            decoded.remove(&id);
        }
    }

    /// Bytes kept, for the metrics.
    pub fn weight(&self) -> u64 {
        self.kept.as_ref().map_or(0, Cache::weight)
    }

    /// Candidates kept rendered, for the metrics.
    pub fn count(&self) -> usize {
        self.kept.as_ref().map_or(0, Cache::len)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::domain::Stored;

    fn stored(version: i64) -> StoredCandidate {
        let input: super::super::candidates::CandidateInput = serde_json::from_value(serde_json::json!({
            "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"
        }))
        .unwrap();
        let at = chrono::Utc::now();
        Stored {
            id: CandidateId::generate(),
            value: (input.parse().unwrap(), None),
            version,
            created_at: at,
            updated_at: at,
        }
    }

    fn listed(s: &StoredCandidate) -> Listed {
        Listed { id: s.id, version: s.version, updated_at: s.updated_at }
    }

    #[test]
    fn a_kept_candidate_counts_only_for_its_version() {
        let cache = RenderedCandidates::new(1 << 20, 0);
        let first = stored(1);
        let key = listed(&first);
        let json = cache.render(first.clone()).unwrap();
        assert_eq!(cache.get(&key).unwrap().json(), json.json());
        assert!(cache.get(&Listed { version: 2, ..key }).is_none());
        assert!(cache.get(&Listed { updated_at: key.updated_at + chrono::TimeDelta::seconds(1), ..key }).is_none());
    }

    #[test]
    fn all_reads_only_what_is_not_kept_and_keeps_the_order() {
        let cache = RenderedCandidates::new(1 << 20, 0);
        let (a, b) = (stored(1), stored(3));
        cache.render(a.clone()).unwrap();
        let keys = [listed(&b), listed(&a)];
        let rendered = cache
            .all(&keys, |ids| {
                assert_eq!(ids, [b.id]);
                Ok(vec![b.clone()])
            })
            .unwrap();
        let ids: Vec<String> = rendered
            .iter()
            .map(|(_, r)| {
                serde_json::from_str::<serde_json::Value>(r.json()).unwrap()["id"].as_str().unwrap().to_owned()
            })
            .collect();
        assert_eq!(ids, [b.id.to_string(), a.id.to_string()]);
        assert_eq!(rendered.iter().map(|(id, _)| *id).collect::<Vec<_>>(), [b.id, a.id]);
    }

    #[test]
    fn a_member_joins_the_rendered_object() {
        let json = RenderedCandidates::new(0, 0).render(stored(1)).unwrap();
        let more = json.with_member("search", &serde_json::json!({"score": 1.5})).unwrap();
        let value: serde_json::Value = serde_json::from_str(more.json()).unwrap();
        assert_eq!(value["search"]["score"], 1.5);
        assert_eq!(value["id"], serde_json::from_str::<serde_json::Value>(json.json()).unwrap()["id"]);
    }

    #[test]
    fn a_forgotten_candidate_is_no_longer_kept() {
        let cache = RenderedCandidates::new(1 << 20, 0);
        let a = stored(1);
        cache.render(a.clone()).unwrap();
        cache.forget(a.id);
        assert!(cache.get(&listed(&a)).is_none());
        assert_eq!(cache.count(), 0);
    }

    #[test]
    fn a_decoded_candidate_counts_only_for_its_version_and_is_forgotten() {
        let cache = RenderedCandidates::new(1 << 20, 0);
        let (a, b) = (stored(1), stored(2));
        let read_all =
            |ids: &[CandidateId]| Ok([a.clone(), b.clone()].into_iter().filter(|s| ids.contains(&s.id)).collect());
        let first = cache.decoded(&[listed(&a), listed(&b)], read_all).unwrap();
        assert_eq!(first.iter().map(|c| c.id).collect::<Vec<_>>(), [a.id, b.id]);
        // Kept: nothing is read again, whatever the order asked.
        let again = cache.decoded(&[listed(&b), listed(&a)], |_| panic!("read although kept")).unwrap();
        assert_eq!(again.iter().map(|c| c.id).collect::<Vec<_>>(), [b.id, a.id]);
        // Another version is read, as is a forgotten candidate.
        let newer = Listed { version: 2, ..listed(&a) };
        let mut read = Vec::new();
        cache
            .decoded(&[newer], |ids| {
                read.extend_from_slice(ids);
                Ok(vec![])
            })
            .unwrap();
        cache.forget(b.id);
        cache
            .decoded(&[listed(&b)], |ids| {
                read.extend_from_slice(ids);
                Ok(vec![])
            })
            .unwrap();
        assert_eq!(read, [a.id, b.id]);
    }

    #[test]
    fn size_zero_keeps_nothing() {
        let cache = RenderedCandidates::new(0, 0);
        let a = stored(1);
        cache.render(a.clone()).unwrap();
        assert!(cache.get(&listed(&a)).is_none());
        assert_eq!(cache.weight(), 0);
    }
}
