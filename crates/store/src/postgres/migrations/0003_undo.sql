-- Team store, schema 3: undo. A person takes back their own latest ACCEPT, OVERRIDE or RESOLVE
-- on a break within ten minutes, while nothing else has happened to it; the status and decision
-- it replaced come back, recorded as an action of its own (kind UNDO). Frozen once released.

CREATE OR REPLACE FUNCTION recon.apply_action(p_break_id TEXT, p_action TEXT, p_from TEXT, p_to TEXT, p_actor TEXT, p_approval TEXT, p_proposal TEXT, p_at TEXT) RETURNS VOID
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  a JSONB := p_action::jsonb;
  v_assignee TEXT := a->>'assignee';
  v_decision TEXT := a->>'decision';
BEGIN
  INSERT INTO recon.actions (break_id, kind, actor, at, decision, reason, assignee, comment, approved_by)
    VALUES (p_break_id, a->>'kind', p_actor, p_at, v_decision, a->>'reason', v_assignee, COALESCE(a->>'text', a->>'comment', a->>'undone'),
            CASE WHEN p_approval IS NOT NULL THEN session_user END);
  UPDATE recon.breaks SET status = p_to, assignee = COALESCE(v_assignee, assignee), decision = COALESCE(v_decision, decision), updated_at = p_at
   WHERE break_id = p_break_id;
  PERFORM recon.chain_append('HUMAN_ACTION', p_break_id,
    '{"action":' || p_action || COALESCE(p_approval, '') || ',"from":' || recon.json_string(p_from) || COALESCE(p_proposal, '')
    || ',"to":' || recon.json_string(p_to) || '}', p_at);
END $$;

CREATE OR REPLACE FUNCTION recon.act(p_break_id TEXT, p_action TEXT, OUT status TEXT, OUT proposal BIGINT, OUT why TEXT)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
  v_at TEXT := recon.now_text();
  a JSONB := p_action::jsonb;
  v_kind TEXT := a->>'kind';
  v_from TEXT;
  v_updated TEXT;
  l recon.actions%ROWTYPE;
  l_entry JSONB;
  v_age BIGINT;
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
    WHEN 'UNDO' THEN NULL;
    ELSE
      RAISE EXCEPTION 'unknown action %', v_kind USING ERRCODE = 'RA422';
  END CASE;
  SELECT b.status, b.updated_at INTO v_from, v_updated FROM recon.breaks b WHERE b.break_id = p_break_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION '%', p_break_id USING ERRCODE = 'RA404';
  END IF;
  IF v_kind = 'UNDO' THEN
    -- The rule of crate::lifecycle::HumanAction::undo_of, in its words. What the client sent
    -- is ignored: the action recorded is built here from the break's own record.
    SELECT * INTO l FROM recon.actions x WHERE x.break_id = p_break_id ORDER BY x.action_id DESC LIMIT 1;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'nothing to undo on %: no one has acted on it', p_break_id USING ERRCODE = 'RA422';
    END IF;
    IF l.kind NOT IN ('ACCEPT', 'OVERRIDE', 'RESOLVE') THEN
      RAISE EXCEPTION 'nothing to undo on %: its latest action is % by %, and only ACCEPT, OVERRIDE and RESOLVE are undone', p_break_id, l.kind, l.actor
        USING ERRCODE = 'RA422';
    END IF;
    IF l.actor <> session_user THEN
      RAISE EXCEPTION 'nothing to undo on %: its latest action is % by %, not by you', p_break_id, l.kind, l.actor USING ERRCODE = 'RA422';
    END IF;
    v_age := floor(extract(epoch FROM clock_timestamp() - l.at::timestamptz));
    IF v_age > 600 THEN
      RAISE EXCEPTION 'nothing to undo on %: your % was % minutes ago; undo is possible for 10 minutes', p_break_id, l.kind, v_age / 60 USING ERRCODE = 'RA422';
    END IF;
    SELECT e.payload::jsonb INTO l_entry FROM recon.audit_log e WHERE e.kind = 'HUMAN_ACTION' AND e.subject = p_break_id ORDER BY e.seq DESC LIMIT 1;
    IF v_from <> (l_entry->>'to') OR v_updated <> l.at THEN
      RAISE EXCEPTION 'nothing to undo on %: it changed after your % (it is % now)', p_break_id, l.kind, v_from USING ERRCODE = 'RA422';
    END IF;
    status := l_entry->>'from';
    IF status NOT IN ('AUTO_RESOLVED', 'PENDING_REVIEW', 'ESCALATED') THEN
      RAISE EXCEPTION 'nothing to undo on %: it was % before your %', p_break_id, status, l.kind USING ERRCODE = 'RA422';
    END IF;
    -- Back to waiting for review: the safe direction, so no second approver is asked.
    PERFORM recon.apply_action(p_break_id,
      '{"decision":' || recon.json_string(CASE status WHEN 'AUTO_RESOLVED' THEN 'AUTO_RESOLVE' WHEN 'PENDING_REVIEW' THEN 'HIL_REVIEW' ELSE 'ESCALATE' END)
        || ',"kind":"UNDO","undone":' || recon.json_string(l.kind || ' at ' || l.at) || '}',
      v_from, status, session_user, NULL, NULL, v_at);
    RETURN;
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

