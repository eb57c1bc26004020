//! Human actions: one transaction each, with the lifecycle rule of [`HumanAction::transition`].

use super::{now, SqliteStore};
use crate::audit::EventKind;
use crate::backend::ReviewStore;
use crate::error::{Result, StoreError};
use crate::lifecycle::{BreakStatus, HumanAction};
use crate::stats::ActionRow;
use rusqlite::{params, OptionalExtension};
use serde_json::json;

/// An action row's columns (table alias `a`), in [`action_row`]'s order.
pub(super) const ACTION_COLUMNS: &str = "a.break_id, a.kind, a.actor, a.at, a.decision, a.reason, a.assignee, a.comment";

/// An action row as read with [`ACTION_COLUMNS`].
pub(super) fn action_row(r: &rusqlite::Row) -> rusqlite::Result<ActionRow> {
    Ok(ActionRow {
        break_id: r.get(0)?,
        kind: r.get(1)?,
        actor: r.get(2)?,
        at: r.get(3)?,
        decision: r.get(4)?,
        reason: r.get(5)?,
        assignee: r.get(6)?,
        comment: r.get(7)?,
        approved_by: None,
    })
}

impl ReviewStore for SqliteStore {
    fn act(&self, break_id: &str, action: &HumanAction) -> Result<BreakStatus> {
        let at = now();
        self.write(|tx| {
            let status: Option<String> = tx.query_row("SELECT status FROM breaks WHERE break_id = ?1", [break_id], |r| r.get(0)).optional()?;
            let status = status.ok_or_else(|| StoreError::NoSuchBreak(break_id.to_string()))?;
            let from = BreakStatus::parse(&status).unwrap_or(BreakStatus::New);
            let to = action.transition(break_id, from)?;
            let (decision, reason, assignee, comment) = action.fields();
            tx.execute(
                "INSERT INTO actions (break_id, kind, actor, at, decision, reason, assignee, comment) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![break_id, action.name(), self.actor, at, decision, reason, assignee, comment],
            )?;
            let counted = super::counts::key_of(tx, break_id)?.ok_or_else(|| StoreError::NoSuchBreak(break_id.to_string()))?;
            tx.execute(
                "UPDATE breaks SET status = ?2, assignee = COALESCE(?3, assignee), decision = COALESCE(?4, decision), updated_at = ?5 WHERE break_id = ?1",
                params![break_id, to.as_str(), assignee, decision, at],
            )?;
            super::counts::Counts::apply_move(tx, break_id, counted)?;
            super::audit::append(tx, EventKind::HumanAction, &self.actor, break_id, &json!({"action": action, "from": from.as_str(), "to": to.as_str()}), &at)?;
            Ok(to)
        })
    }

    /// Human actions on a break, oldest first.
    fn actions_of(&self, break_id: &str) -> Result<Vec<ActionRow>> {
        let conn = self.reader()?;
        let mut stmt = conn.prepare(&format!("SELECT {ACTION_COLUMNS} FROM actions a WHERE a.break_id = ?1 ORDER BY a.action_id"))?;
        let rows = stmt.query_map([break_id], action_row)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }
}
