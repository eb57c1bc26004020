//! `reconagent policy diff`, `simulate`, and on a team database `propose`, `proposals`,
//! `approve` and `reject`.

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use reconagent_engine::orchestrate::{CancelFlag, Orchestrator};
use reconagent_engine::policy::edit::diff_text;
use reconagent_engine::policy::PolicySet;
use reconagent_engine::refdata::ReferenceData;
use reconagent_engine::simulate::{simulate as run_simulation, GroupDelta, SideTotals};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

/// A file's text, or a stored version's when `spec` is not a file and a database is given.
fn text_of(spec: &str, db: Option<&Path>) -> Result<String> {
    let path = Path::new(spec);
    if path.exists() {
        return std::fs::read_to_string(path).with_context(|| format!("cannot read {spec}"));
    }
    let store = crate::stored::open(db)?;
    let saves = store.policy_history(10_000)?;
    let hash =
        saves.iter().map(|s| &s.hash).find(|h| h.starts_with(spec)).with_context(|| format!("{spec}: no such file, and no stored version starts with it"))?;
    Ok(store.policy_text(hash)?)
}

pub(crate) fn diff(a: &str, b: &str, db: Option<&Path>) -> Result<ExitCode> {
    let (ta, tb) = (text_of(a, db)?, text_of(b, db)?);
    if ta == tb {
        println!("{a} and {b} are identical");
        return Ok(ExitCode::SUCCESS);
    }
    print!("{}", diff_text(&ta, &tb, a, b));
    Ok(ExitCode::from(1))
}

pub(crate) fn simulate(
    current: PolicySet,
    draft_path: &Path,
    limit: usize,
    break_type: Option<&str>,
    db: Option<&Path>,
    as_of: DateTime<Utc>,
) -> Result<ExitCode> {
    let draft = PolicySet::load_file(draft_path).map_err(|e| anyhow::anyhow!("the draft is invalid:\n{e}"))?;
    let store = crate::stored::open(db)?;
    let breaks = store.recent_breaks(limit, break_type)?;
    if breaks.is_empty() {
        anyhow::bail!("the database has no breaks to replay: import some first (reconagent import FILE)");
    }
    let refdata = Arc::new(ReferenceData::bundled());
    let history = store.history()?;
    let cur = Orchestrator::new(Arc::new(current), refdata.clone()).with_history(history.clone());
    let dr = Orchestrator::new(Arc::new(draft), refdata).with_history(history);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let n = breaks.len();
    let started = std::time::Instant::now();
    let sim = rt.block_on(run_simulation(&cur, &dr, breaks, n, as_of, &CancelFlag::default(), |done, total| {
        eprint!("\rsimulating {done}/{total}");
    }));
    eprintln!("\rsimulated {n} breaks in {:.2} s", started.elapsed().as_secs_f64());
    println!("in force {:.12}  draft {:.12}  ({} most recent breaks)", sim.current_version, sim.draft_version, n);
    println!("{:<22} {:<9} {:>13} {:>15} {:>15} {:>17} {:>13}", "type", "tier", "breaks", "agents/break", "early exit %", "modelled ms", "auto-resolved");
    for g in sim.groups.iter().chain([&sim.all]) {
        row(g);
    }
    let risky = sim.changes.iter().filter(|c| c.risky).count();
    println!("\n{} decision(s) change; {} move from a person's review to AUTO_RESOLVE", sim.changes.len(), risky);
    for c in sim.changes.iter().take(50) {
        println!("  {}{} {} {}: {} -> {}", if c.risky { "RISKY " } else { "" }, c.break_id, c.break_type, c.draft_tier, c.current, c.draft);
    }
    if sim.changes.len() > 50 {
        println!("  ... and {} more", sim.changes.len() - 50);
    }
    Ok(if risky > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn per(v: f64, s: &SideTotals) -> f64 {
    v / s.breaks.max(1) as f64
}

fn row(g: &GroupDelta) {
    let (c, d) = (&g.current, &g.draft);
    let pair = |a: String, b: String| format!("{a} -> {b}");
    println!(
        "{:<22} {:<9} {:>13} {:>15} {:>15} {:>17} {:>13}",
        g.break_type,
        g.tier,
        pair(c.breaks.to_string(), d.breaks.to_string()),
        pair(format!("{:.2}", per(c.agents_invoked as f64, c)), format!("{:.2}", per(d.agents_invoked as f64, d))),
        pair(format!("{:.0}", 100.0 * per(c.early_exits as f64, c)), format!("{:.0}", 100.0 * per(d.early_exits as f64, d))),
        pair(format!("{:.0}", per(c.modelled_ms as f64, c)), format!("{:.0}", per(d.modelled_ms as f64, d))),
        pair(c.auto_resolved.to_string(), d.auto_resolved.to_string()),
    );
}

/// `policy propose FILE --note N --db postgres://...`
pub(crate) fn propose(file: &Path, note: &str, db: Option<&Path>) -> Result<ExitCode> {
    let set = PolicySet::load_file(file).map_err(|e| anyhow::anyhow!("the policy file is invalid; nothing was proposed:\n{e}"))?;
    let store = crate::stored::open(db)?;
    let previous = store.team_policy()?.map(|t| t.hash);
    let p = store.propose_policy(&set, &file.display().to_string(), note.trim(), previous.as_deref())?;
    println!(
        "{}: proposal {} by {}: version {:.12} ({}); another policy admin approves it with `reconagent policy approve {}`",
        store.location(),
        p.proposal_id,
        p.author,
        p.hash,
        p.note,
        p.proposal_id
    );
    Ok(ExitCode::SUCCESS)
}

/// `policy proposals [--all]`
pub(crate) fn proposals(all: bool, db: Option<&Path>) -> Result<ExitCode> {
    let store = crate::stored::open(db)?;
    let list = store.policy_proposals(!all, 500)?;
    match store.team_policy()? {
        Some(t) => println!("{}: the team's policy in force is version {:.12}", store.location(), t.hash),
        None => println!("{}: the team has no policy in force yet (each machine runs its own file)", store.location()),
    }
    if list.is_empty() {
        println!("no {}policy proposals", if all { "" } else { "open " });
    }
    for p in list {
        let decided = match (&p.decided_by, &p.decided_at) {
            (Some(by), Some(at)) => {
                format!("; {} by {by} at {at}{}", p.state.to_lowercase(), p.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default())
            }
            _ => String::new(),
        };
        println!("{:>5}  {:<8} {:.12}  proposed by {} at {}: \"{}\"{}", p.proposal_id, p.state, p.hash, p.author, p.proposed_at, p.note, decided);
    }
    Ok(ExitCode::SUCCESS)
}

/// `policy approve ID` / `policy reject ID --reason R`
pub(crate) fn decide(proposal: i64, approve: bool, reason: &str, db: Option<&Path>) -> Result<ExitCode> {
    let store = crate::stored::open(db)?;
    let p = store.decide_policy_proposal(proposal, approve, reason)?;
    match p.state.as_str() {
        "APPROVED" => println!("{}: proposal {} approved: version {:.12} is the team's policy in force", store.location(), p.proposal_id, p.hash),
        _ => println!("{}: proposal {} rejected: {}", store.location(), p.proposal_id, p.reason.unwrap_or_default()),
    }
    Ok(ExitCode::SUCCESS)
}
