import type { SimulationDto } from "../../api";

// type, tier, breaks, agents / break, early exit, modelled ms, cost / break (two figures), auto-resolved
const SIM_COLUMNS = "180px 90px 70px 1fr 1fr 1fr 1.6fr 130px";

const fx = (x: number | null, digits: number) => (x ?? 0).toFixed(digits);

/** A simulation's result: per type and tier under both policies, then the breaks whose decision changes. */
export function SimulationView({ sim }: { sim: SimulationDto }) {
  const pair = (a: string | number, b: string | number) => (a === b ? <span>{a}</span> : <span className="changed">{a} → {b}</span>);
  const rows = [...sim.rows, sim.all];
  return (
    <div data-testid="simulation">
      <p>
        {sim.all.current.breaks} breaks in {fx(sim.seconds, 2)} s{sim.cancelled ? " (cancelled: partial)" : ""}: <strong>{sim.changes.length}</strong> decision(s) change,{" "}
        <strong className={sim.risky ? "risky" : ""} data-testid="risky-count">{sim.risky}</strong> from a person's review to AUTO_RESOLVE.
      </p>
      <p className="muted" data-testid="simulation-basis">
        Both sides replay the breaks now: their ages and PATTERN's history (similar breaks still open) are today's. The dashboard counts
        the runs as they happened, so a checkpoint that reads PATTERN can fire less here than it did then (for example with many similar
        breaks now waiting for review).
      </p>
      <div className="table">
        <div className="head" style={{ gridTemplateColumns: SIM_COLUMNS }}>
          {["type", "tier", "breaks", "agents / break", "early exit", "modelled ms", "cost / break", "auto-resolved"].map((h) => <div key={h} className="cell">{h}</div>)}
        </div>
        {rows.map((r) => (
          <div key={`${r.break_type}/${r.tier}`} className="row" style={{ gridTemplateColumns: SIM_COLUMNS, fontWeight: r === sim.all ? 600 : 400 }}>
            <div className="cell">{r.break_type}</div><div className="cell">{r.tier}</div>
            <div className="cell">{pair(r.current.breaks, r.draft.breaks)}</div>
            <div className="cell">{pair(fx(r.current.agents_per_break, 2), fx(r.draft.agents_per_break, 2))}</div>
            <div className="cell">{pair(`${fx(100 * (r.current.early_exit_rate ?? 0), 0)}%`, `${fx(100 * (r.draft.early_exit_rate ?? 0), 0)}%`)}</div>
            <div className="cell">{pair(fx(r.current.modelled_ms_per_break, 0), fx(r.draft.modelled_ms_per_break, 0))}</div>
            <div className="cell">{pair(`$${r.current.modelled_cost_per_break}`, `$${r.draft.modelled_cost_per_break}`)}</div>
            <div className="cell">{pair(r.current.auto_resolved, r.draft.auto_resolved)}</div>
          </div>
        ))}
      </div>
      {sim.changes.length > 0 && (
        <div className="table" style={{ maxHeight: 220, marginTop: 8 }} data-testid="sim-changes">
          {sim.changes.slice(0, 500).map((c) => (
            <div key={c.break_id} className={`row ${c.risky ? "risky-row" : ""}`} style={{ gridTemplateColumns: "120px 200px 150px 1fr" }}>
              <div className="cell">{c.break_id}</div><div className="cell">{c.break_type}</div><div className="cell">{c.current_tier}{c.draft_tier !== c.current_tier ? ` → ${c.draft_tier}` : ""}</div>
              <div className="cell"><span className={`tag ${c.current}`}>{c.current}</span> → <span className={`tag ${c.draft}`}>{c.draft}</span>{c.risky && <strong className="risky"> risky</strong>}</div>
            </div>
          ))}
        </div>
      )}
    </div>
  );
}

