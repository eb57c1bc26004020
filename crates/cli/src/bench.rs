//! `reconagent bench`: throughput of the engine alone and of engine + store with the audit
//! chain, on generated breaks, with peak memory. Prints a table and a JSON report.

use anyhow::Result;
use reconagent_api::batch::cpu_time_ms;
use reconagent_engine::graph::RunMode;
use reconagent_engine::orchestrate::{BatchOptions, Orchestrator};
use reconagent_engine::refdata::ReferenceData;
use reconagent_engine::sample::{generate_from, sample_as_of};
use reconagent_store::prelude::*;
use reconagent_store::Store;
use serde_json::json;
use std::process::ExitCode;
use std::time::Instant;

/// Peak resident memory of this process so far (Linux `VmHWM`), in MiB.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?.split_whitespace().next()?.parse().ok()?;
    Some(kb / 1024.0)
}

/// This process's I/O so far (`/proc/self/io`: bytes and system calls) and its user and system
/// CPU time in ms, to tell what grows with the database's size.
#[derive(Debug, Default, Clone, Copy)]
struct IoCpu {
    read_syscalls: u64,
    write_syscalls: u64,
    read_bytes: u64,
    write_bytes: u64,
    user_ms: u64,
    system_ms: u64,
}

impl IoCpu {
    fn now() -> IoCpu {
        let mut out = IoCpu::default();
        if let Ok(io) = std::fs::read_to_string("/proc/self/io") {
            for line in io.lines() {
                let mut parts = line.split(':');
                let (Some(k), Some(v)) = (parts.next(), parts.next().and_then(|v| v.trim().parse::<u64>().ok())) else { continue };
                match k {
                    "syscr" => out.read_syscalls = v,
                    "syscw" => out.write_syscalls = v,
                    "rchar" => out.read_bytes = v,
                    "wchar" => out.write_bytes = v,
                    _ => {}
                }
            }
        }
        (out.user_ms, out.system_ms) = reconagent_api::batch::cpu_times_ms("/proc/self/stat").unwrap_or_default();
        out
    }

    fn since(self, before: IoCpu) -> IoCpu {
        IoCpu {
            read_syscalls: self.read_syscalls - before.read_syscalls,
            write_syscalls: self.write_syscalls - before.write_syscalls,
            read_bytes: self.read_bytes - before.read_bytes,
            write_bytes: self.write_bytes - before.write_bytes,
            user_ms: self.user_ms - before.user_ms,
            system_ms: self.system_ms - before.system_ms,
        }
    }
}

fn machine() -> serde_json::Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| c.lines().find_map(|l| l.strip_prefix("model name")).map(|m| m.trim_start_matches([' ', '\t', ':']).to_string()));
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    json!({
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "cpu": cpu,
        "os": std::env::consts::OS,
        "commit": commit,
        "profile": if cfg!(debug_assertions) { "debug" } else { "release" },
    })
}

const CHUNK: usize = 10_000;

fn engine_throughput(orch: &Orchestrator, count: usize, workers: usize) -> Result<f64> {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(workers).enable_all().build()?;
    let refdata = ReferenceData::bundled();
    // Breaks are generated a chunk at a time, outside the timed region.
    let chunks: Vec<_> = (0..count.div_ceil(CHUNK)).map(|i| generate_from(100 + i as u64, i * CHUNK, CHUNK.min(count - i * CHUNK), &refdata)).collect();
    let opts = BatchOptions::new(RunMode::V2, sample_as_of());
    let start = Instant::now();
    let mut n = 0usize;
    rt.block_on(orch.process_batch(chunks.into_iter().flatten(), count, &opts, |_| n += 1, |_| {}));
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

pub(crate) fn run(count: usize, suite: &str, limit: usize, db: Option<&std::path::Path>) -> Result<ExitCode> {
    let orch = Orchestrator::bundled();
    let mut report = json!({ "machine": machine(), "count": count, "inputs": "generated breaks (seeded), bundled policies, v2, as of 2026-11-21" });
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    println!("reconagent bench: {count} generated breaks, {cores} cores");
    if suite == "store" || suite == "all" {
        let dir = tempfile::tempdir()?;
        let store = Store::open(&dir.path().join("bench.db"))?;
        let refdata = ReferenceData::bundled();
        let start = Instant::now();
        for i in 0..count.div_ceil(CHUNK) {
            let chunk = generate_from(100 + i as u64, i * CHUNK, CHUNK.min(count - i * CHUNK), &refdata);
            store.import_breaks(&chunk, "bench")?;
        }
        let import_s = start.elapsed().as_secs_f64();
        store.record_policy(&orch.policies, "bench")?;
        let orch = orch.clone().with_history(store.history()?);
        let total = store.count_with_status(BreakStatus::New)?;
        let cpu = || (cpu_time_ms("/proc/self/stat").unwrap_or(0), cpu_time_ms("/proc/thread-self/stat").unwrap_or(0));
        let cpu0 = cpu();
        let io0 = IoCpu::now();
        let start = Instant::now();
        let (recorded, _) = crate::stored::record_batch(
            &store,
            &orch,
            reconagent_store::backend::stream_with_status(&store, BreakStatus::New, reconagent_api::runs::PAGE),
            total,
            RunMode::V2,
            sample_as_of(),
            false,
            reconagent_api::batch::Claim::New,
        )?;
        let run_s = start.elapsed().as_secs_f64();
        let cpu1 = cpu();
        let io = IoCpu::now().since(io0);
        let (process_cpu_s, main_cpu_s) = ((cpu1.0 - cpu0.0) as f64 / 1e3, (cpu1.1 - cpu0.1) as f64 / 1e3);
        let verify_start = Instant::now();
        let v = store.verify()?;
        let verify_s = verify_start.elapsed().as_secs_f64();
        let db_mib = std::fs::metadata(store.path())?.len() as f64 / 1048576.0;
        let rss = peak_rss_mib();
        println!("  end to end (engine + store + audit chain): {:>9.0} breaks/s   ({recorded} runs in {run_s:.2} s)", recorded as f64 / run_s);
        let record_s = reconagent_api::batch::RECORD_NANOS.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1e9;
        println!("    of which writing runs to SQLite:         {record_s:>9.2} s");
        let recorder_cpu_s = reconagent_api::batch::RECORDER_CPU_MS.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1e3;
        println!("    CPU time: whole process {process_cpu_s:.2} s; writer thread {recorder_cpu_s:.2} s; reader thread {main_cpu_s:.2} s");
        let per_run = |v: u64| v as f64 / recorded.max(1) as f64;
        println!(
            "    per run: user {:.0} µs, system {:.0} µs; read {:.0} B in {:.1} calls, written {:.0} B in {:.1} calls",
            per_run(io.user_ms * 1000),
            per_run(io.system_ms * 1000),
            per_run(io.read_bytes),
            per_run(io.read_syscalls),
            per_run(io.write_bytes),
            per_run(io.write_syscalls)
        );
        println!("  import:                                    {:>9.0} breaks/s", count as f64 / import_s);
        println!("  audit verify:                              {:>9.0} entries/s ({} entries, intact: {})", v.entries as f64 / verify_s, v.entries, v.ok);
        println!("  database size {db_mib:.0} MiB; peak RSS so far {:.0} MiB", rss.unwrap_or(0.0));
        report["store"] = json!({
            "breaks_per_s": recorded as f64 / run_s, "import_per_s": count as f64 / import_s, "verify_entries_per_s": v.entries as f64 / verify_s,
            "chain_ok": v.ok, "db_mib": db_mib, "peak_rss_mib": rss, "writer_s": record_s, "cpu_s": {"process": process_cpu_s, "writer": recorder_cpu_s, "reader": main_cpu_s},
            "per_run": {"user_us": per_run(io.user_ms * 1000), "system_us": per_run(io.system_ms * 1000), "read_bytes": per_run(io.read_bytes),
                        "read_calls": per_run(io.read_syscalls), "written_bytes": per_run(io.write_bytes), "write_calls": per_run(io.write_syscalls)},
        });
    }
    // The team database in the same run, when the URL of one (its owner) is given.
    if let Some(url) = db.map(|d| d.to_string_lossy().into_owned()).filter(|d| reconagent_store::is_team_url(d)) {
        if suite == "store" || suite == "all" {
            crate::bench_team::run(&url, count, &mut report)?;
        }
    }
    if suite == "engine" || suite == "all" {
        let mut rows = Vec::new();
        for workers in [1, 2, cores].into_iter().collect::<std::collections::BTreeSet<_>>() {
            let rate = engine_throughput(&orch, count, workers)?;
            println!("  engine alone, {workers} worker thread(s):       {rate:>9.0} breaks/s");
            rows.push(json!({"workers": workers, "breaks_per_s": rate}));
        }
        report["engine"] = json!({ "throughput": rows, "peak_rss_mib": peak_rss_mib() });
    }
    if suite == "scale" {
        report["scale"] = crate::bench_scale::run(count, db)?;
    }
    if suite == "llm" || suite == "all" {
        crate::bench_llm::run_suite(&mut report)?;
    }
    if suite == "latency" || suite == "all" {
        crate::bench_latency::run_suite(&mut report, limit)?;
    }
    println!("{}", serde_json::to_string(&report)?);
    Ok(ExitCode::SUCCESS)
}
