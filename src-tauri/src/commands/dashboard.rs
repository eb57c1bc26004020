//! Efficiency aggregates for the dashboard.

use super::{blocking, AppCore};
use reconagent_api::dto::{EfficiencyDto, StatsQuery};
use reconagent_api::ApiResult;
use tauri::State;

#[tauri::command]
#[specta::specta]
pub async fn efficiency(core: State<'_, AppCore>, query: StatsQuery) -> ApiResult<EfficiencyDto> {
    blocking(&core, move |c| c.efficiency(&query)).await
}

#[tauri::command]
#[specta::specta]
pub async fn desk(core: State<'_, AppCore>, query: StatsQuery) -> ApiResult<reconagent_store::DeskStats> {
    blocking(&core, move |c| c.desk(&query)).await
}
