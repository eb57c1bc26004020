//! Which database the app works on: the embedded SQLite file (one person) or a team database
//! (PostgreSQL), chosen on the Database screen. The choice, without any password, is kept in
//! `connection.json` in the data directory and used at the next start; a password is typed on
//! the screen for one connection or kept in the OS keyring, never in a file.

use crate::error::{ApiError, ApiResult, ErrorCode};
use reconagent_store::postgres::{Connector, PgStore};
use reconagent_store::Backend;
use serde::{Deserialize, Serialize};
use specta::Type;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A team database as the connect form gives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct TeamAddress {
    /// Server name or address.
    pub host: String,
    /// The server's port (PostgreSQL's default is 5432).
    pub port: i32,
    /// The team database's name.
    pub database: String,
    /// The person: their own database role.
    pub user: String,
    /// libpq's `sslmode`: disable, prefer, require, verify-ca, verify-full.
    pub sslmode: String,
    /// The PEM file of the roots to trust for `verify-ca`/`verify-full` (else the system's).
    pub sslrootcert: Option<String>,
}

/// The `sslmode` values the form offers, most protective first.
pub const SSL_MODES: [&str; 5] = ["verify-full", "verify-ca", "require", "prefer", "disable"];

fn invalid(field: &str, why: impl std::fmt::Display) -> ApiError {
    ApiError::new(ErrorCode::Invalid, format!("{field}: {why}"))
}

impl TeamAddress {
    /// The address as a URL, without a password.
    ///
    /// # Errors
    /// `Invalid`, naming the field: an empty or malformed host, user or database, a port out of
    /// range, an unknown `sslmode`, a root certificate path that is not absolute.
    pub fn url(&self) -> ApiResult<String> {
        let host = self.host.trim();
        if host.is_empty() || host.chars().any(|c| c.is_whitespace() || "/?#@".contains(c)) {
            return Err(invalid("host", "a server name or address, such as db.example.com or 10.0.0.5"));
        }
        if !(1..=65_535).contains(&self.port) {
            return Err(invalid("port", "a number from 1 to 65535 (PostgreSQL's is 5432)"));
        }
        let name_ok = |s: &str| !s.is_empty() && s.len() <= 63 && s.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
        if !name_ok(self.user.trim()) {
            return Err(invalid("user", "your database login: letters, digits, `_`, `.` or `-`"));
        }
        if !name_ok(self.database.trim()) {
            return Err(invalid("database", "the team database's name: letters, digits, `_`, `.` or `-`"));
        }
        if !SSL_MODES.contains(&self.sslmode.as_str()) {
            return Err(invalid("sslmode", format!("one of {}", SSL_MODES.join(", "))));
        }
        let host = if host.contains(':') { format!("[{host}]") } else { host.to_string() };
        let mut url = format!("postgres://{}@{host}:{}/{}?sslmode={}", self.user.trim(), self.port, self.database.trim(), self.sslmode);
        if let Some(root) = self.sslrootcert.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            if !Path::new(root).is_absolute() || root.contains('&') {
                return Err(invalid("sslrootcert", "the full path of a PEM file, such as /etc/reconagent/ca.pem"));
            }
            url.push_str(&format!("&sslrootcert={root}"));
        }
        Ok(url)
    }
}

/// Where the app's data is now, for the Database screen.
#[derive(Clone, Debug, Serialize, Type)]
pub struct ConnectionDto {
    /// A team database (else the embedded SQLite file).
    pub team: bool,
    /// The file, or the server without a password.
    pub location: String,
    /// Who the store records as the actor.
    pub actor: String,
    /// The team database kept for the next start, if any.
    pub saved: Option<TeamAddress>,
    /// The SQLite file "Use the local database" opens.
    pub local: String,
    /// The `sslmode` values the form offers.
    pub ssl_modes: Vec<String>,
    /// Something the person should know about the last switch (a password not kept).
    pub note: Option<String>,
}

impl ConnectionDto {
    /// Describes `store`, with the choice kept in `dir`.
    pub fn of(store: &dyn Backend, dir: &Path, local: &Path) -> ConnectionDto {
        ConnectionDto { team: store.database_file().is_none(), actor: store.actor().to_string(), ..Self::unopened(&store.location(), dir, local) }
    }

    /// Describes a database that could not be opened (`location`, without a password): nobody
    /// works on it.
    pub fn unopened(location: &str, dir: &Path, local: &Path) -> ConnectionDto {
        ConnectionDto {
            team: reconagent_store::is_team_url(location),
            location: location.to_string(),
            actor: String::new(),
            saved: saved(dir).ok().flatten(),
            local: local.display().to_string(),
            ssl_modes: SSL_MODES.iter().map(|s| s.to_string()).collect(),
            note: None,
        }
    }
}

fn file(dir: &Path) -> PathBuf {
    dir.join("connection.json")
}

/// The team database chosen on the Database screen, if one was.
///
/// # Errors
/// The file exists and cannot be read or is not one (its path and the problem).
pub fn saved(dir: &Path) -> ApiResult<Option<TeamAddress>> {
    let path = file(dir);
    match std::fs::read(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ApiError::new(ErrorCode::Io, format!("{}: {e}", path.display()))),
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| ApiError::new(ErrorCode::Invalid, format!("{}: {e}", path.display()))),
    }
}

/// Keeps `address` for the next start (written atomically), or forgets the choice.
///
/// # Errors
/// The file cannot be written.
pub fn save(dir: &Path, address: Option<&TeamAddress>) -> ApiResult<()> {
    let path = file(dir);
    let io = |e: std::io::Error| ApiError::new(ErrorCode::Io, format!("{}: {e}", path.display()));
    match address {
        None => match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(e)),
            _ => Ok(()),
        },
        Some(a) => {
            std::fs::create_dir_all(dir).map_err(io)?;
            let text = serde_json::to_vec_pretty(a).map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
            reconagent_store::fsio::write_atomic(&path, &text).map_err(io)
        }
    }
}

/// The database the app opens at start: `$RECONAGENT_DB` when set
/// ([`reconagent_store::env_database`]), else the team database kept in `dir`, else `local`. A
/// kept choice that cannot be read is said on stderr and not used.
pub fn startup_location(dir: &Path, local: PathBuf) -> PathBuf {
    if let Some(p) = reconagent_store::env_database() {
        return p;
    }
    match saved(dir).and_then(|a| a.map(|a| a.url()).transpose()) {
        Ok(Some(url)) => PathBuf::from(url),
        Ok(None) => local,
        Err(e) => {
            eprintln!("Recon Agent: the kept team database is not used: {}", e.message);
            local
        }
    }
}

/// Logs in to the team database at `address`: with `password` when one is typed (kept in the OS
/// keyring when `remember`, and only once the login worked), else with the keyring's. Returns
/// the store and, when the login worked but the keyring would not keep the password, why (the
/// person is connected all the same, and told).
///
/// # Errors
/// `Invalid` naming a field; the server's refusal in its words (unreachable, the password, TLS,
/// a schema this build cannot use).
pub fn connect(address: &TeamAddress, password: Option<&str>, remember: bool) -> ApiResult<(Arc<dyn Backend>, Option<String>)> {
    let url = address.url()?;
    let mut connector = Connector::new(&url)?;
    let password = password.filter(|p| !p.is_empty());
    if let Some(p) = password {
        connector = connector.with_password(p);
    }
    let secret = connector.password_secret();
    let store = PgStore::connect_with(connector)?;
    let mut note = None;
    if let (Some(p), true, Some(secret)) = (password, remember, secret) {
        if let Err(e) = reconagent_engine::secrets::store(&secret, p) {
            note = Some(format!("Connected, but the password was not kept for next time: {e}"));
        }
    }
    Ok((Arc::new(store), note))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address() -> TeamAddress {
        TeamAddress {
            host: "db.example".into(),
            port: 5432,
            database: "recon".into(),
            user: "alice".into(),
            sslmode: "verify-full".into(),
            sslrootcert: Some("/etc/reconagent/ca.pem".into()),
        }
    }

    #[test]
    fn the_form_becomes_a_url_or_an_error_naming_its_field() {
        assert_eq!(address().url().unwrap(), "postgres://alice@db.example:5432/recon?sslmode=verify-full&sslrootcert=/etc/reconagent/ca.pem");
        let with = |f: fn(&mut TeamAddress)| {
            let mut a = address();
            f(&mut a);
            a.url().unwrap_err().message
        };
        assert!(with(|a| a.host = " ".into()).starts_with("host: "));
        assert!(with(|a| a.host = "x@y".into()).starts_with("host: "));
        assert!(with(|a| a.port = 0).starts_with("port: "));
        assert!(with(|a| a.user = "al ice".into()).starts_with("user: "));
        assert!(with(|a| a.database = "".into()).starts_with("database: "));
        assert!(with(|a| a.sslmode = "verify".into()).starts_with("sslmode: one of verify-full"));
        assert!(with(|a| a.sslrootcert = Some("ca.pem".into())).starts_with("sslrootcert: "));
    }

    #[test]
    fn the_choice_is_kept_and_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(saved(dir.path()).unwrap(), None);
        save(dir.path(), Some(&address())).unwrap();
        assert_eq!(saved(dir.path()).unwrap(), Some(address()));
        assert!(!std::fs::read_to_string(dir.path().join("connection.json")).unwrap().contains("password"));
        save(dir.path(), None).unwrap();
        assert_eq!(saved(dir.path()).unwrap(), None);
        std::fs::write(dir.path().join("connection.json"), "{").unwrap();
        assert!(saved(dir.path()).unwrap_err().message.contains("connection.json"));
    }
}
