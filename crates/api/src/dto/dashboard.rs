//! The dashboard: efficiency figures and the filters' choices.

use reconagent_engine::graph::RunMode;
use reconagent_engine::{AgentKind, DecisionAction, RiskTier};
use reconagent_store::export::ExportFormat;
use reconagent_store::{BreakStatus, EventKind};
use serde::{Deserialize, Serialize};
use specta::Type;

/// The dashboard's filter.
#[derive(Debug, Clone, Default, Deserialize, Type)]
pub struct StatsQuery {
    /// YYYY-MM-DD, inclusive
    pub from: Option<String>,
    /// YYYY-MM-DD, inclusive
    pub to: Option<String>,
    /// One break type.
    pub break_type: Option<String>,
}

/// One group (mode, type, tier) of runs on the dashboard.
#[derive(Debug, Clone, Serialize, Type)]
pub struct GroupStatsDto {
    /// v1 or v2.
    pub mode: RunMode,
    /// The break type.
    pub break_type: String,
    /// The tier.
    pub tier: RiskTier,
    /// Runs in the group.
    pub runs: i32,
    /// Mean agents started per run.
    pub agents_invoked: f64,
    /// Mean agents planned per run.
    pub agents_planned: f64,
    /// Share of runs a checkpoint ended early, 0 to 1.
    pub early_exit_rate: f64,
    /// Mean real time.
    pub mean_wall_us: f64,
    /// Mean modelled time (the seed's latency profile).
    pub mean_modelled_ms: f64,
    /// Mean modelled cost, USD to four places.
    pub mean_modelled_cost: String,
    /// Runs that asked a model (model-backed agents).
    pub llm_runs: i32,
    /// Mean measured cost of those runs' model calls (base currency, decimal text), from each
    /// response's usage; `None` when no run of the group asked a model.
    pub mean_measured_cost: Option<String>,
    /// Runs that decided AUTO_RESOLVE.
    pub auto_resolve: i32,
    /// Runs that decided HIL_REVIEW.
    pub hil_review: i32,
    /// Runs that decided ESCALATE.
    pub escalate: i32,
}

pub use reconagent_store::{CheckpointRate, DayCount};

/// A modelled cost as every screen shows it: USD to four places ("0.0600", never "0.06").
pub(crate) fn cost_text(d: rust_decimal::Decimal) -> String {
    let mut d = d.round_dp(4);
    d.rescale(4);
    d.to_string()
}

/// The dashboard's headline figures over the runs in the range, computed here so the UI only
/// shows them.
#[derive(Debug, Clone, Serialize, Type)]
pub struct HeadlineDto {
    /// v2 runs in the range.
    pub v2_runs: i32,
    /// v1 runs in the range.
    pub v1_runs: i32,
    /// Agents invoked per v2 run.
    pub agents_per_break: f64,
    /// Share of v2 runs that a checkpoint ended early, 0 to 1.
    pub early_exit_rate: f64,
    /// Whole milliseconds.
    pub v2_modelled_ms: i32,
    /// USD, decimal.
    pub v2_modelled_cost: String,
    /// The mean over the v1 runs in the range; with none, the model's figure for seven agents in
    /// sequence (see `v1_measured`).
    pub v1_modelled_ms: i32,
    /// USD, decimal (as `v1_modelled_ms`).
    pub v1_modelled_cost: String,
    /// False when no v1 run is in the range and the v1 figures are the model's.
    pub v1_measured: bool,
    /// The policy's base currency, which measured costs are in.
    pub base_currency: String,
    /// v2 runs that asked a model.
    pub v2_llm_runs: i32,
    /// Their mean measured model cost (base currency, decimal text); `None` without any.
    pub v2_measured_cost: Option<String>,
    /// v1 runs that asked a model.
    pub v1_llm_runs: i32,
    /// Their mean measured model cost; `None` without any.
    pub v1_measured_cost: Option<String>,
}

/// Everything the dashboard shows.
#[derive(Debug, Clone, Serialize, Type)]
pub struct EfficiencyDto {
    /// The headline figures.
    pub headline: HeadlineDto,
    /// Per mode, type and tier, in that order (tiers from LOW to CRITICAL).
    pub groups: Vec<GroupStatsDto>,
    /// Per checkpoint.
    pub checkpoints: Vec<CheckpointRate>,
    /// Per day and mode.
    pub per_day: Vec<DayCount>,
}

/// What the filters and pickers offer, from the Rust enums and the store: the front end keeps no
/// list of its own.
#[derive(Debug, Clone, Serialize, Type)]
pub struct FilterOptions {
    /// The types the policies know by name, then any other type present in the store.
    pub break_types: Vec<String>,
    /// LOW to CRITICAL.
    pub tiers: Vec<RiskTier>,
    /// Statuses a break can be stored with (PROCESSING is never stored).
    pub statuses: Vec<BreakStatus>,
    /// Every decision.
    pub decisions: Vec<DecisionAction>,
    /// Every audit event kind.
    pub event_kinds: Vec<EventKind>,
    /// Every report format.
    pub export_formats: Vec<ExportFormat>,
    /// The seven agents, in v1's order.
    pub agents: Vec<AgentKind>,
    /// Who breaks may be assigned to: a team database's people and groups. Empty on a database
    /// of one's own, where any name is taken.
    pub people: Vec<String>,
    /// Who this app acts as.
    pub me: String,
    /// The assignees that are "mine": me, and on a team database each group I am in.
    pub mine: Vec<String>,
    /// The work queues WORKFLOW routes waiting breaks to (each queue, then its seniors).
    pub work_queues: Vec<String>,
}
