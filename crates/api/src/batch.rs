//! Running many breaks and recording every run: the engine on a tokio runtime, the store's
//! single writer on its own thread, pipelined. Used by the CLI and the desktop app alike.

use reconagent_engine::graph::{ExecutionGraph, RunMode};
use reconagent_engine::orchestrate::{BatchOptions, BatchSummary, CancelFlag, Orchestrator};
use reconagent_engine::Break;
use reconagent_store::prelude::*;
use reconagent_store::{PreparedRun, StoreError};
use std::sync::atomic::{AtomicU64, Ordering};

/// Time spent inside the writer's transactions, for `reconagent bench`.
pub static RECORD_NANOS: AtomicU64 = AtomicU64::new(0);
/// CPU time of the writer thread (user + system, Linux only), for `reconagent bench`: steadier
/// than wall time on a shared machine.
pub static RECORDER_CPU_MS: AtomicU64 = AtomicU64::new(0);

/// CPU time (user + system) in ms from a Linux `stat` file: `/proc/self/stat` for the process,
/// `/proc/thread-self/stat` for the calling thread. Clock ticks are 10 ms.
pub fn cpu_time_ms(stat_file: &str) -> Option<u64> {
    cpu_times_ms(stat_file).map(|(user, system)| user + system)
}

/// As [`cpu_time_ms`], user and system time apart.
pub fn cpu_times_ms(stat_file: &str) -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string(stat_file).ok()?;
    let mut fields = stat.rsplit(')').next()?.split_whitespace();
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some((utime * 10, stime * 10))
}

/// Runs per transaction: a crash or cancel loses at most the runs not yet committed, never part
/// of a run.
pub const CHUNK: usize = 1000;

/// The most runs one transaction takes when chunks are waiting for the writer (group commit).
pub const GROUP_MAX: usize = 4 * CHUNK;

/// Which breaks a batch may claim (see [`RunStore::claim`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Only breaks still NEW when claimed (`process`: the NEW breaks of the store).
    New,
    /// The breaks named, whatever their status (a file's breaks, a selection in the app).
    Named,
    /// Already claimed by this handle ([`RunStore::claim_next_new`]): run as they come.
    Held,
}

/// Breaks claimed this many at a time (one claim row per page), a page ahead of the engine.
pub const CLAIM_PAGE: usize = 2000;

/// Reads `breaks` a page at a time, claims each page for this process and sends what it holds
/// on; breaks another process holds (or, for [`Claim::New`], has already recorded) are counted
/// and left. Runs on its own thread, a page ahead, so the engine never waits for a claim while
/// the writer holds the database.
fn claim_pages(
    store: &dyn Backend,
    breaks: impl Iterator<Item = reconagent_store::Result<Break>>,
    claim: Claim,
    skipped: &std::sync::atomic::AtomicUsize,
    out: std::sync::mpsc::SyncSender<Vec<reconagent_store::Result<Break>>>,
) {
    let mut breaks = breaks.peekable();
    while breaks.peek().is_some() {
        let mut page = Vec::with_capacity(CLAIM_PAGE);
        let mut error = None;
        for b in breaks.by_ref() {
            match b {
                Ok(b) => page.push(b),
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
            if page.len() == CLAIM_PAGE {
                break;
            }
        }
        let ids: Vec<String> = page.iter().map(|b| b.break_id.clone()).collect();
        let claimed = if claim == Claim::Held { Ok(ids) } else { store.claim(&ids, claim == Claim::New) };
        let mut send: Vec<reconagent_store::Result<Break>> = match claimed {
            Ok(held) => {
                let held: std::collections::HashSet<String> = held.into_iter().collect();
                skipped.fetch_add(page.len() - held.len(), Ordering::Relaxed);
                page.into_iter().filter(|b| held.contains(&b.break_id)).map(Ok).collect()
            }
            Err(e) => vec![Err(e)],
        };
        let stop = error.is_some() || send.last().is_some_and(|r| r.is_err());
        send.extend(error.map(Err));
        // A closed channel: the batch stopped (cancelled, or the writer failed).
        if out.send(send).is_err() || stop {
            return;
        }
    }
}

/// The next chunk for a recorder, once `rx` has one; `None` once it is closed. The lock is held
/// only while waiting for it, never while recording. With `group` (one store recording alone),
/// the chunks already waiting come in the same transaction, up to [`GROUP_MAX`] runs: a writer
/// that falls behind pays one commit (and its fsync) for several chunks. They were queued
/// anyway, so nothing more is at risk in a crash.
fn next_chunk(rx: &std::sync::Mutex<std::sync::mpsc::Receiver<Vec<PreparedRun>>>, group: bool) -> Option<Vec<PreparedRun>> {
    let rx = rx.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut chunk = rx.recv().ok()?;
    while group && chunk.len() < GROUP_MAX {
        match rx.try_recv() {
            Ok(more) => chunk.extend(more),
            Err(_) => break,
        }
    }
    Some(chunk)
}

/// A recorder: takes chunks from `rx` until it closes and records each, counting the runs
/// and their decisions. On a failure it cancels the batch (nothing more can be recorded) and
/// returns the error with what it had recorded.
fn record_chunks(
    store: &dyn Backend,
    rx: &std::sync::Mutex<std::sync::mpsc::Receiver<Vec<PreparedRun>>>,
    cancel: &CancelFlag,
    group: bool,
) -> (usize, [usize; 3], Option<StoreError>) {
    let mut recorded = 0usize;
    let mut decisions = [0usize; 3];
    while let Some(chunk) = next_chunk(rx, group) {
        let t = std::time::Instant::now();
        let res = store.record_prepared(&chunk);
        RECORD_NANOS.fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
        match res {
            Ok(ids) => {
                // A chunk is recorded whole or not at all.
                recorded += ids.len();
                for run in &chunk {
                    decisions[match run.decision() {
                        "AUTO_RESOLVE" => 0,
                        "HIL_REVIEW" => 1,
                        _ => 2,
                    }] += 1;
                }
            }
            Err(e) => {
                cancel.cancel();
                return (recorded, decisions, Some(e));
            }
        }
    }
    RECORDER_CPU_MS.fetch_add(cpu_time_ms("/proc/thread-self/stat").unwrap_or(0), Ordering::Relaxed);
    (recorded, decisions, None)
}

/// What a recorded batch did.
#[derive(Debug)]
pub struct Recorded {
    /// Runs recorded.
    pub recorded: usize,
    /// Breaks left alone because another process was running them (or, for [`Claim::New`], had
    /// already recorded them).
    pub claimed_elsewhere: usize,
    /// The engine's account of the batch.
    pub summary: BatchSummary,
    /// Of the runs recorded: AUTO_RESOLVE, HIL_REVIEW and ESCALATE decisions.
    pub decisions: [usize; 3],
    /// The graphs, when asked for (small batches that are printed).
    pub graphs: Vec<ExecutionGraph>,
}

/// Why a recorded batch stopped early.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// The store failed; the runs recorded before stay recorded.
    #[error("{recorded} run(s) were recorded before this failure: {source}")]
    Store {
        /// Runs recorded before it.
        recorded: usize,
        /// The store's error.
        source: StoreError,
    },
    #[error("cannot start the engine: {0}")]
    /// The runtime could not be built.
    Runtime(std::io::Error),
}

/// Runs `breaks` and records each run, calling `on_progress(done, total, break_id)` after each.
/// Setting `cancel` stops starting new breaks; in-flight ones finish and are recorded, the rest
/// stay as they were. Blocks the calling thread (it builds its own runtime): call it from a
/// plain or blocking thread, never from inside an async task.
///
/// # Errors
/// A store failure (the batch stops starting breaks as soon as it happens) or a read error of
/// the input iterator.
#[allow(clippy::too_many_arguments)]
pub fn run_and_record(
    store: &dyn Backend,
    orch: &Orchestrator,
    breaks: impl Iterator<Item = reconagent_store::Result<Break>> + Send,
    total: usize,
    mode: RunMode,
    as_of: chrono::DateTime<chrono::Utc>,
    cancel: CancelFlag,
    keep_graphs: bool,
    claim: Claim,
    mut on_progress: impl FnMut(usize, usize, &str),
) -> Result<Recorded, BatchError> {
    let mut opts = BatchOptions::new(mode, as_of);
    opts.cancel = cancel;
    let mut graphs = Vec::new();
    let mut read_error: Option<StoreError> = None;
    let skipped = std::sync::atomic::AtomicUsize::new(0);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(BatchError::Runtime)?;
    // Chunks of runs for the recorders. Breaks held by this batch alone, each run once, may be
    // recorded side by side on the store's recorders (the chain still takes them one at a time).
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<PreparedRun>>(2);
    let rx = std::sync::Mutex::new(rx);
    let recorders = if claim == Claim::Held { store.recorders().max(1) } else { 1 };
    let (recorded, decisions, failure, summary) = std::thread::scope(|scope| {
        // A break is run by one process at a time: each page is claimed, a page ahead, before
        // the engine sees it.
        let (page_tx, page_rx) = std::sync::mpsc::sync_channel(1);
        let skipped = &skipped;
        std::thread::Builder::new()
            .name("claimer".into())
            .spawn_scoped(scope, move || claim_pages(store, breaks, claim, skipped, page_tx))
            .expect("a thread can be started");
        let breaks = page_rx.into_iter().flatten().map_while(|b| match b {
            Ok(b) => Some(b),
            Err(e) => {
                read_error = Some(e);
                None
            }
        });
        let writers: Vec<_> = (0..recorders)
            .map(|i| {
                let (rx, cancel) = (&rx, opts.cancel.clone());
                std::thread::Builder::new()
                    .name(if i == 0 { "recorder".into() } else { format!("recorder-{i}") })
                    .spawn_scoped(scope, move || record_chunks(store, rx, &cancel, recorders == 1))
                    .expect("a thread can be started")
            })
            .collect();
        let mut pending = Vec::with_capacity(CHUNK);
        let form = store.run_form();
        let last_id = std::cell::RefCell::new(String::new());
        let summary = rt.block_on(orch.process_batch(
            breaks,
            total,
            &opts,
            |g| {
                last_id.borrow_mut().clone_from(&g.break_id);
                // Serialised here, off the writer thread; cannot fail for engine graphs.
                if let Ok(p) = PreparedRun::prepare(&g, form) {
                    pending.push(p);
                }
                if keep_graphs {
                    graphs.push(g);
                }
                if pending.len() >= CHUNK {
                    // A closed channel means the writer failed; its error is returned below.
                    let _ = tx.send(std::mem::replace(&mut pending, Vec::with_capacity(CHUNK)));
                }
            },
            |p| on_progress(p.done, p.total, &last_id.borrow()),
        ));
        let _ = tx.send(pending);
        drop(tx);
        let (mut recorded, mut decisions, mut failure) = (0, [0usize; 3], None);
        for w in writers {
            let (n, d, f) = w.join().expect("the writer thread does not panic");
            recorded += n;
            decisions.iter_mut().zip(d).for_each(|(a, b)| *a += b);
            failure = failure.or(f);
        }
        (recorded, decisions, failure, summary)
    });
    // Breaks claimed but not started (a cancel, a failure) are free again at once.
    let released = store.release_claims();
    // A batch changes the statuses, tiers and decisions the queue's indexes sort and filter by.
    let optimized = if recorded > 0 { store.optimize() } else { Ok(()) };
    if let Some(source) = failure.or(read_error).or(released.err()).or(optimized.err()) {
        return Err(BatchError::Store { recorded, source });
    }
    Ok(Recorded { recorded, claimed_elsewhere: skipped.into_inner(), summary, decisions, graphs })
}
