-- Team store, schema 10: the desk's actions per day, person and kind, kept as each action is
-- recorded (a trigger in the action's own transaction), so the dashboard's "per reviewer" reads
-- a few rows per day at any size instead of grouping every action of the period; as the embedded
-- store's action_rollup (its schema 7). Filled from the actions already stored. Derived: no role
-- writes it. Frozen once released.
CREATE TABLE recon.action_rollup (
  day   TEXT COLLATE "C" NOT NULL,
  actor TEXT NOT NULL,
  kind  TEXT NOT NULL,
  n     BIGINT NOT NULL,
  PRIMARY KEY (day, actor, kind)
);

INSERT INTO recon.action_rollup (day, actor, kind, n)
  SELECT substr(at, 1, 10), actor, kind, count(*) FROM recon.actions GROUP BY 1, 2, 3;

CREATE FUNCTION recon.count_actions() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  INSERT INTO recon.action_rollup AS r (day, actor, kind, n)
    SELECT substr(a.at, 1, 10), a.actor, a.kind, count(*) FROM new_actions a GROUP BY 1, 2, 3
  ON CONFLICT (day, actor, kind) DO UPDATE SET n = r.n + EXCLUDED.n;
  RETURN NULL;
END $$;

CREATE TRIGGER actions_rollup AFTER INSERT ON recon.actions
  REFERENCING NEW TABLE AS new_actions
  FOR EACH STATEMENT EXECUTE FUNCTION recon.count_actions();

REVOKE ALL ON recon.action_rollup FROM PUBLIC;
REVOKE ALL ON FUNCTION recon.count_actions() FROM PUBLIC;
GRANT SELECT ON recon.action_rollup TO recon_reviewer, recon_approver, recon_policy_admin, recon_auditor, recon_processor;
