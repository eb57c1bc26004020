//! The break queue, a break's detail, imports.

use super::{blocking, AppCore};
use reconagent_api::dto::{AppInfo, BreakDetail, ImportSummary, QueuePage, QueueQuery};
use reconagent_api::ApiResult;
use tauri::State;

#[tauri::command]
#[specta::specta]
pub async fn app_info(core: State<'_, AppCore>) -> ApiResult<AppInfo> {
    blocking(&core, |c| c.info()).await
}

#[tauri::command]
#[specta::specta]
pub async fn queue(core: State<'_, AppCore>, query: QueueQuery) -> ApiResult<QueuePage> {
    blocking(&core, move |c| c.queue(&query)).await
}

#[tauri::command]
#[specta::specta]
pub async fn break_detail(core: State<'_, AppCore>, break_id: String) -> ApiResult<BreakDetail> {
    blocking(&core, move |c| c.break_detail(&break_id)).await
}

#[tauri::command]
#[specta::specta]
pub async fn import_file(app: tauri::AppHandle, core: State<'_, AppCore>, path: String) -> ApiResult<ImportSummary> {
    let progress = super::progress_emitter(app);
    blocking(&core, move |c| c.import_file(std::path::Path::new(&path), progress)).await
}

#[tauri::command]
#[specta::specta]
pub async fn load_sample(core: State<'_, AppCore>) -> ApiResult<ImportSummary> {
    blocking(&core, |c| c.load_sample()).await
}
