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
    /// Take back one's own latest ACCEPT, OVERRIDE or RESOLVE on the break, within
    /// [`UNDO_WINDOW_SECS`] and while nothing else has happened to the break since: the status
    /// and decision it replaced come back. It is an action of its own (kind UNDO); nothing is
    /// removed from the record. The person sends it empty; the store fills in what it undid.
    Undo {
        /// Filled by the store: what was undone, for example "ACCEPT at 2026-12-01T10:00:00.000Z".
        #[serde(default)]
        undone: String,
        /// Filled by the store: the decision restored.
        #[serde(default)]
        decision: Option<DecisionAction>,
    },
}

/// How long after an action its author may still undo it, in seconds.
pub const UNDO_WINDOW_SECS: i64 = 600;

/// The latest action on a break, as [`HumanAction::undo_of`] needs it.
#[derive(Debug, Clone)]
pub struct LastAction {
    pub kind: String,
    pub actor: String,
    pub at: String,
    /// The status it moved the break from and to (its HUMAN_ACTION entry's `from` and `to`).
    pub from: BreakStatus,
    pub to: BreakStatus,
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
            HumanAction::Undo { .. } => "UNDO",
        }
    }

    /// The UNDO that takes back `last` for `me` at `now` on a break now in `current` status
    /// whose record last changed at `updated_at`: the filled action and the status it restores.
    /// Every backend applies this one rule.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] saying why there is nothing to undo: no action, someone else's,
    /// not an ACCEPT, OVERRIDE or RESOLVE, older than [`UNDO_WINDOW_SECS`], or the break changed
    /// since (a run, another action, a replacement).
    pub fn undo_of(
        break_id: &str,
        last: Option<&LastAction>,
        me: &str,
        current: BreakStatus,
        updated_at: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(HumanAction, BreakStatus), StoreError> {
        let nothing = |why: String| Err(StoreError::Invalid(format!("nothing to undo on {break_id}: {why}")));
        let Some(last) = last else { return nothing("no one has acted on it".into()) };
        if !matches!(last.kind.as_str(), "ACCEPT" | "OVERRIDE" | "RESOLVE") {
            return nothing(format!("its latest action is {} by {}, and only ACCEPT, OVERRIDE and RESOLVE are undone", last.kind, last.actor));
        }
        if last.actor != me {
            return nothing(format!("its latest action is {} by {}, not by you", last.kind, last.actor));
        }
        let at = chrono::DateTime::parse_from_rfc3339(&last.at).map_err(|e| StoreError::Invalid(format!("action time {}: {e}", last.at)))?;
        let age = now.signed_duration_since(at).num_seconds();
        if age > UNDO_WINDOW_SECS {
            return nothing(format!("your {} was {} minutes ago; undo is possible for {} minutes", last.kind, age / 60, UNDO_WINDOW_SECS / 60));
        }
        if current != last.to || updated_at != last.at {
            return nothing(format!("it changed after your {} (it is {} now)", last.kind, current.as_str()));
        }
        let decision = match last.from {
            BreakStatus::AutoResolved => DecisionAction::AutoResolve,
            BreakStatus::PendingReview => DecisionAction::HilReview,
            BreakStatus::Escalated => DecisionAction::Escalate,
            other => return nothing(format!("it was {} before your {}", other.as_str(), last.kind)),
        };
        Ok((HumanAction::Undo { undone: format!("{} at {}", last.kind, last.at), decision: Some(decision) }, last.from))
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
            HumanAction::Undo { .. } => return Err(StoreError::Invalid("an undo is applied with `HumanAction::undo_of`".into())),
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

    /// What a person confirms before this action takes effect on `row`, in words, or `None`
    /// when it needs no confirmation. An action that closes or re-decides a break of a tier in
    /// [`CONFIRMED_TIERS`] is confirmed first: a key pressed on the wrong line must not close a
    /// CRITICAL break unseen. Assigning and commenting change no decision and need none.
    ///
    /// ```
    /// use reconagent_engine::{DecisionAction, RiskTier};
    /// use reconagent_store::{BreakRow, BreakStatus, HumanAction};
    /// let row = BreakRow {
    ///     break_id: "BRK-7".into(), break_type: "CASH_RECONCILIATION".into(), counterparty: None,
    ///     amount: "-563898.00".into(), currency: "CHF".into(), status: BreakStatus::Escalated,
    ///     tier: Some(RiskTier::Critical), decision: Some(DecisionAction::Escalate), assignee: None,
    ///     sla_deadline: None, detected_at: None, work_queue: None,
    /// };
    /// assert_eq!(
    ///     HumanAction::Accept.confirmation(&row).unwrap(),
    ///     "BRK-7 is CRITICAL (ESCALATED, -563,898.00 CHF, CASH_RECONCILIATION). Accept its decision ESCALATE and close it?"
    /// );
    /// assert!(HumanAction::Comment { text: "seen".into() }.confirmation(&row).is_none());
    /// ```
    pub fn confirmation(&self, row: &crate::queue::BreakRow) -> Option<String> {
        let tier = row.tier.filter(|t| CONFIRMED_TIERS.contains(t))?;
        let what =
            format!("{} is {} ({}, {} {}, {})", row.break_id, tier.as_str(), row.status.as_str(), group_digits(&row.amount), row.currency, row.break_type);
        let decision = row.decision.map_or("none", |d| d.as_str());
        match self {
            HumanAction::Accept => Some(format!("{what}. Accept its decision {decision} and close it?")),
            HumanAction::Override { decision: to, .. } => Some(format!("{what}. Override its decision {decision} with {}?", to.as_str())),
            HumanAction::Resolve { .. } => Some(format!("{what}. Resolve it (close it) as it stands?")),
            HumanAction::Assign { .. } | HumanAction::Comment { .. } | HumanAction::Undo { .. } => None,
        }
    }

    /// The columns an action row holds besides its kind: (decision, reason, assignee, comment).
    pub fn fields(&self) -> (Option<&'static str>, Option<&str>, Option<&str>, Option<&str>) {
        match self {
            HumanAction::Accept => (None, None, None, None),
            HumanAction::Override { decision, reason } => (Some(decision.as_str()), Some(reason.as_str()), None, None),
            HumanAction::Assign { assignee } => (None, None, Some(assignee.as_str()), None),
            HumanAction::Comment { text } => (None, None, None, Some(text.as_str())),
            HumanAction::Resolve { comment } => (None, None, None, Some(comment.as_str())),
            HumanAction::Undo { undone, decision } => (decision.map(|d| d.as_str()), None, None, Some(undone.as_str())),
        }
    }
}

/// Tiers whose breaks a person confirms before accepting, overriding or resolving them
/// ([`HumanAction::confirmation`]).
pub const CONFIRMED_TIERS: [reconagent_engine::RiskTier; 2] = [reconagent_engine::RiskTier::High, reconagent_engine::RiskTier::Critical];

/// Thousands grouped on a decimal's digits (one home: the engine's evidence sentences use it too).
pub use reconagent_engine::evidence::group_digits;

#[cfg(test)]
mod confirmation_tests {
    use super::*;
    use crate::queue::BreakRow;
    use reconagent_engine::RiskTier;

    #[test]
    fn digits_are_grouped_and_other_text_is_left_alone() {
        for (a, b) in
            [("-563898.00", "-563,898.00"), ("1234567", "1,234,567"), ("999", "999"), ("1000.5", "1,000.5"), ("0.01", "0.01"), ("1e5", "1e5"), ("", "")]
        {
            assert_eq!(group_digits(a), b);
        }
    }

    /// Every action that closes or re-decides a HIGH or CRITICAL break asks first, on any
    /// status; nothing else does.
    #[test]
    fn closing_or_redeciding_a_severe_break_is_confirmed_and_nothing_else() {
        let actions = [
            HumanAction::Accept,
            HumanAction::Override { decision: DecisionAction::AutoResolve, reason: "r".into() },
            HumanAction::Resolve { comment: String::new() },
            HumanAction::Assign { assignee: "ann".into() },
            HumanAction::Comment { text: "c".into() },
        ];
        for tier in [None, Some(RiskTier::Low), Some(RiskTier::Medium), Some(RiskTier::High), Some(RiskTier::Critical)] {
            for status in BreakStatus::ALL {
                for a in &actions {
                    let row = BreakRow {
                        break_id: "B".into(),
                        break_type: "T".into(),
                        counterparty: None,
                        amount: "1".into(),
                        currency: "USD".into(),
                        status,
                        tier,
                        decision: None,
                        assignee: None,
                        sla_deadline: None,
                        detected_at: None,
                        work_queue: None,
                    };
                    let severe = tier.is_some_and(|t| CONFIRMED_TIERS.contains(&t));
                    let changes_decision = matches!(a, HumanAction::Accept | HumanAction::Override { .. } | HumanAction::Resolve { .. });
                    let asked = a.confirmation(&row);
                    assert_eq!(asked.is_some(), severe && changes_decision, "{a:?} on {tier:?} {status:?}");
                    if let (Some(q), Some(t)) = (asked, tier) {
                        assert!(q.contains(t.as_str()) && q.ends_with('?'), "{q}");
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod undo_tests {
    use super::*;
    use chrono::{Duration, Utc};

    fn last(kind: &str, actor: &str, at: chrono::DateTime<Utc>) -> LastAction {
        LastAction { kind: kind.into(), actor: actor.into(), at: at.to_rfc3339(), from: BreakStatus::Escalated, to: BreakStatus::Resolved }
    }

    fn refused(r: Result<(HumanAction, BreakStatus), StoreError>) -> String {
        match r {
            Err(StoreError::Invalid(m)) => m,
            other => panic!("an undo was allowed: {other:?}"),
        }
    }

    #[test]
    fn an_undo_restores_the_status_and_decision_within_the_window_only() {
        let now = Utc::now();
        let l = last("OVERRIDE", "ann", now - Duration::seconds(UNDO_WINDOW_SECS - 1));
        let (action, to) = HumanAction::undo_of("B1", Some(&l), "ann", BreakStatus::Resolved, &l.at, now).unwrap();
        assert_eq!(to, BreakStatus::Escalated);
        assert_eq!(action, HumanAction::Undo { undone: format!("OVERRIDE at {}", l.at), decision: Some(DecisionAction::Escalate) });

        let old = last("ACCEPT", "ann", now - Duration::seconds(UNDO_WINDOW_SECS + 60));
        assert!(refused(HumanAction::undo_of("B1", Some(&old), "ann", BreakStatus::Resolved, &old.at, now)).contains("undo is possible for 10 minutes"));
        assert!(refused(HumanAction::undo_of("B1", Some(&l), "bob", BreakStatus::Resolved, &l.at, now)).ends_with("not by you"));
        assert!(refused(HumanAction::undo_of("B1", Some(&l), "ann", BreakStatus::Escalated, &l.at, now)).contains("it changed after your OVERRIDE"));
        assert!(refused(HumanAction::undo_of("B1", Some(&l), "ann", BreakStatus::Resolved, "2026-01-01T00:00:00Z", now)).contains("it changed after"));
        let assign = last("ASSIGN", "ann", now);
        assert!(refused(HumanAction::undo_of("B1", Some(&assign), "ann", BreakStatus::Resolved, &assign.at, now)).contains("only ACCEPT, OVERRIDE and RESOLVE"));
        assert!(refused(HumanAction::undo_of("B1", None, "ann", BreakStatus::Resolved, "", now)).ends_with("no one has acted on it"));
        assert!(HumanAction::Undo { undone: String::new(), decision: None }.transition("B1", BreakStatus::Resolved).is_err(), "only undo_of applies an undo");
    }
}
