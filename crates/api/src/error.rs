//! Errors as they cross to the front end: a code programs can match and a message people read.

use serde::Serialize;

/// What kind of failure; the UI branches on this, never on message text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// The request is wrong (a missing reason, a bad date, an illegal move).
    Invalid,
    /// The thing asked for does not exist.
    NotFound,
    /// A file could not be read or written.
    Io,
    /// A batch is already running.
    Busy,
    /// The file changed on disk since it was loaded (reload, or save again to overwrite), or an
    /// output file exists (confirm to replace it).
    Conflict,
    /// The action needs the person's confirmation first: the message is the question, in
    /// words; asking again with the confirmation does it.
    Confirm,
    /// Four eyes: the action was not applied but proposed, for an approver other than its
    /// author (the message says which limit and the proposal's number).
    Proposed,
    /// The team database refused: the person's role may not do this.
    Forbidden,
    /// Anything else (a database error).
    Internal,
}

#[derive(Debug, Clone, Serialize, specta::Type, thiserror::Error)]
#[error("{message}")]
/// A failure as the front end receives it.
pub struct ApiError {
    /// What kind of failure.
    pub code: ErrorCode,
    /// What happened, for people.
    pub message: String,
}

impl ApiError {
    /// An error of kind `code`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError { code, message: message.into() }
    }
}

impl From<reconagent_store::StoreError> for ApiError {
    fn from(e: reconagent_store::StoreError) -> ApiError {
        use reconagent_store::StoreError as E;
        let code = match &e {
            E::NoSuchBreak(_) => ErrorCode::NotFound,
            E::IllegalTransition { .. } | E::Invalid(_) | E::PolicyInvalid(_) => ErrorCode::Invalid,
            E::PolicyChangedOnDisk { .. } | E::OutputExists(_) => ErrorCode::Conflict,
            E::Io(_) | E::ForeignFile { .. } | E::NewerSchema { .. } | E::Open { .. } => ErrorCode::Io,
            E::Proposed { .. } => ErrorCode::Proposed,
            E::Team { code: Some(c), .. } if c == "42501" => ErrorCode::Forbidden,
            _ => ErrorCode::Internal,
        };
        ApiError::new(code, e.to_string())
    }
}

impl From<reconagent_engine::import::ImportError> for ApiError {
    fn from(e: reconagent_engine::import::ImportError) -> ApiError {
        ApiError::new(ErrorCode::Io, e.to_string())
    }
}

/// An operation's result.
pub type ApiResult<T> = Result<T, ApiError>;
