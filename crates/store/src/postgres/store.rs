//! [`PgStore`]: the whole [`crate::Backend`] seam on a team database. Reads are SQL over the
//! `recon` schema; every write is one call of a database function
//! (`migrations/0002_team_store.sql`) that checks the caller's role, applies the lifecycle and
//! appends the audit entry as the session user. The Rust side prepares what the functions store
//! (a break's columns, a run's rows and payload) exactly as the embedded store does, so both
//! backends hash and show the same text.

use super::{chain_from, TEAM_SCHEMA_VERSION};
use crate::anchor;
use crate::audit::{canonical_json, ChainCheck, Verification};
use crate::backend::{AuditStore, Backend, BreakStore, PolicyStore, ReviewStore, RunStore};
use crate::error::{Result, StoreError};
use crate::export::report::*;
use crate::lifecycle::{BreakStatus, HumanAction};
use crate::policies::PolicySave;
use crate::queue::{BreakRow, QueueCursor, QueueFilter, QueuePage, QueueSort};
use crate::run_rows::PreparedRun;
// Each sort's key: the embedded store's expressions, which schema 2's indexes repeat (plain SQL
// on both; the columns' "C" collation gives the same order).
use crate::sqlite::breaks::sort_key;
use crate::stats::{bounds, ActionRow, AuditQuery, AuditRow, CheckpointRate, DayCount, Efficiency, EfficiencyFilter, GroupSums, Proposal};
use chrono::SecondsFormat;
use postgres::types::ToSql;
use reconagent_engine::agents::{HistoryLookup, HistorySummary, SimilarQuery};
use reconagent_engine::graph::{ExecutionGraph, RunMode};
use reconagent_engine::policy::PolicySet;
use reconagent_engine::{AgentKind, Break, DecisionAction, RiskTier};
use serde_json::json;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

/// How long a claim lasts without its holder renewing it (a holder whose connection is gone
/// loses its claims at once).
const CLAIM_LEASE_SECONDS: i32 = 600;

type Client = Arc<Mutex<postgres::Client>>;

/// The store on a team database: one connection, its session user the actor of every write.
pub struct PgStore {
    client: Client,
    /// As given (it may hold a password): for the history lookup's own connection; never shown.
    connector: super::Connector,
    location: String,
    actor: String,
    /// Held while the store lives: its listener thread ends once this is gone.
    alive: Arc<()>,
    /// The model exchanges' store, made on first use and shared by every caller (one thread and
    /// one connection per store, not per request).
    exchanges: std::sync::OnceLock<Arc<super::exchanges::PgExchanges>>,
    /// Claims' own connection, opened on the first claim: a batch claims its next page while
    /// the recorder's connection records the last chunk, on another server process. Claims
    /// are held by the backend that made them (`recon.claims.holder_pid`), so claiming and
    /// releasing always use this one.
    claims: std::sync::OnceLock<Mutex<postgres::Client>>,
    /// A second connection for recording, opened when a batch records two chunks at once
    /// ([`RunStore::recorders`]): the second chunk's checks and rows are written while the first
    /// holds the chain's head, which serialises only the last step of each.
    second_recorder: std::sync::OnceLock<Mutex<postgres::Client>>,
}

fn lock(client: &Mutex<postgres::Client>) -> MutexGuard<'_, postgres::Client> {
    // Every use is one statement or one transaction, rolled back by the server if cut short.
    client.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A stored text column that must be one of an enum's values.
fn typed<T>(text: &str, column: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T> {
    parse(text).ok_or_else(|| StoreError::Invalid(format!("the team database holds {column} `{text}`, which is not one")))
}

fn typed_opt<T>(text: Option<String>, column: &str, parse: impl Fn(&str) -> Option<T>) -> Result<Option<T>> {
    text.map(|t| typed(&t, column, parse)).transpose()
}

/// The queue's columns, in [`BreakRow`]'s order.
const ROW_COLUMNS: &str = "break_id, break_type, counterparty, amount, currency, status, tier, decision, assignee, sla_deadline, detected_at, work_queue";

fn break_row(r: &postgres::Row) -> Result<BreakRow> {
    Ok(BreakRow {
        break_id: r.get(0),
        break_type: r.get(1),
        counterparty: r.get(2),
        amount: r.get(3),
        currency: r.get(4),
        status: typed(r.get(5), "status", BreakStatus::parse)?,
        tier: typed_opt(r.get(6), "tier", RiskTier::parse)?,
        decision: typed_opt(r.get(7), "decision", DecisionAction::parse)?,
        assignee: r.get(8),
        sla_deadline: r.get(9),
        detected_at: r.get(10),
        work_queue: r.get(11),
    })
}

const ACTION_COLUMNS: &str = "a.break_id, a.kind, a.actor, a.at, a.decision, a.reason, a.assignee, a.comment, a.approved_by";

fn action_row(r: &postgres::Row) -> ActionRow {
    ActionRow {
        break_id: r.get(0),
        kind: r.get(1),
        actor: r.get(2),
        at: r.get(3),
        decision: r.get(4),
        reason: r.get(5),
        assignee: r.get(6),
        comment: r.get(7),
        approved_by: r.get(8),
    }
}

const AUDIT_COLUMNS: &str = "seq, at, kind, actor, subject, payload, hash";

fn audit_row(r: &postgres::Row) -> AuditRow {
    AuditRow { seq: r.get(0), at: r.get(1), kind: r.get(2), actor: r.get(3), subject: r.get(4), payload: r.get(5), hash: r.get(6) }
}

/// A query's arguments, numbered as they are added.
#[derive(Default)]
struct Args(Vec<Box<dyn ToSql + Sync>>);

impl Args {
    /// Adds a value; returns its placeholder (`$n`).
    fn add(&mut self, v: impl ToSql + Sync + 'static) -> String {
        self.0.push(Box::new(v));
        format!("${}", self.0.len())
    }

    fn refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.0.iter().map(|b| &**b as &(dyn ToSql + Sync)).collect()
    }
}

/// A queue page's query, its arguments and its row limit.
fn page_query(f: &QueueFilter) -> (String, Args, u32) {
    let sort = f.sort.unwrap_or_default();
    let key = sort_key(sort);
    let mut args = Args::default();
    let mut clauses = filter_sql(f, &mut args);
    let (cmp, dir) = if f.descending { ("<", "DESC") } else { (">", "ASC") };
    if let Some(c) = &f.after {
        let (k, id) = (args.add(c.key.clone()), args.add(c.break_id.clone()));
        clauses.push(format!("({key}, break_id) {cmp} ({k}, {id})"));
    }
    let limit = if f.limit == 0 { 100 } else { f.limit.min(10_000) };
    let order = if sort == QueueSort::BreakId { format!("break_id {dir}") } else { format!("{key} {dir}, break_id {dir}") };
    let (l, o) = (args.add(i64::from(limit)), args.add(i64::from(f.offset)));
    let sql = if f.offset == 0 {
        format!("SELECT {ROW_COLUMNS}, {key} FROM recon.breaks {} ORDER BY {order} LIMIT {l} OFFSET {o}", where_sql(&clauses))
    } else {
        // A jump: the rows skipped are counted on the sort's index alone (an index-only scan:
        // team schema 14 puts the key's columns in it), and only the page's rows are read.
        format!(
            "SELECT {ROW_COLUMNS}, p.k FROM (SELECT break_id, {key} AS k FROM recon.breaks {} ORDER BY {order} LIMIT {l} OFFSET {o}) p
               JOIN recon.breaks USING (break_id) ORDER BY p.k {dir}, break_id {dir}",
            where_sql(&clauses)
        )
    };
    (sql, args, limit)
}

impl PgStore {
    /// The plan PostgreSQL makes for a queue page's query (`EXPLAIN`), with sequential scans
    /// and sorts priced out, so it names the index the query can use, or shows that it can
    /// use none: what the index tests check for every sort the queue offers.
    #[doc(hidden)]
    pub fn queue_plan(&self, f: &QueueFilter) -> Result<String> {
        let (sql, args, _) = page_query(f);
        let mut c = self.client();
        let mut tx = c.transaction()?;
        tx.batch_execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = off")?;
        let plan = tx.query(&format!("EXPLAIN {sql}"), &args.refs())?.iter().map(|r| r.get::<_, String>(0)).collect::<Vec<_>>().join("\n");
        tx.rollback()?;
        Ok(plan)
    }
}

/// The filter's WHERE clause (nothing from the caller reaches the SQL text).
fn filter_sql(f: &QueueFilter, args: &mut Args) -> Vec<String> {
    let mut clauses = Vec::new();
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
            clauses.push(format!("{col} = {}", args.add(v)));
        }
    }
    if f.awaiting_review {
        clauses.push("status IN ('PENDING_REVIEW', 'ESCALATED')".into());
    }
    if f.unassigned {
        clauses.push("assignee IS NULL".into());
    }
    if !f.assignee_in.is_empty() {
        clauses.push(format!("assignee = ANY({})", args.add(f.assignee_in.clone())));
    }
    if let Some((lo, hi)) = f.search_range() {
        let (l, h) = (args.add(lo), args.add(hi));
        let cp = sort_key(QueueSort::Counterparty);
        clauses.push(format!("((lower(break_id) >= {l} AND lower(break_id) < {h}) OR ({cp} >= {l} AND {cp} < {h}))"));
    }
    let days_ago = |d: u32| (chrono::Utc::now() - chrono::Duration::days(i64::from(d))).to_rfc3339_opts(SecondsFormat::Secs, true);
    let detected = sort_key(QueueSort::DetectedAt);
    if let Some(d) = f.min_age_days {
        clauses.push(format!("detected_at IS NOT NULL AND {detected} <= {}", args.add(days_ago(d))));
    }
    if let Some(d) = f.max_age_days {
        clauses.push(format!("{detected} >= {}", args.add(days_ago(d))));
    }
    clauses
}

fn where_sql(clauses: &[String]) -> String {
    if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    }
}

/// What the import and replace functions store of a break: its columns in their stored forms
/// and its JSON, exactly as the embedded store writes them.
fn stored_break(b: &Break) -> Result<serde_json::Value> {
    Ok(json!({
        "break_id": b.break_id,
        "break_type": b.break_type.as_str(),
        "counterparty": b.counterparty,
        "amount": b.amount.to_string(),
        "currency": b.currency,
        "detected_at": b.detected_at.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)),
        "instrument_id": b.instrument_id,
        "data": serde_json::to_string(b)?,
    }))
}

/// A node row as `recon.record_runs` reads it: agent, status, started, finished, waited,
/// attempts, skip reason, error.
type StoredNode<'a> = (&'a str, &'a str, Option<i64>, Option<i64>, i64, u32, Option<&'a str>, Option<&'a str>);

/// What `recon.record_runs` stores of a prepared run (its graph goes apart, as text), serialised
/// straight from the prepared run's fields.
#[derive(Debug, serde::Serialize)]
struct StoredRun<'a> {
    break_id: &'a str,
    mode: &'a str,
    policy_key: &'a str,
    policy_version: &'a str,
    break_type: &'a str,
    tier: &'a str,
    decision: &'a str,
    confidence: f64,
    decided_by: &'a str,
    early_exit: Option<&'a str>,
    agents_planned: i64,
    agents_invoked: i64,
    wall_us: i64,
    emulated: bool,
    started_at: &'a str,
    modelled_ms: i64,
    modelled_cost: &'a str,
    deadline: Option<&'a str>,
    nodes: Vec<StoredNode<'a>>,
    checkpoints: Vec<(&'a str, &'a str, bool, Option<&'a str>)>,
    payload_head: &'a str,
    payload_tail: &'a str,
}

impl<'a> StoredRun<'a> {
    fn of(r: &'a PreparedRun) -> StoredRun<'a> {
        StoredRun {
            break_id: &r.break_id,
            mode: r.mode,
            policy_key: &r.policy_key,
            policy_version: &r.policy_version,
            break_type: &r.break_type,
            tier: r.tier,
            decision: r.decision,
            confidence: r.confidence,
            decided_by: &r.decided_by_json,
            early_exit: r.early_exit.as_deref(),
            agents_planned: r.agents_planned,
            agents_invoked: r.agents_invoked,
            wall_us: r.wall_us,
            emulated: r.emulated,
            started_at: &r.started_at,
            modelled_ms: r.modelled_ms,
            modelled_cost: &r.modelled_cost,
            deadline: r.deadline.as_deref(),
            nodes: r
                .nodes
                .iter()
                .map(|n| (n.agent, n.status, n.started_us, n.finished_us, n.waited_us, n.attempts, n.skip_reason.as_deref(), n.error.as_deref()))
                .collect(),
            checkpoints: r.checkpoints.iter().map(|(id, after, fired, error)| (id.as_str(), *after, *fired, error.as_deref())).collect(),
            payload_head: &r.payload_head,
            payload_tail: &r.payload_tail,
        }
    }
}

impl PgStore {
    /// Connects to a team database at `url` as the person (role) the URL names. The schema
    /// must be this build's: its owner migrates it ([`super::TeamDb::migrate`]).
    ///
    /// # Errors
    /// The server cannot be reached or refused the login (the message names the server
    /// without the password), or the schema is missing, older or newer.
    pub fn connect(url: &str) -> Result<PgStore> {
        Self::connect_with(super::Connector::new(url)?)
    }

    /// As [`PgStore::connect`], through a prepared connector (a password typed for it).
    ///
    /// # Errors
    /// As [`PgStore::connect`].
    pub fn connect_with(connector: super::Connector) -> Result<PgStore> {
        let location = connector.location.clone();
        let mut client = connector.connect()?;
        let version: Option<i32> = client
            .query_one("SELECT CASE WHEN to_regclass('public.reconagent_migrations') IS NULL THEN NULL ELSE 0 END", &[])
            .map_err(StoreError::from)?
            .get(0);
        let version = match version {
            None => 0,
            Some(_) => client.query_one("SELECT COALESCE(max(version), 0) FROM public.reconagent_migrations", &[])?.get::<_, i32>(0),
        };
        if i64::from(version) > TEAM_SCHEMA_VERSION {
            return Err(StoreError::NewerSchema { path: location, found: i64::from(version), supported: TEAM_SCHEMA_VERSION });
        }
        if i64::from(version) < TEAM_SCHEMA_VERSION {
            return Err(StoreError::Open {
                path: location,
                message: format!(
                    "the team schema is at version {version}, this build needs {TEAM_SCHEMA_VERSION}: the database's owner runs `reconagent team migrate --db URL`"
                ),
            });
        }
        let actor: String = client.query_one("SELECT session_user::text", &[])?.get(0);
        Ok(PgStore {
            client: Arc::new(Mutex::new(client)),
            connector,
            location,
            actor,
            alive: Arc::new(()),
            exchanges: Default::default(),
            claims: Default::default(),
            second_recorder: Default::default(),
        })
    }

    fn client(&self) -> MutexGuard<'_, postgres::Client> {
        lock(&self.client)
    }

    /// A connection of this store's opened on first use (another thread may open one
    /// meanwhile: the first kept is used, the other closes).
    fn opened<'s>(&'s self, slot: &'s std::sync::OnceLock<Mutex<postgres::Client>>) -> Result<&'s Mutex<postgres::Client>> {
        if let Some(c) = slot.get() {
            return Ok(c);
        }
        let opened = self.connector.connect()?;
        Ok(slot.get_or_init(|| Mutex::new(opened)))
    }

    /// A connection to record runs on: the store's own when it is free, else the second
    /// recorder's, else whichever frees first (the store's own).
    fn recording_client(&self) -> Result<MutexGuard<'_, postgres::Client>> {
        if let Ok(c) = self.client.try_lock() {
            return Ok(c);
        }
        match self.opened(&self.second_recorder)?.try_lock() {
            Ok(c) => Ok(c),
            Err(std::sync::TryLockError::Poisoned(p)) => Ok(p.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => Ok(self.client()),
        }
    }

    /// The claims' connection ([`PgStore::claims`]).
    fn claims_client(&self) -> Result<MutexGuard<'_, postgres::Client>> {
        Ok(lock(self.opened(&self.claims)?))
    }
}

impl BreakStore for PgStore {
    fn import_breaks(&self, breaks: &[Break], source: &str) -> Result<(usize, usize)> {
        let rows = breaks.iter().map(stored_break).collect::<Result<Vec<_>>>()?;
        let rows = serde_json::Value::Array(rows);
        let r = self.client().query_one("SELECT inserted, already_present FROM recon.import_breaks($1, $2)", &[&source, &rows])?;
        Ok((r.get::<_, i64>(0) as usize, r.get::<_, i64>(1) as usize))
    }

    fn differing<'b>(&self, breaks: &'b [Break]) -> Result<Vec<&'b Break>> {
        let ids: Vec<&str> = breaks.iter().map(|b| b.break_id.as_str()).collect();
        let rows = self.client().query("SELECT break_id, data FROM recon.breaks WHERE break_id = ANY($1)", &[&ids])?;
        let stored: std::collections::HashMap<String, String> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
        let mut out = Vec::new();
        for b in breaks {
            if let Some(data) = stored.get(&b.break_id) {
                if &serde_json::from_str::<Break>(data)? != b {
                    out.push(b);
                }
            }
        }
        Ok(out)
    }

    fn replace_break(&self, new: &Break, reason: &str) -> Result<bool> {
        if reason.trim().is_empty() {
            return Err(StoreError::Invalid("replacing a stored break needs a reason".into()));
        }
        // Equal contents change nothing, whatever their serialisation (as the embedded store).
        if &self.get_break(&new.break_id)? == new {
            return Ok(false);
        }
        let row = stored_break(new)?;
        Ok(self.client().query_one("SELECT recon.replace_break($1, $2)", &[&row, &reason])?.get(0))
    }

    fn get_break(&self, id: &str) -> Result<Break> {
        let row = self.client().query_opt("SELECT data FROM recon.breaks WHERE break_id = $1", &[&id])?;
        let data: String = row.ok_or_else(|| StoreError::NoSuchBreak(id.to_string()))?.get(0);
        Ok(serde_json::from_str(&data)?)
    }

    fn break_row(&self, id: &str) -> Result<BreakRow> {
        let row = self.client().query_opt(&format!("SELECT {ROW_COLUMNS} FROM recon.breaks WHERE break_id = $1"), &[&id])?;
        break_row(&row.ok_or_else(|| StoreError::NoSuchBreak(id.to_string()))?)
    }

    fn status_of(&self, id: &str) -> Result<BreakStatus> {
        let row = self.client().query_opt("SELECT status FROM recon.breaks WHERE break_id = $1", &[&id])?;
        typed(row.ok_or_else(|| StoreError::NoSuchBreak(id.to_string()))?.get(0), "status", BreakStatus::parse)
    }

    fn count_with_status(&self, status: BreakStatus) -> Result<usize> {
        let sql = "SELECT COALESCE(sum(n), 0)::bigint FROM recon.break_counts WHERE status = $1";
        Ok(self.client().query_one(sql, &[&status.as_str()])?.get::<_, i64>(0) as usize)
    }

    fn page_with_status(&self, status: BreakStatus, after: &str, limit: usize) -> Result<Vec<Break>> {
        let rows = self.client().query(
            "SELECT data FROM recon.breaks WHERE status = $1 AND break_id > $2 ORDER BY break_id LIMIT $3",
            &[&status.as_str(), &after, &(limit as i64)],
        )?;
        rows.iter().map(|r| Ok(serde_json::from_str(r.get(0))?)).collect()
    }

    /// One page: the filter, then the rows after the cursor in the sort's order (a row value
    /// compared with the cursor, which PostgreSQL seeks on the (key, break id) index).
    fn queue_page(&self, f: &QueueFilter) -> Result<QueuePage> {
        let (sql, args, limit) = page_query(f);
        let found = self.client().query(&sql, &args.refs())?;
        let rows = found.iter().map(break_row).collect::<Result<Vec<_>>>()?;
        let next = match (rows.len() == limit as usize, found.last()) {
            (true, Some(last)) => Some(QueueCursor { key: last.get(12), break_id: last.get(0) }),
            _ => None,
        };
        Ok(QueuePage { rows, next })
    }

    /// Read from the counters (team schema 13) when the filter is one they count (type, tier,
    /// status, decision, waiting for review: the same WHERE clauses apply to them), otherwise
    /// counted over the filter's index.
    fn queue_count(&self, f: &QueueFilter) -> Result<u64> {
        if let Some((lo, hi)) = f.search_range() {
            // A search matches the id or the counterparty prefix. Counted as two disjoint parts
            // (the counterparty's matches, read on its index alone, plus the id's matches that
            // are not among them) rather than as an OR, which reads every match's row: at
            // 1,000,000 breaks 12 ms instead of 276 ms for a prefix that matches 125,000.
            let mut args = Args::default();
            let clauses = filter_sql(&QueueFilter { search: None, ..f.clone() }, &mut args);
            let (l, h) = (args.add(lo), args.add(hi));
            let cp = sort_key(QueueSort::Counterparty);
            let in_cp = format!("({cp} >= {l} AND {cp} < {h})");
            let in_id = format!("(lower(break_id) >= {l} AND lower(break_id) < {h})");
            let part = |extra: String| where_sql(&clauses.iter().cloned().chain([extra]).collect::<Vec<_>>());
            let sql = format!(
                "SELECT (SELECT count(*) FROM recon.breaks {}) + (SELECT count(*) FROM recon.breaks {})",
                part(in_cp.clone()),
                part(format!("{in_id} AND NOT {in_cp}"))
            );
            return Ok(self.client().query_one(&sql, &args.refs())?.get::<_, i64>(0) as u64);
        }
        let mut args = Args::default();
        let clauses = filter_sql(f, &mut args);
        let table = if f.counted_by_counters() { "SELECT COALESCE(sum(n), 0)::bigint FROM recon.break_counts" } else { "SELECT count(*) FROM recon.breaks" };
        let sql = format!("{table} {}", where_sql(&clauses));
        Ok(self.client().query_one(&sql, &args.refs())?.get::<_, i64>(0) as u64)
    }

    fn break_types(&self) -> Result<Vec<String>> {
        // A loose index scan: one probe per type, whatever the number of breaks.
        let rows = self.client().query(
            "WITH RECURSIVE t(ty) AS (
               (SELECT break_type FROM recon.breaks ORDER BY break_type LIMIT 1)
               UNION ALL
               SELECT (SELECT break_type FROM recon.breaks WHERE break_type > t.ty ORDER BY break_type LIMIT 1) FROM t WHERE t.ty IS NOT NULL)
             SELECT ty FROM t WHERE ty IS NOT NULL",
            &[],
        )?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn recent_breaks(&self, limit: usize, break_type: Option<&str>) -> Result<Vec<Break>> {
        let rows = self.client().query(
            "SELECT data FROM recon.breaks WHERE ($2::text IS NULL OR break_type = $2) ORDER BY updated_at DESC, break_id LIMIT $1",
            &[&(limit as i64), &break_type],
        )?;
        rows.iter().map(|r| Ok(serde_json::from_str(r.get(0))?)).collect()
    }
}

impl RunStore for PgStore {
    fn record_policy(&self, set: &PolicySet, note: &str) -> Result<()> {
        let (authority, auto_resolve) = (set.authority.to_json(), set.classifier.auto_resolve_json());
        self.client()
            .execute("SELECT recon.record_policy($1, $2, $3, $4, $5, $6)", &[&set.version, &&*set.text, &set.source_name, &note, &authority, &auto_resolve])?;
        Ok(())
    }

    fn record_prepared(&self, runs: &[PreparedRun]) -> Result<Vec<i64>> {
        if runs.is_empty() {
            return Ok(Vec::new());
        }
        let payload = postgres::types::Json(runs.iter().map(StoredRun::of).collect::<Vec<_>>());
        // The graphs apart, as text: most of a chunk's bytes, and no JSON for the server to parse.
        let graphs = runs
            .iter()
            .map(|r| match &r.graph {
                crate::run_rows::StoredGraph::Text(g) => Ok(g.as_str()),
                // Its digest leaves out the node rows this database writes: it would not verify.
                crate::run_rows::StoredGraph::Compressed(_) => {
                    Err(StoreError::Invalid(format!("run of {} was prepared for a desk's file, not in the team database's form", r.break_id)))
                }
            })
            .collect::<Result<Vec<&str>>>()?;
        let rows = self.recording_client()?.query("SELECT recon.record_runs($1, $2)", &[&payload, &graphs])?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn recorders(&self) -> usize {
        2
    }

    fn claim(&self, ids: &[String], only_new: bool) -> Result<Vec<String>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = self.claims_client()?.query("SELECT recon.claim($1, $2, $3)", &[&ids, &only_new, &CLAIM_LEASE_SECONDS])?;
        let held: std::collections::HashSet<String> = rows.iter().map(|r| r.get(0)).collect();
        Ok(ids.iter().filter(|id| held.contains(*id)).cloned().collect())
    }

    /// `recon.claim_next`: NEW breaks nobody holds, claimed with `FOR UPDATE SKIP LOCKED`, so
    /// workers on any number of machines never wait for each other's rows.
    fn claim_next_new(&self, limit: usize) -> Result<Option<Vec<Break>>> {
        let limit = i32::try_from(limit).unwrap_or(i32::MAX);
        let mut client = self.claims_client()?;
        let ids: Vec<String> = client.query("SELECT recon.claim_next($1, $2)", &[&limit, &CLAIM_LEASE_SECONDS])?.iter().map(|r| r.get(0)).collect();
        let rows = client.query("SELECT data FROM recon.breaks WHERE break_id = ANY($1) ORDER BY break_id", &[&ids])?;
        Ok(Some(rows.iter().map(|r| Ok(serde_json::from_str(r.get(0))?)).collect::<Result<Vec<_>>>()?))
    }

    fn release_claims(&self) -> Result<usize> {
        // No claims' connection yet: this store never claimed anything.
        let Some(c) = self.claims.get() else { return Ok(0) };
        Ok(lock(c).query_one("SELECT recon.release_claims()", &[])?.get::<_, i64>(0) as usize)
    }

    fn runs_of(&self, break_id: &str) -> Result<Vec<(i64, ExecutionGraph)>> {
        let rows = self.client().query("SELECT run_id, graph FROM recon.runs WHERE break_id = $1 ORDER BY run_id", &[&break_id])?;
        rows.iter().map(|r| Ok((r.get(0), serde_json::from_str(r.get(1))?))).collect()
    }

    fn history(&self) -> Result<Arc<dyn HistoryLookup>> {
        Ok(Arc::new(PgHistory::open(&self.connector)?))
    }
}

/// The PATTERN agent's history on the team database: the same two lookups and the same summary
/// as the embedded store's. The agents ask from inside the engine's async tasks, where the
/// blocking client may not run; so the lookups run on a thread of their own, with their own
/// connection (they never wait behind the batch's writes), and the asking task waits for the
/// answer as it waits for SQLite's.
struct PgHistory {
    ask: Mutex<std::sync::mpsc::Sender<Question>>,
}

/// A lookup and where its answer goes.
type Question = (SimilarQuery, std::sync::mpsc::SyncSender<std::result::Result<HistorySummary, String>>);

impl PgHistory {
    fn open(connector: &super::Connector) -> Result<PgHistory> {
        let mut client = connector.connect()?;
        let lookups = Lookups::prepare(&mut client)?;
        let (ask, questions) = std::sync::mpsc::channel::<Question>();
        std::thread::Builder::new().name("pg-history".into()).spawn(move || {
            // Ends when the lookup is dropped (its sender with it).
            let mut cache = HistoryCache::new();
            for (q, reply) in questions {
                let _ = reply.send(similar(&mut client, &lookups, &mut cache, &q).map_err(|e| e.to_string()));
            }
        })?;
        Ok(PgHistory { ask: Mutex::new(ask) })
    }
}

/// The two lookups, prepared once on the history's connection.
struct Lookups {
    by_counterparty: postgres::Statement,
    by_instrument: postgres::Statement,
}

impl Lookups {
    fn prepare(client: &mut postgres::Client) -> Result<Lookups> {
        let sql = |column: &str| {
            format!("SELECT break_id, status, decision FROM recon.breaks WHERE break_type = $1 AND {column} = $2 AND status <> 'NEW' ORDER BY updated_at DESC LIMIT $3")
        };
        Ok(Lookups { by_counterparty: client.prepare(&sql("counterparty"))?, by_instrument: client.prepare(&sql("instrument_id"))? })
    }
}

/// How long a lookup's rows are reused. Others' commits reach a worker at moments it does not
/// control anyway; rows at most this old are the history as it stood a moment earlier, and a
/// batch asks about the same counterparty or instrument many times within it.
const HISTORY_FRESH: std::time::Duration = std::time::Duration::from_millis(500);

/// Rows per (type, by instrument, key), with when they were read.
type HistoryCache = std::collections::HashMap<(String, bool, String), (std::time::Instant, Arc<Vec<crate::sqlite::history::Similar>>)>;

fn similar(client: &mut postgres::Client, lookups: &Lookups, cache: &mut HistoryCache, q: &SimilarQuery) -> Result<HistorySummary> {
    use crate::sqlite::history::{summarise, PER_KEY};
    if cache.len() > 50_000 {
        cache.clear();
    }
    let mut per_key = Vec::with_capacity(2);
    for (by_instrument, key) in [(false, q.counterparty.as_deref()), (true, q.instrument_id.as_deref())] {
        let Some(key) = key else { continue };
        let cache_key = (q.break_type.as_str().to_string(), by_instrument, key.to_string());
        if let Some((_, rows)) = cache.get(&cache_key).filter(|(at, _)| at.elapsed() < HISTORY_FRESH) {
            per_key.push(rows.clone());
            continue;
        }
        let statement = if by_instrument { &lookups.by_instrument } else { &lookups.by_counterparty };
        let rows = client.query(statement, &[&q.break_type.as_str(), &key, &((PER_KEY + 1) as i64)])?;
        let rows = Arc::new(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect::<Vec<_>>());
        cache.insert(cache_key, (std::time::Instant::now(), rows.clone()));
        per_key.push(rows);
    }
    Ok(summarise(&q.break_id, &per_key))
}

impl HistoryLookup for PgHistory {
    fn similar(&self, q: &SimilarQuery) -> std::result::Result<HistorySummary, String> {
        let (reply, answer) = std::sync::mpsc::sync_channel(1);
        let sent = self.ask.lock().unwrap_or_else(std::sync::PoisonError::into_inner).send((q.clone(), reply));
        sent.map_err(|_| "the history lookup's connection is gone".to_string())?;
        answer.recv().map_err(|_| "the history lookup's connection is gone".to_string())?
    }
}

impl ReviewStore for PgStore {
    fn act(&self, break_id: &str, action: &HumanAction) -> Result<BreakStatus> {
        // The lifecycle and the empty-field rules are the database's (`recon.act`), one place.
        let text = canonical_json(&serde_json::to_value(action)?);
        let r = self.client().query_one("SELECT status, proposal, why FROM recon.act($1, $2)", &[&break_id, &text])?;
        if let Some(proposal) = r.get::<_, Option<i64>>(1) {
            return Err(StoreError::Proposed { break_id: break_id.to_string(), proposal, why: r.get(2) });
        }
        typed(r.get(0), "status", BreakStatus::parse)
    }

    fn desk(&self, f: &crate::EfficiencyFilter, as_of: &str) -> Result<crate::stats::DeskStats> {
        let cap = crate::stats::OVERDUE_CAP + 1;
        let waiting_where = "status IN ('PENDING_REVIEW', 'ESCALATED')";
        let side = |which| -> Result<i64> {
            let mut c = self.client();
            let row = match which {
                crate::stats::Side::Late => c.query_one(
                    &format!("SELECT count(*) FROM (SELECT 1 FROM recon.breaks WHERE {waiting_where} AND sla_deadline < $1 LIMIT $2) x"),
                    &[&as_of, &cap],
                )?,
                crate::stats::Side::OnTime => c.query_one(
                    &format!("SELECT count(*) FROM (SELECT 1 FROM recon.breaks WHERE {waiting_where} AND sla_deadline >= $1 LIMIT $2) x"),
                    &[&as_of, &cap],
                )?,
                crate::stats::Side::NoDeadline => c.query_one(
                    &format!("SELECT count(*) FROM (SELECT 1 FROM recon.breaks WHERE {waiting_where} AND sla_deadline IS NULL LIMIT $1) x"),
                    &[&cap],
                )?,
            };
            Ok(row.get(0))
        };
        let actions = || -> Result<Vec<(String, String, i64)>> {
            let (lo, hi) = crate::stats::bounds(f);
            // Whole days, as the embedded store counts them (team schema 10's rollup).
            let rows = self.client().query(
                "SELECT actor, kind, sum(n)::bigint FROM recon.action_rollup WHERE day >= substr($1, 1, 10) AND day <= $2 GROUP BY actor, kind",
                &[&lo, &hi],
            )?;
            Ok(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect())
        };
        crate::stats::compose_desk(as_of, |q| self.queue_count(q), side, actions)
    }

    fn people(&self) -> Result<Vec<String>> {
        Ok(self.client().query("SELECT recon.people()", &[])?.iter().map(|r| r.get(0)).collect())
    }

    fn mine(&self) -> Result<Vec<String>> {
        let rows = self.client().query("SELECT p FROM recon.people() p WHERE p = session_user OR pg_has_role(session_user, p, 'MEMBER') ORDER BY 1", &[])?;
        let mut names: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
        if !names.iter().any(|n| n == self.actor()) {
            names.insert(0, self.actor().to_string());
        }
        Ok(names)
    }

    fn proposals(&self, open_only: bool, limit: usize) -> Result<Vec<Proposal>> {
        let rows = self.client().query(
            "SELECT proposal_id, break_id, action, why, proposed_by, proposed_at, state, decided_by, decided_at, decision_reason FROM recon.proposals
              WHERE NOT $1 OR state = 'OPEN' ORDER BY proposal_id DESC LIMIT $2",
            &[&open_only, &(limit as i64)],
        )?;
        rows.iter()
            .map(|r| {
                Ok(Proposal {
                    proposal_id: r.get(0),
                    break_id: r.get(1),
                    action: serde_json::from_str(r.get(2))?,
                    why: r.get(3),
                    proposed_by: r.get(4),
                    proposed_at: r.get(5),
                    state: r.get(6),
                    decided_by: r.get(7),
                    decided_at: r.get(8),
                    decision_reason: r.get(9),
                })
            })
            .collect()
    }

    fn decide_proposal(&self, proposal: i64, approve: bool, reason: &str) -> Result<BreakStatus> {
        let to: String = self.client().query_one("SELECT recon.decide_proposal($1, $2, $3)", &[&proposal, &approve, &reason])?.get(0);
        typed(&to, "status", BreakStatus::parse)
    }

    fn actions_of(&self, break_id: &str) -> Result<Vec<ActionRow>> {
        let rows = self.client().query(&format!("SELECT {ACTION_COLUMNS} FROM recon.actions a WHERE a.break_id = $1 ORDER BY a.action_id"), &[&break_id])?;
        Ok(rows.iter().map(action_row).collect())
    }
}

impl AuditStore for PgStore {
    fn audit_entries(&self, q: &AuditQuery) -> Result<Vec<AuditRow>> {
        let mut args = Args::default();
        let mut clauses = Vec::new();
        let (lo, hi) = bounds(&EfficiencyFilter { from: q.from.clone(), to: q.to.clone(), break_type: None });
        if q.from.is_some() {
            clauses.push(format!("at >= {}", args.add(lo)));
        }
        if q.to.is_some() {
            clauses.push(format!("at <= {}", args.add(hi)));
        }
        if let Some(k) = q.kind {
            clauses.push(format!("kind = {}", args.add(k.as_str().to_string())));
        }
        if let Some(s) = q.subject.as_ref().filter(|s| !s.is_empty()) {
            clauses.push(format!("subject = {}", args.add(s.clone())));
        }
        if let Some(b) = q.before {
            clauses.push(format!("seq < {}", args.add(b)));
        }
        let limit = if q.limit == 0 { 500 } else { q.limit.min(10_000) };
        let sql = format!("SELECT {AUDIT_COLUMNS} FROM recon.audit_log {} ORDER BY seq DESC LIMIT {limit}", where_sql(&clauses));
        Ok(self.client().query(&sql, &args.refs())?.iter().map(audit_row).collect())
    }

    /// The chain recomputed in Rust in one snapshot, the head row, and the tables against the
    /// entries (`postgres/state.rs`); an intact head is stored, signed with this installation's
    /// key.
    fn verify(&self) -> Result<Verification> {
        let v = {
            let mut client = self.client();
            let mut tx = client.build_transaction().isolation_level(postgres::IsolationLevel::RepeatableRead).read_only(true).start()?;
            let v = super::verify_all(&mut tx)?;
            tx.commit()?;
            v
        };
        if v.ok && v.entries > 0 {
            let a = anchor::InstallationKey::installation()?.anchor(v.entries, &v.head);
            self.client().execute("SELECT recon.record_verified_head($1, $2, $3, $4)", &[&a.seq, &a.hash, &a.public_key, &a.signature])?;
        }
        Ok(v)
    }

    fn verify_since_checkpoint(&self) -> Result<Verification> {
        let key = anchor::InstallationKey::installation()?.public_key_hex();
        let heads: Vec<anchor::Anchor> = self
            .client()
            .query(
                "SELECT v.seq, v.hash, v.public_key, v.signature FROM recon.verified_heads v JOIN recon.audit_log a ON a.seq = v.seq AND a.hash = v.hash
                  WHERE v.public_key = $1 ORDER BY v.seq DESC LIMIT 20",
                &[&key],
            )?
            .iter()
            .map(|r| anchor::Anchor { seq: r.get(0), hash: r.get(1), public_key: r.get(2), signature: r.get(3), how_to_check: String::new() })
            .collect();
        let Some((head, check)) = heads.into_iter().filter(|h| h.signature_ok()).find_map(|h| ChainCheck::after(h.seq, &h.hash).map(|c| (h, c))) else {
            return self.verify();
        };
        let mut client = self.client();
        let mut tx = client.build_transaction().isolation_level(postgres::IsolationLevel::RepeatableRead).read_only(true).start()?;
        let v = chain_from(&mut tx, check, head.seq, super::VERIFY_PAGE)?;
        tx.commit()?;
        Ok(v)
    }

    fn report_stream(&self, q: &ReportQuery, sink: &mut dyn ReportSink) -> Result<ReportHead> {
        let mut client = self.client();
        let mut tx = client.build_transaction().isolation_level(postgres::IsolationLevel::RepeatableRead).read_only(true).start()?;
        let (start, end) = q.bounds();
        let ty = q.break_type.clone();
        let p: [&(dyn ToSql + Sync); 3] = [&start, &end, &ty];
        let chain = super::verify_all(&mut tx)?;
        let head_row = tx.query_one("SELECT seq, hash FROM recon.chain_head", &[])?;
        let (head_seq, head_hash): (i64, String) = (head_row.get(0), head_row.get(1));
        let head = ReportHead {
            generated_at: crate::sqlite::now(),
            generated_by: self.actor.clone(),
            database: self.location.clone(),
            query: q.clone(),
            anchor: anchor::InstallationKey::installation()?.anchor(head_seq, &head_hash),
            chain,
            summary: summary(&mut tx, &p)?,
        };
        sink.head(&head)?;
        for section in sink.order() {
            sink.begin(section)?;
            match section {
                Section::Breaks => {
                    let sql = format!(
                        "SELECT b.break_id, b.break_type, b.counterparty, b.amount, b.currency, b.tier, b.status, b.decision, b.assignee, b.latest_run_id,
                                (SELECT decided_by FROM recon.runs WHERE run_id = b.latest_run_id),
                                (SELECT actor || ' (' || kind || ')' FROM recon.actions WHERE break_id = b.break_id AND kind IN ('ACCEPT', 'OVERRIDE', 'RESOLVE') ORDER BY action_id DESC LIMIT 1)
                         FROM recon.breaks b WHERE {TOUCHED} ORDER BY b.break_id"
                    );
                    for r in stream(&mut tx, &sql, &p)? {
                        let r = r?;
                        let engine: Option<String> = r.get(10);
                        let person: Option<String> = r.get(11);
                        let b = ReportBreak {
                            break_id: r.get(0),
                            break_type: r.get(1),
                            counterparty: r.get(2),
                            amount: r.get(3),
                            currency: r.get(4),
                            tier: r.get(5),
                            status: r.get(6),
                            decision: r.get(7),
                            assignee: r.get(8),
                            latest_run_id: r.get(9),
                            decided_by: person.or_else(|| engine.map(|e| describe_decided_by(&e))).unwrap_or_else(|| "not run".into()),
                        };
                        sink.item(ReportItem::Break(&b))?;
                    }
                }
                Section::Runs => {
                    let sql = format!(
                        "SELECT r.run_id, r.break_id, r.mode, r.started_at, r.policy_key, r.policy_version, r.tier, r.decision, r.confidence, r.decided_by, r.graph
                         {RUNS} ORDER BY r.run_id"
                    );
                    for r in stream(&mut tx, &sql, &p)? {
                        let r = r?;
                        let run = ReportRun::from_stored(
                            (r.get(0), r.get(1), r.get(2), r.get(3)),
                            (r.get(4), r.get(5), r.get(6), r.get(7)),
                            r.get(8),
                            r.get(9),
                            r.get(10),
                        )?;
                        sink.item(ReportItem::Run(&run))?;
                    }
                }
                Section::Actions => {
                    for r in stream(&mut tx, &format!("SELECT {ACTION_COLUMNS} {ACTIONS} ORDER BY a.action_id"), &p)? {
                        sink.item(ReportItem::Action(&action_row(&r?)))?;
                    }
                }
                Section::AuditEntries => {
                    for r in stream(&mut tx, &format!("SELECT {AUDIT_COLUMNS} {ENTRIES} ORDER BY seq"), &p)? {
                        sink.item(ReportItem::Entry(&audit_row(&r?)))?;
                    }
                }
            }
            sink.end(section)?;
        }
        tx.commit()?;
        Ok(head)
    }

    fn record_export(&self, out: &str, payload: &serde_json::Value) -> Result<()> {
        self.client().execute("SELECT recon.append_audit('EXPORT_MADE', $1, $2)", &[&out, &canonical_json(payload)])?;
        Ok(())
    }

    /// Aggregated over the runs in SQL (exact decimal sums; a run's measured model cost is set
    /// from its graph by team schema 7's trigger); the embedded store's per-day rollups are not
    /// kept here yet.
    fn efficiency(&self, f: &EfficiencyFilter) -> Result<Efficiency> {
        // Whole days from the rollups kept with each run (team schema 11), as the embedded store.
        let (lo, hi) = bounds(f);
        let ty = f.break_type.clone();
        let p: [&(dyn ToSql + Sync); 3] = [&lo, &hi, &ty];
        let within = "day >= substr($1, 1, 10) AND day <= $2 AND ($3::text IS NULL OR break_type = $3)";
        let mut client = self.client();
        let mut sums = GroupSums::default();
        for r in client.query(
            &format!(
                "SELECT mode, break_type, tier, decision, sum(runs)::bigint, sum(agents_invoked)::bigint, sum(agents_planned)::bigint, sum(early_exits)::bigint,
                        sum(wall_us)::bigint, sum(modelled_ms)::bigint, sum(modelled_cost)::text, sum(llm_runs)::bigint, sum(measured_cost)::text
                 FROM recon.run_rollup WHERE {within} GROUP BY 1, 2, 3, 4"
            ),
            &p,
        )? {
            sums.add(
                (typed(r.get(0), "mode", RunMode::parse)?, r.get(1), typed(r.get(2), "tier", RiskTier::parse)?),
                typed(r.get(3), "decision", DecisionAction::parse)?,
                [r.get(4), r.get(5), r.get(6), r.get(7), r.get(8), r.get(9)],
                r.get(10),
                (r.get(11), r.get::<_, &str>(12)),
            )?;
        }
        let checkpoints = client
            .query(
                &format!(
                    "SELECT checkpoint_id, after_agent, sum(evaluated)::bigint, sum(fired)::bigint FROM recon.checkpoint_rollup WHERE {within} GROUP BY 1, 2 ORDER BY 1"
                ),
                &p,
            )?
            .iter()
            .map(|r| {
                Ok(CheckpointRate {
                    checkpoint_id: r.get(0),
                    after_agent: typed(r.get(1), "agent", AgentKind::parse)?,
                    evaluated: r.get::<_, i64>(2) as u64,
                    fired: r.get::<_, i64>(3) as u64,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let per_day = client
            .query(
                &format!(
                    "SELECT day, mode, sum(runs)::bigint, coalesce(sum(runs) FILTER (WHERE decision = 'AUTO_RESOLVE'), 0)::bigint FROM recon.run_rollup WHERE {within} GROUP BY 1, 2 ORDER BY 1, 2"
                ),
                &p,
            )?
            .iter()
            .map(|r| {
                Ok(DayCount { day: r.get(0), mode: typed(r.get(1), "mode", RunMode::parse)?, runs: r.get::<_, i64>(2) as u64, auto_resolved: r.get::<_, i64>(3) as u64 })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Efficiency { groups: sums.finish(), checkpoints, per_day })
    }
}

/// Breaks touched in the period: imported, run or acted on (`$1`..`$3`: start, end, type).
const TOUCHED: &str = "($3::text IS NULL OR b.break_type = $3) AND (
       (b.imported_at >= $1 AND b.imported_at < $2)
    OR EXISTS (SELECT 1 FROM recon.runs r WHERE r.break_id = b.break_id AND r.started_at >= $1 AND r.started_at < $2)
    OR EXISTS (SELECT 1 FROM recon.actions a WHERE a.break_id = b.break_id AND a.at >= $1 AND a.at < $2))";
const RUNS: &str = "FROM recon.runs r WHERE r.started_at >= $1 AND r.started_at < $2 AND ($3::text IS NULL OR r.break_type = $3)";
const ACTIONS: &str =
    "FROM recon.actions a JOIN recon.breaks b ON b.break_id = a.break_id WHERE a.at >= $1 AND a.at < $2 AND ($3::text IS NULL OR b.break_type = $3)";
const ENTRIES: &str =
    "FROM recon.audit_log WHERE at >= $1 AND at < $2 AND ($3::text IS NULL OR subject IN (SELECT break_id FROM recon.breaks WHERE break_type = $3))";

/// Rows of `sql` read as they come (a portal in the caller's transaction), never all at once.
fn stream<'a>(tx: &'a mut postgres::Transaction<'_>, sql: &str, p: &[&(dyn ToSql + Sync)]) -> Result<impl Iterator<Item = Result<postgres::Row>> + 'a> {
    use postgres::fallible_iterator::FallibleIterator;
    let it = tx.query_raw(sql, p.iter().copied())?;
    Ok(it.iterator().map(|r| r.map_err(StoreError::from)))
}

fn summary(tx: &mut postgres::Transaction<'_>, p: &[&(dyn ToSql + Sync)]) -> Result<ReportSummary> {
    let mut s = ReportSummary::default();
    let sql = format!(
        "SELECT b.break_type, COALESCE(b.tier, '-'), b.status, COALESCE(b.decision, 'none'), count(*) FROM recon.breaks b WHERE {TOUCHED} GROUP BY 1, 2, 3, 4"
    );
    for r in tx.query(&sql, p)? {
        let (ty, tier, status, decision): (String, String, String, String) = (r.get(0), r.get(1), r.get(2), r.get(3));
        let n = r.get::<_, i64>(4) as usize;
        s.breaks += n;
        *s.by_decision.entry(decision.clone()).or_default() += n;
        *s.by_status.entry(status).or_default() += n;
        *s.by_type_tier.entry(format!("{ty}/{tier}")).or_default().entry(decision).or_default() += n;
    }
    let mut count = |sql: String| -> Result<usize> { Ok(tx.query_one(&sql, p)?.get::<_, i64>(0) as usize) };
    s.runs = count(format!("SELECT count(*) {RUNS}"))?;
    s.actions = count(format!("SELECT count(*) {ACTIONS}"))?;
    s.overrides = count(format!("SELECT count(*) {ACTIONS} AND a.kind = 'OVERRIDE'"))?;
    s.audit_entries = count(format!("SELECT count(*) {ENTRIES}"))?;
    Ok(s)
}

impl PolicyStore for PgStore {
    fn record_policy_save(&self, set: &PolicySet, path: &str, note: &str, previous: Option<&str>) -> Result<PolicySave> {
        let r = self.client().query_one(
            "SELECT save_id, saved_at FROM recon.record_policy_save($1, $2, $3, $4, $5, $6, $7)",
            &[&set.version, &&*set.text, &path, &note, &previous, &set.authority.to_json(), &set.classifier.auto_resolve_json()],
        )?;
        Ok(PolicySave {
            save_id: Some(r.get(0)),
            hash: set.version.clone(),
            path: path.to_string(),
            author: self.actor.clone(),
            note: note.to_string(),
            saved_at: r.get(1),
            previous: previous.map(str::to_string),
        })
    }

    fn policy_history(&self, limit: usize) -> Result<Vec<PolicySave>> {
        let rows = self.client().query(
            "SELECT save_id, hash, path, author, note, saved_at, previous FROM recon.policy_saves
             UNION ALL
             SELECT NULL, hash, source, author, note, saved_at, NULL FROM recon.policy_versions v
              WHERE NOT EXISTS (SELECT 1 FROM recon.policy_saves s WHERE s.hash = v.hash AND s.saved_at = v.saved_at)
             ORDER BY 6 DESC, 1 DESC NULLS LAST LIMIT $1",
            &[&(limit as i64)],
        )?;
        Ok(rows
            .iter()
            .map(|r| PolicySave { save_id: r.get(0), hash: r.get(1), path: r.get(2), author: r.get(3), note: r.get(4), saved_at: r.get(5), previous: r.get(6) })
            .collect())
    }

    fn policy_text(&self, hash: &str) -> Result<String> {
        let row = self.client().query_opt("SELECT text FROM recon.policy_versions WHERE hash = $1", &[&hash])?;
        Ok(row.ok_or_else(|| StoreError::Invalid(format!("no stored policy version {hash}")))?.get(0))
    }

    fn policy_changes_need_approval(&self) -> bool {
        true
    }

    fn team_policy(&self) -> Result<Option<crate::policies::TeamPolicy>> {
        let row = self.client().query_opt("SELECT hash, text, save_id FROM recon.team_policy()", &[])?;
        Ok(row.map(|r| crate::policies::TeamPolicy { hash: r.get(0), text: r.get(1), save_id: r.get(2) }))
    }

    fn propose_policy(&self, set: &PolicySet, path: &str, note: &str, previous: Option<&str>) -> Result<crate::policies::PolicyProposal> {
        let r = self.client().query_one(
            "SELECT proposal_id FROM recon.propose_policy($1, $2, $3, $4, $5, $6, $7)",
            &[&set.version, &&*set.text, &path, &note, &previous, &set.authority.to_json(), &set.classifier.auto_resolve_json()],
        )?;
        self.policy_proposal(r.get(0))
    }

    fn policy_proposals(&self, open_only: bool, limit: usize) -> Result<Vec<crate::policies::PolicyProposal>> {
        let rows = self.client().query(
            &format!("SELECT {POLICY_PROPOSAL} FROM recon.policy_proposals WHERE NOT $1 OR state = 'OPEN' ORDER BY proposal_id DESC LIMIT $2"),
            &[&open_only, &(limit as i64)],
        )?;
        Ok(rows.iter().map(policy_proposal).collect())
    }

    fn decide_policy_proposal(&self, proposal: i64, approve: bool, reason: &str) -> Result<crate::policies::PolicyProposal> {
        self.client().query_one("SELECT save_id FROM recon.decide_policy_proposal($1, $2, $3)", &[&proposal, &approve, &reason])?;
        self.policy_proposal(proposal)
    }
}

const POLICY_PROPOSAL: &str = "proposal_id, hash, text, path, note, previous, author, proposed_at, state, decided_by, decided_at, reason, save_id";

fn policy_proposal(r: &postgres::Row) -> crate::policies::PolicyProposal {
    crate::policies::PolicyProposal {
        proposal_id: r.get(0),
        hash: r.get(1),
        text: r.get(2),
        path: r.get(3),
        note: r.get(4),
        previous: r.get(5),
        author: r.get(6),
        proposed_at: r.get(7),
        state: r.get(8),
        decided_by: r.get(9),
        decided_at: r.get(10),
        reason: r.get(11),
        save_id: r.get(12),
    }
}

impl PgStore {
    fn policy_proposal(&self, id: i64) -> Result<crate::policies::PolicyProposal> {
        let row = self.client().query_opt(&format!("SELECT {POLICY_PROPOSAL} FROM recon.policy_proposals WHERE proposal_id = $1"), &[&id])?;
        Ok(policy_proposal(&row.ok_or_else(|| StoreError::Invalid(format!("no policy proposal {id}")))?))
    }
}

impl Backend for PgStore {
    fn location(&self) -> String {
        self.location.clone()
    }

    fn database_file(&self) -> Option<&Path> {
        None
    }

    fn actor(&self) -> &str {
        &self.actor
    }

    /// The server's autovacuum keeps the planner's statistics; team roles may not ANALYZE.
    fn optimize(&self) -> Result<()> {
        Ok(())
    }

    fn exchanges(&self) -> Option<Arc<dyn reconagent_engine::llm::exchanges::ExchangeStore>> {
        Some(self.exchanges.get_or_init(|| Arc::new(super::exchanges::PgExchanges::new(self.connector.clone()))).clone())
    }

    fn presence(&self, id: &str, open: bool) -> Result<Vec<String>> {
        let rows = self.client().query("SELECT recon.presence($1, $2)", &[&id, &open])?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// LISTEN on `recon_changed` (every audit append notifies it at commit) on a connection of
    /// its own; the notices of a quarter of a second are passed on together. A lost connection
    /// is opened again every few seconds. The thread ends (and its connection closes) within a
    /// few seconds of the store being dropped, as when the app switches to another database.
    fn watch(&self, on_change: Box<dyn Fn(Vec<String>) + Send>) -> Result<bool> {
        let connector = self.connector.clone();
        let mut client = connector.connect()?;
        client.batch_execute("LISTEN recon_changed")?;
        let alive = Arc::downgrade(&self.alive);
        std::thread::Builder::new().name("pg-listen".into()).spawn(move || loop {
            use postgres::fallible_iterator::FallibleIterator;
            if alive.strong_count() == 0 {
                return;
            }
            let waited = {
                let closed = client.is_closed();
                let mut notices = client.notifications();
                // Wakes every 2 s to see whether the store is still there.
                let first = if closed { Err(()) } else { notices.timeout_iter(std::time::Duration::from_secs(2)).next().map_err(|_| ()) };
                match first {
                    Ok(None) => continue,
                    Ok(Some(n)) => {
                        std::thread::sleep(std::time::Duration::from_millis(250));
                        let mut kinds = vec![n.payload().to_string()];
                        let mut more = notices.iter();
                        while let Ok(Some(n)) = more.next() {
                            kinds.push(n.payload().to_string());
                        }
                        kinds.sort();
                        kinds.dedup();
                        Ok(kinds)
                    }
                    Err(()) => Err(()),
                }
            };
            match waited {
                Ok(kinds) => on_change(kinds),
                Err(()) => loop {
                    std::thread::sleep(std::time::Duration::from_secs(3));
                    if alive.strong_count() == 0 {
                        return;
                    }
                    if let Ok(mut c) = connector.connect() {
                        if c.batch_execute("LISTEN recon_changed").is_ok() {
                            client = c;
                            // Whatever happened while deaf: say something changed.
                            on_change(vec!["RECONNECTED".into()]);
                            break;
                        }
                    }
                },
            }
        })?;
        Ok(true)
    }
}
