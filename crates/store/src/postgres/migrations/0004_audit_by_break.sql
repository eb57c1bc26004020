-- Team store, schema 4: the audit log searched by break (its subject), newest first, at any
-- size; waiting breaks past their SLA deadline counted on a partial index (the dashboard's desk
-- figures); the queue sorted by decision or assignee (type has its index since schema 2).
-- Frozen once released.
CREATE INDEX audit_subject ON recon.audit_log (subject, seq);
CREATE INDEX breaks_waiting_sla ON recon.breaks (sla_deadline) WHERE status IN ('PENDING_REVIEW', 'ESCALATED');
CREATE INDEX breaks_decision_sort ON recon.breaks ((CASE decision WHEN 'AUTO_RESOLVE' THEN '1' WHEN 'HIL_REVIEW' THEN '2' WHEN 'ESCALATE' THEN '3' ELSE '0' END), break_id);
CREATE INDEX breaks_assignee_sort ON recon.breaks ((COALESCE(assignee, '')), break_id);
