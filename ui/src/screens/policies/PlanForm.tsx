import type { DecisionAction, PlanOutline, PolicyDraft, PolicyEdit } from "../../api";
import { AGENTS } from "../../components/graphLayout";
import { afterValue, combine, list, num, planPath, remove, set, text } from "../policyEdits";
import { ConditionBuilder, FieldIssues, Input } from "./fields";

/** One routing plan (type x tier) as a form: agents and their dependencies, checkpoints with
 * their conditions, the fallback. Every change is a PolicyEdit that Rust applies. */
export function PlanForm({ plan, draft, decisions, onEdit }: { plan: PlanOutline; draft: PolicyDraft; decisions: DecisionAction[]; onEdit: (e: PolicyEdit) => void }) {
  const base = planPath(plan.break_type, plan.tier);
  const { errors, warnings } = draft;
  const inPlan = plan.agents.map((a) => a.agent);
  const numberEdit = (path: string, v: string) => onEdit(v.trim() === "" ? remove(path) : set(path, num(v)));
  return (
    <div className="policy-form" data-testid="plan-form">
      <label className="field">Description
        <Input value={plan.description} onValue={(v) => onEdit(set(`${base}.description`, text(v)))} />
      </label>
      <label className="field">Max parallel agents
        <Input type="number" min={1} value={plan.max_parallel ?? ""} placeholder="default" onValue={(v) => numberEdit(`${base}.max_parallel`, v)} style={{ width: 80 }} />
      </label>
      <FieldIssues errors={errors} warnings={warnings} path={`${base}.max_parallel`} />

      <h3>Agents</h3>
      <FieldIssues errors={errors} warnings={warnings} path={`${base}.agents`} />
      <div className="agents-grid">
        {AGENTS.map((agent) => {
          const a = plan.agents.find((x) => x.agent === agent);
          const apath = `${base}.agents.${agent}`;
          return (
            <div key={agent} className={`agent-row ${a ? "" : "off"}`} data-testid={`agent-${agent}`}>
              <label><input type="checkbox" checked={!!a} onChange={(e) => onEdit(e.target.checked ? set(apath, { kind: "empty_map" }) : remove(apath))} /> <strong>{agent}</strong></label>
              {a && (
                <>
                  <span className="muted">after</span>
                  {inPlan.filter((d) => d !== agent).map((d) => (
                    <label key={d} className="chip">
                      <input type="checkbox" checked={a.depends_on.includes(d)}
                        onChange={(e) => onEdit(set(`${apath}.depends_on`, list(e.target.checked ? [...a.depends_on, d] : a.depends_on.filter((x) => x !== d))))} />{d}
                    </label>
                  ))}
                  {a.reads.length > 0 && <span className="muted" data-testid="reads" title="This agent reads their outputs, so it must run after them">reads {a.reads.join(", ")}</span>}
                  <label className="muted">timeout ms <Input type="number" value={a.timeout_ms ?? ""} placeholder="default" style={{ width: 80 }} onValue={(v) => numberEdit(`${apath}.timeout_ms`, v)} /></label>
                  <label className="muted">retries <Input type="number" value={a.retries ?? ""} placeholder="default" style={{ width: 56 }} onValue={(v) => numberEdit(`${apath}.retries`, v)} /></label>
                </>
              )}
              <FieldIssues errors={errors} warnings={warnings} path={apath} within />
            </div>
          );
        })}
      </div>

      <h3>Checkpoints</h3>
      {plan.checkpoints.length === 0 && <div className="muted">No checkpoint: every agent in the plan runs.</div>}
      {plan.checkpoints.map((c, i) => {
        const cpath = `${base}.checkpoints[${i}]`;
        return (
          <div key={i} className="panel checkpoint" data-testid={`checkpoint-${i}`}>
            <div className="toolbar">
              <label>id <Input value={c.id} onValue={(v) => onEdit(set(`${cpath}.id`, text(v)))} /></label>
              <span className="muted">after</span>
              {[...inPlan, ...c.after.filter((a) => !inPlan.includes(a))].map((a) => (
                <label key={a} className="chip">
                  <input type="checkbox" data-testid={`after-${a}`} checked={c.after.includes(a)}
                    onChange={(e) => onEdit(set(`${cpath}.after`, afterValue(e.target.checked ? [...c.after, a] : c.after.filter((x) => x !== a))))} />{a}
                </label>
              ))}
              <label>decide <select value={c.decision} onChange={(e) => onEdit(set(`${cpath}.decision`, text(e.target.value)))}>
                {[...new Set([c.decision, ...decisions])].map((d) => <option key={d}>{d}</option>)}
              </select></label>
              <label>confidence <Input type="number" step="0.01" min={0} max={1} value={c.confidence ?? ""} style={{ width: 70 }} onValue={(v) => numberEdit(`${cpath}.confidence`, v)} /></label>
              <span className="grow" />
              <button onClick={() => onEdit(remove(cpath))}>Remove</button>
            </div>
            <label className="field">Condition (CEL)
              <Input className="mono" data-testid="condition" value={c.when} onValue={(v) => onEdit(set(`${cpath}.when`, text(v)))} />
            </label>
            <ConditionBuilder fields={c.fields} onAdd={(cel, join) => onEdit(set(`${cpath}.when`, text(combine(c.when, join, cel))))} />
            <FieldIssues errors={errors} warnings={warnings} path={cpath} within />
          </div>
        );
      })}
      <button data-testid="add-checkpoint" disabled={!inPlan.length} onClick={() => {
        const i = plan.checkpoints.length;
        const after = inPlan.includes("RULES") ? "RULES" : inPlan[0];
        [set(`${base}.checkpoints[${i}].id`, text(`${plan.break_type.toLowerCase()}_${plan.tier.toLowerCase()}_${i + 1}`)), set(`${base}.checkpoints[${i}].after`, text(after)),
          set(`${base}.checkpoints[${i}].when`, text("false")), set(`${base}.checkpoints[${i}].decision`, text("HIL_REVIEW"))].forEach(onEdit);
      }}>Add checkpoint</button>

      <label className="field">If no checkpoint fires and DECISIONING is not in the plan
        <select value={plan.fallback} onChange={(e) => onEdit(set(`${base}.fallback`, text(e.target.value)))}>
          {[...new Set([plan.fallback, ...decisions])].map((d) => <option key={d}>{d}</option>)}
        </select>
      </label>
      <FieldIssues errors={errors} warnings={warnings} path={`${base}.fallback`} />
    </div>
  );
}

