//! Who else has a break open, on a team database: each person says so through the database's
//! own function (the table is not writable), others see them for 90 s after their last word,
//! arrivals and departures reach the others' listeners, and a file of one's own has nobody else.

mod support;

use reconagent_store::postgres::PgStore;
use reconagent_store::prelude::*;
use std::time::Duration;
use support::pg::PgCluster;

#[test]
fn people_see_who_else_has_a_break_open() {
    let pg = PgCluster::team();
    let url = |who: &str| format!("postgres://{who}@127.0.0.1:{}/postgres", pg.port);
    let alice = PgStore::connect(&url("alice")).unwrap();
    let bob = PgStore::connect(&url("bob")).unwrap();
    let carol = PgStore::connect(&url("carol")).unwrap();
    let (tx, heard) = std::sync::mpsc::channel::<Vec<String>>();
    assert!(bob.watch(Box::new(move |kinds| drop(tx.send(kinds)))).unwrap());
    let presence_heard = || {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while let Ok(kinds) = heard.recv_timeout(deadline.saturating_duration_since(std::time::Instant::now())) {
            if kinds.iter().any(|k| k == "PRESENCE") {
                return true;
            }
        }
        false
    };

    assert_eq!(alice.presence("BRK-00001", true).unwrap(), Vec::<String>::new());
    assert!(presence_heard(), "bob's listener hears alice arrive");
    assert_eq!(bob.presence("BRK-00001", true).unwrap(), ["alice"]);
    // the auditor reads too, and is seen
    assert_eq!(carol.presence("BRK-00001", true).unwrap(), ["alice", "bob"]);
    assert_eq!(alice.presence("BRK-00001", true).unwrap(), ["bob", "carol"]);
    // another break is another matter
    assert_eq!(bob.presence("BRK-00002", true).unwrap(), Vec::<String>::new());

    // alice closes it: gone at once, and the others hear it
    while heard.try_recv().is_ok() {}
    alice.presence("BRK-00001", false).unwrap();
    assert!(presence_heard(), "bob's listener hears alice leave");
    assert_eq!(bob.presence("BRK-00001", true).unwrap(), ["carol"]);

    // carol's desktop went silent two minutes ago: no longer shown
    pg.admin().batch_execute("UPDATE recon.presence SET seen_at = now() - interval '2 minutes' WHERE person = 'carol'").unwrap();
    assert_eq!(bob.presence("BRK-00001", true).unwrap(), Vec::<String>::new());

    // The table is not writable, even by its subjects; a login without a team role may not say it.
    let mut raw = postgres::Client::connect(&pg.url("alice"), postgres::NoTls).unwrap();
    let e = raw.batch_execute("INSERT INTO recon.presence VALUES ('BRK-00001', 'bob', now())").unwrap_err();
    assert!(e.as_db_error().is_some_and(|d| d.message().contains("permission denied")), "{e:?}");
    let mut eve = postgres::Client::connect(&pg.url("eve"), postgres::NoTls).unwrap();
    let e = eve.query("SELECT recon.presence('BRK-00001', true)", &[]).unwrap_err();
    assert!(e.as_db_error().is_some_and(|d| d.message().contains("permission denied")), "{e:?}");
    // Nor can a person say it for someone else: the function records the session's user.
    raw.query("SELECT recon.presence('BRK-00009', true)", &[]).unwrap();
    let who: Vec<String> = pg.admin().query("SELECT person FROM recon.presence WHERE break_id = 'BRK-00009'", &[]).unwrap().iter().map(|r| r.get(0)).collect();
    assert_eq!(who, ["alice"]);

    // Bob's store goes (the app switched databases): its listener thread ends and its
    // connection with it.
    let listeners = || {
        std::fs::read_dir("/proc/self/task")
            .unwrap()
            .flatten()
            .filter(|t| std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.trim() == "pg-listen"))
            .count()
    };
    assert_eq!(listeners(), 1);
    drop(bob);
    let start = std::time::Instant::now();
    while listeners() > 0 {
        assert!(start.elapsed() < Duration::from_secs(10), "the listener outlived its store");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_file_of_ones_own_has_nobody_else() {
    let dir = tempfile::tempdir().unwrap();
    let store = reconagent_store::SqliteStore::open(&dir.path().join("a.db")).unwrap();
    assert!(store.presence("BRK-00001", true).unwrap().is_empty());
    assert!(store.presence("BRK-00001", false).unwrap().is_empty());
}

/// Model calls' exchanges and spending are the team's (schema 9): kept by whoever runs the
/// batch, read by everyone, an altered body not used, written only through the functions.
#[test]
fn model_exchanges_and_spending_are_kept_for_the_team() {
    use reconagent_engine::llm::exchanges::Exchange;
    use rust_decimal::Decimal;
    let pg = PgCluster::team();
    let url = |who: &str| format!("postgres://{who}@127.0.0.1:{}/postgres", pg.port);
    let worker = PgStore::connect(&url("worker")).unwrap().exchanges().expect("a team database keeps exchanges");
    let carol = PgStore::connect(&url("carol")).unwrap().exchanges().unwrap();
    let request = serde_json::json!({"model": "m", "messages": [{"role": "user", "content": "x"}]});
    let h = reconagent_engine::llm::client::request_hash(&serde_json::to_vec(&request).unwrap());
    let ex = Exchange { request_sha256: h.clone(), model: "m".into(), request, response: "{\"ok\":1}".into(), at: chrono::Utc::now() };
    worker.put(&ex).unwrap();
    worker.put(&ex).unwrap(); // the same question again: kept once
    assert_eq!(carol.get(&h), Some(ex.clone()), "the auditor reads what the worker kept");
    assert_eq!(carol.get(&"0".repeat(64)), None);
    assert_eq!(carol.get("not a hash"), None);
    // the auditor may not keep one
    assert!(carol.put(&ex).unwrap_err().contains("permission denied"));
    // an altered body is not an answer
    pg.admin().execute("UPDATE recon.llm_exchanges SET body = '\\x1f8b'::bytea WHERE request_sha256 = $1", &[&h]).unwrap();
    assert_eq!(carol.get(&h), None);

    // The day's spending adds up across the team.
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
    let alice = PgStore::connect(&url("alice")).unwrap().exchanges().unwrap();
    worker.add_spend(day, Decimal::new(125, 5));
    alice.add_spend(day, Decimal::new(5, 5));
    worker.add_spend(day, Decimal::new(1, 5));
    assert_eq!(carol.spent_on(day), Decimal::new(131, 5));
    assert_eq!(carol.spent_on(day.succ_opt().unwrap()), Decimal::ZERO);
    let mut raw = postgres::Client::connect(&pg.url("worker"), postgres::NoTls).unwrap();
    let e = raw.batch_execute("UPDATE recon.llm_spend SET cost = 0").unwrap_err();
    assert!(e.as_db_error().is_some_and(|d| d.message().contains("permission denied")), "{e:?}");
    let e = raw.batch_execute("SELECT recon.add_llm_spend('2026-12-02', -1)").unwrap_err();
    assert!(e.as_db_error().is_some_and(|d| d.message().contains("never negative")), "{e:?}");
}
