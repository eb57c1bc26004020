//! The Database screen's connection, against a real server that requires passwords: the form's
//! fields checked by Rust, the server's refusal in its words, a login with a typed password that
//! is not kept, the app core working on the team store, and the choice kept for the next start.

#[path = "../../store/tests/support/pg.rs"]
mod pg;

use reconagent_api::connection::{self, TeamAddress};
use reconagent_api::Core;

#[test]
fn a_person_connects_with_the_form_and_the_app_works_on_the_team_database() {
    let pg = pg::PgCluster::team();
    pg.require_passwords(&[("alice", "correct horse")]);
    let address = TeamAddress {
        host: "127.0.0.1".into(),
        port: i32::from(pg.port),
        database: "postgres".into(),
        user: "alice".into(),
        sslmode: "prefer".into(),
        sslrootcert: None,
    };

    // A field Rust cannot use is named, before anything is sent.
    let e = connection::connect(&TeamAddress { port: 70_000, ..address.clone() }, Some("x"), false).err().unwrap();
    assert!(e.message.starts_with("port: "), "{}", e.message);
    // The wrong password: the server's words, never the password.
    let e = connection::connect(&address, Some("wrong horse"), false).err().unwrap();
    assert!(e.message.contains("password authentication failed for user \"alice\""), "{}", e.message);
    assert!(!e.message.contains("wrong horse"));
    // TLS demanded of a server that offers none.
    let e = connection::connect(&TeamAddress { sslmode: "require".into(), ..address.clone() }, Some("correct horse"), false).err().unwrap();
    assert!(e.message.contains("TLS") || e.message.contains("SSL"), "{}", e.message);

    // The right one, typed and not kept: the app's core works on the team store as alice.
    let (store, note) = connection::connect(&address, Some("correct horse"), false).expect("alice logs in");
    assert_eq!(note, None);
    assert_eq!(store.actor(), "alice");
    let dir = tempfile::tempdir().unwrap();
    let core = Core::with_backend(store, &dir.path().join("routing_policies.yaml"), false).expect("the core opens on the team store");
    let info = core.info().unwrap();
    assert_eq!((info.actor.as_str(), info.breaks), ("alice", 0));
    assert!(info.database.starts_with("postgres://alice@127.0.0.1:"), "{}", info.database);

    // Kept for the next start (no password in it), unless RECONAGENT_DB says otherwise.
    connection::save(dir.path(), Some(&address)).unwrap();
    let kept = std::fs::read_to_string(dir.path().join("connection.json")).unwrap();
    assert!(!kept.contains("horse"), "{kept}");
    let desc = connection::ConnectionDto::of(core.store(), dir.path(), &dir.path().join("local.db"));
    assert!(desc.team && desc.actor == "alice" && desc.saved.as_ref() == Some(&address));
    if std::env::var_os("RECONAGENT_DB").is_none() {
        let start = connection::startup_location(dir.path(), dir.path().join("local.db"));
        assert_eq!(start.to_string_lossy(), format!("postgres://alice@127.0.0.1:{}/postgres?sslmode=prefer", pg.port));
        connection::save(dir.path(), None).unwrap();
        assert_eq!(connection::startup_location(dir.path(), dir.path().join("local.db")), dir.path().join("local.db"));
    }
}
