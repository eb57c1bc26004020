import { cleanup, render, screen, fireEvent, waitFor } from "@testing-library/react";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import { ProcessBar } from "./ProcessBar";

afterEach(() => {
  cleanup(); // unmount (and unlisten) while the event mocks still exist
  clearMocks();
});

test("processing all NEW breaks calls Rust and shows how many were processed", async () => {
  const calls: { cmd: string; args: unknown }[] = [];
  mockIPC((cmd, args) => {
    calls.push({ cmd, args });
    if (cmd === "process") return { processed: 12, not_started: 0, cancelled: false, waiting_left: 0, claimed_elsewhere: 0, auto_resolved: 7, to_review: 4, escalated: 1 };
    return null;
  }, { shouldMockEvents: true });
  const onDone = vi.fn();
  render(<ProcessBar selected={[]} onDone={onDone} />);
  fireEvent.click(screen.getByText("Process all NEW (v2)"));
  await waitFor(() => expect(screen.getByTestId("process-result").textContent).toBe("12 processed: 7 auto-resolved, 4 to review, 1 escalated"));
  expect(calls.find((c) => c.cmd === "process")?.args).toEqual({ breakIds: [], mode: "v2", rerunWaiting: false });
  expect(onDone).toHaveBeenCalled();
});

test("an error from Rust is shown as its message", async () => {
  mockIPC((cmd) => {
    if (cmd === "process") throw { code: "BUSY", message: "a batch is already running" };
    return null;
  }, { shouldMockEvents: true });
  render(<ProcessBar selected={["BRK-1"]} onDone={() => {}} />);
  fireEvent.click(screen.getByText("Process 1 selected with v1 (compare)"));
  await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("a batch is already running"));
  expect(screen.getByRole("alert").textContent).toContain("BUSY");
});

test("selected breaks waiting for a person are not re-decided until the reviewer asks", async () => {
  const calls: { cmd: string; args: any }[] = [];
  mockIPC((cmd, args) => {
    calls.push({ cmd, args });
    if (cmd === "process") {
      const rerun = (args as any).rerunWaiting;
      return { processed: rerun ? 2 : 0, not_started: 0, cancelled: false, waiting_left: rerun ? 0 : 2, claimed_elsewhere: 0, auto_resolved: 0, to_review: rerun ? 2 : 0, escalated: 0 };
    }
    return null;
  }, { shouldMockEvents: true });
  render(<ProcessBar selected={["BRK-1", "BRK-2"]} onDone={() => {}} />);
  fireEvent.click(screen.getByText("Process 2 selected (v2)"));
  await waitFor(() => expect(screen.getByTestId("process-result").textContent).toContain("2 waiting for a person not re-decided"));
  fireEvent.click(screen.getByTestId("rerun-waiting"));
  await waitFor(() => expect(screen.getByTestId("process-result").textContent).toBe("2 processed: 0 auto-resolved, 2 to review, 0 escalated"));
  expect(calls.filter((c) => c.cmd === "process").map((c) => c.args.rerunWaiting)).toEqual([false, true]);
});

test("under a filter, processing without a selection runs the NEW breaks the filter shows, not every NEW break", async () => {
  const calls: { cmd: string; args: unknown }[] = [];
  mockIPC((cmd, args) => {
    calls.push({ cmd, args });
    if (cmd === "process_matching") return { processed: 3, not_started: 0, cancelled: false, waiting_left: 0, claimed_elsewhere: 0, auto_resolved: 3, to_review: 0, escalated: 0 };
    return null;
  }, { shouldMockEvents: true });
  const filter = { break_type: "CASH_RECONCILIATION", tier: null, status: null, decision: null, assignee: null, search: null, min_age_days: null, max_age_days: null, sort: "break_id" as const, descending: false };
  const { rerender } = render(<ProcessBar selected={[]} filter={filter} onDone={() => {}} />);
  fireEvent.click(screen.getByText("Process NEW matching the filter (v2)"));
  await waitFor(() => expect(screen.getByTestId("process-result").textContent).toBe("3 processed: 3 auto-resolved, 0 to review, 0 escalated"));
  expect(calls.map((c) => c.cmd)).not.toContain("process");
  expect(calls.find((c) => c.cmd === "process_matching")?.args).toEqual({ filter, mode: "v2" });
  // A selection still wins: the rows the person ticked.
  rerender(<ProcessBar selected={["BRK-7"]} filter={filter} onDone={() => {}} />);
  expect(screen.getByText("Process 1 selected (v2)")).toBeTruthy();
});
