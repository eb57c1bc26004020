//! The application API on a real database, as the desktop app calls it.

use reconagent_api::dto::{HumanAction as ReviewAction, QueueFilter, StatsQuery};
use reconagent_api::{Core, ErrorCode};
use reconagent_engine::graph::RunMode;
use reconagent_engine::orchestrate::Orchestrator;
use reconagent_store::prelude::*;
use reconagent_store::QueueSort;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn core() -> (tempfile::TempDir, Core) {
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(&dir.path().join("app.db"), true).unwrap();
    (dir, core)
}

fn all() -> QueueFilter {
    QueueFilter { limit: 10_000, ..Default::default() }
}

#[test]
fn first_start_loads_the_sample_and_processing_reports_progress() -> TestResult {
    let (_d, core) = core();
    let info = core.info()?;
    assert!(info.loaded_sample);
    assert_eq!((info.breaks, info.new_breaks), (400, 400));
    let mut last = None;
    let summary = core.process(&[], RunMode::V2, |p| last = Some(p)).unwrap();
    assert_eq!(summary.processed, 400);
    // The split by decision is what the store now holds.
    let count = |status| core.store().count_with_status(status).unwrap() as i32;
    assert_eq!(
        (summary.auto_resolved, summary.to_review, summary.escalated),
        (
            count(reconagent_store::BreakStatus::AutoResolved),
            count(reconagent_store::BreakStatus::PendingReview),
            count(reconagent_store::BreakStatus::Escalated)
        )
    );
    assert_eq!(summary.auto_resolved + summary.to_review + summary.escalated, 400);
    assert!(summary.auto_resolved > 0 && summary.to_review > 0 && summary.escalated > 0, "{summary:?}");
    let last = last.expect("progress was reported");
    assert_eq!((last.done, last.total), (400, 400));
    assert_eq!(core.info().unwrap().new_breaks, 0);
    Ok(())
}

/// The dashboard's figures are the same as a direct run of the engine over the same breaks
/// (what `reconagent compare` does).
#[test]
fn dashboard_numbers_equal_a_direct_run_of_the_engine() -> TestResult {
    let (_d, core) = core();
    let ids: Vec<String> = core.queue(&all()).unwrap().rows.into_iter().map(|r| r.break_id).collect();
    core.process(&[], RunMode::V2, |_| {}).unwrap();
    core.process(&ids, RunMode::V1, |_| {}).unwrap();
    let e = core.efficiency(&StatsQuery::default())?;
    // The groups come in the order every screen shows: mode, type, then tier from LOW up.
    let keys: Vec<(&str, &str, reconagent_engine::RiskTier)> = e.groups.iter().map(|g| (g.mode.as_str(), g.break_type.as_str(), g.tier)).collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
    assert!(keys.iter().any(|k| k.2 == reconagent_engine::RiskTier::Critical) && keys.iter().any(|k| k.2 == reconagent_engine::RiskTier::Low));
    let invoked = |mode: RunMode| e.groups.iter().filter(|g| g.mode == mode).map(|g| g.agents_invoked * g.runs as f64).sum::<f64>().round() as usize;
    let orch = Orchestrator::bundled();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let now = chrono::Utc::now();
    // The first start loaded the sample moved to its day (seconds ago).
    let breaks = reconagent_engine::sample::bundled_breaks_as_of(now);
    let direct = |mode| breaks.iter().map(|b| rt.block_on(orch.process_break(b, mode, now)).agents_invoked()).sum::<usize>();
    assert_eq!(invoked(RunMode::V1), direct(RunMode::V1));
    assert_eq!(invoked(RunMode::V2), direct(RunMode::V2));
    let h = &e.headline;
    assert_eq!((h.v2_runs, h.v1_runs), (400, 400));
    assert!(h.v1_measured);
    let per_break = |n: usize| n as f64 / 400.0;
    assert!((h.agents_per_break - per_break(direct(RunMode::V2))).abs() < 1e-9, "{}", h.agents_per_break);
    assert_eq!(h.v1_modelled_ms, 2500);
    assert_eq!(h.v1_modelled_cost, "0.1200");
    Ok(())
}

/// Before any v1 run the dashboard compares against the model's v1 (seven agents in sequence),
/// and says so.
#[test]
fn without_v1_runs_the_headline_uses_the_modelled_v1() -> TestResult {
    let (_d, core) = core();
    let h = core.efficiency(&StatsQuery::default()).unwrap().headline;
    assert_eq!((h.v2_runs, h.v1_runs, h.v2_modelled_cost.as_str()), (0, 0, "0.0000"));
    core.process(&[], RunMode::V2, |_| {}).unwrap();
    let h = core.efficiency(&StatsQuery::default()).unwrap().headline;
    assert_eq!((h.v2_runs, h.v1_runs, h.v1_measured), (400, 0, false));
    assert_eq!((h.v1_modelled_ms, h.v1_modelled_cost.as_str()), (2500, "0.1200"));
    assert!(h.v2_modelled_ms > 0 && h.v2_modelled_ms < 2500, "{}", h.v2_modelled_ms);
    let cost: rust_decimal::Decimal = h.v2_modelled_cost.parse()?;
    assert!(cost > rust_decimal::Decimal::ZERO && cost < rust_decimal::Decimal::new(12, 2), "{cost}");
    assert!(h.early_exit_rate > 0.0 && h.early_exit_rate < 1.0);
    Ok(())
}

/// The filters offer what Rust knows and what the store holds: the sample's types that no policy
/// names (COLLATERAL_MARGIN, CORPORATE_ACTIONS) come after the five known ones.
#[test]
fn filter_options_come_from_the_enums_and_the_store() -> TestResult {
    let (_d, core) = core();
    let o = core.filter_options()?;
    assert_eq!(
        o.break_types,
        ["TRADE_OMS_MISMATCH", "CASH_RECONCILIATION", "BROKER_VS_INTERNAL", "PNL_RECONCILIATION", "REGULATORY_DATA", "COLLATERAL_MARGIN", "CORPORATE_ACTIONS"]
    );
    let names = |v: serde_json::Value| v.as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect::<Vec<_>>();
    let o_json = serde_json::to_value(&o)?;
    assert_eq!(names(o_json["tiers"].clone()), ["LOW", "MEDIUM", "HIGH", "CRITICAL"]);
    assert_eq!(names(o_json["statuses"].clone()), ["NEW", "AUTO_RESOLVED", "PENDING_REVIEW", "ESCALATED", "RESOLVED"]);
    assert_eq!(names(o_json["decisions"].clone()), ["AUTO_RESOLVE", "HIL_REVIEW", "ESCALATE"]);
    assert_eq!(
        names(o_json["event_kinds"].clone()),
        ["IMPORT", "RUN", "HUMAN_ACTION", "POLICY_SAVED", "EXPORT_MADE", "BREAK_REPLACED", "PROPOSAL", "POLICY_PROPOSAL"]
    );
    assert_eq!(names(o_json["export_formats"].clone()), ["html", "csv", "xlsx", "json"]);
    assert_eq!(o.agents.len(), 7);
    let n = core.queue_count(&QueueFilter { break_type: Some("CORPORATE_ACTIONS".into()), ..all() })?;
    assert!(n > 0, "the sample has breaks of the unknown type");
    Ok(())
}

/// The review list asks Rust for the breaks waiting for a person, in the order a reviewer takes
/// them, a page at a time, with the true total (the screen once loaded 2,000 per status and
/// silently dropped the rest).
#[test]
fn the_review_list_is_every_waiting_break_most_severe_first() -> TestResult {
    let (_d, core) = core();
    core.process(&[], RunMode::V2, |_| {}).unwrap();
    let count = |s: BreakStatus| core.queue_count(&QueueFilter { status: Some(s), ..all() }).unwrap();
    let waiting = QueueFilter { awaiting_review: true, sort: Some(QueueSort::Priority), limit: 100, ..Default::default() };
    let total = core.queue_count(&waiting)?;
    let first = core.queue(&waiting)?;
    assert_eq!(total, count(BreakStatus::PendingReview) + count(BreakStatus::Escalated));
    assert!(total > 100, "more than one page: {total}");
    assert_eq!(first.rows[0].tier, Some(reconagent_engine::RiskTier::Critical));
    // The next page starts where the first ended (its cursor), and a jump by offset agrees.
    let rest = core.queue(&QueueFilter { after: first.next.clone(), ..waiting.clone() })?;
    assert_eq!(rest, core.queue(&QueueFilter { offset: 100, ..waiting.clone() })?);
    assert!(first.rows.iter().chain(&rest.rows).all(|r| r.status == BreakStatus::PendingReview || r.status == BreakStatus::Escalated));
    assert!(rest.rows.iter().all(|r| !first.rows.iter().any(|f| f.break_id == r.break_id)), "pages do not overlap");
    // A sort the front end does not know is refused at the bridge, naming the values it takes.
    let e = serde_json::from_value::<QueueFilter>(serde_json::json!({"sort": "urgency", "descending": false, "offset": 0, "limit": 10})).unwrap_err();
    assert!(e.to_string().contains("unknown variant `urgency`") && e.to_string().contains("priority"), "{e}");
    Ok(())
}

#[test]
fn review_errors_are_typed_and_readable() -> TestResult {
    let (_d, core) = core();
    core.process(&[], RunMode::V2, |_| {}).unwrap();
    let pending = core.queue(&QueueFilter { status: Some(BreakStatus::PendingReview), ..all() }).unwrap().rows;
    let id = &pending[0].break_id;
    let e = core.review(id, &ReviewAction::Override { decision: reconagent_engine::DecisionAction::Escalate, reason: " ".into() }, true).unwrap_err();
    assert_eq!(e.code, ErrorCode::Invalid);
    assert!(e.message.contains("reason"), "{}", e.message);
    assert_eq!(core.review(id, &ReviewAction::Accept, true).unwrap(), BreakStatus::Resolved);
    let e = core.review(id, &ReviewAction::Accept, true).unwrap_err();
    assert_eq!(e.code, ErrorCode::Invalid);
    assert!(e.message.contains("RESOLVED"), "{}", e.message);
    assert_eq!(core.break_detail("nope").unwrap_err().code, ErrorCode::NotFound);
    let e = serde_json::from_value::<reconagent_api::dto::RunMode>(serde_json::json!("v3")).unwrap_err();
    assert!(e.to_string().contains("unknown variant `v3`"), "{e}");
    Ok(())
}

/// "Process all NEW" under a filter runs the NEW breaks the filter shows, and only those: by
/// type, by search; a filter on another status runs nothing.
#[test]
fn processing_under_a_filter_runs_only_the_new_breaks_it_shows() -> TestResult {
    let (_d, core) = core();
    let new_of = |f: QueueFilter| core.queue_count(&QueueFilter { status: Some(BreakStatus::New), ..f }).unwrap();
    let types = core.filter_options()?.break_types;
    let ty = types[0].clone();
    let of_type = QueueFilter { break_type: Some(ty.clone()), ..all() };
    let (before_type, before_all) = (new_of(of_type.clone()), new_of(all()));
    assert!(before_type > 0 && before_type < before_all, "the sample has several types: {before_type} of {before_all}");
    let done = core.process_matching(&of_type, RunMode::V2, |_| {})?;
    assert_eq!(done.processed as u64, before_type);
    assert_eq!(new_of(of_type.clone()), 0, "every NEW break of the type ran");
    assert_eq!(new_of(all()), before_all - before_type, "no other break ran");
    // A status that is not NEW: nothing to run.
    let none = core.process_matching(&QueueFilter { status: Some(BreakStatus::Escalated), ..all() }, RunMode::V2, |_| {})?;
    assert_eq!(none.processed, 0);
    // A search: the breaks whose id starts so.
    let search = QueueFilter { search: Some("brk-0001".into()), ..all() };
    let matching = new_of(search.clone());
    assert!(matching > 0);
    assert_eq!(core.process_matching(&search, RunMode::V2, |_| {})?.processed as u64, matching);
    assert_eq!(new_of(search), 0);
    assert_eq!(new_of(all()), before_all - before_type - matching);
    assert!(core.verify()?.ok);
    Ok(())
}

/// Over every waiting break of the sample: an unconfirmed accept of a HIGH or CRITICAL break
/// is refused with the question in words and changes nothing (status, actions, audit log);
/// confirmed, it is done; a LOW or MEDIUM break needs no confirmation.
#[test]
fn severe_breaks_are_closed_only_when_confirmed() -> TestResult {
    use reconagent_engine::RiskTier;
    let (_d, core) = core();
    core.process(&[], RunMode::V2, |_| {}).unwrap();
    let waiting = core.queue(&QueueFilter { awaiting_review: true, limit: 1000, ..all() })?.rows;
    let tiers: std::collections::BTreeSet<_> = waiting.iter().filter_map(|r| r.tier).collect();
    assert!(tiers.contains(&RiskTier::Critical) && tiers.iter().any(|t| *t <= RiskTier::Medium), "the sample waits on several tiers: {tiers:?}");
    let entries = |c: &reconagent_api::Core| c.audit_log(&reconagent_store::AuditQuery { limit: 100_000, ..Default::default() }).unwrap().len();
    for row in &waiting {
        let before = entries(&core);
        let severe = matches!(row.tier, Some(RiskTier::High | RiskTier::Critical));
        match core.review(&row.break_id, &ReviewAction::Accept, false) {
            Err(e) => {
                assert!(severe, "{} ({:?}) was refused: {}", row.break_id, row.tier, e.message);
                assert_eq!(e.code, ErrorCode::Confirm);
                assert!(e.message.starts_with(&format!("{} is {}", row.break_id, row.tier.unwrap().as_str())) && e.message.contains('?'), "{}", e.message);
                // One person works alone here; the bundled limits (tier CRITICAL) mark what a
                // team database would hand to a second approver.
                let marked = e.message.contains("? In a team database this needs a second approver (tier CRITICAL");
                assert_eq!(marked, row.tier == Some(RiskTier::Critical), "{}", e.message);
                assert_eq!(core.break_detail(&row.break_id)?.status, row.status, "nothing changed");
                assert_eq!(entries(&core), before, "nothing recorded");
                assert_eq!(core.review(&row.break_id, &ReviewAction::Accept, true)?, BreakStatus::Resolved);
            }
            Ok(status) => {
                assert!(!severe, "{} ({:?}) was closed unconfirmed", row.break_id, row.tier);
                assert_eq!(status, BreakStatus::Resolved);
            }
        }
        assert_eq!(entries(&core), before + 1, "one action, one entry");
    }
    Ok(())
}

/// Bulk: one confirmation for all when any ticked break needs one (nothing done before it), then
/// each break acted on by itself; a break the lifecycle refuses is listed with the reason and
/// the others go ahead. Only ACCEPT and ASSIGN are offered in bulk.
#[test]
fn a_bulk_accept_asks_once_and_reports_each_refusal() -> TestResult {
    use reconagent_engine::RiskTier;
    let (_d, core) = core();
    core.process(&[], RunMode::V2, |_| {}).unwrap();
    let waiting = core.queue(&QueueFilter { awaiting_review: true, limit: 1000, ..all() })?.rows;
    let severe = waiting.iter().filter(|r| matches!(r.tier, Some(RiskTier::High | RiskTier::Critical))).take(2);
    let mild = waiting.iter().filter(|r| matches!(r.tier, Some(RiskTier::Low | RiskTier::Medium))).take(3);
    let closed = core.queue(&QueueFilter { status: Some(BreakStatus::AutoResolved), limit: 1, ..all() })?.rows;
    let mut ids: Vec<String> = severe.chain(mild).map(|r| r.break_id.clone()).collect();
    assert_eq!(ids.len(), 5);
    ids.push(closed[0].break_id.clone());
    let before = core.audit_log(&reconagent_store::AuditQuery { limit: 100_000, ..Default::default() })?.len();
    let e = core.review_many(&ids, &ReviewAction::Accept, false).unwrap_err();
    assert_eq!(e.code, ErrorCode::Confirm);
    assert!(e.message.starts_with("Accept the decisions of 6 breaks? 2 of them are HIGH or CRITICAL"), "{}", e.message);
    assert_eq!(core.audit_log(&reconagent_store::AuditQuery { limit: 100_000, ..Default::default() })?.len(), before, "nothing done unconfirmed");
    let r = core.review_many(&ids, &ReviewAction::Accept, true)?;
    assert_eq!(r.done.len(), 5, "{r:?}");
    assert!(r.done.iter().all(|d| d.outcome == "now RESOLVED"));
    assert_eq!(r.not_done.len(), 1);
    assert_eq!(r.not_done[0].break_id, closed[0].break_id);
    assert!(r.not_done[0].outcome.contains("AUTO_RESOLVED"), "{}", r.not_done[0].outcome);
    // Assigning needs no confirmation; overrides are one at a time.
    let r = core.review_many(&ids[..2], &ReviewAction::Assign { assignee: " ann ".into() }, false)?;
    assert_eq!(r.done.len(), 2);
    assert_eq!(core.break_detail(&ids[0])?.assignee.as_deref(), Some("ann"));
    let e = core.review_many(&ids, &ReviewAction::Override { decision: reconagent_engine::DecisionAction::Escalate, reason: "x".into() }, true).unwrap_err();
    assert_eq!(e.code, ErrorCode::Invalid);
    assert!(core.verify()?.ok);
    Ok(())
}

#[test]
fn the_policy_editor_checks_simulates_saves_and_switches_the_engine() -> TestResult {
    use reconagent_engine::policy::edit::{EditValue, PolicyEdit};
    let (dir, core) = core();
    let file = dir.path().join("routing_policies.yaml");
    let loaded = core.policy_file()?;
    assert_eq!(loaded.draft.path, file.display().to_string());
    assert!(loaded.draft.errors.is_empty() && loaded.problem.is_none());
    assert_eq!(loaded.in_force_version, loaded.draft.hash);
    let base = loaded.draft.text.clone();
    let when = "policies.CASH_RECONCILIATION.LOW.checkpoints[0].when";
    let edit = |cel: &str| vec![PolicyEdit::Set { path: when.into(), value: EditValue::Text(cel.into()) }];

    // A bad condition: the error is on the field's path, and it cannot be saved or simulated.
    let bad = core.policy_check(&base, &edit("rules.within_tolerance &&"))?;
    assert!(bad.errors.iter().any(|e| e.path == when && e.message.contains("CEL")), "{:?}", bad.errors);
    assert_eq!(core.policy_save(&base, &edit("rules.within_tolerance &&"), "bad", false).unwrap_err().code, ErrorCode::Invalid);
    assert!(core.policy_simulate(&base, &edit("rules.within_tolerance &&"), 100, None, |_| {}).is_err());

    // Fixed: valid, with a diff of one line, and a simulation over the stored breaks.
    // A number field emptied mid-edit is an error on its field, not a failed request.
    let emptied = core.policy_check(
        &base,
        &[reconagent_engine::policy::edit::PolicyEdit::Set {
            path: "classifier.age_escalation[0].days".into(),
            value: reconagent_engine::policy::edit::EditValue::Number(String::new()),
        }],
    )?;
    assert!(
        emptied.outline.is_none() && emptied.errors.iter().any(|e| e.path == "classifier.age_escalation[0].days" && e.message == "a number is required here"),
        "{:?}",
        emptied.errors
    );
    let good = core.policy_check(&base, &edit("rules.within_tolerance"))?;
    assert!(good.errors.is_empty(), "{:?}", good.errors);
    assert_eq!(good.diff.iter().filter(|l| l.sign != " ").count(), 2);
    let mut progress = Vec::new();
    let sim = core.policy_simulate(&base, &edit("rules.within_tolerance"), 10_000, None, |p| progress.push(p)).unwrap();
    let cash = core.policy_simulate(&base, &edit("rules.within_tolerance"), 10_000, Some("CASH_RECONCILIATION"), |_| {}).unwrap();
    assert!(cash.rows.iter().all(|r| r.break_type == "CASH_RECONCILIATION") && cash.all.current.breaks > 0 && cash.all.current.breaks < 400);
    assert_eq!(sim.all.current.breaks, 400);
    assert_eq!(progress.last().map(|p| (p.done, p.total)), Some((400, 400)));
    assert_eq!(sim.current_version, loaded.in_force_version);
    assert_eq!(sim.draft_version, good.hash);

    // A note is required; then the save writes the file, keeps its comments, and switches.
    assert_eq!(core.policy_save(&base, &edit("rules.within_tolerance"), " ", false).unwrap_err().code, ErrorCode::Invalid);
    let saved = core.policy_save(&base, &edit("rules.within_tolerance"), "tolerance, not explained", false)?;
    let on_disk = std::fs::read_to_string(&file)?;
    assert_eq!(on_disk, good.text);
    let comments = |t: &str| t.lines().filter(|l| l.trim_start().starts_with('#')).count();
    assert_eq!(comments(&on_disk), comments(&base));
    assert_eq!(core.info().unwrap().policy_version, saved.hash);
    assert_eq!(core.policy_history().unwrap()[0].note, "tolerance, not explained");
    core.process(&["BRK-00019".to_string()], RunMode::V2, |_| {}).unwrap();
    let detail = core.break_detail("BRK-00019")?;
    assert_eq!(detail.runs.last().unwrap().policy_version, saved.hash, "the new version is on the run");

    // Saving from the old base again is a conflict; the file is not clobbered.
    let again = core.policy_save(&base, &edit("rules.explained"), "stale", false).unwrap_err();
    assert_eq!(again.code, ErrorCode::Conflict, "{}", again.message);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), good.text);

    // History: diff the two versions, restore the first as a new save.
    let d = core.policy_version_diff(&loaded.draft.hash, &saved.hash)?;
    assert!(d.iter().any(|l| l.sign == "+" && l.text.contains("rules.within_tolerance")));
    core.store().record_policy(&reconagent_engine::policy::PolicySet::bundled(), "bundled")?;
    let restored = core.policy_restore(&loaded.draft.hash, &saved.hash, "")?;
    assert_eq!(restored.hash, loaded.draft.hash);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), base);
    // Newest first: the restore, the save, and the version in force when the app started.
    let history = core.policy_history()?;
    let rows: Vec<_> = history.iter().map(|h| (h.hash.as_str(), h.note.as_str())).collect();
    assert_eq!(rows[1..], [(saved.hash.as_str(), "tolerance, not explained"), (loaded.draft.hash.as_str(), "in force at start")]);
    assert_eq!((rows[0].0, history[2].save_id.clone()), (loaded.draft.hash.as_str(), format!("v:{}", loaded.draft.hash)));
    assert!(core.store().verify().unwrap().ok);
    Ok(())
}

#[test]
fn an_invalid_policy_file_at_start_is_reported_and_not_used() -> TestResult {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("p.yaml");
    std::fs::write(&file, "version: 1\n")?;
    let core = Core::open_with_policies(&dir.path().join("app.db"), &file, false)?;
    let state = core.policy_file()?;
    assert!(state.problem.as_deref().unwrap_or("").contains("bundled policies are in force"), "{:?}", state.problem);
    assert!(!state.draft.errors.is_empty());
    assert_eq!(state.in_force_version, reconagent_engine::policy::PolicySet::bundled().version);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "version: 1\n", "the file is left for the person to fix");
    Ok(())
}

#[test]
fn import_and_export_report_progress() -> TestResult {
    let dir = tempfile::tempdir()?;
    let core = Core::open(&dir.path().join("app.db"), false)?;
    let file = dir.path().join("breaks.csv");
    let breaks = reconagent_engine::sample::generate(5, 2500, &reconagent_engine::refdata::ReferenceData::bundled());
    std::fs::write(&file, reconagent_engine::import::to_csv(&breaks))?;
    let mut seen = Vec::new();
    let summary = core.import_file(&file, |p| seen.push(p)).unwrap();
    assert_eq!(summary.inserted, 2500);
    assert!(seen.iter().all(|p| p.task == reconagent_api::dto::Task::Import));
    assert_eq!(seen.first().map(|p| p.current.as_str()), Some("reading and checking the file"));
    // Progress is in KiB of the file, after each chunk of rows is stored.
    let storing: Vec<_> = seen.iter().filter(|p| p.current == "storing breaks").collect();
    assert!(storing.len() >= 2, "after each chunk: {seen:?}");
    assert!(storing.windows(2).all(|w| w[0].done <= w[1].done));
    let last = storing.last().unwrap();
    assert_eq!(last.done, last.total, "the whole file was read");

    let mut stages = Vec::new();
    let out = dir.path().join("r.html");
    let req = reconagent_api::dto::ExportRequest {
        from: "2000-01-01".into(),
        to: "2100-01-01".into(),
        break_type: None,
        format: reconagent_store::export::ExportFormat::Html,
        path: out.display().to_string(),
        overwrite: false,
    };
    core.export(&req, |p| stages.push((p.done, p.total, p.current))).unwrap();
    assert_eq!(stages.iter().map(|s| s.0).collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
    assert!(stages[0].2.contains("verifying the chain"));
    assert!(out.exists());
    // An existing file is replaced only when the person confirms.
    let e = core.export(&req, |_| {}).unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict, "{}", e.message);
    assert!(e.message.contains("already exists"));
    core.export(&reconagent_api::dto::ExportRequest { overwrite: true, ..req }, |_| {}).unwrap();
    Ok(())
}

#[test]
fn a_batch_with_5_percent_failing_calls_records_every_break_and_never_auto_resolves_on_failure() -> TestResult {
    use reconagent_engine::agents::AgentSet;
    use reconagent_engine::orchestrate::CancelFlag;
    use reconagent_store::BreakStatus;
    let dir = tempfile::tempdir()?;
    let store = reconagent_store::Store::open(&dir.path().join("r.db"))?;
    let (agents, failed) = AgentSet::builtin().with_random_failures(5, 7);
    let orch = Orchestrator::bundled().with_agents(agents);
    store.import_breaks(&reconagent_engine::sample::generate_from(3, 0, 10_000, &orch.refdata), "t")?;
    store.record_policy(&orch.policies, "t")?;
    let orch = orch.with_history(store.history().unwrap());
    let breaks = reconagent_store::backend::stream_with_status(&store, BreakStatus::New, 2000);
    let done = reconagent_api::batch::run_and_record(
        &store,
        &orch,
        breaks,
        10_000,
        RunMode::V2,
        reconagent_engine::sample::sample_as_of(),
        CancelFlag::default(),
        false,
        reconagent_api::batch::Claim::New,
        |_, _, _| {},
    )?;
    assert_eq!(done.recorded, 10_000);
    assert!(failed.load(std::sync::atomic::Ordering::Relaxed) > 1000);
    assert_eq!(store.count_with_status(BreakStatus::New).unwrap(), 0, "every break recorded");
    // Every stored graph, read back as the store reads it (compressed since schema 10).
    let c = rusqlite::Connection::open(store.path())?;
    let ids: Vec<String> = c.prepare("SELECT break_id FROM breaks")?.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    let (mut failed_runs, mut bad) = (0, 0);
    for id in &ids {
        for (_, g) in store.runs_of(id)? {
            let failed =
                g.nodes.iter().any(|n| matches!(n.status, reconagent_engine::graph::NodeStatus::Failed | reconagent_engine::graph::NodeStatus::TimedOut));
            failed_runs += usize::from(failed);
            bad += usize::from(failed && g.decision.action == reconagent_engine::model::DecisionAction::AutoResolve);
        }
    }
    assert!(failed_runs > 0);
    assert_eq!(bad, 0, "no auto-resolve on failed evidence");
    assert!(store.verify().unwrap().ok);
    Ok(())
}

#[test]
fn a_cancelled_batch_leaves_each_break_recorded_or_untouched() -> TestResult {
    use reconagent_engine::orchestrate::CancelFlag;
    use reconagent_store::BreakStatus;
    let dir = tempfile::tempdir()?;
    let store = reconagent_store::Store::open(&dir.path().join("r.db"))?;
    let orch = Orchestrator::bundled();
    store.import_breaks(&reconagent_engine::sample::generate_from(4, 0, 5_000, &orch.refdata), "t")?;
    store.record_policy(&orch.policies, "t")?;
    let cancel = CancelFlag::default();
    let trigger = cancel.clone();
    let breaks = reconagent_store::backend::stream_with_status(&store, BreakStatus::New, 500);
    let done = reconagent_api::batch::run_and_record(
        &store,
        &orch,
        breaks,
        5_000,
        RunMode::V2,
        reconagent_engine::sample::sample_as_of(),
        cancel,
        false,
        reconagent_api::batch::Claim::New,
        |d, _, _| {
            if d == 1_500 {
                trigger.cancel();
            }
        },
    )?;
    assert!(done.summary.cancelled);
    assert!(done.recorded >= 1_500 && done.recorded < 5_000, "{}", done.recorded);
    assert_eq!(done.recorded + done.summary.not_started, 5_000, "the summary says how many were done and not started");
    let new = store.count_with_status(BreakStatus::New)?;
    assert_eq!(new, 5_000 - done.recorded, "the rest are untouched");
    let c = rusqlite::Connection::open(store.path())?;
    let runs: i64 = c.query_row("SELECT COUNT(*) FROM runs", [], |r| r.get(0)).unwrap();
    let processed_without_run: i64 = c.query_row("SELECT COUNT(*) FROM breaks WHERE status <> 'NEW' AND latest_run_id IS NULL", [], |r| r.get(0)).unwrap();
    assert_eq!((runs as usize, processed_without_run), (done.recorded, 0), "whole runs only");
    // Each run's graph (its nodes' one home) reads back whole.
    let processed: Vec<String> = c.prepare("SELECT break_id FROM breaks WHERE status <> 'NEW'")?.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    for id in &processed {
        let runs = store.runs_of(id)?;
        assert!(runs.len() == 1 && runs[0].1.nodes.len() == 7, "{id}: {} runs", runs.len());
    }
    assert!(store.verify().unwrap().ok);
    Ok(())
}

/// A v2 batch over selected breaks leaves those waiting for a person until asked; v1 over any
/// break is a comparison that changes no status.
#[test]
fn waiting_breaks_are_re_decided_only_when_asked_and_v1_changes_nothing() -> TestResult {
    let (_d, core) = core();
    core.process(&[], RunMode::V2, |_| {}).unwrap();
    let rows = core.queue(&all()).unwrap().rows;
    let waiting: Vec<String> = rows.iter().filter(|r| r.status == BreakStatus::PendingReview).take(3).map(|r| r.break_id.clone()).collect();
    let resolved: Vec<String> = rows.iter().filter(|r| r.status == BreakStatus::AutoResolved).take(3).map(|r| r.break_id.clone()).collect();
    assert_eq!((waiting.len(), resolved.len()), (3, 3));
    let runs_of = |id: &str| core.break_detail(id).unwrap().runs.len();
    let s = core.process(&waiting, RunMode::V2, |_| {}).unwrap();
    assert_eq!((s.processed, s.waiting_left), (0, 3));
    assert!(waiting.iter().all(|id| runs_of(id) == 1));
    let s = core.process_with(&waiting, RunMode::V2, true, |_| {}).unwrap();
    assert_eq!((s.processed, s.waiting_left), (3, 0));
    assert!(waiting.iter().all(|id| runs_of(id) == 2));
    let s = core.process(&resolved, RunMode::V1, |_| {}).unwrap();
    assert_eq!(s.processed, 3);
    for id in &resolved {
        let d = core.break_detail(id).unwrap();
        assert_eq!(d.status, BreakStatus::AutoResolved, "a v1 comparison left {id} as it was");
        assert_eq!(d.runs.iter().map(|r| r.mode.as_str()).collect::<Vec<_>>(), ["v2", "v1"]);
    }
    assert!(core.verify().unwrap().ok);
    Ok(())
}
