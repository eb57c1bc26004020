import { useState } from "react";
import { api, type DatabaseProblem } from "../api";
import { ErrorBox } from "./ErrorBox";

/** The database could not be opened: say why, and offer a new file. The old file is left as it
 * is, for whoever needs to look at it or restore it from a backup. */
export function DatabaseProblemScreen({ problem, onStarted, onConnect }: { problem: DatabaseProblem; onStarted: () => void; onConnect: () => void }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // Opens another database (a new file, or the local one), then reloads.
  const open = (how: () => Promise<unknown>) => async () => {
    setBusy(true);
    setError(null);
    try {
      await how();
      onStarted();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const start = open(api.startNewDatabase);
  if (problem.team) {
    const local = open(api.useLocalDatabase);
    return (
      <div className="welcome" data-testid="db-problem">
        <h2>The team database cannot be opened</h2>
        <p className="mono">{problem.path}</p>
        <div className="error" role="alert">{problem.message}</div>
        <p>Nothing was changed. Connect again (another password, server or TLS setting), or work on this computer's local database for now.</p>
        <div className="toolbar">
          <button className="primary" onClick={onConnect} disabled={busy} data-testid="connect-instead">Connect to a team database</button>
          <button onClick={local} disabled={busy} data-testid="use-local-instead">Use the local database</button>
        </div>
        {error !== null && <ErrorBox error={error} />}
      </div>
    );
  }
  return (
    <div className="welcome" data-testid="db-problem">
      <h2>The database cannot be opened</h2>
      <p className="mono">{problem.path}</p>
      <div className="error" role="alert">{problem.message}</div>
      <p>
        Nothing in that file was changed. You can start a new, empty database beside it and keep
        working; the old file stays where it is.
      </p>
      <p className="muted mono">{problem.new_path}</p>
      <div className="toolbar">
        <button className="primary" onClick={start} disabled={busy} data-testid="start-new-db">Start a new database</button>
        <button onClick={onConnect} disabled={busy} data-testid="connect-instead">Connect to a team database</button>
      </div>
      <p className="muted">To open this one next time, start the app with RECONAGENT_DB set to its path.</p>
      {error !== null && <ErrorBox error={error} />}
    </div>
  );
}
