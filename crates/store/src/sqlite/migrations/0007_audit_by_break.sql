-- Schema 7: the audit log searched by break (its subject), newest first, at any size; and the
-- dashboard's desk figures: waiting breaks past their SLA deadline (a partial index whose
-- condition the query repeats literally) and actions per person in a period.
CREATE INDEX audit_subject ON audit_log(subject, seq);
CREATE INDEX breaks_waiting_sla ON breaks(sla_deadline) WHERE status IN ('PENDING_REVIEW', 'ESCALATED');
CREATE INDEX actions_at ON actions(at, actor, kind);
