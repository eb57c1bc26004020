//! A break's lifecycle: NEW -> (run) -> AUTO_RESOLVED / PENDING_REVIEW / ESCALATED -> RESOLVED,
//! and the human actions that move it. Illegal moves are refused with the allowed ones named.

use crate::error::StoreError;
use reconagent_engine::DecisionAction;
use serde::{Deserialize, Serialize};

/// Where a break is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
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
    /// Every status, in lifecycle order.
    pub const ALL: [BreakStatus; 6] =
        [BreakStatus::New, BreakStatus::Processing, BreakStatus::AutoResolved, BreakStatus::PendingReview, BreakStatus::Escalated, BreakStatus::Resolved];

    /// The statuses that wait for a person: what Accept applies to and the review list shows.
    pub const AWAITING_REVIEW: [BreakStatus; 2] = [BreakStatus::PendingReview, BreakStatus::Escalated];

    /// The status as stored.
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

    /// A stored status, or `None` for text that is not one.
    pub fn parse(s: &str) -> Option<BreakStatus> {
        BreakStatus::ALL.into_iter().find(|b| b.as_str() == s)
    }

    /// The status a run's decision gives a break.
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
#[cfg_attr(feature = "specta", derive(specta::Type))]
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
    /// The action's name as recorded (`ACCEPT`, `OVERRIDE`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            HumanAction::Accept => "ACCEPT",
            HumanAction::Override { .. } => "OVERRIDE",
            HumanAction::Assign { .. } => "ASSIGN",
            HumanAction::Comment { .. } => "COMMENT",
            HumanAction::Resolve { .. } => "RESOLVE",
        }
    }
}

impl HumanAction {
    /// The status this action moves a break in `from` to, or why it may not: every backend
    /// applies this one rule. `break_id` names the break in the error.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for an override without a reason, an assignment to nobody or an
    /// empty comment; [`StoreError::IllegalTransition`]
    /// naming the statuses the action is allowed from.
    ///
    /// ```
    /// use reconagent_store::{BreakStatus, HumanAction};
    /// assert_eq!(HumanAction::Accept.transition("B1", BreakStatus::Escalated).unwrap(), BreakStatus::Resolved);
    /// assert!(HumanAction::Accept.transition("B1", BreakStatus::New).is_err(), "nothing to accept yet");
    /// ```
    pub fn transition(&self, break_id: &str, from: BreakStatus) -> Result<BreakStatus, StoreError> {
        let empty = match self {
            HumanAction::Override { reason, .. } if reason.trim().is_empty() => Some("an override needs a reason"),
            HumanAction::Assign { assignee } if assignee.trim().is_empty() => Some("name someone to assign to"),
            HumanAction::Comment { text } if text.trim().is_empty() => Some("a comment cannot be empty"),
            _ => None,
        };
        if let Some(message) = empty {
            return Err(StoreError::Invalid(message.into()));
        }
        const DECIDED: [BreakStatus; 3] = [BreakStatus::AutoResolved, BreakStatus::PendingReview, BreakStatus::Escalated];
        let (allowed, to): (&[BreakStatus], BreakStatus) = match self {
            HumanAction::Accept => (&BreakStatus::AWAITING_REVIEW, BreakStatus::Resolved),
            HumanAction::Override { decision, .. } => (
                &DECIDED,
                match decision {
                    DecisionAction::AutoResolve => BreakStatus::Resolved,
                    d => BreakStatus::from_decision(*d),
                },
            ),
            HumanAction::Resolve { .. } => (&DECIDED, BreakStatus::Resolved),
            HumanAction::Assign { .. } | HumanAction::Comment { .. } => (&BreakStatus::ALL, from),
        };
        if !allowed.contains(&from) {
            return Err(StoreError::IllegalTransition {
                id: break_id.to_string(),
                from: from.as_str().to_string(),
                action: self.name().to_string(),
                allowed: allowed.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "),
            });
        }
        Ok(to)
    }

    /// The columns an action row holds besides its kind: (decision, reason, assignee, comment).
    pub fn fields(&self) -> (Option<&'static str>, Option<&str>, Option<&str>, Option<&str>) {
        match self {
            HumanAction::Accept => (None, None, None, None),
            HumanAction::Override { decision, reason } => (Some(decision.as_str()), Some(reason.as_str()), None, None),
            HumanAction::Assign { assignee } => (None, None, Some(assignee.as_str()), None),
            HumanAction::Comment { text } => (None, None, None, Some(text.as_str())),
            HumanAction::Resolve { comment } => (None, None, None, Some(comment.as_str())),
        }
    }
}
