//! `reconagent bench --suite latency`: the engine's scheduling with real (emulated) agent
//! latency, on the wall clock. Three measurements:
//!
//! 1. every plan's wall time against its lower bound: the longest chain of the agents that
//!    completed, or their total work divided by `max_parallel`, whichever is larger;
//! 2. the seed's table re-measured on the sample breaks: v1 and v2 time, agents and modelled
//!    cost for simple (LOW), medium (MEDIUM) and complex (HIGH, CRITICAL) breaks;
//! 3. 1,000 breaks at once under a global limit on concurrent agent calls: total time against
//!    total agent work divided by the limit.

use anyhow::Result;
use reconagent_engine::agents::{AgentSet, LatencyProfile};
use reconagent_engine::cost::CostModel;
use reconagent_engine::graph::{ExecutionGraph, NodeStatus, RunMode};
use reconagent_engine::orchestrate::{BatchOptions, Orchestrator};
use reconagent_engine::sample::{bundled_breaks, generate_from, sample_as_of};
use reconagent_engine::{Break, DecisionAction, RiskTier};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Instant;

const LATENCY: LatencyProfile = LatencyProfile::SEED;

fn latency_of(g: &ExecutionGraph, status: NodeStatus) -> u64 {
    g.nodes.iter().filter(|n| n.status == status).map(|n| LATENCY.0[n.agent.index()]).sum()
}

/// The lower bound on a run's wall time, in ms: the agents that completed could not have
/// finished sooner than their longest dependency chain, nor than their total work spread over
/// `max_parallel` slots.
pub(crate) fn lower_bound_ms(g: &ExecutionGraph) -> f64 {
    let chain = g.longest_chain_ms(&LATENCY, |s| s == NodeStatus::Completed) as f64;
    chain.max(latency_of(g, NodeStatus::Completed) as f64 / g.max_parallel.max(1) as f64)
}

fn run(orch: &Orchestrator, breaks: Vec<Break>, mode: RunMode, limit: Option<usize>) -> Result<(Vec<ExecutionGraph>, f64)> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let mut opts = BatchOptions::new(mode, sample_as_of());
    opts.concurrency = breaks.len().max(1);
    opts.agent_call_limit = limit;
    let mut out = Vec::with_capacity(breaks.len());
    let n = breaks.len();
    let start = Instant::now();
    rt.block_on(orch.process_batch(breaks, n, &opts, |g| out.push(g), |_| {}));
    Ok((out, start.elapsed().as_secs_f64()))
}

fn scheduling(orch: &Orchestrator) -> Result<Value> {
    // One break per plan (the first generated break each plan would route), all at once.
    let refdata = &orch.refdata;
    let mut per_plan: BTreeMap<String, Break> = BTreeMap::new();
    for b in generate_from(11, 0, 20_000, refdata) {
        let p = reconagent_engine::classify::classify(&b, refdata, &orch.policies.classifier, sample_as_of());
        per_plan.entry(orch.policies.plan_for(&p.break_type, p.tier).key()).or_insert(b);
    }
    let (mut graphs, _) = run(orch, per_plan.into_values().collect(), RunMode::V2, None)?;
    let (v1, _) = run(orch, vec![bundled_breaks().remove(0)], RunMode::V1, None)?;
    graphs.extend(v1);
    graphs.sort_by(|a, b| (a.mode.as_str(), &a.policy_key).cmp(&(b.mode.as_str(), &b.policy_key)));
    println!("  scheduling with the seed's latency (v1 = 2500 ms), one break per plan:");
    println!("    {:<34} {:>7} {:>9} {:>9} {:>7} {:>6}", "plan", "agents", "wall ms", "bound ms", "ratio", "ok");
    let mut rows = Vec::new();
    let mut all_ok = true;
    for g in &graphs {
        let wall = g.wall_us as f64 / 1000.0;
        let bound = lower_bound_ms(g);
        let ok = wall <= bound * 1.02 + 5.0;
        all_ok &= ok;
        let key = if g.mode == RunMode::V1 { "v1 (all seven, in sequence)".to_string() } else { g.policy_key.clone() };
        println!("    {:<34} {:>7} {:>9.1} {:>9.0} {:>7.4} {:>6}", key, g.agents_invoked(), wall, bound, wall / bound.max(1.0), if ok { "yes" } else { "NO" });
        rows.push(json!({"plan": key, "agents_invoked": g.agents_invoked(), "early_exit": g.early_exit().map(|c| c.id.clone()), "wall_ms": wall, "bound_ms": bound, "ratio": wall / bound.max(1.0), "within_target": ok}));
    }
    println!("    every plan within 2% + 5 ms of its bound: {}", if all_ok { "yes" } else { "NO" });
    Ok(json!({"plans": rows, "all_within_target": all_ok}))
}

#[derive(Default)]
struct Class {
    n: usize,
    wall_ms: f64,
    agents: usize,
    cost: rust_decimal::Decimal,
}

fn seed_table(orch: &Orchestrator) -> Result<Value> {
    let breaks = bundled_breaks();
    let (v1, _) = run(orch, breaks.clone(), RunMode::V1, None)?;
    let (v2, _) = run(orch, breaks, RunMode::V2, None)?;
    let v1: BTreeMap<String, ExecutionGraph> = v1.into_iter().map(|g| (g.break_id.clone(), g)).collect();
    let class = |t: RiskTier| match t {
        RiskTier::Low => "simple (LOW)",
        RiskTier::Medium => "medium (MEDIUM)",
        _ => "complex (HIGH, CRITICAL)",
    };
    let mut table: BTreeMap<&str, (Class, Class)> = BTreeMap::new();
    let mut all = (Class::default(), Class::default());
    let (mut agree, mut unsafe_auto) = (0, 0);
    for g2 in &v2 {
        let g1 = &v1[&g2.break_id];
        agree += usize::from(g1.decision.action == g2.decision.action);
        unsafe_auto += usize::from(g2.decision.action == DecisionAction::AutoResolve && g1.decision.action == DecisionAction::Escalate);
        let row = table.entry(class(g2.profile.tier)).or_default();
        for (c, g) in [(&mut row.0, g1), (&mut row.1, g2), (&mut all.0, g1), (&mut all.1, g2)] {
            c.n += 1;
            c.wall_ms += g.wall_us as f64 / 1000.0;
            c.agents += g.agents_invoked();
            c.cost += g.modelled_cost(&CostModel::SEED);
        }
    }
    println!("  the seed's table re-measured (400 sample breaks, seed latency, wall clock):");
    println!("    {:<26} {:>5} {:>22} {:>22} {:>8} {:>18}", "breaks", "n", "v1 ms / agents", "v2 ms / agents", "faster", "cost v1 -> v2");
    let mut rows = Vec::new();
    let rows_iter: Vec<(&str, &(Class, Class))> = table.iter().map(|(k, v)| (*k, v)).chain(std::iter::once(("average", &all))).collect();
    for (name, (c1, c2)) in rows_iter {
        let m = |c: &Class| (c.wall_ms / c.n.max(1) as f64, c.agents as f64 / c.n.max(1) as f64, c.cost / rust_decimal::Decimal::from(c.n.max(1) as u64));
        let (t1, a1, k1) = m(c1);
        let (t2, a2, k2) = m(c2);
        let faster = 100.0 * (1.0 - t2 / t1);
        println!(
            "    {:<26} {:>5} {:>13.0} ms / {:>4.2} {:>13.0} ms / {:>4.2} {:>7.1}% {:>8.3} -> {:>6.3}",
            name,
            c2.n,
            t1,
            a1,
            t2,
            a2,
            faster,
            k1.round_dp(3),
            k2.round_dp(3)
        );
        rows.push(json!({"class": name, "n": c2.n, "v1_ms": t1, "v1_agents": a1, "v2_ms": t2, "v2_agents": a2, "faster_pct": faster, "v1_cost": k1.round_dp(4).to_string(), "v2_cost": k2.round_dp(4).to_string()}));
    }
    let n = v2.len().max(1);
    println!("    decisions equal to v1: {:.1}%; v2 AUTO_RESOLVE where v1 ESCALATEs: {unsafe_auto}", 100.0 * agree as f64 / n as f64);
    println!("    seed's claims: simple 800 ms / 3, medium 1200 ms / 5, complex 1400 ms / 7, average 1133 ms (55% faster), $0.06 vs $0.12");
    Ok(json!({"rows": rows, "decision_agreement_pct": 100.0 * agree as f64 / n as f64, "auto_resolve_where_v1_escalates": unsafe_auto}))
}

fn under_limit(orch: &Orchestrator, limit: usize) -> Result<Value> {
    let breaks = generate_from(21, 0, 1000, &orch.refdata);
    let (graphs, secs) = run(orch, breaks, RunMode::V2, Some(limit))?;
    // Every agent that started held a slot: completed ones for their full latency; cancelled
    // ones (an early exit elsewhere in their run) for part of it, which the bound leaves out.
    let work_ms: u64 = graphs.iter().map(|g| latency_of(g, NodeStatus::Completed)).sum();
    let bound = work_ms as f64 / limit as f64 / 1000.0;
    let cancelled: usize = graphs.iter().map(|g| g.nodes.iter().filter(|n| n.status == NodeStatus::Cancelled).count()).sum();
    let ratio = secs / bound;
    println!("  1,000 breaks at once, at most {limit} agent calls at a time:");
    println!(
        "    total {secs:.2} s; bound (completed agent work / limit) {bound:.2} s; ratio {ratio:.4} ({}); {cancelled} agent call(s) cancelled by early exits",
        if ratio <= 1.05 { "within 5%" } else { "NOT within 5%" }
    );
    Ok(
        json!({"breaks": graphs.len(), "limit": limit, "total_s": secs, "bound_s": bound, "ratio": ratio, "within_target": ratio <= 1.05, "cancelled_calls": cancelled}),
    )
}

pub(crate) fn run_suite(report: &mut Value, limit: usize) -> Result<()> {
    let base = Orchestrator::bundled();
    let orch = base.clone().with_agents(AgentSet::builtin().with_latency(LATENCY));
    report["latency"] = json!({
        "profile_ms": LATENCY.0,
        "scheduling": scheduling(&orch)?,
        "seed_table": seed_table(&orch)?,
        "under_limit": under_limit(&orch, limit)?,
    });
    Ok(())
}
