//! Runs: a run's execution graph, batches and their progress.

use reconagent_engine::graph::{ExecutionGraph, NodeRecord, NodeStatus, RunMode, SkipKind};
use reconagent_engine::{AgentKind, DecisionAction, RiskTier};
use serde::{Deserialize, Serialize};
use specta::Type;

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
    /// Modelled time (ms): the run as if each invoked agent were a model call with the seed's
    /// latency profile, agents starting as soon as their dependencies finish.
    pub modelled_ms: i32,
    /// Modelled cost (USD, decimal text): the seed's price of each invoked agent's call.
    pub modelled_cost: String,
    /// The modelled run's Gantt: when each invoked agent would start and finish.
    pub modelled: Vec<ModelledSpanDto>,
    /// Each model call of the run (model-backed agents only), in the order made.
    pub llm_calls: Vec<LlmCallDto>,
    /// What the model calls cost, measured from each response's usage (base currency, decimal
    /// text); `None` when the run asked no model.
    pub measured_cost: Option<String>,
}

/// One model call of a run: what was asked of whom, what came of it, what it cost.
#[derive(Debug, Clone, Serialize, Type)]
pub struct LlmCallDto {
    /// The agent that asked.
    pub agent: AgentKind,
    /// The model asked.
    pub model: String,
    /// The request's SHA-256: the key of its stored prompt and answer ([`crate::Core::llm_exchange`]).
    pub request_sha256: String,
    /// Answered, from the cache, failed, refused by a budget, ...
    pub outcome: reconagent_engine::llm::LlmOutcome,
    /// How the model's answer compared with the rules'.
    pub verdict: Option<reconagent_engine::llm::Verdict>,
    /// What the rules decided beside the model (DECISIONING).
    pub rules_action: Option<DecisionAction>,
    /// Tokens sent, from the response's usage.
    pub prompt_tokens: i32,
    /// Tokens answered, from the response's usage.
    pub completion_tokens: i32,
    /// The response gave no usage: tokens estimated from its characters.
    pub usage_estimated: bool,
    /// Base currency, decimal text.
    pub cost: String,
    /// From the request to the answer, retries included.
    pub latency_ms: i32,
    /// HTTP attempts.
    pub attempts: i32,
    /// What happened, in words (a failure, a refusal, how the answers were merged).
    pub note: Option<String>,
    /// The model's text when it was not a valid answer.
    pub raw_answer: Option<String>,
}

/// A model call's stored request and answer.
#[derive(Debug, Clone, Serialize, Type)]
pub struct LlmExchangeDto {
    /// The system message: the prompt template and the answer's schema.
    pub system: String,
    /// The user message: the evidence sent, as JSON (names pseudonymised when the policy asks).
    pub user: String,
    /// The model's answer as received.
    pub answer: String,
    /// ISO 8601, UTC.
    pub at: String,
}

/// One agent in the modelled run.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ModelledSpanDto {
    /// The agent.
    pub agent: AgentKind,
    /// When it would start, ms from the run's start.
    pub start_ms: i32,
    /// When it would finish, ms from the run's start.
    pub finish_ms: i32,
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
            modelled_ms: g.seed_modelled_ms() as i32,
            modelled_cost: g.seed_modelled_cost().to_string(),
            modelled: g
                .modelled_schedule(&reconagent_engine::agents::LatencyProfile::SEED)
                .into_iter()
                .map(|(agent, start, finish)| ModelledSpanDto { agent, start_ms: start as i32, finish_ms: finish as i32 })
                .collect(),
            llm_calls: g
                .llm_calls
                .iter()
                .map(|c| LlmCallDto {
                    agent: c.agent,
                    model: c.model.clone(),
                    request_sha256: c.request_sha256.clone(),
                    outcome: c.outcome,
                    verdict: c.verdict,
                    rules_action: c.rules_action,
                    prompt_tokens: i32::try_from(c.prompt_tokens).unwrap_or(i32::MAX),
                    completion_tokens: i32::try_from(c.completion_tokens).unwrap_or(i32::MAX),
                    usage_estimated: c.usage_estimated,
                    cost: c.cost.normalize().to_string(),
                    latency_ms: i32::try_from(c.latency_ms).unwrap_or(i32::MAX),
                    attempts: i32::try_from(c.attempts).unwrap_or(i32::MAX),
                    note: c.note.clone(),
                    raw_answer: c.raw_answer.clone(),
                })
                .collect(),
            measured_cost: (!g.llm_calls.is_empty()).then(|| g.llm_usage().cost.normalize().to_string()),
        }
    }
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
    /// Of the runs recorded, how many decided AUTO_RESOLVE, HIL_REVIEW and ESCALATE.
    pub auto_resolved: i32,
    /// See `auto_resolved`.
    pub to_review: i32,
    /// See `auto_resolved`.
    pub escalated: i32,
}

/// What a bulk action did: each break acted on, and each refused with the reason.
#[derive(Debug, Clone, Default, Serialize, Type)]
pub struct BulkReview {
    /// Acted on, with the status after.
    pub done: Vec<BulkItem>,
    /// Refused (the lifecycle, four eyes, the store), with Rust's reason.
    pub not_done: Vec<BulkItem>,
}

/// One break of a bulk action.
#[derive(Debug, Clone, Serialize, Type)]
pub struct BulkItem {
    /// The break.
    pub break_id: String,
    /// "now RESOLVED", or why not.
    pub outcome: String,
}
