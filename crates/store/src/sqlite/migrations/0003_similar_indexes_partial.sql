-- Schema version 3: PATTERN's similar-break indexes hold only breaks that have been processed
-- (partial indexes). Importing a break no longer touches them, and recording its first run is
-- one index insert instead of a delete and an insert; a lookup no longer steps over NEW breaks.
DROP INDEX breaks_similar_counterparty;
DROP INDEX breaks_similar_instrument;
CREATE INDEX breaks_similar_counterparty ON breaks(break_type, counterparty, updated_at, status, decision, break_id)
  WHERE status <> 'NEW';
CREATE INDEX breaks_similar_instrument ON breaks(break_type, instrument_id, updated_at, status, decision, break_id)
  WHERE status <> 'NEW';

-- No query reads these (every aggregate filters runs by started_at first, and checkpoint rows
-- are reached by run_id); each cost an index insert per recorded run.
DROP INDEX IF EXISTS runs_type_tier;
DROP INDEX IF EXISTS run_checkpoints_id;

-- Every save of a policy file from the editor (or a restore): a version is stored once by
-- content, but the same text can be saved again (restoring an old version is a new save).
CREATE TABLE policy_saves (
  save_id   INTEGER PRIMARY KEY,
  hash      TEXT NOT NULL REFERENCES policy_versions(hash),
  path      TEXT NOT NULL,
  author    TEXT NOT NULL,
  note      TEXT NOT NULL,
  saved_at  TEXT NOT NULL,
  previous  TEXT                          -- the file's hash before this save, if it existed
);
