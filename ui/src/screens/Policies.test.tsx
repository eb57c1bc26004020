import { cleanup, render, screen, fireEvent, waitFor } from "@testing-library/react";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import { Policies } from "./Policies";

afterEach(() => {
  cleanup();
  clearMocks();
});

const plan = {
  break_type: "CASH_RECONCILIATION", tier: "LOW", description: "Small cash", max_parallel: null, fallback: "HIL_REVIEW",
  agents: [
    { agent: "INGESTION", depends_on: [], reads: [], timeout_ms: null, retries: null },
    { agent: "RULES", depends_on: ["INGESTION"], reads: [], timeout_ms: null, retries: null },
  ],
  checkpoints: [{ id: "cash_low", after: ["RULES"], when: "rules.explained", decision: "AUTO_RESOLVE", confidence: 0.97, fields: ["rules.within_tolerance", "rules.explained", "ingestion.valid", "profile.tier"] }],
  critical_path: ["INGESTION", "RULES"], critical_path_ms: 500,
};
const OPTIONS = { break_types: [], tiers: ["LOW", "MEDIUM", "HIGH", "CRITICAL"], statuses: [], decisions: ["AUTO_RESOLVE", "HIL_REVIEW", "ESCALATE"] };
const outline = {
  classifier: { base_currency: "USD", tier_thresholds: [], asset_class_multipliers: [], age_escalation: [], minimum_tier: [], auto_resolve_max_tier: "MEDIUM", never_auto_resolve: [] },
  defaults: { max_parallel: 3, timeout_ms: 5000, retries: 1 },
  plans: [plan],
};
const draft = (text: string, errors: object[] = []) => ({ path: "/p.yaml", text, hash: "h-" + text.length, outline, errors, warnings: [], diff: [] });

test("each change goes to Rust as an edit on its path, and Rust's error shows under the field", async () => {
  const checks: { base: string; edits: { op: string; path: string; value: { kind: string; value: string } }[] }[] = [];
  mockIPC((cmd, args) => {
    if (cmd === "filter_options") return OPTIONS;
    if (cmd === "policy_file") return { draft: draft("original"), in_force_version: "h-8", problem: null };
    if (cmd === "policy_check") {
      const a = args as (typeof checks)[number];
      checks.push(a);
      const bad = a.edits.some((e) => e.value?.value?.endsWith("&&"));
      return draft("edited", bad ? [{ path: "policies.CASH_RECONCILIATION.LOW.checkpoints[0].when", line: 7, column: 3, message: "CEL syntax error at column 24" }] : []);
    }
    return null;
  }, { shouldMockEvents: true });
  render(<Policies />);
  const input = await screen.findByTestId("condition");
  expect((input as HTMLInputElement).value).toBe("rules.explained");
  fireEvent.focus(input); // a person types into a focused field
  fireEvent.change(input, { target: { value: "rules.within_tolerance &&" } });
  await waitFor(() => expect(screen.getByTestId("field-error").textContent).toContain("CEL syntax error"));
  const last = checks[checks.length - 1];
  expect(last.base).toBe("original");
  expect(last.edits).toEqual([{ op: "set", path: "policies.CASH_RECONCILIATION.LOW.checkpoints[0].when", value: { kind: "text", value: "rules.within_tolerance &&" } }]);
  expect((screen.getByTestId("save") as HTMLButtonElement).disabled).toBe(true);
  // What the person typed stays in the field while Rust answers.
  expect((input as HTMLInputElement).value).toBe("rules.within_tolerance &&");
});

test("an agent's row says what it reads, and Rust's dependency error shows on that row", async () => {
  const withDecisioning = {
    ...plan,
    agents: [
      ...plan.agents,
      { agent: "PATTERN", depends_on: ["INGESTION"], reads: [], timeout_ms: null, retries: null },
      { agent: "DECISIONING", depends_on: ["RULES"], reads: ["INGESTION", "RULES", "PATTERN"], timeout_ms: null, retries: null },
    ],
  };
  const error = {
    path: "policies.CASH_RECONCILIATION.LOW.agents.DECISIONING.depends_on", line: 12, column: 22,
    message: "DECISIONING reads PATTERN's output and this plan runs PATTERN, so DECISIONING must depend on PATTERN",
  };
  mockIPC((cmd) => {
    if (cmd === "filter_options") return OPTIONS;
    if (cmd === "policy_file") {
      return { draft: { ...draft("original", [error]), outline: { ...outline, plans: [withDecisioning] } }, in_force_version: "h-8", problem: null };
    }
    return null;
  }, { shouldMockEvents: true });
  render(<Policies />);
  const row = await screen.findByTestId("agent-DECISIONING");
  expect(row.querySelector("[data-testid=reads]")?.textContent).toBe("reads INGESTION, RULES, PATTERN");
  expect(row.textContent).toContain("must depend on PATTERN");
  expect(screen.getByTestId("agent-RULES").querySelector("[data-testid=reads]")).toBeNull();
});

test("the condition builder offers the fields Rust lists for the checkpoint and adds a clause through Rust", async () => {
  const whens: string[] = [];
  mockIPC((cmd, args) => {
    if (cmd === "filter_options") return OPTIONS;
    if (cmd === "policy_file") return { draft: draft("original"), in_force_version: "h-8", problem: null };
    if (cmd === "policy_check") {
      const a = args as { edits: { path: string; value: { value: string } }[] };
      whens.push(...a.edits.filter((e) => e.path.endsWith(".when")).map((e) => e.value.value));
      return draft("edited");
    }
    return null;
  }, { shouldMockEvents: true });
  render(<Policies />);
  const field = (await screen.findByLabelText("field")) as HTMLSelectElement;
  expect([...field.options].map((o) => o.value)).toEqual(plan.checkpoints[0].fields);
  fireEvent.change(field, { target: { value: "ingestion.valid" } });
  fireEvent.click(screen.getByText("AND"));
  await waitFor(() => expect(whens[whens.length - 1]).toBe("rules.explained && ingestion.valid"));
});
