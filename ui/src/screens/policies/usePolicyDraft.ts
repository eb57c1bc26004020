import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { api, ApiFailure, onDataChanged, type PolicyDraft, type PolicyEdit, type PolicyFileState, type PolicyProposal, type PolicySave } from "../../api";
import { addEdit } from "../policyEdits";

/**
 * The policy file and the person's edits to it. Every change is applied and validated by Rust
 * (`policyCheck`, debounced; replies to older drafts are ignored); `save` writes the file through
 * Rust, which switches the engine once the save is recorded. On a team database (`file.team`)
 * `save` proposes the change instead; the team's policy changes when another policy admin
 * approves it, and the screen reloads when it hears so (unless the person has edits in hand).
 */
export function usePolicyDraft() {
  const [file, setFile] = useState<PolicyFileState | null>(null);
  const [edits, setEdits] = useState<PolicyEdit[]>([]);
  const [draft, setDraft] = useState<PolicyDraft | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [saved, setSaved] = useState<PolicySave | null>(null);
  const [proposed, setProposed] = useState<PolicyProposal | null>(null);
  const generation = useRef(0);

  const load = useCallback(() => {
    setError(null);
    api.policyFile().then((f) => { setFile(f); setDraft(f.draft); setEdits([]); }, setError);
  }, []);
  useEffect(load, [load]);
  // Another desktop's approval changes the team's policy: show it, unless edits are in hand
  // (then a proposal made from the old version is refused as stale, with Rust's words).
  const editing = useRef(false);
  editing.current = edits.length > 0;
  const shownFile = useRef(file);
  shownFile.current = file;
  useEffect(() => onDataChanged(() => {
    // Only a team's policy changes under this screen; one's own file changes by its own save.
    if (editing.current || shownFile.current?.team == null) return;
    api.policyFile().then((f) => {
      const old = shownFile.current;
      if (old && old.draft.hash === f.draft.hash && old.in_force_version === f.in_force_version && old.team === f.team) return;
      setProposed(null); // the team's policy changed: what was proposed has been decided
      setFile(f);
    }, setError);
  }), []);

  useEffect(() => {
    if (!file) return;
    const g = ++generation.current;
    const t = setTimeout(() => {
      api.policyCheck(file.draft.text, edits).then((d) => g === generation.current && setDraft(d), (e) => g === generation.current && setError(e));
    }, edits.length ? 120 : 0);
    return () => clearTimeout(t);
  }, [file, edits]);

  const onEdit = useCallback((e: PolicyEdit) => { setSaved(null); setProposed(null); setEdits((x) => addEdit(x, e)); }, []);
  const discard = useCallback(() => setEdits([]), []);
  // A draft Rust cannot read as a policy (a number field cleared) has no outline: the form keeps
  // the last one it had, so the fields stay on screen with Rust's error beside the one at fault,
  // and typing a value again carries on with every other edit kept.
  const lastOutline = useRef(file?.draft.outline ?? null);
  if (draft?.outline) lastOutline.current = draft.outline;
  const shown = useMemo(() => (draft && !draft.outline && lastOutline.current ? { ...draft, outline: lastOutline.current } : draft), [draft]);
  const plans = useMemo(() => shown?.outline?.plans ?? file?.draft.outline?.plans ?? [], [shown, file]);

  /** Saves the draft with `note`; with `overwrite`, even if the file changed on disk. On a team
   * database, proposes it (`overwrite` does not apply: a stale proposal is refused). */
  const save = useCallback(async (note: string, overwrite: boolean): Promise<boolean> => {
    if (!file) return false;
    setSaveError(null);
    try {
      if (file.team != null) setProposed(await api.policyPropose(file.draft.text, edits, note));
      else setSaved(await api.policySave(file.draft.text, edits, note, overwrite));
      load();
      return true;
    } catch (e) {
      setSaveError(e);
      return false;
    }
  }, [file, edits, load]);

  return {
    file, draft: shown, edits, plans, error, setError, saved, proposed, saveError, setSaveError, load, onEdit, discard, save,
    dirty: edits.length > 0,
    blocked: (draft?.errors.length ?? 0) > 0,
    /** On a team database: a change is a proposal for another policy admin. */
    team: file?.team != null,
    /** The file changed on disk since it was loaded: reload or overwrite. */
    conflict: saveError instanceof ApiFailure && saveError.code === "CONFLICT",
  };
}
