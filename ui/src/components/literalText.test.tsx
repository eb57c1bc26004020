import { render, screen, cleanup } from "@testing-library/react";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
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
  const files: string[] = [];
  const walk = (d: string) => readdirSync(d).forEach((f) => { const p = join(d, f); if (statSync(p).isDirectory()) walk(p); else if (/\.tsx?$/.test(f) && !/\.test\./.test(f)) files.push(p); });
  walk(join(__dirname, ".."));
  const raw = files.filter((f) => /dangerouslySetInnerHTML|\.innerHTML\s*=|insertAdjacentHTML/.test(readFileSync(f, "utf8")));
  expect(raw).toEqual([]);
});
