//! Four eyes on policies in a team database: a policy admin's change is a proposal, another
//! policy admin approves it (then it is the team's policy in force) or rejects it with a
//! reason, and the database refuses the author deciding their own, a direct save, a stale
//! approval and anyone else proposing. Every step is in the chain, and an edit of a stored
//! proposal is named by verification.

mod support;

use reconagent_engine::policy::{PolicySet, BUNDLED_POLICIES};
use reconagent_store::postgres::PgStore;
use reconagent_store::prelude::*;
use reconagent_store::{AuditQuery, EventKind, StoreError};
use support::pg::PgCluster;

type R = Result<(), Box<dyn std::error::Error>>;

#[track_caller]
fn refused_with<T: std::fmt::Debug>(r: Result<T, StoreError>, code: &str, words: &str) {
    match r {
        Err(StoreError::Team { code: c, message }) => {
            assert_eq!(c.as_deref(), Some(code), "{message}");
            assert!(message.contains(words), "{message:?} should say {words:?}");
        }
        // the schema's RA422 is the store's Invalid, as for the embedded store
        Err(StoreError::Invalid(message)) if code == "RA422" => assert!(message.contains(words), "{message:?} should say {words:?}"),
        other => panic!("expected a refusal by the database ({code}), got {other:?}"),
    }
}

/// The bundled policies with a comment added: another version, as valid.
fn variant(n: usize) -> PolicySet {
    PolicySet::load(&format!("{BUNDLED_POLICIES}\n# change {n}\n"), "routing_policies.yaml").expect("a valid policy")
}

#[test]
fn a_policy_change_takes_two_policy_admins_and_the_database_says_so() -> R {
    let pg = PgCluster::team();
    pg.admin().batch_execute("CREATE ROLE pete LOGIN IN ROLE recon_policy_admin")?;
    let as_ = |who: &str| PgStore::connect(&pg.url(who)).unwrap();
    let (alice, carol, paula, pete) = (as_("alice"), as_("carol"), as_("paula"), as_("pete"));
    assert!(paula.policy_changes_need_approval());
    assert_eq!(paula.team_policy()?, None, "no policy in force before the first approval");
    let bundled = PolicySet::bundled();

    // Only a policy admin proposes; nobody saves directly.
    refused_with(alice.propose_policy(&variant(1), "routing_policies.yaml", "mine", None), "42501", "permission denied for function propose_policy");
    refused_with(paula.record_policy_save(&variant(1), "routing_policies.yaml", "direct", None), "42501", "four eyes");
    refused_with(paula.propose_policy(&variant(1), "routing_policies.yaml", "  ", None), "RA422", "needs a note");
    let first = paula.propose_policy(&variant(1), "routing_policies.yaml", "first team policy", Some(&bundled.version))?;
    assert_eq!((first.state.as_str(), first.author.as_str(), first.previous.as_deref()), ("OPEN", "paula", Some(bundled.version.as_str())));
    assert_eq!(paula.team_policy()?, None, "a proposal is not in force");
    assert_eq!(carol.policy_proposals(true, 10)?, std::slice::from_ref(&first), "everyone on the team sees it");

    // The author may not decide it; a rejection needs a reason.
    refused_with(paula.decide_policy_proposal(first.proposal_id, true, ""), "42501", "four eyes: paula proposed this policy change");
    refused_with(alice.decide_policy_proposal(first.proposal_id, true, ""), "42501", "permission denied for function decide_policy_proposal");
    refused_with(pete.decide_policy_proposal(first.proposal_id, false, " "), "RA422", "needs a reason");

    // Another policy admin approves: the team's policy is that version, the author's save.
    let approved = pete.decide_policy_proposal(first.proposal_id, true, "read it")?;
    assert_eq!((approved.state.as_str(), approved.decided_by.as_deref()), ("APPROVED", Some("pete")));
    let in_force = carol.team_policy()?.ok_or("a policy in force")?;
    assert_eq!(in_force.hash, variant(1).version);
    assert_eq!(Some(in_force.save_id), approved.save_id);
    let save = &carol.policy_history(10)?[0];
    assert_eq!((save.hash.as_str(), save.author.as_str(), save.note.as_str()), (in_force.hash.as_str(), "paula", "first team policy"));
    refused_with(pete.decide_policy_proposal(first.proposal_id, false, "changed my mind"), "RA422", "already approved by pete");

    // Two changes from the same version: once one is approved the other is stale.
    let second = pete.propose_policy(&variant(2), "routing_policies.yaml", "second", Some(&in_force.hash))?;
    let third = pete.propose_policy(&variant(3), "routing_policies.yaml", "third", Some(&in_force.hash))?;
    paula.decide_policy_proposal(second.proposal_id, true, "")?;
    refused_with(paula.decide_policy_proposal(third.proposal_id, true, ""), "RA422", "the team's policy changed since this was proposed");
    let rejected = paula.decide_policy_proposal(third.proposal_id, false, "made from an old version")?;
    assert_eq!((rejected.state.as_str(), rejected.reason.as_deref()), ("REJECTED", Some("made from an old version")));
    assert_eq!(carol.team_policy()?.map(|t| t.hash), Some(variant(2).version));
    assert!(carol.policy_proposals(true, 10)?.is_empty());

    // The chain: proposals, the approvals naming both people, the rejection.
    let entries = carol.audit_entries(&AuditQuery { limit: 50, ..Default::default() })?;
    let steps: Vec<(String, String)> = entries.iter().rev().map(|e| (e.kind.clone(), e.actor.clone())).collect();
    let expect = [
        ("POLICY_PROPOSAL", "paula"),
        ("POLICY_SAVED", "pete"),
        ("POLICY_PROPOSAL", "pete"),
        ("POLICY_PROPOSAL", "pete"),
        ("POLICY_SAVED", "paula"),
        ("POLICY_PROPOSAL", "paula"),
    ];
    assert_eq!(steps, expect.map(|(k, a)| (k.to_string(), a.to_string())));
    let saved = carol.audit_entries(&AuditQuery { kind: Some(EventKind::PolicySaved), limit: 1, ..Default::default() })?;
    let p: serde_json::Value = serde_json::from_str(&saved[0].payload)?;
    assert_eq!((p["proposed_by"].as_str(), saved[0].actor.as_str()), (Some("pete"), "paula"));
    assert!(EventKind::ALL.iter().any(|k| k.as_str() == "POLICY_PROPOSAL"), "the audit screen offers the kind");
    let v = carol.verify()?;
    assert!(v.ok, "{v:?}");

    // Nobody writes the table but the functions.
    let mut raw = postgres::Client::connect(&pg.url("paula"), postgres::NoTls)?;
    let e = raw.batch_execute("UPDATE recon.policy_proposals SET state = 'APPROVED'").expect_err("a direct update");
    assert_eq!(e.code().map(|c| c.code()), Some("42501"));

    // Edits by the tables' owner (or anyone with the server's files) are named; each case
    // starts from the intact table.
    let mut admin = pg.admin();
    admin.batch_execute("CREATE TABLE public.kept AS SELECT * FROM recon.policy_proposals")?;
    for (edit, words) in [
        ("UPDATE recon.policy_proposals SET note = 'x' WHERE proposal_id = 1", "policy proposal 1 was edited: note `x` (the log: `first team policy`)"),
        ("UPDATE recon.policy_proposals SET author = 'paula' WHERE proposal_id = 3", "policy proposal 3 was edited: author `paula` (the log: `pete`)"),
        (
            "UPDATE recon.policy_proposals SET state = 'OPEN', decided_by = NULL, decided_at = NULL, reason = NULL WHERE proposal_id = 3",
            "policy proposal 3 was edited: it is OPEN",
        ),
        ("UPDATE recon.policy_proposals SET reason = 'fine' WHERE proposal_id = 3", "policy proposal 3 was edited: it is REJECTED by paula"),
        ("UPDATE recon.policy_proposals SET text = text || ' ' WHERE proposal_id = 2", "the text of policy proposal 2 was edited"),
        (
            "UPDATE recon.policy_proposals SET auto_resolve = '{\"max_tier\": \"CRITICAL\", \"never\": []}' WHERE proposal_id = 3",
            "the limits stored with policy proposal 3 were edited",
        ),
        ("DELETE FROM recon.policy_proposals WHERE proposal_id = 2", "2 policy proposals are stored but 3 POLICY_PROPOSAL entries record them"),
    ] {
        admin.batch_execute(edit)?;
        let v = carol.verify()?;
        let why = v.first_bad.map(|(_, why)| why).unwrap_or_default();
        assert!(!v.ok && why.contains(words), "{edit}: {why:?}");
        admin.batch_execute("DELETE FROM recon.policy_proposals; INSERT INTO recon.policy_proposals SELECT * FROM public.kept")?;
        assert!(carol.verify()?.ok, "intact again after {edit}");
    }
    // An approval by the author, written around the functions, is named too.
    admin.batch_execute(
        "ALTER TABLE recon.audit_log DISABLE TRIGGER audit_log_no_update;
         UPDATE recon.audit_log SET actor = 'pete' WHERE kind = 'POLICY_SAVED' AND payload LIKE '%\"proposed_by\":\"pete\"%'",
    )?;
    let v = carol.verify()?;
    assert!(!v.ok, "the chain no longer holds, whatever the rows say");
    Ok(())
}
