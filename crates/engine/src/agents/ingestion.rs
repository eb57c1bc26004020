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
    // and the break is the amount still in transit (checked arithmetic: see safety::record_issues).
    let record_issues = crate::safety::record_issues(b);
    let amount_consistent = record_issues.is_empty();
    issues.extend(record_issues);
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
