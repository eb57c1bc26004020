import type { RunDto } from "../api";
import { groupDigits } from "./format";
import { statusColor, statusLabel } from "./graphLayout";

/** A tick step that gives four to ten ticks across `end`. */
export function tickStep(end: number): number {
  for (const step of [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000]) if (end / step <= 10) return step;
  return 10000;
}

type Span = { agent: string; start: number; finish: number; waited: number; color: string; title: string };

/** Gantt of a run, one lane per agent that started. Built-in agents run in microseconds, so
 * then the lanes show the modelled run (each agent as a model call with the seed's latency,
 * starting when its dependencies finish) and the real time is given beside it, labelled; with
 * emulated latency they show the real run, the hatched part being the wait for a slot. */
export function Timeline({ run }: { run: RunDto }) {
  const real = run.emulated_latency;
  const byAgent = new Map(run.nodes.map((n) => [n.agent, n]));
  const spans: Span[] = real
    ? run.nodes
        .filter((n) => n.started_us != null && n.finished_us != null)
        .map((n) => ({
          agent: n.agent, start: (n.started_us ?? 0) / 1000, finish: (n.finished_us ?? 0) / 1000, waited: (n.waited_us ?? 0) / 1000,
          color: statusColor(n), title: statusLabel(n),
        }))
    : run.modelled.map((m) => {
        const n = byAgent.get(m.agent);
        return { agent: m.agent, start: m.start_ms, finish: m.finish_ms, waited: 0, color: n ? statusColor(n) : "var(--ok)", title: n ? statusLabel(n) : "" };
      });
  if (spans.length === 0) return <div className="muted">No agent ran.</div>;
  const end = Math.max(real ? (run.wall_us ?? 0) / 1000 : run.modelled_ms, ...spans.map((s) => s.finish), 0.001);
  const step = tickStep(end);
  const ticks = Array.from({ length: Math.floor(end / step) + 1 }, (_, i) => i * step);
  const pct = (ms: number) => `${(100 * ms) / end}%`;
  const ms = (v: number) => (step < 1 ? v.toFixed(2) : groupDigits(String(Math.round(v))));
  return (
    <div data-testid="timeline">
      <div className="muted" style={{ fontSize: 11, marginBottom: 4 }} data-testid="timeline-kind">
        {real
          ? `Real time, with emulated agent latency: ${ms(end)} ms.`
          : `Modelled time: ${groupDigits(String(run.modelled_ms))} ms, each agent as a model call (the seed's latency profile). Real time of these built-in agents: ${((run.wall_us ?? 0) / 1000).toFixed(2)} ms.`}
      </div>
      <div style={{ display: "grid", gridTemplateColumns: "110px 1fr", gap: "4px 8px", alignItems: "center" }}>
        {spans.map((s) => (
          <div key={s.agent} style={{ display: "contents" }}>
            <span title={s.title}>{s.agent}</span>
            <div style={{ position: "relative", height: 16, background: "color-mix(in srgb, var(--border) 40%, transparent)", borderRadius: 3 }}>
              {s.waited > 0 && (
                <div title={`waited ${ms(s.waited)} ms for a slot`} style={{ position: "absolute", left: pct(Math.max(0, s.start - s.waited)), width: pct(s.waited), top: 4, height: 8, background: "repeating-linear-gradient(45deg, var(--skip) 0 3px, transparent 3px 6px)" }} />
              )}
              <div title={`${s.agent}: ${ms(s.start)}–${ms(s.finish)} ms`} style={{ position: "absolute", left: pct(s.start), width: `max(2px, ${pct(s.finish - s.start)})`, top: 0, bottom: 0, background: s.color, borderRadius: 3 }} />
            </div>
          </div>
        ))}
        <span />
        <div style={{ position: "relative", height: 14, fontSize: 10 }} className="muted" data-testid="timeline-axis">
          {ticks.map((t) => (
            <span key={t} style={{ position: "absolute", left: pct(t), transform: t === 0 ? undefined : "translateX(-50%)", borderLeft: "1px solid var(--border)", paddingLeft: 2 }}>
              {ms(t)}
            </span>
          ))}
          <span style={{ position: "absolute", right: 0 }}>ms</span>
        </div>
      </div>
    </div>
  );
}
