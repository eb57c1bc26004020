//! Faults in every position of every shipped plan (paused time), and a batch in which agent
//! calls fail at random: the graph says what happened, and a failure never auto-resolves.

use futures::future::BoxFuture;
use reconagent_engine::agents::{Agent, AgentContext, AgentError, AgentOutput, AgentSet};
use reconagent_engine::execute::{execute, RunOptions};
use reconagent_engine::graph::{ExecutionGraph, NodeStatus, RunMode, SkipReason};
use reconagent_engine::orchestrate::{BatchOptions, Orchestrator};
use reconagent_engine::policy::{PlanTemplate, PolicySet};
use reconagent_engine::refdata::ReferenceData;
use reconagent_engine::sample::{bundled_breaks, generate_from, sample_as_of};
use reconagent_engine::{AgentKind, DecisionAction};
use std::sync::Arc;

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[derive(Clone, Copy, Debug)]
enum Fault {
    Fail,
    Panic,
    Hang,
}

struct Faulty {
    kind: AgentKind,
    fault: Fault,
}

impl Agent for Faulty {
    fn kind(&self) -> AgentKind {
        self.kind
    }
    fn run(&self, _ctx: AgentContext) -> BoxFuture<'static, Result<AgentOutput, AgentError>> {
        let fault = self.fault;
        Box::pin(async move {
            match fault {
                Fault::Fail => Err(AgentError::Failed("injected failure".into())),
                Fault::Panic => panic!("injected panic"),
                Fault::Hang => futures::future::pending().await,
            }
        })
    }
}

/// Every agent that depends on `agent`, directly or not.
fn dependents(plan: &PlanTemplate, agent: AgentKind) -> Vec<AgentKind> {
    let mut out: Vec<AgentKind> = Vec::new();
    let mut frontier = vec![agent];
    while let Some(a) = frontier.pop() {
        for p in plan.agents.iter().filter(|p| p.depends_on.contains(&a)) {
            if !out.contains(&p.agent) {
                out.push(p.agent);
                frontier.push(p.agent);
            }
        }
    }
    out
}

fn check(plan: &PlanTemplate, faulted: AgentKind, fault: Fault, g: &ExecutionGraph) {
    let ctx = format!("{} with {faulted} {fault:?}", plan.key());
    let node = g.node(faulted);
    // Every node ends in a final state, and every skip has its reason.
    for n in &g.nodes {
        assert!(n.status != NodeStatus::Skipped || n.skip_reason.is_some(), "{ctx}: {} skipped without a reason", n.agent);
    }
    match node.status {
        NodeStatus::Failed | NodeStatus::TimedOut => {
            let expected = if matches!(fault, Fault::Hang) { NodeStatus::TimedOut } else { NodeStatus::Failed };
            assert_eq!(node.status, expected, "{ctx}");
            assert!(node.error.is_some(), "{ctx}: the error is recorded");
            for d in dependents(plan, faulted) {
                let n = g.node(d);
                assert!(
                    n.status == NodeStatus::Skipped && matches!(n.skip_reason, Some(SkipReason::UpstreamFailed { .. }) | Some(SkipReason::EarlyExit { .. })),
                    "{ctx}: {d} should not run after its upstream failed: {:?} {:?}",
                    n.status,
                    n.skip_reason
                );
            }
            assert_ne!(g.decision.action, DecisionAction::AutoResolve, "{ctx}: a failure never auto-resolves");
        }
        // A checkpoint decided before the faulty agent ran (or while it was hanging).
        NodeStatus::Skipped => assert!(matches!(node.skip_reason, Some(SkipReason::EarlyExit { .. })), "{ctx}: {:?}", node.skip_reason),
        NodeStatus::Cancelled => assert!(g.early_exit().is_some(), "{ctx}: cancelled only by an early exit"),
        NodeStatus::Completed => panic!("{ctx}: the faulty agent cannot complete"),
    }
}

#[tokio::test(start_paused = true)]
async fn every_fault_in_every_position_of_every_shipped_plan() -> TestResult {
    let set = PolicySet::bundled();
    let refdata = Arc::new(ReferenceData::bundled());
    let breaks = bundled_breaks();
    let mut runs = 0;
    for (ty, tier) in set.plan_keys() {
        let plan = set.plan_for(&reconagent_engine::BreakType::parse(&ty), tier).clone();
        // A sample break that routes to this plan, so checkpoints see realistic outputs.
        let brk = breaks
            .iter()
            .find(|b| {
                let p = reconagent_engine::classify::classify(b, &refdata, &set.classifier, sample_as_of());
                set.plan_for(&p.break_type, p.tier).key() == plan.key()
            })
            .unwrap_or(&breaks[0])
            .clone();
        let profile = reconagent_engine::classify::classify(&brk, &refdata, &set.classifier, sample_as_of());
        let input = Arc::new(reconagent_engine::agents::RunInput {
            brk,
            profile,
            refdata: refdata.clone(),
            config: set.classifier.clone(),
            history: Arc::new(reconagent_engine::agents::NoHistory),
            as_of: sample_as_of(),
        });
        for planned in &plan.agents {
            for fault in [Fault::Fail, Fault::Panic, Fault::Hang] {
                let agents = AgentSet::builtin().replace(Arc::new(Faulty { kind: planned.agent, fault }));
                let g = execute(&plan, RunMode::V2, &agents, input.clone(), &set.version, &RunOptions::default()).await;
                check(&plan, planned.agent, fault, &g);
                runs += 1;
            }
        }
    }
    assert!(runs > 300, "{runs} faulted runs");
    Ok(())
}

#[test]
fn a_batch_where_5_percent_of_calls_fail_completes_and_never_auto_resolves_on_failed_evidence() -> TestResult {
    let (agents, failed) = AgentSet::builtin().with_random_failures(5, 42);
    let orch = Orchestrator::bundled().with_agents(agents);
    let breaks = generate_from(9, 0, 10_000, &orch.refdata);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let mut graphs = Vec::new();
    let summary = rt.block_on(orch.process_batch(breaks, 10_000, &BatchOptions::new(RunMode::V2, sample_as_of()), |g| graphs.push(g), |_| {}));
    assert_eq!((summary.processed, graphs.len()), (10_000, 10_000));
    let calls_failed = failed.load(std::sync::atomic::Ordering::Relaxed);
    assert!(calls_failed > 1000, "about 5% of ~55,000 calls: {calls_failed}");
    let mut with_failure = 0;
    for g in &graphs {
        if g.nodes.iter().any(|n| matches!(n.status, NodeStatus::Failed | NodeStatus::TimedOut)) {
            with_failure += 1;
            assert_ne!(g.decision.action, DecisionAction::AutoResolve, "{}: auto-resolved with failed evidence", g.break_id);
        }
    }
    // Retries (1 by default) absorb most single failures; what remains goes to a person.
    assert!(with_failure > 0, "some agents failed twice in a row");
    Ok(())
}
