//! The shapes that cross to the front end, where they differ from the engine's and the store's
//! own types (those that do not differ cross as they are: [`BreakRow`], [`HumanAction`],
//! [`ActionRow`], [`AuditRow`] and the enums). Enums cross as enums, so the generated TypeScript
//! has their values as unions and a renamed value fails the front end's type check. Ids and
//! counts are strings or i32 and times are ISO 8601 strings or f64 microseconds (TypeScript has
//! no 64-bit integers); money is decimal text.

mod audit;
mod breaks;
mod dashboard;
mod runs;

pub use audit::*;
pub use breaks::*;
pub use dashboard::*;
pub use runs::*;

use serde::Serialize;
use specta::Type;

pub use reconagent_engine::graph::RunMode;
pub use reconagent_store::{ActionRow, AuditQuery, AuditRow, BreakRow, BreakStatus, HumanAction, Proposal};

/// What the title bar and status line show.
#[derive(Debug, Clone, Serialize, Type)]
pub struct AppInfo {
    /// Where the data is.
    pub database: String,
    /// Who acts.
    pub actor: String,
    /// The policy file in force.
    pub policy_source: String,
    /// Its content hash.
    pub policy_version: String,
    /// Breaks stored.
    pub breaks: i32,
    /// Of those, NEW.
    pub new_breaks: i32,
    /// Set when the sample breaks were loaded at start because the database was empty.
    pub loaded_sample: bool,
    /// The time ages, tiers and SLA clocks are measured to when breaks are processed now
    /// (ISO 8601, UTC, to the minute). The sample is dated relative to the day it was loaded.
    pub as_of: String,
}
