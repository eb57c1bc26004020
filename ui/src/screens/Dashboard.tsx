import { useEffect, useMemo, useState } from "react";
import { api, onDataChanged, type EfficiencyDto, type StatsQuery } from "../api";
import { Chart } from "../components/Chart";
import { ErrorBox } from "../components/ErrorBox";
import { groupDigits } from "../components/format";
import { useFilterOptions } from "../components/useFilterOptions";
import { summarise } from "./dashboardData";

/** Efficiency charts from the store: agents, early exits, time and cost v1 vs v2, decisions,
 * throughput; filtered by date range and type. */
export function Dashboard() {
  const [q, setQ] = useState<StatsQuery>({ from: null, to: null, break_type: null });
  const [data, setData] = useState<EfficiencyDto | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const load = () => api.efficiency(q).then(setData, setError);
    load();
    return onDataChanged(load);
  }, [q]);
  const { options } = useFilterOptions();
  const s = useMemo(() => (data ? summarise(data) : null), [data]);
  const h = data?.headline;
  if (error) return <ErrorBox error={error} />;
  return (
    <>
      <div className="toolbar">
        <label>From <input type="date" value={q.from ?? ""} onChange={(e) => setQ({ ...q, from: e.target.value || null })} /></label>
        <label>To <input type="date" value={q.to ?? ""} onChange={(e) => setQ({ ...q, to: e.target.value || null })} /></label>
        <select aria-label="type" value={q.break_type ?? ""} onChange={(e) => setQ({ ...q, break_type: e.target.value || null })}>
          <option value="">All types</option>
          {options.break_types.map((t) => <option key={t}>{t}</option>)}
        </select>
      </div>
      {!s || !h ? <div className="empty">Loading…</div> : h.v2_runs + h.v1_runs === 0 ? <div className="empty">No runs in this range yet: process some breaks.</div> : (
        <>
          <div className="toolbar" data-testid="dashboard-summary">
            <div className="panel"><b>{groupDigits(String(h.v2_runs))}</b> v2 runs · {(h.agents_per_break ?? 0).toFixed(2)} agents per break (v1: 7)</div>
            <div className="panel"><b>{(100 * (h.early_exit_rate ?? 0)).toFixed(0)}%</b> exited early</div>
            <div className="panel">modelled <b>{groupDigits(String(h.v2_modelled_ms))} ms</b> vs v1 {groupDigits(String(h.v1_modelled_ms))} ms</div>
            <div className="panel">modelled cost <b>${h.v2_modelled_cost}</b> vs v1 ${h.v1_modelled_cost} per break</div>
            {!h.v1_measured && <div className="panel muted" data-testid="v1-modelled">v1: the model's seven agents in sequence (no v1 run in this range)</div>}
          </div>
          <div className="grid2">
            <div className="panel"><h2>Agents invoked vs planned (v1 runs 7)</h2><Chart testId="chart-agents" option={s.agentsOption} /></div>
            <div className="panel"><h2>Early-exit rate per checkpoint</h2><Chart option={s.checkpointOption} /></div>
            <div className="panel"><h2>Decisions by type and tier (v2)</h2><Chart option={s.decisionsOption} /></div>
            <div className="panel"><h2>Runs per day</h2><Chart option={s.perDayOption} /></div>
          </div>
        </>
      )}
    </>
  );
}
