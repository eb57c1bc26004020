//! Roles on the team database, through the store itself: each person logs in as their own
//! role, may do what the role is for and nothing else, and is recorded as the session user in
//! every row and entry. The refusals come from PostgreSQL (SQLSTATE 42501), not from the client.

mod support;

use reconagent_engine::graph::RunMode;
use reconagent_engine::orchestrate::Orchestrator;
use reconagent_engine::sample::{generate, sample_as_of};
use reconagent_engine::DecisionAction;
use reconagent_store::export::ReportQuery;
use reconagent_store::postgres::PgStore;
use reconagent_store::prelude::*;
use reconagent_store::{AuditQuery, QueueFilter, StoreError};
use support::pg::PgCluster;

type R = Result<(), Box<dyn std::error::Error>>;

#[track_caller]
fn refused<T: std::fmt::Debug>(r: Result<T, StoreError>) {
    match r {
        Err(StoreError::Team { code, message }) => assert_eq!(code.as_deref(), Some("42501"), "{message}"),
        other => panic!("expected a refusal by the database, got {other:?}"),
    }
}

#[test]
fn each_role_does_what_it_is_for_and_nothing_else() -> R {
    let pg = PgCluster::team();
    let as_ = |who: &str| PgStore::connect(&pg.url(who)).unwrap();
    let (alice, bob, carol, worker, paula) = (as_("alice"), as_("bob"), as_("carol"), as_("worker"), as_("paula"));
    assert_eq!(alice.actor(), "alice", "the actor is the session user");

    // The processor imports and runs.
    let orch = Orchestrator::bundled();
    let breaks = generate(7, 40, &orch.refdata);
    worker.import_breaks(&breaks, "feed.csv")?;
    worker.record_policy(&orch.policies, "in force")?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let graphs: Vec<_> = breaks.iter().map(|b| rt.block_on(orch.process_break(b, RunMode::V2, sample_as_of()))).collect();
    worker.record_runs(&graphs)?;
    // Breaks waiting for a person that one person may close (four eyes has its own tests).
    let alone = |g: &&reconagent_engine::graph::ExecutionGraph| {
        let p = &g.profile;
        orch.policies.authority.second_approver_because(p.break_type.as_str(), p.tier, p.exposure, &p.base_currency).is_none()
    };
    let waiting: Vec<_> = graphs.iter().filter(|g| g.decision.action != DecisionAction::AutoResolve).filter(alone).map(|g| g.break_id.clone()).collect();
    assert!(waiting.len() >= 2, "breaks for people to act on");
    // ...and may not act on breaks or save policies.
    refused(worker.act(&waiting[0], &HumanAction::Accept));
    refused(worker.record_policy_save(&orch.policies, "routing_policies.yaml", "mine", None));

    // A reviewer and an approver act; the reviewer may not save policies.
    assert_eq!(alice.act(&waiting[0], &HumanAction::Comment { text: "looking".into() })?, alice.status_of(&waiting[0])?);
    assert_eq!(alice.act(&waiting[0], &HumanAction::Accept)?, BreakStatus::Resolved);
    assert_eq!(bob.act(&waiting[1], &HumanAction::Accept)?, BreakStatus::Resolved);
    // A forged UNDO, called directly: of someone else's accept it is refused; of one's own, the
    // database restores what the record says, whatever decision the caller names.
    let mut raw = postgres::Client::connect(&pg.url("alice"), postgres::NoTls)?;
    let forged = r#"{"decision":"AUTO_RESOLVE","kind":"UNDO","undone":"anything"}"#;
    let e = raw.query_one("SELECT recon.act($1, $2)", &[&waiting[1], &forged]).expect_err("bob's accept");
    assert_eq!(e.code().map(|c| c.code()), Some("RA422"), "{e:?}");
    assert_eq!(bob.status_of(&waiting[1])?, BreakStatus::Resolved, "bob's accept stands");
    raw.query_one("SELECT recon.act($1, $2)", &[&waiting[0], &forged])?;
    let undone = alice.actions_of(&waiting[0])?.pop().ok_or("the undo is recorded")?;
    let restored = alice.break_row(&waiting[0])?;
    assert_eq!(undone.kind, "UNDO");
    assert!(undone.comment.as_deref().is_some_and(|c| c.starts_with("ACCEPT at ")), "{undone:?}");
    assert_ne!(restored.decision, Some(DecisionAction::AutoResolve), "the caller's decision is ignored");
    assert_eq!(restored.status, BreakStatus::from_decision(restored.decision.ok_or("a decision")?));
    assert_eq!(alice.act(&waiting[0], &HumanAction::Accept)?, BreakStatus::Resolved);
    refused(alice.record_policy_save(&orch.policies, "routing_policies.yaml", "mine", None));
    refused(bob.import_breaks(&breaks[..1], "bob's file"));

    // The policy admin proposes policy changes (another approves them: team_policy.rs), and
    // may not act on breaks.
    let proposal = paula.propose_policy(&orch.policies, "routing_policies.yaml", "tolerances reviewed", None)?;
    assert_eq!(proposal.author, "paula");
    refused(alice.propose_policy(&orch.policies, "routing_policies.yaml", "mine", None));
    refused(paula.act(&waiting[1], &HumanAction::Comment { text: "x".into() }));

    // The auditor reads, reports and exports, and changes nothing.
    assert_eq!(carol.queue_count(&QueueFilter::default())?, 40);
    let today = chrono::Utc::now().date_naive();
    assert!(carol.report(&ReportQuery { from: today, to: today, break_type: None })?.chain.ok);
    carol.record_export("/tmp/audit.json", &serde_json::json!({"format": "json"}))?;
    refused(carol.import_breaks(&breaks[..1], "carol's file"));
    refused(carol.act(&waiting[1], &HumanAction::Comment { text: "x".into() }));
    refused(carol.record_runs(&graphs[..1]));
    refused(carol.claim(&[breaks[0].break_id.clone()], false));
    refused(carol.record_policy(&orch.policies, "x"));

    // Breaks are assigned to the team's people and groups only (eve has no team role).
    assert_eq!(carol.people()?, ["alice", "bob", "carol", "paula", "worker"]);
    alice.act(&waiting[1], &HumanAction::Assign { assignee: "bob".into() })?;
    assert!(
        matches!(alice.act(&waiting[1], &HumanAction::Assign { assignee: "eve".into() }), Err(StoreError::Invalid(ref m)) if m == "`eve` is not one of this team's people or groups")
    );

    // Someone with no team role cannot even open the store.
    assert!(PgStore::connect(&pg.url("eve")).is_err());

    // Who did what, as the database recorded it.
    let actors: Vec<(String, String)> =
        carol.audit_entries(&AuditQuery { limit: 100, ..Default::default() })?.into_iter().rev().map(|e| (e.kind, e.actor)).collect();
    let expect = [
        ("IMPORT", "worker"),
        ("POLICY_SAVED", "worker"),
        ("HUMAN_ACTION", "alice"),
        ("HUMAN_ACTION", "alice"),
        ("HUMAN_ACTION", "bob"),
        ("HUMAN_ACTION", "alice"),
        ("HUMAN_ACTION", "alice"),
        ("POLICY_PROPOSAL", "paula"),
        ("EXPORT_MADE", "carol"),
        ("HUMAN_ACTION", "alice"),
    ];
    let without_runs: Vec<(String, String)> = actors.iter().filter(|(k, _)| k != "RUN").cloned().collect();
    assert_eq!(without_runs, expect.map(|(k, a)| (k.to_string(), a.to_string())).to_vec());
    assert!(actors.iter().filter(|(k, _)| k == "RUN").all(|(_, a)| a == "worker"));
    assert_eq!(alice.actions_of(&waiting[0])?.iter().map(|a| a.kind.as_str()).collect::<Vec<_>>(), ["COMMENT", "ACCEPT", "UNDO", "ACCEPT"]);
    assert!(alice.actions_of(&waiting[0])?.iter().all(|a| a.actor == "alice"));
    assert!(carol.verify()?.ok);

    // "Mine and my groups": alice and the group she is in; the queue filters on them.
    pg.admin().batch_execute("CREATE ROLE fx_desk NOLOGIN IN ROLE recon_reviewer; GRANT fx_desk TO alice")?;
    assert_eq!(alice.mine()?, ["alice", "fx_desk"]);
    assert_eq!(bob.mine()?, ["bob"]);
    let open: Vec<_> = waiting.iter().filter(|id| alice.status_of(id).is_ok_and(|s| s != BreakStatus::Resolved)).collect();
    let id = open.first().ok_or("a break still waiting")?;
    alice.act(id, &HumanAction::Assign { assignee: "fx_desk".into() })?;
    let mine = alice.queue(&QueueFilter { assignee_in: alice.mine()?, limit: 100, ..Default::default() })?.0;
    assert_eq!(mine.iter().map(|r| r.break_id.as_str()).collect::<Vec<_>>(), [id.as_str()]);
    let bobs = bob.queue(&QueueFilter { assignee_in: bob.mine()?, limit: 100, ..Default::default() })?.0;
    assert!(bobs.iter().all(|r| r.assignee.as_deref() == Some("bob")), "{bobs:?}");
    Ok(())
}

#[test]
fn the_lifecycle_is_enforced_by_the_database_not_only_by_the_client() -> R {
    let pg = PgCluster::team();
    let worker = PgStore::connect(&pg.url("worker"))?;
    let breaks = generate(9, 3, &Orchestrator::bundled().refdata);
    worker.import_breaks(&breaks, "feed.csv")?;
    // A reviewer calling the function directly, past the client's checks: accepting a NEW break,
    // an override without a reason, an action the lifecycle does not know.
    let mut alice = postgres::Client::connect(&pg.url("alice"), postgres::NoTls)?;
    let id = &breaks[0].break_id;
    for (action, code) in
        [(r#"{"kind":"ACCEPT"}"#, "RA409"), (r#"{"decision":"AUTO_RESOLVE","kind":"OVERRIDE","reason":" "}"#, "RA422"), (r#"{"kind":"DELETE"}"#, "RA422")]
    {
        let e = alice.query_one("SELECT recon.act($1, $2)", &[id, &action]).expect_err(action);
        assert_eq!(e.code().map(|c| c.code()), Some(code), "{action}: {e:?}");
    }
    let e = alice.query_one("SELECT recon.act($1, $2)", &[&"NOPE", &r#"{"kind":"ACCEPT"}"#]).expect_err("no such break");
    assert_eq!(e.code().map(|c| c.code()), Some("RA404"));
    // Through the store the same refusals are the store's own errors.
    let store = PgStore::connect(&pg.url("alice"))?;
    assert!(matches!(store.act(id, &HumanAction::Accept), Err(StoreError::IllegalTransition { ref from, .. }) if from == "NEW"));
    assert!(matches!(store.act("NOPE", &HumanAction::Accept), Err(StoreError::NoSuchBreak(ref b)) if b == "NOPE"));
    assert_eq!(store.status_of(id)?, BreakStatus::New, "nothing changed");
    assert_eq!(store.audit_entries(&AuditQuery { limit: 10, ..Default::default() })?.len(), 1, "only the import");
    Ok(())
}

/// Decision safety in the database: whoever holds the processor role cannot record an
/// AUTO_RESOLVE that the engine would have sent to a person. Forged runs (a CRITICAL break
/// closed, a failed agent ignored, a hold dropped, a never-auto-resolved type closed) are each
/// refused with the reason; a v1 comparison run, which closes nothing, is recorded.
#[test]
fn a_forged_auto_resolve_is_refused_by_the_database() -> R {
    use reconagent_engine::graph::NodeStatus;
    let pg = PgCluster::team();
    let worker = PgStore::connect(&pg.url("worker"))?;
    let orch = Orchestrator::bundled();
    let breaks = generate(11, 200, &orch.refdata);
    worker.import_breaks(&breaks, "feed.csv")?;
    worker.record_policy(&orch.policies, "in force")?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let graphs: Vec<_> = breaks.iter().map(|b| rt.block_on(orch.process_break(b, RunMode::V2, sample_as_of()))).collect();
    let closed = |mut g: reconagent_engine::graph::ExecutionGraph| {
        g.decision.action = DecisionAction::AutoResolve;
        g
    };
    let find = |f: &dyn Fn(&reconagent_engine::graph::ExecutionGraph) -> bool| graphs.iter().find(|g| f(g)).cloned().expect("such a break in the sample");
    let critical = closed(find(&|g| g.profile.tier == reconagent_engine::RiskTier::Critical));
    let mut failed = find(&|g| g.decision.action == DecisionAction::AutoResolve);
    failed.nodes[0].status = NodeStatus::Failed;
    let mut held = find(&|g| g.decision.action == DecisionAction::AutoResolve && g.break_id != failed.break_id);
    held.decision.holds.push(reconagent_engine::SafetyHold::RecordsInconsistent { issues: vec!["the two sides name different trades".into()] });
    // The policy raises REGULATORY_DATA to at least HIGH; lowered here so only its type stops it.
    let mut regulatory = closed(find(&|g| g.profile.break_type.as_str() == "REGULATORY_DATA"));
    regulatory.profile.tier = reconagent_engine::RiskTier::Low;
    for (forged, why) in [
        (critical.clone(), "is above the auto-resolve limit MEDIUM"),
        (failed, "an agent failed"),
        (held, "must be held for a person"),
        (regulatory, "REGULATORY_DATA is never auto-resolved"),
    ] {
        match worker.record_runs(&[forged]) {
            Err(StoreError::Invalid(m)) => assert!(m.starts_with("an AUTO_RESOLVE of break ") && m.contains(why), "{m}"),
            other => panic!("a forged AUTO_RESOLVE ({why}) was not refused: {other:?}"),
        }
    }
    assert!(worker.runs_of(&critical.break_id)?.is_empty(), "nothing half-written");
    // One forged run among genuine ones refuses the whole chunk: none of it is written.
    let mut chunk: Vec<_> = graphs.iter().filter(|g| g.break_id != critical.break_id).take(50).cloned().collect();
    chunk.push(critical.clone());
    match worker.record_runs(&chunk) {
        Err(StoreError::Invalid(m)) => assert!(m.contains(&critical.break_id) && m.contains("auto-resolve limit"), "{m}"),
        other => panic!("a forged run in a chunk was not refused: {other:?}"),
    }
    assert!(chunk.iter().all(|g| worker.runs_of(&g.break_id).unwrap().is_empty()), "nothing of the chunk written");
    // With faults of two kinds in one chunk, the first check's fault is the one named (an
    // unknown break before a refused AUTO_RESOLVE), whatever the order of the runs.
    let mut unknown = graphs[1].clone();
    unknown.break_id = "NO-SUCH-BREAK".into();
    assert!(matches!(worker.record_runs(&[critical.clone(), unknown]), Err(StoreError::NoSuchBreak(ref b)) if b == "NO-SUCH-BREAK"));
    // Called directly, a chunk whose graphs do not match its runs one for one is refused.
    let mut raw = postgres::Client::connect(&pg.url("worker"), postgres::NoTls)?;
    let e = raw.query("SELECT recon.record_runs('[{}]'::jsonb, '{}'::text[])", &[]).expect_err("one run, no graph");
    assert_eq!(e.code().map(|c| c.code()), Some("RA422"), "{e:?}");
    // A v1 comparison may say AUTO_RESOLVE: it closes nothing.
    let mut v1 = critical.clone();
    v1.mode = RunMode::V1;
    worker.record_runs(&[v1])?;
    assert_eq!(worker.status_of(&critical.break_id)?, BreakStatus::New);
    // The engine's own runs are recorded as ever.
    worker.record_runs(&graphs)?;
    assert!(worker.verify()?.ok);
    Ok(())
}

/// Every sort the queue offers, the review list and one work queue's review list read an index
/// of their key on the team database: with sequential scans and sorts priced out, the plan of
/// the very query the store sends names an index and sorts nothing (a key written differently
/// from its index's expression would need a Sort).
#[test]
fn every_queue_sort_and_the_review_lists_read_an_index() -> R {
    use reconagent_store::QueueSort;
    let pg = PgCluster::team();
    let worker = PgStore::connect(&pg.url("worker"))?;
    let orch = Orchestrator::bundled();
    let breaks = generate(3, 30, &orch.refdata);
    worker.import_breaks(&breaks, "feed.csv")?;
    worker.record_policy(&orch.policies, "in force")?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let graphs: Vec<_> = breaks.iter().map(|b| rt.block_on(orch.process_break(b, RunMode::V2, sample_as_of()))).collect();
    worker.record_runs(&graphs)?;
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
    let mut filters: Vec<(String, QueueFilter)> = sorts.iter().map(|s| (format!("{s:?}"), QueueFilter { sort: Some(*s), ..Default::default() })).collect();
    let review = QueueFilter { awaiting_review: true, sort: Some(QueueSort::Priority), ..Default::default() };
    filters.push(("the review list".into(), review.clone()));
    filters.push(("one work queue's review list".into(), QueueFilter { work_queue: Some("cash-ops-senior".into()), ..review }));
    for (what, f) in filters {
        for descending in [false, true] {
            let plan = worker.queue_plan(&QueueFilter { descending, ..f.clone() })?;
            assert!(plan.contains("Index Scan") && !plan.contains("Sort"), "{what} (descending {descending}) reads no index:\n{plan}");
        }
    }
    // A jump deep into any sort skips its rows on the index alone (team schema 14), and reads
    // only the page's rows from the table.
    for sort in sorts {
        for descending in [false, true] {
            let plan = worker.queue_plan(&QueueFilter { sort: Some(sort), descending, offset: 15, limit: 5, ..Default::default() })?;
            // (the page's 5 rows may be put in order again at the top: nothing below the Limit is sorted)
            let below = plan.split_once("Limit").map_or("", |(_, b)| b);
            assert!(
                below.contains("Index Only Scan") && !below.contains("Sort"),
                "a jump by {sort:?} (descending {descending}) is no index-only scan:\n{plan}"
            );
        }
    }
    let plan = worker.queue_plan(&QueueFilter {
        work_queue: Some("cash-ops-senior".into()),
        awaiting_review: true,
        sort: Some(QueueSort::Priority),
        ..Default::default()
    })?;
    assert!(plan.contains("breaks_queue_review"), "{plan}");
    Ok(())
}

/// A deciding run's entry names the work queue its break waits in, and the same statement that
/// records the run's status sets the break's queue from that entry's text (team schema 15); a
/// v1 comparison routes nothing; a replacement (NEW again) clears the queue. Each column agrees
/// with the last entry that says so, and `audit verify` replays it.
#[test]
fn a_breaks_work_queue_is_the_one_its_last_run_entry_names() -> R {
    let pg = PgCluster::team();
    let worker = PgStore::connect(&pg.url("worker"))?;
    let alice = PgStore::connect(&pg.url("alice"))?;
    let orch = Orchestrator::bundled();
    let breaks = generate(13, 300, &orch.refdata);
    worker.import_breaks(&breaks, "feed.csv")?;
    worker.record_policy(&orch.policies, "in force")?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let run = |mode| -> Vec<_> { breaks.iter().map(|b| rt.block_on(orch.process_break(b, mode, sample_as_of()))).collect() };
    // v2 in two chunks (the second decides half the breaks again), then v1 comparisons.
    let v2 = run(RunMode::V2);
    worker.record_runs(&v2)?;
    worker.record_runs(&v2[..150])?;
    worker.record_runs(&run(RunMode::V1))?;
    let mut admin = pg.admin();
    let expected = |admin: &mut postgres::Client| -> Vec<(String, Option<String>, Option<String>)> {
        admin
            .query(
                "SELECT b.break_id, b.work_queue,
                        (SELECT CASE a.kind WHEN 'RUN' THEN a.payload::jsonb ->> 'queue' END FROM recon.audit_log a
                          WHERE a.subject = b.break_id AND (a.kind = 'BREAK_REPLACED' OR (a.kind = 'RUN' AND a.payload::jsonb ? 'queue'))
                          ORDER BY a.seq DESC LIMIT 1)
                   FROM recon.breaks b ORDER BY 1",
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect()
    };
    let rows = expected(&mut admin);
    assert!(rows.iter().all(|(_, queue, entry)| queue == entry), "every queue is its last entry's");
    let routed = rows.iter().filter(|(_, q, _)| q.is_some()).count();
    assert!(routed > 0, "the sample routes some breaks to a queue");
    let engine_says = v2.iter().filter(|g| g.routed_queue().is_some()).count();
    assert_eq!(routed, engine_says, "the queues are the engine's routing");
    // A replacement makes its break NEW again, in no queue.
    let routed_id = rows.iter().find(|(_, q, _)| q.is_some()).map(|(id, _, _)| id.clone()).ok_or("a routed break")?;
    let mut changed = breaks.iter().find(|b| b.break_id == routed_id).ok_or("the break")?.clone();
    changed.counterparty = Some("Someone Else".into());
    assert!(alice.replace_break(&changed, "the feed corrected it")?);
    let rows = expected(&mut admin);
    assert!(rows.iter().all(|(_, queue, entry)| queue == entry));
    assert_eq!(rows.iter().find(|(id, _, _)| *id == routed_id).and_then(|(_, q, _)| q.clone()), None);
    assert!(worker.verify()?.ok);
    Ok(())
}

/// One store records two chunks at once, each on a connection of its own (the batch's two
/// recorders, `RunStore::recorders`): every run is recorded once, the figures the dashboard
/// reads agree with the runs, and the chain stays one line that verifies.
#[test]
fn two_chunks_recorded_at_once_by_one_store_keep_one_chain() -> R {
    let pg = PgCluster::team();
    let worker = PgStore::connect(&pg.url("worker"))?;
    assert_eq!(worker.recorders(), 2);
    let orch = Orchestrator::bundled();
    let breaks = generate(17, 1200, &orch.refdata);
    worker.import_breaks(&breaks, "feed.csv")?;
    worker.record_policy(&orch.policies, "in force")?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let graphs: Vec<_> = breaks.iter().map(|b| rt.block_on(orch.process_break(b, RunMode::V2, sample_as_of()))).collect();
    let prepared = graphs.iter().map(reconagent_store::PreparedRun::new).collect::<Result<Vec<_>, _>>()?;
    let chunks: Vec<&[reconagent_store::PreparedRun]> = prepared.chunks(100).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let recorded: usize = std::thread::scope(|s| {
        let workers: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let mut n = 0;
                    while let Some(chunk) = chunks.get(next.fetch_add(1, std::sync::atomic::Ordering::SeqCst)) {
                        n += worker.record_prepared(chunk).expect("recorded").len();
                    }
                    n
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().expect("no panic")).sum()
    });
    assert_eq!(recorded, 1200);
    let mut admin = pg.admin();
    let one = |admin: &mut postgres::Client, sql: &str| -> i64 { admin.query_one(sql, &[]).unwrap().get(0) };
    assert!(one(&mut admin, "SELECT count(*) FROM pg_stat_activity WHERE usename = 'worker'") >= 2, "a second connection recorded");
    assert_eq!(one(&mut admin, "SELECT count(DISTINCT break_id) FROM recon.runs"), 1200, "each break run once");
    assert_eq!(one(&mut admin, "SELECT count(*) FROM recon.audit_log WHERE kind = 'RUN'"), 1200);
    assert_eq!(one(&mut admin, "SELECT sum(runs)::bigint FROM recon.run_rollup"), 1200, "the dashboard's figures count every run");
    assert_eq!(
        one(&mut admin, "SELECT sum(evaluated)::bigint FROM recon.checkpoint_rollup"),
        one(&mut admin, "SELECT count(*) FROM recon.run_checkpoints"),
        "and every checkpoint"
    );
    assert_eq!(
        one(&mut admin, "SELECT count(*) FROM recon.runs r JOIN recon.run_rollup g ON g.day = substr(r.started_at, 1, 10) AND g.mode = r.mode AND g.break_type = r.break_type AND g.tier = r.tier AND g.decision = r.decision"),
        1200
    );
    let v = worker.verify()?;
    assert!(v.ok, "{:?}", v.first_bad);
    assert_eq!(v.entries, 1 + 1 + 1200, "the import, the policy and every run");
    Ok(())
}
