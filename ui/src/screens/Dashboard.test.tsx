import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import { vi } from "vitest";
import { Dashboard } from "./Dashboard";

// ECharts needs a canvas, which jsdom lacks; the figures around the charts are what is tested.
vi.mock("../components/Chart", () => ({ Chart: () => null }));

afterEach(() => {
  cleanup();
  clearMocks();
});

test("the desk: backlog, SLA breaches and each reviewer's actions in the range, from Rust", async () => {
  const asked: { from: string | null }[] = [];
  mockIPC((cmd, args) => {
    if (cmd === "filter_options") return { break_types: [], tiers: [], statuses: [], decisions: [], event_kinds: [], export_formats: [], agents: [], people: [] };
    if (cmd === "efficiency") return { headline: { v2_runs: 0, v1_runs: 0, agents_per_break: null, early_exit_rate: null, v2_modelled_ms: 0, v2_modelled_cost: "0", v1_modelled_ms: 2500, v1_modelled_cost: "0.12", v1_measured: false, base_currency: "USD", v2_llm_runs: 0, v2_measured_cost: null, v1_llm_runs: 0, v1_measured_cost: null }, groups: [], checkpoints: [], per_day: [] };
    if (cmd === "desk") {
      asked.push((args as { query: { from: string | null } }).query);
      return {
        waiting: 1200, escalated: 150, overdue: 300, overdue_exact: true, new: 42, as_of: "2026-12-01T21:30:00Z",
        people: [
          { actor: "ann", accepted: 40, overridden: 3, resolved: 2, assigned: 1, commented: 0, undone: 1, total: 47 },
          { actor: "bob", accepted: 5, overridden: 1, resolved: 0, assigned: 0, commented: 2, undone: 0, total: 8 },
        ],
      };
    }
    return null;
  }, { shouldMockEvents: true });
  render(<Dashboard />);
  await waitFor(() => expect(screen.getByTestId("desk-now").textContent).toContain("1,200 waiting for review, of which 150 escalated; 300 past their SLA deadline (25%); 42 NEW not yet processed."));
  expect(screen.getByTestId("desk-people").textContent).toContain("Reviewers in this range: 55 actions, 4 overrides");
  const rows = Array.from(screen.getByTestId("desk-people").querySelectorAll("tbody tr")).map((r) => Array.from(r.querySelectorAll("td")).map((c) => c.textContent));
  expect(rows).toEqual([["ann", "40", "3", "2", "1", "0", "1", "47"], ["bob", "5", "1", "0", "0", "2", "0", "8"]]);
  expect(asked[0]).toMatchObject({ from: null });
});

test("measured model cost is shown beside the modelled figures, labelled as measured, only when runs asked a model", async () => {
  const headline = { v2_runs: 40, v1_runs: 40, agents_per_break: 4, early_exit_rate: 0.5, v2_modelled_ms: 1025, v2_modelled_cost: "0.0570", v1_modelled_ms: 2500, v1_modelled_cost: "0.1200", v1_measured: true,
    base_currency: "USD", v2_llm_runs: 25, v2_measured_cost: "0.00019253", v1_llm_runs: 40, v1_measured_cost: "0.00037261" };
  mockIPC((cmd) => {
    if (cmd === "filter_options") return { break_types: [], tiers: [], statuses: [], decisions: [], event_kinds: [], export_formats: [], agents: [], people: [] };
    if (cmd === "efficiency") return { headline, groups: [], checkpoints: [], per_day: [] };
    if (cmd === "desk") return { waiting: 0, escalated: 0, overdue: 0, overdue_exact: true, new: 0, as_of: "2026-12-01T21:30:00Z", people: [] };
    return null;
  }, { shouldMockEvents: true });
  render(<Dashboard />);
  await waitFor(() => expect(screen.getByTestId("measured-cost").textContent).toContain("model calls, measured: 0.00019253 USD per v2 run that asked a model (25)"));
  expect(screen.getByTestId("measured-cost").textContent).toContain("vs v1 0.00037261 USD (40)");
  expect(screen.getByTestId("dashboard-summary").textContent).toContain("modelled cost $0.0570");
});
