import { useEffect, useState } from "react";
import { api, type DiffLine, type PolicySave } from "../../api";
import { ErrorBox } from "../../components/ErrorBox";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { utcText } from "../../components/format";
import { Diff } from "./fields";

/** Every saved version with its author and note; two ticked show their diff, older to newer,
 * labelled; any can be restored, after a confirmation that names it. On a team database a
 * restore is a proposal, in force once another policy admin approves it. */
export function History({ loadedHash, team = false, onRestored }: { loadedHash: string; team?: boolean; onRestored: () => void }) {
  const [saves, setSaves] = useState<PolicySave[] | null>(null);
  const [pick, setPick] = useState<string[]>([]);
  const [diff, setDiff] = useState<DiffLine[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [asking, setAsking] = useState<PolicySave | null>(null);
  const [restored, setRestored] = useState<string | null>(null);
  useEffect(() => { api.policyHistory().then(setSaves, setError); }, [loadedHash]);
  // Older first, whichever was ticked first.
  const ordered = (saves ?? []).filter((s) => pick.includes(s.hash)).sort((a, b) => a.saved_at.localeCompare(b.saved_at) || Number(a.save_id) - Number(b.save_id));
  const [older, newer] = ordered.length === 2 ? ordered : [undefined, undefined];
  useEffect(() => {
    setDiff(null);
    if (older && newer) api.policyVersionDiff(older.hash, newer.hash).then(setDiff, setError);
  }, [older?.hash, newer?.hash]); // eslint-disable-line react-hooks/exhaustive-deps
  if (error) return <ErrorBox error={error} />;
  if (!saves) return <div className="muted">Loading…</div>;
  if (!saves.length) return <div className="empty">No versions recorded yet. The version in force at start, and every version saved from this screen with its author and note, are listed here.</div>;
  const toggle = (h: string) => setPick((p) => (p.includes(h) ? p.filter((x) => x !== h) : [...p, h].slice(-2)));
  const restore = (s: PolicySave) => {
    setAsking(null);
    if (team) {
      api.policyProposeVersion(s.hash, "").then((p) => {
        setRestored(`Proposed restoring version ${s.hash.slice(0, 12)} (proposal ${p.proposal_id}): in force once another policy admin approves it.`);
        onRestored();
      }, setError);
      return;
    }
    api.policyRestore(s.hash, loadedHash, "").then((saved) => {
      setRestored(`Restored version ${s.hash.slice(0, 12)} (saved ${utcText(s.saved_at)} by ${s.author}): the file is now version ${saved.hash.slice(0, 12)} and the engine runs under it.`);
      onRestored();
    }, setError);
  };
  return (
    <div data-testid="policy-history">
      {restored && <div className="notice" role="status" data-testid="restored">{restored}</div>}
      {asking && (
        <ConfirmDialog
          question={<>
            Restore version {asking.hash.slice(0, 12)}, saved {utcText(asking.saved_at)} by {asking.author}{asking.note ? ` ("${asking.note}")` : ""}?{" "}
            {team
              ? <>It is proposed to replace the team&apos;s policy ({loadedHash.slice(0, 12)} now); another policy admin approves it before it is in force.</>
              : <>It replaces the policy file ({loadedHash.slice(0, 12)} now) and the engine runs under it from the next break. The current version stays in this history.</>}
          </>}
          yes={team ? "Propose" : "Restore"} onYes={() => restore(asking)} onNo={() => setAsking(null)} testId="restore-confirm" yesTestId="restore-yes" noTestId="restore-no" />
      )}
      <div className="table">
        {saves.map((s) => (
          <div key={s.save_id} className={`row ${pick.includes(s.hash) ? "selected" : ""}`} style={{ gridTemplateColumns: "40px 170px 130px 180px 1fr 90px" }} data-testid="history-row">
            <div className="cell"><input type="checkbox" checked={pick.includes(s.hash)} onChange={() => toggle(s.hash)} aria-label="compare" /></div>
            <div className="cell">{utcText(s.saved_at)}</div>
            <div className="cell">{s.author}</div>
            <div className="cell mono">{s.hash.slice(0, 12)}{s.hash === loadedHash ? " (file)" : ""}</div>
            <div className="cell">{s.note}</div>
            <div className="cell">{s.hash !== loadedHash && <button onClick={() => { setRestored(null); setAsking(s); }} data-testid="restore">Restore…</button>}</div>
          </div>
        ))}
      </div>
      <p className="muted">Tick two versions to see what changed between them.</p>
      {older && newer && diff && (
        <>
          <p data-testid="diff-label">
            From <span className="mono">{older.hash.slice(0, 12)}</span> (older, {utcText(older.saved_at)}, {older.author}) to{" "}
            <span className="mono">{newer.hash.slice(0, 12)}</span> (newer, {utcText(newer.saved_at)}, {newer.author}): − removed, + added.
          </p>
          <Diff lines={diff} />
        </>
      )}
    </div>
  );
}
