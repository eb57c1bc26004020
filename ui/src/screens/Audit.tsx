import { useCallback, useEffect, useState } from "react";
import { api, chooseSaveFile, onDataChanged, type AuditEntryDto, type EventKind, type ExportFormat, type ExportSummary, type VerificationDto } from "../api";
import { utcText } from "../components/format";
import { ErrorBox } from "../components/ErrorBox";
import { TaskProgress } from "../components/TaskProgress";
import { useFilterOptions } from "../components/useFilterOptions";

const PAGE = 500;

const today = () => new Date().toISOString().slice(0, 10);

/** The audit log with filters, chain verification and report export. */
export function Audit() {
  const { options } = useFilterOptions();
  const [kind, setKind] = useState<EventKind | null>(null);
  // One break's entries: the id as typed, sent once typing pauses.
  const [search, setSearch] = useState("");
  const [subject, setSubject] = useState<string | null>(null);
  useEffect(() => {
    const t = setTimeout(() => setSubject(search.trim() || null), 250);
    return () => clearTimeout(t);
  }, [search]);
  const [raw, setRaw] = useState<number | null>(null);
  const [rows, setRows] = useState<AuditEntryDto[] | null>(null);
  const [verification, setVerification] = useState<VerificationDto | null>(null);
  const [from, setFrom] = useState(today());
  const [to, setTo] = useState(today());
  const [format, setFormat] = useState<ExportFormat>("html");
  const [path, setPath] = useState("");
  const [exported, setExported] = useState<ExportSummary | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [exporting, setExporting] = useState(false);
  // Newest first, 500 at a time; "Older entries" reads the next 500 after the last one shown
  // (keyset paging on the entry number: as fast at the millionth entry as at the first).
  const [more, setMore] = useState(false);
  const load = useCallback(
    () =>
      api.auditLog({ from: null, to: null, kind, subject, before: null, limit: PAGE }).then((r) => {
        setRows(r);
        setMore(r.length === PAGE);
      }, setError),
    [kind, subject],
  );
  const older = () => {
    const last = rows?.[rows.length - 1];
    if (!last) return;
    api.auditLog({ from: null, to: null, kind, subject, before: last.seq, limit: PAGE }).then((r) => {
      setRows((prev) => [...(prev ?? []), ...r]);
      setMore(r.length === PAGE);
    }, setError);
  };
  useEffect(() => {
    load();
    return onDataChanged(load);
  }, [load]);
  const verify = () => api.verifyAudit().then(setVerification, setError);
  // A path from the save dialog was confirmed there if it exists; a typed one is confirmed here.
  const [confirmed, setConfirmed] = useState<string | null>(null);
  const browse = async () => {
    const p = await chooseSaveFile(`recon-audit-${from}-to-${to}.${format}`, format);
    if (p) {
      setPath(p);
      setConfirmed(p);
    }
  };
  const doExport = async (overwrite = confirmed === path) => {
    setError(null);
    setExporting(true);
    try {
      setExported(await api.exportReport({ from, to, break_type: null, format, path, overwrite }));
      load();
    } catch (e) {
      setError(e);
    } finally {
      setExporting(false);
    }
  };
  return (
    <>
      <div className="toolbar panel">
        <button className="primary" onClick={verify} data-testid="verify">Verify chain</button>
        {verification && (
          <span data-testid="verification" style={{ color: verification.ok ? "var(--ok)" : "var(--bad)" }}>
            {verification.ok ? `Intact: ${verification.entries} entries, head ${verification.head.slice(0, 16)}…` : `BROKEN at entry ${verification.first_bad_seq}: ${verification.first_bad_reason}`}
          </span>
        )}
        <span className="grow" />
        <label>From <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} /></label>
        <label>To <input type="date" value={to} onChange={(e) => setTo(e.target.value)} /></label>
        <select aria-label="format" value={format} onChange={(e) => setFormat(options.export_formats.find((f) => f === e.target.value) ?? "html")}>
          {options.export_formats.map((f) => <option key={f}>{f}</option>)}
        </select>
        <input aria-label="export path" placeholder="Save report to…" value={path} onChange={(e) => setPath(e.target.value)} style={{ width: 260 }} />
        <button onClick={browse}>Browse…</button>
        <button onClick={() => doExport()} disabled={!path || exporting} data-testid="export">Export</button>
        <TaskProgress task="export" active={exporting} />
      </div>
      {exported && <div className="panel" data-testid="export-result">Wrote {exported.path}: {exported.breaks} breaks, {exported.runs} runs; chain {exported.chain_ok ? "intact" : "BROKEN"}, head {exported.chain_head}</div>}
      {error !== null && <ErrorBox error={error} />}
      {error !== null && (error as { code?: string }).code === "CONFLICT" && (
        <div className="toolbar">
          <button data-testid="export-replace" onClick={() => doExport(true)}>Replace {path}</button>
        </div>
      )}
      <div className="toolbar">
        <select aria-label="kind" value={kind ?? ""} onChange={(e) => setKind(options.event_kinds.find((k) => k === e.target.value) ?? null)}>
          <option value="">All events</option>
          {options.event_kinds.map((k) => <option key={k}>{k}</option>)}
        </select>
        <input aria-label="break" placeholder="Break id, e.g. BRK-00042" value={search} onChange={(e) => setSearch(e.target.value)} style={{ width: 200 }} data-testid="audit-search" />
        <span className="muted">newest first{rows ? `, ${rows.length.toLocaleString("en-US")} shown` : ""}{subject ? ` for ${subject}` : ""} · click an entry for its stored payload</span>
      </div>
      {!rows ? <div className="empty">Loading…</div> : rows.length === 0 ? <div className="empty">No audit entries.</div> : (
        <div className="table" data-testid="audit-log">
          <div className="head" style={{ gridTemplateColumns: "60px 190px 130px 90px 140px 1fr" }}>
            {["#", "at", "kind", "actor", "subject", "what happened"].map((h) => <div key={h} className="cell">{h}</div>)}
          </div>
          {rows.map((r) => (
            <div key={r.seq} className="row" style={{ gridTemplateColumns: "60px 190px 130px 90px 140px 1fr", height: "auto", cursor: "pointer" }} title={`hash ${r.hash}`}
              onClick={() => setRaw(raw === r.seq ? null : r.seq)} data-testid="audit-row">
              <div className="cell">{r.seq}</div>
              <div className="cell">{utcText(r.at)}</div>
              <div className="cell">{r.kind}</div>
              <div className="cell">{r.actor}</div>
              <div className="cell">{r.subject}</div>
              <div className="cell" style={{ whiteSpace: "normal" }}>
                {r.summary}
                {raw === r.seq && <pre className="muted" data-testid="audit-payload" style={{ whiteSpace: "pre-wrap", margin: "4px 0 0" }}>{r.payload}{"\n"}hash {r.hash}</pre>}
              </div>
            </div>
          ))}
          {more && <button data-testid="audit-older" onClick={older}>Older entries</button>}
        </div>
      )}
    </>
  );
}
