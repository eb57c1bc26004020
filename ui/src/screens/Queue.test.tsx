import { cleanup, render, screen, fireEvent, waitFor } from "@testing-library/react";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import { onTestFinished } from "vitest";
import { Queue } from "./Queue";

afterEach(() => {
  cleanup();
  clearMocks();
});

const OPTIONS = {
  break_types: ["TRADE_OMS_MISMATCH", "CASH_RECONCILIATION", "BROKER_VS_INTERNAL", "PNL_RECONCILIATION", "REGULATORY_DATA", "CORPORATE_ACTIONS"],
  tiers: ["LOW", "MEDIUM", "HIGH", "CRITICAL"], statuses: ["NEW", "AUTO_RESOLVED"], decisions: ["AUTO_RESOLVE"], me: "ann", mine: ["ann", "fx_desk"], people: [], event_kinds: [], export_formats: [], agents: [],
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
  await waitFor(() => expect(screen.getByTestId("queue-count").textContent).toContain("30 breaks"));

  const head = (label: string) => screen.getByText(label).closest(".sort-head") as HTMLElement;
  fireEvent.click(head("Tier"));
  await waitFor(() => expect(queries[queries.length - 1]).toMatchObject({ sort: "tier", descending: false }));
  // The arrow sits beside the label, outside its truncation.
  expect(head("Tier").querySelector(".arrow")?.textContent).toBe("▲");
  fireEvent.click(head("Tier"));
  await waitFor(() => expect(queries[queries.length - 1]).toMatchObject({ sort: "tier", descending: true }));
  for (const [label, sort] of [["Type", "break_type"], ["Decision", "decision"], ["Assignee", "assignee"]]) {
    fireEvent.click(head(label));
    await waitFor(() => expect(queries[queries.length - 1]).toMatchObject({ sort, descending: false }));
  }
  // Amounts in different currencies do not compare: that column does nothing.
  const before = queries.length;
  fireEvent.click(head("Amount"));
  expect(queries.length).toBe(before);
});

test("the rows in view are ticked at once; shift-click ticks a range; j/k and x tick from the keyboard", async () => {
  // jsdom lays nothing out: give elements a size, or the virtualizer renders no rows.
  const saved = (["clientHeight", "clientWidth"] as const).map((k) => [k, Object.getOwnPropertyDescriptor(Element.prototype, k)!] as const);
  Object.defineProperty(Element.prototype, "clientHeight", { configurable: true, get: () => 600 });
  Object.defineProperty(Element.prototype, "clientWidth", { configurable: true, get: () => 1000 });
  onTestFinished(() => saved.forEach(([k, d]) => Object.defineProperty(Element.prototype, k, d)));
  mockIPC((cmd, args) => {
    if (cmd === "queue_count") return 30;
    if (cmd === "queue") {
      const q = (args as { query: { offset: number; limit: number } }).query;
      return { rows: Array.from({ length: Math.min(q.limit, 30) }, (_, i) => row(q.offset + i + 1)), next: null };
    }
    if (cmd === "filter_options") return OPTIONS;
    return null;
  }, { shouldMockEvents: true });
  render(<Queue onOpen={() => {}} onChanged={() => {}} />);
  await waitFor(() => expect(document.querySelector("[data-break-id]")).not.toBeNull());
  const tick = (id: string, shiftKey = false) => fireEvent.click(document.querySelector(`[data-break-id=${id}] .cell`) as HTMLElement, { shiftKey });
  tick("BRK-00003");
  tick("BRK-00007", true);
  await waitFor(() => expect(screen.getByTestId("queue-count").textContent).toContain("5 selected"));
  fireEvent.keyDown(window, { key: "j" });
  fireEvent.keyDown(window, { key: "j" });
  fireEvent.keyDown(window, { key: "x" });
  await waitFor(() => expect(screen.getByTestId("queue-count").textContent).toContain("6 selected"));
  expect(document.querySelector(".row.cursor")?.getAttribute("data-break-id")).toBe("BRK-00002");
  fireEvent.click(screen.getByTestId("select-in-view"));
  const inView = document.querySelectorAll("[data-break-id]").length;
  await waitFor(() => expect(screen.getByTestId("queue-count").textContent).toContain(`${inView} selected`));
  fireEvent.click(screen.getByTestId("select-in-view"));
  await waitFor(() => expect(screen.getByTestId("queue-count").textContent).not.toContain("selected"));
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

test("mine (with my groups) and unassigned filter through Rust", async () => {
  const queries: { assignee: string | null; unassigned?: boolean; assignee_in?: string[] }[] = [];
  mockIPC((cmd, args) => {
    if (cmd === "filter_options") return OPTIONS;
    if (cmd === "queue_count") return 1;
    if (cmd === "queue") {
      queries.push((args as { query: (typeof queries)[number] }).query);
      return { rows: [row(1)], next: null };
    }
    return null;
  }, { shouldMockEvents: true });
  render(<Queue onOpen={() => {}} onChanged={() => {}} />);
  const whose = await screen.findByLabelText("whose");
  await waitFor(() => expect(screen.getByText("Mine and my groups' (ann, fx_desk)")).toBeTruthy());
  fireEvent.change(whose, { target: { value: "mine" } });
  await waitFor(() => expect(queries[queries.length - 1]).toMatchObject({ assignee: null, assignee_in: ["ann", "fx_desk"], unassigned: false }));
  fireEvent.change(whose, { target: { value: "unassigned" } });
  await waitFor(() => expect(queries[queries.length - 1]).toMatchObject({ assignee: null, assignee_in: [], unassigned: true }));
  expect(screen.getAllByText(/NEW matching the filter/).length).toBeGreaterThan(0);
});
