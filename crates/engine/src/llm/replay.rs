//! Replaying a recorded run offline: the same break, policy version, time and history, with
//! model-backed agents answered from the stored exchanges ([`super::agent::LlmRuntime::replay`]),
//! gives the same graph. [`recorded_history`] recovers the history PATTERN saw; [`differences`]
//! says where a replay departs from the record.

use super::exchanges::ExchangeStore;
use super::LlmOutcome;
use crate::agents::output::PatternOutput;
use crate::agents::{AgentOutput, HistoryLookup, HistorySummary, SimilarQuery};
use crate::graph::ExecutionGraph;
use crate::model::AgentKind;

/// A history that answers every query with what one recorded run saw.
pub struct RecordedHistory(pub HistorySummary);

impl HistoryLookup for RecordedHistory {
    fn similar(&self, _: &SimilarQuery) -> Result<HistorySummary, String> {
        Ok(self.0.clone())
    }
}

fn summary(p: &PatternOutput) -> HistorySummary {
    HistorySummary {
        similar_count: p.similar_count,
        resolved_count: p.resolved_count,
        auto_resolved_count: p.auto_resolved_count,
        unresolved_count: p.unresolved_count,
        usual_resolution: p.usual_resolution.clone(),
    }
}

/// The history PATTERN saw in a recorded run: from the rules' answer sent to the model when
/// PATTERN was model-backed (the recorded output is then the merged one), else from PATTERN's
/// recorded output. `None` when PATTERN did not complete.
///
/// # Errors
/// PATTERN was model-backed and its exchange is not stored here.
pub fn recorded_history(g: &ExecutionGraph, exchanges: &dyn ExchangeStore) -> Result<Option<HistorySummary>, String> {
    let Some(AgentOutput::Pattern(out)) = g.node(AgentKind::Pattern).output.as_deref() else { return Ok(None) };
    let Some(call) =
        g.llm_calls.iter().find(|c| c.agent == AgentKind::Pattern && matches!(c.outcome, LlmOutcome::Answered | LlmOutcome::Cached | LlmOutcome::Replayed))
    else {
        return Ok(Some(summary(out)));
    };
    let ex = exchanges.get(&call.request_sha256).ok_or_else(|| format!("PATTERN's exchange {} is not stored here", call.request_sha256))?;
    let user = ex.request["messages"].as_array().and_then(|m| m.iter().find(|x| x["role"] == "user")).and_then(|x| x["content"].as_str()).unwrap_or("");
    let json = user.split_once('\n').map_or("", |(_, j)| j);
    let ev: serde_json::Value = serde_json::from_str(json).map_err(|e| format!("PATTERN's stored request has no evidence: {e}"))?;
    let h: PatternOutput = serde_json::from_value(ev["history"].clone()).map_err(|e| format!("PATTERN's stored request has no history: {e}"))?;
    Ok(Some(summary(&h)))
}

/// Where `replayed` departs from `recorded`: decision, each agent's status and output, the
/// checkpoints, the model calls' requests. Empty when they are the same run.
pub fn differences(recorded: &ExecutionGraph, replayed: &ExecutionGraph) -> Vec<String> {
    let mut out = Vec::new();
    let (a, b) = (&recorded.decision, &replayed.decision);
    if (a.action, &a.rationale, &a.holds) != (b.action, &b.rationale, &b.holds) || !same_decider(&a.decided_by, &b.decided_by) {
        out.push(format!("decision: recorded {} by {}, replayed {} by {}", a.action, a.decided_by, b.action, b.decided_by));
    }
    if recorded.policy_key != replayed.policy_key || recorded.policy_version != replayed.policy_version {
        out.push(format!(
            "policy: recorded {} [{}], replayed {} [{}]",
            recorded.policy_key, recorded.policy_version, replayed.policy_key, replayed.policy_version
        ));
    }
    for (x, y) in recorded.nodes.iter().zip(&replayed.nodes) {
        if x.status != y.status || x.output != y.output || !same_skip(&x.skip_reason, &y.skip_reason) {
            out.push(format!("{}: recorded {:?}, replayed {:?}{}", x.agent, x.status, y.status, if x.output != y.output { " (output differs)" } else { "" }));
        }
    }
    let fired = |g: &ExecutionGraph| g.checkpoints.iter().map(|c| (c.id.clone(), c.fired)).collect::<Vec<_>>();
    if fired(recorded) != fired(replayed) {
        out.push(format!("checkpoints: recorded {:?}, replayed {:?}", fired(recorded), fired(replayed)));
    }
    let asked = |g: &ExecutionGraph| g.llm_calls.iter().map(|c| (c.agent, c.request_sha256.clone())).collect::<Vec<_>>();
    if asked(recorded) != asked(replayed) {
        out.push("model calls: the requests differ (different evidence was sent)".to_string());
    }
    out
}

/// The same decider. Of a checkpoint's agents, which finished last (and so had it evaluated) is
/// the scheduler's order, not the decision: agents that run at once finish in either order,
/// and a replay, answered from the record, finishes them in another. So a checkpoint is the same
/// whichever of its agents it names.
fn same_decider(a: &crate::DecidedBy, b: &crate::DecidedBy) -> bool {
    match (a, b) {
        (crate::DecidedBy::Checkpoint { id: x, .. }, crate::DecidedBy::Checkpoint { id: y, .. }) => x == y,
        _ => a == b,
    }
}

/// The same reason for skipping, with an early exit's triggering agent left out (as above).
fn same_skip(a: &Option<crate::graph::SkipReason>, b: &Option<crate::graph::SkipReason>) -> bool {
    use crate::graph::SkipReason::EarlyExit;
    match (a, b) {
        (Some(EarlyExit { checkpoint: x, .. }), Some(EarlyExit { checkpoint: y, .. })) => x == y,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::SkipReason;
    use crate::DecidedBy;

    #[test]
    fn which_of_a_checkpoints_agents_finished_last_is_not_a_difference() {
        let cp = |after_agent| DecidedBy::Checkpoint { id: "cash_medium".into(), after_agent };
        assert!(same_decider(&cp(AgentKind::Rules), &cp(AgentKind::Pattern)));
        assert!(!same_decider(&cp(AgentKind::Rules), &DecidedBy::Checkpoint { id: "other".into(), after_agent: AgentKind::Rules }));
        let exit = |checkpoint: &str, after_agent| Some(SkipReason::EarlyExit { checkpoint: checkpoint.into(), after_agent });
        assert!(same_skip(&exit("cash_medium", AgentKind::Rules), &exit("cash_medium", AgentKind::Pattern)));
        assert!(!same_skip(&exit("cash_medium", AgentKind::Rules), &exit("other", AgentKind::Rules)));
        assert!(!same_skip(&exit("cash_medium", AgentKind::Rules), &None));
    }
}
