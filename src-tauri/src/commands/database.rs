//! Which database the app works on. When it cannot be opened (corrupt, truncated, another
//! program's, a newer version's, a server that refused): say why, and offer a new file beside
//! it (the old file is never written) or another database. The Database screen connects to a
//! team database or back to the local file; the choice is kept for the next start.

use super::AppCore;
use reconagent_api::connection::{self, ConnectionDto, TeamAddress};
use reconagent_api::{ApiError, ApiResult, Core, ErrorCode};
use serde::Serialize;
use std::path::Path;
use std::sync::Arc;
use tauri::{AppHandle, State};

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct DatabaseProblem {
    /// The file that was refused; it is left exactly as it was.
    pub path: String,
    pub message: String,
    /// Where "Start a new database" would create one.
    pub new_path: String,
    /// It is a team database (a server, not a file): the screen offers to connect again or to
    /// use the local file instead.
    pub team: bool,
}

impl DatabaseProblem {
    pub fn new(path: &Path, e: ApiError) -> DatabaseProblem {
        let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("reconagent");
        let new_path = path.with_file_name(format!("{stem}-new-{stamp}.db"));
        let team = reconagent_store::is_team_url(&path.to_string_lossy());
        DatabaseProblem { path: path.display().to_string(), message: e.message, new_path: new_path.display().to_string(), team }
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

/// A team database's changes made by others arrive as the same data-changed events as ours.
pub fn watch(app: &AppHandle, core: &Arc<Core>) {
    let handle = app.clone();
    let weak = Arc::downgrade(core);
    let watched = core.watch_changes(Box::new(move |mut kinds| {
        use tauri_specta::Event;
        // Another policy admin approved a change: this desktop runs the team's new policy.
        if kinds.iter().any(|k| k == "POLICY_SAVED") {
            if let Some(core) = weak.upgrade() {
                if let Err(e) = core.reload_team_policy() {
                    eprintln!("the team's new policy could not be loaded: {}", e.message);
                }
            }
        }
        // Someone opening or closing a break changes no data: only the break screens listen.
        let before = kinds.len();
        kinds.retain(|k| k != "PRESENCE");
        if kinds.len() < before {
            let _ = super::runs::PresenceChanged.emit(&handle);
        }
        if !kinds.is_empty() {
            let _ = super::runs::DataChanged { what: format!("team: {}", kinds.join(", ")) }.emit(&handle);
        }
    }));
    if let Err(e) = watched {
        eprintln!("Recon Agent will not see others' changes live: {}", e.message);
    }
}

fn failed(e: tauri::Error) -> ApiError {
    ApiError::new(ErrorCode::Internal, format!("the task failed: {e}"))
}

/// Where the app's data is now (also when it could not be opened).
#[tauri::command]
#[specta::specta]
pub async fn connection(state: State<'_, AppCore>) -> ApiResult<ConnectionDto> {
    let state = state.inner().clone();
    tauri::async_runtime::spawn_blocking(move || describe(&state)).await.map_err(failed)?
}

fn describe(state: &super::AppState) -> ApiResult<ConnectionDto> {
    match &*state.core.read().unwrap_or_else(|p| p.into_inner()) {
        Ok(core) => Ok(ConnectionDto::of(core.store(), &state.data_dir, &state.local)),
        Err(problem) => Ok(ConnectionDto::unopened(&problem.path, &state.data_dir, &state.local)),
    }
}

/// Switches the app to `core` and tells every screen to load again.
fn switch(app: &AppHandle, state: &super::AppState, core: Core) {
    let core = Arc::new(core);
    watch(app, &core);
    *state.core.write().unwrap_or_else(|p| p.into_inner()) = Ok(core);
    use tauri_specta::Event;
    let _ = super::runs::DataChanged { what: "database".into() }.emit(app);
}

/// Logs in to a team database (the password typed here is used for this login and, with
/// `remember`, kept in the OS keyring; without one the keyring's is used), switches the app to
/// it, and keeps the address (never the password) for the next start. On any failure the app
/// stays on the database it had.
#[tauri::command]
#[specta::specta]
pub async fn connect_team_database(
    app: AppHandle,
    state: State<'_, AppCore>,
    address: TeamAddress,
    password: Option<String>,
    remember: bool,
) -> ApiResult<ConnectionDto> {
    let state = state.inner().clone();
    tauri::async_runtime::spawn_blocking(move || {
        let (store, note) = connection::connect(&address, password.as_deref(), remember)?;
        let core = Core::with_backend(store, &state.policies, false)?;
        connection::save(&state.data_dir, Some(&address))?;
        switch(&app, &state, core);
        Ok(ConnectionDto { note, ..describe(&state)? })
    })
    .await
    .map_err(failed)?
}

/// Switches the app back to the embedded SQLite file and forgets the kept team database.
#[tauri::command]
#[specta::specta]
pub async fn use_local_database(app: AppHandle, state: State<'_, AppCore>) -> ApiResult<ConnectionDto> {
    let state = state.inner().clone();
    tauri::async_runtime::spawn_blocking(move || {
        let core = Core::open_with_policies(&state.local, &state.policies, state.sample_if_empty)?;
        connection::save(&state.data_dir, None)?;
        switch(&app, &state, core);
        describe(&state)
    })
    .await
    .map_err(failed)?
}
