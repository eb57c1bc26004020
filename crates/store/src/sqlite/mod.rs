//! The embedded backend: one SQLite file per desk, the default for one person.
//!
//! One writer connection behind a mutex (SQLite allows one writer; WAL lets readers proceed);
//! reads use pooled connections of their own. Write transactions start IMMEDIATE. The schema is
//! the frozen, append-only SQL files in `migrations/`, each applied in its own transaction.
//!
//! | module | what |
//! |---|---|
//! | `migrate` | opening checks, schema versions |
//! | `breaks` | imports, replacements, reads, claims, the queue |
//! | `runs` | policy versions and run recording |
//! | `review` | human actions |
//! | `audit` | appending to the chain, the audit log, verification, reports, the dashboard |
//! | `policies` | policy saves and history |
//! | `history` | PATTERN's similar breaks |
//! | `state` | the tables checked against the log |

mod audit;
pub(crate) mod breaks;
mod counts;
pub(crate) mod history;
mod migrate;
mod policies;
mod report;
mod review;
mod rollup;
mod runs;
#[doc(hidden)]
pub use runs::write_runs_as_schema_9;
pub(crate) mod state;

pub use audit::{head_of, verify_file, verify_file_expecting, verify_state};
pub use history::StoreHistory;
pub use migrate::{APPLICATION_ID, SCHEMA_VERSION};

use crate::error::{Result, StoreError};
use chrono::{SecondsFormat, Utc};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// UTC now, ISO 8601 with microseconds (sorts as text).
pub fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The store.
pub struct SqliteStore {
    path: PathBuf,
    /// Read connections between queries (at most [`IDLE_READERS`]): reused, their page caches
    /// stay warm, and the app's memory stays flat. A fresh connection per query re-read every
    /// page from the OS and left freed caches behind in the allocator. Declared before the
    /// writer so they close first (see `Drop`).
    idle_readers: Mutex<Vec<Connection>>,
    writer: Mutex<Connection>,
    /// Who human actions and imports are attributed to.
    actor: String,
    /// This store handle's identity in `claims` (host, process, start time).
    owner: String,
}

/// Whether a claim's owner (`host:pid:start`) is a process of this host that no longer runs.
/// Owners on other hosts are left to their lease.
fn owner_is_gone(owner: &str, me: &str) -> bool {
    let (Some((host, rest)), Some((my_host, _))) = (owner.split_once(':'), me.split_once(':')) else { return false };
    let Some(pid) = rest.split(':').next().and_then(|p| p.parse::<u32>().ok()) else { return false };
    host == my_host && !Path::new(&format!("/proc/{pid}")).exists()
}

/// How long a claim holds a break for a process that stopped without releasing it.
pub const CLAIM_LEASE: chrono::Duration = chrono::Duration::minutes(10);

const IDLE_READERS: usize = 4;

/// A pooled read connection (see [`Store::reader`]); derefs to [`Connection`].
pub struct Reader<'a> {
    conn: Option<Connection>,
    idle: &'a Mutex<Vec<Connection>>,
}

impl std::ops::Deref for Reader<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn.as_ref().expect("present until dropped")
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        // A connection left inside a transaction would hold an old snapshot: close it instead.
        if conn.is_autocommit() {
            let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
            if idle.len() < IDLE_READERS {
                idle.push(conn);
            }
        }
    }
}

/// The default database: [`env_database`], else [`local_path`].
pub fn default_path() -> PathBuf {
    env_database().unwrap_or_else(local_path)
}

/// The database `$RECONAGENT_DB` names (a file or a team database's URL), if set.
pub fn env_database() -> Option<PathBuf> {
    std::env::var_os("RECONAGENT_DB").map(PathBuf::from)
}

/// The embedded database file in the platform data directory
/// (`~/.local/share/reconagent/reconagent.db` on Linux).
pub fn local_path() -> PathBuf {
    data_dir().join("reconagent.db")
}

/// `~/.local/share/reconagent` (`$XDG_DATA_HOME/reconagent` when set).
pub fn data_dir() -> PathBuf {
    std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."))
        .join("reconagent")
}

/// Where model calls' requests and answers are kept for a database (see
/// `reconagent_engine::llm::exchanges`): `<file>.llm` beside a database file. A team database
/// keeps them itself ([`crate::Backend::exchanges`]); without a file this falls back to
/// `reconagent/team-llm` in the user's data directory.
pub fn exchanges_dir(database_file: Option<&Path>) -> PathBuf {
    match database_file {
        Some(f) if !crate::is_team_url(&f.to_string_lossy()) => reconagent_engine::llm::exchanges::DirExchanges::beside(f).dir().to_path_buf(),
        _ => data_dir().join("team-llm"),
    }
}

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // No memory map: it made batches ~20% faster but counted the mapped file in resident
    // memory (740 MiB for 100,000 runs); a 32 MB page cache per connection keeps RSS bounded.
    conn.pragma_update(None, "cache_size", -32_000)?;
    Ok(())
}

/// Refuses a file shorter than its own header says (a truncated copy): SQLite would open it and
/// fail later, on whichever page is missing.
fn check_length(path: &Path) -> Result<()> {
    use std::io::Read;
    let mut header = [0u8; 100];
    let len = std::fs::metadata(path)?.len();
    let mut f = std::fs::File::open(path)?;
    if f.read_exact(&mut header).is_err() || &header[..16] != b"SQLite format 3\0" {
        return Ok(()); // not SQLite at all: SQLite's own error names it
    }
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65_536u64,
        n => u64::from(n),
    };
    let pages = u64::from(u32::from_be_bytes([header[28], header[29], header[30], header[31]]));
    // The page count is valid only when the two change counters agree (SQLite 3.7.0+).
    let valid = header[24..28] == header[92..96];
    if valid && pages > 0 && len < pages * page_size {
        // After a write failed for want of space, the header can count pages that are still
        // only in the WAL: SQLite recovers such a file. Refuse only what SQLite itself finds
        // unsound.
        if sqlite_finds_sound(path) {
            return Ok(());
        }
        return Err(StoreError::Open {
            path: path.display().to_string(),
            message: format!("the file is truncated: its header says {} bytes, it has {len}; nothing was changed", pages * page_size),
        });
    }
    Ok(())
}

/// Whether SQLite opens the file (recovering its WAL if it has one) and its quick check passes.
fn sqlite_finds_sound(path: &Path) -> bool {
    let Ok(conn) = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX) else { return false };
    let _ = conn.busy_timeout(std::time::Duration::from_secs(10));
    conn.query_row("PRAGMA quick_check", [], |r| r.get::<_, String>(0)).is_ok_and(|r| r == "ok")
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and upgrades its schema. A file of
    /// another application, a newer schema, or a corrupt file is refused and left untouched.
    ///
    /// # Errors
    /// [`StoreError::ForeignFile`], [`StoreError::NewerSchema`], [`StoreError::Open`].
    pub fn open(path: &Path) -> Result<SqliteStore> {
        let name = path.display().to_string();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let existed = path.exists() && std::fs::metadata(path)?.len() > 0;
        if existed {
            check_length(path)?;
        }
        let open_err = |e: rusqlite::Error| StoreError::Open { path: name.clone(), message: e.to_string() };
        let mut conn = Connection::open(path).map_err(open_err)?;
        configure(&conn).map_err(|e| StoreError::Open { path: name.clone(), message: format!("{e}; nothing was changed") })?;
        if existed {
            // Read before any write: a foreign or newer file must stay byte-for-byte unchanged.
            migrate::check_header(&conn, &name)?;
        }
        if !existed {
            // Run rows carry a few KiB of graph JSON: 8 KiB pages keep them out of overflow pages.
            conn.pragma_update(None, "page_size", 8192).map_err(open_err)?;
        }
        // Only a new file gets its header written here: an existing one already says WAL and
        // carries our id, and rewriting them would change a file we may be about to refuse.
        let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).map_err(open_err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            conn.pragma_update(None, "journal_mode", "WAL").map_err(open_err)?;
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        // Checkpoint the WAL every ~32 MiB rather than 4 MiB: pages rewritten by consecutive
        // batch chunks are copied back once.
        conn.pragma_update(None, "wal_autocheckpoint", 8192)?;
        if !existed {
            conn.pragma_update(None, "application_id", APPLICATION_ID).map_err(open_err)?;
        }
        // A damaged file fails here, inside the migration's transaction, which rolls back.
        migrate::to_latest(&mut conn, &name)?;
        let owner = format!(
            "{}:{}:{}",
            std::fs::read_to_string("/proc/sys/kernel/hostname").map(|h| h.trim().to_string()).unwrap_or_else(|_| "host".into()),
            std::process::id(),
            Utc::now().timestamp_nanos_opt().unwrap_or(0)
        );
        Ok(SqliteStore {
            path: path.to_path_buf(),
            writer: Mutex::new(conn),
            idle_readers: Mutex::new(Vec::new()),
            actor: crate::backend::default_actor(),
            owner,
        })
    }

    /// This handle, acting as `actor` (tests, and a service account named on the command line).
    pub fn with_actor(mut self, actor: impl Into<String>) -> SqliteStore {
        self.actor = actor.into();
        self
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A read-only connection of its own, e.g. for a long-lived reader such as PATTERN's
    /// history (readers run beside the writer under WAL).
    pub fn open_reader(&self) -> Result<Connection> {
        let conn = Connection::open_with_flags(&self.path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        configure(&conn)?;
        Ok(conn)
    }

    /// A read-only connection for one query or a few, returned for reuse when dropped. Its
    /// page cache is small (8 MB): the app's queries read a few pages each, and up to four of
    /// these stay open.
    pub fn reader(&self) -> Result<Reader<'_>> {
        let idle = self.idle_readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match idle {
            Some(c) => c,
            None => {
                let c = self.open_reader()?;
                c.pragma_update(None, "cache_size", -8_000)?;
                c
            }
        };
        Ok(Reader { conn: Some(conn), idle: &self.idle_readers })
    }

    /// One write transaction. It starts IMMEDIATE: it takes SQLite's write lock at BEGIN, waiting
    /// up to the busy timeout (10 s) for another process's writer, instead of starting as a
    /// reader and failing with "database is locked" when it upgrades (which a busy timeout
    /// cannot retry, since the reader's snapshot may be stale).
    pub(crate) fn write<T>(&self, f: impl FnOnce(&rusqlite::Transaction) -> Result<T>) -> Result<T> {
        let mut conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }
}

/// A stored enum value read back: text that is not one of its values is an error naming the
/// row (its first column, e.g. the break id), the column and the text (a hand-edited row),
/// never a silent default.
pub(super) fn typed<T>(r: &rusqlite::Row, i: usize, column: &str, parse: impl Fn(&str) -> Option<T>) -> rusqlite::Result<T> {
    let text: String = r.get(i)?;
    parse(&text).ok_or_else(|| {
        let row: String = r.get(0).unwrap_or_default();
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, format!("row `{row}` has {column} `{text}`, which is not one").into())
    })
}

pub(super) fn typed_opt<T>(r: &rusqlite::Row, i: usize, column: &str, parse: impl Fn(&str) -> Option<T>) -> rusqlite::Result<Option<T>> {
    match r.get::<_, Option<String>>(i)? {
        None => Ok(None),
        Some(_) => typed(r, i, column, parse).map(Some),
    }
}

/// On the way out: the readers close first and the writer last, so the writer is the database's
/// last connection in this process, which checkpoints the write-ahead log into the file and
/// removes it (a read-only connection closing last cannot, and left tens of MB of `-wal` beside
/// the file after every command). Before that, `PRAGMA optimize` (with a bounded analysis) keeps
/// the planner's statistics current, as SQLite recommends at close.
impl Drop for SqliteStore {
    fn drop(&mut self) {
        self.idle_readers.get_mut().unwrap_or_else(|p| p.into_inner()).clear();
        let writer = self.writer.get_mut().unwrap_or_else(|p| p.into_inner());
        let _ = writer.execute_batch(OPTIMIZE);
    }
}

/// Refreshes the planner's statistics where they are stale (every table, not only those this
/// connection queried), with a bounded sample per index: milliseconds at any size.
const OPTIMIZE: &str = "PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002;";

impl SqliteStore {
    /// How SQLite reads a queue page (`EXPLAIN QUERY PLAN` of each of its queries, one step per
    /// `;`): for tests and
    /// `reconagent bench --suite scale`.
    pub fn queue_plan(&self, f: &crate::QueueFilter) -> Result<String> {
        let conn = self.reader()?;
        let mut steps = Vec::new();
        for (sql, mut args) in breaks::page_sql(f).0 {
            args.extend([rusqlite::types::Value::Integer(100), rusqlite::types::Value::Integer(0)]);
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
            steps.extend(stmt.query_map(rusqlite::params_from_iter(args.iter()), |r| r.get::<_, String>(3))?.collect::<std::result::Result<Vec<_>, _>>()?);
        }
        Ok(steps.join("; "))
    }

    /// The text of the index, for tests: each sort key is one.
    pub fn sort_key(sort: crate::QueueSort) -> &'static str {
        breaks::sort_key(sort)
    }
}

impl crate::backend::Backend for SqliteStore {
    fn optimize(&self) -> Result<()> {
        let conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        conn.execute_batch(OPTIMIZE)?;
        Ok(())
    }

    fn location(&self) -> String {
        self.path.display().to_string()
    }

    fn database_file(&self) -> Option<&Path> {
        Some(&self.path)
    }

    fn actor(&self) -> &str {
        &self.actor
    }
}

#[cfg(test)]
mod tests {
    /// Read connections are reused (at most four kept), and a reused one sees every commit
    /// made since it was last used.
    #[test]
    fn read_connections_are_pooled_and_see_later_commits() {
        let dir = tempfile::tempdir().unwrap();
        let store = super::SqliteStore::open(&dir.path().join("pool.db")).unwrap();
        let count = |s: &super::SqliteStore| s.reader().unwrap().query_row("SELECT COUNT(*) FROM breaks", [], |r| r.get::<_, i64>(0)).unwrap();
        assert_eq!(count(&store), 0);
        let idle = || store.idle_readers.lock().unwrap().len();
        assert_eq!(idle(), 1, "returned to the pool");
        let brk = reconagent_engine::sample::bundled_breaks().remove(0);
        crate::backend::BreakStore::import_breaks(&store, &[brk], "test").unwrap();
        assert_eq!(count(&store), 1, "the pooled connection sees the new break");
        assert_eq!(idle(), 1, "and was reused, not reopened");
        let many: Vec<_> = (0..6).map(|_| store.reader().unwrap()).collect();
        drop(many);
        assert_eq!(idle(), 4, "no more than four kept");
    }

    /// The batch reader's page query walks the primary key: no sort of the remaining breaks per
    /// page (which made a 100,000-break batch quadratic).
    #[test]
    fn a_page_of_breaks_by_status_reads_in_key_order_without_sorting() {
        let dir = tempfile::tempdir().unwrap();
        let store = super::SqliteStore::open(&dir.path().join("plan.db")).unwrap();
        let conn = store.reader().unwrap();
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {}", super::breaks::PAGE_WITH_STATUS)).unwrap();
        let plan: Vec<String> = stmt.query_map(rusqlite::params!["NEW", "", 10], |r| r.get::<_, String>(3)).unwrap().map(Result::unwrap).collect();
        assert!(plan.iter().any(|step| step.contains("sqlite_autoindex_breaks_1 (break_id>?)")), "{plan:?}");
        assert!(!plan.iter().any(|step| step.contains("TEMP B-TREE")), "{plan:?}");
    }
}
