//! Break files: CSV with a header (any column order), JSON (an array of objects) and JSON Lines.
//! The format is a public contract, documented in `docs/break-file-format.md`.
//!
//! A malformed row is reported with its row number, field and reason; the valid rows still
//! load. Whole-file problems (empty, binary, not UTF-8) are an error.
//!
//! The modules depend one way: [`stream`] (the only reader, a chunk at a time) uses `rows` (one
//! row to one break) and `report`; the entry points here use [`stream`].

mod csv_out;
mod report;
mod rows;
pub mod stream;

pub use crate::error::{ImportError, RowError};
pub use csv_out::{to_csv, CSV_COLUMNS};
pub use report::{Format, ImportReport};
pub use rows::{
    parse_decimal_exact, ImportRules, DEFAULT_MAX_FUTURE_SKEW_MINUTES, MAX_DECIMAL_CHARS, MAX_DESCRIPTION_CHARS, MAX_ID_CHARS, MAX_TEXT_CHARS, MAX_TYPE_CHARS,
};
pub use stream::{stream_file, stream_reader, stream_reader_with, StreamTotals};

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
/// streaming reader over the bytes as one chunk, under the default [`ImportRules`].
///
/// # Errors
/// As [`read_file`].
pub fn parse_bytes(bytes: &[u8], name: &str) -> Result<ImportReport, ImportError> {
    parse_bytes_with(bytes, name, &ImportRules::default())
}

/// As [`parse_bytes`], under `rules`.
///
/// # Errors
/// As [`read_file`].
pub fn parse_bytes_with(bytes: &[u8], name: &str, rules: &ImportRules) -> Result<ImportReport, ImportError> {
    let mut report = ImportReport::default();
    stream::stream_reader_with(bytes, name, bytes.len() as u64, usize::MAX, rules, |chunk: ImportReport, _, _| {
        report.breaks.extend(chunk.breaks);
        report.errors.extend(chunk.errors);
        Ok::<(), ImportError>(())
    })?;
    Ok(report)
}
