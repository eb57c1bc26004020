//! WORKFLOW: queue, priority and SLA deadline for whoever picks the break up.

use super::output::{AgentOutput, WorkflowOutput};
use super::{AgentContext, AgentError};
use crate::model::{BreakType, RiskTier};

pub(super) fn run(ctx: &AgentContext) -> Result<AgentOutput, AgentError> {
    let inp = &ctx.input;
    let p = &inp.profile;
    let queue = match p.break_type {
        BreakType::TradeOmsMismatch => "trade-support",
        BreakType::CashReconciliation => "cash-ops",
        BreakType::BrokerVsInternal => "broker-recs",
        BreakType::PnlReconciliation => "product-control",
        BreakType::RegulatoryData => "regulatory-reporting",
        BreakType::Other(_) => "recs-triage",
    };
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
        assignee_group: if p.tier >= RiskTier::High { format!("{queue}-senior") } else { queue.to_string() },
    }))
}
