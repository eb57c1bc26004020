//! The impact simulation reports exactly what direct runs under each policy give.

use reconagent_engine::graph::RunMode;
use reconagent_engine::orchestrate::{BatchOptions, CancelFlag, Orchestrator};
use reconagent_engine::policy::edit::{apply, EditValue, PolicyEdit};
use reconagent_engine::policy::{PolicySet, BUNDLED_POLICIES};
use reconagent_engine::refdata::ReferenceData;
use reconagent_engine::sample::{bundled_breaks, sample_as_of};
use reconagent_engine::simulate::simulate;
use reconagent_engine::DecisionAction;
use std::collections::HashMap;
use std::sync::Arc;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn orchestrator(text: &str) -> Orchestrator {
    Orchestrator::new(Arc::new(PolicySet::load(text, "draft.yaml").unwrap()), Arc::new(ReferenceData::bundled()))
}

#[test]
fn simulation_numbers_equal_direct_runs_under_each_policy() -> TestResult {
    // A draft that auto-resolves more CASH breaks (MEDIUM's checkpoint loosened) and raises the
    // HIGH threshold, which moves breaks between tiers.
    let draft_text = apply(
        BUNDLED_POLICIES,
        &[
            PolicyEdit::Set { path: "policies.CASH_RECONCILIATION.MEDIUM.checkpoints[0].when".into(), value: EditValue::Text("true".into()) },
            PolicyEdit::Set { path: "classifier.tier_thresholds.HIGH".into(), value: EditValue::Text("400000".into()) },
        ],
        "draft.yaml",
    )?;
    let (current, draft) = (orchestrator(BUNDLED_POLICIES), orchestrator(&draft_text));
    let breaks = bundled_breaks();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let mut progress = Vec::new();
    let sim = rt.block_on(simulate(&current, &draft, breaks.clone(), breaks.len(), sample_as_of(), &CancelFlag::default(), |d, t| progress.push((d, t))));
    assert_eq!(progress.last(), Some(&(breaks.len(), breaks.len())));

    let direct = |o: &Orchestrator| {
        let mut out = HashMap::new();
        rt.block_on(o.process_batch(
            breaks.clone(),
            breaks.len(),
            &BatchOptions::new(RunMode::V2, sample_as_of()),
            |g| drop(out.insert(g.break_id.clone(), g)),
            |_| {},
        ));
        out
    };
    let (c, d) = (direct(&current), direct(&draft));
    let invoked = |m: &HashMap<String, reconagent_engine::graph::ExecutionGraph>| m.values().map(|g| g.agents_invoked()).sum::<usize>();
    let auto = |m: &HashMap<String, reconagent_engine::graph::ExecutionGraph>| m.values().filter(|g| g.decision.action == DecisionAction::AutoResolve).count();
    assert_eq!(sim.all.current.breaks, breaks.len());
    assert_eq!(sim.all.draft.agents_invoked, invoked(&d));
    assert_eq!(sim.all.current.agents_invoked, invoked(&c));
    assert_eq!(sim.all.draft.auto_resolved, auto(&d));
    assert_eq!(sim.all.current.auto_resolved, auto(&c));
    let cost: rust_decimal::Decimal = d.values().map(|g| g.modelled_cost(&reconagent_engine::cost::CostModel::SEED)).sum();
    assert_eq!(sim.all.draft.modelled_cost, cost);
    let mut changed: Vec<&String> = c.keys().filter(|id| c[*id].decision.action != d[*id].decision.action).collect();
    changed.sort();
    let mut reported: Vec<&String> = sim.changes.iter().map(|x| &x.break_id).collect();
    reported.sort();
    assert_eq!(reported, changed);
    assert!(!sim.changes.is_empty(), "the draft changes some decisions");
    assert!(sim.changes.iter().any(|x| x.risky), "loosening a checkpoint makes some reviews automatic");
    for x in &sim.changes {
        assert_eq!(x.risky, x.draft == DecisionAction::AutoResolve, "{x:?}");
    }
    // Rows add up to the total on each side.
    assert_eq!(sim.groups.iter().map(|g| g.draft.breaks).sum::<usize>(), breaks.len());
    assert_eq!(sim.groups.iter().map(|g| g.current.agents_invoked).sum::<usize>(), invoked(&c));
    assert_ne!(sim.current_version, sim.draft_version);
    Ok(())
}

#[test]
fn the_same_policy_changes_nothing() -> TestResult {
    let o = orchestrator(BUNDLED_POLICIES);
    let breaks = bundled_breaks();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let sim = rt.block_on(simulate(&o, &o, breaks.clone(), breaks.len(), sample_as_of(), &CancelFlag::default(), |_, _| {}));
    assert!(sim.changes.is_empty());
    assert_eq!(sim.all.current, sim.all.draft);
    Ok(())
}
