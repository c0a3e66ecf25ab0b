//! Group commit for SQLite: concurrent writers share one durable commit.
//!
//! SQLite has one writer, and with `synchronous = FULL` every commit waits for
//! an fsync, so writers committing one by one are capped at the disk's fsync
//! rate. Here one thread takes the writes that queued while the previous
//! commit was syncing, runs each in its own savepoint (a write that fails
//! undoes only itself), commits them together, and only then answers each:
//! nobody hears "done" before the data is on disk.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::mpsc;

use diesel::Connection;
use diesel::connection::TransactionManager;
use tokio::sync::oneshot;

use super::{DbConnection, DbPool, begin_write};
use crate::error::{AppError, AppResult};

/// The most writes one commit takes; a bound on how long the first of them waits.
const MAX_BATCH: usize = 64;

/// A write waiting for its batch.
trait Write: Send {
    /// Runs the write in a savepoint of the batch's transaction; returns what
    /// answers its caller once the batch ends (`None`: it committed).
    fn run(self: Box<Self>, conn: &mut DbConnection) -> Answer;
    /// Answers the caller of a write that never ran.
    fn refuse(self: Box<Self>, cause: &str);
}

type Answer = Box<dyn FnOnce(Option<&str>) + Send>;

struct Pending<F, T> {
    f: F,
    reply: oneshot::Sender<AppResult<T>>,
}

impl<F, T> Write for Pending<F, T>
where
    F: FnOnce(&mut DbConnection) -> AppResult<T> + Send,
    T: Send + 'static,
{
    fn run(self: Box<Self>, conn: &mut DbConnection) -> Answer {
        let Pending { f, reply } = *self;
        let result = conn.transaction(f);
        Box::new(move |failed_commit: Option<&str>| {
            let result = match failed_commit {
                Some(cause) if result.is_ok() => Err(unavailable(cause)),
                _ => result,
            };
            let _ = reply.send(result);
        })
    }

    fn refuse(self: Box<Self>, cause: &str) {
        let _ = self.reply.send(Err(unavailable(cause)));
    }
}

fn unavailable(cause: &str) -> AppError {
    AppError::Unavailable(format!("the write was not committed: {cause}"))
}

/// The queue of writes waiting for the writer thread.
#[derive(Clone)]
pub(super) struct GroupCommit {
    writer: Arc<Writer>,
    /// Writes queued and not started, for the pool metrics.
    waiting: Arc<AtomicI64>,
}

/// The writer thread and its queue. Dropping the last handle closes the
/// queue and waits for the thread, so the database is closed when the
/// `Database` is gone, not some time later.
struct Writer {
    jobs: Option<mpsc::Sender<Box<dyn Write>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Writer {
    fn drop(&mut self) {
        drop(self.jobs.take());
        if let Some(thread) = self.thread.take() {
            // A write may hold the last handle and drop it on the writer thread itself.
            if thread.thread().id() != std::thread::current().id() {
                let _ = thread.join();
            }
        }
    }
}

impl GroupCommit {
    /// Starts the writer thread on `pool`, whose single connection it takes
    /// for each batch. The thread ends when the last handle is dropped.
    pub(super) fn start(pool: DbPool) -> anyhow::Result<Self> {
        let (jobs, queue) = mpsc::channel::<Box<dyn Write>>();
        let waiting = Arc::new(AtomicI64::new(0));
        let counter = Arc::clone(&waiting);
        let thread =
            std::thread::Builder::new().name("sqlite-writer".into()).spawn(move || run(&pool, &queue, &counter))?;
        Ok(Self { writer: Arc::new(Writer { jobs: Some(jobs), thread: Some(thread) }), waiting })
    }

    pub(super) fn waiting(&self) -> i64 {
        self.waiting.load(Ordering::Relaxed)
    }

    /// Runs `f` in a savepoint of the next batch; resolves once that batch committed.
    pub(super) async fn write<T, F>(&self, f: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        self.waiting.fetch_add(1, Ordering::Relaxed);
        let sent = self.writer.jobs.as_ref().map(|jobs| jobs.send(Box::new(Pending { f, reply })));
        if !matches!(sent, Some(Ok(()))) {
            self.waiting.fetch_sub(1, Ordering::Relaxed);
            return Err(unavailable("the database writer has stopped"));
        }
        // Dropped unanswered only when the write panicked.
        answer.await.map_err(|_| unavailable("the write failed"))?
    }
}

fn run(pool: &DbPool, queue: &mpsc::Receiver<Box<dyn Write>>, waiting: &AtomicI64) {
    type Manager = <DbConnection as Connection>::TransactionManager;
    'batches: while let Ok(first) = queue.recv() {
        // What queued while the last batch was committing goes into this one.
        let batch: Vec<_> = std::iter::once(first).chain(queue.try_iter().take(MAX_BATCH - 1)).collect();
        waiting.fetch_sub(batch.len() as i64, Ordering::Relaxed);
        let mut conn = match pool.get() {
            Ok(conn) => conn,
            Err(error) => {
                refuse(batch, &error.to_string());
                continue;
            }
        };
        let conn = &mut *conn;
        if let Err(error) = begin_write(conn) {
            refuse(batch, &error.to_string());
            continue;
        }
        let mut answers = Vec::with_capacity(batch.len());
        let mut writes = batch.into_iter();
        while let Some(write) = writes.next() {
            match catch_unwind(AssertUnwindSafe(|| write.run(conn))) {
                Ok(answer) => answers.push(answer),
                Err(_) => {
                    // Its savepoint is still open, so the connection goes back to
                    // the pool mid-transaction: the pool discards it, and closing
                    // it rolls the whole batch back.
                    tracing::error!("a write panicked; its batch is rolled back");
                    let cause = "another write of the same commit failed";
                    answers.into_iter().for_each(|answer| answer(Some(cause)));
                    refuse(writes.collect(), cause);
                    continue 'batches;
                }
            }
        }
        match Manager::commit_transaction(conn) {
            Ok(()) => answers.into_iter().for_each(|answer| answer(None)),
            Err(error) => {
                tracing::error!(%error, "committing a batch of writes");
                let _ = Manager::rollback_transaction(conn);
                let cause = error.to_string();
                answers.into_iter().for_each(|answer| answer(Some(&cause)));
            }
        }
    }
}

fn refuse(batch: Vec<Box<dyn Write>>, cause: &str) {
    if !batch.is_empty() {
        tracing::error!(%cause, writes = batch.len(), "a batch of writes could not run");
    }
    batch.into_iter().for_each(|write| write.refuse(cause));
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use diesel::RunQueryDsl;
    use diesel::connection::SimpleConnection;
    use diesel::sql_types::BigInt;

    use crate::db::{Database, DatabaseUrl};
    use crate::error::AppError;

    #[derive(diesel::QueryableByName)]
    struct Value {
        #[diesel(sql_type = BigInt)]
        x: i64,
    }

    fn insert(conn: &mut crate::db::DbConnection, x: i64) -> crate::error::AppResult<()> {
        diesel::sql_query(format!("INSERT INTO t (x) VALUES ({x})")).execute(conn)?;
        Ok(())
    }

    /// Runs `write(x)` for every x at once; returns each answer.
    async fn all_at_once(
        db: &Database,
        xs: std::ops::Range<i64>,
        write: fn(&mut crate::db::DbConnection, i64) -> crate::error::AppResult<()>,
    ) -> Vec<(i64, bool)> {
        let handles: Vec<_> = xs
            .map(|x| {
                let db = db.clone();
                tokio::spawn(async move { (x, db.write(move |conn| write(conn, x)).await.is_ok()) })
            })
            .collect();
        let mut answers = Vec::new();
        for handle in handles {
            answers.push(handle.await.unwrap());
        }
        answers
    }

    async fn stored(db: &Database) -> Vec<i64> {
        let rows = db.read(|conn| Ok(diesel::sql_query("SELECT x FROM t ORDER BY x").load::<Value>(conn)?)).await;
        rows.unwrap().into_iter().map(|v| v.x).collect()
    }

    /// Writes that queue together share a commit, yet each lands or fails on
    /// its own: one that fails after writing leaves nothing behind and the
    /// others land. A panicking write fails its whole batch, and every writer
    /// of it hears so. Whatever was acknowledged is stored, and nothing else.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn writes_committed_together_land_or_fail_alone() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::connect(&DatabaseUrl::Sqlite(dir.path().join("t.db")), 4).unwrap();
        db.write(|conn| Ok(conn.batch_execute("CREATE TABLE t (x INTEGER NOT NULL UNIQUE)")?)).await.unwrap();

        let answers = all_at_once(&db, 0..60, |conn, x| match x % 10 {
            // Wrote, then refused: its row must go with it.
            3 => {
                insert(conn, x)?;
                Err(AppError::Conflict("refused after writing".into()))
            }
            // A unique violation in the middle of a batch: it and write x - 1
            // insert the same row, and whichever runs second fails.
            5 => insert(conn, x - 1),
            _ => insert(conn, x),
        })
        .await;
        let rows = stored(&db).await;
        let expected: Vec<i64> = (0..60).filter(|x| x % 10 != 3 && x % 10 != 5).collect();
        assert_eq!(rows, expected);
        let acknowledged = |x: i64| answers.iter().any(|(y, ok)| *y == x && *ok);
        for x in 0..60 {
            match x % 10 {
                3 => assert!(!acknowledged(x), "write {x}"),
                4 => assert!(acknowledged(x) != acknowledged(x + 1), "exactly one of writes {x} and {}", x + 1),
                5 => {}
                _ => assert!(acknowledged(x), "write {x}"),
            }
        }

        let answers = all_at_once(&db, 100..140, |conn, x| {
            insert(conn, x)?;
            assert_ne!(x, 117, "a bug in a write");
            Ok(())
        })
        .await;
        let rows = stored(&db).await;
        for (x, acknowledged) in answers {
            assert_eq!(acknowledged, rows.contains(&x), "write {x}: acknowledged {acknowledged}, stored {rows:?}");
        }
        assert!(!rows.contains(&117));
        // The writer goes on after a panic.
        db.write(|conn| insert(conn, 1000)).await.unwrap();
        assert!(stored(&db).await.contains(&1000));
    }
}
