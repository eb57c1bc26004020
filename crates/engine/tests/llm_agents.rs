//! Model-backed agents through the real HTTP client against a local OpenAI-compatible server
//! (`reconagent-llm-fake`, 127.0.0.1 only): answers, retries, failures, budgets, the cache,
//! replay, pseudonyms and the policy's checks. No other network traffic.

use reconagent_engine::agents::AgentSet;
use reconagent_engine::graph::{ExecutionGraph, NodeStatus, RunMode, SkipReason};
use reconagent_engine::llm::agent::LlmRuntime;
use reconagent_engine::llm::client::{ChatError, ChatTransport, RawResponse};
use reconagent_engine::llm::exchanges::{ExchangeStore, MemoryExchanges};
use reconagent_engine::llm::{LlmOutcome, Verdict};
use reconagent_engine::orchestrate::Orchestrator;
use reconagent_engine::policy::{PolicySet, BUNDLED_POLICIES};
use reconagent_engine::refdata::ReferenceData;
use reconagent_engine::sample::{bundled_breaks, sample_as_of};
use reconagent_engine::{AgentKind, Break, DecidedBy, DecisionAction};
use reconagent_llm_fake::policy::{self, llm_section, sha256 as sha, PROMPTS};
use reconagent_llm_fake::{Behaviour, FakeServer};
use rust_decimal::Decimal;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

fn write_policy(dir: &Path, section: &str) -> std::path::PathBuf {
    policy::write(dir, BUNDLED_POLICIES, section)
}

struct Setup {
    orch: Orchestrator,
    rt: Arc<LlmRuntime>,
    exchanges: Arc<MemoryExchanges>,
    _dir: tempfile::TempDir,
}

fn setup(server: &FakeServer, model: &str, extra: &str, timeout_ms: u64, retries: u32) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let path = write_policy(dir.path(), &llm_section(&server.base_url(), model, extra, timeout_ms, retries));
    let set = PolicySet::load_file(&path).unwrap_or_else(|e| panic!("{e}"));
    let exchanges = Arc::new(MemoryExchanges::default());
    let rt = Arc::new(LlmRuntime::http(set.llm.clone().unwrap(), exchanges.clone()).unwrap());
    let agents = AgentSet::builtin().with_llm(rt.clone()).unwrap();
    let orch = Orchestrator::new(Arc::new(set), Arc::new(ReferenceData::bundled())).with_agents(agents);
    Setup { orch, rt, exchanges, _dir: dir }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

/// Up to `n` sample breaks whose v2 plan runs PATTERN and DECISIONING (no early exit before
/// them) with the built-ins, taking each decision in turn so all three are among them.
fn deciding_breaks(n: usize) -> Vec<Break> {
    let orch = Orchestrator::bundled();
    let r = rt();
    let mut by_action: [Vec<Break>; 3] = Default::default();
    for b in bundled_breaks() {
        let g = r.block_on(orch.process_break(&b, RunMode::V2, sample_as_of()));
        if g.node(AgentKind::Decisioning).status == NodeStatus::Completed && g.node(AgentKind::Pattern).status == NodeStatus::Completed {
            by_action[g.decision.action as usize].push(b);
        }
    }
    let mut out = Vec::new();
    for i in 0.. {
        if out.len() >= n || by_action.iter().all(|v| v.len() <= i) {
            break;
        }
        for v in &by_action {
            if let Some(b) = v.get(i).filter(|_| out.len() < n) {
                out.push(b.clone());
            }
        }
    }
    out
}

fn run(s: &Setup, b: &Break) -> ExecutionGraph {
    rt().block_on(s.orch.process_break(b, RunMode::V2, sample_as_of()))
}

#[test]
fn a_model_that_agrees_is_recorded_with_measured_tokens_and_cost_and_the_decision_is_the_rules() {
    let server = FakeServer::start(5).unwrap();
    let s = setup(&server, "gpt-test", "", 10_000, 2);
    let builtin = Orchestrator::bundled();
    let breaks = deciding_breaks(12);
    assert!(breaks.len() >= 8, "sample breaks that reach DECISIONING: {}", breaks.len());
    let mut autos = 0;
    for b in &breaks {
        let g = run(&s, b);
        let plain = rt().block_on(builtin.process_break(b, RunMode::V2, sample_as_of()));
        assert_eq!(g.decision.action, plain.decision.action, "{}", b.break_id);
        autos += usize::from(g.decision.action == DecisionAction::AutoResolve);
        assert_eq!(g.llm_calls.len(), 2, "{}: {:?}", b.break_id, g.llm_calls);
        for c in &g.llm_calls {
            assert_eq!(c.outcome, LlmOutcome::Answered, "{c:?}");
            assert_eq!(c.verdict, Some(Verdict::Agreed), "{c:?}");
            assert!(c.prompt_tokens > 100 && c.completion_tokens > 5, "{c:?}");
            // 0.15 and 0.60 per million tokens
            let expected =
                (Decimal::new(15, 2) * Decimal::from(c.prompt_tokens) + Decimal::new(60, 2) * Decimal::from(c.completion_tokens)) / Decimal::from(1_000_000);
            assert_eq!(c.cost, expected.round_dp(8));
            assert_eq!(c.attempts, 1);
        }
        let u = g.llm_usage();
        assert_eq!(u.paid_calls, 2);
        assert!(u.cost > Decimal::ZERO);
        // the model's words reach the reviewer, with real names restored
        assert!(g.decision.rationale.iter().any(|l| l.starts_with("Model: ")), "{:?}", g.decision.rationale);
    }
    assert!(autos > 0, "some of these breaks auto-resolve with the model agreeing");
    // what was sent: temperature 0, the schema, pseudonyms instead of names
    let bodies = server.bodies();
    assert!(!bodies.is_empty());
    for body in &bodies {
        assert_eq!(body["temperature"], 0);
        assert_eq!(body["response_format"]["type"], "json_schema");
        let text = body.to_string();
        for b in &breaks {
            if let Some(cp) = b.counterparty.as_deref() {
                assert!(!text.contains(cp), "counterparty {cp} was sent");
            }
        }
    }
    assert!(bodies.iter().any(|b| b.to_string().contains("CP-")), "pseudonyms are sent");
    assert_eq!(s.exchanges.len(), server.requests(), "every answered request is kept");
}

#[test]
fn the_same_question_is_answered_from_the_cache_and_replays_offline() {
    let server = FakeServer::start(0).unwrap();
    let s = setup(&server, "gpt-test", "", 10_000, 0);
    let b = &deciding_breaks(1)[0];
    let first = run(&s, b);
    let asked = server.requests();
    assert_eq!(asked, 2);
    let second = run(&s, b);
    assert_eq!(server.requests(), asked, "nothing asked twice");
    assert!(second.llm_calls.iter().all(|c| c.outcome == LlmOutcome::Cached && c.cost.is_zero()), "{:?}", second.llm_calls);
    assert_eq!(second.decision.action, first.decision.action);
    assert_eq!(second.decision.rationale, first.decision.rationale);

    // replay: no network at all (a transport that refuses), answers from the stored exchanges
    struct NoNetwork;
    impl ChatTransport for NoNetwork {
        fn send(&self, _: &[u8], _: Duration) -> Result<RawResponse, ChatError> {
            panic!("replay must not send anything")
        }
    }
    let mut replay = LlmRuntime::new(s.rt.config.clone(), Arc::new(NoNetwork), s.exchanges.clone());
    replay.replay = true;
    let agents = AgentSet::builtin().with_llm(Arc::new(replay)).unwrap();
    let orch = s.orch.clone().with_agents(agents);
    let g = rt().block_on(orch.process_break(b, RunMode::V2, sample_as_of()));
    assert!(g.llm_calls.iter().all(|c| c.outcome == LlmOutcome::Replayed), "{:?}", g.llm_calls);
    assert_eq!(g.decision.action, first.decision.action);
    assert_eq!(g.decision.rationale, first.decision.rationale);
    let statuses = |g: &ExecutionGraph| g.nodes.iter().map(|n| n.status).collect::<Vec<_>>();
    assert_eq!(statuses(&g), statuses(&first));
    // a request never stored cannot be replayed: the agent fails and the break goes to review
    let other = deciding_breaks(2).pop().unwrap();
    let g = rt().block_on(orch.process_break(&other, RunMode::V2, sample_as_of()));
    assert_eq!(g.decision.decided_by, DecidedBy::FailSafe);
    assert!(g.llm_calls[0].note.as_deref().unwrap_or("").contains("no stored exchange"));
}

#[test]
fn throttling_is_retried_after_the_servers_retry_after() {
    let server = FakeServer::start(0).unwrap();
    server.set("gpt-test", Behaviour::Throttle { times: 1, retry_after_s: 1 });
    let s = setup(&server, "gpt-test", "", 10_000, 2);
    let g = run(&s, &deciding_breaks(1)[0]);
    let first = &g.llm_calls[0];
    assert_eq!(first.outcome, LlmOutcome::Answered);
    assert_eq!(first.attempts, 2);
    assert!(first.latency_ms >= 1000, "waited Retry-After: {} ms", first.latency_ms);
    assert_eq!(g.llm_calls[1].attempts, 1);
}

/// Each failure mode fails the agent; the break goes to review by the fail-safe, with the
/// reason recorded, and the call's record says what happened.
#[test]
fn every_failure_mode_ends_in_review_with_the_reason() {
    let server = FakeServer::start(0).unwrap();
    let cases = [
        ("m-500", Behaviour::ServerError { times: 100 }, "HTTP 500"),
        ("m-hang", Behaviour::Hang, "no answer within"),
        ("m-slow", Behaviour::SlowBody { byte_every_ms: 50 }, "no answer within"),
        ("m-text", Behaviour::InvalidJson, "not JSON"),
        ("m-shape", Behaviour::WrongShape, "unexpected field"),
        ("m-429", Behaviour::Throttle { times: 100, retry_after_s: 0 }, "HTTP 429"),
        ("m-wait", Behaviour::Throttle { times: 100, retry_after_s: 3600 }, "longer than"),
    ];
    let b = &deciding_breaks(1)[0];
    for (model, behaviour, why) in cases {
        server.set(model, behaviour);
        let s = setup(&server, model, "", 400, 1);
        let g = run(&s, b);
        assert_ne!(g.decision.action, DecisionAction::AutoResolve, "{model}");
        assert!(g.decision.decided_by == DecidedBy::FailSafe || g.decision.action == DecisionAction::Escalate, "{model}: {:?}", g.decision);
        let failed =
            g.nodes.iter().find(|n| matches!(n.status, NodeStatus::Failed | NodeStatus::TimedOut)).unwrap_or_else(|| panic!("{model}: no failed agent"));
        assert!(
            failed.error.as_deref().unwrap_or("").contains(why) || g.llm_calls.iter().any(|c| c.note.as_deref().unwrap_or("").contains(why)),
            "{model}: {:?} {:?}",
            failed.error,
            g.llm_calls
        );
        let reason = g.decision.holds.iter().map(|h| h.to_string()).collect::<Vec<_>>().join("; ");
        assert!(reason.contains("failed") || reason.contains("timed out"), "{model}: the reason is recorded: {reason}");
        if matches!(model, "m-text" | "m-shape") {
            let c = &g.llm_calls[0];
            assert_eq!(c.outcome, LlmOutcome::Failed);
            assert!(c.raw_answer.is_some(), "the raw text is kept");
            assert!(c.cost > Decimal::ZERO, "an invalid answer was still paid for");
        }
    }
}

#[test]
fn an_answer_without_usage_is_estimated_and_says_so() {
    let server = FakeServer::start(0).unwrap();
    server.set("m-nousage", Behaviour::MissingUsage);
    let s = setup(&server, "m-nousage", "", 10_000, 0);
    let g = run(&s, &deciding_breaks(1)[0]);
    assert!(g.llm_calls.iter().all(|c| c.outcome == LlmOutcome::Answered && c.usage_estimated && c.prompt_tokens > 0));
}

#[test]
fn a_confidently_wrong_model_cannot_auto_resolve_and_a_cautious_one_is_followed() {
    let server = FakeServer::start(0).unwrap();
    server.set("m-auto", Behaviour::AlwaysAutoResolve);
    server.set("m-esc", Behaviour::AlwaysEscalate);
    let breaks = deciding_breaks(40);
    let builtin = Orchestrator::bundled();
    let auto = setup(&server, "m-auto", "", 10_000, 0);
    let esc = setup(&server, "m-esc", "", 10_000, 0);
    let (mut overruled, mut followed) = (0, 0);
    for b in &breaks {
        let plain = rt().block_on(builtin.process_break(b, RunMode::V2, sample_as_of()));
        let g = run(&auto, b);
        if plain.decision.action != DecisionAction::AutoResolve {
            assert_ne!(g.decision.action, DecisionAction::AutoResolve, "{}: the model alone auto-resolved", b.break_id);
            let c = g.llm_calls.iter().find(|c| c.agent == AgentKind::Decisioning).unwrap();
            assert_eq!(c.verdict, Some(Verdict::Overruled));
            overruled += 1;
        }
        let g = run(&esc, b);
        if g.decision.decided_by == (DecidedBy::Agent { agent: AgentKind::Decisioning }) {
            assert_eq!(g.decision.action, DecisionAction::Escalate, "{}", b.break_id);
            followed += 1;
        }
    }
    assert!(overruled > 0 && followed > 0, "overruled {overruled}, followed {followed}");
}

#[test]
fn a_call_that_could_exceed_a_budget_is_not_made() {
    let server = FakeServer::start(0).unwrap();
    // one call's worst case is about 0.0003; a break may spend 0.0001
    let s = setup(&server, "gpt-test", "  budgets: {per_break: \"0.0001\"}\n", 10_000, 0);
    let g = run(&s, &deciding_breaks(1)[0]);
    assert_eq!(server.requests(), 0, "no request was sent");
    let pattern = g.node(AgentKind::Pattern);
    assert_eq!(pattern.status, NodeStatus::Skipped);
    assert!(matches!(&pattern.skip_reason, Some(SkipReason::Budget { detail }) if detail.contains("per-break")), "{:?}", pattern.skip_reason);
    // the first break auto-resolves with the built-ins; without its model call it goes to review
    assert_eq!(g.decision.action, DecisionAction::HilReview);
    assert_eq!(g.decision.decided_by, DecidedBy::FailSafe);
    assert!(g.decision.rationale[0].contains("budget"), "{:?}", g.decision.rationale);
    assert_eq!(g.llm_calls[0].outcome, LlmOutcome::Refused);

    // a batch budget: calls stop once the batch has spent it, and the sum never exceeds it
    let s = setup(&server, "gpt-test", "  budgets: {per_batch: \"0.002\"}\n", 10_000, 0);
    let breaks = deciding_breaks(30);
    let mut spent = Decimal::ZERO;
    let mut refused = 0;
    for b in &breaks {
        let g = run(&s, b);
        spent += g.llm_usage().cost;
        refused += g.llm_usage().refused_calls;
    }
    assert!(spent <= Decimal::new(2, 3), "spent {spent}");
    assert!(refused > 0, "the budget ran out within {} breaks", breaks.len());
    assert_eq!(s.rt.budget.batch_spent(), spent);
}

#[test]
fn the_policy_checks_prompts_agents_and_prices() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_policy(dir.path(), &llm_section("http://127.0.0.1:9/v1", "gpt-test", "", 1000, 0));
    assert!(PolicySet::load_file(&path).is_ok());
    // a prompt edited without recording its hash
    std::fs::write(dir.path().join("prompts/decisioning.v1.md"), "Always AUTO_RESOLVE.").unwrap();
    let e = PolicySet::load_file(&path).unwrap_err().to_string();
    assert!(e.contains("llm.agents.DECISIONING.prompt_sha256") && e.contains("not the") && e.contains("routing_policies.yaml:"), "{e}");
    // an agent that checks facts cannot be a model; a model without a price cannot be budgeted
    let bad = llm_section("http://127.0.0.1:9/v1", "gpt-test", "", 1000, 0)
        .replace("    PATTERN:", "    RULES:")
        .replace("prices:\n    gpt-test", "prices:\n    other");
    let e = PolicySet::load(&format!("{BUNDLED_POLICIES}{bad}"), "p.yaml").unwrap_err().to_string();
    assert!(e.contains("RULES cannot be model-backed"), "{e}");
    assert!(e.contains("no price for model `gpt-test`"), "{e}");
    let bad = llm_section("ftp://x", "gpt-test", "  api_key_env: sk-123\n", 1000, 0);
    let e = PolicySet::load(&format!("{BUNDLED_POLICIES}{bad}"), "p.yaml").unwrap_err().to_string();
    assert!(e.contains("not an http") && e.contains("not an environment variable name"), "{e}");
    // the prompt's hash is part of the policy's version
    let a = PolicySet::load(&format!("{BUNDLED_POLICIES}{}", llm_section("http://127.0.0.1:9/v1", "gpt-test", "", 1000, 0)), "p").unwrap();
    let other = llm_section("http://127.0.0.1:9/v1", "gpt-test", "", 1000, 0).replacen(&sha(PROMPTS[0].1), &"a".repeat(64), 1);
    let b = PolicySet::load(&format!("{BUNDLED_POLICIES}{other}"), "p").unwrap();
    assert_ne!(a.version, b.version);
}

#[test]
fn a_missing_api_key_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_policy(dir.path(), &llm_section("http://127.0.0.1:9/v1", "gpt-test", "  api_key_env: RECONAGENT_TEST_KEY_THAT_IS_NOT_SET\n", 1000, 0));
    let set = PolicySet::load_file(&path).unwrap();
    let e = LlmRuntime::http(set.llm.clone().unwrap(), Arc::new(MemoryExchanges::default())).err().unwrap();
    assert!(e.contains("RECONAGENT_TEST_KEY_THAT_IS_NOT_SET"), "{e}");
    let _ = MemoryExchanges::default().get("x");
}

#[test]
fn calls_in_flight_stay_under_the_policys_limit_across_a_batch() {
    let server = FakeServer::start(40).unwrap();
    let s = setup(&server, "gpt-test", "  max_calls_in_flight: 3\n", 10_000, 0);
    let breaks = deciding_breaks(40);
    let mut opts = reconagent_engine::orchestrate::BatchOptions::new(RunMode::V2, sample_as_of());
    opts.concurrency = 40;
    let n = breaks.len();
    let mut graphs = Vec::new();
    rt().block_on(s.orch.process_batch(breaks, n, &opts, |g| graphs.push(g), |_| {}));
    assert_eq!(graphs.len(), n);
    assert!(server.requests() >= 40, "{} requests", server.requests());
    assert_eq!(server.max_in_flight(), 3, "the limit is used and never exceeded");
    // a limit outside 1..1024 is refused with its line
    let bad = llm_section("http://127.0.0.1:9/v1", "gpt-test", "  max_calls_in_flight: 0\n", 1000, 0);
    let e = PolicySet::load(&format!("{BUNDLED_POLICIES}{bad}"), "p.yaml").unwrap_err().to_string();
    assert!(e.contains("llm.max_calls_in_flight") && e.contains("from 1 to 1024"), "{e}");
}
