import { cleanup, render, screen, fireEvent, waitFor } from "@testing-library/react";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import { Queue } from "./Queue";

afterEach(() => {
  cleanup();
  clearMocks();
});

const OPTIONS = {
  break_types: ["TRADE_OMS_MISMATCH", "CASH_RECONCILIATION", "BROKER_VS_INTERNAL", "PNL_RECONCILIATION", "REGULATORY_DATA", "CORPORATE_ACTIONS"],
  tiers: ["LOW", "MEDIUM", "HIGH", "CRITICAL"], statuses: ["NEW", "AUTO_RESOLVED"], decisions: ["AUTO_RESOLVE"],
};

const row = (i: number) => ({
  break_id: `BRK-${String(i).padStart(5, "0")}`, break_type: "CASH_RECONCILIATION", counterparty: "ACME", amount: "10.00", currency: "USD",
  status: "NEW", tier: null, decision: null, assignee: null, sla_deadline: null, detected_at: "2026-11-20T10:00:00Z",
});

test("the table's sortable headers sort through Rust; the others do nothing", async () => {
  const queries: { sort: string; descending: boolean }[] = [];
  mockIPC((cmd, args) => {
    if (cmd === "queue_count") return 30;
    if (cmd === "queue") {
      const q = (args as { query: { sort: string; descending: boolean; offset: number; limit: number } }).query;
      queries.push(q);
      return { rows: Array.from({ length: Math.min(q.limit, 30) }, (_, i) => row(q.offset + i + 1)), next: null };
    }
    if (cmd === "filter_options") return OPTIONS;
    return null;
  }, { shouldMockEvents: true });
  render(<Queue onOpen={() => {}} onChanged={() => {}} />);
  await waitFor(() => expect(screen.getByTestId("queue-count").textContent).toBe("30 breaks"));

  fireEvent.click(screen.getByText("Tier"));
  await waitFor(() => expect(queries[queries.length - 1]).toMatchObject({ sort: "tier", descending: false }));
  fireEvent.click(screen.getByText("Tier ▲"));
  await waitFor(() => expect(queries[queries.length - 1]).toMatchObject({ sort: "tier", descending: true }));
  // Columns the store cannot sort by do nothing.
  const before = queries.length;
  fireEvent.click(screen.getByText("Decision"));
  expect(queries.length).toBe(before);

});

test("the type filter offers what Rust lists, including a type no policy names, and filters through Rust", async () => {
  const types: (string | null)[] = [];
  mockIPC((cmd, args) => {
    if (cmd === "filter_options") return OPTIONS;
    if (cmd === "queue_count") return 1;
    if (cmd === "queue") {
      const q = (args as { query: { break_type: string | null; offset: number } }).query;
      types.push(q.break_type);
      return { rows: [row(1)], next: null };
    }
    return null;
  }, { shouldMockEvents: true });
  render(<Queue onOpen={() => {}} onChanged={() => {}} />);
  const select = screen.getByLabelText("Type") as HTMLSelectElement;
  await waitFor(() => expect([...select.options].map((o) => o.value)).toEqual(["", ...OPTIONS.break_types]));
  fireEvent.change(select, { target: { value: "CORPORATE_ACTIONS" } });
  await waitFor(() => expect(types[types.length - 1]).toBe("CORPORATE_ACTIONS"));
});
