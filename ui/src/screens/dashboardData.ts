import type { EChartsOption } from "echarts";
import type { EfficiencyDto } from "../api";

/** Turns the store's aggregates into headline numbers and chart options (pure: unit-tested). */
export function summarise(d: EfficiencyDto) {
  const v2 = d.groups.filter((g) => g.mode === "v2");
  const v1 = d.groups.filter((g) => g.mode === "v1");
  const runs = (gs: typeof v2) => gs.reduce((n, g) => n + g.runs, 0);
  const mean = (gs: typeof v2, f: (g: (typeof v2)[number]) => number) => (runs(gs) ? gs.reduce((n, g) => n + f(g) * g.runs, 0) / runs(gs) : 0);
  const labels = v2.map((g) => `${g.break_type.replace(/_.*$/, "")}/${g.tier}`);
  const agentsOption: EChartsOption = {
    tooltip: { trigger: "axis" },
    legend: {},
    grid: { containLabel: true, left: 64, right: 8, bottom: 8 },
    xAxis: { type: "category", data: labels, axisLabel: { rotate: 45, interval: 0, fontSize: 10 } },
    yAxis: { type: "value", max: 7 },
    series: [
      { name: "invoked", type: "bar", data: v2.map((g) => +(g.agents_invoked ?? 0).toFixed(2)) },
      { name: "planned", type: "bar", data: v2.map((g) => +(g.agents_planned ?? 0).toFixed(2)) },
      { name: "v1", type: "line", data: v2.map(() => 7), symbol: "none" },
    ],
  };
  const checkpointOption: EChartsOption = {
    tooltip: {},
    grid: { containLabel: true, left: 8, right: 56, bottom: 8 },
    xAxis: { type: "value", max: 100, name: "% fired" },
    yAxis: { type: "category", data: d.checkpoints.map((c) => c.checkpoint_id) },
    series: [{ type: "bar", data: d.checkpoints.map((c) => +((100 * c.fired) / Math.max(1, c.evaluated)).toFixed(1)) }],
  };
  const decisionsOption: EChartsOption = {
    tooltip: { trigger: "axis" },
    legend: {},
    grid: { containLabel: true, left: 64, right: 8, bottom: 8 },
    xAxis: { type: "category", data: labels, axisLabel: { rotate: 45, interval: 0, fontSize: 10 } },
    yAxis: { type: "value" },
    series: (["auto_resolve", "hil_review", "escalate"] as const).map((k) => ({ name: k.toUpperCase(), type: "bar", stack: "d", data: v2.map((g) => g[k]) })),
  };
  const days = [...new Set(d.per_day.map((x) => x.day))];
  const perDayOption: EChartsOption = {
    tooltip: { trigger: "axis" },
    legend: {},
    xAxis: { type: "category", data: days },
    yAxis: { type: "value" },
    series: ["v2", "v1"].map((m) => ({ name: m, type: "bar", data: days.map((day) => d.per_day.find((x) => x.day === day && x.mode === m)?.runs ?? 0) })),
  };
  return {
    v2Runs: runs(v2),
    v1Runs: runs(v1),
    v2Agents: mean(v2, (g) => g.agents_invoked ?? 0),
    earlyExitRate: mean(v2, (g) => g.early_exit_rate ?? 0),
    v2Ms: mean(v2, (g) => g.mean_modelled_ms ?? 0),
    v1Ms: mean(v1, (g) => g.mean_modelled_ms ?? 0),
    v2Cost: mean(v2, (g) => Number(g.mean_modelled_cost)),
    v1Cost: mean(v1, (g) => Number(g.mean_modelled_cost)),
    agentsOption,
    checkpointOption,
    decisionsOption,
    perDayOption,
  };
}
