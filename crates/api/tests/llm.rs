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
}
