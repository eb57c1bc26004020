//! The break queue's filter, sort and rows (each backend runs the query).

use crate::lifecycle::BreakStatus;
use reconagent_engine::{DecisionAction, RiskTier};
use serde::Serialize;

/// Queue filters; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub break_type: Option<String>,
    pub tier: Option<RiskTier>,
    pub status: Option<BreakStatus>,
    /// Any of these statuses (empty: any), e.g. the two that wait for a person.
    pub statuses: Vec<BreakStatus>,
    pub decision: Option<DecisionAction>,
    pub assignee: Option<String>,
    /// Matches the start of the id or the counterparty (case-insensitive).
    pub search: Option<String>,
    /// Only breaks detected at least this many days ago.
    pub min_age_days: Option<u32>,
    /// Only breaks detected at most this many days ago.
    pub max_age_days: Option<u32>,
    pub sort: QueueSort,
    pub descending: bool,
    pub limit: u32,
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
