//! Decision safety: the one rule every AUTO_RESOLVE passes, applied by the executor as the last
//! step of every decision ([`crate::execute`]), whatever the plan, the checkpoints or the agents
//! proposed.
//!
//! **Invariant S1.** A run ends in AUTO_RESOLVE only if
//! - **(a)** every agent and checkpoint that led to it completed without error: no agent failed
//!   or timed out, every planned agent completed (or was skipped by the early exit that decided),
//!   and every checkpoint condition that was tested gave true or false;
//! - **(b)** the break's records are consistent: the engine's own check ([`record_issues`]) finds
//!   nothing, and INGESTION, when it ran, said `valid`;
//! - **(c)** the break's type is a plain name (A-Z, 0-9, `_`: nothing that could imitate another
//!   type) and the policy may auto-resolve it (`classifier.never_auto_resolve`);
//! - **(d)** the policy's limits allow it: the tier is at most `classifier.auto_resolve_max_tier`
//!   and the exposure could be measured.
//!
//! Anything else ends in HIL_REVIEW, or ESCALATE when that was decided, and every reason is a
//! [`SafetyHold`] on the decision: on the graph, in the store, the CLI, `explain`, the app and
//! the exports. (a) also makes the decision the fail-safe's (`DecidedBy::FailSafe`).
//!
//! The property test `crates/engine/tests/safety_oracle.rs` checks S1 on random breaks, plans,
//! conditions and faults with its own, independent reading of the rule; `fuzz_targets/decide.rs`
//! does the same from raw bytes.

use crate::agents::{AgentOutput, RunInput};
use crate::graph::{CheckpointEvaluation, ExecutionGraph, NodeRecord, NodeStatus, SkipReason};
use crate::model::{AgentKind, Break, ExposureBasis, SafetyHold};
use crate::policy::ClassifierConfig;
use crate::refdata::ReferenceData;

/// What contradicts itself in a break's own records; empty when they agree. The break's amount
/// is internal minus external, or (a timing difference) both sides agree, their settlement dates
/// differ and the amount is the one in transit. Computed with checked arithmetic: sides whose
/// difference overflows are an issue, not a panic. INGESTION reports these; the safety gate
/// checks them again whatever INGESTION (or a remote replacement of it) said.
pub fn record_issues(b: &Break) -> Vec<String> {
    let mut issues = Vec::new();
    if let (Some(i), Some(e)) = (b.internal.amount, b.external.amount) {
        let dates_differ = b.internal.settle_date.is_some() && b.internal.settle_date != b.external.settle_date;
        match i.checked_sub(e) {
            None => issues.push(format!("internal {i} minus external {e} overflows the decimal range")),
            Some(diff) => {
                let in_transit = i == e && dates_differ && b.amount.abs() == i.abs();
                if diff != b.amount && !in_transit {
                    issues.push(format!("break amount {} is not internal minus external ({diff})", b.amount));
                }
            }
        }
    }
    issues
}

/// Whether a break type is written only with A-Z, 0-9 and `_`: the rule for policy names (the
/// validator uses it) and for types that may auto-resolve. Anything else
/// (a zero-width character, a Cyrillic letter that looks Latin, a space) cannot be told apart from
/// a real type on screen, so such a break is never auto-resolved.
pub fn is_plain_type(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// Every reason (S1) this run may not auto-resolve, in the order of the rule. `early_exit` is
/// whether a checkpoint decided (then agents skipped or cancelled by it are expected).
pub(crate) fn holds(input: &RunInput, early_exit: bool, nodes: &[NodeRecord], evaluations: &[CheckpointEvaluation]) -> Vec<SafetyHold> {
    let mut out = Vec::new();
    // (a) agents
    for n in nodes.iter().filter(|n| n.planned) {
        match n.status {
            NodeStatus::Completed => {}
            NodeStatus::Failed | NodeStatus::TimedOut => {
                out.push(SafetyHold::AgentFailed { agent: n.agent, error: n.error.clone().unwrap_or_else(|| format!("{:?}", n.status)) })
            }
            NodeStatus::Cancelled | NodeStatus::Skipped => match &n.skip_reason {
                Some(SkipReason::EarlyExit { .. }) if early_exit => {}
                // the failure upstream is its own hold
                Some(SkipReason::UpstreamFailed { .. }) => {}
                Some(r) => out.push(SafetyHold::AgentNotCompleted { agent: n.agent, reason: r.to_string() }),
                None => out.push(SafetyHold::AgentNotCompleted { agent: n.agent, reason: format!("{:?} without a reason", n.status) }),
            },
        }
    }
    // (a) checkpoints
    for c in evaluations {
        if let Some(e) = &c.error {
            out.push(SafetyHold::CheckpointError { checkpoint: c.id.clone(), error: e.clone() });
        }
    }
    // (b) the records, by the engine's own check, then by INGESTION's word
    let mut issues = record_issues(&input.brk);
    if issues.is_empty() {
        if let Some(AgentOutput::Ingestion(o)) = nodes.get(AgentKind::Ingestion.index()).and_then(|n| n.output.as_deref()) {
            if !o.valid {
                issues = if o.issues.is_empty() { vec!["INGESTION found the records invalid".to_string()] } else { o.issues.clone() };
            }
        }
    }
    if !issues.is_empty() {
        out.push(SafetyHold::RecordsInconsistent { issues });
    }
    // (c) the type
    let p = &input.profile;
    let ty = p.break_type.as_str();
    if !is_plain_type(ty) {
        out.push(SafetyHold::TypeNotPlain { break_type: ty.to_string() });
    }
    // (d) measurable exposure, then the policy's limits
    if p.exposure_basis == ExposureBasis::Unmeasurable {
        out.push(SafetyHold::ExposureUnmeasurable);
    }
    if input.config.never_auto_resolve.contains(ty) {
        out.push(SafetyHold::NeverAutoResolved { break_type: ty.to_string() });
    }
    if p.tier > input.config.auto_resolve_max_tier {
        out.push(SafetyHold::TierAboveLimit { tier: p.tier, max: input.config.auto_resolve_max_tier });
    }
    out
}

/// Checks S1 on a finished run from its record alone, with its own arithmetic (an oracle for
/// tests and fuzzing, written apart from [`holds`] so that a mistake in one is caught by the
/// other): every error ends in review with its reason on the decision, and an AUTO_RESOLVE
/// meets every part of the rule.
///
/// # Errors
/// The first violation, in words.
pub fn verify(g: &ExecutionGraph, brk: &Break, config: &ClassifierConfig, refdata: &ReferenceData) -> Result<(), String> {
    use crate::model::DecisionAction::AutoResolve;
    let d = &g.decision;
    let auto = d.action == AutoResolve;
    for n in &g.nodes {
        if matches!(n.status, NodeStatus::Failed | NodeStatus::TimedOut) {
            if auto {
                return Err(format!("AUTO_RESOLVE although {} {:?}", n.agent, n.status));
            }
            if !d.holds.iter().any(|h| matches!(h, SafetyHold::AgentFailed { agent, .. } if *agent == n.agent)) {
                return Err(format!("{} {:?} but the decision does not say so", n.agent, n.status));
            }
        }
    }
    for c in &g.checkpoints {
        if let Some(e) = &c.error {
            if auto || c.fired {
                return Err(format!("checkpoint {} errored ({e}) but fired={} and the decision is {}", c.id, c.fired, d.action));
            }
            if !d.holds.iter().any(|h| matches!(h, SafetyHold::CheckpointError { checkpoint, .. } if *checkpoint == c.id)) {
                return Err(format!("checkpoint {} errored but the decision does not say so", c.id));
            }
        }
    }
    if !auto {
        return Ok(());
    }
    // (a) every planned agent completed, or was skipped by the early exit that decided
    let early = g.early_exit().is_some();
    for n in g.nodes.iter().filter(|n| n.planned) {
        let skipped_by_exit = early && matches!(n.skip_reason, Some(SkipReason::EarlyExit { .. }));
        if n.status != NodeStatus::Completed && !skipped_by_exit {
            return Err(format!("AUTO_RESOLVE although planned {} ended {:?} ({:?})", n.agent, n.status, n.skip_reason));
        }
    }
    // (a) model calls: each one that led here answered, and a DECISIONING answer that decided
    // agrees with what the rules proposed beside it (the rules keep the final say)
    // (calls of agents the early exit cancelled did not lead here)
    for c in g.llm_calls.iter().filter(|c| g.node(c.agent).status == NodeStatus::Completed) {
        use crate::llm::LlmOutcome::{Answered, Cached, Replayed};
        if !matches!(c.outcome, Answered | Cached | Replayed) {
            return Err(format!("AUTO_RESOLVE although {}'s model call ended {:?}", c.agent, c.outcome));
        }
        let decided_by_it = d.decided_by == crate::model::DecidedBy::Agent { agent: AgentKind::Decisioning };
        if c.agent == AgentKind::Decisioning && decided_by_it && c.rules_action != Some(AutoResolve) {
            return Err(format!("AUTO_RESOLVE by the model where the rules proposed {:?}", c.rules_action));
        }
    }
    // (b) the records, recomputed here
    if let (Some(i), Some(e)) = (brk.internal.amount, brk.external.amount) {
        let Some(diff) = i.checked_sub(e) else { return Err("AUTO_RESOLVE although the sides' difference overflows".into()) };
        let timing = i == e && brk.internal.settle_date.is_some() && brk.internal.settle_date != brk.external.settle_date && brk.amount.abs() == i.abs();
        if diff != brk.amount && !timing {
            return Err(format!("AUTO_RESOLVE although amount {} is not {i} - {e}", brk.amount));
        }
    }
    if let Some(AgentOutput::Ingestion(o)) = g.node(AgentKind::Ingestion).output.as_deref() {
        if !o.valid {
            return Err("AUTO_RESOLVE although INGESTION said invalid".into());
        }
    }
    // (c) the type as the break has it
    let ty = brk.break_type.as_str();
    if g.profile.break_type != brk.break_type || !ty.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_') || ty.is_empty() {
        return Err(format!("AUTO_RESOLVE of type {ty:?}"));
    }
    if config.never_auto_resolve.contains(ty) {
        return Err(format!("AUTO_RESOLVE of {ty}, which is never auto-resolved"));
    }
    // (d) the tier, and the exposure recomputed from the larger amount
    if g.profile.tier > config.auto_resolve_max_tier {
        return Err(format!("AUTO_RESOLVE at tier {}", g.profile.tier));
    }
    let Some(fx) = refdata.fx_rate(&brk.currency) else {
        return if config.auto_resolve_max_tier >= crate::model::RiskTier::High { Ok(()) } else { Err("AUTO_RESOLVE without an FX rate".into()) };
    };
    let mut at_stake = brk.amount.abs();
    if let (Some(i), Some(e)) = (brk.internal.amount, brk.external.amount) {
        at_stake = at_stake.max(i.checked_sub(e).map(|x| x.abs()).unwrap_or(rust_decimal::Decimal::MAX));
    }
    let class = brk.asset_class.clone().or_else(|| brk.instrument_id.as_ref().and_then(|i| refdata.instruments.get(i)).map(|i| i.asset_class.clone()));
    let mult = class.and_then(|c| config.asset_class_multipliers.get(&c).copied()).unwrap_or(rust_decimal::Decimal::ONE);
    let exposure = at_stake.checked_mul(fx).and_then(|x| x.checked_mul(mult)).map(|x| x.round_dp(2));
    let Some(exposure) = exposure else { return Err("AUTO_RESOLVE with an exposure that overflows".into()) };
    let tier = config.tier_thresholds.iter().filter(|(_, t)| exposure >= *t).map(|(tier, _)| *tier).max().unwrap_or(crate::model::RiskTier::Low);
    if tier > config.auto_resolve_max_tier {
        return Err(format!("AUTO_RESOLVE with exposure {exposure} (tier {tier} by the oracle)"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BreakType, SideRecord};
    use rust_decimal::Decimal;
    use rust_decimal_macros::dec;

    fn brk(amount: Decimal, i: Option<Decimal>, e: Option<Decimal>) -> Break {
        Break {
            break_id: "B".into(),
            break_type: BreakType::CashReconciliation,
            asset_class: None,
            amount,
            currency: "USD".into(),
            trade_date: None,
            detected_at: None,
            counterparty: None,
            account: None,
            instrument_id: None,
            description: None,
            internal: SideRecord { amount: i, ..Default::default() },
            external: SideRecord { amount: e, ..Default::default() },
        }
    }

    #[test]
    fn records_agree_when_the_amount_is_the_difference() {
        assert!(record_issues(&brk(dec!(5), Some(dec!(105)), Some(dec!(100)))).is_empty());
        assert!(record_issues(&brk(dec!(5), None, Some(dec!(100)))).is_empty());
        assert_eq!(record_issues(&brk(dec!(1), Some(dec!(5000001)), Some(dec!(1)))).len(), 1);
    }

    #[test]
    fn an_overflowing_difference_is_an_issue_not_a_panic() {
        let issues = record_issues(&brk(dec!(1), Some(Decimal::MAX), Some(Decimal::MIN)));
        assert!(issues[0].contains("overflows"), "{issues:?}");
    }

    #[test]
    fn plain_types() {
        assert!(is_plain_type("REGULATORY_DATA"));
        assert!(!is_plain_type("REGULATORY_DATA\u{200B}"));
        assert!(!is_plain_type("R\u{0415}GULATORY_DATA")); // Cyrillic E
        assert!(!is_plain_type("COLLATERAL MARGIN"));
        assert!(!is_plain_type(""));
    }
}
