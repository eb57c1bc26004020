//! A person's actions on a break.

use super::{blocking, AppCore};
use crate::commands::runs::DataChanged;
use reconagent_api::dto::{BreakStatus, HumanAction};
use reconagent_api::ApiResult;
use tauri::{AppHandle, State};
use tauri_specta::Event;

/// Applies the action; returns the break's new status.
#[tauri::command]
#[specta::specta]
pub async fn review(app: AppHandle, core: State<'_, AppCore>, break_id: String, action: HumanAction, confirmed: bool) -> ApiResult<BreakStatus> {
    let status = blocking(&core, move |c| c.review(&break_id, &action, confirmed)).await?;
    let _ = DataChanged { what: "review".into() }.emit(&app);
    Ok(status)
}
