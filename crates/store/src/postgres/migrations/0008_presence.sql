-- Team store, schema 8: who has a break open. A desktop showing a break says so when it opens
-- it and every 30 s after (recon.presence(id, true)) and when it closes it (false); others see
-- the people seen on it in the last 90 s. Not in the audit chain: nothing is decided by it.
-- Arrivals and departures notify `recon_changed` with PRESENCE, so the others' screens update
-- within a second. Frozen once released.
CREATE TABLE recon.presence (
  break_id TEXT NOT NULL,
  person TEXT NOT NULL,
  seen_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (break_id, person)
);

CREATE FUNCTION recon.presence(p_break TEXT, p_open BOOLEAN) RETURNS SETOF TEXT
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  before TIMESTAMPTZ;
  arrived_or_left BOOLEAN;
BEGIN
  IF p_break IS NULL OR length(p_break) > 200 THEN
    RAISE EXCEPTION 'not a break id' USING ERRCODE = 'RA422';
  END IF;
  SELECT seen_at INTO before FROM recon.presence WHERE break_id = p_break AND person = session_user;
  IF p_open THEN
    INSERT INTO recon.presence (break_id, person, seen_at) VALUES (p_break, session_user, now())
      ON CONFLICT (break_id, person) DO UPDATE SET seen_at = now();
    arrived_or_left := before IS NULL OR before < now() - interval '90 seconds';
  ELSE
    DELETE FROM recon.presence WHERE break_id = p_break AND person = session_user;
    arrived_or_left := before IS NOT NULL;
  END IF;
  -- Whoever's desktop went away without a word is forgotten after a while.
  DELETE FROM recon.presence WHERE seen_at < now() - interval '1 hour';
  IF arrived_or_left THEN
    PERFORM pg_notify('recon_changed', 'PRESENCE');
  END IF;
  RETURN QUERY SELECT p.person FROM recon.presence p
    WHERE p.break_id = p_break AND p.person <> session_user AND p.seen_at > now() - interval '90 seconds'
    ORDER BY p.person;
END $$;

REVOKE ALL ON recon.presence FROM PUBLIC;
REVOKE ALL ON FUNCTION recon.presence(TEXT, BOOLEAN) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION recon.presence(TEXT, BOOLEAN) TO recon_reviewer, recon_approver, recon_policy_admin, recon_auditor, recon_processor;
