//! RULES: tolerance rules. A difference is explained when it is within the absolute or
//! percentage tolerance, is a timing difference (same amounts, settlement dates a few days
//! apart) or is FX rounding on a foreign-currency break.

use super::output::{AgentOutput, RulesOutput};
use super::{AgentContext, AgentError};
use crate::evidence::money;
use rust_decimal::Decimal;

pub(super) fn run(ctx: &AgentContext) -> Result<AgentOutput, AgentError> {
    let inp = &ctx.input;
    let b = &inp.brk;
    let tol = &inp.config.tolerance;
    let fx = inp.refdata.fx_rate(&b.currency);
    let mut hits = Vec::new();
    let Some(fx) = fx else {
        // Without a rate no tolerance in base currency can be applied: nothing is explained.
        hits.push(format!("no FX rate for {}: tolerances not applied", b.currency));
        return Ok(AgentOutput::Rules(RulesOutput {
            within_tolerance: false,
            timing_difference: false,
            fx_rounding: false,
            explained: false,
            difference_base: Decimal::ZERO,
            tolerance_base: Decimal::ZERO,
            rule_hits: hits,
        }));
    };
    let overflow = || AgentError::Failed(format!("amounts too large to convert to {} (decimal overflow)", inp.config.base_currency));
    let diff_base = b.amount.abs().checked_mul(fx).ok_or_else(overflow)?.round_dp(2);
    let larger_side = b.internal.amount.unwrap_or_default().abs().max(b.external.amount.unwrap_or_default().abs());
    let pct_tolerance = larger_side.checked_mul(fx).and_then(|x| x.checked_mul(tol.percent)).ok_or_else(overflow)?.round_dp(2);
    let tolerance_base = tol.absolute.max(pct_tolerance);
    let within = diff_base <= tolerance_base;
    if within {
        let base = &inp.config.base_currency;
        hits.push(format!(
            "difference {} within tolerance {} (the larger of {} and {}% of the larger side)",
            money(diff_base, base),
            money(tolerance_base, base),
            money(tol.absolute, base),
            (tol.percent * Decimal::ONE_HUNDRED).normalize()
        ));
    }
    let timing = match (b.internal.amount, b.external.amount, b.internal.settle_date, b.external.settle_date) {
        (Some(ia), Some(ea), Some(id), Some(ed)) => {
            let days = (id - ed).num_days().abs();
            ia == ea && days > 0 && days <= i64::from(tol.timing_days)
        }
        _ => false,
    };
    if timing {
        let days = b.internal.settle_date.zip(b.external.settle_date).map_or(0, |(i, e)| (i - e).num_days().abs());
        hits.push(format!("timing difference: same amount on both sides, settlement dates {days} days apart (up to {} allowed)", tol.timing_days));
    }
    let fx_rounding = b.currency != inp.config.base_currency
        && !b.amount.is_zero()
        && larger_side > Decimal::ZERO
        && b.amount.abs() <= larger_side.checked_mul(tol.fx_rounding).ok_or_else(overflow)? / Decimal::ONE_HUNDRED;
    if fx_rounding {
        hits.push(format!(
            "FX rounding: {} on {} is within {}% of the larger side",
            money(b.amount.abs(), &b.currency),
            money(larger_side, &b.currency),
            tol.fx_rounding.normalize()
        ));
    }
    Ok(AgentOutput::Rules(RulesOutput {
        within_tolerance: within,
        timing_difference: timing,
        fx_rounding,
        explained: within || timing || fx_rounding,
        difference_base: diff_base,
        tolerance_base,
        rule_hits: hits,
    }))
}
