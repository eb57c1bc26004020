//! `reconagent` with model-backed agents, end to end: a policy whose PATTERN and DECISIONING
//! ask a local OpenAI-compatible server (127.0.0.1, started here), `run --db` recording the
//! calls, the exchanges kept beside the database, the audit chain verified, and `explain
//! --replay` giving the same graph offline after the server is gone.

#[path = "../../store/tests/support/pg.rs"]
mod pg;

use reconagent_engine::policy::BUNDLED_POLICIES;
use reconagent_llm_fake::policy::{llm_section, write};
use reconagent_llm_fake::FakeServer;
use std::process::Command;

fn root() -> std::path::PathBuf {
    std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).to_path_buf()
}

fn reconagent(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_reconagent")).args(args).current_dir(root()).output().expect("the binary runs");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

const AS_OF: &str = "--as-of=2026-11-21T00:00:00Z";

#[test]
fn model_calls_are_recorded_verified_and_replayed_offline() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start(0).unwrap();
    let policy = write(dir.path(), BUNDLED_POLICIES, &llm_section(&server.base_url(), "gpt-test", "", 10_000, 1));
    let db = dir.path().join("recon.db");
    let (p, d) = (policy.to_str().unwrap(), db.to_str().unwrap());

    let (code, out, err) = reconagent(&["run", "--breaks", "data/sample_breaks.csv", "--policies", p, "--db", d, "--json", AS_OF]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("model calls: ") && err.contains("(measured)"), "{err}");
    let graphs: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let with_calls: Vec<&serde_json::Value> = graphs.iter().filter(|g| g["llm_calls"].as_array().is_some_and(|c| c.len() == 2)).collect();
    assert!(with_calls.len() > 50, "{} runs asked the model", with_calls.len());
    // every request sent is on a run's record (those an early exit stopped waiting for too)
    let sent: usize = graphs
        .iter()
        .flat_map(|g| g["llm_calls"].as_array().cloned().unwrap_or_default())
        .filter(|c| c["outcome"] != "CACHED" && c["outcome"] != "REFUSED")
        .count();
    assert_eq!(server.requests(), sent);
    let kept = walk(&dir.path().join("recon.db.llm"));
    assert_eq!(kept, server.requests(), "every answered request is kept beside the database");

    // the calls are in the hashed chain
    let (code, out, err) = reconagent(&["audit", "verify", "--db", d]);
    assert_eq!(code, 0, "{out}{err}");

    // replay offline: the server is gone
    drop(server);
    let id = with_calls[0]["break_id"].as_str().unwrap();
    let (code, out, err) = reconagent(&["explain", id, "--db", d, "--policies", p, "--replay"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("model calls:") && out.contains("Replayed"), "{out}");
    assert!(out.contains("replay: the same graph as run #"), "{out}");

    // an exchange that was altered is not used: the replay says where it departs
    let g = with_calls[1];
    let hash = g["llm_calls"][0]["request_sha256"].as_str().unwrap();
    let victim = dir.path().join("recon.db.llm").join(&hash[..2]).join(format!("{hash}.json.gz"));
    std::fs::write(&victim, b"not gzip").unwrap();
    let (code, out, err) = reconagent(&["explain", g["break_id"].as_str().unwrap(), "--db", d, "--policies", p, "--replay"]);
    assert_ne!(code, 0, "{out}");
    // PATTERN's history comes from its exchange: without it the replay refuses to start
    assert!(err.contains("cannot replay: PATTERN's exchange") && err.contains("is not stored here"), "{out}{err}");
}

fn walk_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk_files(&p));
        } else if p.to_string_lossy().ends_with(".json.gz") {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn walk(dir: &std::path::Path) -> usize {
    walk_files(dir).len()
}

/// On a team database the exchanges and the day's spending are kept in the database itself: a
/// worker's calls are there, and another person on another machine (a home with no exchanges
/// folder) replays the run offline from them.
#[test]
fn a_team_keeps_model_calls_in_its_database_and_anyone_replays_them() {
    let pg = pg::PgCluster::team();
    let url = |who: &str| format!("postgres://{who}@127.0.0.1:{}/postgres", pg.port);
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start(0).unwrap();
    let policy = write(dir.path(), BUNDLED_POLICIES, &llm_section(&server.base_url(), "gpt-test", "", 10_000, 1));
    let p = policy.to_str().unwrap();
    let in_home = |home: &std::path::Path, args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_reconagent")).args(args).current_dir(root()).env("HOME", home).env_remove("XDG_DATA_HOME").output().unwrap();
        (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).to_string(), String::from_utf8_lossy(&out.stderr).to_string())
    };
    let worker_home = dir.path().join("worker-home");
    std::fs::create_dir_all(&worker_home).unwrap();
    let (code, _, err) = in_home(&worker_home, &["import", "--sample", "--db", &url("worker")]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = in_home(&worker_home, &["process", "--db", &url("worker"), "--policies", p, AS_OF]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("(measured)"), "{err}");
    let mut admin = pg.admin();
    let kept: i64 = admin.query_one("SELECT count(*) FROM recon.llm_exchanges", &[]).unwrap().get(0);
    assert!(kept > 50, "{kept} exchanges kept in the database; the worker said: {out}{err}");
    let spent: String = admin.query_one("SELECT sum(cost)::text FROM recon.llm_spend WHERE person = 'worker'", &[]).unwrap().get(0);
    assert!(spent.parse::<f64>().unwrap() > 0.0, "the day's spending is the team's: {spent}");
    assert!(!walk_any(&worker_home), "nothing was kept on the worker's machine");

    // Another person, another machine, the endpoint gone: the replay answers from the database.
    drop(server);
    let id: String = admin.query_one("SELECT break_id FROM recon.runs WHERE graph LIKE '%\"llm_calls\":%' ORDER BY run_id LIMIT 1", &[]).unwrap().get(0);
    let carol_home = dir.path().join("carol-home");
    std::fs::create_dir_all(&carol_home).unwrap();
    let (code, out, err) = in_home(&carol_home, &["explain", &id, "--db", &url("carol"), "--policies", p, "--replay"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("replay: the same graph as run #"), "{out}");
}

fn walk_any(dir: &std::path::Path) -> bool {
    std::fs::read_dir(dir).map(|d| d.flatten().any(|e| e.path().is_file() || walk_any(&e.path()))).unwrap_or(false)
}
