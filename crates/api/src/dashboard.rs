//! The dashboard: efficiency figures (v1 against v2) and the filters' choices.

use crate::dto::*;
use crate::error::ApiResult;
use crate::Core;
use reconagent_engine::agents::LatencyProfile;
use reconagent_engine::cost::CostModel;
use reconagent_engine::graph::RunMode;
use reconagent_engine::{AgentKind, BreakType, DecisionAction, RiskTier};
use reconagent_store::export::ExportFormat;
use reconagent_store::prelude::*;
use reconagent_store::EfficiencyFilter;
use reconagent_store::EventKind;
use rust_decimal::Decimal;

impl Core {
    /// The desk now (waiting, escalated, past their SLA deadline, NEW) and each person's
    /// actions in the range (the break type does not apply to these).
    pub fn desk(&self, q: &StatsQuery) -> ApiResult<reconagent_store::DeskStats> {
        let as_of = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
        Ok(self.store.desk(&EfficiencyFilter { from: q.from.clone(), to: q.to.clone(), break_type: None }, &as_of)?)
    }

    /// The dashboard's figures over the runs in the range.
    pub fn efficiency(&self, q: &StatsQuery) -> ApiResult<EfficiencyDto> {
        let e =
            self.store.efficiency(&EfficiencyFilter { from: q.from.clone(), to: q.to.clone(), break_type: q.break_type.clone().filter(|t| !t.is_empty()) })?;
        let count = |g: &reconagent_store::GroupStats, d: DecisionAction| g.decisions.get(&d).copied().unwrap_or(0) as i32;
        // The order every screen shows: by mode, type, then tier from LOW to CRITICAL.
        let mut groups: Vec<&reconagent_store::GroupStats> = e.groups.iter().collect();
        groups.sort_by(|a, b| (a.mode.as_str(), a.break_type.as_str(), a.tier).cmp(&(b.mode.as_str(), b.break_type.as_str(), b.tier)));
        let mut headline = headline(&e.groups);
        headline.base_currency = self.orchestrator().policies.classifier.base_currency.clone();
        Ok(EfficiencyDto {
            headline,
            groups: groups
                .into_iter()
                .map(|g| GroupStatsDto {
                    mode: g.mode,
                    break_type: g.break_type.clone(),
                    tier: g.tier,
                    runs: g.runs as i32,
                    agents_invoked: g.agents_invoked,
                    agents_planned: g.agents_planned,
                    early_exit_rate: g.early_exit_rate,
                    mean_wall_us: g.mean_wall_us,
                    mean_modelled_ms: g.mean_modelled_ms,
                    mean_modelled_cost: g.mean_modelled_cost.to_string(),
                    llm_runs: i32::try_from(g.llm_runs).unwrap_or(i32::MAX),
                    mean_measured_cost: g.mean_measured_cost.map(|c| c.normalize().to_string()),
                    auto_resolve: count(g, DecisionAction::AutoResolve),
                    hil_review: count(g, DecisionAction::HilReview),
                    escalate: count(g, DecisionAction::Escalate),
                })
                .collect(),
            checkpoints: e.checkpoints,
            per_day: e.per_day,
        })
    }

    /// The options of the queue's and the dashboard's filters.
    pub fn filter_options(&self) -> ApiResult<FilterOptions> {
        let known: Vec<String> = BreakType::KNOWN.iter().map(|t| t.as_str().to_string()).collect();
        let others: Vec<String> = self.store.break_types()?.into_iter().filter(|t| !known.contains(t)).collect();
        Ok(FilterOptions {
            break_types: known.into_iter().chain(others).collect(),
            tiers: RiskTier::ALL.to_vec(),
            statuses: BreakStatus::ALL.into_iter().filter(|s| *s != BreakStatus::Processing).collect(),
            decisions: DecisionAction::ALL.to_vec(),
            event_kinds: EventKind::ALL.to_vec(),
            export_formats: ExportFormat::ALL.to_vec(),
            agents: AgentKind::ALL.to_vec(),
            people: self.store.people()?,
            me: self.store.actor().to_string(),
            mine: self.store.mine()?,
            work_queues: reconagent_engine::agents::workflow_groups(),
        })
    }
}

/// Run-weighted means over the groups of each mode. v1 without runs in the range falls back to the
/// model: seven agents in sequence on the seed's latency and cost profile.
fn headline(groups: &[reconagent_store::GroupStats]) -> HeadlineDto {
    /// One mode's groups, summed with each group weighted by its runs.
    #[derive(Default)]
    struct Totals {
        runs: u64,
        agents: f64,
        early_exits: f64,
        ms: f64,
        cost: Decimal,
        llm_runs: u64,
        measured: Decimal,
    }
    impl Totals {
        fn mean(&self, sum: f64) -> f64 {
            if self.runs == 0 {
                0.0
            } else {
                sum / self.runs as f64
            }
        }
        fn mean_cost(&self) -> Decimal {
            self.cost / Decimal::from(self.runs.max(1))
        }
    }
    let (mut v1, mut v2) = (Totals::default(), Totals::default());
    for g in groups {
        let t = if g.mode == RunMode::V1 { &mut v1 } else { &mut v2 };
        let n = g.runs as f64;
        t.runs += g.runs;
        t.agents += g.agents_invoked * n;
        t.early_exits += g.early_exit_rate * n;
        t.ms += g.mean_modelled_ms * n;
        t.cost += g.mean_modelled_cost * Decimal::from(g.runs);
        t.llm_runs += g.llm_runs;
        t.measured += g.mean_measured_cost.unwrap_or_default() * Decimal::from(g.llm_runs);
    }
    let measured = |t: &Totals| (t.llm_runs > 0).then(|| (t.measured / Decimal::from(t.llm_runs)).round_dp(8).normalize().to_string());
    let v1_measured = v1.runs > 0;
    HeadlineDto {
        v2_runs: v2.runs as i32,
        v1_runs: v1.runs as i32,
        agents_per_break: v2.mean(v2.agents),
        early_exit_rate: v2.mean(v2.early_exits),
        v2_modelled_ms: v2.mean(v2.ms).round() as i32,
        v2_modelled_cost: cost_text(v2.mean_cost()),
        v1_modelled_ms: if v1_measured { v1.mean(v1.ms).round() as i32 } else { LatencyProfile::SEED.total_ms() as i32 },
        v1_modelled_cost: cost_text(if v1_measured { v1.mean_cost() } else { CostModel::SEED.total() }),
        v1_measured,
        base_currency: String::new(),
        v2_llm_runs: i32::try_from(v2.llm_runs).unwrap_or(i32::MAX),
        v2_measured_cost: measured(&v2),
        v1_llm_runs: i32::try_from(v1.llm_runs).unwrap_or(i32::MAX),
        v1_measured_cost: measured(&v1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(mode: RunMode, runs: u64, agents: f64, early_exit_rate: f64, ms: f64, cost: &str) -> reconagent_store::GroupStats {
        reconagent_store::GroupStats {
            mode,
            break_type: "CASH_RECONCILIATION".into(),
            tier: RiskTier::Low,
            runs,
            agents_invoked: agents,
            agents_planned: 5.0,
            early_exit_rate,
            mean_wall_us: 10.0,
            mean_modelled_ms: ms,
            mean_modelled_cost: cost.parse().unwrap(),
            llm_runs: 0,
            mean_measured_cost: None,
            decisions: Default::default(),
        }
    }

    #[test]
    fn headline_figures_are_run_weighted_means_with_v1_and_v2_apart() {
        let groups = [
            group(RunMode::V2, 30, 3.0, 1.0, 750.0, "0.036"),
            group(RunMode::V2, 10, 7.0, 0.0, 1850.0, "0.12"),
            group(RunMode::V1, 40, 7.0, 0.0, 2500.0, "0.12"),
        ];
        let h = headline(&groups);
        assert_eq!((h.v2_runs, h.v1_runs, h.v1_measured), (40, 40, true));
        assert_eq!(h.agents_per_break, 4.0);
        assert_eq!(h.early_exit_rate, 0.75);
        assert_eq!(h.v2_modelled_ms, 1025);
        // (30 x 0.036 + 10 x 0.12) / 40, in decimal: exactly 0.057.
        assert_eq!(h.v2_modelled_cost, "0.0570");
        assert_eq!((h.v1_modelled_ms, h.v1_modelled_cost.as_str()), (2500, "0.1200"));
    }
}
