//! `reconagent compare`: v1 and v2 over the same breaks.

use crate::Inputs;
use anyhow::Result;
use chrono::Utc;
use reconagent_engine::graph::{ExecutionGraph, RunMode};
use reconagent_engine::DecisionAction;
use std::collections::BTreeMap;
use std::process::ExitCode;

#[derive(Default)]
struct Group {
    n: usize,
    agree: usize,
    v1_agents: usize,
    v2_agents: usize,
    v1_us: u64,
    v2_us: u64,
}

pub(crate) fn run(inputs: &Inputs) -> Result<ExitCode> {
    let orch = crate::orchestrator(inputs)?;
    let (report, failed) = crate::load_breaks(&inputs.breaks)?;
    let as_of = inputs.as_of.unwrap_or_else(Utc::now);
    let v1 = crate::run_batch(&orch, report.breaks.clone(), RunMode::V1, as_of)?;
    let v2 = crate::run_batch(&orch, report.breaks, RunMode::V2, as_of)?;
    let mut groups: BTreeMap<(String, String), Group> = BTreeMap::new();
    let mut total = Group::default();
    let mut unsafe_auto = Vec::new();
    for (a, b) in v1.iter().zip(&v2) {
        let key = (b.profile.break_type.to_string(), b.profile.tier.to_string());
        for g in [groups.entry(key).or_default(), &mut total] {
            add(g, a, b);
        }
        if b.decision.action == DecisionAction::AutoResolve && a.decision.action == DecisionAction::Escalate {
            unsafe_auto.push(b.break_id.clone());
        }
    }
    println!("{:<22} {:<9} {:>5} {:>7} {:>8} {:>8} {:>8}", "type", "tier", "n", "agree", "v1 ag.", "v2 ag.", "saved");
    for ((ty, tier), g) in &groups {
        line(ty, tier, g);
    }
    line("ALL", "", &total);
    println!(
        "\ndecision agreement {:.1}%; agents saved {:.1}% ({} of {}); v2 AUTO_RESOLVE that v1 ESCALATEs: {}",
        pct(total.agree, total.n),
        pct(total.v1_agents - total.v2_agents, total.v1_agents),
        total.v1_agents - total.v2_agents,
        total.v1_agents,
        if unsafe_auto.is_empty() { "none".to_string() } else { unsafe_auto.join(", ") }
    );
    println!(
        "engine time per break (no emulated latency): v1 {:.1} us, v2 {:.1} us",
        total.v1_us as f64 / total.n.max(1) as f64,
        total.v2_us as f64 / total.n.max(1) as f64
    );
    Ok(if failed || !unsafe_auto.is_empty() { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn add(g: &mut Group, a: &ExecutionGraph, b: &ExecutionGraph) {
    g.n += 1;
    g.agree += usize::from(a.decision.action == b.decision.action);
    g.v1_agents += a.agents_invoked();
    g.v2_agents += b.agents_invoked();
    g.v1_us += a.wall_us;
    g.v2_us += b.wall_us;
}

fn pct(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 * 100.0 / b as f64
    }
}

fn line(ty: &str, tier: &str, g: &Group) {
    println!(
        "{:<22} {:<9} {:>5} {:>6.1}% {:>8.2} {:>8.2} {:>7.1}%",
        ty,
        tier,
        g.n,
        pct(g.agree, g.n),
        g.v1_agents as f64 / g.n.max(1) as f64,
        g.v2_agents as f64 / g.n.max(1) as f64,
        pct(g.v1_agents - g.v2_agents, g.v1_agents)
    );
}
