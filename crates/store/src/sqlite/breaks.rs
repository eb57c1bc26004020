//! Breaks: imports, replacements, reads, claims and the queue.

use super::{now, typed, typed_opt, SqliteStore};
use crate::audit::EventKind;
use crate::backend::BreakStore;
use crate::error::{Result, StoreError};
use crate::lifecycle::BreakStatus;
use crate::queue::{BreakRow, QueueCursor, QueueFilter, QueuePage, QueueSort};
use chrono::SecondsFormat;
use reconagent_engine::{Break, DecisionAction, RiskTier};
use rusqlite::types::Value;
use rusqlite::{params, OptionalExtension};
use serde_json::json;
use sha2::Digest;

/// One page of [`crate::backend::stream_with_status`]. `+status` keeps the planner off the status index:
/// through it, every page fetched and sorted all the remaining breaks with that status, which
/// made a batch quadratic (a third of its CPU at 100,000 breaks). Walking the primary key from
/// the last id reads each break once.
pub(super) const PAGE_WITH_STATUS: &str = "SELECT break_id, data FROM breaks WHERE break_id > ?2 AND +status = ?1 ORDER BY break_id LIMIT ?3";

/// What a break's contents put in its row: the break's own text borrowed, the stored forms of
/// its amount and detection time, its JSON and the time of the write.
struct Contents<'a> {
    b: &'a Break,
    break_type: &'a str,
    amount: String,
    detected: Option<String>,
    data: String,
    at: &'a str,
}

impl<'a> Contents<'a> {
    fn new(b: &'a Break, data: String, at: &'a str) -> Contents<'a> {
        Contents {
            b,
            break_type: b.break_type.as_str(),
            amount: b.amount.to_string(),
            detected: b.detected_at.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)),
            data,
            at,
        }
    }

    /// `?1` to `?9`: id, type, counterparty, amount, currency, detected_at, instrument, the JSON
    /// and the time (an import's and a replacement's statements both take them in this order).
    fn params(&self) -> [&dyn rusqlite::ToSql; 9] {
        let b = self.b;
        [&b.break_id, &self.break_type, &b.counterparty, &self.amount, &b.currency, &self.detected, &b.instrument_id, &self.data, &self.at]
    }
}

/// The queue's columns, in [`BreakRow`]'s order.
const ROW_COLUMNS: &str = "break_id, break_type, counterparty, amount, currency, status, tier, decision, assignee, sla_deadline, detected_at, work_queue";

fn break_row(r: &rusqlite::Row) -> rusqlite::Result<BreakRow> {
    Ok(BreakRow {
        break_id: r.get(0)?,
        break_type: r.get(1)?,
        counterparty: r.get(2)?,
        amount: r.get(3)?,
        currency: r.get(4)?,
        status: typed(r, 5, "status", BreakStatus::parse)?,
        tier: typed_opt(r, 6, "tier", RiskTier::parse)?,
        decision: typed_opt(r, 7, "decision", DecisionAction::parse)?,
        assignee: r.get(8)?,
        sla_deadline: r.get(9)?,
        detected_at: r.get(10)?,
        work_queue: r.get(11)?,
    })
}

/// Each sort's key: one text expression, never NULL, written exactly as its index in
/// `migrations/0005_a_year_of_breaks.sql` (SQLite matches an expression index by its text).
/// The tier ranks follow [`RiskTier::ALL`] (a test checks both and the query plans).
pub(crate) fn sort_key(sort: QueueSort) -> &'static str {
    match sort {
        QueueSort::BreakId => "break_id",
        QueueSort::DetectedAt => "COALESCE(detected_at, '')",
        QueueSort::Tier => "(CASE tier WHEN 'LOW' THEN '1' WHEN 'MEDIUM' THEN '2' WHEN 'HIGH' THEN '3' WHEN 'CRITICAL' THEN '4' ELSE '0' END)",
        QueueSort::Status => "status",
        QueueSort::SlaDeadline => "COALESCE(sla_deadline, '')",
        QueueSort::Counterparty => "lower(COALESCE(counterparty, ''))",
        QueueSort::BreakType => "break_type",
        // By severity, not by name: none, AUTO_RESOLVE, HIL_REVIEW, ESCALATE.
        QueueSort::Decision => "(CASE decision WHEN 'AUTO_RESOLVE' THEN '1' WHEN 'HIL_REVIEW' THEN '2' WHEN 'ESCALATE' THEN '3' ELSE '0' END)",
        QueueSort::Assignee => "COALESCE(assignee, '')",
        // The most severe tier, then the soonest SLA deadline (none last).
        QueueSort::Priority => {
            "(CASE tier WHEN 'CRITICAL' THEN '0' WHEN 'HIGH' THEN '1' WHEN 'MEDIUM' THEN '2' WHEN 'LOW' THEN '3' ELSE '9' END || COALESCE(sla_deadline, '~'))"
        }
    }
}

/// The awaiting-review condition, as the review index's WHERE says it (literally: a partial
/// index serves only a query that repeats its condition).
pub(super) const AWAITING: &str = "status IN ('PENDING_REVIEW', 'ESCALATED')";

/// The filter's WHERE clause and its arguments (nothing from the caller reaches the SQL text).
fn filter_sql(f: &QueueFilter) -> (Vec<String>, Vec<Value>) {
    let mut clauses = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    let text = |v: Option<&'static str>| v.map(str::to_string);
    let equal = [
        ("break_type", f.break_type.clone()),
        ("tier", text(f.tier.map(RiskTier::as_str))),
        ("status", text(f.status.map(BreakStatus::as_str))),
        ("decision", text(f.decision.map(DecisionAction::as_str))),
        ("assignee", f.assignee.clone()),
        ("work_queue", f.work_queue.clone()),
    ];
    for (col, v) in equal {
        if let Some(v) = v {
            args.push(Value::Text(v));
            clauses.push(format!("{col} = ?{}", args.len()));
        }
    }
    if f.awaiting_review {
        clauses.push(AWAITING.to_string());
    }
    if f.unassigned {
        clauses.push("assignee IS NULL".to_string());
    }
    if !f.assignee_in.is_empty() {
        let mut marks = Vec::new();
        for name in &f.assignee_in {
            args.push(Value::Text(name.clone()));
            marks.push(format!("?{}", args.len()));
        }
        clauses.push(format!("assignee IN ({})", marks.join(", ")));
    }
    if let Some((lo, hi)) = f.search_range() {
        args.push(Value::Text(lo));
        args.push(Value::Text(hi));
        let (l, h) = (args.len() - 1, args.len());
        let cp = sort_key(QueueSort::Counterparty);
        clauses.push(format!("((lower(break_id) >= ?{l} AND lower(break_id) < ?{h}) OR ({cp} >= ?{l} AND {cp} < ?{h}))"));
    }
    let days_ago = |d: u32| (chrono::Utc::now() - chrono::Duration::days(i64::from(d))).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let detected = sort_key(QueueSort::DetectedAt);
    if let Some(d) = f.min_age_days {
        args.push(Value::Text(days_ago(d)));
        clauses.push(format!("detected_at IS NOT NULL AND {detected} <= ?{}", args.len()));
    }
    if let Some(d) = f.max_age_days {
        args.push(Value::Text(days_ago(d)));
        clauses.push(format!("{detected} >= ?{}", args.len()));
    }
    (clauses, args)
}

fn where_sql(clauses: &[String]) -> String {
    if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    }
}

/// A queue page's queries, read in turn until the page is full: each an index range in the
/// sort's order, ending `LIMIT ?n OFFSET ?m` (the last two arguments, added by the caller).
/// After a cursor there are two: the rest of the cursor's key (`key = k AND break_id > id`)
/// and the keys after it (`key > k`). SQLite seeks an expression index on either, but not on
/// the row value `(key, break_id) > (k, id)`, which it scanned from the start (a page at 90%
/// of a million breaks took 100-120 ms).
pub(super) fn page_sql(f: &QueueFilter) -> (Vec<(String, Vec<Value>)>, u32) {
    let sort = f.sort.unwrap_or_default();
    let key = sort_key(sort);
    let (clauses, args) = filter_sql(f);
    let (cmp, dir) = if f.descending { ("<", "DESC") } else { (">", "ASC") };
    let limit = if f.limit == 0 { 100 } else { f.limit.min(10_000) };
    // The break id is the key's own tie-break (a nullable TEXT primary key: naming it twice
    // would make SQLite sort).
    let order = if sort == QueueSort::BreakId { format!("break_id {dir}") } else { format!("{key} {dir}, break_id {dir}") };
    // The review list reads its partial index, which holds only the waiting breaks (the
    // planner, counting on the status index's statistics, may prefer to sort).
    let table = match (f.awaiting_review && sort == QueueSort::Priority, &f.work_queue) {
        (true, Some(_)) => "breaks INDEXED BY breaks_queue_review",
        (true, None) => "breaks INDEXED BY breaks_review",
        _ => "breaks",
    };
    let part = |extra: Vec<(String, Vec<Value>)>, order: &str| {
        let (mut clauses, mut args) = (clauses.clone(), args.clone());
        for (clause, values) in extra {
            let mut clause = clause;
            for v in values {
                args.push(v);
                clause = clause.replacen("?#", &format!("?{}", args.len()), 1);
            }
            clauses.push(clause);
        }
        let (n, m) = (args.len() + 1, args.len() + 2);
        (format!("SELECT {ROW_COLUMNS}, {key} FROM {table} {} ORDER BY {order} LIMIT ?{n} OFFSET ?{m}", where_sql(&clauses)), args)
    };
    let parts = match &f.after {
        None => vec![part(vec![], &order)],
        Some(c) if sort == QueueSort::BreakId => vec![part(vec![(format!("break_id {cmp} ?#"), vec![Value::Text(c.break_id.clone())])], &order)],
        Some(c) => vec![
            // The key is fixed here: ordering by it too would make SQLite sort.
            part(
                vec![(format!("{key} = ?# AND break_id {cmp} ?#"), vec![Value::Text(c.key.clone()), Value::Text(c.break_id.clone())])],
                &format!("break_id {dir}"),
            ),
            part(vec![(format!("{key} {cmp} ?#"), vec![Value::Text(c.key.clone())])], &order),
        ],
    };
    (parts, limit)
}

impl BreakStore for SqliteStore {
    fn import_breaks(&self, breaks: &[Break], source: &str) -> Result<(usize, usize)> {
        let at = now();
        self.write(|tx| {
            let mut inserted = 0;
            // What the IMPORT entry commits to: the contents of every break it inserted, in order
            // (`verify` recomputes it; see `state::contents`).
            let mut contents = sha2::Sha256::new();
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT OR IGNORE INTO breaks (break_id, break_type, counterparty, amount, currency, detected_at, instrument_id, data, imported_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
                )?;
                let mut counts = super::counts::Counts::default();
                for b in breaks {
                    let data = serde_json::to_string(b)?;
                    if stmt.execute(Contents::new(b, data.clone(), &at).params().as_slice())? == 1 {
                        inserted += 1;
                        contents.update(super::state::content_line(&b.break_id, &data).as_bytes());
                        counts.added((b.break_type.as_str().to_string(), BreakStatus::New.as_str().to_string(), String::new(), String::new()));
                    }
                }
                counts.apply(tx)?;
            }
            let skipped = breaks.len() - inserted;
            let contents = hex::encode(contents.finalize());
            super::audit::append(tx, EventKind::Import, &self.actor, source, &json!({"inserted": inserted, "already_present": skipped, "contents": contents}), &at)?;
            Ok((inserted, skipped))
        })
    }

    /// The breaks of `breaks` that are stored with other contents.
    fn differing<'b>(&self, breaks: &'b [Break]) -> Result<Vec<&'b Break>> {
        let conn = self.reader()?;
        let mut stmt = conn.prepare_cached("SELECT data FROM breaks WHERE break_id = ?1")?;
        let mut out = Vec::new();
        for b in breaks {
            if let Some(data) = stmt.query_row([&b.break_id], |r| r.get::<_, String>(0)).optional()? {
                if &serde_json::from_str::<Break>(&data)? != b {
                    out.push(b);
                }
            }
        }
        Ok(out)
    }

    /// Replaces a stored break's contents with `new`, on purpose: the old contents, status and
    /// decision are kept in `break_versions`, the break becomes NEW (to be decided on what it now
    /// says, its decision and tier cleared), and a BREAK_REPLACED entry records who, why, and
    /// both contents' hashes. Identical contents change nothing (returns false).
    ///
    /// # Errors
    /// No such break, an empty reason, or a RESOLVED break (closed by a person: it stays as closed).
    fn replace_break(&self, new: &Break, reason: &str) -> Result<bool> {
        if reason.trim().is_empty() {
            return Err(StoreError::Invalid("replacing a stored break needs a reason".into()));
        }
        let at = now();
        let new_data = serde_json::to_string(new)?;
        self.write(|tx| {
            let old: Option<(String, String, Option<String>)> = tx
                .query_row("SELECT data, status, decision FROM breaks WHERE break_id = ?1", [&new.break_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?;
            let (old_data, status, decision) = old.ok_or_else(|| StoreError::NoSuchBreak(new.break_id.clone()))?;
            let old_break: Break = serde_json::from_str(&old_data)?;
            if &old_break == new {
                return Ok(false);
            }
            if status == BreakStatus::Resolved.as_str() {
                return Err(StoreError::IllegalTransition {
                    id: new.break_id.clone(),
                    from: status,
                    action: "replacing its contents".into(),
                    allowed: "NEW, AUTO_RESOLVED, PENDING_REVIEW, ESCALATED".into(),
                });
            }
            tx.execute(
                "INSERT INTO break_versions (break_id, data, status, decision, replaced_at, replaced_by, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![new.break_id, old_data, status, decision, at, self.actor, reason],
            )?;
            let counted = super::counts::key_of(tx, &new.break_id)?.ok_or_else(|| StoreError::NoSuchBreak(new.break_id.clone()))?;
            tx.execute(
                "UPDATE breaks SET break_type = ?2, counterparty = ?3, amount = ?4, currency = ?5, detected_at = ?6, instrument_id = ?7, data = ?8,
                        status = 'NEW', decision = NULL, tier = NULL, latest_run_id = NULL, sla_deadline = NULL, work_queue = NULL, updated_at = ?9
                 WHERE break_id = ?1",
                Contents::new(new, new_data.clone(), &at).params().as_slice(),
            )?;
            super::counts::Counts::apply_move(tx, &new.break_id, counted)?;
            let digest = super::state::content_digest;
            super::audit::append(
                tx,
                EventKind::BreakReplaced,
                &self.actor,
                &new.break_id,
                &json!({"reason": reason, "from": status, "old": digest(&old_data), "new": digest(&new_data)}),
                &at,
            )?;
            Ok(true)
        })
    }

    /// Loads a break.
    fn get_break(&self, id: &str) -> Result<Break> {
        let data: Option<String> = self.reader()?.query_row("SELECT data FROM breaks WHERE break_id = ?1", [id], |r| r.get(0)).optional()?;
        let data = data.ok_or_else(|| StoreError::NoSuchBreak(id.to_string()))?;
        Ok(serde_json::from_str(&data)?)
    }

    fn break_row(&self, id: &str) -> Result<BreakRow> {
        self.reader()?
            .query_row(&format!("SELECT {ROW_COLUMNS} FROM breaks WHERE break_id = ?1"), [id], break_row)
            .optional()?
            .ok_or_else(|| StoreError::NoSuchBreak(id.to_string()))
    }

    /// A break's current status.
    fn status_of(&self, id: &str) -> Result<BreakStatus> {
        let s: Option<String> = self.reader()?.query_row("SELECT status FROM breaks WHERE break_id = ?1", [id], |r| r.get(0)).optional()?;
        let s = s.ok_or_else(|| StoreError::NoSuchBreak(id.to_string()))?;
        BreakStatus::parse(&s).ok_or_else(|| StoreError::Invalid(format!("break `{id}` has an unknown status `{s}`")))
    }

    /// How many breaks have `status`.
    fn count_with_status(&self, status: BreakStatus) -> Result<usize> {
        Ok(self.reader()?.query_row("SELECT COUNT(*) FROM breaks WHERE status = ?1", [status.as_str()], |r| r.get::<_, i64>(0))? as usize)
    }

    fn page_with_status(&self, status: BreakStatus, after: &str, limit: usize) -> Result<Vec<Break>> {
        let conn = self.reader()?;
        let mut stmt = conn.prepare_cached(PAGE_WITH_STATUS)?;
        let rows = stmt.query_map(params![status.as_str(), after, limit as i64], |r| r.get::<_, String>(1))?;
        let mut out = Vec::with_capacity(limit.min(10_000));
        for data in rows {
            out.push(serde_json::from_str(&data?)?);
        }
        Ok(out)
    }

    /// One page of the queue: an index range after the cursor, in the sort's index order.
    fn queue_page(&self, f: &QueueFilter) -> Result<QueuePage> {
        let (parts, limit) = page_sql(f);
        let conn = self.reader()?;
        let mut rows = Vec::with_capacity(limit as usize);
        let mut last_key = None;
        // Rows still to skip: an offset spans the parts (only a jump sends one, with no cursor).
        let mut skip = i64::from(f.offset);
        let last = parts.len() - 1;
        for (i, (sql, mut args)) in parts.into_iter().enumerate() {
            let want = i64::from(limit) - rows.len() as i64;
            if want <= 0 {
                break;
            }
            // Before the last part, read what is to be skipped too, to know how much it held.
            let (n, m) = if i == last { (want, skip) } else { (want + skip, 0) };
            args.push(Value::Integer(n));
            args.push(Value::Integer(m));
            let mut stmt = conn.prepare_cached(&sql)?;
            let mut query = stmt.query(rusqlite::params_from_iter(args.iter()))?;
            while let Some(r) = query.next()? {
                if i != last && skip > 0 {
                    skip -= 1;
                    continue;
                }
                rows.push(break_row(r)?);
                last_key = Some(r.get::<_, String>(12)?);
            }
        }
        let next = match (rows.len() == limit as usize, rows.last(), last_key) {
            (true, Some(row), Some(key)) => Some(QueueCursor { key, break_id: row.break_id.clone() }),
            _ => None,
        };
        Ok(QueuePage { rows, next })
    }

    /// How many breaks match: read from the counters when the filter is one they count,
    /// otherwise counted over the filter's index.
    fn queue_count(&self, f: &QueueFilter) -> Result<u64> {
        let conn = self.reader()?;
        let (clauses, args) = filter_sql(f);
        let table = if f.counted_by_counters() { "SELECT COALESCE(SUM(n), 0) FROM break_counts" } else { "SELECT COUNT(*) FROM breaks" };
        let sql = format!("{table} {}", where_sql(&clauses));
        let n = conn.prepare_cached(&sql)?.query_row(rusqlite::params_from_iter(args.iter()), |r| r.get::<_, i64>(0))?;
        Ok(n as u64)
    }

    /// The break types present in the store, in name order: what the filters offer beside the
    /// types the policies know (an imported file may bring others, e.g. CORPORATE_ACTIONS).
    fn break_types(&self) -> Result<Vec<String>> {
        let conn = self.reader()?;
        let mut stmt = conn.prepare_cached("SELECT break_type FROM break_counts GROUP BY break_type HAVING SUM(n) > 0 ORDER BY break_type")?;
        let types = stmt.query_map([], |r| r.get(0))?.collect::<std::result::Result<_, _>>()?;
        Ok(types)
    }

    /// The `limit` most recently updated breaks (newest first), of one type if given: what an
    /// impact simulation replays.
    fn recent_breaks(&self, limit: usize, break_type: Option<&str>) -> Result<Vec<reconagent_engine::Break>> {
        let conn = self.reader()?;
        let mut stmt = conn.prepare("SELECT data FROM breaks WHERE (?2 IS NULL OR break_type = ?2) ORDER BY updated_at DESC, break_id LIMIT ?1")?;
        let rows = stmt.query_map(params![limit as i64, break_type], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for r in rows {
            out.push(serde_json::from_str(&r?)?);
        }
        Ok(out)
    }
}
