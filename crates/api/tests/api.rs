//! The application API on a real database, as the desktop app calls it.

use reconagent_api::dto::{QueueQuery, ReviewAction, StatsQuery};
use reconagent_api::{Core, ErrorCode};
use reconagent_engine::graph::RunMode;
use reconagent_engine::orchestrate::Orchestrator;

fn core() -> (tempfile::TempDir, Core) {
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(&dir.path().join("app.db"), true).unwrap();
    (dir, core)
}

fn all() -> QueueQuery {
    QueueQuery { limit: 10_000, ..Default::default() }
}

#[test]
fn first_start_loads_the_sample_and_processing_reports_progress() {
    let (_d, core) = core();
    let info = core.info().unwrap();
    assert!(info.loaded_sample);
    assert_eq!((info.breaks, info.new_breaks), (400, 400));
    let mut last = None;
    let summary = core.process(&[], "v2", |p| last = Some(p)).unwrap();
    assert_eq!(summary.processed, 400);
    let last = last.expect("progress was reported");
    assert_eq!((last.done, last.total), (400, 400));
    assert_eq!(core.info().unwrap().new_breaks, 0);
}

/// The dashboard's figures are the same as a direct run of the engine over the same breaks
/// (what `reconagent compare` does).
#[test]
fn dashboard_numbers_equal_a_direct_run_of_the_engine() {
    let (_d, core) = core();
    let ids: Vec<String> = core.queue(&all()).unwrap().rows.into_iter().map(|r| r.break_id).collect();
    core.process(&[], "v2", |_| {}).unwrap();
    core.process(&ids, "v1", |_| {}).unwrap();
    let e = core.efficiency(&StatsQuery::default()).unwrap();
    let invoked = |mode: &str| e.groups.iter().filter(|g| g.mode == mode).map(|g| g.agents_invoked * g.runs as f64).sum::<f64>().round() as usize;
    let orch = Orchestrator::bundled();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let now = chrono::Utc::now();
    let breaks = reconagent_engine::sample::bundled_breaks();
    let direct = |mode| breaks.iter().map(|b| rt.block_on(orch.process_break(b, mode, now)).agents_invoked()).sum::<usize>();
    assert_eq!(invoked("v1"), direct(RunMode::V1));
    assert_eq!(invoked("v2"), direct(RunMode::V2));
}

#[test]
fn review_errors_are_typed_and_readable() {
    let (_d, core) = core();
    core.process(&[], "v2", |_| {}).unwrap();
    let pending = core.queue(&QueueQuery { status: Some("PENDING_REVIEW".into()), ..all() }).unwrap().rows;
    let id = &pending[0].break_id;
    let e = core.review(id, &ReviewAction::Override { decision: "ESCALATE".into(), reason: " ".into() }).unwrap_err();
    assert_eq!(e.code, ErrorCode::Invalid);
    assert!(e.message.contains("reason"), "{}", e.message);
    assert_eq!(core.review(id, &ReviewAction::Accept).unwrap(), "RESOLVED");
    let e = core.review(id, &ReviewAction::Accept).unwrap_err();
    assert_eq!(e.code, ErrorCode::Invalid);
    assert!(e.message.contains("RESOLVED"), "{}", e.message);
    assert_eq!(core.break_detail("nope").unwrap_err().code, ErrorCode::NotFound);
    assert_eq!(core.process(&[], "v3", |_| {}).unwrap_err().code, ErrorCode::Invalid);
}
