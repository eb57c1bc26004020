//! What a read of a break file gives: its breaks and its rejected rows, and its format.

use crate::error::RowError;
use crate::model::Break;

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
