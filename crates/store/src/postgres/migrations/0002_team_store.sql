-- Team store, schema 2: the store's tables (breaks, runs, actions, policies, claims, verified
-- heads) and the functions that are the only way to write them. Frozen once released.
--
-- Every write is one SECURITY DEFINER function (fixed search_path) that checks the caller's
-- roles, applies the rule the embedded store applies (the lifecycle, idempotent imports, a run
-- refused for a closed break or an unknown policy), writes the rows and appends the audit entry
-- as session_user, in the caller's transaction. No role may write a table directly.
--
-- Text that is compared or sorted uses the "C" collation: byte order, as Rust and SQLite sort,
-- whatever the cluster's locale (keyset cursors depend on it). Times are RFC 3339 text in UTC,
-- as in the embedded store, so both backends hash and show the same strings.

-- Raw appends are for exports only from now on: every other kind of entry is written by the
-- function that makes the change it records, so an entry cannot claim what did not happen.
DELETE FROM recon.kind_roles WHERE kind <> 'EXPORT_MADE';
INSERT INTO recon.kind_roles (kind, role) VALUES ('EXPORT_MADE', 'recon_processor') ON CONFLICT DO NOTHING;

-- An error the client maps to the store's errors (crate::postgres::error_of): RA404 no such
-- break, RA409 a transition the lifecycle refuses, RA422 invalid input.

CREATE TABLE recon.policy_versions (
  hash     TEXT COLLATE "C" PRIMARY KEY,  -- SHA-256 of text, checked on insert
  text     TEXT NOT NULL,
  source   TEXT NOT NULL,
  author   TEXT NOT NULL,
  note     TEXT NOT NULL DEFAULT '',
  saved_at TEXT COLLATE "C" NOT NULL,
  -- Four eyes as the version states it (reconagent_engine::policy::AuthorityLimits::to_json):
  -- {"tiers": [...], "above": "amount" or null, "types": [...]}.
  authority JSONB NOT NULL DEFAULT '{}',
  -- The version's auto-resolve limits (ClassifierConfig::auto_resolve_json):
  -- {"max_tier": "MEDIUM", "never": [...]}. record_runs refuses an AUTO_RESOLVE above them.
  auto_resolve JSONB NOT NULL CHECK (auto_resolve ? 'max_tier')
);

CREATE TABLE recon.policy_saves (
  save_id  BIGSERIAL PRIMARY KEY,
  hash     TEXT COLLATE "C" NOT NULL REFERENCES recon.policy_versions (hash),
  path     TEXT NOT NULL,
  author   TEXT NOT NULL,
  note     TEXT NOT NULL,
  saved_at TEXT COLLATE "C" NOT NULL,
  previous TEXT
);

CREATE TABLE recon.breaks (
  break_id      TEXT COLLATE "C" PRIMARY KEY,
  ord           BIGSERIAL NOT NULL,        -- import order
  import_seq    BIGINT NOT NULL,           -- the IMPORT entry that inserted it
  break_type    TEXT COLLATE "C" NOT NULL,
  counterparty  TEXT COLLATE "C",
  amount        TEXT NOT NULL,             -- decimal as text: never a float
  currency      TEXT NOT NULL,
  detected_at   TEXT COLLATE "C",
  instrument_id TEXT COLLATE "C",
  data          TEXT NOT NULL,             -- the break as JSON, exactly as hashed
  status        TEXT COLLATE "C" NOT NULL DEFAULT 'NEW',
  tier          TEXT COLLATE "C",
  decision      TEXT COLLATE "C",
  assignee      TEXT COLLATE "C",
  sla_deadline  TEXT COLLATE "C",
  latest_run_id BIGINT,
  imported_at   TEXT COLLATE "C" NOT NULL,
  updated_at    TEXT COLLATE "C" NOT NULL
);
CREATE INDEX breaks_status ON recon.breaks (status, break_id);
CREATE INDEX breaks_type ON recon.breaks (break_type, break_id);
CREATE INDEX breaks_detected ON recon.breaks ((COALESCE(detected_at, '')), break_id);
CREATE INDEX breaks_sla ON recon.breaks ((COALESCE(sla_deadline, '')), break_id);
CREATE INDEX breaks_counterparty ON recon.breaks ((lower(COALESCE(counterparty, ''))), break_id);
CREATE INDEX breaks_lower_id ON recon.breaks ((lower(break_id)));
CREATE INDEX breaks_similar_cp ON recon.breaks (break_type, counterparty, updated_at) WHERE status <> 'NEW';
CREATE INDEX breaks_similar_instrument ON recon.breaks (break_type, instrument_id, updated_at) WHERE status <> 'NEW';
CREATE INDEX breaks_updated ON recon.breaks (updated_at, break_id);
CREATE INDEX breaks_import ON recon.breaks (import_seq, ord);

CREATE TABLE recon.break_versions (
  version_id  BIGSERIAL PRIMARY KEY,
  break_id    TEXT COLLATE "C" NOT NULL REFERENCES recon.breaks (break_id),
  data        TEXT NOT NULL,
  status      TEXT NOT NULL,
  decision    TEXT,
  replaced_at TEXT NOT NULL,
  replaced_by TEXT NOT NULL,
  reason      TEXT NOT NULL
);

-- Written only by record_runs, which checks the break and the policy version for the whole
-- chunk at once: no foreign key checked row by row.
CREATE TABLE recon.runs (
  run_id         BIGSERIAL PRIMARY KEY,
  break_id       TEXT COLLATE "C" NOT NULL,
  mode           TEXT NOT NULL,
  policy_key     TEXT NOT NULL,
  policy_version TEXT COLLATE "C" NOT NULL,
  break_type     TEXT COLLATE "C" NOT NULL,
  tier           TEXT NOT NULL,
  decision       TEXT NOT NULL,
  confidence     DOUBLE PRECISION NOT NULL,  -- a model's confidence, not money
  decided_by     TEXT NOT NULL,
  early_exit     TEXT,
  agents_planned INT NOT NULL,
  agents_invoked INT NOT NULL,
  wall_us        BIGINT NOT NULL,
  emulated       BOOLEAN NOT NULL,
  started_at     TEXT COLLATE "C" NOT NULL,
  graph          TEXT NOT NULL,
  modelled_ms    BIGINT NOT NULL,
  modelled_cost  NUMERIC NOT NULL,
  recorded_by    TEXT NOT NULL
);
-- A graph is a few KiB of JSON: lz4 compresses it at a fraction of pglz's CPU.
ALTER TABLE recon.runs ALTER COLUMN graph SET COMPRESSION lz4;
CREATE INDEX runs_break ON recon.runs (break_id, run_id);
CREATE INDEX runs_started ON recon.runs (started_at);

-- A run's node and checkpoint rows are written with it, by record_runs alone, in one statement
-- each: no foreign key to check row by row.
CREATE TABLE recon.run_nodes (
  run_id      BIGINT NOT NULL,
  agent       TEXT NOT NULL,
  status      TEXT NOT NULL,
  started_us  BIGINT,
  finished_us BIGINT,
  waited_us   BIGINT NOT NULL,
  attempts    INT NOT NULL,
  skip_reason TEXT,
  error       TEXT,
  PRIMARY KEY (run_id, agent)
);

CREATE TABLE recon.run_checkpoints (
  run_id        BIGINT NOT NULL,
  checkpoint_id TEXT NOT NULL,
  after_agent   TEXT NOT NULL,
  fired         BOOLEAN NOT NULL,
  error         TEXT,
  PRIMARY KEY (run_id, checkpoint_id)
);

CREATE TABLE recon.actions (
  action_id BIGSERIAL PRIMARY KEY,
  break_id  TEXT COLLATE "C" NOT NULL REFERENCES recon.breaks (break_id),
  kind      TEXT NOT NULL,
  actor     TEXT NOT NULL,
  at        TEXT COLLATE "C" NOT NULL,
  decision  TEXT,
  reason    TEXT,
  assignee  TEXT,
  comment   TEXT,
  approved_by TEXT                 -- the second person, for an action that needed one
);
CREATE INDEX actions_break ON recon.actions (break_id, action_id);
CREATE INDEX actions_at ON recon.actions (at);

-- Four eyes: an action the version's limits reserve for two people waits here for an approver
-- other than its author. The table itself refuses a proposal decided by its author.
CREATE TABLE recon.proposals (
  proposal_id     BIGSERIAL PRIMARY KEY,
  break_id        TEXT COLLATE "C" NOT NULL REFERENCES recon.breaks (break_id),
  action          TEXT NOT NULL,     -- the action, canonical JSON
  why             TEXT NOT NULL,     -- which limit, in words
  proposed_by     TEXT NOT NULL,
  proposed_at     TEXT COLLATE "C" NOT NULL,
  state           TEXT NOT NULL DEFAULT 'OPEN' CHECK (state IN ('OPEN', 'APPROVED', 'REJECTED')),
  decided_by      TEXT,
  decided_at      TEXT,
  decision_reason TEXT,
  CHECK (decided_by IS NULL OR decided_by <> proposed_by)
);
CREATE UNIQUE INDEX proposals_one_open ON recon.proposals (break_id) WHERE state = 'OPEN';
CREATE INDEX proposals_state ON recon.proposals (state, proposal_id);

-- Claims: a break held by one connection while it runs. A claim is live while its lease lasts
-- and its holder's connection (pid and start time, read from the server, not the client) is
-- still there: a worker killed mid-chunk frees its breaks at once.
CREATE TABLE recon.claims (
  break_id     TEXT COLLATE "C" PRIMARY KEY,
  holder_pid   INT NOT NULL,
  holder_start TIMESTAMPTZ NOT NULL,
  expires_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX claims_holder ON recon.claims (holder_pid, holder_start);

-- Heads a full verification found intact, signed by the verifying installation's key (the
-- client checks the signature before trusting one).
CREATE TABLE recon.verified_heads (
  seq         BIGINT NOT NULL,
  hash        TEXT NOT NULL,
  verified_at TEXT NOT NULL,
  verified_by TEXT NOT NULL,
  public_key  TEXT NOT NULL,
  signature   TEXT NOT NULL,
  PRIMARY KEY (seq, public_key)
);

-- One entry after (p_seq - 1, p_prev), as session_user: inserted, its hash returned. The
-- caller holds the chain's head and moves it.
CREATE FUNCTION recon.chain_entry(p_seq BIGINT, p_prev TEXT, p_kind TEXT, p_subject TEXT, p_payload TEXT, p_at TEXT) RETURNS TEXT
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_hash TEXT := encode(sha256(decode(p_prev, 'hex') || convert_to(
    '{"actor":' || recon.json_string(session_user) || ',"at":' || recon.json_string(p_at) || ',"kind":' || recon.json_string(p_kind)
    || ',"payload":' || p_payload || ',"seq":' || p_seq || ',"subject":' || recon.json_string(p_subject) || '}', 'UTF8')), 'hex');
BEGIN
  INSERT INTO recon.audit_log (seq, at, kind, actor, subject, payload, prev_hash, hash)
    VALUES (p_seq, p_at, p_kind, session_user, p_subject, p_payload, p_prev, v_hash);
  RETURN v_hash;
END $$;

-- The append the single-change functions share: as append_audit, without its role check (each
-- function checks its own). Not granted to anyone.
CREATE FUNCTION recon.chain_append(p_kind TEXT, p_subject TEXT, p_payload TEXT, p_at TEXT) RETURNS BIGINT
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  head recon.chain_head%ROWTYPE;
  v_hash TEXT;
BEGIN
  PERFORM p_payload::jsonb;
  SELECT * INTO head FROM recon.chain_head FOR UPDATE;
  v_hash := recon.chain_entry(head.seq + 1, head.hash, p_kind, p_subject, p_payload, p_at);
  UPDATE recon.chain_head SET seq = head.seq + 1, hash = v_hash;
  -- Every desktop listening hears of the change when it commits (one notice per kind and
  -- transaction: PostgreSQL folds identical ones).
  PERFORM pg_notify('recon_changed', p_kind);
  RETURN head.seq + 1;
END $$;

-- Now, as every entry and row of one call records it: RFC 3339, UTC, microseconds.
CREATE FUNCTION recon.now_text() RETURNS TEXT LANGUAGE sql STABLE SET search_path = pg_catalog
  AS $$ SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') $$;

-- Refuses a caller who is a member of none of `roles`.
CREATE FUNCTION recon.require(roles TEXT[], what TEXT) RETURNS VOID LANGUAGE plpgsql SET search_path = pg_catalog
AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM unnest(roles) r WHERE pg_has_role(session_user, r, 'MEMBER')) THEN
    RAISE EXCEPTION 'role % may not %: it needs one of %', session_user, what, array_to_string(roles, ', ') USING ERRCODE = 'insufficient_privilege';
  END IF;
END $$;

CREATE FUNCTION recon.digest(t TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog
  AS $$ SELECT encode(sha256(convert_to(t, 'UTF8')), 'hex') $$;

-- Imports: each element {break_id, break_type, counterparty, amount, currency, detected_at,
-- instrument_id, data}. A break already stored is left as it is and counted. The IMPORT entry
-- commits to the contents inserted, in order, as the embedded store's does.
CREATE FUNCTION recon.import_breaks(p_source TEXT, p_breaks JSONB, OUT inserted BIGINT, OUT already_present BIGINT)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_at TEXT := recon.now_text();
  v_total BIGINT := jsonb_array_length(p_breaks);
  v_contents TEXT;
  v_seq BIGINT;
BEGIN
  PERFORM recon.require(ARRAY['recon_processor', 'recon_reviewer'], 'import breaks');
  -- The chain's head first: each break records the entry that inserts it (verify groups them
  -- by it), and imports take turns.
  SELECT seq + 1 INTO v_seq FROM recon.chain_head FOR UPDATE;
  WITH input AS (
    SELECT e.value AS v, e.n FROM jsonb_array_elements(p_breaks) WITH ORDINALITY AS e(value, n)
  ), firsts AS (
    SELECT DISTINCT ON (v->>'break_id') v, n FROM input ORDER BY v->>'break_id', n
  ), ins AS (
    INSERT INTO recon.breaks (break_id, import_seq, break_type, counterparty, amount, currency, detected_at, instrument_id, data, imported_at, updated_at)
    SELECT v->>'break_id', v_seq, v->>'break_type', v->>'counterparty', v->>'amount', v->>'currency', v->>'detected_at', v->>'instrument_id', v->>'data', v_at, v_at
      FROM firsts ORDER BY n
    ON CONFLICT (break_id) DO NOTHING
    RETURNING break_id, data
  )
  SELECT count(*), encode(sha256(convert_to(COALESCE(string_agg(ins.break_id || E'\t' || recon.digest(ins.data) || E'\n', '' ORDER BY f.n), ''), 'UTF8')), 'hex')
    INTO inserted, v_contents
    FROM ins JOIN firsts f ON f.v->>'break_id' = ins.break_id;
  already_present := v_total - inserted;
  PERFORM recon.chain_append('IMPORT', p_source,
    '{"already_present":' || already_present || ',"contents":' || recon.json_string(v_contents) || ',"inserted":' || inserted || '}', v_at);
END $$;

-- A stored break's contents replaced on purpose: the old contents kept, the break NEW again.
-- Returns false when the contents are the same.
CREATE FUNCTION recon.replace_break(p_break JSONB, p_reason TEXT) RETURNS BOOLEAN
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_at TEXT := recon.now_text();
  old recon.breaks%ROWTYPE;
  v_id TEXT := p_break->>'break_id';
BEGIN
  PERFORM recon.require(ARRAY['recon_processor', 'recon_reviewer'], 'replace a break''s contents');
  IF COALESCE(btrim(p_reason), '') = '' THEN
    RAISE EXCEPTION 'replacing a stored break needs a reason' USING ERRCODE = 'RA422';
  END IF;
  SELECT * INTO old FROM recon.breaks WHERE break_id = v_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION '%', v_id USING ERRCODE = 'RA404';
  END IF;
  IF old.data = p_break->>'data' THEN
    RETURN false;
  END IF;
  IF old.status = 'RESOLVED' THEN
    RAISE EXCEPTION 'break % is RESOLVED', v_id USING ERRCODE = 'RA409',
      DETAIL = json_build_object('from', old.status, 'action', 'replacing its contents', 'allowed', 'NEW, AUTO_RESOLVED, PENDING_REVIEW, ESCALATED')::text;
  END IF;
  INSERT INTO recon.break_versions (break_id, data, status, decision, replaced_at, replaced_by, reason)
    VALUES (v_id, old.data, old.status, old.decision, v_at, session_user, p_reason);
  UPDATE recon.breaks SET break_type = p_break->>'break_type', counterparty = p_break->>'counterparty', amount = p_break->>'amount',
         currency = p_break->>'currency', detected_at = p_break->>'detected_at', instrument_id = p_break->>'instrument_id', data = p_break->>'data',
         status = 'NEW', decision = NULL, tier = NULL, latest_run_id = NULL, sla_deadline = NULL, updated_at = v_at
   WHERE break_id = v_id;
  PERFORM recon.chain_append('BREAK_REPLACED', v_id,
    '{"from":' || recon.json_string(old.status) || ',"new":' || recon.json_string(recon.digest(p_break->>'data'))
    || ',"old":' || recon.json_string(recon.digest(old.data)) || ',"reason":' || recon.json_string(p_reason) || '}', v_at);
  RETURN true;
END $$;

-- A policy version, once per content hash (checked against its text).
CREATE FUNCTION recon.insert_version(p_hash TEXT, p_text TEXT, p_source TEXT, p_note TEXT, p_at TEXT, p_authority JSONB, p_auto_resolve JSONB) RETURNS BOOLEAN
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n BIGINT;
BEGIN
  IF recon.digest(p_text) <> p_hash THEN
    RAISE EXCEPTION 'policy version % is not the SHA-256 of its text', p_hash USING ERRCODE = 'RA422';
  END IF;
  INSERT INTO recon.policy_versions (hash, text, source, author, note, saved_at, authority, auto_resolve)
    VALUES (p_hash, p_text, p_source, session_user, p_note, p_at, p_authority, p_auto_resolve)
    ON CONFLICT (hash) DO NOTHING;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n > 0;
END $$;

CREATE FUNCTION recon.record_policy(p_hash TEXT, p_text TEXT, p_source TEXT, p_note TEXT, p_authority JSONB, p_auto_resolve JSONB) RETURNS VOID
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_at TEXT := recon.now_text();
BEGIN
  PERFORM recon.require(ARRAY['recon_processor', 'recon_reviewer', 'recon_policy_admin'], 'record the policy version in use');
  IF recon.insert_version(p_hash, p_text, p_source, p_note, v_at, p_authority, p_auto_resolve) THEN
    PERFORM recon.chain_append('POLICY_SAVED', p_hash, '{"note":' || recon.json_string(p_note) || ',"source":' || recon.json_string(p_source) || '}', v_at);
  END IF;
END $$;

CREATE FUNCTION recon.record_policy_save(p_hash TEXT, p_text TEXT, p_path TEXT, p_note TEXT, p_previous TEXT, p_authority JSONB, p_auto_resolve JSONB, OUT save_id BIGINT, OUT saved_at TEXT)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
BEGIN
  PERFORM recon.require(ARRAY['recon_policy_admin'], 'save a policy');
  saved_at := recon.now_text();
  PERFORM recon.insert_version(p_hash, p_text, p_path, p_note, saved_at, p_authority, p_auto_resolve);
  INSERT INTO recon.policy_saves (hash, path, author, note, saved_at, previous) VALUES (p_hash, p_path, session_user, p_note, saved_at, p_previous)
    RETURNING policy_saves.save_id INTO save_id;
  PERFORM recon.chain_append('POLICY_SAVED', p_hash,
    '{"note":' || recon.json_string(p_note) || ',"previous":' || COALESCE(recon.json_string(p_previous), 'null')
    || ',"save_id":' || save_id || ',"source":' || recon.json_string(p_path) || '}', saved_at);
END $$;

-- A tier's rank (LOW 0 .. CRITICAL 3), as reconagent_engine::RiskTier orders them.
CREATE FUNCTION recon.tier_rank(t TEXT) RETURNS INT LANGUAGE sql IMMUTABLE SET search_path = pg_catalog
  AS $$ SELECT CASE t WHEN 'LOW' THEN 0 WHEN 'MEDIUM' THEN 1 WHEN 'HIGH' THEN 2 WHEN 'CRITICAL' THEN 3 END $$;

-- Runs, in one call: each element the rows of one prepared run (crate::run_rows::PreparedRun).
-- A comparison (v1) run changes nothing about its break. Returns the run ids in order.
-- Set-based: the checks, then one statement per table for the whole chunk, then the chain's
-- entries hashed in order and inserted together, the head moved once.
CREATE FUNCTION recon.record_runs(p_runs JSONB) RETURNS SETOF BIGINT
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_at TEXT := recon.now_text();
  k INT := jsonb_array_length(p_runs);
  ids BIGINT[];
  bad TEXT;
  bad_why TEXT;
  head recon.chain_head%ROWTYPE;
  e RECORD;
  v_seq BIGINT;
  v_hash TEXT;
  seqs BIGINT[] := '{}';
  subjects TEXT[] := '{}';
  payloads TEXT[] := '{}';
  prevs TEXT[] := '{}';
  hashes TEXT[] := '{}';
BEGIN
  PERFORM recon.require(ARRAY['recon_processor', 'recon_reviewer'], 'record runs');
  IF k = 0 THEN
    RETURN;
  END IF;
  -- Locks in one order everywhere: the breaks' rows (by id), then the chain's head. A person
  -- acting on one of these breaks meanwhile waits, or is waited for, never both.
  PERFORM 1 FROM recon.breaks WHERE break_id IN (SELECT value->>'break_id' FROM jsonb_array_elements(p_runs)) ORDER BY break_id FOR UPDATE;
  SELECT r->>'break_id' INTO bad FROM jsonb_array_elements(p_runs) r
   WHERE NOT EXISTS (SELECT 1 FROM recon.breaks b WHERE b.break_id = r->>'break_id') LIMIT 1;
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION '%', bad USING ERRCODE = 'RA404';
  END IF;
  SELECT b.break_id INTO bad FROM jsonb_array_elements(p_runs) r JOIN recon.breaks b ON b.break_id = r->>'break_id'
   WHERE r->>'mode' <> 'v1' AND b.status = 'RESOLVED' LIMIT 1;
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'break % is RESOLVED', bad USING ERRCODE = 'RA409',
      DETAIL = json_build_object('from', 'RESOLVED', 'action', 'a new run', 'allowed', 'NEW, AUTO_RESOLVED, PENDING_REVIEW, ESCALATED')::text;
  END IF;
  SELECT r->>'policy_version' INTO bad FROM jsonb_array_elements(p_runs) r
   WHERE NOT EXISTS (SELECT 1 FROM recon.policy_versions v WHERE v.hash = r->>'policy_version') LIMIT 1;
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'policy version % is not recorded: record_policy first', bad USING ERRCODE = 'RA422';
  END IF;
  SELECT r->>'decision' INTO bad FROM jsonb_array_elements(p_runs) r
   WHERE r->>'decision' IS NULL OR r->>'decision' NOT IN ('AUTO_RESOLVE', 'HIL_REVIEW', 'ESCALATE') LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'unknown decision %', bad USING ERRCODE = 'RA422';
  END IF;
  -- Decision safety, enforced here too: a run that closes its break by itself (AUTO_RESOLVE,
  -- not a v1 comparison) is refused when an agent failed, a checkpoint could not be evaluated,
  -- the run records a hold, or the version's limits do not allow it for this tier or type.
  -- Whoever records runs cannot close a break the engine would have sent to a person.
  SELECT x.break_id, x.why INTO bad, bad_why FROM (
    SELECT r->>'break_id' AS break_id, CASE
      WHEN EXISTS (SELECT 1 FROM jsonb_array_elements(r->'nodes') nd WHERE nd->>1 IN ('FAILED', 'TIMED_OUT')) THEN 'an agent failed'
      WHEN EXISTS (SELECT 1 FROM jsonb_array_elements(r->'checkpoints') c WHERE c->>3 IS NOT NULL) THEN 'a checkpoint could not be evaluated'
      WHEN ((r->>'payload_head') || '0' || (r->>'payload_tail'))::jsonb ? 'holds' THEN 'the run records why it must be held for a person'
      WHEN recon.tier_rank(r->>'tier') > recon.tier_rank(v.auto_resolve->>'max_tier')
        THEN 'tier ' || (r->>'tier') || ' is above the auto-resolve limit ' || (v.auto_resolve->>'max_tier')
      WHEN COALESCE(v.auto_resolve->'never', '[]') ? (r->>'break_type') THEN (r->>'break_type') || ' is never auto-resolved'
    END AS why
    FROM jsonb_array_elements(p_runs) r JOIN recon.policy_versions v ON v.hash = r->>'policy_version'
    WHERE r->>'mode' <> 'v1' AND r->>'decision' = 'AUTO_RESOLVE') x
  WHERE x.why IS NOT NULL LIMIT 1;
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'an AUTO_RESOLVE of break % is refused: %', bad, bad_why USING ERRCODE = 'RA422';
  END IF;

  ids := ARRAY(SELECT nextval('recon.runs_run_id_seq') FROM generate_series(1, k));
  INSERT INTO recon.runs (run_id, break_id, mode, policy_key, policy_version, break_type, tier, decision, confidence, decided_by, early_exit,
                          agents_planned, agents_invoked, wall_us, emulated, started_at, graph, modelled_ms, modelled_cost, recorded_by)
    SELECT ids[n], r->>'break_id', r->>'mode', r->>'policy_key', r->>'policy_version', r->>'break_type', r->>'tier', r->>'decision',
           (r->>'confidence')::double precision, r->>'decided_by', r->>'early_exit', (r->>'agents_planned')::int, (r->>'agents_invoked')::int,
           (r->>'wall_us')::bigint, (r->>'emulated')::boolean, r->>'started_at', r->>'graph', (r->>'modelled_ms')::bigint,
           (r->>'modelled_cost')::numeric, session_user
      FROM jsonb_array_elements(p_runs) WITH ORDINALITY AS x(r, n);
  INSERT INTO recon.run_nodes (run_id, agent, status, started_us, finished_us, waited_us, attempts, skip_reason, error)
    SELECT ids[n], nd->>0, nd->>1, (nd->>2)::bigint, (nd->>3)::bigint, (nd->>4)::bigint, (nd->>5)::int, nd->>6, nd->>7
      FROM jsonb_array_elements(p_runs) WITH ORDINALITY AS x(r, n), jsonb_array_elements(r->'nodes') nd;
  INSERT INTO recon.run_checkpoints (run_id, checkpoint_id, after_agent, fired, error)
    SELECT ids[n], c->>0, c->>1, (c->>2)::boolean, c->>3
      FROM jsonb_array_elements(p_runs) WITH ORDINALITY AS x(r, n), jsonb_array_elements(r->'checkpoints') c;
  -- The break's status from its last deciding run of the chunk.
  UPDATE recon.breaks b
     SET status = CASE u.decision WHEN 'AUTO_RESOLVE' THEN 'AUTO_RESOLVED' WHEN 'HIL_REVIEW' THEN 'PENDING_REVIEW' ELSE 'ESCALATED' END,
         tier = u.tier, decision = u.decision, latest_run_id = u.run_id, sla_deadline = COALESCE(u.deadline, b.sla_deadline), updated_at = v_at
    FROM (SELECT DISTINCT ON (r->>'break_id') r->>'break_id' AS break_id, r->>'tier' AS tier, r->>'decision' AS decision, r->>'deadline' AS deadline, ids[n] AS run_id
            FROM jsonb_array_elements(p_runs) WITH ORDINALITY AS x(r, n) WHERE r->>'mode' <> 'v1' ORDER BY r->>'break_id', n DESC) u
   WHERE b.break_id = u.break_id;

  SELECT * INTO head FROM recon.chain_head FOR UPDATE;
  v_seq := head.seq;
  v_hash := head.hash;
  FOR e IN SELECT n, r->>'break_id' AS break_id, (r->>'payload_head') || ids[n] || (r->>'payload_tail') AS payload
             FROM jsonb_array_elements(p_runs) WITH ORDINALITY AS x(r, n) ORDER BY n LOOP
    v_seq := v_seq + 1;
    seqs := seqs || v_seq;
    subjects := subjects || e.break_id;
    payloads := payloads || e.payload;
    prevs := prevs || v_hash;
    v_hash := encode(sha256(decode(v_hash, 'hex') || convert_to(
      '{"actor":' || recon.json_string(session_user) || ',"at":' || recon.json_string(v_at) || ',"kind":"RUN","payload":' || e.payload
      || ',"seq":' || v_seq || ',"subject":' || recon.json_string(e.break_id) || '}', 'UTF8')), 'hex');
    hashes := hashes || v_hash;
  END LOOP;
  INSERT INTO recon.audit_log (seq, at, kind, actor, subject, payload, prev_hash, hash)
    SELECT s, v_at, 'RUN', session_user, sub, pay, prv, h FROM unnest(seqs, subjects, payloads, prevs, hashes) AS t(s, sub, pay, prv, h);
  UPDATE recon.chain_head SET seq = v_seq, hash = v_hash;
  PERFORM pg_notify('recon_changed', 'RUN');
  RETURN QUERY SELECT unnest(ids);
END $$;

-- Why an action on a break needs a second person under `a` (a version's limits), in words, as
-- reconagent_engine::policy::AuthorityLimits::second_approver_because says it; NULL if not.
CREATE FUNCTION recon.second_approver_because(a JSONB, p_type TEXT, p_tier TEXT, p_exposure NUMERIC, p_base TEXT) RETURNS TEXT
  LANGUAGE sql IMMUTABLE SET search_path = pg_catalog
AS $$
  SELECT NULLIF(concat_ws(', ',
    CASE WHEN COALESCE(a->'tiers', '[]') ? p_tier THEN 'tier ' || p_tier END,
    CASE WHEN a->>'above' IS NOT NULL AND p_exposure > (a->>'above')::numeric
         THEN 'exposure ' || trim_scale(round(p_exposure, 2)) || ' ' || p_base || ' above ' || trim_scale((a->>'above')::numeric) || ' ' || p_base END,
    CASE WHEN COALESCE(a->'types', '[]') ? p_type THEN 'type ' || p_type END), '')
$$;

-- Applies an action to a break already locked in `from`: the row, the status, the entry. For
-- an approved proposal, p_approval and p_proposal are the entry's extra members (keys sorted
-- around "from", so the payload stays canonical JSON).
CREATE FUNCTION recon.apply_action(p_break_id TEXT, p_action TEXT, p_from TEXT, p_to TEXT, p_actor TEXT, p_approval TEXT, p_proposal TEXT, p_at TEXT) RETURNS VOID
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  a JSONB := p_action::jsonb;
  v_assignee TEXT := a->>'assignee';
  v_decision TEXT := a->>'decision';
BEGIN
  INSERT INTO recon.actions (break_id, kind, actor, at, decision, reason, assignee, comment, approved_by)
    VALUES (p_break_id, a->>'kind', p_actor, p_at, v_decision, a->>'reason', v_assignee, COALESCE(a->>'text', a->>'comment'),
            CASE WHEN p_approval IS NOT NULL THEN session_user END);
  UPDATE recon.breaks SET status = p_to, assignee = COALESCE(v_assignee, assignee), decision = COALESCE(v_decision, decision), updated_at = p_at
   WHERE break_id = p_break_id;
  PERFORM recon.chain_append('HUMAN_ACTION', p_break_id,
    '{"action":' || p_action || COALESCE(p_approval, '') || ',"from":' || recon.json_string(p_from) || COALESCE(p_proposal, '')
    || ',"to":' || recon.json_string(p_to) || '}', p_at);
END $$;

-- The status an action moves a break in `from` to, with the lifecycle rule of
-- crate::lifecycle::HumanAction::transition; RA409 when it may not.
CREATE FUNCTION recon.transition(p_break_id TEXT, a JSONB, v_from TEXT) RETURNS TEXT
  LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog
AS $$
DECLARE
  v_kind TEXT := a->>'kind';
  allowed TEXT[];
  v_to TEXT;
BEGIN
  CASE v_kind
    WHEN 'ACCEPT' THEN allowed := ARRAY['PENDING_REVIEW', 'ESCALATED']; v_to := 'RESOLVED';
    WHEN 'OVERRIDE' THEN
      allowed := ARRAY['AUTO_RESOLVED', 'PENDING_REVIEW', 'ESCALATED'];
      v_to := CASE a->>'decision' WHEN 'AUTO_RESOLVE' THEN 'RESOLVED' WHEN 'HIL_REVIEW' THEN 'PENDING_REVIEW' ELSE 'ESCALATED' END;
    WHEN 'RESOLVE' THEN allowed := ARRAY['AUTO_RESOLVED', 'PENDING_REVIEW', 'ESCALATED']; v_to := 'RESOLVED';
    ELSE allowed := ARRAY['NEW', 'PROCESSING', 'AUTO_RESOLVED', 'PENDING_REVIEW', 'ESCALATED', 'RESOLVED']; v_to := v_from;
  END CASE;
  IF NOT (v_from = ANY (allowed)) THEN
    RAISE EXCEPTION 'break % is %', p_break_id, v_from USING ERRCODE = 'RA409',
      DETAIL = json_build_object('from', v_from, 'action', v_kind, 'allowed', array_to_string(allowed, ', '))::text;
  END IF;
  RETURN v_to;
END $$;

-- The team's people and groups, who breaks may be assigned to: every role, other than a
-- superuser and the recon_* roles themselves, that holds a team role directly or through a
-- group (a NOLOGIN role such as fx_desk that was granted one).
CREATE FUNCTION recon.people() RETURNS SETOF TEXT LANGUAGE sql STABLE SET search_path = pg_catalog
AS $$
  SELECT r.rolname::text FROM pg_roles r
   WHERE NOT r.rolsuper AND r.rolname NOT LIKE 'recon\_%' AND r.rolname NOT LIKE 'pg\_%'
     AND EXISTS (SELECT 1 FROM pg_roles t WHERE t.rolname IN ('recon_reviewer', 'recon_approver', 'recon_policy_admin', 'recon_auditor', 'recon_processor')
                   AND pg_has_role(r.oid, t.oid, 'MEMBER'))
   ORDER BY 1
$$;

-- A person's action. Closing, accepting or overriding a break that the limits of its latest
-- run's policy version reserve for two people is not applied: it becomes a proposal (returned
-- with the limit in words) for an approver other than its author.
-- p_action is the action as canonical JSON ({"kind": "OVERRIDE", "decision": ..., "reason": ...}).
CREATE FUNCTION recon.act(p_break_id TEXT, p_action TEXT, OUT status TEXT, OUT proposal BIGINT, OUT why TEXT)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  v_at TEXT := recon.now_text();
  a JSONB := p_action::jsonb;
  v_kind TEXT := a->>'kind';
  v_from TEXT;
BEGIN
  PERFORM recon.require(ARRAY['recon_reviewer', 'recon_approver'], 'act on breaks');
  CASE v_kind
    WHEN 'ACCEPT' THEN NULL;
    WHEN 'OVERRIDE' THEN
      IF COALESCE(btrim(a->>'reason'), '') = '' THEN RAISE EXCEPTION 'an override needs a reason' USING ERRCODE = 'RA422'; END IF;
      IF a->>'decision' IS NULL OR a->>'decision' NOT IN ('AUTO_RESOLVE', 'HIL_REVIEW', 'ESCALATE') THEN
        RAISE EXCEPTION 'unknown decision %', a->>'decision' USING ERRCODE = 'RA422';
      END IF;
    WHEN 'ASSIGN' THEN
      IF COALESCE(btrim(a->>'assignee'), '') = '' THEN RAISE EXCEPTION 'name someone to assign to' USING ERRCODE = 'RA422'; END IF;
      IF NOT EXISTS (SELECT 1 FROM recon.people() p WHERE p = a->>'assignee') THEN
        RAISE EXCEPTION '`%` is not one of this team''s people or groups', a->>'assignee' USING ERRCODE = 'RA422';
      END IF;
    WHEN 'COMMENT' THEN
      IF COALESCE(btrim(a->>'text'), '') = '' THEN RAISE EXCEPTION 'a comment cannot be empty' USING ERRCODE = 'RA422'; END IF;
    WHEN 'RESOLVE' THEN NULL;
    ELSE
      RAISE EXCEPTION 'unknown action %', v_kind USING ERRCODE = 'RA422';
  END CASE;
  SELECT b.status INTO v_from FROM recon.breaks b WHERE b.break_id = p_break_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION '%', p_break_id USING ERRCODE = 'RA404';
  END IF;
  status := recon.transition(p_break_id, a, v_from);
  IF v_kind IN ('ACCEPT', 'OVERRIDE', 'RESOLVE') THEN
    SELECT recon.second_approver_because(v.authority, r.break_type, r.tier,
             ((r.graph::jsonb) #>> '{profile,exposure}')::numeric, (r.graph::jsonb) #>> '{profile,base_currency}')
      INTO why
      FROM recon.breaks b JOIN recon.runs r ON r.run_id = b.latest_run_id JOIN recon.policy_versions v ON v.hash = r.policy_version
     WHERE b.break_id = p_break_id;
    IF why IS NOT NULL THEN
      IF EXISTS (SELECT 1 FROM recon.proposals p WHERE p.break_id = p_break_id AND p.state = 'OPEN') THEN
        RAISE EXCEPTION 'break % already has a proposal waiting for an approver', p_break_id USING ERRCODE = 'RA409',
          DETAIL = json_build_object('from', v_from, 'action', v_kind, 'allowed', 'once the open proposal is decided')::text;
      END IF;
      INSERT INTO recon.proposals (break_id, action, why, proposed_by, proposed_at) VALUES (p_break_id, p_action, why, session_user, v_at)
        RETURNING proposal_id INTO proposal;
      PERFORM recon.chain_append('PROPOSAL', p_break_id,
        '{"action":' || p_action || ',"from":' || recon.json_string(v_from) || ',"proposal":' || proposal || ',"why":' || recon.json_string(why) || '}', v_at);
      status := v_from;
      RETURN;
    END IF;
  END IF;
  PERFORM recon.apply_action(p_break_id, p_action, v_from, status, session_user, NULL, NULL, v_at);
END $$;

-- An approver decides a proposal made by someone else: approved, the action is applied as its
-- author's with the approver recorded beside it; rejected, nothing changes but the record.
-- Either way the reason is kept. The author may not decide their own proposal.
CREATE FUNCTION recon.decide_proposal(p_id BIGINT, p_approve BOOLEAN, p_reason TEXT) RETURNS TEXT
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_at TEXT := recon.now_text();
  p recon.proposals%ROWTYPE;
  v_from TEXT;
  v_to TEXT;
BEGIN
  PERFORM recon.require(ARRAY['recon_approver'], 'decide a proposal');
  SELECT * INTO p FROM recon.proposals WHERE proposal_id = p_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no proposal %', p_id USING ERRCODE = 'RA422';
  END IF;
  IF p.state <> 'OPEN' THEN
    RAISE EXCEPTION 'proposal % was already % by %', p_id, lower(p.state), p.decided_by USING ERRCODE = 'RA422';
  END IF;
  IF p.proposed_by = session_user THEN
    RAISE EXCEPTION 'four eyes: % proposed this; an approver other than its author decides it', p.proposed_by USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NOT p_approve AND COALESCE(btrim(p_reason), '') = '' THEN
    RAISE EXCEPTION 'a rejection needs a reason' USING ERRCODE = 'RA422';
  END IF;
  SELECT b.status INTO v_from FROM recon.breaks b WHERE b.break_id = p.break_id FOR UPDATE;
  UPDATE recon.proposals SET state = CASE WHEN p_approve THEN 'APPROVED' ELSE 'REJECTED' END, decided_by = session_user, decided_at = v_at,
         decision_reason = NULLIF(btrim(p_reason), '')
   WHERE proposal_id = p_id;
  IF NOT p_approve THEN
    PERFORM recon.chain_append('PROPOSAL', p.break_id,
      '{"decision":"REJECTED","proposal":' || p_id || ',"proposed_by":' || recon.json_string(p.proposed_by) || ',"reason":' || recon.json_string(p_reason) || '}', v_at);
    RETURN v_from;
  END IF;
  v_to := recon.transition(p.break_id, p.action::jsonb, v_from);
  PERFORM recon.apply_action(p.break_id, p.action, v_from, v_to, p.proposed_by,
    ',"approval_reason":' || COALESCE(recon.json_string(NULLIF(btrim(p_reason), '')), 'null') || ',"approved_by":' || recon.json_string(session_user),
    ',"proposal":' || p_id || ',"proposed_by":' || recon.json_string(p.proposed_by), v_at);
  RETURN v_to;
END $$;

-- Claims for this connection: the ids (of those given) it now holds. A live claim of another
-- connection is left alone; with p_only_new, so is a break no longer NEW.
CREATE FUNCTION recon.claim(p_ids TEXT[], p_only_new BOOLEAN, p_lease_seconds INT) RETURNS SETOF TEXT
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me_start TIMESTAMPTZ := (SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid());
BEGIN
  PERFORM recon.require(ARRAY['recon_processor', 'recon_reviewer'], 'claim breaks');
  RETURN QUERY
  INSERT INTO recon.claims AS c (break_id, holder_pid, holder_start, expires_at)
    SELECT b.break_id, pg_backend_pid(), me_start, now() + make_interval(secs => p_lease_seconds)
      FROM recon.breaks b WHERE b.break_id = ANY (p_ids) AND (NOT p_only_new OR b.status = 'NEW')
      ORDER BY b.break_id
  ON CONFLICT (break_id) DO UPDATE SET holder_pid = excluded.holder_pid, holder_start = excluded.holder_start, expires_at = excluded.expires_at
    WHERE (c.holder_pid = excluded.holder_pid AND c.holder_start = excluded.holder_start)
       OR c.expires_at < now()
       OR NOT EXISTS (SELECT 1 FROM pg_stat_activity s WHERE s.pid = c.holder_pid AND s.backend_start = c.holder_start)
  RETURNING c.break_id;
END $$;

-- Up to p_limit NEW breaks nobody holds, claimed for this connection: what a worker runs next.
-- Rows another worker is claiming at this moment are skipped, not waited for.
CREATE FUNCTION recon.claim_next(p_limit INT, p_lease_seconds INT) RETURNS SETOF TEXT
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  me_start TIMESTAMPTZ := (SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid());
BEGIN
  PERFORM recon.require(ARRAY['recon_processor', 'recon_reviewer'], 'claim breaks');
  RETURN QUERY
  WITH free AS (
    SELECT b.break_id FROM recon.breaks b
     WHERE b.status = 'NEW'
       AND NOT EXISTS (SELECT 1 FROM recon.claims c WHERE c.break_id = b.break_id AND c.expires_at >= now()
                         AND EXISTS (SELECT 1 FROM pg_stat_activity s WHERE s.pid = c.holder_pid AND s.backend_start = c.holder_start))
     ORDER BY b.break_id
     LIMIT p_limit
     FOR UPDATE OF b SKIP LOCKED
  )
  INSERT INTO recon.claims AS c (break_id, holder_pid, holder_start, expires_at)
    SELECT break_id, pg_backend_pid(), me_start, now() + make_interval(secs => p_lease_seconds) FROM free
  -- `free` was read in this statement's snapshot: a claim another worker committed since is
  -- seen here, on the claim row itself, and kept (the break is not returned).
  ON CONFLICT (break_id) DO UPDATE SET holder_pid = excluded.holder_pid, holder_start = excluded.holder_start, expires_at = excluded.expires_at
    WHERE c.expires_at < now()
       OR NOT EXISTS (SELECT 1 FROM pg_stat_activity s WHERE s.pid = c.holder_pid AND s.backend_start = c.holder_start)
  RETURNING c.break_id;
END $$;

CREATE FUNCTION recon.release_claims() RETURNS BIGINT
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n BIGINT;
BEGIN
  DELETE FROM recon.claims WHERE holder_pid = pg_backend_pid()
     AND holder_start = (SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid());
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;

CREATE FUNCTION recon.record_verified_head(p_seq BIGINT, p_hash TEXT, p_public_key TEXT, p_signature TEXT) RETURNS VOID
  LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
  INSERT INTO recon.verified_heads (seq, hash, verified_at, verified_by, public_key, signature)
    VALUES (p_seq, p_hash, recon.now_text(), session_user, p_public_key, p_signature) ON CONFLICT DO NOTHING
$$;

-- Reading: every team role reads; nobody writes but through the functions above.
REVOKE ALL ON ALL TABLES IN SCHEMA recon FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA recon FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA recon FROM PUBLIC;
GRANT SELECT ON ALL TABLES IN SCHEMA recon TO recon_reviewer, recon_approver, recon_policy_admin, recon_auditor, recon_processor;
GRANT EXECUTE ON FUNCTION recon.append_audit(TEXT, TEXT, TEXT), recon.record_verified_head(BIGINT, TEXT, TEXT, TEXT), recon.json_string(TEXT)
  TO recon_reviewer, recon_approver, recon_policy_admin, recon_auditor, recon_processor;
GRANT EXECUTE ON FUNCTION recon.import_breaks(TEXT, JSONB), recon.replace_break(JSONB, TEXT), recon.record_runs(JSONB),
  recon.claim(TEXT[], BOOLEAN, INT), recon.claim_next(INT, INT), recon.release_claims()
  TO recon_reviewer, recon_processor;
GRANT EXECUTE ON FUNCTION recon.record_policy(TEXT, TEXT, TEXT, TEXT, JSONB, JSONB) TO recon_reviewer, recon_processor, recon_policy_admin;
GRANT EXECUTE ON FUNCTION recon.record_policy_save(TEXT, TEXT, TEXT, TEXT, TEXT, JSONB, JSONB) TO recon_policy_admin;
GRANT EXECUTE ON FUNCTION recon.act(TEXT, TEXT) TO recon_reviewer, recon_approver;
GRANT EXECUTE ON FUNCTION recon.people() TO recon_reviewer, recon_approver, recon_policy_admin, recon_auditor, recon_processor;
GRANT EXECUTE ON FUNCTION recon.decide_proposal(BIGINT, BOOLEAN, TEXT) TO recon_approver;
-- Every client checks the schema version before it works.
GRANT SELECT ON public.reconagent_migrations TO recon_reviewer, recon_approver, recon_policy_admin, recon_auditor, recon_processor;
