//! XLSX: a Summary sheet (range, chain head, verification, counts) and one sheet per table,
//! written in the library's constant-memory mode (each row goes to a temporary file as it is
//! written), with a table longer than Excel's 1,048,576 rows continued on "Breaks (2)", ...
//! Amounts stay text so no digit is lost to a float.

use super::neutralise_cell;
use super::report::{ReportHead, ReportItem, ReportSink, Section};
use crate::error::{Result, StoreError};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// Rows in a sheet: Excel's limit.
pub const SHEET_ROWS: u32 = 1_048_576;

fn xlsx(e: XlsxError) -> StoreError {
    StoreError::Invalid(format!("cannot build the XLSX file: {e}"))
}

fn sheet(section: Section) -> (&'static str, &'static [&'static str]) {
    match section {
        Section::Breaks => {
            ("Breaks", &["break_id", "type", "tier", "status", "decision", "decided by", "assignee", "amount", "currency", "counterparty", "latest run"])
        }
        Section::Runs => (
            "Runs",
            &[
                "run",
                "break_id",
                "mode",
                "started at",
                "policy",
                "policy version",
                "tier",
                "decision",
                "confidence",
                "decided by",
                "agents invoked",
                "agents skipped",
                "held for review because",
                "reasons",
            ],
        ),
        Section::Actions => ("Actions", &["at", "break_id", "action", "actor", "decision", "reason", "assignee", "comment"]),
        Section::AuditEntries => ("Audit log", &["seq", "at", "kind", "actor", "subject", "payload", "hash"]),
    }
}

pub(super) struct XlsxSink {
    wb: Workbook,
    path: std::path::PathBuf,
    section: Section,
    /// Sheets of the current section so far (1 for "Breaks", 2 once "Breaks (2)" began).
    part: u32,
    /// The next row to write on the current sheet.
    row: u32,
    /// The current sheet's index in the workbook.
    index: usize,
    /// Rows per sheet, header included: Excel's limit, or a smaller one in tests.
    rows_per_sheet: u32,
}

impl XlsxSink {
    pub(super) fn create(path: &std::path::Path) -> XlsxSink {
        XlsxSink::with_rows_per_sheet(path, SHEET_ROWS)
    }

    /// As [`XlsxSink::create`], splitting sheets at `rows` rows (header included).
    pub fn with_rows_per_sheet(path: &std::path::Path, rows: u32) -> XlsxSink {
        XlsxSink {
            wb: Workbook::new(),
            path: path.to_path_buf(),
            section: Section::Breaks,
            part: 0,
            row: 0,
            index: 0,
            rows_per_sheet: rows.clamp(2, SHEET_ROWS),
        }
    }

    /// Starts the next sheet of the current section, with its header.
    fn new_sheet(&mut self) -> Result<()> {
        self.part += 1;
        let (name, header) = sheet(self.section);
        let name = if self.part == 1 { name.to_string() } else { format!("{name} ({})", self.part) };
        let bold = Format::new().set_bold();
        let ws = self.wb.add_worksheet_with_constant_memory().map_err(xlsx)?;
        ws.set_name(&name).map_err(xlsx)?;
        for (c, h) in header.iter().enumerate() {
            ws.set_column_width(c as u16, 18).map_err(xlsx)?;
            ws.write_string_with_format(0, c as u16, *h, &bold).map_err(xlsx)?;
        }
        ws.set_freeze_panes(1, 0).map_err(xlsx)?;
        self.index += 1;
        self.row = 1;
        Ok(())
    }

    fn cells(&mut self, cells: &[&str]) -> Result<()> {
        if self.row >= self.rows_per_sheet {
            self.new_sheet()?;
        }
        let (row, index) = (self.row, self.index);
        let ws = self.wb.worksheet_from_index(index).map_err(xlsx)?;
        for (c, v) in cells.iter().enumerate() {
            ws.write_string(row, c as u16, neutralise_cell(v)).map_err(xlsx)?;
        }
        self.row += 1;
        Ok(())
    }

    pub(super) fn finish(mut self) -> Result<()> {
        self.wb.save(&self.path).map_err(xlsx)?;
        std::fs::File::open(&self.path).and_then(|f| f.sync_all()).map_err(|e| StoreError::Invalid(format!("cannot write the report: {e}")))
    }
}

impl ReportSink for XlsxSink {
    fn order(&self) -> [Section; 4] {
        [Section::Breaks, Section::Runs, Section::Actions, Section::AuditEntries]
    }

    fn head(&mut self, head: &ReportHead) -> Result<()> {
        summary(&mut self.wb, head).map_err(xlsx)
    }

    fn begin(&mut self, section: Section) -> Result<()> {
        self.section = section;
        self.part = 0;
        self.new_sheet()
    }

    fn item(&mut self, item: ReportItem) -> Result<()> {
        match item {
            ReportItem::Break(b) => {
                let run = b.latest_run_id.map(|i| i.to_string()).unwrap_or_default();
                self.cells(&[
                    &b.break_id,
                    &b.break_type,
                    b.tier.as_deref().unwrap_or(""),
                    &b.status,
                    b.decision.as_deref().unwrap_or(""),
                    &b.decided_by,
                    b.assignee.as_deref().unwrap_or(""),
                    &b.amount,
                    &b.currency,
                    b.counterparty.as_deref().unwrap_or(""),
                    &run,
                ])
            }
            ReportItem::Run(x) => {
                let (id, conf) = (x.run_id.to_string(), format!("{:.2}", x.confidence));
                let (invoked, skipped, held, why) =
                    (x.agents_invoked.join(", "), x.agents_skipped.join("; "), x.held_because.join("; "), x.rationale.join(" "));
                self.cells(&[
                    &id,
                    &x.break_id,
                    &x.mode,
                    &x.started_at,
                    &x.policy_key,
                    &x.policy_version,
                    &x.tier,
                    &x.decision,
                    &conf,
                    &x.decided_by,
                    &invoked,
                    &skipped,
                    &held,
                    &why,
                ])
            }
            ReportItem::Action(a) => self.cells(&[
                &a.at,
                &a.break_id,
                &a.kind,
                &a.actor,
                a.decision.as_deref().unwrap_or(""),
                a.reason.as_deref().unwrap_or(""),
                a.assignee.as_deref().unwrap_or(""),
                a.comment.as_deref().unwrap_or(""),
            ]),
            ReportItem::Entry(e) => {
                let seq = e.seq.to_string();
                self.cells(&[&seq, &e.at, &e.kind, &e.actor, &e.subject, &e.payload, &e.hash])
            }
        }
    }

    fn end(&mut self, _: Section) -> Result<()> {
        Ok(())
    }
}

fn summary(wb: &mut Workbook, r: &ReportHead) -> std::result::Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    let s = wb.add_worksheet().set_name("Summary")?;
    let verdict = if r.chain.ok {
        "INTACT".to_string()
    } else {
        format!("BROKEN: {}", r.chain.first_bad.as_ref().map(|b| format!("entry {}: {}", b.0, b.1)).unwrap_or_default())
    };
    let lines: Vec<(String, String)> = vec![
        ("Report".into(), "Recon Agent audit report".into()),
        ("Period".into(), format!("{} to {} (UTC)", r.query.from, r.query.to)),
        ("Break type".into(), r.query.break_type.clone().unwrap_or_else(|| "all".into())),
        ("Generated at".into(), r.generated_at.clone()),
        ("Generated by".into(), r.generated_by.clone()),
        ("Audit chain".into(), verdict),
        ("Chain head hash".into(), r.chain.head.clone()),
        ("Signed head (SEQ:HASH)".into(), r.anchor.head()),
        ("Installation public key (Ed25519)".into(), r.anchor.public_key.clone()),
        ("Head signature".into(), r.anchor.signature.clone()),
        ("How to check".into(), r.anchor.how_to_check.clone()),
        ("Entries in the log".into(), r.chain.entries.to_string()),
        ("Breaks".into(), r.summary.breaks.to_string()),
        ("Runs".into(), r.summary.runs.to_string()),
        ("Overrides".into(), r.summary.overrides.to_string()),
    ];
    s.set_column_width(0, 22)?;
    s.set_column_width(1, 70)?;
    for (i, (k, v)) in lines.iter().enumerate() {
        s.write_string_with_format(i as u32, 0, k, &bold)?;
        s.write_string(i as u32, 1, neutralise_cell(v))?;
    }
    let mut row = lines.len() as u32 + 1;
    s.write_string_with_format(row, 0, "Decision", &bold)?;
    s.write_string_with_format(row, 1, "Breaks", &bold)?;
    for (d, n) in &r.summary.by_decision {
        row += 1;
        s.write_string(row, 0, d)?;
        s.write_number(row, 1, *n as f64)?;
    }
    Ok(())
}
