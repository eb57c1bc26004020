-- Schema 7: the audit log searched by break (its subject), newest first, at any size; and the
-- dashboard's desk figures: waiting breaks past their SLA deadline (a partial index whose
-- condition the query repeats literally) and actions per person in a period; the queue sorted
-- by type, decision or assignee (each key with the break id, as keyset paging reads them).
CREATE INDEX audit_subject ON audit_log(subject, seq);
CREATE INDEX breaks_waiting_sla ON breaks(sla_deadline) WHERE status IN ('PENDING_REVIEW', 'ESCALATED');
CREATE INDEX actions_at ON actions(at, actor, kind);
CREATE INDEX breaks_by_type ON breaks(break_type, break_id);
CREATE INDEX breaks_by_decision ON breaks(COALESCE(decision, ''), break_id);
CREATE INDEX breaks_by_assignee ON breaks(COALESCE(assignee, ''), break_id);
