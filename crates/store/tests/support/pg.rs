//! A throwaway PostgreSQL cluster for a test: initdb in a temp dir, started on a free loopback
//! port, stopped (and its files removed) when dropped. Uses Debian's server binaries
//! (`apt-get install postgresql`; `scripts/setup-system.sh` installs them); run as root, it runs
//! them as the `postgres` user, which the server requires. Durability is off (`fsync=off`):
//! these clusters live for one test.

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct PgCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
    as_postgres: bool,
}

fn server_bin() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path().join("bin")).filter(|b| b.join("initdb").exists()).collect())
        .unwrap_or_default();
    found.sort();
    found.pop().expect("PostgreSQL's server is not installed (/usr/lib/postgresql/*/bin/initdb): run scripts/setup-system.sh or `apt-get install postgresql`")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port").local_addr().expect("its address").port()
}

impl PgCluster {
    pub fn start() -> PgCluster {
        let bin = server_bin();
        let dir = tempfile::tempdir().expect("a temp dir");
        let as_postgres =
            std::fs::read_to_string("/proc/self/status").is_ok_and(|s| s.lines().any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0")));
        if as_postgres {
            let ok = Command::new("chown").args(["-R", "postgres:postgres"]).arg(dir.path()).status().expect("chown runs").success();
            assert!(ok, "cannot give {} to the postgres user", dir.path().display());
        }
        let mut cluster = PgCluster { dir, bin, port: 0, as_postgres };
        let data = cluster.dir.path().join("data");
        cluster.run("initdb", &["-D", &data.to_string_lossy(), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"]);
        // A port can be taken between choosing and binding it: try a few.
        for attempt in 0..5 {
            cluster.port = free_port();
            let opts = format!("-k {} -p {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40", cluster.dir.path().display(), cluster.port);
            let log = cluster.dir.path().join("log");
            if cluster.try_run("pg_ctl", &["-D", &data.to_string_lossy(), "-o", &opts, "-l", &log.to_string_lossy(), "-w", "-t", "60", "start"]) {
                return cluster;
            }
            eprintln!("the cluster did not start on port {} (attempt {attempt}): {}", cluster.port, std::fs::read_to_string(&log).unwrap_or_default());
        }
        panic!("the test cluster did not start: {}", std::fs::read_to_string(cluster.dir.path().join("log")).unwrap_or_default());
    }

    fn command(&self, tool: &str) -> Command {
        let path = self.bin.join(tool);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }

    fn try_run(&self, tool: &str, args: &[&str]) -> bool {
        let out = self.command(tool).args(args).current_dir(self.dir.path()).output().expect("the PostgreSQL tool runs");
        if !out.status.success() {
            eprintln!("{tool} failed: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        }
        out.status.success()
    }

    fn run(&self, tool: &str, args: &[&str]) {
        assert!(self.try_run(tool, args), "{tool} failed");
    }

    /// A connection string for `user` to database `postgres`.
    pub fn url(&self, user: &str) -> String {
        format!("host=127.0.0.1 port={} user={user} dbname=postgres", self.port)
    }

    /// The superuser's client.
    pub fn admin(&self) -> postgres::Client {
        postgres::Client::connect(&self.url("postgres"), postgres::NoTls).expect("the superuser connects")
    }

    /// A cluster with the team schema migrated by its owner and six people: alice (reviewer),
    /// bob (approver), carol (auditor), worker (processor), paula (policy admin) and eve (no
    /// team role).
    #[allow(dead_code)]
    pub fn team() -> PgCluster {
        let pg = PgCluster::start();
        reconagent_store::postgres::TeamDb::connect(&pg.url("postgres")).expect("the owner connects").migrate().expect("the schema migrates");
        pg.admin()
            .batch_execute(
                "CREATE ROLE alice LOGIN IN ROLE recon_reviewer; CREATE ROLE bob LOGIN IN ROLE recon_approver;
                 CREATE ROLE carol LOGIN IN ROLE recon_auditor; CREATE ROLE worker LOGIN IN ROLE recon_processor;
                 CREATE ROLE paula LOGIN IN ROLE recon_policy_admin; CREATE ROLE eve LOGIN;",
            )
            .expect("the people are created");
        pg
    }

    /// From now on every login over TCP but the superuser's needs its password (SCRAM), as on
    /// a real team server; `passwords` are set first.
    #[allow(dead_code)]
    pub fn require_passwords(&self, passwords: &[(&str, &str)]) {
        let mut admin = self.admin();
        for (role, password) in passwords {
            admin.batch_execute(&format!("ALTER ROLE {role} PASSWORD '{password}'")).expect("the password is set");
        }
        let hba = self.dir.path().join("data").join("pg_hba.conf");
        let text = "local all all trust\nhost all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n";
        std::fs::write(&hba, text).expect("pg_hba.conf is written");
        self.run("pg_ctl", &["-D", &self.dir.path().join("data").to_string_lossy(), "reload"]);
        std::thread::sleep(std::time::Duration::from_millis(300));
    }

    /// Turns TLS on with a certificate for `localhost` only (not for 127.0.0.1) signed by a CA
    /// made here, whose PEM file it returns; from now on only TLS logins are accepted over TCP,
    /// but the superuser's (so [`PgCluster::admin`] still works). Uses the `openssl` tool.
    #[allow(dead_code)]
    pub fn enable_tls(&self) -> PathBuf {
        let d = self.dir.path();
        let openssl = |args: &[&str]| {
            let out = Command::new("openssl").args(args).current_dir(d).output().expect("openssl runs");
            assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        };
        openssl(&["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Recon Agent test CA"]);
        openssl(&["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"]);
        std::fs::write(d.join("ext"), "subjectAltName=DNS:localhost\n").unwrap();
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "ext",
        ]);
        if self.as_postgres {
            let ok = Command::new("chown").args(["postgres:postgres", "server.key", "server.pem"]).current_dir(d).status().unwrap().success();
            assert!(ok);
        }
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(d.join("server.key"), std::fs::Permissions::from_mode(0o600)).unwrap();
        let mut admin = self.admin();
        for setting in [
            "ALTER SYSTEM SET ssl = on".to_string(),
            format!("ALTER SYSTEM SET ssl_cert_file = '{}'", d.join("server.pem").display()),
            format!("ALTER SYSTEM SET ssl_key_file = '{}'", d.join("server.key").display()),
        ] {
            admin.batch_execute(&setting).expect("TLS is configured");
        }
        let hba = "local all all trust\nhostnossl all postgres 127.0.0.1/32 trust\nhostssl all all 127.0.0.1/32 trust\nhostnossl all all 127.0.0.1/32 reject\n";
        std::fs::write(d.join("data").join("pg_hba.conf"), hba).expect("pg_hba.conf is written");
        self.run("pg_ctl", &["-D", &d.join("data").to_string_lossy(), "reload"]);
        std::thread::sleep(std::time::Duration::from_millis(300));
        d.join("ca.pem")
    }

    #[allow(dead_code)]
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ = self.try_run("pg_ctl", &["-D", &data.to_string_lossy(), "-m", "immediate", "-w", "stop"]);
    }
}
