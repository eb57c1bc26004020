//! DECISIONING: weighs the evidence gathered so far into an action, a confidence and the
//! reasons, most important first. It only reads agents that ran; missing evidence lowers
//! confidence and never leads to AUTO_RESOLVE.

use super::output::{AgentOutput, DecisioningOutput};
use super::{input, AgentContext, AgentError};
use crate::evidence;
use crate::model::{AgentKind, DecisionAction, RiskTier};

pub(super) fn run(ctx: &AgentContext) -> Result<AgentOutput, AgentError> {
    let p = &ctx.input.profile;
    let rules = input(ctx, AgentKind::Rules, |o| if let AgentOutput::Rules(r) = o { Some(r) } else { None });
    let matching = input(ctx, AgentKind::Matching, |o| if let AgentOutput::Matching(m) = o { Some(m) } else { None });
    let pattern = input(ctx, AgentKind::Pattern, |o| if let AgentOutput::Pattern(x) = o { Some(x) } else { None });
    let ingestion = input(ctx, AgentKind::Ingestion, |o| if let AgentOutput::Ingestion(x) = o { Some(x) } else { None });
    let mut why = Vec::new();
    let allowed = ctx.input.config.auto_resolve_allowed(p.break_type.as_str(), p.tier);

    let (action, confidence) = if p.tier == RiskTier::Critical {
        why.push("Escalated: every CRITICAL break goes to a senior reviewer.".to_string());
        (DecisionAction::Escalate, 0.95)
    } else if ingestion.is_some_and(|i| !i.valid) {
        why.push(format!("The break's records are inconsistent: {}.", ingestion.map(|i| i.issues.join("; ")).unwrap_or_default()));
        (DecisionAction::HilReview, 0.8)
    } else if matching.is_some_and(|m| m.sides_present && m.score < 0.4) && p.tier >= RiskTier::High {
        why.push(format!(
            "Escalated: the sides disagree on {} (match score {:.2}) at tier {}.",
            matching.map(|m| m.mismatched_fields.join(", ")).unwrap_or_default(),
            matching.map_or(0.0, |m| m.score),
            p.tier
        ));
        (DecisionAction::Escalate, 0.85)
    } else if let Some(r) = rules.filter(|r| r.explained) {
        why.extend(r.rule_hits.iter().map(|h| format!("{}{}.", h[..1].to_uppercase(), &h[1..])));
        if let Some(x) = pattern.filter(|x| x.recurring_unresolved) {
            why.push(format!("{} similar breaks are still open: possibly systemic, so a person reviews it.", x.unresolved_count));
            (DecisionAction::HilReview, 0.75)
        } else if allowed {
            let c = if pattern.is_some_and(|x| x.prior_auto_resolve_rate >= 0.5) { 0.95 } else { 0.9 };
            (DecisionAction::AutoResolve, c)
        } else {
            why.push(format!(
                "The policy does not allow auto-resolve for {} at {} (at most {}{}).",
                p.break_type,
                p.tier,
                ctx.input.config.auto_resolve_max_tier,
                if ctx.input.config.never_auto_resolve.contains(p.break_type.as_str()) { format!(", and never for {}", p.break_type) } else { String::new() }
            ));
            (DecisionAction::HilReview, 0.85)
        }
    } else if rules.is_none() {
        why.push("No tolerance rules were applied, so nothing explains the difference.".to_string());
        (DecisionAction::HilReview, 0.6)
    } else {
        why.push(format!(
            "The difference is not explained by tolerance, timing or FX rounding: {}",
            rules.map(|r| evidence::agent_finding(&AgentOutput::Rules(r.clone()), &ctx.input)).unwrap_or_default()
        ));
        (DecisionAction::HilReview, 0.8)
    };
    why.push(evidence::tier_reason(&ctx.input));
    Ok(AgentOutput::Decisioning(DecisioningOutput { action, confidence, rationale: why }))
}
