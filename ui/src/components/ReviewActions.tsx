import { useCallback, useState } from "react";
import { type BreakStatus, type DecisionAction, type HumanAction } from "../api";
import { useReview } from "./useReview";
import { useFilterOptions } from "./useFilterOptions";

/** Accept, override (a decision chosen and a reason required), assign, comment, resolve. Rust
 * decides what needs confirming and words every error. */
export function ReviewActions({ breakId, status, onDone }: { breakId: string; status: BreakStatus; onDone: () => void }) {
  const { options } = useFilterOptions();
  // No decision is picked for the person: an override names the one they chose.
  const [decision, setDecision] = useState<DecisionAction | null>(null);
  const [reason, setReason] = useState("");
  const [assignee, setAssignee] = useState("");
  const [comment, setComment] = useState("");
  const done = useCallback(() => {
    setReason("");
    setComment("");
    setDecision(null);
    onDone();
  }, [onDone]);
  const review = useReview(done);
  const act = (a: HumanAction) => review.act(breakId, a);
  const reviewable = status === "PENDING_REVIEW" || status === "ESCALATED";
  return (
    <div className="panel" data-testid="review-actions">
      <h2>Review</h2>
      <div className="toolbar">
        <button className="primary" disabled={!reviewable} onClick={() => act({ kind: "ACCEPT" })} title="a">Accept decision</button>
        <select aria-label="override decision" value={decision ?? ""} onChange={(e) => setDecision(options.decisions.find((d) => d === e.target.value) ?? null)}>
          <option value="" disabled>Override with…</option>
          {options.decisions.map((d) => <option key={d} value={d}>{d}</option>)}
        </select>
        <input aria-label="override reason" placeholder="Reason (required)" value={reason} onChange={(e) => setReason(e.target.value)} style={{ flex: 1, minWidth: 200 }} />
        <button disabled={decision === null} title={decision === null ? "choose the decision first" : undefined} onClick={() => decision && act({ kind: "OVERRIDE", decision, reason })}>Override</button>
      </div>
      <div className="toolbar" style={{ marginTop: 6 }}>
        {options.people.length > 0 ? (
          // A team database: its people and groups, never free text (the database checks too).
          <select aria-label="assignee" value={assignee} onChange={(e) => setAssignee(e.target.value)}>
            <option value="" disabled>Assign to…</option>
            {options.people.map((p) => <option key={p} value={p}>{p}</option>)}
          </select>
        ) : (
          <input aria-label="assignee" placeholder="Assign to" value={assignee} onChange={(e) => setAssignee(e.target.value)} />
        )}
        <button onClick={() => act({ kind: "ASSIGN", assignee })}>Assign</button>
        <input aria-label="comment" placeholder="Comment" value={comment} onChange={(e) => setComment(e.target.value)} style={{ flex: 1, minWidth: 200 }} />
        <button onClick={() => act({ kind: "COMMENT", text: comment })}>Comment</button>
        <button onClick={() => act({ kind: "RESOLVE", comment })}>Resolve</button>
      </div>
      {review.view}
    </div>
  );
}
