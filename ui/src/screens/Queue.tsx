import { useMemo, useState } from "react";
import { createColumnHelper, flexRender, getCoreRowModel, useReactTable, type RowSelectionState, type SortingState } from "@tanstack/react-table";
import { api, chooseOpenFile, type BreakRow, type ImportSummary, type QueueSort } from "../api";
import { useVirtualQueue, type QueueQuery } from "./useQueuePages";
import { ErrorBox } from "../components/ErrorBox";
import { groupDigits, utcText } from "../components/format";
import { ImportReport } from "../components/ImportReport";
import { ProcessBar } from "../components/ProcessBar";
import { Filters } from "../components/Filters";
import { TaskProgress } from "../components/TaskProgress";

// Columns as TanStack Table definitions: the header, the cell, the width and, where the store
// can sort by it, the sort key (sorting is done by SQLite, not in the browser).
type Meta = { width: string; align?: "right" };
const col = createColumnHelper<BreakRow>();
const tag = (v: string | null) => (v ? <span className={`tag ${v}`}>{v}</span> : null);
const COLUMNS = [
  col.accessor("break_id", { header: "Break", meta: { width: "120px" } }),
  col.accessor("break_type", { header: "Type", enableSorting: false, meta: { width: "190px" } }),
  col.accessor("tier", { header: "Tier", cell: (c) => tag(c.getValue()), meta: { width: "90px" } }),
  col.accessor("status", { header: "Status", cell: (c) => tag(c.getValue()), meta: { width: "140px" } }),
  col.accessor("decision", { header: "Decision", enableSorting: false, cell: (c) => tag(c.getValue()), meta: { width: "120px" } }),
  col.accessor((r) => `${groupDigits(r.amount)} ${r.currency}`, { id: "amount", header: "Amount", enableSorting: false, meta: { width: "150px", align: "right" } }),
  col.accessor("counterparty", { header: "Counterparty", meta: { width: "1fr" } }),
  col.accessor("assignee", { header: "Assignee", enableSorting: false, meta: { width: "110px" } }),
  col.accessor("detected_at", { header: "Detected", cell: (c) => <span className="muted">{utcText(c.getValue())}</span>, meta: { width: "170px" } }),
];
// The sorts Rust offers, as a record over its enum (a sort renamed in Rust fails `tsc` here); a
// column's id is its sort key.
const SORTS: Record<QueueSort, true> = { break_id: true, detected_at: true, tier: true, status: true, sla_deadline: true, counterparty: true, priority: true };
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
  [q.break_type, q.tier, q.status, q.decision, q.assignee, q.search, q.min_age_days, q.max_age_days].some((v) => v !== null && v !== undefined && v !== "");

export function Queue({ onOpen, onChanged }: { onOpen: (id: string) => void; onChanged: () => void }) {
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
  const toggle = (id: string) => setRowSelection((s) => ({ ...s, [id]: !s[id] }));
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
      {error !== null && <ErrorBox error={error} />}
      {loadError !== null && <ErrorBox error={loadError} />}
      {report && <ImportReport report={report} />}
      <div className="muted" data-testid="queue-count">{total === null ? "Loading…" : `${total} breaks${selected.length ? ` · ${selected.length} selected` : ""}`}</div>
      <div className="table" ref={scroller} style={{ height: "calc(100vh - 210px)" }} data-testid="queue">
        {table.getHeaderGroups().map((hg) => (
          <div key={hg.id} className="head" style={{ gridTemplateColumns: TEMPLATE }}>
            <div className="cell" />
            {hg.headers.map((h) => (
              <div key={h.id} className="cell" onClick={h.column.getToggleSortingHandler()} style={{ cursor: h.column.getCanSort() ? "pointer" : "default" }}>
                {flexRender(h.column.columnDef.header, h.getContext())}
                {{ asc: " ▲", desc: " ▼" }[h.column.getIsSorted() as string] ?? ""}
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
              <div key={rowKey(it.index, slot, items.length)} className={`row${isSelected ? " selected" : ""}`} data-break-id={data?.break_id}
                style={{ gridTemplateColumns: TEMPLATE, position: "absolute", top: 0, transform: `translateY(${top(it)}px)`, left: 0, right: 0, height: it.size }}
                onDoubleClick={() => data && onOpen(data.break_id)} onClick={(e) => data && (e.ctrlKey || e.metaKey ? toggle(data.break_id) : onOpen(data.break_id))}>
                <div className="cell" onClick={(e) => { e.stopPropagation(); if (data) toggle(data.break_id); }}>
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
