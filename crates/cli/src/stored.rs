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

/// Runs every NEW break in the store and records each run, in chunks, with progress.
pub(crate) fn run_new(db: Option<&Path>, orch: Orchestrator, mode: RunMode, as_of: DateTime<Utc>) -> Result<ExitCode> {
    let store = open(db)?;
    store.record_policy(&orch.policies, "used by reconagent run")?;
    let orch = orch.with_history(Arc::new(store.history()?));
    let breaks = store.breaks_with_status(BreakStatus::New)?;
    let total = breaks.len();
    let mut pending = Vec::new();
    let mut recorded = 0usize;
    let mut failure: Option<anyhow::Error> = None;
    let rt = crate::runtime()?;
    let opts = BatchOptions::new(mode, as_of);
    rt.block_on(orch.process_batch(
        breaks,
        total,
        &opts,
        |g| {
            pending.push(g);
            // One transaction per chunk: a crash loses at most the chunk in flight, never half a run.
            if pending.len() >= 500 && failure.is_none() {
                match store.record_runs(&pending) {
                    Ok(ids) => recorded += ids.len(),
                    Err(e) => {
                        // Stop starting new breaks: nothing more can be recorded.
                        opts.cancel.cancel();
                        failure = Some(e.into());
                    }
                }
                pending.clear();
            }
        },
        |_| {},
    ));
    if let Some(e) = failure {
        return Err(e);
    }
    recorded += store.record_runs(&pending)?.len();
    println!("{}: {recorded} of {total} NEW break(s) run ({}) and recorded", store.path().display(), mode.as_str());
    Ok(ExitCode::SUCCESS)
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
