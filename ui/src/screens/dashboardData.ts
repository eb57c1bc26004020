import type { EChartsOption } from "echarts";
import type { EfficiencyDto } from "../api";

/** The app's decision colours (the `--ok`, `--warn`, `--bad` of the theme), so the charts say
 * AUTO_RESOLVE, HIL_REVIEW and ESCALATE in the colours the tags use everywhere else. */
export type Palette = { ok: string; warn: string; bad: string };

/** Turns the store's aggregates into chart options (pure: unit-tested). The headline figures come
 * computed from Rust (`EfficiencyDto.headline`). Groups keep Rust's order (type, then tier from
 * LOW to CRITICAL); rates carry their counts. */
export function summarise(d: EfficiencyDto, palette: Palette = { ok: "#1a7f37", warn: "#b35900", bad: "#cf222e" }) {
  const v2 = d.groups.filter((g) => g.mode === "v2");
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
    tooltip: {
      formatter: (p) => {
        const c = d.checkpoints[(p as { dataIndex: number }).dataIndex];
        return c ? `${c.checkpoint_id}: fired ${c.fired.toLocaleString("en-US")} of ${c.evaluated.toLocaleString("en-US")} tests (${((100 * c.fired) / Math.max(1, c.evaluated)).toFixed(1)}%)` : "";
      },
    },
    grid: { containLabel: true, left: 8, right: 56, bottom: 8 },
    xAxis: { type: "value", max: 100, name: "% fired" },
    yAxis: { type: "category", data: d.checkpoints.map((c) => c.checkpoint_id) },
    series: [{
      type: "bar", data: d.checkpoints.map((c) => +((100 * c.fired) / Math.max(1, c.evaluated)).toFixed(1)),
      label: { show: true, position: "right", fontSize: 10, formatter: (p) => { const c = d.checkpoints[p.dataIndex]; return c ? `${c.fired.toLocaleString("en-US")}/${c.evaluated.toLocaleString("en-US")}` : ""; } },
    }],
  };
  const decisionsOption: EChartsOption = {
    tooltip: { trigger: "axis" },
    legend: {},
    grid: { containLabel: true, left: 64, right: 8, bottom: 8 },
    xAxis: { type: "category", data: labels, axisLabel: { rotate: 45, interval: 0, fontSize: 10 } },
    yAxis: { type: "value" },
    series: ([["auto_resolve", palette.ok], ["hil_review", palette.warn], ["escalate", palette.bad]] as const).map(([k, color]) => ({
      name: k.toUpperCase(), type: "bar", stack: "d", itemStyle: { color }, data: v2.map((g) => g[k]),
    })),
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
    agentsOption,
    checkpointOption,
    decisionsOption,
    perDayOption,
  };
}
