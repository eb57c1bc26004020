//! The seven agents. Each implements [`Agent`]: an async call from a context (the break, its
//! profile, reference data and the outputs of the agents it depends on) to an [`AgentOutput`].
//! The built-in agents are deterministic; one can be replaced by a remote service (an LLM
//! endpoint) without the executor changing.

mod decisioning;
mod enrichment;
mod ingestion;
mod matching;
pub mod output;
mod pattern;
mod rules;
mod workflow;

pub use output::AgentOutput;
pub use pattern::{HistoryLookup, HistorySummary, NoHistory, SimilarQuery};
pub use workflow::groups as workflow_groups;

use crate::model::{AgentKind, Break, BreakProfile};
use crate::policy::ClassifierConfig;
use crate::refdata::ReferenceData;
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use std::sync::Arc;
use std::time::Duration;

pub use crate::error::AgentError;

/// Everything a run's agents share; built once per break.
pub struct RunInput {
    pub brk: Break,
    pub profile: BreakProfile,
    pub refdata: Arc<ReferenceData>,
    pub config: Arc<ClassifierConfig>,
    pub history: Arc<dyn HistoryLookup>,
    pub as_of: DateTime<Utc>,
}

/// Outputs so far, indexed by [`AgentKind::index`].
pub type Outputs = [Option<Arc<AgentOutput>>; 7];

/// What one agent call sees.
#[derive(Clone)]
pub struct AgentContext {
    pub input: Arc<RunInput>,
    pub outputs: Outputs,
    /// The run's model calls: model-backed agents record each one here.
    pub calls: Arc<crate::llm::CallLog>,
}

impl AgentContext {
    pub fn output(&self, agent: AgentKind) -> Option<&AgentOutput> {
        self.outputs[agent.index()].as_deref()
    }
}

/// One agent. `run` returns a `'static` future so the executor can time it out, retry it and
/// drop it on early exit.
pub trait Agent: Send + Sync {
    fn kind(&self) -> AgentKind;
    fn run(&self, ctx: AgentContext) -> BoxFuture<'static, Result<AgentOutput, AgentError>>;
}

/// A built-in agent: a plain function of the context.
struct BuiltIn {
    kind: AgentKind,
    f: fn(&AgentContext) -> Result<AgentOutput, AgentError>,
}

impl Agent for BuiltIn {
    fn kind(&self) -> AgentKind {
        self.kind
    }
    fn run(&self, ctx: AgentContext) -> BoxFuture<'static, Result<AgentOutput, AgentError>> {
        let f = self.f;
        Box::pin(async move { f(&ctx) })
    }
}

/// Emulated latency: the agent waits this long before answering. Used by benchmarks and demos
/// to measure scheduling when agents are slow; every graph run with it says so.
struct Delayed {
    inner: Arc<dyn Agent>,
    delay: Duration,
}

impl Agent for Delayed {
    fn kind(&self) -> AgentKind {
        self.inner.kind()
    }
    fn run(&self, ctx: AgentContext) -> BoxFuture<'static, Result<AgentOutput, AgentError>> {
        let fut = self.inner.run(ctx);
        let delay = self.delay;
        Box::pin(async move {
            tokio::time::sleep(delay).await;
            fut.await
        })
    }
}

/// Fault drill: fails `percent`% of calls, chosen by a hash of (seed, break, agent, attempt), so
/// the same calls fail on every run whatever order the scheduler runs them in. For reliability
/// tests and drills, never for real runs.
struct FailingCalls {
    inner: Arc<dyn Agent>,
    percent: u64,
    seed: u64,
    attempts: Arc<std::sync::Mutex<std::collections::HashMap<(String, AgentKind), u32>>>,
    failed: Arc<std::sync::atomic::AtomicUsize>,
}

impl Agent for FailingCalls {
    fn kind(&self) -> AgentKind {
        self.inner.kind()
    }
    fn run(&self, ctx: AgentContext) -> BoxFuture<'static, Result<AgentOutput, AgentError>> {
        use std::hash::{Hash, Hasher};
        let key = (ctx.input.brk.break_id.clone(), self.kind());
        let attempt = {
            let mut a = self.attempts.lock().unwrap_or_else(|p| p.into_inner());
            let n = a.entry(key.clone()).or_default();
            *n += 1;
            *n
        };
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (self.seed, &key.0, key.1.as_str(), attempt).hash(&mut h);
        if h.finish() % 100 < self.percent {
            self.failed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return Box::pin(async move { Err(AgentError::Failed(format!("injected failure (drill), attempt {attempt}"))) });
        }
        self.inner.run(ctx)
    }
}

/// Per-agent emulated latency in milliseconds, indexed by [`AgentKind::index`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LatencyProfile(pub [u64; 7]);

impl LatencyProfile {
    /// The seed document's profile: v1 takes 2500 ms for seven agents in sequence. The split
    /// weights the agents that would call a model (PATTERN, DECISIONING) more heavily.
    pub const SEED: LatencyProfile = LatencyProfile([150, 250, 400, 350, 450, 550, 350]);

    pub fn total_ms(&self) -> u64 {
        self.0.iter().sum()
    }
}

/// The seven agents a run uses.
#[derive(Clone)]
pub struct AgentSet {
    agents: [Arc<dyn Agent>; 7],
    /// Set when any agent has emulated latency; recorded on every graph.
    pub emulated_latency: Option<LatencyProfile>,
}

impl AgentSet {
    /// How long each agent is expected to take, for the scheduler's priorities: the emulated
    /// profile when there is one, else the seed's measured profile.
    pub fn expected_latency(&self) -> LatencyProfile {
        self.emulated_latency.unwrap_or(LatencyProfile::SEED)
    }

    /// The built-in deterministic agents, with no added latency.
    pub fn builtin() -> AgentSet {
        let make = |kind, f| -> Arc<dyn Agent> { Arc::new(BuiltIn { kind, f }) };
        AgentSet {
            agents: [
                make(AgentKind::Ingestion, ingestion::run),
                make(AgentKind::Enrichment, enrichment::run),
                make(AgentKind::Matching, matching::run),
                make(AgentKind::Rules, rules::run),
                make(AgentKind::Pattern, pattern::run),
                make(AgentKind::Decisioning, decisioning::run),
                make(AgentKind::Workflow, workflow::run),
            ],
            emulated_latency: None,
        }
    }

    /// These agents, each delayed by its entry in `profile`.
    pub fn with_latency(mut self, profile: LatencyProfile) -> AgentSet {
        for kind in AgentKind::ALL {
            let inner = self.agents[kind.index()].clone();
            self.agents[kind.index()] = Arc::new(Delayed { inner, delay: Duration::from_millis(profile.0[kind.index()]) });
        }
        self.emulated_latency = Some(profile);
        self
    }

    /// Every agent fails `percent`% of its calls (see `FailingCalls`); returns the set and a
    /// counter of the calls failed so far.
    pub fn with_random_failures(mut self, percent: u8, seed: u64) -> (AgentSet, Arc<std::sync::atomic::AtomicUsize>) {
        let failed = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let attempts = Arc::new(std::sync::Mutex::new(std::collections::HashMap::new()));
        for kind in AgentKind::ALL {
            let inner = self.agents[kind.index()].clone();
            self.agents[kind.index()] =
                Arc::new(FailingCalls { inner, percent: u64::from(percent.min(100)), seed, attempts: attempts.clone(), failed: failed.clone() });
        }
        (self, failed)
    }

    /// Replaces one agent (tests inject faults this way; a remote agent would plug in here).
    pub fn replace(mut self, agent: Arc<dyn Agent>) -> AgentSet {
        let i = agent.kind().index();
        self.agents[i] = agent;
        self
    }

    /// Backs the policy's enabled model agents by `rt`, each over the agent it replaces (the
    /// built-in one), which still runs: the rules keep the final say ([`crate::llm::agent`]).
    ///
    /// # Errors
    /// An agent's prompt was not read from beside the policy file, or its model has no price.
    pub fn with_llm(mut self, rt: Arc<crate::llm::agent::LlmRuntime>) -> Result<AgentSet, String> {
        for cfg in rt.config.enabled() {
            let prompt = cfg.prompt.clone().ok_or_else(|| format!("{}'s prompt {} was not read from beside the policy file", cfg.agent, cfg.prompt_file))?;
            let price = *rt.config.prices.get(&cfg.model).ok_or_else(|| format!("no price for model {} in llm.prices", cfg.model))?;
            let builtin = self.agents[cfg.agent.index()].clone();
            self.agents[cfg.agent.index()] = Arc::new(crate::llm::agent::LlmAgent { cfg: cfg.clone(), price, prompt, builtin, rt: rt.clone() });
        }
        Ok(self)
    }

    pub fn get(&self, kind: AgentKind) -> &Arc<dyn Agent> {
        &self.agents[kind.index()]
    }
}

fn input<'a, T>(ctx: &'a AgentContext, agent: AgentKind, pick: impl Fn(&'a AgentOutput) -> Option<&'a T>) -> Option<&'a T> {
    ctx.output(agent).and_then(pick)
}
