-- Team store, schema 7: what a run's model calls cost, measured, kept with the run so the
-- dashboard can sum it beside the modelled figures. Set from the run's own graph as it is
-- inserted (the sum of `llm_calls[].cost`, exact decimals), so no writer can give another
-- figure; NULL for a run that asked no model (every run recorded before). Frozen once released.
ALTER TABLE recon.runs ADD COLUMN measured_cost NUMERIC;

CREATE FUNCTION recon.measured_cost_from_graph() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  NEW.measured_cost := NULL;
  IF strpos(NEW.graph, '"llm_calls":') > 0 THEN
    NEW.measured_cost := (SELECT coalesce(sum((c->>'cost')::numeric), 0) FROM jsonb_array_elements(NEW.graph::jsonb->'llm_calls') c);
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER runs_measured_cost BEFORE INSERT ON recon.runs
  FOR EACH ROW EXECUTE FUNCTION recon.measured_cost_from_graph();
