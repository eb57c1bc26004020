import { useCallback, useEffect, useState } from "react";
import { api, onDataChanged, type BreakRow } from "../api";
import { ErrorBox } from "../components/ErrorBox";
import { groupDigits } from "../components/money";

/** The review queue: PENDING_REVIEW and ESCALATED breaks. Keys: j/k next/previous, a accept,
 * Enter open. */
export function Review({ onOpen }: { onOpen: (id: string) => void }) {
  const [rows, setRows] = useState<BreakRow[] | null>(null);
  const [index, setIndex] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(async () => {
    try {
      const [p, e] = await Promise.all([
        api.queue({ status: "ESCALATED", sort: "tier", descending: true, offset: 0, limit: 2000, break_type: null, tier: null, decision: null, assignee: null, search: null, min_age_days: null, max_age_days: null }),
        api.queue({ status: "PENDING_REVIEW", sort: "tier", descending: true, offset: 0, limit: 2000, break_type: null, tier: null, decision: null, assignee: null, search: null, min_age_days: null, max_age_days: null }),
      ]);
      setRows([...p.rows, ...e.rows]);
    } catch (e) {
      setError(e);
    }
  }, []);
  useEffect(() => {
    load();
    return onDataChanged(load);
  }, [load]);
  useEffect(() => {
    const onKey = (ev: KeyboardEvent) => {
      if (!rows?.length || (ev.target as HTMLElement).tagName === "INPUT") return;
      if (ev.key === "j") setIndex((i) => Math.min(rows.length - 1, i + 1));
      else if (ev.key === "k") setIndex((i) => Math.max(0, i - 1));
      else if (ev.key === "Enter") onOpen(rows[index].break_id);
      else if (ev.key === "a") api.review(rows[index].break_id, { kind: "ACCEPT" }).then(load, setError);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [rows, index, onOpen, load]);
  if (error) return <ErrorBox error={error} />;
  if (!rows) return <div className="empty">Loading…</div>;
  if (rows.length === 0) return <div className="empty">Nothing to review.</div>;
  return (
    <>
      <div className="muted">{rows.length} breaks to review · <kbd>j</kbd>/<kbd>k</kbd> move · <kbd>a</kbd> accept · <kbd>Enter</kbd> open</div>
      <div className="table" data-testid="review-list">
        {rows.map((r, i) => (
          <div key={r.break_id} className={`row${i === index ? " selected" : ""}`} style={{ gridTemplateColumns: "120px 200px 90px 150px 1fr 120px" }} onClick={() => setIndex(i)} onDoubleClick={() => onOpen(r.break_id)}>
            <div className="cell">{r.break_id}</div>
            <div className="cell">{r.break_type}</div>
            <div className="cell"><span className={`tag ${r.tier}`}>{r.tier}</span></div>
            <div className="cell"><span className={`tag ${r.status}`}>{r.status}</span></div>
            <div className="cell">{groupDigits(r.amount)} {r.currency} · {r.counterparty}</div>
            <div className="cell">{r.assignee ?? <span className="muted">unassigned</span>}</div>
          </div>
        ))}
      </div>
    </>
  );
}
