-- Team store, schema 11: the dashboard's figures per day, kept as runs are recorded (statement
-- triggers in the run's own transaction: record_runs inserts a chunk's runs, then its
-- checkpoints, each in one statement), so the dashboard reads a few rows per day, mode, type,
-- tier and decision at any size instead of grouping every run; as the embedded store's
-- run_rollup (its schema 5). Filled from the runs already stored. Derived: no role writes it.
-- Frozen once released.
CREATE TABLE recon.run_rollup (
  day            TEXT COLLATE "C" NOT NULL,
  mode           TEXT NOT NULL,
  break_type     TEXT COLLATE "C" NOT NULL,
  tier           TEXT NOT NULL,
  decision       TEXT NOT NULL,
  runs           BIGINT NOT NULL,
  agents_invoked BIGINT NOT NULL,
  agents_planned BIGINT NOT NULL,
  early_exits    BIGINT NOT NULL,
  wall_us        BIGINT NOT NULL,
  modelled_ms    BIGINT NOT NULL,
  modelled_cost  NUMERIC NOT NULL,
  llm_runs       BIGINT NOT NULL,
  measured_cost  NUMERIC NOT NULL,
  PRIMARY KEY (day, mode, break_type, tier, decision)
);

CREATE TABLE recon.checkpoint_rollup (
  day           TEXT COLLATE "C" NOT NULL,
  break_type    TEXT COLLATE "C" NOT NULL,
  checkpoint_id TEXT NOT NULL,
  after_agent   TEXT NOT NULL,
  evaluated     BIGINT NOT NULL,
  fired         BIGINT NOT NULL,
  PRIMARY KEY (day, break_type, checkpoint_id, after_agent)
);

INSERT INTO recon.run_rollup
  SELECT substr(started_at, 1, 10), mode, break_type, tier, decision, count(*), sum(agents_invoked), sum(agents_planned), count(early_exit),
         sum(wall_us), sum(modelled_ms), sum(modelled_cost), count(measured_cost), coalesce(sum(measured_cost), 0)
    FROM recon.runs GROUP BY 1, 2, 3, 4, 5;

INSERT INTO recon.checkpoint_rollup
  SELECT substr(r.started_at, 1, 10), r.break_type, c.checkpoint_id, c.after_agent, count(*), count(*) FILTER (WHERE c.fired)
    FROM recon.run_checkpoints c JOIN recon.runs r ON r.run_id = c.run_id GROUP BY 1, 2, 3, 4;

CREATE FUNCTION recon.roll_up_runs() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  INSERT INTO recon.run_rollup AS g
    SELECT substr(started_at, 1, 10), mode, break_type, tier, decision, count(*), sum(agents_invoked), sum(agents_planned), count(early_exit),
           sum(wall_us), sum(modelled_ms), sum(modelled_cost), count(measured_cost), coalesce(sum(measured_cost), 0)
      FROM new_runs GROUP BY 1, 2, 3, 4, 5
  ON CONFLICT (day, mode, break_type, tier, decision) DO UPDATE SET
    runs = g.runs + EXCLUDED.runs, agents_invoked = g.agents_invoked + EXCLUDED.agents_invoked,
    agents_planned = g.agents_planned + EXCLUDED.agents_planned, early_exits = g.early_exits + EXCLUDED.early_exits,
    wall_us = g.wall_us + EXCLUDED.wall_us, modelled_ms = g.modelled_ms + EXCLUDED.modelled_ms,
    modelled_cost = g.modelled_cost + EXCLUDED.modelled_cost, llm_runs = g.llm_runs + EXCLUDED.llm_runs,
    measured_cost = g.measured_cost + EXCLUDED.measured_cost;
  RETURN NULL;
END $$;

CREATE FUNCTION recon.roll_up_checkpoints() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  INSERT INTO recon.checkpoint_rollup AS g
    SELECT substr(r.started_at, 1, 10), r.break_type, c.checkpoint_id, c.after_agent, count(*), count(*) FILTER (WHERE c.fired)
      FROM new_checkpoints c JOIN recon.runs r ON r.run_id = c.run_id GROUP BY 1, 2, 3, 4
  ON CONFLICT (day, break_type, checkpoint_id, after_agent) DO UPDATE SET
    evaluated = g.evaluated + EXCLUDED.evaluated, fired = g.fired + EXCLUDED.fired;
  RETURN NULL;
END $$;

CREATE TRIGGER runs_rollup AFTER INSERT ON recon.runs
  REFERENCING NEW TABLE AS new_runs FOR EACH STATEMENT EXECUTE FUNCTION recon.roll_up_runs();
CREATE TRIGGER run_checkpoints_rollup AFTER INSERT ON recon.run_checkpoints
  REFERENCING NEW TABLE AS new_checkpoints FOR EACH STATEMENT EXECUTE FUNCTION recon.roll_up_checkpoints();

REVOKE ALL ON recon.run_rollup, recon.checkpoint_rollup FROM PUBLIC;
REVOKE ALL ON FUNCTION recon.roll_up_runs(), recon.roll_up_checkpoints() FROM PUBLIC;
GRANT SELECT ON recon.run_rollup, recon.checkpoint_rollup TO recon_reviewer, recon_approver, recon_policy_admin, recon_auditor, recon_processor;
