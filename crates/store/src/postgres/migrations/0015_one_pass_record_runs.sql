-- Team store, schema 15: recording a chunk of runs does each thing once. Measured per 1,000-run
-- chunk before this (docs/performance.md): the chunk's JSON was walked eleven times (five checks,
-- the lock, four inserts, the update, the chain), and every RUN entry the chain received made
-- schema 5's trigger update the same breaks a second time, to set the work queue. Now:
--
-- * the chunk is read once, into an array of `recon.run_input` rows, which every statement
--   unnests; the graphs (most of a chunk's bytes) come apart, as a text array, not as strings
--   inside the JSON that the server would parse;
-- * the checks are one pass, after the breaks are locked; a chunk with several faults names the
--   same fault as before (the checks' order is kept: unknown break, RESOLVED break, unrecorded
--   policy version, unknown decision, a refused AUTO_RESOLVE);
-- * the work queue is set by the same UPDATE that sets the status, from the hashed entry's own
--   text (its "queue" member, as schema 5 read it), so the column still says only what the
--   record says; `audit verify` replays it;
-- * schema 5's trigger is left with BREAK_REPLACED (the queue cleared), a row trigger that only
--   fires for that kind. Nothing but record_runs appends RUN entries: a raw append of that kind
--   is refused to every role (`recon.kind_roles`, tests/team_chain.rs);
-- * schema 11's dashboard figures are added by record_runs itself (the only writer of runs and
--   checkpoint rows) once it holds the chain's head, not by triggers as each table is written:
--   two chunks recorded side by side add to the same figure rows, and waited for each other's
--   commit there; the checkpoint figures come from the chunk, not from each row's run looked up;
-- * claims (schema 2) are made on a connection of their own by the client, so a batch's next
--   page is claimed while its last chunk is recorded;
-- * schema 7's measured-cost trigger runs only for a run whose graph holds model calls; the
--   column is NULL otherwise, as before (record_runs never sets it).
--
-- Frozen once released.

CREATE TYPE recon.run_input AS (
  n              INT,
  break_id       TEXT,
  mode           TEXT,
  policy_key     TEXT,
  policy_version TEXT,
  break_type     TEXT,
  tier           TEXT,
  decision       TEXT,
  confidence     DOUBLE PRECISION,
  decided_by     TEXT,
  early_exit     TEXT,
  agents_planned INT,
  agents_invoked INT,
  wall_us        BIGINT,
  emulated       BOOLEAN,
  started_at     TEXT,
  graph          TEXT,
  modelled_ms    BIGINT,
  modelled_cost  NUMERIC,
  deadline       TEXT,
  nodes          JSONB,
  checkpoints    JSONB,
  payload_head   TEXT,
  payload_tail   TEXT
);
REVOKE ALL ON TYPE recon.run_input FROM PUBLIC;

DROP FUNCTION recon.record_runs(JSONB);
CREATE FUNCTION recon.record_runs(p_runs JSONB, p_graphs TEXT[]) RETURNS SETOF BIGINT
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_at TEXT := recon.now_text();
  k INT := jsonb_array_length(p_runs);
  rs recon.run_input[];
  locked_ids TEXT[];
  locked_status TEXT[];
  ids BIGINT[];
  bad TEXT;
  bad_why TEXT;
  bad_class INT;
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
  IF cardinality(p_graphs) IS DISTINCT FROM k THEN
    RAISE EXCEPTION '% runs and % graphs', k, COALESCE(cardinality(p_graphs), 0) USING ERRCODE = 'RA422';
  END IF;
  rs := ARRAY(
    SELECT ROW(n::int, r->>'break_id', r->>'mode', r->>'policy_key', r->>'policy_version', r->>'break_type', r->>'tier', r->>'decision',
               (r->>'confidence')::double precision, r->>'decided_by', r->>'early_exit', (r->>'agents_planned')::int, (r->>'agents_invoked')::int,
               (r->>'wall_us')::bigint, (r->>'emulated')::boolean, r->>'started_at', p_graphs[n], (r->>'modelled_ms')::bigint,
               (r->>'modelled_cost')::numeric, r->>'deadline', r->'nodes', r->'checkpoints', r->>'payload_head', r->>'payload_tail')::recon.run_input
      FROM jsonb_array_elements(p_runs) WITH ORDINALITY AS x(r, n) ORDER BY n);
  -- Locks in one order everywhere: the breaks' rows (by id), then the chain's head. A person
  -- acting on one of these breaks meanwhile waits, or is waited for, never both.
  SELECT array_agg(l.break_id), array_agg(l.status) INTO locked_ids, locked_status
    FROM (SELECT break_id, status FROM recon.breaks WHERE break_id IN (SELECT r.break_id FROM unnest(rs) r) ORDER BY break_id FOR UPDATE) l;
  -- Decision safety, enforced here too: a run that closes its break by itself (AUTO_RESOLVE,
  -- not a v1 comparison) is refused when an agent failed, a checkpoint could not be evaluated,
  -- the run records a hold, or the version's limits do not allow it for this tier or type.
  -- Whoever records runs cannot close a break the engine would have sent to a person.
  SELECT x.class, CASE x.class WHEN 3 THEN x.policy_version WHEN 4 THEN x.decision ELSE x.break_id END, x.why
    INTO bad_class, bad, bad_why FROM (
    SELECT r.n, CASE
        WHEN b.break_id IS NULL THEN 1
        WHEN r.mode <> 'v1' AND b.status = 'RESOLVED' THEN 2
        WHEN v.hash IS NULL THEN 3
        WHEN r.decision IS NULL OR r.decision NOT IN ('AUTO_RESOLVE', 'HIL_REVIEW', 'ESCALATE') THEN 4
        WHEN r.mode <> 'v1' AND r.decision = 'AUTO_RESOLVE' THEN 5
      END AS class,
      r.break_id, r.policy_version, r.decision,
      CASE WHEN r.mode <> 'v1' AND r.decision = 'AUTO_RESOLVE' THEN CASE
        WHEN EXISTS (SELECT 1 FROM jsonb_array_elements(r.nodes) nd WHERE nd->>1 IN ('FAILED', 'TIMED_OUT')) THEN 'an agent failed'
        WHEN EXISTS (SELECT 1 FROM jsonb_array_elements(r.checkpoints) c WHERE c->>3 IS NOT NULL) THEN 'a checkpoint could not be evaluated'
        WHEN (r.payload_head || '0' || r.payload_tail)::jsonb ? 'holds' THEN 'the run records why it must be held for a person'
        WHEN recon.tier_rank(r.tier) > recon.tier_rank(v.auto_resolve->>'max_tier')
          THEN 'tier ' || r.tier || ' is above the auto-resolve limit ' || (v.auto_resolve->>'max_tier')
        WHEN COALESCE(v.auto_resolve->'never', '[]') ? r.break_type THEN r.break_type || ' is never auto-resolved'
      END END AS why
    FROM unnest(rs) r
    LEFT JOIN unnest(locked_ids, locked_status) AS b(break_id, status) ON b.break_id = r.break_id
    LEFT JOIN recon.policy_versions v ON v.hash = r.policy_version) x
  WHERE x.class BETWEEN 1 AND 4 OR (x.class = 5 AND x.why IS NOT NULL)
  ORDER BY x.class, x.n LIMIT 1;
  CASE bad_class
    WHEN 1 THEN
      RAISE EXCEPTION '%', bad USING ERRCODE = 'RA404';
    WHEN 2 THEN
      RAISE EXCEPTION 'break % is RESOLVED', bad USING ERRCODE = 'RA409',
        DETAIL = json_build_object('from', 'RESOLVED', 'action', 'a new run', 'allowed', 'NEW, AUTO_RESOLVED, PENDING_REVIEW, ESCALATED')::text;
    WHEN 3 THEN
      RAISE EXCEPTION 'policy version % is not recorded: record_policy first', bad USING ERRCODE = 'RA422';
    WHEN 4 THEN
      RAISE EXCEPTION 'unknown decision %', bad USING ERRCODE = 'RA422';
    WHEN 5 THEN
      RAISE EXCEPTION 'an AUTO_RESOLVE of break % is refused: %', bad, bad_why USING ERRCODE = 'RA422';
    ELSE
      NULL;
  END CASE;

  ids := ARRAY(SELECT nextval('recon.runs_run_id_seq') FROM generate_series(1, k));
  INSERT INTO recon.runs (run_id, break_id, mode, policy_key, policy_version, break_type, tier, decision, confidence, decided_by, early_exit,
                          agents_planned, agents_invoked, wall_us, emulated, started_at, graph, modelled_ms, modelled_cost, recorded_by)
    SELECT ids[r.n], r.break_id, r.mode, r.policy_key, r.policy_version, r.break_type, r.tier, r.decision, r.confidence, r.decided_by, r.early_exit,
           r.agents_planned, r.agents_invoked, r.wall_us, r.emulated, r.started_at, r.graph, r.modelled_ms, r.modelled_cost, session_user
      FROM unnest(rs) r;
  INSERT INTO recon.run_nodes (run_id, agent, status, started_us, finished_us, waited_us, attempts, skip_reason, error)
    SELECT ids[r.n], nd->>0, nd->>1, (nd->>2)::bigint, (nd->>3)::bigint, (nd->>4)::bigint, (nd->>5)::int, nd->>6, nd->>7
      FROM unnest(rs) r, jsonb_array_elements(r.nodes) nd;
  INSERT INTO recon.run_checkpoints (run_id, checkpoint_id, after_agent, fired, error)
    SELECT ids[r.n], c->>0, c->>1, (c->>2)::boolean, c->>3
      FROM unnest(rs) r, jsonb_array_elements(r.checkpoints) c;

  -- The break's status from its last deciding run of the chunk, and the work queue that run's
  -- entry names (a deciding run's entry always has a "queue" member, null when it routes none;
  -- a v1 comparison's has none and routes nothing).
  UPDATE recon.breaks b
     SET status = CASE u.decision WHEN 'AUTO_RESOLVE' THEN 'AUTO_RESOLVED' WHEN 'HIL_REVIEW' THEN 'PENDING_REVIEW' ELSE 'ESCALATED' END,
         tier = u.tier, decision = u.decision, latest_run_id = u.run_id, sla_deadline = COALESCE(u.deadline, b.sla_deadline), updated_at = v_at,
         work_queue = CASE WHEN u.entry ? 'queue' THEN u.entry ->> 'queue' ELSE b.work_queue END
    FROM (SELECT l.break_id, l.tier, l.decision, l.deadline, ids[l.n] AS run_id, (l.payload_head || ids[l.n] || l.payload_tail)::jsonb AS entry
            FROM (SELECT DISTINCT ON (r.break_id) r.break_id, r.tier, r.decision, r.deadline, r.n, r.payload_head, r.payload_tail
                    FROM unnest(rs) r WHERE r.mode <> 'v1' ORDER BY r.break_id, r.n DESC) l) u
   WHERE b.break_id = u.break_id;

  SELECT * INTO head FROM recon.chain_head FOR UPDATE;
  -- Schema 11's dashboard figures, added here, after the head is held: two recorders' chunks
  -- add to the same rows (a day, a type, a tier...), and each would otherwise wait for the
  -- other's commit on them before reaching the head anyway. Figures of the runs as stored (the
  -- measured cost is schema 7's, set as each run was inserted); checkpoint figures from the
  -- chunk itself. record_runs is the only writer of runs and checkpoint rows, so these were
  -- schema 11's triggers, dropped below.
  INSERT INTO recon.run_rollup AS g
    SELECT substr(started_at, 1, 10), mode, break_type, tier, decision, count(*), sum(agents_invoked), sum(agents_planned), count(early_exit),
           sum(wall_us), sum(modelled_ms), sum(modelled_cost), count(measured_cost), coalesce(sum(measured_cost), 0)
      FROM recon.runs WHERE run_id = ANY (ids) GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT (day, mode, break_type, tier, decision) DO UPDATE SET
    runs = g.runs + EXCLUDED.runs, agents_invoked = g.agents_invoked + EXCLUDED.agents_invoked,
    agents_planned = g.agents_planned + EXCLUDED.agents_planned, early_exits = g.early_exits + EXCLUDED.early_exits,
    wall_us = g.wall_us + EXCLUDED.wall_us, modelled_ms = g.modelled_ms + EXCLUDED.modelled_ms,
    modelled_cost = g.modelled_cost + EXCLUDED.modelled_cost, llm_runs = g.llm_runs + EXCLUDED.llm_runs,
    measured_cost = g.measured_cost + EXCLUDED.measured_cost;
  INSERT INTO recon.checkpoint_rollup AS g
    SELECT substr(r.started_at, 1, 10), r.break_type, c->>0, c->>1, count(*), count(*) FILTER (WHERE (c->>2)::boolean)
      FROM unnest(rs) r, jsonb_array_elements(r.checkpoints) c GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
  ON CONFLICT (day, break_type, checkpoint_id, after_agent) DO UPDATE SET
    evaluated = g.evaluated + EXCLUDED.evaluated, fired = g.fired + EXCLUDED.fired;
  v_seq := head.seq;
  v_hash := head.hash;
  FOR e IN SELECT r.n, r.break_id, r.payload_head || ids[r.n] || r.payload_tail AS payload FROM unnest(rs) r ORDER BY r.n LOOP
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

-- Schema 5's routing, for what is left of it: a BREAK_REPLACED entry clears its break's queue
-- (the break is NEW again). A row trigger that fires for that kind alone: a chunk of RUN
-- entries no longer hands the trigger a transition table to read.
DROP TRIGGER audit_routes ON recon.audit_log;
CREATE OR REPLACE FUNCTION recon.route_from_entries() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  UPDATE recon.breaks SET work_queue = NULL WHERE break_id = NEW.subject AND work_queue IS NOT NULL;
  RETURN NULL;
END $$;
CREATE TRIGGER audit_routes AFTER INSERT ON recon.audit_log
  FOR EACH ROW WHEN (NEW.kind = 'BREAK_REPLACED') EXECUTE FUNCTION recon.route_from_entries();

DROP TRIGGER runs_rollup ON recon.runs;
DROP TRIGGER run_checkpoints_rollup ON recon.run_checkpoints;
REVOKE ALL ON FUNCTION recon.record_runs(JSONB, TEXT[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION recon.record_runs(JSONB, TEXT[]) TO recon_reviewer, recon_processor;

-- Schema 7's measured cost, called only for a run whose graph holds model calls.
DROP TRIGGER runs_measured_cost ON recon.runs;
CREATE TRIGGER runs_measured_cost BEFORE INSERT ON recon.runs
  FOR EACH ROW WHEN (strpos(NEW.graph, '"llm_calls":') > 0) EXECUTE FUNCTION recon.measured_cost_from_graph();
