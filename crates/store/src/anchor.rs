//! Anchoring the audit chain outside the database. The chain proves entries were not edited in
//! place, but whoever holds the file could cut its tail or rewrite it whole. A head (sequence
//! number and hash) saved somewhere else (a ticket, an e-mail, a printed report) proves the
//! chain still contains it: `reconagent audit verify --expect SEQ:HASH`. Heads and JSON reports
//! are signed with this installation's Ed25519 key, whose public key every report prints, so a
//! report can be checked offline (`reconagent audit verify-report FILE`).

use crate::error::{Result, StoreError};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// What a head signature covers (a fixed prefix, so it cannot be mistaken for another message).
fn head_message(seq: i64, hash: &str) -> String {
    format!("reconagent audit head v1\n{seq}:{hash}")
}

/// A signed head of the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    /// The last entry's sequence number (0 for an empty log).
    pub seq: i64,
    /// Its hash, hex.
    pub hash: String,
    /// This installation's Ed25519 public key, hex.
    pub public_key: String,
    /// Signature of the head, hex.
    pub signature: String,
    /// How to check it later.
    pub how_to_check: String,
}

impl Anchor {
    /// `SEQ:HASH`, the form `audit verify --expect` takes.
    pub fn head(&self) -> String {
        format!("{}:{}", self.seq, self.hash)
    }

    /// Whether the signature is the public key's over this head.
    pub fn signature_ok(&self) -> bool {
        verify_hex(&self.public_key, head_message(self.seq, &self.hash).as_bytes(), &self.signature)
    }
}

/// `$RECONAGENT_KEY`, else `signing.key` in the data directory (beside the default database).
pub fn default_key_path() -> PathBuf {
    if let Some(p) = std::env::var_os("RECONAGENT_KEY") {
        return PathBuf::from(p);
    }
    let db = crate::default_path();
    db.parent().map(Path::to_path_buf).unwrap_or_default().join("signing.key")
}

/// This installation's signing key, created on first use (32 random bytes, hex, mode 0600,
/// written atomically).
pub struct InstallationKey {
    key: SigningKey,
    pub path: PathBuf,
}

impl InstallationKey {
    /// Loads the key at `path`, creating it if there is none.
    ///
    /// # Errors
    /// An unreadable or malformed key file (it is never replaced), or a write error.
    pub fn load_or_create(path: &Path) -> Result<InstallationKey> {
        let shown = path.display();
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let mut seed = [0u8; 32];
                hex::decode_to_slice(text.trim(), &mut seed)
                    .map_err(|_| StoreError::Invalid(format!("{shown}: not a Recon Agent signing key (64 hex digits); it was left as it is")))?;
                Ok(InstallationKey { key: SigningKey::from_bytes(&seed), path: path.to_path_buf() })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                use rand::RngCore;
                let mut seed = [0u8; 32];
                rand::rng().fill_bytes(&mut seed);
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)?;
                }
                crate::fsio::write_atomic(path, hex::encode(seed).as_bytes()).map_err(|e| StoreError::Invalid(format!("cannot write {shown}: {e}")))?;
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
                }
                Ok(InstallationKey { key: SigningKey::from_bytes(&seed), path: path.to_path_buf() })
            }
            Err(e) => Err(StoreError::Invalid(format!("cannot read {shown}: {e}"))),
        }
    }

    /// The installation's key ([`default_key_path`]).
    ///
    /// # Errors
    /// As [`InstallationKey::load_or_create`].
    pub fn installation() -> Result<InstallationKey> {
        Self::load_or_create(&default_key_path())
    }

    pub fn public_key_hex(&self) -> String {
        hex::encode(self.key.verifying_key().to_bytes())
    }

    /// Signs a head.
    pub fn anchor(&self, seq: i64, hash: &str) -> Anchor {
        let signature = hex::encode(self.key.sign(head_message(seq, hash).as_bytes()).to_bytes());
        Anchor {
            seq,
            hash: hash.to_string(),
            public_key: self.public_key_hex(),
            signature,
            how_to_check: format!("reconagent audit verify --expect {seq}:{hash}"),
        }
    }

    /// Signs arbitrary bytes (a report's digest), hex.
    pub fn sign_hex(&self, bytes: &[u8]) -> String {
        hex::encode(self.key.sign(bytes).to_bytes())
    }
}

/// Whether `signature` (hex) is `public_key`'s (hex) over `message`.
pub fn verify_hex(public_key: &str, message: &[u8], signature: &str) -> bool {
    let (mut pk, mut sig) = ([0u8; 32], [0u8; 64]);
    if hex::decode_to_slice(public_key, &mut pk).is_err() || hex::decode_to_slice(signature, &mut sig).is_err() {
        return false;
    }
    let Ok(key) = VerifyingKey::from_bytes(&pk) else { return false };
    key.verify(message, &Signature::from_bytes(&sig)).is_ok()
}

/// SHA-256 of a JSON report's canonical text with its `report_signature` emptied: what the
/// signature covers.
pub fn report_digest(report: &serde_json::Value) -> [u8; 32] {
    let mut v = report.clone();
    if let Some(a) = v.get_mut("anchor").and_then(|a| a.as_object_mut()) {
        a.insert("report_signature".into(), serde_json::Value::String(String::new()));
    }
    Sha256::digest(crate::audit::canonical_json(&v).as_bytes()).into()
}

/// Checks an exported JSON report without the database: its signature over its whole content,
/// the head's signature, and the chain links between consecutive audit entries it holds.
/// Returns a summary, or the first problem.
pub fn verify_report(text: &str) -> std::result::Result<String, String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not a JSON report: {e}"))?;
    let a = v.get("anchor").ok_or("the report has no anchor (exported by an older version?)")?;
    let anchor: Anchor = serde_json::from_value(a.clone()).map_err(|e| format!("the report's anchor is malformed: {e}"))?;
    let report_sig = a.get("report_signature").and_then(|s| s.as_str()).unwrap_or_default();
    if !verify_hex(&anchor.public_key, &report_digest(&v), report_sig) {
        return Err("the report's signature does not match its content: it was changed after export (or signed by another key)".into());
    }
    if !anchor.signature_ok() {
        return Err("the head's signature does not match".into());
    }
    let entries = v.get("audit_entries").and_then(|e| e.as_array()).cloned().unwrap_or_default();
    let mut linked = 0;
    for pair in entries.windows(2) {
        let (p, e) = (&pair[0], &pair[1]);
        let (Some(ps), Some(s)) = (p["seq"].as_i64(), e["seq"].as_i64()) else { return Err("an audit entry has no sequence number".into()) };
        if s != ps + 1 {
            continue;
        }
        let mut prev = [0u8; 32];
        hex::decode_to_slice(p["hash"].as_str().unwrap_or_default(), &mut prev).map_err(|_| format!("entry {ps} has a malformed hash"))?;
        let s_ = |k: &str| e[k].as_str().unwrap_or_default().to_string();
        let h = crate::audit::entry_hash_canonical(&prev, s, &s_("at"), &s_("kind"), &s_("actor"), &s_("subject"), &s_("payload"));
        if hex::encode(h) != s_("hash") {
            return Err(format!("audit entry {s} does not chain to entry {ps}: the report's entries were changed"));
        }
        linked += 1;
    }
    Ok(format!(
        "report intact: signed by public key {}; head {} (its signature matches); {linked} links between its {} audit entries recomputed. Check the key against `reconagent audit head` on the installation, and the head against the database with `{}`",
        anchor.public_key,
        anchor.head(),
        entries.len(),
        anchor.how_to_check
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_signs_heads_and_a_changed_head_fails() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        let key = InstallationKey::load_or_create(&path).unwrap();
        let again = InstallationKey::load_or_create(&path).unwrap();
        assert_eq!(key.public_key_hex(), again.public_key_hex(), "the key persists");
        let a = key.anchor(7, "ab".repeat(32).as_str());
        assert!(a.signature_ok());
        let forged = Anchor { seq: 8, ..a.clone() };
        assert!(!forged.signature_ok());
        std::fs::write(dir.path().join("bad"), "xyz").unwrap();
        assert!(InstallationKey::load_or_create(&dir.path().join("bad")).is_err());
    }
}
