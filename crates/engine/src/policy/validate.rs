//! From YAML text to a [`PolicySet`], collecting every problem with its path and line.
//!
//! Over 400 lines on purpose: one pass over the file's shape, each section's checks beside the
//! spans they report, so every rule a policy file must meet is in one place.

use super::schema::{AfterSpec, ClassifierSpec, PlanSpec, PolicyFile};
use super::{agent_list, Checkpoint, ClassifierConfig, Condition, PlanTemplate, PlannedAgent, PolicyError, PolicyErrors, PolicySet, DEFAULT_POLICY};
use crate::model::{AgentKind, DecisionAction, RiskTier};
use rust_decimal::Decimal;
use serde_saphyr::{Location, Spanned};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

struct Collector<'a> {
    file: &'a str,
    errors: Vec<PolicyError>,
    warnings: Vec<PolicyError>,
}

impl Collector<'_> {
    fn error(&mut self, path: impl Into<String>, at: Option<Location>, message: impl Into<String>) {
        let e = self.make(path, at, message);
        self.errors.push(e);
    }
    fn warn(&mut self, path: impl Into<String>, at: Option<Location>, message: impl Into<String>) {
        let e = self.make(path, at, message);
        self.warnings.push(e);
    }
    fn make(&self, path: impl Into<String>, at: Option<Location>, message: impl Into<String>) -> PolicyError {
        // A message quotes the offending value; a 20 MB value must not become a 20 MB message.
        let mut message: String = message.into();
        if message.len() > 400 {
            let cut = (0..=300).rev().find(|&i| message.is_char_boundary(i)).unwrap_or(0);
            message = format!("{}… ({} bytes in all)", &message[..cut], message.len());
        }
        PolicyError {
            file: self.file.to_string(),
            path: path.into(),
            line: at.map(|l| l.line()).unwrap_or(0),
            column: at.map(|l| l.column()).unwrap_or(0),
            message,
        }
    }
}

fn at<T>(s: &Spanned<T>) -> Option<Location> {
    Some(s.referenced)
}

pub(super) fn load(text: &str, file: &str) -> Result<PolicySet, PolicyErrors> {
    let mut c = Collector { file, errors: Vec::new(), warnings: Vec::new() };
    if text.trim().is_empty() {
        c.error("", None, "the file is empty");
        return Err(PolicyErrors(c.errors));
    }
    // Before the typed load, which would drop tags or fail on them with a message about types.
    // The event parser keeps a stack, not recursion, and does not expand aliases.
    if reject_tags(text, &mut c) {
        return Err(PolicyErrors(c.errors));
    }
    let doc: PolicyFile = match serde_saphyr::from_str(text) {
        Ok(doc) => doc,
        Err(e) => {
            let loc = e.location();
            let message = e.without_snippet().to_string();
            c.error("", loc, message);
            return Err(PolicyErrors(c.errors));
        }
    };
    if doc.version.value != 1 {
        c.error("version", at(&doc.version), format!("unsupported version {}; this engine reads version 1", doc.version.value));
    }
    let classifier = classifier(&doc.classifier, &mut c);
    if doc.defaults.max_parallel < 1 {
        c.error("defaults.max_parallel", None, format!("max_parallel must be at least 1, not {}", doc.defaults.max_parallel));
    }
    if doc.defaults.timeout_ms == 0 || doc.defaults.timeout_ms > super::MAX_TIMEOUT_MS {
        c.error("defaults.timeout_ms", None, format!("timeout_ms must be from 1 to {}, not {}", super::MAX_TIMEOUT_MS, doc.defaults.timeout_ms));
    }
    if doc.defaults.retries > super::MAX_RETRIES {
        c.error("defaults.retries", None, format!("retries {} is above the maximum {}", doc.defaults.retries, super::MAX_RETRIES));
    }

    let mut plans = HashMap::new();
    for (type_name, tiers) in &doc.policies {
        let path = format!("policies.{type_name}");
        if !crate::safety::is_plain_type(type_name) {
            c.error(&path, at(tiers), format!("`{type_name}` is not a break type name (use UPPER_SNAKE_CASE)"));
        }
        for (tier_name, plan) in &tiers.value {
            let path = format!("{path}.{tier_name}");
            let Some(tier) = RiskTier::parse(tier_name) else {
                c.error(&path, at(plan), format!("unknown tier `{tier_name}` (tiers: LOW, MEDIUM, HIGH, CRITICAL)"));
                continue;
            };
            let auto_ok = classifier.as_ref().map(|k| k.auto_resolve_allowed(type_name, tier));
            let never = classifier.as_ref().is_some_and(|k| k.never_auto_resolve.contains(type_name.as_str()));
            if let Some(t) = plan_template(type_name, tier, &plan.value, &doc.defaults, &path, never, auto_ok, &mut c) {
                plans.insert((type_name.clone(), tier), Arc::new(t));
            }
        }
    }
    for tier in RiskTier::ALL {
        if !doc.policies.get(DEFAULT_POLICY).is_some_and(|t| t.value.contains_key(tier.as_str())) {
            c.error(
                format!("policies.{DEFAULT_POLICY}.{tier}"),
                None,
                format!("no DEFAULT plan for {tier}: break types that do not list {tier} would have no route"),
            );
        }
    }

    let authority = authority(doc.authority.as_ref(), &doc, &mut c);
    let llm = doc.llm.as_ref().map(|l| llm(l, &plans, &mut c));
    let classifier = match classifier {
        Some(k) if c.errors.is_empty() => k,
        _ => return Err(PolicyErrors(c.errors)),
    };
    Ok(PolicySet {
        classifier: Arc::new(classifier),
        plans,
        version: PolicySet::content_hash(text),
        source_name: file.to_string(),
        text: Arc::from(text),
        warnings: c.warnings,
        v1_plan: Arc::new(PolicySet::sequential_plan(Duration::from_millis(doc.defaults.timeout_ms), doc.defaults.retries)),
        authority,
        llm: llm.map(Arc::new),
    })
}

/// The `llm` section: which agents ask a model, where, for how much.
fn llm(spec: &Spanned<super::schema::LlmSpec>, plans: &HashMap<(String, RiskTier), Arc<PlanTemplate>>, c: &mut Collector) -> crate::llm::LlmConfig {
    use crate::llm::{Budgets, LlmAgentConfig, LlmConfig, Price, MODEL_AGENTS};
    let s = &spec.value;
    let endpoint = s.endpoint.value.trim_end_matches('/').to_string();
    if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
        c.error("llm.endpoint", at(&s.endpoint), format!("`{endpoint}` is not an http:// or https:// URL"));
    } else if endpoint.starts_with("http://") && !crate::llm::client::is_loopback(&endpoint) {
        c.warn("llm.endpoint", at(&s.endpoint), "plain http to another machine: breaks are sent unencrypted; use https");
    }
    let api_key_env = s.api_key_env.as_ref().map(|k| {
        if k.value.is_empty() || !k.value.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_') {
            c.error(
                "llm.api_key_env",
                at(k),
                format!("`{}` is not an environment variable name (A-Z, 0-9, _); the key itself never goes in this file", k.value),
            );
        }
        k.value.clone()
    });
    let response_format = match &s.response_format {
        None => "json_schema".to_string(),
        Some(f) if f.value == "json_schema" || f.value == "json_object" => f.value.clone(),
        Some(f) => {
            c.error("llm.response_format", at(f), format!("unknown response_format `{}` (json_schema or json_object)", f.value));
            "json_schema".to_string()
        }
    };
    let mut prices = HashMap::new();
    for (model, p) in &s.prices {
        if p.value.prompt < Decimal::ZERO || p.value.completion < Decimal::ZERO {
            c.error(format!("llm.prices.{model}"), at(p), "a price cannot be negative");
        }
        prices.insert(model.clone(), Price { prompt: p.value.prompt, completion: p.value.completion });
    }
    let budgets = s.budgets.as_ref().map_or(Budgets::default(), |b| {
        for (name, v) in [("per_break", b.value.per_break), ("per_batch", b.value.per_batch), ("per_day", b.value.per_day)] {
            if v.is_some_and(|v| v <= Decimal::ZERO) {
                c.error(format!("llm.budgets.{name}"), at(b), "a budget must be positive (leave it out for no limit)");
            }
        }
        Budgets { per_break: b.value.per_break, per_batch: b.value.per_batch, per_day: b.value.per_day }
    });
    if let Some(t) = s.tokens_per_minute.as_ref().filter(|t| t.value == 0) {
        c.error("llm.tokens_per_minute", at(t), "tokens_per_minute must be at least 1 (leave it out for no limit)");
    }
    let max_calls_in_flight = match &s.max_calls_in_flight {
        None => crate::llm::DEFAULT_CALLS_IN_FLIGHT,
        Some(m) if (1..=1024).contains(&m.value) => m.value,
        Some(m) => {
            c.error("llm.max_calls_in_flight", at(m), format!("max_calls_in_flight must be from 1 to 1024, not {}", m.value));
            crate::llm::DEFAULT_CALLS_IN_FLIGHT
        }
    };
    let mut agents = Vec::new();
    for (name, a) in &s.agents {
        let path = format!("llm.agents.{name}");
        let Some(kind) = AgentKind::parse(name) else {
            c.error(&path, at(a), format!("unknown agent `{name}`"));
            continue;
        };
        if !MODEL_AGENTS.contains(&kind) {
            c.error(&path, at(a), format!("{kind} cannot be model-backed: it checks facts the rules own; PATTERN and DECISIONING can"));
            continue;
        }
        let v = &a.value;
        let enabled = match &v.backend {
            None => true,
            Some(b) if b.value == "llm" => true,
            Some(b) if b.value == "builtin" => false,
            Some(b) => {
                c.error(format!("{path}.backend"), at(b), format!("unknown backend `{}` (llm or builtin)", b.value));
                false
            }
        };
        if v.model.value.trim().is_empty() {
            c.error(format!("{path}.model"), at(&v.model), "the model name is empty");
        } else if !prices.contains_key(&v.model.value) {
            c.error(
                format!("{path}.model"),
                at(&v.model),
                format!("no price for model `{}` in llm.prices: its cost could be neither measured nor budgeted", v.model.value),
            );
        }
        if v.max_tokens == 0 || v.max_tokens > 32_768 {
            c.error(format!("{path}.max_tokens"), at(a), format!("max_tokens must be from 1 to 32768, not {}", v.max_tokens));
        }
        if v.timeout_ms == 0 || v.timeout_ms > super::MAX_TIMEOUT_MS {
            c.error(format!("{path}.timeout_ms"), at(a), format!("timeout_ms must be from 1 to {}, not {}", super::MAX_TIMEOUT_MS, v.timeout_ms));
        }
        if v.retries > super::MAX_RETRIES {
            c.error(format!("{path}.retries"), at(a), format!("retries {} is above the maximum {}", v.retries, super::MAX_RETRIES));
        }
        let file = &v.prompt.value;
        if file.is_empty() || file.starts_with('/') || file.split(['/', '\\']).any(|p| p == "..") {
            c.error(format!("{path}.prompt"), at(&v.prompt), format!("`{file}` must be a path below the policy file's folder"));
        }
        let hash = v.prompt_sha256.value.to_ascii_lowercase();
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            c.error(
                format!("{path}.prompt_sha256"),
                at(&v.prompt_sha256),
                "prompt_sha256 must be the template's SHA-256 in hex (64 digits; `reconagent policy check` prints it)",
            );
        }
        if enabled {
            // the executor's limit covers every HTTP attempt of the agent
            let worst = v.timeout_ms.saturating_mul(u64::from(v.retries) + 1);
            if let Some(p) = plans
                .values()
                .filter_map(|p| p.agents.iter().find(|x| x.agent == kind).map(|x| (p, x)))
                .find(|(_, x)| (x.timeout.as_millis() as u64) < v.timeout_ms)
            {
                c.warn(
                    format!("{path}.timeout_ms"),
                    at(a),
                    format!(
                        "the plan {} gives {kind} {} ms, less than one model call's {} ms (all attempts: {worst} ms): the executor stops it first",
                        p.0.key(),
                        p.1.timeout.as_millis(),
                        v.timeout_ms
                    ),
                );
            }
        }
        agents.push(LlmAgentConfig {
            agent: kind,
            enabled,
            model: v.model.value.clone(),
            max_tokens: v.max_tokens,
            timeout_ms: v.timeout_ms,
            retries: v.retries,
            prompt_file: file.clone(),
            prompt_sha256: hash,
            line: at(&v.prompt_sha256).map_or(0, |l| l.line()),
            prompt: None,
        });
    }
    LlmConfig {
        endpoint,
        api_key_env,
        pseudonymise: s.pseudonymise,
        response_format,
        prices,
        budgets,
        tokens_per_minute: s.tokens_per_minute.as_ref().map(|t| t.value),
        max_calls_in_flight,
        agents,
    }
}

fn authority(spec: Option<&Spanned<super::schema::AuthoritySpec>>, doc: &PolicyFile, c: &mut Collector) -> super::AuthorityLimits {
    let Some(spec) = spec else { return super::AuthorityLimits::default() };
    let loc = at(spec);
    let s = &spec.value;
    let tiers = s.second_approver_tiers.iter().filter_map(|t| tier_field(t, "authority.second_approver_tiers", loc, c)).collect();
    if let Some(above) = s.second_approver_above.filter(|a| *a <= Decimal::ZERO) {
        c.error("authority.second_approver_above", loc, format!("the amount must be positive, not {above}"));
    }
    for t in &s.second_approver_types {
        if !crate::safety::is_plain_type(t) {
            c.error("authority.second_approver_types", loc, format!("`{t}` is not a break type name (use UPPER_SNAKE_CASE)"));
        } else if !doc.policies.contains_key(t) && !doc.classifier.value.minimum_tier.contains_key(t) {
            c.warn("authority.second_approver_types", loc, format!("`{t}` has no plan of its own: it is routed by DEFAULT, and the limit still applies to it"));
        }
    }
    super::AuthorityLimits { tiers, above: s.second_approver_above, types: s.second_approver_types.clone() }
}

fn tier_field(name: &str, path: &str, loc: Option<Location>, c: &mut Collector) -> Option<RiskTier> {
    let tier = RiskTier::parse(name);
    if tier.is_none() {
        c.error(path, loc, format!("unknown tier `{name}` (tiers: LOW, MEDIUM, HIGH, CRITICAL)"));
    }
    tier
}

fn classifier(spec: &Spanned<ClassifierSpec>, c: &mut Collector) -> Option<ClassifierConfig> {
    let loc = at(spec);
    let s = &spec.value;
    let before = c.errors.len();
    if s.base_currency.len() != 3 || !s.base_currency.chars().all(|ch| ch.is_ascii_uppercase()) {
        c.error("classifier.base_currency", loc, format!("`{}` is not an ISO 4217 currency code", s.base_currency));
    }
    let mut thresholds = Vec::new();
    for (name, value) in &s.tier_thresholds {
        let path = format!("classifier.tier_thresholds.{name}");
        match RiskTier::parse(name) {
            Some(RiskTier::Low) => c.error(&path, loc, "LOW has no threshold: it is everything below MEDIUM"),
            Some(tier) if *value > Decimal::ZERO => thresholds.push((tier, *value)),
            Some(_) => c.error(&path, loc, format!("threshold must be positive, not {value}")),
            None => c.error(&path, loc, format!("unknown tier `{name}` (tiers: MEDIUM, HIGH, CRITICAL)")),
        }
    }
    thresholds.sort();
    if thresholds.len() != 3 && c.errors.len() == before {
        c.error("classifier.tier_thresholds", loc, "thresholds for MEDIUM, HIGH and CRITICAL are all required");
    }
    if thresholds.windows(2).any(|w| w[0].1 >= w[1].1) {
        c.error("classifier.tier_thresholds", loc, "thresholds must increase from MEDIUM to HIGH to CRITICAL");
    }
    for (name, m) in &s.asset_class_multipliers {
        if *m <= Decimal::ZERO {
            c.error(format!("classifier.asset_class_multipliers.{name}"), loc, format!("multiplier must be positive, not {m}"));
        }
    }
    let mut age = s.age_escalation.clone();
    for (i, step) in age.iter().enumerate() {
        if step.days == 0 || !(1..=3).contains(&step.raise_tiers) {
            c.error(format!("classifier.age_escalation[{i}]"), loc, "each step needs days >= 1 and raise_tiers from 1 to 3");
        }
    }
    age.sort_by_key(|s| s.days);
    let mut minimum_tier = HashMap::new();
    for (ty, tier) in &s.minimum_tier {
        if let Some(t) = tier_field(tier, &format!("classifier.minimum_tier.{ty}"), loc, c) {
            minimum_tier.insert(ty.clone(), t);
        }
    }
    let t = &s.tolerance;
    if t.absolute < Decimal::ZERO || t.percent < Decimal::ZERO || t.fx_rounding < Decimal::ZERO {
        c.error("classifier.tolerance", loc, "tolerances cannot be negative");
    }
    let max_tier = tier_field(&s.auto_resolve_max_tier, "classifier.auto_resolve_max_tier", loc, c);
    let mut sla = [0u32; 4];
    for tier in RiskTier::ALL {
        match s.sla_hours.get(tier.as_str()) {
            Some(h) if *h > 0 => sla[tier.rank() as usize] = *h,
            _ => c.error(format!("classifier.sla_hours.{tier}"), loc, format!("SLA hours for {tier} are required and must be positive")),
        }
    }
    for name in s.sla_hours.keys() {
        tier_field(name, &format!("classifier.sla_hours.{name}"), loc, c);
    }
    if c.errors.len() != before {
        return None;
    }
    Some(ClassifierConfig {
        base_currency: s.base_currency.clone(),
        tier_thresholds: thresholds,
        asset_class_multipliers: s.asset_class_multipliers.iter().map(|(k, v)| (k.clone(), *v)).collect(),
        age_escalation: age,
        minimum_tier,
        tolerance: s.tolerance,
        auto_resolve_max_tier: max_tier?,
        never_auto_resolve: s.never_auto_resolve.iter().cloned().collect(),
        sla_hours: sla,
    })
}

fn decision_field(s: &Spanned<String>, path: &str, c: &mut Collector) -> Option<DecisionAction> {
    let d = DecisionAction::parse(&s.value);
    if d.is_none() {
        c.error(path, at(s), format!("unknown decision `{}` (decisions: AUTO_RESOLVE, HIL_REVIEW, ESCALATE)", s.value));
    }
    d
}

#[allow(clippy::too_many_arguments)]
fn plan_template(
    type_name: &str,
    tier: RiskTier,
    spec: &PlanSpec,
    defaults: &super::schema::PlanDefaults,
    path: &str,
    never_auto_resolve: bool,
    auto_resolve_allowed: Option<bool>,
    c: &mut Collector,
) -> Option<PlanTemplate> {
    let before = c.errors.len();
    let max_parallel = spec.max_parallel.as_ref().map(|m| m.value).unwrap_or(defaults.max_parallel);
    if max_parallel < 1 {
        c.error(format!("{path}.max_parallel"), spec.max_parallel.as_ref().and_then(at), format!("max_parallel must be at least 1, not {max_parallel}"));
    }
    if spec.agents.is_empty() {
        c.error(format!("{path}.agents"), None, "a plan needs at least one agent");
    }
    // Parse agent names first, so dependencies can be checked against the plan.
    let mut kinds: Vec<(AgentKind, &Spanned<super::schema::AgentSpec>)> = Vec::new();
    for (name, a) in &spec.agents {
        match AgentKind::parse(name) {
            Some(k) => kinds.push((k, a)),
            None => {
                c.error(format!("{path}.agents.{name}"), at(a), format!("unknown agent `{name}` (agents: {})", AgentKind::ALL.map(|a| a.as_str()).join(", ")))
            }
        }
    }
    let in_plan: HashSet<AgentKind> = kinds.iter().map(|(k, _)| *k).collect();
    let mut agents = Vec::new();
    for (kind, a) in &kinds {
        let mut deps = Vec::new();
        for (i, d) in a.value.depends_on.iter().enumerate() {
            let dpath = format!("{path}.agents.{kind}.depends_on[{i}]");
            match AgentKind::parse(&d.value) {
                None => c.error(&dpath, at(d), format!("unknown agent `{}`", d.value)),
                Some(dk) if dk == *kind => c.error(&dpath, at(d), format!("{kind} cannot depend on itself")),
                Some(dk) if !in_plan.contains(&dk) => c.error(&dpath, at(d), format!("{kind} depends on {dk}, which is not in this plan")),
                Some(dk) if deps.contains(&dk) => c.error(&dpath, at(d), format!("{kind} lists {dk} twice in depends_on")),
                Some(dk) => deps.push(dk),
            }
        }
        agents.push(PlannedAgent {
            agent: *kind,
            depends_on: deps,
            timeout: Duration::from_millis(a.value.timeout_ms.unwrap_or(defaults.timeout_ms)),
            retries: a.value.retries.unwrap_or(defaults.retries),
        });
        if a.value.timeout_ms == Some(0) {
            c.error(format!("{path}.agents.{kind}.timeout_ms"), at(a), "timeout_ms must be positive");
        }
        if let Some(t) = a.value.timeout_ms.filter(|t| *t > super::MAX_TIMEOUT_MS) {
            c.error(format!("{path}.agents.{kind}.timeout_ms"), at(a), format!("timeout_ms {t} is above the maximum {}", super::MAX_TIMEOUT_MS));
        }
        if let Some(r) = a.value.retries.filter(|r| *r > super::MAX_RETRIES) {
            c.error(format!("{path}.agents.{kind}.retries"), at(a), format!("retries {r} is above the maximum {}", super::MAX_RETRIES));
        }
    }
    // Topological order; what is left over is on a cycle (or after one).
    let (all, n_all) = super::dag_nodes(&agents);
    let (order, stuck) = crate::dag::topo_order(&all[..n_all]);
    if let Some(first) = stuck.first() {
        let names: Vec<_> = stuck.iter().map(|a| a.as_str()).collect();
        let loc = kinds.iter().find(|(k, _)| k == first).and_then(|(_, a)| at(a));
        c.error(format!("{path}.agents"), loc, format!("dependency cycle among {}", names.join(", ")));
    }
    let mut ordered: Vec<PlannedAgent> = order.iter().filter_map(|k| agents.iter().find(|a| a.agent == *k).cloned()).collect();
    // By depth (the longest chain of dependencies above an agent), then in the written order.
    let (nodes, n) = super::dag_nodes(&ordered);
    if let Some(depth) = crate::dag::chains(&nodes[..n], |_| 1).map(|c| c.finish) {
        ordered.sort_by_key(|a| (depth[a.agent.index()], agents.iter().position(|x| x.agent == a.agent)));
    }

    // The worst case: every agent on the longest chain times out on every attempt.
    let worst = |a: AgentKind| ordered.iter().find(|p| p.agent == a).map_or(0, super::worst_case_ms);
    if let Some((chain, ms)) = crate::dag::chains(&nodes[..n], worst).map(|ch| ch.longest(&nodes[..n])) {
        if ms > super::MAX_PLAN_WORST_CASE_MS {
            c.error(
                format!("{path}.agents"),
                None,
                format!(
                    "in the worst case (every attempt times out) {} takes {} s, above the maximum {} s: lower timeouts or retries",
                    agent_list(&chain).replace(" and ", " -> "),
                    ms / 1000,
                    super::MAX_PLAN_WORST_CASE_MS / 1000
                ),
            );
        }
    }

    // An agent's evidence must be complete when it starts: whatever it reads and the plan
    // runs is one of its ancestors (the executor shows an agent its ancestors' outputs only).
    let ancestors = super::ancestors(&ordered);
    for a in &ordered {
        for r in a.agent.reads().iter().filter(|r| in_plan.contains(r) && !crate::dag::contains(ancestors[a.agent.index()], **r)) {
            let loc = kinds.iter().find(|(k, _)| *k == a.agent).and_then(|(_, s)| at(s));
            c.error(
                format!("{path}.agents.{}.depends_on", a.agent),
                loc,
                format!("{} reads {r}'s output and this plan runs {r}, so {} must depend on {r}, directly or through an agent it depends on", a.agent, a.agent),
            );
        }
    }

    let fallback = decision_field(&spec.fallback, &format!("{path}.fallback"), c);
    if never_auto_resolve && fallback == Some(DecisionAction::AutoResolve) {
        c.error(format!("{path}.fallback"), at(&spec.fallback), format!("{type_name} is never auto-resolved (classifier.never_auto_resolve)"));
    }
    let template = PlanTemplate {
        policy_type: type_name.to_string(),
        tier,
        description: spec.description.clone(),
        agents: ordered,
        max_parallel: max_parallel.max(1) as usize,
        checkpoints: Vec::new(),
        fallback: fallback.unwrap_or(DecisionAction::HilReview),
        cel_reads: Vec::new(),
    };
    let mut checkpoints = Vec::new();
    let mut ids = HashSet::new();
    for (i, cp) in spec.checkpoints.iter().enumerate() {
        let cpath = format!("{path}.checkpoints[{i}]");
        let v = &cp.value;
        if !ids.insert(v.id.clone()) {
            c.error(format!("{cpath}.id"), at(cp), format!("checkpoint id `{}` is used twice in this plan", v.id));
        }
        if !(0.0..=1.0).contains(&v.confidence) {
            c.error(format!("{cpath}.confidence"), at(cp), format!("confidence must be between 0 and 1, not {}", v.confidence));
        }
        let decision = decision_field(&v.decision, &format!("{cpath}.decision"), c);
        if never_auto_resolve && decision == Some(DecisionAction::AutoResolve) {
            c.error(format!("{cpath}.decision"), at(&v.decision), format!("{type_name} is never auto-resolved (classifier.never_auto_resolve)"));
        } else if decision == Some(DecisionAction::AutoResolve) && auto_resolve_allowed == Some(false) {
            c.warn(
                format!("{cpath}.decision"),
                at(&v.decision),
                format!("AUTO_RESOLVE above classifier.auto_resolve_max_tier: it will be downgraded to HIL_REVIEW at {tier}"),
            );
        }
        let named = v.after.value.agents();
        let many = matches!(v.after.value, AfterSpec::Many(_));
        let mut after = Vec::new();
        let mut after_ok = !named.is_empty();
        if named.is_empty() {
            c.error(format!("{cpath}.after"), at(&v.after), "`after` names no agent: give one, or a list such as [RULES, PATTERN]");
        }
        for (j, name) in named.iter().enumerate() {
            let fpath = if many { format!("{cpath}.after[{j}]") } else { format!("{cpath}.after") };
            match AgentKind::parse(name) {
                None => {
                    c.error(fpath, at(&v.after), format!("unknown agent `{name}`"));
                    after_ok = false;
                }
                Some(a) if !in_plan.contains(&a) => {
                    c.error(fpath, at(&v.after), format!("checkpoint after {a}, which is not in this plan"));
                    after_ok = false;
                }
                Some(a) if after.contains(&a) => c.error(fpath, at(&v.after), format!("{a} is listed twice")),
                Some(a) => after.push(a),
            }
        }
        if !after_ok {
            continue;
        }
        // The condition may read every agent that has completed when the last of `after` has.
        let seen = crate::dag::completed_with(&after, &ancestors);
        let visible: Vec<AgentKind> = AgentKind::ALL.into_iter().filter(|a| crate::dag::contains(seen, *a)).collect();
        let condition = match Condition::compile(&v.when.value, &visible) {
            Ok(cond) => Some(cond),
            Err(problems) => {
                for p in problems {
                    c.error(format!("{cpath}.when"), at(&v.when), p);
                }
                None
            }
        };
        if let (Some(condition), Some(decision)) = (condition, decision) {
            checkpoints.push(Checkpoint { id: v.id.clone(), after, condition, decision, confidence: v.confidence });
        }
    }
    if c.errors.len() != before {
        return None;
    }
    let mut plan = PlanTemplate { checkpoints, ..template };
    plan.refresh_reads();
    suspicious(&plan, spec, path, c);
    Some(plan)
}

/// Refuses YAML tags (`!!binary`, `!ruby/object`, `!anything`). The loader would otherwise drop
/// them silently, and the likeliest one here is a CEL condition that starts with `!` written
/// without quotes (`when: !rules.explained`), which YAML reads as a tag on an empty value.
fn reject_tags(text: &str, c: &mut Collector) -> bool {
    use granit_parser::{Event, Parser};
    let before = c.errors.len();
    for ev in Parser::new_from_str(text) {
        let Ok((event, span)) = ev else { break }; // syntax errors were reported by the loader
        let tag = match &event {
            Event::Scalar(_, _, _, Some(t)) | Event::SequenceStart(_, _, Some(t)) | Event::MappingStart(_, _, Some(t)) => t.original(),
            _ => continue,
        };
        let line = span.start.line() as u64;
        let message = format!("`{tag}` is a YAML tag, which policy files do not use; a condition that starts with `!` must be quoted, e.g. when: \"{tag}\"");
        c.errors.push(PolicyError { file: c.file.to_string(), path: String::new(), line, column: span.start.col() as u64 + 1, message });
        if c.errors.len() - before >= 20 {
            break;
        }
    }
    c.errors.len() != before
}

/// Warnings for setups that are valid but probably not meant: they cost agent calls or can
/// never change a decision.
fn suspicious(plan: &PlanTemplate, spec: &PlanSpec, path: &str, c: &mut Collector) {
    let cp_at = |i: usize| spec.checkpoints.get(i).and_then(|cp| at(&cp.value.when));
    // A condition that reads nothing has one value for every break.
    let mut always_fires: Vec<&[AgentKind]> = Vec::new();
    for (i, cp) in plan.checkpoints.iter().enumerate() {
        let cpath = format!("{path}.checkpoints[{i}].when");
        // An earlier checkpoint evaluated no later than this one (its agents are a subset).
        if let Some(earlier) = always_fires.iter().find(|e| e.iter().all(|a| cp.after.contains(a))) {
            c.warn(&cpath, cp_at(i), format!("never fires: an earlier checkpoint after {} always fires first", agent_list(earlier)));
            continue;
        }
        if cp.condition.reads.is_empty() {
            match cp.condition.evaluate(&[]) {
                Ok(false) => c.warn(&cpath, cp_at(i), "never fires: the condition is false for every break"),
                Ok(true) => always_fires.push(&cp.after),
                Err(_) => {}
            }
        }
    }
    // An agent's output is used by an agent of the plan that reads it (see AgentKind::reads)
    // or by a checkpoint condition, unless it stands alone (AgentKind::output_stands_alone).
    for a in plan.agents.iter().filter(|a| !a.agent.output_stands_alone()) {
        let read_by_agent = plan.agents.iter().any(|o| o.agent.reads().contains(&a.agent));
        let read = plan.checkpoints.iter().any(|cp| cp.condition.reads.contains(&a.agent.variable()));
        if !read_by_agent && !read {
            let loc = spec.agents.get(a.agent.as_str()).and_then(at);
            c.warn(
                format!("{path}.agents.{}", a.agent),
                loc,
                format!("nothing uses {}'s output: no agent of this plan reads it and no checkpoint reads `{}`", a.agent, a.agent.variable()),
            );
        }
    }
}
