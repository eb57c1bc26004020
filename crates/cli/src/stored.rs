//! Commands on the audit store: import, recorded runs, audit verify.

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use reconagent_api::batch::{Claim, Recorded};
use reconagent_api::runs::Held;
use reconagent_engine::graph::RunMode;
use reconagent_engine::orchestrate::{CancelFlag, Orchestrator};
use reconagent_store::prelude::*;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// `--db FILE`, else `$RECONAGENT_DB`, else the platform data directory.
fn db_path(db: Option<&Path>) -> PathBuf {
    db.map(PathBuf::from).unwrap_or_else(reconagent_store::default_path)
}

/// A team database's URL (`postgres://` or `postgresql://`) given by `--db` or
/// `$RECONAGENT_DB`, rather than a file.
pub(crate) fn team_url(db: Option<&Path>) -> Option<String> {
    let given = db_path(db).to_string_lossy().into_owned();
    reconagent_store::is_team_url(&given).then_some(given)
}

/// Opens the store [`db_path`] names ([`reconagent_store::open_backend`]). A team database
/// that asks for a password neither the address nor the OS keyring holds gets it typed at a
/// prompt (not shown) when the command runs in a terminal; it is used for this command only.
pub(crate) fn open(db: Option<&Path>) -> Result<Arc<dyn Backend>> {
    use std::io::IsTerminal;
    let Some(url) = team_url(db) else { return Ok(reconagent_store::open_backend(&db_path(db))?) };
    let connector = reconagent_store::postgres::Connector::new(&url)?;
    match reconagent_store::postgres::PgStore::connect_with(connector.clone()) {
        Ok(store) => Ok(Arc::new(store)),
        Err(e) if e.to_string().contains("password missing") && std::io::stdin().is_terminal() => {
            let password = crate::read_secret(&format!("password for {}: ", connector.location))?;
            Ok(Arc::new(reconagent_store::postgres::PgStore::connect_with(connector.with_password(&password))?))
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) fn import(db: Option<&Path>, file: Option<&Path>, sample: bool, replace: Option<&str>) -> Result<ExitCode> {
    let store = open(db)?;
    if sample {
        let (inserted, present) = store.import_breaks(&reconagent_engine::sample::bundled_breaks(), "bundled sample")?;
        println!("{}: {inserted} break(s) imported, {present} already present", store.location());
        return Ok(ExitCode::SUCCESS);
    }
    let file = file.context("name a break file, or --sample for the bundled sample breaks")?;
    // A chunk at a time, each in its own transaction: memory stays bounded whatever the size.
    let source = file.display().to_string();
    let done = reconagent_api::breaks::import_file(&*store, file, 10_000, replace, |row_errors, _, _| {
        for e in row_errors {
            eprintln!("{source}: {e}");
        }
        Ok(())
    })?;
    let rejected = done.totals.row_errors;
    if rejected > 0 {
        eprintln!("{source}: {rejected} row(s) rejected, {} loaded", done.totals.breaks);
    }
    println!("{}: {} break(s) imported, {} already present", store.location(), done.inserted, done.already_present);
    if done.differing > 0 {
        let ids = done.differing_ids.join(", ");
        if replace.is_some() {
            println!("{}: {} stored break(s) replaced by the file's contents (old contents kept, each NEW again): {ids}", store.location(), done.replaced);
        } else {
            eprintln!(
                "{source}: {} row(s) differ from the stored break with the same id, which was kept: {ids}{} (`reconagent run --breaks FILE --db DB` lists the fields; `import --replace REASON` replaces them)",
                done.differing,
                if done.differing > done.differing_ids.len() { ", ..." } else { "" }
            );
        }
    }
    Ok(if rejected > 0 || (done.differing > 0 && replace.is_none()) { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// A progress bar for a batch of `total`, and a cancel flag that Ctrl-C sets (in-flight breaks
/// finish and are recorded; the rest stay as they were).
fn batch_ui(total: usize, mode: RunMode) -> Result<(indicatif::ProgressBar, CancelFlag)> {
    let bar = indicatif::ProgressBar::new(total as u64);
    bar.set_style(indicatif::ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {per_sec} eta {eta}")?.progress_chars("=> "));
    bar.set_prefix(format!("{} + record", mode.as_str()));
    let cancel = CancelFlag::default();
    {
        let cancel = cancel.clone();
        // A plain thread: the batch builds its own runtime.
        std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
                if rt.block_on(tokio::signal::ctrl_c()).is_ok() {
                    cancel.cancel();
                }
            }
        });
    }
    Ok((bar, cancel))
}

/// Says what a batch left alone or did not start.
fn batch_done(bar: indicatif::ProgressBar, out: &Recorded, total: usize) {
    bar.finish_and_clear();
    if out.claimed_elsewhere > 0 {
        eprintln!("{} break(s) left alone: another process is running them or has already recorded them", out.claimed_elsewhere);
    }
    if out.summary.cancelled {
        eprintln!("cancelled: {} of {total} break(s) run and recorded; {} not started and unchanged", out.recorded, total - out.recorded);
    }
}

/// Runs and records a batch of the breaks given with a progress bar; Ctrl-C stops starting new
/// breaks. Returns how many were recorded and, with `keep`, their graphs.
#[allow(clippy::too_many_arguments)]
pub(crate) fn record_batch(
    store: &dyn Backend,
    orch: &Orchestrator,
    breaks: impl Iterator<Item = reconagent_store::Result<reconagent_engine::Break>> + Send,
    total: usize,
    mode: RunMode,
    as_of: DateTime<Utc>,
    keep: bool,
    claim: Claim,
) -> Result<(usize, Vec<reconagent_engine::graph::ExecutionGraph>)> {
    let (bar, cancel) = batch_ui(total, mode)?;
    let out = reconagent_api::batch::run_and_record(store, orch, breaks, total, mode, as_of, cancel, keep, claim, |done, _, _| bar.set_position(done as u64))?;
    batch_done(bar, &out, total);
    Ok((out.recorded, out.graphs))
}

/// Runs every NEW break in the store (streamed and claimed a page at a time) and records each run.
/// The policy a batch on `store` runs under: on a team database that has one, the team's
/// policy in force (whatever `file` says; model prompts read beside `file_path`, or here),
/// said on stderr; else `file`.
pub(crate) fn policy_in_force(
    store: &dyn Backend,
    file: reconagent_engine::policy::PolicySet,
    file_path: Option<&Path>,
) -> Result<reconagent_engine::policy::PolicySet> {
    let dir = file_path.map_or(Path::new("."), reconagent_engine::policy::PolicySet::prompt_dir);
    let Some(set) = reconagent_api::team_policies(store, dir).map_err(|why| anyhow::anyhow!("{why}"))? else { return Ok(file) };
    if set.version != file.version {
        eprintln!("running the team's policy in force, version {:.12} (not the file's {:.12})", set.version, file.version);
    }
    Ok(set)
}

pub(crate) fn run_new(store: Arc<dyn Backend>, orch: Orchestrator, mode: RunMode, as_of: DateTime<Utc>) -> Result<ExitCode> {
    store.record_policy(&orch.policies, "used by reconagent process")?;
    let orch = orch.with_history(store.history()?);
    let total = store.count_with_status(BreakStatus::New)?;
    let (bar, cancel) = batch_ui(total, mode)?;
    let out = reconagent_api::runs::process_new(&*store, &orch, mode, as_of, cancel, |done, _, _| bar.set_position(done as u64))?;
    batch_done(bar, &out, total);
    println!("{}: {} of {total} NEW break(s) run ({}) and recorded", store.location(), out.recorded, mode.as_str());
    Ok(ExitCode::SUCCESS)
}

/// `run --db`: store the file's new breaks, then run and record the file's breaks, deciding on
/// what is stored: a break stored with other contents than the file's is reported field by
/// field and not run (the file does not silently stand in for the record); which stored breaks
/// run follows the app's rule ([`reconagent_api::runs::runnable`]: a RESOLVED break is never
/// re-decided, one waiting for a person only with `rerun`). Returns the graphs and whether any
/// break's stored contents differed from the file's (the command then exits 1).
pub(crate) fn run_file(
    db: Option<&Path>,
    orch: Orchestrator,
    breaks: Vec<reconagent_engine::Break>,
    source: &str,
    mode: RunMode,
    as_of: DateTime<Utc>,
    rerun: bool,
) -> Result<(Vec<reconagent_engine::graph::ExecutionGraph>, bool)> {
    let store = open(db)?;
    store.import_breaks(&breaks, source)?;
    store.record_policy(&orch.policies, "used by reconagent run")?;
    let orch = orch.with_history(store.history()?);
    let mut runnable = Vec::new();
    let mut held_back = false;
    for b in breaks {
        let stored = store.get_break(&b.break_id)?;
        let differences = differences(&stored, &b);
        if !differences.is_empty() {
            eprintln!("{}: stored with other contents than in {source}; not run (the stored break stands):", b.break_id);
            for d in differences {
                eprintln!("  {d}");
            }
            held_back = true;
            continue;
        }
        match reconagent_api::runs::runnable(store.status_of(&b.break_id)?, mode, rerun) {
            Ok(()) => runnable.push(b),
            Err(Held::Resolved) => eprintln!("{}: RESOLVED, not run again", b.break_id),
            Err(Held::Waiting(s)) => eprintln!("{}: {} waits for a person; not re-decided (--rerun runs it again)", b.break_id, s.as_str()),
        }
    }
    let total = runnable.len();
    let (recorded, graphs) = record_batch(&*store, &orch, runnable.into_iter().map(Ok), total, mode, as_of, true, Claim::Named)?;
    eprintln!("{}: {recorded} run(s) recorded", store.location());
    Ok((graphs, held_back))
}

/// `field: stored X, file Y` for every field where two versions of a break differ.
pub(crate) fn differences(stored: &reconagent_engine::Break, file: &reconagent_engine::Break) -> Vec<String> {
    let (a, b) = (serde_json::to_value(stored).unwrap_or_default(), serde_json::to_value(file).unwrap_or_default());
    let flat = |v: &serde_json::Value| -> std::collections::BTreeMap<String, String> {
        let mut out = std::collections::BTreeMap::new();
        if let Some(o) = v.as_object() {
            for (k, v) in o {
                match v.as_object() {
                    Some(side) => out.extend(side.iter().map(|(sk, sv)| (format!("{k}.{sk}"), sv.to_string()))),
                    None => {
                        out.insert(k.clone(), v.to_string());
                    }
                }
            }
        }
        out
    };
    let (a, b) = (flat(&a), flat(&b));
    let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| format!("{k}: stored {}, file {}", a.get(k).map_or("(none)", |v| v.as_str()), b.get(k).map_or("(none)", |v| v.as_str())))
        .collect()
}

/// As [`open`], for a database that must already exist (a mistyped path is an error, never a new
/// empty database).
pub(crate) fn open_existing(db: Option<&Path>) -> Result<Arc<dyn Backend>> {
    if team_url(db).is_some() {
        return open(db);
    }
    let path = db_path(db);
    anyhow::ensure!(path.is_file(), "{}: no such database file; nothing was created (check --db or RECONAGENT_DB)", path.display());
    open(Some(&path))
}

/// `audit verify`: read-only, on an existing file; with `expect`, the saved head must still be
/// in the chain.
pub(crate) fn verify(db: Option<&Path>, expect: Option<&str>) -> Result<ExitCode> {
    let v = if team_url(db).is_some() {
        // The team database: the chain and its head row, in one snapshot.
        anyhow::ensure!(expect.is_none(), "--expect is for a database file; a team database keeps its verified heads itself");
        open(db)?.verify()?
    } else {
        reconagent_api::audit::verify_file(&db_path(db), expect)?
    };
    if v.ok {
        println!(
            "audit log intact: {} entries, head {}; every break, run and action agrees with it{}",
            v.entries,
            v.head,
            expect.map(|e| format!("; it holds the saved head {e}")).unwrap_or_default()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        let (seq, why) = v.first_bad.expect("a failed verification names the entry");
        if seq > 0 {
            println!("audit log BROKEN at entry {seq}: {why}");
        } else {
            println!("audit log BROKEN: {why}");
        }
        Ok(ExitCode::from(1))
    }
}

/// `audit verify --since-checkpoint`: the chain after the newest verified head.
pub(crate) fn verify_since_checkpoint(db: Option<&Path>) -> Result<ExitCode> {
    let store = open_existing(db)?;
    let v = store.verify_since_checkpoint()?;
    if v.ok {
        println!("audit log intact after the last verified head: {} entries checked, head {}", v.entries, v.head);
        Ok(ExitCode::SUCCESS)
    } else {
        let (seq, why) = v.first_bad.expect("a failed verification names the entry");
        println!("audit log BROKEN at entry {seq}: {why}");
        Ok(ExitCode::from(1))
    }
}

/// `audit head`: the signed head, to keep outside the database.
pub(crate) fn head(db: Option<&Path>) -> Result<ExitCode> {
    let (a, path) = match team_url(db) {
        Some(url) => {
            let newest = open(db)?.audit_entries(&reconagent_store::AuditQuery { limit: 1, ..Default::default() })?;
            let (seq, hash) = newest.first().map(|e| (e.seq, e.hash.clone())).unwrap_or_else(|| (0, "0".repeat(64)));
            (reconagent_store::anchor::InstallationKey::installation()?.anchor(seq, &hash), reconagent_store::postgres::redact(&url))
        }
        None => {
            let path = db_path(db);
            (reconagent_store::head_of(&path)?, path.display().to_string())
        }
    };
    println!("head {}", a.head());
    println!("public key (Ed25519) {}", a.public_key);
    println!("signature {}", a.signature);
    println!("check later: {} --db {path}", a.how_to_check);
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn export(db: Option<&Path>, query: reconagent_store::export::ReportQuery, format: &str, out: &Path, force: bool) -> Result<ExitCode> {
    let format = reconagent_store::export::ExportFormat::parse(format).context("format must be csv, xlsx, json or html")?;
    let store = open_existing(db)?;
    let r = reconagent_api::audit::export_report(&*store, &query, format, out, force, |_| {})?;
    println!(
        "{}: {} breaks, {} runs, {} actions, {} audit entries; chain {} (head {}); signed by {}; check later: {}",
        out.display(),
        r.summary.breaks,
        r.summary.runs,
        r.summary.actions,
        r.summary.audit_entries,
        if r.chain.ok { "intact" } else { "BROKEN" },
        r.anchor.head(),
        r.anchor.public_key,
        r.anchor.how_to_check
    );
    Ok(if r.chain.ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
