//! Review: what a person does to a break.

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::Core;
use reconagent_store::prelude::*;

impl Core {
    /// Applies a person's action to a break; returns the break's new status. The lifecycle
    /// rule ([`HumanAction::transition`]) decides what is allowed.
    pub fn review(&self, break_id: &str, action: &HumanAction) -> ApiResult<BreakStatus> {
        let invalid = |m: &str| ApiError::new(ErrorCode::Invalid, m);
        let action = match action {
            HumanAction::Assign { assignee } if assignee.trim().is_empty() => return Err(invalid("name someone to assign to")),
            HumanAction::Assign { assignee } => HumanAction::Assign { assignee: assignee.trim().to_string() },
            HumanAction::Comment { text } if text.trim().is_empty() => return Err(invalid("a comment cannot be empty")),
            other => other.clone(),
        };
        Ok(self.store.act(break_id, &action)?)
    }
}
