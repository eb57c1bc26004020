//! Read models for the screens: a break's history, the audit log by period and kind, and the
//! efficiency aggregates (v1 vs v2) that the dashboard and `reconagent compare` report.

use reconagent_engine::graph::RunMode;
use reconagent_engine::{AgentKind, DecisionAction, RiskTier};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

/// A person's action on a break, as recorded (in an audit report too).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ActionRow {
    pub break_id: String,
    /// ACCEPT, OVERRIDE, ASSIGN, COMMENT or RESOLVE, as stored.
    pub kind: String,
    pub actor: String,
    pub at: String,
    pub decision: Option<String>,
    pub reason: Option<String>,
    pub assignee: Option<String>,
    pub comment: Option<String>,
    /// The second person who approved it, for an action the limits reserve for two (team
    /// database).
    pub approved_by: Option<String>,
}

/// An action that needs a second person (four eyes, team database): proposed by one person,
/// approved or rejected by an approver who is not its author.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Proposal {
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub proposal_id: i64,
    pub break_id: String,
    pub action: crate::HumanAction,
    /// Which limit, in words ("tier CRITICAL", "exposure ... above ...").
    pub why: String,
    pub proposed_by: String,
    pub proposed_at: String,
    /// OPEN, APPROVED or REJECTED.
    pub state: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub decision_reason: Option<String>,
}

/// An audit entry as stored (in an audit report too). `kind` is text, not an [`crate::EventKind`]:
/// the log shows what is there, even an entry someone tampered with.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AuditRow {
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub seq: i64,
    pub at: String,
    pub kind: String,
    pub actor: String,
    pub subject: String,
    pub payload: String,
    pub hash: String,
}

/// Which audit entries a page of the log shows, newest first.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AuditQuery {
    /// ISO 8601 prefix, inclusive.
    pub from: Option<String>,
    /// ISO 8601 prefix, inclusive (a date covers its day).
    pub to: Option<String>,
    /// One kind.
    pub kind: Option<crate::EventKind>,
    /// One break's entries (the entry's subject, exactly).
    #[serde(default)]
    pub subject: Option<String>,
    /// Entries older than this one (keyset paging: the `seq` of the last entry of the page
    /// before); none for the newest.
    #[cfg_attr(feature = "specta", specta(type = Option<u32>))]
    pub before: Option<i64>,
    /// Entries in the page (1 to 10,000; 0 means 500).
    #[serde(default)]
    pub limit: u32,
}

/// Which runs the aggregates cover; `None` means any. Times are ISO 8601 UTC prefixes compared
/// as text (`2026-11-20` covers the day).
#[derive(Debug, Clone, Default)]
pub struct EfficiencyFilter {
    pub from: Option<String>,
    pub to: Option<String>,
    pub break_type: Option<String>,
}

/// One group (mode, type, tier) of runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupStats {
    pub mode: RunMode,
    pub break_type: String,
    pub tier: RiskTier,
    pub runs: u64,
    pub agents_invoked: f64,
    pub agents_planned: f64,
    pub early_exit_rate: f64,
    pub mean_wall_us: f64,
    /// Mean modelled time with the seed's latency profile (ms).
    pub mean_modelled_ms: f64,
    /// Mean modelled cost with the seed's cost model (USD).
    pub mean_modelled_cost: Decimal,
    /// Runs that asked a model (model-backed agents).
    pub llm_runs: u64,
    /// Mean measured cost of those runs' model calls (base currency); `None` without any.
    pub mean_measured_cost: Option<Decimal>,
    /// decision -> count
    pub decisions: BTreeMap<DecisionAction, u64>,
}

/// How often a checkpoint fired (also as the dashboard receives it).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CheckpointRate {
    pub checkpoint_id: String,
    /// The agent it follows.
    pub after_agent: AgentKind,
    /// Times tested.
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub evaluated: u64,
    /// Times it decided.
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub fired: u64,
}

/// Runs per day and mode (also as the dashboard receives them).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DayCount {
    /// YYYY-MM-DD (UTC).
    pub day: String,
    pub mode: RunMode,
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub runs: u64,
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub auto_resolved: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Efficiency {
    pub groups: Vec<GroupStats>,
    pub checkpoints: Vec<CheckpointRate>,
    pub per_day: Vec<DayCount>,
}

/// The filter's bounds as text to compare ISO 8601 times with: `to` covers its whole day.
pub(crate) fn bounds(f: &EfficiencyFilter) -> (String, String) {
    // `to` is inclusive of the whole day: compare against the next character after the prefix.
    (f.from.clone().unwrap_or_default(), f.to.clone().map(|t| format!("{t}\u{10FFFF}")).unwrap_or_else(|| "\u{10FFFF}".into()))
}

/// Run counts and sums per group (mode, type, tier), added up from whatever rows a backend
/// aggregates (rollups, or runs grouped in SQL), then turned into means once.
#[derive(Default)]
pub(crate) struct GroupSums(BTreeMap<GroupKey, GroupSum>);

/// A group: mode, break type, tier.
type GroupKey = (RunMode, String, RiskTier);
/// Runs; agents invoked, planned, early exits, wall us, modelled ms; cost; runs per decision;
/// runs that asked a model and their measured cost.
type GroupSum = (u64, [i64; 5], Decimal, BTreeMap<DecisionAction, u64>, (u64, Decimal));

impl GroupSums {
    /// Adds `runs` runs that ended in `decision`; `sums` are runs, agents invoked, agents planned,
    /// early exits, wall time (us) and modelled time (ms); `cost` their modelled cost, as text;
    /// `measured` how many asked a model and what those calls cost, as text.
    pub(crate) fn add(
        &mut self,
        key: (RunMode, String, RiskTier),
        decision: DecisionAction,
        sums: [i64; 6],
        cost: &str,
        measured: (i64, &str),
    ) -> crate::Result<()> {
        let s = self.0.entry(key).or_default();
        let runs = u64::try_from(sums[0]).map_err(|_| crate::StoreError::Invalid(format!("a negative run count {}", sums[0])))?;
        s.0 += runs;
        for (acc, v) in s.1.iter_mut().zip(&sums[1..]) {
            *acc += v;
        }
        let cost: Decimal = cost.parse().map_err(|e| crate::StoreError::Invalid(format!("modelled cost `{cost}`: {e}")))?;
        s.2 = s.2.checked_add(cost).ok_or_else(|| crate::StoreError::Invalid("modelled cost sum overflows".into()))?;
        *s.3.entry(decision).or_default() += runs;
        let llm_runs = u64::try_from(measured.0).map_err(|_| crate::StoreError::Invalid(format!("a negative run count {}", measured.0)))?;
        let m: Decimal = measured.1.parse().map_err(|e| crate::StoreError::Invalid(format!("measured cost `{}`: {e}", measured.1)))?;
        s.4 .0 += llm_runs;
        s.4 .1 = s.4 .1.checked_add(m).ok_or_else(|| crate::StoreError::Invalid("measured cost sum overflows".into()))?;
        Ok(())
    }

    /// The groups' means.
    pub(crate) fn finish(self) -> Vec<GroupStats> {
        self.0
            .into_iter()
            .map(|((mode, break_type, tier), (runs, [invoked, planned, early, wall, ms], cost, decisions, (llm_runs, measured)))| {
                let n = runs.max(1) as f64;
                GroupStats {
                    mode,
                    break_type,
                    tier,
                    runs,
                    agents_invoked: invoked as f64 / n,
                    agents_planned: planned as f64 / n,
                    early_exit_rate: early as f64 / n,
                    mean_wall_us: wall as f64 / n,
                    mean_modelled_ms: ms as f64 / n,
                    mean_modelled_cost: (cost / Decimal::from(runs.max(1))).round_dp(5),
                    llm_runs,
                    mean_measured_cost: (llm_runs > 0).then(|| (measured / Decimal::from(llm_runs)).round_dp(8)),
                    decisions,
                }
            })
            .collect()
    }
}

impl AuditRow {
    /// The entry in words, for a person reading the log: what happened, to what, with the
    /// numbers and reasons the payload holds. The payload stays the record; an entry whose
    /// payload does not read as its kind is shown as it is.
    pub fn summary(&self) -> String {
        let Ok(p) = serde_json::from_str::<serde_json::Value>(&self.payload) else { return self.payload.clone() };
        let s = |k: &str| p[k].as_str().unwrap_or("").to_string();
        let n = |k: &str| p[k].as_i64().map(|v| crate::lifecycle::group_digits(&v.to_string())).unwrap_or_else(|| "?".into());
        match self.kind.as_str() {
            "IMPORT" => format!("Imported {} breaks from {} ({} already present).", n("inserted"), self.subject, n("already_present")),
            "RUN" => {
                let by = serde_json::from_value::<reconagent_engine::DecidedBy>(p["decided_by"].clone()).map(|d| d.to_string()).unwrap_or_default();
                let shadow = if p["shadow"].as_bool() == Some(true) { " (a comparison: the break is unchanged)" } else { "" };
                format!(
                    "Run {} ({}) of {} under {}: {} by {}, tier {}, {} agents{}; the break is {}.",
                    n("run_id"),
                    s("mode"),
                    self.subject,
                    s("policy"),
                    s("decision"),
                    by,
                    s("tier"),
                    n("agents_invoked"),
                    shadow,
                    if s("status").is_empty() { "unchanged".into() } else { s("status") }
                )
            }
            "HUMAN_ACTION" => {
                let a = &p["action"];
                let t = |k: &str| a[k].as_str().unwrap_or("");
                let what = match t("kind") {
                    "OVERRIDE" => format!("Override to {} because \"{}\"", t("decision"), t("reason")),
                    "ASSIGN" => format!("Assigned to {}", t("assignee")),
                    "COMMENT" => format!("Comment \"{}\"", t("text")),
                    "RESOLVE" => format!("Resolved (\"{}\")", t("comment")),
                    "ACCEPT" => "Accepted the decision".to_string(),
                    "UNDO" => format!("Undid {}, restoring {}", t("undone"), t("decision")),
                    other => other.to_string(),
                };
                let approved = match (p["approved_by"].as_str(), p["proposed_by"].as_str()) {
                    (Some(b), Some(a)) => format!(", proposed by {a} and approved by {b}"),
                    _ => String::new(),
                };
                format!("{what} on {}{approved}: {} → {}.", self.subject, s("from"), s("to"))
            }
            "PROPOSAL" if p["decision"].as_str() == Some("REJECTED") => {
                format!("Proposal {} by {} on {} rejected: \"{}\".", n("proposal"), s("proposed_by"), self.subject, s("reason"))
            }
            "PROPOSAL" => format!(
                "Proposed {} on {} (proposal {}): a second person decides it because {}.",
                p["action"]["kind"].as_str().unwrap_or("an action"),
                self.subject,
                n("proposal"),
                s("why")
            ),
            "POLICY_SAVED" if p["proposed_by"].is_string() => format!(
                "Policy version {} in force for the team: proposed by {} (proposal {}, \"{}\") and approved by {}.",
                &self.subject[..12.min(self.subject.len())],
                s("proposed_by"),
                n("proposal"),
                s("note"),
                self.actor
            ),
            "POLICY_SAVED" => format!("Policy version {} saved from {}: \"{}\".", &self.subject[..12.min(self.subject.len())], s("source"), s("note")),
            "POLICY_PROPOSAL" if p["decision"].as_str() == Some("REJECTED") => {
                format!("Policy proposal {} by {} rejected: \"{}\".", n("proposal"), s("proposed_by"), s("reason"))
            }
            "POLICY_PROPOSAL" => format!(
                "Proposed policy version {} (proposal {}, \"{}\"): another policy admin approves it before it is in force.",
                &self.subject[..12.min(self.subject.len())],
                n("proposal"),
                s("note")
            ),
            "EXPORT_MADE" => format!(
                "Report exported ({}, {} to {}, {} breaks) to {}; chain {}.",
                s("format"),
                s("from"),
                s("to"),
                n("breaks"),
                self.subject,
                if p["chain_ok"].as_bool() == Some(true) { "intact" } else { "BROKEN" }
            ),
            "BREAK_REPLACED" => format!("Contents of {} replaced (\"{}\"): was {}, NEW again.", self.subject, s("reason"), s("from")),
            _ => self.payload.clone(),
        }
    }
}

/// The desk's state: what waits, what is late, and who did what in a period.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DeskStats {
    /// Breaks waiting for a person (PENDING_REVIEW and ESCALATED), now.
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub waiting: i64,
    /// Of those, ESCALATED.
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub escalated: i64,
    /// Of those waiting, past their SLA deadline at `as_of`; at least this many when not
    /// `overdue_exact` (see [`overdue`]).
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub overdue: i64,
    /// Whether `overdue` is exact.
    pub overdue_exact: bool,
    /// NEW breaks, not processed yet.
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub new: i64,
    /// The time "overdue" is measured to (ISO 8601, UTC).
    pub as_of: String,
    /// Per person, the actions taken in the period, most active first.
    pub people: Vec<PersonActions>,
}

/// One person's actions in a period, by kind.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PersonActions {
    pub actor: String,
    pub accepted: u32,
    pub overridden: u32,
    pub resolved: u32,
    pub assigned: u32,
    pub commented: u32,
    pub undone: u32,
    /// Every action, including the above.
    pub total: u32,
}

impl PersonActions {
    /// Folds `(actor, kind, count)` rows, in any order, into one line per person, most active
    /// first (then by name). Shared by every backend.
    pub fn from_counts(rows: impl IntoIterator<Item = (String, String, i64)>) -> Vec<PersonActions> {
        let mut by: std::collections::BTreeMap<String, PersonActions> = std::collections::BTreeMap::new();
        for (actor, kind, n) in rows {
            let p = by.entry(actor.clone()).or_insert_with(|| PersonActions { actor, ..Default::default() });
            let n = u32::try_from(n).unwrap_or(u32::MAX);
            match kind.as_str() {
                "ACCEPT" => p.accepted += n,
                "OVERRIDE" => p.overridden += n,
                "RESOLVE" => p.resolved += n,
                "ASSIGN" => p.assigned += n,
                "COMMENT" => p.commented += n,
                "UNDO" => p.undone += n,
                _ => {}
            }
            p.total = p.total.saturating_add(n);
        }
        let mut out: Vec<PersonActions> = by.into_values().collect();
        out.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.actor.cmp(&b.actor)));
        out
    }
}

/// How many waiting breaks the desk counts one by one at most, on either side of the SLA line.
pub const OVERDUE_CAP: i64 = 20_000;

/// The sides of the SLA line among waiting breaks, for [`overdue`].
pub enum Side {
    Late,
    OnTime,
    NoDeadline,
}

/// Waiting breaks past their SLA deadline without reading them all: count the late ones up to
/// [`OVERDUE_CAP`]; past that, count the on-time ones (and those without a deadline) up to the
/// cap and subtract from `waiting` (from the counters). Only when both sides pass the cap is the
/// figure a lower bound, returned with `false`. `count(side)` returns at most `OVERDUE_CAP + 1`.
/// Shared by every backend.
pub fn overdue(waiting: i64, mut count: impl FnMut(Side) -> crate::Result<i64>) -> crate::Result<(i64, bool)> {
    let late = count(Side::Late)?;
    if late <= OVERDUE_CAP {
        return Ok((late, true));
    }
    let on_time = count(Side::OnTime)?;
    let none = count(Side::NoDeadline)?;
    if on_time <= OVERDUE_CAP && none <= OVERDUE_CAP {
        return Ok(((waiting - on_time - none).max(late), true));
    }
    Ok((late, false))
}

/// The desk, composed the same way on every backend from what each one reads its own way:
/// `count` a queue filter's total (the counters where they count it), `side` the capped count of
/// waiting breaks on one side of the SLA line at `as_of` (see [`overdue`]), `actions` each
/// person's actions by kind in the period.
pub fn compose_desk(
    as_of: &str,
    count: impl Fn(&crate::QueueFilter) -> crate::Result<u64>,
    side: impl FnMut(Side) -> crate::Result<i64>,
    actions: impl FnOnce() -> crate::Result<Vec<(String, String, i64)>>,
) -> crate::Result<DeskStats> {
    use crate::lifecycle::BreakStatus;
    let waiting = count(&crate::QueueFilter { awaiting_review: true, ..Default::default() })? as i64;
    let escalated = count(&crate::QueueFilter { status: Some(BreakStatus::Escalated), ..Default::default() })? as i64;
    let new = count(&crate::QueueFilter { status: Some(BreakStatus::New), ..Default::default() })? as i64;
    let (overdue, overdue_exact) = overdue(waiting, side)?;
    Ok(DeskStats { waiting, escalated, overdue, overdue_exact, new, as_of: as_of.to_string(), people: PersonActions::from_counts(actions()?) })
}

#[cfg(test)]
mod overdue_tests {
    use super::*;

    fn run(waiting: i64, late: i64, on_time: i64, none: i64) -> (i64, bool) {
        let cap = |n: i64| n.min(OVERDUE_CAP + 1);
        overdue(waiting, |s| {
            Ok(match s {
                Side::Late => cap(late),
                Side::OnTime => cap(on_time),
                Side::NoDeadline => cap(none),
            })
        })
        .unwrap()
    }

    #[test]
    fn overdue_is_exact_unless_both_sides_of_the_line_are_large() {
        assert_eq!(run(100, 30, 70, 0), (30, true), "few late: counted");
        assert_eq!(run(600_000, 590_000, 9_000, 1_000), (590_000, true), "many late: the on-time side subtracted");
        assert_eq!(run(600_000, 300_000, 300_000, 0), (OVERDUE_CAP + 1, false), "both sides large: a lower bound");
        assert_eq!(run(0, 0, 0, 0), (0, true));
    }
}
