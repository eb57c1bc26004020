import dagre from "@dagrejs/dagre";
import type { AgentKind, CheckpointDto, NodeDto, NodeStatus, PlanOutline, SkipKind } from "../api";

/** A node as the graph draws it: a run's, or a plan's, whose agents are PLANNED (a status that
 * only plans have). */
export type GraphNode = Omit<NodeDto, "status" | "waited_us" | "at_us"> & { status: NodeStatus | "PLANNED"; waited_us: number | null };
export type GraphCheckpoint = Omit<CheckpointDto, "at_us"> & { at_us: number | null };

/** What the graph draws: a run, or a plan shaped like one (see `planAsGraph`). */
export type GraphInput = { nodes: GraphNode[]; checkpoints: GraphCheckpoint[] };

/** The seven agents in v1's order. A record over the Rust enum: an agent added or renamed in
 * Rust fails `tsc` here until it has its place. */
const AGENT_ORDER: Record<AgentKind, number> = { INGESTION: 0, ENRICHMENT: 1, MATCHING: 2, RULES: 3, PATTERN: 4, DECISIONING: 5, WORKFLOW: 6 };
export const AGENTS = (Object.keys(AGENT_ORDER) as AgentKind[]).sort((a, b) => AGENT_ORDER[a] - AGENT_ORDER[b]);

/** Whether a name from a policy text (which may be misspelt) is one of the agents. */
export const isAgent = (name: string): name is AgentKind => Object.prototype.hasOwnProperty.call(AGENT_ORDER, name);

/** A plan drawn with the run graph: agents in the plan are PLANNED, the rest not in policy;
 * its checkpoints sit on the agent they follow (on each, for one that waits for several). */
export function planAsGraph(plan: PlanOutline): GraphInput {
  const inPlan = new Map(plan.agents.map((a) => [a.agent, a]));
  return {
    nodes: AGENTS.map((agent): GraphNode => ({
      agent,
      status: inPlan.has(agent) ? "PLANNED" : "SKIPPED",
      planned: inPlan.has(agent),
      depends_on: (inPlan.get(agent)?.depends_on ?? []).filter(isAgent).filter((d) => inPlan.has(d)),
      started_us: null, finished_us: null, waited_us: null, attempts: 0, output: null, error: null,
      skip_reason: inPlan.has(agent) ? null : "not in this plan",
      skip_kind: inPlan.has(agent) ? null : "NOT_IN_POLICY",
    })),
    checkpoints: plan.checkpoints.flatMap((c) => c.after.filter(isAgent).map((after): GraphCheckpoint => ({ id: c.id, after_agent: after, condition: c.when, fired: false, error: null, at_us: null }))),
  };
}

export type LaidOutNode = { id: string; x: number; y: number; width: number; height: number; node: GraphNode; firedCheckpoint: string | null; checkpointsHere: string[]; critical: boolean };

/** Lays the seven agents out left to right by their dependencies (dagre). Agents not in the
 * plan are placed in a row below, so every run shows all seven. */
export function layoutRun(run: GraphInput, critical: string[] = [], direction: "LR" | "TB" = "LR"): { nodes: LaidOutNode[]; edges: { from: string; to: string; critical: boolean }[] } {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: direction, nodesep: 30, ranksep: direction === "LR" ? 70 : 40 });
  g.setDefaultEdgeLabel(() => ({}));
  const planned = run.nodes.filter((n) => n.planned);
  const fired = run.checkpoints.find((c) => c.fired);
  // A node grows by a line or three per checkpoint label it shows (ids are long and wrap), so
  // dagre is told its real height and the next node does not overlap it.
  const labels = (n: GraphNode) => (n.status === "PLANNED" ? run.checkpoints.filter((c) => c.after_agent === n.agent).length : fired?.after_agent === n.agent ? 1 : 0);
  const height = (n: GraphNode) => 74 + 36 * labels(n);
  planned.forEach((n) => g.setNode(n.agent, { width: 170, height: height(n) }));
  const onPath = (a: string, b: string) => critical.indexOf(b) > 0 && critical[critical.indexOf(b) - 1] === a;
  const edges = planned.flatMap((n) => n.depends_on.map((d) => ({ from: d, to: n.agent, critical: onPath(d, n.agent) })));
  edges.forEach((e) => g.setEdge(e.from, e.to));
  dagre.layout(g);
  const maxY = Math.max(0, ...planned.map((n) => g.node(n.agent).y + g.node(n.agent).height / 2 - 37));
  let extra = 0;
  const nodes = run.nodes.map((n) => {
    const firedCheckpoint = fired && fired.after_agent === n.agent ? fired.id : null;
    const checkpointsHere = run.checkpoints.filter((c) => c.after_agent === n.agent).map((c) => c.id);
    const base = { width: 170, height: height(n), node: n, firedCheckpoint, checkpointsHere, critical: critical.includes(n.agent) };
    if (n.planned) {
      const p = g.node(n.agent);
      return { id: n.agent, x: p.x - 85, y: p.y - p.height / 2, ...base };
    }
    return { id: n.agent, x: (extra++) * 190, y: maxY + 90, ...base };
  });
  return { nodes, edges };
}

/** Colour per status (and skip kind), shared by the graph, the timeline and the legend. */
export function statusColor(n: Pick<GraphNode, "status" | "skip_kind">): string {
  switch (n.status) {
    case "COMPLETED": return "var(--ok)";
    case "FAILED": case "TIMED_OUT": return "var(--bad)";
    case "CANCELLED": return "var(--warn)";
    case "PLANNED": return "var(--accent)";
    default: return n.skip_kind === "NOT_IN_POLICY" ? "var(--border)" : n.skip_kind === "UPSTREAM_FAILED" ? "var(--bad)" : "var(--skip)";
  }
}

/** Words for each skip kind (a record over the Rust enum, so none is missing). */
const SKIP_LABEL: Record<SkipKind, string> = { NOT_IN_POLICY: "not in policy", EARLY_EXIT: "skipped: early exit", UPSTREAM_FAILED: "upstream failed", BATCH_CANCELLED: "batch cancelled", BUDGET: "skipped: budget" };

export function statusLabel(n: Pick<GraphNode, "status" | "skip_kind">): string {
  if (n.status === "PLANNED") return "in plan";
  if (n.status !== "SKIPPED") return n.status.replace("_", " ").toLowerCase();
  return n.skip_kind ? SKIP_LABEL[n.skip_kind] : "skipped";
}
