//! The PATTERN agent's history, from the store: similar past breaks (same type and the same
//! counterparty or instrument) and how they ended. Each key looks at its 50 most recently
//! updated similar breaks, so a lookup costs the same with 1,000 or 1,000,000 breaks stored.

use crate::Store;
use reconagent_engine::agents::{HistoryLookup, HistorySummary, SimilarQuery};
use std::sync::Mutex;

/// A [`HistoryLookup`] over a store file, with its own read connection.
pub struct StoreHistory {
    conn: Mutex<rusqlite::Connection>,
}

impl Store {
    /// A history lookup for the PATTERN agent.
    pub fn history(&self) -> crate::Result<StoreHistory> {
        Ok(StoreHistory { conn: Mutex::new(self.reader()?) })
    }
}

impl HistoryLookup for StoreHistory {
    fn similar(&self, q: &SimilarQuery) -> Result<HistorySummary, String> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let mut stmt = conn
            .prepare_cached(
                "SELECT status, decision, COUNT(*) FROM (
                   SELECT * FROM (SELECT break_id, status, decision FROM breaks
                     WHERE break_type = ?1 AND counterparty = ?3 AND status <> 'NEW' AND break_id <> ?2 ORDER BY updated_at DESC LIMIT 50)
                   UNION
                   SELECT * FROM (SELECT break_id, status, decision FROM breaks
                     WHERE break_type = ?1 AND instrument_id = ?4 AND status <> 'NEW' AND break_id <> ?2 ORDER BY updated_at DESC LIMIT 50)
                 ) GROUP BY status, decision",
            )
            .map_err(|e| e.to_string())?;
        let rows = stmt
            .query_map(rusqlite::params![q.break_type.as_str(), q.break_id, q.counterparty, q.instrument_id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, u32>(2)?))
            })
            .map_err(|e| e.to_string())?;
        let mut s = HistorySummary::default();
        let mut by_decision: Vec<(String, u32)> = Vec::new();
        for row in rows {
            let (status, decision, n) = row.map_err(|e| e.to_string())?;
            s.similar_count += n;
            match status.as_str() {
                "AUTO_RESOLVED" => {
                    s.resolved_count += n;
                    s.auto_resolved_count += n;
                }
                "RESOLVED" => s.resolved_count += n,
                _ => s.unresolved_count += n,
            }
            if matches!(status.as_str(), "AUTO_RESOLVED" | "RESOLVED") {
                if let Some(d) = decision {
                    by_decision.push((d, n));
                }
            }
        }
        by_decision.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        s.usual_resolution = by_decision.first().map(|d| d.0.clone());
        Ok(s)
    }
}
