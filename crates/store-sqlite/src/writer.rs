//! The writer: one thread owns the write connection and commits the writes handed to it, all
//! those waiting at once when several wait (group commit).
//!
//! Writes to one SQLite file happen one at a time, and each commit waits for the disk
//! (`synchronous = FULL`). The thread takes the first waiting write and opens a
//! `BEGIN IMMEDIATE` transaction for it; every write waiting behind it (up to [`BATCH`]) runs in
//! the same transaction, each in a savepoint of its own, so each sees the ones before it exactly
//! as if they had been committed one after another. A write that fails, or panics, is rolled
//! back to its savepoint and fails alone. Then one commit, one wait for the disk, and only then
//! does any caller hear that its write is done; if the commit fails, every write in it fails.
//!
//! Before, each write waited for its turn on tokio's threads, and then for a blocking thread:
//! on the benchmark's one core, the file stood idle between commits while a busy runtime got
//! round to handing the turn on, and each write paid a disk wait of its own.

use std::panic::{catch_unwind, AssertUnwindSafe};

use orgwarden_domain::{Error, Result};
use rusqlite::{Connection, Transaction, TransactionBehavior};
use tokio::sync::{mpsc, oneshot};

use crate::db::DbResult;

/// Work handed in and not yet taken by the thread; more callers wait (asynchronously) to hand
/// theirs in, so a burst of writes holds no thread and no unbounded queue.
const WAITING: usize = 64;
/// Writes committed together at most, so the first of them waits for a bounded amount of work.
const BATCH: usize = 64;

/// A write: run in its savepoint, it says whether it changed anything to keep and how to tell
/// its caller once the transaction has ended.
type Write = Box<dyn FnOnce(&Transaction<'_>) -> Outcome + Send>;
/// Tells a write's caller how its transaction ended: `None` if it committed, else why not.
type Tell = Box<dyn FnOnce(Option<&str>) + Send>;
/// Work on the connection outside any transaction (a checkpoint).
type Alone = Box<dyn FnOnce(&mut Connection) + Send>;

enum Job {
    Write(Write),
    Alone(Alone),
}

struct Outcome {
    /// False: the write failed and was rolled back to its savepoint.
    kept: bool,
    /// Called once the transaction has ended.
    tell: Tell,
}

/// The way to the writer thread; the thread ends, closing the connection, once this is dropped
/// and the work already handed in has run.
pub(crate) struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the thread that owns `conn`; `after_writes` runs each time a transaction of writes
    /// has ended (committed or not), before any of their callers hears of it.
    pub(crate) fn start(
        conn: Connection,
        after_writes: impl Fn() + Send + 'static,
    ) -> std::io::Result<Writer> {
        let (jobs, waiting) = mpsc::channel(WAITING);
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || serve(conn, waiting, after_writes))?;
        Ok(Writer { jobs })
    }

    /// Runs `work` in a transaction on the writer (with the writes waiting beside it) and
    /// returns its answer once that transaction has committed. A caller that stops waiting once
    /// the work is handed in does not stop it.
    pub(crate) async fn write<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> DbResult<T> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel::<Result<T>>();
        let write: Write = Box::new(move |tx| match work(tx) {
            Ok(out) => Outcome {
                kept: true,
                tell: Box::new(move |not_committed| {
                    let _ = answer.send(match not_committed {
                        None => Ok(out),
                        Some(why) => Err(Error::Internal(anyhow::anyhow!(
                            "SQLite: the write was not committed: {why}"
                        ))),
                    });
                }),
            },
            Err(e) => Outcome {
                kept: false,
                tell: Box::new(move |_| {
                    let _ = answer.send(Err(e.0));
                }),
            },
        });
        self.hand_in(Job::Write(write), answered).await
    }

    /// Runs `work` on the writer's connection between transactions.
    pub(crate) async fn alone<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> DbResult<T> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel::<Result<T>>();
        let alone: Alone = Box::new(move |conn| {
            let _ = answer.send(work(conn).map_err(|e| e.0));
        });
        self.hand_in(Job::Alone(alone), answered).await
    }

    async fn hand_in<T>(&self, job: Job, answered: oneshot::Receiver<Result<T>>) -> Result<T> {
        self.jobs
            .send(job)
            .await
            .map_err(|_| Error::Internal(anyhow::anyhow!("the SQLite writer has stopped")))?;
        // Dropped unanswered: the work panicked, or could not begin (the writer's log says why).
        answered.await.unwrap_or_else(|_| {
            Err(Error::Internal(anyhow::anyhow!(
                "SQLite: the write failed (the server's log says why)"
            )))
        })
    }
}

fn serve(mut conn: Connection, mut jobs: mpsc::Receiver<Job>, after_writes: impl Fn()) {
    let mut next = None;
    loop {
        let Some(job) = next.take().or_else(|| jobs.blocking_recv()) else {
            return;
        };
        match job {
            // A panic ends that work only; its caller hears of it as a failure.
            Job::Alone(work) => drop(catch_unwind(AssertUnwindSafe(|| work(&mut conn)))),
            Job::Write(first) => {
                let (outcomes, not_committed, left) = commit_together(&mut conn, first, &mut jobs);
                after_writes();
                if let Some(why) = &not_committed {
                    tracing::error!(writes = outcomes.len(), error = %why, "SQLite: writes were not committed");
                }
                for outcome in outcomes {
                    (outcome.tell)(not_committed.as_deref());
                }
                next = left;
            }
        }
    }
}

/// Runs `first` and the writes waiting behind it in one transaction and commits it. Returns
/// their outcomes, why the transaction did not commit (if it did not), and work that has to
/// wait for the next turn (work that runs alone).
fn commit_together(
    conn: &mut Connection,
    first: Write,
    jobs: &mut mpsc::Receiver<Job>,
) -> (Vec<Outcome>, Option<String>, Option<Job>) {
    let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => {
            // `first` is dropped unrun: its caller hears it failed.
            tracing::error!(error = %e, "SQLite: a write could not begin");
            return (Vec::new(), None, None);
        }
    };
    let mut outcomes = Vec::new();
    let mut left = None;
    let mut write = first;
    let mut ran = 0;
    let broken = loop {
        ran += 1;
        match in_savepoint(&tx, write) {
            Ok(Some(outcome)) => outcomes.push(outcome),
            Ok(None) => {} // it panicked, and was rolled back
            Err(e) => break Some(e.to_string()),
        }
        if ran == BATCH {
            break None;
        }
        match jobs.try_recv() {
            Ok(Job::Write(w)) => write = w,
            Ok(alone @ Job::Alone(_)) => {
                left = Some(alone);
                break None;
            }
            Err(_) => break None,
        }
    };
    // Broken: SQLite may have rolled the whole transaction back (a full disk, an I/O error);
    // dropping it rolls back whatever is left, and none of it is kept.
    let not_committed = broken.or_else(|| tx.commit().err().map(|e| e.to_string()));
    (outcomes, not_committed, left)
}

/// Runs one write in a savepoint, released if it succeeded and rolled back if it failed or
/// panicked (then `None`: its caller hears of it when its answer is dropped unsent). An error
/// here is the transaction's own: savepoints that cannot be set or undone.
fn in_savepoint(tx: &Transaction<'_>, write: Write) -> rusqlite::Result<Option<Outcome>> {
    tx.execute_batch("SAVEPOINT write")?;
    let outcome = catch_unwind(AssertUnwindSafe(|| write(tx))).ok();
    if !outcome.as_ref().is_some_and(|o| o.kept) {
        tx.execute_batch("ROLLBACK TO write")?;
    }
    tx.execute_batch("RELEASE write")?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{mpsc as std_mpsc, Arc, Mutex};

    use super::*;
    use crate::db::DbError;

    /// A writer on a file of its own, with a table of keys and one whose rows must point at a
    /// key by the time of the commit (a deferred foreign key: a write can break it and still
    /// succeed, and only the commit fails); `after` counts the transactions that ended.
    fn writer(dir: &tempfile::TempDir) -> (Arc<Writer>, Arc<AtomicUsize>, std::path::PathBuf) {
        let path = dir.path().join("w.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;
             CREATE TABLE keys (k INTEGER PRIMARY KEY);
             CREATE TABLE refs (k INTEGER REFERENCES keys (k) DEFERRABLE INITIALLY DEFERRED);",
        )
        .unwrap();
        let ended = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&ended);
        let w = Writer::start(conn, move || {
            counted.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
        (Arc::new(w), ended, path)
    }

    fn keys(path: &std::path::Path) -> Vec<i64> {
        let conn = Connection::open(path).unwrap();
        let mut st = conn.prepare("SELECT k FROM keys ORDER BY k").unwrap();
        let rows = st.query_map([], |r| r.get(0)).unwrap();
        rows.map(Result::unwrap).collect()
    }

    fn insert(tx: &Transaction<'_>, k: i64) -> DbResult<i64> {
        tx.execute("INSERT INTO keys (k) VALUES (?1)", [k])?;
        Ok(k)
    }

    /// Holds the writer inside a first write (inserting 0) until `open` is sent, so the writes
    /// handed in meanwhile all wait and are taken together behind it; returns once the writer
    /// is inside it.
    async fn gate(w: &Arc<Writer>) -> (std_mpsc::Sender<()>, tokio::task::JoinHandle<Result<i64>>) {
        let (open, opened) = std_mpsc::channel::<()>();
        let (entered, inside) = oneshot::channel::<()>();
        let w = Arc::clone(w);
        let first = tokio::spawn(async move {
            w.write(move |tx| {
                entered.send(()).unwrap();
                opened.recv().unwrap();
                insert(tx, 0)
            })
            .await
        });
        inside.await.unwrap();
        (open, first)
    }

    /// Waits until `n` pieces of work wait for the writer.
    async fn until_waiting(w: &Writer, n: usize) {
        while WAITING - w.jobs.capacity() < n {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn waiting_writes_commit_together_and_each_fails_alone() {
        let dir = tempfile::tempdir().unwrap();
        let (w, ended, path) = writer(&dir);
        let (open, first) = gate(&w).await;
        let mut handles = Vec::new();
        for k in 1..=40i64 {
            let w = Arc::clone(&w);
            let path = path.clone();
            handles.push(tokio::spawn(async move {
                let answer = match k {
                    // Each sees the writes before it: the first one's key again is refused.
                    10 => w.write(|tx| insert(tx, 0)).await,
                    // A write that changed something and then failed keeps none of it.
                    20 => {
                        w.write(|tx| {
                            insert(tx, 20)?;
                            Err(DbError(Error::LimitReached("no".into())))
                        })
                        .await
                    }
                    30 => {
                        w.write(|tx| -> DbResult<i64> {
                            insert(tx, 30)?;
                            panic!("a write that panics")
                        })
                        .await
                    }
                    k => w.write(move |tx| insert(tx, k)).await,
                };
                // Answered means committed: another connection sees it.
                if let Ok(k) = answer {
                    assert!(keys(&path).contains(&k), "{k} answered before its commit");
                }
                (k, answer)
            }));
        }
        until_waiting(&w, 40).await;
        open.send(()).unwrap();
        assert_eq!(first.await.unwrap().unwrap(), 0);
        for h in handles {
            let (k, answer) = h.await.unwrap();
            match k {
                10 => assert!(matches!(answer, Err(Error::Internal(_))), "{answer:?}"),
                20 => assert!(matches!(answer, Err(Error::LimitReached(_))), "{answer:?}"),
                30 => assert!(matches!(answer, Err(Error::Internal(_))), "{answer:?}"),
                k => assert_eq!(answer.unwrap(), k),
            }
        }
        let expected: Vec<i64> = (0..=40).filter(|k| ![10, 20, 30].contains(k)).collect();
        assert_eq!(keys(&path), expected);
        // One transaction for the 41 writes.
        assert_eq!(ended.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_commit_that_fails_fails_every_write_in_it_and_keeps_none() {
        let dir = tempfile::tempdir().unwrap();
        let (w, ended, path) = writer(&dir);
        let (open, first) = gate(&w).await;
        let answers = Arc::new(Mutex::new(Vec::new()));
        let mut handles = Vec::new();
        for k in 1..=5i64 {
            let (w, answers) = (Arc::clone(&w), Arc::clone(&answers));
            handles.push(tokio::spawn(async move {
                let answer = if k == 3 {
                    // Accepted by its statement, refused by the commit.
                    w.write(|tx| {
                        tx.execute("INSERT INTO refs (k) VALUES (999)", [])?;
                        Ok(3)
                    })
                    .await
                } else {
                    w.write(move |tx| insert(tx, k)).await
                };
                answers.lock().unwrap().push(answer.is_ok());
            }));
        }
        until_waiting(&w, 5).await;
        open.send(()).unwrap();
        assert!(first.await.unwrap().is_err());
        for h in handles {
            h.await.unwrap();
        }
        assert_eq!(*answers.lock().unwrap(), vec![false; 5]);
        assert_eq!(keys(&path), Vec::<i64>::new());
        assert_eq!(ended.load(Ordering::SeqCst), 1);
        // The writer goes on: the next write commits.
        assert_eq!(w.write(|tx| insert(tx, 7)).await.unwrap(), 7);
        assert_eq!(keys(&path), vec![7]);
        assert_eq!(ended.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn work_alone_runs_between_transactions_and_a_panic_there_is_a_failure() {
        let dir = tempfile::tempdir().unwrap();
        let (w, _, path) = writer(&dir);
        assert_eq!(w.write(|tx| insert(tx, 1)).await.unwrap(), 1);
        // Outside a transaction: a checkpoint can truncate the log.
        let busy: i64 = w
            .alone(|conn| {
                assert!(conn.is_autocommit());
                Ok(conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?)
            })
            .await
            .unwrap();
        assert_eq!(busy, 0);
        let panicked = w.alone(|_| -> DbResult<()> { panic!("alone") }).await;
        assert!(matches!(panicked, Err(Error::Internal(_))));
        assert_eq!(w.write(|tx| insert(tx, 2)).await.unwrap(), 2);
        assert_eq!(keys(&path), vec![1, 2]);
    }
}
