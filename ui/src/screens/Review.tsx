import { useEffect, useState } from "react";
import { ErrorBox } from "../components/ErrorBox";
import { groupDigits, utcText } from "../components/format";
import { Proposals } from "../components/Proposals";
import { useReview } from "../components/useReview";
import { useVirtualQueue, type QueueQuery } from "./useQueuePages";

// Every break waiting for a person, in the order a reviewer takes them (Rust's "priority": the
// most severe tier, then the soonest SLA deadline), fetched a page at a time as it scrolls.
const WAITING: QueueQuery = {
  awaiting_review: true, sort: "priority", descending: false,
  break_type: null, tier: null, status: null, decision: null, assignee: null, search: null, min_age_days: null, max_age_days: null,
};
const TEMPLATE = "120px 200px 90px 150px 170px 1fr 175px 120px";

/** The review queue: PENDING_REVIEW and ESCALATED breaks. Keys: j/k next/previous (the cursor
 * stays in view), a accept (HIGH and CRITICAL breaks ask first, in Rust's words), Enter open;
 * only while `active` (not hidden under an open break) and no question is open. */
export function Review({ onOpen, active = true }: { onOpen: (id: string) => void; active?: boolean }) {
  const [index, setIndex] = useState(0);
  const { total, error: loadError, rowAt, scroller, virtualizer: v, items, reload, top } = useVirtualQueue(WAITING, 29);
  const review = useReview(reload);
  const { act, asking } = review;
  // An accepted break leaves the list: the cursor stays on the same line, now the next break.
  useEffect(() => {
    if (total !== null) setIndex((i) => Math.max(0, Math.min(i, total - 1)));
  }, [total]);

  useEffect(() => {
    const onKey = (ev: KeyboardEvent) => {
      if (!active || asking || !total || (ev.target as HTMLElement).tagName === "INPUT") return;
      const move = (to: number) => {
        setIndex(to);
        v.scrollToIndex(to, { align: "auto" });
      };
      const current = rowAt(index);
      if (ev.key === "j") move(Math.min(total - 1, index + 1));
      else if (ev.key === "k") move(Math.max(0, index - 1));
      else if (ev.key === "Enter" && current) onOpen(current.break_id);
      else if (ev.key === "a" && current) void act(current.break_id, { kind: "ACCEPT" });
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [active, asking, total, index, rowAt, onOpen, v, act]);

  // The table is always mounted: the virtualizer measures the element it first sees.
  return (
    <>
      {review.view}
      <Proposals onOpen={onOpen} />
      {loadError !== null && <ErrorBox error={loadError} />}
      <div className="muted" data-testid="review-count">
        {total === null ? "Loading…" : `${groupDigits(String(total))} breaks to review, most severe first, then the soonest SLA deadline · `}
        <kbd>j</kbd>/<kbd>k</kbd> move · <kbd>a</kbd> accept · <kbd>u</kbd> undo · <kbd>Enter</kbd> open
      </div>
      <div className="table" ref={scroller} style={{ flex: 1, minHeight: 120 }} data-testid="review-list">
        <div className="head" style={{ gridTemplateColumns: TEMPLATE }}>
          {["Break", "Type", "Tier", "Status", "Amount", "Counterparty", "SLA deadline", "Assignee"].map((h) => <div key={h} className="cell">{h}</div>)}
        </div>
        {total === 0 && <div className="empty">Nothing to review.</div>}
        <div style={{ height: v.getTotalSize(), position: "relative" }}>
          {items.map((it) => {
            const r = rowAt(it.index);
            return (
              <div key={it.index} className={`row${it.index === index ? " selected" : ""}`} data-break-id={r?.break_id}
                style={{ gridTemplateColumns: TEMPLATE, position: "absolute", top: 0, left: 0, right: 0, height: it.size, transform: `translateY(${top(it)}px)` }}
                onClick={() => setIndex(it.index)} onDoubleClick={() => r && onOpen(r.break_id)}>
                {r ? (
                  <>
                    <div className="cell">{r.break_id}</div>
                    <div className="cell">{r.break_type}</div>
                    <div className="cell"><span className={`tag ${r.tier}`}>{r.tier}</span></div>
                    <div className="cell"><span className={`tag ${r.status}`}>{r.status}</span></div>
                    <div className="cell num" style={{ textAlign: "right" }}>{groupDigits(r.amount)} {r.currency}</div>
                    <div className="cell" title={r.counterparty ?? undefined}>{r.counterparty ?? "—"}</div>
                    <div className={r.sla_deadline && Date.parse(r.sla_deadline) < Date.now() ? "cell overdue" : "cell"} title={r.sla_deadline ? undefined : "no SLA deadline"}>{utcText(r.sla_deadline)}</div>
                    <div className="cell">{r.assignee ?? <span className="muted">unassigned</span>}</div>
                  </>
                ) : (
                  <div className="cell muted">…</div>
                )}
              </div>
            );
          })}
        </div>
      </div>
    </>
  );
}
