//! A break's lifecycle: NEW -> (run) -> AUTO_RESOLVED / PENDING_REVIEW / ESCALATED -> RESOLVED,
//! and the human actions that move it. Illegal moves are refused with the allowed ones named.

use crate::audit::{self, EventKind};
use crate::error::{Result, StoreError};
use crate::{now, Store};
use reconagent_engine::DecisionAction;
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BreakStatus {
    New,
    /// Shown while a run is in flight; never persisted, so a crash leaves NEW.
    Processing,
    AutoResolved,
    PendingReview,
    Escalated,
    Resolved,
}

impl BreakStatus {
    pub const ALL: [BreakStatus; 6] =
        [BreakStatus::New, BreakStatus::Processing, BreakStatus::AutoResolved, BreakStatus::PendingReview, BreakStatus::Escalated, BreakStatus::Resolved];

    /// The statuses that wait for a person: what Accept applies to and the review list shows.
    pub const AWAITING_REVIEW: [BreakStatus; 2] = [BreakStatus::PendingReview, BreakStatus::Escalated];

    pub fn as_str(self) -> &'static str {
        match self {
            BreakStatus::New => "NEW",
            BreakStatus::Processing => "PROCESSING",
            BreakStatus::AutoResolved => "AUTO_RESOLVED",
            BreakStatus::PendingReview => "PENDING_REVIEW",
            BreakStatus::Escalated => "ESCALATED",
            BreakStatus::Resolved => "RESOLVED",
        }
    }

    pub fn parse(s: &str) -> Option<BreakStatus> {
        BreakStatus::ALL.into_iter().find(|b| b.as_str() == s)
    }

    pub fn from_decision(d: DecisionAction) -> BreakStatus {
        match d {
            DecisionAction::AutoResolve => BreakStatus::AutoResolved,
            DecisionAction::HilReview => BreakStatus::PendingReview,
            DecisionAction::Escalate => BreakStatus::Escalated,
        }
    }
}

/// What a person does to a break.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum HumanAction {
    /// Agree with the run's decision; the break is resolved.
    Accept,
    /// Replace the decision; a reason is mandatory.
    Override {
        decision: DecisionAction,
        reason: String,
    },
    Assign {
        assignee: String,
    },
    Comment {
        text: String,
    },
    /// Close the break.
    Resolve {
        comment: String,
    },
}

impl HumanAction {
    fn name(&self) -> &'static str {
        match self {
            HumanAction::Accept => "ACCEPT",
            HumanAction::Override { .. } => "OVERRIDE",
            HumanAction::Assign { .. } => "ASSIGN",
            HumanAction::Comment { .. } => "COMMENT",
            HumanAction::Resolve { .. } => "RESOLVE",
        }
    }
}

impl Store {
    /// Applies a human action, by [`Store::actor`], with its audit entry, in one transaction.
    ///
    /// # Errors
    /// Unknown break, an empty override reason, or an action not allowed in the break's status.
    pub fn act(&self, break_id: &str, action: &HumanAction) -> Result<BreakStatus> {
        let at = now();
        if let HumanAction::Override { reason, .. } = action {
            if reason.trim().is_empty() {
                return Err(StoreError::Invalid("an override needs a reason".into()));
            }
        }
        self.write(|tx| {
            let status: Option<String> = tx.query_row("SELECT status FROM breaks WHERE break_id = ?1", [break_id], |r| r.get(0)).optional()?;
            let status = status.ok_or_else(|| StoreError::NoSuchBreak(break_id.to_string()))?;
            let from = BreakStatus::parse(&status).unwrap_or(BreakStatus::New);
            let (allowed, to): (&[BreakStatus], BreakStatus) = match action {
                HumanAction::Accept => (&BreakStatus::AWAITING_REVIEW, BreakStatus::Resolved),
                HumanAction::Override { decision, .. } => (
                    &[BreakStatus::AutoResolved, BreakStatus::PendingReview, BreakStatus::Escalated],
                    match decision {
                        DecisionAction::AutoResolve => BreakStatus::Resolved,
                        d => BreakStatus::from_decision(*d),
                    },
                ),
                HumanAction::Resolve { .. } => (&[BreakStatus::AutoResolved, BreakStatus::PendingReview, BreakStatus::Escalated], BreakStatus::Resolved),
                HumanAction::Assign { .. } | HumanAction::Comment { .. } => (&BreakStatus::ALL, from),
            };
            if !allowed.contains(&from) {
                return Err(StoreError::IllegalTransition {
                    id: break_id.to_string(),
                    from: status,
                    action: action.name().to_string(),
                    allowed: allowed.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "),
                });
            }
            let (decision, reason, assignee, comment) = match action {
                HumanAction::Accept => (None, None, None, None),
                HumanAction::Override { decision, reason } => (Some(decision.as_str()), Some(reason.as_str()), None, None),
                HumanAction::Assign { assignee } => (None, None, Some(assignee.as_str()), None),
                HumanAction::Comment { text } => (None, None, None, Some(text.as_str())),
                HumanAction::Resolve { comment } => (None, None, None, Some(comment.as_str())),
            };
            tx.execute(
                "INSERT INTO actions (break_id, kind, actor, at, decision, reason, assignee, comment) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![break_id, action.name(), self.actor, at, decision, reason, assignee, comment],
            )?;
            tx.execute(
                "UPDATE breaks SET status = ?2, assignee = COALESCE(?3, assignee), decision = COALESCE(?4, decision), updated_at = ?5 WHERE break_id = ?1",
                params![break_id, to.as_str(), assignee, decision, at],
            )?;
            audit::append(tx, EventKind::HumanAction, &self.actor, break_id, &json!({"action": action, "from": from.as_str(), "to": to.as_str()}), &at)?;
            Ok(to)
        })
    }
}
