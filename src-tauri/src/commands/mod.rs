//! Tauri commands, one module per domain. Each is a thin adapter: it hands the request to
//! [`reconagent_api::Core`] on a blocking thread and returns its typed reply or error.

pub mod audit;
pub mod breaks;
pub mod dashboard;
pub mod policies;
pub mod review;
pub mod runs;

use reconagent_api::{ApiError, ApiResult, Core, ErrorCode};
use std::sync::Arc;

/// The app's state as Tauri holds it.
pub type AppCore = Arc<Core>;

/// Runs `f` on the blocking pool: store and engine calls never run on the UI thread.
pub(crate) async fn blocking<T: Send + 'static>(core: &AppCore, f: impl FnOnce(&Core) -> ApiResult<T> + Send + 'static) -> ApiResult<T> {
    let core = core.clone();
    tauri::async_runtime::spawn_blocking(move || f(&core))
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("the task failed: {e}")))?
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
