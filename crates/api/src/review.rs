//! Review: what a person does to a break.

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::Core;
use reconagent_store::prelude::*;

/// The most breaks one bulk action takes.
pub const BULK_LIMIT: usize = 1000;

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
            if let Some(question) = self.question(break_id, &action)? {
                return Err(ApiError::new(ErrorCode::Confirm, question));
            }
        }
        Ok(self.store.act(break_id, &action)?)
    }

    /// What a person confirms before `action` on `break_id` (see [`Core::review`]), if anything.
    fn question(&self, break_id: &str, action: &HumanAction) -> ApiResult<Option<String>> {
        let row = self.store.break_row(break_id)?;
        Ok(match (action.confirmation(&row), self.alone_above_limits(break_id, action)?) {
            (Some(q), Some(why)) => Some(format!("{q} In a team database this needs a second approver ({why}).")),
            (None, Some(why)) => Some(format!("{break_id}: in a team database this needs a second approver ({why}). Go ahead alone?")),
            (q, None) => q,
        })
    }

    /// One action on many breaks (the queue's ticked rows): ACCEPT or ASSIGN only, at most
    /// [`BULK_LIMIT`] breaks. Unless `confirmed`, nothing is done when any of them needs a
    /// confirmation: the error (code `Confirm`) asks once for all, naming those that need it.
    /// Then each break is acted on by itself, as [`Core::review`] would; a break the lifecycle,
    /// four eyes or the store refuses is listed with the reason, and the others go ahead.
    pub fn review_many(&self, ids: &[String], action: &HumanAction, confirmed: bool) -> ApiResult<crate::dto::BulkReview> {
        if !matches!(action, HumanAction::Accept | HumanAction::Assign { .. }) {
            return Err(ApiError::new(ErrorCode::Invalid, format!("{} is done one break at a time; many at once: ACCEPT or ASSIGN", action.name())));
        }
        if ids.is_empty() || ids.len() > BULK_LIMIT {
            return Err(ApiError::new(ErrorCode::Invalid, format!("tick between 1 and {BULK_LIMIT} breaks ({} ticked)", ids.len())));
        }
        if !confirmed {
            let mut asks = Vec::new();
            for id in ids {
                if self.question(id, action)?.is_some() {
                    asks.push(id.as_str());
                }
            }
            if !asks.is_empty() {
                let named = asks.iter().take(5).copied().collect::<Vec<_>>().join(", ");
                let more = if asks.len() > 5 { format!(" and {} more", asks.len() - 5) } else { String::new() };
                let verb = if matches!(action, HumanAction::Accept) { "Accept the decisions of" } else { "Apply this to" };
                return Err(ApiError::new(
                    ErrorCode::Confirm,
                    format!("{verb} {} breaks? {} of them are HIGH or CRITICAL, or above the four-eyes limits: {named}{more}.", ids.len(), asks.len()),
                ));
            }
        }
        let mut out = crate::dto::BulkReview::default();
        for id in ids {
            match self.review(id, action, true) {
                Ok(status) => out.done.push(crate::dto::BulkItem { break_id: id.clone(), outcome: format!("now {}", status.as_str()) }),
                Err(e) => out.not_done.push(crate::dto::BulkItem { break_id: id.clone(), outcome: e.message }),
            }
        }
        Ok(out)
    }

    /// On a local database, where one person acts alone: why this action would need a second
    /// person in a team database (the limits of the policies in force, applied to the break's
    /// latest run), so the confirmation says so. A team database decides that itself.
    fn alone_above_limits(&self, break_id: &str, action: &HumanAction) -> ApiResult<Option<String>> {
        if self.store.database_file().is_none() || !matches!(action, HumanAction::Accept | HumanAction::Override { .. } | HumanAction::Resolve { .. }) {
            return Ok(None);
        }
        let Some((_, latest)) = self.store.runs_of(break_id)?.into_iter().rev().find(|(_, g)| g.mode == reconagent_engine::graph::RunMode::V2) else {
            return Ok(None);
        };
        let p = &latest.profile;
        Ok(self.orchestrator().policies.authority.second_approver_because(p.break_type.as_str(), p.tier, p.exposure, &p.base_currency))
    }

    /// Four eyes: proposals waiting for an approver (or all, newest first). Empty on a local
    /// database, where one person acts alone.
    pub fn proposals(&self, open_only: bool) -> ApiResult<Vec<reconagent_store::Proposal>> {
        Ok(self.store.proposals(open_only, 500)?)
    }

    /// An approver approves or rejects (with a reason) a proposal made by someone else; the
    /// database refuses its author. Returns the break's status after.
    pub fn decide_proposal(&self, proposal: i64, approve: bool, reason: &str) -> ApiResult<BreakStatus> {
        Ok(self.store.decide_proposal(proposal, approve, reason)?)
    }

    /// On a team database: calls `on_change` with the kinds of change others commit (a review,
    /// a run, a proposal...), within about a second, so every desktop reloads what it shows.
    /// Returns false on a database of one's own.
    pub fn watch_changes(&self, on_change: Box<dyn Fn(Vec<String>) + Send>) -> ApiResult<bool> {
        Ok(self.store.watch(on_change)?)
    }

    /// The break's screen says it has break `id` open (`open`: on opening it and every 30 s) or
    /// has closed it; the reply is who else has it open now (always nobody on a database of
    /// one's own).
    ///
    /// # Errors
    /// The team database refused (the id is not one, the connection is lost).
    pub fn break_presence(&self, id: &str, open: bool) -> ApiResult<Vec<String>> {
        Ok(self.store.presence(id, open)?)
    }
}
