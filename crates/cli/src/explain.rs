//! `reconagent explain`: one break's execution graph as text.

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Utc};
use reconagent_engine::graph::{ExecutionGraph, RunMode};
use reconagent_engine::llm::replay::{differences, recorded_history, RecordedHistory};
use reconagent_engine::orchestrate::Orchestrator;
use reconagent_engine::policy::PolicySet;
use reconagent_engine::refdata::ReferenceData;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

pub(crate) struct Request {
    pub break_id: String,
    pub breaks: Option<PathBuf>,
    pub policies: PolicySet,
    pub refdata: ReferenceData,
    pub as_of: Option<DateTime<Utc>>,
    pub db: Option<PathBuf>,
    pub replay: bool,
    pub mode: RunMode,
}

pub(crate) fn run(r: Request) -> Result<ExitCode> {
    let id = r.break_id.as_str();
    let store = match &r.db {
        Some(db) => Some(crate::stored::open_existing(Some(db))?),
        None => None,
    };
    let brk = match (&r.breaks, &store) {
        (Some(file), _) => {
            let (report, _) = crate::load_breaks(file)?;
            let Some(b) = report.breaks.into_iter().find(|b| b.break_id == id) else { bail!("no break `{id}` in {}", file.display()) };
            b
        }
        (None, Some(store)) => store.get_break(id).with_context(|| format!("break `{id}` in {}", store.location()))?,
        (None, None) => bail!("name the break's file with --breaks, or its database with --db"),
    };
    let recorded = match &store {
        Some(store) if r.replay => {
            let runs = store.runs_of(id)?;
            let Some((run_id, g)) = runs.into_iter().rev().find(|(_, g)| g.mode == r.mode) else {
                bail!("break `{id}` has no recorded {} run in {} to replay", r.mode.as_str(), store.location())
            };
            Some((run_id, g))
        }
        _ => None,
    };
    let exchanges = crate::models::exchanges_for(r.db.as_deref())?;
    let mut orch = Orchestrator::new(Arc::new(r.policies), Arc::new(r.refdata));
    if let Some((_, g)) = &recorded {
        if let Some(h) = recorded_history(g, &*exchanges).map_err(|e| anyhow::anyhow!("cannot replay: {e}"))? {
            orch = orch.with_history(Arc::new(RecordedHistory(h)));
        }
    } else if let Some(store) = &store {
        orch = orch.with_history(store.history()?);
    }
    let (orch, models) = crate::models::attach(orch, exchanges, r.replay)?;
    let as_of = r.as_of.or(recorded.as_ref().and_then(|(_, g)| g.as_of)).unwrap_or_else(Utc::now);
    let graph = crate::runtime()?.block_on(orch.process_break(&brk, r.mode, as_of));
    print!("{}", render(&graph));
    let Some((run_id, rec)) = recorded else { return Ok(ExitCode::SUCCESS) };
    if models.is_none() {
        println!("\n  (the policy has no model-backed agents: the run is replayed by the rules alone)");
    }
    let diffs = differences(&rec, &graph);
    if diffs.is_empty() {
        println!("\n  replay: the same graph as run #{run_id} (recorded {}), offline", rec.started_at.format("%Y-%m-%dT%H:%M:%SZ"));
        Ok(ExitCode::SUCCESS)
    } else {
        println!("\n  replay: differs from run #{run_id}:");
        for d in diffs {
            println!("    - {d}");
        }
        Ok(ExitCode::from(1))
    }
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
    if !g.llm_calls.is_empty() {
        s += "\n\n  model calls:";
        for c in &g.llm_calls {
            s += &format!(
                "\n    {} {}: {:?}{}, {} + {} tokens{}, cost {}, {} ms, {} attempt(s), request {}",
                c.agent,
                c.model,
                c.outcome,
                c.verdict.map(|v| format!(" ({v:?})")).unwrap_or_default(),
                c.prompt_tokens,
                c.completion_tokens,
                if c.usage_estimated { " (estimated)" } else { "" },
                c.cost.normalize(),
                c.latency_ms,
                c.attempts,
                &c.request_sha256[..12.min(c.request_sha256.len())]
            );
            if let Some(n) = &c.note {
                s += &format!("\n      {n}");
            }
        }
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
