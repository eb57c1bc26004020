//! The DAG executor under faults and latency, with paused time (deterministic), and a property
//! test over random plans.
//!
//! Over 400 lines on purpose: one fault per test, each with its own agents and plan.

use futures::future::BoxFuture;
use proptest::prelude::*;
use reconagent_engine::agents::{Agent, AgentContext, AgentError, AgentOutput, AgentSet, LatencyProfile, NoHistory, RunInput};
use reconagent_engine::classify::classify;
use reconagent_engine::execute::{execute, RunOptions};
use reconagent_engine::graph::{ExecutionGraph, NodeStatus, RunMode, SkipReason};
use reconagent_engine::import;
use reconagent_engine::policy::{PlanTemplate, PlannedAgent, PolicySet};
use reconagent_engine::refdata::ReferenceData;
use reconagent_engine::sample::sample_as_of;
use reconagent_engine::{AgentKind, DecidedBy, DecisionAction};
use std::sync::Arc;
use std::time::Duration;

fn a_break(id: &str) -> reconagent_engine::Break {
    let report = import::read_file(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/sample_breaks.csv"))).unwrap();
    report.breaks.into_iter().find(|b| b.break_id == id).expect("the sample has this break")
}

fn input(brk: reconagent_engine::Break, set: &PolicySet) -> Arc<RunInput> {
    let refdata = Arc::new(ReferenceData::bundled());
    let profile = classify(&brk, &refdata, &set.classifier, sample_as_of());
    Arc::new(RunInput { brk, profile, refdata, config: set.classifier.clone(), history: Arc::new(NoHistory), as_of: sample_as_of() })
}

/// A plan with every agent, the given edges, limit and no checkpoints.
fn plan(edges: &[(AgentKind, &[AgentKind])], max_parallel: usize, timeout_ms: u64, retries: u32) -> PlanTemplate {
    PlanTemplate {
        policy_type: "TEST".into(),
        tier: reconagent_engine::RiskTier::Medium,
        description: String::new(),
        agents: edges.iter().map(|(a, d)| PlannedAgent { agent: *a, depends_on: d.to_vec(), timeout: Duration::from_millis(timeout_ms), retries }).collect(),
        max_parallel,
        checkpoints: vec![],
        fallback: DecisionAction::AutoResolve,
        cel_reads: vec![],
    }
}

use AgentKind::*;

type TestResult = Result<(), Box<dyn std::error::Error>>;
const DIAMOND: &[(AgentKind, &[AgentKind])] = &[
    (Ingestion, &[]),
    (Enrichment, &[Ingestion]),
    (Matching, &[Enrichment]),
    (Rules, &[Enrichment]),
    (Pattern, &[Ingestion]),
    (Decisioning, &[Matching, Rules, Pattern]),
    (Workflow, &[Decisioning]),
];

enum Fault {
    Fail,
    Panic,
    Hang,
    FailOnce(std::sync::atomic::AtomicU32),
}

struct Faulty {
    kind: AgentKind,
    fault: Arc<Fault>,
    inner: Arc<dyn Agent>,
}

impl Agent for Faulty {
    fn kind(&self) -> AgentKind {
        self.kind
    }
    fn run(&self, ctx: AgentContext) -> BoxFuture<'static, Result<AgentOutput, AgentError>> {
        let fault = self.fault.clone();
        let inner = self.inner.run(ctx);
        Box::pin(async move {
            match &*fault {
                Fault::Fail => Err(AgentError::Failed("injected failure".into())),
                Fault::Panic => panic!("injected panic"),
                Fault::Hang => futures::future::pending().await,
                Fault::FailOnce(n) => {
                    if n.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                        Err(AgentError::Failed("transient".into()))
                    } else {
                        inner.await
                    }
                }
            }
        })
    }
}

fn with_fault(kind: AgentKind, fault: Fault) -> AgentSet {
    let base = AgentSet::builtin();
    let inner = base.get(kind).clone();
    base.replace(Arc::new(Faulty { kind, fault: Arc::new(fault), inner }))
}

async fn run(p: &PlanTemplate, agents: &AgentSet) -> ExecutionGraph {
    let set = PolicySet::bundled();
    execute(p, RunMode::V2, agents, input(a_break("BRK-00003"), &set), &set.version, &RunOptions::default()).await
}

/// A shipped plan with its first checkpoint's condition replaced by `when`, and a sample break
/// profiled as that plan's type and tier.
fn shipped_plan(set: &PolicySet, break_type: reconagent_engine::BreakType, tier: reconagent_engine::RiskTier, when: &str) -> (PlanTemplate, Arc<RunInput>) {
    let mut inp = (*input(a_break("BRK-00003"), set)).clone_for_test();
    inp.profile.break_type = break_type;
    inp.profile.tier = tier;
    let mut p = (*set.plan_for(&inp.profile.break_type, inp.profile.tier).clone()).clone();
    p.checkpoints[0].condition = reconagent_engine::policy::Condition::compile(when, &AgentKind::ALL).unwrap();
    p.refresh_reads();
    (p, Arc::new(inp))
}

#[tokio::test(start_paused = true)]
async fn parallel_branches_finish_in_critical_path_time() -> TestResult {
    let agents = AgentSet::builtin().with_latency(LatencyProfile::SEED);
    let g = run(&plan(DIAMOND, 3, 5000, 0), &agents).await;
    // INGESTION 150 -> ENRICHMENT 250 -> MATCHING 400 (longest branch) -> DECISIONING 550 -> WORKFLOW 350
    assert_eq!(g.wall_us / 1000, 150 + 250 + 400 + 550 + 350);
    assert!(g.nodes.iter().all(|n| n.status == NodeStatus::Completed));
    assert!(g.emulated_latency.is_some());
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn max_parallel_one_runs_in_sequence_and_records_waiting() -> TestResult {
    let agents = AgentSet::builtin().with_latency(LatencyProfile::SEED);
    let g = run(&plan(DIAMOND, 1, 5000, 0), &agents).await;
    assert_eq!(g.wall_us / 1000, LatencyProfile::SEED.total_ms());
    assert!(g.nodes.iter().any(|n| n.waited_us > 0), "someone waited for the single slot");
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_failure_skips_dependents_and_never_auto_resolves() -> TestResult {
    let g = run(&plan(DIAMOND, 3, 5000, 2), &with_fault(Rules, Fault::Fail)).await;
    assert_eq!(g.node(Rules).status, NodeStatus::Failed);
    assert_eq!(g.node(Rules).attempts, 3, "one call and two retries");
    assert!(g.node(Rules).error.as_ref().unwrap().contains("injected failure"));
    assert_eq!(g.node(Decisioning).skip_reason, Some(SkipReason::UpstreamFailed { agent: Rules }));
    assert_eq!(g.node(Workflow).skip_reason, Some(SkipReason::UpstreamFailed { agent: Rules }));
    assert_eq!(g.node(Matching).status, NodeStatus::Completed, "independent branches still run");
    assert_eq!(g.decision.action, DecisionAction::HilReview, "fallback was AUTO_RESOLVE, a failure overrides it");
    assert_eq!(g.decision.decided_by, DecidedBy::FailSafe);
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_panicking_agent_is_recorded_as_failed() -> TestResult {
    let g = run(&plan(DIAMOND, 3, 5000, 0), &with_fault(Ingestion, Fault::Panic)).await;
    assert_eq!(g.node(Ingestion).status, NodeStatus::Failed);
    assert!(g.node(Ingestion).error.as_ref().unwrap().contains("panicked: injected panic"));
    assert!(g.nodes[1..].iter().all(|n| n.status == NodeStatus::Skipped));
    assert_eq!(g.decision.action, DecisionAction::HilReview);
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_hanging_agent_times_out() -> TestResult {
    let g = run(&plan(DIAMOND, 3, 200, 1), &with_fault(Pattern, Fault::Hang)).await;
    let p = g.node(Pattern);
    assert_eq!(p.status, NodeStatus::TimedOut);
    assert_eq!(p.attempts, 2);
    assert!(p.error.as_ref().unwrap().contains("timed out after 200 ms"));
    assert_eq!(g.decision.action, DecisionAction::HilReview);
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_transient_failure_is_retried() -> TestResult {
    let g = run(&plan(DIAMOND, 3, 5000, 1), &with_fault(Matching, Fault::FailOnce(0.into()))).await;
    assert_eq!(g.node(Matching).status, NodeStatus::Completed);
    assert_eq!(g.node(Matching).attempts, 2);
    assert_ne!(g.decision.decided_by, DecidedBy::FailSafe);
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn an_early_exit_cancels_running_agents_and_skips_pending_ones() -> TestResult {
    let set = PolicySet::bundled();
    // TRADE MEDIUM: MATCHING and RULES run in parallel after INGESTION; RULES is faster and its
    // checkpoint fires while MATCHING is still running.
    let (p, inp) = shipped_plan(&set, reconagent_engine::BreakType::TradeOmsMismatch, reconagent_engine::RiskTier::Medium, "true");
    let agents = AgentSet::builtin().with_latency(LatencyProfile([10, 10, 500, 10, 10, 10, 10]));
    let g = execute(&p, RunMode::V2, &agents, inp, &set.version, &RunOptions::default()).await;
    let cp = g.early_exit().expect("the checkpoint fired");
    let why = SkipReason::EarlyExit { checkpoint: cp.id.clone(), after_agent: Rules };
    assert_eq!(g.node(Matching).status, NodeStatus::Cancelled);
    assert_eq!(g.node(Matching).skip_reason.as_ref(), Some(&why));
    assert_eq!(g.node(Decisioning).status, NodeStatus::Skipped);
    assert_eq!(g.node(Decisioning).skip_reason.as_ref(), Some(&why));
    assert!(matches!(g.node(Workflow).skip_reason, Some(SkipReason::NotInPolicy { .. })));
    assert_eq!(g.wall_us / 1000, 20, "did not wait for MATCHING");
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_checkpoint_after_several_agents_waits_for_the_last_of_them() -> TestResult {
    let set = PolicySet::bundled();
    // PNL LOW: RULES and PATTERN run side by side after INGESTION; the checkpoint reads both,
    // so it is tested once, when the slower one completes.
    let (p, inp) = shipped_plan(
        &set,
        reconagent_engine::BreakType::PnlReconciliation,
        reconagent_engine::RiskTier::Low,
        "rules.difference_base >= 0 && pattern.similar_count >= 0",
    );
    assert_eq!(p.checkpoints[0].after, vec![Rules, Pattern], "the shipped plan uses a list");
    // (latency, the agent that completes last, when): PATTERN 10 + 100 against 10 + 10 for
    // RULES; then RULES slow, at 10 + 120 against 10 + 10 for PATTERN.
    let cases = [(LatencyProfile([10, 10, 10, 10, 100, 10, 10]), Pattern, 110), (LatencyProfile([10, 10, 10, 120, 10, 10, 10]), Rules, 130)];
    for (latency, last, wall_ms) in cases {
        let g = execute(&p, RunMode::V2, &AgentSet::builtin().with_latency(latency), inp.clone(), &set.version, &RunOptions::default()).await;
        assert_eq!(g.checkpoints.len(), 1, "tested once, not after each of its agents");
        let cp = g.early_exit().expect("the checkpoint fired");
        assert_eq!(cp.after_agent, last, "recorded where it fired: after the slower agent");
        assert_eq!(g.decision.decided_by, DecidedBy::Checkpoint { id: cp.id.clone(), after_agent: last });
        assert_eq!(g.node(Decisioning).skip_reason, Some(SkipReason::EarlyExit { checkpoint: cp.id.clone(), after_agent: last }));
        assert_eq!(g.wall_us / 1000, wall_ms, "the branches overlap: the slower one, never their sum");
    }
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn the_longest_chain_ahead_starts_first_when_slots_are_short() -> TestResult {
    // Four agents are ready after INGESTION and three slots are free. ENRICHMENT feeds nothing,
    // so it waits: in plan order it would start first and push PATTERN (and DECISIONING) back
    // by 250 ms, to 1400 ms.
    let edges: &[(AgentKind, &[AgentKind])] = &[
        (Ingestion, &[]),
        (Enrichment, &[Ingestion]),
        (Matching, &[Ingestion]),
        (Rules, &[Ingestion]),
        (Pattern, &[Ingestion]),
        (Decisioning, &[Matching, Rules, Pattern]),
    ];
    let g = run(&plan(edges, 3, 5000, 0), &AgentSet::builtin().with_latency(LatencyProfile::SEED)).await;
    assert_eq!(g.wall_us / 1000, 150 + 450 + 550, "INGESTION, PATTERN, DECISIONING");
    for n in [Matching, Rules, Pattern] {
        assert_eq!(g.node(n).started_us.map(|t| t / 1000), Some(150), "{n} starts as soon as INGESTION is done");
    }
    assert_eq!(g.node(Enrichment).started_us.map(|t| t / 1000), Some(150 + 350), "ENRICHMENT takes the first free slot, RULES's");
    assert_eq!(g.node(Enrichment).status, NodeStatus::Completed);
    Ok(())
}

/// Wraps an agent to count the calls in flight across a batch.
struct Counted {
    inner: Arc<dyn Agent>,
    in_flight: Arc<std::sync::atomic::AtomicUsize>,
    most: Arc<std::sync::atomic::AtomicUsize>,
}

impl Agent for Counted {
    fn kind(&self) -> AgentKind {
        self.inner.kind()
    }
    fn run(&self, ctx: AgentContext) -> BoxFuture<'static, Result<AgentOutput, AgentError>> {
        use std::sync::atomic::Ordering::SeqCst;
        let (in_flight, most, inner) = (self.in_flight.clone(), self.most.clone(), self.inner.run(ctx));
        Box::pin(async move {
            most.fetch_max(in_flight.fetch_add(1, SeqCst) + 1, SeqCst);
            let out = inner.await;
            in_flight.fetch_sub(1, SeqCst);
            out
        })
    }
}

/// Several runs sharing one batch limit, started together; their graphs in the same order.
async fn run_sharing_a_limit(limit: usize, runs: &[(&PlanTemplate, &str)], agents: &AgentSet) -> Vec<ExecutionGraph> {
    let set = PolicySet::bundled();
    let opts = RunOptions { global_limit: Some(reconagent_engine::gate::CallGate::new(limit)) };
    let runs = runs.iter().map(|(p, id)| execute(p, RunMode::V2, agents, input(a_break(id), &set), &set.version, &opts));
    futures::future::join_all(runs).await
}

#[tokio::test(start_paused = true)]
async fn a_batch_limit_holds_across_breaks() -> TestResult {
    let (in_flight, most) = (Arc::new(std::sync::atomic::AtomicUsize::new(0)), Arc::new(std::sync::atomic::AtomicUsize::new(0)));
    let mut agents = AgentSet::builtin().with_latency(LatencyProfile::SEED);
    for kind in AgentKind::ALL {
        let inner = agents.get(kind).clone();
        agents = agents.replace(Arc::new(Counted { inner, in_flight: in_flight.clone(), most: most.clone() }));
    }
    let p = plan(DIAMOND, 3, 5000, 0);
    let graphs = run_sharing_a_limit(2, &[(&p, "BRK-00001"), (&p, "BRK-00002"), (&p, "BRK-00003"), (&p, "BRK-00004"), (&p, "BRK-00005")], &agents).await;
    assert_eq!(most.load(std::sync::atomic::Ordering::SeqCst), 2, "never more than the limit, and the limit used");
    assert!(graphs.iter().all(|g| g.nodes.iter().all(|n| n.status == NodeStatus::Completed)));
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn under_a_batch_limit_the_waiting_call_with_the_longest_chain_ahead_goes_first() -> TestResult {
    // One slot. At 0 ms A's INGESTION takes it; B's PATTERN (300 ms ahead) and C's RULES (150)
    // wait. At 100 B goes first (longest). A's ENRICHMENT arrives at 100 with 200 ms ahead
    // (ENRICHMENT then MATCHING), so at 400 it goes before C, which has waited since 0: a
    // first-come semaphore would run C there.
    let latency = LatencyProfile([100, 100, 100, 150, 300, 10, 10]);
    let agents = AgentSet::builtin().with_latency(latency);
    let a = plan(&[(Ingestion, &[]), (Enrichment, &[Ingestion]), (Matching, &[Enrichment])], 3, 5000, 0);
    let (b, c) = (plan(&[(Pattern, &[])], 3, 5000, 0), plan(&[(Rules, &[])], 3, 5000, 0));
    let g = run_sharing_a_limit(1, &[(&a, "BRK-00001"), (&b, "BRK-00002"), (&c, "BRK-00003")], &agents).await;
    let started = |g: &ExecutionGraph, n: AgentKind| g.node(n).started_us.map(|t| t / 1000);
    assert_eq!(started(&g[1], Pattern), Some(100));
    assert_eq!(started(&g[0], Enrichment), Some(400), "A's chain goes before C's single call");
    assert_eq!(started(&g[2], Rules), Some(500));
    assert_eq!(started(&g[0], Matching), Some(650));
    Ok(())
}

#[tokio::test]
async fn agents_that_finish_with_the_deciding_one_are_recorded_completed_not_cancelled() -> TestResult {
    // CASH LOW with instant agents: ENRICHMENT and RULES both finish on their first poll, and
    // RULES' checkpoint fires. ENRICHMENT's output (the reference data the reviewer sees) is
    // kept, not recorded as cancelled.
    let set = PolicySet::bundled();
    let (p, inp) = shipped_plan(&set, reconagent_engine::BreakType::CashReconciliation, reconagent_engine::RiskTier::Low, "true");
    let g = execute(&p, RunMode::V2, &AgentSet::builtin(), inp, &set.version, &RunOptions::default()).await;
    assert!(g.early_exit().is_some());
    assert_eq!(g.node(Enrichment).status, NodeStatus::Completed);
    assert!(g.node(Enrichment).output.is_some());
    assert!(g.nodes.iter().all(|n| n.status != NodeStatus::Cancelled), "{:?}", g.nodes.iter().map(|n| (n.agent, n.status)).collect::<Vec<_>>());
    Ok(())
}

/// Records which agents' outputs the wrapped agent was given.
struct Spy {
    inner: Arc<dyn Agent>,
    seen: Arc<std::sync::Mutex<Vec<AgentKind>>>,
}

impl Agent for Spy {
    fn kind(&self) -> AgentKind {
        self.inner.kind()
    }
    fn run(&self, ctx: AgentContext) -> BoxFuture<'static, Result<AgentOutput, AgentError>> {
        *self.seen.lock().unwrap() = AgentKind::ALL.into_iter().filter(|a| ctx.output(*a).is_some()).collect();
        self.inner.run(ctx)
    }
}

#[tokio::test(start_paused = true)]
async fn an_agent_sees_its_ancestors_outputs_only() -> TestResult {
    // ENRICHMENT (250 ms) is done long before PATTERN (450 ms) lets DECISIONING start, but
    // DECISIONING does not depend on it, so it must not see it: what an agent reads cannot
    // depend on which other agent happened to finish first.
    let edges: &[(AgentKind, &[AgentKind])] = &[(Ingestion, &[]), (Enrichment, &[Ingestion]), (Pattern, &[Ingestion]), (Decisioning, &[Pattern])];
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let base = AgentSet::builtin().with_latency(LatencyProfile::SEED);
    let agents = base.clone().replace(Arc::new(Spy { inner: base.get(Decisioning).clone(), seen: seen.clone() }));
    let g = run(&plan(edges, 3, 5000, 0), &agents).await;
    assert!(g.node(Enrichment).finished_us < g.node(Decisioning).started_us);
    assert_eq!(*seen.lock().unwrap(), vec![Ingestion, Pattern]);
    Ok(())
}

trait CloneForTest {
    fn clone_for_test(&self) -> RunInput;
}
impl CloneForTest for RunInput {
    fn clone_for_test(&self) -> RunInput {
        RunInput {
            brk: self.brk.clone(),
            profile: self.profile.clone(),
            refdata: self.refdata.clone(),
            config: self.config.clone(),
            history: self.history.clone(),
            as_of: self.as_of,
        }
    }
}

/// Agents with their dependencies, max_parallel, latency per agent, the agent that fails.
type RandomPlan = (Vec<(AgentKind, Vec<AgentKind>)>, usize, [u64; 7], Option<usize>);

fn random_plan() -> impl Strategy<Value = RandomPlan> {
    (
        proptest::collection::vec(any::<bool>(), 21),
        proptest::collection::vec(any::<bool>(), 7),
        1usize..=4,
        proptest::array::uniform7(1u64..50),
        proptest::option::of(0usize..7),
    )
        .prop_map(|(edges, include, par, lat, fail)| {
            let chosen: Vec<AgentKind> = AgentKind::ALL.into_iter().zip(&include).filter(|(_, &i)| i).map(|(a, _)| a).collect();
            let chosen = if chosen.is_empty() { vec![Ingestion] } else { chosen };
            let mut k = 0;
            let mut agents = Vec::new();
            for (i, a) in chosen.iter().enumerate() {
                let mut deps = Vec::new();
                for d in &chosen[..i] {
                    if edges[k % 21] {
                        deps.push(*d);
                    }
                    k += 1;
                }
                agents.push((*a, deps));
            }
            (agents, par, lat, fail)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn any_plan_respects_dependencies_and_parallelism((agents, par, lat, fail) in random_plan()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().start_paused(true).build().unwrap();
        let edges: Vec<(AgentKind, &[AgentKind])> = agents.iter().map(|(a, d)| (*a, d.as_slice())).collect();
        let p = plan(&edges, par, 5000, 0);
        let mut set = AgentSet::builtin().with_latency(LatencyProfile(lat));
        if let Some(f) = fail.map(|i| AgentKind::ALL[i]) {
            let inner = set.get(f).clone();
            set = set.replace(Arc::new(Faulty { kind: f, fault: Arc::new(Fault::Fail), inner }));
        }
        let g = rt.block_on(run(&p, &set));
        for n in &g.nodes {
            // every node ends final with a reason
            match n.status {
                NodeStatus::Completed => prop_assert!(n.output.is_some()),
                NodeStatus::Failed | NodeStatus::TimedOut => prop_assert!(n.error.is_some()),
                NodeStatus::Skipped | NodeStatus::Cancelled => prop_assert!(n.skip_reason.is_some()),
            }
            // dependencies completed before start
            if let Some(start) = n.started_us {
                for d in &n.depends_on {
                    let dep = g.node(*d);
                    prop_assert_eq!(dep.status, NodeStatus::Completed);
                    prop_assert!(dep.finished_us.unwrap() <= start);
                }
            }
        }
        // max_parallel never exceeded: count overlaps at every start instant
        let spans: Vec<(u64, u64)> = g.nodes.iter().filter_map(|n| Some((n.started_us?, n.finished_us?))).collect();
        for (s, _) in &spans {
            let overlapping = spans.iter().filter(|(a, b)| a <= s && s < b).count();
            prop_assert!(overlapping <= par, "{} running at {}us with max_parallel {}", overlapping, s, par);
        }
        if g.nodes.iter().any(|n| n.status == NodeStatus::Failed) {
            prop_assert_ne!(g.decision.action, DecisionAction::AutoResolve);
        }
    }
}
