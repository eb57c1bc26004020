//! `reconagent bench --suite scale`: a database of N processed breaks, then every screen's
//! request timed through the real API (`Core`, as the app calls it), best of three on a warm
//! cache; exports in each format as child processes with their peak memory; verification.

use anyhow::{Context, Result};
use reconagent_api::dto::{AuditQuery, StatsQuery};
use reconagent_api::Core;
use reconagent_engine::graph::RunMode;
use reconagent_engine::orchestrate::Orchestrator;
use reconagent_engine::refdata::ReferenceData;
use reconagent_engine::sample::{generate_from, sample_as_of};
use reconagent_engine::RiskTier;
use reconagent_store::prelude::*;
use reconagent_store::{QueueFilter, QueueSort};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

const CHUNK: usize = 10_000;

/// Builds (or reuses) the database: `count` generated breaks, each processed once (v2). A team
/// database (`postgres://…`, a person with every team role) is processed as a worker does.
fn build(path: &Path, count: usize) -> Result<serde_json::Value> {
    let store = reconagent_store::open_backend(path)?;
    let have = store.queue_count(&QueueFilter::default())? as usize;
    if have >= count {
        println!("  reusing {} ({have} breaks)", path.display());
        return Ok(json!({"reused": true, "breaks": have}));
    }
    let refdata = ReferenceData::bundled();
    let start = Instant::now();
    for i in have / CHUNK..count.div_ceil(CHUNK) {
        let chunk = generate_from(100 + i as u64, i * CHUNK, CHUNK.min(count - i * CHUNK), &refdata);
        store.import_breaks(&chunk, "bench scale")?;
    }
    let import_s = start.elapsed().as_secs_f64();
    let orch = Orchestrator::bundled();
    store.record_policy(&orch.policies, "bench")?;
    let orch = orch.with_history(store.history()?);
    let total = store.count_with_status(BreakStatus::New)?;
    let start = Instant::now();
    let recorded = if store.database_file().is_some() {
        crate::stored::record_batch(
            &*store,
            &orch,
            reconagent_store::backend::stream_with_status(&*store, BreakStatus::New, reconagent_api::runs::PAGE),
            total,
            RunMode::V2,
            sample_as_of(),
            false,
            reconagent_api::batch::Claim::New,
        )?
        .0
    } else {
        let cancel = reconagent_engine::orchestrate::CancelFlag::default();
        reconagent_api::runs::process_new(&*store, &orch, RunMode::V2, sample_as_of(), cancel, |_, _, _| {})
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .summary
            .processed
    };
    let run_s = start.elapsed().as_secs_f64();
    println!("  built: {count} breaks imported in {import_s:.1} s; {recorded} processed in {run_s:.1} s ({:.0} breaks/s)", recorded as f64 / run_s);
    Ok(json!({"reused": false, "import_s": import_s, "process_s": run_s, "process_per_s": recorded as f64 / run_s}))
}

/// Best of three, in ms (the first call also warms the cache and the statement cache).
fn time<T>(mut f: impl FnMut() -> Result<T>) -> Result<(f64, T)> {
    let mut best = f64::MAX;
    let mut out = None;
    for _ in 0..3 {
        let start = Instant::now();
        let v = f()?;
        best = best.min(start.elapsed().as_secs_f64() * 1e3);
        out = Some(v);
    }
    Ok((best, out.expect("three runs")))
}

/// Runs `reconagent audit export` as a child and samples its peak memory (VmHWM) until it ends.
fn export_child(db: &Path, format: &str, out: &Path) -> Result<(f64, f64, u64)> {
    let exe = std::env::current_exe()?;
    let start = Instant::now();
    let mut child = std::process::Command::new(exe)
        .args(["audit", "export", "--format", format, "--force", "--db"])
        .arg(db)
        .arg("--out")
        .arg(out)
        .stdout(std::process::Stdio::null())
        .spawn()?;
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0f64;
    let status = loop {
        if let Ok(s) = std::fs::read_to_string(&status_file) {
            if let Some(kb) = s.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok()) {
                peak_kb = peak_kb.max(kb);
            }
        }
        if let Some(status) = child.try_wait()? {
            break status;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    anyhow::ensure!(status.success(), "the {format} export failed: {status}");
    let bytes = std::fs::metadata(out)?.len();
    Ok((start.elapsed().as_secs_f64(), peak_kb / 1024.0, bytes))
}

pub(crate) fn run(count: usize, db: Option<&Path>) -> Result<serde_json::Value> {
    let dir = tempfile::tempdir()?;
    let path: PathBuf = db.map(Path::to_path_buf).unwrap_or_else(|| dir.path().join("scale.db"));
    println!("scale: {count} processed breaks in {}", path.display());
    let built = build(&path, count)?;
    let store: Arc<dyn Backend> = reconagent_store::open_backend(&path)?;
    let core = Core::with_backend(store.clone(), &dir.path().join("policies.yaml"), false).map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let err = |e: reconagent_api::ApiError| anyhow::anyhow!("{}", e.message);
    let total = core.queue_count(&QueueFilter::default()).map_err(err)?;
    let mut rows: Vec<(String, f64)> = Vec::new();
    let mut screen = |name: String, ms: f64| {
        println!("  {name:<62} {ms:>9.2} ms");
        rows.push((name, ms));
    };
    // A cursor at ~90% of a sort: the page before it fetched by offset, untimed.
    let deep = |f: &QueueFilter, n: u64| -> Result<QueueFilter> {
        let before = core.queue(&QueueFilter { offset: (n * 9 / 10) as u32, limit: 100, ..f.clone() }).map_err(err)?;
        Ok(QueueFilter { after: before.next, ..f.clone() })
    };
    let sorts = [
        ("break id", QueueSort::BreakId),
        ("detected", QueueSort::DetectedAt),
        ("tier", QueueSort::Tier),
        ("status", QueueSort::Status),
        ("SLA", QueueSort::SlaDeadline),
        ("counterparty", QueueSort::Counterparty),
        ("type", QueueSort::BreakType),
        ("decision", QueueSort::Decision),
        ("assignee", QueueSort::Assignee),
        ("priority", QueueSort::Priority),
    ];
    let (ms, _) = time(|| core.queue_count(&QueueFilter::default()).map_err(err))?;
    screen("queue: count, no filter".into(), ms);
    for (name, sort) in sorts {
        for descending in [false, true] {
            let f = QueueFilter { sort: Some(sort), descending, limit: 100, ..Default::default() };
            let way = if descending { "desc" } else { "asc" };
            let (ms, _) = time(|| core.queue(&f).map_err(err))?;
            screen(format!("queue: sorted by {name} {way}, first page"), ms);
            let at = deep(&f, total)?;
            let (ms, _) = time(|| core.queue(&at).map_err(err))?;
            screen(format!("queue: sorted by {name} {way}, page at 90% (cursor)"), ms);
        }
    }
    let jump = QueueFilter { sort: Some(QueueSort::DetectedAt), offset: (total / 2) as u32, limit: 100, ..Default::default() };
    let (ms, _) = time(|| core.queue(&jump).map_err(err))?;
    screen("queue: jump to 50% by offset (scrollbar drag), by detected".into(), ms);
    let filtered = QueueFilter { tier: Some(RiskTier::High), status: Some(BreakStatus::PendingReview), limit: 100, ..Default::default() };
    let (ms, _) = time(|| core.queue(&filtered).map_err(err))?;
    screen("queue: tier HIGH + PENDING_REVIEW, first page".into(), ms);
    let (ms, n) = time(|| core.queue_count(&filtered).map_err(err))?;
    screen("queue: tier HIGH + PENDING_REVIEW, count".into(), ms);
    let at = deep(&filtered, n)?;
    let (ms, _) = time(|| core.queue(&at).map_err(err))?;
    screen("queue: tier HIGH + PENDING_REVIEW, page at 90% (cursor)".into(), ms);
    let some = core.queue(&QueueFilter { offset: (total / 3) as u32, limit: 1, ..Default::default() }).map_err(err)?.rows.remove(0);
    let id_prefix = some.break_id[..some.break_id.len() - 2].to_ascii_lowercase();
    let cp_prefix = some.counterparty.clone().unwrap_or_default().chars().take(5).collect::<String>().to_ascii_lowercase();
    for (what, prefix) in [("id", id_prefix), ("counterparty", cp_prefix)] {
        let f = QueueFilter { search: Some(prefix.clone()), limit: 100, ..Default::default() };
        let (ms, _) = time(|| core.queue(&f).map_err(err))?;
        screen(format!("search by {what} prefix `{prefix}`, first page"), ms);
        let (ms, _) = time(|| core.queue_count(&f).map_err(err))?;
        screen(format!("search by {what} prefix `{prefix}`, count"), ms);
    }
    let (ms, _) = time(|| core.break_detail(&some.break_id).map_err(err))?;
    screen("open a break".into(), ms);
    let review = QueueFilter { awaiting_review: true, sort: Some(QueueSort::Priority), limit: 100, ..Default::default() };
    let (ms, _) = time(|| core.queue(&review).map_err(err))?;
    screen("review list: first page".into(), ms);
    let (ms, waiting) = time(|| core.queue_count(&review).map_err(err))?;
    screen("review list: count".into(), ms);
    let at = deep(&review, waiting)?;
    let (ms, _) = time(|| core.queue(&at).map_err(err))?;
    screen("review list: page at 90% (cursor)".into(), ms);
    // One work queue's review list (WORKFLOW's group; its own partial index).
    let one_queue = QueueFilter { work_queue: Some("cash-ops-senior".into()), ..review.clone() };
    let (ms, _) = time(|| core.queue(&one_queue).map_err(err))?;
    screen("review list of one work queue: first page".into(), ms);
    let (ms, in_queue) = time(|| core.queue_count(&one_queue).map_err(err))?;
    screen("review list of one work queue: count".into(), ms);
    let at = deep(&one_queue, in_queue)?;
    let (ms, _) = time(|| core.queue(&at).map_err(err))?;
    screen("review list of one work queue: page at 90% (cursor)".into(), ms);
    let (ms, _) = time(|| core.efficiency(&StatsQuery::default()).map_err(err))?;
    screen("dashboard: all figures, whole period".into(), ms);
    let (ms, _) = time(|| core.desk(&StatsQuery::default()).map_err(err))?;
    screen("dashboard: the desk (backlog, past SLA, actions per person)".into(), ms);
    let (ms, _) = time(|| core.filter_options().map_err(err))?;
    screen("filter choices".into(), ms);
    let (ms, _) = time(|| core.info().map_err(err))?;
    screen("title bar (breaks, new breaks)".into(), ms);
    let (ms, newest) = time(|| core.audit_log(&AuditQuery { limit: 500, ..Default::default() }).map_err(err))?;
    screen("audit log: newest 500".into(), ms);
    let deep_seq = newest.first().map(|e| e.seq / 10).unwrap_or(1);
    let (ms, _) = time(|| core.audit_log(&AuditQuery { limit: 500, before: Some(deep_seq), ..Default::default() }).map_err(err))?;
    screen("audit log: 500 older entries at 90% (cursor)".into(), ms);
    let (ms, _) = time(|| core.audit_log(&AuditQuery { limit: 500, kind: Some(reconagent_store::EventKind::Import), ..Default::default() }).map_err(err))?;
    screen("audit log: newest 500 IMPORT entries".into(), ms);
    let one = newest.iter().find(|e| e.kind == "RUN").map(|e| e.subject.clone());
    let (ms, _) = time(|| core.audit_log(&AuditQuery { limit: 500, subject: one.clone(), ..Default::default() }).map_err(err))?;
    screen("audit log: one break's entries (search by break)".into(), ms);
    let slowest = rows.iter().cloned().fold(("none".to_string(), 0.0), |a, b| if b.1 > a.1 { b } else { a });

    let mut exports = Vec::new();
    for format in ["json", "csv", "html", "xlsx"] {
        let out = dir.path().join(format!("report.{format}"));
        let (s, rss, bytes) = export_child(&path, format, &out)?;
        println!("  export {format:<5} whole period: {s:>7.1} s, peak RSS {rss:>6.0} MiB, {:>7.0} MiB written", bytes as f64 / 1048576.0);
        exports.push(json!({"format": format, "s": s, "peak_rss_mib": rss, "mib": bytes as f64 / 1048576.0}));
        std::fs::remove_file(&out).ok();
    }
    let start = Instant::now();
    let v = store.verify()?;
    let verify_s = start.elapsed().as_secs_f64();
    println!("  audit verify (full: chain and state): {verify_s:.2} s ({} entries, intact: {})", v.entries, v.ok);
    let start = Instant::now();
    let since = store.verify_since_checkpoint()?;
    let since_s = start.elapsed().as_secs_f64() * 1e3;
    println!("  audit verify from the last verified head: {since_s:.1} ms ({} entries after it, intact: {})", since.entries, since.ok);
    println!("slowest screen request: {:.1} ms ({})", slowest.1, slowest.0);
    Ok::<_, anyhow::Error>(json!({
        "count": count, "breaks": total, "built": built,
        "screens": rows.iter().map(|(n, ms)| json!({"name": n, "ms": ms})).collect::<Vec<_>>(),
        "slowest": {"name": slowest.0, "ms": slowest.1},
        "exports": exports, "verify_s": verify_s, "verify_since_checkpoint_ms": since_s,
    }))
    .context("the scale report")
}
