import { useEffect, useMemo, useState } from "react";
import { api, onDataChanged, type EfficiencyDto, type StatsQuery } from "../api";
import { Chart } from "../components/Chart";
import { ErrorBox } from "../components/ErrorBox";
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
  const s = useMemo(() => (data ? summarise(data) : null), [data]);
  if (error) return <ErrorBox error={error} />;
  return (
    <>
      <div className="toolbar">
        <label>From <input type="date" value={q.from ?? ""} onChange={(e) => setQ({ ...q, from: e.target.value || null })} /></label>
        <label>To <input type="date" value={q.to ?? ""} onChange={(e) => setQ({ ...q, to: e.target.value || null })} /></label>
        <select aria-label="type" value={q.break_type ?? ""} onChange={(e) => setQ({ ...q, break_type: e.target.value || null })}>
          <option value="">All types</option>
          {["TRADE_OMS_MISMATCH", "CASH_RECONCILIATION", "BROKER_VS_INTERNAL", "PNL_RECONCILIATION", "REGULATORY_DATA"].map((t) => <option key={t}>{t}</option>)}
        </select>
      </div>
      {!s ? <div className="empty">Loading…</div> : s.v2Runs + s.v1Runs === 0 ? <div className="empty">No runs in this range yet: process some breaks.</div> : (
        <>
          <div className="toolbar" data-testid="dashboard-summary">
            <div className="panel"><b>{s.v2Runs}</b> v2 runs · {s.v2Agents.toFixed(2)} agents per break (v1: 7)</div>
            <div className="panel"><b>{(100 * s.earlyExitRate).toFixed(0)}%</b> exited early</div>
            <div className="panel">modelled <b>{s.v2Ms.toFixed(0)} ms</b> vs v1 {s.v1Ms ? s.v1Ms.toFixed(0) : 2500} ms</div>
            <div className="panel">modelled cost <b>${s.v2Cost.toFixed(4)}</b> vs v1 ${s.v1Cost ? s.v1Cost.toFixed(4) : "0.1200"} per break</div>
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
