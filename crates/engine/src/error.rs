//! The engine's errors: a break file that cannot be read at all, a row that cannot be a break,
//! an agent call that produced nothing. (A policy file's errors carry their spans and live with
//! the policy: [`crate::policy::PolicyErrors`], re-exported here.)

use crate::model::AgentKind;
use serde::Serialize;

pub use crate::policy::{PolicyError, PolicyErrors};

/// A problem with one row (1-based line number in the file; for JSON arrays the item index).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub row: usize,
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {}: {}: {}", self.row, self.field, self.message)
    }
}

/// A problem with the file as a whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("{file}: the file is empty")]
    Empty { file: String },
    #[error("{file}: this looks like a binary file (NUL byte at offset {offset}), not CSV or JSON")]
    Binary { file: String, offset: usize },
    #[error("{file}: not UTF-8 text (invalid byte at line {line}); save it as UTF-8")]
    NotUtf8 { file: String, line: usize },
    #[error("{file}: {message}")]
    Malformed { file: String, message: String },
    #[error("{file}: cannot read: {message}")]
    Io { file: String, message: String },
}

/// Why an agent call did not produce an output.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AgentError {
    #[error("{0}")]
    Failed(String),
    #[error("a dependency's output is missing: {0}")]
    MissingInput(AgentKind),
    /// A model call was not made: it could have exceeded a budget. Not retried; the agent is
    /// skipped with this reason and the break goes to review.
    #[error("{0}")]
    Budget(String),
}
