import { useEffect, useState } from "react";
import { ExecutionGraph } from "../components/ExecutionGraph";
import { ErrorBox } from "../components/ErrorBox";
import { planAsGraph } from "../components/graphLayout";
import { useFilterOptions } from "../components/useFilterOptions";
import { unplaced } from "./policyEdits";
import { ClassifierForm } from "./policies/ClassifierForm";
import { History } from "./policies/History";
import { ModelsForm } from "./policies/ModelsForm";
import { PlanForm } from "./policies/PlanForm";
import { PlanPicker } from "./policies/PlanPicker";
import { PolicyProposals } from "./policies/PolicyProposals";
import { SaveDialog } from "./policies/SaveDialog";
import { SimulationPanel } from "./policies/SimulationPanel";
import { usePolicyDraft } from "./policies/usePolicyDraft";
import { useSimulation } from "./policies/useSimulation";

type Tab = "plans" | "classifier" | "models" | "history" | "proposals";
const TABS: Record<Tab, string> = { plans: "Routing plans", classifier: "Classifier", models: "Models", history: "History", proposals: "Proposals" };

/** The policy editor: a form over the file, Rust's validation beside each field, the plan's
 * graph, an impact simulation, and a save that shows the diff first. The state lives in two
 * hooks (`usePolicyDraft`, `useSimulation`); this screen lays them out. */
export function Policies() {
  const { options } = useFilterOptions(); // tiers and decisions as Rust's enums name them
  const p = usePolicyDraft();
  const s = useSimulation();
  const [planKey, setPlanKey] = useState("CASH_RECONCILIATION/LOW");
  const [tab, setTab] = useState<Tab>("plans");
  const [confirm, setConfirm] = useState(false);
  const { clear } = s;
  useEffect(clear, [p.edits, clear]); // a result is for the draft it was run on

  const { file, draft, plans } = p;
  if (p.error && !file) return <ErrorBox error={p.error} />;
  if (!file || !draft) return <div className="empty">Loading policies…</div>;
  const plan = plans.find((x) => `${x.break_type}/${x.tier}` === planKey) ?? plans[0];
  const types = [...new Set(plans.map((x) => x.break_type))];
  const shownPaths = (path: string) => path.startsWith("policies.") || path.startsWith("classifier.") || path.startsWith("llm.") || path === "llm";

  return (
    <div className="policies" data-testid="policies">
      <div className="toolbar panel">
        <div>
          <strong>{file.draft.path}</strong>
          <div className="muted">version {file.draft.hash.slice(0, 12)}{file.in_force_version === file.draft.hash ? " · in force" : ` · in force: ${file.in_force_version.slice(0, 12)}`}</div>
        </div>
        <span className="grow" />
        {p.saved && <span data-testid="saved" className="ok">Saved version {p.saved.hash.slice(0, 12)}; the engine now runs under it.</span>}
        {p.proposed && <span data-testid="proposed" className="ok">Proposed version {p.proposed.hash.slice(0, 12)} (proposal {p.proposed.proposal_id}): in force once another policy admin approves it.</span>}
        <span className="muted" data-testid="edit-count">{p.dirty ? `${p.edits.length} unsaved change(s)` : "no unsaved changes"}</span>
        <button disabled={!p.dirty} onClick={p.discard} data-testid="discard">Discard</button>
        <button className="primary" data-testid="save" disabled={!p.dirty || p.blocked} title={p.blocked ? "Fix the errors first" : ""} onClick={() => { p.setSaveError(null); setConfirm(true); }}>{p.team ? "Propose…" : "Save…"}</button>
      </div>
      {file.team && <div className="notice" data-testid="team-policy">{file.team}</div>}
      {file.problem && <div className="error">{file.problem}</div>}
      {p.error !== null && <ErrorBox error={p.error} />}
      {p.blocked && (
        <div className="error" data-testid="draft-errors">
          {draft.errors.length} error(s): this draft cannot be saved or simulated.
          {unplaced(draft.errors, shownPaths).map((e, i) => <div key={i}>{e.path ? `${e.path}: ` : ""}{e.message}{e.line > 0 ? ` (line ${e.line})` : ""}</div>)}
        </div>
      )}

      <div className="toolbar">
        {(Object.keys(TABS) as Tab[]).filter((t) => t !== "proposals" || p.team).map((t) => (
          <button key={t} className={tab === t ? "primary" : ""} onClick={() => setTab(t)} data-testid={`tab-${t}`}>{TABS[t]}</button>
        ))}
      </div>

      {tab === "history" && <div className="panel"><History loadedHash={file.draft.hash} team={p.team} onRestored={p.load} /></div>}
      {tab === "proposals" && <div className="panel"><PolicyProposals /></div>}
      {tab === "models" && <div className="panel"><ModelsForm draft={draft} onEdit={p.onEdit} /></div>}
      {tab === "classifier" && <div className="panel"><ClassifierForm draft={draft} tiers={options.tiers} types={[...new Set([...types, ...options.break_types])].sort()} onEdit={p.onEdit} /></div>}
      {tab === "plans" && (
        <>
          <PlanPicker plans={plans} plan={plan} tiers={options.tiers} types={types} onPick={setPlanKey} onEdit={p.onEdit} />
          {plan && (
            <div className="grid2 policy-layout">
              <div className="panel"><PlanForm plan={plan} draft={draft} decisions={options.decisions} onEdit={p.onEdit} /></div>
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

      {tab !== "proposals" && <SimulationPanel s={s} base={file.draft.text} edits={p.edits} types={types} blocked={p.blocked} />}
      {confirm && <SaveDialog p={p} onClose={() => setConfirm(false)} />}
    </div>
  );
}
