//! The routing-policy file as written: plain serde types with source locations, before
//! validation. Nothing outside `policy` sees these; the engine uses [`super::PolicySet`].

use indexmap::IndexMap;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    pub version: Spanned<u32>,
    pub classifier: Spanned<ClassifierSpec>,
    #[serde(default)]
    pub authority: Option<Spanned<AuthoritySpec>>,
    #[serde(default)]
    pub defaults: PlanDefaults,
    /// Model-backed agents (absent: every agent is built in).
    #[serde(default)]
    pub llm: Option<Spanned<LlmSpec>>,
    /// break type -> tier -> plan
    pub policies: IndexMap<String, Spanned<IndexMap<String, Spanned<PlanSpec>>>>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ClassifierSpec {
    pub base_currency: String,
    /// MEDIUM / HIGH / CRITICAL -> exposure threshold.
    pub tier_thresholds: IndexMap<String, Decimal>,
    #[serde(default)]
    pub asset_class_multipliers: IndexMap<String, Decimal>,
    #[serde(default)]
    pub age_escalation: Vec<AgeStep>,
    #[serde(default)]
    pub minimum_tier: IndexMap<String, String>,
    pub tolerance: ToleranceSpec,
    pub auto_resolve_max_tier: String,
    #[serde(default)]
    pub never_auto_resolve: Vec<String>,
    pub sla_hours: IndexMap<String, u32>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AgeStep {
    pub days: u32,
    pub raise_tiers: u8,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ToleranceSpec {
    pub absolute: Decimal,
    pub percent: Decimal,
    pub fx_rounding: Decimal,
    pub timing_days: u32,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PlanDefaults {
    #[serde(default = "default_max_parallel")]
    pub max_parallel: i64,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    #[serde(default = "default_retries")]
    pub retries: u32,
}

impl Default for PlanDefaults {
    fn default() -> Self {
        PlanDefaults { max_parallel: default_max_parallel(), timeout_ms: default_timeout_ms(), retries: default_retries() }
    }
}

fn default_max_parallel() -> i64 {
    3
}
fn default_timeout_ms() -> u64 {
    5000
}
fn default_retries() -> u32 {
    1
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanSpec {
    #[serde(default)]
    pub description: String,
    pub max_parallel: Option<Spanned<i64>>,
    /// agent name -> its settings, in the order written.
    pub agents: IndexMap<String, Spanned<AgentSpec>>,
    #[serde(default)]
    pub checkpoints: Vec<Spanned<CheckpointSpec>>,
    pub fallback: Spanned<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentSpec {
    #[serde(default)]
    pub depends_on: Vec<Spanned<String>>,
    pub timeout_ms: Option<u64>,
    pub retries: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckpointSpec {
    pub id: String,
    pub after: Spanned<AfterSpec>,
    pub when: Spanned<String>,
    pub decision: Spanned<String>,
    #[serde(default = "default_confidence")]
    pub confidence: f64,
}

/// `after: RULES`, or `after: [RULES, PATTERN]` for a checkpoint that waits for several agents
/// running in parallel. (Untagged: the location is kept on the whole value, which is one line.)
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum AfterSpec {
    One(String),
    Many(Vec<String>),
}

impl AfterSpec {
    pub fn agents(&self) -> &[String] {
        match self {
            AfterSpec::One(a) => std::slice::from_ref(a),
            AfterSpec::Many(list) => list,
        }
    }
}

fn default_confidence() -> f64 {
    0.9
}

/// Four eyes: when an action on a break needs a second person.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AuthoritySpec {
    #[serde(default)]
    pub second_approver_tiers: Vec<String>,
    /// Exposure in the base currency above which a second person approves.
    #[serde(default)]
    pub second_approver_above: Option<Decimal>,
    #[serde(default)]
    pub second_approver_types: Vec<String>,
}

/// `llm`: model-backed agents over an OpenAI-compatible API.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmSpec {
    pub endpoint: Spanned<String>,
    #[serde(default)]
    pub api_key_env: Option<Spanned<String>>,
    #[serde(default)]
    pub pseudonymise: bool,
    #[serde(default)]
    pub response_format: Option<Spanned<String>>,
    /// model -> price per 1,000,000 tokens in the base currency
    #[serde(default)]
    pub prices: IndexMap<String, Spanned<PriceSpec>>,
    #[serde(default)]
    pub budgets: Option<Spanned<BudgetSpec>>,
    #[serde(default)]
    pub tokens_per_minute: Option<Spanned<u64>>,
    /// Model calls in flight at once, across a batch (default 8).
    #[serde(default)]
    pub max_calls_in_flight: Option<Spanned<u32>>,
    /// agent name -> its model settings
    pub agents: IndexMap<String, Spanned<LlmAgentSpec>>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceSpec {
    pub prompt: Decimal,
    pub completion: Decimal,
}

#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetSpec {
    pub per_break: Option<Decimal>,
    pub per_batch: Option<Decimal>,
    pub per_day: Option<Decimal>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmAgentSpec {
    /// `llm` (the default) or `builtin` (settings kept, model not asked).
    #[serde(default)]
    pub backend: Option<Spanned<String>>,
    pub model: Spanned<String>,
    #[serde(default = "default_max_tokens")]
    pub max_tokens: u32,
    #[serde(default = "default_llm_timeout_ms")]
    pub timeout_ms: u64,
    #[serde(default = "default_llm_retries")]
    pub retries: u32,
    pub prompt: Spanned<String>,
    pub prompt_sha256: Spanned<String>,
}

fn default_max_tokens() -> u32 {
    400
}
fn default_llm_timeout_ms() -> u64 {
    30_000
}
fn default_llm_retries() -> u32 {
    2
}
