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
    const search = (args as { query: { search: string } }).query.search;
    // "BRK" (typed first) answers last.
    await new Promise((r) => setTimeout(r, search === "BRK" ? 80 : 5));
    if (cmd === "queue_count") return search === "BRK" ? 400 : 1;
    if (cmd === "queue") return { rows: [], next: null };
    return null;
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
    await new Promise((r) => setTimeout(r, 30));
    if (cmd === "queue_count") return total;
    if (cmd === "queue") return { rows: [{ break_id: `BRK-${total}` }], next: null };
    return null;
  });
  const { rerender } = render(<Reloading version={0} />);
  await waitFor(() => expect(screen.getByTestId("state").textContent).toBe("400:BRK-400"));
  total = 399; // a break was accepted and left the list
  rerender(<Reloading version={1} />);
  expect(screen.getByTestId("state").textContent).toBe("400:BRK-400");
  await waitFor(() => expect(screen.getByTestId("state").textContent).toBe("399:BRK-399"));
});

function Paging() {
  const { total, rowAt, ensure } = useQueuePages({ sort: "detected_at", descending: false }, 0);
  return (
    <div>
      <div data-testid="paging">{total ?? "loading"}:{rowAt(150)?.break_id ?? "none"}</div>
      <button onClick={() => ensure(150, 160)}>scroll</button>
      <button onClick={() => ensure(900, 910)}>jump</button>
    </div>
  );
}

test("the total is asked once per query; the next page starts at the cursor of the one before, a jump asks by offset", async () => {
  const counts: unknown[] = [];
  const pages: { offset: number; after: { key: string; break_id: string } | null }[] = [];
  mockIPC(async (cmd, args) => {
    const q = (args as { query: { offset: number; after: { key: string; break_id: string } | null } }).query;
    if (cmd === "queue_count") {
      counts.push(q);
      return 1000;
    }
    if (cmd !== "queue") return null;
    pages.push(q);
    const start = q.after ? Number(q.after.break_id.slice(4)) + 1 : q.offset;
    const rows = Array.from({ length: 100 }, (_, i) => ({ break_id: `BRK-${start + i}` }));
    return { rows, next: { key: "2026-11-20", break_id: `BRK-${start + 99}` } };
  });
  render(<Paging />);
  await waitFor(() => expect(screen.getByTestId("paging").textContent).toBe("1000:none"));
  screen.getByText("scroll").click();
  await waitFor(() => expect(screen.getByTestId("paging").textContent).toBe("1000:BRK-150"));
  expect(pages[1]).toMatchObject({ offset: 0, after: { key: "2026-11-20", break_id: "BRK-99" } });
  screen.getByText("jump").click();
  await waitFor(() => expect(pages.length).toBe(3));
  expect(pages[2]).toMatchObject({ offset: 900, after: null });
  expect(counts.length).toBe(1);
});
