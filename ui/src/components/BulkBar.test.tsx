import { cleanup, render, screen, fireEvent, waitFor } from "@testing-library/react";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import { BulkBar } from "./BulkBar";

afterEach(() => {
  cleanup();
  clearMocks();
});

test("a bulk accept asks Rust's question once, then lists what was refused and why", async () => {
  const calls: { breakIds: string[]; confirmed: boolean; action: { kind: string } }[] = [];
  mockIPC((cmd, args) => {
    if (cmd === "filter_options") return { break_types: [], tiers: [], statuses: [], decisions: [], event_kinds: [], export_formats: [], agents: [], people: [], me: "ann" };
    if (cmd === "review_many") {
      const a = args as (typeof calls)[number];
      calls.push(a);
      if (!a.confirmed) throw { code: "CONFIRM", message: "Accept the decisions of 3 breaks? 1 of them are HIGH or CRITICAL, or above the four-eyes limits: BRK-00002." };
      return { done: [{ break_id: "BRK-00001", outcome: "now RESOLVED" }, { break_id: "BRK-00002", outcome: "now RESOLVED" }], not_done: [{ break_id: "BRK-00003", outcome: "break BRK-00003 is AUTO_RESOLVED" }] };
    }
    return null;
  }, { shouldMockEvents: true });
  let done = 0;
  render(<BulkBar selected={["BRK-00001", "BRK-00002", "BRK-00003"]} onDone={() => done++} />);
  fireEvent.click(screen.getByTestId("bulk-accept"));
  await waitFor(() => expect(screen.getByTestId("bulk-confirm").textContent).toContain("1 of them are HIGH or CRITICAL"));
  expect(done).toBe(0);
  fireEvent.click(screen.getByTestId("bulk-confirm-yes"));
  await waitFor(() => expect(screen.getByTestId("bulk-result").textContent).toBe("Accepted: 2 of 3; not done: BRK-00003 (break BRK-00003 is AUTO_RESOLVED)"));
  expect(calls.map((c) => [c.breakIds.length, c.action.kind, c.confirmed])).toEqual([[3, "ACCEPT", false], [3, "ACCEPT", true]]);
  expect(done).toBe(1);
});
