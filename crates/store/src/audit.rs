//! The hash-chained audit log. Each entry's hash is
//! `SHA-256(previous hash || canonical JSON of {seq, at, kind, actor, subject, payload})`; the
//! first entry chains to 32 zero bytes. Backends refuse UPDATE and DELETE of entries;
//! [`ChainCheck`] recomputes the chain and names the first entry that does not match.

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

pub const GENESIS: [u8; 32] = [0; 32];

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventKind {
    Import,
    Run,
    HumanAction,
    PolicySaved,
    ExportMade,
    /// A stored break's contents replaced on purpose (the old ones are kept).
    BreakReplaced,
    /// Four eyes (team database): an action proposed for a second person, or a proposal
    /// rejected. An approved one is the HUMAN_ACTION that applies it, naming both people.
    Proposal,
    /// Four eyes on policies (team database): a policy change proposed for another policy
    /// admin, or a proposal rejected. An approved one is the POLICY_SAVED entry that applies
    /// it, naming both people.
    PolicyProposal,
}

impl EventKind {
    /// Every kind, in the order the audit screen offers them.
    pub const ALL: [EventKind; 8] = [
        EventKind::Import,
        EventKind::Run,
        EventKind::HumanAction,
        EventKind::PolicySaved,
        EventKind::ExportMade,
        EventKind::BreakReplaced,
        EventKind::Proposal,
        EventKind::PolicyProposal,
    ];

    /// The kind as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Import => "IMPORT",
            EventKind::Run => "RUN",
            EventKind::HumanAction => "HUMAN_ACTION",
            EventKind::PolicySaved => "POLICY_SAVED",
            EventKind::ExportMade => "EXPORT_MADE",
            EventKind::BreakReplaced => "BREAK_REPLACED",
            EventKind::Proposal => "PROPOSAL",
            EventKind::PolicyProposal => "POLICY_PROPOSAL",
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
    entry_hash_canonical(prev, seq, at, kind, actor, subject, &canonical_json(payload))
}

/// As [`entry_hash`], with the payload already in canonical form. The body is written out with
/// its keys in sorted order, which is exactly `canonical_json` of the entry (a test pins it).
pub fn entry_hash_canonical(prev: &[u8], seq: i64, at: &str, kind: &str, actor: &str, subject: &str, payload: &str) -> [u8; 32] {
    let s = |v: &str| serde_json::to_string(v).expect("a string always serialises");
    let body = format!("{{\"actor\":{},\"at\":{},\"kind\":{},\"payload\":{payload},\"seq\":{seq},\"subject\":{}}}", s(actor), s(at), s(kind), s(subject));
    let mut h = Sha256::new();
    h.update(prev);
    h.update(body.as_bytes());
    h.finalize().into()
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

/// Recomputes a chain entry by entry, in `seq` order, whatever stores it.
pub struct ChainCheck {
    prev: [u8; 32],
    expected_seq: i64,
    count: i64,
    head: String,
}

impl Default for ChainCheck {
    fn default() -> Self {
        ChainCheck { prev: GENESIS, expected_seq: 1, count: 0, head: hex::encode(GENESIS) }
    }
}

impl ChainCheck {
    /// A check that continues a chain already verified up to entry `seq` whose hash is `hash`.
    pub fn after(seq: i64, hash: &str) -> Option<ChainCheck> {
        let mut prev = [0u8; 32];
        hex::decode_to_slice(hash, &mut prev).ok()?;
        Some(ChainCheck { prev, expected_seq: seq + 1, count: 0, head: hash.to_string() })
    }

    /// Checks the next entry, stored with `prev_hash`; returns the failed verification when it
    /// does not follow.
    pub fn next(&mut self, e: &crate::AuditRow, prev_hash: &str) -> Option<Verification> {
        self.count += 1;
        let seq = e.seq;
        let bad = |why: String| Some(Verification { entries: self.count, head: self.head.clone(), ok: false, first_bad: Some((seq, why)) });
        if seq != self.expected_seq {
            return bad(format!("entry {seq} follows {}: entries are missing or reordered", self.expected_seq - 1));
        }
        if prev_hash != hex::encode(self.prev) {
            return bad(format!("entry {seq} does not chain to the entry before it (deleted, inserted or reordered)"));
        }
        // The stored text is what was hashed: any edit to it, even a reformatting, breaks the hash.
        let computed = entry_hash_canonical(&self.prev, seq, &e.at, &e.kind, &e.actor, &e.subject, &e.payload);
        if hex::encode(computed) != e.hash {
            return bad(format!("entry {seq} ({} {}) does not match its hash: it was edited", e.kind, e.subject));
        }
        self.prev = computed;
        self.head.clone_from(&e.hash);
        self.expected_seq += 1;
        None
    }

    /// The verification of a chain whose every entry followed.
    pub fn finish(self) -> Verification {
        Verification { entries: self.count, head: self.head, ok: true, first_bad: None }
    }
}

/// Lower-case hex of 32 bytes; the `hex` crate's iterator is several times slower on this path.
pub(crate) fn hex_lower(bytes: &[u8; 32]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(64);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
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

    /// The hand-written body equals the canonical JSON of the entry, escapes included.
    #[test]
    fn the_fast_body_is_the_canonical_body() {
        let payload = serde_json::json!({"b": [1, "x\"y"], "a": {"z": null}});
        let (at, actor, subject) = ("2026-11-21T00:00:00.000001Z", "o'brien \"ops\"", "BRK-1\n<é>");
        let body = serde_json::json!({"seq": 7, "at": at, "kind": "RUN", "actor": actor, "subject": subject, "payload": payload});
        let mut d = Sha256::new();
        d.update([1u8; 32]);
        d.update(canonical_json(&body).as_bytes());
        let want: [u8; 32] = d.finalize().into();
        assert_eq!(entry_hash(&[1u8; 32], 7, at, "RUN", actor, subject, &payload), want);
    }
    const GOLDEN: &str = "d3e25ff8f734590e95e7ce4ff6d459d6fc93a00594344a8a7c84e29647d49400";
}
