//! Model-backed agents over an OpenAI-compatible `/v1/chat/completions` API.
//!
//! A policy file's `llm` section makes PATTERN and DECISIONING ask a model: the model reads the
//! break (pseudonymised when asked), the evidence its agent may see and the rules' own answer,
//! and answers JSON of the agent's output type. The rules keep the final say:
//!
//! - the answer is validated against the agent's schema; anything else is an agent failure
//!   (fail-safe: human review), with the raw text kept on the call's record;
//! - the built-in agent runs too, and the two answers are merged toward caution
//!   ([`agent`]): a model may move a break toward more review freely, but an AUTO_RESOLVE needs
//!   the rules to have proposed it. The safety gate (invariant S1, [`crate::safety`]) then
//!   applies unchanged;
//! - every call is recorded on the run's graph ([`LlmCall`]: tokens from the response's
//!   `usage`, cost from the policy's price table, latency, the request's hash), so it is part of
//!   the audit chain; its request and response are kept compressed by hash ([`exchanges`]);
//! - budgets per break, per batch and per day, in the base currency ([`budget`]): a call that
//!   could exceed one is not made, the agent is skipped with reason "budget" and the break goes
//!   to review. A tokens-per-minute limit paces calls.

pub mod agent;
pub mod budget;
pub mod client;
pub mod exchanges;
pub mod replay;

use crate::model::{AgentKind, DecisionAction};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The agents a model may back. The others check the records themselves (INGESTION, MATCHING,
/// RULES), look up reference data (ENRICHMENT) or route (WORKFLOW): facts the rules own.
pub const MODEL_AGENTS: [AgentKind; 2] = [AgentKind::Pattern, AgentKind::Decisioning];

/// Prices per 1,000,000 tokens, in the policy's base currency.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Price {
    pub prompt: Decimal,
    pub completion: Decimal,
}

impl Price {
    /// What `prompt` and `completion` tokens cost, rounded to 1e-8 (checked: `None` on overflow).
    pub fn cost(&self, prompt: u64, completion: u64) -> Option<Decimal> {
        let per = Decimal::from(1_000_000u32);
        let p = self.prompt.checked_mul(Decimal::from(prompt))?;
        let c = self.completion.checked_mul(Decimal::from(completion))?;
        Some((p.checked_add(c)? / per).round_dp(8))
    }
}

/// Spending limits in the base currency; `None` is no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Budgets {
    pub per_break: Option<Decimal>,
    pub per_batch: Option<Decimal>,
    pub per_day: Option<Decimal>,
}

/// One model-backed agent, validated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LlmAgentConfig {
    pub agent: AgentKind,
    /// `false` when the file says `backend: builtin` (settings kept, model not asked).
    pub enabled: bool,
    pub model: String,
    pub max_tokens: u32,
    /// One HTTP call's limit; the plan's `timeout_ms` bounds the whole agent, retries included.
    pub timeout_ms: u64,
    /// Retries of one call on 429, 5xx, a timeout or a broken connection.
    pub retries: u32,
    /// The prompt template, relative to the policy file.
    pub prompt_file: String,
    /// SHA-256 of the template as the policy file records it: part of the policy's version.
    pub prompt_sha256: String,
    /// The policy file's line of `prompt_sha256`, for errors.
    pub line: u64,
    /// The template's text, once read from beside the policy file and checked against its hash.
    #[serde(skip)]
    pub prompt: Option<Arc<str>>,
}

/// The policy file's `llm` section, validated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LlmConfig {
    /// Base URL of an OpenAI-compatible API, e.g. `https://api.openai.com/v1`.
    pub endpoint: String,
    /// The environment variable that holds the API key (never the key itself).
    pub api_key_env: Option<String>,
    /// Replace counterparty and account names with stable pseudonyms before sending.
    pub pseudonymise: bool,
    /// `json_schema` (OpenAI structured outputs; vLLM, llama.cpp, Ollama) or `json_object`.
    pub response_format: String,
    pub prices: HashMap<String, Price>,
    pub budgets: Budgets,
    pub tokens_per_minute: Option<u64>,
    /// Model calls in flight at once across a batch (a provider's concurrency limit).
    pub max_calls_in_flight: u32,
    pub agents: Vec<LlmAgentConfig>,
}

/// The default of `llm.max_calls_in_flight`.
pub const DEFAULT_CALLS_IN_FLIGHT: u32 = 8;

impl LlmConfig {
    /// The enabled model-backed agents.
    pub fn enabled(&self) -> impl Iterator<Item = &LlmAgentConfig> {
        self.agents.iter().filter(|a| a.enabled)
    }
}

/// What became of one model call.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LlmOutcome {
    /// The model answered and the answer was valid.
    Answered,
    /// The same request was answered before: the stored answer was used and nothing was paid.
    Cached,
    /// Replayed from the stored exchange (`explain --replay`): no network.
    Replayed,
    /// No valid answer: an HTTP error, a timeout, or text that is not the agent's schema.
    Failed,
    /// Not made: it could have exceeded a budget.
    Refused,
    /// Made, but the run stopped waiting for it (an early exit decided first); counted at its
    /// worst case.
    Cancelled,
}

/// How the model's answer compares with the rules'.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    /// Same answer as the rules.
    Agreed,
    /// More cautious than the rules: its caution stands.
    MoreCautious,
    /// Less cautious than the rules (or wrong on a fact): the rules' answer stands.
    Overruled,
}

/// One model call, on the run's graph (and so in the audit chain).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LlmCall {
    pub agent: AgentKind,
    pub model: String,
    /// SHA-256 of the request body as sent: the key of the stored exchange and of the cache.
    pub request_sha256: String,
    pub outcome: LlmOutcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    /// What the rules answered beside the model (DECISIONING: the action).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules_action: Option<DecisionAction>,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// The response had no `usage`: the tokens are estimated (characters / 4).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub usage_estimated: bool,
    /// In the base currency; zero for a cached, replayed, failed-before-answer or refused call.
    pub cost: Decimal,
    pub latency_ms: u64,
    /// HTTP attempts (1 when the first answered).
    pub attempts: u32,
    /// What happened, in words: the failure, the refusal, or how the answers were merged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The model's text when it was not a valid answer, kept for the reviewer (at most 4 KB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_answer: Option<String>,
}

/// The calls of one run, filled by the agents as they go.
#[derive(Debug, Default)]
pub struct CallLog(Mutex<Vec<LlmCall>>);

impl CallLog {
    pub fn push(&self, call: LlmCall) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push(call);
    }

    /// What this run has spent so far.
    pub fn spent(&self) -> Decimal {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).iter().fold(Decimal::ZERO, |a, c| a.saturating_add(c.cost))
    }

    pub fn take(&self) -> Vec<LlmCall> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// Sums of a set of calls: what the dashboard and the benchmark report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Usage {
    pub calls: u64,
    pub paid_calls: u64,
    pub cached_calls: u64,
    pub failed_calls: u64,
    pub refused_calls: u64,
    pub cancelled_calls: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub cost: Decimal,
}

impl Usage {
    pub fn add(&mut self, c: &LlmCall) {
        self.calls += 1;
        match c.outcome {
            LlmOutcome::Answered => self.paid_calls += 1,
            LlmOutcome::Cached | LlmOutcome::Replayed => self.cached_calls += 1,
            LlmOutcome::Failed => self.failed_calls += 1,
            LlmOutcome::Refused => self.refused_calls += 1,
            LlmOutcome::Cancelled => self.cancelled_calls += 1,
        }
        if matches!(c.outcome, LlmOutcome::Answered | LlmOutcome::Failed) {
            self.prompt_tokens += c.prompt_tokens;
            self.completion_tokens += c.completion_tokens;
        }
        self.cost = self.cost.saturating_add(c.cost);
    }
}
