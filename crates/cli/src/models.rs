//! Model-backed agents for the commands that run breaks: when the policy file has an `llm`
//! section with enabled agents, they ask its endpoint through the real HTTP client; requests and
//! answers are kept by hash in a folder beside the database (`<db>.llm`), which is also the
//! cache and what `explain --replay` answers from.

use anyhow::{anyhow, Result};
use reconagent_engine::llm::agent::LlmRuntime;
use reconagent_engine::llm::exchanges::DirExchanges;
use reconagent_engine::orchestrate::Orchestrator;
use std::path::Path;
use std::sync::Arc;

/// The exchanges folder for `--db` (or the default database): beside a SQLite file, in the
/// user's data directory for a team database ([`reconagent_store::exchanges_dir`]).
pub(crate) fn exchanges_for(db: Option<&Path>) -> DirExchanges {
    let db = db.map(Path::to_path_buf).unwrap_or_else(reconagent_store::default_path);
    DirExchanges::new(reconagent_store::exchanges_dir(Some(&db)))
}

/// Backs the policy's enabled model agents by the real client; `None` when it has none.
pub(crate) fn attach(orch: Orchestrator, exchanges: DirExchanges, replay: bool) -> Result<(Orchestrator, Option<Arc<LlmRuntime>>)> {
    match reconagent_engine::llm::agent::attach(orch.agents.clone(), &orch.policies, Arc::new(exchanges), replay).map_err(|e| anyhow!(e))? {
        Some((agents, rt)) => Ok((orch.with_agents(agents), Some(rt))),
        None => Ok((orch, None)),
    }
}

/// One line on what the model calls used and cost (measured from each response's `usage`).
pub(crate) fn report(rt: &LlmRuntime, base_currency: &str) -> String {
    let u = rt.usage();
    format!(
        "model calls: {} ({} paid, {} from the cache, {} not waited for, {} failed, {} refused by a budget); tokens {} prompt + {} completion; cost {} {base_currency} (measured)",
        u.calls,
        u.paid_calls,
        u.cached_calls,
        u.cancelled_calls,
        u.failed_calls,
        u.refused_calls,
        u.prompt_tokens,
        u.completion_tokens,
        u.cost.normalize()
    )
}
