-- Schema version 5: every screen reads an index range or a counter, whatever the number of breaks.

-- Sort keys. Each sort the queue offers is one text expression, never NULL, with the break id
-- breaking ties; each has an index in exactly that order, so a page is an index range after a
-- cursor (keyset paging) and never a sort. The expressions are repeated verbatim in
-- `sqlite/breaks.rs` (SQLite matches an expression index by its text); a test checks the plans.
DROP INDEX breaks_detected;
DROP INDEX breaks_counterparty;
DROP INDEX breaks_status;
CREATE INDEX breaks_by_detected ON breaks(COALESCE(detected_at, ''), break_id);
-- Counterparty sorts and searches case-insensitively (ASCII), one index for both.
CREATE INDEX breaks_by_counterparty ON breaks(lower(COALESCE(counterparty, '')), break_id);
CREATE INDEX breaks_by_sla ON breaks(COALESCE(sla_deadline, ''), break_id);
CREATE INDEX breaks_by_tier ON breaks((CASE tier WHEN 'LOW' THEN '1' WHEN 'MEDIUM' THEN '2' WHEN 'HIGH' THEN '3' WHEN 'CRITICAL' THEN '4' ELSE '0' END), break_id);
CREATE INDEX breaks_by_status ON breaks(status, break_id);
-- Priority: the most severe tier, then the soonest SLA deadline (none last).
CREATE INDEX breaks_by_priority ON breaks((CASE tier WHEN 'CRITICAL' THEN '0' WHEN 'HIGH' THEN '1' WHEN 'MEDIUM' THEN '2' WHEN 'LOW' THEN '3' ELSE '9' END || COALESCE(sla_deadline, '~')), break_id);
-- The review list: only the breaks waiting for a person, in priority order.
CREATE INDEX breaks_review ON breaks((CASE tier WHEN 'CRITICAL' THEN '0' WHEN 'HIGH' THEN '1' WHEN 'MEDIUM' THEN '2' WHEN 'LOW' THEN '3' ELSE '9' END || COALESCE(sla_deadline, '~')), break_id)
  WHERE status IN ('PENDING_REVIEW', 'ESCALATED');
-- Searching an id by a prefix of any case.
CREATE INDEX breaks_id_lower ON breaks(lower(break_id));

-- Counters, not scans: how many breaks of each type, status, tier and decision, kept by
-- triggers in the transaction that changes a break. The queue's totals for these filters and
-- the filters' choices read this table (a few hundred rows at most).
CREATE TABLE break_counts (
  break_type TEXT NOT NULL,
  status     TEXT NOT NULL,
  tier       TEXT NOT NULL,                -- '' for none
  decision   TEXT NOT NULL,                -- '' for none
  n          INTEGER NOT NULL,
  PRIMARY KEY (break_type, status, tier, decision)
) WITHOUT ROWID;
INSERT INTO break_counts (break_type, status, tier, decision, n)
  SELECT break_type, status, COALESCE(tier, ''), COALESCE(decision, ''), COUNT(*) FROM breaks GROUP BY 1, 2, 3, 4;

CREATE TRIGGER break_counts_insert AFTER INSERT ON breaks BEGIN
  INSERT INTO break_counts (break_type, status, tier, decision, n) VALUES (NEW.break_type, NEW.status, COALESCE(NEW.tier, ''), COALESCE(NEW.decision, ''), 1)
    ON CONFLICT (break_type, status, tier, decision) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER break_counts_update AFTER UPDATE OF break_type, status, tier, decision ON breaks
  WHEN OLD.break_type IS NOT NEW.break_type OR OLD.status IS NOT NEW.status OR OLD.tier IS NOT NEW.tier OR OLD.decision IS NOT NEW.decision
BEGIN
  UPDATE break_counts SET n = n - 1
    WHERE break_type = OLD.break_type AND status = OLD.status AND tier = COALESCE(OLD.tier, '') AND decision = COALESCE(OLD.decision, '');
  INSERT INTO break_counts (break_type, status, tier, decision, n) VALUES (NEW.break_type, NEW.status, COALESCE(NEW.tier, ''), COALESCE(NEW.decision, ''), 1)
    ON CONFLICT (break_type, status, tier, decision) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER break_counts_delete AFTER DELETE ON breaks BEGIN
  UPDATE break_counts SET n = n - 1
    WHERE break_type = OLD.break_type AND status = OLD.status AND tier = COALESCE(OLD.tier, '') AND decision = COALESCE(OLD.decision, '');
END;

-- The dashboard's rollups: runs per UTC day, mode, type, tier and decision, and checkpoint
-- evaluations per day, type and checkpoint. They are written by the code that records runs, in
-- the same transaction (costs are decimal sums, which SQL cannot add exactly); this migration
-- leaves them empty and the store fills them from the runs already recorded, in the same
-- transaction, before it commits version 5.
CREATE TABLE run_rollup (
  day            TEXT NOT NULL,            -- YYYY-MM-DD, UTC
  mode           TEXT NOT NULL,
  break_type     TEXT NOT NULL,
  tier           TEXT NOT NULL,
  decision       TEXT NOT NULL,
  runs           INTEGER NOT NULL,
  agents_invoked INTEGER NOT NULL,         -- sums, for means
  agents_planned INTEGER NOT NULL,
  early_exits    INTEGER NOT NULL,
  wall_us        INTEGER NOT NULL,
  modelled_ms    INTEGER NOT NULL,
  modelled_cost  TEXT NOT NULL,            -- decimal sum, exact
  PRIMARY KEY (day, mode, break_type, tier, decision)
) WITHOUT ROWID;

CREATE TABLE checkpoint_rollup (
  day            TEXT NOT NULL,
  break_type     TEXT NOT NULL,
  checkpoint_id  TEXT NOT NULL,
  after_agent    TEXT NOT NULL,
  evaluated      INTEGER NOT NULL,
  fired          INTEGER NOT NULL,
  PRIMARY KEY (day, break_type, checkpoint_id, after_agent)
) WITHOUT ROWID;

-- The audit log's kind filter walks the log newest first.
CREATE INDEX audit_kind ON audit_log(kind, seq);

-- Verified heads: a full verification stores the head it found intact, signed with the
-- installation's key; a later verification can start from the newest one whose signature holds
-- and check only the entries after it.
CREATE TABLE verified_heads (
  seq          INTEGER PRIMARY KEY,
  hash         TEXT NOT NULL,
  verified_at  TEXT NOT NULL,
  verified_by  TEXT NOT NULL,
  public_key   TEXT NOT NULL,
  signature    TEXT NOT NULL             -- Ed25519 over the head (anchor.rs), hex
);
