//! Recon Agent's audit store: breaks and their lifecycle, every run's execution graph, human
//! actions, policy versions, and an append-only hash-chained audit log. Nothing here knows about
//! Tauri.
//!
//! - [`backend`] is the seam: what the API, the CLI and the engine need from a store, as a few
//!   traits ([`Backend`] is all of them). Callers hold an `Arc<dyn Backend>`.
//! - [`sqlite`] is the embedded implementation ([`SqliteStore`]), the default for one person.
//! - The rules that do not depend on where data lives are here, once: the lifecycle
//!   ([`HumanAction::transition`]), a run's rows and digest ([`run_rows`]), the chain's hashing
//!   ([`audit`]), the signed head ([`anchor`]), policy files ([`policies`]), report files
//!   ([`export`]) and atomic file writes ([`fsio`]).

pub mod anchor;
pub mod audit;
pub mod backend;
mod error;
pub mod export;
pub mod fsio;
mod lifecycle;
pub mod policies;
pub mod postgres;
mod queue;
pub mod run_rows;
pub mod sqlite;
mod stats;

pub use audit::{EventKind, Verification};
pub use backend::AuditStore;
pub use backend::{Backend, BreakStore, PolicyStore, ReviewStore, RunStore};
pub use error::{Result, StoreError};
pub use lifecycle::{group_digits, BreakStatus, HumanAction, LastAction, UNDO_WINDOW_SECS};
pub use policies::{PolicyProposal, PolicySave, TeamPolicy};
pub use queue::{BreakRow, QueueCursor, QueueFilter, QueuePage, QueueSort};
pub use run_rows::PreparedRun;
pub use sqlite::{
    data_dir, default_path, env_database, exchanges_dir, head_of, local_path, verify_file, verify_file_expecting, verify_state, SqliteStore, StoreHistory,
    APPLICATION_ID, SCHEMA_VERSION,
};
pub use stats::{ActionRow, AuditQuery, AuditRow, CheckpointRate, DayCount, DeskStats, Efficiency, EfficiencyFilter, GroupStats, PersonActions, Proposal};

/// The embedded default backend under its historical name.
pub type Store = SqliteStore;

/// The traits a caller needs in scope to use a [`Backend`]: `use reconagent_store::prelude::*;`.
pub mod prelude {
    pub use crate::backend::{AuditStore, Backend, BreakStore, PolicyStore, ReviewStore, RunStore};
    pub use crate::{BreakStatus, HumanAction};
}

/// Whether `location` names a team database (`postgres://` or `postgresql://`) rather than a
/// file.
pub fn is_team_url(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

/// The store at `location`: a team database by URL (acting as its session user), else a
/// SQLite file, created if needed (acting as `$RECONAGENT_ACTOR` or the OS user).
///
/// # Errors
/// As [`postgres::PgStore::connect`] or [`SqliteStore::open`].
pub fn open_backend(location: &std::path::Path) -> Result<std::sync::Arc<dyn Backend>> {
    let text = location.to_string_lossy();
    Ok(if is_team_url(&text) { std::sync::Arc::new(postgres::PgStore::connect(&text)?) } else { std::sync::Arc::new(SqliteStore::open(location)?) })
}
