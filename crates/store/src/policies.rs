//! Policy files saved from the editor: validated, written atomically, and recorded (version,
//! save, audit entry) in the same transaction, so the history never names a file state that
//! was not written, and a failed write leaves both the file and the history as they were.

use crate::backend::Backend;
use crate::{Result, StoreError};
use reconagent_engine::policy::PolicySet;
use serde::Serialize;
use std::path::Path;

/// One version in the policy history: a save from the editor, or a version that came into use
/// without one (in force when the app started, or first used by the CLI), so the history also
/// holds the version the app started with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicySave {
    /// `None` for a version used without a save.
    pub save_id: Option<i64>,
    pub hash: String,
    pub path: String,
    pub author: String,
    pub note: String,
    pub saved_at: String,
    pub previous: Option<String>,
}

/// Validates `text` and writes it to `path` if the file on disk still has
/// `expected_hash` (the version the editor loaded; `None` to overwrite whatever is there).
/// Returns the compiled policies, for the engine to switch to.
///
/// # Errors
/// [`StoreError::PolicyInvalid`] (nothing written), [`StoreError::PolicyChangedOnDisk`]
/// (nothing written), or an I/O or database error (the file and history unchanged).
pub fn save_policy_file(store: &dyn Backend, path: &Path, text: &str, expected_hash: Option<&str>, note: &str) -> Result<(PolicySet, PolicySave)> {
    let name = path.display().to_string();
    let mut set = PolicySet::load(text, &name).map_err(StoreError::PolicyInvalid)?;
    // model-backed agents' prompts, beside the file, must match the hashes the text records
    set.read_prompts(PolicySet::prompt_dir(path)).map_err(StoreError::PolicyInvalid)?;
    let on_disk = match std::fs::read(path) {
        Ok(bytes) => Some(PolicySet::content_hash(&String::from_utf8_lossy(&bytes))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e.into()),
    };
    if let (Some(expected), Some(found)) = (expected_hash, on_disk.as_deref()) {
        if expected != found {
            return Err(StoreError::PolicyChangedOnDisk { path: name, expected: expected.to_string(), found: found.to_string() });
        }
    }
    // The new text is staged beside the file first and published only once the save's
    // entry has committed: a file is never in force without its record.
    let staged = crate::fsio::stage(path, text.as_bytes()).map_err(|e| StoreError::Invalid(format!("cannot write {name}: {e}")))?;
    let save = store.record_policy_save(&set, &name, note, on_disk.as_deref());
    let save = match save {
        Ok(save) => save,
        Err(e) => {
            let _ = std::fs::remove_file(&staged);
            return Err(e);
        }
    };
    crate::fsio::publish(&staged, path).map_err(|e| {
        let _ = std::fs::remove_file(&staged);
        StoreError::Invalid(format!("the save is recorded but {name} could not be replaced: {e}; save again"))
    })?;
    Ok((set, save))
}

/// A policy change proposed in a team database, where a second policy admin approves it before
/// it is in force (four eyes on policies).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyProposal {
    pub proposal_id: i64,
    /// The version the change makes (its text's content hash).
    pub hash: String,
    pub text: String,
    /// The file it was edited as, on its author's machine.
    pub path: String,
    pub note: String,
    /// The version it was made from (the team's in force, or the author's file).
    pub previous: Option<String>,
    pub author: String,
    pub proposed_at: String,
    /// `OPEN`, `APPROVED` or `REJECTED`.
    pub state: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub reason: Option<String>,
    /// The save an approval made.
    pub save_id: Option<i64>,
}

/// The policy a team runs under: the version of its newest save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamPolicy {
    pub hash: String,
    pub text: String,
    pub save_id: i64,
}
