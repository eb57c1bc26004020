-- Team store, schema 9: model calls' requests and answers, and the per-day spending, kept in
-- the team database rather than on the machine that made the call, so any reviewer reads a
-- break's prompt and answer, any machine replays a run offline, the cache serves the whole team
-- and the per-day budget is the team's. An exchange is the gzip-compressed JSON the client
-- wrote, keyed by its request's SHA-256 (which readers check: an altered body is not used).
-- Written only through the functions below, by the roles that run batches. Frozen once released.
CREATE TABLE recon.llm_exchanges (
  request_sha256 TEXT PRIMARY KEY CHECK (request_sha256 ~ '^[0-9a-f]{64}$'),
  model TEXT NOT NULL,
  body BYTEA NOT NULL,
  kept_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  kept_by TEXT NOT NULL DEFAULT session_user
);

CREATE TABLE recon.llm_spend (
  day DATE NOT NULL,
  person TEXT NOT NULL,
  cost NUMERIC NOT NULL DEFAULT 0 CHECK (cost >= 0),
  PRIMARY KEY (day, person)
);

CREATE FUNCTION recon.keep_llm_exchange(p_hash TEXT, p_model TEXT, p_body BYTEA) RETURNS VOID
  LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
  INSERT INTO recon.llm_exchanges (request_sha256, model, body) VALUES (p_hash, p_model, p_body)
    ON CONFLICT (request_sha256) DO NOTHING
$$;

CREATE FUNCTION recon.add_llm_spend(p_day DATE, p_cost NUMERIC) RETURNS VOID
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF p_cost IS NULL OR p_cost < 0 THEN
    RAISE EXCEPTION 'a model call''s cost is never negative' USING ERRCODE = 'RA422';
  END IF;
  INSERT INTO recon.llm_spend AS s (day, person, cost) VALUES (p_day, session_user, p_cost)
    ON CONFLICT (day, person) DO UPDATE SET cost = s.cost + EXCLUDED.cost;
END $$;

REVOKE ALL ON recon.llm_exchanges, recon.llm_spend FROM PUBLIC;
REVOKE ALL ON FUNCTION recon.keep_llm_exchange(TEXT, TEXT, BYTEA), recon.add_llm_spend(DATE, NUMERIC) FROM PUBLIC;
GRANT SELECT ON recon.llm_exchanges, recon.llm_spend TO recon_reviewer, recon_approver, recon_policy_admin, recon_auditor, recon_processor;
GRANT EXECUTE ON FUNCTION recon.keep_llm_exchange(TEXT, TEXT, BYTEA), recon.add_llm_spend(DATE, NUMERIC) TO recon_reviewer, recon_processor;
