//! Evidence in words: the sentences a reviewer reads for a decision, with the numbers that drove
//! it (difference against tolerance, FX, age, multiplier, pattern counts, which rule raised the
//! tier). Written once here and stored in the decision's rationale, so the app, `explain` and
//! every export show the same text.

use crate::agents::output::AgentOutput;
use crate::agents::RunInput;
use crate::model::{ExposureBasis, RiskTier};
use crate::policy::ClassifierConfig;
use rust_decimal::Decimal;

/// `-1234567.5` -> `-1,234,567.5`: thousands grouped on a decimal's digits, never through a
/// float; text that is not a plain decimal is returned as it is.
pub fn group_digits(amount: &str) -> String {
    let (sign, rest) = amount.strip_prefix('-').map_or(("", amount), |r| ("-", r));
    let (int, frac) = rest.split_once('.').map_or((rest, None), |(i, f)| (i, Some(f)));
    if !int.bytes().all(|b| b.is_ascii_digit()) {
        return amount.to_string();
    }
    let mut grouped = String::with_capacity(int.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// `1234567.891` -> `1,234,567.89`: two decimals, thousands grouped, sign kept.
pub fn amount(d: Decimal) -> String {
    group_digits(&format!("{:.2}", d.round_dp(2)))
}

/// `amount` followed by the currency: `5,793,187.60 USD`.
pub fn money(d: Decimal, currency: &str) -> String {
    format!("{} {currency}", amount(d))
}

fn plural(n: impl Into<i64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Why the break has its tier: the exposure and how it was measured, the threshold it reached,
/// and every rule that raised it (no FX rate, age, the per-type minimum).
pub fn tier_reason(input: &RunInput) -> String {
    let (b, p, c) = (&input.brk, &input.profile, &*input.config);
    let base = &p.base_currency;
    let mut parts = Vec::new();
    if p.exposure_basis == ExposureBasis::Unmeasurable {
        parts.push(format!("the exposure cannot be measured (the amounts are too large to convert to {base}), so it is treated as CRITICAL"));
    } else {
        let measured = match (p.exposure_basis, b.internal.amount.zip(b.external.amount)) {
            (ExposureBasis::SidesDifference, Some((i, e))) => format!(
                "the sides' difference {} (larger than the declared {})",
                money(i.checked_sub(e).unwrap_or_default().abs(), &b.currency),
                money(b.amount.abs(), &b.currency)
            ),
            _ => money(b.amount.abs(), &b.currency),
        };
        let mut how = measured;
        match input.refdata.fx_rate(&b.currency) {
            Some(fx) if b.currency != *base => how.push_str(&format!(" at FX {} {base}/{}", fx.normalize(), b.currency)),
            Some(_) => {}
            None => how.push_str(" taken 1:1 (no FX rate)"),
        }
        let multiplier = c.asset_class_multipliers.get(&p.asset_class).copied().unwrap_or(Decimal::ONE);
        if multiplier != Decimal::ONE {
            how.push_str(&format!(" × {} ({} multiplier)", multiplier.normalize(), p.asset_class));
        }
        parts.push(format!("exposure {} from {how}: {}", money(p.exposure, base), threshold_words(c, p.exposure_tier)));
    }
    let mut tier = p.exposure_tier;
    if p.exposure_basis == ExposureBasis::Unmeasurable {
        tier = RiskTier::Critical;
    }
    if input.refdata.fx_rate(&b.currency).is_none() && tier < RiskTier::High {
        parts.push(format!("no FX rate for {} raises it to HIGH", b.currency));
        tier = RiskTier::High;
    }
    if let Some(step) = c.age_step(p.age_days) {
        let raised = tier.raised(step.raise_tiers);
        if raised != tier {
            parts.push(format!(
                "age {} (at or past {}) raises it by {} to {raised}",
                plural(p.age_days, "day", "days"),
                plural(step.days, "day", "days"),
                plural(step.raise_tiers, "tier", "tiers")
            ));
            tier = raised;
        }
    }
    if let Some(min) = c.minimum_tier.get(p.break_type.as_str()).filter(|m| **m > tier) {
        parts.push(format!("{} breaks are at least {min}", p.break_type));
    }
    format!("Tier {}: {}.", p.tier, parts.join("; "))
}

fn threshold_words(c: &ClassifierConfig, tier: RiskTier) -> String {
    match c.tier_thresholds.iter().find(|(t, _)| *t == tier) {
        Some((_, at)) => format!("{tier} (at or above {})", money(*at, &c.base_currency)),
        None => match c.tier_thresholds.first() {
            Some((next, at)) => format!("{tier} (below the {next} threshold {})", money(*at, &c.base_currency)),
            None => tier.to_string(),
        },
    }
}

/// One agent's finding as a sentence, with its numbers.
pub fn agent_finding(output: &AgentOutput, input: &RunInput) -> String {
    let base = &input.profile.base_currency;
    let tol = &input.config.tolerance;
    match output {
        AgentOutput::Ingestion(o) if o.valid => {
            "INGESTION: the records are consistent (both sides present and the amount equals their difference).".to_string()
        }
        AgentOutput::Ingestion(o) => format!("INGESTION: the records are inconsistent: {}.", o.issues.join("; ")),
        AgentOutput::Enrichment(o) => format!(
            "ENRICHMENT: {}; counterparty {}; SLA {}.",
            if o.fx_rate_known {
                format!("FX {} {base}/{}, amount {}", o.fx_rate.normalize(), input.brk.currency, money(o.amount_base, base))
            } else {
                format!("no FX rate for {}", input.brk.currency)
            },
            if o.counterparty_known { format!("rated {}", o.counterparty_rating) } else { "unknown".to_string() },
            plural(o.sla_hours, "hour", "hours")
        ),
        AgentOutput::Matching(o) if !o.sides_present => "MATCHING: only one side is present, nothing to compare.".to_string(),
        AgentOutput::Matching(o) => format!(
            "MATCHING: score {:.2}; {}; amount difference {}.",
            o.score,
            if o.mismatched_fields.is_empty() { "every compared field agrees".to_string() } else { format!("differs on {}", o.mismatched_fields.join(", ")) },
            money(o.amount_diff, &input.brk.currency)
        ),
        AgentOutput::Rules(o) if o.explained => format!("RULES: {}.", o.rule_hits.join("; ")),
        AgentOutput::Rules(o) if o.tolerance_base.is_zero() && o.difference_base.is_zero() => format!("RULES: {}.", o.rule_hits.join("; ")),
        AgentOutput::Rules(o) => format!(
            "RULES: difference {} exceeds tolerance {} (the larger of {} and {}% of the larger side); not a timing difference (up to {}) or FX rounding.",
            money(o.difference_base, base),
            money(o.tolerance_base, base),
            money(tol.absolute, base),
            (tol.percent * Decimal::ONE_HUNDRED).normalize(),
            plural(tol.timing_days, "day", "days")
        ),
        AgentOutput::Pattern(o) => format!(
            "PATTERN: {} (same type, counterparty or instrument): {} resolved ({} automatically), {} still open{}.",
            plural(o.similar_count, "similar break", "similar breaks"),
            o.resolved_count,
            o.auto_resolved_count,
            o.unresolved_count,
            o.usual_resolution.as_ref().map(|u| format!("; usually {u}")).unwrap_or_default()
        ),
        AgentOutput::Decisioning(o) => format!("DECISIONING: {} at confidence {:.2}.", o.action, o.confidence),
        AgentOutput::Workflow(o) => {
            format!("WORKFLOW: queue {}, group {}, priority {}, due {}.", o.queue, o.assignee_group, o.priority, o.sla_deadline.format("%Y-%m-%d %H:%M UTC"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn amounts_group_thousands_and_keep_two_decimals() {
        let cases = [
            ("0", "0.00"),
            ("3.055", "3.06"),
            ("-563898", "-563,898.00"),
            ("5793187.6", "5,793,187.60"),
            ("999.999", "1,000.00"),
            ("123456", "123,456.00"),
            ("-12", "-12.00"),
            ("1000000000000", "1,000,000,000,000.00"),
        ];
        for (input, want) in cases {
            assert_eq!(amount(Decimal::from_str(input).unwrap()), want, "{input}");
        }
    }
}
