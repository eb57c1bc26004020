-- Schema 6: `break_counts` is kept by the store's code that writes breaks, in the same
-- transaction, instead of by triggers. A trigger on `breaks` makes SQLite keep a statement
-- journal for every INSERT and UPDATE of a break (a copy of each page the statement touches,
-- in case the trigger fails half-way): about 140 KB written per recorded run, and a third of
-- the writer's time. The code adds one delta per key per transaction instead.
DROP TRIGGER break_counts_insert;
DROP TRIGGER break_counts_update;
DROP TRIGGER break_counts_delete;
-- Counted again from the table, so the counters start exact whatever happened before.
DELETE FROM break_counts;
INSERT INTO break_counts (break_type, status, tier, decision, n)
  SELECT break_type, status, COALESCE(tier, ''), COALESCE(decision, ''), COUNT(*) FROM breaks GROUP BY 1, 2, 3, 4;
