//! The team database's first part on a real PostgreSQL server (a cluster started for each test
//! on a free loopback port): the schema and its roles, the audit chain appended by the database
//! as the session user, and the Rust verifier over it.

mod support;

use reconagent_store::audit::{entry_hash_canonical, EventKind, GENESIS};
use reconagent_store::postgres::{redact, TeamDb, TEAM_SCHEMA_VERSION};
use reconagent_store::StoreError;
use serde_json::json;
use support::pg::PgCluster;

type R = Result<(), Box<dyn std::error::Error>>;

fn team() -> PgCluster {
    PgCluster::team()
}

fn refused(r: Result<impl std::fmt::Debug, StoreError>) -> String {
    match r {
        Err(StoreError::Team { message, code }) => {
            assert_eq!(code.as_deref(), Some("42501"), "refused for want of privilege: {message}");
            message
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn the_chain_the_database_appends_is_the_chain_rust_verifies() -> R {
    let pg = team();
    let worker = TeamDb::connect(&pg.url("worker"))?;
    // Subjects and payloads with everything a JSON string escapes, and text it must not escape.
    let subjects = ["BRK-1", "quote \" and backslash \\", "line\nbreak\ttab", "control \u{1} \u{1f} del \u{7f}", "Zürich ✓ 東京 /slash"];
    for (i, s) in subjects.iter().enumerate() {
        let (seq, hash) = worker.append(EventKind::ExportMade, s, &json!({"i": i, "z": [1, 2], "a": {"y": "é\"", "b": null}}))?;
        assert_eq!(seq, i as i64 + 1);
        assert_eq!(hash.len(), 64);
    }
    let v = worker.verify()?;
    assert!(v.ok, "{v:?}");
    assert_eq!(v.entries, 5);
    // Entry by entry, the stored hash is the embedded store's hash of the same fields.
    let mut prev = GENESIS;
    for (e, prev_hash) in worker.entries_after(0, 100)? {
        assert_eq!(prev_hash, hex::encode(prev));
        let ours = entry_hash_canonical(&prev, e.seq, &e.at, &e.kind, &e.actor, &e.subject, &e.payload);
        assert_eq!(hex::encode(ours), e.hash, "entry {}", e.seq);
        assert_eq!(e.actor, "worker", "the actor is the session user");
        assert!(e.at.ends_with('Z') && e.at.len() == "2026-12-01T00:00:00.000000Z".len(), "UTC, microseconds: {}", e.at);
        prev = ours;
    }
    assert_eq!(v.head, hex::encode(prev));
    Ok(())
}

#[test]
fn each_role_appends_only_its_kinds_and_nobody_writes_the_table() -> R {
    let pg = team();
    let as_ = |who: &str| TeamDb::connect(&pg.url(who)).unwrap();
    let (alice, bob, carol, worker, paula, eve) = (as_("alice"), as_("bob"), as_("carol"), as_("worker"), as_("paula"), as_("eve"));
    let p = json!({});
    // A raw append is for an export's entry only, by any team role; every other kind is written
    // by the store function that makes the change it records (tests/team_roles.rs).
    carol.append(EventKind::ExportMade, "report.json", &p)?;
    for who in [&alice, &bob, &worker, &paula] {
        who.append(EventKind::ExportMade, "report.csv", &p)?;
    }
    for kind in [EventKind::Import, EventKind::Run, EventKind::HumanAction, EventKind::PolicySaved, EventKind::BreakReplaced] {
        for who in [&alice, &bob, &carol, &worker, &paula] {
            assert!(refused(who.append(kind, "BRK-1", &p)).contains(&format!("may not append {}", kind.as_str())));
        }
    }
    // Someone with no team role cannot even reach the schema.
    refused(eve.append(EventKind::ExportMade, "x", &p));
    refused(eve.entries_after(0, 10));
    // Direct writes are refused to every role, the auditor's reads are allowed.
    for who in ["alice", "bob", "carol", "worker", "paula", "eve"] {
        let mut c = postgres::Client::connect(&pg.url(who), postgres::NoTls)?;
        for sql in [
            "UPDATE recon.audit_log SET actor = 'mallory' WHERE seq = 1",
            "DELETE FROM recon.audit_log WHERE seq = 1",
            "INSERT INTO recon.audit_log VALUES (99, 'x', 'RUN', 'mallory', 's', '{}', 'p', 'h')",
            "UPDATE recon.chain_head SET seq = 0",
            "TRUNCATE recon.audit_log",
            "INSERT INTO recon.breaks (break_id, break_type, amount, currency, data, imported_at, updated_at) VALUES ('X', 'T', '1', 'USD', '{}', 'x', 'x')",
            "UPDATE recon.breaks SET status = 'RESOLVED'",
            "DELETE FROM recon.runs",
            "UPDATE recon.actions SET actor = 'mallory'",
            "DELETE FROM recon.claims",
            "UPDATE recon.policy_versions SET text = ''",
            "INSERT INTO recon.verified_heads VALUES (1, 'h', 'x', 'mallory', 'k', 's')",
        ] {
            let e = c.batch_execute(sql).expect_err(sql);
            assert_eq!(e.code().map(|c| c.code()), Some("42501"), "{who}: {sql}: {e:?}");
        }
    }
    assert_eq!(carol.entries_after(0, 100)?.len(), 5);
    // SET ROLE changes the current role, never who is recorded.
    let mut c = postgres::Client::connect(&pg.url("alice"), postgres::NoTls)?;
    c.batch_execute("SET ROLE recon_reviewer")?;
    let row = c.query_one("SELECT seq FROM recon.append_audit('EXPORT_MADE', 'BRK-2', '{}')", &[])?;
    let seq: i64 = row.get(0);
    let actor: String = c.query_one("SELECT actor FROM recon.audit_log WHERE seq = $1", &[&seq])?.get(0);
    assert_eq!(actor, "alice");
    // A payload that is not JSON is refused and appends nothing.
    assert!(c.query_one("SELECT seq FROM recon.append_audit('EXPORT_MADE', 'BRK-2', '{not json')", &[]).is_err());
    let v = alice.verify()?;
    assert!(v.ok && v.entries == 6, "{v:?}");
    Ok(())
}

#[test]
fn appends_from_many_connections_at_once_stay_one_chain() -> R {
    let pg = team();
    std::thread::scope(|s| {
        for t in 0..4 {
            let url = pg.url("worker");
            s.spawn(move || {
                let db = TeamDb::connect(&url).unwrap();
                for i in 0..50 {
                    db.append(EventKind::ExportMade, &format!("BRK-{t}-{i}"), &json!({"t": t, "i": i})).unwrap();
                }
            });
        }
    });
    let db = TeamDb::connect(&pg.url("carol"))?;
    let v = db.verify()?;
    assert!(v.ok, "{v:?}");
    assert_eq!(v.entries, 200);
    let seqs: Vec<i64> = db.entries_after(0, 1000)?.iter().map(|(e, _)| e.seq).collect();
    assert_eq!(seqs, (1..=200).collect::<Vec<_>>(), "no gap, no fork");
    Ok(())
}

#[test]
fn an_edit_by_the_owner_is_caught_by_the_verifier() -> R {
    let pg = team();
    let worker = TeamDb::connect(&pg.url("worker"))?;
    for i in 0..5 {
        worker.append(EventKind::ExportMade, &format!("BRK-{i}"), &json!({"decision": "AUTO_RESOLVE"}))?;
    }
    // The owner can drop the guard; the chain still tells.
    let mut admin = pg.admin();
    admin.batch_execute(
        "ALTER TABLE recon.audit_log DISABLE TRIGGER audit_log_no_update; UPDATE recon.audit_log SET payload = '{\"decision\":\"ESCALATE\"}' WHERE seq = 3",
    )?;
    let v = worker.verify()?;
    assert!(!v.ok);
    assert_eq!(v.first_bad.as_ref().map(|b| b.0), Some(3), "{v:?}");
    // Removing the last entry is caught by the head row, even though what is left chains.
    admin.batch_execute("UPDATE recon.audit_log SET payload = '{\"decision\":\"AUTO_RESOLVE\"}' WHERE seq = 3; DELETE FROM recon.audit_log WHERE seq = 5")?;
    let v = worker.verify()?;
    assert!(!v.ok, "{v:?}");
    assert!(v.first_bad.as_ref().is_some_and(|b| b.1.contains("entries were removed or added")), "{v:?}");
    Ok(())
}

#[test]
fn migrating_again_changes_nothing_and_passwords_stay_out_of_messages() -> R {
    let pg = team();
    let db = TeamDb::connect(&pg.url("postgres"))?;
    db.append(EventKind::ExportMade, "x", &json!({}))?;
    assert_eq!(db.migrate()?, TEAM_SCHEMA_VERSION);
    assert_eq!(db.verify()?.entries, 1, "a second migration keeps the log");
    assert_eq!(redact("postgres://alice:s3cret@db.example:5432/recon"), "postgres://alice:***@db.example:5432/recon");
    let e = TeamDb::connect(&format!("postgres://alice:s3cret@127.0.0.1:{}/nodb", pg.port)).err().expect("no such database");
    let text = e.to_string();
    assert!(!text.contains("s3cret") && text.contains("nodb"), "{text}");
    Ok(())
}
