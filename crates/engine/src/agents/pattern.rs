//! PATTERN: similar past breaks and how they ended, through [`HistoryLookup`] (the store
//! implements it; the engine alone has [`NoHistory`]).

use super::output::{AgentOutput, PatternOutput};
use super::{AgentContext, AgentError};
use crate::model::BreakType;

/// What makes a past break similar: same type and the same counterparty or instrument.
#[derive(Debug, Clone)]
pub struct SimilarQuery {
    pub break_id: String,
    pub break_type: BreakType,
    pub counterparty: Option<String>,
    pub instrument_id: Option<String>,
}

/// Counts over the similar past breaks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HistorySummary {
    pub similar_count: u32,
    pub resolved_count: u32,
    pub auto_resolved_count: u32,
    pub unresolved_count: u32,
    /// The most common final action among resolved ones.
    pub usual_resolution: Option<String>,
}

/// Where PATTERN looks up history.
pub trait HistoryLookup: Send + Sync {
    /// # Errors
    /// A readable reason the history could not be read; the agent then fails.
    fn similar(&self, query: &SimilarQuery) -> Result<HistorySummary, String>;
}

/// No history: every break is the first of its kind.
pub struct NoHistory;

impl HistoryLookup for NoHistory {
    fn similar(&self, _: &SimilarQuery) -> Result<HistorySummary, String> {
        Ok(HistorySummary::default())
    }
}

pub(super) fn run(ctx: &AgentContext) -> Result<AgentOutput, AgentError> {
    let b = &ctx.input.brk;
    let q = SimilarQuery {
        break_id: b.break_id.clone(),
        break_type: b.break_type.clone(),
        counterparty: b.counterparty.clone(),
        instrument_id: b.instrument_id.clone(),
    };
    let h = ctx.input.history.similar(&q).map_err(AgentError::Failed)?;
    let rate = if h.resolved_count > 0 { f64::from(h.auto_resolved_count) / f64::from(h.resolved_count) } else { 0.0 };
    Ok(AgentOutput::Pattern(PatternOutput {
        similar_count: h.similar_count,
        resolved_count: h.resolved_count,
        auto_resolved_count: h.auto_resolved_count,
        unresolved_count: h.unresolved_count,
        recurring_unresolved: h.unresolved_count >= 3,
        prior_auto_resolve_rate: (rate * 1000.0).round() / 1000.0,
        usual_resolution: h.usual_resolution,
    }))
}
