//! Audit exports, opened back and checked.

use calamine::{open_workbook, Reader, Xlsx};
use reconagent_engine::graph::RunMode;
use reconagent_engine::orchestrate::Orchestrator;
use reconagent_engine::sample::{generate, sample_as_of};
use reconagent_engine::DecisionAction;
use reconagent_store::export::{ExportFormat, ReportQuery};
use reconagent_store::prelude::*;
use reconagent_store::{HumanAction, QueueFilter, Store};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const HOSTILE: &str = "=HYPERLINK(\"http://x\")<script>alert('x')</script>";

fn populated(dir: &tempfile::TempDir) -> Store {
    let store = Store::open(&dir.path().join("recon.db")).unwrap().with_actor("alice");
    let orch = Orchestrator::bundled();
    let mut breaks = generate(9, 60, &orch.refdata);
    breaks[0].counterparty = Some(HOSTILE.into());
    store.import_breaks(&breaks, "test").unwrap();
    store.record_policy(&orch.policies, "bundled").unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let graphs: Vec<_> = breaks.iter().map(|b| rt.block_on(orch.process_break(b, RunMode::V2, sample_as_of()))).collect();
    store.record_runs(&graphs).unwrap();
    let (pending, _) = store.queue(&QueueFilter { status: Some(BreakStatus::PendingReview), ..Default::default() }).unwrap();
    store.act(&pending[0].break_id, &HumanAction::Override { decision: DecisionAction::Escalate, reason: format!("reason with {HOSTILE}") }).unwrap();
    store
}

fn today_query() -> ReportQuery {
    let today = chrono::Utc::now().date_naive();
    ReportQuery { from: today - chrono::Duration::days(1), to: today, break_type: None }
}

#[test]
fn every_format_carries_the_chain_head_and_verification() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = populated(&dir);
    let head_before = store.verify().unwrap().head;
    let q = today_query();

    let json_path = dir.path().join("r.json");
    let report = reconagent_store::export::export(&store, &q, ExportFormat::Json, &json_path)?;
    assert_eq!(report.chain.head, head_before);
    assert!(report.chain.ok);
    assert_eq!(report.summary.breaks, 60);
    assert_eq!(report.summary.overrides, 1);
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json_path).unwrap())?;
    assert_eq!(v["chain"]["head"], head_before.as_str());
    assert!(v["runs"][0]["agents_invoked"].as_array().is_some());

    // The export itself is audited, so the head moves on.
    let after = store.verify()?;
    assert!(after.ok);
    assert_ne!(after.head, head_before);

    let html_path = dir.path().join("r.html");
    let report = reconagent_store::export::export(&store, &q, ExportFormat::Html, &html_path)?;
    let html = std::fs::read_to_string(&html_path)?;
    assert!(html.contains(&format!("<code id=\"chain-head\">{}</code>", report.chain.head)));
    assert!(html.contains("INTACT"));
    assert!(!html.contains("<script>"), "hostile text is escaped");
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assert!(!html.contains("http-equiv=\"refresh\"") && !html.contains("src=\"http"), "self-contained");
    assert!(html.contains("Human actions"));

    let csv_path = dir.path().join("r.csv");
    let report = reconagent_store::export::export(&store, &q, ExportFormat::Csv, &csv_path)?;
    let mut rdr = csv::Reader::from_path(&csv_path)?;
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(&rows[0][0], "REPORT");
    assert_eq!(&rows[0][8], "INTACT");
    assert_eq!(&rows[0][14], report.chain.head);
    assert_eq!(rows.iter().filter(|r| &r[0] == "BREAK").count(), 60);
    assert_eq!(rows.iter().filter(|r| &r[0] == "RUN").count(), 60);
    assert!(rows.iter().any(|r| &r[0] == "ACTION" && &r[4] == "OVERRIDE" && r[13].starts_with("reason with")));
    assert!(rows.iter().any(|r| &r[0] == "BREAK" && r[16].starts_with("'=HYPERLINK")), "formula neutralised");
    // Amount and currency in their own cells; the assignee in its own column, never as the actor;
    // a run carries its reasons in words.
    let header = csv::Reader::from_path(&csv_path)?.headers()?.clone();
    assert_eq!((&header[15], &header[17], &header[18], &header[19]), ("amount", "currency", "assignee", "rationale"));
    assert!(
        rows.iter().filter(|r| &r[0] == "BREAK").all(|r| r[15].parse::<rust_decimal::Decimal>().is_ok() && r[17].len() == 3 && r[5].is_empty()),
        "{rows:?}"
    );
    assert!(rows.iter().filter(|r| &r[0] == "RUN").all(|r| r[19].contains("Tier ")), "every run states its tier in words");

    let xlsx_path = dir.path().join("r.xlsx");
    let report = reconagent_store::export::export(&store, &q, ExportFormat::Xlsx, &xlsx_path)?;
    let mut wb: Xlsx<_> = open_workbook(&xlsx_path)?;
    assert_eq!(wb.sheet_names(), ["Summary", "Breaks", "Runs", "Actions", "Audit log"]);
    let summary = wb.worksheet_range("Summary")?;
    let cell = |r: u32| summary.get_value((r, 1)).map(|c| c.to_string()).unwrap_or_default();
    assert_eq!(cell(5), "INTACT");
    assert_eq!(cell(6), report.chain.head);
    let breaks = wb.worksheet_range("Breaks")?;
    assert_eq!(breaks.height(), 61, "header and 60 breaks");
    let cp = breaks.rows().find(|r| r[9].to_string().contains("HYPERLINK")).unwrap()[9].to_string();
    assert!(cp.starts_with("'="), "{cp}");

    // Past a sheet's row limit a table continues on "Breaks (2)", ... with its header again
    // (Excel's limit is 1,048,576; 25 here, so 60 breaks take three sheets: 24 + 24 + 12).
    let split = dir.path().join("split.xlsx");
    reconagent_store::export::write_xlsx_split(&store, &q, &split, 25)?;
    let mut wb: Xlsx<_> = open_workbook(&split)?;
    let names = wb.sheet_names();
    assert_eq!(&names[..4], ["Summary", "Breaks", "Breaks (2)", "Breaks (3)"], "{names:?}");
    let heights: Vec<usize> = ["Breaks", "Breaks (2)", "Breaks (3)"].iter().map(|n| wb.worksheet_range(n).unwrap().height()).collect();
    assert_eq!(heights, [25, 25, 13]);
    let third = wb.worksheet_range("Breaks (3)")?;
    assert_eq!(third.get_value((0, 0)).map(|c| c.to_string()).as_deref(), Some("break_id"), "each sheet has the header");
    let mut ids: Vec<String> = ["Breaks", "Breaks (2)", "Breaks (3)"]
        .iter()
        .flat_map(|n| wb.worksheet_range(n).unwrap().rows().skip(1).map(|r| r[0].to_string()).collect::<Vec<_>>())
        .collect();
    ids.dedup();
    assert_eq!(ids.len(), 60, "every break once, in order");

    let leftovers: Vec<_> =
        std::fs::read_dir(dir.path()).unwrap().filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().ends_with(".tmp")).collect();
    assert!(leftovers.is_empty(), "no temp files left behind");
    assert!(store.verify().unwrap().ok);
    Ok(())
}

#[test]
fn a_broken_chain_is_stated_in_the_report() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = populated(&dir);
    let c = rusqlite::Connection::open(store.path())?;
    c.execute_batch("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'mallory' WHERE seq = 7;")?;
    let path = dir.path().join("r.html");
    let report = reconagent_store::export::export(&store, &today_query(), ExportFormat::Html, &path)?;
    assert!(!report.chain.ok);
    assert!(std::fs::read_to_string(&path).unwrap().contains("BROKEN at entry 7"));
    Ok(())
}

#[test]
fn a_type_filter_and_an_empty_period() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = populated(&dir);
    let mut q = today_query();
    q.break_type = Some("CASH_RECONCILIATION".into());
    let head = reconagent_store::export::export(&store, &q, ExportFormat::Json, &dir.path().join("a.json"))?;
    let r = store.report(&q)?;
    assert_eq!(head.summary, r.summary, "the streamed report and the collected one agree");
    assert_eq!((r.summary.breaks, r.summary.runs), (r.breaks.len(), r.runs.len()));
    assert!(!r.breaks.is_empty());
    assert!(r.breaks.iter().all(|b| b.break_type == "CASH_RECONCILIATION"));
    assert!(r.runs.iter().all(|x| r.breaks.iter().any(|b| b.break_id == x.break_id)));
    let old = ReportQuery { from: "2020-01-01".parse().unwrap(), to: "2020-01-31".parse().unwrap(), break_type: None };
    let r = reconagent_store::export::export(&store, &old, ExportFormat::Html, &dir.path().join("old.html"))?;
    assert!(r.summary.breaks == 0 && r.summary.runs == 0);
    assert!(std::fs::read_to_string(dir.path().join("old.html")).unwrap().contains("none in this period"));
    Ok(())
}

#[test]
fn a_failed_write_leaves_nothing_under_the_final_name() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = populated(&dir);
    let out = dir.path().join("missing-dir").join("r.csv");
    assert!(reconagent_store::export::export(&store, &today_query(), ExportFormat::Csv, &out).is_err());
    assert!(!out.exists());
    Ok(())
}

/// SQL and HTML metacharacters in every text a person or a file can put in: stored as given,
/// found by search as given, escaped in the HTML report.
#[test]
fn metacharacters_in_every_text_field_are_stored_and_shown_literally() -> TestResult {
    const SQL: &str = "x'); DROP TABLE breaks; --";
    const HTML: &str = "\"><img src=x onerror=alert(1)>&amp;";
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("recon.db")).unwrap().with_actor(format!("eve {HTML}"));
    let orch = Orchestrator::bundled();
    let mut breaks = generate(4, 3, &orch.refdata);
    breaks[0].break_id = format!("BRK-{SQL}");
    breaks[0].counterparty = Some(format!("ACME {HTML} {SQL}"));
    breaks[1].break_id = format!("BRK-{HTML}");
    store.import_breaks(&breaks, &format!("file {SQL}.csv"))?;
    store.record_policy(&orch.policies, &format!("note {HTML}"))?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let graphs: Vec<_> = breaks.iter().map(|b| rt.block_on(orch.process_break(b, RunMode::V2, sample_as_of()))).collect();
    store.record_runs(&graphs)?;
    let id = breaks[0].break_id.clone();
    store.act(&id, &HumanAction::Assign { assignee: format!("bob {SQL}") })?;
    store.act(&id, &HumanAction::Comment { text: format!("comment {HTML} {SQL}") })?;

    // Stored and read back exactly.
    assert_eq!(store.get_break(&id).unwrap().counterparty, breaks[0].counterparty);
    let (rows, total) = store.queue(&QueueFilter { search: Some(format!("BRK-{SQL}")), ..Default::default() })?;
    assert_eq!((total, rows[0].break_id.as_str()), (1, id.as_str()), "search treats the text literally");
    assert_eq!(rows[0].assignee.as_deref(), Some(format!("bob {SQL}").as_str()));
    let actions = store.actions_of(&id)?;
    assert!(actions.iter().any(|a| a.comment.as_deref() == Some(format!("comment {HTML} {SQL}").as_str())));
    assert_eq!(store.queue(&QueueFilter::default()).unwrap().1, 3, "no table was dropped");
    assert!(store.verify().unwrap().ok);

    // Escaped in the HTML report, raw nowhere.
    let out = dir.path().join("r.html");
    reconagent_store::export::export(&store, &today_query(), ExportFormat::Html, &out)?;
    let html = std::fs::read_to_string(&out)?;
    assert!(!html.contains("<img"), "no markup from the data");
    assert!(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&amp;amp;"), "shown as typed");
    assert!(html.contains("DROP TABLE breaks"));
    Ok(())
}

/// A run held for review (invariant S1) carries its reasons into the store and every export: a
/// checkpoint condition that failed at run time is stored on its checkpoint row and forces the
/// fail-safe; an inconsistent break is held with the reason; the audit entry hashes the reasons.
#[test]
fn held_runs_carry_their_reasons_into_the_store_and_the_exports() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("recon.db"))?;
    let text = reconagent_engine::policy::BUNDLED_POLICIES.replacen("when: rules.explained\n", "when: \"{'HIGH': true}[profile.tier]\"\n", 1);
    let set = std::sync::Arc::new(reconagent_engine::policy::PolicySet::load(&text, "p.yaml").unwrap());
    let orch = Orchestrator::new(set.clone(), std::sync::Arc::new(reconagent_engine::refdata::ReferenceData::bundled()));
    let mut b = generate(9, 1, &orch.refdata).remove(0);
    b.break_type = reconagent_engine::BreakType::TradeOmsMismatch;
    b.amount = rust_decimal::Decimal::ONE;
    b.internal.amount = Some(rust_decimal::Decimal::new(103, 0));
    b.external.amount = Some(rust_decimal::Decimal::new(100, 0));
    b.detected_at = Some(sample_as_of());
    store.import_breaks(std::slice::from_ref(&b), "test")?;
    store.record_policy(&set, "test")?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let g = rt.block_on(orch.process_break(&b, RunMode::V2, sample_as_of()));
    assert_eq!(g.decision.decided_by, reconagent_engine::DecidedBy::FailSafe, "{:?}", g.decision);
    store.record_runs(std::slice::from_ref(&g))?;

    let c = rusqlite::Connection::open(store.path())?;
    let error: Option<String> = c.query_row("SELECT error FROM run_checkpoints", [], |r| r.get(0)).unwrap();
    assert!(error.is_some_and(|e| !e.is_empty()));
    let payload: String = c.query_row("SELECT payload FROM audit_log WHERE kind = 'RUN'", [], |r| r.get(0)).unwrap();
    assert!(payload.contains("\"holds\":[") && payload.contains("could not be evaluated") && payload.contains("inconsistent"), "{payload}");
    assert!(store.verify().unwrap().ok);

    let csv_path = dir.path().join("r.csv");
    reconagent_store::export::export(&store, &today_query(), ExportFormat::Csv, &csv_path)?;
    let report = store.report(&today_query())?;
    assert!(report.runs[0].held_because.iter().any(|h| h.contains("checkpoint trade_low_explained could not be evaluated")), "{:?}", report.runs[0]);
    assert!(report.runs[0].held_because.iter().any(|h| h.contains("records are inconsistent")));
    let csv = std::fs::read_to_string(&csv_path)?;
    assert!(csv.contains("held for review: the break's records are inconsistent"), "{csv}");
    let html_path = dir.path().join("r.html");
    reconagent_store::export::export(&store, &today_query(), ExportFormat::Html, &html_path)?;
    assert!(std::fs::read_to_string(&html_path).unwrap().contains("held for review because"));
    Ok(())
}

/// A status edited in place makes every report say BROKEN beside it (the CSV used to print
/// INTACT beside the tampered status), and JSON reports carry the signed head.
#[test]
fn a_report_of_a_tampered_state_says_broken() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = populated(&dir);
    let c = rusqlite::Connection::open(store.path())?;
    c.execute("UPDATE breaks SET status = 'RESOLVED' WHERE break_id = (SELECT MIN(break_id) FROM breaks WHERE status = 'ESCALATED')", [])?;
    drop(c);
    let csv_path = dir.path().join("t.csv");
    let r = reconagent_store::export::export(&store, &today_query(), ExportFormat::Csv, &csv_path)?;
    assert!(!r.chain.ok);
    let csv = std::fs::read_to_string(&csv_path)?;
    let first = csv.lines().nth(1).unwrap();
    assert!(first.contains("BROKEN") && !first.contains("INTACT"), "{first}");
    let json_path = dir.path().join("t.json");
    reconagent_store::export::export(&store, &today_query(), ExportFormat::Json, &json_path)?;
    let text = std::fs::read_to_string(&json_path)?;
    assert!(reconagent_store::anchor::verify_report(&text).is_ok());
    assert!(reconagent_store::anchor::verify_report(&text.replacen("\"RESOLVED\"", "\"ESCALATED\"", 1)).is_err());
    Ok(())
}
