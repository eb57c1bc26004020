import { useEffect, useState } from "react";
import { api, onProgress, type Progress, type ProcessSummary, type QueueFilter } from "../api";
import { groupDigits } from "./format";
import { ErrorBox } from "./ErrorBox";

/** Process the selected breaks, or else the NEW breaks the queue's filter shows (every NEW
 * break when no filter is set), v2 or v1, with a progress bar and cancel. */
export function ProcessBar({ selected, filter = null, onDone }: { selected: string[]; filter?: QueueFilter | null; onDone: () => void }) {
  const [progress, setProgress] = useState<Progress | null>(null);
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<ProcessSummary | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => onProgress(setProgress), []);
  const start = async (mode: "v1" | "v2", rerunWaiting = false) => {
    setRunning(true);
    setError(null);
    setResult(null);
    setProgress(null);
    try {
      setResult(await (selected.length === 0 && filter && !rerunWaiting ? api.processMatching(filter, mode) : api.process(selected, mode, rerunWaiting)));
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setRunning(false);
    }
  };
  const pct = progress && progress.total > 0 ? (100 * progress.done) / progress.total : 0;
  const what = selected.length ? `${selected.length} selected` : filter ? "NEW matching the filter" : "all NEW";
  return (
    <div className="toolbar panel" data-testid="process-bar">
      <button className="primary" disabled={running} onClick={() => start("v2")}>Process {what} (v2)</button>
      <button disabled={running} onClick={() => start("v1")} title="A comparison: recorded in each break's history, never changing its status">
        Process {what} with v1 (compare)
      </button>
      {running && (
        <>
          <div className="progress" role="progressbar" aria-valuenow={Math.round(pct)} data-testid="progress"><div style={{ width: `${pct}%` }} /></div>
          <span className="muted">
            {progress ? `${progress.done} / ${progress.total}${progress.current ? ` · ${progress.current}` : ""} · ETA ${Math.ceil(progress.eta_seconds ?? 0)} s` : "starting…"}
          </span>
          <button onClick={() => api.cancelProcessing()}>Cancel</button>
        </>
      )}
      {!running && result && (
        <span data-testid="process-result">
          {groupDigits(String(result.processed))} processed
          {result.processed > 0 && `: ${groupDigits(String(result.auto_resolved))} auto-resolved, ${groupDigits(String(result.to_review))} to review, ${groupDigits(String(result.escalated))} escalated`}
          {result.cancelled ? `; cancelled, ${result.not_started} not started (unchanged)` : ""}
          {result.claimed_elsewhere > 0 && `; ${result.claimed_elsewhere} left to another process running them`}
          {result.waiting_left > 0 && (
            <>
              {`; ${result.waiting_left} waiting for a person not re-decided `}
              <button data-testid="rerun-waiting" onClick={() => start("v2", true)}>Re-decide them (v2)</button>
            </>
          )}
        </span>
      )}
      {error !== null && <ErrorBox error={error} />}
    </div>
  );
}
