//! The break queue: filtered, sorted, paginated, on indexed columns.

use crate::error::Result;
use crate::Store;
use rusqlite::types::Value;
use serde::Serialize;

/// Queue filters; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub break_type: Option<String>,
    pub tier: Option<String>,
    pub status: Option<String>,
    /// Any of these statuses (empty: any), e.g. the two that wait for a person.
    pub statuses: Vec<String>,
    pub decision: Option<String>,
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

// LOW < MEDIUM < HIGH < CRITICAL, not alphabetical
const TIER_RANK: &str = "CASE tier WHEN 'LOW' THEN 0 WHEN 'MEDIUM' THEN 1 WHEN 'HIGH' THEN 2 WHEN 'CRITICAL' THEN 3 ELSE -1 END";

impl QueueSort {
    /// The ORDER BY terms, break id last so pages never overlap.
    fn order_by(self, descending: bool) -> String {
        let (asc, desc) = if descending { ("DESC", "ASC") } else { ("ASC", "DESC") };
        let column = match self {
            QueueSort::BreakId => "break_id",
            QueueSort::DetectedAt => "detected_at",
            QueueSort::Tier => TIER_RANK,
            QueueSort::Status => "status",
            QueueSort::SlaDeadline => "sla_deadline",
            QueueSort::Counterparty => "counterparty",
            QueueSort::Priority => return format!("{TIER_RANK} {desc}, sla_deadline IS NULL {asc}, sla_deadline {asc}, break_id {asc}"),
        };
        format!("{column} {asc}, break_id")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BreakRow {
    pub break_id: String,
    pub break_type: String,
    pub counterparty: Option<String>,
    pub amount: String,
    pub currency: String,
    pub status: String,
    pub tier: Option<String>,
    pub decision: Option<String>,
    pub assignee: Option<String>,
    pub sla_deadline: Option<String>,
    pub detected_at: Option<String>,
}

impl Store {
    /// One page of the queue and the total matching.
    pub fn queue(&self, f: &QueueFilter) -> Result<(Vec<BreakRow>, u64)> {
        let mut clauses = Vec::new();
        let mut args: Vec<Value> = Vec::new();
        for (col, v) in [("break_type", &f.break_type), ("tier", &f.tier), ("status", &f.status), ("decision", &f.decision), ("assignee", &f.assignee)] {
            if let Some(v) = v {
                args.push(Value::Text(v.clone()));
                clauses.push(format!("{col} = ?{}", args.len()));
            }
        }
        if !f.statuses.is_empty() {
            let marks: Vec<String> = f
                .statuses
                .iter()
                .map(|s| {
                    args.push(Value::Text(s.clone()));
                    format!("?{}", args.len())
                })
                .collect();
            clauses.push(format!("status IN ({})", marks.join(", ")));
        }
        if let Some(s) = f.search.as_ref().filter(|s| !s.is_empty()) {
            let escaped = s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
            args.push(Value::Text(format!("{escaped}%")));
            clauses.push(format!("(break_id LIKE ?{n} ESCAPE '\\' OR counterparty LIKE ?{n} ESCAPE '\\')", n = args.len()));
        }
        let days_ago = |d: u32| (chrono::Utc::now() - chrono::Duration::days(i64::from(d))).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        if let Some(d) = f.min_age_days {
            args.push(Value::Text(days_ago(d)));
            clauses.push(format!("detected_at <= ?{}", args.len()));
        }
        if let Some(d) = f.max_age_days {
            args.push(Value::Text(days_ago(d)));
            clauses.push(format!("detected_at >= ?{}", args.len()));
        }
        let filter = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
        let conn = self.reader()?;
        let total: u64 = conn.query_row(&format!("SELECT COUNT(*) FROM breaks {filter}"), rusqlite::params_from_iter(args.iter()), |r| r.get(0))?;
        let limit = if f.limit == 0 { 100 } else { f.limit.min(10_000) };
        let sql = format!(
            "SELECT break_id, break_type, counterparty, amount, currency, status, tier, decision, assignee, sla_deadline, detected_at
             FROM breaks {filter} ORDER BY {} LIMIT {limit} OFFSET {}",
            f.sort.order_by(f.descending),
            f.offset
        );
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), |r| {
            Ok(BreakRow {
                break_id: r.get(0)?,
                break_type: r.get(1)?,
                counterparty: r.get(2)?,
                amount: r.get(3)?,
                currency: r.get(4)?,
                status: r.get(5)?,
                tier: r.get(6)?,
                decision: r.get(7)?,
                assignee: r.get(8)?,
                sla_deadline: r.get(9)?,
                detected_at: r.get(10)?,
            })
        })?;
        Ok((rows.collect::<std::result::Result<_, _>>()?, total))
    }
}
