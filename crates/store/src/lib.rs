//! Recon Agent's local audit store on SQLite: breaks and their lifecycle, every run's execution
//! graph, human actions, policy versions, and an append-only hash-chained audit log.
//!
//! One writer connection behind a mutex (SQLite allows one writer; WAL lets readers proceed);
//! reads use their own connections. Nothing here knows about Tauri.

pub mod anchor;
pub mod audit;
mod error;
pub mod export;
pub mod fsio;
mod history;
mod lifecycle;
mod policies;
mod queue;
mod state;
mod stats;

pub use audit::{EventKind, Verification};
pub use error::{Result, StoreError};
pub use history::StoreHistory;
pub use lifecycle::{BreakStatus, HumanAction};
pub use policies::PolicySave;
pub use queue::{BreakRow, QueueFilter, QueueSort};
pub use stats::{ActionRow, AuditRow, CheckpointRate, DayCount, Efficiency, EfficiencyFilter, GroupStats};

use chrono::{SecondsFormat, Utc};
use reconagent_engine::graph::ExecutionGraph;
use reconagent_engine::policy::PolicySet;
use reconagent_engine::Break;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use rusqlite_migration::{Migrations, M};
use serde_json::json;
use sha2::Digest;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// `PRAGMA application_id` of a Recon Agent database ("RCNA").
pub const APPLICATION_ID: i32 = 0x5243_4E41;

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("schema.sql")),
        M::up_with_hook(include_str!("schema_v2.sql"), |tx: &rusqlite::Transaction| {
            backfill_modelled(tx).map_err(|e| rusqlite_migration::HookError::Hook(e.to_string()))
        }),
        M::up(include_str!("schema_v3.sql")),
        M::up(include_str!("schema_v4.sql")),
    ])
}

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 4;

/// Migration 2's hook: modelled time and cost for runs recorded before the columns existed.
fn backfill_modelled(tx: &rusqlite::Transaction) -> Result<()> {
    let mut read = tx.prepare("SELECT run_id, graph FROM runs WHERE modelled_ms IS NULL")?;
    let mut write = tx.prepare("UPDATE runs SET modelled_ms = ?2, modelled_cost = ?3 WHERE run_id = ?1")?;
    let mut rows = read.query([])?;
    while let Some(r) = rows.next()? {
        let g: ExecutionGraph = serde_json::from_str(&r.get::<_, String>(1)?)?;
        let (ms, cost) = modelled(&g);
        write.execute(params![r.get::<_, i64>(0)?, ms, cost])?;
    }
    Ok(())
}

/// Modelled time (ms) and cost (USD, decimal text) of a run under the seed's profiles.
fn modelled(g: &ExecutionGraph) -> (i64, String) {
    use reconagent_engine::{agents::LatencyProfile, cost::CostModel};
    (g.modelled_ms(&LatencyProfile::SEED) as i64, g.modelled_cost(&CostModel::SEED).to_string())
}

/// UTC now, ISO 8601 with microseconds (sorts as text).
pub fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The store.
pub struct Store {
    path: PathBuf,
    writer: Mutex<Connection>,
    /// Read connections between queries (at most [`IDLE_READERS`]): reused, their page caches
    /// stay warm, and the app's memory stays flat. A fresh connection per query re-read every
    /// page from the OS and left freed caches behind in the allocator.
    idle_readers: Mutex<Vec<Connection>>,
    /// Who human actions and imports are attributed to.
    pub actor: String,
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

/// What [`Store::import_file`] did.
#[derive(Debug, Clone)]
pub struct FileImport {
    pub inserted: usize,
    pub already_present: usize,
    /// Rows whose break is stored with other contents: kept as stored, or replaced on request.
    pub differing: usize,
    /// The first ids of those (at most 20), for the message.
    pub differing_ids: Vec<String>,
    /// How many of them were replaced (with `replace`).
    pub replaced: usize,
    /// Rows, breaks and row errors read from the file.
    pub totals: reconagent_engine::import_stream::StreamTotals,
}

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

/// The OS user name, the default actor.
pub fn os_user() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .or_else(passwd_name)
        .unwrap_or_else(|| "unknown".to_string())
}

/// The account name of this process's uid from /etc/passwd (services and CI often have no $USER).
fn passwd_name() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let uid = status.lines().find_map(|l| l.strip_prefix("Uid:"))?.split_whitespace().next()?.to_string();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() > 2 && f[2] == uid).then(|| f[0].to_string())
    })
}

/// The default database file: `$RECONAGENT_DB`, else the platform data directory
/// (`~/.local/share/reconagent/reconagent.db` on Linux).
pub fn default_path() -> PathBuf {
    if let Some(p) = std::env::var_os("RECONAGENT_DB") {
        return PathBuf::from(p);
    }
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("reconagent").join("reconagent.db")
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

impl Store {
    /// Opens (creating if needed) the database at `path` and upgrades its schema. A file of
    /// another application, a newer schema, or a corrupt file is refused and left untouched.
    ///
    /// # Errors
    /// [`StoreError::ForeignFile`], [`StoreError::NewerSchema`], [`StoreError::Open`].
    pub fn open(path: &Path) -> Result<Store> {
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
            check_header(&conn, &name)?;
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
        migrations()
            .to_latest(&mut conn)
            .map_err(|e| StoreError::Open { path: name.clone(), message: format!("the file is damaged or cannot be upgraded ({e}); nothing was changed") })?;
        let owner = format!(
            "{}:{}:{}",
            std::fs::read_to_string("/proc/sys/kernel/hostname").map(|h| h.trim().to_string()).unwrap_or_else(|_| "host".into()),
            std::process::id(),
            Utc::now().timestamp_nanos_opt().unwrap_or(0)
        );
        Ok(Store { path: path.to_path_buf(), writer: Mutex::new(conn), idle_readers: Mutex::new(Vec::new()), actor: os_user(), owner })
    }

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

    /// Stores new breaks (status NEW) in one transaction with one audit entry. Breaks whose id
    /// already exists are left as they are and counted.
    ///
    /// Returns (inserted, already present).
    pub fn import_breaks(&self, breaks: &[Break], source: &str) -> Result<(usize, usize)> {
        self.import_breaks_with_progress(breaks, source, |_, _| {})
    }

    /// Imports a break file `chunk_rows` rows at a time, each chunk in its own transaction with
    /// its audit entry, so a file of any size imports in bounded memory. After each chunk,
    /// `on_chunk(row_errors, bytes_read, file_size)`; its error stops the import.
    ///
    /// # Errors
    /// A whole-file problem of the break file, a store failure, or `on_chunk`'s.
    pub fn import_file<E: From<reconagent_engine::import::ImportError> + From<StoreError>>(
        &self,
        path: &Path,
        chunk_rows: usize,
        on_chunk: impl FnMut(&[reconagent_engine::import::RowError], u64, u64) -> std::result::Result<(), E>,
    ) -> std::result::Result<FileImport, E> {
        self.import_file_replacing(path, chunk_rows, None, on_chunk)
    }

    /// As [`Store::import_file`]; rows whose break is stored with other contents are counted
    /// and kept as stored, or, with `replace` (the reason), replaced by [`Store::replace_break`].
    pub fn import_file_replacing<E: From<reconagent_engine::import::ImportError> + From<StoreError>>(
        &self,
        path: &Path,
        chunk_rows: usize,
        replace: Option<&str>,
        mut on_chunk: impl FnMut(&[reconagent_engine::import::RowError], u64, u64) -> std::result::Result<(), E>,
    ) -> std::result::Result<FileImport, E> {
        let source = path.display().to_string();
        let (mut inserted, mut already_present) = (0, 0);
        let (mut differing, mut differing_ids, mut replaced) = (0, Vec::new(), 0);
        let totals = reconagent_engine::import_stream::stream_file::<E>(path, chunk_rows, |chunk, read, size| {
            // A failed chunk stores nothing; the chunks before it are stored and say so.
            let (i, p) = self.import_breaks(&chunk.breaks, &source).map_err(|e| {
                StoreError::Invalid(format!(
                    "{e} (in {}); {inserted} break(s) from the chunks before were stored and {already_present} were already present; importing the file again adds the rest",
                    self.path.display()
                ))
            })?;
            inserted += i;
            already_present += p;
            if p > 0 {
                for b in self.differing(&chunk.breaks)? {
                    differing += 1;
                    if differing_ids.len() < 20 {
                        differing_ids.push(b.break_id.clone());
                    }
                    if let Some(reason) = replace {
                        replaced += usize::from(self.replace_break(b, reason)?);
                    }
                }
            }
            on_chunk(&chunk.errors, read, size)
        })?;
        Ok(FileImport { inserted, already_present, differing, differing_ids, replaced, totals })
    }

    /// The breaks of `breaks` that are stored with other contents.
    pub fn differing<'b>(&self, breaks: &'b [Break]) -> Result<Vec<&'b Break>> {
        let conn = self.reader()?;
        let mut stmt = conn.prepare_cached("SELECT data FROM breaks WHERE break_id = ?1")?;
        let mut out = Vec::new();
        for b in breaks {
            if let Some(data) = stmt.query_row([&b.break_id], |r| r.get::<_, String>(0)).optional()? {
                if &serde_json::from_str::<Break>(&data)? != b {
                    out.push(b);
                }
            }
        }
        Ok(out)
    }

    /// As [`Store::import_breaks`], calling `on_progress(done, total)` every 1,000 rows.
    pub fn import_breaks_with_progress(&self, breaks: &[Break], source: &str, mut on_progress: impl FnMut(usize, usize)) -> Result<(usize, usize)> {
        let at = now();
        self.write(|tx| {
            let mut inserted = 0;
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT OR IGNORE INTO breaks (break_id, break_type, counterparty, amount, currency, detected_at, data, imported_at, updated_at, instrument_id)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9)",
                )?;
                for (i, b) in breaks.iter().enumerate() {
                    if i % 1000 == 0 {
                        on_progress(i, breaks.len());
                    }
                    inserted += stmt.execute(params![
                        b.break_id,
                        b.break_type.as_str(),
                        b.counterparty,
                        b.amount.to_string(),
                        b.currency,
                        b.detected_at.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)),
                        serde_json::to_string(b)?,
                        at,
                        b.instrument_id,
                    ])?;
                }
            }
            on_progress(breaks.len(), breaks.len());
            let skipped = breaks.len() - inserted;
            audit::append(tx, EventKind::Import, &self.actor, source, &json!({"inserted": inserted, "already_present": skipped}), &at)?;
            Ok((inserted, skipped))
        })
    }

    /// Records a policy version (idempotent by content hash).
    pub fn record_policy(&self, set: &PolicySet, note: &str) -> Result<()> {
        let at = now();
        self.write(|tx| {
            let n = tx.execute(
                "INSERT OR IGNORE INTO policy_versions (hash, text, source, author, note, saved_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![set.version, &*set.text, set.source_name, self.actor, note, at],
            )?;
            if n > 0 {
                audit::append(tx, EventKind::PolicySaved, &self.actor, &set.version, &json!({"source": set.source_name, "note": note}), &at)?;
            }
            Ok(())
        })
    }

    /// Records runs in one transaction: each run's rows, the break's new status, and one audit
    /// entry per run. All or nothing.
    ///
    /// # Errors
    /// An unknown break, a RESOLVED break, or a policy version not recorded first.
    pub fn record_runs(&self, graphs: &[ExecutionGraph]) -> Result<Vec<i64>> {
        let prepared = graphs.iter().map(PreparedRun::new).collect::<Result<Vec<_>>>()?;
        self.record_prepared(&prepared)
    }

    /// As [`Store::record_runs`] for runs serialised ahead with [`PreparedRun::new`] (a batch
    /// does that on its own threads so the single writer only executes SQL).
    ///
    /// # Errors
    /// As [`Store::record_runs`]; nothing of the chunk is written.
    pub fn record_prepared(&self, runs: &[PreparedRun]) -> Result<Vec<i64>> {
        let at = now();
        self.write(|tx| {
            let mut chain = audit::Appender::load(tx)?;
            let mut writer = RunWriter::new(tx)?;
            runs.iter().map(|r| writer.record(tx, &mut chain, r, &self.actor, &at)).collect()
        })
    }

    /// Claims breaks for this process before running them: returns the ids it now holds, in the
    /// order given. An id inside a range another live process has claimed is left out, and with
    /// `only_new`, so is a break that is no longer NEW (another process recorded it since it was
    /// read). The ids held are claimed as one range (their smallest to their largest), so a
    /// page costs one row whatever its size. Claims are released by [`Store::release_claims`]
    /// (a batch calls it when it ends), taken over at once when their process is gone (same
    /// host), or when their lease ([`CLAIM_LEASE`]) expires.
    pub fn claim(&self, ids: &[String], only_new: bool) -> Result<Vec<String>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let now = Utc::now();
        let expires = (now + CLAIM_LEASE).to_rfc3339_opts(SecondsFormat::Micros, true);
        let now = now.to_rfc3339_opts(SecondsFormat::Micros, true);
        let list = serde_json::to_string(ids)?;
        self.write(|tx| {
            tx.execute("DELETE FROM claims WHERE expires_at < ?1", [&now])?;
            // A process of this host that is gone (killed, crashed) holds nothing any more.
            let owners: Vec<String> = tx.prepare("SELECT DISTINCT owner FROM claims")?.query_map([], |r| r.get(0))?.collect::<std::result::Result<_, _>>()?;
            for o in owners.iter().filter(|o| *o != &self.owner && owner_is_gone(o, &self.owner)) {
                tx.execute("DELETE FROM claims WHERE owner = ?1", [o])?;
            }
            let others: Vec<(String, String)> = tx
                .prepare("SELECT first_id, last_id FROM claims WHERE owner <> ?1")?
                .query_map([&self.owner], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<std::result::Result<_, _>>()?;
            let eligible: std::collections::HashSet<String> = tx
                .prepare_cached("SELECT b.break_id FROM json_each(?1) j JOIN breaks b ON b.break_id = j.value WHERE ?2 = 0 OR b.status = 'NEW'")?
                .query_map(params![list, only_new], |r| r.get(0))?
                .collect::<std::result::Result<_, _>>()?;
            let held: Vec<String> = ids
                .iter()
                .filter(|id| eligible.contains(*id) && !others.iter().any(|(a, b)| a.as_str() <= id.as_str() && id.as_str() <= b.as_str()))
                .cloned()
                .collect();
            if let (Some(first), Some(last)) = (held.iter().min(), held.iter().max()) {
                tx.execute("INSERT INTO claims (owner, first_id, last_id, expires_at) VALUES (?1, ?2, ?3, ?4)", params![self.owner, first, last, expires])?;
            }
            Ok(held)
        })
    }

    /// Releases every claim this store handle holds (a batch calls it when it ends, cancelled or
    /// not, so breaks it did not start are free at once).
    pub fn release_claims(&self) -> Result<usize> {
        self.write(|tx| Ok(tx.execute("DELETE FROM claims WHERE owner = ?1", [&self.owner])?))
    }

    /// Replaces a stored break's contents with `new`, on purpose: the old contents, status and
    /// decision are kept in `break_versions`, the break becomes NEW (to be decided on what it now
    /// says, its decision and tier cleared), and a BREAK_REPLACED entry records who, why, and
    /// both contents' hashes. Identical contents change nothing (returns false).
    ///
    /// # Errors
    /// No such break, an empty reason, or a RESOLVED break (closed by a person: it stays as closed).
    pub fn replace_break(&self, new: &Break, reason: &str) -> Result<bool> {
        if reason.trim().is_empty() {
            return Err(StoreError::Invalid("replacing a stored break needs a reason".into()));
        }
        let at = now();
        let new_data = serde_json::to_string(new)?;
        self.write(|tx| {
            let old: Option<(String, String, Option<String>)> = tx
                .query_row("SELECT data, status, decision FROM breaks WHERE break_id = ?1", [&new.break_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?;
            let (old_data, status, decision) = old.ok_or_else(|| StoreError::NoSuchBreak(new.break_id.clone()))?;
            let old_break: Break = serde_json::from_str(&old_data)?;
            if &old_break == new {
                return Ok(false);
            }
            if status == BreakStatus::Resolved.as_str() {
                return Err(StoreError::IllegalTransition {
                    id: new.break_id.clone(),
                    from: status,
                    action: "replacing its contents".into(),
                    allowed: "NEW, AUTO_RESOLVED, PENDING_REVIEW, ESCALATED".into(),
                });
            }
            tx.execute(
                "INSERT INTO break_versions (break_id, data, status, decision, replaced_at, replaced_by, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![new.break_id, old_data, status, decision, at, self.actor, reason],
            )?;
            tx.execute(
                "UPDATE breaks SET break_type = ?2, counterparty = ?3, amount = ?4, currency = ?5, detected_at = ?6, data = ?7, instrument_id = ?8,
                        status = 'NEW', decision = NULL, tier = NULL, latest_run_id = NULL, sla_deadline = NULL, updated_at = ?9
                 WHERE break_id = ?1",
                params![
                    new.break_id,
                    new.break_type.as_str(),
                    new.counterparty,
                    new.amount.to_string(),
                    new.currency,
                    new.detected_at.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)),
                    new_data,
                    new.instrument_id,
                    at
                ],
            )?;
            let digest = |t: &str| hex::encode(sha2::Sha256::digest(t.as_bytes()));
            audit::append(
                tx,
                EventKind::BreakReplaced,
                &self.actor,
                &new.break_id,
                &json!({"reason": reason, "from": status, "old": digest(&old_data), "new": digest(&new_data)}),
                &at,
            )?;
            Ok(true)
        })
    }

    /// Loads a break.
    pub fn get_break(&self, id: &str) -> Result<Break> {
        let data: Option<String> = self.reader()?.query_row("SELECT data FROM breaks WHERE break_id = ?1", [id], |r| r.get(0)).optional()?;
        let data = data.ok_or_else(|| StoreError::NoSuchBreak(id.to_string()))?;
        Ok(serde_json::from_str(&data)?)
    }

    /// Breaks with the given status, in id order (e.g. NEW ones to process).
    pub fn breaks_with_status(&self, status: BreakStatus) -> Result<Vec<Break>> {
        let conn = self.reader()?;
        let mut stmt = conn.prepare("SELECT data FROM breaks WHERE status = ?1 ORDER BY break_id")?;
        let rows = stmt.query_map([status.as_str()], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for r in rows {
            out.push(serde_json::from_str(&r?)?);
        }
        Ok(out)
    }

    /// Breaks with `status`, streamed in id order a page at a time (keyset paging), so a batch
    /// over 100,000 breaks never holds them all. A read error ends the stream with that error.
    pub fn stream_with_status(&self, status: BreakStatus, page: usize) -> Result<impl Iterator<Item = Result<Break>> + '_> {
        let conn = self.reader()?;
        let mut after = String::new();
        let mut buf: std::collections::VecDeque<Result<Break>> = Default::default();
        let mut done = false;
        Ok(std::iter::from_fn(move || {
            if buf.is_empty() && !done {
                let fetched = (|| -> Result<Vec<(String, String)>> {
                    let mut stmt = conn.prepare_cached(PAGE_WITH_STATUS)?;
                    let rows = stmt.query_map(params![status.as_str(), after, page as i64], |r| Ok((r.get(0)?, r.get(1)?)))?;
                    Ok(rows.collect::<std::result::Result<_, _>>()?)
                })();
                match fetched {
                    Ok(rows) => {
                        done = rows.len() < page;
                        if let Some(last) = rows.last() {
                            after = last.0.clone();
                        }
                        buf.extend(rows.into_iter().map(|(_, d)| serde_json::from_str(&d).map_err(StoreError::from)));
                    }
                    Err(e) => {
                        done = true;
                        buf.push_back(Err(e));
                    }
                }
            }
            buf.pop_front()
        }))
    }

    /// A break's current status.
    pub fn status_of(&self, id: &str) -> Result<BreakStatus> {
        let s: Option<String> = self.reader()?.query_row("SELECT status FROM breaks WHERE break_id = ?1", [id], |r| r.get(0)).optional()?;
        let s = s.ok_or_else(|| StoreError::NoSuchBreak(id.to_string()))?;
        BreakStatus::parse(&s).ok_or_else(|| StoreError::Invalid(format!("break `{id}` has an unknown status `{s}`")))
    }

    /// How many breaks have `status`.
    pub fn count_with_status(&self, status: BreakStatus) -> Result<usize> {
        Ok(self.reader()?.query_row("SELECT COUNT(*) FROM breaks WHERE status = ?1", [status.as_str()], |r| r.get::<_, i64>(0))? as usize)
    }

    /// The break types present in the store, in name order: what the filters offer beside the
    /// types the policies know (an imported file may bring others, e.g. CORPORATE_ACTIONS).
    pub fn break_types(&self) -> Result<Vec<String>> {
        let conn = self.reader()?;
        let mut stmt = conn.prepare("SELECT DISTINCT break_type FROM breaks ORDER BY break_type")?;
        let types = stmt.query_map([], |r| r.get(0))?.collect::<std::result::Result<_, _>>()?;
        Ok(types)
    }

    /// Every run of a break, oldest first.
    pub fn runs_of(&self, break_id: &str) -> Result<Vec<(i64, ExecutionGraph)>> {
        let conn = self.reader()?;
        let mut stmt = conn.prepare("SELECT run_id, graph FROM runs WHERE break_id = ?1 ORDER BY run_id")?;
        let rows = stmt.query_map([break_id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for r in rows {
            let (id, g) = r?;
            out.push((id, serde_json::from_str(&g)?));
        }
        Ok(out)
    }

    /// Recomputes the audit chain, then checks the tables against it (see [`verify_state`]).
    pub fn verify(&self) -> Result<Verification> {
        let conn = self.reader()?;
        verify_state(&conn)
    }
}

/// The chain's head (last entry), signed with this installation's key.
///
/// # Errors
/// As [`verify_file`], or the key cannot be read or created.
pub fn head_of(path: &Path) -> Result<anchor::Anchor> {
    let conn = open_read_only(path)?;
    let (seq, hash): (i64, String) = conn
        .query_row("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .unwrap_or((0, hex::encode(audit::GENESIS)));
    Ok(anchor::InstallationKey::installation()?.anchor(seq, &hash))
}

/// Verifies an existing database (chain and state, as [`verify_file`]) and that it still holds
/// a head saved earlier (`SEQ:HASH`): a shorter chain was truncated, another hash at SEQ means
/// the chain was rewritten.
///
/// # Errors
/// As [`verify_file`], or `expect` is not `SEQ:HASH`.
pub fn verify_file_expecting(path: &Path, expect: &str) -> Result<Verification> {
    let (seq, hash) = expect
        .split_once(':')
        .and_then(|(s, h)| Some((s.trim().parse::<i64>().ok()?, h.trim().to_ascii_lowercase())))
        .ok_or_else(|| StoreError::Invalid(format!("--expect `{expect}` is not SEQ:HASH (as `reconagent audit head` prints it)")))?;
    let conn = open_read_only(path)?;
    let mut v = verify_state(&conn)?;
    let found: Option<String> = conn.query_row("SELECT hash FROM audit_log WHERE seq = ?1", [seq], |r| r.get(0)).optional()?;
    let last: i64 = conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM audit_log", [], |r| r.get(0))?;
    let problem = match found {
        None => Some(format!("the log has {last} entries and no entry {seq}: it was truncated after the head {expect} was saved")),
        Some(h) if h != hash => Some(format!("entry {seq} has hash {h}, not the saved {hash}: the chain was rewritten")),
        Some(_) => None,
    };
    if let Some(p) = problem {
        v.ok = false;
        v.first_bad = Some((seq, p));
    }
    Ok(v)
}

/// An existing database, read-only, after the checks every reader makes.
fn open_read_only(path: &Path) -> Result<Connection> {
    let name = path.display().to_string();
    if !path.is_file() {
        return Err(StoreError::Open { path: name, message: "no such database file; nothing was created".into() });
    }
    check_length(path)?;
    let open_err = |e: rusqlite::Error| StoreError::Open { path: name.clone(), message: e.to_string() };
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX).map_err(open_err)?;
    configure(&conn)?;
    check_header(&conn, &name)?;
    Ok(conn)
}

/// Refuses another application's file and a newer schema, before anything is written.
fn check_header(conn: &Connection, name: &str) -> Result<()> {
    let open_err = |e: rusqlite::Error| StoreError::Open { path: name.to_string(), message: e.to_string() };
    let app: i32 = conn.pragma_query_value(None, "application_id", |r| r.get(0)).map_err(open_err)?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(open_err)?;
    if app != APPLICATION_ID {
        return Err(StoreError::ForeignFile { path: name.to_string(), found: app });
    }
    if version > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema { path: name.to_string(), found: version, supported: SCHEMA_VERSION });
    }
    Ok(())
}

/// Verifies the audit chain of an existing database without changing anything: the file is
/// opened read-only, never created (a mistyped path is an error, not an empty "intact" log).
///
/// # Errors
/// No such file, not a Recon Agent database, a newer schema, or a read error.
pub fn verify_file(path: &Path) -> Result<Verification> {
    verify_state(&open_read_only(path)?)
}

/// The chain, then the state: every break's status, decision, tier, assignee and latest run,
/// and every run and action row, against the entries that produced them (`state.rs`). The
/// first problem found makes the verification fail, with its entry (0 when it concerns no
/// single entry) and the reason.
pub fn verify_state(conn: &Connection) -> Result<Verification> {
    let tx = conn.unchecked_transaction()?; // one snapshot for both checks
    verify_in(&tx)
}

/// As [`verify_state`], inside the caller's transaction.
pub(crate) fn verify_in(tx: &Connection) -> Result<Verification> {
    let mut v = audit::verify(tx)?;
    if v.ok {
        if let Some((seq, why)) = state::check(tx)? {
            v.ok = false;
            v.first_bad = Some((seq, format!("the state disagrees with the log: {why}")));
        }
    }
    Ok(v)
}

/// One page of [`Store::stream_with_status`]. `+status` keeps the planner off the status index:
/// through it, every page fetched and sorted all the remaining breaks with that status, which
/// made a batch quadratic (a third of its CPU at 100,000 breaks). Walking the primary key from
/// the last id reads each break once.
const PAGE_WITH_STATUS: &str = "SELECT break_id, data FROM breaks WHERE break_id > ?2 AND +status = ?1 ORDER BY break_id LIMIT ?3";

/// A run reduced to the values its rows hold, computed off the writer thread (a batch does this
/// on its own threads, so the single writer only executes SQL and never walks or frees a graph).
pub struct PreparedRun {
    break_id: String,
    mode: &'static str,
    policy_key: String,
    policy_version: String,
    break_type: String,
    tier: &'static str,
    decision: &'static str,
    new_status: &'static str,
    confidence: f64,
    decided_by_json: String,
    early_exit: Option<String>,
    agents_planned: i64,
    agents_invoked: i64,
    wall_us: i64,
    emulated: bool,
    started_at: String,
    profile_json: String,
    graph_json: String,
    modelled_ms: i64,
    modelled_cost: String,
    deadline: Option<String>,
    checkpoints: Vec<(String, &'static str, bool, Option<String>)>,
    nodes: Vec<NodeRow>,
    /// The audit payload in canonical form, split where the run id (known only at insert) goes.
    payload_head: String,
    payload_tail: String,
    /// A comparison (v1) run: recorded in the break's history, never changing its status,
    /// decision, tier or SLA.
    shadow: bool,
}

struct NodeRow {
    agent: &'static str,
    status: &'static str,
    started_us: Option<i64>,
    finished_us: Option<i64>,
    waited_us: i64,
    attempts: u32,
    skip_reason: Option<String>,
    error: Option<String>,
}

impl PreparedRun {
    /// Computes and serialises everything a run's rows hold.
    ///
    /// # Errors
    /// A serialisation error (none is expected for engine graphs).
    pub fn new(g: &ExecutionGraph) -> Result<PreparedRun> {
        let (modelled_ms, modelled_cost) = modelled(g);
        let deadline = g.nodes.iter().find_map(|n| match n.output.as_deref() {
            Some(reconagent_engine::agents::AgentOutput::Workflow(w)) => Some(w.sla_deadline.to_rfc3339_opts(SecondsFormat::Secs, true)),
            _ => None,
        });
        let new_status = BreakStatus::from_decision(g.decision.action).as_str();
        let graph_json = serde_json::to_string(g)?;
        let decided_by_json = serde_json::to_string(&g.decision.decided_by)?;
        let early_exit = g.early_exit().map(|c| c.id.clone());
        // The digest of the rows this run writes, committed to by its audit entry (state.rs).
        let rows = {
            use serde_json::Value;
            let run = vec![
                Value::from(g.break_id.as_str()),
                Value::from(g.mode.as_str()),
                Value::from(g.policy_key.as_str()),
                Value::from(g.policy_version.as_str()),
                Value::from(g.profile.break_type.as_str()),
                Value::from(g.profile.tier.as_str()),
                Value::from(g.decision.action.as_str()),
                json!(g.decision.confidence),
                Value::from(decided_by_json.as_str()),
                json!(early_exit),
            ];
            let mut nodes: Vec<Vec<Value>> = g
                .nodes
                .iter()
                .map(|n| {
                    vec![
                        Value::from(n.agent.as_str()),
                        Value::from(node_status(n.status)),
                        json!(n.started_us.map(|v| v as i64)),
                        json!(n.finished_us.map(|v| v as i64)),
                        json!(n.waited_us as i64),
                        json!(i64::from(n.attempts)),
                        json!(n.skip_reason.as_ref().map(|r| r.to_string())),
                        json!(n.error),
                    ]
                })
                .collect();
            let mut cps: Vec<Vec<Value>> = g
                .checkpoints
                .iter()
                .map(|c| vec![Value::from(c.id.as_str()), Value::from(c.after_agent.as_str()), json!(i64::from(c.fired)), json!(c.error)])
                .collect();
            state::rows_digest(&run, &graph_json, &mut nodes, &mut cps)
        };
        // v1 is the baseline v2 is compared with: its runs are shadow runs, recorded but never
        // deciding anything about the break.
        let shadow = g.mode == reconagent_engine::graph::RunMode::V1;
        let mut payload = json!({
            "run_id": 0,
            "mode": g.mode.as_str(),
            "policy": g.policy_key,
            "policy_version": g.policy_version,
            "decision": g.decision.action.as_str(),
            "decided_by": g.decision.decided_by,
            "agents_invoked": g.agents_invoked(),
            "skipped": g.nodes.iter().filter_map(|n| n.skip_reason.as_ref().map(|r| json!({"agent": n.agent.as_str(), "reason": r.to_string()}))).collect::<Vec<_>>(),
            "status": if shadow { serde_json::Value::Null } else { json!(new_status) },
            "tier": g.profile.tier.as_str(),
            "rows": rows,
        });
        if shadow {
            payload["shadow"] = json!(true);
        }
        // Why the run was held for a person (invariant S1), in the hashed record: only when there
        // is a reason, so entries written before holds existed keep their form.
        if !g.decision.holds.is_empty() {
            payload["holds"] = json!(g.decision.holds.iter().map(|h| h.to_string()).collect::<Vec<_>>());
        }
        let payload = audit::canonical_json(&payload);
        // Keys are sorted and string values escape their quotes, so this is the key itself.
        let at = payload.find("\"run_id\":0").expect("the payload has a run_id");
        let (head, tail) = payload.split_at(at + "\"run_id\":".len());
        debug_assert_eq!(g.nodes.len(), 7, "a graph holds all seven agents");
        Ok(PreparedRun {
            break_id: g.break_id.clone(),
            mode: g.mode.as_str(),
            policy_key: g.policy_key.clone(),
            policy_version: g.policy_version.clone(),
            break_type: g.profile.break_type.as_str().to_string(),
            tier: g.profile.tier.as_str(),
            decision: g.decision.action.as_str(),
            new_status,
            confidence: g.decision.confidence,
            decided_by_json,
            early_exit,
            agents_planned: g.agents_planned() as i64,
            agents_invoked: g.agents_invoked() as i64,
            wall_us: g.wall_us as i64,
            emulated: g.emulated_latency.is_some(),
            started_at: g.started_at.to_rfc3339_opts(SecondsFormat::Micros, true),
            profile_json: serde_json::to_string(&g.profile)?,
            graph_json,
            modelled_ms,
            modelled_cost,
            deadline,
            checkpoints: g.checkpoints.iter().map(|c| (c.id.clone(), c.after_agent.as_str(), c.fired, c.error.clone())).collect(),
            nodes: g
                .nodes
                .iter()
                .map(|n| NodeRow {
                    agent: n.agent.as_str(),
                    status: node_status(n.status),
                    started_us: n.started_us.map(|v| v as i64),
                    finished_us: n.finished_us.map(|v| v as i64),
                    waited_us: n.waited_us as i64,
                    attempts: n.attempts,
                    skip_reason: n.skip_reason.as_ref().map(|r| r.to_string()),
                    error: n.error.clone(),
                })
                .collect(),
            payload_head: head.to_string(),
            payload_tail: tail[1..].to_string(),
            shadow,
        })
    }
}

fn node_status(s: reconagent_engine::graph::NodeStatus) -> &'static str {
    use reconagent_engine::graph::NodeStatus::*;
    match s {
        Completed => "COMPLETED",
        Failed => "FAILED",
        TimedOut => "TIMED_OUT",
        Cancelled => "CANCELLED",
        Skipped => "SKIPPED",
    }
}

/// The statements that record a run, prepared once per transaction rather than looked up in
/// the statement cache for every run.
struct RunWriter<'tx> {
    status: rusqlite::Statement<'tx>,
    policy_known: rusqlite::Statement<'tx>,
    run: rusqlite::Statement<'tx>,
    checkpoint: rusqlite::Statement<'tx>,
    nodes: rusqlite::Statement<'tx>,
    update_break: rusqlite::Statement<'tx>,
    /// Policy versions already checked in this transaction (almost always one).
    known_policies: Vec<String>,
}

impl<'tx> RunWriter<'tx> {
    fn new(tx: &'tx rusqlite::Transaction) -> Result<RunWriter<'tx>> {
        Ok(RunWriter {
            status: tx.prepare("SELECT status FROM breaks WHERE break_id = ?1")?,
            policy_known: tx.prepare("SELECT EXISTS(SELECT 1 FROM policy_versions WHERE hash = ?1)")?,
            run: tx.prepare(
                "INSERT INTO runs (break_id, mode, policy_key, policy_version, break_type, tier, decision, confidence, decided_by, early_exit,
                                   agents_planned, agents_invoked, wall_us, emulated, started_at, profile, graph, modelled_ms, modelled_cost)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
            )?,
            checkpoint: tx.prepare("INSERT INTO run_checkpoints (run_id, checkpoint_id, after_agent, fired, error) VALUES (?1, ?2, ?3, ?4, ?5)")?,
            // One statement for the seven node rows.
            nodes: tx.prepare(
                "INSERT INTO run_nodes (run_id, agent, status, started_us, finished_us, waited_us, attempts, skip_reason, error) VALUES
                 (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9), (?1, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17), (?1, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25),
                 (?1, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33), (?1, ?34, ?35, ?36, ?37, ?38, ?39, ?40, ?41), (?1, ?42, ?43, ?44, ?45, ?46, ?47, ?48, ?49),
                 (?1, ?50, ?51, ?52, ?53, ?54, ?55, ?56, ?57)",
            )?,
            update_break: tx.prepare(
                "UPDATE breaks SET status = ?2, tier = ?3, decision = ?4, latest_run_id = ?5, sla_deadline = COALESCE(?6, sla_deadline), updated_at = ?7
                 WHERE break_id = ?1",
            )?,
            known_policies: Vec::new(),
        })
    }

    fn record(&mut self, tx: &rusqlite::Transaction, chain: &mut audit::Appender, r: &PreparedRun, actor: &str, at: &str) -> Result<i64> {
        let status: Option<String> = self.status.query_row([&r.break_id], |row| row.get(0)).optional()?;
        let status = status.ok_or_else(|| StoreError::NoSuchBreak(r.break_id.clone()))?;
        if !r.shadow && BreakStatus::parse(&status) == Some(BreakStatus::Resolved) {
            return Err(StoreError::IllegalTransition {
                id: r.break_id.clone(),
                from: status,
                action: "a new run".into(),
                allowed: "NEW, AUTO_RESOLVED, PENDING_REVIEW, ESCALATED".into(),
            });
        }
        if !self.known_policies.contains(&r.policy_version) {
            if !self.policy_known.query_row([&r.policy_version], |row| row.get::<_, bool>(0))? {
                return Err(StoreError::Invalid(format!("policy version {} is not recorded: record_policy first", r.policy_version)));
            }
            self.known_policies.push(r.policy_version.clone());
        }
        self.run.execute(params![
            r.break_id,
            r.mode,
            r.policy_key,
            r.policy_version,
            r.break_type,
            r.tier,
            r.decision,
            r.confidence,
            r.decided_by_json,
            r.early_exit,
            r.agents_planned,
            r.agents_invoked,
            r.wall_us,
            r.emulated,
            r.started_at,
            r.profile_json,
            r.graph_json,
            r.modelled_ms,
            r.modelled_cost,
        ])?;
        let run_id = tx.last_insert_rowid();
        for (id, after, fired, error) in &r.checkpoints {
            self.checkpoint.execute(params![run_id, id, after, fired, error])?;
        }
        let stmt = &mut self.nodes;
        stmt.raw_bind_parameter(1, run_id)?;
        for (i, n) in r.nodes.iter().enumerate() {
            let b = 2 + i * 8;
            stmt.raw_bind_parameter(b, n.agent)?;
            stmt.raw_bind_parameter(b + 1, n.status)?;
            stmt.raw_bind_parameter(b + 2, n.started_us)?;
            stmt.raw_bind_parameter(b + 3, n.finished_us)?;
            stmt.raw_bind_parameter(b + 4, n.waited_us)?;
            stmt.raw_bind_parameter(b + 5, n.attempts)?;
            stmt.raw_bind_parameter(b + 6, n.skip_reason.as_deref())?;
            stmt.raw_bind_parameter(b + 7, n.error.as_deref())?;
        }
        stmt.raw_execute()?;
        if !r.shadow {
            self.update_break.execute(params![r.break_id, r.new_status, r.tier, r.decision, run_id, r.deadline, at])?;
        }
        let payload = format!("{}{run_id}{}", r.payload_head, r.payload_tail);
        chain.append_canonical(tx, EventKind::Run, actor, &r.break_id, &payload, at)?;
        Ok(run_id)
    }
}

#[cfg(test)]
mod tests {
    /// Read connections are reused (at most four kept), and a reused one sees every commit
    /// made since it was last used.
    #[test]
    fn read_connections_are_pooled_and_see_later_commits() {
        let dir = tempfile::tempdir().unwrap();
        let store = super::Store::open(&dir.path().join("pool.db")).unwrap();
        let count = |s: &super::Store| s.reader().unwrap().query_row("SELECT COUNT(*) FROM breaks", [], |r| r.get::<_, i64>(0)).unwrap();
        assert_eq!(count(&store), 0);
        let idle = || store.idle_readers.lock().unwrap().len();
        assert_eq!(idle(), 1, "returned to the pool");
        let brk = reconagent_engine::sample::bundled_breaks().remove(0);
        store.import_breaks(&[brk], "test").unwrap();
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
        let store = super::Store::open(&dir.path().join("plan.db")).unwrap();
        let conn = store.reader().unwrap();
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {}", super::PAGE_WITH_STATUS)).unwrap();
        let plan: Vec<String> = stmt.query_map(rusqlite::params!["NEW", "", 10], |r| r.get::<_, String>(3)).unwrap().map(Result::unwrap).collect();
        assert!(plan.iter().any(|step| step.contains("sqlite_autoindex_breaks_1 (break_id>?)")), "{plan:?}");
        assert!(!plan.iter().any(|step| step.contains("TEMP B-TREE")), "{plan:?}");
    }
}
