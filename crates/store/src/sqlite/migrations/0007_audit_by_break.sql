-- Schema 7: the audit log searched by break (its subject), newest first, at any size; the
-- dashboard's desk figures: waiting breaks by SLA deadline (a partial index whose condition the
-- query repeats literally, for the "past SLA" count) and `action_rollup`, each person's actions
-- per day and kind, moved by the code that records an action in its transaction (as
-- `break_counts` is), so the desk reads a few rows per day at any size; and the queue sorted by
-- type, decision or assignee (each key with the break id, as keyset paging reads them).
CREATE INDEX audit_subject ON audit_log(subject, seq);
CREATE INDEX breaks_waiting_sla ON breaks(sla_deadline) WHERE status IN ('PENDING_REVIEW', 'ESCALATED');
CREATE TABLE action_rollup (
  day   TEXT NOT NULL,   -- YYYY-MM-DD of the action's time (UTC)
  actor TEXT NOT NULL,
  kind  TEXT NOT NULL,
  n     INTEGER NOT NULL,
  PRIMARY KEY (day, actor, kind)
) WITHOUT ROWID;
INSERT INTO action_rollup (day, actor, kind, n) SELECT substr(at, 1, 10), actor, kind, COUNT(*) FROM actions GROUP BY 1, 2, 3;
CREATE INDEX breaks_by_type ON breaks(break_type, break_id);
CREATE INDEX breaks_by_decision ON breaks((CASE decision WHEN 'AUTO_RESOLVE' THEN '1' WHEN 'HIL_REVIEW' THEN '2' WHEN 'ESCALATE' THEN '3' ELSE '0' END), break_id);
CREATE INDEX breaks_by_assignee ON breaks(COALESCE(assignee, ''), break_id);
