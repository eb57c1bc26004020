import { planAsGraph, layoutRun, statusLabel } from "./graphLayout";
import type { RunDto } from "../api";

const node = (agent: string, planned: boolean, depends_on: string[], status = "COMPLETED", skip_kind: string | null = null) => ({
  agent, status, planned, depends_on, started_us: status === "COMPLETED" ? 1 : null, finished_us: status === "COMPLETED" ? 2 : null,
  waited_us: 0, attempts: 1, output: null, error: null, skip_reason: skip_kind ? "why" : null, skip_kind,
});

const run = {
  run_id: "1", mode: "v2", policy_key: "CASH_RECONCILIATION/LOW", policy_version: "abc", started_at: "", wall_us: 10, max_parallel: 3,
  agents_planned: 5, agents_invoked: 3, emulated_latency: false,
  profile: { exposure: "1", base_currency: "USD", tier: "LOW", exposure_tier: "LOW", age_days: 0, materiality: 0, urgency: 0, hints: [], asset_class: "CASH", exposure_basis: "from the declared amount" },
  nodes: [
    node("INGESTION", true, []),
    node("ENRICHMENT", true, ["INGESTION"]),
    node("MATCHING", false, [], "SKIPPED", "NOT_IN_POLICY"),
    node("RULES", true, ["ENRICHMENT"]),
    node("PATTERN", false, [], "SKIPPED", "NOT_IN_POLICY"),
    node("DECISIONING", true, ["RULES"], "SKIPPED", "EARLY_EXIT"),
    node("WORKFLOW", true, ["DECISIONING"], "SKIPPED", "EARLY_EXIT"),
  ],
  checkpoints: [{ id: "cash_low_within_tolerance", after_agent: "RULES", condition: "rules.explained", fired: true, error: null, at_us: 5 }],
  decision: { action: "AUTO_RESOLVE", confidence: 0.97, rationale: [], decided_by: "checkpoint", at: "", holds: [] },
  modelled_ms: 900, modelled_cost: "0.042", modelled: [], llm_calls: [], measured_cost: null,
} as RunDto;

test("planned agents flow left to right; agents outside the plan sit in a row below", () => {
  const { nodes, edges } = layoutRun(run);
  const at = (a: string) => nodes.find((n) => n.id === a)!;
  expect(at("ENRICHMENT").x).toBeGreaterThan(at("INGESTION").x);
  expect(at("WORKFLOW").x).toBeGreaterThan(at("DECISIONING").x);
  expect(at("MATCHING").y).toBeGreaterThan(at("RULES").y);
  expect(edges).toContainEqual({ from: "RULES", to: "DECISIONING", critical: false });
  expect(nodes).toHaveLength(7);
});

test("a node showing a checkpoint is laid out at its real height, so its neighbour does not overlap it", () => {
  // RULES and PATTERN side by side; RULES carries the fired checkpoint's label.
  const side = { ...run, nodes: run.nodes.map((n) => (n.agent === "PATTERN" ? node("PATTERN", true, ["INGESTION"]) : n.agent === "RULES" ? node("RULES", true, ["INGESTION"]) : n)) } as RunDto;
  const { nodes } = layoutRun(side);
  const [upper, lower] = ["RULES", "PATTERN"].map((a) => nodes.find((n) => n.id === a)!).sort((a, b) => a.y - b.y);
  const upperHeight = upper.id === "RULES" ? 74 + 36 : 74;
  expect(lower.y).toBeGreaterThanOrEqual(upper.y + upperHeight);
});

test("the checkpoint that fired is drawn on the agent it followed", () => {
  const { nodes } = layoutRun(run);
  expect(nodes.filter((n) => n.firedCheckpoint).map((n) => n.id)).toEqual(["RULES"]);
  expect(statusLabel(run.nodes[5])).toBe("skipped: early exit");
  expect(statusLabel(run.nodes[2])).toBe("not in policy");
});

test("a plan is drawn with its checkpoints on their agent and its critical path marked", () => {
  const plan = {
    break_type: "CASH_RECONCILIATION", tier: "LOW", description: "", max_parallel: null, fallback: "HIL_REVIEW",
    agents: [
      { agent: "INGESTION", depends_on: [], reads: [], timeout_ms: null, retries: null },
      { agent: "RULES", depends_on: ["INGESTION"], reads: [], timeout_ms: null, retries: null },
      { agent: "PATTERN", depends_on: ["INGESTION"], reads: [], timeout_ms: null, retries: null },
    ],
    checkpoints: [
      { id: "cash_low", after: ["RULES"], when: "rules.explained", decision: "AUTO_RESOLVE", confidence: 0.9, fields: [] },
      { id: "both", after: ["RULES", "PATTERN"], when: "true", decision: "HIL_REVIEW", confidence: 0.9, fields: [] },
    ],
    critical_path: ["INGESTION", "PATTERN"], critical_path_ms: 600,
  };
  const g = planAsGraph(plan);
  expect(g.nodes).toHaveLength(7);
  expect(g.nodes.filter((n) => n.planned).map((n) => n.agent)).toEqual(["INGESTION", "RULES", "PATTERN"]);
  const { nodes, edges } = layoutRun(g, plan.critical_path);
  expect(nodes.find((n) => n.id === "RULES")!.checkpointsHere).toEqual(["cash_low", "both"]);
  // a checkpoint after several agents sits on each of them
  expect(nodes.find((n) => n.id === "PATTERN")!.checkpointsHere).toEqual(["both"]);
  expect(nodes.find((n) => n.id === "PATTERN")!.critical).toBe(true);
  expect(nodes.find((n) => n.id === "RULES")!.critical).toBe(false);
  expect(edges).toContainEqual({ from: "INGESTION", to: "PATTERN", critical: true });
  expect(edges).toContainEqual({ from: "INGESTION", to: "RULES", critical: false });
});
