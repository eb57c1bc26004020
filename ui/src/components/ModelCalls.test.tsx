import { describe, expect, it, beforeEach } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import { ModelCalls } from "./ModelCalls";
import type { RunDto } from "../api";

const call = {
  agent: "DECISIONING",
  model: "gpt-4o-mini",
  request_sha256: "a".repeat(64),
  outcome: "ANSWERED",
  verdict: "OVERRULED",
  rules_action: "HIL_REVIEW",
  prompt_tokens: 1234,
  completion_tokens: 56,
  usage_estimated: false,
  cost: "0.00021870",
  latency_ms: 412,
  attempts: 2,
  note: "The model proposed AUTO_RESOLVE; the rules say HIL_REVIEW, and the rules decide.",
  raw_answer: null,
};

const run = { llm_calls: [call], measured_cost: "0.0002187", profile: { base_currency: "USD" } } as unknown as RunDto;

describe("ModelCalls", () => {
  beforeEach(() => clearMocks());

  it("shows each call's outcome, verdict, tokens, cost and time, and the prompt and answer on request", async () => {
    const asked: string[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "llm_exchange") {
        asked.push((args as { requestSha256: string }).requestSha256);
        return { system: "You are the DECISIONING agent", user: "Evidence (JSON):\n{\"break\": {}}", answer: "{\"action\": \"AUTO_RESOLVE\"}", at: "2026-12-02T03:00:00Z" };
      }
    });
    render(<ModelCalls run={run} />);
    const row = screen.getByTestId("llm-call-DECISIONING");
    expect(row.textContent).toContain("ANSWERED");
    expect(row.textContent).toContain("overruled");
    expect(row.textContent).toContain("rules said HIL_REVIEW");
    expect(row.textContent).toContain("1,234 + 56 tokens");
    expect(row.textContent).toContain("0.00021870");
    expect(row.textContent).toContain("412 ms");
    expect(row.textContent).toContain("2 attempts");
    expect(screen.getByTestId("model-calls").textContent).toContain("0.0002187 USD measured");
    fireEvent.click(screen.getByText("Prompt and answer"));
    await waitFor(() => expect(screen.getByTestId("llm-exchange").textContent).toContain("You are the DECISIONING agent"));
    expect(screen.getByTestId("llm-exchange").textContent).toContain("AUTO_RESOLVE");
    expect(asked).toEqual(["a".repeat(64)]);
  });

  it("renders nothing for a run that asked no model", () => {
    const { container } = render(<ModelCalls run={{ ...run, llm_calls: [], measured_cost: null } as unknown as RunDto} />);
    expect(container.textContent).toBe("");
  });
});
