//! The team database's counters (schema 13): after every kind of write to the breaks, from two
//! sessions at once, the counters say what a full count of the table says, and the queue's
//! counts read them.

mod support;

use reconagent_engine::graph::RunMode;
use reconagent_engine::orchestrate::Orchestrator;
use reconagent_engine::sample::{generate, sample_as_of};
use reconagent_engine::DecisionAction;
use reconagent_store::postgres::PgStore;
use reconagent_store::prelude::*;
use reconagent_store::QueueFilter;
use support::pg::PgCluster;

type R = Result<(), Box<dyn std::error::Error>>;

/// (type, status, tier, decision, n)
type CountRow = (String, String, Option<String>, Option<String>, i64);

/// The counters and a full count, each as sorted (type, status, tier, decision, n) rows.
fn agree(admin: &mut postgres::Client, after: &str) {
    let mut q = |sql: &str| -> Vec<CountRow> { admin.query(sql, &[]).unwrap().iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4))).collect() };
    let counted =
        q("SELECT break_type, status, tier, decision, sum(n)::bigint FROM recon.break_counts GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0 ORDER BY 1, 2, 3, 4");
    let full = q("SELECT break_type, status, tier, decision, count(*) FROM recon.breaks GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4");
    assert_eq!(counted, full, "after {after}");
    assert!(!full.is_empty());
}

#[test]
fn the_counters_agree_with_the_breaks_after_every_kind_of_write() -> R {
    let pg = PgCluster::team();
    pg.admin().batch_execute("CREATE ROLE worker2 LOGIN IN ROLE recon_processor")?;
    let mut admin = pg.admin();
    let (worker, worker2, alice) = (PgStore::connect(&pg.url("worker"))?, PgStore::connect(&pg.url("worker2"))?, PgStore::connect(&pg.url("alice"))?);
    let orch = Orchestrator::bundled();
    let breaks = generate(11, 600, &orch.refdata);
    worker.import_breaks(&breaks[..300], "feed 1")?;
    worker2.import_breaks(&breaks, "feed 2 (half already there)")?;
    agree(&mut admin, "two imports");
    assert_eq!(alice.count_with_status(BreakStatus::New)?, 600);
    worker.record_policy(&orch.policies, "in force")?;

    // Two workers record runs at once, each in its own session (and counter slot).
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let graphs: Vec<_> = breaks.iter().map(|b| rt.block_on(orch.process_break(b, RunMode::V2, sample_as_of()))).collect();
    std::thread::scope(|s| {
        let (a, b) = graphs.split_at(300);
        let one = s.spawn(|| a.chunks(50).try_for_each(|c| worker.record_runs(c).map(|_| ())));
        let two = s.spawn(|| b.chunks(50).try_for_each(|c| worker2.record_runs(c).map(|_| ())));
        one.join().unwrap().and(two.join().unwrap())
    })?;
    agree(&mut admin, "runs from two workers at once");

    // People act; a break is replaced (NEW again).
    let waiting: Vec<_> = graphs
        .iter()
        .filter(|g| g.decision.action != DecisionAction::AutoResolve && g.profile.tier < reconagent_engine::RiskTier::Critical)
        .map(|g| g.break_id.clone())
        .take(5)
        .collect();
    alice.act(&waiting[0], &HumanAction::Accept)?;
    alice.act(&waiting[1], &HumanAction::Assign { assignee: "bob".into() })?;
    alice.act(&waiting[2], &HumanAction::Override { decision: DecisionAction::Escalate, reason: "looks wrong".into() })?;
    agree(&mut admin, "human actions");
    let mut changed = breaks.iter().find(|b| b.break_id == waiting[3]).ok_or("the break")?.clone();
    changed.counterparty = Some("Someone Else".into());
    assert!(alice.replace_break(&changed, "the feed corrected it")?);
    agree(&mut admin, "a replacement");

    // The queue's counts: from the counters where they count the filter, and equal to a count.
    let full = |sql: &str| -> i64 { pg.admin().query_one(sql, &[]).unwrap().get(0) };
    assert_eq!(alice.queue_count(&QueueFilter::default())?, 600);
    let waiting_n = alice.queue_count(&QueueFilter { awaiting_review: true, ..Default::default() })?;
    assert_eq!(waiting_n as i64, full("SELECT count(*) FROM recon.breaks WHERE status IN ('PENDING_REVIEW', 'ESCALATED')"));
    let high =
        alice.queue_count(&QueueFilter { tier: Some(reconagent_engine::RiskTier::High), status: Some(BreakStatus::PendingReview), ..Default::default() })?;
    assert_eq!(high as i64, full("SELECT count(*) FROM recon.breaks WHERE tier = 'HIGH' AND status = 'PENDING_REVIEW'"));
    assert_eq!(alice.count_with_status(BreakStatus::New)?, 1, "the replaced break");
    assert!(alice.verify()?.ok);
    Ok(())
}
