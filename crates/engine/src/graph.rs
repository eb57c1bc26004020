//! The execution graph: what happened to every agent in one run, and the decision.

use crate::agents::{AgentOutput, LatencyProfile};
use crate::model::{AgentKind, BreakProfile, Decision};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// v1 runs all seven agents in sequence with no checkpoints; v2 follows the policy.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunMode {
    V1,
    V2,
}

impl RunMode {
    /// Both modes: v1 (the sequential baseline) and v2.
    pub const ALL: [RunMode; 2] = [RunMode::V1, RunMode::V2];

    /// A mode by its name, or `None`.
    pub fn parse(name: &str) -> Option<RunMode> {
        RunMode::ALL.into_iter().find(|m| m.as_str() == name)
    }

    /// The mode's name as stored and shown (`v1`, `v2`).
    pub fn as_str(self) -> &'static str {
        match self {
            RunMode::V1 => "v1",
            RunMode::V2 => "v2",
        }
    }
}

/// Why an agent did not run (or was stopped).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SkipReason {
    /// The policy's plan does not include this agent.
    NotInPolicy { policy: String },
    /// A checkpoint decided the break first.
    EarlyExit { checkpoint: String, after_agent: AgentKind },
    /// An agent this one depends on failed or timed out.
    UpstreamFailed { agent: AgentKind },
    /// The batch was cancelled before this agent started.
    BatchCancelled,
    /// A model call was not made because it could have exceeded a budget (the detail says which).
    Budget { detail: String },
}

/// What kind of skip a [`SkipReason`] is, without its details: what a front end colours by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SkipKind {
    NotInPolicy,
    EarlyExit,
    UpstreamFailed,
    BatchCancelled,
    Budget,
}

impl SkipReason {
    /// The reason's kind.
    pub fn kind(&self) -> SkipKind {
        match self {
            SkipReason::NotInPolicy { .. } => SkipKind::NotInPolicy,
            SkipReason::EarlyExit { .. } => SkipKind::EarlyExit,
            SkipReason::UpstreamFailed { .. } => SkipKind::UpstreamFailed,
            SkipReason::BatchCancelled => SkipKind::BatchCancelled,
            SkipReason::Budget { .. } => SkipKind::Budget,
        }
    }
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SkipReason::NotInPolicy { policy } => write!(f, "not in policy {policy}"),
            SkipReason::EarlyExit { checkpoint, after_agent } => write!(f, "early exit at checkpoint {checkpoint} after {after_agent}"),
            SkipReason::UpstreamFailed { agent } => write!(f, "upstream {agent} failed"),
            SkipReason::BatchCancelled => write!(f, "batch cancelled"),
            SkipReason::Budget { detail } => write!(f, "{detail}"),
        }
    }
}

/// Where an agent ended.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NodeStatus {
    Completed,
    Failed,
    TimedOut,
    /// Was running when a checkpoint decided the break; its work was dropped.
    Cancelled,
    Skipped,
}

impl NodeStatus {
    /// The agent was started (it cost time and, for a model-backed agent, money).
    pub fn invoked(self) -> bool {
        !matches!(self, NodeStatus::Skipped)
    }
}

/// One agent in one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeRecord {
    pub agent: AgentKind,
    pub status: NodeStatus,
    pub planned: bool,
    pub depends_on: Vec<AgentKind>,
    /// Microseconds from the run's start; `None` when it never started.
    pub started_us: Option<u64>,
    pub finished_us: Option<u64>,
    /// Time between its dependencies completing and a slot freeing up.
    pub waited_us: u64,
    pub attempts: u32,
    pub output: Option<Arc<AgentOutput>>,
    pub error: Option<String>,
    pub skip_reason: Option<SkipReason>,
}

/// A checkpoint that was tested.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckpointEvaluation {
    pub id: String,
    pub after_agent: AgentKind,
    pub condition: String,
    pub fired: bool,
    /// A condition that could not be evaluated counts as not fired; the error is kept.
    pub error: Option<String>,
    pub at_us: u64,
}

/// The full record of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutionGraph {
    pub break_id: String,
    pub mode: RunMode,
    /// `CASH_RECONCILIATION/LOW`, or `v1/SEQUENTIAL`.
    pub policy_key: String,
    /// Content hash of the policy file the run used.
    pub policy_version: String,
    pub profile: BreakProfile,
    pub max_parallel: usize,
    /// All seven agents, in [`AgentKind::ALL`] order.
    pub nodes: Vec<NodeRecord>,
    pub checkpoints: Vec<CheckpointEvaluation>,
    pub decision: Decision,
    pub started_at: DateTime<Utc>,
    pub wall_us: u64,
    /// Present when agents had emulated latency; such timings are not real agent work.
    pub emulated_latency: Option<LatencyProfile>,
    /// The time the break was classified as of (its age is measured to it); absent on runs
    /// recorded before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<DateTime<Utc>>,
    /// Every model call the run made (or refused), in the order made; absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub llm_calls: Vec<crate::llm::LlmCall>,
}

impl ExecutionGraph {
    /// What the run's model calls used and cost (all zero without model-backed agents).
    pub fn llm_usage(&self) -> crate::llm::Usage {
        let mut u = crate::llm::Usage::default();
        for c in &self.llm_calls {
            u.add(c);
        }
        u
    }

    pub fn agents_planned(&self) -> usize {
        self.nodes.iter().filter(|n| n.planned).count()
    }

    pub fn agents_invoked(&self) -> usize {
        self.nodes.iter().filter(|n| n.status.invoked()).count()
    }

    pub fn node(&self, agent: AgentKind) -> &NodeRecord {
        &self.nodes[agent.index()]
    }

    /// The checkpoint that ended the run early, if one did.
    pub fn early_exit(&self) -> Option<&CheckpointEvaluation> {
        self.checkpoints.iter().find(|c| c.fired)
    }

    /// The work queue a break this run sends to a person waits in: WORKFLOW's assignee group
    /// (its queue, `-senior` for HIGH and CRITICAL). `None` when the run closes the break by
    /// itself, or when WORKFLOW did not complete (skipped or failed): such a break waits in no
    /// queue, and the desk shows it as such. The store keeps it with the break and in the run's
    /// audit entry; the review order (tier, then SLA deadline) is WORKFLOW's priority (P1 for
    /// CRITICAL .. P4 for LOW), then its due time.
    pub fn routed_queue(&self) -> Option<&str> {
        if self.decision.action == crate::model::DecisionAction::AutoResolve {
            return None;
        }
        match self.node(AgentKind::Workflow).output.as_deref() {
            Some(crate::agents::AgentOutput::Workflow(w)) => Some(w.assignee_group.as_str()),
            _ => None,
        }
    }
}

impl ExecutionGraph {
    /// What this run would have cost had each invoked agent been a model call priced by `costs`
    /// (cancelled agents count: they were called).
    pub fn modelled_cost(&self, costs: &crate::cost::CostModel) -> rust_decimal::Decimal {
        self.nodes.iter().filter(|n| n.status.invoked()).map(|n| costs.per_call[n.agent.index()]).sum()
    }

    /// [`ExecutionGraph::modelled_ms`] under the seed's latency profile: the figure stored with
    /// each run and shown on the dashboard.
    pub fn seed_modelled_ms(&self) -> u64 {
        self.modelled_ms(&crate::agents::LatencyProfile::SEED)
    }

    /// [`ExecutionGraph::modelled_cost`] under the seed's cost model (USD).
    pub fn seed_modelled_cost(&self) -> rust_decimal::Decimal {
        self.modelled_cost(&crate::cost::CostModel::SEED)
    }

    /// How long this run would have taken with `latency` per agent: the longest chain of invoked
    /// agents through their dependencies (the scheduling bound; `max_parallel` rarely binds).
    pub fn modelled_ms(&self, latency: &crate::agents::LatencyProfile) -> u64 {
        self.longest_chain_ms(latency, |s| s.invoked())
    }

    /// When each invoked agent would start and finish (ms from the run's start) with `latency`
    /// per agent, each starting as soon as its dependencies finish: the Gantt of the modelled
    /// run, in the graph's agent order. Its latest finish is [`ExecutionGraph::modelled_ms`].
    pub fn modelled_schedule(&self, latency: &crate::agents::LatencyProfile) -> Vec<(AgentKind, u64, u64)> {
        let nodes: Vec<(AgentKind, crate::dag::AgentMask)> =
            self.nodes.iter().filter(|r| r.status.invoked()).map(|r| (r.agent, crate::dag::mask(&r.depends_on))).collect();
        let Some(c) = crate::dag::chains(&nodes, |a| latency.0[a.index()]) else { return Vec::new() };
        nodes.iter().map(|(a, _)| (*a, c.finish[a.index()] - latency.0[a.index()], c.finish[a.index()])).collect()
    }

    /// The longest dependency chain, with `latency` per agent, through the agents whose status
    /// `counts` (invoked ones for the modelled time; completed ones for a scheduling bound).
    pub fn longest_chain_ms(&self, latency: &crate::agents::LatencyProfile, counts: impl Fn(NodeStatus) -> bool) -> u64 {
        // Per recorded run (the store's modelled time), so no allocation.
        let mut nodes = [(AgentKind::Ingestion, 0); 7];
        let mut n = 0;
        for r in self.nodes.iter().filter(|r| counts(r.status)).take(7) {
            nodes[n] = (r.agent, crate::dag::mask(&r.depends_on));
            n += 1;
        }
        // A recorded graph came from a validated plan, so it has no cycle.
        crate::dag::chains(&nodes[..n], |a| latency.0[a.index()]).map_or(0, |c| c.finish.into_iter().max().unwrap_or(0))
    }
}
