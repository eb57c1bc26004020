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
