//! One policy for a team: on a team database the policy editor proposes, another policy admin
//! approves, and then every desktop (at once, or when it hears of the approval) and every core
//! opened after runs the team's version; runs record it. Against a real server.

#[path = "../../store/tests/support/pg.rs"]
mod pg;

use reconagent_api::{Core, ErrorCode};
use reconagent_engine::graph::RunMode;
use reconagent_engine::policy::edit::{EditValue, PolicyEdit};
use reconagent_engine::policy::PolicySet;
use reconagent_store::postgres::PgStore;
use std::sync::Arc;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn core_as(pg: &pg::PgCluster, who: &str, dir: &std::path::Path) -> Core {
    let store = Arc::new(PgStore::connect(&pg.url(who)).expect("connects"));
    Core::with_backend(store, &dir.join("routing_policies.yaml"), false).expect("the core opens")
}

#[test]
fn a_team_runs_the_policy_two_policy_admins_agreed_on() -> TestResult {
    let pg = pg::PgCluster::team();
    pg.admin().batch_execute("CREATE ROLE pete LOGIN IN ROLE recon_policy_admin")?;
    let (dp, dq, dw) = (tempfile::tempdir()?, tempfile::tempdir()?, tempfile::tempdir()?);
    let paula = core_as(&pg, "paula", dp.path());
    let pete = core_as(&pg, "pete", dq.path());
    let bundled = PolicySet::bundled().version;

    // No team policy yet: each runs its file, and the editor says a change is a proposal.
    let loaded = paula.policy_file()?;
    assert_eq!(loaded.in_force_version, bundled);
    assert!(loaded.team.as_deref().is_some_and(|t| t.contains("no policy in force yet")), "{:?}", loaded.team);
    let base = loaded.draft.text.clone();
    let when = "policies.CASH_RECONCILIATION.LOW.checkpoints[0].when";
    let edit = |cel: &str| vec![PolicyEdit::Set { path: when.into(), value: EditValue::Text(cel.into()) }];
    let e = paula.policy_save(&base, &edit("rules.within_tolerance"), "direct", false).unwrap_err();
    assert!(e.message.contains("proposed"), "{}", e.message);
    assert_eq!(paula.policy_propose(&base, &edit("rules.within_tolerance &&"), "bad").unwrap_err().code, ErrorCode::Invalid);
    assert_eq!(paula.policy_propose(&base, &edit("rules.within_tolerance"), " ").unwrap_err().code, ErrorCode::Invalid);

    let proposed = paula.policy_propose(&base, &edit("rules.within_tolerance"), "tolerance alone")?;
    assert_eq!((proposed.state.as_str(), proposed.mine, proposed.previous.as_deref()), ("OPEN", true, Some(bundled.as_str())));
    assert!(proposed.diff.iter().any(|l| l.text.contains("rules.within_tolerance")), "the diff shows the change");
    assert_eq!(paula.info()?.policy_version, bundled, "the engine does not switch on a proposal");

    // The author may not approve; another policy admin does, and their engine switches at once.
    assert!(paula.policy_decide(i64::from(proposed.proposal_id), true, "").is_err());
    let seen = pete.policy_proposals()?;
    assert_eq!((seen.len(), seen[0].mine, seen[0].hash.as_str()), (1, false, proposed.hash.as_str()));
    let approved = pete.policy_decide(i64::from(proposed.proposal_id), true, "checked the simulation")?;
    assert_eq!((approved.state.as_str(), approved.decided_by.as_deref()), ("APPROVED", Some("pete")));
    let info = pete.info()?;
    assert_eq!(info.policy_version, proposed.hash);
    assert_eq!(info.policy_source, "team policy");

    // The author's desktop switches when it hears of it (the shell calls this on POLICY_SAVED).
    assert!(paula.reload_team_policy()?);
    assert!(!paula.reload_team_policy()?, "once");
    let now = paula.policy_file()?;
    assert_eq!((now.in_force_version.as_str(), now.draft.hash.as_str()), (proposed.hash.as_str(), proposed.hash.as_str()));
    assert!(now.team.as_deref().is_some_and(|t| t.contains("The team's policy in force")), "{:?}", now.team);

    // A change made from the old version is refused as stale.
    let e = pete.policy_propose(&base, &edit("rules.explained"), "from the old one").unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict, "{}", e.message);
    // A restore is a proposal too; a rejection keeps its reason.
    let restore = pete.policy_propose_version(&bundled, "")?;
    assert!(restore.note.starts_with("restore version"), "{}", restore.note);
    let rejected = paula.policy_decide(i64::from(restore.proposal_id), false, "not now")?;
    assert_eq!(rejected.reason.as_deref(), Some("not now"));

    // A reviewer may not propose: the database's refusal, said as what the role may not do.
    let da = tempfile::tempdir()?;
    let alice = core_as(&pg, "alice", da.path());
    let e = alice.policy_propose(&now.draft.text, &edit("rules.explained"), "mine").unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    assert!(e.message.starts_with("only a policy admin proposes policy changes (the database said: team database: permission denied"), "{}", e.message);

    // A worker opened later runs the team's policy whatever its own file says, and its runs
    // record that version.
    std::fs::write(dw.path().join("routing_policies.yaml"), format!("{}\n# the worker's own\n", reconagent_engine::policy::BUNDLED_POLICIES))?;
    let worker = core_as(&pg, "worker", dw.path());
    assert_eq!(worker.info()?.policy_version, proposed.hash);
    let breaks = reconagent_engine::sample::bundled_breaks_as_of(chrono::Utc::now());
    worker.store().import_breaks(&breaks[..20], "feed")?;
    worker.process(&[], RunMode::V2, |_| {})?;
    let runs = worker.store().runs_of(&breaks[0].break_id)?;
    assert_eq!(runs[0].1.policy_version, proposed.hash);
    assert!(worker.verify()?.ok);

    // A team's policy this desktop cannot run (here: a version written around the functions
    // whose text this build does not read): nothing is processed, and the screen says why. Its
    // own file is not a fallback: that would bypass the team's approval.
    let bad = "not: [a policy";
    pg.admin().execute(
        "WITH v AS (INSERT INTO recon.policy_versions (hash, text, source, author, note, saved_at, auto_resolve)
                    VALUES (encode(sha256(convert_to($1, 'UTF8')), 'hex'), $1, 'x', 'x', 'x', '2026-12-02T00:00:00Z', '{\"max_tier\":\"LOW\"}') RETURNING hash)
         INSERT INTO recon.policy_saves (hash, path, author, note, saved_at) SELECT hash, 'x', 'x', 'x', '2026-12-02T00:00:00Z' FROM v",
        &[&bad],
    )?;
    assert!(!worker.reload_team_policy()?);
    let e = worker.process(&[], RunMode::V2, |_| {}).unwrap_err();
    assert!(e.message.starts_with("nothing is processed here while this desktop cannot run the team's policy: the team's policy version"), "{}", e.message);
    let shown = worker.policy_file()?.problem.unwrap_or_default();
    assert!(shown.contains("Nothing is processed on this desktop until it can run the team's policy"), "{shown}");
    // A desktop opened now is blocked from the start, and records no version of its own as in use.
    let before = worker.policy_history()?.len();
    let dl = tempfile::tempdir()?;
    std::fs::write(dl.path().join("routing_policies.yaml"), format!("{}\n# late desktop\n", reconagent_engine::policy::BUNDLED_POLICIES))?;
    let late = core_as(&pg, "worker", dl.path());
    assert!(late.process(&[], RunMode::V2, |_| {}).is_err());
    assert_eq!(late.policy_history()?.len(), before, "no version recorded by a blocked desktop");
    Ok(())
}
