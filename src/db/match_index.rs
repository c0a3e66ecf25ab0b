//! Keeps this instance's matching index in step with the candidates: built
//! from every candidate at start, then caught up from the change log
//! (`candidate_changes`) before each match and every second, so a write made
//! through any instance counts at once here, without a full reload. The
//! index also answers candidate lists by creation or change time (`list_versions`).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, PoisonError, RwLock, RwLockReadGuard};
use std::time::{Duration, Instant};

use super::candidates::{self, CandidateFilter, CandidateSort, Listed, StoredCandidate};
use super::page::{self, Direction, Page, PageRequest, Position};
use super::{Database, DbConnection};
use crate::domain::CandidateId;
use crate::error::{AppError, AppResult};
use crate::matching::index::{CandidateIndex, ListOrder, Stamp};

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
    /// The last change the index holds, readable without the lock.
    holds: AtomicI64,
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
                index.upsert(c.id, &c.value.0, stamp(&c));
            }
        })?;
        *self.index.write().unwrap_or_else(PoisonError::into_inner) = index;
        *applied = Applied { seq: last, at: Instant::now() };
        self.holds.store(last, Ordering::Release);
        Ok(())
    }

    /// The index as it stands, for reading.
    pub fn read(&self) -> RwLockReadGuard<'_, CandidateIndex> {
        self.index.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether the index holds every change logged, as [`Self::catch_up`] would find: most calls do.
    /// It reads the log's end without the lock, so concurrent lists and matches do not queue behind one
    /// another's query.
    pub fn is_current(&self, conn: &mut DbConnection) -> AppResult<bool> {
        if candidates::last_change(conn)? > self.holds.load(Ordering::Acquire) {
            return Ok(false);
        }
        if let Ok(mut applied) = self.applied.try_lock() {
            applied.at = Instant::now();
        }
        Ok(true)
    }

    /// Applies the changes logged since the last catch-up (blocking).
    pub fn catch_up(&self, conn: &mut DbConnection) -> AppResult<usize> {
        if self.is_current(conn)? {
            return Ok(0);
        }
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
                index.upsert(c.id, &c.value.0, stamp(c));
            }
            Ok(())
        })?;
        applied.at = Instant::now();
        self.holds.store(applied.seq, Ordering::Release);
        Ok(count)
    }

    /// A page of candidates as [`candidates::list_versions`] gives it. The
    /// index answers lists by creation or change time whose filters it holds, once
    /// caught up, so the page shows every write committed before the request,
    /// through any instance; the database answers the others.
    pub fn list_versions(
        &self,
        conn: &mut DbConnection,
        filter: &CandidateFilter,
        request: &PageRequest<CandidateSort>,
    ) -> AppResult<Page<Listed>> {
        let order = match request.sort {
            CandidateSort::CreatedAt => ListOrder::CreatedAt,
            CandidateSort::UpdatedAt => ListOrder::UpdatedAt,
            CandidateSort::LastName | CandidateSort::Relevance => {
                return candidates::list_versions(conn, filter, request);
            }
        };
        let after = request.after.as_ref().map(|p| Ok::<_, AppError>((p.timestamp()?, cursor_id(p)?))).transpose()?;
        self.catch_up(conn)?;
        let limit = usize::try_from(request.limit).unwrap_or(0) + 1;
        let listed =
            self.read().list(filter, order, after, request.direction == Direction::Desc, limit, request.with_total);
        let Some((items, total)) = listed else { return candidates::list_versions(conn, filter, request) };
        let page = Page::from_rows(items, request.limit, total.map(|t| t as i64), |l| Position {
            value: page::timestamp_value(match order {
                ListOrder::CreatedAt => &l.stamp.created_at,
                ListOrder::UpdatedAt => &l.stamp.updated_at,
            }),
            id: uuid::Uuid::from_u128(l.id).to_string(),
        });
        page.try_map(|l| {
            Ok(Listed {
                id: CandidateId::from_uuid(uuid::Uuid::from_u128(l.id)),
                version: l.stamp.version,
                updated_at: l.stamp.updated_at.and_utc(),
            })
        })
    }
}

fn stamp(c: &StoredCandidate) -> Stamp {
    Stamp { created_at: c.created_at.naive_utc(), updated_at: c.updated_at.naive_utc(), version: c.version }
}

/// The id a cursor ends at, as the index keys it.
fn cursor_id(position: &Position) -> AppResult<u128> {
    let id: uuid::Uuid =
        position.id.parse().map_err(|_| AppError::InvalidQuery("the cursor is not valid for this list".into()))?;
    Ok(id.as_u128())
}
