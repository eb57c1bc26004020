//! Audit reports: what was decided, by whom or what, why, and whether the log was intact when
//! the report was made. One [`AuditReport`] is gathered from the store, then written as CSV,
//! XLSX, JSON or self-contained HTML. Every export is written atomically and recorded in the
//! audit log.

mod csv_out;
mod html;
pub(crate) mod report;
mod xlsx;

pub use report::{AuditReport, ReportAction, ReportBreak, ReportEntry, ReportQuery, ReportRun, ReportSummary};

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
    Rendering,
    Writing,
    Recording,
}

impl ExportStage {
    pub const COUNT: usize = 4;
    pub fn index(self) -> usize {
        self as usize
    }
    pub fn describe(self) -> &'static str {
        match self {
            ExportStage::Gathering => "gathering breaks, runs and audit entries; verifying the chain",
            ExportStage::Rendering => "rendering the report",
            ExportStage::Writing => "writing the file",
            ExportStage::Recording => "recording the export in the audit log",
        }
    }
}

/// Gathers the report for `query` from `store`, renders it in `format`, writes it to `out`
/// atomically and records an EXPORT_MADE audit entry. Returns the report that was written.
///
/// # Errors
/// A query or write error; on error no file appears under `out`.
pub fn export(store: &dyn Backend, query: &ReportQuery, format: ExportFormat, out: &Path) -> Result<AuditReport> {
    export_with_progress(store, query, format, out, true, |_| {})
}

/// As [`export`], naming each stage as it starts: gathering (which verifies the
/// chain), rendering, writing, recording. `out` may not be the database or its journal, nor
/// an existing path that is not a regular file, nor (without `overwrite`) an existing file
/// ([`crate::fsio::check_output`]). The file is published only once its EXPORT_MADE entry
/// has committed: if recording fails, no file appears under `out`.
pub fn export_with_progress(
    store: &dyn Backend,
    query: &ReportQuery,
    format: ExportFormat,
    out: &Path,
    overwrite: bool,
    mut stage: impl FnMut(ExportStage),
) -> Result<AuditReport> {
    crate::fsio::check_output(out, store.database_file(), overwrite)?;
    stage(ExportStage::Gathering);
    let report = store.report(query)?;
    stage(ExportStage::Rendering);
    let bytes = match format {
        ExportFormat::Json => {
            // Signed whole: `reconagent audit verify-report FILE` checks it without the database.
            let mut v = serde_json::to_value(&report)?;
            v["anchor"]["report_signature"] = serde_json::Value::String(String::new());
            let digest = crate::anchor::report_digest(&v);
            v["anchor"]["report_signature"] = serde_json::Value::String(crate::anchor::InstallationKey::installation()?.sign_hex(&digest));
            serde_json::to_vec_pretty(&v)?
        }
        ExportFormat::Csv => csv_out::render(&report)?,
        ExportFormat::Xlsx => xlsx::render(&report).map_err(|e| StoreError::Invalid(format!("cannot build the XLSX file: {e}")))?,
        ExportFormat::Html => html::render(&report).into_bytes(),
    };
    stage(ExportStage::Writing);
    let staged = crate::fsio::stage(out, &bytes).map_err(|e| StoreError::Invalid(format!("cannot write {}: {e}", out.display())))?;
    stage(ExportStage::Recording);
    let recorded = store.record_export(
        &out.display().to_string(),
        &json!({
            "format": format.as_str(),
            "from": query.from.to_string(),
            "to": query.to.to_string(),
            "break_type": query.break_type,
            "chain_head": report.chain.head,
            "chain_ok": report.chain.ok,
            "breaks": report.breaks.len(),
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
    Ok(report)
}
