//! Secrets from the OS keyring, end to end: a real Secret Service (GNOME Keyring's daemon on a
//! D-Bus session bus of the test's own, in a throwaway home) holds a model endpoint's API key
//! and a team database password, stored with `reconagent secret set` and used by `reconagent
//! run` and `reconagent process` without either appearing in a file, a variable or a command
//! line. Without a keyring the messages say what to do.

#[path = "../../store/tests/support/pg.rs"]
mod pg;

use reconagent_engine::policy::BUNDLED_POLICIES;
use reconagent_llm_fake::policy::{llm_section, write};
use reconagent_llm_fake::FakeServer;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A session bus and a GNOME Keyring daemon unlocked with a throwaway password, in a temp home:
/// what a desktop login gives. Both end when it is dropped.
struct KeyringSession {
    dir: tempfile::TempDir,
    bus: Child,
    daemon: Child,
    address: String,
}

impl KeyringSession {
    fn start() -> KeyringSession {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["home", "run"] {
            std::fs::create_dir(dir.path().join(sub)).unwrap();
        }
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path().join("run"), std::fs::Permissions::from_mode(0o700)).unwrap();
        let socket = dir.path().join("run/bus");
        let address = format!("unix:path={}", socket.display());
        let bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--nopidfile", &format!("--address={address}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon (package dbus) runs: scripts/setup-system.sh installs it");
        let started = Instant::now();
        while !socket.exists() {
            assert!(started.elapsed() < Duration::from_secs(10), "the session bus did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        let mut daemon = session_env(&mut Command::new("gnome-keyring-daemon"), dir.path(), &address)
            .args(["--foreground", "--unlock", "--components=secrets"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("gnome-keyring-daemon (package gnome-keyring) runs: scripts/setup-system.sh installs it");
        daemon.stdin.take().unwrap().write_all(b"login-password").unwrap();
        let session = KeyringSession { dir, bus, daemon, address };
        // Ready when it owns the Secret Service's name on the bus.
        let started = Instant::now();
        loop {
            let out = session
                .env(&mut Command::new("dbus-send"))
                .args([
                    "--session",
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.freedesktop.secrets",
                ])
                .output()
                .expect("dbus-send runs");
            if String::from_utf8_lossy(&out.stdout).contains("boolean true") {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(20), "the keyring daemon did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        session
    }

    fn env<'a>(&self, c: &'a mut Command) -> &'a mut Command {
        session_env(c, self.dir.path(), &self.address)
    }
}

fn session_env<'a>(c: &'a mut Command, dir: &Path, address: &str) -> &'a mut Command {
    c.env("HOME", dir.join("home")).env("XDG_RUNTIME_DIR", dir.join("run")).env("DBUS_SESSION_BUS_ADDRESS", address).env_remove("DISPLAY")
}

impl Drop for KeyringSession {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}

fn root() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).to_path_buf()
}

/// `reconagent ARGS` in `session` (or with no desktop session at all), `stdin` typed in.
fn reconagent(session: Option<&KeyringSession>, args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_reconagent"));
    c.args(args).current_dir(root()).env("NO_COLOR", "1").stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    match session {
        Some(s) => {
            s.env(&mut c);
        }
        None => {
            let home = tempfile::tempdir().unwrap().keep();
            c.env("HOME", home).env_remove("DBUS_SESSION_BUS_ADDRESS").env_remove("XDG_RUNTIME_DIR").env_remove("DISPLAY");
        }
    }
    let mut child = c.spawn().expect("the binary runs");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

const VAR: &str = "RECONAGENT_TEST_KEYRING_KEY";

#[test]
fn a_model_key_from_the_keyring_reaches_the_endpoint_and_nowhere_else() {
    let keyring = KeyringSession::start();
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start(0).unwrap();
    server.require_key("sk-from-the-keyring");
    let policy = write(dir.path(), BUNDLED_POLICIES, &llm_section(&server.base_url(), "gpt-test", &format!("  api_key_env: {VAR}\n"), 10_000, 0));
    let p = policy.to_str().unwrap();
    let name = format!("llm:{VAR}");
    let run = |session| reconagent(session, &["run", "--breaks", "data/sample_breaks.csv", "--policies", p, "--as-of=2026-11-21T00:00:00Z"], "");

    // Neither the variable nor the keyring: the run refuses to start and says how to give one.
    let (code, out, err) = run(Some(&keyring));
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains(&format!("set the environment variable {VAR}")) && err.contains(&format!("reconagent secret set {name}")), "{err}");
    assert!(err.contains("the keyring holds none"), "{err}");
    let (code, out, _) = reconagent(Some(&keyring), &["secret", "status", &name], "");
    assert_eq!((code, out.trim()), (1, format!("{name}: not in the OS keyring").as_str()));

    // Stored from standard input; never printed back.
    let (code, out, err) = reconagent(Some(&keyring), &["secret", "set", &name], "sk-from-the-keyring\n");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), format!("stored in the OS keyring: {name}"));
    let (code, out, _) = reconagent(Some(&keyring), &["secret", "status", &name], "");
    assert_eq!(code, 0);
    assert!(!out.contains("sk-from"), "{out}");

    // The run sends it as the bearer token: every request is answered.
    let (code, out, err) = run(Some(&keyring));
    assert_eq!(code, 0, "{err}");
    assert!(server.requests() > 100, "{} requests", server.requests());
    assert_eq!(server.unauthorized(), 0, "every request carried the keyring's key");
    assert!(!out.contains("sk-from") && !err.contains("sk-from"), "the key is never printed");
    assert!(!walk(dir.path()).iter().any(|f| std::fs::read(f).is_ok_and(|b| b.windows(7).any(|w| w == b"sk-from"))), "the key is in no file");

    // The environment variable, when set, wins over the keyring.
    let before = server.unauthorized();
    let mut c = Command::new(env!("CARGO_BIN_EXE_reconagent"));
    keyring.env(&mut c).env(VAR, "sk-wrong").current_dir(root());
    let out = c.args(["run", "--breaks", "data/sample_breaks.csv", "--policies", p, "--as-of=2026-11-21T00:00:00Z"]).output().unwrap();
    assert!(server.unauthorized() > before, "the variable's (wrong) key was sent: {}", String::from_utf8_lossy(&out.stderr));

    // Removed, it is gone.
    let (code, out, _) = reconagent(Some(&keyring), &["secret", "delete", &name], "");
    assert_eq!((code, out.trim()), (0, format!("removed from the OS keyring: {name}").as_str()));
    let (code, _, _) = reconagent(Some(&keyring), &["secret", "status", &name], "");
    assert_eq!(code, 1);

    // No desktop session at all: a clear error, not a hang.
    let (code, _, err) = reconagent(None, &["secret", "status", &name], "");
    assert_eq!(code, 2);
    assert!(err.contains(&format!("the OS keyring could not be used for {name}")), "{err}");
    let (code, _, err) = run(None);
    assert_eq!(code, 2);
    assert!(err.contains(&format!("set the environment variable {VAR}")) && err.contains("the OS keyring could not be used"), "{err}");

    // Names that are not secrets, and addresses that carry a password, are refused.
    let (code, _, err) = reconagent(Some(&keyring), &["secret", "set", "OPENAI_API_KEY"], "x\n");
    assert!(code == 2 && err.contains("names no secret"), "{err}");
    let (code, _, err) = reconagent(Some(&keyring), &["secret", "set", "postgres://alice:pw@h:5432/d"], "x\n");
    assert!(code == 2 && err.contains("carries a password"), "{err}");
    let (code, _, err) = reconagent(Some(&keyring), &["secret", "set", &name], "\n");
    assert!(code == 2 && err.contains("no secret was given"), "{err}");
}

#[test]
fn a_team_database_password_comes_from_the_keyring() {
    let keyring = KeyringSession::start();
    let pg = pg::PgCluster::team();
    pg.require_passwords(&[("worker", "w0rker-secret")]);
    let url = format!("postgres://worker@127.0.0.1:{}/postgres", pg.port);

    // The server asks for a password the address lacks: the message says where to keep one.
    let (code, _, err) = reconagent(Some(&keyring), &["process", "--db", &url], "");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("password missing") && err.contains(&format!("the OS keyring holds no password for postgres:worker@127.0.0.1:{}/postgres", pg.port)),
        "{err}"
    );
    assert!(!err.contains("w0rker"), "{err}");

    // Stored under the address (without a password), it logs the person in.
    let (code, out, err) = reconagent(Some(&keyring), &["secret", "set", &url], "w0rker-secret\n");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), format!("stored in the OS keyring: postgres:worker@127.0.0.1:{}/postgres", pg.port));
    let (code, out, err) = reconagent(Some(&keyring), &["process", "--db", &url], "");
    assert_eq!(code, 0, "{out}{err}");

    // In a terminal, a password the keyring lacks is asked for (not echoed) and used once.
    let (code, _, _) = reconagent(Some(&keyring), &["secret", "delete", &url], "");
    assert_eq!(code, 0);
    let bin = env!("CARGO_BIN_EXE_reconagent");
    let mut c = Command::new("script");
    keyring.env(&mut c).current_dir(root());
    let mut child = c
        .args(["-q", "-e", "-c", &format!("{bin} process --db {url}"), "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script (bsdutils) runs");
    // Typed once the prompt is there (echo is off by then), as a person would.
    let screen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
    let mut stdout = child.stdout.take().unwrap();
    let reader = {
        let screen = screen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 512];
            while let Ok(n) = std::io::Read::read(&mut stdout, &mut buf) {
                if n == 0 {
                    break;
                }
                screen.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        })
    };
    let started = Instant::now();
    while !String::from_utf8_lossy(&screen.lock().unwrap()).contains("password for ") {
        assert!(started.elapsed() < Duration::from_secs(60), "no prompt: {}", String::from_utf8_lossy(&screen.lock().unwrap()));
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(200));
    child.stdin.take().unwrap().write_all(b"w0rker-secret\n").unwrap();
    let status = child.wait().unwrap();
    reader.join().unwrap();
    let shown = String::from_utf8_lossy(&screen.lock().unwrap()).to_string();
    assert!(status.success(), "{shown}");
    assert!(shown.contains(&format!("password for postgres://worker@127.0.0.1:{}/postgres: ", pg.port)), "{shown}");
    assert!(!shown.contains("w0rker-secret"), "the password is not echoed: {shown}");
    let (code, _, _) = reconagent(Some(&keyring), &["secret", "status", &url], "");
    assert_eq!(code, 1, "a typed password is not kept");

    // A wrong stored password is the server's refusal, said as such.
    let (code, _, _) = reconagent(Some(&keyring), &["secret", "set", &url], "not-it\n");
    assert_eq!(code, 0);
    let (code, _, err) = reconagent(Some(&keyring), &["process", "--db", &url], "");
    assert_eq!(code, 2);
    assert!(err.contains("password authentication failed") && err.contains("with the OS keyring's password"), "{err}");
    assert!(!err.contains("not-it"), "{err}");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
