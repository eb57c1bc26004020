//! The store on real SQLite files in temp dirs.

use reconagent_engine::graph::RunMode;
use reconagent_engine::orchestrate::Orchestrator;
use reconagent_engine::sample::{generate, sample_as_of};
use reconagent_engine::DecisionAction;
use reconagent_store::prelude::*;
use reconagent_store::{BreakStatus, HumanAction, QueueFilter, Store, StoreError};
use rusqlite::Connection;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn store_with_runs(dir: &tempfile::TempDir, n: usize) -> (Store, Vec<String>) {
    let store = Store::open(&dir.path().join("recon.db")).expect("a new file opens");
    let orch = Orchestrator::bundled();
    let breaks = generate(3, n, &orch.refdata);
    assert_eq!(store.import_breaks(&breaks, "test").unwrap(), (n, 0));
    store.record_policy(&orch.policies, "bundled").unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let graphs: Vec<_> = breaks.iter().map(|b| rt.block_on(orch.process_break(b, RunMode::V2, sample_as_of()))).collect();
    store.record_runs(&graphs).unwrap();
    (store, breaks.into_iter().map(|b| b.break_id).collect())
}

#[test]
fn runs_are_recorded_with_status_and_a_verifying_chain() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (store, ids) = store_with_runs(&dir, 50);
    let v = store.verify()?;
    assert!(v.ok, "{v:?}");
    assert_eq!(v.entries, 1 + 1 + 50, "import, policy, one per run");
    let runs = store.runs_of(&ids[0])?;
    assert_eq!(runs.len(), 1);
    let (rows, total) = store.queue(&QueueFilter::default())?;
    assert_eq!(total, 50);
    assert!(rows.iter().all(|r| r.status != BreakStatus::New && r.tier.is_some() && r.decision.is_some()));
    let (_, pending) = store.queue(&QueueFilter { status: Some(BreakStatus::PendingReview), ..Default::default() })?;
    assert!(pending > 0);
    Ok(())
}

#[test]
fn import_keeps_existing_breaks_and_search_is_literal() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("recon.db"))?;
    let mut breaks = generate(5, 3, &reconagent_engine::refdata::ReferenceData::bundled());
    breaks[0].break_id = "A%_'; DROP TABLE breaks; --".into();
    assert_eq!(store.import_breaks(&breaks, "a").unwrap(), (3, 0));
    assert_eq!(store.import_breaks(&breaks, "a").unwrap(), (0, 3));
    let (rows, _) = store.queue(&QueueFilter { search: Some("A%_'".into()), ..Default::default() })?;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].break_id, breaks[0].break_id);
    let (rows, _) = store.queue(&QueueFilter { search: Some("%".into()), ..Default::default() })?;
    assert!(rows.is_empty(), "% is matched literally");
    Ok(())
}

#[test]
fn human_actions_follow_the_lifecycle() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (store, _) = store_with_runs(&dir, 80);
    let (pending, _) = store.queue(&QueueFilter { status: Some(BreakStatus::PendingReview), ..Default::default() })?;
    let id = &pending[0].break_id;
    let empty = store.act(id, &HumanAction::Override { decision: DecisionAction::Escalate, reason: "  ".into() });
    assert!(matches!(empty, Err(StoreError::Invalid(_))));
    assert_eq!(store.act(id, &HumanAction::Assign { assignee: "bob".into() }).unwrap(), BreakStatus::PendingReview);
    assert_eq!(
        store.act(id, &HumanAction::Override { decision: DecisionAction::Escalate, reason: "counterparty disputes".into() }).unwrap(),
        BreakStatus::Escalated
    );
    assert_eq!(store.act(id, &HumanAction::Accept).unwrap(), BreakStatus::Resolved);
    let again = store.act(id, &HumanAction::Accept).unwrap_err();
    assert!(again.to_string().contains("is RESOLVED: ACCEPT is not allowed"), "{again}");
    let (rows, _) = store.queue(&QueueFilter { assignee: Some("bob".into()), ..Default::default() })?;
    assert_eq!(rows[0].status, BreakStatus::Resolved);
    // a resolved break takes no new run
    let orch = Orchestrator::bundled();
    let b = store.get_break(id)?;
    let g = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(orch.process_break(&b, RunMode::V2, sample_as_of()));
    assert!(matches!(store.record_runs(&[g]), Err(StoreError::IllegalTransition { .. })));
    assert!(store.verify().unwrap().ok);
    Ok(())
}

/// Tamper with the file through a raw connection that drops the triggers first.
fn tamper(path: &std::path::Path, sql: &str) {
    let c = Connection::open(path).unwrap();
    c.execute_batch("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;").unwrap();
    c.execute_batch(sql).unwrap();
}

#[test]
fn the_triggers_refuse_updates_and_deletes() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (store, _) = store_with_runs(&dir, 3);
    let c = Connection::open(store.path())?;
    assert!(c.execute("UPDATE audit_log SET actor = 'mallory'", []).unwrap_err().to_string().contains("append-only"));
    assert!(c.execute("DELETE FROM audit_log", []).unwrap_err().to_string().contains("append-only"));
    Ok(())
}

#[test]
fn verify_names_an_edited_a_deleted_and_a_reordered_entry() -> TestResult {
    for (case, sql, expect) in [
        ("edited", "UPDATE audit_log SET payload = replace(payload, 'v2', 'v1') WHERE seq = 5", "entry 5"),
        ("deleted", "DELETE FROM audit_log WHERE seq = 4", "entry 5 follows 3"),
        (
            "reordered",
            "UPDATE audit_log SET seq = -1 WHERE seq = 6; UPDATE audit_log SET seq = 6 WHERE seq = 7; UPDATE audit_log SET seq = 7 WHERE seq = -1;",
            "entry 6",
        ),
        ("actor changed", "UPDATE audit_log SET actor = 'mallory' WHERE seq = 3", "entry 3"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = store_with_runs(&dir, 8);
        tamper(store.path(), sql);
        let v = store.verify().unwrap();
        assert!(!v.ok, "{case}: not detected");
        let (seq, why) = v.first_bad.unwrap();
        assert!(format!("entry {seq}: {why}").contains(expect) || why.contains(expect), "{case}: {seq} {why}");
    }
    Ok(())
}

#[test]
fn a_foreign_or_newer_file_is_refused_and_left_unchanged() -> TestResult {
    let dir = tempfile::tempdir()?;
    let foreign = dir.path().join("other.db");
    Connection::open(&foreign).unwrap().execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")?;
    let before = std::fs::read(&foreign)?;
    let e = Store::open(&foreign).err().expect("refused");
    assert!(e.to_string().contains("not a Recon Agent database"), "{e}");
    assert_eq!(std::fs::read(&foreign).unwrap(), before);

    let newer = dir.path().join("newer.db");
    drop(Store::open(&newer).unwrap());
    Connection::open(&newer).unwrap().pragma_update(None, "user_version", 99)?;
    let e = Store::open(&newer).err().expect("refused");
    assert!(e.to_string().contains("written by a newer Recon Agent (schema 99"), "{e}");

    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, vec![0x42u8; 8192])?;
    let before = std::fs::read(&garbage)?;
    assert!(Store::open(&garbage).is_err());
    assert_eq!(std::fs::read(&garbage).unwrap(), before);
    Ok(())
}

#[test]
fn reopening_keeps_everything() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (store, ids) = store_with_runs(&dir, 5);
    let path = store.path().to_path_buf();
    drop(store);
    let store = Store::open(&path)?;
    assert_eq!(store.runs_of(&ids[4]).unwrap().len(), 1);
    assert!(store.verify().unwrap().ok);
    Ok(())
}

#[test]
fn pattern_history_comes_from_the_store() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (store, _) = store_with_runs(&dir, 200);
    let orch = Orchestrator::bundled().with_history(store.history().unwrap());
    let b = generate(3, 200, &orch.refdata).into_iter().next().unwrap();
    let g = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(orch.process_break(&b, RunMode::V1, sample_as_of()));
    let Some(reconagent_engine::agents::AgentOutput::Pattern(p)) = g.node(reconagent_engine::AgentKind::Pattern).output.as_deref() else {
        panic!("v1 runs PATTERN")
    };
    assert!(p.similar_count > 0, "200 breaks over 8 counterparties share some history: {p:?}");
    Ok(())
}

#[test]
fn new_breaks_stream_a_page_at_a_time() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("recon.db"))?;
    let breaks = generate(8, 50, &reconagent_engine::refdata::ReferenceData::bundled());
    store.import_breaks(&breaks, "t")?;
    let streamed: Vec<String> = reconagent_store::backend::stream_with_status(&store, BreakStatus::New, 7).map(|b| b.unwrap().break_id).collect();
    let mut ids: Vec<String> = breaks.iter().map(|b| b.break_id.clone()).collect();
    ids.sort();
    assert_eq!(streamed, ids);
    assert_eq!(store.count_with_status(BreakStatus::New).unwrap(), 50);
    Ok(())
}

/// The old single-query form of the lookup, kept here as the oracle for the fast path.
fn similar_by_sql(store: &Store, q: &reconagent_engine::agents::SimilarQuery) -> (u32, u32, u32) {
    let c = Connection::open(store.path()).unwrap();
    let mut stmt = c
        .prepare(
            "SELECT status, COUNT(*) FROM (
               SELECT * FROM (SELECT break_id, status FROM breaks
                 WHERE break_type = ?1 AND counterparty = ?3 AND status <> 'NEW' AND break_id <> ?2 ORDER BY updated_at DESC LIMIT 50)
               UNION
               SELECT * FROM (SELECT break_id, status FROM breaks
                 WHERE break_type = ?1 AND instrument_id = ?4 AND status <> 'NEW' AND break_id <> ?2 ORDER BY updated_at DESC LIMIT 50)
             ) GROUP BY status",
        )
        .unwrap();
    let mut out = (0, 0, 0); // similar, resolved (by a person or automatically), unresolved
    let rows = stmt
        .query_map(rusqlite::params![q.break_type.as_str(), q.break_id, q.counterparty, q.instrument_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?)))
        .unwrap();
    for r in rows {
        let (status, n) = r.unwrap();
        out.0 += n;
        if matches!(status.as_str(), "AUTO_RESOLVED" | "RESOLVED") {
            out.1 += n;
        } else {
            out.2 += n;
        }
    }
    out
}

#[test]
fn history_lookups_equal_the_sql_oracle_and_see_every_commit() -> TestResult {
    use reconagent_engine::agents::SimilarQuery;
    let dir = tempfile::tempdir()?;
    let (store, ids) = store_with_runs(&dir, 300);
    let history = store.history()?;
    let breaks: Vec<_> = ids.iter().map(|id| store.get_break(id).unwrap()).collect();
    let query = |b: &reconagent_engine::Break| SimilarQuery {
        break_id: b.break_id.clone(),
        break_type: b.break_type.clone(),
        counterparty: b.counterparty.clone(),
        instrument_id: b.instrument_id.clone(),
    };
    let check = |history: &std::sync::Arc<dyn reconagent_engine::agents::HistoryLookup>| {
        for b in &breaks {
            let q = query(b);
            let s = history.similar(&q).unwrap();
            assert_eq!((s.similar_count, s.resolved_count, s.unresolved_count), similar_by_sql(&store, &q), "break {}", b.break_id);
        }
    };
    check(&history);
    // A person resolves a pending break through another connection: the next lookup must see it
    // (the lookup's cache is only valid until another connection commits).
    let pending: Vec<&String> =
        ids.iter().filter(|id| matches!(store.status_of(id).unwrap(), BreakStatus::PendingReview | BreakStatus::Escalated)).take(20).collect();
    assert!(!pending.is_empty());
    for id in pending {
        store.act(id, &HumanAction::Resolve { comment: "checked with the desk".into() }).unwrap();
    }
    check(&history);
    Ok(())
}

#[test]
fn a_corrupt_database_is_refused_with_a_clear_message_and_left_unchanged() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (store, _) = store_with_runs(&dir, 200);
    let good = store.path().to_path_buf();
    drop(store);
    // Checkpoint everything into the main file so that copies of it stand alone.
    Connection::open(&good).unwrap().query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
    let bytes = std::fs::read(&good)?;

    let truncated = dir.path().join("truncated.db");
    std::fs::write(&truncated, &bytes[..bytes.len() / 3])?;
    let random = dir.path().join("random.db");
    let noise: Vec<u8> = (0..200_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    std::fs::write(&random, &noise)?;
    let text = dir.path().join("notes.db");
    std::fs::write(&text, "these are my notes, not a database\n".repeat(100))?;

    for path in [&truncated, &random, &text] {
        let before = std::fs::read(path).unwrap();
        let err = match Store::open(path) {
            Ok(_) => panic!("{} was opened", path.display()),
            Err(e) => e.to_string(),
        };
        assert!(err.contains(&path.display().to_string()), "the message names the file: {err}");
        assert!(err.contains("nothing was changed") || err.contains("cannot open"), "{err}");
        assert_eq!(std::fs::read(path).unwrap(), before, "{} is left as it was", path.display());
    }
    assert!(Store::open(&truncated).err().unwrap().to_string().contains("truncated"));
    Ok(())
}

/// A v1 run is a shadow run: recorded in the break's history and the audit log, never changing
/// its status, decision, tier or latest run, even on a RESOLVED break.
#[test]
fn comparison_runs_never_change_a_breaks_state() -> TestResult {
    use reconagent_engine::graph::RunMode;
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("r.db"))?;
    let orch = reconagent_engine::orchestrate::Orchestrator::bundled();
    let breaks = reconagent_engine::sample::bundled_breaks();
    store.import_breaks(&breaks, "t")?;
    store.record_policy(&orch.policies, "t")?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let as_of = reconagent_engine::sample::sample_as_of();
    let v2: Vec<_> = breaks.iter().map(|b| rt.block_on(orch.process_break(b, RunMode::V2, as_of))).collect();
    store.record_runs(&v2)?;
    let state = |s: &Store| -> Vec<(String, String, Option<String>, Option<i64>)> {
        let c = rusqlite::Connection::open(s.path()).unwrap();
        let mut st = c.prepare("SELECT break_id, status, decision, latest_run_id FROM breaks ORDER BY break_id").unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).unwrap().map(|r| r.unwrap()).collect()
    };
    let before = state(&store);
    assert!(before.iter().any(|b| b.1 == "AUTO_RESOLVED"));
    let v1: Vec<_> = breaks.iter().map(|b| rt.block_on(orch.process_break(b, RunMode::V1, as_of))).collect();
    let ids = store.record_runs(&v1)?;
    assert_eq!(ids.len(), breaks.len());
    assert_eq!(state(&store), before, "v1 changed no status, decision or latest run");
    assert_eq!(store.runs_of(&breaks[0].break_id).unwrap().len(), 2, "the shadow run is in the history");
    let c = rusqlite::Connection::open(store.path())?;
    let shadow: i64 = c.query_row("SELECT COUNT(*) FROM audit_log WHERE kind = 'RUN' AND payload LIKE '%\"shadow\":true%'", [], |r| r.get(0)).unwrap();
    assert_eq!(shadow, breaks.len() as i64);
    assert!(store.verify().unwrap().ok);
    Ok(())
}

/// A file recorded before schema 10 holds its runs' graphs as JSON text and their nodes in
/// `run_nodes`, and each RUN entry's digest covers those rows. Such runs still read and verify,
/// and an edit to one of their node rows, or its deletion, is named.
#[test]
fn runs_recorded_before_schema_10_keep_their_node_rows_and_still_verify() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (store, ids) = store_with_runs(&dir, 10);
    let (run_id, graph) = store.runs_of(&ids[2])?.remove(0);
    let c = Connection::open(store.path())?;
    let blob: Vec<u8> = c.query_row("SELECT graph FROM runs WHERE run_id = ?1", [run_id], |r| r.get(0))?;
    assert_eq!(&blob[..4], b"RAZ1", "a new run's graph is stored compressed");
    let text = serde_json::to_string(&graph)?;
    assert!(blob.len() * 2 < text.len(), "compressed to {} bytes from {}", blob.len(), text.len());
    assert_eq!(c.query_row("SELECT COUNT(*) FROM run_nodes", [], |r| r.get::<_, i64>(0))?, 0, "the graph is the nodes' one home");

    assert_eq!(reconagent_store::sqlite::write_runs_as_schema_9(store.path())?, 10);
    assert_eq!(c.query_row("SELECT COUNT(*) FROM run_nodes", [], |r| r.get::<_, i64>(0))?, 70);
    assert_eq!(c.query_row("SELECT typeof(graph) FROM runs WHERE run_id = ?1", [run_id], |r| r.get::<_, String>(0))?, "text");
    assert_eq!(store.runs_of(&ids[2])?.remove(0).1, graph, "a graph stored as text reads back the same");
    let v = store.verify()?;
    assert!(v.ok, "{:?}", v.first_bad);
    for (what, sql) in [
        ("a node row edited", format!("UPDATE run_nodes SET attempts = attempts + 1 WHERE run_id = {run_id} AND agent = 'RULES'")),
        ("a run's node rows deleted", format!("DELETE FROM run_nodes WHERE run_id = {run_id}")),
    ] {
        let copy = dir.path().join("copy.db");
        c.execute("VACUUM INTO ?1", [copy.to_string_lossy()])?;
        Connection::open(&copy)?.execute_batch(&sql)?;
        let v = Store::open(&copy)?.verify()?;
        assert!(!v.ok && v.first_bad.as_ref().is_some_and(|b| b.1.contains("do not match the digest")), "{what}: {:?}", v.first_bad);
        std::fs::remove_file(&copy)?;
    }
    Ok(())
}

/// `verify` checks the state, not only the log: each edit below keeps the chain intact (or is
/// made with the chain recomputed) and is named.
#[test]
fn verify_names_state_that_disagrees_with_the_log() -> TestResult {
    let cases: &[(&str, &str, &str)] = &[
        ("breaks.status edited", "UPDATE breaks SET status = 'RESOLVED' WHERE break_id = (SELECT MIN(break_id) FROM breaks)", "status RESOLVED, the log says"),
        ("breaks.decision edited", "UPDATE breaks SET decision = 'AUTO_RESOLVE', status = 'AUTO_RESOLVED' WHERE status = 'ESCALATED' AND break_id = (SELECT MIN(break_id) FROM breaks WHERE status = 'ESCALATED')", "the log says ESCALATED"),
        (
            "breaks.work_queue edited",
            "UPDATE breaks SET work_queue = 'recs-triage' WHERE break_id = (SELECT MIN(break_id) FROM breaks WHERE status = 'ESCALATED')",
            "work queue recs-triage, the log says",
        ),
        ("runs.decision edited", "UPDATE runs SET decision = 'AUTO_RESOLVE' WHERE run_id = (SELECT MIN(run_id) FROM runs WHERE decision <> 'AUTO_RESOLVE')", "(edited)"),
        ("a run's graph swapped for another's", "UPDATE runs SET graph = (SELECT graph FROM runs WHERE run_id = 4) WHERE run_id = 3", "do not match the digest"),
        ("a node row added to a run whose graph holds its nodes", "INSERT INTO run_nodes VALUES (3, 'RULES', 'COMPLETED', 0, 1, 0, 1, NULL, NULL)", "do not match the digest"),
        ("a stored graph's length edited", "UPDATE runs SET graph = X'52415A31FFFFFFFF00' WHERE run_id = 3", "cannot be decompressed (it claims 4294967295 bytes"),
        ("a stored graph's block damaged", "UPDATE runs SET graph = X'52415A3110000000F0' WHERE run_id = 3", "cannot be decompressed"),
        ("a stored graph truncated", "UPDATE runs SET graph = substr(graph, 1, length(graph) - 40) WHERE run_id = 3", "cannot be decompressed"),
        ("a stored graph replaced by a number (TEXT affinity keeps it as text)", "UPDATE runs SET graph = 42 WHERE run_id = 3", "do not match the digest"),
        ("a stored graph replaced by other bytes", "UPDATE runs SET graph = X'00112233' WHERE run_id = 3", "neither JSON text nor a compressed graph"),
        ("a run inserted", "INSERT INTO runs SELECT run_id + 1000, break_id, mode, policy_key, policy_version, break_type, tier, decision, confidence, decided_by, early_exit, agents_planned, agents_invoked, wall_us, emulated, started_at, profile, graph, modelled_ms, modelled_cost FROM runs WHERE run_id = 1", "inserted directly"),
        ("the last entries deleted with their runs", "DELETE FROM audit_log WHERE seq > (SELECT MAX(seq) - 3 FROM audit_log); DELETE FROM run_nodes WHERE run_id > (SELECT MAX(run_id) - 3 FROM runs); DELETE FROM run_checkpoints WHERE run_id > (SELECT MAX(run_id) - 3 FROM runs); DELETE FROM runs WHERE run_id > (SELECT MAX(run_id) - 3 FROM runs)", "the log says"),
        ("the last entries deleted, runs kept", "DELETE FROM audit_log WHERE seq > (SELECT MAX(seq) - 3 FROM audit_log)", "runs are stored but"),
        (
            "a break's amount edited",
            "UPDATE breaks SET data = json_set(data, '$.amount', '1.00'), amount = '1.00' WHERE break_id = (SELECT MIN(break_id) FROM breaks)",
            "were edited (an amount",
        ),
        ("a break's counterparty edited in its JSON only", "UPDATE breaks SET data = replace(data, counterparty, 'ACME') WHERE rowid = 7", "were edited (an amount"),
        ("a stored policy text edited", "UPDATE policy_versions SET text = replace(text, 'AUTO_RESOLVE', 'ESCALATE')", "was edited: it no longer hashes to its version"),
        (
            "a break inserted directly",
            "INSERT INTO breaks (break_id, break_type, counterparty, amount, currency, detected_at, instrument_id, data, imported_at, updated_at)
             SELECT 'FORGED', break_type, counterparty, amount, currency, detected_at, instrument_id, data, imported_at, updated_at FROM breaks LIMIT 1",
            "break FORGED is stored but no IMPORT entry records it",
        ),
    ];
    for (what, sql, want) in cases {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = store_with_runs(&dir, 20);
        assert!(store.verify().unwrap().ok);
        tamper(store.path(), &format!("PRAGMA foreign_keys = OFF; {sql}"));
        let v = store.verify().unwrap();
        assert!(!v.ok, "{what}: not detected");
        let why = &v.first_bad.as_ref().unwrap().1;
        assert!(why.contains(want), "{what}: {why}");
    }
    Ok(())
}

/// A replaced break keeps its earlier contents; the log records each version's digest. Editing
/// the contents now, or a kept earlier version, is named; an honest replacement verifies.
#[test]
fn verify_names_edited_contents_of_a_replaced_break() -> TestResult {
    for (what, sql, want) in [
        ("nothing", "", ""),
        ("the contents now", "UPDATE breaks SET data = json_set(data, '$.amount', '2.00') WHERE break_id = 'B'", "were edited since it was last replaced"),
        (
            "a kept version",
            "UPDATE break_versions SET data = json_set(data, '$.amount', '2.00') WHERE version_id = (SELECT MIN(version_id) FROM break_versions)",
            "a kept earlier version's contents were edited",
        ),
        (
            "the first kept version removed",
            "DELETE FROM break_versions WHERE version_id = (SELECT MIN(version_id) FROM break_versions)",
            "replaced versions are kept but",
        ),
        ("who replaced it", "UPDATE break_versions SET replaced_by = 'mallory'", "replaced by `mallory` (the log: `"),
        (
            "why",
            "UPDATE break_versions SET reason = 'the desk head said so' WHERE version_id = (SELECT MAX(version_id) FROM break_versions)",
            "reason `the desk head said so` (the log: `and again`)",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (store, ids) = store_with_runs(&dir, 10);
        let mut b = store.get_break(&ids[2])?;
        b.amount += rust_decimal::Decimal::ONE;
        assert!(store.replace_break(&b, "the source system corrected it")?);
        b.amount += rust_decimal::Decimal::ONE;
        assert!(store.replace_break(&b, "and again")?);
        // More imports after it: the walk by import order must still line up.
        let more = generate(9, 5, &Orchestrator::bundled().refdata)
            .into_iter()
            .map(|mut x| {
                x.break_id = format!("LATE-{}", x.break_id);
                x
            })
            .collect::<Vec<_>>();
        store.import_breaks(&more, "later")?;
        assert!(store.verify()?.ok, "honest replacements and imports verify");
        if sql.is_empty() {
            continue;
        }
        tamper(store.path(), &sql.replace("'B'", &format!("'{}'", ids[2])));
        let v = store.verify()?;
        assert!(!v.ok, "{what}: not noticed");
        let why = &v.first_bad.as_ref().unwrap().1;
        assert!(why.contains(want), "{what}: {why}");
    }
    Ok(())
}

/// The policy history (who saved which rules, when, why) is checked against the log, field by
/// field, for saves and for versions.
#[test]
fn verify_names_an_edited_policy_save_or_version() -> TestResult {
    let cases: &[(&str, &str, &str)] = &[
        ("nothing", "", ""),
        ("a save's author", "UPDATE policy_saves SET author = 'mallory'", "policy save 1 was edited: author `mallory` (the log: `"),
        ("a save's note", "UPDATE policy_saves SET note = 'approved'", "note `approved` (the log: `tighter FX tolerance`)"),
        ("a save's time", "UPDATE policy_saves SET saved_at = '2020-01-01T00:00:00Z'", "time `2020-01-01T00:00:00Z`"),
        ("a save's previous file hash", "UPDATE policy_saves SET previous = 'abc'", "previous `abc` (the log: `0123`)"),
        ("a save deleted", "DELETE FROM policy_saves", "policy saves are recorded in the log but 0 are stored"),
        ("a version's author", "UPDATE policy_versions SET author = 'mallory' WHERE rowid = 1", "was edited: author `mallory`"),
        ("a version re-dated", "UPDATE policy_versions SET saved_at = '2020-01-01T00:00:00Z' WHERE rowid = 1", "no POLICY_SAVED entry records it"),
    ];
    for (what, sql, want) in cases {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = store_with_runs(&dir, 3);
        let mut set = reconagent_engine::policy::PolicySet::bundled();
        let text = format!("{}\n# tighter\n", set.text);
        set = reconagent_engine::policy::PolicySet::load(&text, "routing_policies.yaml").expect("the bundled policies with a comment load");
        store.record_policy_save(&set, "routing_policies.yaml", "tighter FX tolerance", Some("0123"))?;
        assert!(store.verify()?.ok, "an honest save verifies");
        if sql.is_empty() {
            continue;
        }
        tamper(store.path(), &format!("PRAGMA foreign_keys = OFF; {sql}"));
        let v = store.verify()?;
        assert!(!v.ok, "{what}: not noticed");
        let why = &v.first_bad.as_ref().unwrap().1;
        assert!(why.contains(want), "{what}: {why}");
    }
    Ok(())
}

/// A person's action rows are what the History and the reports show: who did it, when, the
/// decision, the reason, the assignee, the comment. Each edited on its own is named by verify,
/// with the entry that records otherwise.
#[test]
fn verify_names_an_edited_human_action() -> TestResult {
    let cases: &[(&str, &str, &str)] = &[
        ("who", "UPDATE actions SET actor = 'mallory' WHERE kind = 'OVERRIDE'", "actor `mallory` (the log: `"),
        ("when", "UPDATE actions SET at = '2020-01-01T00:00:00.000000Z' WHERE kind = 'ASSIGN'", "time 2020-01-01T00:00:00.000000Z (the log: "),
        ("the decision", "UPDATE actions SET decision = 'AUTO_RESOLVE' WHERE kind = 'OVERRIDE'", "decision `AUTO_RESOLVE` (the log: `ESCALATE`)"),
        (
            "the reason",
            "UPDATE actions SET reason = 'approved by the desk head' WHERE kind = 'OVERRIDE'",
            "reason `approved by the desk head` (the log: `counterparty disputes`)",
        ),
        ("the assignee", "UPDATE actions SET assignee = 'nobody' WHERE kind = 'ASSIGN'", "assignee `nobody` (the log: `ann`)"),
        ("the comment", "UPDATE actions SET comment = NULL WHERE kind = 'COMMENT'", "comment none (the log: `seen`)"),
    ];
    for (what, sql, want) in cases {
        let dir = tempfile::tempdir().unwrap();
        let (store, ids) = store_with_runs(&dir, 20);
        let waiting = |s: &Store| s.queue(&QueueFilter { awaiting_review: true, limit: 100, ..Default::default() }).unwrap().0;
        let w = waiting(&store);
        store.act(&w[0].break_id, &HumanAction::Override { decision: DecisionAction::Escalate, reason: "counterparty disputes".into() })?;
        store.act(&ids[0], &HumanAction::Assign { assignee: "ann".into() })?;
        store.act(&ids[1], &HumanAction::Comment { text: "seen".into() })?;
        assert!(store.verify().unwrap().ok);
        tamper(store.path(), sql);
        let v = store.verify().unwrap();
        assert!(!v.ok, "{what}: an edited action row was not noticed");
        let why = &v.first_bad.as_ref().unwrap().1;
        assert!(why.contains("was edited") && why.contains(want), "{what}: {why}");
    }
    Ok(())
}

/// An entry's payload edited and the chain recomputed from it onwards (what a dishonest user
/// with the database and this code could do): the chain verifies, the state check does not.
#[test]
fn a_rewritten_chain_is_caught_by_the_state_check() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (store, _) = store_with_runs(&dir, 10);
    let c = Connection::open(store.path())?;
    c.execute_batch("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;")?;
    let (seq, payload): (i64, String) = c
        .query_row("SELECT seq, payload FROM audit_log WHERE kind = 'RUN' AND payload LIKE '%HIL_REVIEW%' LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    c.execute(
        "UPDATE audit_log SET payload = ?2 WHERE seq = ?1",
        rusqlite::params![seq, payload.replace("HIL_REVIEW", "AUTO_RESOLVE").replace("PENDING_REVIEW", "AUTO_RESOLVED")],
    )?;
    // recompute every hash from there on
    let rows: Vec<(i64, String, String, String, String, String)> = c
        .prepare("SELECT seq, at, kind, actor, subject, payload FROM audit_log WHERE seq >= ?1 ORDER BY seq")
        .unwrap()
        .query_map([seq], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    let mut prev: String = c.query_row("SELECT prev_hash FROM audit_log WHERE seq = ?1", [seq], |r| r.get(0)).unwrap();
    for (s, at, kind, actor, subject, payload) in rows {
        let mut p = [0u8; 32];
        hex::decode_to_slice(&prev, &mut p).unwrap();
        let h = hex::encode(reconagent_store::audit::entry_hash_canonical(&p, s, &at, &kind, &actor, &subject, &payload));
        c.execute("UPDATE audit_log SET prev_hash = ?2, hash = ?3 WHERE seq = ?1", rusqlite::params![s, prev, h]).unwrap();
        prev = h;
    }
    drop(c);
    let v = store.verify()?;
    assert!(!v.ok);
    let why = v.first_bad.unwrap().1;
    assert!(why.contains("the state disagrees with the log") && why.contains("(edited)"), "{why}");
    Ok(())
}
