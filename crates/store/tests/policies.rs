//! Saving policy files from the editor: validated, conflict-checked, atomic, recorded.

use reconagent_engine::policy::edit::{apply, EditValue, PolicyEdit};
use reconagent_engine::policy::{PolicySet, BUNDLED_POLICIES};
use reconagent_store::prelude::*;
use reconagent_store::{Store, StoreError};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn setup() -> (tempfile::TempDir, Store, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("recon.db")).unwrap();
    let file = dir.path().join("routing_policies.yaml");
    std::fs::write(&file, BUNDLED_POLICIES).unwrap();
    (dir, store, file)
}

fn draft() -> String {
    apply(
        BUNDLED_POLICIES,
        &[PolicyEdit::Set { path: "policies.CASH_RECONCILIATION.LOW.checkpoints[0].when".into(), value: EditValue::Text("rules.within_tolerance".into()) }],
        "p.yaml",
    )
    .unwrap()
}

#[test]
fn a_save_writes_the_file_and_records_version_save_and_audit_entry() -> TestResult {
    let (_d, store, file) = setup();
    let loaded = PolicySet::content_hash(BUNDLED_POLICIES);
    let (set, save) = reconagent_store::policies::save_policy_file(&store, &file, &draft(), Some(&loaded), "looser CASH LOW")?;
    assert_eq!(std::fs::read_to_string(&file).unwrap(), draft());
    assert_eq!(save.hash, set.version);
    assert_eq!(save.previous.as_deref(), Some(loaded.as_str()));
    assert_eq!(store.policy_text(&save.hash).unwrap(), draft());
    let history = store.policy_history(10)?;
    assert_eq!(history.len(), 1);
    assert_eq!((history[0].note.as_str(), history[0].author.as_str()), ("looser CASH LOW", store.actor()));
    let v = store.verify()?;
    assert!(v.ok);
    // Restoring the shipped text is a new save of an existing version.
    store.record_policy(&PolicySet::bundled(), "bundled")?;
    let (_, restored) = reconagent_store::policies::save_policy_file(&store, &file, BUNDLED_POLICIES, Some(&save.hash), "restore")?;
    assert_eq!(restored.hash, loaded);
    let saves = store.policy_history(10).unwrap().into_iter().filter(|s| s.save_id.is_some()).count();
    assert_eq!(saves, 2);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), BUNDLED_POLICIES);
    Ok(())
}

#[test]
fn the_history_holds_the_version_in_force_at_start_and_each_save_once() -> TestResult {
    let (_d, store, file) = setup();
    let loaded = PolicySet::load(BUNDLED_POLICIES, &file.display().to_string())?;
    store.record_policy(&loaded, "in force at start")?;
    let history = store.policy_history(10)?;
    assert_eq!(history.len(), 1);
    assert_eq!((history[0].save_id, history[0].hash.as_str(), history[0].note.as_str()), (None, loaded.version.as_str(), "in force at start"));
    assert_eq!(history[0].path, file.display().to_string());
    let (_, save) = reconagent_store::policies::save_policy_file(&store, &file, &draft(), Some(&loaded.version), "looser CASH LOW")?;
    let history = store.policy_history(10)?;
    let ids: Vec<_> = history.iter().map(|h| (h.save_id, h.hash.clone())).collect();
    assert_eq!(ids, vec![(save.save_id, save.hash.clone()), (None, loaded.version.clone())], "newest first; the saved version once, as the save");
    Ok(())
}

#[test]
fn a_file_changed_on_disk_is_not_clobbered() -> TestResult {
    let (_d, store, file) = setup();
    let loaded = PolicySet::content_hash(BUNDLED_POLICIES);
    let someone_else = format!("{BUNDLED_POLICIES}\n# edited by hand\n");
    std::fs::write(&file, &someone_else)?;
    let e = reconagent_store::policies::save_policy_file(&store, &file, &draft(), Some(&loaded), "mine").unwrap_err();
    assert!(matches!(e, StoreError::PolicyChangedOnDisk { .. }), "{e}");
    assert!(e.to_string().contains("changed on disk since it was loaded"), "{e}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), someone_else, "the other change is kept");
    assert!(store.policy_history(10).unwrap().is_empty());
    // Overwrite, when the person chooses to.
    reconagent_store::policies::save_policy_file(&store, &file, &draft(), None, "overwrite")?;
    assert_eq!(std::fs::read_to_string(&file).unwrap(), draft());
    Ok(())
}

#[test]
fn an_invalid_policy_is_not_saved() -> TestResult {
    let (_d, store, file) = setup();
    let bad = BUNDLED_POLICIES.replace("when: rules.explained", "when: rules.explained &&");
    let e = reconagent_store::policies::save_policy_file(&store, &file, &bad, None, "bad").unwrap_err();
    let StoreError::PolicyInvalid(errs) = &e else { panic!("{e}") };
    assert!(errs.0.iter().any(|x| x.path.ends_with(".when")), "{e}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), BUNDLED_POLICIES);
    assert!(store.policy_history(10).unwrap().is_empty());
    assert_eq!(store.verify().unwrap().entries, 0);
    Ok(())
}

#[test]
fn a_failed_write_records_nothing() -> TestResult {
    let (d, store, _) = setup();
    let missing_dir = d.path().join("no/such/dir/policies.yaml");
    assert!(reconagent_store::policies::save_policy_file(&store, &missing_dir, &draft(), None, "x").is_err());
    assert!(store.policy_history(10).unwrap().is_empty());
    assert_eq!(store.verify().unwrap().entries, 0, "no audit entry for a save that did not happen");
    Ok(())
}
