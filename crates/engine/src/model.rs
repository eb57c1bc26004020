//! The domain model: breaks, profiles, decisions. Every type here is serde-serialisable; money is
//! [`Decimal`], times are UTC.
//!
//! Over 400 lines on purpose: the vocabulary every crate shares (types, tiers, decisions, agents
//! and their names), kept in one file so each name has one home.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The kind of reconciliation a break came from. Unknown kinds keep their name and route to the
/// `DEFAULT` policy.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BreakType {
    TradeOmsMismatch,
    CashReconciliation,
    BrokerVsInternal,
    PnlReconciliation,
    RegulatoryData,
    Other(String),
}

impl BreakType {
    /// The five break types the shipped policies know by name.
    pub const KNOWN: [BreakType; 5] =
        [BreakType::TradeOmsMismatch, BreakType::CashReconciliation, BreakType::BrokerVsInternal, BreakType::PnlReconciliation, BreakType::RegulatoryData];

    /// Parses a name as written in files and policies (`CASH_RECONCILIATION`); anything else is
    /// kept as [`BreakType::Other`] in upper case.
    pub fn parse(name: &str) -> BreakType {
        match name.trim().to_ascii_uppercase().as_str() {
            "TRADE_OMS_MISMATCH" => BreakType::TradeOmsMismatch,
            "CASH_RECONCILIATION" => BreakType::CashReconciliation,
            "BROKER_VS_INTERNAL" => BreakType::BrokerVsInternal,
            "PNL_RECONCILIATION" => BreakType::PnlReconciliation,
            "REGULATORY_DATA" => BreakType::RegulatoryData,
            other => BreakType::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            BreakType::TradeOmsMismatch => "TRADE_OMS_MISMATCH",
            BreakType::CashReconciliation => "CASH_RECONCILIATION",
            BreakType::BrokerVsInternal => "BROKER_VS_INTERNAL",
            BreakType::PnlReconciliation => "PNL_RECONCILIATION",
            BreakType::RegulatoryData => "REGULATORY_DATA",
            BreakType::Other(name) => name,
        }
    }
}

impl fmt::Display for BreakType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for BreakType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for BreakType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Ok(BreakType::parse(&name))
    }
}

/// Risk tier, ordered: `Low < Medium < High < Critical`.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RiskTier {
    Low,
    Medium,
    High,
    Critical,
}

impl RiskTier {
    pub const ALL: [RiskTier; 4] = [RiskTier::Low, RiskTier::Medium, RiskTier::High, RiskTier::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            RiskTier::Low => "LOW",
            RiskTier::Medium => "MEDIUM",
            RiskTier::High => "HIGH",
            RiskTier::Critical => "CRITICAL",
        }
    }

    pub fn parse(name: &str) -> Option<RiskTier> {
        RiskTier::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// 0 for LOW up to 3 for CRITICAL.
    pub fn rank(self) -> u8 {
        self as u8
    }

    /// This tier raised by `steps`, saturating at CRITICAL.
    pub fn raised(self, steps: u8) -> RiskTier {
        RiskTier::ALL[(self.rank() as usize + steps as usize).min(3)]
    }
}

impl fmt::Display for RiskTier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One side of a break (our books or the other party's).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SideRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settle_date: Option<NaiveDate>,
}

impl SideRecord {
    pub fn is_empty(&self) -> bool {
        self == &SideRecord::default()
    }
}

/// A reconciliation break: a difference between our record and another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Break {
    pub break_id: String,
    pub break_type: BreakType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset_class: Option<String>,
    /// Signed difference, internal minus external, in `currency`.
    pub amount: Decimal,
    /// ISO 4217 code.
    pub currency: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detected_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterparty: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instrument_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "SideRecord::is_empty")]
    pub internal: SideRecord,
    #[serde(default, skip_serializing_if = "SideRecord::is_empty")]
    pub external: SideRecord,
}

/// Hints the classifier gives the router and the reviewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RoutingHint {
    /// Both sides agree on amount; only the settlement dates differ.
    LikelyTimingDifference,
    /// A small difference on a foreign-currency break: likely conversion rounding.
    PossibleFxRounding,
    /// The absolute difference is within the absolute tolerance.
    SmallAbsoluteDifference,
    /// One side record is missing.
    MissingCounterpart,
    /// The break type has no policy of its own; routed through DEFAULT.
    UnknownBreakType,
    /// No FX rate for the currency: exposure could not be measured, tier raised to be safe.
    NoFxRate,
    /// Older than the last age-escalation step.
    Stale,
    /// The exposure overflows the decimal range: it could not be measured, tier CRITICAL.
    ExposureUnmeasurable,
}

impl RoutingHint {
    pub fn as_str(self) -> &'static str {
        match self {
            RoutingHint::LikelyTimingDifference => "LIKELY_TIMING_DIFFERENCE",
            RoutingHint::PossibleFxRounding => "POSSIBLE_FX_ROUNDING",
            RoutingHint::SmallAbsoluteDifference => "SMALL_ABSOLUTE_DIFFERENCE",
            RoutingHint::MissingCounterpart => "MISSING_COUNTERPART",
            RoutingHint::UnknownBreakType => "UNKNOWN_BREAK_TYPE",
            RoutingHint::NoFxRate => "NO_FX_RATE",
            RoutingHint::Stale => "STALE",
            RoutingHint::ExposureUnmeasurable => "EXPOSURE_UNMEASURABLE",
        }
    }
}

/// Which amount the classifier measured a break's exposure from: the larger of the declared
/// amount and the difference between the two sides (when both sides carry an amount), so a
/// break that declares 1.00 while its sides differ by 5,000,000 is not routed as small.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExposureBasis {
    /// The declared amount (no second amount to compare, or it was the larger).
    #[default]
    Declared,
    /// Internal minus external, which is larger than the declared amount.
    SidesDifference,
    /// The arithmetic overflowed the decimal range: exposure unknown, treated as CRITICAL.
    Unmeasurable,
}

impl ExposureBasis {
    pub fn as_str(self) -> &'static str {
        match self {
            ExposureBasis::Declared => "DECLARED",
            ExposureBasis::SidesDifference => "SIDES_DIFFERENCE",
            ExposureBasis::Unmeasurable => "UNMEASURABLE",
        }
    }

    /// What the reviewer reads: where the exposure figure comes from.
    pub fn describe(self) -> &'static str {
        match self {
            ExposureBasis::Declared => "from the declared amount",
            ExposureBasis::SidesDifference => "from the sides' difference, which is larger than the declared amount",
            ExposureBasis::Unmeasurable => "unmeasurable (the amounts overflow): treated as CRITICAL",
        }
    }
}

/// What the classifier concluded about a break; the input of routing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BreakProfile {
    pub break_id: String,
    pub break_type: BreakType,
    pub asset_class: String,
    /// The exposure amount (see [`ExposureBasis`]) converted to the base currency, times the
    /// asset-class multiplier.
    pub exposure: Decimal,
    /// Which amount the exposure was measured from.
    #[serde(default)]
    pub exposure_basis: ExposureBasis,
    pub base_currency: String,
    /// Tier from exposure alone, before age escalation and the per-type minimum.
    pub exposure_tier: RiskTier,
    pub tier: RiskTier,
    pub age_days: i64,
    /// 0..=100: how large the exposure is against the CRITICAL threshold (log scale).
    pub materiality: u8,
    /// 0..=100: how soon this needs attention (age, tier, settlement proximity).
    pub urgency: u8,
    pub hints: Vec<RoutingHint>,
}

/// What a run concluded.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DecisionAction {
    AutoResolve,
    HilReview,
    Escalate,
}

impl DecisionAction {
    pub const ALL: [DecisionAction; 3] = [DecisionAction::AutoResolve, DecisionAction::HilReview, DecisionAction::Escalate];

    pub fn as_str(self) -> &'static str {
        match self {
            DecisionAction::AutoResolve => "AUTO_RESOLVE",
            DecisionAction::HilReview => "HIL_REVIEW",
            DecisionAction::Escalate => "ESCALATE",
        }
    }

    pub fn parse(name: &str) -> Option<DecisionAction> {
        DecisionAction::ALL.into_iter().find(|d| d.as_str() == name)
    }
}

impl fmt::Display for DecisionAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who reached a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DecidedBy {
    /// A policy checkpoint fired (early exit).
    Checkpoint { id: String, after_agent: crate::AgentKind },
    /// The DECISIONING agent.
    Agent { agent: crate::AgentKind },
    /// No checkpoint fired and no DECISIONING agent ran: the plan's fallback.
    Fallback,
    /// An agent failed or a checkpoint could not be evaluated: the fail-safe (an error never
    /// auto-resolves). The reasons are the decision's `holds`.
    FailSafe,
}

impl fmt::Display for DecidedBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecidedBy::Checkpoint { id, after_agent } => write!(f, "checkpoint {id} after {after_agent}"),
            DecidedBy::Agent { agent } => write!(f, "agent {agent}"),
            DecidedBy::Fallback => f.write_str("policy fallback"),
            DecidedBy::FailSafe => f.write_str("fail-safe (an error: a person must review)"),
        }
    }
}

/// The outcome of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub action: DecisionAction,
    /// 0.0..=1.0. A score, not money, so a float is fine here.
    pub confidence: f64,
    pub rationale: Vec<String>,
    pub decided_by: DecidedBy,
    pub at: DateTime<Utc>,
    /// Why this run may not auto-resolve (safety invariant S1, see [`crate::safety`]): every
    /// error or doubt found, and, when the plan proposed AUTO_RESOLVE, the policy limits that
    /// stopped it. Empty for a clean run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holds: Vec<SafetyHold>,
}

/// One reason a run is held for a person instead of auto-resolving (see [`crate::safety`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SafetyHold {
    /// S1(a): an agent failed or timed out after its retries.
    AgentFailed { agent: AgentKind, error: String },
    /// S1(a): a planned agent neither completed nor was skipped by an early exit.
    AgentNotCompleted { agent: AgentKind, reason: String },
    /// S1(a): a checkpoint condition could not be evaluated (or did not give true/false).
    CheckpointError { checkpoint: String, error: String },
    /// S1(b): the break's own records contradict each other.
    RecordsInconsistent { issues: Vec<String> },
    /// S1(c): the break type is not a plain policy name (A-Z, 0-9, _): it may be disguised.
    TypeNotPlain { break_type: String },
    /// S1(c): the policy never auto-resolves this type (classifier.never_auto_resolve).
    NeverAutoResolved { break_type: String },
    /// S1(d): the tier is above classifier.auto_resolve_max_tier.
    TierAboveLimit { tier: RiskTier, max: RiskTier },
    /// S1(d): the exposure could not be measured (decimal overflow).
    ExposureUnmeasurable,
}

impl SafetyHold {
    /// Errors and doubts (as opposed to policy limits) are recorded on every run, whatever it
    /// decided; policy limits only when they stopped an AUTO_RESOLVE.
    pub fn is_doubt(&self) -> bool {
        !matches!(self, SafetyHold::NeverAutoResolved { .. } | SafetyHold::TierAboveLimit { .. })
    }
}

impl fmt::Display for SafetyHold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SafetyHold::AgentFailed { agent, error } => write!(f, "{agent} failed: {error}"),
            SafetyHold::AgentNotCompleted { agent, reason } => write!(f, "{agent} did not complete ({reason})"),
            SafetyHold::CheckpointError { checkpoint, error } => write!(f, "checkpoint {checkpoint} could not be evaluated: {error}"),
            SafetyHold::RecordsInconsistent { issues } => write!(f, "the break's records are inconsistent: {}", issues.join("; ")),
            SafetyHold::TypeNotPlain { break_type } => {
                write!(f, "break type {break_type:?} is not a plain name (A-Z, 0-9, _): it may imitate another type")
            }
            SafetyHold::NeverAutoResolved { break_type } => write!(f, "{break_type} is never auto-resolved (classifier.never_auto_resolve)"),
            SafetyHold::TierAboveLimit { tier, max } => write!(f, "tier {tier} is above the auto-resolve limit {max} (classifier.auto_resolve_max_tier)"),
            SafetyHold::ExposureUnmeasurable => f.write_str("the exposure could not be measured (the amounts overflow the decimal range)"),
        }
    }
}

/// The seven agents, in v1's sequential order.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum AgentKind {
    Ingestion,
    Enrichment,
    Matching,
    Rules,
    Pattern,
    Decisioning,
    Workflow,
}

impl AgentKind {
    pub const ALL: [AgentKind; 7] =
        [AgentKind::Ingestion, AgentKind::Enrichment, AgentKind::Matching, AgentKind::Rules, AgentKind::Pattern, AgentKind::Decisioning, AgentKind::Workflow];

    pub fn as_str(self) -> &'static str {
        match self {
            AgentKind::Ingestion => "INGESTION",
            AgentKind::Enrichment => "ENRICHMENT",
            AgentKind::Matching => "MATCHING",
            AgentKind::Rules => "RULES",
            AgentKind::Pattern => "PATTERN",
            AgentKind::Decisioning => "DECISIONING",
            AgentKind::Workflow => "WORKFLOW",
        }
    }

    /// The name agent outputs have in checkpoint conditions (`rules.within_tolerance`).
    pub fn variable(self) -> &'static str {
        match self {
            AgentKind::Ingestion => "ingestion",
            AgentKind::Enrichment => "enrichment",
            AgentKind::Matching => "matching",
            AgentKind::Rules => "rules",
            AgentKind::Pattern => "pattern",
            AgentKind::Decisioning => "decisioning",
            AgentKind::Workflow => "workflow",
        }
    }

    pub fn parse(name: &str) -> Option<AgentKind> {
        AgentKind::ALL.into_iter().find(|a| a.as_str() == name)
    }

    /// The agents whose outputs this agent's code reads. A plan that runs one of them must
    /// make it an ancestor of this agent (validation checks), so that the agent never decides
    /// without evidence its plan gathers. The others read only the break, its profile and
    /// reference data: RULES takes FX rates from reference data, as the classifier does, and
    /// ENRICHMENT's output is recorded for the reviewer, not read by another agent.
    pub fn reads(self) -> &'static [AgentKind] {
        match self {
            AgentKind::Decisioning => &[AgentKind::Ingestion, AgentKind::Matching, AgentKind::Rules, AgentKind::Pattern],
            _ => &[],
        }
    }

    /// Whether the agent's output is an end in itself rather than evidence for another agent
    /// or a checkpoint: the decision (DECISIONING), the queue and SLA (WORKFLOW), the reference
    /// data the reviewer sees (ENRICHMENT). Policy checks do not warn that nothing reads them.
    pub fn output_stands_alone(self) -> bool {
        matches!(self, AgentKind::Decisioning | AgentKind::Workflow | AgentKind::Enrichment)
    }

    /// Position in [`AgentKind::ALL`]; used to index per-agent arrays.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for AgentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
