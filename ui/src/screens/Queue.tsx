import { useEffect, useRef, useState } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import { api, chooseOpenFile, onDataChanged, type ImportSummary, type QueueQuery } from "../api";
import { useQueuePages } from "./useQueuePages";
import { ErrorBox } from "../components/ErrorBox";
import { ImportReport } from "../components/ImportReport";
import { ProcessBar } from "../components/ProcessBar";
import { Filters } from "../components/Filters";
import { TaskProgress } from "../components/TaskProgress";

const COLUMNS = [
  { key: "break_id", label: "Break", width: "120px", sort: "break_id" },
  { key: "break_type", label: "Type", width: "190px" },
  { key: "tier", label: "Tier", width: "90px", sort: "tier" },
  { key: "status", label: "Status", width: "140px", sort: "status" },
  { key: "decision", label: "Decision", width: "120px" },
  { key: "amount", label: "Amount", width: "150px" },
  { key: "counterparty", label: "Counterparty", width: "1fr", sort: "counterparty" },
  { key: "assignee", label: "Assignee", width: "110px" },
  { key: "detected_at", label: "Detected", width: "170px", sort: "detected_at" },
] as const;
const TEMPLATE = `32px ${COLUMNS.map((c) => c.width).join(" ")}`;
type Query = Omit<QueueQuery, "offset" | "limit">;

export function Queue({ onOpen, onChanged }: { onOpen: (id: string) => void; onChanged: () => void }) {
  const [query, setQuery] = useState<Query>({ break_type: null, tier: null, status: null, decision: null, assignee: null, search: null, min_age_days: null, max_age_days: null, sort: "break_id", descending: false });
  const [version, setVersion] = useState(0);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [report, setReport] = useState<ImportSummary | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [importing, setImporting] = useState(false);
  const { total, error: loadError, rowAt, ensure } = useQueuePages(query, version);
  const scroller = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({ count: total ?? 0, getScrollElement: () => scroller.current, estimateSize: () => 29, overscan: 20 });
  const items = v.getVirtualItems();
  useEffect(() => {
    if (items.length) ensure(items[0].index, items[items.length - 1].index);
  });
  useEffect(() => onDataChanged(() => setVersion((n) => n + 1)), []);

  const sortBy = (s: string) => setQuery((q) => ({ ...q, sort: s, descending: q.sort === s ? !q.descending : false }));
  const toggle = (id: string) => setSelected((s) => { const n = new Set(s); if (n.has(id)) n.delete(id); else n.add(id); return n; });
  const importFile = async () => {
    setError(null);
    try {
      const p = await chooseOpenFile();
      if (!p) return;
      setImporting(true);
      setReport(await api.importFile(p));
      setVersion((n) => n + 1);
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
      <ProcessBar selected={[...selected]} onDone={() => { setSelected(new Set()); setVersion((n) => n + 1); onChanged(); }} />
      {error !== null && <ErrorBox error={error} />}
      {loadError !== null && <ErrorBox error={loadError} />}
      {report && <ImportReport report={report} />}
      <div className="muted" data-testid="queue-count">{total === null ? "Loading…" : `${total} breaks${selected.size ? ` · ${selected.size} selected` : ""}`}</div>
      <div className="table" ref={scroller} style={{ height: "calc(100vh - 210px)" }} data-testid="queue">
        <div className="head" style={{ gridTemplateColumns: TEMPLATE }}>
          <div className="cell" />
          {COLUMNS.map((c) => (
            <div key={c.key} className="cell" onClick={"sort" in c ? () => sortBy(c.sort) : undefined} style={{ cursor: "sort" in c ? "pointer" : "default" }}>
              {c.label}
              {"sort" in c && query.sort === c.sort ? (query.descending ? " ▼" : " ▲") : ""}
            </div>
          ))}
        </div>
        {total === 0 && <div className="empty">No breaks match these filters.</div>}
        <div style={{ height: v.getTotalSize(), position: "relative" }}>
          {items.map((it) => {
            const r = rowAt(it.index);
            return (
              <div key={it.key} className={`row${r && selected.has(r.break_id) ? " selected" : ""}`} data-break-id={r?.break_id}
                style={{ gridTemplateColumns: TEMPLATE, position: "absolute", top: it.start, left: 0, right: 0, height: it.size }}
                onDoubleClick={() => r && onOpen(r.break_id)} onClick={(e) => r && (e.ctrlKey || e.metaKey ? toggle(r.break_id) : onOpen(r.break_id))}>
                <div className="cell" onClick={(e) => { e.stopPropagation(); if (r) toggle(r.break_id); }}>
                  <input type="checkbox" readOnly checked={!!r && selected.has(r.break_id)} aria-label="select" />
                </div>
                {r ? (
                  <>
                    <div className="cell">{r.break_id}</div>
                    <div className="cell">{r.break_type}</div>
                    <div className="cell">{r.tier && <span className={`tag ${r.tier}`}>{r.tier}</span>}</div>
                    <div className="cell"><span className={`tag ${r.status}`}>{r.status}</span></div>
                    <div className="cell">{r.decision && <span className={`tag ${r.decision}`}>{r.decision}</span>}</div>
                    <div className="cell" style={{ textAlign: "right" }}>{r.amount} {r.currency}</div>
                    <div className="cell">{r.counterparty}</div>
                    <div className="cell">{r.assignee}</div>
                    <div className="cell muted">{r.detected_at?.replace("T", " ").replace("Z", "")}</div>
                  </>
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
