import { useCallback, useEffect, useState } from "react";
import { api, onDataChanged, onPresenceChanged, type ActionRow, type BreakDetail, type RunDto } from "../api";
import { ErrorBox } from "../components/ErrorBox";
import { RunView } from "../components/RunView";
import { ReviewActions } from "../components/ReviewActions";
import { BreakFacts } from "../components/BreakFacts";
import { utcText } from "../components/format";
import { useWindowKeys } from "../components/useWindowKeys";

/** A break: its facts and profile, latest run (v1 beside v2 when both exist), review, history. */
export function BreakDetailScreen({ breakId, onBack }: { breakId: string; onBack: () => void }) {
  const [detail, setDetail] = useState<BreakDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(() => api.breakDetail(breakId).then(setDetail, setError), [breakId]);
  // Esc goes back, unless it is answering a dialog or leaving a field.
  useWindowKeys((ev) => {
    const t = ev.target as HTMLElement;
    if (ev.key !== "Escape" || ev.defaultPrevented || ["INPUT", "SELECT", "TEXTAREA"].includes(t.tagName) || document.querySelector("[role=alertdialog]")) return;
    onBack();
  });
  useEffect(() => {
    load();
    return onDataChanged(load);
  }, [load]);
  const others = usePresence(breakId);
  if (error) return <ErrorBox error={error} />;
  if (!detail) return <div className="empty">Loading…</div>;
  const latest = (mode: string) => [...detail.runs].reverse().find((r) => r.mode === mode);
  const v2 = latest("v2");
  const v1 = latest("v1");
  const profile = (v2 ?? v1)?.profile;
  return (
    <>
      <div className="toolbar">
        <button onClick={onBack} data-testid="back" title="Esc">← Back</button>
        <h2 style={{ margin: 0 }} data-testid="detail-title">{detail.brk.break_id}</h2>
        <span className={`tag ${detail.status}`} data-testid="break-status">{detail.status}</span>
        {others.length > 0 && (
          <span className="tag" data-testid="presence" title="On the team database: they have this break open now">
            also open: {others.join(", ")}
          </span>
        )}
        {detail.work_queue && <span className="muted" data-testid="detail-queue">in queue {detail.work_queue}</span>}
        {detail.assignee && <span className="muted">assigned to {detail.assignee}</span>}
      </div>
      <BreakFacts brk={detail.brk} profile={profile ?? null} />
      {detail.runs.length === 0 && <div className="panel muted">Not processed yet: use Process in the queue.</div>}
      {v1 && v2 && v1.decision.action !== v2.decision.action && (
        <div className="holds" role="note" data-testid="disagreement">
          <strong>v1 and v2 disagree:</strong> v2 decided {v2.decision.action} ({v2.agents_invoked} agents), the v1 comparison {v1.decision.action} (all seven).
          The break follows v2; compare their reasons below.
        </div>
      )}
      {v1 && v2 ? (
        <div className="grid2">
          <RunView run={v2} compact />
          <RunView run={v1} compact />
        </div>
      ) : (
        (v2 ?? v1) && <RunView run={(v2 ?? v1)!} />
      )}
      {detail.runs.length > 0 && <ReviewActions breakId={breakId} status={detail.status} onDone={load} />}
      <div className="panel">
        <h2>History</h2>
        <ul data-testid="history">
          {historyLines(detail.runs, detail.actions).map((l) => <li key={l.key}>{l.text}</li>)}
        </ul>
      </div>
    </>
  );
}

/** Runs and actions in time order, each action saying what it acted on: an accept names the
 * decision it accepted (the latest v2 run's, or an override's or undo's since). */
export function historyLines(runs: RunDto[], actions: ActionRow[]): { key: string; text: string }[] {
  type Item = { at: number; key: string; run?: RunDto; action?: ActionRow };
  const items: Item[] = [
    ...runs.map((r): Item => ({ at: Date.parse(r.started_at), key: `r${r.run_id}`, run: r })),
    ...actions.map((a, i): Item => ({ at: Date.parse(a.at), key: `a${i}`, action: a })),
  ].sort((x, y) => x.at - y.at || (x.run ? -1 : 1));
  let decision: string | null = null;
  return items.map(({ key, run, action }) => {
    if (run) {
      if (run.mode === "v2") decision = run.decision.action;
      return { key, text: `${utcText(run.started_at)} · ${run.mode} run ${run.run_id} · ${run.decision.action} by ${run.decision.decided_by} (${run.agents_invoked} agents)` };
    }
    const a = action!;
    const what =
      a.kind === "ACCEPT" ? `accepted ${decision ?? "the decision"}`
      : a.kind === "OVERRIDE" ? `overrode ${decision ?? "the decision"} → ${a.decision}`
      : a.kind === "UNDO" ? `undid ${a.comment ?? "the last decision"} → ${a.decision}`
      : a.kind === "RESOLVE" ? "resolved"
      : a.kind === "ASSIGN" ? `assigned to ${a.assignee}`
      : a.kind === "COMMENT" ? "commented"
      : a.kind;
    if ((a.kind === "OVERRIDE" || a.kind === "UNDO") && a.decision) decision = a.decision;
    const note = a.kind === "UNDO" ? "" : `${a.reason ? ` · “${a.reason}”` : ""}${a.comment ? ` · ${a.comment}` : ""}`;
    return { key, text: `${utcText(a.at)} · ${a.actor} · ${what}${note}${a.approved_by ? ` · approved by ${a.approved_by}` : ""}` };
  });
}

/** Who else has the break open (a team database; nobody on a file of one's own). Says "here" on
 * opening and every 30 s, asks again when someone arrives or leaves, says "gone" on closing. A
 * failure only hides the line: presence decides nothing. */
export function usePresence(breakId: string): string[] {
  const [others, setOthers] = useState<string[]>([]);
  useEffect(() => {
    let live = true;
    const here = () => {
      api.breakPresence(breakId, true).then(
        (o) => live && setOthers(o ?? []),
        () => live && setOthers([]),
      );
    };
    here();
    const beat = setInterval(here, 30_000);
    const stop = onPresenceChanged(here);
    return () => {
      live = false;
      clearInterval(beat);
      stop();
      api.breakPresence(breakId, false).catch(() => {});
    };
  }, [breakId]);
  return others;
}
