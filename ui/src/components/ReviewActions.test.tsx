import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import { ReviewActions } from "./ReviewActions";

afterEach(() => {
  cleanup();
  clearMocks();
});

const options = (people: string[]) => ({
  break_types: [], tiers: [], statuses: [], decisions: ["ESCALATE"], event_kinds: [], export_formats: [], agents: [], people,
});

test("on a team database, a break is assigned to one of its people or groups, chosen, not typed", async () => {
  mockIPC((cmd) => (cmd === "filter_options" ? options(["alice", "bob", "fx_desk"]) : null), { shouldMockEvents: true });
  render(<ReviewActions breakId="BRK-1" status="ESCALATED" onDone={() => {}} />);
  await waitFor(() => expect(screen.getByLabelText("assignee").tagName).toBe("SELECT"));
  const names = [...screen.getByLabelText("assignee").querySelectorAll("option")].map((o) => o.textContent);
  expect(names).toEqual(["Assign to…", "alice", "bob", "fx_desk"]);
});

test("on a database of one's own, any name is typed", async () => {
  mockIPC((cmd) => (cmd === "filter_options" ? options([]) : null), { shouldMockEvents: true });
  render(<ReviewActions breakId="BRK-1" status="ESCALATED" onDone={() => {}} />);
  await waitFor(() => expect(screen.getByLabelText("assignee").tagName).toBe("INPUT"));
});
