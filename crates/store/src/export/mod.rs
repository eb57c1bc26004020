//! Audit reports: what was decided, by whom or what, why, and whether the log was intact when
//! the report was made. One [`AuditReport`] is gathered from the store, then written as CSV,
//! XLSX, JSON or self-contained HTML. Every export is written atomically and recorded in the
//! audit log.

mod csv_out;
mod html;
mod json_out;
pub(crate) mod report;
mod xlsx;

pub use xlsx::SHEET_ROWS;

pub use report::{
    AuditReport, Collect, ReportAction, ReportBreak, ReportEntry, ReportHead, ReportItem, ReportQuery, ReportRun, ReportSink, ReportSummary, Section,
};

use crate::backend::Backend;
use crate::error::{Result, StoreError};
use serde_json::json;
use std::path::Path;

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Csv,
    Xlsx,
    Json,
    Html,
}

impl ExportFormat {
    /// Every format, in the order the audit screen offers them.
    pub const ALL: [ExportFormat; 4] = [ExportFormat::Html, ExportFormat::Csv, ExportFormat::Xlsx, ExportFormat::Json];

    /// A format by name (any case).
    pub fn parse(s: &str) -> Option<ExportFormat> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Some(ExportFormat::Csv),
            "xlsx" => Some(ExportFormat::Xlsx),
            "json" => Some(ExportFormat::Json),
            "html" => Some(ExportFormat::Html),
            _ => None,
        }
    }
    /// The format's name, also its file extension.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Json => "json",
            ExportFormat::Html => "html",
        }
    }
}

/// A cell that a spreadsheet would run as a formula (`=`, `+`, `@`, or `-` not starting a
/// number) gets a leading apostrophe, so a hostile break id cannot become a formula.
pub fn neutralise_cell(s: &str) -> std::borrow::Cow<'_, str> {
    let mut chars = s.chars();
    let risky = match chars.next() {
        Some('=' | '+' | '@' | '\t' | '\r') => true,
        Some('-') => !chars.next().is_some_and(|c| c.is_ascii_digit() || c == '.'),
        _ => false,
    };
    if risky {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// The stages of an export, in order, for progress reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportStage {
    Gathering,
    Writing,
    Finishing,
    Recording,
}

impl ExportStage {
    pub const COUNT: usize = 4;
    pub fn index(self) -> usize {
        self as usize
    }
    pub fn describe(self) -> &'static str {
        match self {
            ExportStage::Gathering => "verifying the chain; counting breaks, runs, actions and entries",
            ExportStage::Writing => "writing breaks, runs, actions and audit entries as they are read",
            ExportStage::Finishing => "finishing the file (the signature, the workbook)",
            ExportStage::Recording => "recording the export in the audit log",
        }
    }
}

/// A report being written to its staged file.
enum Writer {
    Json(json_out::JsonSink),
    Csv(csv_out::CsvSink),
    Html(html::HtmlSink),
    Xlsx(Box<xlsx::XlsxSink>),
}

impl Writer {
    fn sink(&mut self) -> &mut dyn ReportSink {
        match self {
            Writer::Json(s) => s,
            Writer::Csv(s) => s,
            Writer::Html(s) => s,
            Writer::Xlsx(s) => &mut **s,
        }
    }

    fn finish(self) -> Result<()> {
        match self {
            Writer::Json(s) => s.finish(),
            Writer::Csv(s) => s.finish(),
            Writer::Html(s) => s.finish(),
            Writer::Xlsx(s) => (*s).finish(),
        }
    }
}

/// Tells the stage callback when the first row arrives (the head is done).
struct Staged<'a> {
    inner: &'a mut dyn ReportSink,
    stage: &'a mut dyn FnMut(ExportStage),
}

impl ReportSink for Staged<'_> {
    fn order(&self) -> [Section; 4] {
        self.inner.order()
    }
    fn head(&mut self, head: &ReportHead) -> Result<()> {
        (self.stage)(ExportStage::Writing);
        self.inner.head(head)
    }
    fn begin(&mut self, section: Section) -> Result<()> {
        self.inner.begin(section)
    }
    fn item(&mut self, item: ReportItem) -> Result<()> {
        self.inner.item(item)
    }
    fn end(&mut self, section: Section) -> Result<()> {
        self.inner.end(section)
    }
}

/// Writes the XLSX report for `query` to `path` with sheets of at most `rows_per_sheet` rows
/// (header included), not recorded in the log: how tests see the split past Excel's limit
/// ([`SHEET_ROWS`]) without writing a million rows.
#[doc(hidden)]
pub fn write_xlsx_split(store: &dyn Backend, query: &ReportQuery, path: &Path, rows_per_sheet: u32) -> Result<ReportHead> {
    let mut sink = xlsx::XlsxSink::with_rows_per_sheet(path, rows_per_sheet);
    let head = store.report_stream(query, &mut sink)?;
    sink.finish()?;
    Ok(head)
}

/// Streams the report for `query` from `store` into `out` in `format`, atomically, and records
/// an EXPORT_MADE audit entry. Returns the report's head (its counts, chain and signed head).
///
/// # Errors
/// A query or write error; on error no file appears under `out`.
pub fn export(store: &dyn Backend, query: &ReportQuery, format: ExportFormat, out: &Path) -> Result<ReportHead> {
    export_with_progress(store, query, format, out, true, |_| {})
}

/// As [`export`], naming each stage as it starts. Rows go to a staged file beside `out` as
/// they are read from the store (memory stays flat at any size); the file is published only
/// once its EXPORT_MADE entry has committed: if anything fails, no file appears under `out`.
/// `out` may not be the database or its journal, nor an existing path that is not a regular
/// file, nor (without `overwrite`) an existing file ([`crate::fsio::check_output`]).
pub fn export_with_progress(
    store: &dyn Backend,
    query: &ReportQuery,
    format: ExportFormat,
    out: &Path,
    overwrite: bool,
    mut stage: impl FnMut(ExportStage),
) -> Result<ReportHead> {
    crate::fsio::check_output(out, store.database_file(), overwrite)?;
    stage(ExportStage::Gathering);
    let staged = crate::fsio::staged_path(out);
    let written = (|| {
        let create = || std::fs::File::create(&staged).map_err(|e| StoreError::Invalid(format!("cannot write {}: {e}", out.display())));
        let mut writer = match format {
            ExportFormat::Json => Writer::Json(json_out::JsonSink::create(create()?)),
            ExportFormat::Csv => Writer::Csv(csv_out::CsvSink::create(create()?)?),
            ExportFormat::Html => Writer::Html(html::HtmlSink::create(create()?)),
            ExportFormat::Xlsx => Writer::Xlsx(Box::new(xlsx::XlsxSink::create(&staged))),
        };
        let head = store.report_stream(query, &mut Staged { inner: writer.sink(), stage: &mut stage })?;
        stage(ExportStage::Finishing);
        writer.finish()?;
        Ok(head)
    })();
    let head = match written {
        Ok(head) => head,
        Err(e) => {
            let _ = std::fs::remove_file(&staged);
            return Err(e);
        }
    };
    stage(ExportStage::Recording);
    let recorded = store.record_export(
        &out.display().to_string(),
        &json!({
            "format": format.as_str(),
            "from": query.from.to_string(),
            "to": query.to.to_string(),
            "break_type": query.break_type,
            "chain_head": head.chain.head,
            "chain_ok": head.chain.ok,
            "breaks": head.summary.breaks,
        }),
    );
    if let Err(e) = recorded {
        let _ = std::fs::remove_file(&staged);
        return Err(e);
    }
    crate::fsio::publish(&staged, out).map_err(|e| {
        let _ = std::fs::remove_file(&staged);
        StoreError::Invalid(format!("the export is recorded in the audit log but could not be moved into place at {}: {e}", out.display()))
    })?;
    Ok(head)
}
