import type { PolicyEdit } from "../../api";
import { ErrorBox } from "../../components/ErrorBox";
import { SimulationView } from "./SimulationView";
import type { useSimulation } from "./useSimulation";

/** The simulation's controls (how many breaks, which type), its progress and its result. */
export function SimulationPanel({ s, base, edits, types, blocked }: { s: ReturnType<typeof useSimulation>; base: string; edits: PolicyEdit[]; types: string[]; blocked: boolean }) {
  const { progress } = s;
  return (
    <div className="panel">
      <h2>Impact simulation</h2>
      <div className="toolbar">
        <span>Replay the</span><input type="number" value={s.limit} onChange={(e) => s.setLimit(e.target.value)} style={{ width: 90 }} aria-label="breaks to replay" />
        <span>most recent breaks of</span>
        <select value={s.breakType} onChange={(e) => s.setBreakType(e.target.value)} aria-label="simulate type"><option value="">every type</option>{types.filter((t) => t !== "DEFAULT").map((t) => <option key={t}>{t}</option>)}</select>
        <span>through the policies in force and through this draft (nothing is recorded).</span>
        <button className="primary" data-testid="simulate" disabled={s.running || blocked} onClick={() => s.run(base, edits)}>Simulate</button>
        {s.running && (
          <>
            <div className="progress" role="progressbar"><div style={{ width: `${progress && progress.total ? (100 * progress.done) / progress.total : 0}%` }} /></div>
            <span className="muted">{progress ? `${progress.done} / ${progress.total}` : "starting…"}</span>
            <button onClick={s.cancel}>Cancel</button>
          </>
        )}
      </div>
      {s.error !== null && <ErrorBox error={s.error} />}
      {s.sim && <SimulationView sim={s.sim} />}
    </div>
  );
}
