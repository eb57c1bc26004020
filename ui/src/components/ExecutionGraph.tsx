import { useMemo, useState } from "react";
import { ReactFlow, Background, Handle, Position, type Node, type Edge, type NodeProps } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import type { RunDto } from "../api";
import { layoutRun, statusColor, statusLabel, type LaidOutNode } from "./graphLayout";

function AgentNode({ data }: NodeProps<Node<LaidOutNode>>) {
  const n = data.node;
  const ms = n.started_us != null && n.finished_us != null ? `${((n.finished_us - n.started_us) / 1000).toFixed(2)} ms` : "";
  return (
    <div className="agent-node" data-agent={n.agent} data-status={n.status} data-skip={n.skip_kind ?? ""}
      style={{ border: `2px solid ${statusColor(n)}`, borderStyle: n.status === "SKIPPED" ? "dashed" : "solid", background: "var(--panel)", borderRadius: 8, padding: "6px 8px", width: 170, opacity: n.skip_kind === "NOT_IN_POLICY" ? 0.55 : 1 }}>
      <Handle type="target" position={Position.Left} style={{ visibility: "hidden" }} />
      <strong>{n.agent}</strong>
      <div style={{ color: statusColor(n), fontSize: 11 }}>{statusLabel(n)}</div>
      <div className="muted" style={{ fontSize: 11 }}>{ms}{(n.waited_us ?? 0) > 0 ? ` · waited ${((n.waited_us ?? 0) / 1000).toFixed(2)} ms` : ""}</div>
      {data.firedCheckpoint && <div style={{ fontSize: 11, color: "var(--accent)" }}>◆ checkpoint {data.firedCheckpoint} fired</div>}
      <Handle type="source" position={Position.Right} style={{ visibility: "hidden" }} />
    </div>
  );
}
const nodeTypes = { agent: AgentNode };

/** The run as a laid-out DAG; clicking an agent shows its output, error or skip reason. */
export function ExecutionGraph({ run, height = 330 }: { run: RunDto; height?: number }) {
  const [picked, setPicked] = useState<string | null>(null);
  const { nodes, edges } = useMemo(() => {
    const l = layoutRun(run);
    const nodes: Node<LaidOutNode>[] = l.nodes.map((n) => ({ id: n.id, type: "agent", position: { x: n.x, y: n.y }, data: n, draggable: false }));
    const edges: Edge[] = l.edges.map((e) => ({ id: `${e.from}-${e.to}`, source: e.from, target: e.to, animated: false }));
    return { nodes, edges };
  }, [run]);
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
