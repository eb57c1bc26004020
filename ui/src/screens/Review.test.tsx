import { cleanup, render, screen, fireEvent, waitFor } from "@testing-library/react";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import { Review } from "./Review";

afterEach(() => {
  cleanup();
  clearMocks();
});

// jsdom lays nothing out: give elements a size, or the virtualizer renders no rows.
const saved = (["clientHeight", "clientWidth"] as const).map((k) => [k, Object.getOwnPropertyDescriptor(Element.prototype, k)!] as const);
beforeAll(() => {
  Object.defineProperty(Element.prototype, "clientHeight", { configurable: true, get: () => 600 });
  Object.defineProperty(Element.prototype, "clientWidth", { configurable: true, get: () => 1000 });
});
afterAll(() => saved.forEach(([k, d]) => Object.defineProperty(Element.prototype, k, d)));

const row = (i: number) => ({
  break_id: `BRK-${String(i).padStart(5, "0")}`, break_type: "CASH_RECONCILIATION", counterparty: "ACME", amount: "1234567.50", currency: "USD",
  status: "ESCALATED", tier: "CRITICAL", decision: "ESCALATE", assignee: null, sla_deadline: i === 1 ? "2026-10-01T09:00:00Z" : "2999-01-01T09:00:00Z", detected_at: "2026-11-20T10:00:00Z",
});

// What Rust offers the filters (decisions, work queues), as `filter_options` returns it.
const OPTIONS = {
  break_types: ["CASH_RECONCILIATION"], tiers: ["LOW", "MEDIUM", "HIGH", "CRITICAL"], statuses: [], decisions: ["AUTO_RESOLVE", "HIL_REVIEW", "ESCALATE"],
  event_kinds: [], export_formats: [], agents: [], people: [], me: "ann", mine: ["ann"], work_queues: ["cash-ops", "cash-ops-senior"],
};

test("every waiting break comes from Rust a page at a time, in Rust's order; j/k move and a accepts the one under the cursor", async () => {
  const queries: { awaiting_review?: boolean; sort: string | null; offset: number; limit: number; after: { key: string; break_id: string } | null }[] = [];
  const accepted: string[] = [];
  mockIPC((cmd, args) => {
    // 2,500 waiting: more than the 2,000 the screen once loaded per status.
    if (cmd === "queue_count") return 2500;
    if (cmd === "queue") {
      const q = (args as { query: (typeof queries)[number] }).query;
      queries.push(q);
      // A page after a cursor starts after the cursor's break (BRK-nnnnn); a jump at its offset.
      const start = q.after ? Number(q.after.break_id.slice(4)) : q.offset;
      const rows = Array.from({ length: q.limit }, (_, i) => row(start + i + 1));
      return { rows, next: { key: "", break_id: rows[rows.length - 1].break_id } };
    }
    if (cmd === "review") {
      const { breakId, confirmed } = args as { breakId: string; confirmed: boolean };
      // Rust's rule and words: a CRITICAL break is closed only when confirmed.
      if (!confirmed) throw { code: "CONFIRM", message: `${breakId} is CRITICAL (ESCALATED, 1,234,567.50 USD, CASH_RECONCILIATION). Accept its decision ESCALATE and close it?` };
      accepted.push(breakId);
      return "RESOLVED";
    }
    if (cmd === "proposals") return []; // a local database: none
    if (cmd === "filter_options") return OPTIONS;
    return null;
  }, { shouldMockEvents: true });
  render(<Review onOpen={() => {}} />);
  await waitFor(() => expect(screen.getByTestId("review-count").textContent).toContain("2,500 breaks to review"));
  expect(queries[0]).toMatchObject({ awaiting_review: true, sort: "priority", offset: 0, limit: 100 });
  await waitFor(() => expect(screen.getAllByText("1,234,567.50 USD").length).toBeGreaterThan(0));
  // A deadline already past stands out.
  expect(document.querySelector("[data-break-id=BRK-00001] .overdue")?.textContent).toMatch(/^breached \d+ d( \d+ h)? ago$/);
  expect(document.querySelector("[data-break-id=BRK-00001] .overdue")?.getAttribute("title")).toBe("SLA deadline 2026-10-01 09:00:00 UTC");
  expect(document.querySelector("[data-break-id=BRK-00002] [data-testid=sla]")?.textContent).toMatch(/^\d+ d( \d+ h)? left$/);
  expect(document.querySelector("[data-break-id=BRK-00002] .overdue")).toBeNull();

  fireEvent.keyDown(window, { key: "j" });
  fireEvent.keyDown(window, { key: "j" });
  fireEvent.keyDown(window, { key: "k" });
  fireEvent.keyDown(window, { key: "j" });
  await waitFor(() => expect(document.querySelector(".row.selected")?.getAttribute("data-break-id")).toBe("BRK-00003"));
  fireEvent.keyDown(window, { key: "a" });
  // Nothing is done until the person answers Rust's question; the list's keys wait meanwhile.
  await waitFor(() => expect(screen.getByTestId("confirm").textContent).toContain("BRK-00003 is CRITICAL"));
  expect(document.activeElement?.getAttribute("data-testid")).toBe("confirm-no");
  fireEvent.keyDown(window, { key: "j" });
  fireEvent.keyDown(window, { key: "a" });
  expect(accepted).toEqual([]);
  expect(document.querySelector(".row.selected")?.getAttribute("data-break-id")).toBe("BRK-00003");
  fireEvent.keyDown(window, { key: "y" });
  await waitFor(() => expect(accepted).toEqual(["BRK-00003"]));
  expect(screen.queryByTestId("confirm")).toBeNull();
  await waitFor(() => expect(screen.getByTestId("review-message").textContent).toBe("Accepted BRK-00003: now RESOLVED. Undo (u)"));
  // Declining does nothing, and says so.
  fireEvent.keyDown(window, { key: "j" });
  fireEvent.keyDown(window, { key: "a" });
  await waitFor(() => expect(screen.getByTestId("confirm").textContent).toContain("BRK-00004"));
  fireEvent.keyDown(window, { key: "Escape" });
  await waitFor(() => expect(screen.getByTestId("review-message").textContent).toBe("Nothing done to BRK-00004."));
  expect(accepted).toEqual(["BRK-00003"]);
});

test("hidden under an open break, the list ignores its keys", async () => {
  const accepted: string[] = [];
  mockIPC((cmd, args) => {
    if (cmd === "queue_count") return 1;
    if (cmd === "queue") return { rows: [row(1)], next: null };
    if (cmd === "review") accepted.push((args as { breakId: string }).breakId);
    if (cmd === "proposals") return []; // a local database: none
    if (cmd === "filter_options") return OPTIONS;
    return null;
  }, { shouldMockEvents: true });
  render(<Review onOpen={() => {}} active={false} />);
  await waitFor(() => expect(screen.getByTestId("review-count").textContent).toContain("1 breaks to review"));
  fireEvent.keyDown(window, { key: "a" });
  await new Promise((r) => setTimeout(r, 50));
  expect(accepted).toEqual([]);
});

test("after an accept the message offers Undo; u sends Rust an UNDO for that break and the message says what came back", async () => {
  const sent: { breakId: string; kind: string }[] = [];
  mockIPC((cmd, args) => {
    if (cmd === "queue_count") return 3;
    if (cmd === "queue") return { rows: [row(1), row(2), row(3)].map((r) => ({ ...r, tier: "LOW", status: "PENDING_REVIEW" })), next: null };
    if (cmd === "review") {
      const { breakId, action } = args as { breakId: string; action: { kind: string } };
      sent.push({ breakId, kind: action.kind });
      return action.kind === "UNDO" ? "PENDING_REVIEW" : "RESOLVED";
    }
    if (cmd === "proposals") return [];
    if (cmd === "filter_options") return OPTIONS;
    return null;
  }, { shouldMockEvents: true });
  render(<Review onOpen={() => {}} />);
  await waitFor(() => expect(screen.getByTestId("review-count").textContent).toContain("3 breaks to review"));
  await waitFor(() => expect(document.querySelector("[data-break-id=BRK-00001]")).not.toBeNull());
  fireEvent.keyDown(window, { key: "a" });
  await waitFor(() => expect(screen.getByTestId("undo")).toBeTruthy());
  fireEvent.keyDown(window, { key: "u" });
  await waitFor(() => expect(screen.getByTestId("review-message").textContent).toBe("Undid the last decision on BRK-00001: now PENDING_REVIEW."));
  expect(sent).toEqual([{ breakId: "BRK-00001", kind: "ACCEPT" }, { breakId: "BRK-00001", kind: "UNDO" }]);
  // An undo is not itself undone, and u does nothing more.
  expect(screen.queryByTestId("undo")).toBeNull();
  fireEvent.keyDown(window, { key: "u" });
  await new Promise((r) => setTimeout(r, 50));
  expect(sent.length).toBe(2);
});

test("e escalates with a reason asked first, o overrides with a decision chosen, ? lists the keys", async () => {
  const sent: { breakId: string; action: { kind: string; decision?: string; reason?: string } }[] = [];
  mockIPC((cmd, args) => {
    if (cmd === "queue_count") return 3;
    if (cmd === "queue") return { rows: [row(1), row(2), row(3)].map((r) => ({ ...r, tier: "LOW", status: "PENDING_REVIEW", decision: "HIL_REVIEW" })), next: null };
    if (cmd === "review") {
      sent.push(args as (typeof sent)[number]);
      return "ESCALATED";
    }
    if (cmd === "proposals") return [];
    if (cmd === "filter_options") return OPTIONS;
    return null;
  }, { shouldMockEvents: true });
  render(<Review onOpen={() => {}} />);
  await waitFor(() => expect(document.querySelector("[data-break-id=BRK-00001]")).not.toBeNull());
  fireEvent.keyDown(window, { key: "e" });
  const dialog = await screen.findByTestId("override-dialog");
  expect((dialog.querySelector("select") as HTMLSelectElement).value).toBe("ESCALATE");
  // No reason, nothing sent; the list's keys wait.
  fireEvent.keyDown(dialog, { key: "Enter" });
  fireEvent.keyDown(window, { key: "a" });
  expect(sent).toEqual([]);
  fireEvent.change(screen.getByLabelText("override reason"), { target: { value: "counterparty disputes it" } });
  fireEvent.keyDown(dialog, { key: "Enter" });
  await waitFor(() => expect(sent).toEqual([{ breakId: "BRK-00001", action: { kind: "OVERRIDE", decision: "ESCALATE", reason: "counterparty disputes it" }, confirmed: false }]));
  expect(screen.queryByTestId("override-dialog")).toBeNull();
  fireEvent.keyDown(window, { key: "o" });
  const o = await screen.findByTestId("override-dialog");
  expect((o.querySelector("select") as HTMLSelectElement).value).toBe("");
  fireEvent.keyDown(o, { key: "Escape" });
  expect(screen.queryByTestId("override-dialog")).toBeNull();
  fireEvent.keyDown(window, { key: "?" });
  expect(screen.getByTestId("review-keys").textContent).toContain("escalate, with a reason");
});

test("the list shows each break's work queue, and picking a queue asks Rust for that queue's waiting breaks only", async () => {
  const queries: { work_queue?: string | null; awaiting_review?: boolean; sort: string | null }[] = [];
  mockIPC((cmd, args) => {
    if (cmd === "queue_count") return (args as { query: { work_queue?: string | null } }).query.work_queue ? 1 : 2;
    if (cmd === "queue") {
      const q = (args as { query: (typeof queries)[number] }).query;
      queries.push(q);
      const rows = [{ ...row(1), work_queue: "cash-ops-senior" }, { ...row(2), work_queue: null }];
      return { rows: q.work_queue ? rows.slice(0, 1) : rows, next: null };
    }
    if (cmd === "proposals") return [];
    if (cmd === "filter_options") return OPTIONS;
    return null;
  }, { shouldMockEvents: true });
  render(<Review onOpen={() => {}} />);
  await waitFor(() => expect(document.querySelector("[data-break-id=BRK-00002]")).not.toBeNull());
  expect(document.querySelector("[data-break-id=BRK-00001] [data-testid=work-queue]")?.textContent).toBe("cash-ops-senior");
  expect(document.querySelector("[data-break-id=BRK-00002] [data-testid=work-queue]")?.textContent).toBe("no queue");
  await waitFor(() => expect(screen.getAllByRole("option", { name: "cash-ops-senior" }).length).toBe(1));
  fireEvent.change(screen.getByLabelText("work queue"), { target: { value: "cash-ops-senior" } });
  await waitFor(() => expect(screen.getByTestId("review-count").textContent).toContain("1 breaks to review in cash-ops-senior"));
  expect(queries[queries.length - 1]).toMatchObject({ work_queue: "cash-ops-senior", awaiting_review: true, sort: "priority" });
  expect(document.querySelector("[data-break-id=BRK-00002]")).toBeNull();
});
