//! Policy versions, claims, and recording runs.

use super::audit::Appender;
use super::counts::{Counts, Key};
use super::history::StoreHistory;
use super::{now, owner_is_gone, SqliteStore, CLAIM_LEASE};
use crate::audit::EventKind;
use crate::backend::RunStore;
use crate::error::{Result, StoreError};
use crate::lifecycle::BreakStatus;
use crate::run_rows::{PreparedRun, RunForm, StoredGraph};
use chrono::{SecondsFormat, Utc};
use reconagent_engine::agents::HistoryLookup;
use reconagent_engine::graph::ExecutionGraph;
use reconagent_engine::policy::PolicySet;
use rusqlite::{params, OptionalExtension};
use serde_json::json;
use std::sync::Arc;

impl RunStore for SqliteStore {
    /// Records a policy version (idempotent by content hash).
    fn record_policy(&self, set: &PolicySet, note: &str) -> Result<()> {
        let at = now();
        self.write(|tx| {
            if super::policies::insert_version(tx, set, &set.source_name, &self.actor, note, &at)? {
                super::audit::append(tx, EventKind::PolicySaved, &self.actor, &set.version, &json!({"source": set.source_name, "note": note}), &at)?;
            }
            Ok(())
        })
    }

    /// As [`SqliteStore::record_runs`] for runs serialised ahead with [`PreparedRun::new`] (a batch
    /// does that on its own threads so the single writer only executes SQL).
    ///
    /// # Errors
    /// As [`SqliteStore::record_runs`]; nothing of the chunk is written.
    fn record_prepared(&self, runs: &[PreparedRun]) -> Result<Vec<i64>> {
        let at = now();
        self.write(|tx| {
            let mut chain = Appender::load(tx)?;
            let mut writer = RunWriter::new(tx)?;
            let mut rollup = super::rollup::Rollup::default();
            let mut counts = super::counts::Counts::default();
            let ids = runs
                .iter()
                .map(|r| {
                    rollup.add(r)?;
                    writer.record(tx, &mut chain, &mut counts, r, &self.actor, &at)
                })
                .collect::<Result<Vec<i64>>>()?;
            rollup.apply(tx)?;
            counts.apply(tx)?;
            Ok(ids)
        })
    }

    /// Claims breaks for this process before running them: returns the ids it now holds, in the
    /// order given. An id inside a range another live process has claimed is left out, and with
    /// `only_new`, so is a break that is no longer NEW (another process recorded it since it was
    /// read). The ids held are claimed as one range (their smallest to their largest), so a
    /// page costs one row whatever its size. Claims are released by [`SqliteStore::release_claims`]
    /// (a batch calls it when it ends), taken over at once when their process is gone (same
    /// host), or when their lease ([`CLAIM_LEASE`]) expires.
    fn claim(&self, ids: &[String], only_new: bool) -> Result<Vec<String>> {
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
    fn release_claims(&self) -> Result<usize> {
        self.write(|tx| Ok(tx.execute("DELETE FROM claims WHERE owner = ?1", [&self.owner])?))
    }

    /// Every run of a break, oldest first.
    fn runs_of(&self, break_id: &str) -> Result<Vec<(i64, ExecutionGraph)>> {
        let conn = self.reader()?;
        let mut stmt = conn.prepare("SELECT run_id, graph FROM runs WHERE break_id = ?1 ORDER BY run_id")?;
        let rows = stmt.query_map([break_id], |r| {
            let id = r.get::<_, i64>(0)?;
            Ok((id, crate::run_rows::graph_text(id, r.get_ref(1)?)?))
        })?;
        let mut out = Vec::new();
        for r in rows {
            let (id, g) = r?;
            out.push((id, serde_json::from_str(&g)?));
        }
        Ok(out)
    }

    /// Since schema 10: no node rows, the graph compressed (about a third of its JSON).
    fn run_form(&self) -> RunForm {
        RunForm::Graph
    }

    fn history(&self) -> Result<Arc<dyn HistoryLookup>> {
        Ok(Arc::new(StoreHistory::open(self)?))
    }
}

/// The statements that record a run, prepared once per transaction rather than looked up in
/// the statement cache for every run.
struct RunWriter<'tx> {
    status: rusqlite::Statement<'tx>,
    policy_known: rusqlite::Statement<'tx>,
    run: rusqlite::Statement<'tx>,
    checkpoint: rusqlite::Statement<'tx>,
    update_break: rusqlite::Statement<'tx>,
    /// Policy versions already checked in this transaction (almost always one).
    known_policies: Vec<String>,
}

impl<'tx> RunWriter<'tx> {
    fn new(tx: &'tx rusqlite::Transaction) -> Result<RunWriter<'tx>> {
        Ok(RunWriter {
            status: tx.prepare("SELECT break_type, status, COALESCE(tier, ''), COALESCE(decision, '') FROM breaks WHERE break_id = ?1")?,
            policy_known: tx.prepare("SELECT EXISTS(SELECT 1 FROM policy_versions WHERE hash = ?1)")?,
            // `profile` (NOT NULL since schema 1) is left empty: the graph holds the profile, and
            // nothing ever read the column (runs recorded before keep theirs).
            run: tx.prepare(
                "INSERT INTO runs (break_id, mode, policy_key, policy_version, break_type, tier, decision, confidence, decided_by, early_exit,
                                   agents_planned, agents_invoked, wall_us, emulated, started_at, profile, graph, modelled_ms, modelled_cost)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, '', ?16, ?17, ?18)",
            )?,
            checkpoint: tx.prepare("INSERT INTO run_checkpoints (run_id, checkpoint_id, after_agent, fired, error) VALUES (?1, ?2, ?3, ?4, ?5)")?,
            update_break: tx.prepare(
                "UPDATE breaks SET status = ?2, tier = ?3, decision = ?4, latest_run_id = ?5, sla_deadline = COALESCE(?6, sla_deadline), updated_at = ?7,
                 work_queue = ?8 WHERE break_id = ?1",
            )?,
            known_policies: Vec::new(),
        })
    }

    fn record(&mut self, tx: &rusqlite::Transaction, chain: &mut Appender, counts: &mut Counts, r: &PreparedRun, actor: &str, at: &str) -> Result<i64> {
        let counted: Option<Key> = self.status.query_row([&r.break_id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))).optional()?;
        let counted = counted.ok_or_else(|| StoreError::NoSuchBreak(r.break_id.clone()))?;
        let status = counted.1.clone();
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
        // Only the graph form's digest leaves out node values apart from the graph: a run
        // prepared for another store would not verify here.
        let StoredGraph::Compressed(graph) = &r.graph else {
            return Err(StoreError::Invalid(format!("run of {} was prepared as rows for another store, not in this file's form", r.break_id)));
        };
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
            graph,
            r.modelled_ms,
            r.modelled_cost,
        ])?;
        let run_id = tx.last_insert_rowid();
        for (id, after, fired, error) in &r.checkpoints {
            self.checkpoint.execute(params![run_id, id, after, fired, error])?;
        }
        // No node rows since schema 10: the graph holds them, and the digest covers the graph.
        if !r.shadow {
            self.update_break.execute(params![r.break_id, r.new_status, r.tier, r.decision, run_id, r.deadline, at, r.queue])?;
            let now_counted = (counted.0.clone(), r.new_status.to_string(), r.tier.to_string(), r.decision.to_string());
            counts.moved(counted, now_counted);
        }
        let payload = format!("{}{run_id}{}", r.payload_head, r.payload_tail);
        chain.append_canonical(tx, EventKind::Run, actor, &r.break_id, &payload, at)?;
        Ok(run_id)
    }
}

/// Rewrites a file's runs as a build before schema 10 wrote them ([`RunForm::Rows`]): each graph
/// as its JSON text with its seven `run_nodes` rows, each RUN entry's digest taken over them, and
/// the chain's hashes computed again from the first entry changed (the verified heads, now stale,
/// are dropped). For upgrade and compatibility tests, which turn a file back into an older version
/// and must leave in it what that version held; the app never calls it. Returns the runs rewritten.
///
/// # Errors
/// A graph or entry that cannot be read, or SQLite's error.
#[doc(hidden)]
pub fn write_runs_as_schema_9(path: &std::path::Path) -> Result<usize> {
    let mut conn = rusqlite::Connection::open(path)?;
    let tx = conn.transaction()?;
    tx.execute_batch("DROP TRIGGER IF EXISTS audit_log_no_update; DELETE FROM verified_heads;")?;
    let entries: Vec<(i64, i64, String)> = tx
        .prepare("SELECT seq, json_extract(payload, '$.run_id'), payload FROM audit_log WHERE kind = 'RUN' ORDER BY seq")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<std::result::Result<_, _>>()?;
    let (mut first_changed, mut rewritten) = (None, 0);
    for (seq, run_id, payload) in &entries {
        let stored = tx.query_row("SELECT graph FROM runs WHERE run_id = ?1", [run_id], |r| Ok(crate::run_rows::graph_text(*run_id, r.get_ref(0)?)))?;
        let text = stored?;
        let g: ExecutionGraph = serde_json::from_str(&text)?;
        let (nodes, mut cps) = super::state::node_and_checkpoint_rows(&tx, *run_id)?;
        if !nodes.is_empty() {
            continue; // already in this form
        }
        let mut nodes = crate::run_rows::node_values(&g.nodes);
        for n in &nodes {
            let v = |i: usize| -> rusqlite::types::Value {
                match &n[i] {
                    serde_json::Value::String(s) => s.clone().into(),
                    serde_json::Value::Number(x) => x.as_i64().unwrap_or_default().into(),
                    _ => rusqlite::types::Value::Null,
                }
            };
            tx.execute(
                "INSERT INTO run_nodes (run_id, agent, status, started_us, finished_us, waited_us, attempts, skip_reason, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![run_id, v(0), v(1), v(2), v(3), v(4), v(5), v(6), v(7)],
            )?;
        }
        tx.execute("UPDATE runs SET graph = ?2 WHERE run_id = ?1", params![run_id, text])?;
        let row = super::state::run_row(&tx, *run_id)?.ok_or_else(|| StoreError::Invalid(format!("entry {seq} names run {run_id}, which is not stored")))?;
        let mut p: serde_json::Value = serde_json::from_str(payload)?;
        p["rows"] = json!(crate::run_rows::rows_digest(&row, &text, &mut nodes, &mut cps));
        tx.execute("UPDATE audit_log SET payload = ?2 WHERE seq = ?1", params![seq, crate::audit::canonical_json(&p)])?;
        first_changed = first_changed.or(Some(*seq));
        rewritten += 1;
    }
    if let Some(from) = first_changed {
        let rows: Vec<(i64, String, String, String, String, String)> = tx
            .prepare("SELECT seq, at, kind, actor, subject, payload FROM audit_log WHERE seq >= ?1 ORDER BY seq")?
            .query_map([from], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))?
            .collect::<std::result::Result<_, _>>()?;
        let mut prev: String = tx.query_row("SELECT prev_hash FROM audit_log WHERE seq = ?1", [from], |r| r.get(0))?;
        for (s, at, kind, actor, subject, payload) in rows {
            let mut p = [0u8; 32];
            hex::decode_to_slice(&prev, &mut p).map_err(|e| StoreError::Invalid(format!("entry {s}: {e}")))?;
            let h = hex::encode(crate::audit::entry_hash_canonical(&p, s, &at, &kind, &actor, &subject, &payload));
            tx.execute("UPDATE audit_log SET prev_hash = ?2, hash = ?3 WHERE seq = ?1", params![s, prev, h])?;
            prev = h;
        }
    }
    tx.execute_batch("CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;")?;
    tx.commit()?;
    Ok(rewritten)
}
