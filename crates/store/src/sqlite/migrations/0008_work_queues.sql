-- Schema 8: the work queue each waiting break is routed to (WORKFLOW's assignee group, set by the
-- run that sent it to a person and recorded in that run's audit entry), and one queue's review
-- list, in review order (the priority key of `breaks_review`), read from an index at any size.
ALTER TABLE breaks ADD COLUMN work_queue TEXT;
-- What the log says: the queue of each break's latest RUN entry that names one, unless a
-- BREAK_REPLACED entry came after it (files written before this schema name none: all stay NULL).
UPDATE breaks SET work_queue = (
  SELECT CASE a.kind WHEN 'RUN' THEN json_extract(a.payload, '$.queue') END
    FROM audit_log a
   WHERE a.subject = breaks.break_id
     AND (a.kind = 'BREAK_REPLACED' OR (a.kind = 'RUN' AND json_type(a.payload, '$.queue') IS NOT NULL))
   ORDER BY a.seq DESC LIMIT 1)
 WHERE latest_run_id IS NOT NULL;
CREATE INDEX breaks_queue_review ON breaks(work_queue, (CASE tier WHEN 'CRITICAL' THEN '0' WHEN 'HIGH' THEN '1' WHEN 'MEDIUM' THEN '2' WHEN 'LOW' THEN '3' ELSE '9' END || COALESCE(sla_deadline, '~')), break_id)
  WHERE status IN ('PENDING_REVIEW', 'ESCALATED');
