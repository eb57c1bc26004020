-- Schema version 4: a checkpoint condition that could not be evaluated is a recorded error of
-- the run (it forced the fail-safe decision), not just "did not fire".
ALTER TABLE run_checkpoints ADD COLUMN error TEXT;

-- Claims: breaks being run by one process are not run by another at the same time. A batch
-- claims each page of breaks (the range of their ids) before running it, and releases its
-- claims when it ends; a process that dies leaves claims that are taken over at once on the
-- same host, or when their lease expires.
CREATE TABLE claims (
  claim_id   INTEGER PRIMARY KEY,
  owner      TEXT NOT NULL,
  first_id   TEXT NOT NULL,
  last_id    TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE INDEX claims_owner ON claims(owner);

-- A stored break replaced by other contents (an explicit, audited action): the old contents are
-- kept here, and the break is NEW again, to be decided on what it now says.
CREATE TABLE break_versions (
  version_id   INTEGER PRIMARY KEY,
  break_id     TEXT NOT NULL REFERENCES breaks(break_id),
  data         TEXT NOT NULL,
  status       TEXT NOT NULL,
  decision     TEXT,
  replaced_at  TEXT NOT NULL,
  replaced_by  TEXT NOT NULL,
  reason       TEXT NOT NULL
);
CREATE INDEX break_versions_break ON break_versions(break_id, version_id);
