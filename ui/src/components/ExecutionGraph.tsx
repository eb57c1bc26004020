import { useMemo, useState } from "react";
import { ReactFlow, Background, Handle, Position, type Node, type Edge, type NodeProps } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { layoutRun, statusColor, statusLabel, type GraphInput, type LaidOutNode } from "./graphLayout";

function AgentNode({ data }: NodeProps<Node<LaidOutNode & { direction: string }>>) {
  const n = data.node;
  const ms = n.started_us != null && n.finished_us != null ? `${((n.finished_us - n.started_us) / 1000).toFixed(2)} ms` : "";
  return (
    <div className="agent-node" data-agent={n.agent} data-status={n.status} data-skip={n.skip_kind ?? ""}
      data-critical={data.critical ? "yes" : "no"}
      style={{ border: `${data.critical ? 3 : 2}px solid ${statusColor(n)}`, boxShadow: data.critical ? "0 0 0 2px color-mix(in srgb, var(--accent) 35%, transparent)" : undefined, borderStyle: n.status === "SKIPPED" ? "dashed" : "solid", background: "var(--panel)", borderRadius: 8, padding: "6px 8px", width: 170, opacity: n.skip_kind === "NOT_IN_POLICY" ? 0.55 : 1 }}>
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
    const nodes: Node<LaidOutNode & { direction: string }>[] = l.nodes.map((n) => ({ id: n.id, type: "agent", position: { x: n.x, y: n.y }, data: { ...n, direction }, draggable: false }));
    const edges: Edge[] = l.edges.map((e) => ({ id: `${e.from}-${e.to}`, source: e.from, target: e.to, animated: e.critical, style: e.critical ? { stroke: "var(--accent)", strokeWidth: 2.5 } : undefined }));
    return { nodes, edges };
  }, [run, critical, direction]);
  const node = run.nodes.find((n) => n.agent === picked);
  return (
    <div>
      <div style={{ height }} data-testid="execution-graph">
        <ReactFlow nodes={nodes} edges={edges} nodeTypes={nodeTypes} fitView proOptions={{ hideAttribution: true }}
          nodesConnectable={false} onNodeClick={(_, n) => setPicked(n.id)} minZoom={0.3}>
          <Background />
        </ReactFlow>
      </div>
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
