//! TLS to a team database, as libpq's `sslmode` means it, against a real server whose
//! certificate names `localhost` (signed by a CA made for the test) and which refuses logins
//! without TLS.

mod support;

use reconagent_store::postgres::{Connector, PgStore, TlsMode};
use support::pg::PgCluster;

fn encrypted(c: &mut postgres::Client) -> bool {
    c.query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[]).unwrap().get(0)
}

#[test]
fn each_sslmode_does_what_libpq_says() {
    let pg = PgCluster::team();
    let ca = pg.enable_tls();
    let ca = ca.display();
    let url = |host: &str, query: &str| format!("postgres://alice@{host}:{}/postgres{query}", pg.port);
    let connect = |u: &str| Connector::new(u).and_then(|c| c.connect());

    // The default (prefer) and require encrypt; neither checks the certificate.
    for q in ["", "?sslmode=prefer", "?sslmode=require"] {
        let mut c = connect(&url("127.0.0.1", q)).unwrap_or_else(|e| panic!("{q}: {e}"));
        assert!(encrypted(&mut c), "{q}");
    }
    // disable: the server refuses a login without TLS, and says so.
    let e = connect(&url("127.0.0.1", "?sslmode=disable")).err().expect("refused").to_string();
    assert!(e.contains("no encryption"), "{e}");

    // verify-full: the CA is trusted and the certificate names the host.
    let mut c = connect(&url("localhost", &format!("?sslmode=verify-full&sslrootcert={ca}"))).expect("verify-full to localhost");
    assert!(encrypted(&mut c));
    // ... not when connecting by an address the certificate does not name,
    let e = connect(&url("127.0.0.1", &format!("?sslmode=verify-full&sslrootcert={ca}"))).err().expect("refused").to_string();
    assert!(e.contains("TLS") && e.contains("certificate verify failed"), "{e}");
    // which verify-ca accepts (the chain only),
    let mut c = connect(&url("127.0.0.1", &format!("?sslmode=verify-ca&sslrootcert={ca}"))).expect("verify-ca by address");
    assert!(encrypted(&mut c));
    // ... and not with the system's roots, which never signed the test CA.
    let e = connect(&url("localhost", "?sslmode=verify-full")).err().expect("refused").to_string();
    assert!(e.contains("certificate verify failed"), "{e}");

    // The key=value form reads the same options.
    let kv = format!("host=localhost port={} user=alice dbname=postgres sslmode=verify-full sslrootcert={ca}", pg.port);
    assert_eq!(Connector::new(&kv).unwrap().tls_mode, TlsMode::VerifyFull);
    assert!(encrypted(&mut connect(&kv).unwrap()));

    // Mistakes are named.
    let e = connect(&url("localhost", "?sslmode=verify")).err().unwrap().to_string();
    assert!(e.contains("sslmode `verify` is not one of"), "{e}");
    let e = connect(&url("localhost", "?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem")).err().unwrap().to_string();
    assert!(e.contains("sslrootcert /nonexistent/ca.pem"), "{e}");

    // The store itself (its queue, history and listener connections) goes through the same.
    let store = PgStore::connect(&url("localhost", &format!("?sslmode=verify-full&sslrootcert={ca}"))).expect("the store connects over TLS");
    use reconagent_store::prelude::*;
    assert_eq!(store.actor(), "alice");
}
