import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import { api, onDataChanged, type BreakRow, type QueueCursor, type QueueFilter } from "../api";

// Small pages: a jump anywhere in 100,000 rows fetches only the one or two pages now in view.
const PAGE = 100;

/** A queue filter without its page: what a screen chooses. */
export type QueueQuery = Omit<QueueFilter, "offset" | "limit" | "after">;

/** The queue as a sparse, paged list: pages are fetched when rows near them become visible,
 * so a million breaks cost a few pages of memory. The total is asked once per query (and per
 * data change), not per page. A page that follows one already read starts at that page's
 * cursor (an index range in Rust, as fast at the millionth row as at the first); a jump (the
 * scrollbar dragged far) asks by offset. A new query starts from nothing; a new `version` (the
 * same query after data changed) keeps showing the rows it has, and the total, until fresh
 * pages replace them, so the list neither blanks nor jumps back to the top. */
export function useQueuePages(query: QueueQuery, version: number) {
  const [total, setTotal] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const pages = useRef(new Map<number, BreakRow[]>());
  // Where the page after each page read starts (null: that page was the last).
  const nexts = useRef(new Map<number, QueueCursor | null>());
  const inflight = useRef(new Set<number>());
  // Pages shown from before the last reload, fetched again when in view.
  const stale = useRef(new Set<number>());
  const loadedKey = useRef<string | null>(null);
  // Replies to an older query (typing fast) must not land in the new one's pages.
  const generation = useRef(0);
  const [, bump] = useState(0);
  const key = JSON.stringify(query);

  const fetchPage = useCallback(
    (p: number) => {
      if ((pages.current.has(p) && !stale.current.has(p)) || inflight.current.has(p)) return;
      const gen = generation.current;
      const inflightNow = inflight.current;
      inflightNow.add(p);
      const after = p > 0 ? nexts.current.get(p - 1) : undefined;
      const page = after ? { ...query, after, offset: 0, limit: PAGE } : { ...query, after: null, offset: p * PAGE, limit: PAGE };
      api
        .queue(page)
        .then(
          (r) => {
            if (gen !== generation.current) return;
            pages.current.set(p, r.rows);
            nexts.current.set(p, r.next);
            stale.current.delete(p);
            bump((n) => n + 1);
          },
          (e) => gen === generation.current && setError(e),
        )
        .finally(() => inflightNow.delete(p));
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [key],
  );

  useEffect(() => {
    generation.current += 1;
    inflight.current = new Set();
    if (loadedKey.current === key) {
      stale.current = new Set(pages.current.keys());
    } else {
      loadedKey.current = key;
      pages.current = new Map();
      nexts.current = new Map();
      stale.current = new Set();
      setTotal(null);
    }
    setError(null);
    const gen = generation.current;
    api.queueCount({ ...query, after: null, offset: 0, limit: PAGE }).then(
      (n) => gen === generation.current && setTotal(n),
      (e) => gen === generation.current && setError(e),
    );
    fetchPage(0);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [fetchPage, version, key]);

  const rowAt = (i: number): BreakRow | undefined => pages.current.get(Math.floor(i / PAGE))?.[i % PAGE];
  const ensure = (from: number, to: number) => {
    for (let p = Math.floor(from / PAGE); p <= Math.floor(to / PAGE); p++) fetchPage(p);
  };
  return { total, error, rowAt, ensure };
}

/** useQueuePages under a virtualizer: the pages of the rows in view are fetched as they scroll
 * in, and the list reloads (keeping its rows and scroll) when Rust says data changed. Attach
 * `scroller` to the scrolling element, which must stay mounted. */
export function useVirtualQueue(query: QueueQuery, rowHeight: number) {
  const [version, setVersion] = useState(0);
  const pages = useQueuePages(query, version);
  const scroller = useRef<HTMLDivElement>(null);
  // The table's sticky header sits above the rows inside the scrolling element: the rows start
  // that far down (scrollMargin), and a row scrolled to the top must land below the header, not
  // under it (scrollPaddingStart). Without them a cursor moved down stops a header's height
  // below the visible list.
  const [head, setHead] = useState(rowHeight);
  useLayoutEffect(() => {
    const h = scroller.current?.querySelector<HTMLElement>(".head")?.offsetHeight;
    if (h) setHead(h);
  }, []);
  // initialRect: rows render before the first measurement (and in tests, which have no layout).
  const virtualizer = useVirtualizer({
    count: pages.total ?? 0, getScrollElement: () => scroller.current, estimateSize: () => rowHeight, overscan: 8, initialRect: { width: 1000, height: 600 },
    scrollMargin: head, scrollPaddingStart: head,
  });
  const items = virtualizer.getVirtualItems();
  /** Where a row is drawn inside the rows' box (below the header). */
  const top = (it: { start: number }) => it.start - head;
  const { ensure } = pages;
  useEffect(() => {
    if (items.length) ensure(items[0].index, items[items.length - 1].index);
  });
  const reload = useCallback(() => setVersion((n) => n + 1), []);
  useEffect(() => onDataChanged(reload), [reload]);
  return { ...pages, scroller, virtualizer, items, reload, top };
}
