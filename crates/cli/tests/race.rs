//! Processes racing on one database file, with the counts checked afterwards: two `process`
//! runs share the NEW breaks without running any twice (claims); `import` beside `process` does
//! not fail with "database is locked" (IMMEDIATE transactions wait for the writer lock); exports
//! made during a batch each have their EXPORT_MADE entry.

use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_reconagent"))
}

fn count(db: &Path, sql: &str) -> i64 {
    let c = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    c.busy_timeout(Duration::from_secs(10)).unwrap();
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

fn sample(dir: &Path, n: usize, seed: u64) -> std::path::PathBuf {
    let out = dir.join(format!("s{seed}-{n}"));
    assert!(bin()
        .args(["sample", "--count", &n.to_string(), "--seed", &seed.to_string(), "--out-dir"])
        .arg(&out)
        .stdout(Stdio::null())
        .status()
        .unwrap()
        .success());
    out.join("sample_breaks.csv")
}

fn import(file: &Path, db: &Path) {
    let out = bin().arg("import").arg(file).arg("--db").arg(db).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

fn process(db: &Path) -> std::process::Child {
    bin().args(["process", "--as-of", "2026-11-21T00:00:00Z", "--db"]).arg(db).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
}

fn finish(child: std::process::Child, what: &str) -> String {
    let out = child.wait_with_output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{what} failed: {text}");
    text
}

#[test]
fn two_processes_share_the_new_breaks_and_run_each_once() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("r.db");
    let n = 8_000;
    import(&sample(dir.path(), n, 3), &db);
    let (a, b) = (process(&db), process(&db));
    let (a, b) = (finish(a, "process A"), finish(b, "process B"));
    assert_eq!(count(&db, "SELECT COUNT(*) FROM runs"), n as i64, "A: {a}\nB: {b}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM (SELECT break_id FROM runs GROUP BY break_id HAVING COUNT(*) > 1)"), 0);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM breaks WHERE status = 'NEW'"), 0);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM claims"), 0, "every claim released");
    assert!(bin().args(["audit", "verify", "--db"]).arg(&db).stdout(Stdio::null()).status().unwrap().success());
    Ok(())
}

#[test]
fn import_beside_process_waits_for_the_writer_instead_of_failing() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("r.db");
    // The same seed: the first 6,000 of the 20,000 are the same breaks (already present).
    import(&sample(dir.path().join("a").as_path(), 6_000, 5), &db);
    let second = sample(dir.path(), 20_000, 5);
    let p = process(&db);
    let i = bin().arg("import").arg(&second).arg("--db").arg(&db).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let (_, imported) = (finish(p, "process"), finish(i, "import"));
    assert!(!imported.contains("locked"), "{imported}");
    let breaks = count(&db, "SELECT COUNT(*) FROM breaks");
    let runs = count(&db, "SELECT COUNT(*) FROM runs");
    assert!(breaks >= 20_000 && runs >= 6_000 && runs <= breaks, "{breaks} breaks, {runs} runs");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM (SELECT break_id FROM runs GROUP BY break_id HAVING COUNT(*) > 1)"), 0);
    Ok(())
}

#[test]
fn exports_during_a_batch_each_have_their_entry() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("r.db");
    import(&sample(dir.path(), 8_000, 6), &db);
    let p = process(&db);
    let mut outs = Vec::new();
    for i in 0..4 {
        let out = dir.path().join(format!("report{i}.json"));
        let run = bin().args(["audit", "export", "--format", "json", "--db"]).arg(&db).arg("--out").arg(&out).output().unwrap();
        assert!(run.status.success(), "export {i}: {}", String::from_utf8_lossy(&run.stderr));
        outs.push(out);
        std::thread::sleep(Duration::from_millis(100));
    }
    finish(p, "process");
    for out in &outs {
        assert!(out.exists());
        let entries = count(&db, &format!("SELECT COUNT(*) FROM audit_log WHERE kind = 'EXPORT_MADE' AND subject = '{}'", out.display()));
        assert_eq!(entries, 1, "{}", out.display());
    }
    Ok(())
}
