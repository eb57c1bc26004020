//! Read models for the screens: a break's history, the audit log by period and kind, and the
//! efficiency aggregates (v1 vs v2) that the dashboard and `reconagent compare` report.

use crate::error::Result;
use crate::Store;
use rusqlite::params;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionRow {
    pub action_id: i64,
    pub kind: String,
    pub actor: String,
    pub at: String,
    pub decision: Option<String>,
    pub reason: Option<String>,
    pub assignee: Option<String>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub kind: String,
    pub actor: String,
    pub subject: String,
    pub payload: String,
    pub hash: String,
}

/// Which runs the aggregates cover; `None` means any. Times are ISO 8601 UTC prefixes compared
/// as text (`2026-11-20` covers the day).
#[derive(Debug, Clone, Default)]
pub struct EfficiencyFilter {
    pub from: Option<String>,
    pub to: Option<String>,
    pub break_type: Option<String>,
}

/// One group (mode, type, tier) of runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupStats {
    pub mode: String,
    pub break_type: String,
    pub tier: String,
    pub runs: u64,
    pub agents_invoked: f64,
    pub agents_planned: f64,
    pub early_exit_rate: f64,
    pub mean_wall_us: f64,
    /// Mean modelled time with the seed's latency profile (ms).
    pub mean_modelled_ms: f64,
    /// Mean modelled cost with the seed's cost model (USD).
    pub mean_modelled_cost: Decimal,
    /// decision -> count
    pub decisions: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckpointRate {
    pub checkpoint_id: String,
    pub after_agent: String,
    pub evaluated: u64,
    pub fired: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayCount {
    pub day: String,
    pub mode: String,
    pub runs: u64,
    pub auto_resolved: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Efficiency {
    pub groups: Vec<GroupStats>,
    pub checkpoints: Vec<CheckpointRate>,
    pub per_day: Vec<DayCount>,
}

fn bounds(f: &EfficiencyFilter) -> (String, String) {
    // `to` is inclusive of the whole day: compare against the next character after the prefix.
    (f.from.clone().unwrap_or_default(), f.to.clone().map(|t| format!("{t}\u{10FFFF}")).unwrap_or_else(|| "\u{10FFFF}".into()))
}

impl Store {
    /// Human actions on a break, oldest first.
    pub fn actions_of(&self, break_id: &str) -> Result<Vec<ActionRow>> {
        let conn = self.reader()?;
        let mut stmt =
            conn.prepare("SELECT action_id, kind, actor, at, decision, reason, assignee, comment FROM actions WHERE break_id = ?1 ORDER BY action_id")?;
        let rows = stmt.query_map([break_id], |r| {
            Ok(ActionRow {
                action_id: r.get(0)?,
                kind: r.get(1)?,
                actor: r.get(2)?,
                at: r.get(3)?,
                decision: r.get(4)?,
                reason: r.get(5)?,
                assignee: r.get(6)?,
                comment: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Audit entries in `[from, to]` (ISO 8601 prefixes), optionally of one kind, newest first.
    pub fn audit_entries(&self, from: Option<&str>, to: Option<&str>, kind: Option<&str>, limit: u32, offset: u32) -> Result<Vec<AuditRow>> {
        let (lo, hi) = bounds(&EfficiencyFilter { from: from.map(str::to_string), to: to.map(str::to_string), break_type: None });
        let conn = self.reader()?;
        let mut stmt = conn.prepare(
            "SELECT seq, at, kind, actor, subject, payload, hash FROM audit_log
             WHERE at >= ?1 AND at <= ?2 AND (?3 IS NULL OR kind = ?3) ORDER BY seq DESC LIMIT ?4 OFFSET ?5",
        )?;
        let rows = stmt.query_map(params![lo, hi, kind, limit.clamp(1, 10_000), offset], |r| {
            Ok(AuditRow { seq: r.get(0)?, at: r.get(1)?, kind: r.get(2)?, actor: r.get(3)?, subject: r.get(4)?, payload: r.get(5)?, hash: r.get(6)? })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Efficiency aggregates over the runs in the filter.
    pub fn efficiency(&self, f: &EfficiencyFilter) -> Result<Efficiency> {
        let conn = self.reader()?;
        let (lo, hi) = bounds(f);
        let ty = f.break_type.clone();
        let mut groups: BTreeMap<(String, String, String), GroupStats> = BTreeMap::new();
        {
            let mut stmt = conn.prepare(
                "SELECT mode, break_type, tier, COUNT(*), AVG(agents_invoked), AVG(agents_planned), AVG(early_exit IS NOT NULL),
                        AVG(wall_us), AVG(modelled_ms), group_concat(modelled_cost, ' ')
                 FROM runs WHERE started_at >= ?1 AND started_at <= ?2 AND (?3 IS NULL OR break_type = ?3)
                 GROUP BY mode, break_type, tier",
            )?;
            let mut rows = stmt.query(params![lo, hi, ty])?;
            while let Some(r) = rows.next()? {
                let runs: u64 = r.get(3)?;
                // Sum decimal text exactly rather than averaging floats.
                let costs: Option<String> = r.get(9)?;
                let total: Decimal = costs.unwrap_or_default().split(' ').filter_map(|c| Decimal::from_str(c).ok()).sum();
                let g = GroupStats {
                    mode: r.get(0)?,
                    break_type: r.get(1)?,
                    tier: r.get(2)?,
                    runs,
                    agents_invoked: r.get(4)?,
                    agents_planned: r.get(5)?,
                    early_exit_rate: r.get(6)?,
                    mean_wall_us: r.get(7)?,
                    mean_modelled_ms: r.get::<_, Option<f64>>(8)?.unwrap_or(0.0),
                    mean_modelled_cost: (total / Decimal::from(runs.max(1))).round_dp(5),
                    decisions: BTreeMap::new(),
                };
                groups.insert((g.mode.clone(), g.break_type.clone(), g.tier.clone()), g);
            }
        }
        {
            let mut stmt = conn.prepare(
                "SELECT mode, break_type, tier, decision, COUNT(*) FROM runs
                 WHERE started_at >= ?1 AND started_at <= ?2 AND (?3 IS NULL OR break_type = ?3) GROUP BY 1, 2, 3, 4",
            )?;
            let mut rows = stmt.query(params![lo, hi, ty])?;
            while let Some(r) = rows.next()? {
                let key = (r.get(0)?, r.get(1)?, r.get(2)?);
                if let Some(g) = groups.get_mut(&key) {
                    g.decisions.insert(r.get(3)?, r.get(4)?);
                }
            }
        }
        let mut checkpoints = Vec::new();
        {
            let mut stmt = conn.prepare(
                "SELECT c.checkpoint_id, c.after_agent, COUNT(*), SUM(c.fired) FROM run_checkpoints c JOIN runs r ON r.run_id = c.run_id
                 WHERE r.started_at >= ?1 AND r.started_at <= ?2 AND (?3 IS NULL OR r.break_type = ?3) GROUP BY 1, 2 ORDER BY 1",
            )?;
            let rows = stmt.query_map(params![lo, hi, ty], |r| {
                Ok(CheckpointRate { checkpoint_id: r.get(0)?, after_agent: r.get(1)?, evaluated: r.get(2)?, fired: r.get(3)? })
            })?;
            for c in rows {
                checkpoints.push(c?);
            }
        }
        let mut per_day = Vec::new();
        {
            let mut stmt = conn.prepare(
                "SELECT substr(started_at, 1, 10), mode, COUNT(*), SUM(decision = 'AUTO_RESOLVE') FROM runs
                 WHERE started_at >= ?1 AND started_at <= ?2 AND (?3 IS NULL OR break_type = ?3) GROUP BY 1, 2 ORDER BY 1, 2",
            )?;
            let rows = stmt.query_map(params![lo, hi, ty], |r| Ok(DayCount { day: r.get(0)?, mode: r.get(1)?, runs: r.get(2)?, auto_resolved: r.get(3)? }))?;
            for d in rows {
                per_day.push(d?);
            }
        }
        Ok(Efficiency { groups: groups.into_values().collect(), checkpoints, per_day })
    }
}
