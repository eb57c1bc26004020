//! The shapes that cross to the front end. Ids and counts are strings or i32 and times are ISO
//! 8601 strings or f64 microseconds (TypeScript has no 64-bit integers); money is decimal text.

use reconagent_engine::graph::{ExecutionGraph, NodeRecord};
use serde::{Deserialize, Serialize};
use specta::Type;

#[derive(Debug, Clone, Serialize, Type)]
pub struct BreakRow {
    pub break_id: String,
    pub break_type: String,
    pub counterparty: Option<String>,
    pub amount: String,
    pub currency: String,
    pub status: String,
    pub tier: Option<String>,
    pub decision: Option<String>,
    pub assignee: Option<String>,
    pub sla_deadline: Option<String>,
    pub detected_at: Option<String>,
}

impl From<reconagent_store::BreakRow> for BreakRow {
    fn from(r: reconagent_store::BreakRow) -> BreakRow {
        BreakRow {
            break_id: r.break_id,
            break_type: r.break_type,
            counterparty: r.counterparty,
            amount: r.amount,
            currency: r.currency,
            status: r.status,
            tier: r.tier,
            decision: r.decision,
            assignee: r.assignee,
            sla_deadline: r.sla_deadline,
            detected_at: r.detected_at,
        }
    }
}

/// Queue filters; empty means any.
#[derive(Debug, Clone, Default, Deserialize, Type)]
pub struct QueueQuery {
    pub break_type: Option<String>,
    pub tier: Option<String>,
    pub status: Option<String>,
    /// Only the breaks waiting for a person: PENDING_REVIEW or ESCALATED.
    #[serde(default)]
    pub awaiting_review: bool,
    pub decision: Option<String>,
    pub assignee: Option<String>,
    pub search: Option<String>,
    pub min_age_days: Option<i32>,
    pub max_age_days: Option<i32>,
    /// break_id, detected_at, tier, status, sla_deadline, counterparty, or priority (the most
    /// severe tier, then the soonest SLA deadline)
    pub sort: Option<String>,
    pub descending: bool,
    pub offset: i32,
    pub limit: i32,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct QueuePage {
    pub rows: Vec<BreakRow>,
    pub total: i32,
    pub offset: i32,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct SideDto {
    pub reference: Option<String>,
    pub amount: Option<String>,
    pub quantity: Option<String>,
    pub price: Option<String>,
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

#[derive(Debug, Clone, Serialize, Type)]
pub struct BreakDto {
    pub break_id: String,
    pub break_type: String,
    pub asset_class: Option<String>,
    pub amount: String,
    pub currency: String,
    pub trade_date: Option<String>,
    pub detected_at: Option<String>,
    pub counterparty: Option<String>,
    pub account: Option<String>,
    pub instrument_id: Option<String>,
    pub description: Option<String>,
    pub internal: SideDto,
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

#[derive(Debug, Clone, Serialize, Type)]
pub struct ProfileDto {
    pub exposure: String,
    pub base_currency: String,
    pub tier: String,
    pub exposure_tier: String,
    pub age_days: i32,
    pub materiality: i32,
    pub urgency: i32,
    pub hints: Vec<String>,
    pub asset_class: String,
    /// Where the exposure figure comes from, in words (`ExposureBasis::describe`).
    pub exposure_basis: String,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct NodeDto {
    pub agent: String,
    /// COMPLETED, FAILED, TIMED_OUT, CANCELLED, SKIPPED
    pub status: String,
    pub planned: bool,
    pub depends_on: Vec<String>,
    pub started_us: Option<f64>,
    pub finished_us: Option<f64>,
    pub waited_us: f64,
    pub attempts: i32,
    /// The agent's output, pretty JSON.
    pub output: Option<String>,
    pub error: Option<String>,
    /// A readable reason, and its kind (NOT_IN_POLICY, EARLY_EXIT, UPSTREAM_FAILED, BATCH_CANCELLED).
    pub skip_reason: Option<String>,
    pub skip_kind: Option<String>,
}

impl From<&NodeRecord> for NodeDto {
    fn from(n: &NodeRecord) -> NodeDto {
        use reconagent_engine::graph::SkipReason as S;
        NodeDto {
            agent: n.agent.to_string(),
            status: serde_json::to_value(n.status).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(),
            planned: n.planned,
            depends_on: n.depends_on.iter().map(|a| a.to_string()).collect(),
            started_us: n.started_us.map(|v| v as f64),
            finished_us: n.finished_us.map(|v| v as f64),
            waited_us: n.waited_us as f64,
            attempts: n.attempts as i32,
            output: n.output.as_ref().and_then(|o| serde_json::to_string_pretty(&**o).ok()),
            error: n.error.clone(),
            skip_reason: n.skip_reason.as_ref().map(|r| r.to_string()),
            skip_kind: n.skip_reason.as_ref().map(|r| {
                match r {
                    S::NotInPolicy { .. } => "NOT_IN_POLICY",
                    S::EarlyExit { .. } => "EARLY_EXIT",
                    S::UpstreamFailed { .. } => "UPSTREAM_FAILED",
                    S::BatchCancelled => "BATCH_CANCELLED",
                }
                .to_string()
            }),
        }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct CheckpointDto {
    pub id: String,
    pub after_agent: String,
    pub condition: String,
    pub fired: bool,
    pub error: Option<String>,
    pub at_us: f64,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct DecisionDto {
    pub action: String,
    pub confidence: f64,
    pub rationale: Vec<String>,
    /// "checkpoint X after Y", "agent DECISIONING", "policy fallback", "fail-safe"
    pub decided_by: String,
    pub at: String,
    /// Why the run was held for a person instead of auto-resolving (safety invariant S1), in the
    /// engine's words; empty for a clean run.
    pub holds: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct RunDto {
    pub run_id: String,
    pub mode: String,
    pub policy_key: String,
    pub policy_version: String,
    pub started_at: String,
    pub wall_us: f64,
    pub max_parallel: i32,
    pub agents_planned: i32,
    pub agents_invoked: i32,
    pub emulated_latency: bool,
    pub profile: ProfileDto,
    pub nodes: Vec<NodeDto>,
    pub checkpoints: Vec<CheckpointDto>,
    pub decision: DecisionDto,
}

impl RunDto {
    pub fn new(run_id: i64, g: &ExecutionGraph) -> RunDto {
        let p = &g.profile;
        RunDto {
            run_id: run_id.to_string(),
            mode: g.mode.as_str().to_string(),
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
                tier: p.tier.to_string(),
                exposure_tier: p.exposure_tier.to_string(),
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
                    after_agent: c.after_agent.to_string(),
                    condition: c.condition.clone(),
                    fired: c.fired,
                    error: c.error.clone(),
                    at_us: c.at_us as f64,
                })
                .collect(),
            decision: DecisionDto {
                action: g.decision.action.to_string(),
                confidence: g.decision.confidence,
                rationale: g.decision.rationale.clone(),
                decided_by: g.decision.decided_by.to_string(),
                at: g.decision.at.to_rfc3339(),
                holds: g.decision.holds.iter().map(|h| h.to_string()).collect(),
            },
        }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct ActionDto {
    pub kind: String,
    pub actor: String,
    pub at: String,
    pub decision: Option<String>,
    pub reason: Option<String>,
    pub assignee: Option<String>,
    pub comment: Option<String>,
}

impl From<reconagent_store::ActionRow> for ActionDto {
    fn from(a: reconagent_store::ActionRow) -> ActionDto {
        ActionDto { kind: a.kind, actor: a.actor, at: a.at, decision: a.decision, reason: a.reason, assignee: a.assignee, comment: a.comment }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct BreakDetail {
    pub brk: BreakDto,
    pub status: String,
    pub assignee: Option<String>,
    /// Oldest first.
    pub runs: Vec<RunDto>,
    pub actions: Vec<ActionDto>,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct RowErrorDto {
    pub row: i32,
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct ImportSummary {
    pub source: String,
    pub inserted: i32,
    pub already_present: i32,
    pub errors: Vec<RowErrorDto>,
}

/// Progress of a long task, pushed as an event.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
pub struct Progress {
    pub task: String,
    pub done: i32,
    pub total: i32,
    pub current: String,
    pub eta_seconds: f64,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct ProcessSummary {
    pub processed: i32,
    pub not_started: i32,
    pub cancelled: bool,
    /// Selected breaks waiting for a person that a v2 batch left as they are (re-deciding them
    /// needs the explicit re-run).
    pub waiting_left: i32,
    /// Breaks another process was running (or had already recorded), left to it.
    pub claimed_elsewhere: i32,
}

/// A person's action on a break.
#[derive(Debug, Clone, Deserialize, Type)]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReviewAction {
    Accept,
    Override { decision: String, reason: String },
    Assign { assignee: String },
    Comment { text: String },
    Resolve { comment: String },
}

#[derive(Debug, Clone, Default, Deserialize, Type)]
pub struct StatsQuery {
    /// YYYY-MM-DD, inclusive
    pub from: Option<String>,
    pub to: Option<String>,
    pub break_type: Option<String>,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct GroupStatsDto {
    pub mode: String,
    pub break_type: String,
    pub tier: String,
    pub runs: i32,
    pub agents_invoked: f64,
    pub agents_planned: f64,
    pub early_exit_rate: f64,
    pub mean_wall_us: f64,
    pub mean_modelled_ms: f64,
    pub mean_modelled_cost: String,
    pub auto_resolve: i32,
    pub hil_review: i32,
    pub escalate: i32,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct CheckpointRateDto {
    pub checkpoint_id: String,
    pub after_agent: String,
    pub evaluated: i32,
    pub fired: i32,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct DayCountDto {
    pub day: String,
    pub mode: String,
    pub runs: i32,
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
    pub v2_runs: i32,
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
    pub v1_modelled_cost: String,
    /// False when no v1 run is in the range and the v1 figures are the model's.
    pub v1_measured: bool,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct EfficiencyDto {
    pub headline: HeadlineDto,
    pub groups: Vec<GroupStatsDto>,
    pub checkpoints: Vec<CheckpointRateDto>,
    pub per_day: Vec<DayCountDto>,
}

/// What the queue's and the dashboard's filters offer, from the Rust enums and the store.
#[derive(Debug, Clone, Serialize, Type)]
pub struct FilterOptions {
    /// The types the policies know by name, then any other type present in the store.
    pub break_types: Vec<String>,
    pub tiers: Vec<String>,
    /// Statuses a break can be stored with (PROCESSING is never stored).
    pub statuses: Vec<String>,
    pub decisions: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Type)]
pub struct AuditQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub kind: Option<String>,
    pub offset: i32,
    pub limit: i32,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct AuditEntryDto {
    pub seq: i32,
    pub at: String,
    pub kind: String,
    pub actor: String,
    pub subject: String,
    pub payload: String,
    pub hash: String,
}

impl From<reconagent_store::AuditRow> for AuditEntryDto {
    fn from(r: reconagent_store::AuditRow) -> AuditEntryDto {
        AuditEntryDto { seq: r.seq as i32, at: r.at, kind: r.kind, actor: r.actor, subject: r.subject, payload: r.payload, hash: r.hash }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct VerificationDto {
    pub entries: i32,
    pub head: String,
    pub ok: bool,
    pub first_bad_seq: Option<i32>,
    pub first_bad_reason: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Type)]
pub struct ExportRequest {
    pub from: String,
    pub to: String,
    pub break_type: Option<String>,
    /// csv, xlsx, json, html
    pub format: String,
    pub path: String,
    /// Replace an existing file (the person confirmed); without it an existing file is a
    /// `CONFLICT` error.
    pub overwrite: bool,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct ExportSummary {
    pub path: String,
    pub breaks: i32,
    pub runs: i32,
    pub chain_ok: bool,
    pub chain_head: String,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct AppInfo {
    pub database: String,
    pub actor: String,
    pub policy_source: String,
    pub policy_version: String,
    pub breaks: i32,
    pub new_breaks: i32,
    /// Set when the sample breaks were loaded at start because the database was empty.
    pub loaded_sample: bool,
}
