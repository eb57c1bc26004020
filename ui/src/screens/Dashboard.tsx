import { useEffect, useMemo, useState } from "react";
import { api, onDataChanged, type DeskStats, type EfficiencyDto, type StatsQuery } from "../api";
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
  const [desk, setDesk] = useState<DeskStats | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const load = () => {
      api.efficiency(q).then(setData, setError);
      api.desk(q).then(setDesk, setError);
    };
    load();
    return onDataChanged(load);
  }, [q]);
  const { options } = useFilterOptions();
  const s = useMemo(() => {
    if (!data) return null;
    const css = getComputedStyle(document.documentElement);
    const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
    return summarise(data, { ok: v("--ok", "#1a7f37"), warn: v("--warn", "#b35900"), bad: v("--bad", "#cf222e") });
  }, [data]);
  const h = data?.headline;
  if (error) return <ErrorBox error={error} />;
  return (
    <>
      <div className="toolbar">
        <span className="muted">Runs dated</span>
        <label>from <input type="date" value={q.from ?? ""} onChange={(e) => setQ({ ...q, from: e.target.value || null })} /></label>
        <label>to <input type="date" value={q.to ?? ""} onChange={(e) => setQ({ ...q, to: e.target.value || null })} /></label>
        <select aria-label="type" value={q.break_type ?? ""} onChange={(e) => setQ({ ...q, break_type: e.target.value || null })}>
          <option value="">All types</option>
          {options.break_types.map((t) => <option key={t}>{t}</option>)}
        </select>
      </div>
      {desk && <Desk desk={desk} />}
      {!s || !h ? <div className="empty">Loading…</div> : h.v2_runs + h.v1_runs === 0 ? <div className="empty">No runs in this range yet: process some breaks.</div> : (
        <>
          <div className="toolbar" data-testid="dashboard-summary">
            <div className="panel"><b>{groupDigits(String(h.v2_runs))}</b> v2 runs · {(h.agents_per_break ?? 0).toFixed(2)} agents per break (v1: 7)</div>
            <div className="panel"><b>{(100 * (h.early_exit_rate ?? 0)).toFixed(0)}%</b> exited early ({groupDigits(String(Math.round((h.early_exit_rate ?? 0) * h.v2_runs)))} of {groupDigits(String(h.v2_runs))})</div>
            <div className="panel">modelled <b>{groupDigits(String(h.v2_modelled_ms))} ms</b> vs v1 {groupDigits(String(h.v1_modelled_ms))} ms</div>
            <div className="panel">modelled cost <b>${h.v2_modelled_cost}</b> vs v1 ${h.v1_modelled_cost} per break</div>
            {h.v2_llm_runs + h.v1_llm_runs > 0 && (
              <div className="panel" data-testid="measured-cost">
                model calls, measured: <b>{h.v2_measured_cost ?? "–"} {h.base_currency}</b> per v2 run that asked a model ({groupDigits(String(h.v2_llm_runs))})
                {h.v1_llm_runs > 0 && <> vs v1 {h.v1_measured_cost} {h.base_currency} ({groupDigits(String(h.v1_llm_runs))})</>}
              </div>
            )}
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

const n = (v: number) => groupDigits(String(v));

/** What waits now and who did what in the range: backlog, SLA breaches, overrides, throughput. */
function Desk({ desk }: { desk: DeskStats }) {
  const overrides = desk.people.reduce((a, p) => a + p.overridden, 0);
  return (
    <div className="grid2">
      <div className="panel" data-testid="desk-now">
        <h2>The desk now</h2>
        <p>
          <b>{n(desk.waiting)}</b> waiting for review, of which <b className="tag ESCALATED">{n(desk.escalated)} escalated</b>;{" "}
          <b className={desk.overdue > 0 ? "overdue" : ""}>{desk.overdue_exact ? "" : "more than "}{n(desk.overdue)}</b> past their SLA deadline
          {desk.waiting > 0 && desk.overdue_exact && ` (${((100 * desk.overdue) / desk.waiting).toFixed(0)}%)`}; <b>{n(desk.new)}</b> NEW not yet processed.
        </p>
        <p className="muted">as of {desk.as_of.replace("T", " ").replace("Z", " UTC")}</p>
      </div>
      <div className="panel" data-testid="desk-people">
        <h2>Reviewers in this range: {n(desk.people.reduce((a, p) => a + p.total, 0))} actions, {n(overrides)} overrides</h2>
        {desk.people.length === 0 ? <div className="muted">No one acted on a break in this range.</div> : (
          <table className="plain">
            <thead><tr>{["person", "accepted", "overrode", "resolved", "assigned", "commented", "undid", "total"].map((h) => <th key={h}>{h}</th>)}</tr></thead>
            <tbody>
              {desk.people.map((p) => (
                <tr key={p.actor}>
                  <td>{p.actor}</td><td>{n(p.accepted)}</td><td>{n(p.overridden)}</td><td>{n(p.resolved)}</td><td>{n(p.assigned)}</td><td>{n(p.commented)}</td><td>{n(p.undone)}</td><td><b>{n(p.total)}</b></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </div>
  );
}
