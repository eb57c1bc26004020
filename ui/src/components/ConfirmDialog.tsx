import type { ReactNode } from "react";
import { useWindowKeys } from "./useWindowKeys";

/** The one question dialog of the app: a question (Rust's words where Rust asks it), a button
 * that does it (`y`) and Cancel (`n` or Esc), which has the focus, so Enter on a key pressed by
 * habit does nothing. While open it is modal: it answers its keys before the screen under it
 * (capture) and no other key reaches that screen (Tab, Enter and Space still move between and
 * press its buttons). */
export function ConfirmDialog({ question, yes, onYes, onNo, testId, yesTestId, noTestId }: {
  question: ReactNode; yes: string; onYes: () => void; onNo: () => void; testId: string; yesTestId?: string; noTestId?: string;
}) {
  useWindowKeys((ev) => {
    if (ev.key === "y") onYes();
    else if (ev.key === "n" || ev.key === "Escape") onNo();
    else if (ev.key === "Tab" || ev.key === "Enter" || ev.key === " ") return;
    ev.preventDefault();
    ev.stopImmediatePropagation();
  }, true);
  return (
    <div className="dialog-backdrop">
      <div className="dialog" role="alertdialog" aria-modal="true" aria-labelledby={`${testId}-question`} data-testid={testId}>
        <p id={`${testId}-question`}>{question}</p>
        <div className="toolbar">
          <button className="primary" onClick={onYes} data-testid={yesTestId}>{yes} (y)</button>
          <button autoFocus onClick={onNo} data-testid={noTestId}>Cancel (n, Esc)</button>
        </div>
      </div>
    </div>
  );
}
