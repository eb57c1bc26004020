//! Streaming an audit report out of SQLite, in one read snapshot: the chain verified, the
//! counts aggregated, then each table's rows handed to the sink as they are read.

use super::audit::{audit_row, AUDIT_COLUMNS};
use super::review::{action_row, ACTION_COLUMNS};
use super::SqliteStore;
use crate::error::Result;
use crate::export::report::*;
use rusqlite::{params, Connection};

/// Breaks touched in the period: imported, run or acted on (`?1`..`?3`: start, end, type).
const TOUCHED: &str = "(?3 IS NULL OR b.break_type = ?3) AND (
       (b.imported_at >= ?1 AND b.imported_at < ?2)
    OR EXISTS (SELECT 1 FROM runs r WHERE r.break_id = b.break_id AND r.started_at >= ?1 AND r.started_at < ?2)
    OR EXISTS (SELECT 1 FROM actions a WHERE a.break_id = b.break_id AND a.at >= ?1 AND a.at < ?2))";

const RUNS: &str = "FROM runs r WHERE r.started_at >= ?1 AND r.started_at < ?2 AND (?3 IS NULL OR r.break_type = ?3)";
const ACTIONS: &str = "FROM actions a JOIN breaks b ON b.break_id = a.break_id WHERE a.at >= ?1 AND a.at < ?2 AND (?3 IS NULL OR b.break_type = ?3)";
const ENTRIES: &str = "FROM audit_log WHERE at >= ?1 AND at < ?2 AND (?3 IS NULL OR subject IN (SELECT break_id FROM breaks WHERE break_type = ?3))";

pub(super) fn stream(store: &SqliteStore, q: &ReportQuery, sink: &mut dyn ReportSink) -> Result<ReportHead> {
    let conn = store.reader()?;
    let tx = conn.unchecked_transaction()?; // one consistent snapshot for every query
    let (start, end) = q.bounds();
    let p = params![start, end, q.break_type];
    let chain = super::audit::verify_in(&tx)?;
    let head_seq: i64 = tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM audit_log", [], |r| r.get(0))?;
    let head_hash: String =
        tx.query_row("SELECT hash FROM audit_log WHERE seq = ?1", [head_seq], |r| r.get(0)).unwrap_or_else(|_| hex::encode(crate::audit::GENESIS));
    let head = ReportHead {
        generated_at: super::now(),
        generated_by: store.actor.clone(),
        database: store.path().display().to_string(),
        query: q.clone(),
        anchor: crate::anchor::InstallationKey::installation()?.anchor(head_seq, &head_hash),
        chain,
        summary: summary(&tx, p)?,
    };
    sink.head(&head)?;
    for section in sink.order() {
        sink.begin(section)?;
        match section {
            Section::Breaks => breaks(&tx, p, sink)?,
            Section::Runs => runs(&tx, p, sink)?,
            Section::Actions => {
                let mut stmt = tx.prepare(&format!("SELECT {ACTION_COLUMNS} {ACTIONS} ORDER BY a.action_id"))?;
                let mut rows = stmt.query(p)?;
                while let Some(r) = rows.next()? {
                    sink.item(ReportItem::Action(&action_row(r)?))?;
                }
            }
            Section::AuditEntries => {
                let mut stmt = tx.prepare(&format!("SELECT {AUDIT_COLUMNS} {ENTRIES} ORDER BY seq"))?;
                let mut rows = stmt.query(p)?;
                while let Some(r) = rows.next()? {
                    sink.item(ReportItem::Entry(&audit_row(r)?))?;
                }
            }
        }
        sink.end(section)?;
    }
    Ok(head)
}

/// The counts, aggregated in SQL (a few rows whatever the period holds).
fn summary(tx: &Connection, p: &[&dyn rusqlite::ToSql]) -> Result<ReportSummary> {
    let mut s = ReportSummary::default();
    let mut stmt = tx.prepare(&format!(
        "SELECT b.break_type, COALESCE(b.tier, '-'), b.status, COALESCE(b.decision, 'none'), COUNT(*) FROM breaks b WHERE {TOUCHED} GROUP BY 1, 2, 3, 4"
    ))?;
    let mut rows = stmt.query(p)?;
    while let Some(r) = rows.next()? {
        let (ty, tier, status, decision, n): (String, String, String, String, i64) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
        let n = n as usize;
        s.breaks += n;
        *s.by_decision.entry(decision.clone()).or_default() += n;
        *s.by_status.entry(status).or_default() += n;
        *s.by_type_tier.entry(format!("{ty}/{tier}")).or_default().entry(decision).or_default() += n;
    }
    let count = |sql: String| -> Result<usize> { Ok(tx.query_row(&sql, p, |r| r.get::<_, i64>(0))? as usize) };
    s.runs = count(format!("SELECT COUNT(*) {RUNS}"))?;
    s.actions = count(format!("SELECT COUNT(*) {ACTIONS}"))?;
    s.overrides = count(format!("SELECT COUNT(*) {ACTIONS} AND a.kind = 'OVERRIDE'"))?;
    s.audit_entries = count(format!("SELECT COUNT(*) {ENTRIES}"))?;
    Ok(s)
}

fn breaks(tx: &Connection, p: &[&dyn rusqlite::ToSql], sink: &mut dyn ReportSink) -> Result<()> {
    let mut stmt = tx.prepare(&format!(
        "SELECT b.break_id, b.break_type, b.counterparty, b.amount, b.currency, b.tier, b.status, b.decision, b.assignee, b.latest_run_id,
                (SELECT decided_by FROM runs WHERE run_id = b.latest_run_id),
                (SELECT actor || ' (' || kind || ')' FROM actions WHERE break_id = b.break_id AND kind IN ('ACCEPT', 'OVERRIDE', 'RESOLVE') ORDER BY action_id DESC LIMIT 1)
         FROM breaks b WHERE {TOUCHED} ORDER BY b.break_id"
    ))?;
    let mut rows = stmt.query(p)?;
    while let Some(r) = rows.next()? {
        let engine: Option<String> = r.get(10)?;
        let person: Option<String> = r.get(11)?;
        let b = ReportBreak {
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
            decided_by: person.or_else(|| engine.map(|e| describe_decided_by(&e))).unwrap_or_else(|| "not run".into()),
        };
        sink.item(ReportItem::Break(&b))?;
    }
    Ok(())
}

fn runs(tx: &Connection, p: &[&dyn rusqlite::ToSql], sink: &mut dyn ReportSink) -> Result<()> {
    let mut stmt = tx.prepare(&format!(
        "SELECT r.run_id, r.break_id, r.mode, r.started_at, r.policy_key, r.policy_version, r.tier, r.decision, r.confidence, r.decided_by, r.graph
         {RUNS} ORDER BY r.run_id"
    ))?;
    let mut rows = stmt.query(p)?;
    while let Some(r) = rows.next()? {
        let run = ReportRun::from_stored(
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?),
            (r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?),
            r.get(8)?,
            &r.get::<_, String>(9)?,
            &crate::run_rows::graph_text(r.get(0)?, r.get_ref(10)?)?,
        )?;
        sink.item(ReportItem::Run(&run))?;
    }
    Ok(())
}
