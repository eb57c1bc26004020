import { useState } from "react";
import { api, chooseOpenFile, type ImportSummary } from "../api";
import { ErrorBox } from "./ErrorBox";
import { ImportReport } from "./ImportReport";

/** An empty database: offer the sample breaks or a file. */
export function Welcome({ onLoaded }: { onLoaded: () => void }) {
  const [error, setError] = useState<unknown>(null);
  const [report, setReport] = useState<ImportSummary | null>(null);
  const run = async (f: () => Promise<ImportSummary | null>) => {
    setError(null);
    try {
      const r = await f();
      if (r) {
        setReport(r);
        if (r.inserted > 0) onLoaded();
      }
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div className="welcome panel">
      <h2>Welcome to Recon Agent</h2>
      <p className="muted">This database has no breaks yet. Load the bundled sample to see the app at work, or import your own CSV or JSON file.</p>
      <div className="toolbar">
        <button className="primary" onClick={() => run(api.loadSample)}>Load sample breaks</button>
        <button onClick={() => run(async () => { const p = await chooseOpenFile(); return p ? api.importFile(p) : null; })}>Import a file…</button>
      </div>
      {error !== null && <ErrorBox error={error} />}
      {report && <ImportReport report={report} />}
    </div>
  );
}
