//! One row of a break file to one break: the fields of a CSV record or a JSON item, cleaned
//! (NFC, no control characters, lengths in characters), exact decimals, times not in the future,
//! and duplicate ids. Every problem is a row error naming the field.

use super::report::ImportReport;
use crate::error::RowError;
use crate::model::{Break, BreakType, SideRecord};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use std::collections::HashMap;

/// The most characters a field may have. Longer values are row errors (an XLSX cell holds at
/// most 32,767 characters, and no break needs more).
pub const MAX_ID_CHARS: usize = 128;
pub const MAX_TYPE_CHARS: usize = 64;
pub const MAX_DESCRIPTION_CHARS: usize = 4_000;
pub const MAX_TEXT_CHARS: usize = 256;
/// A decimal is at most this many characters as written.
pub const MAX_DECIMAL_CHARS: usize = 64;

/// What an import accepts beyond the format: the clock `detected_at` is checked against.
#[derive(Debug, Clone, Copy)]
pub struct ImportRules {
    /// The time "now" for the future check.
    pub now: DateTime<Utc>,
    /// How far in the future a `detected_at` may be (clock skew between systems).
    pub max_future_skew: chrono::Duration,
}

/// The default skew allowed for `detected_at`, unless `RECONAGENT_MAX_FUTURE_SKEW_MINUTES` says.
pub const DEFAULT_MAX_FUTURE_SKEW_MINUTES: i64 = 60;

impl Default for ImportRules {
    /// Now, and a skew of [`DEFAULT_MAX_FUTURE_SKEW_MINUTES`] or the minutes in the
    /// environment variable `RECONAGENT_MAX_FUTURE_SKEW_MINUTES`.
    fn default() -> Self {
        let minutes = std::env::var("RECONAGENT_MAX_FUTURE_SKEW_MINUTES")
            .ok()
            .and_then(|v| v.trim().parse::<i64>().ok())
            .filter(|m| (0..=525_600).contains(m))
            .unwrap_or(DEFAULT_MAX_FUTURE_SKEW_MINUTES);
        ImportRules { now: Utc::now(), max_future_skew: chrono::Duration::minutes(minutes) }
    }
}

/// Ids seen so far in one file, with the row of their first occurrence: 16 bytes of hash per
/// id (two independent SipHash keys), so a file of millions of rows stays in tens of MB.
#[derive(Default)]
pub(crate) struct SeenIds(HashMap<u128, usize>);

impl SeenIds {
    /// The row `id` was first seen on, if it was; otherwise records it at `row`.
    fn first_row(&mut self, id: &str, row: usize) -> Option<usize> {
        use std::hash::{Hash, Hasher};
        let mut a = std::collections::hash_map::DefaultHasher::new();
        (0u8, id).hash(&mut a);
        let mut b = std::collections::hash_map::DefaultHasher::new();
        (1u8, id).hash(&mut b);
        let key = (u128::from(a.finish()) << 64) | u128::from(b.finish());
        match self.0.entry(key) {
            std::collections::hash_map::Entry::Occupied(e) => Some(*e.get()),
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(row);
                None
            }
        }
    }
}

pub(crate) type Fields = HashMap<String, String>;

/// A JSON value as written: an object keeps its members in order, duplicates included, and
/// every value as its raw text (numbers keep every written digit; nothing is parsed that could
/// fail for the whole file).
pub(crate) enum RawItem {
    Object(Vec<(String, Box<serde_json::value::RawValue>)>),
    NotObject,
}

impl<'de> serde::Deserialize<'de> for RawItem {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RawItem;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<RawItem, A::Error> {
                let mut out = Vec::new();
                while let Some(k) = m.next_key::<String>()? {
                    out.push((k, m.next_value::<Box<serde_json::value::RawValue>>()?));
                }
                Ok(RawItem::Object(out))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut s: A) -> Result<RawItem, A::Error> {
                while s.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(RawItem::NotObject)
            }
            fn visit_bool<E>(self, _: bool) -> Result<RawItem, E> {
                Ok(RawItem::NotObject)
            }
            fn visit_i64<E>(self, _: i64) -> Result<RawItem, E> {
                Ok(RawItem::NotObject)
            }
            fn visit_u64<E>(self, _: u64) -> Result<RawItem, E> {
                Ok(RawItem::NotObject)
            }
            fn visit_f64<E>(self, _: f64) -> Result<RawItem, E> {
                Ok(RawItem::NotObject)
            }
            fn visit_str<E>(self, _: &str) -> Result<RawItem, E> {
                Ok(RawItem::NotObject)
            }
            fn visit_unit<E>(self) -> Result<RawItem, E> {
                Ok(RawItem::NotObject)
            }
        }
        d.deserialize_any(V)
    }
}

/// One JSON row's text into its fields (JSON Lines: a line; JSON arrays: an item's raw text).
pub(crate) fn json_row_fields(text: &str) -> Result<Fields, String> {
    let item: RawItem = serde_json::from_str(text).map_err(|e| e.to_string())?;
    json_fields(&item)
}

/// A JSON object's fields; the two sides' objects become `internal_*` and `external_*`. Names
/// are not case-sensitive: two members whose names differ only in case are a row error.
fn json_fields(item: &RawItem) -> Result<Fields, String> {
    let RawItem::Object(members) = item else { return Err("each break must be a JSON object".into()) };
    let mut out = Fields::new();
    let put = |key: String, v: Option<String>, out: &mut Fields| -> Result<(), String> {
        if out.contains_key(&key) {
            return Err(format!("`{key}` is given twice (field names are not case-sensitive)"));
        }
        if let Some(v) = v {
            out.insert(key, v);
        } else {
            // an explicit null still takes the name, so a second spelling is caught
            out.insert(key, String::new());
        }
        Ok(())
    };
    for (k, v) in members {
        let lower = k.to_lowercase();
        let raw = v.get().trim_start();
        if (lower == "internal" || lower == "external") && raw.starts_with('{') {
            let side: RawItem = serde_json::from_str(raw).map_err(|e| format!("{k}: {e}"))?;
            let RawItem::Object(side) = side else { unreachable!("starts with {{") };
            for (sk, sv) in &side {
                let sk = sk.to_lowercase();
                let key = format!("{lower}_{}", if sk == "reference" { "ref" } else { sk.as_str() });
                put(key, scalar(sv.get())?, &mut out)?;
            }
        } else {
            put(lower, scalar(raw)?, &mut out)?;
        }
    }
    out.retain(|_, v| !v.is_empty());
    Ok(out)
}

/// A raw JSON value as field text: strings unquoted and trimmed, numbers exactly as written,
/// `true`/`false` as words, null or blank as absent; arrays and objects as their JSON text.
fn scalar(raw: &str) -> Result<Option<String>, String> {
    let raw = raw.trim();
    match raw.as_bytes().first() {
        None | Some(b'n') => Ok(None),
        Some(b'"') => {
            let s: String = serde_json::from_str(raw).map_err(|e| e.to_string())?;
            let s = s.trim();
            Ok(if s.is_empty() { None } else { Some(s.to_string()) })
        }
        _ => Ok(Some(raw.to_string())),
    }
}

/// A CSV record's non-empty fields by (lower-case) header.
pub(crate) fn break_fields_csv(headers: &[String], rec: &csv::StringRecord) -> Fields {
    headers.iter().cloned().zip(rec.iter().map(str::to_string)).filter(|(_, v)| !v.is_empty()).collect()
}

/// One row's fields into a break or its errors; a break id already seen in this file is a row
/// error naming the row where it first appeared.
pub(crate) fn push_row(report: &mut ImportReport, row: usize, f: &Fields, rules: &ImportRules, seen: &mut SeenIds) {
    match break_from_fields(f, rules) {
        Ok(b) => match seen.first_row(&b.break_id, row) {
            Some(first) => report.errors.push(RowError {
                row,
                field: "break_id".into(),
                message: format!("duplicate id `{}` (first on row {first}; that one is kept)", b.break_id),
            }),
            None => report.breaks.push(b),
        },
        Err(errs) => report.errors.extend(errs.into_iter().map(|(field, message)| RowError { row, field, message })),
    }
}

/// Whether `ch` may not appear in a field: control characters (tab and line breaks only in a
/// description), invisible format characters (zero-width space, direction marks, BOM), line
/// and paragraph separators, private-use, surrogate and unassigned code points.
fn forbidden(ch: char, multiline: bool) -> bool {
    use unicode_properties::{GeneralCategory as G, UnicodeGeneralCategory};
    match ch.general_category() {
        G::Control => !(multiline && matches!(ch, '\t' | '\n' | '\r')),
        G::Format | G::LineSeparator | G::ParagraphSeparator | G::PrivateUse | G::Surrogate | G::Unassigned => true,
        _ => false,
    }
}

/// A text field trimmed and in Unicode NFC, or why not: a forbidden character (named by its
/// code point) or more than `max` characters.
fn clean_text(raw: &str, max: usize, multiline: bool) -> Result<String, String> {
    use unicode_normalization::UnicodeNormalization;
    // 4 bytes per character at most: longer input cannot fit, and is not normalised first.
    if raw.len() > max * 4 {
        return Err(format!("is {} bytes long; at most {max} characters are allowed", raw.len()));
    }
    let s: String = raw.trim().nfc().collect();
    if let Some(ch) = s.chars().find(|c| forbidden(*c, multiline)) {
        return Err(format!("contains the invisible or control character U+{:04X}; remove it", ch as u32));
    }
    let n = s.chars().count();
    if n > max {
        return Err(format!("has {n} characters; at most {max} are allowed"));
    }
    Ok(s)
}

/// A decimal exactly as written: `[+-]digits[.digits][e[+-]digits]`, no underscores, spaces or
/// other forms, and only if [`Decimal`] holds it without rounding (at most 28 decimal places,
/// 96 bits).
pub fn parse_decimal_exact(v: &str) -> Result<Decimal, String> {
    let bad = || format!("`{v}` is not a decimal number");
    if v.len() > MAX_DECIMAL_CHARS {
        return Err(format!("is {} characters long; a decimal has at most {MAX_DECIMAL_CHARS}", v.len()));
    }
    let (mantissa, exp) = match v.find(['e', 'E']) {
        Some(i) => (&v[..i], Some(&v[i + 1..])),
        None => (v, None),
    };
    let (neg, digits) = match mantissa.as_bytes().first() {
        Some(b'-') => (true, &mantissa[1..]),
        Some(b'+') => (false, &mantissa[1..]),
        _ => (false, mantissa),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() && frac.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let exp: i64 = match exp {
        None => 0,
        Some(e) => {
            let body = e.strip_prefix(['+', '-']).unwrap_or(e);
            if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) || body.len() > 4 {
                return Err(bad());
            }
            e.parse().map_err(|_| bad())?
        }
    };
    // Move the point by the exponent, then parse the plain form exactly.
    let all: String = format!("{int}{frac}");
    let point = int.len() as i64 + exp;
    let plain = if point <= 0 {
        format!("0.{}{all}", "0".repeat((-point) as usize))
    } else if point as usize >= all.len() {
        format!("{all}{}", "0".repeat(point as usize - all.len()))
    } else {
        format!("{}.{}", &all[..point as usize], &all[point as usize..])
    };
    if plain.len() > 200 {
        return Err(format!("`{v}` is out of range for an amount"));
    }
    let d = Decimal::from_str_exact(&plain).map_err(|_| format!("`{v}` cannot be held exactly (at most 28 decimal places and 28 significant digits)"))?;
    Ok(if neg { -d } else { d })
}

/// Every field problem in a row, not only the first.
fn break_from_fields(f: &Fields, rules: &ImportRules) -> Result<Break, Vec<(String, String)>> {
    let mut errs: Vec<(String, String)> = Vec::new();
    let text = |name: &str, max: usize, multiline: bool, errs: &mut Vec<(String, String)>| -> Option<String> {
        let v = f.get(name)?;
        match clean_text(v, max, multiline) {
            Ok(s) if s.is_empty() => None,
            Ok(s) => Some(s),
            Err(m) => {
                errs.push((name.to_string(), m));
                None
            }
        }
    };
    let id = text("break_id", MAX_ID_CHARS, false, &mut errs);
    let ty = text("break_type", MAX_TYPE_CHARS, false, &mut errs);
    let currency = text("currency", MAX_TEXT_CHARS, false, &mut errs);
    let asset_class = text("asset_class", MAX_TEXT_CHARS, false, &mut errs);
    let counterparty = text("counterparty", MAX_TEXT_CHARS, false, &mut errs);
    let account = text("account", MAX_TEXT_CHARS, false, &mut errs);
    let instrument_id = text("instrument_id", MAX_TEXT_CHARS, false, &mut errs);
    let description = text("description", MAX_DESCRIPTION_CHARS, true, &mut errs);
    let internal_ref = text("internal_ref", MAX_TEXT_CHARS, false, &mut errs);
    let external_ref = text("external_ref", MAX_TEXT_CHARS, false, &mut errs);
    for name in ["break_id", "break_type", "amount", "currency"] {
        if !f.contains_key(name) {
            errs.push((name.to_string(), "missing required field".to_string()));
        }
    }
    let dec = |name: &str, errs: &mut Vec<(String, String)>| -> Option<Decimal> {
        let v = f.get(name)?;
        match parse_decimal_exact(v) {
            Ok(d) => Some(d),
            Err(m) => {
                errs.push((name.to_string(), m));
                None
            }
        }
    };
    let amount = dec("amount", &mut errs);
    let side = |prefix: &str, reference: Option<String>, errs: &mut Vec<(String, String)>| SideRecord {
        reference,
        amount: dec(&format!("{prefix}_amount"), errs),
        quantity: dec(&format!("{prefix}_quantity"), errs),
        price: dec(&format!("{prefix}_price"), errs),
        settle_date: None,
    };
    let mut internal = side("internal", internal_ref, &mut errs);
    let mut external = side("external", external_ref, &mut errs);
    let date = |name: &str, errs: &mut Vec<(String, String)>| -> Option<NaiveDate> {
        let v = f.get(name)?;
        match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                errs.push((name.to_string(), format!("`{v}` is not a date (YYYY-MM-DD)")));
                None
            }
        }
    };
    let trade_date = date("trade_date", &mut errs);
    internal.settle_date = date("internal_settle_date", &mut errs);
    external.settle_date = date("external_settle_date", &mut errs);
    let detected_at = f.get("detected_at").and_then(|v| match parse_time(v) {
        Some(t) if t > rules.now + rules.max_future_skew => {
            errs.push((
                "detected_at".into(),
                format!(
                    "`{v}` is in the future (more than {} minutes after {}); check the clock or time zone",
                    rules.max_future_skew.num_minutes(),
                    rules.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                ),
            ));
            None
        }
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
    if !errs.is_empty() {
        return Err(errs);
    }
    let (Some(id), Some(ty), Some(amount), Some(currency)) = (id, ty, amount, currency) else {
        return Err(vec![("(row)".into(), "a required field is empty".into())]);
    };
    Ok(Break {
        break_id: id,
        break_type: BreakType::parse(&ty),
        asset_class: asset_class.map(|s| s.to_ascii_uppercase()),
        amount,
        currency,
        trade_date,
        detected_at,
        counterparty,
        account,
        instrument_id,
        description,
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
