//! JSON, streamed: the report is written as its canonical text (keys sorted, compact) row by
//! row, hashing the same bytes as they go, so the signature over the whole report (what
//! `reconagent audit verify-report` checks) is made without ever holding the report. The
//! signature's place is reserved while writing and filled in at the end.

use super::report::{ReportHead, ReportItem, ReportSink, Section};
use crate::audit::canonical_json;
use crate::error::{Result, StoreError};
use sha2::{Digest, Sha256};
use std::io::{Seek, SeekFrom, Write};

/// An Ed25519 signature in hex.
const SIGNATURE_HEX_LEN: usize = 128;

pub(super) struct JsonSink {
    out: std::io::BufWriter<std::fs::File>,
    hasher: Sha256,
    written: u64,
    /// Where the reserved signature starts in the file.
    signature_at: Option<u64>,
    head: Option<ReportHead>,
    first_row: bool,
}

fn io(e: std::io::Error) -> StoreError {
    StoreError::Invalid(format!("cannot write the report: {e}"))
}

impl JsonSink {
    pub(super) fn create(file: std::fs::File) -> JsonSink {
        JsonSink { out: std::io::BufWriter::with_capacity(1 << 20, file), hasher: Sha256::new(), written: 0, signature_at: None, head: None, first_row: true }
    }

    /// Text that is both written and signed.
    fn put(&mut self, text: &str) -> Result<()> {
        self.hasher.update(text.as_bytes());
        self.out.write_all(text.as_bytes()).map_err(io)?;
        self.written += text.len() as u64;
        Ok(())
    }

    fn value(&mut self, key: &str, v: &impl serde::Serialize) -> Result<()> {
        let text = canonical_json(&serde_json::to_value(v)?);
        self.put(&format!(",\"{key}\":{text}"))
    }

    fn the_head(&self) -> Result<&ReportHead> {
        self.head.as_ref().ok_or_else(|| StoreError::Invalid("a report's rows came before its head".into()))
    }

    /// The anchor with an empty `report_signature` (as signed), written with its place reserved.
    fn anchor(&mut self) -> Result<()> {
        let mut anchor = serde_json::to_value(&self.the_head()?.anchor)?;
        anchor["report_signature"] = serde_json::Value::String(String::new());
        let signed = canonical_json(&anchor);
        let marker = "\"report_signature\":\"\"";
        let at = signed.find(marker).ok_or_else(|| StoreError::Invalid("the anchor has no report_signature".into()))? + marker.len() - 1;
        let prefix = ",\"anchor\":";
        self.hasher.update(prefix.as_bytes());
        self.hasher.update(signed.as_bytes());
        let reserved = format!("{prefix}{}{}{}", &signed[..at], "0".repeat(SIGNATURE_HEX_LEN), &signed[at..]);
        self.out.write_all(reserved.as_bytes()).map_err(io)?;
        self.signature_at = Some(self.written + (prefix.len() + at) as u64);
        self.written += reserved.len() as u64;
        Ok(())
    }

    /// Writes the last keys, signs the whole text and fills the reserved place.
    pub(super) fn finish(mut self) -> Result<()> {
        let head = self.the_head()?.clone();
        self.value("summary", &head.summary)?;
        self.put("}")?;
        let digest: [u8; 32] = self.hasher.clone().finalize().into();
        let signature = crate::anchor::InstallationKey::installation()?.sign_hex(&digest);
        if signature.len() != SIGNATURE_HEX_LEN {
            return Err(StoreError::Invalid(format!("a signature of {} characters", signature.len())));
        }
        let mut file = self.out.into_inner().map_err(|e| io(e.into_error()))?;
        file.seek(SeekFrom::Start(self.signature_at.ok_or_else(|| StoreError::Invalid("no anchor was written".into()))?)).map_err(io)?;
        file.write_all(signature.as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)
    }
}

impl ReportSink for JsonSink {
    /// The canonical text's key order.
    fn order(&self) -> [Section; 4] {
        [Section::Actions, Section::AuditEntries, Section::Breaks, Section::Runs]
    }

    fn head(&mut self, head: &ReportHead) -> Result<()> {
        self.head = Some(head.clone());
        Ok(())
    }

    fn begin(&mut self, section: Section) -> Result<()> {
        match section {
            Section::Actions => self.put("{")?,
            Section::AuditEntries => self.anchor()?,
            Section::Breaks => {}
            Section::Runs => {
                let h = self.the_head()?.clone();
                self.value("chain", &h.chain)?;
                self.value("database", &h.database)?;
                self.value("generated_at", &h.generated_at)?;
                self.value("generated_by", &h.generated_by)?;
                self.value("query", &h.query)?;
            }
        }
        let sep = if section == Section::Actions { "" } else { "," };
        self.put(&format!("{sep}\"{}\":[", section.key()))?;
        self.first_row = true;
        Ok(())
    }

    fn item(&mut self, item: ReportItem) -> Result<()> {
        let v = match item {
            ReportItem::Action(a) => serde_json::to_value(a)?,
            ReportItem::Entry(e) => serde_json::to_value(e)?,
            ReportItem::Break(b) => serde_json::to_value(b)?,
            ReportItem::Run(r) => serde_json::to_value(r)?,
        };
        let text = canonical_json(&v);
        if !std::mem::replace(&mut self.first_row, false) {
            self.put(",")?;
        }
        self.put(&text)
    }

    fn end(&mut self, _: Section) -> Result<()> {
        self.put("]")
    }
}
