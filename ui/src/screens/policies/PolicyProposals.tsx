import { useCallback, useEffect, useState } from "react";
import { api, onDataChanged, type PolicyProposal } from "../../api";
import { ErrorBox } from "../../components/ErrorBox";
import { utcText } from "../../components/format";
import { Diff } from "./fields";

/** Four eyes on policies (team database): each proposed change with its diff against the
 * version it was made from. A policy admin other than its author approves it (it is then the
 * team's policy, on every desktop) or rejects it with a reason; the database decides who may,
 * and its refusal is shown in its words. Reloads when anyone on the team proposes or decides. */
export function PolicyProposals() {
  const [rows, setRows] = useState<PolicyProposal[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const [rejecting, setRejecting] = useState<number | null>(null);
  const [reason, setReason] = useState("");

  const load = useCallback(() => { api.policyProposals().then(setRows, setError); }, []);
  useEffect(() => {
    load();
    return onDataChanged(load);
  }, [load]);

  const decide = async (p: PolicyProposal, approve: boolean) => {
    setError(null);
    try {
      const d = await api.policyDecide(p.proposal_id, approve, approve ? "" : reason);
      setMessage(approve
        ? `Approved proposal ${d.proposal_id}: version ${d.hash.slice(0, 12)} is the team's policy; every desktop and worker runs it from the next break.`
        : `Rejected proposal ${d.proposal_id}: ${d.reason ?? ""}`);
      setRejecting(null);
      setReason("");
      load();
    } catch (e) {
      setError(e);
    }
  };

  if (rows === null) return error !== null ? <ErrorBox error={error} /> : <div className="muted">Loading…</div>;
  const waiting = rows.filter((p) => p.state === "OPEN").length;
  return (
    <div data-testid="policy-proposals">
      <h3>Policy changes waiting for a second policy admin ({waiting})</h3>
      {message && <div className="notice" role="status" data-testid="policy-proposal-message">{message}</div>}
      {error !== null && <ErrorBox error={error} />}
      {rows.length === 0 && <div className="empty">No policy changes proposed yet. A change saved on this screen is proposed here for another policy admin.</div>}
      {rows.map((p) => (
        <div key={p.proposal_id} className="proposal" data-testid="policy-proposal" data-proposal-id={p.proposal_id}>
          <div>
            <strong>Proposal {p.proposal_id}</strong> · version <span className="mono">{p.hash.slice(0, 12)}</span> · “{p.note}” · by {p.author} at {utcText(p.proposed_at)}
            {p.state === "OPEN"
              ? <span className="muted"> · waiting{p.mine ? " for another policy admin (you proposed it)" : ""}</span>
              : <> · <strong>{p.state}</strong> by {p.decided_by} at {utcText(p.decided_at ?? "")}{p.reason ? `: ${p.reason}` : ""}</>}
          </div>
          <div className="toolbar">
            <button onClick={() => setOpen(open === p.proposal_id ? null : p.proposal_id)} data-testid="policy-proposal-diff">{open === p.proposal_id ? "Hide changes" : "Show changes"}</button>
            {p.state === "OPEN" && !p.mine && rejecting !== p.proposal_id && (
              <>
                <button className="primary" onClick={() => void decide(p, true)} data-testid="policy-approve">Approve</button>
                <button onClick={() => setRejecting(p.proposal_id)} data-testid="policy-reject">Reject…</button>
              </>
            )}
            {rejecting === p.proposal_id && (
              <>
                <input autoFocus placeholder="Why it is rejected" value={reason} onChange={(e) => setReason(e.target.value)} data-testid="policy-reject-reason" />
                <button onClick={() => void decide(p, false)} disabled={!reason.trim()} data-testid="policy-reject-confirm">Reject</button>
                <button onClick={() => setRejecting(null)}>Cancel</button>
              </>
            )}
          </div>
          {open === p.proposal_id && (
            <>
              <p className="muted">From {p.previous ? <span className="mono">{p.previous.slice(0, 12)}</span> : "no earlier version"} to <span className="mono">{p.hash.slice(0, 12)}</span>: − removed, + added.</p>
              <Diff lines={p.diff} />
            </>
          )}
        </div>
      ))}
    </div>
  );
}
