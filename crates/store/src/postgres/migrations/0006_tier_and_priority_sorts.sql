-- Team store, schema 6: the queue sorted by tier or by priority, and the review list (the
-- waiting breaks in priority order, all of them or one work queue's), each on an index of the
-- sort's key and the break id, as keyset paging reads them. The expressions are the store's
-- sort keys (`sqlite::breaks::sort_key`), written alike so the planner matches them. Frozen
-- once released.
CREATE INDEX breaks_tier_sort ON recon.breaks ((CASE tier WHEN 'LOW' THEN '1' WHEN 'MEDIUM' THEN '2' WHEN 'HIGH' THEN '3' WHEN 'CRITICAL' THEN '4' ELSE '0' END), break_id);
CREATE INDEX breaks_priority_sort ON recon.breaks ((CASE tier WHEN 'CRITICAL' THEN '0' WHEN 'HIGH' THEN '1' WHEN 'MEDIUM' THEN '2' WHEN 'LOW' THEN '3' ELSE '9' END || COALESCE(sla_deadline, '~')), break_id);
CREATE INDEX breaks_review ON recon.breaks ((CASE tier WHEN 'CRITICAL' THEN '0' WHEN 'HIGH' THEN '1' WHEN 'MEDIUM' THEN '2' WHEN 'LOW' THEN '3' ELSE '9' END || COALESCE(sla_deadline, '~')), break_id)
  WHERE status IN ('PENDING_REVIEW', 'ESCALATED');
CREATE INDEX breaks_queue_review ON recon.breaks (work_queue, (CASE tier WHEN 'CRITICAL' THEN '0' WHEN 'HIGH' THEN '1' WHEN 'MEDIUM' THEN '2' WHEN 'LOW' THEN '3' ELSE '9' END || COALESCE(sla_deadline, '~')), break_id)
  WHERE status IN ('PENDING_REVIEW', 'ESCALATED');
