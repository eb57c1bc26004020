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

function Reloading({ version }: { version: number }) {
  const { total, rowAt } = useQueuePages({ sort: "break_id", descending: false }, version);
  return <div data-testid="state">{total ?? "loading"}:{rowAt(0)?.break_id ?? "none"}</div>;
}

test("a reload of the same query keeps the rows and the total on screen until fresh ones arrive", async () => {
  let total = 400;
  mockIPC(async (cmd) => {
    if (cmd !== "queue") return null;
    await new Promise((r) => setTimeout(r, 30));
    return { rows: [{ break_id: `BRK-${total}` }], total, offset: 0 };
  });
  const { rerender } = render(<Reloading version={0} />);
  await waitFor(() => expect(screen.getByTestId("state").textContent).toBe("400:BRK-400"));
  total = 399; // a break was accepted and left the list
  rerender(<Reloading version={1} />);
  expect(screen.getByTestId("state").textContent).toBe("400:BRK-400");
  await waitFor(() => expect(screen.getByTestId("state").textContent).toBe("399:BRK-399"));
});
