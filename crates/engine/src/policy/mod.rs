//! Routing policies: load a YAML file, validate every part of it, and compile it into a
//! [`PolicySet`] the planner can use. A file with any error is refused whole.

pub mod condition;
pub mod edit;
pub mod outline;
mod schema;
mod validate;

pub use condition::{Condition, PROFILE_FIELDS};
pub use schema::{AgeStep, ToleranceSpec};

use crate::dag::AgentMask;
use crate::model::{AgentKind, BreakType, DecisionAction, RiskTier};
use rust_decimal::Decimal;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The policy file shipped with the app.
pub const BUNDLED_POLICIES: &str = include_str!("../../../../policies/routing_policies.yaml");

/// The longest an agent call may be given (10 minutes).
pub const MAX_TIMEOUT_MS: u64 = 600_000;
/// The most retries an agent may be given (after the first call).
pub const MAX_RETRIES: u32 = 10;
/// The longest a plan may take in the worst case: every agent on its longest chain timing out
/// on every attempt, with the backoff between attempts (1 hour).
pub const MAX_PLAN_WORST_CASE_MS: u64 = 3_600_000;

/// An agent's worst case: every attempt times out, with the executor's backoff between them.
pub fn worst_case_ms(a: &PlannedAgent) -> u64 {
    let attempts = u64::from(a.retries) + 1;
    let backoff: u64 = (1..=a.retries).map(|n| crate::execute::backoff(n).as_millis() as u64).sum();
    (a.timeout.as_millis() as u64).saturating_mul(attempts).saturating_add(backoff)
}

/// The name of the catch-all policy.
pub const DEFAULT_POLICY: &str = "DEFAULT";

/// One problem in a policy file, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyError {
    pub file: String,
    /// Where in the document, e.g. `policies.CASH_RECONCILIATION.LOW.checkpoints[0].when`.
    pub path: String,
    /// 1-based; 0 when the problem has no single place (e.g. a missing DEFAULT tier).
    pub line: u64,
    pub column: u64,
    pub message: String,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        if !self.path.is_empty() {
            write!(f, ": {}", self.path)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem found in a policy file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyErrors(pub Vec<PolicyError>);

impl fmt::Display for PolicyErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PolicyErrors {}

/// Classifier settings, validated.
#[derive(Debug, Clone)]
pub struct ClassifierConfig {
    pub base_currency: String,
    /// (tier, threshold) for MEDIUM, HIGH, CRITICAL, ascending.
    pub tier_thresholds: Vec<(RiskTier, Decimal)>,
    pub asset_class_multipliers: HashMap<String, Decimal>,
    /// Ascending by days.
    pub age_escalation: Vec<AgeStep>,
    pub minimum_tier: HashMap<String, RiskTier>,
    pub tolerance: ToleranceSpec,
    pub auto_resolve_max_tier: RiskTier,
    pub never_auto_resolve: HashSet<String>,
    /// Indexed by tier rank.
    pub sla_hours: [u32; 4],
}

impl ClassifierConfig {
    /// Whether AUTO_RESOLVE may stand for this type and tier.
    pub fn auto_resolve_allowed(&self, break_type: &str, tier: RiskTier) -> bool {
        tier <= self.auto_resolve_max_tier && !self.never_auto_resolve.contains(break_type)
    }

    /// The auto-resolve limits as the team database stores them with a policy version, to
    /// refuse a recorded AUTO_RESOLVE above them: `{"max_tier": "MEDIUM", "never": [...]}`.
    pub fn auto_resolve_json(&self) -> serde_json::Value {
        let mut never: Vec<&String> = self.never_auto_resolve.iter().collect();
        never.sort();
        serde_json::json!({ "max_tier": self.auto_resolve_max_tier.as_str(), "never": never })
    }

    /// The age escalation step that applies at `age_days`, if any (the longest one reached).
    pub fn age_step(&self, age_days: i64) -> Option<&AgeStep> {
        self.age_escalation.iter().rev().find(|s| age_days >= i64::from(s.days))
    }

    pub fn critical_threshold(&self) -> Decimal {
        self.tier_thresholds.last().map(|t| t.1).unwrap_or(Decimal::ONE)
    }
}

/// Four eyes, validated: which breaks a person may not close, accept or override alone.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AuthorityLimits {
    pub tiers: Vec<RiskTier>,
    /// In the base currency.
    pub above: Option<Decimal>,
    pub types: Vec<String>,
}

impl AuthorityLimits {
    /// Why an action on a break of this type, tier and exposure needs a second person, in
    /// words, or `None` when one person may act. The team database applies the same rule
    /// (`recon.second_approver_because`) to the limits recorded with the policy version.
    pub fn second_approver_because(&self, break_type: &str, tier: RiskTier, exposure: Decimal, base_currency: &str) -> Option<String> {
        let mut why = Vec::new();
        if self.tiers.contains(&tier) {
            why.push(format!("tier {tier}"));
        }
        if let Some(above) = self.above.filter(|a| exposure > *a) {
            why.push(format!("exposure {} {base_currency} above {} {base_currency}", exposure.round_dp(2).normalize(), above.normalize()));
        }
        if self.types.iter().any(|t| t == break_type) {
            why.push(format!("type {break_type}"));
        }
        (!why.is_empty()).then(|| why.join(", "))
    }

    /// The limits as the team database stores them with a policy version.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "tiers": self.tiers.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
            "above": self.above.map(|a| a.to_string()),
            "types": self.types,
        })
    }
}

/// One agent in a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedAgent {
    pub agent: AgentKind,
    pub depends_on: Vec<AgentKind>,
    #[serde(with = "duration_ms")]
    pub timeout: Duration,
    pub retries: u32,
}

mod duration_ms {
    pub fn serialize<S: serde::Serializer>(d: &std::time::Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis() as u64)
    }
}

/// `RULES` or `RULES and PATTERN`, for messages.
pub fn agent_list(agents: &[AgentKind]) -> String {
    agents.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(" and ")
}

/// A decision checkpoint: once every agent in `after` has completed, if `condition` holds,
/// decide `decision`. Several agents let a checkpoint read agents that run in parallel without
/// chaining them (RULES and PATTERN side by side, then one check).
#[derive(Debug, Clone)]
pub struct Checkpoint {
    pub id: String,
    /// Never empty.
    pub after: Vec<AgentKind>,
    pub condition: Condition,
    pub decision: DecisionAction,
    pub confidence: f64,
}

/// The validated plan for one break type and tier.
#[derive(Debug, Clone)]
pub struct PlanTemplate {
    /// The policy entry it came from: `CASH_RECONCILIATION` or `DEFAULT`.
    pub policy_type: String,
    pub tier: RiskTier,
    pub description: String,
    /// In a topological order (every agent after its dependencies).
    pub agents: Vec<PlannedAgent>,
    pub max_parallel: usize,
    pub checkpoints: Vec<Checkpoint>,
    pub fallback: DecisionAction,
    /// The CEL variables any checkpoint reads, computed once at load so the executor converts
    /// only these per run. Call [`PlanTemplate::refresh_reads`] after changing `checkpoints`.
    pub cel_reads: Vec<&'static str>,
}

impl PlanTemplate {
    /// `CASH_RECONCILIATION/LOW`.
    pub fn key(&self) -> String {
        if self.policy_type == "v1" {
            return "v1/SEQUENTIAL".to_string();
        }
        format!("{}/{}", self.policy_type, self.tier)
    }

    pub fn contains(&self, agent: AgentKind) -> bool {
        self.agents.iter().any(|a| a.agent == agent)
    }

    /// Recomputes [`PlanTemplate::cel_reads`] from the checkpoints.
    pub fn refresh_reads(&mut self) {
        let mut reads: Vec<&'static str> = self.checkpoints.iter().flat_map(|c| c.condition.reads.iter().copied()).collect();
        reads.sort_unstable();
        reads.dedup();
        self.cel_reads = reads;
    }

    /// Each agent's ancestors: what it depends on, directly or through other agents.
    pub fn ancestors(&self) -> [AgentMask; 7] {
        ancestors(&self.agents)
    }
}

/// The agents and their dependencies as masks, for [`crate::dag`], without allocating.
pub(crate) fn dag_nodes(agents: &[PlannedAgent]) -> ([(AgentKind, AgentMask); 7], usize) {
    let mut nodes = [(AgentKind::Ingestion, 0); 7];
    for (slot, a) in nodes.iter_mut().zip(agents) {
        *slot = (a.agent, crate::dag::mask(&a.depends_on));
    }
    (nodes, agents.len().min(7))
}

/// Each agent's ancestors among `agents` (see [`PlanTemplate::ancestors`]).
pub fn ancestors(agents: &[PlannedAgent]) -> [AgentMask; 7] {
    let (nodes, n) = dag_nodes(agents);
    crate::dag::ancestors(&nodes[..n])
}

/// A validated, compiled policy file.
#[derive(Debug, Clone)]
pub struct PolicySet {
    pub classifier: Arc<ClassifierConfig>,
    plans: HashMap<(String, RiskTier), Arc<PlanTemplate>>,
    /// SHA-256 of the file's text, hex: the policy version recorded on every run.
    pub version: String,
    pub source_name: String,
    pub text: Arc<str>,
    /// Suspicious but valid setups.
    pub warnings: Vec<PolicyError>,
    /// v1: all seven agents in sequence, no checkpoints, with the file's default timeout/retries.
    pub v1_plan: Arc<PlanTemplate>,
    /// Four eyes (`authority`): none when the file has no such section.
    pub authority: AuthorityLimits,
    /// Model-backed agents (`llm`), when the file has the section. Prompts are read by
    /// [`PolicySet::load_file`] (or [`PolicySet::read_prompts`]), from beside the file.
    pub llm: Option<Arc<crate::llm::LlmConfig>>,
}

impl PolicySet {
    /// Loads and validates a policy file's text. `source_name` names it in errors.
    ///
    /// # Errors
    /// Every problem found, each with its path and line. Nothing is partly loaded.
    pub fn load(text: &str, source_name: &str) -> Result<PolicySet, PolicyErrors> {
        validate::load(text, source_name)
    }

    /// Loads a policy file from disk.
    ///
    /// # Errors
    /// An unreadable file, or every validation problem.
    pub fn load_file(path: &std::path::Path) -> Result<PolicySet, PolicyErrors> {
        let name = path.display().to_string();
        let text = std::fs::read(path).map_err(|e| {
            PolicyErrors(vec![PolicyError { file: name.clone(), path: String::new(), line: 0, column: 0, message: format!("cannot read: {e}") }])
        })?;
        let text = String::from_utf8(text).map_err(|e| {
            PolicyErrors(vec![PolicyError {
                file: name.clone(),
                path: String::new(),
                line: 0,
                column: 0,
                message: format!("not UTF-8 text (invalid byte at offset {})", e.utf8_error().valid_up_to()),
            }])
        })?;
        let mut set = Self::load(&text, &name)?;
        set.read_prompts(Self::prompt_dir(path))?;
        Ok(set)
    }

    /// The folder a policy file's prompt templates are read from: the file's own (`.` for a
    /// bare file name).
    pub fn prompt_dir(policy_file: &std::path::Path) -> &std::path::Path {
        policy_file.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."))
    }

    /// Reads each model-backed agent's prompt template from `dir` (the policy file's folder) and
    /// checks it against the `prompt_sha256` the file records, so a prompt cannot change without
    /// the policy's version changing.
    ///
    /// # Errors
    /// A template that cannot be read or does not match its hash, with the policy's line.
    pub fn read_prompts(&mut self, dir: &std::path::Path) -> Result<(), PolicyErrors> {
        let Some(cfg) = &self.llm else { return Ok(()) };
        let mut cfg = (**cfg).clone();
        let mut errors = Vec::new();
        for a in &mut cfg.agents {
            let path = dir.join(&a.prompt_file);
            let err = |message: String| PolicyError {
                file: self.source_name.clone(),
                path: format!("llm.agents.{}.prompt_sha256", a.agent),
                line: a.line,
                column: 0,
                message,
            };
            match std::fs::read(&path) {
                Err(e) => errors.push(err(format!("cannot read the prompt {}: {e}", path.display()))),
                Ok(bytes) => {
                    let actual = hex::encode(Sha256::digest(&bytes));
                    match String::from_utf8(bytes) {
                        Err(_) => errors.push(err(format!("the prompt {} is not UTF-8 text", path.display()))),
                        Ok(_) if actual != a.prompt_sha256 => errors.push(err(format!(
                            "the prompt {} has SHA-256 {actual}, not the {} recorded here: record the new hash to make the change a new policy version",
                            path.display(),
                            a.prompt_sha256
                        ))),
                        Ok(text) => a.prompt = Some(Arc::from(text)),
                    }
                }
            }
        }
        if !errors.is_empty() {
            return Err(PolicyErrors(errors));
        }
        self.llm = Some(Arc::new(cfg));
        Ok(())
    }

    /// The policies shipped with the app.
    pub fn bundled() -> PolicySet {
        Self::load(BUNDLED_POLICIES, "policies/routing_policies.yaml").expect("the bundled policy file is valid: a test loads it")
    }

    /// The plan for a break type and tier: the type's own, else DEFAULT's.
    pub fn plan_for(&self, break_type: &BreakType, tier: RiskTier) -> &Arc<PlanTemplate> {
        let key = (break_type.as_str().to_string(), tier);
        self.plans.get(&key).or_else(|| self.plans.get(&(DEFAULT_POLICY.to_string(), tier))).expect("validation guarantees a DEFAULT plan for every tier")
    }

    /// Every (policy type, tier) with a plan of its own, sorted.
    pub fn plan_keys(&self) -> Vec<(String, RiskTier)> {
        let mut keys: Vec<_> = self.plans.keys().cloned().collect();
        keys.sort();
        keys
    }

    /// The v1 baseline plan: every agent, one at a time, each depending on the one before.
    pub(crate) fn sequential_plan(timeout: Duration, retries: u32) -> PlanTemplate {
        PlanTemplate {
            policy_type: "v1".to_string(),
            tier: RiskTier::Low,
            description: "v1 baseline: all seven agents in sequence, no checkpoints".to_string(),
            agents: AgentKind::ALL
                .iter()
                .enumerate()
                .map(|(i, a)| PlannedAgent { agent: *a, depends_on: if i == 0 { vec![] } else { vec![AgentKind::ALL[i - 1]] }, timeout, retries })
                .collect(),
            max_parallel: 1,
            checkpoints: vec![],
            fallback: DecisionAction::HilReview,
            cel_reads: vec![],
        }
    }

    pub fn content_hash(text: &str) -> String {
        hex::encode(Sha256::digest(text.as_bytes()))
    }
}
