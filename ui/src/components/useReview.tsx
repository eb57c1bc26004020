import { useCallback, useEffect, useState, type ReactNode } from "react";
import { api, ApiFailure, type BreakStatus, type HumanAction } from "../api";
import { ErrorBox } from "./ErrorBox";
import { useWindowKeys } from "./useWindowKeys";
import { ConfirmDialog } from "./ConfirmDialog";

/** How long the message after an action stays, in ms. */
export const MESSAGE_MS = 8000;

const DONE: Record<HumanAction["kind"], string> = {
  ACCEPT: "Accepted", OVERRIDE: "Overrode", ASSIGN: "Assigned", COMMENT: "Commented on", RESOLVE: "Resolved", UNDO: "Undid the last decision on",
};

/** The actions an undo takes back (Rust's `HumanAction::undo_of` decides; this only offers it). */
const UNDOABLE: HumanAction["kind"][] = ["ACCEPT", "OVERRIDE", "RESOLVE"];
const UNDO: HumanAction = { kind: "UNDO", undone: "", decision: null };

type Asked = { breakId: string; action: HumanAction; question: string };

/** A person's actions on breaks, for every screen that offers them. Rust decides which actions
 * need a confirmation (`HumanAction::confirmation`: closing or re-deciding a HIGH or CRITICAL
 * break) and words the question; this asks it in a dialog (`y` or Confirm does it; `n`, Esc or
 * Cancel, which has the focus, does nothing) and, after any action, says what was done. After an
 * accept, override or resolve the message offers Undo (button or `u`) while it shows: the store
 * records an UNDO action that restores the status and decision, and nothing is erased. */
export function useReview(onDone: () => void): { act: (breakId: string, action: HumanAction) => Promise<void>; asking: boolean; view: ReactNode } {
  const [asked, setAsked] = useState<Asked | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [undoable, setUndoable] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  const send = useCallback(
    async (breakId: string, action: HumanAction, confirmed: boolean) => {
      setError(null);
      try {
        const status: BreakStatus = await api.review(breakId, action, confirmed);
        setMessage(`${DONE[action.kind]} ${breakId}: now ${status}.`);
        setUndoable(UNDOABLE.includes(action.kind) ? breakId : null);
        onDone();
      } catch (e) {
        if (e instanceof ApiFailure && e.code === "CONFIRM" && !confirmed) setAsked({ breakId, action, question: e.message });
        else if (e instanceof ApiFailure && e.code === "PROPOSED") {
          // Four eyes (team database): not done, but proposed; Rust's message says why and to whom.
          setMessage(e.message);
          setUndoable(null);
          onDone();
        } else setError(e);
      }
    },
    [onDone],
  );
  const act = useCallback((breakId: string, action: HumanAction) => send(breakId, action, false), [send]);
  const confirm = useCallback(() => {
    if (!asked) return;
    setAsked(null);
    void send(asked.breakId, asked.action, true);
  }, [asked, send]);
  const cancel = useCallback(() => {
    if (asked) setMessage(`Nothing done to ${asked.breakId}.`);
    setUndoable(null);
    setAsked(null);
  }, [asked]);
  const undo = useCallback(() => {
    if (!undoable) return;
    setUndoable(null);
    void send(undoable, UNDO, false);
  }, [undoable, send]);

  useWindowKeys((ev) => {
    if (!undoable || asked || ev.key !== "u" || ["INPUT", "SELECT", "TEXTAREA"].includes((ev.target as HTMLElement).tagName)) return;
    ev.preventDefault();
    undo();
  });

  useEffect(() => {
    if (!message) return;
    const t = setTimeout(() => {
      setMessage(null);
      setUndoable(null);
    }, MESSAGE_MS);
    return () => clearTimeout(t);
  }, [message]);

  const view = (
    <>
      {asked && <ConfirmDialog question={asked.question} yes="Confirm" onYes={confirm} onNo={cancel} testId="confirm" yesTestId="confirm-yes" noTestId="confirm-no" />}
      {message && (
        <div className="notice" role="status" data-testid="review-message">
          {message}
          {undoable && <> <button className="link" onClick={undo} data-testid="undo">Undo (u)</button></>}
        </div>
      )}
      {error !== null && <ErrorBox error={error} />}
    </>
  );
  return { act, asking: asked !== null, view };
}
