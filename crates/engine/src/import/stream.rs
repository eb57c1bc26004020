//! Break files of any size, a chunk at a time: CSV and JSON Lines line by line, a JSON array item
//! by item. Memory stays bounded by the chunk, not the file (a 1 GB file imports in a few tens of
//! MB). This is the only break-file reader: [`super::parse_bytes`] runs it over bytes in
//! memory as one chunk. A break id seen earlier in the same file is a row error naming the row
//! of its first occurrence, in whatever chunk that was (the reader keeps a 16-byte hash per id).

use super::report::{Format, ImportReport};
use super::rows::{break_fields_csv, push_row, ImportRules, SeenIds};
use crate::error::{ImportError, RowError};
use std::cell::Cell;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::rc::Rc;

/// What a streamed import read in all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamTotals {
    pub rows: usize,
    pub breaks: usize,
    pub row_errors: usize,
    pub bytes: u64,
}

/// Refuses NUL bytes as they pass (a binary file), counting the offset.
struct NulCheck<R> {
    inner: R,
    /// Bytes read so far; shared, so progress can be read while a parser holds the reader.
    offset: Rc<Cell<u64>>,
    nul_at: Option<u64>,
}

impl<R: Read> Read for NulCheck<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(i) = buf[..n].iter().position(|&b| b == 0) {
            self.nul_at = Some(self.offset.get() + i as u64);
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "NUL byte"));
        }
        self.offset.set(self.offset.get() + n as u64);
        Ok(n)
    }
}

/// Streams `path`, calling `on_chunk(chunk, bytes_read_so_far, file_size)` every `chunk_rows`
/// rows and at the end. An error from `on_chunk` stops the import and is returned as is.
///
/// # Errors
/// A whole-file problem (unreadable, empty, binary, not UTF-8, not CSV/JSON), or `on_chunk`'s.
pub fn stream_file<E: From<ImportError>>(
    path: &Path,
    chunk_rows: usize,
    on_chunk: impl FnMut(ImportReport, u64, u64) -> Result<(), E>,
) -> Result<StreamTotals, E> {
    let file = path.display().to_string();
    let io = |e: std::io::Error| ImportError::Io { file: file.clone(), message: e.to_string() };
    let f = std::fs::File::open(path).map_err(io)?;
    let size = f.metadata().map_err(io)?.len();
    stream_reader_with(f, &file, size, chunk_rows, &ImportRules::default(), on_chunk)
}

/// As [`stream_file`] for any reader; `file` names it in messages and gives the format by its
/// extension, `size` is reported to `on_chunk` for progress.
///
/// # Errors
/// As [`stream_file`].
pub fn stream_reader<R: Read, E: From<ImportError>>(
    source: R,
    file: &str,
    size: u64,
    chunk_rows: usize,
    on_chunk: impl FnMut(ImportReport, u64, u64) -> Result<(), E>,
) -> Result<StreamTotals, E> {
    stream_reader_with(source, file, size, chunk_rows, &ImportRules::default(), on_chunk)
}

/// As [`stream_reader`], under `rules`.
///
/// # Errors
/// As [`stream_file`].
pub fn stream_reader_with<R: Read, E: From<ImportError>>(
    source: R,
    file: &str,
    size: u64,
    chunk_rows: usize,
    rules: &ImportRules,
    mut on_chunk: impl FnMut(ImportReport, u64, u64) -> Result<(), E>,
) -> Result<StreamTotals, E> {
    let mut seen = SeenIds::default();
    let file = file.to_string();
    let io = |e: std::io::Error| ImportError::Io { file: file.clone(), message: e.to_string() };
    let read_so_far = Rc::new(Cell::new(0u64));
    let mut reader = BufReader::with_capacity(1 << 20, NulCheck { inner: source, offset: read_so_far.clone(), nul_at: None });
    let binary = |r: &BufReader<NulCheck<R>>| r.get_ref().nul_at.map(|offset| ImportError::Binary { file: file.clone(), offset: offset as usize });
    // A UTF-8 byte order mark is not part of the data (CSV, JSON or JSON Lines).
    match reader.fill_buf() {
        Ok(buf) if buf.starts_with(b"\xEF\xBB\xBF") => reader.consume(3),
        Ok(_) => {}
        Err(e) => return Err(binary(&reader).unwrap_or_else(|| io(e)).into()),
    }
    // Format from the name, else from the first non-blank byte.
    let first = loop {
        let buf = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) => {
                let err = binary(&reader).unwrap_or_else(|| io(e));
                return Err(err.into());
            }
        };
        if buf.is_empty() {
            return Err(ImportError::Empty { file }.into());
        }
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) => break buf[i],
            None => {
                let n = buf.len();
                reader.consume(n);
            }
        }
    };
    let format = Format::detect(
        &file,
        if first == b'[' {
            "["
        } else if first == b'{' {
            "{"
        } else {
            "x"
        },
    );
    let mut totals = StreamTotals::default();
    let mut chunk = ImportReport::default();
    let mut flush = |chunk: &mut ImportReport, totals: &mut StreamTotals, bytes: u64, force: bool| -> Result<(), E> {
        if chunk.breaks.len() + chunk.errors.len() >= chunk_rows.max(1) || (force && (!chunk.breaks.is_empty() || !chunk.errors.is_empty())) {
            totals.breaks += chunk.breaks.len();
            totals.row_errors += chunk.errors.len();
            on_chunk(std::mem::take(chunk), bytes, size)?;
        }
        Ok(())
    };
    match format {
        Format::Csv => {
            let mut rdr = csv::ReaderBuilder::new().flexible(false).trim(csv::Trim::All).from_reader(&mut reader);
            let headers: Vec<String> = match rdr.headers() {
                Ok(h) => h.iter().map(|h| h.trim().to_lowercase()).collect(),
                Err(e) => {
                    return Err(binary(rdr.get_ref())
                        .or_else(|| csv_whole_file_error(&e, &file))
                        .unwrap_or(ImportError::Malformed { file: file.clone(), message: format!("bad CSV header: {e}") })
                        .into())
                }
            };
            // Names are not case-sensitive, so `amount` and `AMOUNT` are the same column twice.
            for (i, h) in headers.iter().enumerate() {
                if let Some(j) = headers[..i].iter().position(|x| x == h) {
                    return Err(ImportError::Malformed {
                        file: file.clone(),
                        message: format!("the header names `{h}` twice (columns {} and {}; names are not case-sensitive)", j + 1, i + 1),
                    }
                    .into());
                }
            }
            for required in ["break_id", "break_type", "amount", "currency"] {
                if !headers.iter().any(|h| h == required) {
                    return Err(ImportError::Malformed { file: file.clone(), message: format!("the header has no `{required}` column (required)") }.into());
                }
            }
            let mut rec = csv::StringRecord::new();
            loop {
                match rdr.read_record(&mut rec) {
                    Ok(false) => break,
                    Ok(true) => {
                        totals.rows += 1;
                        let row = rec.position().map(|p| p.line() as usize).unwrap_or(totals.rows + 1);
                        push_row(&mut chunk, row, &break_fields_csv(&headers, &rec), rules, &mut seen);
                    }
                    Err(e) => {
                        if let Some(b) = binary(rdr.get_ref()) {
                            return Err(b.into());
                        }
                        if let Some(whole) = csv_whole_file_error(&e, &file) {
                            return Err(whole.into());
                        }
                        totals.rows += 1;
                        let row = e.position().map(|p| p.line() as usize).unwrap_or(totals.rows + 1);
                        chunk.errors.push(RowError { row, field: "(row)".into(), message: e.to_string() });
                    }
                }
                let bytes = rdr.position().byte();
                flush(&mut chunk, &mut totals, bytes, false)?;
            }
        }
        Format::JsonLines => {
            let mut line = Vec::new();
            let mut n = 0usize;
            loop {
                line.clear();
                let read = match reader.read_until(b'\n', &mut line) {
                    Ok(r) => r,
                    Err(e) => return Err(binary(&reader).unwrap_or_else(|| io(e)).into()),
                };
                if read == 0 {
                    break;
                }
                n += 1;
                let text = std::str::from_utf8(&line).map_err(|_| ImportError::NotUtf8 { file: file.clone(), line: n })?;
                if text.trim().is_empty() {
                    continue;
                }
                totals.rows += 1;
                match super::rows::json_row_fields(text) {
                    Ok(fields) => push_row(&mut chunk, n, &fields, rules, &mut seen),
                    Err(m) => chunk.errors.push(RowError { row: n, field: "(row)".into(), message: m }),
                }
                flush(&mut chunk, &mut totals, read_so_far.get(), false)?;
            }
        }
        Format::Json => {
            // Item by item: a visitor over the top-level array hands each object on.
            let mut failure: Option<E> = None;
            let result = {
                let mut de = serde_json::Deserializer::from_reader(&mut reader);
                let visitor = ItemVisitor {
                    on_item: &mut |i: usize, v: Box<serde_json::value::RawValue>| -> bool {
                        totals.rows += 1;
                        // Each item's raw text is parsed on its own: a bad value is this row's error.
                        match super::rows::json_row_fields(v.get()) {
                            Ok(fields) => push_row(&mut chunk, i, &fields, rules, &mut seen),
                            Err(m) => chunk.errors.push(RowError { row: i, field: "(row)".into(), message: m }),
                        }
                        match flush(&mut chunk, &mut totals, read_so_far.get(), false) {
                            Ok(()) => true,
                            Err(e) => {
                                failure = Some(e);
                                false
                            }
                        }
                    },
                };
                serde::Deserializer::deserialize_seq(&mut de, visitor).and_then(|()| de.end())
            };
            if let Some(e) = failure {
                return Err(e);
            }
            if let Err(e) = result {
                if let Some(b) = binary(&reader) {
                    return Err(b.into());
                }
                // serde_json checks UTF-8 inside strings; the message names it.
                if e.to_string().contains("invalid unicode code point") {
                    return Err(ImportError::NotUtf8 { file: file.clone(), line: e.line() }.into());
                }
                return Err(
                    ImportError::Malformed { file: file.clone(), message: format!("invalid JSON at line {} column {}: {e}", e.line(), e.column()) }.into()
                );
            }
        }
    }
    if let Some(b) = binary(&reader) {
        return Err(b.into());
    }
    let bytes = read_so_far.get();
    totals.bytes = bytes;
    flush(&mut chunk, &mut totals, bytes, true)?;
    Ok(totals)
}

/// A CSV error that is about the whole file (not UTF-8, a NUL byte), if it is one.
fn csv_whole_file_error(e: &csv::Error, file: &str) -> Option<ImportError> {
    match e.kind() {
        csv::ErrorKind::Utf8 { pos, .. } => Some(ImportError::NotUtf8 { file: file.into(), line: pos.as_ref().map(|p| p.line() as usize).unwrap_or(0) }),
        csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => Some(ImportError::Binary { file: file.into(), offset: 0 }),
        _ => None,
    }
}

struct ItemVisitor<'a> {
    on_item: &'a mut dyn FnMut(usize, Box<serde_json::value::RawValue>) -> bool,
}

impl<'de> serde::de::Visitor<'de> for ItemVisitor<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON array of breaks")
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        while let Some(v) = seq.next_element::<Box<serde_json::value::RawValue>>()? {
            i += 1;
            if !(self.on_item)(i, v) {
                // Stop reading; the caller returns the chunk handler's error.
                return Ok(());
            }
        }
        Ok(())
    }
}
