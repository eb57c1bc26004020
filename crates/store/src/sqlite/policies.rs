//! Policy versions and saves on SQLite.

use super::{now, SqliteStore};
use crate::audit::EventKind;
use crate::backend::PolicyStore;
use crate::error::{Result, StoreError};
use crate::policies::PolicySave;
use reconagent_engine::policy::PolicySet;
use rusqlite::{params, OptionalExtension};
use serde_json::json;

/// Stores a policy version unless its hash is stored already; returns whether it was new.
pub(super) fn insert_version(tx: &rusqlite::Transaction, set: &PolicySet, source: &str, author: &str, note: &str, at: &str) -> Result<bool> {
    let n = tx.execute(
        "INSERT OR IGNORE INTO policy_versions (hash, text, source, author, note, saved_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![set.version, &*set.text, source, author, note, at],
    )?;
    Ok(n > 0)
}

impl PolicyStore for SqliteStore {
    fn record_policy_save(&self, set: &PolicySet, name: &str, note: &str, on_disk: Option<&str>) -> Result<PolicySave> {
        let at = now();
        self.write(|tx| {
            insert_version(tx, set, name, &self.actor, note, &at)?;
            tx.execute(
                "INSERT INTO policy_saves (hash, path, author, note, saved_at, previous) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![set.version, name, self.actor, note, at, on_disk],
            )?;
            let save_id = tx.last_insert_rowid();
            super::audit::append(
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
                path: name.to_string(),
                author: self.actor.clone(),
                note: note.to_string(),
                saved_at: at.clone(),
                previous: on_disk.map(str::to_string),
            })
        })
    }

    /// Saves and versions first used without a save, newest first. A save records its version
    /// at the same instant, so that version is listed once, as the save.
    fn policy_history(&self, limit: usize) -> Result<Vec<PolicySave>> {
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

    /// The text of a stored policy version.
    fn policy_text(&self, hash: &str) -> Result<String> {
        self.reader()?
            .query_row("SELECT text FROM policy_versions WHERE hash = ?1", [hash], |r| r.get(0))
            .optional()?
            .ok_or_else(|| StoreError::Invalid(format!("no stored policy version {hash}")))
    }
}
