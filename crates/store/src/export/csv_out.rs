//! CSV: one table, one row per record, `record` saying which kind (REPORT, BREAK, RUN, ACTION,
//! AUDIT) so a spreadsheet can filter. The first row carries the chain head and verification.

use super::neutralise_cell;
use super::report::{ReportHead, ReportItem, ReportSink, Section};
use crate::error::Result;

const COLUMNS: [&str; 20] = [
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
    "currency",
    "assignee",
    "rationale",
];

pub(super) struct CsvSink {
    w: csv::Writer<std::io::BufWriter<std::fs::File>>,
}

impl CsvSink {
    pub(super) fn create(file: std::fs::File) -> Result<CsvSink> {
        let mut w = csv::Writer::from_writer(std::io::BufWriter::with_capacity(1 << 20, file));
        w.write_record(COLUMNS).map_err(csv_err)?;
        Ok(CsvSink { w })
    }

    fn row(&mut self, cells: [&str; 20]) -> Result<()> {
        self.w.write_record(cells.iter().map(|c| neutralise_cell(c).into_owned())).map_err(csv_err)
    }

    pub(super) fn finish(self) -> Result<()> {
        let out = self.w.into_inner().map_err(|e| crate::StoreError::Invalid(e.to_string()))?;
        out.into_inner().map_err(|e| crate::StoreError::Invalid(e.to_string()))?.sync_all().map_err(|e| crate::StoreError::Invalid(e.to_string()))
    }
}

impl ReportSink for CsvSink {
    fn order(&self) -> [Section; 4] {
        [Section::Breaks, Section::Runs, Section::Actions, Section::AuditEntries]
    }

    fn head(&mut self, r: &ReportHead) -> Result<()> {
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
        self.row([
            "REPORT",
            "",
            "",
            &r.generated_at,
            "chain verification",
            &r.generated_by,
            "",
            "",
            &verdict,
            "",
            "",
            "",
            &range,
            &entries,
            &r.chain.head,
            "",
            "",
            "",
            "",
            "",
        ])
    }

    fn begin(&mut self, _: Section) -> Result<()> {
        Ok(())
    }

    fn end(&mut self, _: Section) -> Result<()> {
        Ok(())
    }

    fn item(&mut self, item: ReportItem) -> Result<()> {
        match item {
            ReportItem::Break(b) => self.row([
                "BREAK",
                &b.break_id,
                &b.break_id,
                "",
                "",
                "",
                &b.break_type,
                b.tier.as_deref().unwrap_or(""),
                &b.status,
                b.decision.as_deref().unwrap_or(""),
                &b.decided_by,
                "",
                "",
                "",
                "",
                &b.amount,
                b.counterparty.as_deref().unwrap_or(""),
                &b.currency,
                b.assignee.as_deref().unwrap_or(""),
                "",
            ]),
            ReportItem::Run(run) => {
                let id = run.run_id.to_string();
                let conf = format!("{:.2}", run.confidence);
                let detail = format!("{} {} invoked: {}", run.mode, run.policy_key, run.agents_invoked.join(" "));
                // The reason column: why the run was held for a person (invariant S1), then the skips.
                let held = run.held_because.iter().map(|h| format!("held for review: {h}"));
                let skipped = held.chain(run.agents_skipped.iter().cloned()).collect::<Vec<_>>().join("; ");
                let rationale = run.rationale.join(" ");
                self.row([
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
                    "",
                    "",
                    &rationale,
                ])
            }
            ReportItem::Action(a) => self.row([
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
                "",
                "",
                a.comment.as_deref().unwrap_or(""),
                a.reason.as_deref().unwrap_or(""),
                "",
                "",
                "",
                "",
                a.assignee.as_deref().unwrap_or(""),
                "",
            ]),
            ReportItem::Entry(e) => {
                let seq = e.seq.to_string();
                self.row(["AUDIT", &seq, "", &e.at, &e.kind, &e.actor, "", "", "", "", "", "", &e.subject, &e.payload, &e.hash, "", "", "", "", ""])
            }
        }
    }
}

fn csv_err(e: csv::Error) -> crate::StoreError {
    crate::StoreError::Invalid(format!("CSV: {e}"))
}
