-- Team store, schema 12: four eyes on policy changes, and one policy in force for the team.
-- A policy admin's save or restore is a proposal (recon.propose_policy); another policy admin
-- approves it (it becomes a save of a version, and the team's policy in force: the newest
-- save's version) or rejects it with a reason. The author may not decide their own. A direct
-- save (recon.record_policy_save) is refused from now on. Each step is in the chain: the
-- proposal and a rejection as POLICY_PROPOSAL entries, an approval as the POLICY_SAVED entry
-- that names the author (proposed_by) beside the approver (its actor). Frozen once released.
CREATE TABLE recon.policy_proposals (
  proposal_id  BIGSERIAL PRIMARY KEY,
  hash         TEXT COLLATE "C" NOT NULL,      -- SHA-256 of text, checked on insert
  text         TEXT NOT NULL,
  path         TEXT NOT NULL,
  note         TEXT NOT NULL,
  previous     TEXT,                           -- the version the change was made from
  author       TEXT NOT NULL,
  proposed_at  TEXT COLLATE "C" NOT NULL,
  authority    JSONB NOT NULL,
  auto_resolve JSONB NOT NULL CHECK (auto_resolve ? 'max_tier'),
  state        TEXT NOT NULL DEFAULT 'OPEN' CHECK (state IN ('OPEN', 'APPROVED', 'REJECTED')),
  decided_by   TEXT,
  decided_at   TEXT COLLATE "C",
  reason       TEXT,
  save_id      BIGINT REFERENCES recon.policy_saves (save_id)
);
CREATE INDEX policy_proposals_open ON recon.policy_proposals (proposal_id) WHERE state = 'OPEN';

INSERT INTO recon.kind_roles (kind, role) VALUES ('POLICY_PROPOSAL', 'recon_policy_admin');

-- The team's policy in force: the version of the newest save (none before the first).
CREATE FUNCTION recon.team_policy() RETURNS TABLE (hash TEXT, text TEXT, save_id BIGINT)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
  SELECT v.hash, v.text, s.save_id FROM recon.policy_saves s JOIN recon.policy_versions v ON v.hash = s.hash
   ORDER BY s.save_id DESC LIMIT 1
$$;

CREATE FUNCTION recon.propose_policy(p_hash TEXT, p_text TEXT, p_path TEXT, p_note TEXT, p_previous TEXT, p_authority JSONB, p_auto_resolve JSONB,
                                     OUT proposal_id BIGINT, OUT proposed_at TEXT)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
BEGIN
  PERFORM recon.require(ARRAY['recon_policy_admin'], 'propose a policy change');
  IF recon.digest(p_text) <> p_hash THEN
    RAISE EXCEPTION 'policy version % is not the SHA-256 of its text', p_hash USING ERRCODE = 'RA422';
  END IF;
  IF COALESCE(btrim(p_note), '') = '' THEN
    RAISE EXCEPTION 'a policy change needs a note saying what it is for' USING ERRCODE = 'RA422';
  END IF;
  proposed_at := recon.now_text();
  INSERT INTO recon.policy_proposals (hash, text, path, note, previous, author, proposed_at, authority, auto_resolve)
    VALUES (p_hash, p_text, p_path, p_note, p_previous, session_user, proposed_at, p_authority, p_auto_resolve)
    RETURNING policy_proposals.proposal_id INTO proposal_id;
  PERFORM recon.chain_append('POLICY_PROPOSAL', p_hash,
    '{"note":' || recon.json_string(p_note) || ',"previous":' || COALESCE(recon.json_string(p_previous), 'null')
    || ',"proposal":' || proposal_id || ',"source":' || recon.json_string(p_path) || '}', proposed_at);
END $$;

-- Another policy admin decides a proposal. Approved, its version becomes a save (the author's,
-- with the approver as the entry's actor) and the team's policy in force, provided the policy
-- in force is still the one the change was made from; rejected, only the record changes.
CREATE FUNCTION recon.decide_policy_proposal(p_id BIGINT, p_approve BOOLEAN, p_reason TEXT, OUT save_id BIGINT, OUT decided_at TEXT)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  p recon.policy_proposals%ROWTYPE;
  v_current TEXT;
BEGIN
  PERFORM recon.require(ARRAY['recon_policy_admin'], 'decide a policy proposal');
  -- One decision at a time: the policy in force cannot change between the check and the save.
  PERFORM pg_advisory_xact_lock(5391);
  SELECT * INTO p FROM recon.policy_proposals WHERE proposal_id = p_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no policy proposal %', p_id USING ERRCODE = 'RA422';
  END IF;
  IF p.state <> 'OPEN' THEN
    RAISE EXCEPTION 'policy proposal % was already % by %', p_id, lower(p.state), p.decided_by USING ERRCODE = 'RA422';
  END IF;
  IF p.author = session_user THEN
    RAISE EXCEPTION 'four eyes: % proposed this policy change; a policy admin other than its author decides it', p.author USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NOT p_approve AND COALESCE(btrim(p_reason), '') = '' THEN
    RAISE EXCEPTION 'a rejection needs a reason' USING ERRCODE = 'RA422';
  END IF;
  decided_at := recon.now_text();
  IF NOT p_approve THEN
    UPDATE recon.policy_proposals SET state = 'REJECTED', decided_by = session_user, decided_at = decided_at, reason = btrim(p_reason)
     WHERE proposal_id = p_id;
    PERFORM recon.chain_append('POLICY_PROPOSAL', p.hash,
      '{"decision":"REJECTED","proposal":' || p_id || ',"proposed_by":' || recon.json_string(p.author) || ',"reason":' || recon.json_string(btrim(p_reason)) || '}',
      decided_at);
    RETURN;
  END IF;
  SELECT t.hash INTO v_current FROM recon.team_policy() t;
  IF v_current IS NOT NULL AND v_current IS DISTINCT FROM p.previous THEN
    RAISE EXCEPTION 'the team''s policy changed since this was proposed (now version %, the change was made from %): propose it again from the policy in force',
      left(v_current, 12), COALESCE(left(p.previous, 12), 'none') USING ERRCODE = 'RA422';
  END IF;
  INSERT INTO recon.policy_versions (hash, text, source, author, note, saved_at, authority, auto_resolve)
    VALUES (p.hash, p.text, p.path, p.author, p.note, decided_at, p.authority, p.auto_resolve)
    ON CONFLICT (hash) DO NOTHING;
  INSERT INTO recon.policy_saves (hash, path, author, note, saved_at, previous) VALUES (p.hash, p.path, p.author, p.note, decided_at, p.previous)
    RETURNING policy_saves.save_id INTO save_id;
  UPDATE recon.policy_proposals SET state = 'APPROVED', decided_by = session_user, decided_at = decided_at,
         reason = NULLIF(btrim(p_reason), ''), save_id = save_id
   WHERE proposal_id = p_id;
  PERFORM recon.chain_append('POLICY_SAVED', p.hash,
    '{"approval_reason":' || COALESCE(recon.json_string(NULLIF(btrim(p_reason), '')), 'null')
    || ',"note":' || recon.json_string(p.note) || ',"previous":' || COALESCE(recon.json_string(p.previous), 'null')
    || ',"proposal":' || p_id || ',"proposed_by":' || recon.json_string(p.author)
    || ',"save_id":' || save_id || ',"source":' || recon.json_string(p.path) || '}', decided_at);
END $$;

-- A direct save is refused: in a team a policy change takes two people.
CREATE OR REPLACE FUNCTION recon.record_policy_save(p_hash TEXT, p_text TEXT, p_path TEXT, p_note TEXT, p_previous TEXT, p_authority JSONB, p_auto_resolve JSONB, OUT save_id BIGINT, OUT saved_at TEXT)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RAISE EXCEPTION 'four eyes: in a team database a policy change is proposed, and another policy admin approves it' USING ERRCODE = 'insufficient_privilege';
END $$;

REVOKE ALL ON recon.policy_proposals FROM PUBLIC;
GRANT SELECT ON recon.policy_proposals TO recon_reviewer, recon_approver, recon_policy_admin, recon_auditor, recon_processor;
REVOKE ALL ON FUNCTION recon.team_policy() FROM PUBLIC;
REVOKE ALL ON FUNCTION recon.propose_policy(TEXT, TEXT, TEXT, TEXT, TEXT, JSONB, JSONB) FROM PUBLIC;
REVOKE ALL ON FUNCTION recon.decide_policy_proposal(BIGINT, BOOLEAN, TEXT) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION recon.team_policy() TO recon_reviewer, recon_approver, recon_policy_admin, recon_auditor, recon_processor;
GRANT EXECUTE ON FUNCTION recon.propose_policy(TEXT, TEXT, TEXT, TEXT, TEXT, JSONB, JSONB) TO recon_policy_admin;
GRANT EXECUTE ON FUNCTION recon.decide_policy_proposal(BIGINT, BOOLEAN, TEXT) TO recon_policy_admin;
