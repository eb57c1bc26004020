-- Team store, schema 1: the roles, and the audit chain appended by the database itself.
-- Applied once per database by its owner (a superuser or the role that created it), in one
-- transaction. Frozen once released; a change is a new file.
--
-- Roles (NOLOGIN groups; each person is a LOGIN role that is a member of one or more):
--   recon_reviewer      acts on breaks
--   recon_approver      approves what needs a second person
--   recon_policy_admin  saves and restores policies
--   recon_auditor       reads and exports; writes nothing
--   recon_processor     runs batches (headless workers)
-- Nobody writes the tables directly: every write is a SECURITY DEFINER function with a fixed
-- search_path that checks the caller's role and records session_user, which no environment
-- variable or SET ROLE changes.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'recon_reviewer') THEN CREATE ROLE recon_reviewer NOLOGIN; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'recon_approver') THEN CREATE ROLE recon_approver NOLOGIN; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'recon_policy_admin') THEN CREATE ROLE recon_policy_admin NOLOGIN; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'recon_auditor') THEN CREATE ROLE recon_auditor NOLOGIN; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'recon_processor') THEN CREATE ROLE recon_processor NOLOGIN; END IF;
END $$;

CREATE SCHEMA recon;
REVOKE ALL ON SCHEMA recon FROM PUBLIC;
GRANT USAGE ON SCHEMA recon TO recon_reviewer, recon_approver, recon_policy_admin, recon_auditor, recon_processor;

-- The chain: one row per entry, hashed exactly as the embedded store hashes (crate::audit::
-- entry_hash_canonical), so one Rust verifier checks both.
CREATE TABLE recon.audit_log (
  seq       BIGINT PRIMARY KEY,
  at        TEXT NOT NULL,           -- RFC 3339, UTC, microseconds
  kind      TEXT NOT NULL,
  actor     TEXT NOT NULL,           -- session_user of the writer
  subject   TEXT NOT NULL,
  payload   TEXT NOT NULL,           -- canonical JSON, as hashed
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL UNIQUE
);
CREATE INDEX audit_kind ON recon.audit_log (kind, seq);

-- The chain's head: one row, locked by each append, so appends from any number of machines are
-- serialised and the chain stays one line.
CREATE TABLE recon.chain_head (
  one  BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
  seq  BIGINT NOT NULL,
  hash TEXT NOT NULL
);
INSERT INTO recon.chain_head (seq, hash) VALUES (0, repeat('0', 64));

-- The kinds of entry each role may append. An auditor appends only its exports.
CREATE TABLE recon.kind_roles (
  kind TEXT NOT NULL,
  role TEXT NOT NULL,
  PRIMARY KEY (kind, role)
);
INSERT INTO recon.kind_roles (kind, role) VALUES
  ('IMPORT', 'recon_processor'), ('IMPORT', 'recon_reviewer'),
  ('RUN', 'recon_processor'),
  ('HUMAN_ACTION', 'recon_reviewer'), ('HUMAN_ACTION', 'recon_approver'),
  ('BREAK_REPLACED', 'recon_reviewer'), ('BREAK_REPLACED', 'recon_processor'),
  ('POLICY_SAVED', 'recon_policy_admin'), ('POLICY_SAVED', 'recon_processor'),
  ('EXPORT_MADE', 'recon_auditor'), ('EXPORT_MADE', 'recon_reviewer'), ('EXPORT_MADE', 'recon_approver'), ('EXPORT_MADE', 'recon_policy_admin');

-- A JSON string as serde_json writes it: quotes, backslash and control characters escaped (to_json
-- does the same, in lower-case hex), everything else as is.
CREATE FUNCTION recon.json_string(t TEXT) RETURNS TEXT
  LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog
  AS $$ SELECT to_json(t)::text $$;

-- Appends one entry as the caller (session_user) and returns its seq and hash. Refuses a caller
-- whose roles may not append `kind`, and a payload that is not one JSON value.
CREATE FUNCTION recon.append_audit(p_kind TEXT, p_subject TEXT, p_payload TEXT, OUT seq BIGINT, OUT hash TEXT)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  head recon.chain_head%ROWTYPE;
  v_at TEXT;
  v_actor TEXT := session_user;
  body TEXT;
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM recon.kind_roles k WHERE k.kind = p_kind AND pg_has_role(session_user, k.role, 'MEMBER')
  ) THEN
    RAISE EXCEPTION 'role % may not append % entries', session_user, p_kind USING ERRCODE = 'insufficient_privilege';
  END IF;
  PERFORM p_payload::jsonb;  -- one JSON value, or an error
  SELECT * INTO head FROM recon.chain_head FOR UPDATE;
  append_audit.seq := head.seq + 1;
  v_at := to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
  body := '{"actor":' || recon.json_string(v_actor) || ',"at":' || recon.json_string(v_at) || ',"kind":' || recon.json_string(p_kind)
       || ',"payload":' || p_payload || ',"seq":' || append_audit.seq || ',"subject":' || recon.json_string(p_subject) || '}';
  append_audit.hash := encode(sha256(decode(head.hash, 'hex') || convert_to(body, 'UTF8')), 'hex');
  INSERT INTO recon.audit_log (seq, at, kind, actor, subject, payload, prev_hash, hash)
    VALUES (append_audit.seq, v_at, p_kind, v_actor, p_subject, p_payload, head.hash, append_audit.hash);
  UPDATE recon.chain_head SET seq = append_audit.seq, hash = append_audit.hash;
END $$;

-- Reading: every team role reads the log; nobody but the functions' owner writes it.
REVOKE ALL ON ALL TABLES IN SCHEMA recon FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA recon FROM PUBLIC;
GRANT SELECT ON recon.audit_log, recon.chain_head TO recon_reviewer, recon_approver, recon_policy_admin, recon_auditor, recon_processor;
GRANT EXECUTE ON FUNCTION recon.append_audit(TEXT, TEXT, TEXT) TO recon_reviewer, recon_approver, recon_policy_admin, recon_auditor, recon_processor;

-- The log cannot be changed even by its owner without dropping these first (which the
-- verifier then catches anyway): the same rule as the embedded store's triggers.
CREATE FUNCTION recon.refuse_change() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE OR TRUNCATE ON recon.audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION recon.refuse_change();
