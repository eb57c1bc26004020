//! What each agent produces. Money stays [`Decimal`]; checkpoint conditions see a numeric view
//! (CEL has no decimal type), used only to compare against thresholds.

use crate::model::{AgentKind, DecisionAction};
use cel::Value;
use chrono::{DateTime, Utc};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IngestionOutput {
    pub valid: bool,
    pub has_internal: bool,
    pub has_external: bool,
    pub sides_present: bool,
    /// amount == internal.amount - external.amount (true when a side amount is missing).
    pub amount_consistent: bool,
    pub issues: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrichmentOutput {
    pub fx_rate_known: bool,
    pub fx_rate: Decimal,
    pub amount_base: Decimal,
    pub instrument_known: bool,
    pub counterparty_known: bool,
    pub counterparty_rating: String,
    pub sla_hours: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchingOutput {
    pub sides_present: bool,
    pub amount_diff: Decimal,
    pub quantity_match: bool,
    pub price_match: bool,
    pub reference_match: bool,
    pub settle_date_diff_days: i64,
    /// 0..1: share of comparable fields that agree, weighted.
    pub score: f64,
    pub mismatched_fields: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RulesOutput {
    pub within_tolerance: bool,
    pub timing_difference: bool,
    pub fx_rounding: bool,
    /// Any of the above: a rule explains the difference.
    pub explained: bool,
    pub difference_base: Decimal,
    pub tolerance_base: Decimal,
    pub rule_hits: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatternOutput {
    pub similar_count: u32,
    pub resolved_count: u32,
    pub auto_resolved_count: u32,
    pub unresolved_count: u32,
    /// Three or more similar breaks are still open: something systemic, do not auto-close.
    pub recurring_unresolved: bool,
    pub prior_auto_resolve_rate: f64,
    pub usual_resolution: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisioningOutput {
    pub action: DecisionAction,
    pub confidence: f64,
    pub rationale: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkflowOutput {
    pub queue: String,
    pub priority: String,
    pub sla_deadline: DateTime<Utc>,
    pub assignee_group: String,
}

/// The output of one agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "agent", rename_all = "UPPERCASE")]
pub enum AgentOutput {
    Ingestion(IngestionOutput),
    Enrichment(EnrichmentOutput),
    Matching(MatchingOutput),
    Rules(RulesOutput),
    Pattern(PatternOutput),
    Decisioning(DecisioningOutput),
    Workflow(WorkflowOutput),
}

/// The fields each agent's output offers to checkpoint conditions. A test checks these against
/// the serialised outputs, so this list cannot drift from the structs.
pub fn output_fields(agent: AgentKind) -> &'static [&'static str] {
    match agent {
        AgentKind::Ingestion => &["valid", "has_internal", "has_external", "sides_present", "amount_consistent", "issues"],
        AgentKind::Enrichment => &["fx_rate_known", "fx_rate", "amount_base", "instrument_known", "counterparty_known", "counterparty_rating", "sla_hours"],
        AgentKind::Matching => {
            &["sides_present", "amount_diff", "quantity_match", "price_match", "reference_match", "settle_date_diff_days", "score", "mismatched_fields"]
        }
        AgentKind::Rules => &["within_tolerance", "timing_difference", "fx_rounding", "explained", "difference_base", "tolerance_base", "rule_hits"],
        AgentKind::Pattern => &[
            "similar_count",
            "resolved_count",
            "auto_resolved_count",
            "unresolved_count",
            "recurring_unresolved",
            "prior_auto_resolve_rate",
            "usual_resolution",
        ],
        AgentKind::Decisioning => &["action", "confidence", "rationale"],
        AgentKind::Workflow => &["queue", "priority", "sla_deadline", "assignee_group"],
    }
}

pub(crate) fn num(d: Decimal) -> Value {
    Value::Float(d.to_f64().unwrap_or(f64::MAX))
}

fn strs(items: &[String]) -> Value {
    Value::List(std::sync::Arc::new(items.iter().map(|s| Value::from(s.as_str())).collect()))
}

fn opt_str(item: &Option<String>) -> Value {
    item.as_deref().map(Value::from).unwrap_or(Value::Null)
}

pub(crate) fn map(entries: Vec<(&'static str, Value)>) -> Value {
    let map: HashMap<String, Value> = entries.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    Value::from(map)
}

impl AgentOutput {
    pub fn agent(&self) -> AgentKind {
        match self {
            AgentOutput::Ingestion(_) => AgentKind::Ingestion,
            AgentOutput::Enrichment(_) => AgentKind::Enrichment,
            AgentOutput::Matching(_) => AgentKind::Matching,
            AgentOutput::Rules(_) => AgentKind::Rules,
            AgentOutput::Pattern(_) => AgentKind::Pattern,
            AgentOutput::Decisioning(_) => AgentKind::Decisioning,
            AgentOutput::Workflow(_) => AgentKind::Workflow,
        }
    }

    /// Why this output is too large to be evidence, if it is: a list longer than the
    /// checkpoint budget assumes ([`crate::policy::condition::ASSUMED_LIST_LEN`] items). The
    /// executor treats such an answer as a failed call, so a condition's evaluation budget
    /// holds by construction whatever an agent (or a model standing in for one) returns.
    pub fn too_large(&self) -> Option<String> {
        // Each output has at most one list.
        let (name, n) = match self {
            AgentOutput::Ingestion(o) => ("issues", o.issues.len()),
            AgentOutput::Matching(o) => ("mismatched_fields", o.mismatched_fields.len()),
            AgentOutput::Rules(o) => ("rule_hits", o.rule_hits.len()),
            AgentOutput::Decisioning(o) => ("rationale", o.rationale.len()),
            AgentOutput::Enrichment(_) | AgentOutput::Pattern(_) | AgentOutput::Workflow(_) => return None,
        };
        let max = crate::policy::condition::ASSUMED_LIST_LEN as usize;
        (n > max).then(|| format!("its `{name}` has {n} items, more than the {max} a checkpoint's budget allows"))
    }

    /// The view checkpoint conditions get of this output.
    pub fn cel_value(&self) -> Value {
        match self {
            AgentOutput::Ingestion(o) => map(vec![
                ("valid", o.valid.into()),
                ("has_internal", o.has_internal.into()),
                ("has_external", o.has_external.into()),
                ("sides_present", o.sides_present.into()),
                ("amount_consistent", o.amount_consistent.into()),
                ("issues", strs(&o.issues)),
            ]),
            AgentOutput::Enrichment(o) => map(vec![
                ("fx_rate_known", o.fx_rate_known.into()),
                ("fx_rate", num(o.fx_rate)),
                ("amount_base", num(o.amount_base)),
                ("instrument_known", o.instrument_known.into()),
                ("counterparty_known", o.counterparty_known.into()),
                ("counterparty_rating", Value::from(o.counterparty_rating.as_str())),
                ("sla_hours", Value::Int(o.sla_hours.into())),
            ]),
            AgentOutput::Matching(o) => map(vec![
                ("sides_present", o.sides_present.into()),
                ("amount_diff", num(o.amount_diff)),
                ("quantity_match", o.quantity_match.into()),
                ("price_match", o.price_match.into()),
                ("reference_match", o.reference_match.into()),
                ("settle_date_diff_days", Value::Int(o.settle_date_diff_days)),
                ("score", Value::Float(o.score)),
                ("mismatched_fields", strs(&o.mismatched_fields)),
            ]),
            AgentOutput::Rules(o) => map(vec![
                ("within_tolerance", o.within_tolerance.into()),
                ("timing_difference", o.timing_difference.into()),
                ("fx_rounding", o.fx_rounding.into()),
                ("explained", o.explained.into()),
                ("difference_base", num(o.difference_base)),
                ("tolerance_base", num(o.tolerance_base)),
                ("rule_hits", strs(&o.rule_hits)),
            ]),
            AgentOutput::Pattern(o) => map(vec![
                ("similar_count", Value::Int(o.similar_count.into())),
                ("resolved_count", Value::Int(o.resolved_count.into())),
                ("auto_resolved_count", Value::Int(o.auto_resolved_count.into())),
                ("unresolved_count", Value::Int(o.unresolved_count.into())),
                ("recurring_unresolved", o.recurring_unresolved.into()),
                ("prior_auto_resolve_rate", Value::Float(o.prior_auto_resolve_rate)),
                ("usual_resolution", opt_str(&o.usual_resolution)),
            ]),
            AgentOutput::Decisioning(o) => {
                map(vec![("action", Value::from(o.action.as_str())), ("confidence", Value::Float(o.confidence)), ("rationale", strs(&o.rationale))])
            }
            AgentOutput::Workflow(o) => map(vec![
                ("queue", Value::from(o.queue.as_str())),
                ("priority", Value::from(o.priority.as_str())),
                ("sla_deadline", Value::from(o.sla_deadline.to_rfc3339().as_str())),
                ("assignee_group", Value::from(o.assignee_group.as_str())),
            ]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orchestrate::Orchestrator;
    use crate::sample::{generate, sample_as_of};

    /// `output_fields` (what conditions may name) is exactly what each output serialises and
    /// what its CEL view offers.
    #[tokio::test]
    async fn field_lists_match_the_outputs() {
        let orch = Orchestrator::bundled();
        let b = &generate(1, 1, &orch.refdata)[0];
        let g = orch.process_break(b, crate::graph::RunMode::V1, sample_as_of()).await;
        for n in &g.nodes {
            let out = n.output.as_ref().expect("v1 runs every agent");
            let json = serde_json::to_value(&**out).unwrap();
            let mut keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).filter(|k| *k != "agent").collect();
            let mut want = output_fields(n.agent).to_vec();
            keys.sort();
            want.sort();
            assert_eq!(keys, want, "{}", n.agent);
            let Value::Map(m) = out.cel_value() else { panic!("a map") };
            assert_eq!(m.map.len(), want.len(), "{}", n.agent);
        }
    }
}
