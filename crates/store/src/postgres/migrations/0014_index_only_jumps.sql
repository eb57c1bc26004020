-- Team store, schema 14: the queue's sort indexes carry the columns their keys are computed
-- from (INCLUDE), so a jump deep into a sort (the scrollbar dragged to 50%: OFFSET) skips rows
-- on the index alone, an index-only scan, and reads the table for the one page it shows (the
-- store pages by offset through a subquery of break ids). PostgreSQL cannot answer an
-- expression index's key from the index unless the columns the expression reads are in it.
-- Measured at 100,000 breaks once the server has vacuumed: the jump to 50% by detected time
-- from 114.6 ms to 4.5 ms (docs/performance.md). Rebuilding the indexes locks writes to the breaks while it runs (a few
-- seconds at 100,000). Frozen once released.
DROP INDEX recon.breaks_detected;
CREATE INDEX breaks_detected ON recon.breaks ((COALESCE(detected_at, '')), break_id) INCLUDE (detected_at);
DROP INDEX recon.breaks_sla;
CREATE INDEX breaks_sla ON recon.breaks ((COALESCE(sla_deadline, '')), break_id) INCLUDE (sla_deadline);
DROP INDEX recon.breaks_counterparty;
CREATE INDEX breaks_counterparty ON recon.breaks ((lower(COALESCE(counterparty, ''))), break_id) INCLUDE (counterparty);
DROP INDEX recon.breaks_decision_sort;
CREATE INDEX breaks_decision_sort ON recon.breaks ((CASE decision WHEN 'AUTO_RESOLVE' THEN '1' WHEN 'HIL_REVIEW' THEN '2' WHEN 'ESCALATE' THEN '3' ELSE '0' END), break_id) INCLUDE (decision);
DROP INDEX recon.breaks_assignee_sort;
CREATE INDEX breaks_assignee_sort ON recon.breaks ((COALESCE(assignee, '')), break_id) INCLUDE (assignee);
DROP INDEX recon.breaks_tier_sort;
CREATE INDEX breaks_tier_sort ON recon.breaks ((CASE tier WHEN 'LOW' THEN '1' WHEN 'MEDIUM' THEN '2' WHEN 'HIGH' THEN '3' WHEN 'CRITICAL' THEN '4' ELSE '0' END), break_id) INCLUDE (tier);
DROP INDEX recon.breaks_priority_sort;
CREATE INDEX breaks_priority_sort ON recon.breaks ((CASE tier WHEN 'CRITICAL' THEN '0' WHEN 'HIGH' THEN '1' WHEN 'MEDIUM' THEN '2' WHEN 'LOW' THEN '3' ELSE '9' END || COALESCE(sla_deadline, '~')), break_id) INCLUDE (tier, sla_deadline);
