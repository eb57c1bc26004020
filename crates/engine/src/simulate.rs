//! "What would this draft do?": the same breaks through the policies in force and through a
//! draft, nothing recorded, and the differences that matter to whoever approves the change.

use crate::agents::LatencyProfile;
use crate::cost::CostModel;
use crate::graph::{ExecutionGraph, RunMode};
use crate::orchestrate::{BatchOptions, CancelFlag, Orchestrator};
use crate::{Break, DecisionAction};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Totals for one side (in force or draft) of one group.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SideTotals {
    pub breaks: usize,
    pub agents_invoked: usize,
    pub early_exits: usize,
    pub auto_resolved: usize,
    pub modelled_ms: u64,
    pub modelled_cost: Decimal,
}

impl SideTotals {
    fn add(&mut self, g: &ExecutionGraph) {
        self.breaks += 1;
        self.agents_invoked += g.agents_invoked();
        self.early_exits += usize::from(g.early_exit().is_some());
        self.auto_resolved += usize::from(g.decision.action == DecisionAction::AutoResolve);
        self.modelled_ms += g.modelled_ms(&LatencyProfile::SEED);
        self.modelled_cost += g.modelled_cost(&CostModel::SEED);
    }
}

/// One break type and tier. A break counts on each side under the tier that side's classifier
/// gives it, so a threshold change moves breaks between rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupDelta {
    pub break_type: String,
    pub tier: String,
    pub current: SideTotals,
    pub draft: SideTotals,
}

/// A break whose decision the draft changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecisionChange {
    pub break_id: String,
    pub break_type: String,
    pub current_tier: String,
    pub draft_tier: String,
    pub current: DecisionAction,
    pub draft: DecisionAction,
    /// From a person's review (HIL_REVIEW or ESCALATE) to AUTO_RESOLVE: needs a careful look.
    pub risky: bool,
}

/// The whole comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Simulation {
    pub current_version: String,
    pub draft_version: String,
    pub groups: Vec<GroupDelta>,
    pub all: GroupDelta,
    pub changes: Vec<DecisionChange>,
    pub cancelled: bool,
}

/// Breaks per engine pass: both sides run one chunk before the next is read.
const CHUNK: usize = 1000;

/// Runs `breaks` under `current` and `draft` (v2, as of `as_of`), calling `on_progress(done,
/// total)` after each chunk. Cancelling stops at the next chunk; the report covers what ran.
pub async fn simulate(
    current: &Orchestrator,
    draft: &Orchestrator,
    breaks: impl IntoIterator<Item = Break>,
    total: usize,
    as_of: DateTime<Utc>,
    cancel: &CancelFlag,
    mut on_progress: impl FnMut(usize, usize),
) -> Simulation {
    let opts = BatchOptions::new(RunMode::V2, as_of);
    let mut groups: BTreeMap<(String, String), (SideTotals, SideTotals)> = BTreeMap::new();
    let mut all = (SideTotals::default(), SideTotals::default());
    let mut changes = Vec::new();
    let mut done = 0;
    let mut iter = breaks.into_iter().peekable();
    while iter.peek().is_some() && !cancel.is_cancelled() {
        let chunk: Vec<Break> = iter.by_ref().take(CHUNK).collect();
        let mut cur: HashMap<String, ExecutionGraph> = HashMap::with_capacity(chunk.len());
        current.process_batch(chunk.clone(), chunk.len(), &opts, |g| drop(cur.insert(g.break_id.clone(), g)), |_| {}).await;
        let mut drafts = Vec::with_capacity(chunk.len());
        draft.process_batch(chunk.clone(), chunk.len(), &opts, |g| drafts.push(g), |_| {}).await;
        // Report in input order, whatever order the runs finished in.
        let order: HashMap<&str, usize> = chunk.iter().enumerate().map(|(i, b)| (b.break_id.as_str(), i)).collect();
        drafts.sort_by_key(|g| order.get(g.break_id.as_str()).copied().unwrap_or(usize::MAX));
        for d in drafts {
            let Some(c) = cur.remove(&d.break_id) else { continue };
            let key = |g: &ExecutionGraph| (g.profile.break_type.to_string(), g.profile.tier.to_string());
            groups.entry(key(&c)).or_default().0.add(&c);
            groups.entry(key(&d)).or_default().1.add(&d);
            all.0.add(&c);
            all.1.add(&d);
            if c.decision.action != d.decision.action {
                changes.push(DecisionChange {
                    break_id: d.break_id.clone(),
                    break_type: d.profile.break_type.to_string(),
                    current_tier: c.profile.tier.to_string(),
                    draft_tier: d.profile.tier.to_string(),
                    current: c.decision.action,
                    draft: d.decision.action,
                    risky: d.decision.action == DecisionAction::AutoResolve,
                });
            }
        }
        done += chunk.len();
        on_progress(done, total);
    }
    // Risky ones first, so they are not lost at the bottom of a long list.
    changes.sort_by_key(|c| !c.risky);
    let delta = |(ty, tier): (String, String), (current, draft): (SideTotals, SideTotals)| GroupDelta { break_type: ty, tier, current, draft };
    Simulation {
        current_version: current.policies.version.clone(),
        draft_version: draft.policies.version.clone(),
        groups: groups.into_iter().map(|(k, v)| delta(k, v)).collect(),
        all: delta(("ALL".into(), String::new()), all),
        changes,
        cancelled: cancel.is_cancelled(),
    }
}
