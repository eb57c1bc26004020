//! Processing breaks, with progress events and cancel.

use super::{blocking, AppCore};
use reconagent_api::dto::{ProcessSummary, Progress, QueueFilter, RunMode};
use reconagent_api::ApiResult;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};
use tauri_specta::Event;

/// Pushed while a batch runs (at most every 50 ms, and at the end).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct ProgressEvent(pub Progress);

/// Pushed when breaks or runs changed, so open screens reload.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct DataChanged {
    pub what: String,
}

/// Pushed when someone on the team opened or closed a break, so an open break screen asks
/// again who else has it open.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct PresenceChanged;

#[tauri::command]
#[specta::specta]
pub async fn process(app: AppHandle, core: State<'_, AppCore>, break_ids: Vec<String>, mode: RunMode, rerun_waiting: bool) -> ApiResult<ProcessSummary> {
    let progress = super::progress_emitter(app.clone());
    let out = blocking(&core, move |c| {
        c.process_with(&break_ids, mode, rerun_waiting, progress).inspect(|_| {
            let _ = DataChanged { what: "runs".into() }.emit(&app);
        })
    })
    .await;
    out
}

/// Runs the NEW breaks the queue's filter shows (its status, if any, must be NEW).
#[tauri::command]
#[specta::specta]
pub async fn process_matching(app: AppHandle, core: State<'_, AppCore>, filter: QueueFilter, mode: RunMode) -> ApiResult<ProcessSummary> {
    let progress = super::progress_emitter(app.clone());
    blocking(&core, move |c| {
        c.process_matching(&filter, mode, progress).inspect(|_| {
            let _ = DataChanged { what: "runs".into() }.emit(&app);
        })
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn cancel_processing(core: State<'_, AppCore>) -> ApiResult<bool> {
    Ok(core.core().map(|c| c.cancel_processing()).unwrap_or(false))
}
