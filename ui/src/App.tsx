import { useCallback, useEffect, useState } from "react";
import { api, onDataChanged, type AppInfo, type DatabaseProblem } from "./api";
import { DatabaseProblemScreen } from "./components/DatabaseProblem";
import { Queue } from "./screens/Queue";
import { BreakDetailScreen } from "./screens/BreakDetail";
import { Review } from "./screens/Review";
import { Dashboard } from "./screens/Dashboard";
import { Audit } from "./screens/Audit";
import { Policies } from "./screens/Policies";
import { Database } from "./screens/Database";
import { Welcome } from "./components/Welcome";
import { ErrorBox } from "./components/ErrorBox";

export type Screen = "queue" | "review" | "dashboard" | "audit" | "policies" | "database";

export function App() {
  const [screen, setScreen] = useState<Screen>("queue");
  const [openBreak, setOpenBreak] = useState<string | null>(null);
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [problem, setProblem] = useState<DatabaseProblem | null | undefined>(undefined);
  const reloadInfo = useCallback(() => {
    api.databaseProblem().then((p) => {
      setProblem(p);
      if (!p) api.appInfo().then((i) => { setError(null); setInfo(i); }, setError);
    }, setError);
  }, []);
  useEffect(() => {
    reloadInfo();
    return onDataChanged(reloadInfo);
  }, [reloadInfo]);

  const go = (s: Screen) => {
    setOpenBreak(null);
    setScreen(s);
  };
  let body;
  // The Database screen works whether or not a database is open: it is how another one is chosen.
  if (screen === "database") body = <Database onSwitched={reloadInfo} />;
  else if (problem) body = <DatabaseProblemScreen problem={problem} onStarted={reloadInfo} onConnect={() => go("database")} />;
  else if (error) body = <ErrorBox error={error} />;
  else if (!info) body = <div className="empty">Loading…</div>;
  // No breaks yet: the break screens offer to load some; Policies and Audit work as ever (a
  // policy can be prepared, and the log read, before the first import).
  else if (info.breaks === 0 && screen !== "policies" && screen !== "audit") body = <Welcome onLoaded={reloadInfo} />;
  else {
    const list =
      screen === "queue" ? <Queue onOpen={setOpenBreak} onChanged={reloadInfo} active={!openBreak} />
      : screen === "review" ? <Review onOpen={setOpenBreak} active={!openBreak} />
      : screen === "dashboard" ? <Dashboard />
      : screen === "policies" ? <Policies />
      : <Audit />;
    // The screen a break was opened from stays mounted, hidden, so Back returns to it as it was:
    // the same filters, sort, selection and cursor.
    body = (
      <>
        {openBreak && <BreakDetailScreen breakId={openBreak} onBack={() => setOpenBreak(null)} />}
        <div style={{ display: openBreak ? "none" : "contents" }} data-testid="screen">{list}</div>
      </>
    );
  }

  return (
    <div className="app">
      <nav className="nav" aria-label="Screens">
        <h1>Recon Agent</h1>
        {(["queue", "review", "dashboard", "audit", "policies", "database"] as Screen[]).map((s) => (
          <button key={s} className={screen === s && !openBreak ? "active" : ""} onClick={() => go(s)} data-testid={`nav-${s}`}>
            {{ queue: "Break queue", review: "Review", dashboard: "Dashboard", audit: "Audit", policies: "Policies", database: "Database" }[s]}
          </button>
        ))}
        {info && (
          <div className="foot" title={info.database}>
            {info.breaks} breaks · {info.new_breaks} new
            <br />
            policy {info.policy_version.slice(0, 12)}
            <br />
            <span data-testid="as-of" style={{ whiteSpace: "nowrap", fontSize: 10.5 }} title="Ages, tiers and SLA clocks are measured to this time when breaks are processed; the sample breaks are dated relative to the day they were loaded.">
              as of {info.as_of.replace("T", " ").replace("Z", " UTC")}
            </span>
            <br />
            {info.actor}
          </div>
        )}
      </nav>
      <main className="main">{body}</main>
    </div>
  );
}
