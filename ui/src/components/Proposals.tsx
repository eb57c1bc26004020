import { useCallback, useEffect, useState } from "react";
import { api, onDataChanged, type HumanAction, type Proposal } from "../api";
import { ErrorBox } from "./ErrorBox";
import { utcText } from "./format";

/** An action in words: "OVERRIDE to AUTO_RESOLVE (reason)", "ACCEPT". */
export function actionText(a: HumanAction): string {
  switch (a.kind) {
    case "OVERRIDE":
      return `OVERRIDE to ${a.decision} (${a.reason})`;
    case "RESOLVE":
      return a.comment ? `RESOLVE (${a.comment})` : "RESOLVE";
    case "ASSIGN":
      return `ASSIGN to ${a.assignee}`;
    case "COMMENT":
      return `COMMENT ${a.text}`;
    default:
      return a.kind;
  }
}

/** Four eyes (team database): the actions waiting for a second person. An approver other than
 * the author approves or rejects each (a rejection needs a reason); the database decides who may,
 * and its refusal is shown in its words. Nothing is shown where there are none (a local
 * database, where one person acts alone). */
export function Proposals({ onOpen }: { onOpen: (id: string) => void }) {
  const [rows, setRows] = useState<Proposal[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [rejecting, setRejecting] = useState<number | null>(null);
  const [reason, setReason] = useState("");

  const load = useCallback(() => {
    api.proposals(false).then(setRows, setError);
  }, []);
  useEffect(() => {
    load();
    return onDataChanged(load);
  }, [load]);

  const decide = async (p: Proposal, approve: boolean) => {
    setError(null);
    try {
      const status = await api.decideProposal(p.proposal_id, approve, approve ? "" : reason);
      setMessage(`${approve ? "Approved" : "Rejected"} proposal ${p.proposal_id} (${p.break_id}): now ${status}.`);
      setRejecting(null);
      setReason("");
      load();
    } catch (e) {
      setError(e);
    }
  };

  if (rows.length === 0 && error === null && message === null) return null;
  return (
    <section className="panel" data-testid="proposals">
      <h3>Waiting for a second person ({rows.length})</h3>
      {message && <div className="notice" role="status" data-testid="proposal-message">{message}</div>}
      {error !== null && <ErrorBox error={error} />}
      {rows.map((p) => (
        <div key={p.proposal_id} className="proposal" data-proposal-id={p.proposal_id}>
          <div>
            <button className="link" onClick={() => onOpen(p.break_id)}>{p.break_id}</button>{" "}
            <strong>{actionText(p.action)}</strong> proposed by {p.proposed_by} at {utcText(p.proposed_at)} · needs a second person: {p.why}
          </div>
          {rejecting === p.proposal_id ? (
            <div className="toolbar">
              <input autoFocus placeholder="Why it is rejected" value={reason} onChange={(e) => setReason(e.target.value)} data-testid="reject-reason" />
              <button onClick={() => void decide(p, false)} disabled={!reason.trim()} data-testid="reject-confirm">Reject</button>
              <button onClick={() => setRejecting(null)}>Cancel</button>
            </div>
          ) : (
            <div className="toolbar">
              <button className="primary" onClick={() => void decide(p, true)} data-testid="approve">Approve</button>
              <button onClick={() => setRejecting(p.proposal_id)} data-testid="reject">Reject…</button>
            </div>
          )}
        </div>
      ))}
    </section>
  );
}
