import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import {
  api, ApiFailure, onProgress,
  type DiffLine, type PlanOutline, type PolicyDraft, type PolicyEdit, type PolicyFileState, type PolicyIssue, type PolicySave, type Progress, type SimulationDto,
} from "../api";
import { ExecutionGraph } from "../components/ExecutionGraph";
import { AGENTS, planAsGraph } from "../components/graphLayout";
import { ErrorBox } from "../components/ErrorBox";
import { useFilterOptions } from "../components/useFilterOptions";
import { utcText } from "../components/format";
import { addEdit, afterValue, clause, combine, issuesAt, list, num, planPath, remove, set, text, unplaced } from "./policyEdits";

// type, tier, breaks, agents / break, early exit, modelled ms, cost / break (two figures), auto-resolved
const SIM_COLUMNS = "180px 90px 70px 1fr 1fr 1fr 1.6fr 130px";
const OPS = ["is true", "is false", "<", "<=", ">", ">=", "==", "!="];

/** An input that keeps what the person types while Rust re-validates the draft: the form's
 * values come back from Rust a moment later, and binding the input to them would drop keys. */
function Input({ value, onValue, ...rest }: { value: string | number | null | undefined; onValue: (v: string) => void } & Omit<React.InputHTMLAttributes<HTMLInputElement>, "value" | "onChange">) {
  const shown = value == null ? "" : String(value);
  const [local, setLocal] = useState(shown);
  const focused = useRef(false);
  useEffect(() => { if (!focused.current) setLocal(shown); }, [shown]);
  return (
    <input {...rest} value={local} onFocus={() => (focused.current = true)} onBlur={() => { focused.current = false; setLocal(shown); }}
      onChange={(e) => { setLocal(e.target.value); onValue(e.target.value); }} />
  );
}

/** Messages beside a field: errors (saving is blocked) and warnings. */
function FieldIssues({ errors, warnings, path, within = false }: { errors: PolicyIssue[]; warnings: PolicyIssue[]; path: string; within?: boolean }) {
  const e = issuesAt(errors, path, within);
  const w = issuesAt(warnings, path, within);
  if (!e.length && !w.length) return null;
  return (
    <div>
      {e.map((i, k) => <div key={`e${k}`} className="field-error" data-testid="field-error" data-path={i.path}>{i.message}{i.line > 0 && <span className="muted"> (line {i.line})</span>}</div>)}
      {w.map((i, k) => <div key={`w${k}`} className="field-warning" data-testid="field-warning" data-path={i.path}>⚠ {i.message}</div>)}
    </div>
  );
}

function Diff({ lines }: { lines: DiffLine[] }) {
  if (!lines.length) return <div className="muted">No differences.</div>;
  return (
    <pre className="diff" data-testid="diff">
      {lines.map((l, i) => (
        <div key={i} className={l.sign === "+" ? "add" : l.sign === "-" ? "del" : ""}>
          <span className="ln">{l.old_line ?? ""}</span><span className="ln">{l.new_line ?? ""}</span>{l.sign} {l.text}
        </div>
      ))}
    </pre>
  );
}

/** Builds a condition from the common forms and joins it onto the current one. `fields`: what
 * Rust says this checkpoint's condition may read. */
function ConditionBuilder({ fields, onAdd }: { fields: string[]; onAdd: (cel: string, join: "&&" | "||") => void }) {
  const [picked, setField] = useState(fields[0] ?? "");
  // The list changes with the agents the checkpoint follows; keep the pick only while offered.
  const field = fields.includes(picked) ? picked : (fields[0] ?? "");
  const [op, setOp] = useState("is true");
  const [value, setValue] = useState("");
  const needsValue = op !== "is true" && op !== "is false";
  return (
    <div className="toolbar builder">
      <select value={field} onChange={(e) => setField(e.target.value)} aria-label="field">{fields.map((f) => <option key={f}>{f}</option>)}</select>
      <select value={op} onChange={(e) => setOp(e.target.value)} aria-label="comparison">{OPS.map((o) => <option key={o}>{o}</option>)}</select>
      {needsValue && <input value={value} onChange={(e) => setValue(e.target.value)} placeholder="value" size={8} aria-label="value" />}
      <button onClick={() => onAdd(clause(field, op, value), "&&")}>AND</button>
      <button onClick={() => onAdd(clause(field, op, value), "||")}>OR</button>
    </div>
  );
}

function PlanForm({ plan, draft, decisions, onEdit }: { plan: PlanOutline; draft: PolicyDraft; decisions: string[]; onEdit: (e: PolicyEdit) => void }) {
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

function ClassifierForm({ draft, tiers, onEdit }: { draft: PolicyDraft; tiers: string[]; onEdit: (e: PolicyEdit) => void }) {
  const c = draft.outline?.classifier;
  if (!c) return null;
  const { errors, warnings } = draft;
  const entries = (title: string, key: string, rows: { key: string; value: string }[], asText = true) => (
    <div>
      <h3>{title}</h3>
      {rows.map((r) => (
        <label key={r.key} className="field inline">{r.key}
          <Input value={r.value} style={{ width: 110 }} onValue={(v) => onEdit(set(`classifier.${key}.${r.key}`, asText ? text(v) : num(v)))} />
          <FieldIssues errors={errors} warnings={warnings} path={`classifier.${key}.${r.key}`} />
        </label>
      ))}
      <FieldIssues errors={errors} warnings={warnings} path={`classifier.${key}`} />
    </div>
  );
  return (
    <div className="grid2" data-testid="classifier-form">
      {entries(`Tier thresholds (exposure in ${c.base_currency})`, "tier_thresholds", c.tier_thresholds)}
      {entries("Asset-class multipliers", "asset_class_multipliers", c.asset_class_multipliers)}
      {entries("Minimum tier per type", "minimum_tier", c.minimum_tier)}
      <div>
        <h3>Age escalation</h3>
        {c.age_escalation.map((s, i) => (
          <div key={i} className="toolbar">
            from <Input type="number" value={s.days} style={{ width: 60 }} onValue={(v) => onEdit(set(`classifier.age_escalation[${i}].days`, num(v)))} /> days, raise
            <Input type="number" value={s.raise_tiers} style={{ width: 50 }} onValue={(v) => onEdit(set(`classifier.age_escalation[${i}].raise_tiers`, num(v)))} /> tier(s)
          </div>
        ))}
        <FieldIssues errors={errors} warnings={warnings} path="classifier.age_escalation" within />
        <label className="field inline">AUTO_RESOLVE allowed up to
          <select value={c.auto_resolve_max_tier} onChange={(e) => onEdit(set("classifier.auto_resolve_max_tier", text(e.target.value)))}>{tiers.map((t) => <option key={t}>{t}</option>)}</select>
        </label>
      </div>
    </div>
  );
}

const fx = (x: number | null, digits: number) => (x ?? 0).toFixed(digits);

function SimulationView({ sim }: { sim: SimulationDto }) {
  const pair = (a: string | number, b: string | number) => (a === b ? <span>{a}</span> : <span className="changed">{a} → {b}</span>);
  const rows = [...sim.rows, sim.all];
  return (
    <div data-testid="simulation">
      <p>
        {sim.all.current.breaks} breaks in {fx(sim.seconds, 2)} s{sim.cancelled ? " (cancelled: partial)" : ""}: <strong>{sim.changes.length}</strong> decision(s) change,{" "}
        <strong className={sim.risky ? "risky" : ""} data-testid="risky-count">{sim.risky}</strong> from a person's review to AUTO_RESOLVE.
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

function History({ loadedHash, onRestored }: { loadedHash: string; onRestored: () => void }) {
  const [saves, setSaves] = useState<PolicySave[] | null>(null);
  const [pick, setPick] = useState<string[]>([]);
  const [diff, setDiff] = useState<DiffLine[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => { api.policyHistory().then(setSaves, setError); }, [loadedHash]);
  useEffect(() => {
    setDiff(null);
    if (pick.length === 2) api.policyVersionDiff(pick[0], pick[1]).then(setDiff, setError);
  }, [pick]);
  if (error) return <ErrorBox error={error} />;
  if (!saves) return <div className="muted">Loading…</div>;
  if (!saves.length) return <div className="empty">No versions recorded yet. The version in force at start, and every version saved from this screen with its author and note, are listed here.</div>;
  const toggle = (h: string) => setPick((p) => (p.includes(h) ? p.filter((x) => x !== h) : [...p, h].slice(-2)));
  return (
    <div data-testid="policy-history">
      <div className="table">
        {saves.map((s) => (
          <div key={s.save_id} className={`row ${pick.includes(s.hash) ? "selected" : ""}`} style={{ gridTemplateColumns: "40px 170px 130px 180px 1fr 90px" }} data-testid="history-row">
            <div className="cell"><input type="checkbox" checked={pick.includes(s.hash)} onChange={() => toggle(s.hash)} aria-label="compare" /></div>
            <div className="cell">{utcText(s.saved_at)}</div>
            <div className="cell">{s.author}</div>
            <div className="cell mono">{s.hash.slice(0, 12)}{s.hash === loadedHash ? " (file)" : ""}</div>
            <div className="cell">{s.note}</div>
            <div className="cell">{s.hash !== loadedHash && <button onClick={() => api.policyRestore(s.hash, loadedHash, "").then(onRestored, setError)}>Restore</button>}</div>
          </div>
        ))}
      </div>
      <p className="muted">Tick two versions to see what changed between them.</p>
      {diff && <Diff lines={diff} />}
    </div>
  );
}

/** A starting plan for a new type or tier: ingest, enrich, decide; a person reviews otherwise. */
function newPlan(type: string, tier: string): PolicyEdit[] {
  const p = planPath(type, tier);
  return [
    set(`${p}.description`, text(`${type} ${tier}: new plan`)),
    set(`${p}.agents.INGESTION`, { kind: "empty_map" }),
    set(`${p}.agents.ENRICHMENT.depends_on`, list(["INGESTION"])),
    set(`${p}.agents.DECISIONING.depends_on`, list(["ENRICHMENT"])),
    set(`${p}.fallback`, text("HIL_REVIEW")),
  ];
}

/** The policy editor: a form over the file, Rust's validation beside each field, the plan's
 * graph, an impact simulation, and a save that shows the diff first. */
export function Policies() {
  // Tiers and decisions as Rust's enums name them.
  const { options } = useFilterOptions();
  const [file, setFile] = useState<PolicyFileState | null>(null);
  const [edits, setEdits] = useState<PolicyEdit[]>([]);
  const [draft, setDraft] = useState<PolicyDraft | null>(null);
  const [planKey, setPlanKey] = useState("CASH_RECONCILIATION/LOW");
  const [tab, setTab] = useState<"plans" | "classifier" | "history">("plans");
  const [error, setError] = useState<unknown>(null);
  const [sim, setSim] = useState<SimulationDto | null>(null);
  const [simLimit, setSimLimit] = useState("10000");
  const [simType, setSimType] = useState("");
  const [newType, setNewType] = useState("");
  const [simulating, setSimulating] = useState(false);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [confirm, setConfirm] = useState(false);
  const [note, setNote] = useState("");
  const [saveError, setSaveError] = useState<unknown>(null);
  const [saved, setSaved] = useState<PolicySave | null>(null);
  const generation = useRef(0);

  const load = useCallback(() => {
    setError(null);
    api.policyFile().then((f) => { setFile(f); setDraft(f.draft); setEdits([]); setSim(null); }, setError);
  }, []);
  useEffect(load, [load]);
  useEffect(() => onProgress((p) => p.task === "simulate" && setProgress(p)), []);

  // Every change is applied and validated by Rust; replies to older drafts are ignored.
  useEffect(() => {
    if (!file) return;
    const g = ++generation.current;
    const t = setTimeout(() => {
      api.policyCheck(file.draft.text, edits).then((d) => g === generation.current && setDraft(d), (e) => g === generation.current && setError(e));
    }, edits.length ? 120 : 0);
    return () => clearTimeout(t);
  }, [file, edits]);

  const onEdit = useCallback((e: PolicyEdit) => { setSaved(null); setSim(null); setEdits((x) => addEdit(x, e)); }, []);
  const plans = useMemo(() => draft?.outline?.plans ?? file?.draft.outline?.plans ?? [], [draft, file]);
  const plan = plans.find((p) => `${p.break_type}/${p.tier}` === planKey) ?? plans[0];

  if (error && !file) return <ErrorBox error={error} />;
  if (!file || !draft) return <div className="empty">Loading policies…</div>;
  const dirty = edits.length > 0;
  const blocked = draft.errors.length > 0;
  const shownPaths = (p: string) => p.startsWith("policies.") || p.startsWith("classifier.");

  const simulate = async () => {
    setSimulating(true); setProgress(null); setSim(null); setError(null);
    try { setSim(await api.policySimulate(file.draft.text, edits, Number(simLimit) || 10000, simType || null)); } catch (e) { setError(e); } finally { setSimulating(false); }
  };
  const save = async (overwrite: boolean) => {
    setSaveError(null);
    try {
      const s = await api.policySave(file.draft.text, edits, note, overwrite);
      setConfirm(false); setNote(""); setSaved(s);
      load();
    } catch (e) { setSaveError(e); }
  };
  const conflict = saveError instanceof ApiFailure && saveError.code === "CONFLICT";
  const types = [...new Set(plans.map((p) => p.break_type))];

  return (
    <div className="policies" data-testid="policies">
      <div className="toolbar panel">
        <div>
          <strong>{file.draft.path}</strong>
          <div className="muted">version {file.draft.hash.slice(0, 12)}{file.in_force_version === file.draft.hash ? " · in force" : ` · in force: ${file.in_force_version.slice(0, 12)}`}</div>
        </div>
        <span className="grow" />
        {saved && <span data-testid="saved" className="ok">Saved version {saved.hash.slice(0, 12)}; the engine now runs under it.</span>}
        <span className="muted" data-testid="edit-count">{dirty ? `${edits.length} unsaved change(s)` : "no unsaved changes"}</span>
        <button disabled={!dirty} onClick={() => setEdits([])}>Discard</button>
        <button className="primary" data-testid="save" disabled={!dirty || blocked} title={blocked ? "Fix the errors first" : ""} onClick={() => { setSaveError(null); setConfirm(true); }}>Save…</button>
      </div>
      {file.problem && <div className="error">{file.problem}</div>}
      {error !== null && <ErrorBox error={error} />}
      {blocked && (
        <div className="error" data-testid="draft-errors">
          {draft.errors.length} error(s): this draft cannot be saved or simulated.
          {unplaced(draft.errors, shownPaths).map((e, i) => <div key={i}>{e.path ? `${e.path}: ` : ""}{e.message}{e.line > 0 ? ` (line ${e.line})` : ""}</div>)}
        </div>
      )}

      <div className="toolbar">
        {(["plans", "classifier", "history"] as const).map((t) => (
          <button key={t} className={tab === t ? "primary" : ""} onClick={() => setTab(t)} data-testid={`tab-${t}`}>{{ plans: "Routing plans", classifier: "Classifier", history: "History" }[t]}</button>
        ))}
      </div>

      {tab === "history" && <div className="panel"><History loadedHash={file.draft.hash} onRestored={load} /></div>}
      {tab === "classifier" && <div className="panel"><ClassifierForm draft={draft} tiers={options.tiers} onEdit={onEdit} /></div>}
      {tab === "plans" && (
        <>
          <div className="toolbar">
            <label>Break type <select data-testid="plan-type" value={plan?.break_type ?? ""} onChange={(e) => setPlanKey(`${e.target.value}/${plans.find((p) => p.break_type === e.target.value)?.tier ?? "LOW"}`)}>
              {types.map((t) => <option key={t}>{t}</option>)}
            </select></label>
            {options.tiers.map((t) => {
              const exists = plans.some((p) => p.break_type === plan?.break_type && p.tier === t);
              return exists
                ? <button key={t} className={plan?.tier === t ? "primary" : ""} onClick={() => setPlanKey(`${plan?.break_type}/${t}`)} data-testid={`tier-${t}`}>{t}</button>
                : <button key={t} title={`${t} uses DEFAULT/${t} now; add a plan of its own`} onClick={() => { if (plan) { newPlan(plan.break_type, t).forEach(onEdit); setPlanKey(`${plan.break_type}/${t}`); } }} data-testid={`add-tier-${t}`}>+ {t}</button>;
            })}
            <span className="grow" />
            <input value={newType} onChange={(e) => setNewType(e.target.value.toUpperCase().replace(/[^A-Z0-9_]/g, "_"))} placeholder="NEW_BREAK_TYPE" aria-label="new break type" style={{ width: 170 }} />
            <button disabled={!newType || types.includes(newType)} onClick={() => { newPlan(newType, "LOW").forEach(onEdit); setPlanKey(`${newType}/LOW`); setNewType(""); }}>Add break type</button>
          </div>
          {plan && (
            <div className="grid2 policy-layout">
              <div className="panel"><PlanForm plan={plan} draft={draft} decisions={options.decisions} onEdit={onEdit} /></div>
              <div className="panel plan-graph">
                <h2>{plan.break_type} / {plan.tier}</h2>
                <ExecutionGraph run={planAsGraph(plan)} critical={plan.critical_path} height={560} direction="TB" />
                <p data-testid="critical-path">
                  {plan.critical_path.length
                    ? <>Critical path: {plan.critical_path.join(" → ")} ({plan.critical_path_ms} ms with the seed's agent latencies)</>
                    : <span className="muted">No critical path: the dependencies have a cycle or name an unknown agent.</span>}
                </p>
                {draft.warnings.length > 0 && <div className="muted">{draft.warnings.length} warning(s) in the file.</div>}
              </div>
            </div>
          )}
        </>
      )}

      <div className="panel">
        <h2>Impact simulation</h2>
        <div className="toolbar">
          <span>Replay the</span><input type="number" value={simLimit} onChange={(e) => setSimLimit(e.target.value)} style={{ width: 90 }} aria-label="breaks to replay" />
          <span>most recent breaks of</span>
          <select value={simType} onChange={(e) => setSimType(e.target.value)} aria-label="simulate type"><option value="">every type</option>{types.filter((t) => t !== "DEFAULT").map((t) => <option key={t}>{t}</option>)}</select>
          <span>through the policies in force and through this draft (nothing is recorded).</span>
          <button className="primary" data-testid="simulate" disabled={simulating || blocked} onClick={simulate}>Simulate</button>
          {simulating && (
            <>
              <div className="progress" role="progressbar"><div style={{ width: `${progress && progress.total ? (100 * progress.done) / progress.total : 0}%` }} /></div>
              <span className="muted">{progress ? `${progress.done} / ${progress.total}` : "starting…"}</span>
              <button onClick={() => api.cancelProcessing()}>Cancel</button>
            </>
          )}
        </div>
        {sim && <SimulationView sim={sim} />}
      </div>

      {confirm && (
        <div className="modal-backdrop">
          <div className="modal panel" role="dialog" aria-label="Confirm save" data-testid="save-dialog">
            <h2>Save {file.draft.path}?</h2>
            <p className="muted">What changes in the file (comments and untouched lines stay as they are):</p>
            <Diff lines={draft.diff} />
            <label className="field">Note for the history (required)
              <input data-testid="save-note" value={note} onChange={(e) => setNote(e.target.value)} placeholder="why this change" autoFocus />
            </label>
            {saveError !== null && <ErrorBox error={saveError} />}
            <div className="toolbar">
              <span className="grow" />
              {conflict && <button onClick={() => { setConfirm(false); load(); }}>Reload from disk (drop my changes)</button>}
              {conflict && <button onClick={() => save(true)}>Overwrite</button>}
              <button onClick={() => setConfirm(false)}>Cancel</button>
              <button className="primary" data-testid="confirm-save" disabled={!note.trim()} onClick={() => save(false)}>Save</button>
            </div>
          </div>
        </div>
      )}
    </div>
  );
}
