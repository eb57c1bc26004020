//! The audit log, its verification, reports.

use reconagent_store::export::ExportFormat;
use serde::{Deserialize, Serialize};
use specta::Type;

/// An audit entry as the log screen shows it: the stored entry and the same in words.
#[derive(Debug, Clone, Serialize, Type)]
pub struct AuditEntryDto {
    /// Its position in the chain.
    #[specta(type = u32)]
    pub seq: i64,
    /// ISO 8601, UTC.
    pub at: String,
    /// IMPORT, RUN, HUMAN_ACTION, ...
    pub kind: String,
    /// Who wrote it.
    pub actor: String,
    /// What it is about (a break, a policy version, a file).
    pub subject: String,
    /// The payload as stored and hashed (canonical JSON).
    pub payload: String,
    /// Its hash.
    pub hash: String,
    /// The entry in words ([`reconagent_store::AuditRow::summary`]).
    pub summary: String,
}

impl From<reconagent_store::AuditRow> for AuditEntryDto {
    fn from(r: reconagent_store::AuditRow) -> AuditEntryDto {
        let summary = r.summary();
        AuditEntryDto { seq: r.seq, at: r.at, kind: r.kind, actor: r.actor, subject: r.subject, payload: r.payload, hash: r.hash, summary }
    }
}

/// The result of verifying the audit log.
#[derive(Debug, Clone, Serialize, Type)]
pub struct VerificationDto {
    /// Entries checked.
    pub entries: i32,
    /// The last entry's hash.
    pub head: String,
    /// Whether the chain and the state agree.
    pub ok: bool,
    /// The first entry that does not (0 when it concerns no single entry).
    pub first_bad_seq: Option<i32>,
    /// Why.
    pub first_bad_reason: Option<String>,
}

/// An audit report to write.
#[derive(Debug, Clone, Deserialize, Type)]
pub struct ExportRequest {
    /// YYYY-MM-DD, inclusive.
    pub from: String,
    /// YYYY-MM-DD, inclusive.
    pub to: String,
    /// One break type.
    pub break_type: Option<String>,
    /// The file format.
    pub format: ExportFormat,
    /// Where to write it.
    pub path: String,
    /// Replace an existing file (the person confirmed); without it an existing file is a
    /// `CONFLICT` error.
    pub overwrite: bool,
}

/// What an export wrote.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ExportSummary {
    /// The file.
    pub path: String,
    /// Breaks in it.
    pub breaks: i32,
    /// Runs in it.
    pub runs: i32,
    /// Whether the chain verified when it was gathered.
    pub chain_ok: bool,
    /// The chain's head then.
    pub chain_head: String,
}
