//! Break files: CSV with a header (any column order), JSON (an array of objects) and JSON Lines.
//! The format is a public contract, documented in `docs/break-file-format.md`.
//!
//! A malformed row is reported with its row number, field and reason; the valid rows still
//! load. Whole-file problems (empty, binary, not UTF-8) are an error.

use crate::model::{Break, BreakType, SideRecord};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::str::FromStr;

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

/// The breaks that loaded and the rows that did not.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    pub breaks: Vec<Break>,
    pub errors: Vec<RowError>,
}

/// CSV, JSON or JSON Lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
    JsonLines,
}

impl Format {
    /// From the file name's extension, else from the first non-blank character.
    pub fn detect(name: &str, text: &str) -> Format {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
            return Format::JsonLines;
        }
        if lower.ends_with(".json") {
            return Format::Json;
        }
        if lower.ends_with(".csv") {
            return Format::Csv;
        }
        match text.trim_start().chars().next() {
            Some('[') => Format::Json,
            Some('{') => Format::JsonLines,
            _ => Format::Csv,
        }
    }
}

/// Reads and parses a break file.
///
/// # Errors
/// An unreadable, empty, binary or non-UTF-8 file, or one that is not CSV/JSON at all.
pub fn read_file(path: &std::path::Path) -> Result<ImportReport, ImportError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| ImportError::Io { file: name.clone(), message: e.to_string() })?;
    parse_bytes(&bytes, &name)
}

/// Parses a break file's bytes; `name` is used in messages and to detect the format. The
/// streaming reader over the bytes as one chunk, then duplicate ids: the first occurrence wins,
/// later ones are row errors.
///
/// # Errors
/// As [`read_file`].
pub fn parse_bytes(bytes: &[u8], name: &str) -> Result<ImportReport, ImportError> {
    let mut report = ImportReport::default();
    crate::import_stream::stream_reader(bytes, name, bytes.len() as u64, usize::MAX, |chunk: ImportReport, _, _| {
        report.breaks.extend(chunk.breaks);
        report.errors.extend(chunk.errors);
        Ok::<(), ImportError>(())
    })?;
    let mut seen = HashSet::new();
    let mut dup_rows = Vec::new();
    report.breaks.retain(|b| {
        seen.insert(b.break_id.clone()) || {
            dup_rows.push(b.break_id.clone());
            false
        }
    });
    for id in dup_rows {
        report.errors.push(RowError { row: 0, field: "break_id".into(), message: format!("duplicate id `{id}` (kept the first)") });
    }
    Ok(report)
}

pub(crate) type Fields = HashMap<String, String>;

/// A JSON object's fields; the two sides' objects become `internal_*` and `external_*`.
pub(crate) fn json_fields(v: &serde_json::Value) -> Result<Fields, String> {
    let obj = v.as_object().ok_or("each break must be a JSON object")?;
    let mut out = Fields::new();
    for (k, v) in obj {
        match v {
            serde_json::Value::Object(side) if k == "internal" || k == "external" => {
                for (sk, sv) in side {
                    let key = format!("{k}_{}", if sk == "reference" { "ref" } else { sk.as_str() });
                    if let Some(s) = scalar(sv) {
                        out.insert(key, s);
                    }
                }
            }
            other => {
                if let Some(s) = scalar(other) {
                    out.insert(k.to_ascii_lowercase(), s);
                }
            }
        }
    }
    Ok(out)
}

/// JSON numbers keep their written digits (serde_json prints the shortest round-trip form);
/// amounts beyond 15 significant digits should be written as strings.
fn scalar(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) if s.trim().is_empty() => None,
        serde_json::Value::String(s) => Some(s.trim().to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        other => Some(other.to_string()),
    }
}

/// A CSV record's non-empty fields by (lower-case) header.
pub(crate) fn break_fields_csv(headers: &[String], rec: &csv::StringRecord) -> Fields {
    headers.iter().cloned().zip(rec.iter().map(str::to_string)).filter(|(_, v)| !v.is_empty()).collect()
}

/// One row's fields into a break or its errors.
pub(crate) fn push_row(report: &mut ImportReport, row: usize, f: &Fields) {
    match break_from_fields(f) {
        Ok(b) => report.breaks.push(b),
        Err(errs) => report.errors.extend(errs.into_iter().map(|(field, message)| RowError { row, field, message })),
    }
}

/// Every field problem in a row, not only the first.
fn break_from_fields(f: &Fields) -> Result<Break, Vec<(String, String)>> {
    let mut errs = Vec::new();
    let mut req = |name: &str| -> Option<String> {
        let v = f.get(name).cloned();
        if v.is_none() {
            errs.push((name.to_string(), "missing required field".to_string()));
        }
        v
    };
    let id = req("break_id");
    let ty = req("break_type");
    let amount = req("amount");
    let currency = req("currency");
    let mut errs2 = Vec::new();
    let mut dec = |name: &str, v: Option<&String>| -> Option<Decimal> {
        let v = v?;
        match Decimal::from_str(v).or_else(|_| Decimal::from_scientific(v)) {
            Ok(d) => Some(d),
            Err(_) => {
                errs2.push((name.to_string(), format!("`{v}` is not a decimal number")));
                None
            }
        }
    };
    let amount = dec("amount", amount.as_ref());
    let side = |prefix: &str, dec: &mut dyn FnMut(&str, Option<&String>) -> Option<Decimal>| SideRecord {
        reference: f.get(&format!("{prefix}_ref")).cloned(),
        amount: dec(&format!("{prefix}_amount"), f.get(&format!("{prefix}_amount"))),
        quantity: dec(&format!("{prefix}_quantity"), f.get(&format!("{prefix}_quantity"))),
        price: dec(&format!("{prefix}_price"), f.get(&format!("{prefix}_price"))),
        settle_date: None,
    };
    let mut internal = side("internal", &mut dec);
    let mut external = side("external", &mut dec);
    errs.append(&mut errs2);
    let mut date = |name: &str| -> Option<NaiveDate> {
        let v = f.get(name)?;
        match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                errs.push((name.to_string(), format!("`{v}` is not a date (YYYY-MM-DD)")));
                None
            }
        }
    };
    let trade_date = date("trade_date");
    internal.settle_date = date("internal_settle_date");
    external.settle_date = date("external_settle_date");
    let detected_at = f.get("detected_at").and_then(|v| match parse_time(v) {
        Some(t) => Some(t),
        None => {
            errs.push(("detected_at".into(), format!("`{v}` is not an ISO 8601 time (2026-11-20T09:30:00Z) or date")));
            None
        }
    });
    let currency = currency.map(|c| c.to_ascii_uppercase());
    if let Some(c) = &currency {
        if !crate::currency::is_iso_4217(c) {
            errs.push(("currency".into(), format!("`{c}` is not an ISO 4217 currency code")));
        }
    }
    if let Some(id) = &id {
        if id.len() > 128 || id.chars().any(char::is_control) {
            errs.push(("break_id".into(), "must be at most 128 printable characters".into()));
        }
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(Break {
        break_id: id.expect("checked above"),
        break_type: BreakType::parse(&ty.expect("checked above")),
        asset_class: f.get("asset_class").map(|s| s.to_ascii_uppercase()),
        amount: amount.expect("checked above"),
        currency: currency.expect("checked above"),
        trade_date,
        detected_at,
        counterparty: f.get("counterparty").cloned(),
        account: f.get("account").cloned(),
        instrument_id: f.get("instrument_id").cloned(),
        description: f.get("description").cloned(),
        internal,
        external,
    })
}

fn parse_time(v: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(v)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok().map(|d| d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc()))
}

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
