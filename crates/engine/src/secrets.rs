//! Secrets Recon Agent needs and never writes anywhere itself: a model endpoint's API key and a
//! team database's password. They live in the OS keyring (on Linux the desktop's Secret Service:
//! GNOME Keyring, KWallet, KeePassXC), under the service [`SERVICE`] and an account name that
//! says what the secret opens ([`Secret::account`]). Nothing here logs, returns to the UI or
//! stores a secret's value: the keyring is asked when a connection or a client is made.

use std::fmt;

/// The keyring service every Recon Agent secret is stored under.
pub const SERVICE: &str = "reconagent";

/// What a secret opens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Secret {
    /// The API key of the model endpoint whose policy names this environment variable
    /// (`llm.api_key_env`): the variable wins when set, else the keyring's entry.
    LlmKey { var: String },
    /// A team database person's password: `user` on `host:port`, database `dbname`.
    DbPassword { user: String, host: String, port: u16, dbname: String },
}

impl Secret {
    /// The keyring account: `llm:VAR`, or `postgres:USER@HOST:PORT/DB`.
    pub fn account(&self) -> String {
        match self {
            Secret::LlmKey { var } => format!("llm:{var}"),
            Secret::DbPassword { user, host, port, dbname } => format!("postgres:{user}@{host}:{port}/{dbname}"),
        }
    }

    /// Reads an account name as [`Secret::account`] writes it.
    ///
    /// # Errors
    /// A name of neither form, in words.
    pub fn parse(name: &str) -> Result<Secret, String> {
        let bad = || format!("`{name}` names no secret: write llm:VARIABLE (a model endpoint's key) or postgres:USER@HOST:PORT/DATABASE");
        if let Some(var) = name.strip_prefix("llm:") {
            let ok = !var.is_empty() && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !var.starts_with(|c: char| c.is_ascii_digit());
            return if ok { Ok(Secret::LlmKey { var: var.to_string() }) } else { Err(bad()) };
        }
        let rest = name.strip_prefix("postgres:").ok_or_else(bad)?;
        let (user, rest) = rest.rsplit_once('@').ok_or_else(bad)?;
        let (hostport, dbname) = rest.split_once('/').ok_or_else(bad)?;
        let (host, port) = hostport.rsplit_once(':').ok_or_else(bad)?;
        let port = port.parse().map_err(|_| bad())?;
        if user.is_empty() || host.is_empty() || dbname.is_empty() {
            return Err(bad());
        }
        Ok(Secret::DbPassword { user: user.into(), host: host.into(), port, dbname: dbname.into() })
    }

    fn entry(&self) -> Result<keyring::Entry, String> {
        keyring::Entry::new(SERVICE, &self.account()).map_err(|e| self.failed(&e))
    }

    fn failed(&self, e: &keyring::Error) -> String {
        let why = match e {
            keyring::Error::PlatformFailure(inner) | keyring::Error::NoStorageAccess(inner) => inner.to_string(),
            other => other.to_string(),
        };
        format!("the OS keyring could not be used for {}: {}", self.account(), why.trim())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.account())
    }
}

/// The secret's value in the keyring, or `None` when it holds none.
///
/// # Errors
/// The keyring cannot be reached (no desktop session, locked and no one to unlock it); the
/// message says which secret and why.
pub fn read(secret: &Secret) -> Result<Option<String>, String> {
    match secret.entry()?.get_password() {
        Ok(v) => Ok(Some(v)),
        Err(keyring::Error::NoEntry) => Ok(None),
        // A Secret Service with no keyring yet (none made or unlocked at login) finds nothing:
        // it holds no such secret, which is not a failure to reach it.
        Err(e) => {
            let why = secret.failed(&e);
            if why.ends_with("no result found") {
                Ok(None)
            } else {
                Err(why)
            }
        }
    }
}

/// Stores `value` as the secret, replacing any before it.
///
/// # Errors
/// An empty value, or the keyring refused or cannot be reached.
pub fn store(secret: &Secret, value: &str) -> Result<(), String> {
    if value.trim().is_empty() {
        return Err(format!("an empty secret is not stored ({secret})"));
    }
    secret.entry()?.set_password(value).map_err(|e| secret.failed(&e))
}

/// Removes the secret; `false` when there was none.
///
/// # Errors
/// The keyring refused or cannot be reached.
pub fn forget(secret: &Secret) -> Result<bool, String> {
    match secret.entry()?.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(e) => Err(secret.failed(&e)),
    }
}

/// Where a model endpoint's key would come from, for the screens (never the key itself).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", content = "detail")]
pub enum KeySource {
    /// The policy names no key (a local endpoint that needs none).
    NotNeeded,
    /// The environment variable is set.
    Environment,
    /// The keyring holds it (`llm:VAR`).
    Keyring,
    /// Neither: why, in words.
    Missing(String),
}

/// The API key for the policy's `api_key_env` variable: the variable when set, else the keyring's
/// `llm:VAR` entry.
///
/// # Errors
/// Neither holds it; the message says how to give one.
pub fn llm_key(var: &str) -> Result<(String, KeySource), String> {
    if let Ok(v) = std::env::var(var) {
        return Ok((v, KeySource::Environment));
    }
    let secret = Secret::LlmKey { var: var.to_string() };
    let how = format!(
        "the model endpoint needs an API key: set the environment variable {var} (llm.api_key_env), or store it in the OS keyring \
         (`reconagent secret set {secret}`, or Policies → Models → Store the key)"
    );
    match read(&secret) {
        Ok(Some(v)) => Ok((v, KeySource::Keyring)),
        Ok(None) => Err(format!("{how}; the keyring holds none")),
        Err(e) => Err(format!("{how}; {e}")),
    }
}

/// Where [`llm_key`] would find the key, without returning it.
pub fn llm_key_source(var: Option<&str>) -> KeySource {
    match var {
        None => KeySource::NotNeeded,
        Some(var) => match llm_key(var) {
            Ok((_, source)) => source,
            Err(e) => KeySource::Missing(e),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_names_read_back() {
        for s in [
            Secret::LlmKey { var: "OPENAI_API_KEY".into() },
            Secret::DbPassword { user: "alice".into(), host: "db.example".into(), port: 5433, dbname: "recon".into() },
        ] {
            assert_eq!(Secret::parse(&s.account()).unwrap(), s);
        }
        for bad in ["", "llm:", "llm:1X", "llm:A-B", "postgres:alice", "postgres:@h:1/d", "postgres:a@h/d", "postgres:a@h:x/d", "mysql:a@h:1/d"] {
            assert!(Secret::parse(bad).unwrap_err().contains("names no secret"), "{bad}");
        }
    }
}
