-- Schema version 2: modelled time/cost per run (filled here for runs recorded before)
-- and one row per checkpoint evaluation, for the efficiency dashboard.
ALTER TABLE runs ADD COLUMN modelled_ms INTEGER;
ALTER TABLE runs ADD COLUMN modelled_cost TEXT;

-- Runs recorded before: their modelled time (the longest chain of invoked agents through their
-- dependencies) and cost (the sum over invoked agents), under the seed's profiles as version 2
-- defined them, frozen here: latency in ms and cost in thousandths of a USD per agent.
WITH seed(agent, ms, mills) AS (VALUES ('INGESTION', 150, 8), ('ENRICHMENT', 250, 12), ('MATCHING', 400, 18), ('RULES', 350, 16),
                                      ('PATTERN', 450, 22), ('DECISIONING', 550, 30), ('WORKFLOW', 350, 14))
UPDATE runs SET
  modelled_ms = (
    WITH RECURSIVE
      node(agent, deps) AS (SELECT json_extract(n.value, '$.agent'), json_extract(n.value, '$.depends_on') FROM json_each(runs.graph, '$.nodes') n
                            WHERE json_extract(n.value, '$.status') <> 'SKIPPED'),
      path(agent, total) AS (SELECT node.agent, seed.ms FROM node JOIN seed USING (agent)
                             UNION ALL
                             SELECT node.agent, path.total + seed.ms FROM path
                               JOIN node ON EXISTS (SELECT 1 FROM json_each(node.deps) d WHERE d.value = path.agent)
                               JOIN seed ON seed.agent = node.agent)
    SELECT COALESCE(MAX(total), 0) FROM path),
  modelled_cost = (
    SELECT CASE WHEN COUNT(*) = 0 THEN '0' ELSE printf('%d.%03d', SUM(seed.mills) / 1000, SUM(seed.mills) % 1000) END
    FROM json_each(runs.graph, '$.nodes') n JOIN seed ON seed.agent = json_extract(n.value, '$.agent')
    WHERE json_extract(n.value, '$.status') <> 'SKIPPED')
WHERE modelled_ms IS NULL;

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
