import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import { useQueuePages } from "./useQueuePages";

afterEach(() => {
  cleanup();
  clearMocks();
});

function Count({ search }: { search: string }) {
  const { total } = useQueuePages({ search, sort: "break_id", descending: false }, 0);
  return <div data-testid="total">{total ?? "loading"}</div>;
}

test("a slow reply to an older search does not overwrite the newer one", async () => {
  mockIPC(async (cmd, args) => {
    if (cmd !== "queue") return null;
    const search = (args as { query: { search: string } }).query.search;
    // "BRK" (typed first) answers last.
    await new Promise((r) => setTimeout(r, search === "BRK" ? 80 : 5));
    return { rows: [], total: search === "BRK" ? 400 : 1, offset: 0 };
  });
  const { rerender } = render(<Count search="BRK" />);
  rerender(<Count search="BRK-00001" />);
  await waitFor(() => expect(screen.getByTestId("total").textContent).toBe("1"));
  await new Promise((r) => setTimeout(r, 120));
  expect(screen.getByTestId("total").textContent).toBe("1");
});
