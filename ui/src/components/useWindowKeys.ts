import { useLayoutEffect, useRef } from "react";

/** Listens for keys on the window with the handler of the latest render. The listener is added
 * once; the handler it calls is swapped in as each render commits (a layout effect, before
 * anything on screen can be seen or pressed), so a key pressed just after a dialog appears is
 * judged by the state that shows the dialog, never by a stale one. `capture` answers before
 * listeners in the bubble phase (a dialog over a list). */
export function useWindowKeys(handler: (ev: KeyboardEvent) => void, capture = false) {
  const latest = useRef(handler);
  useLayoutEffect(() => {
    latest.current = handler;
  });
  // A layout effect too: a dialog's listener is in place when the dialog is, not a frame later.
  useLayoutEffect(() => {
    const onKey = (ev: KeyboardEvent) => latest.current(ev);
    window.addEventListener("keydown", onKey, capture);
    return () => window.removeEventListener("keydown", onKey, capture);
  }, [capture]);
}
