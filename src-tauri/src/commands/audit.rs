//! The audit log, its verification and exports.

use super::{blocking, AppCore};
use reconagent_api::dto::{AuditEntryDto, AuditQuery, ExportRequest, ExportSummary, VerificationDto};
use reconagent_api::ApiResult;
use tauri::State;

#[tauri::command]
#[specta::specta]
pub async fn audit_log(core: State<'_, AppCore>, query: AuditQuery) -> ApiResult<Vec<AuditEntryDto>> {
    blocking(&core, move |c| c.audit_log(&query)).await
}

#[tauri::command]
#[specta::specta]
pub async fn verify_audit(core: State<'_, AppCore>) -> ApiResult<VerificationDto> {
    blocking(&core, |c| c.verify()).await
}

#[tauri::command]
#[specta::specta]
pub async fn export_report(app: tauri::AppHandle, core: State<'_, AppCore>, request: ExportRequest) -> ApiResult<ExportSummary> {
    let progress = super::progress_emitter(app);
    blocking(&core, move |c| c.export(&request, progress)).await
}
