import dagre from "@dagrejs/dagre";
import type { RunDto } from "../api";

export type LaidOutNode = { id: string; x: number; y: number; node: RunDto["nodes"][number]; firedCheckpoint: string | null };

/** Lays the seven agents out left to right by their dependencies (dagre). Agents not in the
 * plan are placed in a row below, so every run shows all seven. */
export function layoutRun(run: RunDto): { nodes: LaidOutNode[]; edges: { from: string; to: string }[] } {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "LR", nodesep: 30, ranksep: 70 });
  g.setDefaultEdgeLabel(() => ({}));
  const planned = run.nodes.filter((n) => n.planned);
  planned.forEach((n) => g.setNode(n.agent, { width: 170, height: 74 }));
  const edges = planned.flatMap((n) => n.depends_on.map((d) => ({ from: d, to: n.agent })));
  edges.forEach((e) => g.setEdge(e.from, e.to));
  dagre.layout(g);
  const fired = run.checkpoints.find((c) => c.fired);
  const maxY = Math.max(0, ...planned.map((n) => g.node(n.agent).y));
  let extra = 0;
  const nodes = run.nodes.map((n) => {
    const firedCheckpoint = fired && fired.after_agent === n.agent ? fired.id : null;
    if (n.planned) {
      const p = g.node(n.agent);
      return { id: n.agent, x: p.x - 85, y: p.y - 37, node: n, firedCheckpoint };
    }
    return { id: n.agent, x: (extra++) * 190, y: maxY + 90, node: n, firedCheckpoint };
  });
  return { nodes, edges };
}

/** Colour per status (and skip kind), shared by the graph, the timeline and the legend. */
export function statusColor(n: RunDto["nodes"][number]): string {
  switch (n.status) {
    case "COMPLETED": return "var(--ok)";
    case "FAILED": case "TIMED_OUT": return "var(--bad)";
    case "CANCELLED": return "var(--warn)";
    default: return n.skip_kind === "NOT_IN_POLICY" ? "var(--border)" : n.skip_kind === "UPSTREAM_FAILED" ? "var(--bad)" : "var(--skip)";
  }
}

export function statusLabel(n: RunDto["nodes"][number]): string {
  if (n.status !== "SKIPPED") return n.status.replace("_", " ").toLowerCase();
  return { NOT_IN_POLICY: "not in policy", EARLY_EXIT: "skipped: early exit", UPSTREAM_FAILED: "upstream failed", BATCH_CANCELLED: "batch cancelled" }[n.skip_kind ?? ""] ?? "skipped";
}
