//! A large break file streams in bounded memory. Its own test binary, so the process's peak
//! resident memory is this test's alone.

use reconagent_engine::import::stream_file;
use reconagent_engine::import::ImportError;
use std::io::Write;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok()).unwrap_or(0.0) / 1024.0
}

#[test]
fn a_100_mb_file_streams_in_bounded_memory() -> TestResult {
    if !std::path::Path::new("/proc/self/status").exists() {
        return Ok(()); // Linux only: the measure is /proc's
    }
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("big.csv");
    // Written a row at a time: the file never exists in this process's memory.
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    writeln!(f, "break_id,break_type,amount,currency,counterparty,trade_date,description")?;
    let pad = "x".repeat(150);
    let mut rows = 0usize;
    while f.get_ref().metadata().unwrap().len() < 100 * 1024 * 1024 {
        for _ in 0..1000 {
            rows += 1;
            writeln!(f, "BRK-{rows},CASH_RECONCILIATION,{}.25,USD,ACME,2026-11-01,{pad}", rows % 9973).unwrap();
        }
        f.flush().unwrap();
    }
    drop(f);
    let before = peak_rss_mib();
    let mut seen = 0usize;
    let totals = stream_file::<ImportError>(&path, 2_000, |chunk, _, _| {
        assert!(chunk.breaks.len() + chunk.errors.len() <= 2_000);
        seen += chunk.breaks.len();
        Ok(())
    })?;
    assert_eq!((seen, totals.breaks, totals.row_errors), (rows, rows, 0));
    let peak = peak_rss_mib();
    // The whole file as breaks would be well over 300 MB; chunks of 2,000 stay in a few MB.
    assert!(peak - before < 64.0, "peak RSS grew by {:.0} MiB while streaming 100 MB", peak - before);
    Ok(())
}
