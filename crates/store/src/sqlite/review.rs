//! Human actions: one transaction each, with the lifecycle rule of [`HumanAction::transition`].

use super::{now, SqliteStore};
use crate::audit::EventKind;
use crate::backend::ReviewStore;
use crate::error::{Result, StoreError};
use crate::lifecycle::{BreakStatus, HumanAction, LastAction};
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
            let row: Option<(String, String)> =
                tx.query_row("SELECT status, updated_at FROM breaks WHERE break_id = ?1", [break_id], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
            let (status, updated_at) = row.ok_or_else(|| StoreError::NoSuchBreak(break_id.to_string()))?;
            let from = BreakStatus::parse(&status).unwrap_or(BreakStatus::New);
            let (action, to) = match action {
                HumanAction::Undo { .. } => {
                    let last = last_action(tx, break_id)?;
                    HumanAction::undo_of(break_id, last.as_ref(), &self.actor, from, &updated_at, chrono::Utc::now())?
                }
                a => (a.clone(), a.transition(break_id, from)?),
            };
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

    fn desk(&self, f: &crate::EfficiencyFilter, as_of: &str) -> Result<crate::stats::DeskStats> {
        let (lo, hi) = crate::stats::bounds(f);
        let conn = self.reader()?;
        let count = |sql: &str, args: &[&dyn rusqlite::ToSql]| -> Result<i64> { Ok(conn.prepare_cached(sql)?.query_row(args, |r| r.get(0))?) };
        let waiting = count(&format!("SELECT COUNT(*) FROM breaks WHERE {}", super::breaks::AWAITING), &[])?;
        let escalated = count("SELECT COUNT(*) FROM breaks WHERE status = 'ESCALATED'", &[])?;
        let new = count("SELECT COUNT(*) FROM breaks WHERE status = 'NEW'", &[])?;
        let overdue = count(&format!("SELECT COUNT(*) FROM breaks WHERE {} AND sla_deadline < ?1", super::breaks::AWAITING), &[&as_of])?;
        let mut stmt = conn.prepare_cached("SELECT actor, kind, COUNT(*) FROM actions WHERE at >= ?1 AND at <= ?2 GROUP BY actor, kind")?;
        let rows = stmt.query_map([&lo, &hi], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(crate::stats::DeskStats { waiting, escalated, overdue, new, as_of: as_of.to_string(), people: crate::stats::PersonActions::from_counts(rows) })
    }

    /// Human actions on a break, oldest first.
    fn actions_of(&self, break_id: &str) -> Result<Vec<ActionRow>> {
        let conn = self.reader()?;
        let mut stmt = conn.prepare(&format!("SELECT {ACTION_COLUMNS} FROM actions a WHERE a.break_id = ?1 ORDER BY a.action_id"))?;
        let rows = stmt.query_map([break_id], action_row)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }
}

/// The latest action on a break with the statuses its entry records, for an undo.
fn last_action(tx: &rusqlite::Transaction, break_id: &str) -> Result<Option<LastAction>> {
    let row: Option<(String, String, String)> = tx
        .query_row("SELECT kind, actor, at FROM actions WHERE break_id = ?1 ORDER BY action_id DESC LIMIT 1", [break_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let Some((kind, actor, at)) = row else { return Ok(None) };
    let payload: String = tx.query_row(
        "SELECT payload FROM audit_log WHERE at = ?1 AND kind = 'HUMAN_ACTION' AND subject = ?2 ORDER BY seq DESC LIMIT 1",
        [&at, break_id],
        |r| r.get(0),
    )?;
    let p: serde_json::Value = serde_json::from_str(&payload)?;
    let status = |k: &str| BreakStatus::parse(p[k].as_str().unwrap_or_default()).unwrap_or(BreakStatus::New);
    Ok(Some(LastAction { kind, actor, at, from: status("from"), to: status("to") }))
}
