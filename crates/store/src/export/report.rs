//! An audit report: what it covers and what it holds (each backend gathers it).

use crate::audit::Verification;
use chrono::{NaiveDate, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// Which part of the record a report covers: days `from..=to` (UTC), optionally one break type.
#[derive(Debug, Clone, Serialize)]
pub struct ReportQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub break_type: Option<String>,
}

impl ReportQuery {
    /// The query's bounds as ISO 8601 times: `[from 00:00, the day after to 00:00)`.
    pub fn bounds(&self) -> (String, String) {
        let start = self.from.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
        let end = (self.to + chrono::Duration::days(1)).and_hms_opt(0, 0, 0).expect("midnight").and_utc();
        let f = |t: chrono::DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        (f(start), f(end))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportBreak {
    pub break_id: String,
    pub break_type: String,
    pub counterparty: Option<String>,
    pub amount: String,
    pub currency: String,
    pub tier: Option<String>,
    pub status: String,
    pub decision: Option<String>,
    /// What decided the latest run (a checkpoint, DECISIONING, the fallback, the fail-safe), or
    /// the person whose override or acceptance stands.
    pub decided_by: String,
    pub assignee: Option<String>,
    pub latest_run_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportRun {
    pub run_id: i64,
    pub break_id: String,
    pub mode: String,
    pub started_at: String,
    pub policy_key: String,
    pub policy_version: String,
    pub tier: String,
    pub decision: String,
    pub confidence: f64,
    pub decided_by: String,
    pub agents_invoked: Vec<String>,
    /// "AGENT: reason" for each agent that did not run to completion.
    pub agents_skipped: Vec<String>,
    /// Why the run was held for a person instead of auto-resolving (invariant S1): errors,
    /// doubts, and the policy limits that stopped an AUTO_RESOLVE.
    pub held_because: Vec<String>,
    /// The decision's reasons in words (the engine's [`reconagent_engine::evidence`]), as the app
    /// and `explain` show them.
    pub rationale: Vec<String>,
}

/// A person's action in a report: the store's [`crate::ActionRow`].
pub type ReportAction = crate::ActionRow;

/// An audit entry in a report: the store's [`crate::AuditRow`].
pub type ReportEntry = crate::AuditRow;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReportSummary {
    pub breaks: usize,
    pub runs: usize,
    pub actions: usize,
    pub audit_entries: usize,
    pub overrides: usize,
    /// decision -> count over the breaks' current decisions
    pub by_decision: BTreeMap<String, usize>,
    /// "TYPE/TIER" -> decision -> count
    pub by_type_tier: BTreeMap<String, BTreeMap<String, usize>>,
    /// status -> count
    pub by_status: BTreeMap<String, usize>,
}

/// What a report says before its rows: who made it, when, over what, the chain as verified at
/// export time with its signed head, and the counts. Each backend computes it inside the same
/// read snapshot as the rows it then streams.
#[derive(Debug, Clone, Serialize)]
pub struct ReportHead {
    pub generated_at: String,
    pub generated_by: String,
    pub database: String,
    pub query: ReportQuery,
    pub chain: Verification,
    pub anchor: crate::anchor::Anchor,
    pub summary: ReportSummary,
}

/// A report's tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Actions,
    AuditEntries,
    Breaks,
    Runs,
}

impl Section {
    /// The section's key in a JSON report.
    pub fn key(self) -> &'static str {
        match self {
            Section::Actions => "actions",
            Section::AuditEntries => "audit_entries",
            Section::Breaks => "breaks",
            Section::Runs => "runs",
        }
    }
}

/// One row of a report's table.
#[derive(Debug, Clone, Copy)]
pub enum ReportItem<'a> {
    Action(&'a ReportAction),
    Entry(&'a ReportEntry),
    Break(&'a ReportBreak),
    Run(&'a ReportRun),
}

/// What a report is written to, row by row as the backend reads them: the head first, then
/// each section in the sink's own order. Nothing holds the whole report.
pub trait ReportSink {
    /// The sections, in the order this sink writes them.
    fn order(&self) -> [Section; 4];
    fn head(&mut self, head: &ReportHead) -> crate::Result<()>;
    fn begin(&mut self, section: Section) -> crate::Result<()>;
    fn item(&mut self, item: ReportItem) -> crate::Result<()>;
    fn end(&mut self, section: Section) -> crate::Result<()>;
}

/// A sink that keeps everything: the whole report in memory, for tests and small reads.
#[derive(Default)]
pub struct Collect {
    pub breaks: Vec<ReportBreak>,
    pub runs: Vec<ReportRun>,
    pub actions: Vec<ReportAction>,
    pub audit_entries: Vec<ReportEntry>,
}

impl ReportSink for Collect {
    fn order(&self) -> [Section; 4] {
        [Section::Breaks, Section::Runs, Section::Actions, Section::AuditEntries]
    }
    fn head(&mut self, _: &ReportHead) -> crate::Result<()> {
        Ok(())
    }
    fn begin(&mut self, _: Section) -> crate::Result<()> {
        Ok(())
    }
    fn item(&mut self, item: ReportItem) -> crate::Result<()> {
        match item {
            ReportItem::Action(a) => self.actions.push(a.clone()),
            ReportItem::Entry(e) => self.audit_entries.push(e.clone()),
            ReportItem::Break(b) => self.breaks.push(b.clone()),
            ReportItem::Run(r) => self.runs.push(r.clone()),
        }
        Ok(())
    }
    fn end(&mut self, _: Section) -> crate::Result<()> {
        Ok(())
    }
}

impl AuditReport {
    /// A head and its collected rows, as one report.
    pub fn from_parts(head: ReportHead, rows: Collect) -> AuditReport {
        AuditReport {
            generated_at: head.generated_at,
            generated_by: head.generated_by,
            database: head.database,
            query: head.query,
            chain: head.chain,
            anchor: head.anchor,
            summary: head.summary,
            breaks: rows.breaks,
            runs: rows.runs,
            actions: rows.actions,
            audit_entries: rows.audit_entries,
        }
    }
}

/// Everything an auditor gets.
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    pub generated_at: String,
    pub generated_by: String,
    pub database: String,
    pub query: ReportQuery,
    /// The chain recomputed at export time: its head hash and whether it was intact.
    pub chain: Verification,
    /// The head signed with this installation's key, and how to check it later.
    pub anchor: crate::anchor::Anchor,
    pub summary: ReportSummary,
    pub breaks: Vec<ReportBreak>,
    pub runs: Vec<ReportRun>,
    pub actions: Vec<ReportAction>,
    pub audit_entries: Vec<ReportEntry>,
}

/// Readable form of a stored `DecidedBy` JSON value.
pub(crate) fn describe_decided_by(json: &str) -> String {
    serde_json::from_str::<reconagent_engine::DecidedBy>(json).map(|d| d.to_string()).unwrap_or_else(|_| json.to_string())
}

impl ReportRun {
    /// A run as a report lists it, from its stored columns: (run id, break, mode, started at),
    /// (policy key, policy version, tier, decision), confidence, `decided_by` JSON and the graph
    /// JSON (what it invoked, skipped and why it was held). Shared by every backend.
    pub(crate) fn from_stored(
        (run_id, break_id, mode, started_at): (i64, String, String, String),
        (policy_key, policy_version, tier, decision): (String, String, String, String),
        confidence: f64,
        decided_by: &str,
        graph: &str,
    ) -> crate::Result<ReportRun> {
        let graph: reconagent_engine::graph::ExecutionGraph = serde_json::from_str(graph)?;
        Ok(ReportRun {
            run_id,
            break_id,
            mode,
            started_at,
            policy_key,
            policy_version,
            tier,
            decision,
            confidence,
            decided_by: describe_decided_by(decided_by),
            agents_invoked: graph.nodes.iter().filter(|n| n.status.invoked()).map(|n| n.agent.to_string()).collect(),
            agents_skipped: graph
                .nodes
                .iter()
                .filter_map(|n| n.skip_reason.as_ref().map(|s| format!("{}: {s}", n.agent)).or_else(|| n.error.as_ref().map(|e| format!("{}: {e}", n.agent))))
                .collect(),
            held_because: graph.decision.holds.iter().map(|h| h.to_string()).collect(),
            rationale: graph.decision.rationale,
        })
    }
}
