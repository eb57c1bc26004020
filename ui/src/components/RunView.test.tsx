import { render, screen } from "@testing-library/react";
import type { RunDto } from "../api";
import { RunView } from "./RunView";
import { Timeline, tickStep } from "./Timeline";

const base = {
  run_id: "7", mode: "v2", policy_key: "TRADE_OMS_MISMATCH/LOW", policy_version: "abcdef012345", started_at: "2026-11-21T00:00:00Z", wall_us: 10, max_parallel: 3,
  agents_planned: 1, agents_invoked: 1, emulated_latency: false,
  profile: { exposure: "3", base_currency: "USD", tier: "LOW", exposure_tier: "LOW", age_days: 0, materiality: 0, urgency: 0, hints: [], asset_class: "CASH", exposure_basis: "from the declared amount" },
  nodes: [{ agent: "INGESTION", status: "COMPLETED", planned: true, depends_on: [], started_us: 1, finished_us: 2, waited_us: 0, attempts: 1, output: null, error: null, skip_reason: null, skip_kind: null }],
  checkpoints: [],
  modelled_ms: 150, modelled_cost: "0.008", modelled: [{ agent: "INGESTION", start_ms: 0, finish_ms: 150 }], llm_calls: [], measured_cost: null,
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

test("instant agents: the Gantt shows the modelled run on a readable ms axis, and the real time labelled as such", () => {
  const run = {
    ...base, wall_us: 212, agents_invoked: 3,
    nodes: ["INGESTION", "MATCHING", "RULES"].map((agent, i) => ({ ...base.nodes[0], agent, depends_on: i ? ["INGESTION"] : [], started_us: 10 * i, finished_us: 10 * i + 5 })),
    modelled_ms: 550, modelled_cost: "0.042",
    modelled: [{ agent: "INGESTION", start_ms: 0, finish_ms: 150 }, { agent: "MATCHING", start_ms: 150, finish_ms: 550 }, { agent: "RULES", start_ms: 150, finish_ms: 500 }],
  } as unknown as RunDto;
  render(<RunView run={{ ...run, decision: { action: "AUTO_RESOLVE", confidence: 0.9, rationale: [], decided_by: "checkpoint", at: "", holds: [] } } as RunDto} />);
  expect(screen.getByTestId("run-cost").textContent).toBe(" · modelled 550 ms, $0.042 · real 0.21 ms");
  expect(screen.getByTestId("timeline-kind").textContent).toContain("Modelled time: 550 ms");
  expect(screen.getByTestId("timeline-kind").textContent).toContain("Real time of these built-in agents: 0.21 ms");
  const ticks = Array.from(screen.getByTestId("timeline-axis").querySelectorAll("span")).map((e) => e.textContent);
  expect(ticks).toEqual(["0", "100", "200", "300", "400", "500", "ms"]);
  expect(screen.getByTitle("MATCHING: 150–550 ms")).toBeTruthy();
});

test("emulated latency: the Gantt shows the real run with its waits", () => {
  const run = {
    ...base, emulated_latency: true, wall_us: 900_000,
    nodes: [{ ...base.nodes[0], started_us: 100_000, finished_us: 250_000, waited_us: 100_000 }],
  } as unknown as RunDto;
  render(<Timeline run={run} />);
  expect(screen.getByTestId("timeline-kind").textContent).toBe("Real time, with emulated agent latency: 900 ms.");
  expect(screen.getByTitle("waited 100 ms for a slot")).toBeTruthy();
  expect(tickStep(0.04)).toBe(0.01);
  expect(tickStep(2500)).toBe(250);
});

test("the graph's agents are visible before React Flow measures them (a measurement that never comes left it blank)", async () => {
  // jsdom lays nothing out and its ResizeObserver never reports: no node is ever measured here.
  const run = { ...base, decision: { action: "AUTO_RESOLVE", confidence: 0.95, rationale: [], decided_by: "checkpoint", at: "", holds: [] } } as RunDto;
  render(<RunView run={run} />);
  const nodes = await screen.findAllByTestId("rf__node-INGESTION");
  expect(nodes.length).toBe(1);
  expect((nodes[0] as HTMLElement).style.visibility).toBe("visible");
});
