//! `break_counts`: how many breaks of each type, status, tier and decision, kept by the code
//! that writes breaks (import, runs, human actions, replacements), in the transaction of the
//! write. Not triggers: a trigger makes SQLite journal every page a break's INSERT or UPDATE
//! touches (schema 6 says more). Every statement that inserts a break or changes its type,
//! status, tier or decision goes through [`Counts`]; `tests/stats.rs` checks the counters
//! against a full count after each kind of write.

use crate::error::Result;
use rusqlite::{Connection, OptionalExtension};
use std::collections::HashMap;

/// A break's counter key: type, status, tier ('' for none), decision ('' for none).
pub(crate) type Key = (String, String, String, String);

/// The key of a break as stored, or None when there is no such break.
pub(crate) fn key_of(tx: &Connection, break_id: &str) -> Result<Option<Key>> {
    Ok(tx
        .prepare_cached("SELECT break_type, status, COALESCE(tier, ''), COALESCE(decision, '') FROM breaks WHERE break_id = ?1")?
        .query_row([break_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?)
}

/// Changes to the counters, added up in memory and written once per key.
#[derive(Debug, Default)]
pub(crate) struct Counts(HashMap<Key, i64>);

impl Counts {
    /// A break now counted under `key` (inserted).
    pub(crate) fn added(&mut self, key: Key) {
        *self.0.entry(key).or_default() += 1;
    }

    /// A break moved from `old` to `new` (nothing when they are equal).
    pub(crate) fn moved(&mut self, old: Key, new: Key) {
        if old != new {
            *self.0.entry(old).or_default() -= 1;
            *self.0.entry(new).or_default() += 1;
        }
    }

    /// Writes the changes in `tx` (the write's own transaction).
    pub(crate) fn apply(self, tx: &Connection) -> Result<()> {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO break_counts (break_type, status, tier, decision, n) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (break_type, status, tier, decision) DO UPDATE SET n = n + excluded.n",
        )?;
        for ((break_type, status, tier, decision), n) in self.0 {
            if n != 0 {
                stmt.execute(rusqlite::params![break_type, status, tier, decision, n])?;
            }
        }
        Ok(())
    }

    /// Applies the move of one break whose key was `old` before a statement changed it.
    pub(crate) fn apply_move(tx: &Connection, break_id: &str, old: Key) -> Result<()> {
        let mut counts = Counts::default();
        if let Some(new) = key_of(tx, break_id)? {
            counts.moved(old, new);
        }
        counts.apply(tx)
    }
}
