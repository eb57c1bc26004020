import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import { BreakDetailScreen } from "./BreakDetail";

afterEach(() => {
  cleanup();
  clearMocks();
});

const side = { reference: "R1", amount: "100.00", quantity: null, price: null, settle_date: null };
const brk = {
  break_id: "BRK-00007", break_type: "CASH_RECONCILIATION", asset_class: "CASH", amount: "3.06", currency: "USD", trade_date: null, detected_at: "2026-11-30T10:00:00Z",
  counterparty: "UBS", account: null, instrument_id: null, description: null, internal: side, external: { ...side, amount: "96.94" },
};
const profile = { exposure: "3.06", base_currency: "USD", tier: "LOW", exposure_tier: "LOW", age_days: 1, materiality: 0, urgency: 10, hints: [], asset_class: "CASH", exposure_basis: "from the declared amount" };
const node = (agent: string) => ({ agent, status: "COMPLETED", planned: true, depends_on: [], started_us: 1, finished_us: 2, waited_us: 0, attempts: 1, output: null, error: null, skip_reason: null, skip_kind: null });
const run = (mode: "v1" | "v2", action: string, invoked: number) => ({
  run_id: mode === "v2" ? "1" : "2", mode, policy_key: "CASH_RECONCILIATION/LOW", policy_version: "abcdef0123456789", started_at: "2026-12-01T00:00:00Z", wall_us: 200,
  max_parallel: 3, agents_planned: invoked, agents_invoked: invoked, emulated_latency: false, profile, nodes: [node("INGESTION")], checkpoints: [],
  decision: { action, confidence: 0.9, rationale: [`Tier LOW: exposure 3.06 USD from 3.06 USD: LOW (below the MEDIUM threshold 10,000.00 USD).`], decided_by: "agent DECISIONING", at: "", holds: [] },
  modelled_ms: 150, modelled_cost: "0.008", modelled: [{ agent: "INGESTION", start_ms: 0, finish_ms: 150 }], llm_calls: [], measured_cost: null,
});

function serve(runs: ReturnType<typeof run>[]) {
  mockIPC((cmd) => {
    if (cmd === "break_detail") return { brk, status: "AUTO_RESOLVED", assignee: null, runs, actions: [] };
    if (cmd === "people") return [];
    return null;
  }, { shouldMockEvents: true });
}

test("a v1 comparison that decided otherwise is flagged above both runs, with the graph's legend under each", async () => {
  serve([run("v2", "AUTO_RESOLVE", 3), run("v1", "HIL_REVIEW", 7)]);
  render(<BreakDetailScreen breakId="BRK-00007" onBack={() => {}} />);
  await waitFor(() => expect(screen.getByTestId("disagreement").textContent).toContain("v2 decided AUTO_RESOLVE (3 agents), the v1 comparison HIL_REVIEW (all seven)"));
  expect(screen.getAllByTestId("graph-legend")).toHaveLength(2);
  expect(screen.getAllByTestId("graph-legend")[0].textContent).toContain("not in policy");
  expect(screen.getAllByText(/Tier LOW: exposure 3.06 USD/)).toHaveLength(2);
});

test("runs that agree raise no flag", async () => {
  serve([run("v2", "HIL_REVIEW", 5), run("v1", "HIL_REVIEW", 7)]);
  render(<BreakDetailScreen breakId="BRK-00007" onBack={() => {}} />);
  await waitFor(() => expect(screen.getAllByTestId("graph-legend")).toHaveLength(2));
  expect(screen.queryByTestId("disagreement")).toBeNull();
});

test("Esc goes back to the list, but not while typing in a field", async () => {
  serve([run("v2", "HIL_REVIEW", 5)]);
  let back = 0;
  render(<BreakDetailScreen breakId="BRK-00007" onBack={() => back++} />);
  await waitFor(() => expect(screen.getAllByTestId("graph-legend")).toHaveLength(1));
  fireEvent.keyDown(screen.getByLabelText("comment"), { key: "Escape" });
  expect(back).toBe(0);
  fireEvent.keyDown(window, { key: "Escape" });
  expect(back).toBe(1);
});

test("the history runs in time order and each action names what it acted on", async () => {
  const { historyLines } = await import("./BreakDetail");
  const v2 = { ...run("v2", "ESCALATE", 7), started_at: "2026-12-01T10:00:00.000000+00:00" };
  const act = (at: string, kind: string, extra: object = {}) => ({ break_id: "BRK-00007", kind, actor: "ann", at, decision: null, reason: null, assignee: null, comment: null, approved_by: null, ...extra });
  const lines = historyLines([v2] as never, [
    act("2026-12-01T10:05:00.000Z", "ACCEPT"),
    act("2026-12-01T10:05:30.000Z", "UNDO", { decision: "ESCALATE", comment: "ACCEPT at 2026-12-01T10:05:00.000Z" }),
    act("2026-12-01T10:06:00.000Z", "OVERRIDE", { decision: "HIL_REVIEW", reason: "FX explains it" }),
    act("2026-12-01T10:07:00.000Z", "ACCEPT", { approved_by: "bob" }),
  ] as never).map((l) => l.text.replace(/^[^·]+· /, ""));
  expect(lines).toEqual([
    "v2 run 1 · ESCALATE by agent DECISIONING (7 agents)",
    "ann · accepted ESCALATE",
    "ann · undid ACCEPT at 2026-12-01T10:05:00.000Z → ESCALATE",
    "ann · overrode ESCALATE → HIL_REVIEW · “FX explains it”",
    "ann · accepted HIL_REVIEW · approved by bob",
  ]);
});

test("who else has the break open is shown, asked again when someone arrives, and told when this screen closes", async () => {
  const { emit } = await import("@tauri-apps/api/event");
  const said: [string, boolean][] = [];
  let others: string[] = [];
  mockIPC((cmd, args) => {
    if (cmd === "break_detail") return { brk, status: "AUTO_RESOLVED", assignee: null, runs: [run("v2", "HIL_REVIEW", 5)], actions: [] };
    if (cmd === "people") return [];
    if (cmd === "filter_options") return { break_types: [], tiers: [], statuses: [], decisions: ["AUTO_RESOLVE", "HIL_REVIEW", "ESCALATE"], event_kinds: [], export_formats: [], agents: [], people: [] };
    if (cmd === "break_presence") {
      const a = args as { id: string; open: boolean };
      said.push([a.id, a.open]);
      return others;
    }
    return null;
  }, { shouldMockEvents: true });
  const view = render(<BreakDetailScreen breakId="BRK-00007" onBack={() => {}} />);
  await waitFor(() => expect(said).toEqual([["BRK-00007", true]]));
  await screen.findAllByTestId("graph-legend");
  expect(screen.queryByTestId("presence")).toBeNull();
  others = ["bob", "carol"];
  await emit("presence-changed", null);
  await waitFor(() => expect(screen.getByTestId("presence").textContent).toBe("also open: bob, carol"));
  view.unmount();
  expect(said[said.length - 1]).toEqual(["BRK-00007", false]);
});
