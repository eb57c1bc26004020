//! The store's seam: what the API, the CLI and the engine need from a store, whatever holds the
//! data. [`crate::sqlite::SqliteStore`] is the embedded implementation; a shared server
//! implements the same traits, and `tests/conformance.rs` runs one suite against each.
//!
//! The rules that do not depend on where data lives stay outside the backends: a break's
//! lifecycle ([`HumanAction::transition`]), a run's rows and their digest
//! ([`PreparedRun`]), the audit chain's hashing ([`crate::audit`]), policy files on disk
//! ([`crate::policies::save_policy_file`]) and report files ([`crate::export`]). A backend
//! stores, queries and appends to the chain, each write in one transaction.
//!
//! ```
//! use reconagent_store::prelude::*;
//! use reconagent_store::SqliteStore;
//! use std::sync::Arc;
//!
//! # fn main() -> reconagent_store::Result<()> {
//! let dir = tempfile::tempdir()?;
//! let store: Arc<dyn Backend> = Arc::new(SqliteStore::open(&dir.path().join("doc.db"))?);
//! let sample = reconagent_engine::sample::bundled_breaks();
//! let (inserted, present) = store.import_breaks(&sample[..3], "doctest")?;
//! assert_eq!((inserted, present), (3, 0));
//! assert_eq!(store.count_with_status(BreakStatus::New)?, 3);
//! assert!(store.verify()?.ok, "the import's audit entry chains");
//! # Ok(())
//! # }
//! ```

use crate::audit::Verification;
use crate::error::Result;
use crate::export::{AuditReport, Collect, ReportHead, ReportQuery, ReportSink};
use crate::lifecycle::{BreakStatus, HumanAction};
use crate::policies::PolicySave;
use crate::queue::{BreakRow, QueueFilter, QueuePage};
use crate::run_rows::{PreparedRun, RunForm};
use crate::stats::{ActionRow, AuditQuery, AuditRow, Efficiency, EfficiencyFilter, Proposal};
use reconagent_engine::agents::HistoryLookup;
use reconagent_engine::graph::ExecutionGraph;
use reconagent_engine::policy::PolicySet;
use reconagent_engine::Break;
use std::path::Path;
use std::sync::Arc;

/// Breaks: importing them, reading them, and the queue.
pub trait BreakStore: Send + Sync {
    /// Stores new breaks (status NEW) in one transaction with one IMPORT audit entry. A break
    /// whose id is already stored is left as it is and counted. Returns (inserted, already present).
    fn import_breaks(&self, breaks: &[Break], source: &str) -> Result<(usize, usize)>;

    /// The breaks of `breaks` that are stored with other contents.
    fn differing<'b>(&self, breaks: &'b [Break]) -> Result<Vec<&'b Break>>;

    /// Replaces a stored break's contents with `new`, on purpose: the old contents, status and
    /// decision are kept, the break becomes NEW (its decision and tier cleared), and a
    /// BREAK_REPLACED entry records who, why, and both contents' hashes. Identical contents
    /// change nothing (returns false).
    ///
    /// # Errors
    /// No such break, an empty reason, or a RESOLVED break (closed by a person: it stays closed).
    fn replace_break(&self, new: &Break, reason: &str) -> Result<bool>;

    /// One break's contents.
    fn get_break(&self, id: &str) -> Result<Break>;

    /// One break's queue row (status, tier, decision, assignee), by its key.
    fn break_row(&self, id: &str) -> Result<BreakRow>;

    /// One break's status.
    fn status_of(&self, id: &str) -> Result<BreakStatus>;

    /// How many breaks have `status`.
    fn count_with_status(&self, status: BreakStatus) -> Result<usize>;

    /// Up to `limit` breaks with `status` whose id sorts after `after`, in id order (keyset
    /// paging: see [`stream_with_status`]).
    fn page_with_status(&self, status: BreakStatus, after: &str, limit: usize) -> Result<Vec<Break>>;

    /// One page of the queue: the rows after `filter.after` (skipping `filter.offset`), in the
    /// sort's order, and where the next page starts. Each offered sort and filter reads an
    /// index range: the cost of a page does not grow with the number of breaks.
    fn queue_page(&self, filter: &QueueFilter) -> Result<QueuePage>;

    /// How many breaks match the filter (its sort, cursor and page are ignored). Filters of
    /// type, tier, status, decision and waiting-for-review read counters kept with each change.
    fn queue_count(&self, filter: &QueueFilter) -> Result<u64>;

    /// One page and the total: two requests, for callers that want both at once (a screen
    /// counts once per filter, then pages).
    fn queue(&self, filter: &QueueFilter) -> Result<(Vec<BreakRow>, u64)> {
        Ok((self.queue_page(filter)?.rows, self.queue_count(filter)?))
    }

    /// Every break type stored, in order.
    fn break_types(&self) -> Result<Vec<String>>;

    /// The `limit` most recently updated breaks (newest first), of one type if given: what an
    /// impact simulation replays.
    fn recent_breaks(&self, limit: usize, break_type: Option<&str>) -> Result<Vec<Break>>;
}

/// Runs: claiming breaks, recording runs and the policy versions they ran under.
pub trait RunStore: Send + Sync {
    /// Records a policy version (idempotent by content hash) with its audit entry.
    fn record_policy(&self, set: &PolicySet, note: &str) -> Result<()>;

    /// Records runs in one transaction: each run's rows, the break's new status (not for a
    /// comparison run), and one RUN audit entry per run. All or nothing.
    ///
    /// # Errors
    /// An unknown break, a RESOLVED break, or a policy version not recorded first.
    fn record_prepared(&self, runs: &[PreparedRun]) -> Result<Vec<i64>>;

    /// How many chunks of distinct breaks this store records at once (each on a connection of
    /// its own) when a batch offers them: 1 for a file (one writer), more for a server whose
    /// chain serialises only each chunk's last step. A batch offers more than one only for
    /// breaks it holds alone and runs once each ([`RunStore::claim_next_new`]).
    fn recorders(&self) -> usize {
        1
    }

    /// The rows this store keeps of a run ([`RunForm`]): runs are prepared in it
    /// ([`PreparedRun::prepare`]), on a batch's own threads.
    fn run_form(&self) -> RunForm {
        RunForm::Rows
    }

    /// As [`RunStore::record_prepared`], preparing each graph's rows first.
    fn record_runs(&self, graphs: &[ExecutionGraph]) -> Result<Vec<i64>> {
        let form = self.run_form();
        let prepared = graphs.iter().map(|g| PreparedRun::prepare(g, form)).collect::<Result<Vec<_>>>()?;
        self.record_prepared(&prepared)
    }

    /// Claims breaks for this store handle before running them: returns the ids it now holds,
    /// in the order given. An id another live holder has claimed is left out, and with
    /// `only_new`, so is a break that is no longer NEW. Claims end with
    /// [`RunStore::release_claims`], when their holder is gone, or when their lease expires.
    fn claim(&self, ids: &[String], only_new: bool) -> Result<Vec<String>>;

    /// Releases every claim this store handle holds.
    fn release_claims(&self) -> Result<usize>;

    /// For a store that hands out work to many machines: claims up to `limit` NEW breaks that
    /// no live holder has, for this handle, and returns them in id order (empty when none is
    /// left; a holder that is gone frees its breaks for the next call). `None`: this backend
    /// does not hand out work; one process streams the NEW breaks and claims them a page at a
    /// time ([`RunStore::claim`]).
    fn claim_next_new(&self, _limit: usize) -> Result<Option<Vec<Break>>> {
        Ok(None)
    }

    /// A break's runs, oldest first, with their ids.
    fn runs_of(&self, break_id: &str) -> Result<Vec<(i64, ExecutionGraph)>>;

    /// The PATTERN agent's view of past breaks.
    fn history(&self) -> Result<Arc<dyn HistoryLookup>>;
}

/// What people do to breaks.
pub trait ReviewStore: Send + Sync {
    /// Applies a human action by this store's actor, with its audit entry, in one transaction;
    /// [`HumanAction::transition`] decides whether it is allowed.
    fn act(&self, break_id: &str, action: &HumanAction) -> Result<BreakStatus>;

    /// A break's human actions, oldest first.
    fn actions_of(&self, break_id: &str) -> Result<Vec<ActionRow>>;

    /// The desk's state: breaks waiting and escalated now, those past their SLA deadline at
    /// `as_of`, NEW ones, and each person's actions in the period of `f` (by the action's time).
    fn desk(&self, f: &crate::EfficiencyFilter, as_of: &str) -> Result<crate::stats::DeskStats>;

    /// The assignees that are "mine": this store's actor and, on a team database, every group
    /// of the team the actor is a member of. What the queue's "mine and my groups" filter
    /// matches (`QueueFilter::assignee_in`).
    fn mine(&self) -> Result<Vec<String>>;

    /// Who breaks may be assigned to, in name order: a team database's people and groups. Empty
    /// where one person works alone (any name is taken there).
    fn people(&self) -> Result<Vec<String>> {
        Ok(Vec::new())
    }

    /// Four eyes: proposals, newest first (only the open ones with `open_only`). A store where
    /// one person works alone has none.
    fn proposals(&self, _open_only: bool, _limit: usize) -> Result<Vec<Proposal>> {
        Ok(Vec::new())
    }

    /// An approver approves (the action is applied as its author's, with the approver beside
    /// it) or rejects (with a reason) a proposal made by someone else. Returns the break's
    /// status after.
    ///
    /// # Errors
    /// No such open proposal, its author deciding it, a rejection without a reason, the
    /// lifecycle refusing the action now, or a store where one person works alone.
    fn decide_proposal(&self, _proposal: i64, _approve: bool, _reason: &str) -> Result<BreakStatus> {
        Err(crate::StoreError::Invalid("proposals exist only in a team database: here one person acts alone".into()))
    }
}

/// The audit log, the reports drawn from it, and the dashboard's aggregates.
pub trait AuditStore: Send + Sync {
    /// One page of audit entries, newest first (keyset paging on `seq`).
    fn audit_entries(&self, query: &AuditQuery) -> Result<Vec<AuditRow>>;

    /// Recomputes the chain and checks every break, run and action against it. An intact
    /// result is stored as a verified head, signed with the installation's key.
    fn verify(&self) -> Result<Verification>;

    /// Checks only what follows the newest verified head whose signature holds and whose
    /// entry still has the hash then verified: the chain's entries after it (`entries` counts
    /// those). With no such head it is a full [`AuditStore::verify`].
    fn verify_since_checkpoint(&self) -> Result<Verification>;

    /// A report for `query`, read in one consistent snapshot: the chain verified and its head
    /// signed, the counts, then every row streamed into `sink` as it is read (the report is
    /// never held whole). Returns the head.
    fn report_stream(&self, query: &ReportQuery, sink: &mut dyn ReportSink) -> Result<ReportHead>;

    /// The whole report in memory (for tests and small periods; exports stream).
    fn report(&self, query: &ReportQuery) -> Result<AuditReport> {
        let mut rows = Collect::default();
        let head = self.report_stream(query, &mut rows)?;
        Ok(AuditReport::from_parts(head, rows))
    }

    /// Appends the EXPORT_MADE entry of a report written to `out`.
    fn record_export(&self, out: &str, payload: &serde_json::Value) -> Result<()>;

    /// Efficiency aggregates (v1 against v2) over the runs in the filter.
    fn efficiency(&self, filter: &EfficiencyFilter) -> Result<Efficiency>;
}

/// Policy versions and the saves that made them.
pub trait PolicyStore: Send + Sync {
    /// Records a save of `set` to the file `path` (whose previous content hash was `previous`)
    /// with its audit entry, in one transaction.
    fn record_policy_save(&self, set: &PolicySet, path: &str, note: &str, previous: Option<&str>) -> Result<PolicySave>;

    /// Saves and versions first used without a save, newest first.
    fn policy_history(&self, limit: usize) -> Result<Vec<PolicySave>>;

    /// The text of a stored policy version.
    fn policy_text(&self, hash: &str) -> Result<String>;

    /// Whether a policy change takes a second person here (a team database): a save is then a
    /// proposal ([`PolicyStore::propose_policy`]) and the team's policy in force is
    /// [`PolicyStore::team_policy`]. Where one person works alone, a save is in force at once.
    fn policy_changes_need_approval(&self) -> bool {
        false
    }

    /// The policy the whole team runs under (the newest approved save's version), if the team
    /// has one yet. `None` where one person works alone: their file is in force.
    fn team_policy(&self) -> Result<Option<crate::policies::TeamPolicy>> {
        Ok(None)
    }

    /// Proposes `set` (edited as `path`, from version `previous`) for another policy admin to
    /// approve; nothing changes until then.
    ///
    /// # Errors
    /// A store where one person works alone (save instead), or a person who is no policy admin.
    fn propose_policy(&self, _set: &PolicySet, _path: &str, _note: &str, _previous: Option<&str>) -> Result<crate::policies::PolicyProposal> {
        Err(crate::StoreError::Invalid("policy proposals exist only in a team database: here a save is in force at once".into()))
    }

    /// Policy proposals, newest first (only the open ones with `open_only`).
    fn policy_proposals(&self, _open_only: bool, _limit: usize) -> Result<Vec<crate::policies::PolicyProposal>> {
        Ok(Vec::new())
    }

    /// A policy admin other than its author approves (its version becomes the team's policy in
    /// force, if that is still the version the change was made from) or rejects (with a reason)
    /// a proposal. Returns it as decided.
    ///
    /// # Errors
    /// No such open proposal, its author deciding it, a rejection without a reason, the team's
    /// policy changed since, or a store where one person works alone.
    fn decide_policy_proposal(&self, _proposal: i64, _approve: bool, _reason: &str) -> Result<crate::policies::PolicyProposal> {
        Err(crate::StoreError::Invalid("policy proposals exist only in a team database: here one person saves alone".into()))
    }
}

/// A whole store: what the API holds.
pub trait Backend: BreakStore + RunStore + ReviewStore + AuditStore + PolicyStore {
    /// Where the data is, for messages (a file path, or a server without its password).
    fn location(&self) -> String;

    /// The database file, for a backend that has one (an export may not overwrite it).
    fn database_file(&self) -> Option<&Path>;

    /// Who human actions, imports and runs are attributed to.
    fn actor(&self) -> &str;

    /// After a bulk change (an import, a batch): lets the backend refresh what its query
    /// planner knows of the data, so the queue's indexes stay the ones chosen.
    fn optimize(&self) -> Result<()>;

    /// For a store others write too: calls `on_change` (from a thread of its own) with the
    /// kinds of audit entry others' committed changes made, within about a second of each
    /// commit, for as long as the process runs. Returns false when nobody else writes this
    /// store (a file of one's own).
    fn watch(&self, _on_change: Box<dyn Fn(Vec<String>) + Send>) -> Result<bool> {
        Ok(false)
    }

    /// Says that this person has break `id` open (`open`), or has closed it, and returns the
    /// other people who have it open now. A store of one's own has nobody else: empty. A team
    /// store keeps a person present for 90 s after their last word (the app repeats it every
    /// 30 s) and notifies the others' [`Backend::watch`] with `PRESENCE` when someone arrives or
    /// leaves.
    fn presence(&self, _id: &str, _open: bool) -> Result<Vec<String>> {
        Ok(Vec::new())
    }

    /// Where model calls' exchanges and the per-day spending are kept: in a team database
    /// itself (shared by the team); for a file, the folder beside it ([`exchanges_for`]).
    fn exchanges(&self) -> Option<std::sync::Arc<dyn reconagent_engine::llm::exchanges::ExchangeStore>> {
        None
    }
}

/// The exchanges store for `store`: the team database's own, else the folder beside the file
/// (or in the data directory).
pub fn exchanges_for(store: &dyn Backend) -> std::sync::Arc<dyn reconagent_engine::llm::exchanges::ExchangeStore> {
    store.exchanges().unwrap_or_else(|| std::sync::Arc::new(reconagent_engine::llm::exchanges::DirExchanges::new(crate::exchanges_dir(store.database_file()))))
}

/// Breaks with `status`, streamed in id order a page at a time, so a batch over any number of
/// breaks never holds them all. A read error ends the stream with that error.
pub fn stream_with_status(store: &dyn BreakStore, status: BreakStatus, page: usize) -> impl Iterator<Item = Result<Break>> + '_ {
    let mut after = String::new();
    let mut buf: std::collections::VecDeque<Result<Break>> = Default::default();
    let mut done = false;
    std::iter::from_fn(move || {
        if buf.is_empty() && !done {
            match store.page_with_status(status, &after, page) {
                Ok(rows) => {
                    done = rows.len() < page;
                    if let Some(last) = rows.last() {
                        after.clone_from(&last.break_id);
                    }
                    buf.extend(rows.into_iter().map(Ok));
                }
                Err(e) => {
                    done = true;
                    buf.push_back(Err(e));
                }
            }
        }
        buf.pop_front()
    })
}

/// Who acts: `$RECONAGENT_ACTOR` when set (a service account, a test), else the OS user.
pub fn default_actor() -> String {
    std::env::var("RECONAGENT_ACTOR").ok().filter(|a| !a.trim().is_empty()).unwrap_or_else(os_user)
}

/// The OS user name.
pub fn os_user() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .or_else(passwd_name)
        .unwrap_or_else(|| "unknown".to_string())
}

/// The account name of this process's uid from /etc/passwd (services and CI often have no $USER).
fn passwd_name() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let uid = status.lines().find_map(|l| l.strip_prefix("Uid:"))?.split_whitespace().next()?.to_string();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() > 2 && f[2] == uid).then(|| f[0].to_string())
    })
}
