//! CSV: one table, one row per record, `record` saying which kind (REPORT, BREAK, RUN, ACTION,
//! AUDIT) so a spreadsheet can filter. The first row carries the chain head and verification.

use super::{neutralise_cell, AuditReport};
use crate::error::Result;

const COLUMNS: [&str; 17] = [
    "record",
    "id",
    "break_id",
    "at",
    "kind",
    "actor",
    "break_type",
    "tier",
    "status",
    "decision",
    "decided_by",
    "confidence",
    "detail",
    "reason",
    "hash",
    "amount",
    "counterparty",
];

pub(super) fn render(r: &AuditReport) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(COLUMNS).map_err(csv_err)?;
    let mut row = |cells: [&str; 17]| w.write_record(cells.iter().map(|c| neutralise_cell(c).into_owned())).map_err(csv_err);
    let verdict = if r.chain.ok { "INTACT".to_string() } else { format!("BROKEN at entry {}", r.chain.first_bad.as_ref().map(|b| b.0).unwrap_or(0)) };
    let range = format!("{} to {}{}", r.query.from, r.query.to, r.query.break_type.as_ref().map(|t| format!(" type {t}")).unwrap_or_default());
    let entries = format!(
        "{} audit entries in the log; head {} signed by Ed25519 key {} ({}); check: {}",
        r.chain.entries,
        r.anchor.head(),
        r.anchor.public_key,
        r.anchor.signature,
        r.anchor.how_to_check
    );
    row(["REPORT", "", "", &r.generated_at, "chain verification", &r.generated_by, "", "", &verdict, "", "", "", &range, &entries, &r.chain.head, "", ""])?;
    for b in &r.breaks {
        let amount = format!("{} {}", b.amount, b.currency);
        row([
            "BREAK",
            &b.break_id,
            &b.break_id,
            "",
            "",
            b.assignee.as_deref().unwrap_or(""),
            &b.break_type,
            b.tier.as_deref().unwrap_or(""),
            &b.status,
            b.decision.as_deref().unwrap_or(""),
            &b.decided_by,
            "",
            "",
            "",
            "",
            &amount,
            b.counterparty.as_deref().unwrap_or(""),
        ])?;
    }
    for run in &r.runs {
        let id = run.run_id.to_string();
        let conf = format!("{:.2}", run.confidence);
        let detail = format!("{} {} invoked: {}", run.mode, run.policy_key, run.agents_invoked.join(" "));
        // The reason column: why the run was held for a person (invariant S1), then the skips.
        let held = run.held_because.iter().map(|h| format!("held for review: {h}"));
        let skipped = held.chain(run.agents_skipped.iter().cloned()).collect::<Vec<_>>().join("; ");
        row([
            "RUN",
            &id,
            &run.break_id,
            &run.started_at,
            &run.mode,
            "",
            "",
            &run.tier,
            "",
            &run.decision,
            &run.decided_by,
            &conf,
            &detail,
            &skipped,
            &run.policy_version,
            "",
            "",
        ])?;
    }
    for a in &r.actions {
        let detail = a.assignee.clone().or(a.comment.clone()).unwrap_or_default();
        row([
            "ACTION",
            "",
            &a.break_id,
            &a.at,
            &a.kind,
            &a.actor,
            "",
            "",
            "",
            a.decision.as_deref().unwrap_or(""),
            &a.actor,
            "",
            &detail,
            a.reason.as_deref().unwrap_or(""),
            "",
            "",
            "",
        ])?;
    }
    for e in &r.audit_entries {
        let seq = e.seq.to_string();
        row(["AUDIT", &seq, "", &e.at, &e.kind, &e.actor, "", "", "", "", "", "", &e.subject, &e.payload, &e.hash, "", ""])?;
    }
    w.into_inner().map_err(|e| crate::StoreError::Invalid(e.to_string()))
}

fn csv_err(e: csv::Error) -> crate::StoreError {
    crate::StoreError::Invalid(format!("CSV: {e}"))
}
