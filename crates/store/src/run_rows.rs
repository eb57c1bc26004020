//! A run reduced to the rows it writes, computed off any store's writer: the values of its
//! `runs` row, its seven node rows and its checkpoint rows, the digest its audit entry commits
//! to, and that entry's payload. Every backend records a [`PreparedRun`] as it is.

use crate::audit;
use crate::error::Result;
use crate::lifecycle::BreakStatus;
use chrono::SecondsFormat;
use reconagent_engine::graph::ExecutionGraph;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The digest a RUN entry commits to: SHA-256 of the run's rows as one canonical JSON array
/// (node rows by agent, checkpoint rows by id), the graph JSON entering as its own SHA-256 (so
/// its few KiB are hashed, not escaped into another string). Computed when the run is prepared
/// and again by [`check`] from what is stored.
pub(crate) fn rows_digest(run: &[Value], graph: &str, nodes: &mut [Vec<Value>], checkpoints: &mut [Vec<Value>]) -> String {
    let key = |v: &Vec<Value>| v.first().and_then(|k| k.as_str()).unwrap_or_default().to_string();
    nodes.sort_by_key(key);
    checkpoints.sort_by_key(key);
    let graph = hex::encode(Sha256::digest(graph.as_bytes()));
    let text = serde_json::to_string(&json!([run, graph, nodes, checkpoints])).expect("a Value always serialises");
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Which rows a store keeps of a run ([`crate::backend::RunStore::run_form`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunForm {
    /// The run's row with its graph as JSON text, seven `run_nodes` rows and its checkpoint rows;
    /// the digest covers all of them. The team database, and a desk's file before schema 10.
    Rows,
    /// The run's row with its graph compressed ([`compress_graph`]) and its checkpoint rows, no
    /// node rows: the graph is the nodes' one home, and the digest takes no node values apart
    /// from it. A desk's file since schema 10.
    Graph,
}

/// A prepared run's graph, in its store's form.
pub(crate) enum StoredGraph {
    /// JSON text ([`RunForm::Rows`]).
    Text(String),
    /// [`compress_graph`] of the JSON ([`RunForm::Graph`]).
    Compressed(Vec<u8>),
}

/// A run reduced to the values its rows hold, computed off the writer thread (a batch does this
/// on its own threads, so the single writer only executes SQL and never walks or frees a graph).
pub struct PreparedRun {
    pub(crate) break_id: String,
    pub(crate) mode: &'static str,
    pub(crate) policy_key: String,
    pub(crate) policy_version: String,
    pub(crate) break_type: String,
    pub(crate) tier: &'static str,
    pub(crate) decision: &'static str,
    pub(crate) new_status: &'static str,
    pub(crate) confidence: f64,
    pub(crate) decided_by_json: String,
    pub(crate) early_exit: Option<String>,
    pub(crate) agents_planned: i64,
    pub(crate) agents_invoked: i64,
    pub(crate) wall_us: i64,
    pub(crate) emulated: bool,
    pub(crate) started_at: String,
    /// The graph as its store keeps it: JSON text in [`RunForm::Rows`], compressed in
    /// [`RunForm::Graph`].
    pub(crate) graph: StoredGraph,
    pub(crate) modelled_ms: i64,
    pub(crate) modelled_cost: String,
    /// What the run's model calls cost, measured (decimal text); `None` when it asked no model.
    pub(crate) measured_cost: Option<String>,
    pub(crate) deadline: Option<String>,
    /// The work queue the break waits in after this run (`ExecutionGraph::routed_queue`; none
    /// for a shadow run, which changes nothing about the break).
    pub(crate) queue: Option<String>,
    pub(crate) checkpoints: Vec<(String, &'static str, bool, Option<String>)>,
    pub(crate) nodes: Vec<NodeRow>,
    /// The audit payload in canonical form, split where the run id (known only at insert) goes.
    pub(crate) payload_head: String,
    pub(crate) payload_tail: String,
    /// A comparison (v1) run: recorded in the break's history, never changing its status,
    /// decision, tier or SLA.
    pub(crate) shadow: bool,
}

pub(crate) struct NodeRow {
    pub(crate) agent: &'static str,
    pub(crate) status: &'static str,
    pub(crate) started_us: Option<i64>,
    pub(crate) finished_us: Option<i64>,
    pub(crate) waited_us: i64,
    pub(crate) attempts: u32,
    pub(crate) skip_reason: Option<String>,
    pub(crate) error: Option<String>,
}

impl PreparedRun {
    /// The run's decision as stored (`AUTO_RESOLVE`, `HIL_REVIEW`, `ESCALATE`).
    pub fn decision(&self) -> &'static str {
        self.decision
    }

    /// The rows this run was prepared for.
    pub fn form(&self) -> RunForm {
        match self.graph {
            StoredGraph::Text(_) => RunForm::Rows,
            StoredGraph::Compressed(_) => RunForm::Graph,
        }
    }

    /// As [`PreparedRun::prepare`] in [`RunForm::Rows`], the team database's form.
    ///
    /// # Errors
    /// A serialisation error (none is expected for engine graphs).
    pub fn new(g: &ExecutionGraph) -> Result<PreparedRun> {
        PreparedRun::prepare(g, RunForm::Rows)
    }

    /// Computes and serialises everything a run's rows hold in `form`, and the digest its entry
    /// commits to over exactly those rows.
    ///
    /// # Errors
    /// A serialisation error (none is expected for engine graphs).
    pub fn prepare(g: &ExecutionGraph, form: RunForm) -> Result<PreparedRun> {
        let (modelled_ms, modelled_cost) = (g.seed_modelled_ms() as i64, g.seed_modelled_cost().to_string());
        let deadline = g.nodes.iter().find_map(|n| match n.output.as_deref() {
            Some(reconagent_engine::agents::AgentOutput::Workflow(w)) => Some(w.sla_deadline.to_rfc3339_opts(SecondsFormat::Secs, true)),
            _ => None,
        });
        let new_status = BreakStatus::from_decision(g.decision.action).as_str();
        let graph_json = serde_json::to_string(g)?;
        let decided_by_json = serde_json::to_string(&g.decision.decided_by)?;
        let early_exit = g.early_exit().map(|c| c.id.clone());
        // The digest of the rows this run writes, committed to by its audit entry (state.rs).
        let rows = {
            use serde_json::Value;
            let run = vec![
                Value::from(g.break_id.as_str()),
                Value::from(g.mode.as_str()),
                Value::from(g.policy_key.as_str()),
                Value::from(g.policy_version.as_str()),
                Value::from(g.profile.break_type.as_str()),
                Value::from(g.profile.tier.as_str()),
                Value::from(g.decision.action.as_str()),
                json!(g.decision.confidence),
                Value::from(decided_by_json.as_str()),
                json!(early_exit),
            ];
            // In the graph form the graph is the nodes' only home, already in the digest.
            let mut nodes = match form {
                RunForm::Rows => node_values(&g.nodes),
                RunForm::Graph => Vec::new(),
            };
            let mut cps: Vec<Vec<Value>> = g
                .checkpoints
                .iter()
                .map(|c| vec![Value::from(c.id.as_str()), Value::from(c.after_agent.as_str()), json!(i64::from(c.fired)), json!(c.error)])
                .collect();
            rows_digest(&run, &graph_json, &mut nodes, &mut cps)
        };
        // v1 is the baseline v2 is compared with: its runs are shadow runs, recorded but never
        // deciding anything about the break.
        let shadow = g.mode == reconagent_engine::graph::RunMode::V1;
        let mut payload = json!({
            "run_id": 0,
            "mode": g.mode.as_str(),
            "policy": g.policy_key,
            "policy_version": g.policy_version,
            "decision": g.decision.action.as_str(),
            "decided_by": g.decision.decided_by,
            "agents_invoked": g.agents_invoked(),
            "skipped": g.nodes.iter().filter_map(|n| n.skip_reason.as_ref().map(|r| json!({"agent": n.agent.as_str(), "reason": r.to_string()}))).collect::<Vec<_>>(),
            "status": if shadow { serde_json::Value::Null } else { json!(new_status) },
            "tier": g.profile.tier.as_str(),
            "rows": rows,
        });
        // Where the break now waits (a shadow run routes nothing), in the hashed record: the
        // store sets the break's queue from this and verification replays it.
        let queue = if shadow { None } else { g.routed_queue().map(str::to_string) };
        if shadow {
            payload["shadow"] = json!(true);
        } else {
            payload["queue"] = json!(queue);
        }
        // Why the run was held for a person (invariant S1), in the hashed record: only when there
        // is a reason, so entries written before holds existed keep their form.
        if !g.decision.holds.is_empty() {
            payload["holds"] = json!(g.decision.holds.iter().map(|h| h.to_string()).collect::<Vec<_>>());
        }
        let payload = audit::canonical_json(&payload);
        // Keys are sorted and string values escape their quotes, so this is the key itself.
        let at = payload.find("\"run_id\":0").expect("the payload has a run_id");
        let (head, tail) = payload.split_at(at + "\"run_id\":".len());
        debug_assert_eq!(g.nodes.len(), 7, "a graph holds all seven agents");
        Ok(PreparedRun {
            break_id: g.break_id.clone(),
            mode: g.mode.as_str(),
            policy_key: g.policy_key.clone(),
            policy_version: g.policy_version.clone(),
            break_type: g.profile.break_type.as_str().to_string(),
            tier: g.profile.tier.as_str(),
            decision: g.decision.action.as_str(),
            new_status,
            confidence: g.decision.confidence,
            decided_by_json,
            early_exit,
            agents_planned: g.agents_planned() as i64,
            agents_invoked: g.agents_invoked() as i64,
            wall_us: g.wall_us as i64,
            emulated: g.emulated_latency.is_some(),
            started_at: g.started_at.to_rfc3339_opts(SecondsFormat::Micros, true),
            graph: match form {
                RunForm::Rows => StoredGraph::Text(graph_json),
                RunForm::Graph => StoredGraph::Compressed(compress_graph(&graph_json)),
            },
            modelled_ms,
            modelled_cost,
            measured_cost: (!g.llm_calls.is_empty()).then(|| g.llm_usage().cost.normalize().to_string()),
            deadline,
            queue,
            checkpoints: g.checkpoints.iter().map(|c| (c.id.clone(), c.after_agent.as_str(), c.fired, c.error.clone())).collect(),
            // Only the rows form writes node rows.
            nodes: match form {
                RunForm::Graph => Vec::new(),
                RunForm::Rows => g
                    .nodes
                    .iter()
                    .map(|n| NodeRow {
                        agent: n.agent.as_str(),
                        status: node_status(n.status),
                        started_us: n.started_us.map(|v| v as i64),
                        finished_us: n.finished_us.map(|v| v as i64),
                        waited_us: n.waited_us as i64,
                        attempts: n.attempts,
                        skip_reason: n.skip_reason.as_ref().map(|r| r.to_string()),
                        error: n.error.clone(),
                    })
                    .collect(),
            },
            payload_head: head.to_string(),
            payload_tail: tail[1..].to_string(),
            shadow,
        })
    }
}

/// A run's node rows as the digest takes them in [`RunForm::Rows`]: what a `run_nodes` row holds,
/// in its columns' order.
pub(crate) fn node_values(nodes: &[reconagent_engine::graph::NodeRecord]) -> Vec<Vec<Value>> {
    nodes
        .iter()
        .map(|n| {
            vec![
                Value::from(n.agent.as_str()),
                Value::from(node_status(n.status)),
                json!(n.started_us.map(|v| v as i64)),
                json!(n.finished_us.map(|v| v as i64)),
                json!(n.waited_us as i64),
                json!(i64::from(n.attempts)),
                json!(n.skip_reason.as_ref().map(|r| r.to_string())),
                json!(n.error),
            ]
        })
        .collect()
}

/// The first bytes of a graph stored compressed (schema 10): "RAZ" and the format's version.
/// A stored graph without them is the graph's JSON text (runs recorded before).
const GRAPH_LZ4: &[u8; 4] = b"RAZ1";

/// The largest graph a reader decompresses (a run's graph is a few KiB).
const MAX_GRAPH_BYTES: usize = 64 << 20;

/// A graph's JSON as a desk's file stores it since schema 10: [`GRAPH_LZ4`], then an LZ4 block
/// of the text with its length in front. About a third of the text's size.
pub(crate) fn compress_graph(json: &str) -> Vec<u8> {
    let mut out = GRAPH_LZ4.to_vec();
    out.extend_from_slice(&lz4_flex::compress_prepend_size(json.as_bytes()));
    out
}

/// A stored graph's JSON text: a TEXT value as it is, a BLOB from [`compress_graph`]
/// decompressed. Anything else is an error naming the run.
pub(crate) fn graph_text(run_id: i64, stored: rusqlite::types::ValueRef<'_>) -> rusqlite::Result<String> {
    use rusqlite::types::ValueRef;
    let bad = |why: String| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Blob, format!("run {run_id}: its stored graph {why}").into());
    match stored {
        ValueRef::Text(t) => String::from_utf8(t.to_vec()).map_err(|e| bad(format!("is not UTF-8 ({e})"))),
        ValueRef::Blob(b) if b.starts_with(GRAPH_LZ4) && b.len() >= GRAPH_LZ4.len() + 4 => {
            let (size, block) = b[GRAPH_LZ4.len()..].split_at(4);
            let size = u32::from_le_bytes([size[0], size[1], size[2], size[3]]) as usize;
            // An edited length must not make a reader allocate gigabytes: LZ4 expands at most
            // 255 times, and no graph is near 64 MiB.
            if size > MAX_GRAPH_BYTES || size > block.len().saturating_mul(255) {
                return Err(bad(format!("cannot be decompressed (it claims {size} bytes from {})", block.len())));
            }
            let raw = lz4_flex::decompress(block, size).map_err(|e| bad(format!("cannot be decompressed ({e})")))?;
            if raw.len() != size {
                return Err(bad(format!("cannot be decompressed (it gives {} bytes, not the {size} it claims)", raw.len())));
            }
            String::from_utf8(raw).map_err(|e| bad(format!("is not UTF-8 once decompressed ({e})")))
        }
        other => Err(bad(format!("is a {:?}, neither JSON text nor a compressed graph", other.data_type()))),
    }
}

fn node_status(s: reconagent_engine::graph::NodeStatus) -> &'static str {
    use reconagent_engine::graph::NodeStatus::*;
    match s {
        Completed => "COMPLETED",
        Failed => "FAILED",
        TimedOut => "TIMED_OUT",
        Cancelled => "CANCELLED",
        Skipped => "SKIPPED",
    }
}
