import type { PolicyDraft, PolicyEdit, RiskTier } from "../../api";
import { list, num, set, text } from "../policyEdits";
import { FieldIssues, Input } from "./fields";

/** The classifier's settings: tier thresholds, multipliers, minimum tiers, age escalation,
 * tolerances, SLA hours, the highest tier that may auto-resolve and the types that never may. */
export function ClassifierForm({ draft, tiers, types, onEdit }: { draft: PolicyDraft; tiers: RiskTier[]; types: string[]; onEdit: (e: PolicyEdit) => void }) {
  const c = draft.outline?.classifier;
  if (!c) return null;
  const { errors, warnings } = draft;
  const never = c.never_auto_resolve;
  const addable = types.filter((t) => !never.includes(t));
  const tol = c.tolerance;
  const tolField = (label: string, key: keyof typeof tol, hint: string, asNumber = false) => (
    <label className="field inline">{label}
      <Input value={tol[key]} type={asNumber ? "number" : undefined} style={{ width: 110 }} aria-label={`tolerance ${key}`}
        onValue={(v) => onEdit(set(`classifier.tolerance.${key}`, asNumber ? num(v) : text(v)))} />
      <span className="muted">{hint}</span>
      <FieldIssues errors={errors} warnings={warnings} path={`classifier.tolerance.${key}`} />
    </label>
  );
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
            from <Input type="number" value={s.days} style={{ width: 60 }} aria-label={`age step ${i + 1} days`} onValue={(v) => onEdit(set(`classifier.age_escalation[${i}].days`, num(v)))} /> days, raise
            <Input type="number" value={s.raise_tiers} style={{ width: 50 }} aria-label={`age step ${i + 1} tiers`} onValue={(v) => onEdit(set(`classifier.age_escalation[${i}].raise_tiers`, num(v)))} /> tier(s)
          </div>
        ))}
        <FieldIssues errors={errors} warnings={warnings} path="classifier.age_escalation" within />
        <label className="field inline">AUTO_RESOLVE allowed up to
          <select value={c.auto_resolve_max_tier} onChange={(e) => onEdit(set("classifier.auto_resolve_max_tier", text(e.target.value)))}>{tiers.map((t) => <option key={t}>{t}</option>)}</select>
        </label>
        <div className="field inline" data-testid="never-auto-resolve">Never auto-resolve
          {never.map((t) => (
            <span key={t} className="tag">{t} <button className="link" aria-label={`allow ${t}`} onClick={() => onEdit(set("classifier.never_auto_resolve", list(never.filter((x) => x !== t))))}>×</button></span>
          ))}
          {addable.length > 0 && (
            <select value="" aria-label="add a type that never auto-resolves" onChange={(e) => e.target.value && onEdit(set("classifier.never_auto_resolve", list([...never, e.target.value])))}>
              <option value="">add a type…</option>
              {addable.map((t) => <option key={t}>{t}</option>)}
            </select>
          )}
          <FieldIssues errors={errors} warnings={warnings} path="classifier.never_auto_resolve" within />
        </div>
      </div>
      <div>
        <h3>Tolerances (RULES and the classifier's hints)</h3>
        {tolField("absolute", "absolute", `${c.base_currency}`)}
        {tolField("percent", "percent", "of the larger side (0.0005 = 5 bp)")}
        {tolField("FX rounding", "fx_rounding", "% of the foreign amount")}
        {tolField("timing", "timing_days", "days between settlement dates", true)}
      </div>
      {entries("SLA hours per tier", "sla_hours", c.sla_hours, false)}
    </div>
  );
}

