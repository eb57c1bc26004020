//! The break queue, a break's detail, imports.

use super::{blocking, AppCore};
use crate::commands::runs::DataChanged;
use reconagent_api::dto::{AppInfo, BreakDetail, FilterOptions, ImportSummary, LlmExchangeDto, QueueFilter, QueuePage};
use reconagent_api::ApiResult;
use tauri::{AppHandle, State};
use tauri_specta::Event;

#[tauri::command]
#[specta::specta]
pub async fn app_info(core: State<'_, AppCore>) -> ApiResult<AppInfo> {
    blocking(&core, |c| c.info()).await
}

#[tauri::command]
#[specta::specta]
pub async fn queue(core: State<'_, AppCore>, query: QueueFilter) -> ApiResult<QueuePage> {
    blocking(&core, move |c| c.queue(&query)).await
}

/// How many breaks match the filter (asked once per filter, not per page).
#[tauri::command]
#[specta::specta]
pub async fn queue_count(core: State<'_, AppCore>, query: QueueFilter) -> ApiResult<u32> {
    blocking(&core, move |c| c.queue_count(&query).map(|n| u32::try_from(n).unwrap_or(u32::MAX))).await
}

/// What the filters offer: known and stored break types, tiers, statuses, decisions.
#[tauri::command]
#[specta::specta]
pub async fn filter_options(core: State<'_, AppCore>) -> ApiResult<FilterOptions> {
    blocking(&core, |c| c.filter_options()).await
}

#[tauri::command]
#[specta::specta]
pub async fn break_detail(core: State<'_, AppCore>, break_id: String) -> ApiResult<BreakDetail> {
    blocking(&core, move |c| c.break_detail(&break_id)).await
}

/// Says this desktop has break `id` open (or closed it); replies who else has it open.
#[tauri::command]
#[specta::specta]
pub async fn break_presence(core: State<'_, AppCore>, id: String, open: bool) -> ApiResult<Vec<String>> {
    blocking(&core, move |c| c.break_presence(&id, open)).await
}

/// A model call's stored prompt and answer.
#[tauri::command]
#[specta::specta]
pub async fn llm_exchange(core: State<'_, AppCore>, request_sha256: String) -> ApiResult<LlmExchangeDto> {
    blocking(&core, move |c| c.llm_exchange(&request_sha256)).await
}

#[tauri::command]
#[specta::specta]
pub async fn import_file(app: AppHandle, core: State<'_, AppCore>, path: String) -> ApiResult<ImportSummary> {
    let progress = super::progress_emitter(app.clone());
    let summary = blocking(&core, move |c| c.import_file(std::path::Path::new(&path), progress)).await?;
    let _ = DataChanged { what: "breaks".into() }.emit(&app);
    Ok(summary)
}

#[tauri::command]
#[specta::specta]
pub async fn load_sample(app: AppHandle, core: State<'_, AppCore>) -> ApiResult<ImportSummary> {
    let summary = blocking(&core, |c| c.load_sample()).await?;
    let _ = DataChanged { what: "breaks".into() }.emit(&app);
    Ok(summary)
}
