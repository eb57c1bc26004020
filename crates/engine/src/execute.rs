//! The DAG executor: runs a plan's agents concurrently where dependencies allow, evaluates
//! checkpoints after each completion, and stops early when one decides.
//!
//! Invariants (cited in the code as "invariant N"):
//! 1. An agent starts only after every agent it depends on has completed successfully.
//! 2. At most `max_parallel` agents of one run are running at once; with a global limit, at
//!    most that many agent calls run across all runs sharing it. When more agents are ready
//!    than slots are free, the one with the longest expected chain still ahead of it starts
//!    first (ties: plan order), so the critical path never waits behind a side branch. The
//!    global limit orders its waiting calls, of every run, by the same measure.
//! 3. Every one of the seven agents ends in a final status; every agent that did not complete
//!    carries its reason (a skip reason or an error).
//! 4. A failure (error, timeout, panic after retries) or a checkpoint condition that cannot be
//!    evaluated never leads to AUTO_RESOLVE: the decision is the fail-safe's. More generally every
//!    decision passes the safety gate, invariant S1 of [`crate::safety`], as its last step.
//! 5. Checkpoints are tested in file order after the agent they name; the first that holds
//!    decides. Agents that have already finished are recorded as completed, running ones are
//!    cancelled (dropped) and pending ones skipped.
//! 6. An agent sees the outputs of its ancestors only (what it depends on, directly or through
//!    other agents), never of an agent that merely happened to finish first: its output does
//!    not depend on timing.

use crate::agents::{AgentContext, AgentOutput, AgentSet, LatencyProfile, Outputs, RunInput};
use crate::dag::{self, AgentMask};
use crate::gate::CallGate;
use crate::graph::{CheckpointEvaluation, ExecutionGraph, NodeRecord, NodeStatus, RunMode, SkipReason};
use crate::model::{AgentKind, DecidedBy, Decision, DecisionAction, SafetyHold};
use crate::policy::condition::profile_value;
use crate::policy::{Checkpoint, PlanTemplate};
use crate::safety;
use cel::Value;
use chrono::Utc;
use futures::stream::{FuturesUnordered, StreamExt};
use futures::FutureExt;
use std::cmp::Reverse;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// Backoff before retry `n` (1-based): 20 ms doubling, at most 1 s.
pub(crate) fn backoff(attempt: u32) -> Duration {
    Duration::from_millis((20u64 << attempt.min(6).saturating_sub(1)).min(1000))
}

enum Failure {
    Error(String),
    TimedOut(Duration),
    /// Not retried: the agent is skipped with this reason.
    Budget(String),
}

struct Finished {
    agent: AgentKind,
    started: Instant,
    attempts: u32,
    result: Result<AgentOutput, Failure>,
}

#[derive(Default)]
struct NodeState {
    ready_at: Option<Instant>,
    started: Option<Instant>,
    finished: Option<Instant>,
    status: Option<NodeStatus>,
    attempts: u32,
    output: Option<Arc<AgentOutput>>,
    error: Option<String>,
    skip: Option<SkipReason>,
}

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| p.downcast_ref::<String>().cloned()).unwrap_or_else(|| "unknown panic".into())
}

/// Calls one agent with its timeout and retries. A panic, in `run` or in its future, is an
/// error like any other (it is caught here and does not reach the batch).
async fn call_agent(agents: AgentSet, planned: crate::policy::PlannedAgent, ctx: AgentContext, limit: Option<(Arc<CallGate>, u64)>) -> Finished {
    // invariant 2: a global permit is held for the whole call, retries included.
    let _permit = match limit {
        Some((gate, chain_ahead_ms)) => Some(gate.acquire(chain_ahead_ms).await),
        None => None,
    };
    let started = Instant::now();
    let agent = agents.get(planned.agent).clone();
    let mut attempts = 0;
    loop {
        attempts += 1;
        let failure = match std::panic::catch_unwind(AssertUnwindSafe(|| agent.run(ctx.clone()))) {
            Err(p) => Failure::Error(format!("panicked: {}", panic_message(p))),
            Ok(fut) => match tokio::time::timeout(planned.timeout, AssertUnwindSafe(fut).catch_unwind()).await {
                Ok(Ok(Ok(out))) => match out.too_large() {
                    // An answer too large to be evidence is a failed attempt (invariant 4).
                    Some(why) => Failure::Error(format!("answer refused: {why}")),
                    None => return Finished { agent: planned.agent, started, attempts, result: Ok(out) },
                },
                Ok(Ok(Err(crate::agents::AgentError::Budget(why)))) => {
                    return Finished { agent: planned.agent, started, attempts, result: Err(Failure::Budget(why)) };
                }
                Ok(Ok(Err(e))) => Failure::Error(e.to_string()),
                Ok(Err(p)) => Failure::Error(format!("panicked: {}", panic_message(p))),
                Err(_) => Failure::TimedOut(planned.timeout),
            },
        };
        if attempts > planned.retries {
            return Finished { agent: planned.agent, started, attempts, result: Err(failure) };
        }
        tokio::time::sleep(backoff(attempts)).await;
    }
}

/// What the executor derives from a plan's dependencies once per run (a few dozen
/// operations on at most seven agents, no allocation).
struct PlanShape {
    /// Each agent's expected latency plus the longest expected chain of agents after it.
    ahead_ms: [u64; 7],
    ancestors: [AgentMask; 7],
}

impl PlanShape {
    fn of(plan: &PlanTemplate, expected: &LatencyProfile) -> PlanShape {
        let (nodes, n) = crate::policy::dag_nodes(&plan.agents);
        let succ = dag::successors(&nodes[..n]);
        let mut reversed = nodes;
        for slot in &mut reversed[..n] {
            slot.1 = succ[slot.0.index()];
        }
        // A validated plan has no cycle; without chains every agent ties and plan order rules.
        let ahead_ms = dag::chains(&reversed[..n], |a| expected.0[a.index()]).map_or([0; 7], |c| c.finish);
        PlanShape { ahead_ms, ancestors: plan.ancestors() }
    }
}

/// Options for one run.
#[derive(Clone, Default)]
pub struct RunOptions {
    /// Shared across a batch: at most this many agent calls at once (an LLM rate limit); waiting
    /// calls go longest expected chain first.
    pub global_limit: Option<Arc<CallGate>>,
}

/// Executes `plan` for one break and returns its graph. Never panics because of an agent.
///
/// # Cancel safety
/// Dropping the future drops every running agent call; nothing is recorded.
pub async fn execute(plan: &PlanTemplate, mode: RunMode, agents: &AgentSet, input: Arc<RunInput>, policy_version: &str, opts: &RunOptions) -> ExecutionGraph {
    let started_at = Utc::now();
    let t0 = Instant::now();
    let us = |t: Instant| t.duration_since(t0).as_micros() as u64;
    let mut nodes: [NodeState; 7] = Default::default();
    let mut waiting_on = [0usize; 7];
    for p in &plan.agents {
        waiting_on[p.agent.index()] = p.depends_on.len();
    }
    let shape = PlanShape::of(plan, &agents.expected_latency());
    let mut ready: Vec<usize> = Vec::with_capacity(plan.agents.len());
    for (i, p) in plan.agents.iter().enumerate() {
        if p.depends_on.is_empty() {
            nodes[p.agent.index()].ready_at = Some(t0);
            ready.push(i);
        }
    }
    let mut outputs: Outputs = Default::default();
    // Only the variables some checkpoint of this plan reads are converted for CEL.
    let reads = |name: &str| plan.cel_reads.contains(&name);
    let mut cel_vars: Vec<(&'static str, Value)> = Vec::new();
    if reads("profile") {
        cel_vars.push(("profile", profile_value(&input.profile)));
    }
    let mut evaluations = Vec::new();
    // The checkpoint that fired and the agent whose completion let it be evaluated.
    let mut fired: Option<(&Checkpoint, AgentKind)> = None;
    let mut running = FuturesUnordered::new();
    let calls = Arc::new(crate::llm::CallLog::default());

    loop {
        // invariant 2: start ready agents while slots are free, longest chain ahead first.
        while running.len() < plan.max_parallel {
            let Some(pick) = (0..ready.len()).max_by_key(|&r| (shape.ahead_ms[plan.agents[ready[r]].agent.index()], Reverse(ready[r]))) else { break };
            let planned = plan.agents[ready.remove(pick)].clone();
            // invariant 6: only the ancestors' outputs.
            let seen = shape.ancestors[planned.agent.index()];
            let ctx = AgentContext {
                input: input.clone(),
                outputs: std::array::from_fn(|k| outputs[k].clone().filter(|_| dag::contains(seen, AgentKind::ALL[k]))),
                calls: calls.clone(),
            };
            nodes[planned.agent.index()].status = None;
            let limit = opts.global_limit.clone().map(|gate| (gate, shape.ahead_ms[planned.agent.index()]));
            running.push(call_agent(agents.clone(), planned, ctx, limit));
        }
        let Some(done) = running.next().await else { break };
        let now = Instant::now();
        let idx = done.agent.index();
        let node = &mut nodes[idx];
        node.started = Some(done.started);
        node.finished = Some(now);
        node.attempts = done.attempts;
        match done.result {
            Ok(out) => {
                node.status = Some(NodeStatus::Completed);
                let out = Arc::new(out);
                node.output = Some(out.clone());
                if reads(done.agent.variable()) {
                    cel_vars.push((done.agent.variable(), out.cel_value()));
                }
                outputs[idx] = Some(out);
                // invariant 5: a checkpoint is evaluated when the last of its agents completes.
                let completed = |a: &AgentKind| outputs[a.index()].is_some();
                for cp in plan.checkpoints.iter().filter(|c| c.after.contains(&done.agent) && c.after.iter().all(completed)) {
                    let result = cp.condition.evaluate(&cel_vars);
                    let hit = result.as_ref().copied().unwrap_or(false);
                    evaluations.push(CheckpointEvaluation {
                        id: cp.id.clone(),
                        after_agent: done.agent,
                        condition: cp.condition.source.clone(),
                        fired: hit,
                        error: result.err(),
                        at_us: us(now),
                    });
                    if hit {
                        fired = Some((cp, done.agent));
                        break;
                    }
                }
                if fired.is_some() {
                    // Agents that have finished by now are recorded as completed, not
                    // cancelled: fast agents finish together, and only one is yielded at a time.
                    // (One that failed is left to be recorded as cancelled: the decision stands.)
                    while let Some(Some(late)) = running.next().now_or_never() {
                        if let Ok(out) = late.result {
                            let n = &mut nodes[late.agent.index()];
                            (n.started, n.finished, n.attempts) = (Some(late.started), Some(Instant::now()), late.attempts);
                            n.status = Some(NodeStatus::Completed);
                            n.output = Some(Arc::new(out));
                        }
                    }
                    break;
                }
                // invariant 1: release dependents whose dependencies have all completed.
                for (i, p) in plan.agents.iter().enumerate() {
                    if p.depends_on.contains(&done.agent) {
                        let w = &mut waiting_on[p.agent.index()];
                        *w -= 1;
                        if *w == 0 && nodes[p.agent.index()].skip.is_none() {
                            nodes[p.agent.index()].ready_at = Some(now);
                            ready.push(i);
                        }
                    }
                }
            }
            Err(failure) => {
                match failure {
                    Failure::Budget(detail) => {
                        node.status = Some(NodeStatus::Skipped);
                        node.skip = Some(SkipReason::Budget { detail });
                    }
                    Failure::Error(_) | Failure::TimedOut(_) => {
                        let (status, message) = match failure {
                            Failure::TimedOut(t) => (NodeStatus::TimedOut, format!("timed out after {} ms", t.as_millis())),
                            Failure::Error(m) | Failure::Budget(m) => (NodeStatus::Failed, m),
                        };
                        node.status = Some(status);
                        node.error = Some(format!("{message} (after {} attempt{})", done.attempts, if done.attempts == 1 { "" } else { "s" }));
                    }
                }
                // Everything downstream of a failure is skipped (invariant 1 cannot be met).
                let mut stack = vec![done.agent];
                while let Some(a) = stack.pop() {
                    for p in plan.agents.iter().filter(|p| p.depends_on.contains(&a)) {
                        let n = &mut nodes[p.agent.index()];
                        if n.skip.is_none() && n.status.is_none() {
                            n.skip = Some(SkipReason::UpstreamFailed { agent: done.agent });
                            n.status = Some(NodeStatus::Skipped);
                            stack.push(p.agent);
                        }
                    }
                }
            }
        }
    }
    let end = Instant::now();
    drop(running); // cancels whatever is still running (early exit)

    // invariant 3: give every node a final status and reason.
    let mut records = Vec::with_capacity(7);
    for agent in AgentKind::ALL {
        let planned = plan.agents.iter().find(|p| p.agent == agent);
        let n = &mut nodes[agent.index()];
        let (status, skip) = match (planned, n.status, fired) {
            (None, _, _) => (NodeStatus::Skipped, Some(SkipReason::NotInPolicy { policy: plan.key() })),
            (Some(_), Some(s), _) => (s, n.skip.take()),
            (Some(_), None, Some((cp, after_agent))) => {
                let reason = SkipReason::EarlyExit { checkpoint: cp.id.clone(), after_agent };
                // started but not finished: it was running when the checkpoint fired
                let running = n.ready_at.is_some() && running_started(&ready, plan, agent);
                if running {
                    (NodeStatus::Cancelled, Some(reason))
                } else {
                    (NodeStatus::Skipped, Some(reason))
                }
            }
            (Some(_), None, None) => (NodeStatus::Skipped, Some(SkipReason::BatchCancelled)),
        };
        let waited = match (n.ready_at, n.started) {
            (Some(r), Some(s)) => s.saturating_duration_since(r).as_micros() as u64,
            _ => 0,
        };
        let cancelled = status == NodeStatus::Cancelled;
        records.push(NodeRecord {
            agent,
            status,
            planned: planned.is_some(),
            depends_on: planned.map(|p| p.depends_on.clone()).unwrap_or_default(),
            started_us: if cancelled { n.ready_at.map(us) } else { n.started.map(us) },
            finished_us: if cancelled { Some(us(end)) } else { n.finished.map(us) },
            waited_us: waited,
            attempts: n.attempts.max(u32::from(cancelled)),
            output: n.output.take(),
            error: n.error.take(),
            skip_reason: skip,
        });
    }

    let decision = decide(plan, &input, fired, &records, &evaluations);
    ExecutionGraph {
        break_id: input.brk.break_id.clone(),
        mode,
        policy_key: plan.key(),
        policy_version: policy_version.to_string(),
        profile: input.profile.clone(),
        max_parallel: plan.max_parallel,
        nodes: records,
        checkpoints: evaluations,
        decision,
        started_at,
        wall_us: us(end),
        emulated_latency: agents.emulated_latency,
        as_of: Some(input.as_of),
        llm_calls: calls.take(),
    }
}

/// A fired checkpoint's reasons: what it decided after which agents, each of those agents'
/// findings with their numbers, the tier, and the condition as written in the policy.
fn checkpoint_rationale(cp: &Checkpoint, input: &RunInput, nodes: &[NodeRecord]) -> Vec<String> {
    let mut why = vec![format!("Checkpoint {} after {} decided {}.", cp.id, crate::policy::agent_list(&cp.after), cp.decision)];
    for agent in &cp.after {
        if let Some(out) = nodes[agent.index()].output.as_deref() {
            why.push(crate::evidence::agent_finding(out, input));
        }
    }
    why.push(crate::evidence::tier_reason(input));
    why.push(format!("Condition: {}", cp.condition.source));
    why
}

/// Whether `agent` had been handed to the running set (ready and no longer queued).
fn running_started(ready: &[usize], plan: &PlanTemplate, agent: AgentKind) -> bool {
    !ready.iter().any(|&i| plan.agents[i].agent == agent)
}

fn decide(
    plan: &PlanTemplate,
    input: &RunInput,
    fired: Option<(&Checkpoint, AgentKind)>,
    nodes: &[NodeRecord],
    evaluations: &[CheckpointEvaluation],
) -> Decision {
    let mut d = if let Some((cp, after_agent)) = fired {
        Decision {
            action: cp.decision,
            confidence: cp.confidence,
            rationale: checkpoint_rationale(cp, input, nodes),
            decided_by: DecidedBy::Checkpoint { id: cp.id.clone(), after_agent },
            at: Utc::now(),
            holds: Vec::new(),
        }
    } else if let Some(AgentOutput::Decisioning(o)) = nodes[AgentKind::Decisioning.index()].output.as_deref() {
        Decision {
            action: o.action,
            confidence: o.confidence,
            rationale: o.rationale.clone(),
            decided_by: DecidedBy::Agent { agent: AgentKind::Decisioning },
            at: Utc::now(),
            holds: Vec::new(),
        }
    } else {
        Decision {
            action: plan.fallback,
            confidence: 0.5,
            rationale: vec![
                format!("No checkpoint fired and DECISIONING gave no answer: the plan {}'s fallback {} applies.", plan.key(), plan.fallback),
                crate::evidence::tier_reason(input),
            ],
            decided_by: DecidedBy::Fallback,
            at: Utc::now(),
            holds: Vec::new(),
        }
    };
    let proposed_auto = d.action == DecisionAction::AutoResolve;
    let holds = safety::holds(input, fired.is_some(), nodes, evaluations);
    // invariant 4: an error (agent or checkpoint) makes the decision the fail-safe's; so does an
    // agent skipped because its model call could have exceeded a budget.
    let over_budget = |a: &AgentKind| matches!(nodes[a.index()].skip_reason, Some(SkipReason::Budget { .. }));
    let errors: Vec<&SafetyHold> = holds
        .iter()
        .filter(|h| match h {
            SafetyHold::AgentFailed { .. } | SafetyHold::CheckpointError { .. } => true,
            SafetyHold::AgentNotCompleted { agent, .. } => over_budget(agent),
            _ => false,
        })
        .collect();
    if !errors.is_empty() && d.action != DecisionAction::Escalate {
        d.action = DecisionAction::HilReview;
        d.confidence = d.confidence.min(0.5);
        d.decided_by = DecidedBy::FailSafe;
        for h in errors.iter().rev() {
            d.rationale.insert(0, format!("{h}: a person must review."));
        }
    }
    // invariant S1: nothing with a hold auto-resolves.
    if d.action == DecisionAction::AutoResolve && !holds.is_empty() {
        d.action = DecisionAction::HilReview;
        for h in &holds {
            d.rationale.push(format!("AUTO_RESOLVE held for review: {h}."));
        }
    }
    d.holds = holds.into_iter().filter(|h| proposed_auto || h.is_doubt()).collect();
    d
}
