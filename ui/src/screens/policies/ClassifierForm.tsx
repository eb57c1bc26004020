import type { PolicyDraft, PolicyEdit, RiskTier } from "../../api";
import { num, set, text } from "../policyEdits";
import { FieldIssues, Input } from "./fields";

/** The classifier's settings: tier thresholds, multipliers, minimum tiers, age escalation and
 * the highest tier that may auto-resolve. */
export function ClassifierForm({ draft, tiers, onEdit }: { draft: PolicyDraft; tiers: RiskTier[]; onEdit: (e: PolicyEdit) => void }) {
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

