//! Migrations, aggregates and read models on real files.

use reconagent_engine::graph::{ExecutionGraph, RunMode};
use reconagent_engine::orchestrate::Orchestrator;
use reconagent_engine::sample::{generate, sample_as_of};
use reconagent_store::prelude::*;
use reconagent_store::{EfficiencyFilter, QueueFilter, QueueSort, Store};
use rust_decimal::Decimal;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn recorded(dir: &tempfile::TempDir, n: usize) -> (Store, Vec<ExecutionGraph>, Vec<ExecutionGraph>) {
    let store = Store::open(&dir.path().join("recon.db")).unwrap();
    let orch = Orchestrator::bundled();
    let breaks = generate(21, n, &orch.refdata);
    store.import_breaks(&breaks, "test").unwrap();
    store.record_policy(&orch.policies, "bundled").unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let v1: Vec<_> = breaks.iter().map(|b| rt.block_on(orch.process_break(b, RunMode::V1, sample_as_of()))).collect();
    let v2: Vec<_> = breaks.iter().map(|b| rt.block_on(orch.process_break(b, RunMode::V2, sample_as_of()))).collect();
    store.record_runs(&v1).unwrap();
    store.record_runs(&v2).unwrap();
    (store, v1, v2)
}

#[test]
fn efficiency_matches_the_graphs_it_was_built_from() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (store, v1, v2) = recorded(&dir, 120);
    let e = store.efficiency(&EfficiencyFilter::default())?;
    let runs = |mode: RunMode| e.groups.iter().filter(|g| g.mode == mode).map(|g| g.runs).sum::<u64>();
    assert_eq!((runs(RunMode::V1), runs(RunMode::V2)), (120, 120));
    for g in e.groups.iter().filter(|g| g.mode == RunMode::V1) {
        assert_eq!(g.agents_invoked, 7.0);
        assert_eq!(g.mean_modelled_ms, 2500.0, "v1 takes the seed's 2500 ms");
        assert_eq!(g.mean_modelled_cost, Decimal::new(12, 2), "and costs $0.12");
    }
    let invoked_v2: f64 = e.groups.iter().filter(|g| g.mode == RunMode::V2).map(|g| g.agents_invoked * g.runs as f64).sum();
    assert_eq!(invoked_v2 as usize, v2.iter().map(|g| g.agents_invoked()).sum::<usize>());
    let fired: u64 = e.checkpoints.iter().map(|c| c.fired).sum();
    assert_eq!(fired as usize, v2.iter().filter(|g| g.early_exit().is_some()).count());
    assert!(e.checkpoints.iter().all(|c| c.fired <= c.evaluated));
    assert_eq!(e.per_day.iter().map(|d| d.runs).sum::<u64>(), 240);
    let cash = store.efficiency(&EfficiencyFilter { break_type: Some("CASH_RECONCILIATION".into()), ..Default::default() })?;
    assert!(cash.groups.iter().all(|g| g.break_type == "CASH_RECONCILIATION"));
    let none = store.efficiency(&EfficiencyFilter { to: Some("2001-01-01".into()), ..Default::default() })?;
    assert!(none.groups.is_empty());
    let _ = v1;
    Ok(())
}

#[test]
fn opening_a_version_1_file_upgrades_it_and_backfills() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (store, _, v2) = recorded(&dir, 30);
    let path = store.path().to_path_buf();
    // A few actions, for schema 7's rollup of each person's actions.
    let waiting = store.queue(&reconagent_store::QueueFilter { awaiting_review: true, limit: 3, ..Default::default() })?.0;
    store.act(&waiting[0].break_id, &reconagent_store::HumanAction::Comment { text: "seen".into() })?;
    store.act(&waiting[1].break_id, &reconagent_store::HumanAction::Accept)?;
    let desk = store.desk(&EfficiencyFilter::default(), "9999-01-01T00:00:00Z")?;
    assert_eq!(desk.people.iter().map(|p| p.total).sum::<u32>(), 2);
    // Runs as a build before schema 10 wrote them (graphs as JSON text, node rows), as a version 1
    // file holds them.
    assert!(reconagent_store::sqlite::write_runs_as_schema_9(&path)? > 0);
    let head = store.verify().unwrap().head;
    let dashboard = store.efficiency(&EfficiencyFilter::default())?;
    drop(store);
    let modelled = |c: &rusqlite::Connection| -> Vec<(i64, i64, String)> {
        let mut stmt = c.prepare("SELECT run_id, modelled_ms, modelled_cost FROM runs ORDER BY run_id").unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
    };
    // Turn the file back into what version 1 wrote.
    let c = rusqlite::Connection::open(&path)?;
    let recorded = modelled(&c);
    assert!(recorded.iter().any(|r| r.1 == 2500) && recorded.iter().any(|r| r.1 < 2500), "v1 and v2 runs: {recorded:?}");
    c.execute_batch(
        "DROP TABLE break_counts; DROP TABLE run_rollup; DROP TABLE checkpoint_rollup; DROP TABLE verified_heads; DROP INDEX audit_kind; DROP INDEX breaks_by_detected; DROP INDEX breaks_by_counterparty; DROP INDEX breaks_by_sla; DROP INDEX breaks_by_tier; DROP INDEX breaks_by_status; DROP INDEX breaks_by_priority; DROP INDEX breaks_review; DROP INDEX breaks_id_lower; CREATE INDEX breaks_status ON breaks(status, break_type, tier); CREATE INDEX breaks_counterparty ON breaks(counterparty); CREATE INDEX breaks_detected ON breaks(detected_at);
         DROP TABLE run_checkpoints; ALTER TABLE runs DROP COLUMN modelled_ms; ALTER TABLE runs DROP COLUMN modelled_cost;
         DROP INDEX breaks_similar_counterparty; DROP INDEX breaks_similar_instrument; ALTER TABLE breaks DROP COLUMN instrument_id;
         CREATE INDEX runs_type_tier ON runs(mode, break_type, tier); DROP TABLE policy_saves; DROP TABLE claims; DROP TABLE break_versions;
         DROP INDEX audit_subject; DROP INDEX breaks_waiting_sla; DROP TABLE action_rollup; DROP INDEX breaks_by_type; DROP INDEX breaks_by_decision; DROP INDEX breaks_by_assignee; DROP INDEX breaks_queue_review; ALTER TABLE breaks DROP COLUMN work_queue;
         PRAGMA user_version = 1;",
    )?;
    drop(c);
    let store = Store::open(&path)?;
    let c = rusqlite::Connection::open(&path)?;
    let version: i64 = c.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(version, reconagent_store::SCHEMA_VERSION);
    let missing: i64 = c.query_row("SELECT COUNT(*) FROM runs WHERE modelled_ms IS NULL OR modelled_cost IS NULL", [], |r| r.get(0)).unwrap();
    assert_eq!(missing, 0);
    // Migration 2's SQL computes the same figures the engine computed when each run was recorded.
    assert_eq!(modelled(&c), recorded, "backfilled modelled time and cost equal the engine's");
    let cps: i64 = c.query_row("SELECT COUNT(*) FROM run_checkpoints", [], |r| r.get(0)).unwrap();
    let evaluated: usize = v2.iter().map(|g| g.checkpoints.len()).sum();
    assert_eq!(cps as usize, evaluated);
    assert_eq!(store.verify().unwrap().head, head, "the audit log is untouched by the upgrade");
    let no_instrument: i64 =
        c.query_row("SELECT COUNT(*) FROM breaks WHERE instrument_id IS NULL AND json_extract(data, '$.instrument_id') IS NOT NULL", [], |r| r.get(0)).unwrap();
    assert_eq!(no_instrument, 0, "instrument ids backfilled for PATTERN's index");
    // Version 3: PATTERN's indexes cover only processed breaks; unused run indexes are gone.
    let partial: i64 = c
        .query_row("SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'breaks_similar_%' AND sql LIKE '%WHERE status <> ''NEW''%'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(partial, 2);
    let unused: i64 = c.query_row("SELECT COUNT(*) FROM sqlite_master WHERE name IN ('runs_type_tier', 'run_checkpoints_id')", [], |r| r.get(0)).unwrap();
    assert_eq!(unused, 0);
    // Version 5: the dashboard's rollups are filled from the runs already there.
    assert_eq!(store.efficiency(&EfficiencyFilter::default())?, dashboard, "the rollups equal what recording the runs kept");
    // Version 7: each person's actions are rolled up from the actions already there.
    assert_eq!(store.desk(&EfficiencyFilter::default(), "9999-01-01T00:00:00Z")?, desk, "the desk equals what recording the actions kept");
    Ok(())
}

#[test]
fn the_queue_sorts_filters_by_age_and_pages() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (store, _, _) = recorded(&dir, 80);
    let page = |f: QueueFilter| store.queue(&f).unwrap();
    let (rows, total) = page(QueueFilter { limit: 10, offset: 10, sort: Some(QueueSort::Tier), descending: true, ..Default::default() });
    assert_eq!((rows.len(), total), (10, 80));
    let (all, _) = page(QueueFilter { limit: 80, sort: Some(QueueSort::Tier), descending: true, ..Default::default() });
    assert!(all.iter().all(|r| r.tier.is_some()));
    assert!(all.windows(2).all(|w| w[0].tier >= w[1].tier), "sorted by tier, CRITICAL first");
    assert_eq!(rows, all[10..20].to_vec());
    // The sample breaks were detected in November 2026, so from today they are all some days old.
    let (_, old) = page(QueueFilter { min_age_days: Some(1), ..Default::default() });
    let (_, fresh) = page(QueueFilter { max_age_days: Some(0), ..Default::default() });
    assert_eq!(old, 80);
    assert_eq!(fresh, 0);
    Ok(())
}

/// The review list: breaks waiting for a person, most severe first, then the soonest SLA deadline.
#[test]
fn the_review_order_is_tier_then_sla_deadline_over_both_waiting_statuses() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (store, _, _) = recorded(&dir, 80);
    let waiting = BreakStatus::AWAITING_REVIEW.to_vec();
    let (rows, total) = store.queue(&QueueFilter { awaiting_review: true, sort: Some(QueueSort::Priority), limit: 80, ..Default::default() })?;
    let count = |s: BreakStatus| store.queue(&QueueFilter { status: Some(s), ..Default::default() }).unwrap().1;
    assert_eq!(total, count(BreakStatus::PendingReview) + count(BreakStatus::Escalated));
    assert!(total > 10 && rows.len() as u64 == total, "the sample has breaks of both statuses: {total}");
    assert!(rows.iter().all(|r| waiting.contains(&r.status)));
    for w in rows.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        assert!(a.tier.is_some() && a.tier >= b.tier, "{} before {}", a.break_id, b.break_id);
        if a.tier == b.tier {
            let key = |r: &reconagent_store::BreakRow| (r.sla_deadline.is_none(), r.sla_deadline.clone());
            assert!(key(a) <= key(b), "same tier: sooner deadline first ({:?} before {:?})", a.sla_deadline, b.sla_deadline);
        }
    }
    // Paging the same order gives the same rows.
    let (second, _) = store.queue(&QueueFilter { awaiting_review: true, sort: Some(QueueSort::Priority), limit: 5, offset: 5, ..Default::default() })?;
    assert_eq!(second, rows[5..10].to_vec());
    Ok(())
}

#[test]
fn audit_entries_by_kind_and_period() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (store, _, _) = recorded(&dir, 10);
    let runs = store.audit_entries(&reconagent_store::AuditQuery { kind: Some(reconagent_store::EventKind::Run), limit: 1000, ..Default::default() })?;
    assert_eq!(runs.len(), 20);
    assert!(runs.windows(2).all(|w| w[0].seq > w[1].seq), "newest first");
    let imports = store.audit_entries(&reconagent_store::AuditQuery { kind: Some(reconagent_store::EventKind::Import), limit: 1000, ..Default::default() })?;
    assert_eq!(imports.len(), 1);
    assert!(store
        .audit_entries(&reconagent_store::AuditQuery { from: Some("2001-01-01".into()), to: Some("2001-12-31".into()), limit: 1000, ..Default::default() })
        .unwrap()
        .is_empty());
    Ok(())
}

/// Every sort the queue offers, both ways, from the start and after a cursor, the review list,
/// a status filter and the search read an index range in order: no temporary sort, whatever
/// the number of breaks. The sort keys are the indexes' own text, and their tier ranks follow
/// `RiskTier::ALL`.
#[test]
fn every_queue_page_reads_an_index_in_order() -> TestResult {
    use reconagent_store::{QueueCursor, SqliteStore};
    let dir = tempfile::tempdir()?;
    let (store, _, _) = recorded(&dir, 1500);
    store.optimize()?;
    let schema: String =
        rusqlite::Connection::open(store.path())?.query_row("SELECT group_concat(sql, ' ') FROM sqlite_master WHERE type = 'index'", [], |r| r.get(0))?;
    let sorts = [
        QueueSort::BreakId,
        QueueSort::DetectedAt,
        QueueSort::Tier,
        QueueSort::Status,
        QueueSort::SlaDeadline,
        QueueSort::Counterparty,
        QueueSort::BreakType,
        QueueSort::Decision,
        QueueSort::Assignee,
        QueueSort::Priority,
    ];
    for sort in sorts {
        assert!(sort == QueueSort::BreakId || schema.contains(&format!("({}, break_id)", SqliteStore::sort_key(sort))), "{sort:?} has an index");
        for descending in [false, true] {
            for after in [None, Some(QueueCursor { key: "2".into(), break_id: "BRK-0001".into() })] {
                let cursor = after.is_some();
                let f = QueueFilter { sort: Some(sort), descending, after, ..Default::default() };
                let p = store.queue_plan(&f)?;
                assert!(!p.contains("TEMP B-TREE") && p.contains("USING"), "{f:?}: {p}");
                // After a cursor every query seeks into its index (a scan would start at the top).
                assert!(!cursor || !p.contains("SCAN"), "{f:?}: {p}");
            }
        }
    }
    let review = QueueFilter { awaiting_review: true, sort: Some(QueueSort::Priority), ..Default::default() };
    let p = store.queue_plan(&review)?;
    assert!(p.contains("breaks_review") && !p.contains("TEMP B-TREE"), "{p}");
    let by_status = QueueFilter { status: Some(BreakStatus::PendingReview), tier: Some(reconagent_engine::RiskTier::High), ..Default::default() };
    let p = store.queue_plan(&by_status)?;
    assert!(p.contains("breaks_by_status (status=?)") && !p.contains("TEMP B-TREE"), "{p}");
    let p = store.queue_plan(&QueueFilter { search: Some("brk-00".into()), ..Default::default() })?;
    assert!(p.contains("breaks_id_lower") && p.contains("breaks_by_counterparty"), "{p}");
    // Tier ranks in the keys follow RiskTier::ALL (LOW first; CRITICAL first for priority).
    for (i, t) in reconagent_engine::RiskTier::ALL.iter().enumerate() {
        assert!(SqliteStore::sort_key(QueueSort::Tier).contains(&format!("WHEN '{}' THEN '{}'", t.as_str(), i + 1)));
        assert!(SqliteStore::sort_key(QueueSort::Priority).contains(&format!("WHEN '{}' THEN '{}'", t.as_str(), 3 - i)));
    }
    Ok(())
}

/// Verification from a checkpoint still catches an edit after it; an edit before it is caught
/// by the full verification; a forged head (not signed by this installation) is not trusted,
/// and the check falls back to a full one.
#[test]
fn verification_from_a_checkpoint_is_not_fooled() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (store, _, _) = recorded(&dir, 10);
    assert!(store.verify()?.ok);
    store.import_breaks(&generate(99, 3, &Orchestrator::bundled().refdata), "later")?;
    let last: i64 = rusqlite::Connection::open(store.path())?.query_row("SELECT MAX(seq) FROM audit_log", [], |r| r.get(0))?;
    let c = rusqlite::Connection::open(store.path())?;
    c.execute_batch(&format!("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'mallory' WHERE seq = {last};"))?;
    let v = store.verify_since_checkpoint()?;
    assert!(!v.ok && v.first_bad.as_ref().is_some_and(|b| b.0 == last), "{v:?}");
    // Undo, then forge a head at the end: its signature is not this installation's.
    c.execute_batch(&format!("UPDATE audit_log SET actor = (SELECT actor FROM audit_log WHERE seq = 1) WHERE seq = {last};"))?;
    assert!(store.verify_since_checkpoint()?.ok);
    // An edit before the verified head is the full verification's to find (that is what it
    // is for); with only a forged head (not signed by this installation) the check is full.
    c.execute_batch("UPDATE audit_log SET subject = 'edited' WHERE seq = 2; DELETE FROM verified_heads;")?;
    c.execute("INSERT INTO verified_heads (seq, hash, verified_at, verified_by, public_key, signature) SELECT MAX(seq), hash, 'now', 'mallory', 'ab', 'cd' FROM audit_log", [])?;
    let v = store.verify_since_checkpoint()?;
    assert!(!v.ok && v.first_bad.as_ref().is_some_and(|b| b.0 == 2), "a forged head is ignored: {v:?}");
    Ok(())
}

/// The counters are kept by the code that writes breaks (schema 6), so every kind of write must
/// move them: imports (with ids already present), v2 runs and v1 comparisons, every human
/// action, replacements, in a seeded random order. After each step they equal a full count.
#[test]
fn the_counters_equal_a_full_count_after_every_kind_of_write() -> TestResult {
    use reconagent_engine::DecisionAction;
    use reconagent_store::HumanAction;
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("counts.db"))?;
    let path = store.path().to_path_buf();
    let orch = Orchestrator::bundled();
    store.record_policy(&orch.policies, "bundled")?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let all = generate(77, 60, &orch.refdata);
    let full_count = || -> Vec<(String, String, String, String, i64)> {
        let c = rusqlite::Connection::open(&path).unwrap();
        let mut stmt = c
            .prepare("SELECT break_type, status, COALESCE(tier, ''), COALESCE(decision, ''), COUNT(*) FROM breaks GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))).unwrap().map(Result::unwrap).collect()
    };
    let counters = || -> Vec<(String, String, String, String, i64)> {
        let c = rusqlite::Connection::open(&path).unwrap();
        let mut stmt = c.prepare("SELECT break_type, status, tier, decision, n FROM break_counts WHERE n <> 0 ORDER BY 1, 2, 3, 4").unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))).unwrap().map(Result::unwrap).collect()
    };
    // A small seeded generator: the same steps on every run, many kinds of them.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let mut imported = 0;
    for step in 0..120 {
        let what = next(7);
        let pick = &all[next(imported.max(1))];
        let result: Result<(), reconagent_store::StoreError> = match what {
            0 => {
                // An import of the next few breaks and some already present.
                let to = (imported + 1 + next(8)).min(all.len());
                let from = imported.saturating_sub(next(3));
                store.import_breaks(&all[from..to], "test").map(|_| imported = to)
            }
            1 | 2 => {
                let mode = if what == 1 { RunMode::V2 } else { RunMode::V1 };
                let g = rt.block_on(orch.process_break(pick, mode, sample_as_of()));
                store.record_runs(&[g]).map(|_| ())
            }
            3 => store.act(&pick.break_id, &HumanAction::Accept).map(|_| ()),
            4 => store.act(&pick.break_id, &HumanAction::Override { decision: DecisionAction::Escalate, reason: "counted".into() }).map(|_| ()),
            5 => store.act(&pick.break_id, &HumanAction::Resolve { comment: "closed".into() }).map(|_| ()),
            _ => {
                let mut changed = pick.clone();
                use reconagent_engine::BreakType;
                changed.break_type =
                    if changed.break_type == BreakType::CashReconciliation { BreakType::PnlReconciliation } else { BreakType::CashReconciliation };
                store.replace_break(&changed, "the source system corrected it").map(|_| ())
            }
        };
        // Refused writes (a break not imported yet, an action its status does not allow) must
        // leave the counters as they were, like everything else they wrote.
        if let Err(e) = &result {
            assert!(matches!(e, reconagent_store::StoreError::NoSuchBreak(_) | reconagent_store::StoreError::IllegalTransition { .. }), "step {step}: {e}");
        }
        assert_eq!(counters(), full_count(), "after step {step} (kind {what})");
    }
    assert!(imported > 30, "the walk imported most breaks: {imported}");
    Ok(())
}
