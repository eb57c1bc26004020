import { useEffect, useState } from "react";
import { onProgress, type Progress, type Task } from "../api";

/** A progress bar for one kind of long work (`import`, `export`, `simulate`, ...), fed by Rust's
 * progress events while `active`. */
export function TaskProgress({ task, active }: { task: Task; active: boolean }) {
  const [p, setP] = useState<Progress | null>(null);
  useEffect(() => (active ? onProgress((e) => e.task === task && setP(e)) : undefined), [task, active]);
  useEffect(() => { if (!active) setP(null); }, [active]);
  if (!active) return null;
  const pct = p && p.total > 0 ? (100 * p.done) / p.total : 0;
  return (
    <span className="toolbar" data-testid={`${task}-progress`}>
      <div className="progress" role="progressbar" aria-valuenow={Math.round(pct)}><div style={{ width: `${pct}%` }} /></div>
      <span className="muted">{p ? `${p.current || task}${p.total > 0 ? ` · ${p.done} / ${p.total}` : ""}` : "starting…"}</span>
    </span>
  );
}
