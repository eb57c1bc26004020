import { useEffect, useState } from "react";
import { api, type Connection, type TeamAddress } from "../api";
import { ErrorBox } from "../components/ErrorBox";

const EMPTY: TeamAddress = { host: "", port: 5432, database: "recon", user: "", sslmode: "verify-full", sslrootcert: null };

/** Which database the app works on: the local file (one person) or a team database
 * (PostgreSQL, each person their own login). Rust checks the form, logs in and switches; its
 * words are shown as they come. The password goes to Rust for this login, or into the OS
 * keyring when asked to; it is never kept by the screen or written to a file. */
export function Database({ onSwitched }: { onSwitched: () => void }) {
  const [now, setNow] = useState<Connection | null>(null);
  const [address, setAddress] = useState<TeamAddress>(EMPTY);
  const [password, setPassword] = useState("");
  const [remember, setRemember] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api.connection().then((c) => {
      setNow(c);
      if (c.saved) setAddress(c.saved);
    }, setError);
  }, []);
  const edit = <K extends keyof TeamAddress>(k: K, v: TeamAddress[K]) => setAddress((a) => ({ ...a, [k]: v }));
  const run = async (f: () => Promise<Connection>) => {
    setBusy(true);
    setError(null);
    try {
      const c = await f();
      setNow(c);
      setPassword("");
      onSwitched();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  if (!now) return error ? <ErrorBox error={error} /> : <div className="empty">Loading…</div>;
  return (
    <div className="panel" data-testid="database-screen" style={{ maxWidth: 640 }}>
      <h2>Database</h2>
      <p data-testid="database-now">
        {now.team ? "Team database" : "Local file"}: <span className="mono">{now.location}</span>
        {now.actor && <> · working as <b>{now.actor}</b></>}
      </p>
      {now.note && <div className="holds" role="note" data-testid="database-note">{now.note}</div>}
      {now.team && (
        <div className="toolbar" style={{ marginBottom: 12 }}>
          <button disabled={busy} onClick={() => run(api.useLocalDatabase)} data-testid="use-local">
            Use the local database
          </button>
          <span className="muted mono">{now.local}</span>
        </div>
      )}
      <h3>Connect to a team database</h3>
      <p className="muted">
        Everyone on the team works on one PostgreSQL database, each person as their own login; the database decides what each may do. The app opens
        it again at the next start.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run(() => api.connectTeamDatabase(address, password === "" ? null : password, remember));
        }}
      >
        <label className="field inline">
          server
          <input aria-label="host" value={address.host} placeholder="db.example.com" onChange={(e) => edit("host", e.target.value)} />
          port
          <input aria-label="port" type="number" style={{ width: 80 }} value={address.port === 0 ? "" : address.port} onChange={(e) => edit("port", Number(e.target.value))} />
        </label>
        <label className="field inline">
          database
          <input aria-label="database" value={address.database} onChange={(e) => edit("database", e.target.value)} />
        </label>
        <label className="field inline">
          your login
          <input aria-label="user" value={address.user} onChange={(e) => edit("user", e.target.value)} />
        </label>
        <label className="field inline">
          password
          <input aria-label="password" type="password" autoComplete="off" value={password} onChange={(e) => setPassword(e.target.value)} />
          <span className="muted">empty: the one kept in the OS keyring, if any</span>
        </label>
        <label className="field inline">
          <input type="checkbox" aria-label="remember" checked={remember} onChange={(e) => setRemember(e.target.checked)} />
          keep the password in the OS keyring (never in a file)
        </label>
        <label className="field inline">
          TLS
          <select aria-label="sslmode" value={address.sslmode} onChange={(e) => edit("sslmode", e.target.value)}>
            {now.ssl_modes.map((m) => (
              <option key={m} value={m}>{m}</option>
            ))}
          </select>
          <span className="muted">verify-full proves which server answers; use it over a network</span>
        </label>
        <label className="field inline">
          trusted root (PEM)
          <input aria-label="sslrootcert" value={address.sslrootcert ?? ""} placeholder="the system's" style={{ width: 300 }} onChange={(e) => edit("sslrootcert", e.target.value === "" ? null : e.target.value)} />
        </label>
        <div className="toolbar">
          <button className="primary" type="submit" disabled={busy} data-testid="connect">
            {busy ? "Connecting…" : "Connect"}
          </button>
        </div>
      </form>
      {error !== null && <ErrorBox error={error} />}
    </div>
  );
}
