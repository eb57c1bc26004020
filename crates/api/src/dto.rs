//! The shapes that cross to the front end, where they differ from the engine's and the store's
//! own types (those that do not differ cross as they are: [`BreakRow`], [`HumanAction`],
//! [`ActionRow`], [`AuditRow`] and the enums). Enums cross as enums, so the generated TypeScript
//! has their values as unions and a renamed value fails the front end's type check. Ids and
//! counts are strings or i32 and times are ISO 8601 strings or f64 microseconds (TypeScript has
//! no 64-bit integers); money is decimal text.

use reconagent_engine::graph::{ExecutionGraph, NodeRecord, NodeStatus, SkipKind};
use reconagent_engine::{AgentKind, DecisionAction, RiskTier};
use reconagent_store::export::ExportFormat;
use reconagent_store::{EventKind, QueueSort};
use serde::{Deserialize, Serialize};
use specta::Type;

pub use reconagent_engine::graph::RunMode;
pub use reconagent_store::{ActionRow, AuditRow, BreakRow, BreakStatus, HumanAction};

/// Queue filters; empty means any.
#[derive(Debug, Clone, Default, Deserialize, Type)]
pub struct QueueQuery {
    /// One break type.
    pub break_type: Option<String>,
    /// One tier.
    pub tier: Option<RiskTier>,
    /// One status.
    pub status: Option<BreakStatus>,
    /// Only the breaks waiting for a person: PENDING_REVIEW or ESCALATED.
    #[serde(default)]
    pub awaiting_review: bool,
    /// One decision of the latest run.
    pub decision: Option<DecisionAction>,
    /// One assignee.
    pub assignee: Option<String>,
    /// The start of the id or the counterparty, any case.
    pub search: Option<String>,
    /// Only breaks detected at least this many days ago.
    pub min_age_days: Option<i32>,
    /// Only breaks detected at most this many days ago.
    pub max_age_days: Option<i32>,
    /// The order (break id when not given).
    pub sort: Option<QueueSort>,
    /// Reverse the order.
    pub descending: bool,
    /// Rows before the page.
    pub offset: i32,
    /// Rows in the page (1 to 10,000).
    pub limit: i32,
}

/// One page of the queue.
#[derive(Debug, Clone, Serialize, Type)]
pub struct QueuePage {
    /// The rows.
    pub rows: Vec<BreakRow>,
    /// Every break matching the filter.
    pub total: i32,
    /// Rows before this page.
    pub offset: i32,
}

/// One side of a break (internal or external), decimals as text.
#[derive(Debug, Clone, Serialize, Type)]
pub struct SideDto {
    /// The side's own reference.
    pub reference: Option<String>,
    /// Decimal text.
    pub amount: Option<String>,
    /// Decimal text.
    pub quantity: Option<String>,
    /// Decimal text.
    pub price: Option<String>,
    /// YYYY-MM-DD.
    pub settle_date: Option<String>,
}

impl From<&reconagent_engine::SideRecord> for SideDto {
    fn from(s: &reconagent_engine::SideRecord) -> SideDto {
        SideDto {
            reference: s.reference.clone(),
            amount: s.amount.map(|d| d.to_string()),
            quantity: s.quantity.map(|d| d.to_string()),
            price: s.price.map(|d| d.to_string()),
            settle_date: s.settle_date.map(|d| d.to_string()),
        }
    }
}

/// A break's contents, decimals and dates as text.
#[derive(Debug, Clone, Serialize, Type)]
pub struct BreakDto {
    /// Its id.
    pub break_id: String,
    /// Its type (the policies' key).
    pub break_type: String,
    /// Asset class, when given.
    pub asset_class: Option<String>,
    /// Declared amount, decimal text.
    pub amount: String,
    /// ISO 4217 code.
    pub currency: String,
    /// YYYY-MM-DD.
    pub trade_date: Option<String>,
    /// ISO 8601, UTC.
    pub detected_at: Option<String>,
    /// Counterparty name.
    pub counterparty: Option<String>,
    /// Account.
    pub account: Option<String>,
    /// Instrument (ISIN, ticker...).
    pub instrument_id: Option<String>,
    /// Free text from the source system.
    pub description: Option<String>,
    /// The internal record.
    pub internal: SideDto,
    /// The external record.
    pub external: SideDto,
}

impl From<&reconagent_engine::Break> for BreakDto {
    fn from(b: &reconagent_engine::Break) -> BreakDto {
        BreakDto {
            break_id: b.break_id.clone(),
            break_type: b.break_type.to_string(),
            asset_class: b.asset_class.clone(),
            amount: b.amount.to_string(),
            currency: b.currency.clone(),
            trade_date: b.trade_date.map(|d| d.to_string()),
            detected_at: b.detected_at.map(|t| t.to_rfc3339()),
            counterparty: b.counterparty.clone(),
            account: b.account.clone(),
            instrument_id: b.instrument_id.clone(),
            description: b.description.clone(),
            internal: (&b.internal).into(),
            external: (&b.external).into(),
        }
    }
}

/// What the classifier made of a break.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ProfileDto {
    /// Exposure in the base currency, decimal text.
    pub exposure: String,
    /// The base currency.
    pub base_currency: String,
    /// The tier the break was given.
    pub tier: RiskTier,
    /// The tier its exposure alone gives.
    pub exposure_tier: RiskTier,
    /// Days since it was detected.
    pub age_days: i32,
    /// 0 to 100.
    pub materiality: i32,
    /// 0 to 100.
    pub urgency: i32,
    /// Routing hints, by name.
    pub hints: Vec<String>,
    /// Asset class used for the multiplier.
    pub asset_class: String,
    /// Where the exposure figure comes from, in words (`ExposureBasis::describe`).
    pub exposure_basis: String,
}

/// One agent in one run.
#[derive(Debug, Clone, Serialize, Type)]
pub struct NodeDto {
    /// Which agent.
    pub agent: AgentKind,
    /// Where it ended.
    pub status: NodeStatus,
    /// Whether the policy's plan includes it.
    pub planned: bool,
    /// The agents it waits for.
    pub depends_on: Vec<AgentKind>,
    /// Microseconds from the run's start.
    pub started_us: Option<f64>,
    /// Microseconds from the run's start.
    pub finished_us: Option<f64>,
    /// Time between its dependencies completing and a slot freeing up.
    pub waited_us: f64,
    /// Calls made (retries included).
    pub attempts: i32,
    /// The agent's output, pretty JSON.
    pub output: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// Why it was skipped, in words.
    pub skip_reason: Option<String>,
    /// Why it was skipped, as a kind.
    pub skip_kind: Option<SkipKind>,
}

impl From<&NodeRecord> for NodeDto {
    fn from(n: &NodeRecord) -> NodeDto {
        NodeDto {
            agent: n.agent,
            status: n.status,
            planned: n.planned,
            depends_on: n.depends_on.clone(),
            started_us: n.started_us.map(|v| v as f64),
            finished_us: n.finished_us.map(|v| v as f64),
            waited_us: n.waited_us as f64,
            attempts: n.attempts as i32,
            output: n.output.as_ref().and_then(|o| serde_json::to_string_pretty(&**o).ok()),
            error: n.error.clone(),
            skip_reason: n.skip_reason.as_ref().map(|r| r.to_string()),
            skip_kind: n.skip_reason.as_ref().map(|r| r.kind()),
        }
    }
}

/// A checkpoint that was tested.
#[derive(Debug, Clone, Serialize, Type)]
pub struct CheckpointDto {
    /// Its id in the policy.
    pub id: String,
    /// The agent it follows.
    pub after_agent: AgentKind,
    /// Its CEL condition.
    pub condition: String,
    /// Whether it decided the break.
    pub fired: bool,
    /// Why it could not be evaluated (the run then went to a person).
    pub error: Option<String>,
    /// Microseconds from the run's start.
    pub at_us: f64,
}

/// What a run decided.
#[derive(Debug, Clone, Serialize, Type)]
pub struct DecisionDto {
    /// The decision.
    pub action: DecisionAction,
    /// 0 to 1.
    pub confidence: f64,
    /// Why, in the engine's words.
    pub rationale: Vec<String>,
    /// "checkpoint X after Y", "agent DECISIONING", "policy fallback", "fail-safe"
    pub decided_by: String,
    /// ISO 8601, UTC.
    pub at: String,
    /// Why the run was held for a person instead of auto-resolving (safety invariant S1), in the
    /// engine's words; empty for a clean run.
    pub holds: Vec<String>,
}

/// One run of a break: its execution graph.
#[derive(Debug, Clone, Serialize, Type)]
pub struct RunDto {
    /// Its id.
    pub run_id: String,
    /// v1 (a comparison) or v2.
    pub mode: RunMode,
    /// The policy (type x tier) it ran under.
    pub policy_key: String,
    /// The policy version's content hash.
    pub policy_version: String,
    /// ISO 8601, UTC.
    pub started_at: String,
    /// Real time taken.
    pub wall_us: f64,
    /// The policy's parallelism limit.
    pub max_parallel: i32,
    /// Agents in the plan.
    pub agents_planned: i32,
    /// Agents started.
    pub agents_invoked: i32,
    /// Whether agents had emulated latency.
    pub emulated_latency: bool,
    /// The classifier's view.
    pub profile: ProfileDto,
    /// All seven agents.
    pub nodes: Vec<NodeDto>,
    /// The checkpoints tested, in order.
    pub checkpoints: Vec<CheckpointDto>,
    /// What it decided.
    pub decision: DecisionDto,
}

impl RunDto {
    /// The graph of run `run_id`.
    pub fn new(run_id: i64, g: &ExecutionGraph) -> RunDto {
        let p = &g.profile;
        RunDto {
            run_id: run_id.to_string(),
            mode: g.mode,
            policy_key: g.policy_key.clone(),
            policy_version: g.policy_version.clone(),
            started_at: g.started_at.to_rfc3339(),
            wall_us: g.wall_us as f64,
            max_parallel: g.max_parallel as i32,
            agents_planned: g.agents_planned() as i32,
            agents_invoked: g.agents_invoked() as i32,
            emulated_latency: g.emulated_latency.is_some(),
            profile: ProfileDto {
                exposure: p.exposure.to_string(),
                base_currency: p.base_currency.clone(),
                tier: p.tier,
                exposure_tier: p.exposure_tier,
                age_days: p.age_days as i32,
                materiality: p.materiality.into(),
                urgency: p.urgency.into(),
                hints: p.hints.iter().map(|h| h.as_str().to_string()).collect(),
                asset_class: p.asset_class.clone(),
                exposure_basis: p.exposure_basis.describe().to_string(),
            },
            nodes: g.nodes.iter().map(NodeDto::from).collect(),
            checkpoints: g
                .checkpoints
                .iter()
                .map(|c| CheckpointDto {
                    id: c.id.clone(),
                    after_agent: c.after_agent,
                    condition: c.condition.clone(),
                    fired: c.fired,
                    error: c.error.clone(),
                    at_us: c.at_us as f64,
                })
                .collect(),
            decision: DecisionDto {
                action: g.decision.action,
                confidence: g.decision.confidence,
                rationale: g.decision.rationale.clone(),
                decided_by: g.decision.decided_by.to_string(),
                at: g.decision.at.to_rfc3339(),
                holds: g.decision.holds.iter().map(|h| h.to_string()).collect(),
            },
        }
    }
}

/// One break with everything the detail screen shows.
#[derive(Debug, Clone, Serialize, Type)]
pub struct BreakDetail {
    /// Its contents.
    pub brk: BreakDto,
    /// Where it is.
    pub status: BreakStatus,
    /// Who has it.
    pub assignee: Option<String>,
    /// Oldest first.
    pub runs: Vec<RunDto>,
    /// Oldest first.
    pub actions: Vec<ActionRow>,
}

/// A rejected row of an imported file.
#[derive(Debug, Clone, Serialize, Type)]
pub struct RowErrorDto {
    /// 1-based row (0 for the file as a whole).
    pub row: i32,
    /// The field at fault.
    pub field: String,
    /// Why.
    pub message: String,
}

/// What an import did.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ImportSummary {
    /// The file (or "bundled sample").
    pub source: String,
    /// Breaks stored.
    pub inserted: i32,
    /// Breaks already stored.
    pub already_present: i32,
    /// Rejected rows (the first thousand; then one line counting the rest).
    pub errors: Vec<RowErrorDto>,
}

/// Long work that reports progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// Importing a break file.
    Import,
    /// Running and recording a batch.
    Process,
    /// Writing an audit report.
    Export,
    /// Replaying breaks under a draft policy.
    Simulate,
}

/// Progress of a long task, pushed as an event.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
pub struct Progress {
    /// Which task.
    pub task: Task,
    /// Units done.
    pub done: i32,
    /// Units in all (0 while unknown).
    pub total: i32,
    /// What it is working on, in words.
    pub current: String,
    /// Seconds left at the rate so far.
    pub eta_seconds: f64,
}

/// What a batch did.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ProcessSummary {
    /// Runs recorded.
    pub processed: i32,
    /// Breaks not started (cancelled).
    pub not_started: i32,
    /// Whether it was cancelled.
    pub cancelled: bool,
    /// Selected breaks waiting for a person that a v2 batch left as they are (re-deciding them
    /// needs the explicit re-run).
    pub waiting_left: i32,
    /// Breaks another process was running (or had already recorded), left to it.
    pub claimed_elsewhere: i32,
}

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
    /// Runs that decided AUTO_RESOLVE.
    pub auto_resolve: i32,
    /// Runs that decided HIL_REVIEW.
    pub hil_review: i32,
    /// Runs that decided ESCALATE.
    pub escalate: i32,
}

/// How often a checkpoint fired.
#[derive(Debug, Clone, Serialize, Type)]
pub struct CheckpointRateDto {
    /// Its id.
    pub checkpoint_id: String,
    /// The agent it follows.
    pub after_agent: AgentKind,
    /// Times tested.
    pub evaluated: i32,
    /// Times it decided.
    pub fired: i32,
}

/// Runs per day and mode.
#[derive(Debug, Clone, Serialize, Type)]
pub struct DayCountDto {
    /// YYYY-MM-DD (UTC).
    pub day: String,
    /// v1 or v2.
    pub mode: RunMode,
    /// Runs that day.
    pub runs: i32,
    /// Of those, AUTO_RESOLVE.
    pub auto_resolved: i32,
}

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
}

/// Everything the dashboard shows.
#[derive(Debug, Clone, Serialize, Type)]
pub struct EfficiencyDto {
    /// The headline figures.
    pub headline: HeadlineDto,
    /// Per mode, type and tier.
    pub groups: Vec<GroupStatsDto>,
    /// Per checkpoint.
    pub checkpoints: Vec<CheckpointRateDto>,
    /// Per day and mode.
    pub per_day: Vec<DayCountDto>,
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
}

/// The audit log's filter and page.
#[derive(Debug, Clone, Default, Deserialize, Type)]
pub struct AuditQuery {
    /// ISO 8601 prefix, inclusive.
    pub from: Option<String>,
    /// ISO 8601 prefix, inclusive (a date covers its day).
    pub to: Option<String>,
    /// One kind.
    pub kind: Option<EventKind>,
    /// Entries before the page (newest first).
    pub offset: i32,
    /// Entries in the page (1 to 10,000).
    pub limit: i32,
}

/// The result of verifying the audit log.
#[derive(Debug, Clone, Serialize, Type)]
pub struct VerificationDto {
    /// Entries checked.
    pub entries: i32,
    /// The last entry's hash.
    pub head: String,
    /// Whether the chain and the state agree.
    pub ok: bool,
    /// The first entry that does not (0 when it concerns no single entry).
    pub first_bad_seq: Option<i32>,
    /// Why.
    pub first_bad_reason: Option<String>,
}

/// An audit report to write.
#[derive(Debug, Clone, Deserialize, Type)]
pub struct ExportRequest {
    /// YYYY-MM-DD, inclusive.
    pub from: String,
    /// YYYY-MM-DD, inclusive.
    pub to: String,
    /// One break type.
    pub break_type: Option<String>,
    /// The file format.
    pub format: ExportFormat,
    /// Where to write it.
    pub path: String,
    /// Replace an existing file (the person confirmed); without it an existing file is a
    /// `CONFLICT` error.
    pub overwrite: bool,
}

/// What an export wrote.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ExportSummary {
    /// The file.
    pub path: String,
    /// Breaks in it.
    pub breaks: i32,
    /// Runs in it.
    pub runs: i32,
    /// Whether the chain verified when it was gathered.
    pub chain_ok: bool,
    /// The chain's head then.
    pub chain_head: String,
}

/// What the title bar and status line show.
#[derive(Debug, Clone, Serialize, Type)]
pub struct AppInfo {
    /// Where the data is.
    pub database: String,
    /// Who acts.
    pub actor: String,
    /// The policy file in force.
    pub policy_source: String,
    /// Its content hash.
    pub policy_version: String,
    /// Breaks stored.
    pub breaks: i32,
    /// Of those, NEW.
    pub new_breaks: i32,
    /// Set when the sample breaks were loaded at start because the database was empty.
    pub loaded_sample: bool,
}
