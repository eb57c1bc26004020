/// <reference types="vite/client" />
import { render, screen, cleanup } from "@testing-library/react";
import { BreakFacts } from "./BreakFacts";

afterEach(cleanup);

const HOSTILE = `"><img src=x onerror=alert(1)><script>alert(2)</script>`;

test("text from a break file is shown as text, never as markup", () => {
  const side = { reference: HOSTILE, amount: null, quantity: null, price: null, settle_date: null };
  const brk = {
    break_id: `BRK-${HOSTILE}`, break_type: "CASH_RECONCILIATION", asset_class: null, amount: "1.00", currency: "USD", trade_date: null, detected_at: null,
    counterparty: HOSTILE, account: null, instrument_id: null, description: HOSTILE, internal: side, external: side,
  };
  const { container } = render(<BreakFacts brk={brk} profile={null} />);
  expect(container.querySelector("img")).toBeNull();
  expect(container.querySelector("script")).toBeNull();
  expect(screen.getAllByText(HOSTILE, { exact: false }).length).toBeGreaterThan(0);
});

test("no component renders raw HTML", () => {
  const sources = import.meta.glob(["../**/*.{ts,tsx}", "!../**/*.test.*"], { query: "?raw", import: "default", eager: true }) as Record<string, string>;
  expect(Object.keys(sources).length).toBeGreaterThan(10);
  const raw = Object.entries(sources).filter(([, text]) => /dangerouslySetInnerHTML|\.innerHTML\s*=|insertAdjacentHTML/.test(text)).map(([f]) => f);
  expect(raw).toEqual([]);
});
