//! Review: what a person does to a break.

use crate::dto::ReviewAction;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::Core;
use reconagent_engine::DecisionAction;
use reconagent_store::prelude::*;

impl Core {
    /// Applies a person's action to a break; returns the break's new status. The lifecycle
    /// rule ([`HumanAction::transition`]) decides what is allowed.
    pub fn review(&self, break_id: &str, action: &ReviewAction) -> ApiResult<String> {
        let invalid = |m: String| ApiError::new(ErrorCode::Invalid, m);
        let decision = |d: &str| DecisionAction::parse(d).ok_or_else(|| invalid(format!("unknown decision `{d}`")));
        let action = match action {
            ReviewAction::Accept => HumanAction::Accept,
            ReviewAction::Override { decision: d, reason } => HumanAction::Override { decision: decision(d)?, reason: reason.clone() },
            ReviewAction::Assign { assignee } if assignee.trim().is_empty() => return Err(invalid("name someone to assign to".into())),
            ReviewAction::Assign { assignee } => HumanAction::Assign { assignee: assignee.trim().to_string() },
            ReviewAction::Comment { text } if text.trim().is_empty() => return Err(invalid("a comment cannot be empty".into())),
            ReviewAction::Comment { text } => HumanAction::Comment { text: text.clone() },
            ReviewAction::Resolve { comment } => HumanAction::Resolve { comment: comment.clone() },
        };
        Ok(self.store.act(break_id, &action)?.as_str().to_string())
    }
}
