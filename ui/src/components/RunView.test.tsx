import { render, screen } from "@testing-library/react";
import type { RunDto } from "../api";
import { RunView } from "./RunView";

const base = {
  run_id: "7", mode: "v2", policy_key: "TRADE_OMS_MISMATCH/LOW", policy_version: "abcdef012345", started_at: "2026-11-21T00:00:00Z", wall_us: 10, max_parallel: 3,
  agents_planned: 1, agents_invoked: 1, emulated_latency: false,
  profile: { exposure: "3", base_currency: "USD", tier: "LOW", exposure_tier: "LOW", age_days: 0, materiality: 0, urgency: 0, hints: [], asset_class: "CASH", exposure_basis: "from the declared amount" },
  nodes: [{ agent: "INGESTION", status: "COMPLETED", planned: true, depends_on: [], started_us: 1, finished_us: 2, waited_us: 0, attempts: 1, output: null, error: null, skip_reason: null, skip_kind: null }],
  checkpoints: [],
} as unknown as RunDto;

test("a held run says why, in the engine's words", () => {
  const held = ["the break's records are inconsistent: break amount 1.00 is not internal minus external (3)"];
  render(<RunView run={{ ...base, decision: { action: "HIL_REVIEW", confidence: 0.95, rationale: [], decided_by: "checkpoint x after RULES", at: "", holds: held } } as RunDto} />);
  expect(screen.getByTestId("holds").textContent).toContain("Held for review because");
  expect(screen.getByTestId("holds").textContent).toContain(held[0]);
});

test("a clean run shows no hold", () => {
  render(<RunView run={{ ...base, decision: { action: "AUTO_RESOLVE", confidence: 0.95, rationale: [], decided_by: "checkpoint", at: "", holds: [] } } as RunDto} />);
  expect(screen.queryByTestId("holds")).toBeNull();
});
