//! Model-backed agents for the commands that run breaks: when the policy file has an `llm`
//! section with enabled agents, they ask its endpoint through the real HTTP client; requests and
//! answers are kept by hash in a folder beside the database (`<db>.llm`) or in the team
//! database, which is also the cache and what `explain --replay` answers from.

use anyhow::{anyhow, Result};
use reconagent_engine::llm::agent::LlmRuntime;
use reconagent_engine::llm::exchanges::{DirExchanges, ExchangeStore};
use reconagent_engine::orchestrate::Orchestrator;
use std::path::Path;
use std::sync::Arc;

/// Where model calls' exchanges are kept for `--db` (or the default database): in a team
/// database itself, else the folder beside the SQLite file
/// ([`reconagent_store::backend::exchanges_for`] says the same for an open store).
pub(crate) fn exchanges_for(db: Option<&Path>) -> Result<Arc<dyn ExchangeStore>> {
    if let Some(url) = crate::stored::team_url(db) {
        let connector = reconagent_store::postgres::Connector::new(&url)?;
        return Ok(Arc::new(reconagent_store::postgres::exchanges::PgExchanges::new(connector)));
    }
    let db = db.map(Path::to_path_buf).unwrap_or_else(reconagent_store::default_path);
    Ok(Arc::new(DirExchanges::new(reconagent_store::exchanges_dir(Some(&db)))))
}

/// Backs the policy's enabled model agents by the real client; `None` when it has none.
pub(crate) fn attach(orch: Orchestrator, exchanges: Arc<dyn ExchangeStore>, replay: bool) -> Result<(Orchestrator, Option<Arc<LlmRuntime>>)> {
    match reconagent_engine::llm::agent::attach(orch.agents.clone(), &orch.policies, exchanges, replay).map_err(|e| anyhow!(e))? {
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
