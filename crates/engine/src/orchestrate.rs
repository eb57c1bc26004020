//! The orchestrators: v2 (policy-driven DAG) and v1 (all seven agents in sequence), over the
//! same agents so a comparison is like for like, for one break or a batch.

use crate::agents::{AgentSet, HistoryLookup, NoHistory, RunInput};
use crate::classify::classify;
use crate::execute::{execute, RunOptions};
use crate::gate::CallGate;
use crate::graph::{ExecutionGraph, RunMode};
use crate::model::Break;
use crate::policy::PolicySet;
use crate::refdata::ReferenceData;
use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::task::JoinSet;

/// Classifies, plans and executes breaks. Cheap to clone; share one per policy version.
///
/// ```
/// use reconagent_engine::graph::RunMode;
/// use reconagent_engine::orchestrate::Orchestrator;
/// use reconagent_engine::sample::{bundled_breaks, sample_as_of};
///
/// let orch = Orchestrator::bundled();
/// let brk = bundled_breaks().remove(0);
/// let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
/// let v2 = rt.block_on(orch.process_break(&brk, RunMode::V2, sample_as_of()));
/// let v1 = rt.block_on(orch.process_break(&brk, RunMode::V1, sample_as_of()));
/// assert_eq!(v1.agents_invoked(), 7, "v1 runs every agent in sequence");
/// assert!(v2.agents_invoked() <= v1.agents_invoked(), "v2 runs the plan, and may stop early");
/// assert!(v2.decision.holds.is_empty() || v2.decision.action != reconagent_engine::DecisionAction::AutoResolve);
/// ```
#[derive(Clone)]
pub struct Orchestrator {
    pub policies: Arc<PolicySet>,
    pub refdata: Arc<ReferenceData>,
    pub agents: AgentSet,
    pub history: Arc<dyn HistoryLookup>,
}

/// A cancel switch for a batch: breaks not yet started stay untouched.
#[derive(Clone, Default)]
pub struct CancelFlag(Arc<AtomicBool>);

impl CancelFlag {
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// How a batch runs.
#[derive(Clone)]
pub struct BatchOptions {
    pub mode: RunMode,
    pub as_of: DateTime<Utc>,
    /// Breaks processed at once.
    pub concurrency: usize,
    /// At most this many agent calls at once across the batch (e.g. a model's rate limit).
    pub agent_call_limit: Option<usize>,
    pub cancel: CancelFlag,
}

impl BatchOptions {
    pub fn new(mode: RunMode, as_of: DateTime<Utc>) -> BatchOptions {
        BatchOptions { mode, as_of, concurrency: 64, agent_call_limit: None, cancel: CancelFlag::default() }
    }
}

/// Progress of a batch, reported after each break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
}

/// How a batch ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchSummary {
    pub processed: usize,
    /// Breaks never started because the batch was cancelled.
    pub not_started: usize,
    pub cancelled: bool,
}

impl Orchestrator {
    /// The bundled policies and reference data, built-in agents, no history.
    pub fn bundled() -> Orchestrator {
        Orchestrator::new(Arc::new(PolicySet::bundled()), Arc::new(ReferenceData::bundled()))
    }

    pub fn new(policies: Arc<PolicySet>, refdata: Arc<ReferenceData>) -> Orchestrator {
        Orchestrator { policies, refdata, agents: AgentSet::builtin(), history: Arc::new(NoHistory) }
    }

    pub fn with_agents(mut self, agents: AgentSet) -> Orchestrator {
        self.agents = agents;
        self
    }

    pub fn with_history(mut self, history: Arc<dyn HistoryLookup>) -> Orchestrator {
        self.history = history;
        self
    }

    /// Classifies, plans and runs one break.
    pub async fn process_break(&self, brk: &Break, mode: RunMode, as_of: DateTime<Utc>) -> ExecutionGraph {
        self.run_one(brk.clone(), mode, as_of, &RunOptions::default()).await
    }

    async fn run_one(&self, brk: Break, mode: RunMode, as_of: DateTime<Utc>, opts: &RunOptions) -> ExecutionGraph {
        let profile = classify(&brk, &self.refdata, &self.policies.classifier, as_of);
        let plan = match mode {
            RunMode::V2 => self.policies.plan_for(&profile.break_type, profile.tier).clone(),
            RunMode::V1 => self.policies.v1_plan.clone(),
        };
        let input =
            Arc::new(RunInput { brk, profile, refdata: self.refdata.clone(), config: self.policies.classifier.clone(), history: self.history.clone(), as_of });
        execute(&plan, mode, &self.agents, input, &self.policies.version, opts).await
    }

    /// Runs a batch, `opts.concurrency` breaks at a time, handing each graph to `on_graph` as it
    /// finishes (in completion order) and reporting progress. Graphs are streamed, not
    /// collected. After a cancel, breaks in flight finish and the rest are not started.
    pub async fn process_batch<I>(
        &self,
        breaks: I,
        total: usize,
        opts: &BatchOptions,
        mut on_graph: impl FnMut(ExecutionGraph),
        mut on_progress: impl FnMut(Progress),
    ) -> BatchSummary
    where
        I: IntoIterator<Item = Break>,
    {
        let run_opts = RunOptions { global_limit: opts.agent_call_limit.map(CallGate::new) };
        let mut tasks = JoinSet::new();
        let mut iter = breaks.into_iter();
        let mut done = 0;
        let mut started = 0;
        loop {
            while tasks.len() < opts.concurrency.max(1) && !opts.cancel.is_cancelled() {
                let Some(brk) = iter.next() else { break };
                started += 1;
                let me = self.clone();
                let (mode, as_of, ro) = (opts.mode, opts.as_of, run_opts.clone());
                tasks.spawn(async move { me.run_one(brk, mode, as_of, &ro).await });
            }
            let Some(joined) = tasks.join_next().await else { break };
            // Agents' panics are caught in the executor; a panic here is a bug in the engine.
            let graph = joined.expect("the executor does not panic: agent panics are caught");
            done += 1;
            on_graph(graph);
            on_progress(Progress { done, total });
        }
        let cancelled = opts.cancel.is_cancelled();
        BatchSummary { processed: done, not_started: total.saturating_sub(started), cancelled }
    }
}
