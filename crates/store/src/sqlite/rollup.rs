//! The dashboard's rollups (`run_rollup`, `checkpoint_rollup`): sums per UTC day, kept in the
//! transaction that records runs, so the dashboard reads a few hundred rows at any size.

use crate::error::Result;
use crate::run_rows::PreparedRun;
use rusqlite::{params, Connection, OptionalExtension};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::str::FromStr;

/// (day, mode, break type, tier, decision)
type GroupKey = (String, String, String, String, String);
/// (day, break type, checkpoint, agent it follows)
type CheckpointKey = (String, String, String, String);

/// `sum + text`, exactly, or an error naming the text.
fn add_cost(sum: Decimal, text: &str) -> Result<Decimal> {
    let cost = Decimal::from_str(text).map_err(|e| crate::StoreError::Invalid(format!("modelled cost `{text}`: {e}")))?;
    sum.checked_add(cost).ok_or_else(|| crate::StoreError::Invalid("modelled cost sum overflows".into()))
}

#[derive(Default)]
struct Sums {
    runs: i64,
    agents_invoked: i64,
    agents_planned: i64,
    early_exits: i64,
    wall_us: i64,
    modelled_ms: i64,
    modelled_cost: Decimal,
    /// Runs that asked a model, and what their calls cost (schema 9).
    llm_runs: i64,
    measured_cost: Decimal,
}

/// What a chunk of runs adds to the rollups, gathered in memory then written once per group.
#[derive(Default)]
pub(super) struct Rollup {
    groups: BTreeMap<GroupKey, Sums>,
    checkpoints: BTreeMap<CheckpointKey, (i64, i64)>,
}

impl Rollup {
    /// Adds one recorded run.
    pub(super) fn add(&mut self, r: &PreparedRun) -> Result<()> {
        let day = r.started_at.get(..10).unwrap_or(&r.started_at).to_string();
        let s = self.groups.entry((day.clone(), r.mode.into(), r.break_type.clone(), r.tier.into(), r.decision.into())).or_default();
        s.runs += 1;
        s.agents_invoked += r.agents_invoked;
        s.agents_planned += r.agents_planned;
        s.early_exits += i64::from(r.early_exit.is_some());
        s.wall_us += r.wall_us;
        s.modelled_ms += r.modelled_ms;
        s.modelled_cost = add_cost(s.modelled_cost, &r.modelled_cost)?;
        if let Some(m) = &r.measured_cost {
            s.llm_runs += 1;
            s.measured_cost = add_cost(s.measured_cost, m)?;
        }
        for (id, after, fired, _) in &r.checkpoints {
            let c = self.checkpoints.entry((day.clone(), r.break_type.clone(), id.clone(), (*after).into())).or_default();
            c.0 += 1;
            c.1 += i64::from(*fired);
        }
        Ok(())
    }

    /// Adds the sums to the stored rows, inside the caller's transaction.
    pub(super) fn apply(&self, tx: &Connection) -> Result<()> {
        let mut cost_of =
            tx.prepare_cached("SELECT modelled_cost FROM run_rollup WHERE day = ?1 AND mode = ?2 AND break_type = ?3 AND tier = ?4 AND decision = ?5")?;
        let mut upsert = tx.prepare_cached(
            "INSERT INTO run_rollup (day, mode, break_type, tier, decision, runs, agents_invoked, agents_planned, early_exits, wall_us, modelled_ms, modelled_cost)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
             ON CONFLICT (day, mode, break_type, tier, decision) DO UPDATE SET
               runs = runs + excluded.runs, agents_invoked = agents_invoked + excluded.agents_invoked, agents_planned = agents_planned + excluded.agents_planned,
               early_exits = early_exits + excluded.early_exits, wall_us = wall_us + excluded.wall_us, modelled_ms = modelled_ms + excluded.modelled_ms,
               modelled_cost = excluded.modelled_cost",
        )?;
        for ((day, mode, ty, tier, decision), s) in &self.groups {
            let before: Option<String> = cost_of.query_row(params![day, mode, ty, tier, decision], |r| r.get(0)).optional()?;
            let before = before.map(|c| Decimal::from_str(&c)).transpose().map_err(|e| crate::StoreError::Invalid(format!("stored cost sum: {e}")))?;
            let total =
                before.unwrap_or_default().checked_add(s.modelled_cost).ok_or_else(|| crate::StoreError::Invalid("modelled cost sum overflows".into()))?;
            upsert.execute(params![
                day,
                mode,
                ty,
                tier,
                decision,
                s.runs,
                s.agents_invoked,
                s.agents_planned,
                s.early_exits,
                s.wall_us,
                s.modelled_ms,
                total.normalize().to_string()
            ])?;
        }
        // Schema 9's columns, written only for groups with model calls: the schema-5 backfill,
        // which reads only columns frozen by then, never has any.
        // (prepared only when needed: the schema-5 file lacks the columns)
        if self.groups.values().any(|s| s.llm_runs > 0) {
            let mut measured_of =
                tx.prepare_cached("SELECT measured_cost FROM run_rollup WHERE day = ?1 AND mode = ?2 AND break_type = ?3 AND tier = ?4 AND decision = ?5")?;
            let mut measured = tx.prepare_cached(
                "UPDATE run_rollup SET llm_runs = llm_runs + ?6, measured_cost = ?7 WHERE day = ?1 AND mode = ?2 AND break_type = ?3 AND tier = ?4 AND decision = ?5",
            )?;
            for ((day, mode, ty, tier, decision), s) in self.groups.iter().filter(|(_, s)| s.llm_runs > 0) {
                let before: String = measured_of.query_row(params![day, mode, ty, tier, decision], |r| r.get(0))?;
                let total = add_cost(s.measured_cost, &before)?;
                measured.execute(params![day, mode, ty, tier, decision, s.llm_runs, total.normalize().to_string()])?;
            }
        }
        let mut checkpoint = tx.prepare_cached(
            "INSERT INTO checkpoint_rollup (day, break_type, checkpoint_id, after_agent, evaluated, fired) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (day, break_type, checkpoint_id, after_agent) DO UPDATE SET evaluated = evaluated + excluded.evaluated, fired = fired + excluded.fired",
        )?;
        for ((day, ty, id, after), (evaluated, fired)) in &self.checkpoints {
            checkpoint.execute(params![day, ty, id, after, evaluated, fired])?;
        }
        Ok(())
    }
}

/// Fills the rollups from the runs already recorded (schema 5's upgrade). Reads only columns
/// that exist since schema 2, so it upgrades any older file the same way.
pub(super) fn backfill(tx: &Connection) -> Result<()> {
    tx.execute("DELETE FROM run_rollup", [])?;
    tx.execute("DELETE FROM checkpoint_rollup", [])?;
    let mut rollup = Rollup::default();
    {
        let mut stmt = tx.prepare(
            "SELECT substr(started_at, 1, 10), mode, break_type, tier, decision, COUNT(*), SUM(agents_invoked), SUM(agents_planned),
                    SUM(early_exit IS NOT NULL), SUM(wall_us), SUM(COALESCE(modelled_ms, 0)), group_concat(COALESCE(modelled_cost, '0'), ' ')
             FROM runs GROUP BY 1, 2, 3, 4, 5",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let costs: String = r.get(11)?;
            let cost = costs.split(' ').try_fold(Decimal::ZERO, add_cost)?;
            rollup.groups.insert(
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?),
                Sums {
                    runs: r.get(5)?,
                    agents_invoked: r.get(6)?,
                    agents_planned: r.get(7)?,
                    early_exits: r.get(8)?,
                    wall_us: r.get(9)?,
                    modelled_ms: r.get(10)?,
                    modelled_cost: cost,
                    llm_runs: 0,
                    measured_cost: Decimal::ZERO,
                },
            );
        }
    }
    {
        let mut stmt = tx.prepare(
            "SELECT substr(r.started_at, 1, 10), r.break_type, c.checkpoint_id, c.after_agent, COUNT(*), SUM(c.fired)
             FROM run_checkpoints c JOIN runs r ON r.run_id = c.run_id GROUP BY 1, 2, 3, 4",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            rollup.checkpoints.insert((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?), (r.get(4)?, r.get(5)?));
        }
    }
    rollup.apply(tx)
}
