//! Tauri commands, one module per domain. Each is a thin adapter: it hands the request to
//! [`reconagent_api::Core`] on a blocking thread and returns its typed reply or error.

pub mod audit;
pub mod breaks;
pub mod dashboard;
pub mod database;
pub mod policies;
pub mod review;
pub mod runs;

use reconagent_api::{ApiError, ApiResult, Core, ErrorCode};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

/// The app's state as Tauri holds it: the open core, or why the database could not be opened
/// (the app then offers a new file and leaves the old one alone).
pub struct AppState {
    core: RwLock<Result<Arc<Core>, database::DatabaseProblem>>,
    policies: PathBuf,
    sample_if_empty: bool,
    /// The embedded SQLite file ("Use the local database").
    local: PathBuf,
    /// Where the Database screen's choice is kept (`connection.json`).
    data_dir: PathBuf,
}

pub type AppCore = Arc<AppState>;

impl AppState {
    /// Opens `db`; a failure is kept for the UI to show, not fatal. `local` is the embedded
    /// file the Database screen can switch back to; `data_dir` keeps its choice.
    pub fn open(db: PathBuf, policies: PathBuf, sample_if_empty: bool, local: PathBuf, data_dir: PathBuf) -> AppState {
        // A team database's URL is shown without its password, wherever it is shown.
        let shown = std::path::PathBuf::from(reconagent_store::postgres::redact(&db.to_string_lossy()));
        let core = Core::open_with_policies(&db, &policies, sample_if_empty).map(Arc::new).map_err(|e| database::DatabaseProblem::new(&shown, e));
        if let Err(p) = &core {
            eprintln!("Recon Agent cannot open its database {}: {}", p.path, p.message);
        }
        AppState { core: RwLock::new(core), policies, sample_if_empty, local, data_dir }
    }

    pub(crate) fn core(&self) -> ApiResult<Arc<Core>> {
        match &*self.core.read().unwrap_or_else(|p| p.into_inner()) {
            Ok(c) => Ok(c.clone()),
            Err(p) => Err(ApiError::new(ErrorCode::Io, format!("no database is open: {}", p.message))),
        }
    }
}

/// Runs `f` on the blocking pool: store and engine calls never run on the UI thread.
pub(crate) async fn blocking<T: Send + 'static>(state: &AppCore, f: impl FnOnce(&Core) -> ApiResult<T> + Send + 'static) -> ApiResult<T> {
    let core = state.core()?;
    tauri::async_runtime::spawn_blocking(move || f(&core)).await.map_err(|e| ApiError::new(ErrorCode::Internal, format!("the task failed: {e}")))?
}

/// A progress sink for long work: emits [`runs::ProgressEvent`] at most every 50 ms, and always
/// the first and the final report, so the UI stays responsive however fast the work goes.
pub(crate) fn progress_emitter(app: tauri::AppHandle) -> impl FnMut(reconagent_api::dto::Progress) {
    use tauri_specta::Event;
    let mut last: Option<std::time::Instant> = None;
    move |p| {
        if last.is_none() || p.done == p.total || last.is_some_and(|l| l.elapsed() >= std::time::Duration::from_millis(50)) {
            last = Some(std::time::Instant::now());
            let _ = runs::ProgressEvent(p).emit(&app);
        }
    }
}
