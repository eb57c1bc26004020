//! Edits to a policy file's text that keep everything they do not touch: comments, key order,
//! quoting and layout (a lossless YAML tree, `yaml-edit`). The policy editor sends edits, never
//! a whole new file, so a change to one checkpoint cannot reformat the rest.
//!
//! Paths are the validator's own (`policies.CASH_RECONCILIATION.LOW.checkpoints[0].when`), so
//! an error on a path lands on the form field that wrote it.

use super::{PolicyError, PolicyErrors};
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use yaml_edit::path::YamlPath;
use yaml_edit::{Document, YamlValue};

/// One change to a policy file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum PolicyEdit {
    /// Sets the value at `path`, creating the mappings and list items on the way.
    Set { path: String, value: EditValue },
    /// Removes the key or list item at `path`.
    Remove { path: String },
}

/// A value an edit writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum EditValue {
    /// A string, quoted in the file when YAML needs it (a CEL condition, a money amount).
    Text(String),
    /// A number as typed (an integer, or a decimal such as a confidence).
    Number(String),
    Bool(bool),
    /// A list of strings (an agent's `depends_on`).
    List(Vec<String>),
    /// An empty mapping (`{}`): an agent with the plan's defaults.
    EmptyMap,
}

impl EditValue {
    fn to_yaml(&self) -> Result<YamlValue, String> {
        Ok(match self {
            EditValue::Text(s) => YamlValue::scalar(s.as_str()),
            EditValue::Number(n) => {
                let n = n.trim();
                if let Ok(i) = n.parse::<i64>() {
                    YamlValue::scalar(i)
                } else if let Ok(f) = n.parse::<f64>().map_err(|_| ()).and_then(|f| if f.is_finite() { Ok(f) } else { Err(()) }) {
                    YamlValue::scalar(f)
                } else {
                    return Err(if n.is_empty() { "a number is required here".to_string() } else { format!("`{n}` is not a number") });
                }
            }
            EditValue::Bool(b) => YamlValue::scalar(*b),
            EditValue::List(items) => YamlValue::Sequence(items.iter().map(|s| YamlValue::scalar(s.as_str())).collect()),
            EditValue::EmptyMap => YamlValue::Mapping(Default::default()),
        })
    }
}

/// Applies `edits` in order to `text` and returns the new text. `file` names the file in
/// errors. Nothing is written anywhere: saving is the caller's (atomic) business.
///
/// # Errors
/// The text is not YAML this editor can change, or an edit's path does not fit the document
/// (named with the edit's path).
pub fn apply(text: &str, edits: &[PolicyEdit], file: &str) -> Result<String, PolicyErrors> {
    let err = |path: &str, message: String| PolicyErrors(vec![PolicyError { file: file.to_string(), path: path.to_string(), line: 0, column: 0, message }]);
    if edits.is_empty() {
        return Ok(text.to_string());
    }
    let doc = Document::from_str(text).map_err(|e| err("", format!("cannot edit this file: {e}")))?;
    for edit in edits {
        match edit {
            PolicyEdit::Set { path, value } => {
                let v = value.to_yaml().map_err(|m| err(path, m))?;
                doc.try_set_path(path, &v).map_err(|e| err(path, format!("cannot set: {e}")))?;
            }
            PolicyEdit::Remove { path } => {
                doc.try_remove_path(path).map_err(|e| err(path, format!("cannot remove: {e}")))?;
            }
        }
    }
    Ok(doc.to_string())
}

/// One line of a text diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DiffLine {
    /// `+` added, `-` removed, ` ` unchanged (context).
    pub sign: String,
    /// 1-based line numbers in the old and new text.
    pub old_line: Option<i32>,
    pub new_line: Option<i32>,
    pub text: String,
}

/// A line diff of two texts, with `context` unchanged lines around each change; `None` lines
/// between hunks are omitted (the numbers show the gap).
pub fn diff(old: &str, new: &str, context: usize) -> Vec<DiffLine> {
    let d = similar::TextDiff::from_lines(old, new);
    let mut out = Vec::new();
    for group in d.grouped_ops(context) {
        for op in group {
            for change in d.iter_changes(&op) {
                let sign = match change.tag() {
                    similar::ChangeTag::Delete => "-",
                    similar::ChangeTag::Insert => "+",
                    similar::ChangeTag::Equal => " ",
                };
                out.push(DiffLine {
                    sign: sign.to_string(),
                    old_line: change.old_index().map(|i| i as i32 + 1),
                    new_line: change.new_index().map(|i| i as i32 + 1),
                    text: change.value().trim_end_matches(['\n', '\r']).to_string(),
                });
            }
        }
    }
    out
}

/// A diff as unified-style text, for the CLI.
pub fn diff_text(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    similar::TextDiff::from_lines(old, new).unified_diff().context_radius(3).header(old_name, new_name).to_string()
}
