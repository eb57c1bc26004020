//! Review: what a person does to a break.

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::Core;
use reconagent_store::prelude::*;

impl Core {
    /// Applies a person's action to a break (an assignee without surrounding spaces); returns
    /// the break's new status. The lifecycle rule ([`HumanAction::transition`]) decides what is
    /// allowed, in every backend.
    ///
    /// An action that closes or re-decides a HIGH or CRITICAL break
    /// ([`HumanAction::confirmation`]) takes effect only when `confirmed`; otherwise nothing is
    /// done and the error (code `Confirm`) says, in words, what the person is asked to confirm.
    /// The rule is here, not in a screen: every way of acting (keys, buttons) goes through it.
    pub fn review(&self, break_id: &str, action: &HumanAction, confirmed: bool) -> ApiResult<BreakStatus> {
        let action = match action {
            HumanAction::Assign { assignee } => HumanAction::Assign { assignee: assignee.trim().to_string() },
            other => other.clone(),
        };
        if !confirmed {
            if let Some(question) = action.confirmation(&self.store.break_row(break_id)?) {
                return Err(ApiError::new(ErrorCode::Confirm, question));
            }
        }
        Ok(self.store.act(break_id, &action)?)
    }
}
