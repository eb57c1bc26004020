import { cleanup, render, screen, fireEvent, waitFor } from "@testing-library/react";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import { Audit } from "./Audit";

afterEach(() => {
  cleanup();
  clearMocks();
});

const entry = (seq: number, subject: string, summary: string) => ({
  seq, at: "2026-12-01T10:00:00.000Z", kind: "HUMAN_ACTION", actor: "ann", subject, payload: `{"action":{"kind":"ACCEPT"},"from":"ESCALATED","to":"RESOLVED"}`, hash: `h${seq}`, summary,
});

test("the log reads in words, searches one break through Rust, and shows an entry's stored payload on a click", async () => {
  const queries: { subject: string | null; before: number | null }[] = [];
  mockIPC((cmd, args) => {
    if (cmd === "filter_options") return { break_types: [], tiers: [], statuses: [], decisions: [], event_kinds: ["RUN", "HUMAN_ACTION"], export_formats: ["html"], agents: [], people: [] };
    if (cmd === "audit_log") {
      const q = (args as { query: (typeof queries)[number] }).query;
      queries.push(q);
      return q.subject === "BRK-00042"
        ? [entry(9, "BRK-00042", "Accepted the decision on BRK-00042: ESCALATED → RESOLVED.")]
        : [entry(10, "BRK-00001", "Comment \"seen\" on BRK-00001: NEW → NEW."), entry(9, "BRK-00042", "Accepted the decision on BRK-00042: ESCALATED → RESOLVED.")];
    }
    return null;
  }, { shouldMockEvents: true });
  render(<Audit />);
  await waitFor(() => expect(screen.getAllByTestId("audit-row")).toHaveLength(2));
  expect(screen.getByText("Comment \"seen\" on BRK-00001: NEW → NEW.")).toBeTruthy();
  fireEvent.change(screen.getByTestId("audit-search"), { target: { value: " BRK-00042 " } });
  await waitFor(() => expect(screen.getAllByTestId("audit-row")).toHaveLength(1));
  expect(queries[queries.length - 1]).toMatchObject({ subject: "BRK-00042", before: null });
  expect(screen.queryByTestId("audit-payload")).toBeNull();
  fireEvent.click(screen.getAllByTestId("audit-row")[0]);
  expect(screen.getByTestId("audit-payload").textContent).toContain(`"from":"ESCALATED"`);
  expect(screen.getByTestId("audit-payload").textContent).toContain("hash h9");
});
