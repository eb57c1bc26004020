-- Team store, schema 13: how many breaks of each type, status, tier and decision, kept in the
-- transaction of every write to recon.breaks by statement triggers over its transition tables
-- (one upsert per key per statement, however many rows it touched), so the queue's and review
-- list's counts, the title bar and the desk read a few hundred rows at any size. Each session
-- writes its own slot (its backend pid modulo 16), so concurrent workers' chunks do not wait on
-- each other's counter rows until they commit; a count sums the slots. NULL tier and decision
-- are counted as such (NULLS NOT DISTINCT), so the queue's own WHERE clauses apply unchanged.
-- The counters are derived data, not the record: a count is checked against the table by
-- `team_roles::the_counters_agree_with_the_breaks`. Frozen once released.
CREATE TABLE recon.break_counts (
  break_type TEXT COLLATE "C" NOT NULL,
  status     TEXT COLLATE "C" NOT NULL,
  tier       TEXT COLLATE "C",
  decision   TEXT COLLATE "C",
  slot       INT NOT NULL,
  n          BIGINT NOT NULL,
  UNIQUE NULLS NOT DISTINCT (break_type, status, tier, decision, slot)
);

INSERT INTO recon.break_counts (break_type, status, tier, decision, slot, n)
  SELECT break_type, status, tier, decision, 0, count(*) FROM recon.breaks GROUP BY 1, 2, 3, 4;

-- Adds the signed changes `d` per key, in key order (so two sessions sharing a slot take the
-- rows' locks in one order and cannot deadlock).
CREATE FUNCTION recon.count_breaks_inserted() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  INSERT INTO recon.break_counts AS c (break_type, status, tier, decision, slot, n)
    SELECT break_type, status, tier, decision, pg_backend_pid() % 16, count(*) FROM new_rows GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (break_type, status, tier, decision, slot) DO UPDATE SET n = c.n + EXCLUDED.n;
  RETURN NULL;
END $$;

CREATE FUNCTION recon.count_breaks_updated() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  INSERT INTO recon.break_counts AS c (break_type, status, tier, decision, slot, n)
    SELECT break_type, status, tier, decision, pg_backend_pid() % 16, sum(d) FROM (
      SELECT break_type, status, tier, decision, 1 AS d FROM new_rows
      UNION ALL
      SELECT break_type, status, tier, decision, -1 FROM old_rows
    ) x GROUP BY 1, 2, 3, 4 HAVING sum(d) <> 0 ORDER BY 1, 2, 3, 4
    ON CONFLICT (break_type, status, tier, decision, slot) DO UPDATE SET n = c.n + EXCLUDED.n;
  RETURN NULL;
END $$;

CREATE FUNCTION recon.count_breaks_deleted() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  INSERT INTO recon.break_counts AS c (break_type, status, tier, decision, slot, n)
    SELECT break_type, status, tier, decision, pg_backend_pid() % 16, -count(*) FROM old_rows GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (break_type, status, tier, decision, slot) DO UPDATE SET n = c.n + EXCLUDED.n;
  RETURN NULL;
END $$;

CREATE TRIGGER breaks_counted_insert AFTER INSERT ON recon.breaks REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION recon.count_breaks_inserted();
CREATE TRIGGER breaks_counted_update AFTER UPDATE ON recon.breaks REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION recon.count_breaks_updated();
CREATE TRIGGER breaks_counted_delete AFTER DELETE ON recon.breaks REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION recon.count_breaks_deleted();

REVOKE ALL ON recon.break_counts FROM PUBLIC;
GRANT SELECT ON recon.break_counts TO recon_reviewer, recon_approver, recon_policy_admin, recon_auditor, recon_processor;
REVOKE ALL ON FUNCTION recon.count_breaks_inserted(), recon.count_breaks_updated(), recon.count_breaks_deleted() FROM PUBLIC;
