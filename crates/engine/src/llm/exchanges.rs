//! Every model call's request and response, kept by the request's SHA-256: the cache (the same
//! question is not paid for twice) and what `explain --replay` answers from, offline.
//!
//! [`DirExchanges`] keeps them as gzip files in a folder beside the database
//! (`<hash[0..2]>/<hash>.json.gz`, written to a temporary file and renamed), so both store
//! backends share one format; [`MemoryExchanges`] is for tests and benchmarks.

use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// One stored exchange.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    pub request_sha256: String,
    pub model: String,
    /// The request body as sent.
    pub request: serde_json::Value,
    /// The response body as received.
    pub response: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

impl Exchange {
    /// The stored form: gzip-compressed JSON.
    ///
    /// # Errors
    /// The exchange could not be serialised or compressed.
    pub fn encode(&self) -> Result<Vec<u8>, String> {
        let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::default());
        let json = serde_json::to_vec(self).map_err(|e| e.to_string())?;
        gz.write_all(&json).map_err(|e| e.to_string())?;
        gz.finish().map_err(|e| e.to_string())
    }

    /// Reads the stored form back, only when it is the exchange of request `h`: a body edited or
    /// swapped under another key is not an answer.
    pub fn decode(bytes: &[u8], h: &str) -> Option<Exchange> {
        let mut text = String::new();
        GzDecoder::new(bytes).take(64 << 20).read_to_string(&mut text).ok()?;
        let ex: Exchange = serde_json::from_str(&text).ok()?;
        let body = serde_json::to_vec(&ex.request).ok()?;
        (super::client::request_hash(&body) == h && ex.request_sha256 == h).then_some(ex)
    }
}

/// Where exchanges are kept.
pub trait ExchangeStore: Send + Sync {
    /// The exchange for this request hash, if kept (and intact: its request hashes to its key).
    fn get(&self, request_sha256: &str) -> Option<Exchange>;
    /// Keeps an exchange; a failure to keep it is reported, never fatal to the run.
    ///
    /// # Errors
    /// The file could not be written.
    fn put(&self, ex: &Exchange) -> Result<(), String>;

    /// What model calls recorded here cost on `day` (UTC), for the per-day budget.
    fn spent_on(&self, _day: chrono::NaiveDate) -> rust_decimal::Decimal {
        rust_decimal::Decimal::ZERO
    }

    /// Adds a call's cost to `day`'s spending.
    fn add_spend(&self, _day: chrono::NaiveDate, _cost: rust_decimal::Decimal) {}
}

/// Exchanges in memory.
#[derive(Debug, Default)]
pub struct MemoryExchanges(Mutex<HashMap<String, Exchange>>);

impl ExchangeStore for MemoryExchanges {
    fn get(&self, h: &str) -> Option<Exchange> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).get(h).cloned()
    }
    fn put(&self, ex: &Exchange) -> Result<(), String> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).insert(ex.request_sha256.clone(), ex.clone());
        Ok(())
    }
}

impl MemoryExchanges {
    pub fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Exchanges as gzip files in a folder.
#[derive(Debug, Clone)]
pub struct DirExchanges {
    dir: PathBuf,
}

impl DirExchanges {
    pub fn new(dir: impl Into<PathBuf>) -> DirExchanges {
        DirExchanges { dir: dir.into() }
    }

    /// The folder kept beside a database file: `<db>.llm`.
    pub fn beside(db: &Path) -> DirExchanges {
        let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        name.push(".llm");
        DirExchanges { dir: db.with_file_name(name) }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, h: &str) -> Option<PathBuf> {
        (h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit())).then(|| self.dir.join(&h[..2]).join(format!("{h}.json.gz")))
    }
}

impl DirExchanges {
    fn ledger(&self, day: chrono::NaiveDate) -> PathBuf {
        self.dir.join(format!("spend-{day}.log"))
    }
}

impl ExchangeStore for DirExchanges {
    /// The day's ledger: one cost per line, appended by every process that uses this folder
    /// (an append of one short line is atomic on a local file system).
    fn spent_on(&self, day: chrono::NaiveDate) -> rust_decimal::Decimal {
        let text = std::fs::read_to_string(self.ledger(day)).unwrap_or_default();
        text.lines().filter_map(|l| l.trim().parse::<rust_decimal::Decimal>().ok()).fold(rust_decimal::Decimal::ZERO, |a, c| a.saturating_add(c))
    }

    fn add_spend(&self, day: chrono::NaiveDate, cost: rust_decimal::Decimal) {
        let path = self.ledger(day);
        let line = format!("{cost}\n");
        let res = std::fs::create_dir_all(&self.dir)
            .and_then(|_| std::fs::OpenOptions::new().create(true).append(true).open(&path))
            .and_then(|mut f| f.write_all(line.as_bytes()));
        if let Err(e) = res {
            eprintln!("warning: {}: model spending not recorded: {e}", path.display());
        }
    }

    fn get(&self, h: &str) -> Option<Exchange> {
        Exchange::decode(&std::fs::read(self.path(h)?).ok()?, h)
    }

    fn put(&self, ex: &Exchange) -> Result<(), String> {
        let path = self.path(&ex.request_sha256).ok_or_else(|| format!("not a SHA-256: {}", ex.request_sha256))?;
        let parent = path.parent().unwrap_or(&self.dir);
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        let bytes = ex.encode()?;
        let tmp = parent.join(format!(".{}.{}.tmp", ex.request_sha256, std::process::id()));
        std::fs::write(&tmp, bytes).map_err(|e| format!("{}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, &path).map_err(|e| format!("{}: {e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exchanges_round_trip_through_gzip_files_and_a_tampered_one_is_not_used() {
        let dir = tempfile::tempdir().unwrap();
        let store = DirExchanges::beside(&dir.path().join("recon.db"));
        let request = serde_json::json!({"model": "m", "messages": []});
        let h = super::super::client::request_hash(&serde_json::to_vec(&request).unwrap());
        let ex = Exchange { request_sha256: h.clone(), model: "m".into(), request, response: "{\"ok\":1}".into(), at: chrono::Utc::now() };
        store.put(&ex).unwrap();
        assert_eq!(store.get(&h), Some(ex.clone()));
        assert!(store.dir().ends_with("recon.db.llm"));
        // the same file under another key, or with another request, is refused
        let other = "0".repeat(64);
        std::fs::create_dir_all(store.dir().join("00")).unwrap();
        std::fs::copy(store.path(&h).unwrap(), store.path(&other).unwrap()).unwrap();
        assert_eq!(store.get(&other), None);
        assert_eq!(store.get("../../etc/passwd"), None);
        // the day's spending survives the process
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        store.add_spend(day, rust_decimal::Decimal::new(125, 5));
        store.add_spend(day, rust_decimal::Decimal::new(5, 5));
        assert_eq!(DirExchanges::beside(&dir.path().join("recon.db")).spent_on(day), rust_decimal::Decimal::new(130, 5));
    }
}
