import { useState } from "react";
import type { PlanOutline, PolicyEdit, RiskTier } from "../../api";
import { list, planPath, set, text } from "../policyEdits";

/** A starting plan for a new type or tier: ingest, enrich, decide; a person reviews otherwise. */
export function newPlan(type: string, tier: string): PolicyEdit[] {
  const p = planPath(type, tier);
  return [
    set(`${p}.description`, text(`${type} ${tier}: new plan`)),
    set(`${p}.agents.INGESTION`, { kind: "empty_map" }),
    set(`${p}.agents.ENRICHMENT.depends_on`, list(["INGESTION"])),
    set(`${p}.agents.DECISIONING.depends_on`, list(["ENRICHMENT"])),
    set(`${p}.fallback`, text("HIL_REVIEW")),
  ];
}

/** Which plan the form shows: a break type, then a tier; a tier or type without a plan of its
 * own can be given one. */
export function PlanPicker({ plans, plan, tiers, types, onPick, onEdit }: {
  plans: PlanOutline[]; plan: PlanOutline | undefined; tiers: RiskTier[]; types: string[]; onPick: (key: string) => void; onEdit: (e: PolicyEdit) => void;
}) {
  const [newType, setNewType] = useState("");
  return (
    <div className="toolbar">
      <label>Break type <select data-testid="plan-type" value={plan?.break_type ?? ""} onChange={(e) => onPick(`${e.target.value}/${plans.find((p) => p.break_type === e.target.value)?.tier ?? "LOW"}`)}>
        {types.map((t) => <option key={t}>{t}</option>)}
      </select></label>
      {tiers.map((t) => {
        const exists = plans.some((p) => p.break_type === plan?.break_type && p.tier === t);
        return exists
          ? <button key={t} className={plan?.tier === t ? "primary" : ""} onClick={() => onPick(`${plan?.break_type}/${t}`)} data-testid={`tier-${t}`}>{t}</button>
          : <button key={t} title={`${t} uses DEFAULT/${t} now; add a plan of its own`} onClick={() => { if (plan) { newPlan(plan.break_type, t).forEach(onEdit); onPick(`${plan.break_type}/${t}`); } }} data-testid={`add-tier-${t}`}>+ {t}</button>;
      })}
      <span className="grow" />
      <input value={newType} onChange={(e) => setNewType(e.target.value.toUpperCase().replace(/[^A-Z0-9_]/g, "_"))} placeholder="NEW_BREAK_TYPE" aria-label="new break type" style={{ width: 170 }} />
      <button disabled={!newType || types.includes(newType)} onClick={() => { newPlan(newType, "LOW").forEach(onEdit); onPick(`${newType}/LOW`); setNewType(""); }}>Add break type</button>
    </div>
  );
}
