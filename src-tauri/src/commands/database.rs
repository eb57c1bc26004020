//! When the database cannot be opened (corrupt, truncated, another program's, a newer
//! version's): say why, and offer a new file beside it. The old file is never written.

use super::AppCore;
use reconagent_api::{ApiError, ApiResult, Core};
use serde::Serialize;
use std::path::Path;
use std::sync::Arc;
use tauri::State;

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct DatabaseProblem {
    /// The file that was refused; it is left exactly as it was.
    pub path: String,
    pub message: String,
    /// Where "Start a new database" would create one.
    pub new_path: String,
}

impl DatabaseProblem {
    pub fn new(path: &Path, e: ApiError) -> DatabaseProblem {
        let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("reconagent");
        let new_path = path.with_file_name(format!("{stem}-new-{stamp}.db"));
        DatabaseProblem { path: path.display().to_string(), message: e.message, new_path: new_path.display().to_string() }
    }
}

/// Why the database is not open, if it is not.
#[tauri::command]
#[specta::specta]
pub async fn database_problem(state: State<'_, AppCore>) -> ApiResult<Option<DatabaseProblem>> {
    Ok(state.core.read().unwrap_or_else(|p| p.into_inner()).as_ref().err().cloned())
}

/// Opens a new database at the offered path (never the refused one) and returns its path.
#[tauri::command]
#[specta::specta]
pub async fn start_new_database(state: State<'_, AppCore>) -> ApiResult<String> {
    let state = state.inner().clone();
    tauri::async_runtime::spawn_blocking(move || {
        let mut slot = state.core.write().unwrap_or_else(|p| p.into_inner());
        let new_path = match &*slot {
            Ok(c) => return Ok(c.store().location()),
            Err(p) => p.new_path.clone(),
        };
        let core = Core::open_with_policies(Path::new(&new_path), &state.policies, state.sample_if_empty)?;
        *slot = Ok(Arc::new(core));
        Ok(new_path)
    })
    .await
    .map_err(|e| ApiError::new(reconagent_api::ErrorCode::Internal, format!("the task failed: {e}")))?
}
