//! The `reconagent` binary end to end on the committed sample data and policy file.
//!
//! Over 400 lines on purpose: one test per command and its failure modes, sharing the helpers
//! that run the binary.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn root() -> std::path::PathBuf {
    std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).to_path_buf()
}

fn reconagent(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_reconagent")).args(args).current_dir(root()).output().expect("the binary runs");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

const AS_OF: &str = "--as-of=2026-11-21T00:00:00Z";

#[test]
fn run_prints_decisions_and_a_summary() -> TestResult {
    let (code, out, err) = reconagent(&["run", "--breaks", "data/sample_breaks.csv", "--policies", "policies/routing_policies.yaml", AS_OF]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("BRK-00001"));
    assert!(out.contains("400 breaks:"), "{out}");
    assert!(out.contains("early exits"));
    Ok(())
}

#[test]
fn run_json_emits_one_graph_per_line() -> TestResult {
    let (code, out, _) = reconagent(&["run", "--breaks", "data/sample_breaks.json", "--json", "--mode", "v1", AS_OF]);
    assert_eq!(code, 0);
    let lines: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 400);
    assert_eq!(lines[0]["mode"], "v1");
    assert_eq!(lines[0]["nodes"].as_array().unwrap().len(), 7);
    Ok(())
}

#[test]
fn policy_check_lists_errors_with_lines_and_fails() -> TestResult {
    let dir = tempfile::tempdir()?;
    let bad = dir.path().join("bad.yaml");
    let text = std::fs::read_to_string(root().join("policies/routing_policies.yaml")).unwrap().replacen("when: rules.explained\n", "when: rules.explaned\n", 1);
    std::fs::write(&bad, text)?;
    let (code, out, _) = reconagent(&["policy", "check", bad.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(out.contains("bad.yaml:") && out.contains("`rules` has no field `explaned`"), "{out}");
    let (code, out, _) = reconagent(&["policy", "check", "policies/routing_policies.yaml"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("valid (21 plans"));
    Ok(())
}

#[test]
fn compare_reports_agreement_and_no_unsafe_auto_resolve() -> TestResult {
    let (code, out, err) = reconagent(&["compare", "--breaks", "data/sample_breaks.csv", AS_OF]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("v2 AUTO_RESOLVE that v1 ESCALATEs: none"), "{out}");
    assert!(out.contains("decision agreement"));
    Ok(())
}

#[test]
fn explain_shows_skipped_agents_and_their_reasons() -> TestResult {
    let (code, out, _) = reconagent(&["explain", "BRK-00005", "--breaks", "data/sample_breaks.csv", AS_OF]);
    assert_eq!(code, 0);
    assert!(out.contains("decision:"), "{out}");
    assert!(out.contains("INGESTION"));
    Ok(())
}

#[test]
fn a_file_with_bad_rows_loads_the_rest_and_exits_one() -> TestResult {
    let dir = tempfile::tempdir()?;
    let f = dir.path().join("b.csv");
    std::fs::write(&f, "break_id,break_type,amount,currency\nA,CASH_RECONCILIATION,1,USD\nB,CASH_RECONCILIATION,x,USD\n")?;
    let (code, out, err) = reconagent(&["run", "--breaks", f.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("row 3: amount: `x` is not a decimal number"), "{err}");
    assert!(out.contains("1 breaks:"));
    let (code, _, err) = reconagent(&["run", "--breaks", "/nonexistent.csv"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read"));
    Ok(())
}

#[test]
fn import_process_and_verify_on_a_real_database() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("a.db");
    let db = db.to_str().unwrap();
    let (code, out, err) = reconagent(&["import", "--sample", "--db", db]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("400 break(s) imported, 0 already present"), "{out}");
    let (code, out, err) = reconagent(&["process", "--db", db, AS_OF]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("400 of 400 NEW break(s) run (v2) and recorded"), "{out}");
    // The command checkpointed its write-ahead log on the way out: nothing is left beside the file.
    let wal = std::path::PathBuf::from(format!("{db}-wal"));
    assert!(!wal.exists() || std::fs::metadata(&wal)?.len() == 0, "{} left behind: {} bytes", wal.display(), std::fs::metadata(&wal)?.len());
    let (code, out, _) = reconagent(&["process", "--db", db, AS_OF]);
    assert_eq!(code, 0);
    assert!(out.contains("0 of 0 NEW"), "a second run finds nothing new: {out}");
    let (code, out, _) = reconagent(&["audit", "verify", "--db", db]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("audit log intact: 402 entries"), "import, policy version, 400 runs: {out}");
    // From a checkpoint: the first time there is none (a full check, whose head is stored), then
    // only what follows it.
    let (code, out, _) = reconagent(&["audit", "verify", "--db", db, "--since-checkpoint"]);
    assert!(code == 0 && out.contains("402 entries checked"), "{out}");
    reconagent(&["import", "--sample", "--db", db]);
    let (code, out, _) = reconagent(&["audit", "verify", "--db", db, "--since-checkpoint"]);
    assert!(code == 0 && out.contains("intact after the last verified head: 1 entries checked"), "the second import alone: {out}");
    let today = chrono_today();
    let html = dir.path().join("report.html");
    let (code, out, err) = reconagent(&["audit", "export", "--db", db, "--from", &today, "--to", &today, "--format", "html", "--out", html.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("400 breaks, 400 runs") && out.contains("chain intact"), "{out}");
    // "(head SEQ:HASH)": the HTML carries the same head and how to check it
    let head = out.split("(head ").nth(1).and_then(|h| h.split(')').next()).unwrap().to_string();
    let hash = head.split(':').nth(1).unwrap();
    let text = std::fs::read_to_string(&html)?;
    assert!(text.contains(hash) && text.contains(&format!("reconagent audit verify --expect {head}")), "the HTML carries the chain head {head}");
    // tamper with a raw connection that drops the trigger first
    let c = rusqlite::Connection::open(db)?;
    c.execute_batch("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'mallory' WHERE seq = 10;")?;
    let (code, out, _) = reconagent(&["audit", "verify", "--db", db]);
    assert_eq!(code, 1);
    assert!(out.contains("BROKEN at entry 10"), "{out}");
    Ok(())
}

fn chrono_today() -> String {
    let out = Command::new("date").args(["-u", "+%Y-%m-%d"]).output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn a_foreign_database_is_refused_with_a_clear_message() -> TestResult {
    let dir = tempfile::tempdir()?;
    let f = dir.path().join("notes.db");
    rusqlite::Connection::open(&f).unwrap().execute_batch("CREATE TABLE x(y)")?;
    let (code, _, err) = reconagent(&["audit", "verify", "--db", f.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("not a Recon Agent database"), "{err}");
    Ok(())
}

#[test]
fn run_with_a_database_records_every_run() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("r.db");
    let db = db.to_str().unwrap();
    let (code, out, err) = reconagent(&["run", "--breaks", "data/sample_breaks.csv", "--db", db, AS_OF]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("400 run(s) recorded"), "{err}");
    assert!(out.contains("400 breaks:"));
    // Again: the 218 breaks waiting for a person (162 HIL_REVIEW, 56 ESCALATE) are not
    // re-decided without being asked; the 182 auto-resolved ones run again.
    let (code, _, err) = reconagent(&["run", "--breaks", "data/sample_breaks.csv", "--db", db, AS_OF]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("182 run(s) recorded") && err.contains("PENDING_REVIEW waits for a person; not re-decided"), "{err}");
    let (code, _, err) = reconagent(&["run", "--breaks", "data/sample_breaks.csv", "--db", db, "--rerun", AS_OF]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("400 run(s) recorded"), "{err}");
    let c = rusqlite::Connection::open(db)?;
    let runs: i64 = c.query_row("SELECT COUNT(*) FROM runs", [], |r| r.get(0)).unwrap();
    let breaks: i64 = c.query_row("SELECT COUNT(*) FROM breaks", [], |r| r.get(0)).unwrap();
    assert_eq!((runs, breaks), (982, 400), "a break can have many runs");
    let (code, _, _) = reconagent(&["audit", "verify", "--db", db]);
    assert_eq!(code, 0);
    Ok(())
}

/// A file row whose break is stored with other contents is reported field by field and not
/// run: the stored 5,000,000 ESCALATED break stays as it is (it became AUTO_RESOLVED from a file
/// that said 1.00 before).
#[test]
fn run_with_a_database_decides_on_what_is_stored() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("r.db");
    let db = db.to_str().unwrap();
    let big = dir.path().join("big.csv");
    let small = dir.path().join("small.csv");
    let header = "break_id,break_type,amount,currency,asset_class,counterparty,detected_at\n";
    std::fs::write(&big, format!("{header}X1,CASH_RECONCILIATION,5000000,USD,CASH,CP-001,2026-11-20T00:00:00Z\n"))?;
    std::fs::write(&small, format!("{header}X1,CASH_RECONCILIATION,1.00,USD,CASH,CP-001,2026-11-20T00:00:00Z\n"))?;
    let (code, out, err) = reconagent(&["run", "--breaks", big.to_str().unwrap(), "--db", db, AS_OF]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ESCALATE"), "{out}");
    let (code, _, err) = reconagent(&["run", "--breaks", small.to_str().unwrap(), "--db", db, AS_OF]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("X1: stored with other contents") && err.contains("amount: stored \"5000000\", file \"1.00\""), "{err}");
    let c = rusqlite::Connection::open(db)?;
    let (status, runs): (String, i64) =
        c.query_row("SELECT status, (SELECT COUNT(*) FROM runs) FROM breaks WHERE break_id = 'X1'", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert_eq!((status.as_str(), runs), ("ESCALATED", 1));
    Ok(())
}

#[test]
fn policy_diff_and_simulate_report_what_a_draft_changes() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("r.db");
    let db = db.to_str().unwrap();
    let draft = dir.path().join("draft.yaml");
    let shipped = std::fs::read_to_string(root().join("policies/routing_policies.yaml"))?;
    // CASH LOW auto-resolves everything: some reviews become automatic.
    std::fs::write(
        &draft,
        shipped.replacen(
            "          when: rules.explained\n          decision: AUTO_RESOLVE\n          confidence: 0.97",
            "          when: \"true\"\n          decision: AUTO_RESOLVE\n          confidence: 0.97",
            1,
        ),
    )?;
    let draft = draft.to_str().unwrap();
    let (code, out, err) = reconagent(&["policy", "diff", "policies/routing_policies.yaml", draft]);
    assert_eq!(code, 1, "files differ: {err}");
    assert!(out.contains("-          when: rules.explained") && out.contains("+          when: \"true\""), "{out}");
    let (code, out, _) = reconagent(&["policy", "diff", draft, draft]);
    assert_eq!((code, out.contains("identical")), (0, true));

    assert_eq!(reconagent(&["import", "--sample", "--db", db]).0, 0);
    let (code, out, err) = reconagent(&["policy", "simulate", "--draft", draft, "--db", db, AS_OF]);
    assert_eq!(code, 1, "risky changes exit 1: {out}{err}");
    assert!(out.contains("400 most recent breaks"), "{out}");
    assert!(out.contains("RISKY BRK-") && out.contains("HIL_REVIEW -> AUTO_RESOLVE"), "{out}");
    assert!(out.lines().any(|l| l.starts_with("CASH_RECONCILIATION    LOW")), "{out}");
    // The shipped file against itself changes nothing.
    let (code, out, _) = reconagent(&["policy", "simulate", "--draft", "policies/routing_policies.yaml", "--db", db, "--limit", "50", AS_OF]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 decision(s) change"), "{out}");
    // A version used by `process` (never saved from the editor) is in the history, so it can be
    // named by its hash prefix.
    assert_eq!(reconagent(&["process", "--db", db, AS_OF]).0, 0);
    let (_, out, _) = reconagent(&["policy", "check", "policies/routing_policies.yaml"]);
    let version = out.split("version ").nth(1).and_then(|v| v.get(..12)).unwrap_or_else(|| panic!("{out}")).to_string();
    let (code, out, err) = reconagent(&["policy", "diff", &version, draft, "--db", db]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("+          when: \"true\""), "{out}");
    Ok(())
}

/// Invariant S1 on the command line: the table names why a break is held, `explain` lists the
/// reasons, a condition that fails at run time is shown (it was only inside the graph JSON), and
/// `policy check` refuses a condition that cannot give true/false, with its line.
#[test]
fn held_breaks_say_why_in_the_table_and_in_explain() -> TestResult {
    let dir = tempfile::tempdir()?;
    let breaks = dir.path().join("b.csv");
    std::fs::write(
        &breaks,
        "break_id,break_type,amount,currency,asset_class,counterparty,internal_amount,external_amount,detected_at\n\
         H1,TRADE_OMS_MISMATCH,1.00,USD,CASH,CP-001,103,100,2026-11-20T00:00:00Z\n\
         H2,TRADE_OMS_MISMATCH,3.00,USD,CASH,CP-001,103,100,2026-11-20T00:00:00Z\n",
    )?;
    let b = breaks.to_str().unwrap();
    let (code, out, err) = reconagent(&["run", "--breaks", b, AS_OF]);
    assert_eq!(code, 0, "{err}");
    let h1 = out.lines().find(|l| l.starts_with("H1")).unwrap();
    assert!(h1.contains("HIL_REVIEW") && h1.contains("held: the break's records are inconsistent"), "{out}");
    let h2 = out.lines().find(|l| l.starts_with("H2")).unwrap();
    assert!(h2.contains("AUTO_RESOLVE") && !h2.contains("held"), "{out}");
    let (_, out, _) = reconagent(&["explain", "H1", "--breaks", b, AS_OF]);
    assert!(out.contains("held for review because (safety invariant S1)") && out.contains("not internal minus external"), "{out}");

    let policy = dir.path().join("p.yaml");
    let text = std::fs::read_to_string(root().join("policies/routing_policies.yaml"))?;
    std::fs::write(&policy, text.replacen("when: rules.explained\n", "when: \"{'HIGH': true}[profile.tier]\"\n", 1))?;
    let (code, out, err) = reconagent(&["run", "--breaks", b, "--policies", policy.to_str().unwrap(), AS_OF]);
    assert_eq!(code, 0, "{err}");
    let h2 = out.lines().find(|l| l.starts_with("H2")).unwrap();
    assert!(h2.contains("HIL_REVIEW") && h2.contains("fail-safe") && h2.contains("checkpoint trade_low_explained could not be evaluated"), "{out}");

    std::fs::write(&policy, text.replacen("when: rules.explained\n", "when: rules.difference_base\n", 1))?;
    let (code, out, _) = reconagent(&["policy", "check", policy.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(out.contains("checkpoints[0].when: the condition gives a number, not true/false"), "{out}");
    Ok(())
}

/// Output paths and read-only commands: the report never replaces the database, its journal, a
/// symlink or a device; an existing report only with --force; `audit verify` and `audit export`
/// on a mistyped path create nothing; `audit export` without dates exports everything.
#[test]
fn exports_refuse_dangerous_paths_and_read_only_commands_create_nothing() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("r.db");
    let dbs = db.to_str().unwrap();
    let (code, _, err) = reconagent(&["import", "--sample", "--db", dbs]);
    assert_eq!(code, 0, "{err}");
    let before = std::fs::read(&db)?;
    let export = |out: &str, extra: &[&str]| {
        let mut args = vec!["audit", "export", "--format", "json", "--db", dbs, "--out", out];
        args.extend_from_slice(extra);
        reconagent(&args)
    };
    for (out, why) in [(dbs.to_string(), "is the database itself"), (format!("{dbs}-wal"), "is the database's journal itself")] {
        let (code, _, err) = export(&out, &[]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(why), "{err}");
    }
    let relative_db = dir.path().join(".").join("r.db");
    let (code, _, err) = export(relative_db.to_str().unwrap(), &["--force"]);
    assert!(code == 2 && err.contains("is the database itself"), "{err}");
    assert_eq!(std::fs::read(&db).unwrap().len(), before.len(), "the database was not replaced");
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&db, &link)?;
    let (code, _, err) = export(link.to_str().unwrap(), &["--force"]);
    assert!(code == 2 && err.contains("is the database itself"), "a link to the database: {err}");
    let (other, link2) = (dir.path().join("other.json"), dir.path().join("link2.json"));
    std::fs::write(&other, "keep")?;
    std::os::unix::fs::symlink(&other, &link2)?;
    let (code, _, err) = export(link2.to_str().unwrap(), &["--force"]);
    assert!(code == 2 && err.contains("symbolic link"), "{err}");
    assert_eq!(std::fs::read_to_string(&other).unwrap(), "keep");
    let (code, _, err) = export("/dev/null", &["--force"]);
    assert!(code == 2 && err.contains("not a regular file"), "{err}");
    let (code, _, err) = export(dir.path().to_str().unwrap(), &[]);
    assert!(code == 2 && err.contains("is a directory"), "{err}");
    assert_eq!(err.matches("is a directory").count(), 1, "said once: {err}");

    // no dates: everything up to today
    let out = dir.path().join("all.json");
    let (code, stdout, err) = export(out.to_str().unwrap(), &[]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("400 breaks"), "{stdout}");
    let (code, _, err) = export(out.to_str().unwrap(), &[]);
    assert!(code == 2 && err.contains("already exists: it is replaced only when asked (--force"), "{err}");
    let (code, _, err) = export(out.to_str().unwrap(), &["--force"]);
    assert_eq!(code, 0, "{err}");

    let missing = dir.path().join("typo.db");
    let (code, _, err) = reconagent(&["audit", "verify", "--db", missing.to_str().unwrap()]);
    assert!(code == 2 && err.contains("no such database file"), "{err}");
    let (code, _, err) =
        reconagent(&["audit", "export", "--format", "csv", "--db", missing.to_str().unwrap(), "--out", dir.path().join("x.csv").to_str().unwrap()]);
    assert!(code == 2 && err.contains("no such database file"), "{err}");
    assert!(!missing.exists(), "nothing was created");
    Ok(())
}

/// Anchoring: a head saved outside the database catches truncation and rewrites that leave a
/// consistent chain and state; a signed JSON report is checked offline.
#[test]
fn a_saved_head_catches_truncation_and_rewrites_and_reports_verify_offline() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("r.db");
    let key = dir.path().join("signing.key");
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_reconagent")).args(args).env("RECONAGENT_KEY", &key).current_dir(root()).output().unwrap();
        (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).to_string(), String::from_utf8_lossy(&out.stderr).to_string())
    };
    let dbs = db.to_str().unwrap();
    assert_eq!(run(&["run", "--breaks", "data/sample_breaks.csv", "--db", dbs, AS_OF]).0, 0);
    let report = dir.path().join("r.json");
    let (code, out, err) = run(&["audit", "export", "--format", "json", "--db", dbs, "--out", report.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("check later: reconagent audit verify --expect"), "{out}");
    let (code, out, _) = run(&["audit", "head", "--db", dbs]);
    assert_eq!(code, 0);
    let head = out.lines().find_map(|l| l.strip_prefix("head ")).unwrap().to_string();
    let public = out.lines().find_map(|l| l.strip_prefix("public key (Ed25519) ")).unwrap().to_string();
    assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    let (code, out, _) = run(&["audit", "verify", "--db", dbs, "--expect", &head]);
    assert_eq!(code, 0, "{out}");

    // the report, offline
    let (code, out, _) = run(&["audit", "verify-report", report.to_str().unwrap()]);
    assert!(code == 0 && out.contains("report intact") && out.contains(&public), "{out}");
    let text = std::fs::read_to_string(&report)?;
    let edited = dir.path().join("edited.json");
    assert!(text.contains("\"status\":\"ESCALATED\""), "canonical, compact JSON");
    std::fs::write(&edited, text.replacen("\"status\":\"ESCALATED\"", "\"status\":\"RESOLVED\"", 1))?;
    let (code, out, _) = run(&["audit", "verify-report", edited.to_str().unwrap()]);
    assert!(code == 1 && out.contains("changed after export"), "{out}");

    // cut the last entry (the export's): chain and state still agree, the saved head does not
    let c = rusqlite::Connection::open(&db)?;
    c.execute_batch("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log);")
        .unwrap();
    drop(c);
    assert_eq!(run(&["audit", "verify", "--db", dbs]).0, 0, "the shorter chain is consistent on its own");
    let (code, out, _) = run(&["audit", "verify", "--db", dbs, "--expect", &head]);
    assert!(code == 1 && out.contains("it was truncated"), "{out}");
    // a rewrite: another entry at that number
    let (code, _, _) = run(&["audit", "export", "--format", "csv", "--db", dbs, "--out", dir.path().join("again.csv").to_str().unwrap()]);
    assert_eq!(code, 0);
    let (code, out, _) = run(&["audit", "verify", "--db", dbs, "--expect", &head]);
    assert!(code == 1 && out.contains("the chain was rewritten"), "{out}");
    Ok(())
}

/// Replacing a stored break is explicit and audited: without --replace the stored one is kept
/// (exit 1, named); with it the old contents are kept in break_versions, the break is NEW
/// again, and verification follows the replacement.
#[test]
fn replacing_a_stored_break_is_explicit_and_keeps_the_old_contents() -> TestResult {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("r.db");
    let dbs = db.to_str().unwrap();
    let header = "break_id,break_type,amount,currency,asset_class,counterparty,detected_at\n";
    let (v1, v2) = (dir.path().join("v1.csv"), dir.path().join("v2.csv"));
    std::fs::write(&v1, format!("{header}X1,CASH_RECONCILIATION,1.00,USD,CASH,CP-001,2026-11-20T00:00:00Z\n"))?;
    std::fs::write(&v2, format!("{header}X1,CASH_RECONCILIATION,5000000,USD,CASH,CP-001,2026-11-20T00:00:00Z\n"))?;
    assert_eq!(reconagent(&["run", "--breaks", v1.to_str().unwrap(), "--db", dbs, AS_OF]).0, 0);
    let (code, _, err) = reconagent(&["import", v2.to_str().unwrap(), "--db", dbs]);
    assert!(code == 1 && err.contains("1 row(s) differ from the stored break with the same id, which was kept: X1"), "{err}");
    let (code, out, err) = reconagent(&["import", v2.to_str().unwrap(), "--db", dbs, "--replace", "ops corrected the amount"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1 stored break(s) replaced"), "{out}");
    let c = rusqlite::Connection::open(&db)?;
    let (status, amount): (String, String) =
        c.query_row("SELECT status, amount FROM breaks WHERE break_id = 'X1'", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert_eq!((status.as_str(), amount.as_str()), ("NEW", "5000000"));
    let (old, was, why): (String, String, String) =
        c.query_row("SELECT data, status, reason FROM break_versions", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap();
    assert!(old.contains("\"amount\":\"1.00\"") && why == "ops corrected the amount", "{old}");
    assert_ne!(was, "NEW");
    drop(c);
    assert_eq!(reconagent(&["audit", "verify", "--db", dbs]).0, 0, "verification follows the replacement");
    let (code, out, _) = reconagent(&["process", "--db", dbs, AS_OF]);
    assert!(code == 0 && out.contains("1 of 1 NEW"), "{out}");
    let (code, out, _) = reconagent(&["audit", "verify", "--db", dbs]);
    assert_eq!(code, 0, "{out}");
    Ok(())
}
