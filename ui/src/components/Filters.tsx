import type { QueueFilter } from "../api";
import { ErrorBox } from "./ErrorBox";
import { useFilterOptions } from "./useFilterOptions";

type Query = Omit<QueueFilter, "offset" | "limit">;

/** A select over values Rust offers; the value handed back is one of `options`, never free text. */
function Pick<T extends string>({ label, value, options, onChange }: { label: string; value: T | null | undefined; options: T[]; onChange: (v: T | null) => void }) {
  return (
    <select aria-label={label} value={value ?? ""} style={{ maxWidth: 150 }} onChange={(e) => onChange(options.find((o) => o === e.target.value) ?? null)}>
      <option value="">{label}: any</option>
      {options.map((o) => <option key={o} value={o}>{o}</option>)}
    </select>
  );
}

/** The queue's filters: type, tier, status, decision, assignee, age, search. */
export function Filters({ query, onChange }: { query: Query; onChange: (q: Query) => void }) {
  const { options, error } = useFilterOptions();
  const set = (patch: Partial<Query>) => onChange({ ...query, ...patch });
  const num = (s: string) => (s === "" ? null : Math.max(0, Number(s)));
  return (
    <>
      <input type="search" placeholder="Search id or counterparty" aria-label="search" value={query.search ?? ""} onChange={(e) => set({ search: e.target.value || null })} />
      <Pick label="Type" value={query.break_type} options={options.break_types} onChange={(v) => set({ break_type: v })} />
      <Pick label="Tier" value={query.tier} options={options.tiers} onChange={(v) => set({ tier: v })} />
      <Pick label="Status" value={query.status} options={options.statuses} onChange={(v) => set({ status: v })} />
      <Pick label="Decision" value={query.decision} options={options.decisions} onChange={(v) => set({ decision: v })} />
      <select aria-label="whose" style={{ maxWidth: 140 }} value={query.unassigned ? "unassigned" : (query.assignee_in ?? []).length ? "mine" : ""}
        onChange={(e) => set(e.target.value === "mine" ? { assignee: null, assignee_in: options.mine, unassigned: false } : e.target.value === "unassigned" ? { assignee: null, assignee_in: [], unassigned: true } : { assignee: null, assignee_in: [], unassigned: false })}>
        <option value="">Anyone's</option>
        <option value="mine">Mine{options.mine.length > 1 ? " and my groups'" : ""} ({options.mine.join(", ") || options.me})</option>
        <option value="unassigned">Unassigned</option>
      </select>
      <input placeholder="Assignee" aria-label="assignee" style={{ width: 100 }} value={query.assignee ?? ""} onChange={(e) => set({ assignee: e.target.value || null, assignee_in: [], unassigned: false })} />
      <input type="number" min={0} placeholder="Age ≥ days" aria-label="minimum age" style={{ width: 90 }} value={query.min_age_days ?? ""} onChange={(e) => set({ min_age_days: num(e.target.value) })} />
      {error ? <ErrorBox error={error} /> : null}
    </>
  );
}
