import { useState } from "react";
import { api } from "../api";
import type { LlmCallDto, LlmExchangeDto, RunDto } from "../api";
import { ErrorBox } from "./ErrorBox";
import { groupDigits } from "./format";

/** One call: its record, and on request the prompt and answer kept beside the database. */
function Call({ call }: { call: LlmCallDto }) {
  const [open, setOpen] = useState(false);
  const [exchange, setExchange] = useState<LlmExchangeDto | null>(null);
  const [error, setError] = useState<unknown>(null);
  const toggle = () => {
    const next = !open;
    setOpen(next);
    if (next && !exchange) {
      setError(null);
      api.llmExchange(call.request_sha256).then(setExchange, setError);
    }
  };
  return (
    <li data-testid={`llm-call-${call.agent}`}>
      <strong>{call.agent}</strong> asked {call.model}: <span className={`tag ${call.outcome}`}>{call.outcome}</span>
      {call.verdict && <> · {call.verdict.replace("_", " ").toLowerCase()}</>}
      {call.rules_action && <> · rules said {call.rules_action}</>}
      {" · "}
      {groupDigits(String(call.prompt_tokens))} + {groupDigits(String(call.completion_tokens))} tokens{call.usage_estimated ? " (estimated)" : ""} · {call.cost} · {groupDigits(String(call.latency_ms))} ms
      {call.attempts > 1 && <> · {call.attempts} attempts</>}
      {call.note && <div className="muted">{call.note}</div>}
      {call.raw_answer && (
        <details>
          <summary>What the model answered (not a valid answer)</summary>
          <pre className="literal">{call.raw_answer}</pre>
        </details>
      )}
      {" "}
      <button className="link" onClick={toggle} aria-expanded={open}>
        {open ? "Hide prompt and answer" : "Prompt and answer"}
      </button>
      {open && error != null && <ErrorBox error={error} />}
      {open && exchange && (
        <div className="exchange" data-testid="llm-exchange">
          <h3>Prompt</h3>
          <pre className="literal">{exchange.system}</pre>
          <h3>Evidence sent</h3>
          <pre className="literal">{exchange.user}</pre>
          <h3>Answer</h3>
          <pre className="literal">{exchange.answer}</pre>
        </div>
      )}
    </li>
  );
}

/** A run's model calls, with what they cost (measured from each response's usage). */
export function ModelCalls({ run }: { run: RunDto }) {
  if (run.llm_calls.length === 0) return null;
  return (
    <section data-testid="model-calls">
      <h2 style={{ marginTop: 10 }}>
        Model calls · {run.measured_cost} {run.profile.base_currency} measured
      </h2>
      <ul>
        {run.llm_calls.map((c, i) => (
          <Call key={i} call={c} />
        ))}
      </ul>
    </section>
  );
}
