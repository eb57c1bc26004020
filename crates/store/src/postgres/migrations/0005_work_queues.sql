-- Team store, schema 5: the work queue each waiting break is routed to (WORKFLOW's assignee
-- group). It is taken from the audit entries themselves: a RUN entry that names a queue sets its
-- break's queue, a BREAK_REPLACED entry clears it (the break is NEW again), so the column can
-- only ever say what the hashed record says. One statement-level trigger per insert into the
-- log, reading the entries the statement added. Frozen once released.
ALTER TABLE recon.breaks ADD COLUMN work_queue TEXT COLLATE "C";

CREATE FUNCTION recon.route_from_entries() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  UPDATE recon.breaks b
     SET work_queue = CASE u.kind WHEN 'RUN' THEN u.queue END
    FROM (SELECT DISTINCT ON (a.subject) a.subject, a.kind, a.payload::jsonb ->> 'queue' AS queue
            FROM added a
           WHERE a.kind = 'BREAK_REPLACED' OR (a.kind = 'RUN' AND a.payload::jsonb ? 'queue')
           ORDER BY a.subject, a.seq DESC) u
   WHERE b.break_id = u.subject AND b.work_queue IS DISTINCT FROM CASE u.kind WHEN 'RUN' THEN u.queue END;
  RETURN NULL;
END $$;

CREATE TRIGGER audit_routes AFTER INSERT ON recon.audit_log
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION recon.route_from_entries();
