//! Breaks written as a break file (CSV in the documented column order): what the sample data
//! and tests write, and what a round trip through the reader gives back.

use crate::model::Break;
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// Writes breaks as CSV in the documented column order.
pub fn to_csv(breaks: &[Break]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_COLUMNS).expect("writing to memory");
    let s = |o: &Option<String>| o.clone().unwrap_or_default();
    let d = |o: Option<Decimal>| o.map(|d| d.to_string()).unwrap_or_default();
    let nd = |o: Option<NaiveDate>| o.map(|d| d.to_string()).unwrap_or_default();
    for b in breaks {
        w.write_record([
            b.break_id.clone(),
            b.break_type.to_string(),
            s(&b.asset_class),
            b.amount.to_string(),
            b.currency.clone(),
            nd(b.trade_date),
            b.detected_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)).unwrap_or_default(),
            s(&b.counterparty),
            s(&b.account),
            s(&b.instrument_id),
            s(&b.description),
            s(&b.internal.reference),
            d(b.internal.amount),
            d(b.internal.quantity),
            d(b.internal.price),
            nd(b.internal.settle_date),
            s(&b.external.reference),
            d(b.external.amount),
            d(b.external.quantity),
            d(b.external.price),
            nd(b.external.settle_date),
        ])
        .expect("writing to memory");
    }
    String::from_utf8(w.into_inner().expect("writing to memory")).expect("CSV of UTF-8 strings")
}

/// The documented CSV columns, in the order the app writes them.
pub const CSV_COLUMNS: [&str; 21] = [
    "break_id",
    "break_type",
    "asset_class",
    "amount",
    "currency",
    "trade_date",
    "detected_at",
    "counterparty",
    "account",
    "instrument_id",
    "description",
    "internal_ref",
    "internal_amount",
    "internal_quantity",
    "internal_price",
    "internal_settle_date",
    "external_ref",
    "external_amount",
    "external_quantity",
    "external_price",
    "external_settle_date",
];
