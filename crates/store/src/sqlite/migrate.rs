//! The schema: frozen, append-only SQL files, applied in order, each in its own transaction
//! with the version it brings. A file never changes once released; a change is a new file. No
//! migration reads this build's Rust types, so an old database upgrades the same way forever.

use crate::error::{Result, StoreError};
use rusqlite::Connection;

/// `PRAGMA application_id` of a Recon Agent database ("RCNA").
pub const APPLICATION_ID: i32 = 0x5243_4E41;

/// The migrations, in order: migration `n` (1-based) brings the schema to version `n`.
/// Each migration's SQL may be followed by a Rust step in the same transaction, for what SQL
/// cannot do exactly (decimal sums); such a step reads only columns its version froze.
type Step = Option<fn(&Connection) -> Result<()>>;

const MIGRATIONS: [(&str, &str, Step); 10] = [
    ("0001_initial", include_str!("migrations/0001_initial.sql"), None),
    ("0002_checkpoints_and_similar", include_str!("migrations/0002_checkpoints_and_similar.sql"), None),
    ("0003_similar_indexes_partial", include_str!("migrations/0003_similar_indexes_partial.sql"), None),
    ("0004_checkpoint_errors_claims_versions", include_str!("migrations/0004_checkpoint_errors_claims_versions.sql"), None),
    ("0005_a_year_of_breaks", include_str!("migrations/0005_a_year_of_breaks.sql"), Some(super::rollup::backfill)),
    ("0006_counters_without_triggers", include_str!("migrations/0006_counters_without_triggers.sql"), None),
    ("0007_audit_by_break", include_str!("migrations/0007_audit_by_break.sql"), None),
    ("0008_work_queues", include_str!("migrations/0008_work_queues.sql"), None),
    ("0009_measured_cost", include_str!("migrations/0009_measured_cost.sql"), None),
    ("0010_graph_is_the_home_of_node_facts", include_str!("migrations/0010_graph_is_the_home_of_node_facts.sql"), None),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Applies every migration the file lacks, each in its own IMMEDIATE transaction that also sets
/// `user_version`: a failure (a damaged file) rolls that migration back and leaves the file at
/// the version before it.
pub(crate) fn to_latest(conn: &mut Connection, name: &str) -> Result<()> {
    let current: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(|e| StoreError::Open { path: name.to_string(), message: format!("the file is damaged ({e}); nothing was changed") })?;
    for (i, (step, sql, then)) in MIGRATIONS.iter().enumerate().skip(current.max(0) as usize) {
        let failed = |e: rusqlite::Error| StoreError::Open {
            path: name.to_string(),
            message: if i as i64 == current {
                format!("the file is damaged or cannot be upgraded ({step}: {e}); nothing was changed")
            } else {
                format!("the file is damaged or cannot be upgraded ({step}: {e}); it was upgraded to schema {i} and is otherwise unchanged")
            },
        };
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(failed)?;
        tx.execute_batch(sql).map_err(failed)?;
        if let Some(then) = then {
            then(&tx).map_err(|e| StoreError::Open { path: name.to_string(), message: format!("{step}: {e}") })?;
        }
        tx.pragma_update(None, "user_version", i as i64 + 1).map_err(failed)?;
        tx.commit().map_err(failed)?;
    }
    Ok(())
}

/// Refuses another application's file and a newer schema, before anything is written.
pub(super) fn check_header(conn: &Connection, name: &str) -> Result<()> {
    let open_err = |e: rusqlite::Error| StoreError::Open { path: name.to_string(), message: e.to_string() };
    let app: i32 = conn.pragma_query_value(None, "application_id", |r| r.get(0)).map_err(open_err)?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(open_err)?;
    if app != APPLICATION_ID {
        return Err(StoreError::ForeignFile { path: name.to_string(), found: app });
    }
    if version > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema { path: name.to_string(), found: version, supported: SCHEMA_VERSION });
    }
    Ok(())
}
