-- Schema version 2: modelled time/cost per run (filled for older runs by the migration hook)
-- and one row per checkpoint evaluation, for the efficiency dashboard.
ALTER TABLE runs ADD COLUMN modelled_ms INTEGER;
ALTER TABLE runs ADD COLUMN modelled_cost TEXT;

CREATE TABLE run_checkpoints (
  run_id         INTEGER NOT NULL REFERENCES runs(run_id),
  checkpoint_id  TEXT NOT NULL,
  after_agent    TEXT NOT NULL,
  fired          INTEGER NOT NULL,
  PRIMARY KEY (run_id, checkpoint_id)
) WITHOUT ROWID;
CREATE INDEX run_checkpoints_id ON run_checkpoints(checkpoint_id, fired);

INSERT INTO run_checkpoints (run_id, checkpoint_id, after_agent, fired)
  SELECT r.run_id, json_extract(c.value, '$.id'), json_extract(c.value, '$.after_agent'), json_extract(c.value, '$.fired')
  FROM runs r, json_each(r.graph, '$.checkpoints') c;

-- PATTERN looks up similar breaks (same type and counterparty, or same type and instrument)
-- for every run: both paths must be index lookups, bounded to the most recent ones.
ALTER TABLE breaks ADD COLUMN instrument_id TEXT;
UPDATE breaks SET instrument_id = json_extract(data, '$.instrument_id');
-- Covering: the lookup reads only the index, never the table rows.
CREATE INDEX breaks_similar_counterparty ON breaks(break_type, counterparty, updated_at, status, decision, break_id);
CREATE INDEX breaks_similar_instrument ON breaks(break_type, instrument_id, updated_at, status, decision, break_id);
