import { cleanup, render, screen, fireEvent, waitFor } from "@testing-library/react";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import { App } from "./App";

afterEach(() => {
  cleanup();
  clearMocks();
});

test("with no breaks yet, the break screens offer to load some and the Audit screen still opens", async () => {
  const asked: string[] = [];
  mockIPC((cmd) => {
    asked.push(cmd);
    if (cmd === "database_problem") return null;
    if (cmd === "app_info") return { breaks: 0, new_breaks: 0, database: "/tmp/empty.db", policy_source: "routing_policies.yaml", policy_version: "0123456789abcdef", actor: "ann", policy_problem: null, as_of: "2026-12-01T21:15Z" };
    if (cmd === "audit_log") return [];
    if (cmd === "filter_options") return { break_types: [], tiers: ["LOW"], statuses: ["NEW"], decisions: ["ESCALATE"], event_kinds: ["IMPORT"], export_formats: ["json"], agents: ["INGESTION"], people: [] };
    return null;
  }, { shouldMockEvents: true });
  render(<App />);
  await waitFor(() => expect(screen.getByTestId("nav-audit")).toBeTruthy());
  await waitFor(() => expect(screen.getByText("Load sample breaks")).toBeTruthy());
  // The status line says the time ages and SLA clocks are measured to.
  expect(screen.getByTestId("as-of").textContent).toBe("as of 2026-12-01 21:15 UTC");
  fireEvent.click(screen.getByTestId("nav-audit"));
  await waitFor(() => expect(asked).toContain("audit_log"));
  expect(screen.queryByText("Load sample breaks")).toBeNull();
  fireEvent.click(screen.getByTestId("nav-review"));
  await waitFor(() => expect(screen.getByText("Load sample breaks")).toBeTruthy());
});
