//! Runs: which breaks a batch runs (one rule for the app and the CLI), and processing them.

use crate::batch::{run_and_record, BatchError, Claim, Recorded, CLAIM_PAGE};
use crate::dto::{ProcessSummary, Progress, Task};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::progress::Tracker;
use crate::Core;
use reconagent_engine::graph::RunMode;
use reconagent_engine::orchestrate::{CancelFlag, Orchestrator};
use reconagent_store::backend::stream_with_status;
use reconagent_store::prelude::*;
use reconagent_store::{QueueFilter, QueueSort};

/// Breaks read (and claimed) this many at a time when a batch takes every NEW break.
pub const PAGE: usize = 2000;

/// Why a batch leaves a selected break as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    /// Closed by a person: never decided again.
    Resolved,
    /// Waiting for a person (PENDING_REVIEW, ESCALATED): decided again only when asked.
    Waiting(BreakStatus),
}

/// Whether a break with `status` is run by a batch in `mode`: a v2 run never re-decides a
/// RESOLVED break, nor one waiting for a person unless `rerun_waiting`; a v1 run is a comparison
/// (a shadow run that changes nothing) and may run on any break.
///
/// ```
/// use reconagent_api::runs::{runnable, Held};
/// use reconagent_engine::graph::RunMode;
/// use reconagent_store::BreakStatus;
/// assert_eq!(runnable(BreakStatus::Resolved, RunMode::V2, true), Err(Held::Resolved));
/// assert!(runnable(BreakStatus::Escalated, RunMode::V2, true).is_ok());
/// assert!(runnable(BreakStatus::Resolved, RunMode::V1, false).is_ok(), "a comparison changes nothing");
/// ```
pub fn runnable(status: BreakStatus, mode: RunMode, rerun_waiting: bool) -> Result<(), Held> {
    if mode == RunMode::V1 {
        return Ok(());
    }
    match status {
        BreakStatus::Resolved => Err(Held::Resolved),
        s if BreakStatus::AWAITING_REVIEW.contains(&s) && !rerun_waiting => Err(Held::Waiting(s)),
        _ => Ok(()),
    }
}

/// Runs and records every NEW break of `store`, streamed and claimed a page at a time, so any
/// number of processes can share the work. `on_progress(done, total, break_id)` after each run.
///
/// # Errors
/// As [`run_and_record`].
pub fn process_new(
    store: &dyn Backend,
    orch: &Orchestrator,
    mode: RunMode,
    as_of: chrono::DateTime<chrono::Utc>,
    cancel: CancelFlag,
    mut on_progress: impl FnMut(usize, usize, &str),
) -> Result<Recorded, BatchError> {
    let total = store.count_with_status(BreakStatus::New).map_err(|source| BatchError::Store { recorded: 0, source })?;
    on_progress(0, total, "");
    // A store shared by many machines hands out the NEW breaks nobody holds, a page at a time,
    // until none is left (a worker that dies frees its page for the others).
    if let Some(first) = store.claim_next_new(CLAIM_PAGE).map_err(|source| BatchError::Store { recorded: 0, source })? {
        let mut page: std::collections::VecDeque<reconagent_engine::Break> = first.into();
        let mut done = page.is_empty();
        let breaks = std::iter::from_fn(move || loop {
            if let Some(b) = page.pop_front() {
                return Some(Ok(b));
            }
            if done {
                return None;
            }
            match store.claim_next_new(CLAIM_PAGE) {
                Ok(Some(next)) if !next.is_empty() => page.extend(next),
                Ok(_) => done = true,
                Err(e) => {
                    done = true;
                    return Some(Err(e));
                }
            }
        });
        return run_and_record(store, orch, breaks, total, mode, as_of, cancel, false, Claim::Held, on_progress);
    }
    let breaks = stream_with_status(store, BreakStatus::New, PAGE);
    run_and_record(store, orch, breaks, total, mode, as_of, cancel, false, Claim::New, on_progress)
}

impl Core {
    /// Runs the given breaks (or every NEW one when `ids` is empty) and records the runs,
    /// reporting progress. Blocks: call from a blocking thread. One batch at a time.
    pub fn process(&self, ids: &[String], mode: RunMode, on_progress: impl FnMut(Progress)) -> ApiResult<ProcessSummary> {
        self.process_with(ids, mode, false, on_progress)
    }

    /// As [`Core::process`]; with `rerun_waiting`, selected breaks that wait for a person are
    /// decided again (v2), as the person asked; without it they are left and counted
    /// ([`runnable`]). v1 runs are comparisons (shadow runs) and change nothing.
    pub fn process_with(&self, ids: &[String], mode: RunMode, rerun_waiting: bool, mut on_progress: impl FnMut(Progress)) -> ApiResult<ProcessSummary> {
        self.may_process()?;
        let cancel = self.start_task()?;
        let result = self.process_inner(ids, mode, rerun_waiting, cancel, &mut on_progress);
        self.end_task();
        result
    }

    /// Runs and records the NEW breaks that match `filter` (the queue's filter as the person
    /// set it: type, tier, search, age...), and only those: "process all NEW" under a filter
    /// means the NEW breaks in view, not every NEW break of the store. Breaks are read a page at
    /// a time by key and claimed as [`Claim::New`]. A filter whose status is not NEW matches
    /// nothing to process.
    pub fn process_matching(&self, filter: &QueueFilter, mode: RunMode, mut on_progress: impl FnMut(Progress)) -> ApiResult<ProcessSummary> {
        self.may_process()?;
        let cancel = self.start_task()?;
        let result = self.process_matching_inner(filter, mode, cancel, &mut on_progress);
        self.end_task();
        result
    }

    fn process_matching_inner(
        &self,
        filter: &QueueFilter,
        mode: RunMode,
        cancel: CancelFlag,
        on_progress: &mut dyn FnMut(Progress),
    ) -> ApiResult<ProcessSummary> {
        let tracker = Tracker::new(Task::Process);
        let mut ids = Vec::new();
        if filter.status.is_none_or(|s| s == BreakStatus::New) && !filter.awaiting_review {
            let mut page = QueueFilter {
                status: Some(BreakStatus::New),
                sort: Some(QueueSort::BreakId),
                descending: false,
                offset: 0,
                limit: PAGE as u32,
                after: None,
                ..filter.clone()
            };
            loop {
                let got = self.store.queue_page(&page)?;
                ids.extend(got.rows.into_iter().map(|r| r.break_id));
                match got.next {
                    Some(next) => page.after = Some(next),
                    None => break,
                }
            }
        }
        let total = ids.len();
        let mut report = |done: usize, total: usize, current: &str| on_progress(tracker.report(done, total, current));
        report(0, total, "");
        let store = &*self.store;
        let breaks = ids.into_iter().map(|id| store.get_break(&id));
        summary(run_and_record(store, &self.orchestrator(), breaks, total, mode, chrono::Utc::now(), cancel, false, Claim::New, report), 0)
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
        let tracker = Tracker::new(Task::Process);
        let mut report = |done: usize, total: usize, current: &str| on_progress(tracker.report(done, total, current));
        let now = chrono::Utc::now();
        let mut waiting_left = 0;
        let result = if ids.is_empty() {
            process_new(&*self.store, &orch, mode, now, cancel, report)
        } else {
            let mut breaks = Vec::with_capacity(ids.len());
            for id in ids {
                match runnable(self.store.status_of(id)?, mode, rerun_waiting) {
                    Ok(()) => breaks.push(self.store.get_break(id)),
                    Err(held) => waiting_left += usize::from(matches!(held, Held::Waiting(_))),
                }
            }
            let total = breaks.len();
            report(0, total, "");
            run_and_record(&*self.store, &orch, breaks.into_iter(), total, mode, now, cancel, false, Claim::Named, report)
        };
        summary(result, waiting_left)
    }
}

/// What a batch did, for the person who started it.
fn summary(result: Result<Recorded, BatchError>, waiting_left: usize) -> ApiResult<ProcessSummary> {
    let out = result.map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    Ok(ProcessSummary {
        processed: out.recorded as i32,
        not_started: out.summary.not_started as i32,
        cancelled: out.summary.cancelled,
        waiting_left: waiting_left as i32,
        claimed_elsewhere: out.claimed_elsewhere as i32,
        auto_resolved: out.decisions[0] as i32,
        to_review: out.decisions[1] as i32,
        escalated: out.decisions[2] as i32,
    })
}
