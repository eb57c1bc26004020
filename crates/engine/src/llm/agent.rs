//! A model-backed agent: runs the built-in agent, asks the model the same question with the
//! same evidence and the rules' answer, validates the model's JSON and merges the two toward
//! caution. What the model said and what it cost is recorded on the run ([`super::LlmCall`]).
//!
//! **Merging (the rules keep the final say).**
//! - DECISIONING: the more cautious action wins (AUTO_RESOLVE < HIL_REVIEW < ESCALATE). A model
//!   that proposes AUTO_RESOLVE where the rules do not is overruled; a model that wants review
//!   where the rules would auto-resolve is followed. The model's reasons come first, the rules'
//!   follow.
//! - PATTERN: the counts are the history's (a model cannot invent or forget a past break);
//!   `recurring_unresolved` is true if either says so, `prior_auto_resolve_rate` the lower of
//!   the two; the model's `usual_resolution` is the sentence the reviewer reads.
//!
//! So every value a checkpoint or the decision reads is the rules' value or a more cautious
//! one, and the safety gate applies after that as for every run.

use super::budget::{BudgetTracker, TokensPerMinute};
use super::client::{self, ChatRequest, ChatTransport};
use super::exchanges::{Exchange, ExchangeStore};
use super::{LlmAgentConfig, LlmCall, LlmConfig, LlmOutcome, Price, Verdict};
use crate::agents::output::{DecisioningOutput, PatternOutput};
use crate::agents::{Agent, AgentContext, AgentError, AgentOutput};
use crate::model::AgentKind;
use futures::future::BoxFuture;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;

/// What every model-backed agent of a batch shares.
pub struct LlmRuntime {
    pub config: Arc<LlmConfig>,
    pub transport: Arc<dyn ChatTransport>,
    pub exchanges: Arc<dyn ExchangeStore>,
    pub budget: Arc<BudgetTracker>,
    pub tpm: Option<Arc<TokensPerMinute>>,
    /// Answer only from stored exchanges, never the network (`explain --replay`).
    pub replay: bool,
    /// Answer a request asked before from its stored exchange (free).
    pub use_cache: bool,
    /// Mixed into pseudonyms so they cannot be guessed from a list of names.
    pub pseudonym_key: String,
    /// Every call of this runtime so far, summed.
    pub usage: Arc<std::sync::Mutex<super::Usage>>,
    /// At most `max_calls_in_flight` HTTP calls at once (a permit is held for the call and
    /// its retries).
    pub in_flight: Arc<tokio::sync::Semaphore>,
}

/// Records a call on the run and in the runtime's sums.
fn record(rt: &LlmRuntime, ctx: &AgentContext, call: LlmCall) {
    rt.usage.lock().unwrap_or_else(|p| p.into_inner()).add(&call);
    ctx.calls.push(call);
}

impl LlmRuntime {
    /// A runtime over `transport` with the policy's budgets, nothing spent today.
    /// `exchanges` also holds the day's spending so far (its ledger), which the per-day budget
    /// starts from.
    pub fn new(config: Arc<LlmConfig>, transport: Arc<dyn ChatTransport>, exchanges: Arc<dyn ExchangeStore>) -> LlmRuntime {
        let day_spent = exchanges.spent_on(chrono::Utc::now().date_naive());
        let budget = Arc::new(BudgetTracker::new(config.budgets, day_spent));
        let tpm = config.tokens_per_minute.map(|n| Arc::new(TokensPerMinute::new(n)));
        let in_flight = Arc::new(tokio::sync::Semaphore::new(config.max_calls_in_flight.max(1) as usize));
        LlmRuntime {
            config,
            transport,
            exchanges,
            budget,
            tpm,
            replay: false,
            use_cache: true,
            pseudonym_key: String::new(),
            usage: Default::default(),
            in_flight,
        }
    }

    /// What this runtime's calls used and cost so far.
    pub fn usage(&self) -> super::Usage {
        *self.usage.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl LlmRuntime {
    /// The real client for the policy's endpoint. The API key comes from the environment
    /// variable the policy names (`llm.api_key_env`) or, when it is not set, from the OS keyring's
    /// `llm:VAR` entry ([`crate::secrets::llm_key`]), never from a file; pseudonyms are keyed by
    /// `RECONAGENT_PSEUDONYM_KEY` when set.
    ///
    /// # Errors
    /// The policy names a key that neither the environment nor the keyring holds.
    pub fn http(config: Arc<LlmConfig>, exchanges: Arc<dyn ExchangeStore>) -> Result<LlmRuntime, String> {
        let key = match &config.api_key_env {
            Some(var) => Some(crate::secrets::llm_key(var)?.0),
            None => None,
        };
        let transport = Arc::new(client::HttpTransport::new(&config.endpoint, key));
        let mut rt = LlmRuntime::new(config, transport, exchanges);
        rt.pseudonym_key = std::env::var("RECONAGENT_PSEUDONYM_KEY").unwrap_or_default();
        Ok(rt)
    }
}

/// Backs `agents` by the policy's enabled model agents over the real client ([`LlmRuntime::http`]),
/// their exchanges kept in `exchanges`: the new agents and their runtime, or `None` when the
/// policy asks no model. What the CLI and the app both call.
///
/// # Errors
/// The API key's variable is not set, or a prompt was not read.
pub fn attach(
    agents: crate::agents::AgentSet,
    policies: &crate::policy::PolicySet,
    exchanges: Arc<dyn ExchangeStore>,
    replay: bool,
) -> Result<Option<(crate::agents::AgentSet, Arc<LlmRuntime>)>, String> {
    let Some(cfg) = policies.llm.clone().filter(|c| c.enabled().next().is_some()) else { return Ok(None) };
    let mut rt = LlmRuntime::http(cfg, exchanges)?;
    rt.replay = replay;
    let rt = Arc::new(rt);
    Ok(Some((agents.with_llm(rt.clone())?, rt)))
}

/// One model-backed agent over its built-in counterpart.
pub struct LlmAgent {
    pub cfg: LlmAgentConfig,
    pub price: Price,
    pub prompt: Arc<str>,
    pub builtin: Arc<dyn Agent>,
    pub rt: Arc<LlmRuntime>,
}

impl Agent for LlmAgent {
    fn kind(&self) -> AgentKind {
        self.cfg.agent
    }

    fn run(&self, ctx: AgentContext) -> BoxFuture<'static, Result<AgentOutput, AgentError>> {
        let det = self.builtin.run(ctx.clone());
        let (cfg, price, prompt, rt) = (self.cfg.clone(), self.price, self.prompt.clone(), self.rt.clone());
        Box::pin(async move {
            let det = det.await?;
            ask(&cfg, price, &prompt, &rt, &ctx, det).await
        })
    }
}

async fn ask(cfg: &LlmAgentConfig, price: Price, prompt: &str, rt: &LlmRuntime, ctx: &AgentContext, det: AgentOutput) -> Result<AgentOutput, AgentError> {
    let kind = cfg.agent;
    let names = Names::of(ctx, rt.config.pseudonymise, &rt.pseudonym_key);
    let req = request(cfg, prompt, &rt.config, ctx, &det, &names);
    let body = req.body_bytes();
    let hash = client::request_hash(&body);
    let est = req.estimated_prompt_tokens();
    let mut call = LlmCall {
        agent: kind,
        model: cfg.model.clone(),
        request_sha256: hash.clone(),
        outcome: LlmOutcome::Failed,
        verdict: None,
        rules_action: match &det {
            AgentOutput::Decisioning(d) => Some(d.action),
            _ => None,
        },
        prompt_tokens: 0,
        completion_tokens: 0,
        usage_estimated: false,
        cost: Decimal::ZERO,
        latency_ms: 0,
        attempts: 0,
        note: None,
        raw_answer: None,
    };

    // The same question asked before: its stored answer, free (and the only source in replay).
    if rt.use_cache || rt.replay {
        if let Some(ex) = rt.exchanges.get(&hash) {
            call.outcome = if rt.replay { LlmOutcome::Replayed } else { LlmOutcome::Cached };
            return finish(rt, call, kind, &ex.response, est, &det, &names, ctx);
        }
    }
    if rt.replay {
        call.note = Some(format!("replay: no stored exchange for request {hash}"));
        record(rt, ctx, call);
        return Err(AgentError::Failed(format!("replay: no stored exchange for {kind}'s request {}", &hash[..12])));
    }

    // Budgets: the worst case must fit.
    let worst = price.cost(est, u64::from(cfg.max_tokens)).unwrap_or(Decimal::MAX);
    let reservation = match rt.budget.reserve(ctx.calls.spent(), worst) {
        Ok(r) => r,
        Err(why) => {
            call.outcome = LlmOutcome::Refused;
            call.note = Some(why.clone());
            record(rt, ctx, call);
            return Err(AgentError::Budget(why));
        }
    };
    if let Some(t) = &rt.tpm {
        t.acquire(est + u64::from(cfg.max_tokens)).await;
    }
    let permit = rt.in_flight.clone().acquire_owned().await.map_err(|_| AgentError::Failed("the model call limit was closed".into()))?;
    // If the run stops waiting (an early exit cancels this agent), the call is still recorded,
    // at its reserved worst case; the thread below settles the budget at the measured cost and
    // keeps a valid answer for the cache whether or not anyone waits for it.
    let mut guard = Unwaited { calls: ctx.calls.clone(), usage: rt.usage.clone(), call: Some(call.clone()), worst };
    let (transport, budget, exchanges) = (rt.transport.clone(), rt.budget.clone(), rt.exchanges.clone());
    let (timeout, retries, model) = (Duration::from_millis(cfg.timeout_ms), cfg.retries, cfg.model.clone());
    let sent = body.clone();
    let res = tokio::task::spawn_blocking(move || {
        // the permit lives as long as the HTTP call, even if the run stops waiting for it
        let _permit = permit;
        let res = client::call(&*transport, &sent, timeout, retries, est);
        let cost = match &res.result {
            Ok(a) => price.cost(a.prompt_tokens, a.completion_tokens).unwrap_or(worst),
            Err(_) => Decimal::ZERO,
        };
        budget.settle(reservation, cost);
        if !cost.is_zero() {
            exchanges.add_spend(chrono::Utc::now().date_naive(), cost);
        }
        // Only valid answers are kept for the cache and replay; a failure to keep one is noted.
        if let Ok(a) = &res.result {
            if parse(kind, &a.content).is_ok() {
                let request: Value = serde_json::from_slice(&sent).unwrap_or(Value::Null);
                let ex = Exchange { request_sha256: hash, model, request, response: a.raw.clone(), at: chrono::Utc::now() };
                if let Err(e) = exchanges.put(&ex) {
                    eprintln!("warning: model exchange not kept: {e}");
                }
            }
        }
        (res, cost)
    })
    .await;
    guard.call = None;
    let (res, cost) = res.map_err(|e| AgentError::Failed(format!("the model call's thread failed: {e}")))?;
    call.attempts = res.attempts;
    call.latency_ms = res.latency.as_millis() as u64;
    let answer = match res.result {
        Ok(a) => a,
        Err(e) => {
            call.note = Some(e.to_string());
            record(rt, ctx, call);
            return Err(AgentError::Failed(format!("{kind}'s model call failed: {e}")));
        }
    };
    call.outcome = LlmOutcome::Answered;
    call.cost = cost;
    finish(rt, call, kind, &answer.raw, est, &det, &names, ctx)
}

/// Records a call the run stopped waiting for (an early exit or a timeout dropped [`ask`]).
struct Unwaited {
    calls: Arc<super::CallLog>,
    usage: Arc<std::sync::Mutex<super::Usage>>,
    call: Option<LlmCall>,
    worst: Decimal,
}

impl Drop for Unwaited {
    fn drop(&mut self) {
        if let Some(mut call) = self.call.take() {
            call.outcome = LlmOutcome::Cancelled;
            call.cost = self.worst;
            call.usage_estimated = true;
            call.note = Some("the run stopped waiting for the answer (an early exit, or the plan's timeout for the agent): the call was made, and its cost is counted at its worst case".into());
            self.usage.lock().unwrap_or_else(|p| p.into_inner()).add(&call);
            self.calls.push(call);
        }
    }
}

/// Reads a response body into the agent's output, merges it with the rules' and records the call.
#[allow(clippy::too_many_arguments)]
fn finish(
    rt: &LlmRuntime,
    mut call: LlmCall,
    kind: AgentKind,
    raw: &str,
    est: u64,
    det: &AgentOutput,
    names: &Names,
    ctx: &AgentContext,
) -> Result<AgentOutput, AgentError> {
    let answer = match client::read_answer(raw, est) {
        Ok(a) => a,
        Err(e) => {
            call.outcome = LlmOutcome::Failed;
            call.note = Some(e.clone());
            call.raw_answer = Some(truncate(raw));
            record(rt, ctx, call);
            return Err(AgentError::Failed(format!("{kind}'s model answer: {e}")));
        }
    };
    (call.prompt_tokens, call.completion_tokens, call.usage_estimated) = (answer.prompt_tokens, answer.completion_tokens, answer.usage_estimated);
    let parsed = parse(kind, &answer.content).map(|o| names.restore_output(o));
    match parsed {
        Err(why) => {
            call.outcome = LlmOutcome::Failed;
            call.note = Some(format!("not a valid {kind} answer: {why}"));
            call.raw_answer = Some(truncate(&answer.content));
            record(rt, ctx, call);
            Err(AgentError::Failed(format!("{kind}'s model answer is not valid: {why}")))
        }
        Ok(model) => {
            let (merged, verdict, note) = merge(det, model);
            call.verdict = Some(verdict);
            call.note = note;
            record(rt, ctx, call);
            Ok(merged)
        }
    }
}

fn truncate(s: &str) -> String {
    let mut end = s.len().min(4096);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

/// The JSON Schema of an agent's answer (strict: every field required, nothing else).
pub fn schema(kind: AgentKind) -> (&'static str, Value) {
    match kind {
        AgentKind::Pattern => (
            "pattern",
            json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["similar_count", "resolved_count", "auto_resolved_count", "unresolved_count", "recurring_unresolved", "prior_auto_resolve_rate", "usual_resolution"],
                "properties": {
                    "similar_count": {"type": "integer", "minimum": 0},
                    "resolved_count": {"type": "integer", "minimum": 0},
                    "auto_resolved_count": {"type": "integer", "minimum": 0},
                    "unresolved_count": {"type": "integer", "minimum": 0},
                    "recurring_unresolved": {"type": "boolean"},
                    "prior_auto_resolve_rate": {"type": "number", "minimum": 0, "maximum": 1},
                    "usual_resolution": {"type": ["string", "null"], "maxLength": 500}
                }
            }),
        ),
        _ => (
            "decisioning",
            json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["action", "confidence", "rationale"],
                "properties": {
                    "action": {"type": "string", "enum": ["AUTO_RESOLVE", "HIL_REVIEW", "ESCALATE"]},
                    "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                    "rationale": {"type": "array", "minItems": 1, "maxItems": 12, "items": {"type": "string", "maxLength": 1000}}
                }
            }),
        ),
    }
}

/// Parses and validates a model's answer against the agent's schema. Code fences around the
/// JSON are tolerated; anything else that is not exactly the schema is refused.
///
/// # Errors
/// What is wrong, in words.
pub fn parse(kind: AgentKind, content: &str) -> Result<AgentOutput, String> {
    let t = content.trim();
    let t = t.strip_prefix("```json").or_else(|| t.strip_prefix("```")).map_or(t, |r| r.trim_end().trim_end_matches("```")).trim();
    let v: Value = serde_json::from_str(t).map_err(|e| format!("not JSON ({e})"))?;
    let obj = v.as_object().ok_or("not a JSON object")?;
    let (_, sch) = schema(kind);
    let allowed: Vec<&str> = sch["required"].as_array().map(|a| a.iter().filter_map(|x| x.as_str()).collect()).unwrap_or_default();
    if let Some(extra) = obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(format!("unexpected field `{extra}`"));
    }
    if let Some(missing) = allowed.iter().find(|k| !obj.contains_key(**k)) {
        return Err(format!("missing field `{missing}`"));
    }
    match kind {
        AgentKind::Pattern => {
            let p: PatternOutput = serde_json::from_value(v).map_err(|e| e.to_string())?;
            if !(0.0..=1.0).contains(&p.prior_auto_resolve_rate) {
                return Err(format!("prior_auto_resolve_rate {} is not within 0..1", p.prior_auto_resolve_rate));
            }
            if p.usual_resolution.as_ref().is_some_and(|s| s.chars().count() > 500) {
                return Err("usual_resolution is longer than 500 characters".into());
            }
            Ok(AgentOutput::Pattern(p))
        }
        AgentKind::Decisioning => {
            let d: DecisioningOutput = serde_json::from_value(v).map_err(|e| e.to_string())?;
            if !(0.0..=1.0).contains(&d.confidence) {
                return Err(format!("confidence {} is not within 0..1", d.confidence));
            }
            if d.rationale.is_empty() || d.rationale.len() > 12 || d.rationale.iter().any(|r| r.trim().is_empty() || r.chars().count() > 1000) {
                return Err("rationale must be 1 to 12 non-empty reasons of at most 1000 characters".into());
            }
            Ok(AgentOutput::Decisioning(d))
        }
        other => Err(format!("{other} is not a model-backed agent")),
    }
}

/// Merges the model's answer with the rules' toward caution (see the module's docs).
pub fn merge(det: &AgentOutput, model: AgentOutput) -> (AgentOutput, Verdict, Option<String>) {
    match (det, model) {
        (AgentOutput::Decisioning(r), AgentOutput::Decisioning(m)) => {
            let mut rationale: Vec<String> = m.rationale.iter().map(|l| format!("Model: {l}")).collect();
            let (action, confidence, verdict, note) = match m.action.cmp(&r.action) {
                std::cmp::Ordering::Equal => (r.action, r.confidence.min(m.confidence), Verdict::Agreed, None),
                std::cmp::Ordering::Greater => {
                    let n = format!("The model asked for {} where the rules proposed {}: its caution stands.", m.action, r.action);
                    (m.action, m.confidence, Verdict::MoreCautious, Some(n))
                }
                std::cmp::Ordering::Less => {
                    let n = format!("The model proposed {}; the rules say {}, and the rules decide.", m.action, r.action);
                    (r.action, r.confidence, Verdict::Overruled, Some(n))
                }
            };
            if let Some(n) = &note {
                rationale.insert(0, n.clone());
            }
            rationale.push(format!("Rules: {} (confidence {:.2}).", r.action, r.confidence));
            rationale.extend(r.rationale.iter().cloned());
            (AgentOutput::Decisioning(DecisioningOutput { action, confidence, rationale }), verdict, note)
        }
        (AgentOutput::Pattern(r), AgentOutput::Pattern(m)) => {
            let mut out = r.clone();
            let mut notes = Vec::new();
            let facts = |p: &PatternOutput| (p.similar_count, p.resolved_count, p.auto_resolved_count, p.unresolved_count);
            let misread = facts(&m) != facts(r);
            if misread {
                notes.push(format!(
                    "The model misread the history (similar/resolved/auto/open {:?} against {:?}); the history's counts stand.",
                    facts(&m),
                    facts(r)
                ));
            }
            let more_cautious = (m.recurring_unresolved && !r.recurring_unresolved) || m.prior_auto_resolve_rate < r.prior_auto_resolve_rate;
            let less_cautious = (!m.recurring_unresolved && r.recurring_unresolved) || m.prior_auto_resolve_rate > r.prior_auto_resolve_rate;
            out.recurring_unresolved = r.recurring_unresolved || m.recurring_unresolved;
            out.prior_auto_resolve_rate = r.prior_auto_resolve_rate.min(m.prior_auto_resolve_rate);
            if m.usual_resolution.is_some() {
                out.usual_resolution = m.usual_resolution.clone();
            }
            let verdict = if misread || less_cautious {
                Verdict::Overruled
            } else if more_cautious {
                notes.push("The model reads the history as more worrying than the rules: its caution stands.".into());
                Verdict::MoreCautious
            } else {
                Verdict::Agreed
            };
            (AgentOutput::Pattern(out), verdict, (!notes.is_empty()).then(|| notes.join(" ")))
        }
        // parse() only gives the agent's own output type
        (_, _) => (det.clone(), Verdict::Overruled, Some("the model answered for another agent".into())),
    }
}

/// The request: the prompt template as the system message (with the answer's schema), the
/// evidence as JSON in the user message.
pub fn request(cfg: &LlmAgentConfig, prompt: &str, config: &LlmConfig, ctx: &AgentContext, det: &AgentOutput, names: &Names) -> ChatRequest {
    let (schema_name, schema) = schema(cfg.agent);
    let system = format!(
        "{}\n\nAnswer with one JSON object and nothing else. Its JSON Schema:\n{}",
        prompt.trim_end().replace("{{base_currency}}", &ctx.input.config.base_currency),
        serde_json::to_string(&schema).unwrap_or_default()
    );
    let user = format!("Evidence (JSON):\n{}", serde_json::to_string_pretty(&evidence(cfg.agent, ctx, det, names)).unwrap_or_default());
    ChatRequest { model: cfg.model.clone(), system, user, max_tokens: cfg.max_tokens, schema_name, schema, response_format: config.response_format.clone() }
}

/// What the model sees: the break (names pseudonymised when asked), its profile, the outputs of
/// the agents this one may read, and the rules' own answer (`history` for PATTERN, `draft` for
/// DECISIONING).
pub fn evidence(kind: AgentKind, ctx: &AgentContext, det: &AgentOutput, names: &Names) -> Value {
    let b = &ctx.input.brk;
    let p = &ctx.input.profile;
    let mut brk = serde_json::to_value(b).unwrap_or(Value::Null);
    for field in ["counterparty", "account", "description"] {
        if let Some(s) = brk.get(field).and_then(|v| v.as_str()).map(|s| names.hide(s)) {
            brk[field] = json!(s);
        }
    }
    let mut ev = json!({
        "break": brk,
        "profile": {"tier": p.tier, "exposure_base": p.exposure.to_string(), "age_days": p.age_days, "hints": p.hints},
    });
    let mut seen = serde_json::Map::new();
    for a in AgentKind::ALL {
        if let Some(o) = ctx.output(a) {
            seen.insert(a.variable().to_string(), serde_json::to_value(o).unwrap_or(Value::Null));
        }
    }
    if !seen.is_empty() {
        ev["agents"] = Value::Object(seen);
    }
    match (kind, det) {
        (AgentKind::Pattern, AgentOutput::Pattern(h)) => ev["history"] = serde_json::to_value(h).unwrap_or(Value::Null),
        (_, AgentOutput::Decisioning(d)) => ev["draft"] = serde_json::to_value(d).unwrap_or(Value::Null),
        _ => {}
    }
    ev
}

/// Stable pseudonyms for a break's counterparty and account, and the way back for the answer.
pub struct Names {
    pairs: Vec<(String, String)>,
}

impl Names {
    pub fn of(ctx: &AgentContext, on: bool, key: &str) -> Names {
        let b = &ctx.input.brk;
        let mut pairs = Vec::new();
        if on {
            for (prefix, name) in [("CP", &b.counterparty), ("ACCT", &b.account)] {
                if let Some(n) = name.as_deref().filter(|n| !n.trim().is_empty()) {
                    pairs.push((n.to_string(), pseudonym(prefix, n, key)));
                }
            }
            // the longer name first, so one inside another is replaced whole
            pairs.sort_by_key(|(n, _)| std::cmp::Reverse(n.len()));
        }
        Names { pairs }
    }

    /// `s` with every real name replaced by its pseudonym.
    pub fn hide(&self, s: &str) -> String {
        self.pairs.iter().fold(s.to_string(), |acc, (real, fake)| acc.replace(real.as_str(), fake))
    }

    /// `s` with every pseudonym replaced by the real name (for what the reviewer reads).
    pub fn restore(&self, s: &str) -> String {
        self.pairs.iter().fold(s.to_string(), |acc, (real, fake)| acc.replace(fake.as_str(), real))
    }

    fn restore_output(&self, o: AgentOutput) -> AgentOutput {
        match o {
            AgentOutput::Decisioning(mut d) => {
                d.rationale = d.rationale.iter().map(|l| self.restore(l)).collect();
                AgentOutput::Decisioning(d)
            }
            AgentOutput::Pattern(mut p) => {
                p.usual_resolution = p.usual_resolution.map(|s| self.restore(&s));
                AgentOutput::Pattern(p)
            }
            o => o,
        }
    }
}

/// `CP-1a2b3c4d5e`: the first 10 hex digits of SHA-256(key, name).
pub fn pseudonym(prefix: &str, name: &str, key: &str) -> String {
    let mut h = Sha256::new();
    h.update(key.as_bytes());
    h.update([0u8]);
    h.update(name.as_bytes());
    format!("{prefix}-{}", &hex::encode(h.finalize())[..10])
}
