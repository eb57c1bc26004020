//! The store's errors.

/// Why a store operation failed. Messages are for people; `code` is for programs.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: not a Recon Agent database (application id {found:#x}); nothing was changed")]
    ForeignFile { path: String, found: i32 },
    #[error("{path}: written by a newer Recon Agent (schema {found}, this one reads up to {supported}); nothing was changed")]
    NewerSchema { path: String, found: i64, supported: i64 },
    #[error("{path}: cannot open the database: {message}")]
    Open { path: String, message: String },
    #[error("no break `{0}`")]
    NoSuchBreak(String),
    #[error("break `{id}` is {from}: {action} is not allowed (allowed from {allowed})")]
    IllegalTransition { id: String, from: String, action: String, allowed: String },
    #[error("{0}")]
    Invalid(String),
    /// Four eyes: the action was not applied; it waits, as proposal `proposal`, for an approver
    /// other than its author.
    #[error("break `{break_id}` needs a second person ({why}): proposed as proposal {proposal}, for an approver other than you to approve or reject")]
    Proposed { break_id: String, proposal: i64, why: String },
    /// An output file exists and replacing it was not asked for.
    #[error("{0}")]
    OutputExists(String),
    #[error("{path} changed on disk since it was loaded (loaded {expected:.12}, now {found:.12}): reload it, or save again to overwrite")]
    PolicyChangedOnDisk { path: String, expected: String, found: String },
    #[error("the policy is not valid, nothing was saved:\n{0}")]
    PolicyInvalid(reconagent_engine::policy::PolicyErrors),
    // Transparent: the message is the cause's own, once (a `{0}` message with the cause as its
    // source printed it twice in a chain: "Is a directory (os error 21): Is a directory ...").
    #[error(transparent)]
    Sql(#[from] rusqlite::Error),
    /// The team database refused or failed: its own message (and SQLSTATE code when it gave one).
    #[error("team database: {message}")]
    Team { message: String, code: Option<String> },
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

pub type Result<T> = std::result::Result<T, StoreError>;

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> StoreError {
        match e.as_db_error() {
            // The team schema's own codes (migrations/0002_team_store.sql): the same errors as
            // the embedded store's, so callers and the app treat both alike.
            Some(db) if db.code().code() == "RA404" => StoreError::NoSuchBreak(db.message().to_string()),
            Some(db) if db.code().code() == "RA422" => StoreError::Invalid(db.message().to_string()),
            Some(db) if db.code().code() == "RA409" => {
                let detail: serde_json::Value = db.detail().and_then(|d| serde_json::from_str(d).ok()).unwrap_or_default();
                let field = |k: &str| detail.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_string();
                let id = db.message().strip_prefix("break ").and_then(|m| m.rsplit_once(" is ")).map(|(id, _)| id.to_string()).unwrap_or_default();
                StoreError::IllegalTransition { id, from: field("from"), action: field("action"), allowed: field("allowed") }
            }
            Some(db) => StoreError::Team { message: db.message().to_string(), code: Some(db.code().code().to_string()) },
            // The client's own errors say what in their source ("invalid configuration:
            // password missing", "error connecting to server: Connection refused").
            None => {
                let mut message = e.to_string();
                if let Some(source) = std::error::Error::source(&e) {
                    message.push_str(&format!(": {source}"));
                }
                StoreError::Team { message, code: None }
            }
        }
    }
}
