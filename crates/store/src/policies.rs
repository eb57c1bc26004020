//! Policy files saved from the editor: validated, written atomically, and recorded (version,
//! save, audit entry) in the same transaction, so the history never names a file state that
//! was not written, and a failed write leaves both the file and the history as they were.

use crate::audit::{self, EventKind};
use crate::{now, Result, Store, StoreError};
use reconagent_engine::policy::PolicySet;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use serde_json::json;
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

impl Store {
    /// Validates `text` and writes it to `path` if the file on disk still has
    /// `expected_hash` (the version the editor loaded; `None` to overwrite whatever is there).
    /// Returns the compiled policies, for the engine to switch to.
    ///
    /// # Errors
    /// [`StoreError::PolicyInvalid`] (nothing written), [`StoreError::PolicyChangedOnDisk`]
    /// (nothing written), or an I/O or database error (the file and history unchanged).
    pub fn save_policy_file(&self, path: &Path, text: &str, expected_hash: Option<&str>, note: &str) -> Result<(PolicySet, PolicySave)> {
        let name = path.display().to_string();
        let set = PolicySet::load(text, &name).map_err(StoreError::PolicyInvalid)?;
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
        let at = now();
        // The new text is staged beside the file first and published only once the save's
        // entry has committed: a file is never in force without its record.
        let staged = crate::fsio::stage(path, text.as_bytes()).map_err(|e| StoreError::Invalid(format!("cannot write {name}: {e}")))?;
        let save = self.write(|tx| {
            tx.execute(
                "INSERT OR IGNORE INTO policy_versions (hash, text, source, author, note, saved_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![set.version, text, name, self.actor, note, at],
            )?;
            tx.execute(
                "INSERT INTO policy_saves (hash, path, author, note, saved_at, previous) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![set.version, name, self.actor, note, at, on_disk],
            )?;
            let save_id = tx.last_insert_rowid();
            audit::append(
                tx,
                EventKind::PolicySaved,
                &self.actor,
                &set.version,
                &json!({"source": name, "note": note, "previous": on_disk, "save_id": save_id}),
                &at,
            )?;
            Ok(PolicySave {
                save_id: Some(save_id),
                hash: set.version.clone(),
                path: name.clone(),
                author: self.actor.clone(),
                note: note.to_string(),
                saved_at: at.clone(),
                previous: on_disk,
            })
        });
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

    /// Saves and versions first used without a save, newest first. A save records its version
    /// at the same instant, so that version is listed once, as the save.
    pub fn policy_history(&self, limit: usize) -> Result<Vec<PolicySave>> {
        let conn = self.reader()?;
        let mut stmt = conn.prepare(
            "SELECT save_id, hash, path, author, note, saved_at, previous FROM policy_saves
             UNION ALL
             SELECT NULL, hash, source, author, note, saved_at, NULL FROM policy_versions v
              WHERE NOT EXISTS (SELECT 1 FROM policy_saves s WHERE s.hash = v.hash AND s.saved_at = v.saved_at)
             ORDER BY 6 DESC, 1 DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok(PolicySave {
                save_id: r.get(0)?,
                hash: r.get(1)?,
                path: r.get(2)?,
                author: r.get(3)?,
                note: r.get(4)?,
                saved_at: r.get(5)?,
                previous: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The `limit` most recently updated breaks (newest first), of one type if given: what an
    /// impact simulation replays.
    pub fn recent_breaks(&self, limit: usize, break_type: Option<&str>) -> Result<Vec<reconagent_engine::Break>> {
        let conn = self.reader()?;
        let mut stmt = conn.prepare("SELECT data FROM breaks WHERE (?2 IS NULL OR break_type = ?2) ORDER BY updated_at DESC, break_id LIMIT ?1")?;
        let rows = stmt.query_map(params![limit as i64, break_type], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for r in rows {
            out.push(serde_json::from_str(&r?)?);
        }
        Ok(out)
    }

    /// The text of a stored policy version.
    pub fn policy_text(&self, hash: &str) -> Result<String> {
        self.reader()?
            .query_row("SELECT text FROM policy_versions WHERE hash = ?1", [hash], |r| r.get(0))
            .optional()?
            .ok_or_else(|| StoreError::Invalid(format!("no stored policy version {hash}")))
    }
}
