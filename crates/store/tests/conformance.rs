//! The store's conformance suite: what every backend must do, written against the seam
//! (`Arc<dyn Backend>`) only. `conformance!` instantiates every case for each backend: SQLite
//! (a temp file) and PostgreSQL (a cluster started for each test on a free loopback port, the
//! team schema migrated by its owner, and one person with every team role).

mod support;

use reconagent_engine::graph::{ExecutionGraph, RunMode};
use reconagent_engine::orchestrate::Orchestrator;
use reconagent_engine::sample::{generate, sample_as_of};
use reconagent_engine::{Break, DecisionAction};
use reconagent_store::backend::stream_with_status;
use reconagent_store::export::ReportQuery;
use reconagent_store::prelude::*;
use reconagent_store::{EfficiencyFilter, QueueFilter, QueueSort, StoreError};
use std::sync::Arc;

type R = Result<(), Box<dyn std::error::Error>>;

/// One database under test: every call to `open` is a new handle (a new process, as far as
/// claims go) on the same data.
pub trait Harness {
    fn open(&self) -> Arc<dyn Backend>;
    /// A handle acting as `bob`, a second reviewer.
    fn open_as_bob(&self) -> Arc<dyn Backend>;
}

struct Sqlite(tempfile::TempDir);

impl Sqlite {
    fn new() -> Sqlite {
        Sqlite(tempfile::tempdir().expect("a temp dir"))
    }
}

impl Harness for Sqlite {
    fn open(&self) -> Arc<dyn Backend> {
        Arc::new(reconagent_store::SqliteStore::open(&self.0.path().join("conformance.db")).expect("the database opens"))
    }
    fn open_as_bob(&self) -> Arc<dyn Backend> {
        Arc::new(reconagent_store::SqliteStore::open(&self.0.path().join("conformance.db")).expect("the database opens").with_actor("bob"))
    }
}

/// A team database: its own cluster, migrated, with one person who holds every role.
struct Pg(support::pg::PgCluster);

impl Pg {
    fn new() -> Pg {
        let pg = support::pg::PgCluster::start();
        reconagent_store::postgres::TeamDb::connect(&pg.url("postgres")).expect("the owner connects").migrate().expect("the schema migrates");
        pg.admin()
            .batch_execute(
                "CREATE ROLE desk LOGIN IN ROLE recon_reviewer, recon_approver, recon_policy_admin, recon_auditor, recon_processor;
                 CREATE ROLE bob LOGIN IN ROLE recon_reviewer",
            )
            .expect("a person with every role");
        Pg(pg)
    }
}

impl Harness for Pg {
    fn open(&self) -> Arc<dyn Backend> {
        Arc::new(reconagent_store::postgres::PgStore::connect(&self.0.url("desk")).expect("the team database opens"))
    }
    fn open_as_bob(&self) -> Arc<dyn Backend> {
        Arc::new(reconagent_store::postgres::PgStore::connect(&self.0.url("bob")).expect("the team database opens"))
    }
}

fn breaks(n: usize) -> Vec<Break> {
    generate(31, n, &orchestrator().refdata)
}

/// The bundled policies without their four-eyes limits: this suite is one person's rules on
/// every backend; four eyes, which a team database adds, has its own tests
/// (`team_four_eyes.rs`).
fn orchestrator() -> Orchestrator {
    let text = reconagent_engine::policy::BUNDLED_POLICIES
        .replace("second_approver_tiers: [CRITICAL]", "second_approver_tiers: []")
        .replace("second_approver_above: \"5000000\"", "second_approver_above: null");
    let set = reconagent_engine::policy::PolicySet::load(&text, "conformance.yaml").expect("the bundled policies without limits load");
    assert_eq!(set.authority, Default::default(), "no four-eyes limits");
    Orchestrator::new(std::sync::Arc::new(set), std::sync::Arc::new(reconagent_engine::refdata::ReferenceData::bundled()))
}

fn run(orch: &Orchestrator, b: &Break, mode: RunMode) -> ExecutionGraph {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    rt.block_on(orch.process_break(b, mode, sample_as_of()))
}

/// A store with `n` breaks, each run once (v2) and recorded.
fn decided(store: &dyn Backend, n: usize) -> Result<(Vec<Break>, Vec<ExecutionGraph>), StoreError> {
    let orch = orchestrator();
    let bs = breaks(n);
    store.import_breaks(&bs, "conformance")?;
    store.record_policy(&orch.policies, "conformance")?;
    let graphs: Vec<_> = bs.iter().map(|b| run(&orch, b, RunMode::V2)).collect();
    store.record_runs(&graphs)?;
    Ok((bs, graphs))
}

mod cases {
    use super::*;

    pub fn imports_are_idempotent_and_audited(h: &dyn Harness) -> R {
        let s = h.open();
        let bs = breaks(25);
        assert_eq!(s.import_breaks(&bs, "first")?, (25, 0));
        assert_eq!(s.import_breaks(&bs[..10], "again")?, (0, 10));
        assert_eq!(s.count_with_status(BreakStatus::New)?, 25);
        assert_eq!(s.get_break(&bs[3].break_id)?, bs[3]);
        let row = s.break_row(&bs[3].break_id)?;
        assert_eq!((row.status, row.break_type.as_str()), (BreakStatus::New, bs[3].break_type.as_str()));
        assert!(matches!(s.get_break("NOPE"), Err(StoreError::NoSuchBreak(_))));
        assert!(matches!(s.break_row("NOPE"), Err(StoreError::NoSuchBreak(_))));
        let imports = s.audit_entries(&reconagent_store::AuditQuery { kind: Some(reconagent_store::EventKind::Import), limit: 10, ..Default::default() })?;
        assert_eq!(imports.len(), 2, "one entry per import call");
        assert!(s.verify()?.ok);
        Ok(())
    }

    pub fn differing_contents_are_found_and_replaced_only_on_purpose(h: &dyn Harness) -> R {
        let s = h.open();
        let (bs, _) = decided(&*s, 5)?;
        let mut changed = bs[1].clone();
        changed.description = Some("corrected by the desk".into());
        let same = bs[2].clone();
        let given = [changed.clone(), same];
        let differing = s.differing(&given)?;
        assert_eq!(differing.iter().map(|b| b.break_id.as_str()).collect::<Vec<_>>(), [changed.break_id.as_str()]);
        assert!(s.replace_break(&changed, " ").is_err(), "a reason is required");
        assert!(s.replace_break(&changed, "desk correction")?);
        assert!(!s.replace_break(&changed, "desk correction")?, "identical contents change nothing");
        assert_eq!(s.status_of(&changed.break_id)?, BreakStatus::New, "decided again on what it now says");
        assert_eq!(s.get_break(&changed.break_id)?, changed);
        assert!(s.verify()?.ok, "the replacement is in the chain");
        Ok(())
    }

    pub fn pages_by_status_walk_every_break_once_in_id_order(h: &dyn Harness) -> R {
        let s = h.open();
        let bs = breaks(23);
        s.import_breaks(&bs, "t")?;
        let streamed: Vec<String> = stream_with_status(&*s, BreakStatus::New, 5).map(|b| b.map(|b| b.break_id)).collect::<Result<_, _>>()?;
        let mut ids: Vec<String> = bs.iter().map(|b| b.break_id.clone()).collect();
        ids.sort();
        assert_eq!(streamed, ids);
        assert!(s.page_with_status(BreakStatus::Resolved, "", 10)?.is_empty());
        Ok(())
    }

    pub fn the_queue_filters_sorts_and_counts(h: &dyn Harness) -> R {
        let s = h.open();
        let (bs, graphs) = decided(&*s, 40)?;
        let (all, total) = s.queue(&QueueFilter { limit: 1000, ..Default::default() })?;
        assert_eq!((all.len(), total), (40, 40));
        let waiting = graphs.iter().filter(|g| g.decision.action != DecisionAction::AutoResolve).count() as u64;
        let (_, n) = s.queue(&QueueFilter { awaiting_review: true, limit: 1, ..Default::default() })?;
        assert_eq!(n, waiting);
        let (page, _) = s.queue(&QueueFilter { sort: Some(QueueSort::Priority), limit: 40, ..Default::default() })?;
        assert!(page.windows(2).all(|w| w[0].tier >= w[1].tier), "most severe first");
        // Type, decision and assignee sort by their text (none first), then by break id.
        let bobs = all.iter().find(|r| r.decision.is_some()).ok_or("a decided break")?.break_id.clone();
        s.act(&bobs, &HumanAction::Assign { assignee: "bob".into() })?;
        // Unassigned: every break but bob's; bob's alone by name.
        let (free, n) = s.queue(&QueueFilter { unassigned: true, limit: 100, ..Default::default() })?;
        assert_eq!((n, free.len()), (39, 39));
        assert!(free.iter().all(|r| r.assignee.is_none()));
        assert_eq!(
            s.queue(&QueueFilter { assignee: Some("bob".into()), limit: 100, ..Default::default() })?.0.iter().map(|r| r.break_id.clone()).collect::<Vec<_>>(),
            [bobs]
        );
        // "Mine and my groups" is counted too, not read from the counters (which count no one).
        let (mine, n) = s.queue(&QueueFilter { assignee_in: vec!["bob".into(), "fx_desk".into()], limit: 100, ..Default::default() })?;
        assert_eq!((mine.len(), n), (1, 1));
        for (sort, key) in [
            (QueueSort::BreakType, (|r: &reconagent_store::BreakRow| r.break_type.clone()) as fn(&reconagent_store::BreakRow) -> String),
            (QueueSort::Decision, |r| {
                // By severity: none, AUTO_RESOLVE, HIL_REVIEW, ESCALATE.
                r.decision
                    .map_or("0", |d| match d {
                        DecisionAction::AutoResolve => "1",
                        DecisionAction::HilReview => "2",
                        DecisionAction::Escalate => "3",
                    })
                    .to_string()
            }),
            (QueueSort::Assignee, |r| r.assignee.clone().unwrap_or_default()),
        ] {
            let (rows, _) = s.queue(&QueueFilter { sort: Some(sort), limit: 100, ..Default::default() })?;
            let keys: Vec<(String, String)> = rows.iter().map(|r| (key(r), r.break_id.clone())).collect();
            let mut sorted = keys.clone();
            sorted.sort();
            assert_eq!(keys, sorted, "{sort:?}");
            assert!(keys.first() != keys.last(), "{sort:?} has more than one key here");
        }
        let prefix = &bs[7].break_id[..bs[7].break_id.len() - 1];
        let (found, _) = s.queue(&QueueFilter { search: Some(prefix.to_lowercase()), limit: 100, ..Default::default() })?;
        assert!(found.iter().any(|r| r.break_id == bs[7].break_id), "search is by prefix, case-insensitive");
        let (second, _) = s.queue(&QueueFilter { limit: 10, offset: 10, ..Default::default() })?;
        assert_eq!(second, all[10..20].to_vec(), "pages do not overlap");
        let types = s.break_types()?;
        assert!(bs.iter().all(|b| types.contains(&b.break_type.as_str().to_string())));
        assert_eq!(s.recent_breaks(5, None)?.len(), 5);
        Ok(())
    }

    /// Keyset paging, by property: for every sort, both ways, under several filters, walking
    /// the queue page by page from each page's `next` reads every matching break exactly once,
    /// in the sort's order (the same rows as one big page and as offset pages), ending with no
    /// `next`; and the count (from the counters, or counted) equals the rows read. The counts
    /// stay right through human actions and a replacement.
    pub fn keyset_pages_walk_every_match_once_and_counts_agree(h: &dyn Harness) -> R {
        let s = h.open();
        let (bs, _) = decided(&*s, 90)?;
        let waiting = s.queue_page(&QueueFilter { awaiting_review: true, limit: 1, ..Default::default() })?.rows;
        s.act(&waiting[0].break_id, &HumanAction::Accept)?;
        let mut changed = bs[3].clone();
        changed.amount += rust_decimal::Decimal::ONE;
        s.replace_break(&changed, "conformance: a corrected amount")?;
        let sorts = [
            QueueSort::BreakId,
            QueueSort::DetectedAt,
            QueueSort::Tier,
            QueueSort::Status,
            QueueSort::SlaDeadline,
            QueueSort::Counterparty,
            QueueSort::BreakType,
            QueueSort::Decision,
            QueueSort::Assignee,
            QueueSort::Priority,
        ];
        let filters = [
            QueueFilter::default(),
            QueueFilter { awaiting_review: true, ..Default::default() },
            QueueFilter { status: Some(BreakStatus::PendingReview), ..Default::default() },
            QueueFilter { tier: Some(reconagent_engine::RiskTier::High), decision: Some(DecisionAction::HilReview), ..Default::default() },
            QueueFilter { break_type: Some(bs[0].break_type.as_str().to_string()), ..Default::default() },
            QueueFilter { search: Some(bs[5].break_id[..5].to_lowercase()), ..Default::default() },
            // a counterparty prefix, alone and with a status (counted in two disjoint parts on a team database)
            QueueFilter { search: bs.iter().find_map(|b| b.counterparty.as_ref().map(|c| c[..3].to_lowercase())), ..Default::default() },
            QueueFilter { search: bs.iter().find_map(|b| b.counterparty.as_ref().map(|c| c[..2].to_uppercase())), awaiting_review: true, ..Default::default() },
            QueueFilter { search: Some("b".into()), ..Default::default() },
            QueueFilter { assignee: Some("nobody".into()), ..Default::default() },
            QueueFilter { unassigned: true, awaiting_review: true, ..Default::default() },
        ];
        for filter in &filters {
            let whole = s.queue_page(&QueueFilter { limit: 10_000, ..filter.clone() })?;
            assert!(whole.next.is_none(), "one page holds them all");
            assert_eq!(s.queue_count(filter)?, whole.rows.len() as u64, "count of {filter:?}");
            for sort in sorts {
                for descending in [false, true] {
                    let f = QueueFilter { sort: Some(sort), descending, limit: 7, ..filter.clone() };
                    let all = s.queue_page(&QueueFilter { limit: 10_000, ..f.clone() })?.rows;
                    let mut walked = Vec::new();
                    let mut page = s.queue_page(&f)?;
                    loop {
                        walked.extend(page.rows.iter().cloned());
                        match page.next.clone() {
                            Some(next) => page = s.queue_page(&QueueFilter { after: Some(next), ..f.clone() })?,
                            None => break,
                        }
                    }
                    assert_eq!(walked, all, "{sort:?} descending={descending} under {filter:?}");
                    if all.len() > 7 {
                        assert_eq!(s.queue_page(&QueueFilter { offset: 7, ..f.clone() })?.rows, all[7..all.len().min(14)].to_vec(), "offset agrees");
                        // A cursor and an offset together: the offset counts from the cursor.
                        let first = s.queue_page(&f)?;
                        let skipped = s.queue_page(&QueueFilter { after: first.next, offset: 3, ..f.clone() })?.rows;
                        assert_eq!(skipped, all[all.len().min(10)..all.len().min(17)].to_vec(), "cursor + offset");
                    }
                    let mut ids: Vec<_> = walked.iter().map(|r| r.break_id.clone()).collect();
                    ids.sort();
                    ids.dedup();
                    assert_eq!(ids.len(), walked.len(), "no break twice");
                }
            }
        }
        Ok(())
    }

    /// A full verification stores its head; the next one can start there and check only the
    /// entries after it.
    pub fn verification_continues_from_the_last_verified_head(h: &dyn Harness) -> R {
        let s = h.open();
        decided(&*s, 5)?;
        let first = s.verify_since_checkpoint()?;
        assert!(first.ok && first.entries >= 7, "no head yet: a full verification ({first:?})");
        let full = s.verify()?;
        s.import_breaks(&breaks(8)[5..], "conformance: more")?;
        let since = s.verify_since_checkpoint()?;
        assert!(since.ok, "{since:?}");
        assert_eq!(since.entries, 1, "only the import after the verified head");
        assert_eq!(s.verify()?.head, since.head);
        assert_ne!(full.head, since.head);
        Ok(())
    }

    pub fn runs_set_the_status_and_comparison_runs_change_nothing(h: &dyn Harness) -> R {
        let s = h.open();
        let (bs, graphs) = decided(&*s, 6)?;
        for (b, g) in bs.iter().zip(&graphs) {
            assert_eq!(s.status_of(&b.break_id)?, BreakStatus::from_decision(g.decision.action));
        }
        let orch = orchestrator();
        let before = s.break_row(&bs[0].break_id)?;
        s.record_runs(&[run(&orch, &bs[0], RunMode::V1)])?;
        assert_eq!(s.break_row(&bs[0].break_id)?, before, "a v1 run is a shadow run");
        let runs = s.runs_of(&bs[0].break_id)?;
        assert_eq!(runs.len(), 2);
        assert!(runs[0].0 < runs[1].0, "oldest first");
        assert_eq!(runs[0].1, graphs[0]);
        assert!(s.verify()?.ok);
        Ok(())
    }

    /// Every run that sends its break to a person routes it to WORKFLOW's group; one queue's
    /// review list is exactly its breaks, in review order; a comparison run changes nothing and a
    /// replaced break (NEW again) waits in no queue.
    pub fn runs_route_waiting_breaks_to_workflow_queues(h: &dyn Harness) -> R {
        let s = h.open();
        let (bs, graphs) = decided(&*s, 60)?;
        let mut routed = std::collections::BTreeMap::<String, Vec<String>>::new();
        for g in &graphs {
            let row = s.break_row(&g.break_id)?;
            assert_eq!(row.work_queue.as_deref(), g.routed_queue(), "{}", g.break_id);
            if g.decision.action == DecisionAction::AutoResolve {
                assert_eq!(row.work_queue, None, "{}: a closed break waits nowhere", g.break_id);
            }
            if let Some(q) = g.routed_queue() {
                assert!(reconagent_engine::agents::workflow_groups().iter().any(|known| known == q), "{q} is a queue the filters offer");
                routed.entry(q.to_string()).or_default().push(g.break_id.clone());
            }
        }
        assert!(routed.len() >= 2, "the sample routes to several queues: {routed:?}");
        for (queue, mut ids) in routed {
            let f = QueueFilter { awaiting_review: true, work_queue: Some(queue.clone()), sort: Some(QueueSort::Priority), limit: 1000, ..Default::default() };
            let (page, n) = s.queue(&f)?;
            assert_eq!(n as usize, ids.len(), "{queue}: the count");
            assert!(page.windows(2).all(|w| w[0].tier >= w[1].tier), "{queue}: most severe first");
            let mut got: Vec<String> = page.iter().map(|r| r.break_id.clone()).collect();
            got.sort();
            ids.sort();
            assert_eq!(got, ids, "{queue}: exactly its breaks");
        }
        let orch = orchestrator();
        let i = graphs.iter().position(|g| g.routed_queue().is_some()).ok_or("a routed break")?;
        let before = s.break_row(&bs[i].break_id)?;
        s.record_runs(&[run(&orch, &bs[i], RunMode::V1)])?;
        assert_eq!(s.break_row(&bs[i].break_id)?, before, "a v1 run routes nothing");
        let mut changed = bs[i].clone();
        changed.description = Some("corrected".into());
        assert!(s.replace_break(&changed, "desk correction")?);
        assert_eq!(s.break_row(&bs[i].break_id)?.work_queue, None, "NEW again: in no queue");
        assert!(s.verify()?.ok, "{:?}", s.verify()?);
        Ok(())
    }

    pub fn a_run_is_refused_for_a_resolved_break_or_an_unknown_policy(h: &dyn Harness) -> R {
        let s = h.open();
        let (bs, graphs) = decided(&*s, 8)?;
        let i = graphs.iter().position(|g| g.decision.action != DecisionAction::AutoResolve).ok_or("a break waiting for review")?;
        s.act(&bs[i].break_id, &HumanAction::Accept)?;
        let orch = orchestrator();
        let again = run(&orch, &bs[i], RunMode::V2);
        assert!(matches!(s.record_runs(&[again]), Err(StoreError::IllegalTransition { .. })));
        let mut unknown = run(&orch, &bs[(i + 1) % 8], RunMode::V2);
        unknown.policy_version = "0".repeat(64);
        assert!(s.record_runs(&[unknown]).is_err(), "the policy version must be recorded first");
        assert!(s.verify()?.ok, "nothing half-written");
        Ok(())
    }

    pub fn claims_keep_two_holders_apart_until_released(h: &dyn Harness) -> R {
        let (a, b) = (h.open(), h.open());
        let bs = breaks(10);
        a.import_breaks(&bs, "t")?;
        let mut ids: Vec<String> = bs.iter().map(|b| b.break_id.clone()).collect();
        ids.sort();
        assert_eq!(a.claim(&ids[..5], true)?, ids[..5].to_vec());
        assert!(b.claim(&ids[..5], true)?.is_empty(), "held by the other handle");
        assert_eq!(b.claim(&ids[5..], true)?, ids[5..].to_vec());
        a.release_claims()?;
        assert_eq!(b.claim(&ids[..5], true)?, ids[..5].to_vec(), "free once released");
        b.release_claims()?;
        Ok(())
    }

    pub fn human_actions_follow_the_lifecycle(h: &dyn Harness) -> R {
        let s = h.open();
        let (bs, graphs) = decided(&*s, 10)?;
        let i = graphs.iter().position(|g| g.decision.action != DecisionAction::AutoResolve).ok_or("a break waiting for review")?;
        let id = &bs[i].break_id;
        s.act(id, &HumanAction::Comment { text: "looking".into() })?;
        s.act(id, &HumanAction::Assign { assignee: "bob".into() })?;
        assert!(matches!(s.act(id, &HumanAction::Override { decision: DecisionAction::Escalate, reason: "".into() }), Err(StoreError::Invalid(_))));
        assert_eq!(s.act(id, &HumanAction::Accept)?, BreakStatus::Resolved);
        assert!(matches!(s.act(id, &HumanAction::Accept), Err(StoreError::IllegalTransition { .. })), "nothing left to accept");
        let kinds: Vec<String> = s.actions_of(id)?.into_iter().map(|a| a.kind).collect();
        assert_eq!(kinds, ["COMMENT", "ASSIGN", "ACCEPT"]);
        assert_eq!(s.break_row(id)?.assignee.as_deref(), Some("bob"));
        assert!(matches!(s.act("NOPE", &HumanAction::Accept), Err(StoreError::NoSuchBreak(_))));
        assert!(s.verify()?.ok);
        Ok(())
    }

    /// Undo takes back one's own latest ACCEPT, OVERRIDE or RESOLVE: the status and decision
    /// come back, the undo is an action of its own, and the record still verifies.
    pub fn undo_takes_back_ones_own_latest_decision(h: &dyn Harness) -> R {
        let s = h.open();
        let (bs, graphs) = decided(&*s, 10)?;
        let waiting: Vec<usize> = graphs.iter().enumerate().filter(|(_, g)| g.decision.action != DecisionAction::AutoResolve).map(|(i, _)| i).collect();
        let (id, other) = (&bs[waiting[0]].break_id, &bs[waiting[1]].break_id);
        let undo = HumanAction::Undo { undone: String::new(), decision: None };
        // The refusals in the same words on every backend (Rust's `HumanAction::undo_of` here, the
        // team database's `recon.act` there): the whole message, not a part of it.
        let me = s.actor().to_string();
        let nothing = |r: Result<BreakStatus, StoreError>, on: &str, why: &str| match r {
            Err(StoreError::Invalid(m)) => {
                assert_eq!(m, format!("nothing to undo on {on}: {why}"));
                true
            }
            other => panic!("undo not refused: {other:?}"),
        };
        assert!(nothing(s.act(id, &undo), id, "no one has acted on it"));
        s.act(id, &HumanAction::Comment { text: "looking".into() })?;
        assert!(nothing(s.act(id, &undo), id, &format!("its latest action is COMMENT by {me}, and only ACCEPT, OVERRIDE and RESOLVE are undone")));
        let before = s.break_row(id)?;
        assert_eq!(s.act(id, &HumanAction::Accept)?, BreakStatus::Resolved);
        assert_eq!(s.act(id, &undo)?, before.status, "back to waiting");
        let after = s.break_row(id)?;
        assert_eq!((after.status, after.decision), (before.status, before.decision));
        let actions = s.actions_of(id)?;
        let last = actions.last().ok_or("the undo is recorded")?;
        assert_eq!(actions.iter().map(|a| a.kind.as_str()).collect::<Vec<_>>(), ["COMMENT", "ACCEPT", "UNDO"]);
        assert!(last.comment.as_deref().is_some_and(|c| c.starts_with("ACCEPT at ")), "{last:?}");
        assert_eq!(last.decision.as_deref(), before.decision.map(|d| d.as_str()));
        assert!(nothing(s.act(id, &undo), id, &format!("its latest action is UNDO by {me}, and only ACCEPT, OVERRIDE and RESOLVE are undone")));

        // An override to AUTO_RESOLVE closes the break; undone, its old decision is back.
        assert_eq!(s.act(id, &HumanAction::Override { decision: DecisionAction::AutoResolve, reason: "explained by FX".into() })?, BreakStatus::Resolved);
        assert_eq!(s.break_row(id)?.decision, Some(DecisionAction::AutoResolve));
        s.act(id, &undo)?;
        assert_eq!((s.break_row(id)?.status, s.break_row(id)?.decision), (before.status, before.decision));

        // Only one's own.
        s.act(other, &HumanAction::Resolve { comment: "done".into() })?;
        assert!(nothing(h.open_as_bob().act(other, &undo), other, &format!("its latest action is RESOLVE by {me}, not by you")));
        assert_eq!(s.break_row(other)?.status, BreakStatus::Resolved);
        assert!(s.verify()?.ok, "{:?}", s.verify()?);
        // The desk: what waits and who did what today.
        let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
        let period = EfficiencyFilter { from: Some(today.clone()), to: Some(today), break_type: None };
        let desk = s.desk(&period, "9999-12-31T00:00:00Z")?;
        let waiting = graphs.iter().filter(|g| g.decision.action != DecisionAction::AutoResolve).count() as i64 - 1;
        assert_eq!((desk.waiting, desk.overdue, desk.new), (waiting, waiting, 0), "{desk:?}");
        let me = desk.people.iter().find(|p| p.actor == s.actor()).ok_or("my actions are counted")?;
        assert_eq!((me.accepted, me.overridden, me.resolved, me.commented, me.undone, me.total), (1, 1, 1, 1, 2, 6), "{me:?}");
        assert_eq!(s.desk(&period, "2000-01-01T00:00:00Z")?.overdue, 0, "nothing is late in 2000");
        let words: Vec<String> = s
            .audit_entries(&reconagent_store::AuditQuery { subject: Some(id.clone()), limit: 20, ..Default::default() })?
            .iter()
            .map(|e| e.summary())
            .collect();
        assert!(words.iter().any(|w| w.starts_with("Undid ACCEPT at ") && w.ends_with(&format!(": RESOLVED → {}.", before.status.as_str()))), "{words:#?}");
        assert!(
            words.iter().any(|w| w == &format!("Override to AUTO_RESOLVE because \"explained by FX\" on {id}: {} → RESOLVED.", before.status.as_str())),
            "{words:#?}"
        );
        assert!(words.iter().any(|w| w.starts_with(&format!("Run 1 (v2) of {id}")) || w.contains(&format!(" of {id} under "))), "{words:#?}");
        Ok(())
    }

    pub fn the_audit_log_reads_newest_first_by_kind(h: &dyn Harness) -> R {
        let s = h.open();
        decided(&*s, 4)?;
        let all = s.audit_entries(&reconagent_store::AuditQuery { limit: 100, ..Default::default() })?;
        assert!(all.windows(2).all(|w| w[0].seq > w[1].seq), "newest first");
        let runs = s.audit_entries(&reconagent_store::AuditQuery { kind: Some(reconagent_store::EventKind::Run), limit: 100, ..Default::default() })?;
        assert_eq!(runs.len(), 4);
        assert_eq!(s.audit_entries(&reconagent_store::AuditQuery { limit: 2, before: Some(all[0].seq), ..Default::default() })?, all[1..3].to_vec());
        // One break's entries, newest first, and only its own.
        let subject = runs[1].subject.clone();
        let of_one = s.audit_entries(&reconagent_store::AuditQuery { subject: Some(subject.clone()), limit: 100, ..Default::default() })?;
        let want: Vec<_> = all.iter().filter(|e| e.subject == subject).cloned().collect();
        assert!(!want.is_empty() && of_one == want, "{of_one:?}");
        // Every entry reads in words, not as its JSON.
        for e in &all {
            assert!(!e.summary().starts_with('{'), "{} entry {} has no words: {}", e.kind, e.seq, e.summary());
        }
        let v = s.verify()?;
        assert_eq!((v.ok, v.entries as usize, v.head.as_str()), (true, all.len(), all[0].hash.as_str()));
        Ok(())
    }

    pub fn reports_and_their_entries(h: &dyn Harness) -> R {
        let s = h.open();
        let (bs, _) = decided(&*s, 12)?;
        let today = chrono::Utc::now().date_naive();
        let q = ReportQuery { from: today, to: today, break_type: None };
        let report = s.report(&q)?;
        assert_eq!((report.breaks.len(), report.runs.len()), (bs.len(), bs.len()));
        assert!(report.chain.ok);
        s.record_export("/tmp/report.json", &serde_json::json!({"format": "json"}))?;
        assert_eq!(
            s.audit_entries(&reconagent_store::AuditQuery { kind: Some(reconagent_store::EventKind::ExportMade), limit: 10, ..Default::default() })?.len(),
            1
        );
        assert!(s.verify()?.ok);
        Ok(())
    }

    pub fn efficiency_counts_every_run(h: &dyn Harness) -> R {
        let s = h.open();
        let (bs, graphs) = decided(&*s, 15)?;
        let e = s.efficiency(&EfficiencyFilter::default())?;
        assert_eq!(e.groups.iter().map(|g| g.runs).sum::<u64>(), graphs.len() as u64);
        assert_eq!(e.per_day.iter().map(|d| d.runs).sum::<u64>(), graphs.len() as u64);
        assert!(e.groups.iter().all(|g| g.llm_runs == 0 && g.mean_measured_cost.is_none()), "no run asked a model");

        // Runs whose agents asked a model: their measured cost is summed exactly, per group.
        let call = |cost: &str| reconagent_engine::llm::LlmCall {
            agent: reconagent_engine::AgentKind::Decisioning,
            model: "m".into(),
            request_sha256: "0".repeat(64),
            outcome: reconagent_engine::llm::LlmOutcome::Answered,
            verdict: Some(reconagent_engine::llm::Verdict::Agreed),
            rules_action: None,
            prompt_tokens: 900,
            completion_tokens: 60,
            usage_estimated: false,
            cost: cost.parse().expect("a decimal"),
            latency_ms: 300,
            attempts: 1,
            note: None,
            raw_answer: None,
        };
        let orch = orchestrator();
        let mut shadow = [run(&orch, &bs[0], RunMode::V1), run(&orch, &bs[1], RunMode::V1)];
        shadow[0].llm_calls = vec![call("0.00012345"), call("0.00000001")];
        shadow[1].llm_calls = vec![call("0.00010000")];
        s.record_runs(&shadow)?;
        let e = s.efficiency(&EfficiencyFilter::default())?;
        let v1: Vec<_> = e.groups.iter().filter(|g| g.mode == RunMode::V1).collect();
        assert_eq!(v1.iter().map(|g| g.llm_runs).sum::<u64>(), 2);
        let total: rust_decimal::Decimal = v1.iter().filter_map(|g| g.mean_measured_cost.map(|m| m * rust_decimal::Decimal::from(g.llm_runs))).sum();
        assert_eq!(total, "0.00022346".parse::<rust_decimal::Decimal>()?, "{v1:?}");
        assert!(s.verify()?.ok);
        Ok(())
    }

    pub fn policy_versions_and_saves(h: &dyn Harness) -> R {
        let s = h.open();
        let set = reconagent_engine::policy::PolicySet::bundled();
        s.record_policy(&set, "bundled")?;
        s.record_policy(&set, "bundled again")?;
        assert_eq!(
            s.audit_entries(&reconagent_store::AuditQuery { kind: Some(reconagent_store::EventKind::PolicySaved), limit: 10, ..Default::default() })?.len(),
            1,
            "a version is recorded once"
        );
        assert_eq!(s.policy_text(&set.version)?, *set.text);
        if s.policy_changes_need_approval() {
            // a team's change takes two people (team_policy.rs): a direct save is refused
            assert!(s.record_policy_save(&set, "routing_policies.yaml", "saved", None).is_err());
            let proposal = s.propose_policy(&set, "routing_policies.yaml", "proposed", None)?;
            assert!(s.decide_policy_proposal(proposal.proposal_id, true, "").is_err(), "not by its author");
            assert_eq!(s.team_policy()?, None);
        } else {
            let save = s.record_policy_save(&set, "routing_policies.yaml", "saved", None)?;
            assert_eq!(save.hash, set.version);
            let history = s.policy_history(10)?;
            assert_eq!(history[0].save_id, save.save_id);
            assert!(s.propose_policy(&set, "routing_policies.yaml", "proposed", None).is_err(), "one person saves alone");
            assert_eq!(s.team_policy()?, None, "one person's file is in force");
        }
        assert!(s.policy_text("nope").is_err());
        assert!(s.verify()?.ok);
        Ok(())
    }

    pub fn history_sees_decided_breaks(h: &dyn Harness) -> R {
        let s = h.open();
        let (bs, _) = decided(&*s, 30)?;
        let history = s.history()?;
        let b = &bs[0];
        let summary = history.similar(&reconagent_engine::agents::SimilarQuery {
            break_id: "ANOTHER".into(),
            break_type: b.break_type.clone(),
            counterparty: b.counterparty.clone(),
            instrument_id: b.instrument_id.clone(),
        })?;
        assert!(summary.similar_count >= 1, "the decided break itself is similar to a break like it");
        Ok(())
    }
}

/// Every case, as one `#[test]` each, for the backend `$make()` opens.
macro_rules! conformance {
    ($backend:ident, $make:expr) => {
        mod $backend {
            use super::*;
            conformance!(@cases $make;
                imports_are_idempotent_and_audited,
                differing_contents_are_found_and_replaced_only_on_purpose,
                pages_by_status_walk_every_break_once_in_id_order,
                the_queue_filters_sorts_and_counts,
                keyset_pages_walk_every_match_once_and_counts_agree,
                verification_continues_from_the_last_verified_head,
                runs_set_the_status_and_comparison_runs_change_nothing,
                runs_route_waiting_breaks_to_workflow_queues,
                a_run_is_refused_for_a_resolved_break_or_an_unknown_policy,
                claims_keep_two_holders_apart_until_released,
                human_actions_follow_the_lifecycle,
                undo_takes_back_ones_own_latest_decision,
                the_audit_log_reads_newest_first_by_kind,
                reports_and_their_entries,
                efficiency_counts_every_run,
                policy_versions_and_saves,
                history_sees_decided_breaks
            );
        }
    };
    (@cases $make:expr; $($case:ident),*) => {
        $(
            #[test]
            fn $case() -> R {
                let harness = $make;
                cases::$case(&harness)
            }
        )*
    };
}

conformance!(sqlite, Sqlite::new());
conformance!(postgres, Pg::new());
