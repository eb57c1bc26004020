//! The audit chain on SQLite: appending inside a write transaction (triggers refuse UPDATE and
//! DELETE of entries), reading the log, verifying chain and state, reports and the dashboard.

use super::{check_length, configure, migrate::check_header, now, state, typed, SqliteStore};
use crate::anchor;
use crate::audit::{canonical_json, entry_hash_canonical, hex_lower, ChainCheck, EventKind, Verification, GENESIS};
use crate::backend::AuditStore;
use crate::error::{Result, StoreError};
use crate::export::{AuditReport, ReportQuery};
use crate::stats::{bounds, AuditRow, CheckpointRate, DayCount, Efficiency, EfficiencyFilter, GroupStats};
use reconagent_engine::graph::RunMode;
use reconagent_engine::{AgentKind, DecisionAction, RiskTier};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

/// The chain's tip inside one transaction: read once, then carried from entry to entry, so a
/// chunk of runs does not look the last entry up again for each one.
pub(crate) struct Appender {
    seq: i64,
    prev: [u8; 32],
    /// `prev` in hex, as stored: encoded once per entry, not twice.
    prev_hex: String,
}

impl Appender {
    /// Reads the last entry. Only valid inside the transaction it was made in (the writer
    /// mutex guarantees no other append interleaves).
    pub(crate) fn load(tx: &Connection) -> Result<Appender> {
        let last: Option<(i64, String)> =
            tx.prepare_cached("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")?.query_row([], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
        Ok(match last {
            Some((seq, h)) => {
                let mut prev = [0u8; 32];
                hex::decode_to_slice(&h, &mut prev).map_err(|_| StoreError::Invalid(format!("audit entry {seq} has a malformed hash")))?;
                Appender { seq, prev, prev_hex: h }
            }
            None => Appender { seq: 0, prev: GENESIS, prev_hex: hex::encode(GENESIS) },
        })
    }

    /// Appends one entry and returns its hash (hex).
    pub(crate) fn append(&mut self, tx: &Connection, kind: EventKind, actor: &str, subject: &str, payload: &Value, at: &str) -> Result<String> {
        self.append_canonical(tx, kind, actor, subject, &canonical_json(payload), at)
    }

    /// Appends one entry whose payload is already canonical JSON.
    pub(crate) fn append_canonical(&mut self, tx: &Connection, kind: EventKind, actor: &str, subject: &str, payload: &str, at: &str) -> Result<String> {
        let seq = self.seq + 1;
        let hash = entry_hash_canonical(&self.prev, seq, at, kind.as_str(), actor, subject, payload);
        let hash_hex = hex_lower(&hash);
        tx.prepare_cached("INSERT INTO audit_log (seq, at, kind, actor, subject, payload, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?
            .execute(params![seq, at, kind.as_str(), actor, subject, payload, self.prev_hex, hash_hex])?;
        self.seq = seq;
        self.prev = hash;
        self.prev_hex.clone_from(&hash_hex);
        Ok(hash_hex)
    }
}

/// Appends one entry inside the caller's transaction.
pub(crate) fn append(tx: &Connection, kind: EventKind, actor: &str, subject: &str, payload: &Value, at: &str) -> Result<String> {
    Appender::load(tx)?.append(tx, kind, actor, subject, payload, at)
}

/// An audit entry's columns, in [`audit_row`]'s order.
pub(super) const AUDIT_COLUMNS: &str = "seq, at, kind, actor, subject, payload, hash";

/// An audit entry as read with [`AUDIT_COLUMNS`].
pub(super) fn audit_row(r: &rusqlite::Row) -> rusqlite::Result<AuditRow> {
    Ok(AuditRow { seq: r.get(0)?, at: r.get(1)?, kind: r.get(2)?, actor: r.get(3)?, subject: r.get(4)?, payload: r.get(5)?, hash: r.get(6)? })
}

/// Recomputes every hash in order.
pub(crate) fn verify_chain(conn: &Connection) -> Result<Verification> {
    let mut stmt = conn.prepare(&format!("SELECT {AUDIT_COLUMNS}, prev_hash FROM audit_log ORDER BY seq"))?;
    let mut rows = stmt.query([])?;
    let mut check = ChainCheck::default();
    while let Some(r) = rows.next()? {
        if let Some(bad) = check.next(&audit_row(r)?, &r.get::<_, String>(7)?) {
            return Ok(bad);
        }
    }
    Ok(check.finish())
}

impl AuditStore for SqliteStore {
    /// Audit entries in `[from, to]` (ISO 8601 prefixes), optionally of one kind, newest first.
    fn audit_entries(&self, from: Option<&str>, to: Option<&str>, kind: Option<&str>, limit: u32, offset: u32) -> Result<Vec<AuditRow>> {
        let (lo, hi) = bounds(&EfficiencyFilter { from: from.map(str::to_string), to: to.map(str::to_string), break_type: None });
        let conn = self.reader()?;
        let mut stmt = conn.prepare(&format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE at >= ?1 AND at <= ?2 AND (?3 IS NULL OR kind = ?3) ORDER BY seq DESC LIMIT ?4 OFFSET ?5"
        ))?;
        let rows = stmt.query_map(params![lo, hi, kind, limit.clamp(1, 10_000), offset], audit_row)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Recomputes the audit chain, then checks the tables against it (see [`verify_state`]).
    fn verify(&self) -> Result<Verification> {
        let conn = self.reader()?;
        verify_state(&conn)
    }

    fn report(&self, query: &ReportQuery) -> Result<AuditReport> {
        super::report::gather(self, query)
    }

    fn record_export(&self, out: &str, payload: &Value) -> Result<()> {
        let at = now();
        self.write(|tx| append(tx, EventKind::ExportMade, &self.actor, out, payload, &at).map(|_| ()))
    }

    /// Efficiency aggregates over the runs in the filter.
    fn efficiency(&self, f: &EfficiencyFilter) -> Result<Efficiency> {
        let conn = self.reader()?;
        let (lo, hi) = bounds(f);
        let ty = f.break_type.clone();
        let mut groups: BTreeMap<(RunMode, String, RiskTier), GroupStats> = BTreeMap::new();
        {
            let mut stmt = conn.prepare(
                "SELECT mode, break_type, tier, COUNT(*), AVG(agents_invoked), AVG(agents_planned), AVG(early_exit IS NOT NULL),
                        AVG(wall_us), AVG(modelled_ms), group_concat(modelled_cost, ' ')
                 FROM runs WHERE started_at >= ?1 AND started_at <= ?2 AND (?3 IS NULL OR break_type = ?3)
                 GROUP BY mode, break_type, tier",
            )?;
            let mut rows = stmt.query(params![lo, hi, ty])?;
            while let Some(r) = rows.next()? {
                let runs: u64 = r.get(3)?;
                // Sum decimal text exactly rather than averaging floats.
                let costs: Option<String> = r.get(9)?;
                let total: Decimal = costs.unwrap_or_default().split(' ').filter_map(|c| Decimal::from_str(c).ok()).sum();
                let g = GroupStats {
                    mode: typed(r, 0, "mode", RunMode::parse)?,
                    break_type: r.get(1)?,
                    tier: typed(r, 2, "tier", RiskTier::parse)?,
                    runs,
                    agents_invoked: r.get(4)?,
                    agents_planned: r.get(5)?,
                    early_exit_rate: r.get(6)?,
                    mean_wall_us: r.get(7)?,
                    mean_modelled_ms: r.get::<_, Option<f64>>(8)?.unwrap_or(0.0),
                    mean_modelled_cost: (total / Decimal::from(runs.max(1))).round_dp(5),
                    decisions: BTreeMap::new(),
                };
                groups.insert((g.mode, g.break_type.clone(), g.tier), g);
            }
        }
        {
            let mut stmt = conn.prepare(
                "SELECT mode, break_type, tier, decision, COUNT(*) FROM runs
                 WHERE started_at >= ?1 AND started_at <= ?2 AND (?3 IS NULL OR break_type = ?3) GROUP BY 1, 2, 3, 4",
            )?;
            let mut rows = stmt.query(params![lo, hi, ty])?;
            while let Some(r) = rows.next()? {
                let key = (typed(r, 0, "mode", RunMode::parse)?, r.get(1)?, typed(r, 2, "tier", RiskTier::parse)?);
                if let Some(g) = groups.get_mut(&key) {
                    g.decisions.insert(typed(r, 3, "decision", DecisionAction::parse)?, r.get(4)?);
                }
            }
        }
        let mut checkpoints = Vec::new();
        {
            let mut stmt = conn.prepare(
                "SELECT c.checkpoint_id, c.after_agent, COUNT(*), SUM(c.fired) FROM run_checkpoints c JOIN runs r ON r.run_id = c.run_id
                 WHERE r.started_at >= ?1 AND r.started_at <= ?2 AND (?3 IS NULL OR r.break_type = ?3) GROUP BY 1, 2 ORDER BY 1",
            )?;
            let rows = stmt.query_map(params![lo, hi, ty], |r| {
                Ok(CheckpointRate { checkpoint_id: r.get(0)?, after_agent: typed(r, 1, "agent", AgentKind::parse)?, evaluated: r.get(2)?, fired: r.get(3)? })
            })?;
            for c in rows {
                checkpoints.push(c?);
            }
        }
        let mut per_day = Vec::new();
        {
            let mut stmt = conn.prepare(
                "SELECT substr(started_at, 1, 10), mode, COUNT(*), SUM(decision = 'AUTO_RESOLVE') FROM runs
                 WHERE started_at >= ?1 AND started_at <= ?2 AND (?3 IS NULL OR break_type = ?3) GROUP BY 1, 2 ORDER BY 1, 2",
            )?;
            let rows = stmt.query_map(params![lo, hi, ty], |r| {
                Ok(DayCount { day: r.get(0)?, mode: typed(r, 1, "mode", RunMode::parse)?, runs: r.get(2)?, auto_resolved: r.get(3)? })
            })?;
            for d in rows {
                per_day.push(d?);
            }
        }
        Ok(Efficiency { groups: groups.into_values().collect(), checkpoints, per_day })
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
        .unwrap_or((0, hex::encode(GENESIS)));
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
    let mut v = verify_chain(tx)?;
    if v.ok {
        if let Some((seq, why)) = state::check(tx)? {
            v.ok = false;
            v.first_bad = Some((seq, format!("the state disagrees with the log: {why}")));
        }
    }
    Ok(v)
}
