import { useState } from "react";
import type { usePolicyDraft } from "./usePolicyDraft";
import { ErrorBox } from "../../components/ErrorBox";
import { Diff } from "./fields";

/** Confirms a save: the diff of the file, a required note; on a conflict, reload or overwrite. */
export function SaveDialog({ p, onClose }: { p: ReturnType<typeof usePolicyDraft>; onClose: () => void }) {
  const [note, setNote] = useState("");
  if (!p.file || !p.draft) return null;
  const save = async (overwrite: boolean) => { if (await p.save(note, overwrite)) onClose(); };
  return (
    <div className="modal-backdrop">
      <div className="modal panel" role="dialog" aria-label="Confirm save" data-testid="save-dialog">
        <h2>Save {p.file.draft.path}?</h2>
        <p className="muted">What changes in the file (comments and untouched lines stay as they are):</p>
        <Diff lines={p.draft.diff} />
        <label className="field">Note for the history (required)
          <input data-testid="save-note" value={note} onChange={(e) => setNote(e.target.value)} placeholder="why this change" autoFocus />
        </label>
        {p.saveError !== null && <ErrorBox error={p.saveError} />}
        <div className="toolbar">
          <span className="grow" />
          {p.conflict && <button onClick={() => { onClose(); p.load(); }}>Reload from disk (drop my changes)</button>}
          {p.conflict && <button onClick={() => save(true)}>Overwrite</button>}
          <button onClick={onClose}>Cancel</button>
          <button className="primary" data-testid="confirm-save" disabled={!note.trim()} onClick={() => save(false)}>Save</button>
        </div>
      </div>
    </div>
  );
}
