//! The PATTERN agent's history, from the store: similar past breaks (same type and the same
//! counterparty or instrument) and how they ended. Each key looks at its 50 most recently
//! updated similar breaks, so a lookup costs the same with 1,000 or 1,000,000 breaks stored.

use super::SqliteStore;
use reconagent_engine::agents::{HistoryLookup, HistorySummary, SimilarQuery};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// How many similar breaks per key a lookup considers.
pub(crate) const PER_KEY: usize = 50;

/// One similar break: id, status, decision.
pub(crate) type Similar = (String, String, Option<String>);

/// A [`HistoryLookup`] over a store file, with its own read connection.
pub struct StoreHistory {
    inner: Mutex<Inner>,
}

struct Inner {
    conn: rusqlite::Connection,
    /// Rows per (type, key kind, key) as of `data_version`. Exact, not approximate: SQLite's
    /// `data_version` changes whenever another connection commits, and the cache is dropped
    /// then. A batch commits every thousand runs, so most lookups between commits repeat a
    /// key (same counterparty or instrument) and skip the query.
    cache: HashMap<(String, bool, String), Arc<Vec<Similar>>>,
    data_version: i64,
}

impl StoreHistory {
    /// A history lookup for the PATTERN agent, with its own read connection to `store`.
    pub(crate) fn open(store: &SqliteStore) -> crate::Result<StoreHistory> {
        let conn = store.open_reader()?;
        Ok(StoreHistory { inner: Mutex::new(Inner { conn, cache: HashMap::new(), data_version: -1 }) })
    }
}

const BY_COUNTERPARTY: &str = "SELECT break_id, status, decision FROM breaks
    WHERE break_type = ?1 AND counterparty = ?2 AND status <> 'NEW' ORDER BY updated_at DESC LIMIT ?3";
const BY_INSTRUMENT: &str = "SELECT break_id, status, decision FROM breaks
    WHERE break_type = ?1 AND instrument_id = ?2 AND status <> 'NEW' ORDER BY updated_at DESC LIMIT ?3";

impl Inner {
    /// The most recent similar breaks for one key; one more than [`PER_KEY`], so that leaving
    /// out the break being run still leaves enough.
    fn rows(&mut self, break_type: &str, by_instrument: bool, key: &str) -> rusqlite::Result<Arc<Vec<Similar>>> {
        let cache_key = (break_type.to_string(), by_instrument, key.to_string());
        if let Some(rows) = self.cache.get(&cache_key) {
            return Ok(rows.clone());
        }
        let sql = if by_instrument { BY_INSTRUMENT } else { BY_COUNTERPARTY };
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt
            .query_map(rusqlite::params![break_type, key, (PER_KEY + 1) as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<Vec<Similar>>>()?;
        let rows = Arc::new(rows);
        self.cache.insert(cache_key, rows.clone());
        Ok(rows)
    }

    fn refresh(&mut self) -> rusqlite::Result<()> {
        let v: i64 = self.conn.prepare_cached("PRAGMA data_version")?.query_row([], |r| r.get(0))?;
        if v != self.data_version {
            self.cache.clear();
            self.data_version = v;
        }
        Ok(())
    }
}

impl HistoryLookup for StoreHistory {
    fn similar(&self, q: &SimilarQuery) -> Result<HistorySummary, String> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.refresh().map_err(|e| e.to_string())?;
        // Two index-only lookups (partial indexes over processed breaks), merged here: a UNION
        // and GROUP BY in SQL cost two sorts per break, more than the rest of the run.
        let mut per_key = Vec::with_capacity(2);
        for (by_instrument, key) in [(false, q.counterparty.as_deref()), (true, q.instrument_id.as_deref())] {
            if let Some(key) = key {
                per_key.push(inner.rows(q.break_type.as_str(), by_instrument, key).map_err(|e| e.to_string())?);
            }
        }
        drop(inner);
        Ok(summarise(&q.break_id, &per_key))
    }
}

/// What the similar breaks found for each key say: each break counted once (the break being run
/// left out), at most [`PER_KEY`] per key, by how it ended. Shared by every backend.
pub(crate) fn summarise(break_id: &str, per_key: &[Arc<Vec<Similar>>]) -> HistorySummary {
    let mut ids = HashSet::with_capacity(2 * PER_KEY);
    let mut counts: Vec<((&str, Option<&str>), u32)> = Vec::new();
    for rows in per_key {
        // The break itself is not its own history (on a re-run it is among the rows).
        for (id, status, decision) in rows.iter().filter(|r| r.0 != break_id).take(PER_KEY) {
            if !ids.insert(id.as_str()) {
                continue;
            }
            let key = (status.as_str(), decision.as_deref());
            match counts.iter_mut().find(|c| c.0 == key) {
                Some(c) => c.1 += 1,
                None => counts.push((key, 1)),
            }
        }
    }
    let mut s = HistorySummary::default();
    let mut by_decision: Vec<(String, u32)> = Vec::new();
    for ((status, decision), n) in counts {
        s.similar_count += n;
        match status {
            "AUTO_RESOLVED" => {
                s.resolved_count += n;
                s.auto_resolved_count += n;
            }
            "RESOLVED" => s.resolved_count += n,
            _ => s.unresolved_count += n,
        }
        if matches!(status, "AUTO_RESOLVED" | "RESOLVED") {
            if let Some(d) = decision {
                by_decision.push((d.to_string(), n));
            }
        }
    }
    by_decision.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    s.usual_resolution = by_decision.first().map(|d| d.0.clone());
    s
}
