//! The audit log: reading it, verifying it, and exporting reports (the app and the CLI call the
//! same functions here).

use crate::dto::{AuditEntryDto, AuditQuery, ExportRequest, ExportSummary, Progress, Task, VerificationDto};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::Core;
use reconagent_store::export::{ExportFormat, ExportStage, ReportHead, ReportQuery};
use reconagent_store::prelude::*;
use reconagent_store::Verification;
use std::path::Path;

impl From<Verification> for VerificationDto {
    fn from(v: Verification) -> VerificationDto {
        VerificationDto {
            entries: v.entries as i32,
            head: v.head,
            ok: v.ok,
            first_bad_seq: v.first_bad.as_ref().map(|b| b.0 as i32),
            first_bad_reason: v.first_bad.map(|b| b.1),
        }
    }
}

/// Verifies an existing database file read-only (nothing is created or changed): the chain, the
/// state against it, and with `expect` (`SEQ:HASH` from `audit head`) that the saved head is
/// still in the chain.
///
/// # Errors
/// No such file, not a Recon Agent database, a newer schema, a read error, or a malformed `expect`.
pub fn verify_file(path: &Path, expect: Option<&str>) -> ApiResult<Verification> {
    Ok(match expect {
        Some(e) => reconagent_store::verify_file_expecting(path, e)?,
        None => reconagent_store::verify_file(path)?,
    })
}

/// Writes the report for `query` to `out` in `format`, naming each stage to `on_progress`:
/// gathering (which verifies the chain and counts), writing rows as they are read, finishing, recording. An existing `out` is
/// replaced only with `overwrite`; the file appears only once its EXPORT_MADE entry is recorded.
///
/// # Errors
/// `from` after `to`, an output that may not be written, or a store or write failure.
pub fn export_report(
    store: &dyn Backend,
    query: &ReportQuery,
    format: ExportFormat,
    out: &Path,
    overwrite: bool,
    mut on_progress: impl FnMut(Progress),
) -> ApiResult<ReportHead> {
    if query.from > query.to {
        return Err(ApiError::new(ErrorCode::Invalid, format!("`from` {} is after `to` {}", query.from, query.to)));
    }
    let stage = |done: usize, current: &str| Progress {
        task: Task::Export,
        done: done as i32,
        total: ExportStage::COUNT as i32,
        current: current.into(),
        eta_seconds: 0.0,
    };
    let report = reconagent_store::export::export_with_progress(store, query, format, out, overwrite, |s| on_progress(stage(s.index(), s.describe())))?;
    on_progress(stage(ExportStage::COUNT, "done"));
    Ok(report)
}

impl Core {
    /// Audit entries, newest first, filtered by period, kind and break, each also in words.
    pub fn audit_log(&self, q: &AuditQuery) -> ApiResult<Vec<AuditEntryDto>> {
        Ok(self.store.audit_entries(q)?.into_iter().map(AuditEntryDto::from).collect())
    }

    /// Recomputes the chain and checks the state against it.
    pub fn verify(&self) -> ApiResult<VerificationDto> {
        Ok(self.store.verify()?.into())
    }

    /// Exports an audit report (see [`export_report`]).
    pub fn export(&self, r: &ExportRequest, on_progress: impl FnMut(Progress)) -> ApiResult<ExportSummary> {
        let invalid = |m: String| ApiError::new(ErrorCode::Invalid, m);
        let date = |s: &str, field: &str| s.parse().map_err(|_| invalid(format!("{field}: `{s}` is not a date (YYYY-MM-DD)")));
        let query = ReportQuery { from: date(&r.from, "from")?, to: date(&r.to, "to")?, break_type: r.break_type.clone().filter(|t| !t.is_empty()) };
        // An existing file only when the person confirmed (the save dialog, or Replace).
        let report = export_report(&*self.store, &query, r.format, Path::new(&r.path), r.overwrite, on_progress)?;
        Ok(ExportSummary {
            path: r.path.clone(),
            breaks: report.summary.breaks as i32,
            runs: report.summary.runs as i32,
            chain_ok: report.chain.ok,
            chain_head: report.chain.head,
        })
    }
}
