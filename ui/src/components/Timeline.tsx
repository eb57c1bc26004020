import type { RunDto } from "../api";
import { statusColor, statusLabel } from "./graphLayout";

/** Gantt of a run: one lane per agent that started; the hatched part is waiting for a slot. */
export function Timeline({ run }: { run: RunDto }) {
  const started = run.nodes.filter((n) => n.started_us != null && n.finished_us != null);
  const end = Math.max(1, run.wall_us ?? 0, ...started.map((n) => n.finished_us ?? 0));
  const pct = (us: number) => `${(100 * us) / end}%`;
  if (started.length === 0) return <div className="muted">No agent ran.</div>;
  return (
    <div data-testid="timeline" style={{ display: "grid", gridTemplateColumns: "110px 1fr", gap: "4px 8px", alignItems: "center" }}>
      {started.map((n) => {
        const s = n.started_us ?? 0;
        const f = n.finished_us ?? s;
        return (
          <div key={n.agent} style={{ display: "contents" }}>
            <span title={statusLabel(n)}>{n.agent}</span>
            <div style={{ position: "relative", height: 16, background: "color-mix(in srgb, var(--border) 40%, transparent)", borderRadius: 3 }}>
              {(n.waited_us ?? 0) > 0 && (
                <div title={`waited ${n.waited_us} µs for a slot`} style={{ position: "absolute", left: pct(Math.max(0, s - (n.waited_us ?? 0))), width: pct(n.waited_us ?? 0), top: 4, height: 8, background: "repeating-linear-gradient(45deg, var(--skip) 0 3px, transparent 3px 6px)" }} />
              )}
              <div title={`${s}–${f} µs`} style={{ position: "absolute", left: pct(s), width: `max(2px, ${pct(f - s)})`, top: 0, bottom: 0, background: statusColor(n), borderRadius: 3 }} />
            </div>
          </div>
        );
      })}
      <span />
      <span className="muted" style={{ fontSize: 11 }}>0 – {(end / 1000).toFixed(2)} ms{run.emulated_latency ? " (emulated agent latency)" : ""}</span>
    </div>
  );
}
