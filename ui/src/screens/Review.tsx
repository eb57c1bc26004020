import { useEffect, useMemo, useState } from "react";
import type { DecisionAction } from "../api";
import { ErrorBox } from "../components/ErrorBox";
import { groupDigits, timeToBreach, utcText } from "../components/format";
import { Proposals } from "../components/Proposals";
import { useReview } from "../components/useReview";
import { useFilterOptions } from "../components/useFilterOptions";
import { useWindowKeys } from "../components/useWindowKeys";
import { useVirtualQueue, type QueueQuery } from "./useQueuePages";

// Every break waiting for a person, in the order a reviewer takes them (Rust's "priority": the
// most severe tier, then the soonest SLA deadline), fetched a page at a time as it scrolls.
const WAITING: QueueQuery = {
  awaiting_review: true, sort: "priority", descending: false,
  break_type: null, tier: null, status: null, decision: null, assignee: null, search: null, min_age_days: null, max_age_days: null,
};
const TEMPLATE = "100px 170px 90px 130px 150px minmax(90px, 1fr) 200px 170px 100px";

/** The review queue: PENDING_REVIEW and ESCALATED breaks. Keys: j/k next/previous (the cursor
 * stays in view), a accept (HIGH and CRITICAL breaks ask first, in Rust's words), Enter open;
 * only while `active` (not hidden under an open break) and no question is open. */
export function Review({ onOpen, active = true }: { onOpen: (id: string) => void; active?: boolean }) {
  const [index, setIndex] = useState(0);
  // One work queue (WORKFLOW's group a run routed the break to), or every queue.
  const [queue, setQueue] = useState<string | null>(null);
  const query = useMemo(() => ({ ...WAITING, work_queue: queue }), [queue]);
  const { options } = useFilterOptions();
  const { total, error: loadError, rowAt, scroller, virtualizer: v, items, reload, top } = useVirtualQueue(query, 29);
  const review = useReview(reload);
  const { act } = review;
  // `e` and `o`: an override asks its reason (and, for `o`, the decision) before it is sent.
  const [overriding, setOverriding] = useState<{ breakId: string; decision: DecisionAction | null } | null>(null);
  const [help, setHelp] = useState(false);
  const asking = review.asking || overriding !== null;
  // An accepted break leaves the list: the cursor stays on the same line, now the next break.
  useEffect(() => {
    if (total !== null) setIndex((i) => Math.max(0, Math.min(i, total - 1)));
  }, [total]);

  useWindowKeys((ev) => {
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
    else if (ev.key === "e" && current) setOverriding({ breakId: current.break_id, decision: "ESCALATE" });
    else if (ev.key === "o" && current) setOverriding({ breakId: current.break_id, decision: null });
    else if (ev.key === "?") setHelp((h) => !h);
    else return;
    ev.preventDefault();
  });

  // The table is always mounted: the virtualizer measures the element it first sees.
  return (
    <>
      {review.view}
      {overriding && (
        <OverrideDialog breakId={overriding.breakId} decisions={options.decisions} initial={overriding.decision} onCancel={() => setOverriding(null)}
          onSend={(decision, reason) => { setOverriding(null); void act(overriding.breakId, { kind: "OVERRIDE", decision, reason }); }} />
      )}
      {help && (
        <div className="panel" data-testid="review-keys">
          <strong>Keys</strong>
          <ul>
            <li><kbd>j</kbd> / <kbd>k</kbd> next / previous break (the cursor stays in view)</li>
            <li><kbd>a</kbd> accept the decision (HIGH and CRITICAL ask first)</li>
            <li><kbd>e</kbd> escalate, with a reason · <kbd>o</kbd> override with a decision and a reason</li>
            <li><kbd>u</kbd> undo your last accept, override or resolve while its message shows</li>
            <li><kbd>Enter</kbd> open the break · <kbd>Esc</kbd> back from it · <kbd>?</kbd> this list</li>
          </ul>
        </div>
      )}
      <Proposals onOpen={onOpen} />
      {loadError !== null && <ErrorBox error={loadError} />}
      <div className="toolbar">
        <select aria-label="work queue" value={queue ?? ""} onChange={(e) => { setQueue(options.work_queues.find((q) => q === e.target.value) ?? null); setIndex(0); }}>
          <option value="">Every queue</option>
          {options.work_queues.map((q) => <option key={q} value={q}>{q}</option>)}
        </select>
      </div>
      <div className="muted" data-testid="review-count">
        {total === null ? "Loading…" : `${groupDigits(String(total))} breaks to review${queue ? ` in ${queue}` : ""}, most severe first, then the soonest SLA deadline · `}
        <kbd>j</kbd>/<kbd>k</kbd> move · <kbd>a</kbd> accept · <kbd>e</kbd> escalate · <kbd>o</kbd> override · <kbd>u</kbd> undo · <kbd>Enter</kbd> open · <kbd>?</kbd> keys
      </div>
      <div className="table" ref={scroller} style={{ flex: 1, minHeight: 120 }} data-testid="review-list">
        <div className="head" style={{ gridTemplateColumns: TEMPLATE }}>
          {["Break", "Type", "Tier", "Status", "Amount", "Counterparty", "SLA: time to breach", "Queue", "Assignee"].map((h) => <div key={h} className="cell">{h}</div>)}
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
                    <div className={r.sla_deadline && Date.parse(r.sla_deadline) < Date.now() ? "cell overdue" : "cell"} title={r.sla_deadline ? `SLA deadline ${utcText(r.sla_deadline)} UTC` : "no SLA deadline"} data-testid="sla">
                      {timeToBreach(r.sla_deadline)}
                    </div>
                    <div className="cell" data-testid="work-queue" title={r.work_queue ?? undefined}>{r.work_queue ?? <span className="muted">no queue</span>}</div>
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

/** An override from the keyboard: the decision (preset for `e`) and the reason Rust requires;
 * Enter sends, Esc cancels. */
function OverrideDialog({ breakId, decisions, initial, onSend, onCancel }: { breakId: string; decisions: DecisionAction[]; initial: DecisionAction | null; onSend: (d: DecisionAction, reason: string) => void; onCancel: () => void }) {
  const [decision, setDecision] = useState<DecisionAction | null>(initial);
  const [reason, setReason] = useState("");
  const ready = decision !== null && reason.trim() !== "";
  return (
    <div className="dialog-backdrop">
      <div className="dialog" role="alertdialog" aria-modal="true" data-testid="override-dialog"
        onKeyDown={(e) => { if (e.key === "Escape") onCancel(); else if (e.key === "Enter" && ready && decision) onSend(decision, reason); e.stopPropagation(); }}>
        <p>Override the decision on {breakId}</p>
        <div className="toolbar">
          <select aria-label="override decision" value={decision ?? ""} onChange={(e) => setDecision(decisions.find((d) => d === e.target.value) ?? null)}>
            <option value="" disabled>with…</option>
            {decisions.map((d) => <option key={d}>{d}</option>)}
          </select>
          <input autoFocus aria-label="override reason" placeholder="Reason (required)" value={reason} onChange={(e) => setReason(e.target.value)} style={{ flex: 1, minWidth: 240 }} />
        </div>
        <div className="toolbar">
          <button className="primary" disabled={!ready} onClick={() => decision && onSend(decision, reason)} data-testid="override-send">Override (Enter)</button>
          <button onClick={onCancel}>Cancel (Esc)</button>
        </div>
      </div>
    </div>
  );
}
