//! Breaks: the queue, one break, imports.

use super::{ActionRow, RunDto};
use reconagent_store::BreakStatus;
use serde::Serialize;
use specta::Type;

/// The queue's filter, sort and page: the store's own type.
pub use reconagent_store::{QueueCursor, QueueFilter, QueuePage};

/// One side of a break (internal or external), decimals as text.
#[derive(Debug, Clone, Serialize, Type)]
pub struct SideDto {
    /// The side's own reference.
    pub reference: Option<String>,
    /// Decimal text.
    pub amount: Option<String>,
    /// Decimal text.
    pub quantity: Option<String>,
    /// Decimal text.
    pub price: Option<String>,
    /// YYYY-MM-DD.
    pub settle_date: Option<String>,
}

impl From<&reconagent_engine::SideRecord> for SideDto {
    fn from(s: &reconagent_engine::SideRecord) -> SideDto {
        SideDto {
            reference: s.reference.clone(),
            amount: s.amount.map(|d| d.to_string()),
            quantity: s.quantity.map(|d| d.to_string()),
            price: s.price.map(|d| d.to_string()),
            settle_date: s.settle_date.map(|d| d.to_string()),
        }
    }
}

/// A break's contents, decimals and dates as text.
#[derive(Debug, Clone, Serialize, Type)]
pub struct BreakDto {
    /// Its id.
    pub break_id: String,
    /// Its type (the policies' key).
    pub break_type: String,
    /// Asset class, when given.
    pub asset_class: Option<String>,
    /// Declared amount, decimal text.
    pub amount: String,
    /// ISO 4217 code.
    pub currency: String,
    /// YYYY-MM-DD.
    pub trade_date: Option<String>,
    /// ISO 8601, UTC.
    pub detected_at: Option<String>,
    /// Counterparty name.
    pub counterparty: Option<String>,
    /// Account.
    pub account: Option<String>,
    /// Instrument (ISIN, ticker...).
    pub instrument_id: Option<String>,
    /// Free text from the source system.
    pub description: Option<String>,
    /// The internal record.
    pub internal: SideDto,
    /// The external record.
    pub external: SideDto,
}

impl From<&reconagent_engine::Break> for BreakDto {
    fn from(b: &reconagent_engine::Break) -> BreakDto {
        BreakDto {
            break_id: b.break_id.clone(),
            break_type: b.break_type.to_string(),
            asset_class: b.asset_class.clone(),
            amount: b.amount.to_string(),
            currency: b.currency.clone(),
            trade_date: b.trade_date.map(|d| d.to_string()),
            detected_at: b.detected_at.map(|t| t.to_rfc3339()),
            counterparty: b.counterparty.clone(),
            account: b.account.clone(),
            instrument_id: b.instrument_id.clone(),
            description: b.description.clone(),
            internal: (&b.internal).into(),
            external: (&b.external).into(),
        }
    }
}

/// One break with everything the detail screen shows.
#[derive(Debug, Clone, Serialize, Type)]
pub struct BreakDetail {
    /// Its contents.
    pub brk: BreakDto,
    /// Where it is.
    pub status: BreakStatus,
    /// Who has it.
    pub assignee: Option<String>,
    /// The work queue it waits in (WORKFLOW's group), if a run routed it to one.
    pub work_queue: Option<String>,
    /// Oldest first.
    pub runs: Vec<RunDto>,
    /// Oldest first.
    pub actions: Vec<ActionRow>,
}

/// A rejected row of an imported file.
#[derive(Debug, Clone, Serialize, Type)]
pub struct RowErrorDto {
    /// 1-based row (0 for the file as a whole).
    pub row: i32,
    /// The field at fault.
    pub field: String,
    /// Why.
    pub message: String,
}

/// What an import did.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ImportSummary {
    /// The file (or "bundled sample").
    pub source: String,
    /// Breaks stored.
    pub inserted: i32,
    /// Breaks already stored.
    pub already_present: i32,
    /// Rejected rows (the first thousand; then one line counting the rest).
    pub errors: Vec<RowErrorDto>,
}
