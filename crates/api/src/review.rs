//! Review: what a person does to a break.

use crate::error::ApiResult;
use crate::Core;
use reconagent_store::prelude::*;

impl Core {
    /// Applies a person's action to a break (an assignee without surrounding spaces); returns
    /// the break's new status. The lifecycle rule ([`HumanAction::transition`]) decides what is
    /// allowed, in every backend.
    pub fn review(&self, break_id: &str, action: &HumanAction) -> ApiResult<BreakStatus> {
        let action = match action {
            HumanAction::Assign { assignee } => HumanAction::Assign { assignee: assignee.trim().to_string() },
            other => other.clone(),
        };
        Ok(self.store.act(break_id, &action)?)
    }
}
