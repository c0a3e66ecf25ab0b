//! Keeps this instance's matching index in step with the candidates: built
//! from every candidate at start, then caught up from the change log
//! (`candidate_changes`) before each match and every second, so a write made
//! through any instance counts at once here, without a full reload.

use std::sync::{Mutex, PoisonError, RwLock, RwLockReadGuard};

use super::{Database, DbConnection, candidates};
use crate::domain::CandidateId;
use crate::error::AppResult;
use crate::matching::index::CandidateIndex;

/// How many logged changes one catch-up step reads.
const CATCH_UP_BATCH: i64 = 5_000;

#[derive(Debug, Default)]
pub struct LiveIndex {
    index: RwLock<CandidateIndex>,
    /// The last change applied; held while catching up, so catch-ups apply in order.
    applied: Mutex<i64>,
}

impl LiveIndex {
    /// Loads every candidate (blocking: call it at start, before serving).
    pub fn load(db: &Database) -> AppResult<Self> {
        let live = LiveIndex::default();
        // Read where the log stands first: what changes while loading is caught up again, harmlessly.
        let last = db.with_reader(candidates::last_change)?;
        {
            let mut index = live.index.write().unwrap_or_else(PoisonError::into_inner);
            db.with_reader(|conn| {
                candidates::each_batch(conn, |batch| {
                    for c in batch {
                        index.upsert(c.id, &c.value.0);
                    }
                })
            })?;
        }
        *live.applied.lock().unwrap_or_else(PoisonError::into_inner) = last;
        Ok(live)
    }

    /// The index as it stands, for reading.
    pub fn read(&self) -> RwLockReadGuard<'_, CandidateIndex> {
        self.index.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies the changes logged since the last catch-up (blocking).
    pub fn catch_up(&self, conn: &mut DbConnection) -> AppResult<usize> {
        let mut applied = self.applied.lock().unwrap_or_else(PoisonError::into_inner);
        let mut count = 0;
        loop {
            let changes = candidates::changes_since(conn, *applied, CATCH_UP_BATCH)?;
            let Some(&(last, _)) = changes.last() else { return Ok(count) };
            let mut ids: Vec<CandidateId> = changes.iter().map(|c| c.1).collect();
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
            drop(index);
            count += changes.len();
            *applied = last;
        }
    }
}
