import { useMemo, useRef, useState } from "react";
import { createColumnHelper, flexRender, getCoreRowModel, useReactTable, type RowSelectionState, type SortingState } from "@tanstack/react-table";
import { api, chooseOpenFile, type BreakRow, type ImportSummary, type QueueSort } from "../api";
import { useWindowKeys } from "../components/useWindowKeys";
import { useVirtualQueue, type QueueQuery } from "./useQueuePages";
import { ErrorBox } from "../components/ErrorBox";
import { groupDigits, utcText } from "../components/format";
import { ImportReport } from "../components/ImportReport";
import { ProcessBar } from "../components/ProcessBar";
import { BulkBar } from "../components/BulkBar";
import { Filters } from "../components/Filters";
import { TaskProgress } from "../components/TaskProgress";

// Columns as TanStack Table definitions: the header, the cell, the width and, where the store
// can sort by it, the sort key (sorting is done by SQLite, not in the browser).
type Meta = { width: string; align?: "right" };
const col = createColumnHelper<BreakRow>();
const tag = (v: string | null) => (v ? <span className={`tag ${v}`}>{v}</span> : null);
const COLUMNS = [
  col.accessor("break_id", { header: "Break", meta: { width: "120px" } }),
  col.accessor("break_type", { header: "Type", meta: { width: "190px" } }),
  col.accessor("tier", { header: "Tier", cell: (c) => tag(c.getValue()), meta: { width: "90px" } }),
  col.accessor("status", { header: "Status", cell: (c) => tag(c.getValue()), meta: { width: "140px" } }),
  col.accessor("decision", { header: "Decision", cell: (c) => tag(c.getValue()), meta: { width: "120px" } }),
  // Not sortable: amounts in different currencies do not compare (the tier sorts by exposure).
  col.accessor((r) => `${groupDigits(r.amount)} ${r.currency}`, { id: "amount", header: "Amount", enableSorting: false, meta: { width: "150px", align: "right" } }),
  col.accessor("counterparty", { header: "Counterparty", meta: { width: "1fr" } }),
  col.accessor("assignee", { header: "Assignee", meta: { width: "110px" } }),
  col.accessor("detected_at", { header: "Detected", cell: (c) => <span className="muted">{utcText(c.getValue())}</span>, meta: { width: "170px" } }),
];
// The sorts Rust offers, as a record over its enum (a sort renamed in Rust fails `tsc` here); a
// column's id is its sort key.
const SORTS: Record<QueueSort, true> = {
  break_id: true, detected_at: true, tier: true, status: true, sla_deadline: true, counterparty: true, break_type: true, decision: true, assignee: true, priority: true,
};
const asSort = (id: string): QueueSort => (Object.prototype.hasOwnProperty.call(SORTS, id) ? (id as QueueSort) : "break_id");
const TEMPLATE = `32px ${COLUMNS.map((c) => (c.meta as Meta).width).join(" ")}`;

// Row elements are recycled: a row keeps its DOM node while it stays in view, and the node of a
// row that scrolls out is reused for the one that scrolls in (index modulo a fixed number of
// slots). A jump across 100,000 rows then updates text in the same ~40 nodes instead of
// unmounting and building them all again. Positions use `transform`, which needs no layout.
const SLOTS = 256;
export const rowKey = (index: number, slot: number, inView: number) => (inView <= SLOTS ? index % SLOTS : `i${index}-${slot}`);
type Query = QueueQuery;
/** Whether the person narrowed the queue (a sort alone does not). */
const filtering = (q: Query) =>
  !!q.unassigned || (q.assignee_in?.length ?? 0) > 0 || [q.break_type, q.tier, q.status, q.decision, q.assignee, q.search, q.min_age_days, q.max_age_days].some((v) => v !== null && v !== undefined && v !== "");

export function Queue({ onOpen, onChanged, active = true }: { onOpen: (id: string) => void; onChanged: () => void; active?: boolean }) {
  const [query, setQuery] = useState<Query>({ break_type: null, tier: null, status: null, decision: null, assignee: null, search: null, min_age_days: null, max_age_days: null, sort: "break_id", descending: false });
  const [rowSelection, setRowSelection] = useState<RowSelectionState>({});
  const [report, setReport] = useState<ImportSummary | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [importing, setImporting] = useState(false);
  const { total, error: loadError, rowAt, scroller, virtualizer: v, items, reload, top } = useVirtualQueue(query, 29);

  // The table holds the rows now in view; selection is by break id, so it survives scrolling.
  // Memoised on the ids in view: a new array on every render would make the table rebuild its
  // row model (and, with auto-resets on, loop) whenever anything re-renders.
  const inView = items.map((it) => rowAt(it.index)).filter((r): r is BreakRow => !!r);
  const viewKey = inView.map((r) => `${r.break_id}:${r.status}:${r.decision ?? ""}:${r.tier ?? ""}:${r.assignee ?? ""}`).join("|");
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const windowRows = useMemo(() => inView, [viewKey]);
  const sorting: SortingState = useMemo(() => [{ id: query.sort ?? "break_id", desc: query.descending ?? false }], [query.sort, query.descending]);
  const table = useReactTable({
    data: windowRows,
    columns: COLUMNS,
    getCoreRowModel: getCoreRowModel(),
    getRowId: (r) => r.break_id,
    manualSorting: true,
    enableMultiSort: false,
    sortDescFirst: false, // a first click sorts ascending, whatever the rows in view hold
    autoResetAll: false, // paging is the store's: nothing to reset when the rows in view change
    state: { sorting, rowSelection },
    onRowSelectionChange: setRowSelection,
    onSortingChange: (u) => {
      const next = typeof u === "function" ? u(sorting) : u;
      const s = next[0] ?? { id: "break_id", desc: false };
      setQuery((q) => ({ ...q, sort: asSort(s.id), descending: s.desc }));
    },
  });
  const rowsById = new Map(table.getRowModel().rows.map((r) => [r.id, r]));
  const selected = Object.keys(rowSelection).filter((k) => rowSelection[k]);
  // Shift-click ticks every loaded row between the last ticked one and this one.
  const anchor = useRef<number | null>(null);
  const toggle = (id: string, index: number, range = false) => {
    if (range && anchor.current !== null) {
      const [lo, hi] = [Math.min(anchor.current, index), Math.max(anchor.current, index)];
      const ids = Array.from({ length: hi - lo + 1 }, (_, i) => rowAt(lo + i)?.break_id).filter((x): x is string => !!x);
      setRowSelection((s) => ({ ...s, ...Object.fromEntries(ids.map((x) => [x, true])) }));
    } else setRowSelection((s) => ({ ...s, [id]: !s[id] }));
    anchor.current = index;
  };
  const allInView = inView.length > 0 && inView.every((r) => rowSelection[r.break_id]);
  const toggleInView = () => setRowSelection((s) => ({ ...s, ...Object.fromEntries(inView.map((r) => [r.break_id, !allInView])) }));
  // Keys: j/k move the cursor (kept in view), x ticks the row under it, Enter opens it.
  const [cursor, setCursor] = useState<number | null>(null);
  useWindowKeys((ev) => {
    const t = ev.target as HTMLElement;
    // Not while hidden under an open break, typing in a field, or answering a dialog.
    if (!active || !total || ["INPUT", "SELECT", "TEXTAREA"].includes(t.tagName) || t.closest?.("[role=alertdialog]")) return;
    const at = cursor ?? -1;
    const move = (to: number) => { setCursor(to); v.scrollToIndex(to, { align: "auto" }); };
    if (ev.key === "j") move(Math.min(total - 1, at + 1));
    else if (ev.key === "k") move(Math.max(0, at - 1));
    else if (ev.key === "x" && cursor !== null) { const r = rowAt(cursor); if (r) toggle(r.break_id, cursor, ev.shiftKey); }
    else if (ev.key === "Enter" && cursor !== null) { const r = rowAt(cursor); if (r) onOpen(r.break_id); }
    else return;
    ev.preventDefault();
  });
  const importFile = async () => {
    setError(null);
    try {
      const p = await chooseOpenFile();
      if (!p) return;
      setImporting(true);
      setReport(await api.importFile(p));
      reload();
      onChanged();
    } catch (e) { setError(e); } finally { setImporting(false); }
  };

  return (
    <>
      <div className="toolbar">
        <Filters query={query} onChange={setQuery} />
        <span className="grow" />
        <TaskProgress task="import" active={importing} />
        <button onClick={importFile} disabled={importing}>Import…</button>
      </div>
      <ProcessBar selected={selected} filter={filtering(query) ? query : null} onDone={() => { setRowSelection({}); reload(); onChanged(); }} />
      <BulkBar selected={selected} onDone={() => { setRowSelection({}); reload(); onChanged(); }} />
      {error !== null && <ErrorBox error={error} />}
      {loadError !== null && <ErrorBox error={loadError} />}
      {report && <ImportReport report={report} />}
      <div className="muted" data-testid="queue-count">
        {total === null ? "Loading…" : `${groupDigits(String(total))} breaks${selected.length ? ` · ${groupDigits(String(selected.length))} selected` : ""}`}
        {" · "}<kbd>j</kbd>/<kbd>k</kbd> move · <kbd>x</kbd> tick · shift-click a range · <kbd>Enter</kbd> open
      </div>
      <div className="table" ref={scroller} style={{ height: "calc(100vh - 210px)" }} data-testid="queue">
        {table.getHeaderGroups().map((hg) => (
          <div key={hg.id} className="head" style={{ gridTemplateColumns: TEMPLATE }}>
            <div className="cell"><input type="checkbox" checked={allInView} onChange={toggleInView} aria-label="select the rows in view" data-testid="select-in-view" /></div>
            {hg.headers.map((h) => (
              <div key={h.id} className="cell sort-head" onClick={h.column.getToggleSortingHandler()} style={{ cursor: h.column.getCanSort() ? "pointer" : "default" }}
                title={h.column.getCanSort() ? "sort" : "not sortable"} data-sort={h.column.getIsSorted() || undefined}>
                <span className="label">{flexRender(h.column.columnDef.header, h.getContext())}</span>
                {/* The arrow sits outside the truncated label, so a narrow column still shows it. */}
                <span className="arrow">{{ asc: "▲", desc: "▼" }[h.column.getIsSorted() as string] ?? ""}</span>
              </div>
            ))}
          </div>
        ))}
        {total === 0 && <div className="empty">No breaks match these filters.</div>}
        <div style={{ height: v.getTotalSize(), position: "relative" }}>
          {items.map((it, slot) => {
            const data = rowAt(it.index);
            const row = data ? rowsById.get(data.break_id) : undefined;
            const isSelected = !!row?.getIsSelected();
            return (
              <div key={rowKey(it.index, slot, items.length)} className={`row${isSelected ? " selected" : ""}${cursor === it.index ? " cursor" : ""}`} data-break-id={data?.break_id}
                style={{ gridTemplateColumns: TEMPLATE, position: "absolute", top: 0, transform: `translateY(${top(it)}px)`, left: 0, right: 0, height: it.size }}
                onDoubleClick={() => data && onOpen(data.break_id)} onClick={(e) => data && (e.ctrlKey || e.metaKey || e.shiftKey ? toggle(data.break_id, it.index, e.shiftKey) : onOpen(data.break_id))}>
                <div className="cell" onClick={(e) => { e.stopPropagation(); if (data) toggle(data.break_id, it.index, e.shiftKey); }}>
                  <input type="checkbox" readOnly checked={isSelected} aria-label="select" />
                </div>
                {row ? (
                  row.getVisibleCells().map((c) => (
                    <div key={c.id} className={(c.column.columnDef.meta as Meta).align ? "cell num" : "cell"} style={{ textAlign: (c.column.columnDef.meta as Meta).align }}>{flexRender(c.column.columnDef.cell, c.getContext())}</div>
                  ))
                ) : (
                  <div className="cell muted">…</div>
                )}
              </div>
            );
          })}
        </div>
      </div>
    </>
  );
}
