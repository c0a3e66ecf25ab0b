//! A check a request defers to its first query: the caller's standing
//! (`auth`) is read on the connection and in the transaction the request
//! takes anyway, not in a database call of its own (on PostgreSQL one more
//! trip through the blocking pool, which halved a GET by id's throughput).
//!
//! The outcome is kept for the request, so a handler that ignores a failed
//! query cannot ignore a failed check: [`Finish::verdict`] answers the
//! refusal in place of the handler's answer, and runs the check itself when
//! no query concluded it.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use super::DbConnection;
use crate::error::{AppError, AppResult};

/// A check to run on a connection before anything else.
pub type Check = Arc<dyn Fn(&mut DbConnection) -> AppResult<()> + Send + Sync>;

#[derive(Default)]
enum Outcome {
    /// Not run, or its run ended without an answer (the database was busy): to run.
    #[default]
    Pending,
    Passed,
    Refused(Option<&'static str>),
}

/// A request's check, if it has one, and what it decided.
#[derive(Default)]
struct Slot {
    check: Option<Check>,
    outcome: Outcome,
}

type Shared = Arc<Mutex<Slot>>;

tokio::task_local! {
    static REQUEST: Shared;
}

fn lock(slot: &Shared) -> std::sync::MutexGuard<'_, Slot> {
    slot.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs `request` with room for a deferred check; then `finish` says what the check decided.
pub async fn scope<F: Future>(request: F) -> (F::Output, Finish) {
    let slot = Shared::default();
    let output = REQUEST.scope(slot.clone(), request).await;
    (output, Finish(slot))
}

/// Defers `check` to the request's first query; gives it back outside a request's scope.
pub fn defer(check: Check) -> Option<Check> {
    match REQUEST.try_with(Clone::clone) {
        Ok(slot) => {
            *lock(&slot) = Slot { check: Some(check), outcome: Outcome::Pending };
            None
        }
        Err(_) => Some(check),
    }
}

/// The check this request still has to make, once: wrapped so its outcome is kept.
pub fn take() -> Option<Check> {
    let slot = REQUEST.try_with(Clone::clone).ok()?;
    let check = {
        let mut held = lock(&slot);
        let check = held.check.clone().filter(|_| matches!(held.outcome, Outcome::Pending))?;
        held.outcome = Outcome::Passed; // until it says otherwise; a second query need not run it again
        check
    };
    Some(Arc::new(move |conn: &mut DbConnection| {
        let result = check(conn);
        lock(&slot).outcome = match &result {
            Ok(()) => Outcome::Passed,
            Err(AppError::Unauthenticated(reason)) => Outcome::Refused(*reason),
            Err(_) => Outcome::Pending,
        };
        result
    }))
}

/// `f`, preceded by `check`.
pub fn checked<T>(
    check: Option<Check>,
    f: impl FnOnce(&mut DbConnection) -> AppResult<T>,
) -> impl FnOnce(&mut DbConnection) -> AppResult<T> {
    move |conn| {
        if let Some(check) = check {
            check(conn)?;
        }
        f(conn)
    }
}

/// What a request's deferred check decided, once its handler is done.
pub struct Finish(Shared);

impl Finish {
    /// `Ok` when there was no check or it passed; the refusal otherwise. A
    /// check no query concluded runs now, on `db`.
    pub async fn verdict(self, db: &super::Database) -> AppResult<()> {
        let (check, outcome) = {
            let mut held = lock(&self.0);
            (held.check.take(), std::mem::take(&mut held.outcome))
        };
        match (check, outcome) {
            (None, _) | (_, Outcome::Passed) => Ok(()),
            (_, Outcome::Refused(reason)) => Err(AppError::Unauthenticated(reason)),
            (Some(check), Outcome::Pending) => db.lookup(move |conn| check(conn)).await,
        }
    }
}
