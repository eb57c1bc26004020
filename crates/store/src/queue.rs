//! The break queue's filter, sort and rows (each backend runs the query).

use crate::lifecycle::BreakStatus;
use reconagent_engine::{DecisionAction, RiskTier};
use serde::Serialize;

/// Queue filters, sort and page, as the front end sends them; `None` means any.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct QueueFilter {
    /// One break type.
    pub break_type: Option<String>,
    /// One tier.
    pub tier: Option<RiskTier>,
    /// One status.
    pub status: Option<BreakStatus>,
    /// Only the breaks waiting for a person: PENDING_REVIEW or ESCALATED.
    #[serde(default)]
    pub awaiting_review: bool,
    /// One decision of the latest run.
    pub decision: Option<DecisionAction>,
    /// One assignee.
    pub assignee: Option<String>,
    /// Matches the start of the id or the counterparty (case-insensitive).
    pub search: Option<String>,
    /// Only breaks detected at least this many days ago.
    pub min_age_days: Option<u32>,
    /// Only breaks detected at most this many days ago.
    pub max_age_days: Option<u32>,
    /// The order (break id when not given).
    pub sort: Option<QueueSort>,
    /// Reverse the order.
    #[serde(default)]
    pub descending: bool,
    /// Rows in the page (1 to 10,000; 0 means 100).
    #[serde(default)]
    pub limit: u32,
    /// Rows before the page.
    #[serde(default)]
    pub offset: u32,
}

/// Sortable columns (a fixed list: nothing from the caller reaches the SQL text).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum QueueSort {
    #[default]
    BreakId,
    DetectedAt,
    Tier,
    Status,
    SlaDeadline,
    Counterparty,
    /// What a reviewer takes first: the most severe tier, then the soonest SLA deadline (breaks
    /// without one after those with one). `descending` reverses both.
    Priority,
}

/// A break as the queue lists it (and as the front end receives it).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BreakRow {
    pub break_id: String,
    pub break_type: String,
    pub counterparty: Option<String>,
    /// Decimal text, in `currency`.
    pub amount: String,
    pub currency: String,
    pub status: BreakStatus,
    pub tier: Option<RiskTier>,
    pub decision: Option<DecisionAction>,
    pub assignee: Option<String>,
    pub sla_deadline: Option<String>,
    pub detected_at: Option<String>,
}
