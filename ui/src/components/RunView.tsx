import type { RunDto } from "../api";
import { ExecutionGraph } from "./ExecutionGraph";
import { ModelCalls } from "./ModelCalls";
import { Timeline } from "./Timeline";
import { groupDigits, utcText } from "./format";

/** One run: its decision, graph and timeline. */
export function RunView({ run, compact = false }: { run: RunDto; compact?: boolean }) {
  const d = run.decision;
  return (
    <div className="panel" data-testid={`run-${run.mode}`}>
      <h2>
        {run.mode.toUpperCase()} run {run.run_id} · {run.policy_key} · {run.agents_invoked}/{run.agents_planned} agents
        <span data-testid="run-cost">
          {" "}
          · modelled {groupDigits(String(run.modelled_ms))} ms, ${run.modelled_cost}
          {run.measured_cost != null && <> · model calls {run.measured_cost} {run.profile.base_currency} measured</>} · real {((run.wall_us ?? 0) / 1000).toFixed(2)} ms
        </span>
        {run.mode === "v1" && <span className="muted" data-testid="shadow"> · comparison: does not change the break</span>}
      </h2>
      <p>
        Decision <span className={`tag ${d.action}`} data-testid="decision">{d.action}</span> confidence {(d.confidence ?? 0).toFixed(2)} · by {d.decided_by}
      </p>
      {d.holds.length > 0 && (
        <div className="holds" data-testid="holds" role="note">
          <strong>Held for review because</strong>
          <ul>{d.holds.map((h, i) => <li key={i}>{h}</li>)}</ul>
        </div>
      )}
      <ul>{d.rationale.map((r, i) => <li key={i}>{r}</li>)}</ul>
      <ModelCalls run={run} />
      <ExecutionGraph run={run} height={compact ? 260 : 330} />
      <h2 style={{ marginTop: 10 }}>Timeline</h2>
      <Timeline run={run} />
      <p className="muted" style={{ fontSize: 11 }}>
        policy version {run.policy_version.slice(0, 12)} · max parallel {run.max_parallel} · started {utcText(run.started_at)}
      </p>
    </div>
  );
}
