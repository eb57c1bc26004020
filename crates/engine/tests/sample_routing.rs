//! The shipped policies over the committed sample data: the seed's routing table, early exits
//! with their reasons, and the safety properties of the decisions.

use reconagent_engine::graph::{ExecutionGraph, NodeStatus, RunMode, SkipReason};
use reconagent_engine::import;
use reconagent_engine::orchestrate::{BatchOptions, Orchestrator};
use reconagent_engine::refdata::ReferenceData;
use reconagent_engine::sample::{self, sample_as_of};
use reconagent_engine::{BreakType, DecisionAction, RiskTier};
use std::collections::HashMap;
use std::path::Path;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn run_all(mode: RunMode) -> Vec<ExecutionGraph> {
    let report = import::read_file(&root().join("data/sample_breaks.csv")).expect("the sample file loads");
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let orch = Orchestrator::bundled();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let mut graphs = Vec::new();
    let n = report.breaks.len();
    rt.block_on(orch.process_batch(report.breaks, n, &BatchOptions::new(mode, sample_as_of()), |g| graphs.push(g), |_| {}));
    graphs.sort_by(|a, b| a.break_id.cmp(&b.break_id));
    graphs
}

#[test]
fn the_committed_sample_is_the_generators_output() -> TestResult {
    let breaks = sample::generate(sample::SAMPLE_SEED, sample::SAMPLE_COUNT, &ReferenceData::bundled());
    let csv = std::fs::read_to_string(root().join("data/sample_breaks.csv"))?;
    assert_eq!(csv, import::to_csv(&breaks), "regenerate with `reconagent sample`");
    let json = import::read_file(&root().join("data/sample_breaks.json"))?;
    assert_eq!(json.breaks, breaks, "the JSON sample holds the same breaks as the CSV");
    assert_eq!(sample::bundled_breaks(), breaks, "the embedded sample is the committed one");
    Ok(())
}

#[test]
fn the_sample_covers_every_type_tier_and_scenario() -> TestResult {
    let graphs = run_all(RunMode::V2);
    let mut seen: HashMap<(String, RiskTier), usize> = HashMap::new();
    for g in &graphs {
        *seen.entry((g.profile.break_type.to_string(), g.profile.tier)).or_default() += 1;
    }
    for ty in BreakType::KNOWN {
        for tier in [RiskTier::Low, RiskTier::Medium, RiskTier::High] {
            if ty == BreakType::RegulatoryData && tier < RiskTier::High {
                continue; // floor: never below HIGH
            }
            assert!(seen.get(&(ty.to_string(), tier)).copied().unwrap_or(0) >= 5, "few {ty} {tier} breaks: {seen:?}");
        }
    }
    assert!(graphs.iter().any(|g| matches!(g.profile.break_type, BreakType::Other(_))), "unknown types present");
    assert!(graphs.iter().any(|g| g.profile.hints.iter().any(|h| h.as_str() == "LIKELY_TIMING_DIFFERENCE")));
    assert!(graphs.iter().any(|g| g.profile.tier > g.profile.exposure_tier), "age escalation present");
    Ok(())
}

/// The most common invoked-agent count for a type and tier.
fn typical(graphs: &[ExecutionGraph], ty: &str, tier: RiskTier) -> usize {
    let mut counts: HashMap<usize, usize> = HashMap::new();
    for g in graphs.iter().filter(|g| g.profile.break_type.as_str() == ty && g.profile.tier == tier) {
        *counts.entry(g.agents_invoked()).or_default() += 1;
    }
    counts.into_iter().max_by_key(|(k, n)| (*n, *k)).map(|(k, _)| k).unwrap_or(0)
}

#[test]
fn invoked_agents_land_where_the_seed_routing_table_says() -> TestResult {
    let g = run_all(RunMode::V2);
    let table = [
        ("TRADE_OMS_MISMATCH", RiskTier::Low, 3..=3),
        ("TRADE_OMS_MISMATCH", RiskTier::Medium, 4..=5),
        ("TRADE_OMS_MISMATCH", RiskTier::High, 7..=7),
        ("TRADE_OMS_MISMATCH", RiskTier::Critical, 7..=7),
        ("CASH_RECONCILIATION", RiskTier::Low, 3..=3),
        ("CASH_RECONCILIATION", RiskTier::Medium, 4..=4),
        ("CASH_RECONCILIATION", RiskTier::High, 6..=6),
        ("BROKER_VS_INTERNAL", RiskTier::Low, 4..=4),
        ("BROKER_VS_INTERNAL", RiskTier::Medium, 5..=5),
        ("BROKER_VS_INTERNAL", RiskTier::High, 7..=7),
        ("PNL_RECONCILIATION", RiskTier::Low, 4..=4),
        ("PNL_RECONCILIATION", RiskTier::Medium, 5..=5),
        ("PNL_RECONCILIATION", RiskTier::High, 7..=7),
        ("REGULATORY_DATA", RiskTier::High, 6..=7),
        ("REGULATORY_DATA", RiskTier::Critical, 6..=7),
    ];
    for (ty, tier, want) in table {
        let got = typical(&g, ty, tier);
        assert!(want.contains(&got), "{ty} {tier}: typically {got} agents, the seed says {want:?}");
    }
    Ok(())
}

#[test]
fn early_exits_record_why_every_other_agent_was_skipped() -> TestResult {
    let graphs = run_all(RunMode::V2);
    let early: Vec<_> = graphs.iter().filter(|g| g.early_exit().is_some()).collect();
    assert!(early.len() > 50, "only {} early exits", early.len());
    for g in early {
        let cp = g.early_exit().unwrap();
        for n in &g.nodes {
            match n.status {
                NodeStatus::Completed => assert!(n.output.is_some()),
                NodeStatus::Skipped | NodeStatus::Cancelled => {
                    let reason = n.skip_reason.as_ref().expect("a skipped agent has a reason");
                    if n.planned {
                        assert_eq!(reason, &SkipReason::EarlyExit { checkpoint: cp.id.clone(), after_agent: cp.after_agent });
                    } else {
                        assert!(matches!(reason, SkipReason::NotInPolicy { .. }));
                    }
                }
                other => panic!("{}: unexpected {other:?}", g.break_id),
            }
        }
    }
    let cash_low = graphs.iter().find(|g| g.policy_key == "CASH_RECONCILIATION/LOW" && g.early_exit().is_some()).unwrap();
    assert_eq!(cash_low.agents_invoked(), 3);
    assert_eq!(cash_low.decision.action, DecisionAction::AutoResolve);
    Ok(())
}

#[test]
fn decisions_are_safe() -> TestResult {
    let v1 = run_all(RunMode::V1);
    let v2 = run_all(RunMode::V2);
    let mut agree = 0;
    for (a, b) in v1.iter().zip(&v2) {
        assert_eq!(a.break_id, b.break_id);
        assert_eq!(a.agents_invoked(), 7, "v1 always runs all seven");
        if b.decision.action == DecisionAction::AutoResolve {
            assert_ne!(a.decision.action, DecisionAction::Escalate, "{}: v2 auto-resolves what v1 escalates", b.break_id);
            assert!(b.profile.tier <= RiskTier::Medium, "{}: auto-resolved at {}", b.break_id, b.profile.tier);
        }
        if b.profile.break_type == BreakType::RegulatoryData {
            assert_ne!(b.decision.action, DecisionAction::AutoResolve);
            assert_ne!(a.decision.action, DecisionAction::AutoResolve);
        }
        agree += usize::from(a.decision.action == b.decision.action);
    }
    assert!(agree * 100 / v1.len() >= 95, "agreement {agree}/{}", v1.len());
    Ok(())
}

/// A demo loaded on any later (or earlier) day is a normal day: the sample moved to `now` and
/// run as of `now` gets, break by break, the tier, decision, plan and SLA clock (deadline minus
/// as-of) it gets at its anchor. Offsets from seconds to years, odd hours included.
#[test]
fn the_sample_moved_to_any_day_decides_as_on_its_own_day() -> TestResult {
    let orch = Orchestrator::bundled();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let run = |breaks: Vec<reconagent_engine::Break>, at: chrono::DateTime<chrono::Utc>| {
        let n = breaks.len();
        let mut graphs = Vec::new();
        rt.block_on(orch.process_batch(breaks, n, &BatchOptions::new(RunMode::V2, at), |g| graphs.push(g), |_| {}));
        graphs.sort_by(|a, b| a.break_id.cmp(&b.break_id));
        graphs
    };
    let key = |g: &ExecutionGraph, at: chrono::DateTime<chrono::Utc>| {
        let sla = g.nodes.iter().find_map(|n| match n.output.as_deref() {
            Some(reconagent_engine::agents::AgentOutput::Workflow(w)) => Some(w.sla_deadline - at),
            _ => None,
        });
        (g.break_id.clone(), g.profile.tier, g.decision.action, g.policy_key.clone(), g.agents_invoked(), sla, g.decision.rationale.clone())
    };
    let anchor = sample_as_of();
    let expected: Vec<_> = run(sample::bundled_breaks(), anchor).iter().map(|g| key(g, anchor)).collect();
    let tiers: std::collections::BTreeSet<_> = expected.iter().map(|k| k.1).collect();
    assert!(tiers.contains(&RiskTier::Low) && tiers.contains(&RiskTier::Critical), "a normal day has every tier: {tiers:?}");
    for offset in [
        chrono::Duration::seconds(1),
        chrono::Duration::hours(15) + chrono::Duration::minutes(58),
        chrono::Duration::days(10),
        chrono::Duration::days(400) + chrono::Duration::hours(7),
        -chrono::Duration::days(3),
    ] {
        let now = anchor + offset;
        let moved = sample::bundled_breaks_as_of(now);
        assert_ne!(moved, sample::bundled_breaks());
        let got: Vec<_> = run(moved, now).iter().map(|g| key(g, now)).collect();
        assert_eq!(got, expected, "moved by {offset}");
    }
    Ok(())
}

/// Every decision's reasons are sentences with the numbers that drove them: the tier with its
/// exposure, and for a checkpoint the findings of the agents it read. Amounts are grouped.
#[test]
fn every_rationale_states_the_tier_and_its_evidence_in_words() -> TestResult {
    for mode in [RunMode::V1, RunMode::V2] {
        for g in run_all(mode) {
            let d = &g.decision;
            let text = d.rationale.join("\n");
            let tier_line = format!("Tier {}: ", g.profile.tier);
            assert!(d.rationale.iter().any(|r| r.starts_with(&tier_line)), "{}: no tier sentence in {text}", g.break_id);
            if g.profile.exposure_basis != reconagent_engine::ExposureBasis::Unmeasurable {
                let exposure = reconagent_engine::evidence::money(g.profile.exposure, &g.profile.base_currency);
                assert!(text.contains(&format!("exposure {exposure}")), "{}: exposure {exposure} missing from {text}", g.break_id);
            }
            if g.profile.tier > g.profile.exposure_tier && g.profile.exposure_basis != reconagent_engine::ExposureBasis::Unmeasurable {
                assert!(text.contains("raises it") || text.contains("are at least"), "{}: what raised the tier is not said: {text}", g.break_id);
            }
            if let reconagent_engine::DecidedBy::Checkpoint { id, .. } = &d.decided_by {
                assert!(d.rationale[0].starts_with(&format!("Checkpoint {id} after ")), "{text}");
                assert!(text.contains("Condition: "), "{text}");
                if d.action == DecisionAction::AutoResolve {
                    assert!(
                        text.contains("within tolerance") || text.contains("timing difference") || text.contains("FX rounding"),
                        "{}: an auto-resolve names the rule that explained it: {text}",
                        g.break_id
                    );
                }
            }
            // No ungrouped amount of four or more digits outside the policy's own condition text.
            for line in d.rationale.iter().filter(|r| !r.starts_with("Condition: ")) {
                let ungrouped = line.as_bytes().windows(5).any(|w| w[..4].iter().all(u8::is_ascii_digit) && w[4] == b'.');
                assert!(!ungrouped, "{}: ungrouped amount in {line:?}", g.break_id);
            }
        }
    }
    Ok(())
}

/// The modelled Gantt: every invoked agent once, each starting when its dependencies have
/// finished, and its end is the run's modelled time.
#[test]
fn the_modelled_schedule_respects_dependencies_and_ends_at_the_modelled_time() -> TestResult {
    let latency = reconagent_engine::agents::LatencyProfile::SEED;
    for mode in [RunMode::V1, RunMode::V2] {
        for g in run_all(mode) {
            let spans = g.modelled_schedule(&latency);
            let invoked: Vec<_> = g.nodes.iter().filter(|n| n.status.invoked()).collect();
            assert_eq!(spans.len(), invoked.len(), "{}", g.break_id);
            assert_eq!(spans.iter().map(|s| s.2).max().unwrap_or(0), g.modelled_ms(&latency), "{}", g.break_id);
            for n in invoked {
                let me = spans.iter().find(|s| s.0 == n.agent).ok_or("scheduled")?;
                assert_eq!(me.2 - me.1, latency.0[n.agent.index()]);
                for dep in &n.depends_on {
                    if let Some(d) = spans.iter().find(|s| s.0 == *dep) {
                        assert!(me.1 >= d.2, "{}: {} starts at {} before {} ends at {}", g.break_id, n.agent, me.1, dep, d.2);
                    }
                }
            }
        }
    }
    Ok(())
}
