//! INGESTION: checks the break and its side records are complete and consistent.

use super::output::{AgentOutput, IngestionOutput};
use super::{AgentContext, AgentError};

pub(super) fn run(ctx: &AgentContext) -> Result<AgentOutput, AgentError> {
    let b = &ctx.input.brk;
    let mut issues = Vec::new();
    let has_internal = !b.internal.is_empty();
    let has_external = !b.external.is_empty();
    if !has_internal {
        issues.push("no internal side record".to_string());
    }
    if !has_external {
        issues.push("no external side record".to_string());
    }
    // Either the break is the difference of the sides, or (a timing difference) the sides agree
    // and the break is the amount still in transit.
    let dates_differ = b.internal.settle_date.is_some() && b.internal.settle_date != b.external.settle_date;
    let amount_consistent = match (b.internal.amount, b.external.amount) {
        (Some(i), Some(e)) => i - e == b.amount || (i == e && dates_differ && b.amount.abs() == i.abs()),
        _ => true,
    };
    if !amount_consistent {
        issues.push(format!("break amount {} is not internal minus external", b.amount));
    }
    if b.counterparty.is_none() {
        issues.push("no counterparty".to_string());
    }
    Ok(AgentOutput::Ingestion(IngestionOutput {
        valid: amount_consistent,
        has_internal,
        has_external,
        sides_present: has_internal && has_external,
        amount_consistent,
        issues,
    }))
}
