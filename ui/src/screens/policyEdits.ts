// The policy editor's draft as a list of edits to the loaded text. Rust applies them (losslessly)
// and validates the result; this module only keeps the list tidy and finds a field's messages.
import type { EditValue, PolicyEdit, PolicyIssue } from "../api";

/** Adds `edit`, dropping earlier edits it makes pointless: a set of the same path, and any
 * edit inside a path that is set or removed as a whole. */
export function addEdit(edits: PolicyEdit[], edit: PolicyEdit): PolicyEdit[] {
  const inside = (p: string) => p === edit.path || p.startsWith(edit.path + ".") || p.startsWith(edit.path + "[");
  return [...edits.filter((e) => !inside(e.path)), edit];
}

export const set = (path: string, value: EditValue): PolicyEdit => ({ op: "set", path, value });
export const remove = (path: string): PolicyEdit => ({ op: "remove", path });
export const text = (value: string): EditValue => ({ kind: "text", value });
export const num = (value: string): EditValue => ({ kind: "number", value });
export const list = (value: string[]): EditValue => ({ kind: "list", value });
/** A checkpoint's `after`: one agent is written as `after: RULES`, several as a list. */
export const afterValue = (agents: string[]): EditValue => (agents.length === 1 ? text(agents[0]) : list(agents));

/** The plan's path in the file. */
export const planPath = (type: string, tier: string) => `policies.${type}.${tier}`;

/** Messages for exactly this field, or (with `within`) for anything under it. */
export function issuesAt(issues: PolicyIssue[], path: string, within = false): PolicyIssue[] {
  return issues.filter((i) => i.path === path || (within && (i.path.startsWith(path + ".") || i.path.startsWith(path + "["))));
}

/** The messages no field shows (the form shows the rest beside their fields). */
export function unplaced(issues: PolicyIssue[], shown: (path: string) => boolean): PolicyIssue[] {
  return issues.filter((i) => !shown(i.path));
}

/** A CEL clause from the condition builder's common forms. */
export function clause(field: string, op: string, value: string): string {
  if (op === "is true") return field;
  if (op === "is false") return `!${field}`;
  const v = value.trim();
  const literal = v === "" || /^-?\d+(\.\d+)?$/.test(v) || v === "true" || v === "false" ? v || "0" : JSON.stringify(v);
  return `${field} ${op} ${literal}`;
}

/** Joins a new clause onto an existing condition with AND or OR (parenthesising an OR'd left side). */
export function combine(existing: string, join: "&&" | "||", next: string): string {
  const e = existing.trim();
  if (!e) return next;
  return join === "&&" && e.includes("||") ? `(${e}) && ${next}` : `${e} ${join} ${next}`;
}
