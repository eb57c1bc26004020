import { useEffect, useRef, useState } from "react";
import type { DiffLine, PolicyIssue } from "../../api";
import { clause, issuesAt } from "../policyEdits";

const OPS = ["is true", "is false", "<", "<=", ">", ">=", "==", "!="];

/** An input that keeps what the person types while Rust re-validates the draft: the form's
 * values come back from Rust a moment later, and binding the input to them would drop keys. */
export function Input({ value, onValue, ...rest }: { value: string | number | null | undefined; onValue: (v: string) => void } & Omit<React.InputHTMLAttributes<HTMLInputElement>, "value" | "onChange">) {
  const shown = value == null ? "" : String(value);
  const [local, setLocal] = useState(shown);
  const focused = useRef(false);
  useEffect(() => { if (!focused.current) setLocal(shown); }, [shown]);
  return (
    <input {...rest} value={local} onFocus={() => (focused.current = true)} onBlur={() => { focused.current = false; setLocal(shown); }}
      onChange={(e) => { setLocal(e.target.value); onValue(e.target.value); }} />
  );
}

/** Messages beside a field: errors (saving is blocked) and warnings. */
export function FieldIssues({ errors, warnings, path, within = false }: { errors: PolicyIssue[]; warnings: PolicyIssue[]; path: string; within?: boolean }) {
  const e = issuesAt(errors, path, within);
  const w = issuesAt(warnings, path, within);
  if (!e.length && !w.length) return null;
  return (
    <div>
      {e.map((i, k) => <div key={`e${k}`} className="field-error" data-testid="field-error" data-path={i.path}>{i.message}{i.line > 0 && <span className="muted"> (line {i.line})</span>}</div>)}
      {w.map((i, k) => <div key={`w${k}`} className="field-warning" data-testid="field-warning" data-path={i.path}>⚠ {i.message}</div>)}
    </div>
  );
}

export function Diff({ lines }: { lines: DiffLine[] }) {
  if (!lines.length) return <div className="muted">No differences.</div>;
  return (
    <pre className="diff" data-testid="diff">
      {lines.map((l, i) => (
        <div key={i} className={l.sign === "+" ? "add" : l.sign === "-" ? "del" : ""}>
          <span className="ln">{l.old_line ?? ""}</span><span className="ln">{l.new_line ?? ""}</span>{l.sign} {l.text}
        </div>
      ))}
    </pre>
  );
}

/** Builds a condition from the common forms and joins it onto the current one. `fields`: what
 * Rust says this checkpoint's condition may read. */
export function ConditionBuilder({ fields, onAdd }: { fields: string[]; onAdd: (cel: string, join: "&&" | "||") => void }) {
  const [picked, setField] = useState(fields[0] ?? "");
  // The list changes with the agents the checkpoint follows; keep the pick only while offered.
  const field = fields.includes(picked) ? picked : (fields[0] ?? "");
  const [op, setOp] = useState("is true");
  const [value, setValue] = useState("");
  const needsValue = op !== "is true" && op !== "is false";
  return (
    <div className="toolbar builder">
      <select value={field} onChange={(e) => setField(e.target.value)} aria-label="field">{fields.map((f) => <option key={f}>{f}</option>)}</select>
      <select value={op} onChange={(e) => setOp(e.target.value)} aria-label="comparison">{OPS.map((o) => <option key={o}>{o}</option>)}</select>
      {needsValue && <input value={value} onChange={(e) => setValue(e.target.value)} placeholder="value" size={8} aria-label="value" />}
      <button onClick={() => onAdd(clause(field, op, value), "&&")}>AND</button>
      <button onClick={() => onAdd(clause(field, op, value), "||")}>OR</button>
    </div>
  );
}

