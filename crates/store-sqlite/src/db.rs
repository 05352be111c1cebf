//! The connections to the database file: one writer, owned by a thread of its own
//! ([`Writer`]), and a few read-only readers, used on tokio's blocking threads (short bounded
//! reads inline: [`Db::read_now`]); the cache of the guide's call they keep true
//! ([`Db::enabled_cache`]), and the error type of the work done on them.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once, PoisonError};
use std::time::{Duration, Instant};

use anyhow::Context;
use orgwarden_domain::enabled_cache::EnabledCache;
use orgwarden_domain::{Error, Result};
use rusqlite::{Connection, OpenFlags, Transaction};
use tokio::sync::Semaphore;

use crate::writer::Writer;
use crate::{disk_reads, migrate};

/// Read connections used at the same time (and kept open).
const READERS: usize = 4;
/// An inline read slower than this that read the disk waited for it ([`Db::read_now`]).
const SLOW_INLINE: Duration = Duration::from_millis(1);
/// An inline read slower than this stalled the runtime, whatever it read (a backstop: SQLite
/// may also wait on a lock).
const STALLED_INLINE: Duration = Duration::from_millis(50);
/// How long reads stay off the runtime's threads after a slow one.
const COOL_OFF: Duration = Duration::from_secs(1);
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A failure inside database work: a domain error (handed back as is) or a storage failure
/// (handed back as `Error::Internal`). Lets `?` work on rusqlite, serde_json and domain results.
pub(crate) struct DbError(pub(crate) Error);

pub(crate) type DbResult<T> = std::result::Result<T, DbError>;

impl From<Error> for DbError {
    fn from(e: Error) -> Self {
        DbError(e)
    }
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> Self {
        DbError(Error::Internal(anyhow::Error::new(e).context("SQLite")))
    }
}

impl From<serde_json::Error> for DbError {
    fn from(e: serde_json::Error) -> Self {
        DbError(Error::Internal(
            anyhow::Error::new(e).context("a JSON column"),
        ))
    }
}

pub(crate) struct Db {
    path: PathBuf,
    writer: Writer,
    /// Idle read connections.
    readers: Mutex<Vec<Connection>>,
    /// Waiting for a turn happens here, not on a blocking thread.
    read_slots: Semaphore,
    /// When [`Db::read_now`] may run reads inline again (microseconds since `opened`): a read
    /// that was slow (the disk, not the page cache) sends the next ones to blocking threads
    /// for a while, so a cold cache never stalls the runtime's other requests for long.
    inline_after_us: AtomicU64,
    opened: Instant,
    /// Invalidated after every write here, and when [`Db::check_other_writers`] sees another
    /// process's commit.
    enabled_cache: Arc<EnabledCache>,
    /// A connection of its own and the `data_version` it last answered: the number changes when
    /// any other connection, in this process or another, has committed.
    other_writers: Mutex<Option<(Connection, i64)>>,
}

impl Db {
    /// Opens (or creates) the file and migrates it. Blocking.
    pub(crate) fn open(path: PathBuf) -> anyhow::Result<Db> {
        disable_memory_statistics();
        make_private(&path)?;
        let mut writer = Connection::open(&path)
            .with_context(|| format!("cannot open the SQLite database {}", path.display()))?;
        configure(&writer)?;
        // Deleted or overwritten content is zeroed, not left in free pages (a replaced private
        // key must not stay readable in the file).
        writer.pragma_update(None, "secure_delete", "ON")?;
        let mode: String =
            writer.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        anyhow::ensure!(
            mode.eq_ignore_ascii_case("wal"),
            "SQLite refused WAL mode (journal_mode is {mode})"
        );
        migrate::run(&mut writer)?;
        let watcher = read_only(&path)?;
        let version = data_version(&watcher)?;
        let enabled_cache = Arc::new(EnabledCache::default());
        let invalidated = Arc::clone(&enabled_cache);
        Ok(Db {
            path,
            writer: Writer::start(writer, move || invalidated.invalidate())
                .context("cannot start the SQLite writer thread")?,
            readers: Mutex::new(Vec::with_capacity(READERS)),
            read_slots: Semaphore::new(READERS),
            inline_after_us: AtomicU64::new(0),
            opened: Instant::now(),
            enabled_cache,
            other_writers: Mutex::new(Some((watcher, version))),
        })
    }

    pub(crate) fn enabled_cache(&self) -> &EnabledCache {
        &self.enabled_cache
    }

    /// Invalidates the cache if anyone else committed to the file since the last look (another
    /// process: `orgwarden token`, a second server, `sqlite3` by hand); the writer's own commits
    /// were invalidated when they were made, and show here once more. If the file cannot be
    /// asked, nothing is kept until it can. Blocking, but short: no lock is waited for.
    pub(crate) fn check_other_writers(&self) {
        let mut watching = self
            .other_writers
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let was_watching = watching.is_some();
        let looked = match watching.take() {
            Some((conn, last)) => data_version(&conn).map(|now| {
                if now != last {
                    self.enabled_cache.invalidate();
                }
                (conn, now)
            }),
            // After a failure: a new connection, whose numbers start anew.
            None => read_only(&self.path).and_then(|conn| {
                let now = data_version(&conn)?;
                self.enabled_cache.set_enabled(true);
                Ok((conn, now))
            }),
        };
        match looked {
            Ok(watched) => *watching = Some(watched),
            Err(e) => {
                self.enabled_cache.set_enabled(false);
                if was_watching {
                    tracing::warn!(error = %e, "cannot tell whether other processes write to the SQLite database: its read cache is off until it can");
                }
            }
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `work` on a read connection.
    pub(crate) async fn read<T, F>(self: &Arc<Self>, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> DbResult<T> + Send + 'static,
    {
        let _slot = self
            .read_slots
            .acquire()
            .await
            .map_err(|e| Error::Internal(e.into()))?;
        let db = Arc::clone(self);
        blocking(move || {
            let conn = db.take_reader()?;
            let out = work(&conn);
            db.put_back(conn);
            out
        })
        .await
    }

    /// Runs `work`, a short read of bounded size (a point lookup, one organization's
    /// connections), on the calling thread when a read connection is idle: on a warm page cache
    /// such a query takes microseconds, less than the hop to a blocking thread and back (a
    /// profile of the guide's call spent a fifth of its time switching threads). A read that
    /// took longer than [`SLOW_INLINE`] *and* read the disk (it missed SQLite's page cache and
    /// the thread read the device, not the OS's cache: [`disk_reads`]), or longer than
    /// [`STALLED_INLINE`] whatever it did, sends the reads of the next [`COOL_OFF`] to blocking
    /// threads, where they wait without holding up the runtime. Any other slow read was only
    /// descheduled (a busy machine): a blocking thread would not have made it faster, so reads
    /// stay inline. On a shared 2-core machine, slow reads from SQLite's cache, and on a 2M
    /// tenant slow reads of pages the OS had cached, each sent most reads to blocking threads
    /// (a sixth, then two fifths, of the time in hand-offs and wake-ups). Anything that may
    /// scan (searches, listings of the tenant) goes through [`Db::read`].
    pub(crate) async fn read_now<T, F>(self: &Arc<Self>, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> DbResult<T> + Send + 'static,
    {
        if self.micros_now() < self.inline_after_us.load(Ordering::Relaxed) {
            return self.read(work).await;
        }
        let Ok(_slot) = self.read_slots.try_acquire() else {
            return self.read(work).await;
        };
        disk_reads::baseline();
        let started = Instant::now();
        let conn = self.take_reader().map_err(|e| e.0)?;
        let misses = cache_misses(&conn);
        let out = work(&conn);
        // Unknown counts as missed.
        let missed = misses.is_none() || cache_misses(&conn) != misses;
        self.put_back(conn);
        let took = started.elapsed();
        // Only a slow read asks the OS whether the thread read the disk (a system call).
        if (took > SLOW_INLINE && missed && disk_reads::since_last_look()) || took > STALLED_INLINE
        {
            let until = self.micros_now() + COOL_OFF.as_micros() as u64;
            self.inline_after_us.store(until, Ordering::Relaxed);
        }
        out.map_err(|e| e.0)
    }

    fn micros_now(&self) -> u64 {
        u64::try_from(self.opened.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    /// Runs `work` in a `BEGIN IMMEDIATE` transaction on the writer (with the writes waiting
    /// beside it, each in a savepoint: `writer.rs`), committed if it succeeds. The read cache
    /// is invalidated once the transaction has ended however it ended (committed, failed, a
    /// panic), and before the caller hears of it: a read that starts after this sees the commit,
    /// and no read from before it is kept.
    pub(crate) async fn write<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> DbResult<T> + Send + 'static,
    {
        self.writer.write(work).await
    }

    /// Copies the write-ahead log into the database file and truncates the log to nothing, so
    /// the log keeps no older version of a page. Best effort: a reader in the middle of a read
    /// can keep it from finishing.
    pub(crate) async fn checkpoint(&self) -> Result<()> {
        self.writer
            .alone(|conn| {
                let busy: i64 =
                    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))?;
                if busy != 0 {
                    tracing::warn!(
                        "the SQLite write-ahead log could not be truncated: a read was in progress"
                    );
                }
                Ok(())
            })
            .await
    }

    fn take_reader(&self) -> DbResult<Connection> {
        if let Some(conn) = self
            .readers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
        {
            return Ok(conn);
        }
        Ok(read_only(&self.path)?)
    }

    fn put_back(&self, conn: Connection) {
        let mut idle = self.readers.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < READERS {
            idle.push(conn);
        }
    }
}

pub(crate) fn read_only(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    configure(&conn)?;
    Ok(conn)
}

/// A number that changes when another connection has committed (SQLite's `data_version`).
fn data_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached("PRAGMA data_version")?
        .query_row([], |row| row.get(0))
}

/// How many times the connection's page cache has missed since it was opened (each miss read a
/// page from the file: the OS's cache or the disk); `None` if SQLite did not say.
#[allow(unsafe_code)]
fn cache_misses(conn: &Connection) -> Option<i64> {
    let (mut current, mut highest) = (0, 0);
    // SAFETY: the handle is that of the open connection `conn` borrows, used by this thread
    // alone; SQLITE_DBSTATUS_CACHE_MISS writes the two ints passed; reset is 0.
    let rc = unsafe {
        rusqlite::ffi::sqlite3_db_status(
            conn.handle(),
            rusqlite::ffi::SQLITE_DBSTATUS_CACHE_MISS,
            &mut current,
            &mut highest,
            0,
        )
    };
    (rc == rusqlite::ffi::SQLITE_OK).then_some(i64::from(current))
}

/// The database file and the `-wal`, `-shm` and `-journal` files SQLite keeps beside it.
fn database_files(path: &Path) -> Vec<PathBuf> {
    let mut files = vec![path.to_owned()];
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        files.push(PathBuf::from(name));
    }
    files
}

/// Makes the database private to this user, whatever the umask: a missing file is created with
/// mode 0600 (SQLite gives the `-wal`, `-shm` and `-journal` files it creates the database
/// file's mode), and existing files others could read are made 0600, with one warning.
fn make_private(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let created = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path);
        match created {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                return Err(anyhow::Error::new(e).context(format!(
                    "cannot create the SQLite database {}",
                    path.display()
                )))
            }
        }
        let mut tightened = Vec::new();
        for file in database_files(path) {
            let Ok(meta) = std::fs::symlink_metadata(&file) else {
                continue;
            };
            if meta.is_file() && meta.permissions().mode() & 0o777 != 0o600 {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
                    .with_context(|| format!("cannot make {} private (0600)", file.display()))?;
                tightened.push(file.display().to_string());
            }
        }
        if !tightened.is_empty() {
            tracing::warn!(
                files = %tightened.join(", "),
                "the SQLite database files had other modes than 0600 (others could read the keys and secrets in them): made them 0600"
            );
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

async fn blocking<T, F>(work: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> DbResult<T> + Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(out) => out.map_err(|e| e.0),
        Err(e) => Err(Error::Internal(
            anyhow::Error::new(e).context("a storage task failed"),
        )),
    }
}

/// Prepared statements kept per connection: every statement the store runs (rusqlite's
/// default of 16 is fewer, and a statement pushed out is parsed again next time).
const STATEMENT_CACHE: usize = 256;

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // FULL: a write is on disk before it is acknowledged, even if the machine loses power
    // (NORMAL in WAL mode may lose the last commits then). The writes waiting at the same
    // moment share one commit and so one wait for the disk (`writer.rs`).
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

/// SQLite keeps memory statistics by default, behind one process-wide mutex taken on every
/// allocation: it serializes all connections (performance notes §A3). Turned off once, before
/// the first connection is opened.
fn disable_memory_statistics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let rc = sqlite_config_memstatus_off();
        if rc != rusqlite::ffi::SQLITE_OK {
            // SQLite was already initialized (by someone else in the process): harmless.
            tracing::debug!(rc, "SQLite memory statistics could not be turned off");
        }
    });
}

#[allow(unsafe_code)]
fn sqlite_config_memstatus_off() -> std::ffi::c_int {
    let off: std::ffi::c_int = 0;
    // SAFETY: SQLITE_CONFIG_MEMSTATUS takes exactly one `int` variadic argument, which is what is
    // passed. sqlite3_config must not run concurrently with other SQLite calls: it is called
    // once (under `Once`) before this crate opens any connection. If SQLite is already
    // initialized it changes nothing and returns SQLITE_MISUSE.
    unsafe { rusqlite::ffi::sqlite3_config(rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS, off) }
}

#[cfg(test)]
mod tests {
    use std::thread::{self, ThreadId};

    use super::*;

    /// Where a read ran that takes `pause`; `from_file`: it first empties the connection's
    /// page cache, so its query reads pages from the file (cache misses; from the disk if
    /// [`evict_from_os_cache`] ran before).
    async fn thread_of_read(db: &Arc<Db>, pause: Duration, from_file: bool) -> ThreadId {
        db.read_now(move |conn| {
            if from_file {
                conn.execute_batch("PRAGMA shrink_memory")?;
            }
            conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
                r.get::<_, i64>(0)
            })?;
            thread::sleep(pause);
            Ok(thread::current().id())
        })
        .await
        .unwrap()
    }

    fn cool_off_over(db: &Db) {
        db.inline_after_us.store(db.micros_now(), Ordering::Relaxed);
    }

    /// A directory on the disk the sources are on: the system's temporary directory may be
    /// in memory (tmpfs), where nothing is ever read from a device.
    fn disk_dir() -> tempfile::TempDir {
        tempfile::Builder::new()
            .prefix(".test-db-")
            .tempdir_in(env!("CARGO_MANIFEST_DIR"))
            .unwrap()
    }

    /// Drops the file's pages from the OS's page cache, so the next read of them goes to the
    /// disk. Only clean pages can be dropped: the caller checkpointed, this syncs.
    #[allow(unsafe_code)]
    fn evict_from_os_cache(path: &Path) {
        use std::os::fd::AsRawFd;
        let file = std::fs::File::open(path).unwrap();
        file.sync_all().unwrap();
        // SAFETY: the descriptor is the open file's; posix_fadvise only reads its arguments.
        let rc = unsafe { libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
        assert_eq!(rc, 0, "posix_fadvise");
    }

    #[tokio::test]
    async fn inline_reads_step_aside_for_a_while_after_a_slow_one_that_read_the_disk() {
        let dir = disk_dir();
        let path = dir.path().join("t.db");
        let db = Arc::new(Db::open(path.clone()).unwrap());
        let here = thread::current().id();
        // The first read opens a connection: let it count as slow, then wait the cool-off out.
        thread_of_read(&db, Duration::ZERO, false).await;
        cool_off_over(&db);
        db.checkpoint().await.unwrap();

        evict_from_os_cache(&path);
        assert_eq!(
            thread_of_read(&db, Duration::ZERO, true).await,
            here,
            "fast, even from the disk: inline"
        );
        evict_from_os_cache(&path);
        assert_eq!(
            thread_of_read(&db, SLOW_INLINE * 3, true).await,
            here,
            "a slow read still ran inline"
        );
        assert_ne!(
            thread_of_read(&db, Duration::ZERO, false).await,
            here,
            "after a slow read of the disk: on a blocking thread"
        );
        cool_off_over(&db);
        assert_eq!(
            thread_of_read(&db, Duration::ZERO, false).await,
            here,
            "after the cool-off: inline again"
        );
    }

    #[tokio::test]
    async fn a_slow_read_from_the_page_cache_stays_inline_unless_it_stalled() {
        let dir = tempfile::tempdir().unwrap();
        let db = Arc::new(Db::open(dir.path().join("t.db")).unwrap());
        let here = thread::current().id();
        thread_of_read(&db, Duration::ZERO, false).await;
        cool_off_over(&db);
        // Warm: the schema's pages are in the connection's cache.
        thread_of_read(&db, Duration::ZERO, false).await;

        thread_of_read(&db, SLOW_INLINE * 3, false).await;
        assert_eq!(
            thread_of_read(&db, Duration::ZERO, false).await,
            here,
            "slow without reading the file (descheduled, not waiting for the disk): still inline"
        );
        // The file was just written: its pages are in the OS's cache.
        thread_of_read(&db, SLOW_INLINE * 3, true).await;
        assert_eq!(
            thread_of_read(&db, Duration::ZERO, false).await,
            here,
            "slow, missing SQLite's cache but not the OS's (a large tenant): still inline"
        );
        thread_of_read(&db, STALLED_INLINE * 2, false).await;
        assert_ne!(
            thread_of_read(&db, Duration::ZERO, false).await,
            here,
            "a read that stalled the runtime sends the next ones to blocking threads"
        );
    }
}
