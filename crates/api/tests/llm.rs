//! The app's core with a policy file whose PATTERN and DECISIONING ask a model (a local
//! OpenAI-compatible server on 127.0.0.1): runs record their model calls, the break shows them,
//! a policy the models cannot run under says why, and simulations ask no model.

use reconagent_api::Core;
use reconagent_engine::graph::RunMode;
use reconagent_engine::policy::BUNDLED_POLICIES;
use reconagent_llm_fake::policy::{llm_section, write};
use reconagent_llm_fake::FakeServer;

#[test]
fn the_app_runs_model_backed_agents_and_shows_each_call() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start(0).unwrap();
    let policy = write(dir.path(), BUNDLED_POLICIES, &llm_section(&server.base_url(), "gpt-test", "", 10_000, 0));
    let core = Core::open_with_policies(&dir.path().join("app.db"), &policy, true).unwrap();
    assert_eq!(core.policy_file().unwrap().problem, None);
    let summary = core.process(&[], RunMode::V2, |_| {}).unwrap();
    assert_eq!(summary.processed, 400);
    assert!(server.requests() > 100, "{} requests", server.requests());
    assert!(dir.path().join("app.db.llm").is_dir(), "exchanges kept beside the database");

    // the dashboard: measured cost beside the modelled one, over the runs that asked a model
    let e = core.efficiency(&reconagent_api::dto::StatsQuery { from: None, to: None, break_type: None }).unwrap();
    let h = &e.headline;
    assert!(h.v2_llm_runs > 50 && h.v2_llm_runs < 400, "{} of 400 runs asked a model", h.v2_llm_runs);
    let measured: rust_decimal::Decimal = h.v2_measured_cost.as_deref().unwrap().parse().unwrap();
    assert!(measured > rust_decimal::Decimal::ZERO && h.base_currency == "USD", "{measured} {}", h.base_currency);
    // the break: each call, and its prompt and answer from the exchanges folder
    let asked = core.queue(&reconagent_api::dto::QueueFilter { limit: 400, ..Default::default() }).unwrap();
    let detail = asked
        .rows
        .iter()
        .map(|r| core.break_detail(&r.break_id).unwrap())
        .find(|d| d.runs.iter().any(|r| r.llm_calls.len() == 2))
        .expect("a break whose run asked twice");
    let run = detail.runs.iter().find(|r| r.llm_calls.len() == 2).unwrap();
    assert!(run.measured_cost.is_some());
    let ex = core.llm_exchange(&run.llm_calls[1].request_sha256).unwrap();
    assert!(ex.system.contains("DECISIONING") && ex.user.starts_with("Evidence (JSON):") && ex.answer.contains("action"), "{ex:?}");
    assert!(core.llm_exchange("not-a-hash").is_err());

    // a simulation runs the rules alone
    let before = server.requests();
    let file = core.policy_file().unwrap();
    core.policy_simulate(&std::fs::read_to_string(&policy).unwrap(), &[], 100, None, |_| {}).unwrap();
    assert_eq!(server.requests(), before, "a simulation asks no model");
    drop(file);
}

#[test]
fn a_policy_whose_models_cannot_run_says_why_and_the_rules_decide() {
    let dir = tempfile::tempdir().unwrap();
    let section = llm_section("http://127.0.0.1:9/v1", "gpt-test", "  api_key_env: RECONAGENT_TEST_UNSET_KEY\n", 1000, 0);
    let policy = write(dir.path(), BUNDLED_POLICIES, &section);
    let core = Core::open_with_policies(&dir.path().join("app.db"), &policy, true).unwrap();
    let problem = core.policy_file().unwrap().problem.unwrap_or_default();
    assert!(problem.contains("RECONAGENT_TEST_UNSET_KEY") && problem.contains("built-in agents decide alone"), "{problem}");
    assert_eq!(core.process(&[], RunMode::V2, |_| {}).unwrap().processed, 400);
    // The screen asks where the key would come from: neither place, and why.
    use reconagent_api::policies::KeySource;
    match core.llm_key_source(Some("RECONAGENT_TEST_UNSET_KEY")) {
        KeySource::Missing(why) => assert!(why.contains("reconagent secret set llm:RECONAGENT_TEST_UNSET_KEY"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(core.llm_key_source(None), KeySource::NotNeeded);
    assert_eq!(core.llm_key_source(Some("PATH")), KeySource::Environment);
    // Storing refuses what is not a variable's name or not a key, before the keyring is asked.
    let e = core.llm_key_store("not a name", "sk-1").unwrap_err();
    assert!(e.message.contains("names no secret"), "{}", e.message);
    let e = core.llm_key_store("RECONAGENT_TEST_UNSET_KEY", "  ").unwrap_err();
    assert_eq!(e.message, "type the key to store");
}

/// What the Models tab does: adds the settings switched off (the shipped prompts are beside the
/// app's policy file), points them at a server and switches DECISIONING on; each step checked
/// by Rust; a wrong hash is refused with its line; after the save, processing asks the model.
#[test]
fn the_models_form_switches_an_agent_on_through_validated_edits() {
    use reconagent_engine::policy::edit::{EditValue, PolicyEdit};
    let set = |path: &str, v: &str| PolicyEdit::Set { path: path.into(), value: EditValue::Text(v.into()) };
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start(0).unwrap();
    let core = Core::open(&dir.path().join("app.db"), true).unwrap();
    assert!(dir.path().join("prompts/decisioning.v1.md").is_file(), "the shipped prompts are written beside the policy file");
    let file = core.policy_file().unwrap();
    let outline = file.draft.outline.clone().unwrap();
    assert!(outline.llm.is_none());
    let shipped = outline.shipped_prompts.iter().find(|p| p.agent == "DECISIONING").unwrap().clone();
    let base = file.draft.text.clone();
    let mut edits = vec![
        set("llm.endpoint", &server.base_url()),
        set("llm.prices.gpt-test.prompt", "0.15"),
        set("llm.prices.gpt-test.completion", "0.60"),
        set("llm.agents.DECISIONING.backend", "builtin"),
        set("llm.agents.DECISIONING.model", "gpt-test"),
        set("llm.agents.DECISIONING.prompt", &shipped.file),
        set("llm.agents.DECISIONING.prompt_sha256", &"0".repeat(64)),
    ];
    let draft = core.policy_check(&base, &edits).unwrap();
    let e = draft.errors.iter().find(|e| e.path == "llm.agents.DECISIONING.prompt_sha256").expect("a wrong hash is refused");
    assert!(e.message.contains(&shipped.sha256) && e.line > 0, "{e:?}");
    let agent = &draft.outline.as_ref().unwrap().llm.as_ref().unwrap().agents[0];
    assert_eq!(agent.prompt_file_sha256.as_deref(), Some(shipped.sha256.as_str()), "the form can offer the file's hash");
    edits.push(set("llm.agents.DECISIONING.prompt_sha256", &shipped.sha256));
    edits.push(set("llm.agents.DECISIONING.backend", "llm"));
    let draft = core.policy_check(&base, &edits).unwrap();
    assert!(draft.errors.is_empty(), "{:?}", draft.errors);
    core.policy_save(&base, &edits, "DECISIONING asks gpt-test", false).unwrap();
    assert_eq!(core.policy_file().unwrap().problem, None);
    core.process(&[], RunMode::V2, |_| {}).unwrap();
    assert!(server.requests() > 50, "after the save the model is asked: {}", server.requests());
}
