import { useState } from "react";
import { api, type BreakStatus, type DecisionAction } from "../api";
import { ErrorBox } from "./ErrorBox";
import { useFilterOptions } from "./useFilterOptions";

/** Accept, override (reason required), assign, comment, resolve. Errors come from Rust. */
export function ReviewActions({ breakId, status, onDone }: { breakId: string; status: BreakStatus; onDone: () => void }) {
  const { options } = useFilterOptions();
  const [decision, setDecision] = useState<DecisionAction>("ESCALATE");
  const [reason, setReason] = useState("");
  const [assignee, setAssignee] = useState("");
  const [comment, setComment] = useState("");
  const [error, setError] = useState<unknown>(null);
  const act = async (a: Parameters<typeof api.review>[1]) => {
    setError(null);
    try {
      await api.review(breakId, a);
      setReason("");
      setComment("");
      onDone();
    } catch (e) {
      setError(e);
    }
  };
  const reviewable = status === "PENDING_REVIEW" || status === "ESCALATED";
  return (
    <div className="panel" data-testid="review-actions">
      <h2>Review</h2>
      <div className="toolbar">
        <button className="primary" disabled={!reviewable} onClick={() => act({ kind: "ACCEPT" })} title="a">Accept decision</button>
        <select aria-label="override decision" value={decision} onChange={(e) => setDecision(options.decisions.find((d) => d === e.target.value) ?? decision)}>
          {options.decisions.map((d) => <option key={d}>{d}</option>)}
        </select>
        <input aria-label="override reason" placeholder="Reason (required)" value={reason} onChange={(e) => setReason(e.target.value)} style={{ flex: 1, minWidth: 200 }} />
        <button onClick={() => act({ kind: "OVERRIDE", decision, reason })}>Override</button>
      </div>
      <div className="toolbar" style={{ marginTop: 6 }}>
        <input aria-label="assignee" placeholder="Assign to" value={assignee} onChange={(e) => setAssignee(e.target.value)} />
        <button onClick={() => act({ kind: "ASSIGN", assignee })}>Assign</button>
        <input aria-label="comment" placeholder="Comment" value={comment} onChange={(e) => setComment(e.target.value)} style={{ flex: 1, minWidth: 200 }} />
        <button onClick={() => act({ kind: "COMMENT", text: comment })}>Comment</button>
        <button onClick={() => act({ kind: "RESOLVE", comment })}>Resolve</button>
      </div>
      {error !== null && <ErrorBox error={error} />}
    </div>
  );
}
