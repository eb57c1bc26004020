import { summarise } from "./dashboardData";
import type { EfficiencyDto } from "../api";

const group = (mode: string, tier: string, runs: number, invoked: number, exitRate: number, ms: number, cost: string) => ({
  mode, break_type: "CASH_RECONCILIATION", tier, runs, agents_invoked: invoked, agents_planned: 5, early_exit_rate: exitRate,
  mean_wall_us: 10, mean_modelled_ms: ms, mean_modelled_cost: cost, auto_resolve: runs, hil_review: 0, escalate: 0,
});

test("headline numbers are run-weighted means, v1 and v2 apart", () => {
  const d: EfficiencyDto = {
    groups: [group("v2", "LOW", 30, 3, 1, 750, "0.036"), group("v2", "HIGH", 10, 7, 0, 1850, "0.12"), group("v1", "LOW", 40, 7, 0, 2500, "0.12")],
    checkpoints: [{ checkpoint_id: "cash_low_within_tolerance", after_agent: "RULES", evaluated: 30, fired: 30 }],
    per_day: [{ day: "2026-11-27", mode: "v2", runs: 40, auto_resolved: 30 }],
  };
  const s = summarise(d);
  expect(s.v2Runs).toBe(40);
  expect(s.v1Runs).toBe(40);
  expect(s.v2Agents).toBeCloseTo((30 * 3 + 10 * 7) / 40);
  expect(s.earlyExitRate).toBeCloseTo(0.75);
  expect(s.v1Ms).toBe(2500);
  expect(s.v2Cost).toBeCloseTo((30 * 0.036 + 10 * 0.12) / 40);
  expect((s.checkpointOption.series as { data: number[] }[])[0].data).toEqual([100]);
});
