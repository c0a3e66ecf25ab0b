//! The retention purge: candidates without consent and without activity for
//! the retention period are erased (see `db::privacy`). The server runs it on
//! a schedule, claimed through the database so that of several instances one
//! runs each time; `interim-tracker purge-retention` runs it at once.

use std::time::Duration;

use crate::db::{self, Database, privacy};
use crate::domain::CandidateId;
use crate::error::AppResult;

/// The scheduled job's name.
pub const JOB: &str = "retention-purge";
/// Candidates erased per transaction.
const BATCH: usize = 100;

/// When the purge runs and what it erases.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Candidates without consent and untouched this long are erased.
    pub retention: Duration,
    /// How often the server runs the purge; never when `None`.
    pub every: Option<Duration>,
}

/// Erases every candidate due for purge now, recording each erasure in the
/// audit log and the run in `job_runs`; answers whom it erased. With
/// `dry_run`, only answers whom it would erase.
pub fn purge(db: &Database, policy: &Policy, instance: &str, dry_run: bool) -> AppResult<Vec<CandidateId>> {
    let cutoff = db::now() - chrono::Duration::from_std(policy.retention).unwrap_or(chrono::Duration::MAX);
    if dry_run {
        return db.with_reader(|conn| privacy::due_for_purge(conn, cutoff, usize::MAX));
    }
    let run = db.write_blocking(|conn| privacy::start_run(conn, JOB, instance))?;
    let mut erased = Vec::new();
    loop {
        let batch = db.write_blocking(|conn| {
            let due = privacy::due_for_purge(conn, cutoff, BATCH)?;
            for id in &due {
                privacy::erase_leaving_index(conn, *id)?;
                db::audit::append(conn, &erasure_event(*id))?;
            }
            if !due.is_empty() {
                db::search::forget_erased(conn)?;
            }
            Ok(due)
        })?;
        let done = batch.len() < BATCH;
        erased.extend(batch);
        if done {
            break;
        }
    }
    db.write_blocking(|conn| privacy::finish_run(conn, &run, erased.len()))?;
    if !erased.is_empty() {
        tracing::info!(erased = erased.len(), "retention purge");
    }
    Ok(erased)
}

/// The audit log says that an erasure happened, not what was erased.
fn erasure_event(id: CandidateId) -> db::audit::AuditEvent {
    db::audit::AuditEvent {
        id: uuid::Uuid::now_v7().to_string(),
        occurred_at: db::now(),
        actor: "system:retention-purge".into(),
        actor_kind: "system".into(),
        role: None,
        organization_id: None,
        action: "retention_purge".into(),
        object_type: Some("candidate".into()),
        object_id: Some(id.to_string()),
        outcome: "succeeded".into(),
        status: 200,
        request_id: None,
    }
}

/// Runs the purge on schedule on a thread of its own, for the life of the
/// process. Each instance looks every minute (or every period, if shorter);
/// the one that claims the run first does it.
/// Stops once `alive` is gone (the application was dropped).
pub fn schedule<T: Send + Sync + 'static>(db: Database, policy: Policy, alive: std::sync::Weak<T>) {
    let Some(every) = policy.every else { return };
    let instance = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
    let look = every.min(Duration::from_secs(60));
    let claim_every = chrono::Duration::from_std(every).unwrap_or(chrono::Duration::days(1));
    let spawned = std::thread::Builder::new().name("retention-purge".into()).spawn(move || {
        // Wakes every second, so the thread (and the pool it holds) ends soon after the application.
        let step = look.min(Duration::from_secs(1));
        let mut waited = Duration::ZERO;
        loop {
            std::thread::sleep(step);
            if alive.upgrade().is_none() {
                return;
            }
            waited += step;
            if waited < look {
                continue;
            }
            waited = Duration::ZERO;
            let claimed = db.write_blocking(|conn| privacy::claim_job(conn, JOB, claim_every));
            match claimed {
                Ok(true) => {
                    if let Err(error) = purge(&db, &policy, &instance, false) {
                        tracing::warn!(%error, "retention purge");
                    }
                }
                Ok(false) => {}
                Err(error) => tracing::warn!(%error, "claiming the retention purge"),
            }
        }
    });
    if let Err(error) = spawned {
        tracing::error!(%error, "could not start the retention purge schedule");
    }
}
