-- Recon Agent store, schema version 1. Append-only migrations: never edit this file once
-- released; add the next step in migrations.rs.

CREATE TABLE policy_versions (
  hash        TEXT PRIMARY KEY,          -- SHA-256 of the file's text, hex
  text        TEXT NOT NULL,
  source      TEXT NOT NULL,
  author      TEXT NOT NULL,
  note        TEXT NOT NULL DEFAULT '',
  saved_at    TEXT NOT NULL
);

CREATE TABLE breaks (
  break_id      TEXT PRIMARY KEY,
  break_type    TEXT NOT NULL,
  counterparty  TEXT,
  amount        TEXT NOT NULL,            -- decimal as text: never a float
  currency      TEXT NOT NULL,
  detected_at   TEXT,
  data          TEXT NOT NULL,            -- the break as JSON
  status        TEXT NOT NULL DEFAULT 'NEW',
  tier          TEXT,
  decision      TEXT,
  assignee      TEXT,
  sla_deadline  TEXT,
  latest_run_id INTEGER,
  imported_at   TEXT NOT NULL,
  updated_at    TEXT NOT NULL
);
CREATE INDEX breaks_status ON breaks(status, break_type, tier);
CREATE INDEX breaks_decision ON breaks(decision);
CREATE INDEX breaks_assignee ON breaks(assignee);
CREATE INDEX breaks_counterparty ON breaks(counterparty);
CREATE INDEX breaks_detected ON breaks(detected_at);

CREATE TABLE runs (
  run_id          INTEGER PRIMARY KEY,
  break_id        TEXT NOT NULL REFERENCES breaks(break_id),
  mode            TEXT NOT NULL,
  policy_key      TEXT NOT NULL,
  policy_version  TEXT NOT NULL REFERENCES policy_versions(hash),
  break_type      TEXT NOT NULL,
  tier            TEXT NOT NULL,
  decision        TEXT NOT NULL,
  confidence      REAL NOT NULL,
  decided_by      TEXT NOT NULL,
  early_exit      TEXT,                   -- checkpoint id when one fired
  agents_planned  INTEGER NOT NULL,
  agents_invoked  INTEGER NOT NULL,
  wall_us         INTEGER NOT NULL,
  emulated        INTEGER NOT NULL,
  started_at      TEXT NOT NULL,
  profile         TEXT NOT NULL,          -- JSON
  graph           TEXT NOT NULL           -- the full execution graph, JSON
);
CREATE INDEX runs_break ON runs(break_id, run_id);
CREATE INDEX runs_started ON runs(started_at);
CREATE INDEX runs_type_tier ON runs(mode, break_type, tier);

CREATE TABLE run_nodes (
  run_id       INTEGER NOT NULL REFERENCES runs(run_id),
  agent        TEXT NOT NULL,
  status       TEXT NOT NULL,
  started_us   INTEGER,
  finished_us  INTEGER,
  waited_us    INTEGER NOT NULL,
  attempts     INTEGER NOT NULL,
  skip_reason  TEXT,
  error        TEXT,
  PRIMARY KEY (run_id, agent)
) WITHOUT ROWID;

CREATE TABLE actions (
  action_id  INTEGER PRIMARY KEY,
  break_id   TEXT NOT NULL REFERENCES breaks(break_id),
  kind       TEXT NOT NULL,               -- ACCEPT, OVERRIDE, ASSIGN, COMMENT, RESOLVE
  actor      TEXT NOT NULL,
  at         TEXT NOT NULL,
  decision   TEXT,
  reason     TEXT,
  assignee   TEXT,
  comment    TEXT
);
CREATE INDEX actions_break ON actions(break_id, action_id);

CREATE TABLE audit_log (
  seq        INTEGER PRIMARY KEY,
  at         TEXT NOT NULL,
  kind       TEXT NOT NULL,
  actor      TEXT NOT NULL,
  subject    TEXT NOT NULL,
  payload    TEXT NOT NULL,               -- canonical JSON
  prev_hash  TEXT NOT NULL,
  hash       TEXT NOT NULL
);
CREATE INDEX audit_at ON audit_log(at, kind);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
