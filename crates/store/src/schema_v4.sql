-- Schema version 4: a checkpoint condition that could not be evaluated is a recorded error of
-- the run (it forced the fail-safe decision), not just "did not fire".
ALTER TABLE run_checkpoints ADD COLUMN error TEXT;
