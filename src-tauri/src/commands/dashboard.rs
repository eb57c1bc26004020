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
