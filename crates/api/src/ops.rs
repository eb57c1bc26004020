//! The operations, grouped as the app's screens use them.

use crate::dto::*;
use crate::error::{ApiError, ApiResult, ErrorCode};
use reconagent_engine::agents::LatencyProfile;
use reconagent_engine::cost::CostModel;
use reconagent_engine::graph::RunMode;
use reconagent_engine::orchestrate::{CancelFlag, Orchestrator};
use reconagent_engine::policy::PolicySet;
use reconagent_engine::refdata::ReferenceData;
use reconagent_engine::{BreakType, DecisionAction, RiskTier};
use reconagent_store::export::{ExportFormat, ReportQuery};
use reconagent_store::{BreakStatus, EfficiencyFilter, HumanAction, QueueFilter, QueueSort, Store};
use rust_decimal::Decimal;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

/// The app's state: one store, the policies in force, the batch in flight.
pub struct Core {
    pub(crate) store: Store,
    pub(crate) orchestrator: RwLock<Orchestrator>,
    pub(crate) running: Mutex<Option<CancelFlag>>,
    loaded_sample: bool,
    /// The policy file the engine runs under and the editor saves to.
    pub(crate) policy_path: PathBuf,
    /// Why the file is not in force, when it was invalid at start (the bundled policies are).
    pub(crate) policy_problem: Option<String>,
}

/// Row errors listed in an import's reply; the rest are counted.
const MAX_ROW_ERRORS: usize = 1000;

fn invalid(m: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::Invalid, m)
}

impl Core {
    /// Opens the database at `db` with the bundled policies. With `sample_if_empty`, an empty
    /// database gets the bundled sample breaks (the desktop app's first start).
    ///
    /// # Errors
    /// The database cannot be opened (foreign, newer, corrupt: nothing is changed).
    pub fn open(db: &Path, sample_if_empty: bool) -> ApiResult<Core> {
        Self::open_with_policies(db, &db.with_file_name("routing_policies.yaml"), sample_if_empty)
    }

    /// As [`Core::open`], running under the policy file at `policy_path` (written from the
    /// bundled policies when it does not exist). An invalid file is not used: the bundled
    /// policies run, and the Policies screen shows why.
    ///
    /// # Errors
    /// The database cannot be opened, or a missing policy file cannot be created.
    pub fn open_with_policies(db: &Path, policy_path: &Path, sample_if_empty: bool) -> ApiResult<Core> {
        let mut store = Store::open(db)?;
        if let Ok(actor) = std::env::var("RECONAGENT_ACTOR") {
            store.actor = actor;
        }
        if !policy_path.exists() {
            if let Some(dir) = policy_path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| ApiError::new(ErrorCode::Io, format!("{}: {e}", dir.display())))?;
            }
            reconagent_store::fsio::write_atomic(policy_path, reconagent_engine::policy::BUNDLED_POLICIES.as_bytes())
                .map_err(|e| ApiError::new(ErrorCode::Io, format!("cannot create {}: {e}", policy_path.display())))?;
        }
        let (policies, policy_problem) = match PolicySet::load_file(policy_path) {
            Ok(p) => (p, None),
            Err(e) => (PolicySet::bundled(), Some(format!("{} is not valid, so the bundled policies are in force:\n{e}", policy_path.display()))),
        };
        store.record_policy(&policies, "in force at start")?;
        let mut loaded_sample = false;
        if sample_if_empty && store.queue(&QueueFilter { limit: 1, ..Default::default() })?.1 == 0 {
            store.import_breaks(&reconagent_engine::sample::bundled_breaks(), "bundled sample (empty database at start)")?;
            loaded_sample = true;
        }
        let orchestrator = Orchestrator::new(Arc::new(policies), Arc::new(ReferenceData::bundled())).with_history(Arc::new(store.history()?));
        Ok(Core {
            store,
            orchestrator: RwLock::new(orchestrator),
            running: Mutex::new(None),
            loaded_sample,
            policy_path: policy_path.to_path_buf(),
            policy_problem,
        })
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub(crate) fn orchestrator(&self) -> Orchestrator {
        self.orchestrator.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    // ---- app -------------------------------------------------------------------------------

    pub fn info(&self) -> ApiResult<AppInfo> {
        let o = self.orchestrator();
        Ok(AppInfo {
            database: self.store.path().display().to_string(),
            actor: self.store.actor.clone(),
            policy_source: o.policies.source_name.clone(),
            policy_version: o.policies.version.clone(),
            breaks: self.store.queue(&QueueFilter { limit: 1, ..Default::default() })?.1 as i32,
            new_breaks: self.store.count_with_status(BreakStatus::New)? as i32,
            loaded_sample: self.loaded_sample,
        })
    }

    // ---- breaks ----------------------------------------------------------------------------

    pub fn queue(&self, q: &QueueQuery) -> ApiResult<QueuePage> {
        let sort = match q.sort.as_deref().unwrap_or("break_id") {
            "break_id" => QueueSort::BreakId,
            "detected_at" => QueueSort::DetectedAt,
            "tier" => QueueSort::Tier,
            "status" => QueueSort::Status,
            "sla_deadline" => QueueSort::SlaDeadline,
            "counterparty" => QueueSort::Counterparty,
            "priority" => QueueSort::Priority,
            other => return Err(invalid(format!("cannot sort by `{other}`"))),
        };
        let nonempty = |s: &Option<String>| s.clone().filter(|v| !v.trim().is_empty());
        let filter = QueueFilter {
            break_type: nonempty(&q.break_type),
            tier: nonempty(&q.tier),
            status: nonempty(&q.status),
            statuses: if q.awaiting_review { BreakStatus::AWAITING_REVIEW.map(|s| s.as_str().to_string()).to_vec() } else { Vec::new() },
            decision: nonempty(&q.decision),
            assignee: nonempty(&q.assignee),
            search: nonempty(&q.search),
            min_age_days: q.min_age_days.map(|d| d.max(0) as u32),
            max_age_days: q.max_age_days.map(|d| d.max(0) as u32),
            sort,
            descending: q.descending,
            limit: q.limit.clamp(1, 10_000) as u32,
            offset: q.offset.max(0) as u32,
        };
        let (rows, total) = self.store.queue(&filter)?;
        Ok(QueuePage { rows: rows.into_iter().map(BreakRow::from).collect(), total: total as i32, offset: filter.offset as i32 })
    }

    pub fn break_detail(&self, id: &str) -> ApiResult<BreakDetail> {
        let brk = self.store.get_break(id)?;
        let (rows, _) = self.store.queue(&QueueFilter { search: Some(id.to_string()), limit: 50, ..Default::default() })?;
        let row = rows.into_iter().find(|r| r.break_id == id).ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no break `{id}`")))?;
        Ok(BreakDetail {
            brk: (&brk).into(),
            status: row.status,
            assignee: row.assignee,
            runs: self.store.runs_of(id)?.iter().map(|(rid, g)| RunDto::new(*rid, g)).collect(),
            actions: self
                .store
                .actions_of(id)?
                .into_iter()
                .map(|a| ActionDto { kind: a.kind, actor: a.actor, at: a.at, decision: a.decision, reason: a.reason, assignee: a.assignee, comment: a.comment })
                .collect(),
        })
    }

    /// Imports a break file; rows with errors are reported and skipped.
    pub fn import_file(&self, path: &Path, mut on_progress: impl FnMut(Progress)) -> ApiResult<ImportSummary> {
        let source = path.display().to_string();
        let started = std::time::Instant::now();
        let mut report_progress = |done: usize, total: usize, current: &str| {
            let elapsed = started.elapsed().as_secs_f64();
            let eta = if done > 0 { elapsed / done as f64 * total.saturating_sub(done) as f64 } else { 0.0 };
            on_progress(Progress { task: "import".into(), done: done as i32, total: total as i32, current: current.to_string(), eta_seconds: eta });
        };
        report_progress(0, 0, "reading and checking the file");
        // A chunk at a time (each its own transaction and audit entry): a file of any size
        // imports in bounded memory. Progress is in KiB of the file read.
        let mut errors = Vec::new();
        let mut more_errors = 0usize;
        let done = self.store.import_file::<ApiError>(path, 2_000, |row_errors, read, size| {
            for e in row_errors {
                if errors.len() < MAX_ROW_ERRORS {
                    errors.push(RowErrorDto { row: e.row as i32, field: e.field.clone(), message: e.message.clone() });
                } else {
                    more_errors += 1;
                }
            }
            report_progress((read / 1024) as usize, (size / 1024).max(1) as usize, "storing breaks");
            Ok(())
        })?;
        if more_errors > 0 {
            errors.push(RowErrorDto { row: 0, field: "(file)".into(), message: format!("and {more_errors} more rejected row(s), not listed") });
        }
        Ok(ImportSummary { source, inserted: done.inserted as i32, already_present: done.already_present as i32, errors })
    }

    /// Loads the bundled sample breaks, on purpose.
    pub fn load_sample(&self) -> ApiResult<ImportSummary> {
        let (inserted, present) = self.store.import_breaks(&reconagent_engine::sample::bundled_breaks(), "bundled sample")?;
        Ok(ImportSummary { source: "bundled sample".into(), inserted: inserted as i32, already_present: present as i32, errors: vec![] })
    }

    // ---- runs ------------------------------------------------------------------------------

    /// Runs the given breaks (or every NEW one when `ids` is empty) and records the runs,
    /// reporting progress. Blocks: call from a blocking thread. One batch at a time.
    pub fn process(&self, ids: &[String], mode: &str, on_progress: impl FnMut(Progress)) -> ApiResult<ProcessSummary> {
        self.process_with(ids, mode, false, on_progress)
    }

    /// As [`Core::process`]; with `rerun_waiting`, selected breaks that wait for a person
    /// (PENDING_REVIEW, ESCALATED) are decided again (v2), as the person asked; without it they
    /// are left and counted. v1 runs are comparisons (shadow runs) and change nothing.
    pub fn process_with(&self, ids: &[String], mode: &str, rerun_waiting: bool, mut on_progress: impl FnMut(Progress)) -> ApiResult<ProcessSummary> {
        let mode = match mode {
            "v1" => RunMode::V1,
            "v2" => RunMode::V2,
            other => return Err(invalid(format!("mode must be v1 or v2, not `{other}`"))),
        };
        let cancel = self.start_task()?;
        let result = self.process_inner(ids, mode, rerun_waiting, cancel, &mut on_progress);
        self.end_task();
        result
    }

    /// Claims the one slot for long work (a batch or a simulation) and returns its cancel flag.
    pub(crate) fn start_task(&self) -> ApiResult<CancelFlag> {
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        if running.is_some() {
            return Err(ApiError::new(ErrorCode::Busy, "a batch or simulation is already running"));
        }
        let cancel = CancelFlag::default();
        *running = Some(cancel.clone());
        Ok(cancel)
    }

    pub(crate) fn end_task(&self) {
        *self.running.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    fn process_inner(
        &self,
        ids: &[String],
        mode: RunMode,
        rerun_waiting: bool,
        cancel: CancelFlag,
        on_progress: &mut dyn FnMut(Progress),
    ) -> ApiResult<ProcessSummary> {
        let orch = self.orchestrator();
        let started = std::time::Instant::now();
        let mut report = |done: usize, total: usize, current: &str| {
            let elapsed = started.elapsed().as_secs_f64();
            let eta = if done > 0 { elapsed / done as f64 * (total - done) as f64 } else { 0.0 };
            on_progress(Progress {
                task: format!("process {}", mode.as_str()),
                done: done as i32,
                total: total as i32,
                current: current.to_string(),
                eta_seconds: eta,
            });
        };
        let now = chrono::Utc::now();
        let mut waiting_left = 0;
        let result = if ids.is_empty() {
            let total = self.store.count_with_status(BreakStatus::New)?;
            report(0, total, "");
            let breaks = self.store.stream_with_status(BreakStatus::New, 2000)?;
            crate::batch::run_and_record(&self.store, &orch, breaks, total, mode, now, cancel, false, crate::batch::Claim::New, report)
        } else {
            let mut breaks = Vec::with_capacity(ids.len());
            for id in ids {
                let status = self.store.status_of(id)?;
                let waiting = BreakStatus::AWAITING_REVIEW.contains(&status);
                if mode == RunMode::V2 && (status == BreakStatus::Resolved || (waiting && !rerun_waiting)) {
                    waiting_left += usize::from(waiting);
                    continue;
                }
                breaks.push(self.store.get_break(id));
            }
            let total = breaks.len();
            report(0, total, "");
            crate::batch::run_and_record(&self.store, &orch, breaks.into_iter(), total, mode, now, cancel, false, crate::batch::Claim::Named, report)
        };
        let out = result.map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
        Ok(ProcessSummary {
            processed: out.recorded as i32,
            not_started: out.summary.not_started as i32,
            cancelled: out.summary.cancelled,
            waiting_left: waiting_left as i32,
            claimed_elsewhere: out.claimed_elsewhere as i32,
        })
    }

    /// Cancels the batch in flight, if any: breaks not started stay as they were.
    pub fn cancel_processing(&self) -> bool {
        match &*self.running.lock().unwrap_or_else(|p| p.into_inner()) {
            Some(c) => {
                c.cancel();
                true
            }
            None => false,
        }
    }

    // ---- review ----------------------------------------------------------------------------

    pub fn review(&self, break_id: &str, action: &ReviewAction) -> ApiResult<String> {
        let decision = |d: &str| DecisionAction::parse(d).ok_or_else(|| invalid(format!("unknown decision `{d}`")));
        let action = match action {
            ReviewAction::Accept => HumanAction::Accept,
            ReviewAction::Override { decision: d, reason } => HumanAction::Override { decision: decision(d)?, reason: reason.clone() },
            ReviewAction::Assign { assignee } if assignee.trim().is_empty() => return Err(invalid("name someone to assign to")),
            ReviewAction::Assign { assignee } => HumanAction::Assign { assignee: assignee.trim().to_string() },
            ReviewAction::Comment { text } if text.trim().is_empty() => return Err(invalid("a comment cannot be empty")),
            ReviewAction::Comment { text } => HumanAction::Comment { text: text.clone() },
            ReviewAction::Resolve { comment } => HumanAction::Resolve { comment: comment.clone() },
        };
        Ok(self.store.act(break_id, &action)?.as_str().to_string())
    }

    // ---- dashboard -------------------------------------------------------------------------

    pub fn efficiency(&self, q: &StatsQuery) -> ApiResult<EfficiencyDto> {
        let e =
            self.store.efficiency(&EfficiencyFilter { from: q.from.clone(), to: q.to.clone(), break_type: q.break_type.clone().filter(|t| !t.is_empty()) })?;
        let count = |g: &reconagent_store::GroupStats, d: &str| g.decisions.get(d).copied().unwrap_or(0) as i32;
        Ok(EfficiencyDto {
            headline: headline(&e.groups),
            groups: e
                .groups
                .iter()
                .map(|g| GroupStatsDto {
                    mode: g.mode.clone(),
                    break_type: g.break_type.clone(),
                    tier: g.tier.clone(),
                    runs: g.runs as i32,
                    agents_invoked: g.agents_invoked,
                    agents_planned: g.agents_planned,
                    early_exit_rate: g.early_exit_rate,
                    mean_wall_us: g.mean_wall_us,
                    mean_modelled_ms: g.mean_modelled_ms,
                    mean_modelled_cost: g.mean_modelled_cost.to_string(),
                    auto_resolve: count(g, "AUTO_RESOLVE"),
                    hil_review: count(g, "HIL_REVIEW"),
                    escalate: count(g, "ESCALATE"),
                })
                .collect(),
            checkpoints: e
                .checkpoints
                .into_iter()
                .map(|c| CheckpointRateDto { checkpoint_id: c.checkpoint_id, after_agent: c.after_agent, evaluated: c.evaluated as i32, fired: c.fired as i32 })
                .collect(),
            per_day: e
                .per_day
                .into_iter()
                .map(|d| DayCountDto { day: d.day, mode: d.mode, runs: d.runs as i32, auto_resolved: d.auto_resolved as i32 })
                .collect(),
        })
    }

    /// The options of the queue's and the dashboard's filters.
    pub fn filter_options(&self) -> ApiResult<FilterOptions> {
        let known: Vec<String> = BreakType::KNOWN.iter().map(|t| t.as_str().to_string()).collect();
        let others: Vec<String> = self.store.break_types()?.into_iter().filter(|t| !known.contains(t)).collect();
        Ok(FilterOptions {
            break_types: known.into_iter().chain(others).collect(),
            tiers: RiskTier::ALL.iter().map(|t| t.as_str().to_string()).collect(),
            statuses: BreakStatus::ALL.iter().filter(|s| **s != BreakStatus::Processing).map(|s| s.as_str().to_string()).collect(),
            decisions: DecisionAction::ALL.iter().map(|d| d.as_str().to_string()).collect(),
        })
    }

    // ---- audit -----------------------------------------------------------------------------

    pub fn audit_log(&self, q: &AuditQuery) -> ApiResult<Vec<AuditEntryDto>> {
        let kind = q.kind.as_deref().filter(|k| !k.is_empty());
        let rows = self.store.audit_entries(q.from.as_deref(), q.to.as_deref(), kind, q.limit.clamp(1, 10_000) as u32, q.offset.max(0) as u32)?;
        Ok(rows
            .into_iter()
            .map(|r| AuditEntryDto { seq: r.seq as i32, at: r.at, kind: r.kind, actor: r.actor, subject: r.subject, payload: r.payload, hash: r.hash })
            .collect())
    }

    pub fn verify(&self) -> ApiResult<VerificationDto> {
        let v = self.store.verify()?;
        Ok(VerificationDto {
            entries: v.entries as i32,
            head: v.head,
            ok: v.ok,
            first_bad_seq: v.first_bad.as_ref().map(|b| b.0 as i32),
            first_bad_reason: v.first_bad.map(|b| b.1),
        })
    }

    pub fn export(&self, r: &ExportRequest, mut on_progress: impl FnMut(Progress)) -> ApiResult<ExportSummary> {
        let date = |s: &str, field: &str| s.parse().map_err(|_| invalid(format!("{field}: `{s}` is not a date (YYYY-MM-DD)")));
        let query = ReportQuery { from: date(&r.from, "from")?, to: date(&r.to, "to")?, break_type: r.break_type.clone().filter(|t| !t.is_empty()) };
        if query.from > query.to {
            return Err(invalid("`from` is after `to`"));
        }
        let format = ExportFormat::parse(&r.format).ok_or_else(|| invalid(format!("unknown format `{}`", r.format)))?;
        let path = PathBuf::from(&r.path);
        use reconagent_store::export::ExportStage;
        // An existing file only when the person confirmed (the save dialog, or Replace).
        let report = self.store.export_with_progress(&query, format, &path, r.overwrite, |s| {
            on_progress(Progress {
                task: "export".into(),
                done: s.index() as i32,
                total: ExportStage::COUNT as i32,
                current: s.describe().into(),
                eta_seconds: 0.0,
            })
        })?;
        on_progress(Progress {
            task: "export".into(),
            done: ExportStage::COUNT as i32,
            total: ExportStage::COUNT as i32,
            current: "done".into(),
            eta_seconds: 0.0,
        });
        Ok(ExportSummary {
            path: r.path.clone(),
            breaks: report.breaks.len() as i32,
            runs: report.runs.len() as i32,
            chain_ok: report.chain.ok,
            chain_head: report.chain.head,
        })
    }
}

/// Run-weighted means over the groups of each mode. v1 without runs in the range falls back to the
/// model: seven agents in sequence on the seed's latency and cost profile.
fn headline(groups: &[reconagent_store::GroupStats]) -> HeadlineDto {
    /// One mode's groups, summed with each group weighted by its runs.
    #[derive(Default)]
    struct Totals {
        runs: u64,
        agents: f64,
        early_exits: f64,
        ms: f64,
        cost: Decimal,
    }
    impl Totals {
        fn mean(&self, sum: f64) -> f64 {
            if self.runs == 0 {
                0.0
            } else {
                sum / self.runs as f64
            }
        }
        fn mean_cost(&self) -> Decimal {
            self.cost / Decimal::from(self.runs.max(1))
        }
    }
    let (mut v1, mut v2) = (Totals::default(), Totals::default());
    for g in groups {
        let t = if g.mode == RunMode::V1.as_str() { &mut v1 } else { &mut v2 };
        let n = g.runs as f64;
        t.runs += g.runs;
        t.agents += g.agents_invoked * n;
        t.early_exits += g.early_exit_rate * n;
        t.ms += g.mean_modelled_ms * n;
        t.cost += g.mean_modelled_cost * Decimal::from(g.runs);
    }
    let v1_measured = v1.runs > 0;
    HeadlineDto {
        v2_runs: v2.runs as i32,
        v1_runs: v1.runs as i32,
        agents_per_break: v2.mean(v2.agents),
        early_exit_rate: v2.mean(v2.early_exits),
        v2_modelled_ms: v2.mean(v2.ms).round() as i32,
        v2_modelled_cost: cost_text(v2.mean_cost()),
        v1_modelled_ms: if v1_measured { v1.mean(v1.ms).round() as i32 } else { LatencyProfile::SEED.total_ms() as i32 },
        v1_modelled_cost: cost_text(if v1_measured { v1.mean_cost() } else { CostModel::SEED.total() }),
        v1_measured,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(mode: &str, runs: u64, agents: f64, early_exit_rate: f64, ms: f64, cost: &str) -> reconagent_store::GroupStats {
        reconagent_store::GroupStats {
            mode: mode.into(),
            break_type: "CASH_RECONCILIATION".into(),
            tier: "LOW".into(),
            runs,
            agents_invoked: agents,
            agents_planned: 5.0,
            early_exit_rate,
            mean_wall_us: 10.0,
            mean_modelled_ms: ms,
            mean_modelled_cost: cost.parse().unwrap(),
            decisions: Default::default(),
        }
    }

    #[test]
    fn headline_figures_are_run_weighted_means_with_v1_and_v2_apart() {
        let groups = [group("v2", 30, 3.0, 1.0, 750.0, "0.036"), group("v2", 10, 7.0, 0.0, 1850.0, "0.12"), group("v1", 40, 7.0, 0.0, 2500.0, "0.12")];
        let h = headline(&groups);
        assert_eq!((h.v2_runs, h.v1_runs, h.v1_measured), (40, 40, true));
        assert_eq!(h.agents_per_break, 4.0);
        assert_eq!(h.early_exit_rate, 0.75);
        assert_eq!(h.v2_modelled_ms, 1025);
        // (30 x 0.036 + 10 x 0.12) / 40, in decimal: exactly 0.057.
        assert_eq!(h.v2_modelled_cost, "0.0570");
        assert_eq!((h.v1_modelled_ms, h.v1_modelled_cost.as_str()), (2500, "0.1200"));
    }
}
