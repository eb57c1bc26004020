//! `reconagent bench --suite llm`: the 400 sample breaks with PATTERN and DECISIONING backed by
//! a model, through the real HTTP client, against a local OpenAI-compatible server
//! (`reconagent-llm-fake`, 127.0.0.1) that answers after a realistic latency. v1 (every agent in
//! sequence) against v2 (the policy's plans): wall time per break against its critical path
//! (the longest chain of the agents that completed, at their measured durations), model calls,
//! tokens and cost per break (measured from each response's `usage`, priced at the policy's
//! table), and the calls v2's early exits saved.

use anyhow::{anyhow, Result};
use reconagent_engine::agents::{AgentSet, LatencyProfile};
use reconagent_engine::graph::{ExecutionGraph, NodeStatus, RunMode};
use reconagent_engine::llm::agent::LlmRuntime;
use reconagent_engine::llm::exchanges::MemoryExchanges;
use reconagent_engine::orchestrate::{BatchOptions, Orchestrator};
use reconagent_engine::policy::{PolicySet, BUNDLED_POLICIES};
use reconagent_engine::refdata::ReferenceData;
use reconagent_engine::sample::{bundled_breaks, sample_as_of};
use reconagent_engine::RiskTier;
use reconagent_llm_fake::policy::{llm_section, write};
use reconagent_llm_fake::FakeServer;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

/// The server's answer time: a small hosted model's typical latency for a short JSON answer.
pub(crate) const MODEL_LATENCY_MS: u64 = 300;

/// The critical path of a run in µs: the longest dependency chain of the agents that
/// completed, each at its measured duration.
fn critical_path_us(g: &ExecutionGraph) -> u64 {
    let durations = LatencyProfile(std::array::from_fn(|i| {
        let n = &g.nodes[i];
        match (n.status, n.started_us, n.finished_us) {
            (NodeStatus::Completed, Some(a), Some(b)) => b.saturating_sub(a),
            _ => 0,
        }
    }));
    g.longest_chain_ms(&durations, |s| s == NodeStatus::Completed)
}

#[derive(Default)]
struct Class {
    n: usize,
    wall_us: u64,
    path_us: u64,
    calls: u64,
    cancelled: u64,
    tokens: u64,
    cost: Decimal,
}

fn run(orch: &Orchestrator, mode: RunMode) -> Result<(Vec<ExecutionGraph>, f64, Arc<LlmRuntime>)> {
    // a fresh cache per mode, so neither answers the other's questions
    let cfg = orch.policies.llm.clone().ok_or_else(|| anyhow!("no llm section"))?;
    let rt = Arc::new(LlmRuntime::http(cfg, Arc::new(MemoryExchanges::default())).map_err(|e| anyhow!(e))?);
    let orch = orch.clone().with_agents(AgentSet::builtin().with_llm(rt.clone()).map_err(|e| anyhow!(e))?);
    let breaks = bundled_breaks();
    let n = breaks.len();
    let mut opts = BatchOptions::new(mode, sample_as_of());
    opts.concurrency = 64;
    let mut out = Vec::with_capacity(n);
    let start = Instant::now();
    tokio::runtime::Builder::new_multi_thread().enable_all().max_blocking_threads(128).build()?.block_on(orch.process_batch(
        breaks,
        n,
        &opts,
        |g| out.push(g),
        |_| {},
    ));
    Ok((out, start.elapsed().as_secs_f64(), rt))
}

pub(crate) fn run_suite(report: &mut Value) -> Result<()> {
    let server = FakeServer::start(MODEL_LATENCY_MS)?;
    let dir = tempfile::tempdir()?;
    let path = write(dir.path(), BUNDLED_POLICIES, &llm_section(&server.base_url(), "bench-model", "  max_calls_in_flight: 64\n", 10_000, 1));
    let set = PolicySet::load_file(&path).map_err(|e| anyhow!("{e}"))?;
    let base = set.classifier.base_currency.clone();
    let orch = Orchestrator::new(Arc::new(set), Arc::new(ReferenceData::bundled()));
    let (v1, v1_s, rt1) = run(&orch, RunMode::V1)?;
    let (v2, v2_s, rt2) = run(&orch, RunMode::V2)?;
    let class = |t: RiskTier| match t {
        RiskTier::Low => "simple (LOW)",
        RiskTier::Medium => "medium (MEDIUM)",
        _ => "complex (HIGH, CRITICAL)",
    };
    let mut table: BTreeMap<&str, (Class, Class)> = BTreeMap::new();
    let mut all = (Class::default(), Class::default());
    let v1: BTreeMap<String, ExecutionGraph> = v1.into_iter().map(|g| (g.break_id.clone(), g)).collect();
    let mut agree = 0;
    for g2 in &v2 {
        let g1 = &v1[&g2.break_id];
        agree += usize::from(g1.decision.action == g2.decision.action);
        let row = table.entry(class(g2.profile.tier)).or_default();
        for (c, g) in [(&mut row.0, g1), (&mut row.1, g2), (&mut all.0, g1), (&mut all.1, g2)] {
            let u = g.llm_usage();
            c.n += 1;
            c.wall_us += g.wall_us;
            c.path_us += critical_path_us(g);
            c.calls += u.calls - u.refused_calls;
            c.cancelled += u.cancelled_calls;
            c.tokens += u.prompt_tokens + u.completion_tokens;
            c.cost += u.cost;
        }
    }
    println!("  model-backed PATTERN and DECISIONING through a local OpenAI-compatible server ({MODEL_LATENCY_MS} ms per answer), 400 sample breaks:");
    println!(
        "    {:<26} {:>5} {:>24} {:>24} {:>8} {:>15} {:>16} {:>23}",
        "breaks",
        "n",
        "v1 ms (path) / calls",
        "v2 ms (path) / calls",
        "faster",
        "tokens v1 -> v2",
        "calls saved",
        &format!("cost {base} v1 -> v2")
    );
    let mut rows = Vec::new();
    let list: Vec<(&str, &(Class, Class))> = table.iter().map(|(k, v)| (*k, v)).chain(std::iter::once(("average", &all))).collect();
    for (name, (c1, c2)) in list {
        let per = |c: &Class| {
            let n = c.n.max(1) as f64;
            (c.wall_us as f64 / n / 1000.0, c.path_us as f64 / n / 1000.0, c.calls as f64 / n, c.tokens as f64 / n, c.cost / Decimal::from(c.n.max(1) as u64))
        };
        let (w1, p1, k1, t1, m1) = per(c1);
        let (w2, p2, k2, t2, m2) = per(c2);
        let saved = c1.calls.saturating_sub(c2.calls);
        let faster = 100.0 * (1.0 - w2 / w1.max(1e-9));
        println!(
            "    {:<26} {:>5} {:>9.0} ({:>4.0}) / {:>4.2} {:>9.0} ({:>4.0}) / {:>4.2} {:>7.1}% {:>6.0} -> {:>6.0} {:>7} ({:>4.1}%) {:>10.6} -> {:>9.6}",
            name,
            c2.n,
            w1,
            p1,
            k1,
            w2,
            p2,
            k2,
            faster,
            t1,
            t2,
            saved,
            100.0 * saved as f64 / c1.calls.max(1) as f64,
            m1.round_dp(6),
            m2.round_dp(6)
        );
        rows.push(json!({
            "class": name, "n": c2.n,
            "v1_ms": w1, "v1_critical_path_ms": p1, "v1_calls": k1, "v1_tokens": t1, "v1_cost": m1.round_dp(8).to_string(),
            "v2_ms": w2, "v2_critical_path_ms": p2, "v2_calls": k2, "v2_tokens": t2, "v2_cost": m2.round_dp(8).to_string(),
            "faster_pct": faster, "calls_saved": saved, "v2_calls_not_waited_for": c2.cancelled,
        }));
    }
    let (u1, u2) = (rt1.usage(), rt2.usage());
    println!(
        "    batch wall time (64 breaks at a time): v1 {v1_s:.1} s, v2 {v2_s:.1} s; requests served: {}; decisions equal to v1: {:.1}%",
        server.requests(),
        100.0 * agree as f64 / v2.len().max(1) as f64
    );
    println!("    v2 calls an early exit stopped waiting for (paid, counted at their worst case): {}", u2.cancelled_calls);
    println!("    seed's claims: average 1133 ms against 2500 ms, $0.06 against $0.12 per break (its own cost model)");
    report["llm"] = json!({
        "model_latency_ms": MODEL_LATENCY_MS,
        "price_per_million_tokens": {"prompt": "0.15", "completion": "0.60"},
        "rows": rows,
        "v1_batch_s": v1_s, "v2_batch_s": v2_s,
        "v1_usage": {"calls": u1.calls, "tokens": u1.prompt_tokens + u1.completion_tokens, "cost": u1.cost.to_string()},
        "v2_usage": {"calls": u2.calls, "tokens": u2.prompt_tokens + u2.completion_tokens, "cost": u2.cost.to_string(), "not_waited_for": u2.cancelled_calls},
        "decision_agreement_pct": 100.0 * agree as f64 / v2.len().max(1) as f64,
    });
    Ok(())
}
