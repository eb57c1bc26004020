import { useState } from "react";
import { api, ApiFailure, type BulkReview, type HumanAction } from "../api";
import { ErrorBox } from "./ErrorBox";
import { ConfirmDialog } from "./ConfirmDialog";
import { useFilterOptions } from "./useFilterOptions";

/** Accept or assign the ticked breaks at once. Rust asks once for all when any of them needs a
 * confirmation (HIGH, CRITICAL, four eyes), then acts on each by itself and says which were
 * refused and why. */
export function BulkBar({ selected, onDone }: { selected: string[]; onDone: () => void }) {
  const { options } = useFilterOptions();
  const [assignee, setAssignee] = useState("");
  const [asked, setAsked] = useState<{ action: HumanAction; question: string } | null>(null);
  const [result, setResult] = useState<{ what: string; r: BulkReview } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  if (selected.length === 0 && !result && error === null) return null;
  const what = (a: HumanAction) => (a.kind === "ACCEPT" ? "Accepted" : a.kind === "ASSIGN" ? `Assigned to ${a.assignee}` : a.kind);
  const send = async (action: HumanAction, confirmed: boolean) => {
    setError(null);
    setAsked(null);
    setBusy(true);
    try {
      const r = await api.reviewMany(selected, action, confirmed);
      setResult({ what: what(action), r });
      onDone();
    } catch (e) {
      if (e instanceof ApiFailure && e.code === "CONFIRM" && !confirmed) setAsked({ action, question: e.message });
      else setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="toolbar panel" data-testid="bulk-bar">
      {selected.length > 0 && (
        <>
          <strong>{selected.length} ticked:</strong>
          <button disabled={busy} onClick={() => send({ kind: "ACCEPT" }, false)} data-testid="bulk-accept">Accept their decisions</button>
          {options.people.length > 0 ? (
            <select aria-label="bulk assignee" value={assignee} onChange={(e) => setAssignee(e.target.value)}>
              <option value="" disabled>Assign to…</option>
              {options.people.map((p) => <option key={p}>{p}</option>)}
            </select>
          ) : (
            <input aria-label="bulk assignee" placeholder="Assign to" value={assignee} onChange={(e) => setAssignee(e.target.value)} style={{ width: 120 }} />
          )}
          <button disabled={busy || !assignee.trim()} onClick={() => send({ kind: "ASSIGN", assignee }, false)} data-testid="bulk-assign">Assign</button>
        </>
      )}
      {asked && <ConfirmDialog question={asked.question} yes="Confirm" onYes={() => send(asked.action, true)} onNo={() => setAsked(null)} testId="bulk-confirm" yesTestId="bulk-confirm-yes" />}
      {result && (
        <span data-testid="bulk-result">
          {result.what}: {result.r.done.length} of {result.r.done.length + result.r.not_done.length}
          {result.r.not_done.length > 0 && (
            <>; not done: {result.r.not_done.slice(0, 5).map((x) => `${x.break_id} (${x.outcome})`).join("; ")}{result.r.not_done.length > 5 ? ` and ${result.r.not_done.length - 5} more` : ""}</>
          )}
        </span>
      )}
      {error !== null && <ErrorBox error={error} />}
    </div>
  );
}
