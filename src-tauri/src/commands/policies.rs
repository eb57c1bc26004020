//! The policy editor: load, check a draft, simulate (with progress), save, history, restore.

use super::{blocking, AppCore};
use crate::commands::runs::DataChanged;
use reconagent_api::policies::{DiffLine, PolicyDraft, PolicyEdit, PolicyFileState, PolicyProposalDto, PolicySaveDto, SimulationDto};
use reconagent_api::ApiResult;
use tauri::{AppHandle, State};
use tauri_specta::Event;

#[tauri::command]
#[specta::specta]
pub async fn policy_file(core: State<'_, AppCore>) -> ApiResult<PolicyFileState> {
    blocking(&core, |c| c.policy_file()).await
}

/// `base` with `edits` applied and checked by the engine's validator.
#[tauri::command]
#[specta::specta]
pub async fn policy_check(core: State<'_, AppCore>, base: String, edits: Vec<PolicyEdit>) -> ApiResult<PolicyDraft> {
    blocking(&core, move |c| c.policy_check(&base, &edits)).await
}

#[tauri::command]
#[specta::specta]
pub async fn policy_simulate(
    app: AppHandle,
    core: State<'_, AppCore>,
    base: String,
    edits: Vec<PolicyEdit>,
    limit: i32,
    break_type: Option<String>,
) -> ApiResult<SimulationDto> {
    let progress = super::progress_emitter(app);
    blocking(&core, move |c| c.policy_simulate(&base, &edits, limit.max(1) as usize, break_type.as_deref(), progress)).await
}

#[tauri::command]
#[specta::specta]
pub async fn policy_save(
    app: AppHandle,
    core: State<'_, AppCore>,
    base: String,
    edits: Vec<PolicyEdit>,
    note: String,
    overwrite: bool,
) -> ApiResult<PolicySaveDto> {
    let saved = blocking(&core, move |c| c.policy_save(&base, &edits, &note, overwrite)).await?;
    let _ = DataChanged { what: "policies".into() }.emit(&app);
    Ok(saved)
}

#[tauri::command]
#[specta::specta]
pub async fn policy_history(core: State<'_, AppCore>) -> ApiResult<Vec<PolicySaveDto>> {
    blocking(&core, |c| c.policy_history()).await
}

#[tauri::command]
#[specta::specta]
pub async fn policy_version_diff(core: State<'_, AppCore>, from: String, to: String) -> ApiResult<Vec<DiffLine>> {
    blocking(&core, move |c| c.policy_version_diff(&from, &to)).await
}

#[tauri::command]
#[specta::specta]
pub async fn policy_restore(app: AppHandle, core: State<'_, AppCore>, hash: String, loaded_hash: String, note: String) -> ApiResult<PolicySaveDto> {
    let saved = blocking(&core, move |c| c.policy_restore(&hash, &loaded_hash, &note)).await?;
    let _ = DataChanged { what: "policies".into() }.emit(&app);
    Ok(saved)
}

/// In a team database: proposes `base` + `edits` for another policy admin to approve.
#[tauri::command]
#[specta::specta]
pub async fn policy_propose(app: AppHandle, core: State<'_, AppCore>, base: String, edits: Vec<PolicyEdit>, note: String) -> ApiResult<PolicyProposalDto> {
    let proposed = blocking(&core, move |c| c.policy_propose(&base, &edits, &note)).await?;
    let _ = DataChanged { what: "policies".into() }.emit(&app);
    Ok(proposed)
}

/// In a team database: proposes a stored version again (a restore).
#[tauri::command]
#[specta::specta]
pub async fn policy_propose_version(app: AppHandle, core: State<'_, AppCore>, hash: String, note: String) -> ApiResult<PolicyProposalDto> {
    let proposed = blocking(&core, move |c| c.policy_propose_version(&hash, &note)).await?;
    let _ = DataChanged { what: "policies".into() }.emit(&app);
    Ok(proposed)
}

/// In a team database: the policy proposals, open ones first.
#[tauri::command]
#[specta::specta]
pub async fn policy_proposals(core: State<'_, AppCore>) -> ApiResult<Vec<PolicyProposalDto>> {
    blocking(&core, |c| c.policy_proposals()).await
}

/// Another policy admin approves or rejects (with a reason) a policy proposal.
#[tauri::command]
#[specta::specta]
pub async fn policy_decide(app: AppHandle, core: State<'_, AppCore>, proposal: u32, approve: bool, reason: String) -> ApiResult<PolicyProposalDto> {
    let decided = blocking(&core, move |c| c.policy_decide(i64::from(proposal), approve, &reason)).await?;
    let _ = DataChanged { what: "policies".into() }.emit(&app);
    Ok(decided)
}

/// Where the model endpoint's key for the variable `var` would come from (never the key).
#[tauri::command]
#[specta::specta]
pub async fn llm_key_source(core: State<'_, AppCore>, variable: Option<String>) -> ApiResult<reconagent_api::policies::KeySource> {
    blocking(&core, move |c| Ok(c.llm_key_source(variable.as_deref()))).await
}

/// Stores the model endpoint's key in the OS keyring (`llm:VAR`); the agents use it at once.
#[tauri::command]
#[specta::specta]
pub async fn llm_key_store(core: State<'_, AppCore>, variable: String, key: String) -> ApiResult<reconagent_api::policies::KeySource> {
    blocking(&core, move |c| c.llm_key_store(&variable, &key)).await
}
