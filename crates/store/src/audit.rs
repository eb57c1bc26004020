//! The hash-chained audit log. Each entry's hash is
//! `SHA-256(previous hash || canonical JSON of {seq, at, kind, actor, subject, payload})`; the
//! first entry chains to 32 zero bytes. Triggers refuse UPDATE and DELETE; `verify` recomputes
//! the chain and names the first entry that does not match.

use crate::error::Result;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

pub const GENESIS: [u8; 32] = [0; 32];

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventKind {
    Import,
    Run,
    HumanAction,
    PolicySaved,
    ExportMade,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Import => "IMPORT",
            EventKind::Run => "RUN",
            EventKind::HumanAction => "HUMAN_ACTION",
            EventKind::PolicySaved => "POLICY_SAVED",
            EventKind::ExportMade => "EXPORT_MADE",
        }
    }
}

/// JSON with object keys sorted at every level and no whitespace: one text per value.
pub fn canonical_json(v: &Value) -> String {
    fn sort(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<_> = m.keys().collect();
                keys.sort();
                let mut out = serde_json::Map::new();
                for k in keys {
                    out.insert(k.clone(), sort(&m[k]));
                }
                Value::Object(out)
            }
            Value::Array(a) => Value::Array(a.iter().map(sort).collect()),
            other => other.clone(),
        }
    }
    // serde_json's Map keeps insertion order only with `preserve_order`; sorting first makes the
    // text the same either way.
    serde_json::to_string(&sort(v)).expect("a Value always serialises")
}

/// The hash of an entry given the previous hash.
pub fn entry_hash(prev: &[u8], seq: i64, at: &str, kind: &str, actor: &str, subject: &str, payload: &Value) -> [u8; 32] {
    let body = serde_json::json!({"seq": seq, "at": at, "kind": kind, "actor": actor, "subject": subject, "payload": payload});
    let mut h = Sha256::new();
    h.update(prev);
    h.update(canonical_json(&body).as_bytes());
    h.finalize().into()
}

/// Appends one entry inside the caller's transaction.
pub(crate) fn append(tx: &Connection, kind: EventKind, actor: &str, subject: &str, payload: &Value, at: &str) -> Result<String> {
    let last: Option<(i64, String)> =
        tx.query_row("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
    let (seq, prev) = match last {
        Some((s, h)) => (s + 1, hex::decode(h).unwrap_or_default()),
        None => (1, GENESIS.to_vec()),
    };
    let hash = hex::encode(entry_hash(&prev, seq, at, kind.as_str(), actor, subject, payload));
    tx.execute(
        "INSERT INTO audit_log (seq, at, kind, actor, subject, payload, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![seq, at, kind.as_str(), actor, subject, canonical_json(payload), hex::encode(&prev), hash],
    )?;
    Ok(hash)
}

/// The result of recomputing the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    pub entries: i64,
    /// Hash of the last entry (all zeros for an empty log).
    pub head: String,
    pub ok: bool,
    /// The first entry that does not match, and why.
    pub first_bad: Option<(i64, String)>,
}

/// Recomputes every hash in order.
pub fn verify(conn: &Connection) -> Result<Verification> {
    let mut stmt = conn.prepare("SELECT seq, at, kind, actor, subject, payload, prev_hash, hash FROM audit_log ORDER BY seq")?;
    let mut rows = stmt.query([])?;
    let mut prev = GENESIS.to_vec();
    let mut expected_seq = 1i64;
    let mut count = 0;
    let mut head = hex::encode(GENESIS);
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        let (at, kind, actor, subject, payload, prev_hex, hash): (String, String, String, String, String, String, String) =
            (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?);
        count += 1;
        let bad = |why: String| Verification { entries: count, head: head.clone(), ok: false, first_bad: Some((seq, why)) };
        if seq != expected_seq {
            return Ok(bad(format!("entry {seq} follows {}: entries are missing or reordered", expected_seq - 1)));
        }
        if prev_hex != hex::encode(&prev) {
            return Ok(bad(format!("entry {seq} does not chain to the entry before it (deleted, inserted or reordered)")));
        }
        let payload: Value = match serde_json::from_str(&payload) {
            Ok(v) => v,
            Err(_) => return Ok(bad(format!("entry {seq} has a payload that is not JSON (edited)"))),
        };
        let computed = entry_hash(&prev, seq, &at, &kind, &actor, &subject, &payload);
        if hex::encode(computed) != hash {
            return Ok(bad(format!("entry {seq} ({kind} {subject}) does not match its hash: it was edited")));
        }
        prev = computed.to_vec();
        head = hash;
        expected_seq += 1;
    }
    Ok(Verification { entries: count, head, ok: true, first_bad: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_sorts_keys_at_every_level() {
        let v = serde_json::json!({"b": 1, "a": {"d": [1, {"z": 0, "y": 1}], "c": "x"}});
        assert_eq!(canonical_json(&v), r#"{"a":{"c":"x","d":[1,{"y":1,"z":0}]},"b":1}"#);
    }

    /// Golden hash: pins the canonical form and the chaining. If this changes, every existing
    /// log would fail verification.
    #[test]
    fn golden_hash_of_a_first_entry() {
        let h = entry_hash(&GENESIS, 1, "2026-11-21T00:00:00Z", "IMPORT", "alice", "breaks.csv", &serde_json::json!({"count": 2}));
        let body = r#"{"actor":"alice","at":"2026-11-21T00:00:00Z","kind":"IMPORT","payload":{"count":2},"seq":1,"subject":"breaks.csv"}"#;
        let mut d = Sha256::new();
        d.update(GENESIS);
        d.update(body.as_bytes());
        assert_eq!(hex::encode(h), hex::encode(d.finalize()));
        assert_eq!(hex::encode(h), GOLDEN);
    }
    const GOLDEN: &str = "d3e25ff8f734590e95e7ce4ff6d459d6fc93a00594344a8a7c84e29647d49400";
}
