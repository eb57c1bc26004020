//! The team store on PostgreSQL (issue 17), its first part: connecting by URL, the versioned
//! schema with the team's roles, and the audit chain appended by the database itself.
//!
//! The chain is one line whatever the number of desktops and workers: each append is the
//! SECURITY DEFINER function `recon.append_audit`, which locks the chain's head row, records
//! `session_user` as the actor (no environment variable or `SET ROLE` changes it), checks that
//! the caller's roles may append that kind of entry, and hashes the entry exactly as the
//! embedded store does ([`crate::audit::entry_hash_canonical`]), so [`ChainCheck`] verifies
//! both. No role may write the log's table directly. The rest of the [`crate::Backend`] seam
//! (breaks, runs, review, reports) is not on PostgreSQL yet.
//!
//! Client: the synchronous `postgres` crate (tokio-postgres underneath). The store's traits
//! are synchronous and called from blocking threads, so a blocking client needs no runtime of
//! its own; tokio-postgres gives LISTEN/NOTIFY and COPY when the live queue needs them.

use crate::audit::{canonical_json, ChainCheck, EventKind, Verification};
use crate::error::{Result, StoreError};
use crate::stats::AuditRow;
use std::sync::{Arc, Mutex, OnceLock};

pub mod exchanges;
mod state;
mod store;
pub use store::PgStore;

/// The migrations, in order: migration `n` (1-based) brings the schema to version `n`. Frozen
/// once released, as the embedded store's.
const MIGRATIONS: [(&str, &str); 15] = [
    ("0001_team_chain", include_str!("migrations/0001_team_chain.sql")),
    ("0002_team_store", include_str!("migrations/0002_team_store.sql")),
    ("0003_undo", include_str!("migrations/0003_undo.sql")),
    ("0004_audit_by_break", include_str!("migrations/0004_audit_by_break.sql")),
    ("0005_work_queues", include_str!("migrations/0005_work_queues.sql")),
    ("0006_tier_and_priority_sorts", include_str!("migrations/0006_tier_and_priority_sorts.sql")),
    ("0007_measured_cost", include_str!("migrations/0007_measured_cost.sql")),
    ("0008_presence", include_str!("migrations/0008_presence.sql")),
    ("0009_llm_exchanges", include_str!("migrations/0009_llm_exchanges.sql")),
    ("0010_action_rollup", include_str!("migrations/0010_action_rollup.sql")),
    ("0011_run_rollup", include_str!("migrations/0011_run_rollup.sql")),
    ("0012_policy_proposals", include_str!("migrations/0012_policy_proposals.sql")),
    ("0013_break_counts", include_str!("migrations/0013_break_counts.sql")),
    ("0014_index_only_jumps", include_str!("migrations/0014_index_only_jumps.sql")),
    ("0015_one_pass_record_runs", include_str!("migrations/0015_one_pass_record_runs.sql")),
];

/// The team schema version this build writes.
pub const TEAM_SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The team roles, as `add_person` names them (each is the database role `recon_<name>`).
pub const TEAM_ROLES: [&str; 5] = ["reviewer", "approver", "policy_admin", "auditor", "processor"];

/// A lock key for migrations (any two processes migrating one database take turns).
const MIGRATION_LOCK: i64 = 0x5243_4E41;

/// Entries read per query when verifying.
const VERIFY_PAGE: i64 = 10_000;

/// One connection to a team database.
pub struct TeamDb {
    client: Mutex<postgres::Client>,
    location: String,
}

/// `url` without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// How the connection to a team database is protected: libpq's `sslmode` names and meanings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsMode {
    /// Never TLS.
    Disable,
    /// TLS when the server offers it, the certificate not checked (libpq's default).
    Prefer,
    /// TLS or no connection; the certificate not checked (encryption against eavesdropping only).
    Require,
    /// TLS with a certificate signed by the trusted root (`sslrootcert`, else the system's).
    VerifyCa,
    /// As `VerifyCa`, and the certificate names the host connected to.
    VerifyFull,
}

impl TlsMode {
    fn parse(v: &str) -> Option<TlsMode> {
        Some(match v {
            "disable" => TlsMode::Disable,
            "allow" | "prefer" => TlsMode::Prefer,
            "require" => TlsMode::Require,
            "verify-ca" => TlsMode::VerifyCa,
            "verify-full" => TlsMode::VerifyFull,
            _ => return None,
        })
    }

    /// libpq's name.
    pub fn name(self) -> &'static str {
        match self {
            TlsMode::Disable => "disable",
            TlsMode::Prefer => "prefer",
            TlsMode::Require => "require",
            TlsMode::VerifyCa => "verify-ca",
            TlsMode::VerifyFull => "verify-full",
        }
    }
}

/// Takes `sslmode` and `sslrootcert` out of a URL's query or a key=value string (the client
/// library knows only three modes and no root file): the address without them, and their values.
fn split_tls_options(url: &str) -> (String, Option<String>, Option<String>) {
    let (mut mode, mut root) = (None, None);
    let mut take = |k: &str, v: &str| match k {
        "sslmode" => {
            mode = Some(v.to_string());
            true
        }
        "sslrootcert" => {
            root = Some(v.to_string());
            true
        }
        _ => false,
    };
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let Some((base, query)) = url.split_once('?') else { return (url.to_string(), None, None) };
        let kept: Vec<&str> = query.split('&').filter(|p| !p.split_once('=').is_some_and(|(k, v)| take(k, v))).collect();
        let rest = if kept.is_empty() { base.to_string() } else { format!("{base}?{}", kept.join("&")) };
        (rest, mode, root)
    } else {
        let kept: Vec<&str> = url.split_whitespace().filter(|p| !p.split_once('=').is_some_and(|(k, v)| take(k.trim(), v.trim_matches('\'')))).collect();
        (kept.join(" "), mode, root)
    }
}

/// How this build reaches a team database: the parsed address, its TLS settings, and, when the
/// address has no password and the server asks for one, the OS keyring's
/// `postgres:USER@HOST:PORT/DB` entry ([`password_secret`]; `reconagent secret set URL` stores
/// it), so a password need never be written in a file or on a command line. The keyring is asked
/// at most once per connector; every connection (the store's, its history lookups', its
/// listener's and their reconnections) reuses the answer.
///
/// TLS follows libpq: `sslmode` (`disable`, `prefer` (the default), `require`, `verify-ca`,
/// `verify-full`) and `sslrootcert` (a PEM file of the roots to trust; without it the system's)
/// in the address, else the `PGSSLMODE` and `PGSSLROOTCERT` environment variables. Over a network,
/// use `verify-full`: the others do not prove which server answered.
#[derive(Clone)]
pub struct Connector {
    config: postgres::Config,
    /// Where, without the password.
    pub location: String,
    /// The TLS mode in force.
    pub tls_mode: TlsMode,
    tls: postgres_native_tls::MakeTlsConnector,
    /// The keyring's answer once asked: the password, or why there was none.
    from_keyring: Arc<OnceLock<std::result::Result<String, String>>>,
}

impl Connector {
    /// Parses `url` and prepares its TLS settings.
    ///
    /// # Errors
    /// Not a PostgreSQL address, an `sslmode` that is not one, or a root certificate file that
    /// cannot be read.
    pub fn new(url: &str) -> Result<Connector> {
        let location = redact(url);
        let open_error = |message: String| StoreError::Open { path: location.clone(), message };
        let (rest, mode, root) = split_tls_options(url);
        let mode = mode.or_else(|| std::env::var("PGSSLMODE").ok()).unwrap_or_else(|| "prefer".into());
        let tls_mode = TlsMode::parse(&mode)
            .ok_or_else(|| open_error(format!("sslmode `{mode}` is not one of disable, allow, prefer, require, verify-ca, verify-full")))?;
        let root = root.or_else(|| std::env::var("PGSSLROOTCERT").ok()).filter(|r| !r.is_empty() && r != "system");
        let mut config: postgres::Config = rest.parse().map_err(|e| open_error(format!("not a PostgreSQL address: {}", StoreError::from(e))))?;
        config.ssl_mode(match tls_mode {
            TlsMode::Disable => postgres::config::SslMode::Disable,
            TlsMode::Prefer => postgres::config::SslMode::Prefer,
            _ => postgres::config::SslMode::Require,
        });
        let mut builder = native_tls::TlsConnector::builder();
        match tls_mode {
            TlsMode::Disable | TlsMode::Prefer | TlsMode::Require => {
                builder.danger_accept_invalid_certs(true).danger_accept_invalid_hostnames(true);
            }
            TlsMode::VerifyCa => {
                builder.danger_accept_invalid_hostnames(true);
            }
            TlsMode::VerifyFull => {}
        }
        if let Some(root) = &root {
            let pem = std::fs::read(root).map_err(|e| open_error(format!("sslrootcert {root}: {e}")))?;
            let certs = native_tls::Certificate::stack_from_pem(&pem).map_err(|e| open_error(format!("sslrootcert {root}: not PEM certificates: {e}")))?;
            if certs.is_empty() {
                return Err(open_error(format!("sslrootcert {root}: holds no certificate")));
            }
            builder.disable_built_in_roots(true);
            for c in certs {
                builder.add_root_certificate(c);
            }
        }
        let tls = builder.build().map_err(|e| open_error(format!("TLS: {e}")))?;
        Ok(Connector { config, location, tls_mode, tls: postgres_native_tls::MakeTlsConnector::new(tls), from_keyring: Arc::default() })
    }

    /// Logs in with `password` (typed by the person, for this connector only) instead of
    /// asking the keyring.
    #[must_use]
    pub fn with_password(mut self, password: &str) -> Connector {
        self.config.password(password);
        self
    }

    /// The keyring entry for this address's person ([`password_secret`]).
    pub fn password_secret(&self) -> Option<reconagent_engine::secrets::Secret> {
        password_secret(&self.config)
    }

    fn open(&self, config: &postgres::Config) -> std::result::Result<postgres::Client, postgres::Error> {
        match self.tls_mode {
            TlsMode::Disable => config.connect(postgres::NoTls),
            _ => config.connect(self.tls.clone()),
        }
    }

    /// A new connection: first as the address says; when the server asks for a password the
    /// address lacks, again with the keyring's.
    ///
    /// # Errors
    /// The server refused or could not be reached, or its certificate was not trusted: the
    /// message names where (no password) and, when the server asked for a password, why the
    /// keyring had none.
    pub fn connect(&self) -> Result<postgres::Client> {
        let refused = |e: postgres::Error, note: Option<&str>| {
            let mut message = StoreError::from(e).to_string();
            if let Some(note) = note {
                message.push_str(&format!(" ({note})"));
            }
            StoreError::Open { path: self.location.clone(), message }
        };
        let asks_password = |e: &postgres::Error| std::error::Error::source(e).is_some_and(|s| s.to_string() == "password missing");
        if self.config.get_password().is_some() {
            return self.open(&self.config).map_err(|e| refused(e, None));
        }
        if let Some(Ok(password)) = self.from_keyring.get() {
            let mut config = self.config.clone();
            config.password(password.as_str());
            return self.open(&config).map_err(|e| refused(e, Some("with the OS keyring's password")));
        }
        match self.open(&self.config) {
            Ok(client) => Ok(client),
            Err(e) if asks_password(&e) => {
                let answer = self.from_keyring.get_or_init(|| match password_secret(&self.config) {
                    None => Err("the address names no user, so the keyring was not asked".to_string()),
                    Some(secret) => match reconagent_engine::secrets::read(&secret) {
                        Ok(Some(p)) => Ok(p),
                        Ok(None) => Err(format!("the OS keyring holds no password for {secret}: `reconagent secret set` stores one")),
                        Err(why) => Err(why),
                    },
                });
                match answer {
                    Ok(_) => self.connect(),
                    Err(why) => Err(refused(e, Some(why))),
                }
            }
            Err(e) => Err(refused(e, None)),
        }
    }
}

/// The keyring entry that holds the password of the person `config` logs in as: user, first
/// host, first port (default 5432) and database (default: the user's name). `None` without a user.
pub fn password_secret(config: &postgres::Config) -> Option<reconagent_engine::secrets::Secret> {
    let user = config.get_user()?.to_string();
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_string(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let dbname = config.get_dbname().unwrap_or(&user).to_string();
    Some(reconagent_engine::secrets::Secret::DbPassword { user, host, port, dbname })
}

/// [`password_secret`] of a URL or key=value string.
///
/// # Errors
/// Not a PostgreSQL address, or one without a user.
pub fn password_secret_of(url: &str) -> Result<reconagent_engine::secrets::Secret> {
    let config: postgres::Config =
        url.parse().map_err(|e| StoreError::Invalid(format!("{}: not a PostgreSQL address: {}", redact(url), StoreError::from(e))))?;
    password_secret(&config).ok_or_else(|| StoreError::Invalid(format!("{}: names no user (postgres://USER@HOST:PORT/DB)", redact(url))))
}

impl TeamDb {
    /// Connects to `url` (`postgres://user@host:port/db` or a key=value string); see
    /// [`Connector`] for where the password comes from.
    ///
    /// # Errors
    /// The server refused the connection or could not be reached; the message names where,
    /// without the password, and why the keyring gave none when it was asked.
    pub fn connect(url: &str) -> Result<TeamDb> {
        let connector = Connector::new(url)?;
        let client = connector.connect()?;
        Ok(TeamDb { client: Mutex::new(client), location: connector.location })
    }

    /// Where the data is, without the password.
    pub fn location(&self) -> &str {
        &self.location
    }

    fn client(&self) -> std::sync::MutexGuard<'_, postgres::Client> {
        // A panic while holding the connection leaves it usable: every use is one statement or
        // one transaction, rolled back by the server if it was cut short.
        self.client.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Applies every migration the database lacks, each in its own transaction (concurrent
    /// callers take turns), as its owner. Returns the schema version.
    ///
    /// # Errors
    /// A migration failed (it rolled back, leaving the version before it), or the database
    /// was written by a newer build.
    pub fn migrate(&self) -> Result<i64> {
        let mut client = self.client();
        client.batch_execute(
            "CREATE TABLE IF NOT EXISTS public.reconagent_migrations (version INT PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
        )?;
        for (i, (name, sql)) in MIGRATIONS.iter().enumerate() {
            let version = i as i32 + 1;
            let mut tx = client.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
            let newest: Option<i32> = tx.query_one("SELECT max(version) FROM public.reconagent_migrations", &[])?.get(0);
            if let Some(newest) = newest.filter(|n| i64::from(*n) > TEAM_SCHEMA_VERSION) {
                return Err(StoreError::NewerSchema { path: self.location.clone(), found: i64::from(newest), supported: TEAM_SCHEMA_VERSION });
            }
            if newest.unwrap_or(0) >= version {
                continue;
            }
            tx.batch_execute(sql).map_err(|e| StoreError::Open { path: self.location.clone(), message: format!("{name}: {}", StoreError::from(e)) })?;
            tx.execute("INSERT INTO public.reconagent_migrations (version, name) VALUES ($1, $2)", &[&version, name])?;
            tx.commit()?;
        }
        Ok(TEAM_SCHEMA_VERSION)
    }

    /// Adds a person: a LOGIN role named `name` (lower-case letters, digits, `_`, `.`, `-`),
    /// made a member of each of `roles` (`reviewer`, `approver`, `policy_admin`, `auditor`,
    /// `processor`). An existing role is given the memberships it lacks. Run as the owner (or a
    /// role with CREATEROLE). No password is set here: the database's administrator sets one
    /// (`\password NAME` in psql) or uses its own authentication (peer, certificates).
    ///
    /// # Errors
    /// A name or role that is not one, or the server refused.
    pub fn add_person(&self, name: &str, roles: &[&str]) -> Result<()> {
        let valid = !name.is_empty()
            && name.len() <= 63
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c))
            && name.starts_with(|c: char| c.is_ascii_lowercase());
        if !valid {
            return Err(StoreError::Invalid(format!(
                "`{name}` is not a person's name here: lower-case letters, digits, `_`, `.` or `-`, starting with a letter"
            )));
        }
        if roles.is_empty() {
            return Err(StoreError::Invalid(format!("give {name} at least one role: {}", TEAM_ROLES.join(", "))));
        }
        let mut grants = Vec::new();
        for r in roles {
            if !TEAM_ROLES.contains(r) {
                return Err(StoreError::Invalid(format!("`{r}` is not a team role: {}", TEAM_ROLES.join(", "))));
            }
            grants.push(format!("GRANT recon_{r} TO \"{name}\""));
        }
        let mut client = self.client();
        let mut tx = client.transaction()?;
        let exists: bool = tx.query_one("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", &[&name])?.get(0);
        if !exists {
            tx.batch_execute(&format!("CREATE ROLE \"{name}\" LOGIN"))?;
        }
        tx.batch_execute(&grants.join("; "))?;
        tx.commit()?;
        Ok(())
    }

    /// Runs one administrative statement as this connection's role (the benchmark creates and
    /// drops its databases with it). Never given text from elsewhere.
    pub fn execute_admin(&self, sql: &str) -> Result<()> {
        Ok(self.client().batch_execute(sql)?)
    }

    /// Who this connection acts as: the database's session user.
    pub fn session_user(&self) -> Result<String> {
        Ok(self.client().query_one("SELECT session_user::text", &[])?.get(0))
    }

    /// Appends an entry as this connection's session user; returns its seq and hash.
    ///
    /// # Errors
    /// The caller's roles may not append `kind` (SQLSTATE 42501), or the server failed.
    pub fn append(&self, kind: EventKind, subject: &str, payload: &serde_json::Value) -> Result<(i64, String)> {
        let row = self.client().query_one("SELECT seq, hash FROM recon.append_audit($1, $2, $3)", &[&kind.as_str(), &subject, &canonical_json(payload)])?;
        Ok((row.get(0), row.get(1)))
    }

    /// Audit entries after `after_seq`, oldest first, with the hash each was chained to.
    pub fn entries_after(&self, after_seq: i64, limit: i64) -> Result<Vec<(AuditRow, String)>> {
        let rows = self.client().query(
            "SELECT seq, at, kind, actor, subject, payload, hash, prev_hash FROM recon.audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
            &[&after_seq, &limit],
        )?;
        Ok(rows
            .iter()
            .map(|r| {
                (AuditRow { seq: r.get(0), at: r.get(1), kind: r.get(2), actor: r.get(3), subject: r.get(4), payload: r.get(5), hash: r.get(6) }, r.get(7))
            })
            .collect())
    }

    /// Recomputes the whole chain in Rust, a page at a time, and checks the head row agrees.
    pub fn verify(&self) -> Result<Verification> {
        verify_chain_and_head(&mut *self.client())
    }
}

/// The whole chain recomputed in Rust, then the head row checked against where it ends (an
/// entry removed from the end still leaves a chain that links).
pub(crate) fn verify_chain_and_head(client: &mut impl postgres::GenericClient) -> Result<Verification> {
    let v = chain_from(client, ChainCheck::default(), 0, VERIFY_PAGE)?;
    if !v.ok {
        return Ok(v);
    }
    let row = client.query_one("SELECT seq, hash FROM recon.chain_head", &[])?;
    let (seq, hash): (i64, String) = (row.get(0), row.get(1));
    if seq != v.entries || hash != v.head {
        let why =
            format!("the chain's head says entry {seq} ({hash:.12}) but the log ends at entry {} ({:.12}): entries were removed or added", v.entries, v.head);
        return Ok(Verification { ok: false, first_bad: Some((seq.min(v.entries) + 1, why)), ..v });
    }
    Ok(v)
}

/// The chain and its head, then the tables against the entries (`state.rs`), in the caller's
/// snapshot: the first problem makes the verification fail, with its entry and the reason.
pub(crate) fn verify_all(client: &mut impl postgres::GenericClient) -> Result<Verification> {
    let mut v = verify_chain_and_head(client)?;
    if v.ok {
        if let Some((seq, why)) = state::check(client)? {
            v.ok = false;
            v.first_bad = Some((seq, format!("the state disagrees with the log: {why}")));
        }
    }
    Ok(v)
}

/// Continues `check` over the entries after `after`, a page at a time.
pub(crate) fn chain_from(client: &mut impl postgres::GenericClient, mut check: ChainCheck, mut after: i64, page: i64) -> Result<Verification> {
    loop {
        let rows = client.query(
            "SELECT seq, at, kind, actor, subject, payload, hash, prev_hash FROM recon.audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
            &[&after, &page],
        )?;
        let Some(last) = rows.last().map(|r| r.get::<_, i64>(0)) else { break };
        for r in &rows {
            let e = AuditRow { seq: r.get(0), at: r.get(1), kind: r.get(2), actor: r.get(3), subject: r.get(4), payload: r.get(5), hash: r.get(6) };
            if let Some(bad) = check.next(&e, r.get(7)) {
                return Ok(bad);
            }
        }
        after = last;
    }
    Ok(check.finish())
}

#[cfg(test)]
mod tls_options {
    #[test]
    fn sslmode_and_sslrootcert_are_taken_out_of_either_form() {
        let f = super::split_tls_options;
        assert_eq!(
            f("postgres://a@h:1/d?sslmode=verify-full&sslrootcert=/x/ca.pem"),
            ("postgres://a@h:1/d".into(), Some("verify-full".into()), Some("/x/ca.pem".into()))
        );
        assert_eq!(f("postgres://a@h/d?application_name=x&sslmode=require"), ("postgres://a@h/d?application_name=x".into(), Some("require".into()), None));
        assert_eq!(f("postgres://a@h/d"), ("postgres://a@h/d".into(), None, None));
        assert_eq!(f("host=h user=a sslmode=verify-ca sslrootcert='/r.pem'"), ("host=h user=a".into(), Some("verify-ca".into()), Some("/r.pem".into())));
    }
}
