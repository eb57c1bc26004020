import { useEffect, useState } from "react";
import { api, onDataChanged, type FilterOptions } from "../api";

const NONE: FilterOptions = { break_types: [], tiers: [], statuses: [], decisions: [], event_kinds: [], export_formats: [], agents: [], people: [], me: "", mine: [], work_queues: [] };

/**
 * What the filters offer, from Rust: the break types the policies know and any other type in the
 * store, tiers, statuses, decisions, audit event kinds, report formats and agents. Reloaded when data changes, since an import can bring a
 * type no policy names.
 */
export function useFilterOptions(): { options: FilterOptions; error: unknown } {
  const [options, setOptions] = useState<FilterOptions>(NONE);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const load = () => api.filterOptions().then((o) => { setOptions(o); setError(null); }, setError);
    load();
    return onDataChanged(load);
  }, []);
  return { options, error };
}
