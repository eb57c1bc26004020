//! The audit chain on SQLite: appending inside a write transaction (triggers refuse UPDATE and
//! DELETE of entries), reading the log, verifying chain and state, reports and the dashboard.

use super::{check_length, configure, migrate::check_header, now, state, typed, SqliteStore};
use crate::anchor;
use crate::audit::{canonical_json, entry_hash_canonical, hex_lower, ChainCheck, EventKind, Verification, GENESIS};
use crate::backend::AuditStore;
use crate::error::{Result, StoreError};
use crate::export::{ReportHead, ReportQuery, ReportSink};
use crate::stats::{bounds, AuditQuery, AuditRow, CheckpointRate, DayCount, Efficiency, EfficiencyFilter};
use reconagent_engine::graph::RunMode;
use reconagent_engine::{AgentKind, DecisionAction, RiskTier};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use serde_json::Value;
use std::path::Path;

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
    /// One page of the log, newest first: the primary key walked down from `before` (or the
    /// kind index, for one kind), bounds only where given.
    fn audit_entries(&self, q: &AuditQuery) -> Result<Vec<AuditRow>> {
        let mut clauses = Vec::new();
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        let mut arg = |clause: &str, v: rusqlite::types::Value| {
            args.push(v);
            clauses.push(clause.replace('?', &format!("?{}", args.len())));
        };
        let (lo, hi) = bounds(&EfficiencyFilter { from: q.from.clone(), to: q.to.clone(), break_type: None });
        if q.from.is_some() {
            arg("at >= ?", lo.into());
        }
        if q.to.is_some() {
            arg("at <= ?", hi.into());
        }
        if let Some(k) = q.kind {
            arg("kind = ?", k.as_str().to_string().into());
        }
        if let Some(s) = q.subject.as_ref().filter(|s| !s.is_empty()) {
            arg("subject = ?", s.clone().into());
        }
        if let Some(b) = q.before {
            arg("seq < ?", b.into());
        }
        let filter = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
        let limit = if q.limit == 0 { 500 } else { q.limit.min(10_000) };
        let conn = self.reader()?;
        let mut stmt = conn.prepare_cached(&format!("SELECT {AUDIT_COLUMNS} FROM audit_log {filter} ORDER BY seq DESC LIMIT {limit}"))?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), audit_row)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Recomputes the audit chain, then checks the tables against it (see [`verify_state`]);
    /// an intact head is stored, signed, for [`AuditStore::verify_since_checkpoint`].
    fn verify(&self) -> Result<Verification> {
        let v = verify_state(&*self.reader()?)?;
        if v.ok && v.entries > 0 {
            let anchor = anchor::InstallationKey::installation()?.anchor(v.entries, &v.head);
            let at = now();
            self.write(|tx| {
                tx.execute(
                    "INSERT OR IGNORE INTO verified_heads (seq, hash, verified_at, verified_by, public_key, signature) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![anchor.seq, anchor.hash, at, self.actor, anchor.public_key, anchor.signature],
                )?;
                Ok(())
            })?;
        }
        Ok(v)
    }

    fn verify_since_checkpoint(&self) -> Result<Verification> {
        let key = anchor::InstallationKey::installation()?.public_key_hex();
        let conn = self.reader()?;
        let tx = conn.unchecked_transaction()?;
        let heads: Vec<anchor::Anchor> = tx
            .prepare("SELECT v.seq, v.hash, v.public_key, v.signature FROM verified_heads v JOIN audit_log a ON a.seq = v.seq AND a.hash = v.hash ORDER BY v.seq DESC LIMIT 20")?
            .query_map([], |r| Ok(anchor::Anchor { seq: r.get(0)?, hash: r.get(1)?, public_key: r.get(2)?, signature: r.get(3)?, how_to_check: String::new() }))?
            .collect::<std::result::Result<_, _>>()?;
        // A head counts only if this installation signed it (a row written by hand does not).
        let Some((head, mut check)) =
            heads.into_iter().filter(|h| h.public_key == key && h.signature_ok()).find_map(|h| ChainCheck::after(h.seq, &h.hash).map(|c| (h, c)))
        else {
            drop(tx);
            drop(conn);
            return self.verify();
        };
        let mut stmt = tx.prepare(&format!("SELECT {AUDIT_COLUMNS}, prev_hash FROM audit_log WHERE seq > ?1 ORDER BY seq"))?;
        let mut rows = stmt.query([head.seq])?;
        while let Some(r) = rows.next()? {
            if let Some(bad) = check.next(&audit_row(r)?, &r.get::<_, String>(7)?) {
                return Ok(bad);
            }
        }
        Ok(check.finish())
    }

    fn report_stream(&self, query: &ReportQuery, sink: &mut dyn ReportSink) -> Result<ReportHead> {
        super::report::stream(self, query, sink)
    }

    fn record_export(&self, out: &str, payload: &Value) -> Result<()> {
        let at = now();
        self.write(|tx| append(tx, EventKind::ExportMade, &self.actor, out, payload, &at).map(|_| ()))
    }

    /// Efficiency aggregates over the runs in the filter, read from the rollups (a few rows per
    /// day, whatever the number of runs): the filter's bounds are whole UTC days.
    fn efficiency(&self, f: &EfficiencyFilter) -> Result<Efficiency> {
        let conn = self.reader()?;
        let (lo, hi) = bounds(f);
        let ty = f.break_type.clone();
        let groups = {
            let mut stmt = conn.prepare_cached(
                "SELECT mode, break_type, tier, decision, runs, agents_invoked, agents_planned, early_exits, wall_us, modelled_ms, modelled_cost,
                        llm_runs, measured_cost
                 FROM run_rollup WHERE day >= ?1 AND day <= ?2 AND (?3 IS NULL OR break_type = ?3)",
            )?;
            let mut rows = stmt.query(params![lo, hi, ty])?;
            let mut sums = crate::stats::GroupSums::default();
            while let Some(r) = rows.next()? {
                let (cost, measured): (String, String) = (r.get(10)?, r.get(12)?);
                sums.add(
                    (typed(r, 0, "mode", RunMode::parse)?, r.get(1)?, typed(r, 2, "tier", RiskTier::parse)?),
                    typed(r, 3, "decision", DecisionAction::parse)?,
                    [r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?],
                    &cost,
                    (r.get(11)?, &measured),
                )?;
            }
            sums.finish()
        };
        let mut checkpoints = Vec::new();
        {
            let mut stmt = conn.prepare_cached(
                "SELECT checkpoint_id, after_agent, SUM(evaluated), SUM(fired) FROM checkpoint_rollup
                 WHERE day >= ?1 AND day <= ?2 AND (?3 IS NULL OR break_type = ?3) GROUP BY 1, 2 ORDER BY 1",
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
            let mut stmt = conn.prepare_cached(
                "SELECT day, mode, SUM(runs), SUM(CASE decision WHEN 'AUTO_RESOLVE' THEN runs ELSE 0 END) FROM run_rollup
                 WHERE day >= ?1 AND day <= ?2 AND (?3 IS NULL OR break_type = ?3) GROUP BY 1, 2 ORDER BY 1, 2",
            )?;
            let rows = stmt.query_map(params![lo, hi, ty], |r| {
                Ok(DayCount { day: r.get(0)?, mode: typed(r, 1, "mode", RunMode::parse)?, runs: r.get(2)?, auto_resolved: r.get(3)? })
            })?;
            for d in rows {
                per_day.push(d?);
            }
        }
        Ok(Efficiency { groups, checkpoints, per_day })
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
