//! Keeps this instance's matching index in step with the candidates: built
//! from every candidate at start, then caught up from the change log
//! (`candidate_changes`) before each match and every second, so a write made
//! through any instance counts at once here, without a full reload.

use std::sync::{Mutex, PoisonError, RwLock, RwLockReadGuard};
use std::time::{Duration, Instant};

use super::{Database, DbConnection, candidates};
use crate::error::AppResult;
use crate::matching::index::CandidateIndex;

/// How long the change log keeps a change (`prune_changes`).
pub const CHANGES_KEPT: Duration = Duration::from_secs(24 * 3600);
/// An index not caught up for this long may have missed pruned changes: it is
/// loaded again. Half the time changes are kept, so clocks may differ.
const RELOAD_AFTER: Duration = Duration::from_secs(12 * 3600);

#[derive(Debug, Default)]
pub struct LiveIndex {
    index: RwLock<CandidateIndex>,
    /// Held while catching up, so catch-ups apply in order.
    applied: Mutex<Applied>,
}

#[derive(Debug)]
struct Applied {
    /// The last change applied.
    seq: i64,
    /// When the index last caught up.
    at: Instant,
}

impl Default for Applied {
    fn default() -> Self {
        Applied { seq: 0, at: Instant::now() }
    }
}

impl LiveIndex {
    /// Loads every candidate (blocking: call it at start, before serving).
    pub fn load(db: &Database) -> AppResult<Self> {
        let live = LiveIndex::default();
        let mut applied = live.applied.lock().unwrap_or_else(PoisonError::into_inner);
        db.with_reader(|conn| live.reload(conn, &mut applied))?;
        drop(applied);
        Ok(live)
    }

    /// Builds the index again from every candidate.
    fn reload(&self, conn: &mut DbConnection, applied: &mut Applied) -> AppResult<()> {
        // Read where the log stands first: what changes while loading is caught up again, harmlessly.
        let last = candidates::last_change(conn)?;
        let mut index = CandidateIndex::default();
        candidates::each_batch(conn, |batch| {
            for c in batch {
                index.upsert(c.id, &c.value.0);
            }
        })?;
        *self.index.write().unwrap_or_else(PoisonError::into_inner) = index;
        *applied = Applied { seq: last, at: Instant::now() };
        Ok(())
    }

    /// The index as it stands, for reading.
    pub fn read(&self) -> RwLockReadGuard<'_, CandidateIndex> {
        self.index.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies the changes logged since the last catch-up (blocking).
    pub fn catch_up(&self, conn: &mut DbConnection) -> AppResult<usize> {
        let mut applied = self.applied.lock().unwrap_or_else(PoisonError::into_inner);
        if applied.at.elapsed() > RELOAD_AFTER {
            tracing::warn!("the matching index was not caught up for {RELOAD_AFTER:?}: loading it again");
            self.reload(conn, &mut applied)?;
        }
        let count = candidates::follow_changes(conn, &mut applied.seq, |conn, mut ids| {
            ids.sort();
            ids.dedup();
            let found = candidates::get_many(conn, &ids)?;
            let mut index = self.index.write().unwrap_or_else(PoisonError::into_inner);
            for id in &ids {
                index.remove(*id);
            }
            for c in &found {
                index.upsert(c.id, &c.value.0);
            }
            Ok(())
        })?;
        applied.at = Instant::now();
        Ok(count)
    }
}
