//! A plan's dependencies as a graph: its topological order (the validator's cycle check) and
//! longest weighted paths. One implementation serves the validator, the scheduler's priorities,
//! the editor's critical path and the benchmark's lower bound.
//!
//! Agent sets are bit masks over [`AgentKind::index`]: a plan has at most seven agents, so
//! every computation here is a few dozen operations and allocates nothing.

use crate::model::AgentKind;

/// A set of agents: bit `a.index()` is set for each agent `a` in it.
pub type AgentMask = u8;

pub fn mask(agents: &[AgentKind]) -> AgentMask {
    agents.iter().fold(0, |m, a| m | bit(*a))
}

pub fn bit(agent: AgentKind) -> AgentMask {
    1 << agent.index()
}

pub fn contains(mask: AgentMask, agent: AgentKind) -> bool {
    mask & bit(agent) != 0
}

/// The agents that have completed when the last of `after` completes: those agents and their
/// ancestors. What a checkpoint after them may read (the validator and the editor both ask).
pub fn completed_with(after: &[AgentKind], ancestors: &[AgentMask; 7]) -> AgentMask {
    after.iter().fold(0, |m, a| m | bit(*a) | ancestors[a.index()])
}

/// For each node, the longest weighted chain that ends with it.
pub struct Chains {
    /// `weight(a)` plus the largest `finish` of `a`'s predecessors (0 for an agent not a node).
    pub finish: [u64; 7],
    /// The predecessor on that chain, if any.
    pub via: [Option<AgentKind>; 7],
}

impl Chains {
    /// The longest chain among `nodes`, first agent first, and its length.
    pub fn longest(&self, nodes: &[(AgentKind, AgentMask)]) -> (Vec<AgentKind>, u64) {
        let Some(end) = nodes.iter().map(|n| n.0).max_by_key(|a| self.finish[a.index()]) else { return (vec![], 0) };
        let mut path = vec![end];
        while let Some(prev) = self.via[path[path.len() - 1].index()] {
            path.push(prev);
        }
        path.reverse();
        (path, self.finish[end.index()])
    }
}

/// Longest chains through `nodes` (each an agent and the mask of its predecessors), in any
/// order. Predecessors that are not nodes count as finished at 0. `None` on a cycle.
pub fn chains(nodes: &[(AgentKind, AgentMask)], weight: impl Fn(AgentKind) -> u64) -> Option<Chains> {
    let present = nodes.iter().fold(0, |m, n| m | bit(n.0));
    let mut c = Chains { finish: [0; 7], via: [None; 7] };
    // Relax until nothing changes: at most |nodes| rounds without a cycle, so a value still
    // changing after that is a cycle.
    for _ in 0..=nodes.len() {
        let mut changed = false;
        for &(a, preds) in nodes {
            let best = AgentKind::ALL.into_iter().filter(|p| contains(preds & present, *p)).max_by_key(|p| c.finish[p.index()]);
            let f = weight(a) + best.map_or(0, |p| c.finish[p.index()]);
            if f != c.finish[a.index()] {
                c.finish[a.index()] = f;
                c.via[a.index()] = best;
                changed = true;
            }
        }
        if !changed {
            return Some(c);
        }
    }
    None
}

/// The nodes in a topological order (each after all its predecessors), and the nodes that can
/// never be placed: those on a cycle, after one, or with a predecessor that is not a node. The
/// second list is empty for a valid plan.
///
/// ```
/// use reconagent_engine::dag::{mask, topo_order};
/// use reconagent_engine::AgentKind::*;
/// let (order, stuck) = topo_order(&[(Decisioning, mask(&[Rules])), (Rules, mask(&[Ingestion])), (Ingestion, 0)]);
/// assert_eq!((order, stuck), (vec![Ingestion, Rules, Decisioning], vec![]));
/// let (_, stuck) = topo_order(&[(Rules, mask(&[Matching])), (Matching, mask(&[Rules]))]);
/// assert_eq!(stuck, vec![Rules, Matching]);
/// ```
pub fn topo_order(nodes: &[(AgentKind, AgentMask)]) -> (Vec<AgentKind>, Vec<AgentKind>) {
    let mut done: AgentMask = 0;
    let mut order = Vec::with_capacity(nodes.len());
    let mut left: Vec<(AgentKind, AgentMask)> = nodes.to_vec();
    while !left.is_empty() {
        // Kahn's algorithm a wave at a time: every node whose predecessors are all placed.
        let ready = left.iter().filter(|(_, preds)| preds & !done == 0).fold(0, |m, (a, _)| m | bit(*a));
        if ready == 0 {
            break;
        }
        left.retain(|(a, _)| {
            let place = contains(ready, *a);
            if place {
                order.push(*a);
            }
            !place
        });
        done |= ready;
    }
    (order, left.into_iter().map(|(a, _)| a).collect())
}

/// Each agent's successors: the nodes that list it as a predecessor.
pub fn successors(nodes: &[(AgentKind, AgentMask)]) -> [AgentMask; 7] {
    let mut out = [0; 7];
    for &(a, preds) in nodes {
        for p in AgentKind::ALL.into_iter().filter(|p| contains(preds, *p)) {
            out[p.index()] |= bit(a);
        }
    }
    out
}

/// Each agent's ancestors (its dependencies, theirs, and so on), in any order. One pass
/// suffices in a topological order, as a validated plan's agents are; otherwise it repeats.
pub fn ancestors(nodes: &[(AgentKind, AgentMask)]) -> [AgentMask; 7] {
    let mut up = [0; 7];
    for _ in 0..nodes.len().max(1) {
        let mut changed = false;
        for &(a, preds) in nodes {
            let all = AgentKind::ALL.into_iter().filter(|p| contains(preds, *p)).fold(preds, |m, p| m | up[p.index()]);
            changed |= all != up[a.index()];
            up[a.index()] = all;
        }
        if !changed {
            break;
        }
    }
    up
}

#[cfg(test)]
mod tests {
    use super::*;
    use AgentKind::*;

    const W: [u64; 7] = [150, 250, 400, 350, 450, 550, 350];

    fn diamond() -> Vec<(AgentKind, AgentMask)> {
        vec![
            (Ingestion, 0),
            (Enrichment, mask(&[Ingestion])),
            (Rules, mask(&[Ingestion])),
            (Pattern, mask(&[Ingestion])),
            (Decisioning, mask(&[Enrichment, Rules, Pattern])),
        ]
    }

    #[test]
    fn the_longest_chain_goes_through_the_slowest_branch() {
        let nodes = diamond();
        let c = chains(&nodes, |a| W[a.index()]).unwrap();
        assert_eq!(c.longest(&nodes), (vec![Ingestion, Pattern, Decisioning], 150 + 450 + 550));
    }

    #[test]
    fn reversed_edges_give_the_work_left_after_starting_an_agent() {
        let nodes = diamond();
        let succ = successors(&nodes);
        let reversed: Vec<_> = nodes.iter().map(|n| (n.0, succ[n.0.index()])).collect();
        let tail = chains(&reversed, |a| W[a.index()]).unwrap().finish;
        assert_eq!(tail[Pattern.index()], 450 + 550);
        assert_eq!(tail[Enrichment.index()], 250 + 550);
        assert_eq!(tail[Ingestion.index()], 150 + 450 + 550);
    }

    #[test]
    fn a_cycle_has_no_chains() {
        let nodes = [(Rules, mask(&[Pattern])), (Pattern, mask(&[Rules]))];
        assert!(chains(&nodes, |_| 1).is_none());
    }

    #[test]
    fn ancestors_are_transitive() {
        // written out of order: the answer must not depend on it
        let nodes = [(Decisioning, mask(&[Rules])), (Rules, mask(&[Ingestion])), (Ingestion, 0)];
        let up = ancestors(&nodes);
        assert_eq!(up[Decisioning.index()], mask(&[Ingestion, Rules]));
        assert_eq!(up[Ingestion.index()], 0);
    }
}
