import { useEffect, useState } from "react";
import { api, ApiFailure, type KeySource, type PolicyDraft, type PolicyEdit } from "../../api";
import { num, remove, set, text } from "../policyEdits";
import { FieldIssues, Input } from "./fields";

/** The `llm` section: which agents ask a model, where, for how much, with which prompt. Every
 * value is checked by Rust like the rest of the file (the prompt against its recorded hash). */
export function ModelsForm({ draft, onEdit }: { draft: PolicyDraft; onEdit: (e: PolicyEdit) => void }) {
  const m = draft.outline?.llm;
  const { errors, warnings } = draft;
  const issues = (path: string, within = false) => <FieldIssues errors={errors} warnings={warnings} path={path} within={within} />;
  if (!m) {
    const offer = draft.outline?.shipped_prompts ?? [];
    return (
      <div data-testid="models-form">
        <p>Every agent is built in: no model is asked and nothing is sent anywhere.</p>
        <p className="muted">
          PATTERN and DECISIONING can ask a model over an OpenAI-compatible API; the rules keep the final say. Adding the settings writes them switched
          off (backend builtin) with the shipped prompts; set the endpoint, the model and its price, then switch an agent to llm.
        </p>
        <button
          data-testid="add-models"
          disabled={offer.length === 0}
          onClick={() => {
            onEdit(set("llm.endpoint", text("http://127.0.0.1:11434/v1")));
            onEdit(set("llm.pseudonymise", { kind: "bool", value: true }));
            onEdit(set("llm.prices.gpt-4o-mini.prompt", text("0.15")));
            onEdit(set("llm.prices.gpt-4o-mini.completion", text("0.60")));
            onEdit(set("llm.budgets.per_break", text("0.01")));
            for (const p of offer) {
              onEdit(set(`llm.agents.${p.agent}.backend`, text("builtin")));
              onEdit(set(`llm.agents.${p.agent}.model`, text("gpt-4o-mini")));
              onEdit(set(`llm.agents.${p.agent}.prompt`, text(p.file)));
              onEdit(set(`llm.agents.${p.agent}.prompt_sha256`, text(p.sha256)));
            }
          }}
        >
          Add model settings (switched off)
        </button>
      </div>
    );
  }
  const budget = (key: "per_break" | "per_batch" | "per_day", label: string) => (
    <label className="field inline">
      {label}
      <Input value={m.budgets[key]} style={{ width: 90 }} aria-label={`budget ${key}`} onValue={(v) => onEdit(set(`llm.budgets.${key}`, text(v)))} />
      {issues(`llm.budgets.${key}`)}
    </label>
  );
  return (
    <div className="grid2" data-testid="models-form">
      <div>
        {issues("llm")}
        <h3>Endpoint</h3>
        <label className="field inline">
          URL
          <Input value={m.endpoint} style={{ width: 280 }} aria-label="endpoint" onValue={(v) => onEdit(set("llm.endpoint", text(v)))} />
          {issues("llm.endpoint")}
        </label>
        <label className="field inline">
          API key variable
          <Input value={m.api_key_env ?? ""} style={{ width: 200 }} aria-label="api key variable" onValue={(v) => onEdit(set("llm.api_key_env", text(v)))} />
          <span className="muted">the environment variable that holds the key, else the OS keyring; never the key</span>
          {issues("llm.api_key_env")}
        </label>
        <ApiKey variable={m.api_key_env ?? null} />
        <label className="field inline">
          <input type="checkbox" checked={m.pseudonymise} aria-label="pseudonymise" onChange={(e) => onEdit(set("llm.pseudonymise", { kind: "bool", value: e.target.checked }))} />
          replace counterparty and account names with pseudonyms before sending
        </label>
        <h3>Budgets ({draft.outline?.classifier.base_currency})</h3>
        {budget("per_break", "per break")}
        {budget("per_batch", "per batch")}
        {budget("per_day", "per day")}
        {issues("llm.budgets")}
        <h3>Pace</h3>
        <label className="field inline">
          calls in flight
          <Input type="number" value={m.max_calls_in_flight ?? 8} style={{ width: 70 }} aria-label="calls in flight" onValue={(v) => onEdit(set("llm.max_calls_in_flight", num(v)))} />
          {issues("llm.max_calls_in_flight")}
        </label>
        <label className="field inline">
          tokens per minute
          <Input type="number" value={m.tokens_per_minute ?? ""} style={{ width: 90 }} aria-label="tokens per minute" onValue={(v) => onEdit(v.trim() === "" ? remove("llm.tokens_per_minute") : set("llm.tokens_per_minute", num(v)))} />
          <span className="muted">empty: no limit</span>
          {issues("llm.tokens_per_minute")}
        </label>
        <h3>Prices per million tokens</h3>
        {m.prices.map((p) => (
          <div key={p.model} className="toolbar">
            {p.model}
            <Input value={p.prompt} style={{ width: 70 }} aria-label={`${p.model} prompt price`} onValue={(v) => onEdit(set(`llm.prices.${p.model}.prompt`, text(v)))} /> prompt
            <Input value={p.completion} style={{ width: 70 }} aria-label={`${p.model} completion price`} onValue={(v) => onEdit(set(`llm.prices.${p.model}.completion`, text(v)))} /> completion
            {issues(`llm.prices.${p.model}`)}
          </div>
        ))}
      </div>
      <div>
        <h3>Agents</h3>
        {m.agents.map((a) => {
          const at = `llm.agents.${a.agent}`;
          return (
            <fieldset key={a.agent} data-testid={`model-agent-${a.agent}`}>
              <legend>{a.agent}</legend>
              {issues(at)}
              <label className="field inline">
                backend
                <select value={a.backend} aria-label={`${a.agent} backend`} onChange={(e) => onEdit(set(`${at}.backend`, text(e.target.value)))}>
                  <option value="llm">llm (ask the model)</option>
                  <option value="builtin">builtin (rules only)</option>
                </select>
                {issues(`${at}.backend`)}
              </label>
              <label className="field inline">
                model
                <Input value={a.model} style={{ width: 160 }} aria-label={`${a.agent} model`} onValue={(v) => onEdit(set(`${at}.model`, text(v)))} />
                {issues(`${at}.model`)}
              </label>
              <label className="field inline">
                max tokens
                <Input type="number" value={a.max_tokens} style={{ width: 80 }} aria-label={`${a.agent} max tokens`} onValue={(v) => onEdit(set(`${at}.max_tokens`, num(v)))} />
                timeout ms
                <Input type="number" value={a.timeout_ms} style={{ width: 80 }} aria-label={`${a.agent} timeout`} onValue={(v) => onEdit(set(`${at}.timeout_ms`, num(v)))} />
                retries
                <Input type="number" value={a.retries} style={{ width: 50 }} aria-label={`${a.agent} retries`} onValue={(v) => onEdit(set(`${at}.retries`, num(v)))} />
                {issues(`${at}.max_tokens`)}
                {issues(`${at}.timeout_ms`)}
                {issues(`${at}.retries`)}
              </label>
              <label className="field inline">
                prompt file
                <Input value={a.prompt} style={{ width: 220 }} aria-label={`${a.agent} prompt`} onValue={(v) => onEdit(set(`${at}.prompt`, text(v)))} />
                {issues(`${at}.prompt`)}
              </label>
              <div className="field inline">
                recorded hash <code>{a.prompt_sha256.slice(0, 16)}…</code>
                {a.prompt_file_sha256 && a.prompt_file_sha256 !== a.prompt_sha256 && (
                  <button data-testid={`use-file-hash-${a.agent}`} onClick={() => onEdit(set(`${at}.prompt_sha256`, text(a.prompt_file_sha256 ?? "")))}>
                    Record the file's hash (a new prompt version)
                  </button>
                )}
                {issues(`${at}.prompt_sha256`)}
              </div>
            </fieldset>
          );
        })}
        {issues("llm.agents")}
      </div>
    </div>
  );
}

/** Where the key comes from (Rust asks the environment and the OS keyring; the key itself never
 * reaches this screen), and a field to store one in the keyring. */
function ApiKey({ variable }: { variable: string | null }) {
  const [source, setSource] = useState<KeySource | null>(null);
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    setError(null);
    api.llmKeySource(variable).then((s) => live && setSource(s), (e: ApiFailure) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [variable]);
  if (!variable || !source || source.kind === "NotNeeded") return null;
  const store = () => {
    setError(null);
    api.llmKeyStore(variable, key).then(
      (s) => {
        setSource(s);
        setKey("");
      },
      (e: ApiFailure) => setError(e.message),
    );
  };
  return (
    <div className="field" data-testid="api-key">
      <div data-testid="api-key-source" className={source.kind === "Missing" ? "error" : undefined}>
        {source.kind === "Environment" && <>Key: from the environment variable {variable}.</>}
        {source.kind === "Keyring" && <>Key: stored in the OS keyring (llm:{variable}).</>}
        {source.kind === "Missing" && source.detail}
      </div>
      <div className="toolbar">
        <input
          type="password"
          autoComplete="off"
          value={key}
          aria-label="api key"
          placeholder={source.kind === "Keyring" ? "replace the stored key" : "paste the key"}
          onChange={(e) => setKey(e.target.value)}
        />
        <button data-testid="store-api-key" disabled={key.trim() === ""} onClick={store}>
          Store the key in the OS keyring
        </button>
      </div>
      {error && <div className="error" role="alert">{error}</div>}
    </div>
  );
}
