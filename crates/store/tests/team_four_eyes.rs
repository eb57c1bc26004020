//! Four eyes on the team database: closing, accepting or overriding a break that its policy
//! version's limits (`authority` in the policy file) reserve for two people becomes a proposal;
//! an approver other than its author approves or rejects it; the database refuses self-approval
//! and both people go into the chain.

mod support;

use reconagent_engine::graph::{ExecutionGraph, RunMode};
use reconagent_engine::orchestrate::Orchestrator;
use reconagent_engine::policy::PolicySet;
use reconagent_engine::refdata::ReferenceData;
use reconagent_engine::sample::{generate, sample_as_of};
use reconagent_engine::{DecisionAction, RiskTier};
use reconagent_store::postgres::PgStore;
use reconagent_store::prelude::*;
use reconagent_store::{AuditQuery, EventKind, StoreError};
use std::sync::Arc;
use support::pg::PgCluster;

type R = Result<(), Box<dyn std::error::Error>>;

/// 300 breaks processed by `worker` under `policies`; the graphs.
fn processed(pg: &PgCluster, policies: PolicySet) -> Vec<ExecutionGraph> {
    let worker = PgStore::connect(&pg.url("worker")).unwrap();
    let orch = Orchestrator::new(Arc::new(policies), Arc::new(ReferenceData::bundled()));
    let breaks = generate(23, 300, &orch.refdata);
    worker.import_breaks(&breaks, "feed").unwrap();
    worker.record_policy(&orch.policies, "in force").unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let graphs: Vec<_> = breaks.iter().map(|b| rt.block_on(orch.process_break(b, RunMode::V2, sample_as_of()))).collect();
    worker.record_runs(&graphs).unwrap();
    graphs
}

fn waiting(graphs: &[ExecutionGraph], tier: RiskTier) -> Vec<&ExecutionGraph> {
    graphs.iter().filter(|g| g.profile.tier == tier && g.decision.action != DecisionAction::AutoResolve).collect()
}

#[track_caller]
fn proposed(r: Result<BreakStatus, StoreError>) -> (i64, String) {
    match r {
        Err(StoreError::Proposed { proposal, why, .. }) => (proposal, why),
        other => panic!("expected a proposal, got {other:?}"),
    }
}

#[test]
fn a_critical_close_waits_for_another_approver_and_both_are_recorded() -> R {
    let pg = PgCluster::team();
    pg.admin().batch_execute("CREATE ROLE dora LOGIN IN ROLE recon_reviewer, recon_approver")?;
    let graphs = processed(&pg, PolicySet::bundled());
    let (alice, bob, dora) = (PgStore::connect(&pg.url("alice"))?, PgStore::connect(&pg.url("bob"))?, PgStore::connect(&pg.url("dora"))?);
    let critical = waiting(&graphs, RiskTier::Critical);
    assert!(critical.len() >= 3, "the sample has CRITICAL breaks waiting: {}", critical.len());
    let id = critical[0].break_id.as_str();
    let before = alice.status_of(id)?;

    // Alice overrides a CRITICAL escalation to AUTO_RESOLVE: not applied, proposed.
    let action = HumanAction::Override { decision: DecisionAction::AutoResolve, reason: "confirmed with the broker".into() };
    let (p, why) = proposed(alice.act(id, &action));
    assert_eq!(why, "tier CRITICAL");
    assert_eq!(alice.status_of(id)?, before, "nothing applied yet");
    assert!(alice.actions_of(id)?.is_empty());
    // A comment needs no second person; a second proposal on the same break waits its turn.
    alice.act(id, &HumanAction::Comment { text: "asked bob".into() })?;
    assert!(matches!(alice.act(id, &HumanAction::Accept), Err(StoreError::IllegalTransition { .. })));

    // The author cannot decide it, not even with the approver role; nor can a reviewer.
    let (q, _) = proposed(dora.act(critical[1].break_id.as_str(), &HumanAction::Accept));
    match dora.decide_proposal(q, true, "") {
        Err(StoreError::Team { code, message }) => {
            assert_eq!(code.as_deref(), Some("42501"));
            assert!(message.contains("four eyes: dora proposed this"), "{message}");
        }
        other => panic!("self-approval must be refused: {other:?}"),
    }
    assert!(matches!(alice.decide_proposal(p, true, ""), Err(StoreError::Team { code: Some(ref c), .. }) if c == "42501"));
    // Nor can anyone write the table directly.
    let mut raw = postgres::Client::connect(&pg.url("bob"), postgres::NoTls)?;
    let e = raw.batch_execute("UPDATE recon.proposals SET state = 'APPROVED'").expect_err("no direct writes");
    assert_eq!(e.code().map(|c| c.code()), Some("42501"));

    // Bob approves: applied as Alice's action, with Bob beside it.
    assert_eq!(bob.decide_proposal(p, true, "checked the confirmation")?, BreakStatus::Resolved);
    let acts = bob.actions_of(id)?;
    let last = acts.last().expect("the override");
    assert_eq!((last.kind.as_str(), last.actor.as_str(), last.approved_by.as_deref()), ("OVERRIDE", "alice", Some("bob")));
    assert!(matches!(bob.decide_proposal(p, true, ""), Err(StoreError::Invalid(ref m)) if m.contains("already approved by bob")));

    // Bob rejects Dora's: a reason is required; nothing changes but the record.
    let dora_before = bob.status_of(critical[1].break_id.as_str())?;
    assert!(matches!(bob.decide_proposal(q, false, " "), Err(StoreError::Invalid(_))));
    assert_eq!(bob.decide_proposal(q, false, "the broker has not confirmed")?, dora_before);
    assert_eq!(bob.status_of(critical[1].break_id.as_str())?, dora_before);
    let listed = bob.proposals(false, 10)?;
    assert_eq!(listed.iter().map(|p| (p.state.as_str(), p.decided_by.as_deref())).collect::<Vec<_>>(), [("REJECTED", Some("bob")), ("APPROVED", Some("bob"))]);
    assert!(bob.proposals(true, 10)?.is_empty());

    // The chain holds both people for each.
    let entries = bob.audit_entries(&AuditQuery { limit: 20, ..Default::default() })?;
    let proposal_entries: Vec<_> = entries.iter().filter(|e| e.kind == EventKind::Proposal.as_str()).collect();
    assert_eq!(proposal_entries.iter().map(|e| e.actor.as_str()).collect::<Vec<_>>(), ["bob", "dora", "alice"], "reject by bob, proposals by dora and alice");
    let approval = entries.iter().find(|e| e.kind == "HUMAN_ACTION" && e.subject == id && e.payload.contains("OVERRIDE")).expect("the approved override");
    assert_eq!(approval.actor, "bob");
    let payload: serde_json::Value = serde_json::from_str(&approval.payload)?;
    assert_eq!((payload["proposed_by"].as_str(), payload["approved_by"].as_str(), payload["to"].as_str()), (Some("alice"), Some("bob"), Some("RESOLVED")));
    assert_eq!(approval.payload, reconagent_store::audit::canonical_json(&payload), "the payload is canonical JSON");
    assert!(bob.verify()?.ok);
    // The desk's rollup (team schema 10) counted every action, the approved one included.
    let (rolled, counted): (i64, i64) = {
        let row = pg.admin().query_one("SELECT (SELECT sum(n) FROM recon.action_rollup)::bigint, (SELECT count(*) FROM recon.actions)", &[])?;
        (row.get(0), row.get(1))
    };
    assert!(counted > 0 && rolled == counted, "rollup {rolled}, actions {counted}");
    // The dashboard's rollups (team schema 11) counted every run and checkpoint.
    let row = pg.admin().query_one(
        "SELECT (SELECT sum(runs) FROM recon.run_rollup)::bigint, (SELECT count(*) FROM recon.runs),
                (SELECT sum(evaluated) FROM recon.checkpoint_rollup)::bigint, (SELECT count(*) FROM recon.run_checkpoints),
                (SELECT sum(fired) FROM recon.checkpoint_rollup)::bigint, (SELECT count(*) FILTER (WHERE fired) FROM recon.run_checkpoints)",
        &[],
    )?;
    let n = |i: usize| row.get::<_, i64>(i);
    assert!(n(1) > 0 && (n(0), n(2), n(4)) == (n(1), n(3), n(5)), "rollups {:?} against rows {:?}", (n(0), n(2), n(4)), (n(1), n(3), n(5)));
    Ok(())
}

#[test]
fn limits_by_amount_and_type_come_from_the_version_that_decided_the_break() -> R {
    let pg = PgCluster::team();
    // A version whose limits are an exposure of 100,000 and the type FX_TRADE, no tier.
    let text = reconagent_engine::policy::BUNDLED_POLICIES
        .replace("second_approver_tiers: [CRITICAL]", "second_approver_tiers: []")
        .replace("second_approver_above: \"5000000\"", "second_approver_above: \"100000\"")
        .replace("second_approver_types: []", "second_approver_types: [REGULATORY_DATA]");
    let policies = PolicySet::load(&text, "limits.yaml").map_err(|e| e.to_string())?;
    assert!(policies.authority.above.is_some() && policies.authority.tiers.is_empty());
    let graphs = processed(&pg, policies.clone());
    let alice = PgStore::connect(&pg.url("alice"))?;
    let waiting: Vec<_> = graphs.iter().filter(|g| g.decision.action != DecisionAction::AutoResolve).collect();
    let big = waiting.iter().find(|g| g.profile.exposure > rust_decimal::Decimal::from(100_000)).expect("a large waiting break");
    let small = |regulatory: bool| {
        waiting
            .iter()
            .find(|g| g.profile.exposure <= rust_decimal::Decimal::from(100_000) && (g.profile.break_type.as_str() == "REGULATORY_DATA") == regulatory)
            .expect("a small waiting break of each kind")
    };
    let (_, why) = proposed(alice.act(&big.break_id, &HumanAction::Accept));
    assert!(why.starts_with("exposure ") && why.ends_with("above 100000 USD"), "{why}");
    // The engine says the same thing, in the same words, for the same break.
    let ours = policies.authority.second_approver_because(big.profile.break_type.as_str(), big.profile.tier, big.profile.exposure, &big.profile.base_currency);
    assert_eq!(ours.as_deref(), Some(why.as_str()));
    let (_, why) = proposed(alice.act(&small(true).break_id, &HumanAction::Accept));
    assert_eq!(why, "type REGULATORY_DATA");
    assert_eq!(alice.act(&small(false).break_id, &HumanAction::Accept)?, BreakStatus::Resolved, "below every limit one person acts");
    Ok(())
}

/// Live: a desktop watching the team database hears of another person's action; two people
/// acting on the same break at once get one action and one clear refusal.
#[test]
fn others_changes_arrive_live_and_one_of_two_acts_wins() -> R {
    let pg = PgCluster::team();
    pg.admin().batch_execute("CREATE ROLE dora LOGIN IN ROLE recon_reviewer")?;
    let graphs = processed(&pg, PolicySet::bundled());
    let (alice, dora) = (PgStore::connect(&pg.url("alice"))?, PgStore::connect(&pg.url("dora"))?);
    let (tx, rx) = std::sync::mpsc::channel();
    assert!(alice.watch(Box::new(move |kinds| tx.send(kinds).unwrap_or(())))?, "a team database is watched");
    let target =
        waiting(&graphs, RiskTier::Medium).first().copied().or_else(|| waiting(&graphs, RiskTier::High).first().copied()).expect("a break below the limits");
    let id = target.break_id.clone();
    dora.act(&id, &HumanAction::Comment { text: "mine".into() })?;
    // A deadline for a stuck listener, not a timing claim (about a quarter of a second here).
    let kinds = rx.recv_timeout(std::time::Duration::from_secs(30))?;
    assert_eq!(kinds, ["HUMAN_ACTION"]);

    // Both accept at once: the break's row lock orders them; one closes it, the other is told.
    let results: Vec<_> = std::thread::scope(|s| {
        let a = s.spawn(|| alice.act(&id, &HumanAction::Accept));
        let b = s.spawn(|| dora.act(&id, &HumanAction::Accept));
        vec![a.join().unwrap(), b.join().unwrap()]
    });
    assert_eq!(results.iter().filter(|r| matches!(r, Ok(BreakStatus::Resolved))).count(), 1, "{results:?}");
    let refused = results.iter().find_map(|r| r.as_ref().err()).expect("one refusal");
    assert!(matches!(refused, StoreError::IllegalTransition { from, action, .. } if from == "RESOLVED" && action == "ACCEPT"), "{refused:?}");
    assert_eq!(refused.to_string(), format!("break `{id}` is RESOLVED: ACCEPT is not allowed (allowed from PENDING_REVIEW, ESCALATED)"));
    assert_eq!(alice.actions_of(&id)?.iter().filter(|a| a.kind == "ACCEPT").count(), 1, "one action");
    Ok(())
}

/// The tables are not writable by any team role, but their owner can write them. `verify`
/// compares them with the log and names each kind of edit: a break's status, an action's actor,
/// an approval removed, a run's node row, a run deleted.
#[test]
fn an_owners_edit_of_the_tables_is_named_by_verify() -> R {
    let pg = PgCluster::team();
    let graphs = processed(&pg, PolicySet::bundled());
    let (alice, bob) = (PgStore::connect(&pg.url("alice"))?, PgStore::connect(&pg.url("bob"))?);
    let critical = waiting(&graphs, RiskTier::Critical)[0].break_id.clone();
    let (p, _) = proposed(alice.act(&critical, &HumanAction::Accept));
    bob.decide_proposal(p, true, "seen")?;
    let high = waiting(&graphs, RiskTier::High)[0].break_id.clone();
    alice.act(&high, &HumanAction::Comment { text: "checked".into() })?;
    assert!(bob.verify()?.ok, "{:?}", bob.verify()?);
    // A replaced break, to edit its kept version.
    let worker = PgStore::connect(&pg.url("worker"))?;
    let replaced_id = graphs.iter().find(|g| g.decision.action == DecisionAction::AutoResolve).expect("an auto-resolved break").break_id.clone();
    let mut changed = worker.get_break(&replaced_id)?;
    changed.amount += rust_decimal::Decimal::ONE;
    assert!(worker.replace_break(&changed, "the desk corrected the amount")?);
    assert!(bob.verify()?.ok, "{:?}", bob.verify()?);
    let other = graphs.iter().map(|g| g.break_id.clone()).find(|id| id != &replaced_id && id != &high && id != &critical).expect("another break");
    let run_id: i64 = pg.admin().query_one("SELECT min(run_id) FROM recon.runs", &[])?.get(0);
    let mut admin = pg.admin();
    let high_queue: Option<String> = admin.query_one("SELECT work_queue FROM recon.breaks WHERE break_id = $1", &[&high])?.get(0);
    let high_queue = high_queue.map_or("NULL".to_string(), |q| format!("'{q}'"));
    for (edit, undo, named) in [
        (
            format!("UPDATE recon.breaks SET status = 'RESOLVED' WHERE break_id = '{high}'"),
            format!("UPDATE recon.breaks SET status = '{}' WHERE break_id = '{high}'", alice.status_of(&high)?.as_str()),
            format!("break {high}: status RESOLVED, the log says"),
        ),
        (
            format!("UPDATE recon.breaks SET work_queue = 'recs-triage' WHERE break_id = '{high}'"),
            format!("UPDATE recon.breaks SET work_queue = {high_queue} WHERE break_id = '{high}'"),
            format!("break {high}: work queue recs-triage, the log says"),
        ),
        (
            format!("UPDATE recon.actions SET actor = 'mallory' WHERE break_id = '{high}'"),
            format!("UPDATE recon.actions SET actor = 'alice' WHERE break_id = '{high}'"),
            "actor `mallory` (the log: `alice`)".to_string(),
        ),
        (
            format!("UPDATE recon.actions SET approved_by = NULL WHERE break_id = '{critical}'"),
            format!("UPDATE recon.actions SET approved_by = 'bob' WHERE break_id = '{critical}'"),
            "approved by nobody (the log: bob)".to_string(),
        ),
        (
            format!("UPDATE recon.breaks SET data = replace(data, '\"currency\"', '\"currency\" ') WHERE break_id = '{other}'"),
            format!("UPDATE recon.breaks SET data = replace(data, '\"currency\" ', '\"currency\"') WHERE break_id = '{other}'"),
            "the contents of the breaks IMPORT entry".to_string(),
        ),
        (
            "INSERT INTO recon.breaks (break_id, import_seq, break_type, amount, currency, data, imported_at, updated_at) VALUES ('FORGED', 1, 'X', '1', 'USD', '{}', 'x', 'x')"
                .to_string(),
            "DELETE FROM recon.breaks WHERE break_id = 'FORGED'".to_string(),
            "301 breaks are stored but the IMPORT entries record 300".to_string(),
        ),
        (
            format!("UPDATE recon.break_versions SET reason = 'typo' WHERE break_id = '{replaced_id}'"),
            format!("UPDATE recon.break_versions SET reason = 'the desk corrected the amount' WHERE break_id = '{replaced_id}'"),
            format!("replacement 1 of break {replaced_id} disagrees"),
        ),
        (
            format!("UPDATE recon.break_versions SET data = replace(data, '\"currency\"', '\"currency\" ') WHERE break_id = '{replaced_id}'"),
            format!("UPDATE recon.break_versions SET data = replace(data, '\"currency\" ', '\"currency\"') WHERE break_id = '{replaced_id}'"),
            "the contents of the breaks IMPORT entry".to_string(),
        ),
        (
            "UPDATE recon.policy_versions SET authority = '{\"tiers\": [], \"above\": null, \"types\": []}'".to_string(),
            format!("UPDATE recon.policy_versions SET authority = '{}'", PolicySet::bundled().authority.to_json()),
            "the four-eyes limits stored with policy version".to_string(),
        ),
        (
            "UPDATE recon.policy_versions SET auto_resolve = '{\"max_tier\": \"CRITICAL\", \"never\": []}'".to_string(),
            format!("UPDATE recon.policy_versions SET auto_resolve = '{}'", PolicySet::bundled().classifier.auto_resolve_json()),
            "the auto-resolve limits stored with policy version".to_string(),
        ),
        (
            "UPDATE recon.policy_versions SET text = text || ' '".to_string(),
            "UPDATE recon.policy_versions SET text = left(text, -1)".to_string(),
            "was edited: it no longer hashes to its version".to_string(),
        ),
        (
            format!("UPDATE recon.run_nodes SET attempts = attempts + 1 WHERE run_id = {run_id} AND agent = 'RULES'"),
            format!("UPDATE recon.run_nodes SET attempts = attempts - 1 WHERE run_id = {run_id} AND agent = 'RULES'"),
            format!("run {run_id} of"),
        ),
    ] {
        admin.batch_execute(&edit)?;
        let v = bob.verify()?;
        assert!(!v.ok, "{edit} went unnoticed");
        let why = v.first_bad.map(|b| b.1).unwrap_or_default();
        assert!(why.contains(&named), "{edit}: {why}");
        admin.batch_execute(&undo)?;
        assert!(bob.verify()?.ok, "undone: {undo}");
    }
    admin.batch_execute(&format!("DELETE FROM recon.run_nodes WHERE run_id = {run_id}; DELETE FROM recon.run_checkpoints WHERE run_id = {run_id}"))?;
    admin.batch_execute(&format!("DELETE FROM recon.runs WHERE run_id = {run_id}"))?;
    let v = bob.verify()?;
    assert!(v.first_bad.as_ref().is_some_and(|b| b.1.contains("RUN entries record them")), "{v:?}");
    Ok(())
}
