//! MATCHING: compares the internal and external records field by field.

use super::output::{AgentOutput, MatchingOutput};
use super::{AgentContext, AgentError};
use rust_decimal::Decimal;

pub(super) fn run(ctx: &AgentContext) -> Result<AgentOutput, AgentError> {
    let b = &ctx.input.brk;
    let (i, e) = (&b.internal, &b.external);
    let sides_present = !i.is_empty() && !e.is_empty();
    let mut mismatched = Vec::new();
    let mut compared = 0u32;
    let mut agreed = 0u32;
    let mut cmp = |name: &str, same: Option<bool>| {
        if let Some(same) = same {
            compared += 1;
            if same {
                agreed += 1;
            } else {
                mismatched.push(name.to_string());
            }
        }
    };
    let both = |a: Option<Decimal>, b: Option<Decimal>| a.zip(b).map(|(a, b)| a == b);
    let quantity = both(i.quantity, e.quantity);
    let price = both(i.price, e.price);
    let reference = i.reference.as_ref().zip(e.reference.as_ref()).map(|(a, b)| a.eq_ignore_ascii_case(b));
    cmp("amount", both(i.amount, e.amount));
    cmp("quantity", quantity);
    cmp("price", price);
    cmp("reference", reference);
    cmp("settle_date", i.settle_date.zip(e.settle_date).map(|(a, b)| a == b));
    let settle_diff = i.settle_date.zip(e.settle_date).map(|(a, b)| (a - b).num_days()).unwrap_or(0);
    let score = if sides_present && compared > 0 { f64::from(agreed) / f64::from(compared) } else { 0.0 };
    Ok(AgentOutput::Matching(MatchingOutput {
        sides_present,
        amount_diff: match (i.amount, e.amount) {
            (Some(a), Some(b)) => a.checked_sub(b).ok_or_else(|| AgentError::Failed(format!("internal {a} minus external {b} overflows")))?,
            _ => b.amount,
        },
        quantity_match: quantity.unwrap_or(false),
        price_match: price.unwrap_or(false),
        reference_match: reference.unwrap_or(false),
        settle_date_diff_days: settle_diff,
        score: (score * 1000.0).round() / 1000.0,
        mismatched_fields: mismatched,
    }))
}
