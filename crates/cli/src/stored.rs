//! Commands on the audit store: import, recorded runs, audit verify.

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use reconagent_engine::graph::RunMode;
use reconagent_engine::orchestrate::{BatchOptions, Orchestrator};
use reconagent_store::{BreakStatus, Store};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// `--db FILE`, else `$RECONAGENT_DB`, else the platform data directory.
pub(crate) fn open(db: Option<&Path>) -> Result<Store> {
    let path = db.map(PathBuf::from).unwrap_or_else(reconagent_store::default_path);
    let mut store = Store::open(&path)?;
    if let Ok(actor) = std::env::var("RECONAGENT_ACTOR") {
        store.actor = actor;
    }
    Ok(store)
}

pub(crate) fn import(db: Option<&Path>, file: Option<&Path>, sample: bool) -> Result<ExitCode> {
    let store = open(db)?;
    let (breaks, failed, source) = if sample {
        (reconagent_engine::sample::bundled_breaks(), false, "bundled sample".to_string())
    } else {
        let file = file.context("name a break file, or --sample for the bundled sample breaks")?;
        let (report, failed) = crate::load_breaks(file)?;
        (report.breaks, failed, file.display().to_string())
    };
    let (inserted, present) = store.import_breaks(&breaks, &source)?;
    println!("{}: {inserted} break(s) imported, {present} already present", store.path().display());
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Time spent inside `record_runs` by [`record_batch`] (for `reconagent bench`).
pub(crate) static RECORD_NANOS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Runs `breaks` and records each run in chunks of 1,000 (one transaction per chunk: a crash or
/// Ctrl-C loses at most the runs not yet committed, never half a run). Recording happens on its
/// own thread while the engine goes on, so the slower of the two sets the pace. Ctrl-C stops
/// starting new breaks; those stay as they were. Returns the graphs when `keep`.
pub(crate) fn record_batch(
    store: &Store,
    orch: &Orchestrator,
    breaks: impl Iterator<Item = reconagent_store::Result<reconagent_engine::Break>>,
    total: usize,
    mode: RunMode,
    as_of: DateTime<Utc>,
    keep: bool,
) -> Result<(usize, Vec<reconagent_engine::graph::ExecutionGraph>)> {
    const CHUNK: usize = 1000;
    let bar = indicatif::ProgressBar::new(total as u64);
    bar.set_style(indicatif::ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {per_sec} eta {eta}")?.progress_chars("=> "));
    bar.set_prefix(format!("{} + record", mode.as_str()));
    let opts = BatchOptions::new(mode, as_of);
    let mut kept = Vec::new();
    let mut read_error: Option<reconagent_store::StoreError> = None;
    let breaks = breaks.map_while(|b| match b {
        Ok(b) => Some(b),
        Err(e) => {
            read_error = Some(e);
            None
        }
    });
    let rt = crate::runtime()?;
    let (recorded, failure, summary) = std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<reconagent_store::PreparedRun>>(2);
        let cancel = opts.cancel.clone();
        let writer = std::thread::Builder::new().name("recorder".into()).spawn_scoped(scope, move || {
            let mut recorded = 0usize;
            for chunk in rx {
                let t = std::time::Instant::now();
                let res = store.record_prepared(&chunk);
                RECORD_NANOS.fetch_add(t.elapsed().as_nanos() as u64, std::sync::atomic::Ordering::Relaxed);
                match res {
                    Ok(ids) => recorded += ids.len(),
                    Err(e) => {
                        // Stop starting new breaks: nothing more can be recorded.
                        cancel.cancel();
                        return (recorded, Some(anyhow::Error::from(e)));
                    }
                }
            }
            (recorded, None)
        })
        .expect("a thread can be started");
        let mut pending = Vec::with_capacity(CHUNK);
        let summary = rt.block_on(async {
            let cancel = opts.cancel.clone();
            let on_ctrl_c = tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    cancel.cancel();
                }
            });
            let summary = orch
                .process_batch(
                    breaks,
                    total,
                    &opts,
                    |g| {
                        if keep {
                            kept.push(g.clone());
                        }
                        // Serialised here, off the writer thread; cannot fail for engine graphs.
                        match reconagent_store::PreparedRun::new(g) {
                            Ok(p) => pending.push(p),
                            Err(e) => eprintln!("a run could not be serialised and was not recorded: {e}"),
                        }
                        if pending.len() >= CHUNK {
                            // A closed channel means the writer failed; its error is reported below.
                            let _ = tx.send(std::mem::replace(&mut pending, Vec::with_capacity(CHUNK)));
                        }
                    },
                    |p| bar.set_position(p.done as u64),
                )
                .await;
            on_ctrl_c.abort();
            summary
        });
        let _ = tx.send(pending);
        drop(tx);
        let (recorded, failure) = writer.join().expect("the writer thread does not panic");
        (recorded, failure, summary)
    });
    bar.finish_and_clear();
    if let Some(e) = failure {
        return Err(e.context(format!("{recorded} run(s) were recorded before the failure")));
    }
    if let Some(e) = read_error {
        return Err(anyhow::Error::from(e).context(format!("reading breaks failed after {recorded} recorded run(s)")));
    }
    if summary.cancelled {
        eprintln!("cancelled: {recorded} of {total} break(s) run and recorded; {} not started and unchanged", total - recorded);
    }
    Ok((recorded, kept))
}

/// Runs every NEW break in the store (streamed a page at a time) and records each run.
pub(crate) fn run_new(db: Option<&Path>, orch: Orchestrator, mode: RunMode, as_of: DateTime<Utc>) -> Result<ExitCode> {
    let store = open(db)?;
    store.record_policy(&orch.policies, "used by reconagent process")?;
    let orch = orch.with_history(Arc::new(store.history()?));
    let total = store.count_with_status(BreakStatus::New)?;
    let breaks = store.stream_with_status(BreakStatus::New, 2000)?;
    let (recorded, _) = record_batch(&store, &orch, breaks, total, mode, as_of, false)?;
    println!("{}: {recorded} of {total} NEW break(s) run ({}) and recorded", store.path().display(), mode.as_str());
    Ok(ExitCode::SUCCESS)
}

/// `run --db`: store the file's breaks (existing ones are kept), then run and record every break
/// of the file that is not RESOLVED.
pub(crate) fn run_file(
    db: Option<&Path>,
    orch: Orchestrator,
    breaks: Vec<reconagent_engine::Break>,
    source: &str,
    mode: RunMode,
    as_of: DateTime<Utc>,
) -> Result<Vec<reconagent_engine::graph::ExecutionGraph>> {
    let store = open(db)?;
    store.import_breaks(&breaks, source)?;
    store.record_policy(&orch.policies, "used by reconagent run")?;
    let orch = orch.with_history(Arc::new(store.history()?));
    let mut runnable = Vec::new();
    for b in breaks {
        match store.status_of(&b.break_id)? {
            BreakStatus::Resolved => eprintln!("{}: RESOLVED, not run again", b.break_id),
            _ => runnable.push(b),
        }
    }
    let total = runnable.len();
    let (recorded, graphs) = record_batch(&store, &orch, runnable.into_iter().map(Ok), total, mode, as_of, true)?;
    eprintln!("{}: {recorded} run(s) recorded", store.path().display());
    Ok(graphs)
}

pub(crate) fn verify(db: Option<&Path>) -> Result<ExitCode> {
    let store = open(db)?;
    let v = store.verify()?;
    if v.ok {
        println!("audit log intact: {} entries, head {}", v.entries, v.head);
        Ok(ExitCode::SUCCESS)
    } else {
        let (seq, why) = v.first_bad.expect("a failed verification names the entry");
        println!("audit log BROKEN at entry {seq}: {why}");
        Ok(ExitCode::from(1))
    }
}

pub(crate) fn export(db: Option<&Path>, query: reconagent_store::export::ReportQuery, format: &str, out: &Path) -> Result<ExitCode> {
    anyhow::ensure!(query.from <= query.to, "--from {} is after --to {}", query.from, query.to);
    let format = reconagent_store::export::ExportFormat::parse(format).context("format must be csv, xlsx, json or html")?;
    let store = open(db)?;
    let r = store.export(&query, format, out)?;
    println!(
        "{}: {} breaks, {} runs, {} actions, {} audit entries; chain {} (head {})",
        out.display(),
        r.breaks.len(),
        r.runs.len(),
        r.actions.len(),
        r.audit_entries.len(),
        if r.chain.ok { "intact" } else { "BROKEN" },
        r.chain.head
    );
    Ok(if r.chain.ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
