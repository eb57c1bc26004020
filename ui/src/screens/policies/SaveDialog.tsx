import { useState } from "react";
import type { usePolicyDraft } from "./usePolicyDraft";
import { ErrorBox } from "../../components/ErrorBox";
import { Diff } from "./fields";

/** Confirms a save: the diff of the file, a required note; on a conflict, reload or overwrite.
 * On a team database the same dialog proposes the change to the team's policy (no overwrite:
 * a change made from an old version is proposed again from the new one). */
export function SaveDialog({ p, onClose }: { p: ReturnType<typeof usePolicyDraft>; onClose: () => void }) {
  const [note, setNote] = useState("");
  if (!p.file || !p.draft) return null;
  const save = async (overwrite: boolean) => { if (await p.save(note, overwrite)) onClose(); };
  return (
    <div className="modal-backdrop">
      <div className="modal panel" role="dialog" aria-label={p.team ? "Confirm proposal" : "Confirm save"} data-testid="save-dialog">
        <h2>{p.team ? "Propose this change to the team's policy?" : `Save ${p.file.draft.path}?`}</h2>
        {p.team && <p>Nothing changes until another policy admin approves it; then every desktop and worker on the team runs it.</p>}
        <p className="muted">What changes in the {p.team ? "policy" : "file"} (comments and untouched lines stay as they are):</p>
        <Diff lines={p.draft.diff} />
        <label className="field">Note for the history (required)
          <input data-testid="save-note" value={note} onChange={(e) => setNote(e.target.value)} placeholder="why this change" autoFocus />
        </label>
        {p.saveError !== null && <ErrorBox error={p.saveError} />}
        <div className="toolbar">
          <span className="grow" />
          {p.conflict && <button onClick={() => { onClose(); p.load(); }}>{p.team ? "Load the team's policy (drop my changes)" : "Reload from disk (drop my changes)"}</button>}
          {p.conflict && !p.team && <button onClick={() => save(true)}>Overwrite</button>}
          <button onClick={onClose}>Cancel</button>
          <button className="primary" data-testid="confirm-save" disabled={!note.trim()} onClick={() => save(false)}>{p.team ? "Propose" : "Save"}</button>
        </div>
      </div>
    </div>
  );
}
