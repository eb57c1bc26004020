//! The policy file as the editor's form shows it: every field as written (before defaults),
//! readable even when the file does not validate, so the form can show the errors beside the
//! fields. Numbers are i32/f64/text so they cross to TypeScript as they are.

use super::schema::PolicyFile;
use super::{PolicyError, PolicyErrors};
use crate::agents::output::output_fields;
use crate::agents::LatencyProfile;
use crate::dag::{self, AgentMask};
use crate::model::AgentKind;
use crate::policy::PROFILE_FIELDS;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Outline {
    pub classifier: ClassifierOutline,
    pub defaults: DefaultsOutline,
    pub plans: Vec<PlanOutline>,
    /// The `llm` section, when the file has one.
    pub llm: Option<LlmOutline>,
    /// The prompt templates shipped with the app, for adding the section.
    pub shipped_prompts: Vec<ShippedPrompt>,
}

/// A name and its value as written (money and factors stay decimal text).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Entry {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ClassifierOutline {
    pub base_currency: String,
    pub tier_thresholds: Vec<Entry>,
    pub asset_class_multipliers: Vec<Entry>,
    pub age_escalation: Vec<AgeStepOutline>,
    pub minimum_tier: Vec<Entry>,
    pub auto_resolve_max_tier: String,
    pub never_auto_resolve: Vec<String>,
    pub tolerance: ToleranceOutline,
    /// Hours to resolve, by tier.
    pub sla_hours: Vec<Entry>,
}

/// The tolerances as the file states them (decimal text, as written).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ToleranceOutline {
    /// Base currency.
    pub absolute: String,
    /// Of the larger side's amount (0.0005 = 5 basis points).
    pub percent: String,
    /// Percent of the foreign amount.
    pub fx_rounding: String,
    pub timing_days: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AgeStepOutline {
    pub days: i32,
    pub raise_tiers: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DefaultsOutline {
    pub max_parallel: i32,
    pub timeout_ms: i32,
    pub retries: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlanOutline {
    pub break_type: String,
    pub tier: String,
    pub description: String,
    pub max_parallel: Option<i32>,
    pub agents: Vec<AgentOutline>,
    pub checkpoints: Vec<CheckpointOutline>,
    pub fallback: String,
    /// The longest chain of agents under the seed's per-agent latency (empty on a cycle or an
    /// unknown agent), and its length in ms: the plan's lower bound on wall time.
    pub critical_path: Vec<String>,
    pub critical_path_ms: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AgentOutline {
    pub agent: String,
    pub depends_on: Vec<String>,
    /// The agents of this plan whose outputs this agent reads: it must depend on each of them,
    /// directly or through another agent (see `AgentKind::reads`).
    pub reads: Vec<String>,
    pub timeout_ms: Option<i32>,
    pub retries: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CheckpointOutline {
    pub id: String,
    /// One agent, or several that run in parallel: evaluated when the last completes.
    pub after: Vec<String>,
    pub when: String,
    pub decision: String,
    pub confidence: f64,
    /// What its condition may read, as the validator checks it: the output fields of the agents
    /// it follows, then of their ancestors (pipeline order), then the profile's fields.
    pub fields: Vec<String>,
}

/// The `llm` section as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LlmOutline {
    pub endpoint: String,
    pub api_key_env: Option<String>,
    pub pseudonymise: bool,
    pub budgets: BudgetsOutline,
    pub tokens_per_minute: Option<i32>,
    /// As written; `None` means the default (8).
    pub max_calls_in_flight: Option<i32>,
    pub prices: Vec<PriceOutline>,
    pub agents: Vec<LlmAgentOutline>,
}

/// Budgets as written (decimal text), `None` for no limit.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BudgetsOutline {
    pub per_break: Option<String>,
    pub per_batch: Option<String>,
    pub per_day: Option<String>,
}

/// One model's price per million tokens (decimal text).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PriceOutline {
    pub model: String,
    pub prompt: String,
    pub completion: String,
}

/// One model-backed agent's settings as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LlmAgentOutline {
    pub agent: String,
    /// `llm` or `builtin`.
    pub backend: String,
    pub model: String,
    pub max_tokens: i32,
    pub timeout_ms: i32,
    pub retries: i32,
    /// The template's path, relative to the policy file.
    pub prompt: String,
    /// The hash the file records.
    pub prompt_sha256: String,
    /// The template file's actual hash, when the caller could read it (beside the policy file).
    pub prompt_file_sha256: Option<String>,
}

/// A prompt template shipped with the app.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ShippedPrompt {
    pub agent: String,
    /// Its path relative to the policy file (`prompts/decisioning.v1.md`).
    pub file: String,
    pub sha256: String,
}

/// The shipped prompt templates: (agent, path relative to the policy file, text).
pub const SHIPPED_PROMPTS: [(AgentKind, &str, &str); 2] = [
    (AgentKind::Pattern, "prompts/pattern.v1.md", include_str!("../../../../policies/prompts/pattern.v1.md")),
    (AgentKind::Decisioning, "prompts/decisioning.v1.md", include_str!("../../../../policies/prompts/decisioning.v1.md")),
];

/// Reads the form's view of `text`.
///
/// # Errors
/// The text is not YAML of the policy file's shape (a syntax error, a wrong type); the
/// validator's finer checks are not needed to build the form and are reported separately.
pub fn outline(text: &str, file: &str) -> Result<Outline, PolicyErrors> {
    let doc: PolicyFile = serde_saphyr::from_str(text).map_err(|e| {
        let loc = e.location();
        PolicyErrors(vec![PolicyError {
            file: file.to_string(),
            path: String::new(),
            line: loc.map(|l| l.line()).unwrap_or(0),
            column: loc.map(|l| l.column()).unwrap_or(0),
            message: e.without_snippet().to_string(),
        }])
    })?;
    let c = &doc.classifier.value;
    let entries = |m: &indexmap::IndexMap<String, rust_decimal::Decimal>| m.iter().map(|(k, v)| Entry { key: k.clone(), value: v.to_string() }).collect();
    let mut plans = Vec::new();
    for (ty, tiers) in &doc.policies {
        for (tier, plan) in &tiers.value {
            let p = &plan.value;
            let reads = |name: &str| -> Vec<String> {
                let Some(kind) = AgentKind::parse(name) else { return vec![] };
                kind.reads().iter().filter(|r| p.agents.contains_key(r.as_str())).map(|r| r.as_str().to_string()).collect()
            };
            let agents: Vec<AgentOutline> = p
                .agents
                .iter()
                .map(|(name, a)| AgentOutline {
                    agent: name.clone(),
                    depends_on: a.value.depends_on.iter().map(|d| d.value.clone()).collect(),
                    reads: reads(name),
                    timeout_ms: a.value.timeout_ms.map(|t| t.min(i32::MAX as u64) as i32),
                    retries: a.value.retries.map(|r| r.min(i32::MAX as u32) as i32),
                })
                .collect();
            let (critical_path, critical_path_ms) = critical_path(&agents, &LatencyProfile::SEED);
            let ancestors = known_ancestors(&agents);
            let checkpoints = p
                .checkpoints
                .iter()
                .map(|cp| CheckpointOutline {
                    id: cp.value.id.clone(),
                    after: cp.value.after.value.agents().to_vec(),
                    when: cp.value.when.value.clone(),
                    decision: cp.value.decision.value.clone(),
                    confidence: cp.value.confidence,
                    fields: condition_fields(&ancestors, cp.value.after.value.agents()),
                })
                .collect();
            plans.push(PlanOutline {
                break_type: ty.clone(),
                tier: tier.clone(),
                description: p.description.clone(),
                max_parallel: p.max_parallel.as_ref().map(|m| m.value.clamp(i32::MIN as i64, i32::MAX as i64) as i32),
                agents,
                checkpoints,
                fallback: p.fallback.value.clone(),
                critical_path,
                critical_path_ms,
            });
        }
    }
    Ok(Outline {
        classifier: ClassifierOutline {
            base_currency: c.base_currency.clone(),
            tier_thresholds: entries(&c.tier_thresholds),
            asset_class_multipliers: entries(&c.asset_class_multipliers),
            age_escalation: c
                .age_escalation
                .iter()
                .map(|s| AgeStepOutline { days: s.days.min(i32::MAX as u32) as i32, raise_tiers: s.raise_tiers as i32 })
                .collect(),
            minimum_tier: c.minimum_tier.iter().map(|(k, v)| Entry { key: k.clone(), value: v.clone() }).collect(),
            auto_resolve_max_tier: c.auto_resolve_max_tier.clone(),
            never_auto_resolve: c.never_auto_resolve.clone(),
            tolerance: ToleranceOutline {
                absolute: c.tolerance.absolute.to_string(),
                percent: c.tolerance.percent.to_string(),
                fx_rounding: c.tolerance.fx_rounding.to_string(),
                timing_days: c.tolerance.timing_days.min(i32::MAX as u32) as i32,
            },
            sla_hours: c.sla_hours.iter().map(|(k, v)| Entry { key: k.clone(), value: v.to_string() }).collect(),
        },
        defaults: DefaultsOutline {
            max_parallel: doc.defaults.max_parallel.clamp(i32::MIN as i64, i32::MAX as i64) as i32,
            timeout_ms: doc.defaults.timeout_ms.min(i32::MAX as u64) as i32,
            retries: doc.defaults.retries.min(i32::MAX as u32) as i32,
        },
        plans,
        llm: doc.llm.as_ref().map(|l| {
            let l = &l.value;
            let dec = |d: Option<rust_decimal::Decimal>| d.map(|d| d.to_string());
            let b = l.budgets.as_ref().map(|b| b.value).unwrap_or_default();
            LlmOutline {
                endpoint: l.endpoint.value.clone(),
                api_key_env: l.api_key_env.as_ref().map(|k| k.value.clone()),
                pseudonymise: l.pseudonymise,
                budgets: BudgetsOutline { per_break: dec(b.per_break), per_batch: dec(b.per_batch), per_day: dec(b.per_day) },
                tokens_per_minute: l.tokens_per_minute.as_ref().map(|t| t.value.min(i32::MAX as u64) as i32),
                max_calls_in_flight: l.max_calls_in_flight.as_ref().map(|m| m.value.min(i32::MAX as u32) as i32),
                prices: l
                    .prices
                    .iter()
                    .map(|(m, p)| PriceOutline { model: m.clone(), prompt: p.value.prompt.to_string(), completion: p.value.completion.to_string() })
                    .collect(),
                agents: l
                    .agents
                    .iter()
                    .map(|(name, a)| LlmAgentOutline {
                        agent: name.clone(),
                        backend: a.value.backend.as_ref().map_or_else(|| "llm".to_string(), |b| b.value.clone()),
                        model: a.value.model.value.clone(),
                        max_tokens: a.value.max_tokens.min(i32::MAX as u32) as i32,
                        timeout_ms: a.value.timeout_ms.min(i32::MAX as u64) as i32,
                        retries: a.value.retries.min(i32::MAX as u32) as i32,
                        prompt: a.value.prompt.value.clone(),
                        prompt_sha256: a.value.prompt_sha256.value.clone(),
                        prompt_file_sha256: None,
                    })
                    .collect(),
            }
        }),
        shipped_prompts: SHIPPED_PROMPTS
            .iter()
            .map(|(a, file, text)| ShippedPrompt { agent: a.as_str().to_string(), file: file.to_string(), sha256: super::PolicySet::content_hash(text) })
            .collect(),
    })
}

/// The names a checkpoint after `after` may read (see [`CheckpointOutline::fields`]). Unknown
/// agent names are left out: the validator reports them.
fn condition_fields(ancestors: &[AgentMask; 7], after: &[String]) -> Vec<String> {
    let after: Vec<AgentKind> = after.iter().filter_map(|n| AgentKind::parse(n)).collect();
    let earlier = dag::completed_with(&after, ancestors) & !dag::mask(&after);
    let earlier = AgentKind::ALL.into_iter().filter(|a| dag::contains(earlier, *a));
    let outputs = after.iter().copied().chain(earlier).flat_map(|a| output_fields(a).iter().map(move |f| format!("{}.{f}", a.variable())));
    outputs.chain(PROFILE_FIELDS.iter().map(|f| format!("profile.{f}"))).collect()
}

/// Each agent's ancestors in a plan as written, leaving out names that are not agents (the
/// validator reports them).
fn known_ancestors(agents: &[AgentOutline]) -> [AgentMask; 7] {
    let known = |names: &[String]| dag::mask(&names.iter().filter_map(|n| AgentKind::parse(n)).collect::<Vec<_>>());
    let nodes: Vec<(AgentKind, AgentMask)> =
        agents.iter().filter_map(|a| Some((AgentKind::parse(&a.agent)?, known(&a.depends_on)))).take(AgentKind::ALL.len()).collect();
    dag::ancestors(&nodes)
}

/// The longest chain through `depends_on` with `latency` per agent: (agents in order, ms).
/// Empty when an agent is unknown or the dependencies have a cycle.
pub fn critical_path(agents: &[AgentOutline], latency: &LatencyProfile) -> (Vec<String>, i32) {
    let kinds: Option<Vec<(AgentKind, Vec<AgentKind>)>> =
        agents.iter().map(|a| Some((AgentKind::parse(&a.agent)?, a.depends_on.iter().map(|d| AgentKind::parse(d)).collect::<Option<Vec<_>>>()?))).collect();
    let Some(kinds) = kinds else { return (vec![], 0) };
    let nodes: Vec<_> = kinds.iter().map(|(a, deps)| (*a, crate::dag::mask(deps))).collect();
    let Some(chains) = crate::dag::chains(&nodes, |a| latency.0[a.index()]) else { return (vec![], 0) };
    let (path, ms) = chains.longest(&nodes);
    (path.iter().map(|a| a.as_str().to_string()).collect(), ms.min(i32::MAX as u64) as i32)
}
