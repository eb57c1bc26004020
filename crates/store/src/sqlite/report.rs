//! Gathering an audit report from SQLite, in one read snapshot.

use super::audit::{audit_row, AUDIT_COLUMNS};
use super::review::{action_row, ACTION_COLUMNS};
use super::SqliteStore;
use crate::error::Result;
use crate::export::report::*;
use rusqlite::params;

pub(super) fn gather(store: &SqliteStore, q: &ReportQuery) -> Result<AuditReport> {
    let conn = store.reader()?;
    let tx = conn.unchecked_transaction()?; // one consistent snapshot for every query
    let (start, end) = q.bounds();
    let ty = q.break_type.clone();

    let mut runs = Vec::new();
    {
        let mut stmt = tx.prepare(
            "SELECT r.run_id, r.break_id, r.mode, r.started_at, r.policy_key, r.policy_version, r.tier, r.decision, r.confidence, r.decided_by, r.graph
             FROM runs r WHERE r.started_at >= ?1 AND r.started_at < ?2 AND (?3 IS NULL OR r.break_type = ?3) ORDER BY r.run_id",
        )?;
        let mut rows = stmt.query(params![start, end, ty])?;
        while let Some(r) = rows.next()? {
            let graph: reconagent_engine::graph::ExecutionGraph = serde_json::from_str(&r.get::<_, String>(10)?)?;
            runs.push(ReportRun {
                run_id: r.get(0)?,
                break_id: r.get(1)?,
                mode: r.get(2)?,
                started_at: r.get(3)?,
                policy_key: r.get(4)?,
                policy_version: r.get(5)?,
                tier: r.get(6)?,
                decision: r.get(7)?,
                confidence: r.get(8)?,
                decided_by: crate::export::report::describe_decided_by(&r.get::<_, String>(9)?),
                agents_invoked: graph.nodes.iter().filter(|n| n.status.invoked()).map(|n| n.agent.to_string()).collect(),
                agents_skipped: graph
                    .nodes
                    .iter()
                    .filter_map(|n| {
                        n.skip_reason.as_ref().map(|s| format!("{}: {s}", n.agent)).or_else(|| n.error.as_ref().map(|e| format!("{}: {e}", n.agent)))
                    })
                    .collect(),
                held_because: graph.decision.holds.iter().map(|h| h.to_string()).collect(),
            });
        }
    }
    let mut actions = Vec::new();
    {
        let mut stmt = tx.prepare(&format!(
            "SELECT {ACTION_COLUMNS} FROM actions a JOIN breaks b ON b.break_id = a.break_id
             WHERE a.at >= ?1 AND a.at < ?2 AND (?3 IS NULL OR b.break_type = ?3) ORDER BY a.action_id"
        ))?;
        let rows = stmt.query_map(params![start, end, ty], action_row)?;
        for a in rows {
            actions.push(a?);
        }
    }
    // Breaks touched in range: imported, run or acted on.
    let mut breaks = Vec::new();
    {
        let mut stmt = tx.prepare(
            "SELECT b.break_id, b.break_type, b.counterparty, b.amount, b.currency, b.tier, b.status, b.decision, b.assignee, b.latest_run_id,
                    (SELECT decided_by FROM runs WHERE run_id = b.latest_run_id),
                    (SELECT actor || ' (' || kind || ')' FROM actions WHERE break_id = b.break_id AND kind IN ('ACCEPT', 'OVERRIDE', 'RESOLVE') ORDER BY action_id DESC LIMIT 1)
             FROM breaks b
             WHERE (?3 IS NULL OR b.break_type = ?3) AND (
                   (b.imported_at >= ?1 AND b.imported_at < ?2)
                OR EXISTS (SELECT 1 FROM runs r WHERE r.break_id = b.break_id AND r.started_at >= ?1 AND r.started_at < ?2)
                OR EXISTS (SELECT 1 FROM actions a WHERE a.break_id = b.break_id AND a.at >= ?1 AND a.at < ?2))
             ORDER BY b.break_id",
        )?;
        let rows = stmt.query_map(params![start, end, ty], |r| {
            let engine: Option<String> = r.get(10)?;
            let person: Option<String> = r.get(11)?;
            Ok(ReportBreak {
                break_id: r.get(0)?,
                break_type: r.get(1)?,
                counterparty: r.get(2)?,
                amount: r.get(3)?,
                currency: r.get(4)?,
                tier: r.get(5)?,
                status: r.get(6)?,
                decision: r.get(7)?,
                assignee: r.get(8)?,
                latest_run_id: r.get(9)?,
                decided_by: person.or_else(|| engine.map(|e| crate::export::report::describe_decided_by(&e))).unwrap_or_else(|| "not run".into()),
            })
        })?;
        for b in rows {
            breaks.push(b?);
        }
    }
    let mut entries = Vec::new();
    {
        let mut stmt = tx.prepare(&format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log
             WHERE at >= ?1 AND at < ?2 AND (?3 IS NULL OR subject IN (SELECT break_id FROM breaks WHERE break_type = ?3)) ORDER BY seq"
        ))?;
        let rows = stmt.query_map(params![start, end, ty], audit_row)?;
        for e in rows {
            entries.push(e?);
        }
    }
    let chain = super::audit::verify_in(&tx)?;
    let head_seq: i64 = tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM audit_log", [], |r| r.get(0))?;
    let head_hash: String =
        tx.query_row("SELECT hash FROM audit_log WHERE seq = ?1", [head_seq], |r| r.get(0)).unwrap_or_else(|_| hex::encode(crate::audit::GENESIS));
    drop(tx);

    let mut summary =
        ReportSummary { breaks: breaks.len(), runs: runs.len(), overrides: actions.iter().filter(|a| a.kind == "OVERRIDE").count(), ..Default::default() };
    for b in &breaks {
        let d = b.decision.clone().unwrap_or_else(|| "none".into());
        *summary.by_decision.entry(d.clone()).or_default() += 1;
        *summary.by_status.entry(b.status.clone()).or_default() += 1;
        let key = format!("{}/{}", b.break_type, b.tier.as_deref().unwrap_or("-"));
        *summary.by_type_tier.entry(key).or_default().entry(d).or_default() += 1;
    }
    Ok(AuditReport {
        generated_at: super::now(),
        generated_by: store.actor.clone(),
        database: store.path().display().to_string(),
        query: q.clone(),
        anchor: crate::anchor::InstallationKey::installation()?.anchor(head_seq, &head_hash),
        chain,
        summary,
        breaks,
        runs,
        actions,
        audit_entries: entries,
    })
}
