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
  classifier: { base_currency: "USD", tier_thresholds: [], asset_class_multipliers: [], age_escalation: [], minimum_tier: [], auto_resolve_max_tier: "MEDIUM", never_auto_resolve: ["REGULATORY_DATA"],
    tolerance: { absolute: "5.00", percent: "0.0005", fx_rounding: "0.05", timing_days: 3 }, sla_hours: [{ key: "LOW", value: "72" }, { key: "CRITICAL", value: "2" }] },
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

test("clearing a number field keeps the Classifier form on screen with Rust's error, and typing again keeps the other edits", async () => {
  const withAge = { ...outline, classifier: { ...outline.classifier, age_escalation: [{ days: 10, raise_tiers: 1 }, { days: 30, raise_tiers: 2 }] } };
  const checks: { edits: { path: string; value: { kind: string; value: string } | null }[] }[] = [];
  mockIPC((cmd, args) => {
    if (cmd === "filter_options") return OPTIONS;
    if (cmd === "policy_file") return { draft: { ...draft("original"), outline: withAge }, in_force_version: "h-8", problem: null };
    if (cmd === "policy_check") {
      const a = args as (typeof checks)[number];
      checks.push(a);
      // Rust cannot read a cleared number as a policy: no outline, an error on the field.
      const cleared = a.edits.some((e) => e.value?.value === "");
      return cleared
        ? { ...draft("edited", [{ path: "classifier.age_escalation[0].days", line: 70, column: 13, message: "expected a whole number of days" }]), outline: null }
        : { ...draft("edited"), outline: withAge };
    }
    return null;
  }, { shouldMockEvents: true });
  render(<Policies />);
  fireEvent.click(await screen.findByTestId("tab-classifier"));
  const [days, raise] = (await screen.findAllByRole("spinbutton")) as HTMLInputElement[];
  fireEvent.focus(raise);
  fireEvent.change(raise, { target: { value: "2" } });
  fireEvent.focus(days);
  fireEvent.change(days, { target: { value: "" } });
  await waitFor(() => expect(screen.getByTestId("field-error").textContent).toContain("expected a whole number of days"));
  expect(screen.getByTestId("classifier-form")).toBeTruthy();
  fireEvent.change(days, { target: { value: "12" } });
  await waitFor(() => expect(screen.queryByTestId("field-error")).toBeNull());
  const paths = checks[checks.length - 1].edits.map((e) => `${e.path}=${e.value?.value}`);
  expect(paths).toEqual(["classifier.age_escalation[0].raise_tiers=2", "classifier.age_escalation[0].days=12"]);
  expect(screen.getByTestId("edit-count").textContent).toBe("2 unsaved change(s)");
});

test("a restore asks first, naming the version, and then says what the file became", async () => {
  const restored: string[] = [];
  const saves = [
    { save_id: 1, hash: "aaaaaaaaaaaa1111", author: "ann", note: "start", saved_at: "2026-11-30T09:00:00Z", version_hash: "aaaaaaaaaaaa1111" },
    { save_id: 2, hash: "bbbbbbbbbbbb2222", author: "bob", note: "looser CASH LOW", saved_at: "2026-12-01T09:00:00Z", version_hash: "bbbbbbbbbbbb2222" },
  ];
  mockIPC((cmd, args) => {
    if (cmd === "filter_options") return OPTIONS;
    if (cmd === "policy_file") return { draft: { ...draft("original"), hash: "bbbbbbbbbbbb2222" }, in_force_version: "bbbbbbbbbbbb2222", problem: null };
    if (cmd === "policy_check") return draft("original");
    if (cmd === "policy_history") return saves;
    if (cmd === "policy_version_diff") return [{ sign: "-", text: "old", old_line: 1, new_line: null }];
    if (cmd === "policy_restore") {
      restored.push((args as { hash: string }).hash);
      return { ...saves[0], save_id: 3, hash: "cccccccccccc3333", saved_at: "2026-12-01T10:00:00Z" };
    }
    return null;
  }, { shouldMockEvents: true });
  render(<Policies />);
  fireEvent.click(await screen.findByTestId("tab-history"));
  // Ticked newer first, the diff still runs older to newer, labelled.
  const boxes = (await screen.findAllByLabelText("compare")) as HTMLInputElement[];
  fireEvent.click(boxes[1]);
  fireEvent.click(boxes[0]);
  await waitFor(() => expect(screen.getByTestId("diff-label").textContent).toMatch(/^From aaaaaaaaaaaa \(older.*to bbbbbbbbbbbb \(newer/));
  fireEvent.click(screen.getByTestId("restore"));
  expect(screen.getByTestId("restore-confirm").textContent).toContain("Restore version aaaaaaaaaaaa, saved 2026-11-30 09:00:00 by ann (\"start\")");
  expect(restored).toEqual([]);
  fireEvent.click(screen.getByTestId("restore-no"));
  expect(screen.queryByTestId("restore-confirm")).toBeNull();
  fireEvent.click(screen.getByTestId("restore"));
  fireEvent.click(screen.getByTestId("restore-yes"));
  await waitFor(() => expect(screen.getByTestId("restored").textContent).toContain("the file is now version cccccccccccc"));
  expect(restored).toEqual(["aaaaaaaaaaaa1111"]);
});

test("tolerances, SLA hours and the never-auto-resolve types are in the Classifier form and go to Rust as edits", async () => {
  const checks: { edits: { path: string; value: { kind: string; value: string | string[] } }[] }[] = [];
  mockIPC((cmd, args) => {
    if (cmd === "filter_options") return { ...OPTIONS, break_types: ["CASH_RECONCILIATION", "REGULATORY_DATA"] };
    if (cmd === "policy_file") return { draft: draft("original"), in_force_version: "h-8", problem: null };
    if (cmd === "policy_check") {
      checks.push(args as (typeof checks)[number]);
      return draft("edited");
    }
    return null;
  }, { shouldMockEvents: true });
  render(<Policies />);
  fireEvent.click(await screen.findByTestId("tab-classifier"));
  const absolute = await screen.findByLabelText("tolerance absolute");
  expect((absolute as HTMLInputElement).value).toBe("5.00");
  fireEvent.focus(absolute);
  fireEvent.change(absolute, { target: { value: "7.50" } });
  fireEvent.click(screen.getByLabelText("allow REGULATORY_DATA"));
  fireEvent.change(screen.getByLabelText("add a type that never auto-resolves"), { target: { value: "CASH_RECONCILIATION" } });
  await waitFor(() => expect(checks[checks.length - 1]?.edits.length).toBe(2));
  expect(checks[checks.length - 1].edits).toEqual([
    { op: "set", path: "classifier.tolerance.absolute", value: { kind: "text", value: "7.50" } },
    { op: "set", path: "classifier.never_auto_resolve", value: { kind: "list", value: ["REGULATORY_DATA", "CASH_RECONCILIATION"] } },
  ]);
  expect(screen.getByText("SLA hours per tier")).toBeTruthy();
});

const last = <T,>(xs: T[]): T | undefined => xs[xs.length - 1];

test("the Models tab edits an agent's backend and model, shows Rust's error on the field, and offers the prompt file's hash", async () => {
  const llm = {
    endpoint: "http://127.0.0.1:11434/v1", api_key_env: null, pseudonymise: true,
    budgets: { per_break: "0.01", per_batch: null, per_day: null }, tokens_per_minute: null, max_calls_in_flight: null,
    prices: [{ model: "gpt-4o-mini", prompt: "0.15", completion: "0.60" }],
    agents: [{ agent: "DECISIONING", backend: "builtin", model: "gpt-4o-mini", max_tokens: 400, timeout_ms: 30000, retries: 2, prompt: "prompts/decisioning.v1.md", prompt_sha256: "a".repeat(64), prompt_file_sha256: "b".repeat(64) }],
  };
  const withLlm = { ...outline, llm, shipped_prompts: [] };
  const edits: { path: string; value: { kind: string; value: unknown } }[][] = [];
  mockIPC((cmd, args) => {
    if (cmd === "filter_options") return OPTIONS;
    if (cmd === "policy_file") return { draft: { ...draft("original"), outline: withLlm }, in_force_version: "h-8", problem: null };
    if (cmd === "policy_check") {
      const a = args as { edits: { path: string; value: { kind: string; value: unknown } }[] };
      edits.push(a.edits);
      const unpriced = a.edits.some((e) => e.path === "llm.agents.DECISIONING.model" && e.value.value === "gpt-9");
      const errors = unpriced ? [{ path: "llm.agents.DECISIONING.model", line: 9, column: 14, message: "no price for model `gpt-9` in llm.prices" }] : [];
      return { ...draft("edited", errors), outline: withLlm };
    }
    return null;
  }, { shouldMockEvents: true });
  render(<Policies />);
  fireEvent.click(await screen.findByTestId("tab-models"));
  const backend = await screen.findByLabelText("DECISIONING backend");
  fireEvent.change(backend, { target: { value: "llm" } });
  await waitFor(() => expect(last(edits)).toEqual([{ op: "set", path: "llm.agents.DECISIONING.backend", value: { kind: "text", value: "llm" } }]));
  const model = screen.getByLabelText("DECISIONING model");
  fireEvent.focus(model);
  fireEvent.change(model, { target: { value: "gpt-9" } });
  await waitFor(() => expect(screen.getByTestId("field-error").textContent).toContain("no price for model `gpt-9`"));
  const tpm = screen.getByLabelText("tokens per minute");
  fireEvent.focus(tpm);
  fireEvent.change(tpm, { target: { value: "90000" } });
  await waitFor(() => expect(last(edits)?.some((e) => e.path === "llm.tokens_per_minute" && e.value.value === "90000")).toBe(true));
  fireEvent.change(tpm, { target: { value: "" } });
  await waitFor(() => expect(last(edits)?.some((e) => e.path === "llm.tokens_per_minute" && (e as unknown as { op: string }).op === "remove")).toBe(true));
  fireEvent.click(screen.getByTestId("use-file-hash-DECISIONING"));
  await waitFor(() => expect(last(last(edits) ?? [])).toEqual({ op: "set", path: "llm.agents.DECISIONING.prompt_sha256", value: { kind: "text", value: "b".repeat(64) } }));
});

test("without an llm section the Models tab says no model is asked and can add the settings switched off", async () => {
  const shipped = [{ agent: "DECISIONING", file: "prompts/decisioning.v1.md", sha256: "c".repeat(64) }];
  const edits: { path: string; value: { kind: string; value: unknown } }[][] = [];
  mockIPC((cmd, args) => {
    if (cmd === "filter_options") return OPTIONS;
    if (cmd === "policy_file") return { draft: { ...draft("original"), outline: { ...outline, llm: null, shipped_prompts: shipped } }, in_force_version: "h-8", problem: null };
    if (cmd === "policy_check") {
      edits.push((args as { edits: { path: string; value: { kind: string; value: unknown } }[] }).edits);
      return { ...draft("edited"), outline: { ...outline, llm: null, shipped_prompts: shipped } };
    }
    return null;
  }, { shouldMockEvents: true });
  render(<Policies />);
  fireEvent.click(await screen.findByTestId("tab-models"));
  expect((await screen.findByTestId("models-form")).textContent).toContain("no model is asked");
  fireEvent.click(screen.getByTestId("add-models"));
  await waitFor(() => {
    const paths = (last(edits) ?? []).map((e) => e.path);
    expect(paths).toContain("llm.agents.DECISIONING.backend");
    expect(paths).toContain("llm.agents.DECISIONING.prompt_sha256");
  });
  const final = last(edits) ?? [];
  expect(final.find((e) => e.path === "llm.agents.DECISIONING.backend")?.value).toEqual({ kind: "text", value: "builtin" });
  expect(final.find((e) => e.path === "llm.agents.DECISIONING.prompt_sha256")?.value).toEqual({ kind: "text", value: "c".repeat(64) });
});

test("the Models tab says where the API key comes from and stores one in the OS keyring, never showing it", async () => {
  const llm = {
    endpoint: "https://api.openai.com/v1", api_key_env: "OPENAI_API_KEY", pseudonymise: true,
    budgets: { per_break: "0.01", per_batch: null, per_day: null }, tokens_per_minute: null, max_calls_in_flight: null,
    prices: [{ model: "gpt-4o-mini", prompt: "0.15", completion: "0.60" }], agents: [],
  };
  const withLlm = { ...outline, llm, shipped_prompts: [] };
  const stored: unknown[] = [];
  mockIPC((cmd, args) => {
    if (cmd === "filter_options") return OPTIONS;
    if (cmd === "policy_file") return { draft: { ...draft("original"), outline: withLlm }, in_force_version: "h-8", problem: null };
    if (cmd === "llm_key_source") {
      expect(args).toEqual({ variable: "OPENAI_API_KEY" });
      return { kind: "Missing", detail: "the model endpoint needs an API key: set the environment variable OPENAI_API_KEY (llm.api_key_env), or store it in the OS keyring; the keyring holds none" };
    }
    if (cmd === "policy_check") return { ...draft("original"), outline: withLlm };
    if (cmd === "llm_key_store") {
      stored.push(args);
      return { kind: "Keyring" };
    }
    return null;
  }, { shouldMockEvents: true });
  render(<Policies />);
  fireEvent.click(await screen.findByTestId("tab-models"));
  await waitFor(() => expect(screen.getByTestId("api-key-source").textContent).toContain("the keyring holds none"));
  const field = screen.getByLabelText("api key") as HTMLInputElement;
  expect(field.type).toBe("password");
  expect((screen.getByTestId("store-api-key") as HTMLButtonElement).disabled).toBe(true);
  fireEvent.change(field, { target: { value: "sk-secret-123" } });
  fireEvent.click(screen.getByTestId("store-api-key"));
  await waitFor(() => expect(screen.getByTestId("api-key-source").textContent).toBe("Key: stored in the OS keyring (llm:OPENAI_API_KEY)."));
  expect(stored).toEqual([{ variable: "OPENAI_API_KEY", key: "sk-secret-123" }]);
  expect(field.value).toBe("");
  expect(document.body.textContent).not.toContain("sk-secret");
});

test("on a team database a change is proposed, and another policy admin approves it on the Proposals tab", async () => {
  const calls: { cmd: string; args: unknown }[] = [];
  const proposal = (id: number, mine: boolean, state = "OPEN") => ({
    proposal_id: id, hash: `dddddddddddd000${id}`, note: mine ? "tolerance alone" : "stricter CRITICAL", previous: "h-8", author: mine ? "paula" : "pete",
    proposed_at: "2026-12-02T09:00:00Z", state, decided_by: state === "OPEN" ? null : "paula", decided_at: state === "OPEN" ? null : "2026-12-02T09:05:00Z", reason: null, mine,
    diff: [{ sign: "+", text: "# changed", old_line: null, new_line: 3 }],
  });
  let pete = proposal(2, false);
  mockIPC((cmd, args) => {
    calls.push({ cmd, args });
    if (cmd === "filter_options") return OPTIONS;
    if (cmd === "policy_file") return { draft: { ...draft("original"), path: "team policy" }, in_force_version: "h-8", problem: null, team: "The team's policy in force (version h-8): every desktop and worker on this database runs it." };
    if (cmd === "policy_check") return { ...draft("edited"), diff: [{ sign: "+", text: "edited", old_line: null, new_line: 1 }] };
    if (cmd === "policy_propose") return proposal(1, true);
    if (cmd === "policy_proposals") return [proposal(1, true), pete];
    if (cmd === "policy_decide") {
      pete = proposal(2, false, "APPROVED");
      return pete;
    }
    return null;
  }, { shouldMockEvents: true });
  render(<Policies />);
  expect((await screen.findByTestId("team-policy")).textContent).toContain("every desktop and worker");
  const input = await screen.findByTestId("condition");
  fireEvent.focus(input);
  fireEvent.change(input, { target: { value: "rules.within_tolerance" } });
  await waitFor(() => expect((screen.getByTestId("save") as HTMLButtonElement).disabled).toBe(false));
  expect(screen.getByTestId("save").textContent).toBe("Propose…");
  fireEvent.click(screen.getByTestId("save"));
  expect(screen.getByTestId("save-dialog").textContent).toContain("Propose this change to the team's policy?");
  fireEvent.change(screen.getByTestId("save-note"), { target: { value: "tolerance alone" } });
  fireEvent.click(screen.getByTestId("confirm-save"));
  await waitFor(() => expect(screen.getByTestId("proposed").textContent).toContain("proposal 1"));
  expect(calls.some((c) => c.cmd === "policy_save")).toBe(false);
  const sent = calls.find((c) => c.cmd === "policy_propose")?.args as { base: string; note: string; edits: unknown[] };
  expect([sent.base, sent.note, sent.edits.length]).toEqual(["original", "tolerance alone", 1]);

  // The Proposals tab: one's own waits for another admin; another's can be approved.
  fireEvent.click(screen.getByTestId("tab-proposals"));
  const rows = await screen.findAllByTestId("policy-proposal");
  expect(rows[0].textContent).toContain("you proposed it");
  expect(rows[0].querySelector("[data-testid=policy-approve]")).toBeNull();
  fireEvent.click(rows[1].querySelector("[data-testid=policy-proposal-diff]")!);
  expect(rows[1].textContent).toContain("# changed");
  fireEvent.click(rows[1].querySelector("[data-testid=policy-approve]")!);
  await waitFor(() => expect(screen.getByTestId("policy-proposal-message").textContent).toContain("version dddddddddddd is the team's policy"));
  expect(calls.find((c) => c.cmd === "policy_decide")?.args).toEqual({ proposal: 2, approve: true, reason: "" });
});

test("where one person works alone there is no Proposals tab and Save saves", async () => {
  mockIPC((cmd) => {
    if (cmd === "filter_options") return OPTIONS;
    if (cmd === "policy_file") return { draft: draft("original"), in_force_version: "h-8", problem: null, team: null };
    if (cmd === "policy_check") return draft("original");
    return null;
  }, { shouldMockEvents: true });
  render(<Policies />);
  await screen.findByTestId("condition");
  expect(screen.queryByTestId("tab-proposals")).toBeNull();
  expect(screen.queryByTestId("team-policy")).toBeNull();
  expect(screen.getByTestId("save").textContent).toBe("Save…");
});
