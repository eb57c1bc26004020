import { summarise } from "./dashboardData";
import type { EfficiencyDto, RiskTier, RunMode } from "../api";

const group = (mode: RunMode, tier: RiskTier, runs: number, invoked: number, exitRate: number, ms: number, cost: string) => ({
  mode, break_type: "CASH_RECONCILIATION", tier, runs, agents_invoked: invoked, agents_planned: 5, early_exit_rate: exitRate,
  mean_wall_us: 10, mean_modelled_ms: ms, mean_modelled_cost: cost, llm_runs: 0, mean_measured_cost: null, auto_resolve: runs, hil_review: 0, escalate: 0,
});

test("charts show v2's groups and each checkpoint's firing rate", () => {
  const d: EfficiencyDto = {
    headline: { v2_runs: 40, v1_runs: 40, agents_per_break: 4, early_exit_rate: 0.75, v2_modelled_ms: 1025, v2_modelled_cost: "0.0570", v1_modelled_ms: 2500, v1_modelled_cost: "0.1200", v1_measured: true, base_currency: "USD", v2_llm_runs: 0, v2_measured_cost: null, v1_llm_runs: 0, v1_measured_cost: null },
    groups: [group("v2", "LOW", 30, 3, 1, 750, "0.036"), group("v2", "HIGH", 10, 7, 0, 1850, "0.12"), group("v1", "LOW", 40, 7, 0, 2500, "0.12")],
    checkpoints: [{ checkpoint_id: "cash_low_within_tolerance", after_agent: "RULES", evaluated: 30, fired: 30 }],
    per_day: [{ day: "2026-11-27", mode: "v2", runs: 40, auto_resolved: 30 }],
  };
  const s = summarise(d);
  // Rust's order (type, then tier from LOW to CRITICAL), kept: nothing here ranks tiers again.
  expect((s.agentsOption.xAxis as { data: string[] }).data).toEqual(["CASH/LOW", "CASH/HIGH"]);
  const reversed = summarise({ ...d, groups: [...d.groups].reverse() }, { ok: "green", warn: "orange", bad: "red" });
  expect((reversed.agentsOption.xAxis as { data: string[] }).data).toEqual(["CASH/HIGH", "CASH/LOW"]);
  // Decisions in the app's colours.
  expect((reversed.decisionsOption.series as { name: string; itemStyle: { color: string } }[]).map((x) => [x.name, x.itemStyle.color])).toEqual([["AUTO_RESOLVE", "green"], ["HIL_REVIEW", "orange"], ["ESCALATE", "red"]]);
  expect((s.agentsOption.series as { data: number[] }[])[0].data).toEqual([3, 7]);
  expect((s.checkpointOption.series as { data: number[] }[])[0].data).toEqual([100]);
});
