//! A person's actions on a break.

use super::{blocking, AppCore};
use crate::commands::runs::DataChanged;
use reconagent_api::dto::{BreakStatus, HumanAction, Proposal};
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

/// One action (ACCEPT or ASSIGN) on the ticked breaks; each refused one with the reason.
#[tauri::command]
#[specta::specta]
pub async fn review_many(
    app: AppHandle,
    core: State<'_, AppCore>,
    break_ids: Vec<String>,
    action: HumanAction,
    confirmed: bool,
) -> ApiResult<reconagent_api::dto::BulkReview> {
    let out = blocking(&core, move |c| c.review_many(&break_ids, &action, confirmed)).await?;
    let _ = DataChanged { what: "review".into() }.emit(&app);
    Ok(out)
}

/// Four eyes: the proposals waiting for an approver (all, newest first, with `all`).
#[tauri::command]
#[specta::specta]
pub async fn proposals(core: State<'_, AppCore>, all: bool) -> ApiResult<Vec<Proposal>> {
    blocking(&core, move |c| c.proposals(!all)).await
}

/// An approver approves or rejects (with a reason) someone else's proposal; returns the
/// break's status after.
#[tauri::command]
#[specta::specta]
pub async fn decide_proposal(app: AppHandle, core: State<'_, AppCore>, proposal: u32, approve: bool, reason: String) -> ApiResult<BreakStatus> {
    let status = blocking(&core, move |c| c.decide_proposal(i64::from(proposal), approve, &reason)).await?;
    let _ = DataChanged { what: "review".into() }.emit(&app);
    Ok(status)
}
