//! Crash safety: `kill -9` in the middle of a recorded batch loses no committed run, leaves no
//! partial run, and the audit chain still verifies. Then a second `process` finishes the rest.

use rusqlite::{Connection, OpenFlags};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_reconagent"))
}

fn count(db: &std::path::Path, sql: &str) -> i64 {
    let c = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    c.busy_timeout(Duration::from_secs(5)).unwrap();
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn kill_9_mid_batch_keeps_every_committed_run_and_no_partial_one() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("crash.db");
    let n = 12_000;
    assert!(bin().args(["sample", "--count", &n.to_string(), "--seed", "5", "--out-dir"]).arg(dir.path()).status().unwrap().success());
    assert!(bin().arg("import").arg(dir.path().join("sample_breaks.csv")).arg("--db").arg(&db).stdout(Stdio::null()).status().unwrap().success());

    let mut child = bin().args(["process", "--as-of", "2026-11-21T00:00:00Z", "--db"]).arg(&db).stdout(Stdio::null()).stderr(Stdio::null()).spawn()?;
    let start = Instant::now();
    loop {
        let runs = count(&db, "SELECT COUNT(*) FROM runs");
        if runs >= 2000 {
            break;
        }
        assert!(child.try_wait().unwrap().is_none(), "the batch finished before it could be killed; raise n");
        assert!(start.elapsed() < Duration::from_secs(120), "no progress");
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait()?;

    let runs = count(&db, "SELECT COUNT(*) FROM runs");
    assert!(runs > 0 && runs < n, "killed mid-way: {runs} of {n}");
    assert_eq!(runs % 1000, 0, "runs are committed in whole chunks");
    // A run is its row and its graph (which holds its nodes, schema 10); verify below checks
    // each against the digest its entry committed to.
    assert_eq!(count(&db, "SELECT COUNT(*) FROM runs WHERE typeof(graph) <> 'blob' OR substr(graph, 1, 4) <> CAST('RAZ1' AS BLOB)"), 0, "no partial run");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM run_nodes"), 0, "node facts have one home, the graph");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM breaks WHERE status <> 'NEW'"), runs, "every processed break has its run; the rest are untouched");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM audit_log WHERE kind = 'RUN'"), runs, "every run has its audit entry");
    let out = bin().args(["audit", "verify", "--db"]).arg(&db).output()?;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));

    let out = bin().args(["process", "--as-of", "2026-11-21T00:00:00Z", "--db"]).arg(&db).output()?;
    assert!(out.status.success());
    assert_eq!(count(&db, "SELECT COUNT(*) FROM runs"), n);
    assert!(bin().args(["audit", "verify", "--db"]).arg(&db).status().unwrap().success());
    Ok(())
}
