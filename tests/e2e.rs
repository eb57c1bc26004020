//! End to end in the real window: the app built with its embedded UI, started by tauri-driver
//! (WebKitWebDriver) in a virtual X screen, used as a person would. Screenshots of every screen
//! go to `test-output/e2e/`. Run by `make e2e` (part of `make test`), which provides the screen:
//! `dbus-run-session -- xvfb-run -a cargo test --test e2e a_reviewer -- --ignored`.
//!
//! Over 400 lines on purpose: each test is one person's walk through the real window, step by
//! step, with the WebDriver helpers they share.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const DRIVER: &str = "http://127.0.0.1:4444";

#[path = "../crates/store/tests/support/pg.rs"]
#[allow(dead_code)]
mod pg;

/// A minimal W3C WebDriver client: just what these tests need.
struct Session {
    id: String,
    agent: ureq::Agent,
    driver: String,
}

fn post(agent: &ureq::Agent, url: &str, body: Value) -> Value {
    let resp = agent.post(url).send_json(body).unwrap_or_else(|e| panic!("POST {url}: {e}"));
    resp.into_body().read_json::<Value>().expect("a JSON reply")
}

impl Session {
    fn start(app: &Path) -> Session {
        Session::start_at(DRIVER, app)
    }
    /// A session on the tauri-driver at `driver` (one per window when there are two).
    fn start_at(driver: &str, app: &Path) -> Session {
        let agent: ureq::Agent = ureq::Agent::config_builder().timeout_global(Some(Duration::from_secs(60))).http_status_as_error(false).build().into();
        let caps = json!({ "capabilities": { "alwaysMatch": { "tauri:options": { "application": app } } } });
        let v = post(&agent, &format!("{driver}/session"), caps);
        let id = v["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {v}")).to_string();
        Session { id, agent, driver: driver.to_string() }
    }
    fn url(&self, rest: &str) -> String {
        format!("{}/session/{}/{rest}", self.driver, self.id)
    }
    fn find(&self, css: &str) -> Option<String> {
        let v = post(&self.agent, &self.url("element"), json!({ "using": "css selector", "value": css }));
        // A hit is {"element-6066-…": id}; a miss is {"error": "no such element", …}.
        let obj = v["value"].as_object()?;
        obj.iter().find(|(k, _)| k.starts_with("element-")).and_then(|(_, id)| id.as_str()).map(str::to_string)
    }
    /// Waits for an element, failing with what was being waited for.
    fn wait(&self, css: &str, secs: u64) -> String {
        let start = Instant::now();
        loop {
            if let Some(e) = self.find(css) {
                return e;
            }
            assert!(start.elapsed() < Duration::from_secs(secs), "timed out waiting for `{css}`");
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    /// Waits until the element's text content contains `want` (textContent, so rows scrolled
    /// out of view count too).
    fn wait_text(&self, css: &str, want: &str, secs: u64) -> String {
        let start = Instant::now();
        let js = format!("const e = document.querySelector({}); return e ? e.textContent : null;", serde_json::to_string(css).unwrap());
        loop {
            match self.script(&js).as_str() {
                Some(t) if t.contains(want) => return t.to_string(),
                Some(t) => assert!(start.elapsed() < Duration::from_secs(secs), "`{css}` says `{}`, never `{want}`", &t[..t.len().min(300)]),
                None => {
                    if start.elapsed() >= Duration::from_secs(secs) {
                        let page = self.script("return document.body.innerText");
                        panic!("timed out waiting for `{css}`; the window shows: {}", page.as_str().unwrap_or_default().chars().take(800).collect::<String>());
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    fn click(&self, css: &str) {
        let el = self.wait(css, 20);
        post(&self.agent, &self.url(&format!("element/{el}/click")), json!({}));
    }
    /// Replaces an input's text as a person would: select all, then type.
    fn retype(&self, css: &str, text: &str) {
        let el = self.wait(css, 20);
        post(&self.agent, &self.url(&format!("element/{el}/click")), json!({}));
        post(&self.agent, &self.url(&format!("element/{el}/value")), json!({ "text": "\u{E009}a\u{E009}\u{E003}" }));
        post(&self.agent, &self.url(&format!("element/{el}/value")), json!({ "text": text }));
    }
    fn count(&self, css: &str) -> u64 {
        self.script(&format!("return document.querySelectorAll({}).length", serde_json::to_string(css).unwrap())).as_u64().unwrap_or(0)
    }
    fn type_into(&self, css: &str, text: &str) {
        let el = self.wait(css, 20);
        post(&self.agent, &self.url(&format!("element/{el}/value")), json!({ "text": text }));
    }
    /// Empties an input (WebDriver's clear, which React sees as an edit).
    fn clear(&self, css: &str) {
        let el = self.wait(css, 20);
        post(&self.agent, &self.url(&format!("element/{el}/clear")), json!({}));
    }
    fn script(&self, js: &str) -> Value {
        post(&self.agent, &self.url("execute/sync"), json!({ "script": js, "args": [] }))["value"].clone()
    }
    /// Runs `js`, which must call `arguments[0](result)` when done.
    fn script_async(&self, js: &str) -> Value {
        post(&self.agent, &self.url("execute/async"), json!({ "script": js, "args": [] }))["value"].clone()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.agent.delete(&format!("{}/session/{}", self.driver, self.id)).call();
    }
}

struct Driver(Child);
impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn screenshot(dir: &Path, name: &str) {
    // WebDriver's screenshot endpoint returns nothing on WebKitGTK here: grab the X screen,
    // after a moment for the compositor to paint what the DOM already holds.
    std::thread::sleep(Duration::from_millis(400));
    let out = dir.join(format!("{name}.png"));
    let ok = Command::new("import").args(["-window", "root"]).arg(&out).status().map(|s| s.success()).unwrap_or(false);
    assert!(ok, "screenshot {name} (is ImageMagick installed and DISPLAY set?)");
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Starts tauri-driver; the app it launches uses `db` and a policy file beside it (never the
/// checkout's `policies/` file).
fn start_driver(db: &Path) -> Driver {
    start_driver_on(&db.to_string_lossy(), &db.with_file_name("routing_policies.yaml"), 4444, 4445)
}

/// Starts a tauri-driver on `port` (its WebKitWebDriver on `native_port`) whose app opens `db`
/// (a file or a team database's URL) with the policy file `policies`.
fn start_driver_on(db: &str, policies: &Path, port: u16, native_port: u16) -> Driver {
    start_driver_env(&[("RECONAGENT_DB", db.into()), ("RECONAGENT_POLICIES", policies.display().to_string())], port, native_port)
}

/// A tauri-driver whose app gets `envs` (and no `RECONAGENT_DB` unless given).
fn start_driver_env(envs: &[(&str, String)], port: u16, native_port: u16) -> Driver {
    let mut command = Command::new(std::env::var("TAURI_DRIVER").unwrap_or_else(|_| "tauri-driver".into()));
    command
        .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
        .env_remove("RECONAGENT_DB")
        .env("RECONAGENT_ACTOR", "e2e-reviewer")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in envs {
        command.env(k, v);
    }
    let driver = command.spawn().expect("tauri-driver is installed (cargo install tauri-driver --locked)");
    let driver = Driver(driver);
    // Ready when it answers /status (a fixed pause was too short on a busy machine).
    let agent: ureq::Agent = ureq::Agent::config_builder().timeout_global(Some(Duration::from_secs(2))).build().into();
    let start = Instant::now();
    while agent.get(&format!("http://127.0.0.1:{port}/status")).call().is_err() {
        assert!(start.elapsed() < Duration::from_secs(30), "tauri-driver did not start");
        std::thread::sleep(Duration::from_millis(200));
    }
    driver
}

/// What every end-to-end test starts from: the debug app with its UI embedded, the screenshot
/// folder, and a fresh temp folder for the database and the policy file.
struct Fixture {
    app: PathBuf,
    shots: PathBuf,
    data: tempfile::TempDir,
    db: PathBuf,
}

fn fixture() -> Fixture {
    // Cargo builds the app for this test with the test's features; without custom-protocol the
    // window would load the dev server's URL instead of the embedded UI.
    if !cfg!(feature = "custom-protocol") {
        panic!("run the end-to-end tests with --features custom-protocol");
    }
    let app = PathBuf::from(env!("CARGO_BIN_EXE_reconagent-app"));
    let shots = root().join("test-output/e2e");
    std::fs::create_dir_all(&shots).unwrap();
    let data = tempfile::tempdir().unwrap();
    let db = data.path().join("e2e.db");
    Fixture { app, shots, data, db }
}

/// A process's resident memory in MiB (`field` = VmRSS, or RssAnon for its own heap without
/// the shared libraries it maps).
/// `Pss`, `Pss_Anon`, `Pss_File` and `Pss_Shmem` are read from `smaps_rollup`: the proportional
/// set size counts each shared page once, split among the processes that map it, so the two
/// processes' PSS add up to what they hold together.
fn rss_mib(name: &str, field: &str) -> Option<f64> {
    for entry in std::fs::read_dir("/proc").ok()?.filter_map(|e| e.ok()) {
        let status = std::fs::read_to_string(entry.path().join("status")).unwrap_or_default();
        if status.lines().next().is_some_and(|l| l.ends_with(name)) {
            let text = if field.starts_with("Pss") { std::fs::read_to_string(entry.path().join("smaps_rollup")).ok()? } else { status };
            let kb: f64 = text.lines().find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))?.split_whitespace().next()?.parse().ok()?;
            return Some(kb / 1024.0);
        }
    }
    None
}

/// A running process's environment (`/proc/PID/environ`), by its name as `status` gives it.
fn environ_of(name: &str) -> Option<Vec<String>> {
    for entry in std::fs::read_dir("/proc").ok()?.filter_map(|e| e.ok()) {
        let status = std::fs::read_to_string(entry.path().join("status")).unwrap_or_default();
        if status.lines().next().is_some_and(|l| l.ends_with(name)) {
            let raw = std::fs::read(entry.path().join("environ")).ok()?;
            return Some(raw.split(|b| *b == 0).map(|v| String::from_utf8_lossy(v).into_owned()).collect());
        }
    }
    None
}

/// The figures the README reports: start to first rows, scrolling 100,000 breaks, graph render,
/// idle memory. Measured, not asserted (`make app-figures`; `APP` picks the binary, e.g. a
/// release build; `FIGURES_DB` an existing database instead, e.g. the million processed
/// breaks `reconagent bench --suite scale --db` leaves).
#[test]
#[ignore = "a measurement: run by `make app-figures`"]
fn app_figures_with_100000_breaks() -> TestResult {
    let app = std::env::var("APP").map(PathBuf::from).unwrap_or_else(|_| PathBuf::from(env!("CARGO_BIN_EXE_reconagent-app")));
    let data = tempfile::tempdir()?;
    let given = std::env::var("FIGURES_DB").ok().map(PathBuf::from);
    let db = given.clone().unwrap_or_else(|| data.path().join("big.db"));
    let (total, last_id) = {
        use reconagent_store::prelude::*;
        let store = reconagent_store::Store::open(&db).unwrap();
        if given.is_none() {
            let refdata = reconagent_engine::refdata::ReferenceData::bundled();
            for i in 0..10 {
                store.import_breaks(&reconagent_engine::sample::generate_from(100 + i, i as usize * 10_000, 10_000, &refdata), "figures").unwrap();
            }
        }
        let all = reconagent_store::QueueFilter::default();
        let last = store.queue_page(&reconagent_store::QueueFilter { descending: true, limit: 1, ..all.clone() })?.rows.remove(0).break_id;
        (store.queue_count(&all)?, last)
    };
    let _driver = start_driver(&db);
    let t0 = Instant::now();
    let s = Session::start(&app);
    s.wait_text("[data-testid=queue-count]", &format!("{} breaks", reconagent_store::group_digits(&total.to_string())), 120);
    let first_rows = t0.elapsed();
    std::thread::sleep(Duration::from_secs(2));
    let at_start = format!("app {:.0} (heap {:.0})", rss_mib("reconagent-app", "VmRSS").unwrap_or(0.0), rss_mib("reconagent-app", "RssAnon").unwrap_or(0.0));
    // Baseline: 40 frames with nothing to do (software rendering under Xvfb sets the floor).
    let idle_frames = s.script_async(
        "const done = arguments[0]; let i = 0; const times = []; let last = performance.now();
         function step() { const now = performance.now(); times.push(now - last); last = now; if (i++ >= 40) { done({ total: times.reduce((a, b) => a + b, 0), worst: Math.max(...times.slice(1)) }); return; } requestAnimationFrame(step); }
         requestAnimationFrame(step);",
    );
    // Scroll the whole queue in 40 jumps, one frame apart, and count frames slower than 50 ms.
    let scroll = s.script_async(
        "const done = arguments[0]; const el = document.querySelector('[data-testid=queue]'); let i = 0; const times = []; let last = performance.now();
         function step() { const now = performance.now(); times.push(now - last); last = now; if (i++ >= 40) { done({ total: times.reduce((a, b) => a + b, 0), worst: Math.max(...times.slice(1)), slow: times.slice(1).filter(t => t > 50).length }); return; }
           el.scrollTop = (el.scrollHeight * i) / 40; requestAnimationFrame(step); }
         requestAnimationFrame(step);",
    );
    std::thread::sleep(Duration::from_secs(2));
    // Ids sort as text: the last row is the greatest id. Reported, not asserted (a figure).
    let js = "const e = document.querySelector('[data-testid=queue]'); return e ? e.textContent : '';";
    let bottom = (0..150).any(|_| {
        std::thread::sleep(Duration::from_millis(200));
        s.script(js).as_str().is_some_and(|t| t.contains(&last_id))
    });
    // As a mouse wheel scrolls: 60 frames of 3 rows (87 px) each, from the middle of the queue.
    let wheel = s.script_async(
        "const done = arguments[0]; const el = document.querySelector('[data-testid=queue]'); el.scrollTop = el.scrollHeight / 2;
         let i = 0; const times = []; let last = 0;
         function step() { const now = performance.now(); if (last) times.push(now - last); last = now; if (i++ >= 60) { const t = times.slice(1); done({ mean: t.reduce((a, b) => a + b, 0) / t.length, worst: Math.max(...t), slow: t.filter(t => t > 50).length }); return; }
           el.scrollTop += 87; requestAnimationFrame(step); }
         setTimeout(() => requestAnimationFrame(step), 1000);",
    );
    // Process one break (selected with its checkbox) so it has a graph to draw (a given
    // database's breaks were processed already).
    s.type_into("input[aria-label=search]", "BRK-00001");
    s.wait_text("[data-testid=queue-count]", "1 breaks", 20);
    if given.is_none() {
        s.click("[data-break-id='BRK-00001'] .cell:nth-child(1)");
        s.click("[data-testid=process-bar] button.primary");
        s.wait_text("[data-testid=process-result]", "1 processed", 60);
        std::thread::sleep(Duration::from_millis(500)); // the queue reloads after the run is recorded
    }
    s.wait("[data-break-id='BRK-00001']", 20);
    let graph = s.script_async(
        "const done = arguments[0]; const t = performance.now(); document.querySelector(\"[data-break-id='BRK-00001'] .cell:nth-child(2)\").click();
         (function wait() { if (document.querySelectorAll('.agent-node').length === 7) done(performance.now() - t); else requestAnimationFrame(wait); })();",
    );
    std::thread::sleep(Duration::from_secs(3));
    let mem = |field: &str| (rss_mib("reconagent-app", field).unwrap_or(0.0), rss_mib("WebKitWebProces", field).unwrap_or(0.0));
    let ((shell, web), (shell_anon, web_anon)) = (mem("VmRSS"), mem("RssAnon"));
    let ((shell_pss, web_pss), (shell_pss_anon, web_pss_anon), (shell_pss_file, web_pss_file), (shell_shm, web_shm)) =
        (mem("Pss"), mem("Pss_Anon"), mem("Pss_File"), mem("Pss_Shmem"));
    println!(
        "FIGURES_PSS_MIB app {shell_pss:.0} + web process {web_pss:.0} = {:.0} (anon {shell_pss_anon:.0} + {web_pss_anon:.0}, file {shell_pss_file:.0} + {web_pss_file:.0}, shmem {shell_shm:.0} + {web_shm:.0})",
        shell_pss + web_pss
    );
    println!(
        "FIGURES app={} first_rows_ms={} idle_frames={} scroll_jumps={} wheel={} reached_bottom={} graph_render_ms={} \
         idle_rss_mib: app {:.0} + web process {:.0} = {:.0} (heap alone, without shared libraries: app {shell_anon:.0}, web process {web_anon:.0}) at_start: {at_start}",
        app.display(),
        first_rows.as_millis(),
        idle_frames,
        scroll,
        wheel,
        bottom,
        graph,
        shell,
        web,
        shell + web
    );
    // FIGURES_HOLD=N keeps the app open N seconds more, to look at it (gdb, /proc).
    if let Some(secs) = std::env::var("FIGURES_HOLD").ok().and_then(|v| v.parse().ok()) {
        std::thread::sleep(Duration::from_secs(secs));
    }
    // A given database may hold more rows than the web view can make scrollable (reported above).
    assert!(bottom || given.is_some(), "the last of 100,000 breaks can be scrolled to");
    Ok(())
}

#[test]
#[ignore = "needs a display and tauri-driver: run by `make e2e`"]
fn a_reviewer_processes_inspects_overrides_and_exports() -> TestResult {
    let Fixture { app, shots, data, db } = fixture();
    let _driver = start_driver(&db);
    let s = Session::start(&app);

    // An empty database at first start gets the sample breaks.
    s.wait_text("[data-testid=queue-count]", "400 breaks", 60);
    std::thread::sleep(Duration::from_millis(500));
    screenshot(&shots, "01-queue");
    // The web process runs with the app's memory settings (reconagent_app::memory).
    let env = environ_of("WebKitWebProces").expect("the web process runs");
    for (name, value, _) in reconagent_app::memory::WEB_PROCESS_ENV {
        assert!(env.contains(&format!("{name}={value}")), "the web process lacks {name}={value}");
    }
    // The type filter offers the types Rust lists, including the sample's types no policy names.
    s.wait("select[aria-label=Type] option[value=CORPORATE_ACTIONS]", 10);
    s.wait("select[aria-label=Type] option[value=TRADE_OMS_MISMATCH]", 10);

    // Process them all with a visible progress bar.
    s.click("[data-testid=process-bar] button.primary");
    s.wait_text("[data-testid=process-result]", "400 processed", 120);
    screenshot(&shots, "02-queue-processed");

    // Open a break that exited early and find the skipped agents with their reason.
    s.type_into("input[aria-label=search]", "BRK-00019");
    s.wait_text("[data-testid=queue-count]", "1 breaks", 20);
    s.click("[data-break-id='BRK-00019'] .cell:nth-child(2)");
    s.wait("[data-testid=execution-graph] .agent-node", 20);
    let early = s.script("return document.querySelectorAll('.agent-node[data-skip=EARLY_EXIT]').length");
    assert!(early.as_u64().unwrap_or(0) >= 1, "skipped agents are drawn as early exits: {early}");
    std::thread::sleep(Duration::from_millis(800)); // let the graph settle (fit to view) before clicking
    s.click(".agent-node[data-skip=EARLY_EXIT]");
    let reason = s.wait_text("[data-testid=skip-reason]", "early exit at checkpoint", 10);
    assert!(reason.contains(" after "), "the reason names the checkpoint and the agent it followed: {reason}");
    screenshot(&shots, "03-break-detail");

    // Override its decision with a reason: the decision is chosen, never preselected.
    assert_eq!(s.script("return document.querySelector('[data-testid=review-actions] .toolbar button:nth-of-type(2)').disabled").as_bool(), Some(true));
    s.click("select[aria-label='override decision'] option[value=ESCALATE]");
    s.type_into("input[aria-label='override reason']", "Counterparty disputes the fee");
    s.click("[data-testid=review-actions] .toolbar button:nth-of-type(2)");
    // A HIGH or CRITICAL break (its tier depends on its age today) asks first, in Rust's words.
    let start = Instant::now();
    while s.find("[data-testid=confirm]").is_none() && start.elapsed() < Duration::from_secs(3) {
        std::thread::sleep(Duration::from_millis(100));
    }
    if s.find("[data-testid=confirm]").is_some() {
        s.wait_text("[data-testid=confirm]", "BRK-00019 is ", 5);
        s.click("[data-testid=confirm-yes]");
    }
    s.wait_text("[data-testid=history]", "Counterparty disputes the fee", 20);
    s.wait_text("[data-testid=review-message]", "Overrode BRK-00019: now ESCALATED.", 10);
    screenshot(&shots, "04-overridden");
    // Back returns to the queue as it was left: the search and its one row.
    s.click("[data-testid=back]");
    s.wait_text("[data-testid=queue-count]", "1 breaks", 10);
    let search = s.script("return document.querySelector('input[aria-label=search]').value");
    assert_eq!(search.as_str(), Some("BRK-00019"), "the queue kept its search");

    // Review, dashboard.
    s.click("[data-testid=nav-review]");
    s.wait("[data-testid=review-list]", 20);
    // Every waiting break, most severe first, a page at a time.
    s.wait_text("[data-testid=review-count]", "breaks to review", 20);
    s.wait_text("[data-testid=review-list] .row .tag", "CRITICAL", 20);
    screenshot(&shots, "05-review");
    // Keys (dispatched to the window, where the screen listens). Forty `j`: the cursor stays in
    // view, below the table's sticky header, and so it does coming back up with `k`.
    let key = |k: &str| {
        s.script(&format!("window.dispatchEvent(new KeyboardEvent('keydown', {{ key: {} }})); return true;", serde_json::to_string(k).unwrap()));
        std::thread::sleep(Duration::from_millis(40));
    };
    let cursor_in_view = |when: &str| {
        std::thread::sleep(Duration::from_millis(400));
        let p = s.script(
            "const l = document.querySelector('[data-testid=review-list]'); const r = l.querySelector('.row.selected'); if (!r) return null;
             const b = r.getBoundingClientRect(), h = l.querySelector('.head').getBoundingClientRect(), lb = l.getBoundingClientRect();
             return [b.top, b.bottom, h.bottom, Math.min(lb.bottom, window.innerHeight), r.getAttribute('data-break-id')];",
        );
        let n = |i: usize| p[i].as_f64().unwrap_or_else(|| panic!("{when}: no selected row: {p}"));
        assert!(n(0) >= n(2) - 1.0 && n(1) <= n(3) + 1.0, "{when}: the cursor row [{}, {}] is outside the visible rows [{}, {}]: {p}", n(0), n(1), n(2), n(3));
        p[4].as_str().unwrap_or_default().to_string()
    };
    for _ in 0..40 {
        key("j");
    }
    let far = cursor_in_view("after 40 j");
    screenshot(&shots, "05b-review-cursor-after-40-j");
    for _ in 0..40 {
        key("k");
    }
    let first = cursor_in_view("back up with 40 k");
    assert_ne!(far, first);
    // `a` on a CRITICAL break asks first; `n` does nothing and says so; `a` then `y` accepts.
    key("a");
    let question = s.wait_text("[data-testid=confirm]", &format!("{first} is CRITICAL"), 10);
    assert!(question.contains("Accept its decision"), "{question}");
    // On top of everything, where a person sees it: the point at its centre is the dialog's.
    let shown = s.script(
        "const d = document.querySelector('[data-testid=confirm]'); const b = d.getBoundingClientRect();
         const e = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
         return [b.left, b.top, b.width, b.height, d.contains(e), window.innerWidth, window.innerHeight, getComputedStyle(d.parentElement).position];",
    );
    assert!(shown[2].as_f64() > Some(100.0) && shown[3].as_f64() > Some(20.0) && shown[4].as_bool() == Some(true), "the question is not on top: {shown}");
    screenshot(&shots, "05c-review-confirm-critical");
    key("n");
    s.wait_text("[data-testid=review-message]", &format!("Nothing done to {first}."), 10);
    assert!(s.find("[data-testid=confirm]").is_none());
    key("a");
    s.wait_text("[data-testid=confirm]", &format!("{first} is CRITICAL"), 10);
    key("y");
    s.wait_text("[data-testid=review-message]", &format!("Accepted {first}: now RESOLVED."), 10);
    // Undo, offered while the message shows: `u` brings the break back as it was, recorded as
    // an UNDO action; it is back under the cursor, and accepted again.
    assert!(s.find("[data-testid=undo]").is_some(), "the message offers Undo");
    screenshot(&shots, "05d-review-undo-offered");
    key("u");
    s.wait_text("[data-testid=review-message]", &format!("Undid the last decision on {first}: now ESCALATED."), 10);
    s.wait_text("[data-testid=review-list] .row.selected", &first, 10);
    key("a");
    s.wait_text("[data-testid=confirm]", &format!("{first} is CRITICAL"), 10);
    key("y");
    s.wait_text("[data-testid=review-message]", &format!("Accepted {first}: now RESOLVED."), 10);
    // Work queues: WORKFLOW's group for each waiting break (seniors for CRITICAL), and one
    // queue's list when it is picked.
    s.wait_text("[data-testid=review-list] .row:not(.head) [data-testid=work-queue]", "-senior", 10);
    s.click("select[aria-label='work queue'] option[value=cash-ops-senior]");
    s.wait_text("[data-testid=review-count]", "breaks to review in cash-ops-senior", 20);
    std::thread::sleep(Duration::from_millis(500));
    let queues = s.script("return [...document.querySelectorAll('[data-testid=review-list] [data-testid=work-queue]')].map(e => e.textContent)");
    let queues: Vec<&str> = queues.as_array().expect("a list").iter().filter_map(|v| v.as_str()).collect();
    assert!(!queues.is_empty() && queues.iter().all(|q| *q == "cash-ops-senior"), "one queue's breaks only: {queues:?}");
    screenshot(&shots, "05e-review-one-work-queue");
    s.click("select[aria-label='work queue'] option[value='']");
    s.wait_text("[data-testid=review-count]", "breaks to review, most severe first", 20);
    s.click("[data-testid=nav-dashboard]");
    s.wait("[data-testid=chart-agents] canvas", 20);
    // Only v2 has run: v1's figures are the model's, and the dashboard says so.
    let summary = s.wait_text("[data-testid=dashboard-summary]", "vs v1 $0.1200 per break", 20);
    assert!(summary.contains("vs v1 2,500 ms") && summary.contains("no v1 run in this range"), "dashboard summary: {summary}");
    std::thread::sleep(Duration::from_millis(800));
    screenshot(&shots, "06-dashboard");

    // The override is in the audit log; the chain verifies; an HTML report carries its head.
    s.click("[data-testid=nav-audit]");
    s.wait_text("[data-testid=audit-log]", "Counterparty disputes the fee", 20);
    s.click("[data-testid=verify]");
    s.wait_text("[data-testid=verification]", "Intact", 20);
    let report = data.path().join("report.html");
    s.type_into("input[aria-label='export path']", report.to_str().unwrap());
    s.click("[data-testid=export]");
    let result = s.wait_text("[data-testid=export-result]", "chain intact", 30);
    let head = result.rsplit("head ").next().unwrap().trim().to_string();
    let html = std::fs::read_to_string(&report).expect("the report was written");
    assert!(html.contains(&head), "the report carries the chain head {head}");
    s.wait_text("[data-testid=audit-log]", "EXPORT_MADE", 20);
    screenshot(&shots, "07-audit");

    // A v1 comparison of a break v2 auto-resolved is a shadow run: it joins the break's history
    // and leaves its status AUTO_RESOLVED (it used to put it back to PENDING_REVIEW).
    s.click("[data-testid=nav-queue]");
    s.clear("input[aria-label=search]");
    s.wait_text("[data-testid=queue-count]", "400 breaks", 20);
    let id = s.script(
        "const r = [...document.querySelectorAll('[data-break-id]')].find((r) => r.textContent.includes('AUTO_RESOLVED')); return r ? r.dataset.breakId : null",
    );
    let id = id.as_str().expect("an auto-resolved break in the first rows").to_string();
    s.type_into("input[aria-label=search]", &id);
    s.wait_text("[data-testid=queue-count]", "1 breaks", 20);
    s.click(&format!("[data-break-id='{id}'] .cell:nth-child(1)"));
    s.wait_text("[data-testid=queue-count]", "1 selected", 10);
    s.click("[data-testid=process-bar] button:nth-of-type(2)");
    s.wait_text("[data-testid=process-result]", "1 processed", 60);
    s.wait_text(&format!("[data-break-id='{id}']"), "AUTO_RESOLVED", 20);
    s.click(&format!("[data-break-id='{id}'] .cell:nth-child(2)"));
    s.wait("[data-testid=run-v1]", 20);
    s.wait_text("[data-testid=break-status]", "AUTO_RESOLVED", 20);
    std::thread::sleep(Duration::from_millis(800)); // let the detail paint before the screenshot
    screenshot(&shots, "15-shadow-run");
    Ok(())
}

#[test]
#[ignore = "needs a display and tauri-driver: run by `make e2e`"]
fn an_operations_lead_edits_a_policy_and_the_engine_runs_under_it() -> TestResult {
    let Fixture { app, shots, data, db } = fixture();
    let policy_file = data.path().join("routing_policies.yaml");
    let _driver = start_driver(&db);
    let s = Session::start(&app);
    s.wait_text("[data-testid=queue-count]", "400 breaks", 60);
    let original = std::fs::read_to_string(&policy_file).expect("the app wrote the policy file from the bundled one");

    // The Policies screen opens on CASH_RECONCILIATION / LOW with its graph and critical path.
    s.click("[data-testid=nav-policies]");
    s.wait("[data-testid=plan-form]", 30);
    s.wait(".agent-node[data-critical=yes]", 20);
    s.wait_text("[data-testid=critical-path]", "INGESTION → RULES → DECISIONING", 10);
    assert_eq!(s.count("[data-testid=plan-checkpoint]"), 1, "the tolerance checkpoint is drawn after RULES");
    std::thread::sleep(Duration::from_millis(600));
    screenshot(&shots, "08-policies");

    // A bad condition: Rust's error appears on the field, and saving is blocked.
    let cond = "[data-testid=checkpoint-0] [data-testid=condition]";
    s.retype(cond, "rules.within_tolerance &&");
    s.wait_text("[data-testid=checkpoint-0] [data-testid=field-error]", "CEL", 20);
    assert_eq!(s.script("return document.querySelector('[data-testid=save]').disabled"), json!(true));
    screenshot(&shots, "09-policy-invalid");

    // Fixed: no error; the impact simulation runs over the stored breaks.
    s.retype(cond, "rules.within_tolerance && profile.exposure < 2500");
    let start = Instant::now();
    while s.count("[data-testid=field-error]") > 0 {
        assert!(start.elapsed() < Duration::from_secs(20), "the error did not clear");
        std::thread::sleep(Duration::from_millis(200));
    }
    s.wait_text("[data-testid=edit-count]", "1 unsaved change", 10);
    s.click("[data-testid=simulate]");
    s.wait_text("[data-testid=simulation]", "400 breaks in", 60);
    s.script("document.querySelector('[data-testid=simulation]').scrollIntoView()");
    screenshot(&shots, "10-policy-simulation");

    // Save: the diff first, then a note, then the file and the history change.
    s.click("[data-testid=save]");
    let diff = s.wait_text("[data-testid=save-dialog] [data-testid=diff]", "profile.exposure < 2500", 10);
    assert!(diff.contains("rules.explained"), "the diff shows the old condition too: {diff}");
    s.type_into("[data-testid=save-note]", "CASH LOW: auto-resolve small breaks within tolerance");
    screenshot(&shots, "11-policy-save-diff");
    s.click("[data-testid=confirm-save]");
    let saved = s.wait_text("[data-testid=saved]", "Saved version", 20);
    let hash = saved.split("Saved version ").nth(1).unwrap()[..12].to_string();
    let now = std::fs::read_to_string(&policy_file)?;
    assert!(now.contains("rules.within_tolerance && profile.exposure < 2500"), "the file changed");
    let comments = |t: &str| t.lines().filter(|l| l.trim_start().starts_with('#')).map(str::to_string).collect::<Vec<_>>();
    assert_eq!(comments(&now), comments(&original), "every comment kept");
    let changed = original.lines().zip(now.lines()).filter(|(a, b)| a != b).count();
    assert_eq!(changed, 1, "one line changed");
    s.click("[data-testid=tab-history]");
    s.wait_text("[data-testid=policy-history]", "CASH LOW: auto-resolve small breaks", 20);
    s.wait_text("[data-testid=policy-history]", "in force at start", 5);
    screenshot(&shots, "12-policy-history");

    // Restore asks first, naming the version; cancelled, nothing changes.
    s.click("[data-testid=restore]");
    let asked = s.wait_text("[data-testid=restore-confirm]", "Restore version", 10);
    assert!(asked.contains("replaces the policy file"), "{asked}");
    screenshot(&shots, "12b-policy-restore-asks");
    s.click("[data-testid=restore-no]");
    assert!(s.find("[data-testid=restore-confirm]").is_none());
    assert_eq!(std::fs::read_to_string(&policy_file)?, now, "nothing restored");

    // The Classifier form: a tolerance edited, then a number cleared: the form stays with Rust's
    // error on the field; typed again, both edits are kept. Then discarded.
    s.click("[data-testid=tab-classifier]");
    s.retype("input[aria-label='tolerance absolute']", "7.50");
    s.wait_text("[data-testid=edit-count]", "1 unsaved change", 10);
    s.retype("input[aria-label='age step 1 days']", "");
    s.wait_text("[data-testid=classifier-form] [data-testid=field-error]", "a number is required here", 20);
    assert!(s.find("input[aria-label='tolerance absolute']").is_some(), "the form stays on screen");
    screenshot(&shots, "12c-policy-field-cleared");
    s.type_into("input[aria-label='age step 1 days']", "12");
    s.wait_text("[data-testid=edit-count]", "2 unsaved change", 10);
    let start = Instant::now();
    while s.count("[data-testid=field-error]") > 0 {
        assert!(start.elapsed() < Duration::from_secs(20), "the error did not clear");
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(s.script("return document.querySelector(\"input[aria-label='tolerance absolute']\").value"), json!("7.50"), "the other edit is kept");
    s.click("button[data-testid=discard]");
    s.wait_text("[data-testid=edit-count]", "no unsaved changes", 10);

    // The engine runs under the new version: a processed break's run records it.
    s.click("[data-testid=nav-queue]");
    s.click("[data-testid=process-bar] button.primary");
    s.wait_text("[data-testid=process-result]", "400 processed", 120);
    s.type_into("input[aria-label=search]", "BRK-00019");
    s.wait_text("[data-testid=queue-count]", "1 breaks", 20);
    s.click("[data-break-id='BRK-00019'] .cell:nth-child(2)");
    s.wait_text("[data-testid=run-v2]", &format!("policy version {hash}"), 20);
    screenshot(&shots, "13-run-under-new-policy");
    Ok(())
}

#[test]
#[ignore = "needs a display and tauri-driver: run by `make e2e`"]
fn a_reviewer_reads_what_the_model_said_and_what_it_cost() -> TestResult {
    use reconagent_engine::graph::{NodeStatus, RunMode};
    use reconagent_engine::AgentKind;
    let Fixture { app, shots, data, db } = fixture();
    // PATTERN and DECISIONING ask a local OpenAI-compatible server (127.0.0.1 only).
    let server = reconagent_llm_fake::FakeServer::start(150)?;
    let section = reconagent_llm_fake::policy::llm_section(&server.base_url(), "gpt-4o-mini", "", 10_000, 1);
    reconagent_llm_fake::policy::write(data.path(), reconagent_engine::policy::BUNDLED_POLICIES, &section);
    // a CRITICAL break: every plan for it runs PATTERN and DECISIONING
    let orch = reconagent_engine::orchestrate::Orchestrator::bundled();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let id = reconagent_engine::sample::bundled_breaks()
        .into_iter()
        .find(|b| {
            let g = rt.block_on(orch.process_break(b, RunMode::V2, reconagent_engine::sample::sample_as_of()));
            g.profile.tier == reconagent_engine::RiskTier::Critical
                && g.node(AgentKind::Decisioning).status == NodeStatus::Completed
                && b.counterparty.is_some()
        })
        .map(|b| b.break_id)
        .expect("a CRITICAL sample break");

    let _driver = start_driver(&db);
    let s = Session::start(&app);
    s.wait_text("[data-testid=queue-count]", "400 breaks", 60);
    s.click("[data-testid=process-bar] button.primary");
    s.wait_text("[data-testid=process-result]", "400 processed", 180);
    assert!(server.requests() > 100, "the model was asked: {} requests", server.requests());
    s.type_into("input[aria-label=search]", &id);
    s.wait_text("[data-testid=queue-count]", "1 breaks", 20);
    s.click(&format!("[data-break-id='{id}'] .cell:nth-child(2)"));
    let calls = s.wait_text("[data-testid=model-calls]", "measured", 30);
    assert!(calls.contains("USD measured"), "{calls}");
    let decisioning = s.wait_text("[data-testid=llm-call-DECISIONING]", "ANSWERED", 10);
    assert!(decisioning.contains("tokens") && decisioning.contains("ms"), "{decisioning}");
    s.wait_text("[data-testid=run-cost]", "model calls", 10);
    s.click("[data-testid=llm-call-DECISIONING] button.link");
    let exchange = s.wait_text("[data-testid=llm-exchange]", "Evidence (JSON)", 20);
    assert!(exchange.contains("You are the DECISIONING agent"), "the prompt template is shown");
    assert!(exchange.contains("CP-"), "the evidence sent carries pseudonyms");
    s.script("document.querySelector('[data-testid=model-calls]').scrollIntoView()");
    screenshot(&shots, "14-model-calls");

    // The dashboard labels the measured cost beside the modelled figures; Policies shows the
    // models' settings as the file has them.
    s.click("[data-testid=nav-dashboard]");
    s.wait_text("[data-testid=measured-cost]", "measured", 30);
    screenshot(&shots, "14c-dashboard-measured-cost");
    s.click("[data-testid=nav-policies]");
    s.click("[data-testid=tab-models]");
    s.wait("[data-testid=model-agent-DECISIONING]", 30);
    screenshot(&shots, "14d-policies-models");
    Ok(())
}

#[test]
#[ignore = "needs a display and tauri-driver: run by `make e2e`"]
fn a_damaged_database_is_left_alone_and_a_new_one_offered() -> TestResult {
    let Fixture { app, shots, data, db } = fixture();
    let garbage: Vec<u8> = b"SQLite format 3\0".iter().copied().chain((0..100_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)).collect();
    std::fs::write(&db, &garbage)?;
    let _driver = start_driver(&db);
    let s = Session::start(&app);
    let shown = s.wait_text("[data-testid=db-problem]", "cannot be opened", 60);
    assert!(shown.contains(db.to_str().unwrap()), "the screen names the file: {shown}");
    screenshot(&shots, "14-database-problem");
    s.click("[data-testid=start-new-db]");
    s.wait_text("[data-testid=queue-count]", "400 breaks", 60);
    assert_eq!(std::fs::read(&db).unwrap(), garbage, "the refused file is untouched");
    let new_files = std::fs::read_dir(data.path()).unwrap().filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().starts_with("e2e-new-")).count();
    assert!(new_files >= 1, "a new database beside the old one");

    // Processing under a filter runs only the NEW breaks the filter shows: a search for
    // BRK-0001 shows BRK-00010 to BRK-00019, and exactly those ten are processed.
    s.type_into("input[aria-label=search]", "BRK-0001");
    s.wait_text("[data-testid=queue-count]", "10 breaks", 20);
    let label = s.wait_text("[data-testid=process-bar] button.primary", "NEW matching the filter", 10);
    assert!(label.contains("(v2)"), "{label}");
    s.click("[data-testid=process-bar] button.primary");
    s.wait_text("[data-testid=process-result]", "10 processed", 60);
    s.retype("input[aria-label=search]", "");
    s.wait_text("[data-testid=queue-count]", "400 breaks", 20);
    s.wait_text("nav .foot", "390 new", 20);
    screenshot(&shots, "14b-processed-under-a-filter");
    Ok(())
}

/// Team mode, two windows: alice (reviewer) and bob (reviewer and approver) on one PostgreSQL
/// database that a worker processed. Alice accepts a CRITICAL escalation: it becomes a proposal.
/// Bob's Review screen, already open, shows it without a reload (LISTEN/NOTIFY); he approves;
/// alice's list drops the break without a reload; the audit export names both people.
#[test]
#[ignore = "needs a display, tauri-driver and PostgreSQL: run by `make e2e`"]
fn two_people_on_a_team_database_close_a_critical_break_together() -> TestResult {
    use reconagent_store::prelude::*;
    let Fixture { app, shots, data, .. } = fixture();
    let pg = pg::PgCluster::team();
    pg.admin().batch_execute("GRANT recon_reviewer TO bob; GRANT recon_policy_admin TO alice, bob")?;
    let url = |who: &str| format!("postgres://{who}@127.0.0.1:{}/postgres", pg.port);
    {
        let worker = reconagent_store::postgres::PgStore::connect(&url("worker"))?;
        worker.import_breaks(&reconagent_engine::sample::bundled_breaks_as_of(chrono::Utc::now()), "the day's feed")?;
        let orch = reconagent_engine::orchestrate::Orchestrator::bundled();
        worker.record_policy(&orch.policies, "in force")?;
        let orch = orch.with_history(worker.history()?);
        let cancel = reconagent_engine::orchestrate::CancelFlag::default();
        reconagent_api::runs::process_new(&worker, &orch, reconagent_engine::graph::RunMode::V2, chrono::Utc::now(), cancel, |_, _, _| {})?;
    }
    let _alice_driver = start_driver_on(&url("alice"), &data.path().join("alice/routing_policies.yaml"), 4444, 4445);
    // Bob's app starts on its own empty local file and he connects on the Database screen.
    let bob_home = data.path().join("bob-home");
    let _bob_driver = start_driver_env(
        &[
            ("RECONAGENT_POLICIES", data.path().join("bob/routing_policies.yaml").display().to_string()),
            ("XDG_DATA_HOME", bob_home.display().to_string()),
            ("RECONAGENT_NO_SAMPLE", "1".into()),
        ],
        4446,
        4447,
    );
    let alice = Session::start_at("http://127.0.0.1:4444", &app);
    let bob = Session::start_at("http://127.0.0.1:4446", &app);
    // Side by side, so a screenshot shows both people's windows.
    for (s, x) in [(&alice, 0), (&bob, 720)] {
        post(&s.agent, &s.url("window/rect"), json!({ "x": x, "y": 0, "width": 720, "height": 900 }));
    }
    bob.click("[data-testid=nav-database]");
    bob.wait_text("[data-testid=database-now]", "Local file", 20);
    bob.type_into("input[aria-label=host]", "127.0.0.1");
    bob.retype("input[aria-label=port]", &pg.port.to_string());
    bob.retype("input[aria-label=database]", "postgres");
    bob.type_into("input[aria-label=user]", "bob");
    // verify-full (the form's default) against a server without TLS: refused, in Rust's words.
    bob.click("[data-testid=connect]");
    bob.wait_text("[data-testid=database-screen] [role=alert]", "TLS", 20);
    screenshot(&shots, "19-team-bob-connect-refused");
    bob.click("select[aria-label=sslmode] option[value=prefer]");
    bob.click("[data-testid=connect]");
    let now = bob.wait_text("[data-testid=database-now]", "Team database", 20);
    assert!(now.contains(&format!("postgres://bob@127.0.0.1:{}/postgres", pg.port)) && now.contains("working as bob"), "{now}");
    screenshot(&shots, "19b-team-bob-connected");
    let kept = std::fs::read_to_string(bob_home.join("reconagent/connection.json"))?;
    assert!(kept.contains("\"user\": \"bob\"") && !kept.contains("password"), "{kept}");
    bob.click("[data-testid=nav-queue]");
    for s in [&alice, &bob] {
        s.wait_text("[data-testid=queue-count]", "400 breaks", 60);
        s.click("[data-testid=nav-review]");
        s.wait_text("[data-testid=review-list] .row .tag", "CRITICAL", 20);
    }
    assert!(bob.find("[data-testid=proposals]").is_none(), "nothing waits for bob yet");

    // Alice accepts the most severe break: confirmed, then proposed, not applied.
    let first = alice.script("return document.querySelector('[data-testid=review-list] .row.selected').getAttribute('data-break-id')");
    let first = first.as_str().expect("the cursor's break").to_string();
    alice.script("window.dispatchEvent(new KeyboardEvent('keydown', { key: 'a' })); return true;");
    alice.wait_text("[data-testid=confirm]", &format!("{first} is CRITICAL"), 10);
    alice.click("[data-testid=confirm-yes]");
    let said = alice.wait_text("[data-testid=review-message]", "needs a second person (tier CRITICAL", 10);
    assert!(said.contains(&first) && said.contains("proposal 1"), "{said}");
    screenshot(&shots, "20-team-alice-proposes");

    // Bob's open Review screen shows it without a reload; he approves.
    bob.wait_text("[data-testid=proposals]", "proposed by alice", 10);
    bob.wait_text("[data-testid=proposals]", &first, 5);
    screenshot(&shots, "21-team-bob-sees-the-proposal");
    bob.click("[data-testid=approve]");
    bob.wait_text("[data-testid=proposal-message]", &format!("Approved proposal 1 ({first}): now RESOLVED."), 10);
    screenshot(&shots, "22-team-bob-approved");

    // Alice's list drops the break without a reload.
    let start = Instant::now();
    let js = "const e = document.querySelector('[data-testid=review-list]'); return e ? e.textContent : '';";
    while alice.script(js).as_str().is_some_and(|t| t.contains(&first)) {
        assert!(start.elapsed() < Duration::from_secs(10), "{first} is still in alice's list");
        std::thread::sleep(Duration::from_millis(200));
    }

    // Both open the same break: each sees the other has it open, within a second or two.
    for s in [&alice, &bob] {
        s.click("[data-testid=nav-queue]");
        s.type_into("input[aria-label=search]", "BRK-00002");
        s.wait("[data-break-id='BRK-00002']", 20);
        s.click("[data-break-id='BRK-00002'] .cell:nth-child(2)");
        s.wait_text("[data-testid=detail-title]", "BRK-00002", 20);
    }
    alice.wait_text("[data-testid=presence]", "also open: bob", 10);
    bob.wait_text("[data-testid=presence]", "also open: alice", 10);
    screenshot(&shots, "24-team-both-on-one-break");
    // Bob goes back: alice's screen drops him.
    bob.click("[data-testid=back]");
    let start = Instant::now();
    while alice.find("[data-testid=presence]").is_some() {
        assert!(start.elapsed() < Duration::from_secs(10), "alice still sees bob on BRK-00002");
        std::thread::sleep(Duration::from_millis(200));
    }

    // A policy change takes two policy admins: bob watches the Proposals tab, alice proposes a
    // change, it appears on bob's screen without a reload, he approves, and both desktops run
    // the team's new version (alice's when her desktop hears of it).
    bob.click("[data-testid=nav-policies]");
    bob.wait_text("[data-testid=team-policy]", "no policy in force yet", 30);
    bob.click("[data-testid=tab-proposals]");
    bob.wait_text("[data-testid=policy-proposals]", "No policy changes proposed yet", 20);
    alice.click("[data-testid=nav-policies]");
    alice.wait_text("[data-testid=team-policy]", "A change is a proposal", 30);
    alice.wait_text("[data-testid=save]", "Propose…", 5);
    alice.retype("[data-testid=checkpoint-0] [data-testid=condition]", "rules.within_tolerance && profile.exposure < 2500");
    alice.wait_text("[data-testid=edit-count]", "1 unsaved change", 20);
    let start = Instant::now();
    while alice.script("return document.querySelector('[data-testid=save]').disabled") != json!(false) {
        assert!(start.elapsed() < Duration::from_secs(20), "the draft was not checked");
        std::thread::sleep(Duration::from_millis(200));
    }
    alice.click("[data-testid=save]");
    alice.wait_text("[data-testid=save-dialog]", "Propose this change to the team's policy?", 10);
    alice.type_into("[data-testid=save-note]", "cash LOW auto-resolves only under 2,500");
    alice.click("[data-testid=confirm-save]");
    let said = alice.wait_text("[data-testid=proposed]", "proposal 1", 20);
    let version = said.split_whitespace().nth(2).expect("the version proposed").to_string();
    bob.wait_text("[data-testid=policy-proposal]", "by alice", 10);
    screenshot(&shots, "25-team-bob-sees-the-policy-proposal");
    bob.click("[data-testid=policy-proposal-diff]");
    bob.wait_text("[data-testid=policy-proposal]", "profile.exposure < 2500", 10);
    bob.click("[data-testid=policy-approve]");
    bob.wait_text("[data-testid=policy-proposal-message]", &format!("version {version} is the team's policy"), 10);
    screenshot(&shots, "26-team-bob-approved-the-policy");
    alice.wait_text("[data-testid=team-policy]", &format!("The team's policy in force (version {version}"), 10);
    screenshot(&shots, "27-team-alice-runs-the-team-policy");
    let in_force = reconagent_store::postgres::PgStore::connect(&url("carol"))?.team_policy()?.expect("a team policy");
    assert!(in_force.hash.starts_with(&version) && in_force.text.contains("profile.exposure < 2500"));

    // The audit export names both people on the approved action.
    let carol = reconagent_store::postgres::PgStore::connect(&url("carol"))?;
    let out = data.path().join("team-report.json");
    let today = chrono::Utc::now().date_naive();
    let query = reconagent_store::export::ReportQuery { from: today, to: today, break_type: None };
    reconagent_store::export::export(&carol, &query, reconagent_store::export::ExportFormat::Json, &out)?;
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out)?)?;
    let text = report.to_string();
    assert!(text.contains("\\\"proposed_by\\\":\\\"alice\\\"") && text.contains("\\\"approved_by\\\":\\\"bob\\\""), "the report's entries name alice and bob");
    assert!(carol.verify()?.ok);
    Ok(())
}

/// The installed package (`make package-check`: the .deb built by the Tauri bundler, installed
/// with apt): its desktop entry names the installed binary, and that binary starts in the real
/// window on an empty database, loads the sample and shows it. `RECONAGENT_INSTALLED_APP` names
/// the binary; without it the test fails rather than passing vacuously.
#[test]
#[ignore = "needs the package installed: run by `make package-check`"]
fn the_installed_package_starts_and_shows_the_sample() -> TestResult {
    let installed = PathBuf::from(std::env::var("RECONAGENT_INSTALLED_APP").expect("RECONAGENT_INSTALLED_APP names the installed binary"));
    assert!(installed.starts_with("/usr/bin"), "an installed binary, not a build output: {}", installed.display());
    let entry = std::fs::read_to_string("/usr/share/applications/Recon Agent.desktop")?;
    let exec = installed.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    assert!(entry.contains(&format!("Exec={exec}")) && entry.contains("Icon=reconagent-app") && entry.contains("Categories=Office;Finance;"), "{entry}");
    assert!(Path::new("/usr/share/icons/hicolor/512x512/apps/reconagent-app.png").exists(), "the icon is installed");
    let shots = root().join("test-output/e2e");
    std::fs::create_dir_all(&shots)?;
    let data = tempfile::tempdir()?;
    let db = data.path().join("installed.db");
    let _driver = start_driver(&db);
    let s = Session::start(&installed);
    s.wait_text("[data-testid=queue-count]", "400 breaks", 60);
    s.wait_text("[data-testid=as-of]", "as of ", 10);
    screenshot(&shots, "23-installed-package");
    Ok(())
}
