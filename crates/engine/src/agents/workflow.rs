//! WORKFLOW: queue, priority and SLA deadline for whoever picks the break up.

use super::output::{AgentOutput, WorkflowOutput};
use super::{AgentContext, AgentError};
use crate::model::{BreakType, RiskTier};

pub(super) fn run(ctx: &AgentContext) -> Result<AgentOutput, AgentError> {
    let inp = &ctx.input;
    let p = &inp.profile;
    let queue = queue_of(&p.break_type);
    let priority = match p.tier {
        RiskTier::Critical => "P1",
        RiskTier::High => "P2",
        RiskTier::Medium => "P3",
        RiskTier::Low => "P4",
    };
    let start = inp.brk.detected_at.unwrap_or(inp.as_of);
    let hours = inp.config.sla_hours[p.tier.rank() as usize];
    Ok(AgentOutput::Workflow(WorkflowOutput {
        queue: queue.to_string(),
        priority: priority.to_string(),
        sla_deadline: start
            .checked_add_signed(chrono::Duration::hours(i64::from(hours)))
            .ok_or_else(|| AgentError::Failed(format!("SLA deadline {hours} h after {start} is out of range")))?,
        assignee_group: group_of(queue, p.tier),
    }))
}

/// The queue a break type is worked in.
fn queue_of(t: &BreakType) -> &'static str {
    match t {
        BreakType::TradeOmsMismatch => "trade-support",
        BreakType::CashReconciliation => "cash-ops",
        BreakType::BrokerVsInternal => "broker-recs",
        BreakType::PnlReconciliation => "product-control",
        BreakType::RegulatoryData => "regulatory-reporting",
        BreakType::Other(_) => "recs-triage",
    }
}

/// The group a break waits for: its queue, or the queue's seniors for HIGH and CRITICAL.
fn group_of(queue: &str, tier: RiskTier) -> String {
    if tier >= RiskTier::High {
        format!("{queue}-senior")
    } else {
        queue.to_string()
    }
}

/// Every group WORKFLOW routes to (the work queues a desk can be filtered by), in queue order,
/// each queue followed by its seniors.
pub fn groups() -> Vec<String> {
    let types = BreakType::KNOWN.into_iter().chain([BreakType::Other(String::new())]);
    types.flat_map(|t| [group_of(queue_of(&t), RiskTier::Low), group_of(queue_of(&t), RiskTier::Critical)]).collect()
}
