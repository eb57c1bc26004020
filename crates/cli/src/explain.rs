//! `reconagent explain`: one break's execution graph as text.

use crate::Inputs;
use anyhow::{bail, Result};
use chrono::Utc;
use reconagent_engine::graph::{ExecutionGraph, RunMode};
use std::process::ExitCode;

pub(crate) fn run(break_id: &str, inputs: &Inputs, mode: RunMode) -> Result<ExitCode> {
    let orch = crate::orchestrator(inputs)?;
    let (report, _) = crate::load_breaks(&inputs.breaks)?;
    let Some(brk) = report.breaks.into_iter().find(|b| b.break_id == break_id) else {
        bail!("no break `{break_id}` in {}", inputs.breaks.display());
    };
    let graph = crate::runtime()?.block_on(orch.process_break(&brk, mode, inputs.as_of.unwrap_or_else(Utc::now)));
    print!("{}", render(&graph));
    Ok(ExitCode::SUCCESS)
}

/// The text form of a graph.
pub(crate) fn render(g: &ExecutionGraph) -> String {
    let p = &g.profile;
    let mut s = format!(
        "break {} ({}) run {} under {} [policy {}]\n  exposure {} {} ({})  tier {} (by exposure {})  age {}d  materiality {}  urgency {}\n  hints: {}\n",
        g.break_id,
        p.break_type,
        g.mode.as_str(),
        g.policy_key,
        &g.policy_version[..12.min(g.policy_version.len())],
        p.exposure,
        p.base_currency,
        p.exposure_basis.describe(),
        p.tier,
        p.exposure_tier,
        p.age_days,
        p.materiality,
        p.urgency,
        if p.hints.is_empty() { "none".to_string() } else { p.hints.iter().map(|h| h.as_str()).collect::<Vec<_>>().join(", ") },
    );
    if let Some(l) = &g.emulated_latency {
        s += &format!("  (emulated agent latency: {:?} ms)\n", l.0);
    }
    s += "\n  agent        status      start..end (us)   wait  tries  depends on / reason\n";
    for n in &g.nodes {
        let span = match (n.started_us, n.finished_us) {
            (Some(a), Some(b)) => format!("{a}..{b}"),
            _ => "-".into(),
        };
        let detail = match (&n.error, &n.skip_reason) {
            (Some(e), _) => format!("error: {e}"),
            (_, Some(r)) => r.to_string(),
            _ => n.depends_on.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(", "),
        };
        s += &format!("  {:<12} {:<11} {:<17} {:>5}  {:>5}  {}\n", n.agent.as_str(), format!("{:?}", n.status), span, n.waited_us, n.attempts, detail);
    }
    for c in &g.checkpoints {
        s += &format!(
            "\n  checkpoint {} after {}: `{}` -> {}{}",
            c.id,
            c.after_agent,
            c.condition,
            if c.fired { "FIRED" } else { "not fired" },
            c.error.as_ref().map(|e| format!(" (error: {e})")).unwrap_or_default()
        );
    }
    s += &format!(
        "\n\n  decision: {} (confidence {:.2}) by {}\n{}{}  agents: {} invoked of {} planned; wall {} us\n",
        g.decision.action,
        g.decision.confidence,
        g.decision.decided_by,
        g.decision.rationale.iter().map(|r| format!("    - {r}\n")).collect::<String>(),
        if g.decision.holds.is_empty() {
            String::new()
        } else {
            format!("  held for review because (safety invariant S1):\n{}", g.decision.holds.iter().map(|h| format!("    ! {h}\n")).collect::<String>())
        },
        g.agents_invoked(),
        g.agents_planned(),
        g.wall_us
    );
    s
}
