import { useEffect, useState } from "react";
import { api, type DiffLine, type PolicySave } from "../../api";
import { ErrorBox } from "../../components/ErrorBox";
import { utcText } from "../../components/format";
import { Diff } from "./fields";

/** Every saved version with its author and note; two ticked show their diff; any can be restored. */
export function History({ loadedHash, onRestored }: { loadedHash: string; onRestored: () => void }) {
  const [saves, setSaves] = useState<PolicySave[] | null>(null);
  const [pick, setPick] = useState<string[]>([]);
  const [diff, setDiff] = useState<DiffLine[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => { api.policyHistory().then(setSaves, setError); }, [loadedHash]);
  useEffect(() => {
    setDiff(null);
    if (pick.length === 2) api.policyVersionDiff(pick[0], pick[1]).then(setDiff, setError);
  }, [pick]);
  if (error) return <ErrorBox error={error} />;
  if (!saves) return <div className="muted">Loading…</div>;
  if (!saves.length) return <div className="empty">No versions recorded yet. The version in force at start, and every version saved from this screen with its author and note, are listed here.</div>;
  const toggle = (h: string) => setPick((p) => (p.includes(h) ? p.filter((x) => x !== h) : [...p, h].slice(-2)));
  return (
    <div data-testid="policy-history">
      <div className="table">
        {saves.map((s) => (
          <div key={s.save_id} className={`row ${pick.includes(s.hash) ? "selected" : ""}`} style={{ gridTemplateColumns: "40px 170px 130px 180px 1fr 90px" }} data-testid="history-row">
            <div className="cell"><input type="checkbox" checked={pick.includes(s.hash)} onChange={() => toggle(s.hash)} aria-label="compare" /></div>
            <div className="cell">{utcText(s.saved_at)}</div>
            <div className="cell">{s.author}</div>
            <div className="cell mono">{s.hash.slice(0, 12)}{s.hash === loadedHash ? " (file)" : ""}</div>
            <div className="cell">{s.note}</div>
            <div className="cell">{s.hash !== loadedHash && <button onClick={() => api.policyRestore(s.hash, loadedHash, "").then(onRestored, setError)}>Restore</button>}</div>
          </div>
        ))}
      </div>
      <p className="muted">Tick two versions to see what changed between them.</p>
      {diff && <Diff lines={diff} />}
    </div>
  );
}

