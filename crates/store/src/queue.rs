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
    /// Only breaks nobody is assigned to.
    #[serde(default)]
    pub unassigned: bool,
    /// One work queue (WORKFLOW's assignee group a waiting break is routed to).
    #[serde(default)]
    pub work_queue: Option<String>,
    /// Only breaks assigned to one of these (empty: no such condition); "mine and my groups"
    /// is [`crate::backend::ReviewStore::mine`].
    #[serde(default)]
    pub assignee_in: Vec<String>,
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
    /// Rows to skip after `after` (or from the start): a jump to a row far from any page
    /// already read. Paging on reads the next page `after` the last one instead.
    #[serde(default)]
    pub offset: u32,
    /// Where the page starts: the `next` of the page before it (keyset paging: an index
    /// range, as fast at the millionth row as at the first).
    #[serde(default)]
    pub after: Option<QueueCursor>,
}

/// A position in the queue: the sort key of the last row read and its break id. Opaque to the
/// front end, which hands back the `next` it was given.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct QueueCursor {
    pub key: String,
    pub break_id: String,
}

/// One page of the queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct QueuePage {
    pub rows: Vec<BreakRow>,
    /// Where the next page starts; `None` when this page is the last.
    pub next: Option<QueueCursor>,
}

impl QueueFilter {
    /// Whether the filter uses only what the stored counters count (type, tier, status,
    /// decision, waiting for review): its total is then read, not counted.
    pub fn counted_by_counters(&self) -> bool {
        self.assignee.is_none()
            && self.assignee_in.is_empty()
            && !self.unassigned
            && self.work_queue.is_none()
            && self.search.as_deref().is_none_or(str::is_empty)
            && self.min_age_days.is_none()
            && self.max_age_days.is_none()
    }

    /// The search text as the bounds of an index range: its ASCII lower case, and that
    /// followed by the last code point (every text starting with the prefix lies between).
    pub fn search_range(&self) -> Option<(String, String)> {
        let s = self.search.as_deref().filter(|s| !s.is_empty())?.to_ascii_lowercase();
        let hi = format!("{s}\u{10FFFF}");
        Some((s, hi))
    }
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
    BreakType,
    Decision,
    Assignee,
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
    /// The work queue it waits in (WORKFLOW's assignee group), if a run routed it to one.
    pub work_queue: Option<String>,
}
