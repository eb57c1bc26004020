-- Schema 9: what model calls cost, measured, beside the modelled figures of each rollup group:
-- how many of its runs asked a model, and the exact decimal sum of their measured cost. Runs
-- recorded before asked no model, so the defaults are their true values.
ALTER TABLE run_rollup ADD COLUMN llm_runs INTEGER NOT NULL DEFAULT 0;
ALTER TABLE run_rollup ADD COLUMN measured_cost TEXT NOT NULL DEFAULT '0';
