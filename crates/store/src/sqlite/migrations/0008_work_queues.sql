-- Schema 8: the work queue each waiting break is routed to (WORKFLOW's assignee group, set by the
-- run that sent it to a person and recorded in that run's audit entry), and one queue's review
-- list, in review order (the priority key of `breaks_review`), read from an index at any size.
ALTER TABLE breaks ADD COLUMN work_queue TEXT;
CREATE INDEX breaks_queue_review ON breaks(work_queue, (CASE tier WHEN 'CRITICAL' THEN '0' WHEN 'HIGH' THEN '1' WHEN 'MEDIUM' THEN '2' WHEN 'LOW' THEN '3' ELSE '9' END || COALESCE(sla_deadline, '~')), break_id)
  WHERE status IN ('PENDING_REVIEW', 'ESCALATED');
