import { useCallback, useEffect, useState } from "react";
import { api, onProgress, type PolicyEdit, type Progress, type SimulationDto } from "../../api";

/** An impact simulation of a draft: replays recent breaks through the policies in force and the
 * draft in Rust (nothing is recorded), with progress and cancel. */
export function useSimulation() {
  const [sim, setSim] = useState<SimulationDto | null>(null);
  const [limit, setLimit] = useState("10000");
  const [breakType, setBreakType] = useState("");
  const [running, setRunning] = useState(false);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => onProgress((p) => p.task === "simulate" && setProgress(p)), []);
  const clear = useCallback(() => setSim(null), []);

  const run = async (base: string, edits: PolicyEdit[]) => {
    setRunning(true); setProgress(null); setSim(null); setError(null);
    try { setSim(await api.policySimulate(base, edits, Number(limit) || 10000, breakType || null)); } catch (e) { setError(e); } finally { setRunning(false); }
  };
  return { sim, clear, limit, setLimit, breakType, setBreakType, running, progress, error, run, cancel: () => api.cancelProcessing() };
}
