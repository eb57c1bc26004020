import { useMemo, useState } from "react";
import { ReactFlow, Background, Handle, Position, type Node, type Edge, type NodeProps } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { layoutRun, statusColor, statusLabel, type GraphInput, type LaidOutNode } from "./graphLayout";

type NodeData = LaidOutNode & { direction: string; picked: boolean };

function AgentNode({ data }: NodeProps<Node<NodeData>>) {
  const n = data.node;
  const outOfPolicy = n.skip_kind === "NOT_IN_POLICY";
  const ms = n.started_us != null && n.finished_us != null ? `${((n.finished_us - n.started_us) / 1000).toFixed(2)} ms` : "";
  return (
    <div className="agent-node" data-agent={n.agent} data-status={n.status} data-skip={n.skip_kind ?? ""}
      data-critical={data.critical ? "yes" : "no"} data-picked={data.picked ? "yes" : "no"}
      style={{
        border: `${data.critical ? 3 : 2}px solid ${outOfPolicy ? "var(--skip)" : statusColor(n)}`,
        boxShadow: data.picked ? "0 0 0 3px var(--accent)" : data.critical ? "0 0 0 2px color-mix(in srgb, var(--accent) 35%, transparent)" : undefined,
        borderStyle: outOfPolicy ? "dotted" : n.status === "SKIPPED" ? "dashed" : "solid",
        background: outOfPolicy ? "color-mix(in srgb, var(--border) 30%, var(--panel))" : "var(--panel)", borderRadius: 8, padding: "6px 8px", width: 170, opacity: outOfPolicy ? 0.8 : 1,
      }}>
      <Handle type="target" position={data.direction === "TB" ? Position.Top : Position.Left} style={{ visibility: "hidden" }} />
      <strong>{n.agent}</strong>
      <div style={{ color: statusColor(n), fontSize: 11 }}>{statusLabel(n)}</div>
      <div className="muted" style={{ fontSize: 11 }}>{ms}{(n.waited_us ?? 0) > 0 ? ` · waited ${((n.waited_us ?? 0) / 1000).toFixed(2)} ms` : ""}</div>
      {data.firedCheckpoint && <div style={{ fontSize: 11, color: "var(--accent)" }}>◆ checkpoint {data.firedCheckpoint} fired</div>}
      {n.status === "PLANNED" && data.checkpointsHere.map((c) => <div key={c} style={{ fontSize: 11, color: "var(--accent)" }} data-testid="plan-checkpoint">◆ {c}</div>)}
      {data.critical && <div style={{ fontSize: 10 }} className="muted">critical path</div>}
      <Handle type="source" position={data.direction === "TB" ? Position.Bottom : Position.Right} style={{ visibility: "hidden" }} />
    </div>
  );
}
const nodeTypes = { agent: AgentNode };

/** The run (or a plan, see `planAsGraph`) as a laid-out DAG; clicking an agent shows its output,
 * error or skip reason. `critical` marks the critical path. */
export function ExecutionGraph({ run, height = 330, critical = [], direction = "LR" }: { run: GraphInput; height?: number; critical?: string[]; direction?: "LR" | "TB" }) {
  const [picked, setPicked] = useState<string | null>(null);
  const { nodes, edges } = useMemo(() => {
    const l = layoutRun(run, critical, direction);
    // The layout's size is each node's size until React Flow measures it: a node without one
    // is drawn `visibility: hidden` until a measurement arrives, and one that never arrives
    // (the graph re-created while hidden) left the graph blank.
    const nodes: Node<NodeData>[] = l.nodes.map((n) => ({
      id: n.id, type: "agent", position: { x: n.x, y: n.y }, initialWidth: n.width, initialHeight: n.height, data: { ...n, direction, picked: n.id === picked }, draggable: false,
    }));
    const edges: Edge[] = l.edges.map((e) => ({ id: `${e.from}-${e.to}`, source: e.from, target: e.to, animated: e.critical, style: e.critical ? { stroke: "var(--accent)", strokeWidth: 2.5 } : undefined }));
    return { nodes, edges };
  }, [run, critical, direction, picked]);
  const node = run.nodes.find((n) => n.agent === picked);
  return (
    <div>
      <div style={{ height }} data-testid="execution-graph">
        {/* Never shrunk past legibility: a long chain (v1's seven) is panned, not squeezed. */}
        <ReactFlow nodes={nodes} edges={edges} nodeTypes={nodeTypes} fitView fitViewOptions={{ minZoom: 0.6 }} proOptions={{ hideAttribution: true }}
          nodesConnectable={false} onNodeClick={(_, n) => setPicked(n.id)} minZoom={0.3}>
          <Background />
        </ReactFlow>
      </div>
      <Legend />
      {node && (
        <div className="panel" data-testid="node-detail">
          <strong>{node.agent}</strong> — {statusLabel(node)} {node.attempts > 0 && <span className="muted">({node.attempts} attempt{node.attempts > 1 ? "s" : ""})</span>}
          {node.skip_reason && <p data-testid="skip-reason">Reason: {node.skip_reason}</p>}
          {node.error && <p className="error">{node.error}</p>}
          {node.output && <pre>{node.output}</pre>}
        </div>
      )}
    </div>
  );
}

const LEGEND: { label: string; status: GraphInput["nodes"][number]["status"]; skip?: GraphInput["nodes"][number]["skip_kind"] }[] = [
  { label: "completed", status: "COMPLETED" },
  { label: "failed / timed out", status: "FAILED" },
  { label: "cancelled", status: "CANCELLED" },
  { label: "skipped: early exit", status: "SKIPPED", skip: "EARLY_EXIT" },
  { label: "upstream failed", status: "SKIPPED", skip: "UPSTREAM_FAILED" },
  { label: "not in policy", status: "SKIPPED", skip: "NOT_IN_POLICY" },
];

/** What the graph's borders and marks mean, drawn with the colours the graph uses. */
function Legend() {
  return (
    <div className="muted" data-testid="graph-legend" style={{ display: "flex", flexWrap: "wrap", gap: "4px 14px", fontSize: 11, margin: "4px 0" }}>
      {LEGEND.map((l) => (
        <span key={l.label} style={{ display: "inline-flex", alignItems: "center", gap: 4 }}>
          <span style={{ width: 14, height: 10, borderRadius: 3, border: `2px ${l.skip === "NOT_IN_POLICY" ? "dotted" : l.status === "SKIPPED" ? "dashed" : "solid"} ${l.skip === "NOT_IN_POLICY" ? "var(--skip)" : statusColor({ status: l.status, skip_kind: l.skip ?? null })}` }} />
          {l.label}
        </span>
      ))}
      <span style={{ color: "var(--accent)" }}>◆ checkpoint</span>
      <span><span style={{ display: "inline-block", width: 14, borderTop: "2.5px solid var(--accent)", verticalAlign: "middle" }} /> critical path</span>
      <span>click an agent for its output</span>
    </div>
  );
}
