//! Processing on many machines against one team database: `reconagent process --db
//! postgres://...` workers claim NEW breaks with `FOR UPDATE SKIP LOCKED`; one is killed with
//! SIGKILL mid-batch; every break is still run exactly once and the chain verifies.

#[path = "../../store/tests/support/pg.rs"]
mod pg;

use reconagent_engine::orchestrate::Orchestrator;
use reconagent_store::postgres::PgStore;
use reconagent_store::prelude::*;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn reconagent(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_reconagent")).args(args).env("NO_COLOR", "1").output().expect("the binary runs")
}

#[test]
fn workers_share_the_new_breaks_and_a_killed_one_loses_nothing() {
    let pg = pg::PgCluster::team();
    let url = |who: &str| format!("postgres://{who}@127.0.0.1:{}/postgres", pg.port);
    // People are added with the CLI, as the owner.
    let out = reconagent(&["team", "add-person", "worker2", "--roles", "processor", "--db", &url("postgres")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = reconagent(&["team", "add-person", "Robert'); DROP", "--roles", "processor", "--db", &url("postgres")]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("is not a person's name"));

    const N: usize = 8_000;
    let feed = PgStore::connect(&url("worker")).expect("the processor connects");
    let breaks = reconagent_engine::sample::generate(17, N, &Orchestrator::bundled().refdata);
    for chunk in breaks.chunks(4000) {
        feed.import_breaks(chunk, "feed").expect("the breaks import");
    }

    let mut admin = pg.admin();
    let spawn = |who: &str| {
        Command::new(env!("CARGO_BIN_EXE_reconagent"))
            .args(["process", "--db", &url(who)])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("a worker starts")
    };
    let recorded_by =
        |admin: &mut postgres::Client, who: &str| -> i64 { admin.query_one("SELECT count(*) FROM recon.runs WHERE recorded_by = $1", &[&who]).unwrap().get(0) };
    // The first worker is killed with SIGKILL once it has recorded a chunk and is in the middle
    // of the next (it holds claims on breaks it has not recorded).
    let mut doomed = spawn("worker");
    let started = Instant::now();
    while recorded_by(&mut admin, "worker") < 1000 {
        assert!(started.elapsed() < Duration::from_secs(300), "the first worker recorded nothing in 5 minutes");
        if let Some(status) = doomed.try_wait().unwrap() {
            let out = doomed.wait_with_output().unwrap();
            panic!("the first worker ended by itself ({status}): {}", String::from_utf8_lossy(&out.stderr));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    doomed.kill().expect("SIGKILL");
    doomed.wait().unwrap();
    let by_killed = recorded_by(&mut admin, "worker");
    assert!(by_killed < N as i64, "killed mid-batch, not after the last break");
    // Two workers take over at once, each claiming what the other does not hold (SKIP LOCKED);
    // what the killed one held is free at once (its connection is gone).
    let survivors = [spawn("worker2"), spawn("worker")];
    for s in survivors {
        let out = s.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }

    let row = admin.query_one("SELECT count(*), count(DISTINCT break_id) FROM recon.runs", &[]).unwrap();
    let (runs, distinct): (i64, i64) = (row.get(0), row.get(1));
    assert_eq!((runs, distinct), (N as i64, N as i64), "every break run exactly once");
    assert_eq!(feed.count_with_status(BreakStatus::New).unwrap(), 0);
    let entries: i64 = admin.query_one("SELECT count(*) FROM recon.audit_log WHERE kind = 'RUN'", &[]).unwrap().get(0);
    assert_eq!(entries, N as i64, "one RUN entry per run, none for what the killed worker did not commit");
    let out = reconagent(&["audit", "verify", "--db", &url("worker")]);
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("intact"), "{}", String::from_utf8_lossy(&out.stdout));
}

/// The team's policy from the command line: a policy admin proposes a file, another approves
/// it, and a worker whose own file says otherwise runs the team's version.
#[test]
fn workers_run_the_policy_the_team_approved() {
    let pg = pg::PgCluster::team();
    let url = |who: &str| format!("postgres://{who}@127.0.0.1:{}/postgres", pg.port);
    let ok = |out: std::process::Output| {
        assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    ok(reconagent(&["team", "add-person", "pete", "--roles", "policy_admin", "--db", &url("postgres")]));
    let dir = tempfile::tempdir().unwrap();
    let team_file = dir.path().join("team.yaml");
    let own_file = dir.path().join("own.yaml");
    std::fs::write(&team_file, format!("{}\n# agreed by the team\n", reconagent_engine::policy::BUNDLED_POLICIES)).unwrap();
    std::fs::write(&own_file, format!("{}\n# this machine's own\n", reconagent_engine::policy::BUNDLED_POLICIES)).unwrap();
    let team_version = reconagent_engine::policy::PolicySet::load_file(&team_file).unwrap().version;

    let said = ok(reconagent(&["policy", "propose", &team_file.to_string_lossy(), "--note", "the desk's rules", "--db", &url("paula")]));
    assert!(said.contains("proposal 1 by paula"), "{said}");
    let out = reconagent(&["policy", "approve", "1", "--db", &url("paula")]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("four eyes: paula proposed this policy change"));
    assert!(ok(reconagent(&["policy", "proposals", "--db", &url("carol")])).contains("OPEN"));
    let said = ok(reconagent(&["policy", "approve", "1", "--reason", "read it", "--db", &url("pete")]));
    assert!(said.contains(&format!("version {:.12} is the team's policy in force", team_version)), "{said}");

    let feed = PgStore::connect(&url("worker")).unwrap();
    let breaks = reconagent_engine::sample::generate(3, 50, &Orchestrator::bundled().refdata);
    feed.import_breaks(&breaks, "feed").unwrap();
    let out = reconagent(&["process", "--db", &url("worker"), "--policies", &own_file.to_string_lossy()]);
    ok(out.clone());
    assert!(String::from_utf8_lossy(&out.stderr).contains("running the team's policy in force"), "{}", String::from_utf8_lossy(&out.stderr));
    let runs = feed.runs_of(&breaks[0].break_id).unwrap();
    assert_eq!(runs[0].1.policy_version, team_version);
    assert!(ok(reconagent(&["audit", "verify", "--db", &url("carol")])).contains("intact"));
}
