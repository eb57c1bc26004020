import type { QueueQuery } from "../api";

type Query = Omit<QueueQuery, "offset" | "limit">;
const TYPES = ["TRADE_OMS_MISMATCH", "CASH_RECONCILIATION", "BROKER_VS_INTERNAL", "PNL_RECONCILIATION", "REGULATORY_DATA"];
const TIERS = ["LOW", "MEDIUM", "HIGH", "CRITICAL"];
const STATUSES = ["NEW", "AUTO_RESOLVED", "PENDING_REVIEW", "ESCALATED", "RESOLVED"];
const DECISIONS = ["AUTO_RESOLVE", "HIL_REVIEW", "ESCALATE"];

function Pick({ label, value, options, onChange }: { label: string; value: string | null | undefined; options: string[]; onChange: (v: string | null) => void }) {
  return (
    <select aria-label={label} value={value ?? ""} onChange={(e) => onChange(e.target.value || null)}>
      <option value="">{label}: any</option>
      {options.map((o) => <option key={o} value={o}>{o}</option>)}
    </select>
  );
}

/** The queue's filters: type, tier, status, decision, assignee, age, search. */
export function Filters({ query, onChange }: { query: Query; onChange: (q: Query) => void }) {
  const set = (patch: Partial<Query>) => onChange({ ...query, ...patch });
  const num = (s: string) => (s === "" ? null : Math.max(0, Number(s)));
  return (
    <>
      <input type="search" placeholder="Search id or counterparty" aria-label="search" value={query.search ?? ""} onChange={(e) => set({ search: e.target.value || null })} />
      <Pick label="Type" value={query.break_type} options={TYPES} onChange={(v) => set({ break_type: v })} />
      <Pick label="Tier" value={query.tier} options={TIERS} onChange={(v) => set({ tier: v })} />
      <Pick label="Status" value={query.status} options={STATUSES} onChange={(v) => set({ status: v })} />
      <Pick label="Decision" value={query.decision} options={DECISIONS} onChange={(v) => set({ decision: v })} />
      <input placeholder="Assignee" aria-label="assignee" style={{ width: 100 }} value={query.assignee ?? ""} onChange={(e) => set({ assignee: e.target.value || null })} />
      <input type="number" min={0} placeholder="Age ≥ days" aria-label="minimum age" style={{ width: 90 }} value={query.min_age_days ?? ""} onChange={(e) => set({ min_age_days: num(e.target.value) })} />
    </>
  );
}
