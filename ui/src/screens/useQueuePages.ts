import { useCallback, useEffect, useLayoutEffect, useRef, useState, type RefObject } from "react";
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

/** useQueuePages under fixed-height rows ([`useFixedRows`]): the pages of the rows in view are fetched as they scroll
 * in, and the list reloads (keeping its rows and scroll) when Rust says data changed. Attach
 * `scroller` to the scrolling element, which must stay mounted. */
export function useVirtualQueue(query: QueueQuery, rowHeight: number) {
  const [version, setVersion] = useState(0);
  const pages = useQueuePages(query, version);
  const scroller = useRef<HTMLDivElement>(null);
  // The table's sticky header sits above the rows inside the scrolling element: the rows start
  // that far down (scrollMargin), and a row scrolled to must land below the header, not under
  // it. Without that a cursor moved down stops a header's height below the visible list.
  const [head, setHead] = useState(rowHeight);
  useLayoutEffect(() => {
    const h = scroller.current?.querySelector<HTMLElement>(".head")?.offsetHeight;
    if (h) setHead(h);
  }, []);
  const virtualizer = useFixedRows({ count: pages.total ?? 0, rowHeight, scroller, scrollMargin: head, overscan: 8 });
  const items = virtualizer.items;
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

/** One row in view: its index, where it starts inside the scrolling element, its height. */
export type RowSlot = { index: number; start: number; size: number };

/** Rows of one fixed height under a scrolling element, `scrollMargin` pixels below its top (the
 * sticky header). Which rows are in view is arithmetic on the scroll offset, so a million rows
 * cost what ten do. (A general virtualizer measured every row first: an array of a million
 * positions, built again on each change of count or header height, which made the first rows of
 * a million-break queue appear about 0.7 s later than those of 100,000.) */
export function useFixedRows(o: { count: number; rowHeight: number; scroller: RefObject<HTMLDivElement | null>; scrollMargin: number; overscan: number }) {
  const { count, rowHeight, scroller, scrollMargin, overscan } = o;
  // Before the first layout (and in tests, which lay nothing out) the view is taken as 600 px.
  const [view, setView] = useState({ top: 0, height: 600 });
  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const read = () => setView((v) => (v.top === el.scrollTop && v.height === (el.clientHeight || 600) ? v : { top: el.scrollTop, height: el.clientHeight || 600 }));
    read();
    el.addEventListener("scroll", read, { passive: true });
    const resized = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(read);
    resized?.observe(el);
    return () => {
      el.removeEventListener("scroll", read);
      resized?.disconnect();
    };
  }, [scroller]);
  const items: RowSlot[] = [];
  if (count > 0) {
    const first = Math.max(0, Math.floor((view.top - scrollMargin) / rowHeight) - overscan);
    const last = Math.min(count - 1, Math.ceil((view.top + view.height - scrollMargin) / rowHeight) + overscan);
    for (let i = first; i <= last; i++) items.push({ index: i, start: scrollMargin + i * rowHeight, size: rowHeight });
  }
  /** Scrolls just enough to show row `index` whole below the header ("auto"), or not at all. */
  const scrollToIndex = (index: number, _opts?: { align: "auto" }) => {
    const el = scroller.current;
    if (!el) return;
    const start = scrollMargin + index * rowHeight;
    const height = el.clientHeight || view.height;
    if (start - scrollMargin < el.scrollTop) el.scrollTop = start - scrollMargin;
    else if (start + rowHeight > el.scrollTop + height) el.scrollTop = start + rowHeight - height;
  };
  return { items, getTotalSize: () => count * rowHeight, scrollToIndex };
}
