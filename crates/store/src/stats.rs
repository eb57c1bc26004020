//! Read models for the screens: a break's history, the audit log by period and kind, and the
//! efficiency aggregates (v1 vs v2) that the dashboard and `reconagent compare` report.

use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

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

/// The filter's bounds as text to compare ISO 8601 times with: `to` covers its whole day.
pub(crate) fn bounds(f: &EfficiencyFilter) -> (String, String) {
    // `to` is inclusive of the whole day: compare against the next character after the prefix.
    (f.from.clone().unwrap_or_default(), f.to.clone().map(|t| format!("{t}\u{10FFFF}")).unwrap_or_else(|| "\u{10FFFF}".into()))
}

