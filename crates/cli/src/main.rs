//! `reconagent`: the headless command-line tool of Recon Agent.
//!
//! Over 400 lines on purpose: the command-line surface (clap definitions and their dispatch),
//! read as one list; the work is in the API and the modules below.

mod bench;
mod bench_latency;
mod bench_llm;
mod bench_scale;
mod bench_team;
mod compare;
mod explain;
mod models;
mod policy_cmd;
mod stored;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use reconagent_engine::graph::{ExecutionGraph, RunMode};
use reconagent_engine::import::{self, ImportReport};
use reconagent_engine::orchestrate::{BatchOptions, Orchestrator};
use reconagent_engine::policy::PolicySet;
use reconagent_engine::refdata::ReferenceData;
use reconagent_engine::sample;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(name = "reconagent", version, about = "Recon Agent: classify, route and decide reconciliation breaks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    V1,
    V2,
}

impl From<Mode> for RunMode {
    fn from(m: Mode) -> RunMode {
        match m {
            Mode::V1 => RunMode::V1,
            Mode::V2 => RunMode::V2,
        }
    }
}

/// Inputs shared by the commands that run breaks.
#[derive(clap::Args, Clone)]
struct Inputs {
    /// Break file (CSV, JSON or JSON Lines).
    #[arg(long)]
    breaks: PathBuf,
    /// Routing policy file [default: the bundled policies/routing_policies.yaml].
    #[arg(long)]
    policies: Option<PathBuf>,
    /// Reference data (FX rates, instruments, counterparties) [default: bundled].
    #[arg(long)]
    ref_data: Option<PathBuf>,
    /// Classify as of this UTC time (ages are measured to it) [default: now].
    #[arg(long)]
    as_of: Option<DateTime<Utc>>,
}

#[derive(Subcommand)]
enum Command {
    /// Run breaks and print each decision and a summary.
    Run {
        #[command(flatten)]
        inputs: Inputs,
        #[arg(long, value_enum, default_value = "v2")]
        mode: Mode,
        /// Print one JSON execution graph per line instead of a table.
        #[arg(long)]
        json: bool,
        /// Also store the breaks and record every run in this audit database. A break already
        /// stored with other contents is reported field by field and not run; one waiting for a
        /// person (PENDING_REVIEW, ESCALATED) is not re-decided without --rerun.
        #[arg(long)]
        db: Option<PathBuf>,
        /// With --db: run again the file's breaks that wait for a person (the audit log records
        /// who asked).
        #[arg(long, requires = "db")]
        rerun: bool,
    },
    /// Store breaks in the audit database (status NEW).
    Import {
        /// Break file (CSV, JSON or JSON Lines).
        file: Option<PathBuf>,
        /// Load the bundled sample breaks instead of a file.
        #[arg(long)]
        sample: bool,
        /// Replace stored breaks whose contents differ from the file's, giving the reason (the
        /// old contents are kept and the audit log records who and why; each becomes NEW again).
        #[arg(long, value_name = "REASON")]
        replace: Option<String>,
        /// Database file [default: $RECONAGENT_DB or ~/.local/share/reconagent/reconagent.db].
        #[arg(long)]
        db: Option<PathBuf>,
    },
    /// Run every NEW break in the audit database and record the runs.
    Process {
        #[arg(long)]
        db: Option<PathBuf>,
        #[arg(long)]
        policies: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "v2")]
        mode: Mode,
        #[arg(long)]
        as_of: Option<DateTime<Utc>>,
    },
    /// Measure throughput (engine alone; engine + store + audit chain) and peak memory.
    Bench {
        #[arg(long, default_value_t = 100_000)]
        count: usize,
        /// engine, store, latency (scheduling on the wall clock with the seed's agent
        /// latencies; about a minute), or all.
        /// `scale` builds a database of --count processed breaks (or reuses --db) and times
        /// every screen's request through the API, exports and verification.
        /// `llm` runs the 400 sample breaks with model-backed PATTERN and DECISIONING through a
        /// local OpenAI-compatible server (127.0.0.1, 300 ms per answer), v1 against v2.
        #[arg(long, default_value = "all", value_parser = ["engine", "store", "latency", "scale", "llm", "all"])]
        suite: String,
        /// For `scale`: the database to build, or to reuse when it already holds --count breaks
        /// (a SQLite file, or a migrated team database as a person with every team role).
        /// For `store`: also a team database server, as postgres://OWNER@HOST:PORT/DB (a role
        /// that may create databases): one and two workers, each run in a fresh database.
        #[arg(long)]
        db: Option<PathBuf>,
        /// The global limit on concurrent agent calls for the 1,000-break latency run.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// The team database (PostgreSQL): its schema and its people. Run as the database's owner.
    Team {
        #[command(subcommand)]
        command: TeamCommand,
    },
    /// Secrets kept in the OS keyring (the desktop's Secret Service), never in a file: a model
    /// endpoint's API key (`llm:VARIABLE`, the policy's `llm.api_key_env`) or a team database
    /// password (its URL, `postgres://USER@HOST:PORT/DB`, without the password).
    Secret {
        #[command(subcommand)]
        command: SecretCommand,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Run breaks under v1 and v2 and compare decisions, agents and time.
    Compare {
        #[command(flatten)]
        inputs: Inputs,
    },
    /// Print one break's execution graph as text: run it from a break file, or (with --db and
    /// no --breaks) the stored break.
    Explain {
        break_id: String,
        /// Break file (CSV, JSON or JSON Lines) [default: the break stored in --db].
        #[arg(long)]
        breaks: Option<PathBuf>,
        /// Routing policy file [default: the bundled policies/routing_policies.yaml].
        #[arg(long)]
        policies: Option<PathBuf>,
        /// Reference data [default: bundled].
        #[arg(long)]
        ref_data: Option<PathBuf>,
        /// Classify as of this UTC time [default: the replayed run's, else now].
        #[arg(long)]
        as_of: Option<DateTime<Utc>>,
        /// The audit database that holds the break and its runs.
        #[arg(long)]
        db: Option<PathBuf>,
        /// Replay the break's last recorded run offline: model-backed agents answer only from
        /// the stored exchanges (no network), PATTERN sees the history the run saw, and the
        /// result is compared with the record (exit 1 when they differ).
        #[arg(long, requires = "db")]
        replay: bool,
        #[arg(long, value_enum, default_value = "v2")]
        mode: Mode,
    },
    /// Policy file commands.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Write the seeded sample data set.
    Sample {
        #[arg(long, default_value_t = sample::SAMPLE_SEED)]
        seed: u64,
        #[arg(long, default_value_t = sample::SAMPLE_COUNT)]
        count: usize,
        /// Directory for sample_breaks.csv and sample_breaks.json.
        #[arg(long, default_value = "data")]
        out_dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum TeamCommand {
    /// Create or upgrade the team schema: roles, tables and the functions that write them.
    Migrate {
        /// postgres://OWNER@HOST:PORT/DB
        #[arg(long)]
        db: String,
    },
    /// Add a person (a LOGIN role) with one or more team roles: reviewer, approver,
    /// policy_admin, auditor, processor.
    AddPerson {
        name: String,
        #[arg(long, value_delimiter = ',', required = true)]
        roles: Vec<String>,
        /// postgres://OWNER@HOST:PORT/DB
        #[arg(long)]
        db: String,
    },
}

#[derive(Subcommand)]
enum SecretCommand {
    /// Store a secret: typed at the prompt (not shown), or read from standard input when it is
    /// not a terminal (its first line).
    Set { name: String },
    /// Say whether the keyring holds the secret (never its value).
    Status { name: String },
    /// Remove the secret from the keyring.
    Delete { name: String },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain and check every break, run and action against it (read-only);
    /// exit 1 and name the first problem.
    Verify {
        #[arg(long)]
        db: Option<PathBuf>,
        /// A head saved earlier (`SEQ:HASH`, as `audit head` prints it): fail if the chain no
        /// longer holds it (truncated or rewritten since).
        #[arg(long)]
        expect: Option<String>,
        /// Check only the entries after the newest verified head (stored, signed, by an earlier
        /// intact verification; with none, verify fully and store the head). Opens the file
        /// for writing.
        #[arg(long, conflicts_with = "expect")]
        since_checkpoint: bool,
    },
    /// Print the chain's head (SEQ:HASH) signed with this installation's Ed25519 key, to keep
    /// outside the database (a ticket, an e-mail, a printed report).
    Head {
        #[arg(long)]
        db: Option<PathBuf>,
    },
    /// Check an exported JSON report offline, without the database: its signature over its
    /// whole content, the head's signature, and the links between its audit entries.
    VerifyReport { file: PathBuf },
    /// Write an audit report for a period: breaks, decisions, overrides, runs, audit entries,
    /// with the chain head and its verification at export time.
    Export {
        /// First day, YYYY-MM-DD (UTC) [default: the beginning: everything up to --to].
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        /// Last day, inclusive [default: today, UTC].
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
        /// Only this break type.
        #[arg(long = "type")]
        break_type: Option<String>,
        #[arg(long, value_parser = ["csv", "xlsx", "json", "html"])]
        format: String,
        /// The report file. Never the database or its journal, nor an existing symlink,
        /// directory or device; an existing file only with --force.
        #[arg(long)]
        out: PathBuf,
        /// Replace an existing report file.
        #[arg(long)]
        force: bool,
        #[arg(long)]
        db: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Validate a policy file: every error with its line; exits non-zero on any error.
    Check { file: PathBuf },
    /// Line diff of two policy files (or stored versions, by hash prefix, with --db).
    Diff {
        a: String,
        b: String,
        #[arg(long)]
        db: Option<PathBuf>,
    },
    /// What a draft would change: the most recent stored breaks through the policies in force
    /// and through the draft, nothing recorded. Exits 1 when a break would move from a
    /// person's review to AUTO_RESOLVE.
    Simulate {
        #[arg(long)]
        draft: PathBuf,
        /// The policies in force (default: the bundled ones).
        #[arg(long)]
        policies: Option<PathBuf>,
        #[arg(long, default_value_t = 10_000)]
        limit: usize,
        /// Only breaks of this type.
        #[arg(long = "type")]
        break_type: Option<String>,
        #[arg(long)]
        db: Option<PathBuf>,
        #[arg(long)]
        as_of: Option<DateTime<Utc>>,
    },
    /// Team database: propose a policy file as the team's policy (it replaces the policy in
    /// force once another policy admin approves it).
    Propose {
        file: PathBuf,
        /// What the change is for (kept in the history and the audit log).
        #[arg(long)]
        note: String,
        #[arg(long)]
        db: Option<PathBuf>,
    },
    /// Team database: the policy proposals (open ones; --all for decided ones too).
    Proposals {
        #[arg(long)]
        all: bool,
        #[arg(long)]
        db: Option<PathBuf>,
    },
    /// Team database: approve another policy admin's proposal; it is the team's policy at once.
    Approve {
        proposal: i64,
        #[arg(long, default_value = "")]
        reason: String,
        #[arg(long)]
        db: Option<PathBuf>,
    },
    /// Team database: reject another policy admin's proposal, saying why.
    Reject {
        proposal: i64,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        db: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn load_policies(path: Option<&Path>) -> Result<PolicySet> {
    match path {
        None => Ok(PolicySet::bundled()),
        Some(p) => PolicySet::load_file(p).map_err(|e| anyhow::anyhow!("the policy file is invalid and was not used:\n{e}")),
    }
}

fn load_refdata(path: Option<&Path>) -> Result<ReferenceData> {
    match path {
        None => Ok(ReferenceData::bundled()),
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
            ReferenceData::from_json(&text).with_context(|| format!("{}: invalid reference data", p.display()))
        }
    }
}

/// Loads breaks, printing row errors; the second value says whether any row failed.
pub(crate) fn load_breaks(path: &Path) -> Result<(ImportReport, bool)> {
    let report = import::read_file(path)?;
    for e in &report.errors {
        eprintln!("{}: {e}", path.display());
    }
    let failed = !report.errors.is_empty();
    if failed {
        eprintln!("{}: {} row(s) rejected, {} loaded", path.display(), report.errors.len(), report.breaks.len());
    }
    Ok((report, failed))
}

pub(crate) fn orchestrator(inputs: &Inputs) -> Result<Orchestrator> {
    let policies = load_policies(inputs.policies.as_deref())?;
    let refdata = load_refdata(inputs.ref_data.as_deref())?;
    Ok(Orchestrator::new(Arc::new(policies), Arc::new(refdata)))
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

/// Runs a batch with a progress bar on stderr (hidden when not a terminal).
pub(crate) fn run_batch(orch: &Orchestrator, breaks: Vec<reconagent_engine::Break>, mode: RunMode, as_of: DateTime<Utc>) -> Result<Vec<ExecutionGraph>> {
    let total = breaks.len();
    let bar = ProgressBar::new(total as u64);
    bar.set_style(ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {per_sec} eta {eta}")?.progress_chars("=> "));
    bar.set_prefix(mode.as_str());
    let order: std::collections::HashMap<String, usize> = breaks.iter().enumerate().map(|(i, b)| (b.break_id.clone(), i)).collect();
    let mut graphs = Vec::with_capacity(total);
    let opts = BatchOptions::new(mode, as_of);
    runtime()?.block_on(orch.process_batch(breaks, total, &opts, |g| graphs.push(g), |p| bar.set_position(p.done as u64)));
    bar.finish_and_clear();
    graphs.sort_by_key(|g| order[&g.break_id]);
    Ok(graphs)
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Run { inputs, mode, json, db, rerun } => {
            let (orch, models) = models::attach(orchestrator(&inputs)?, models::exchanges_for(db.as_deref())?, false)?;
            let base = orch.policies.classifier.base_currency.clone();
            let (report, mut failed) = load_breaks(&inputs.breaks)?;
            let as_of = inputs.as_of.unwrap_or_else(Utc::now);
            let graphs = match db {
                Some(db) => {
                    let source = inputs.breaks.display().to_string();
                    let (mut g, held_back) = stored::run_file(Some(&db), orch, report.breaks.clone(), &source, mode.into(), as_of, rerun)?;
                    failed |= held_back;
                    let order: std::collections::HashMap<&str, usize> = report.breaks.iter().enumerate().map(|(i, b)| (b.break_id.as_str(), i)).collect();
                    g.sort_by_key(|x| order[x.break_id.as_str()]);
                    g
                }
                None => run_batch(&orch, report.breaks, mode.into(), as_of)?,
            };
            if json {
                for g in &graphs {
                    println!("{}", serde_json::to_string(g)?);
                }
            } else {
                print_run(&graphs);
            }
            if let Some(rt) = models {
                eprintln!("{}", models::report(&rt, &base));
            }
            Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
        Command::Compare { inputs } => compare::run(&inputs),
        Command::Bench { count, suite, limit, db } => bench::run(count, &suite, limit, db.as_deref()),
        Command::Import { file, sample, db, replace } => stored::import(db.as_deref(), file.as_deref(), sample, replace.as_deref()),
        Command::Process { db, policies, mode, as_of } => {
            let store = stored::open(db.as_deref())?;
            let set = stored::policy_in_force(&*store, load_policies(policies.as_deref())?, policies.as_deref())?;
            let orch = Orchestrator::new(Arc::new(set), Arc::new(ReferenceData::bundled()));
            let (orch, models) = models::attach(orch, models::exchanges_for(db.as_deref())?, false)?;
            let base = orch.policies.classifier.base_currency.clone();
            let code = stored::run_new(store, orch, mode.into(), as_of.unwrap_or_else(Utc::now));
            if let Some(rt) = models {
                eprintln!("{}", models::report(&rt, &base));
            }
            code
        }
        Command::Team { command: TeamCommand::Migrate { db } } => {
            let team = reconagent_store::postgres::TeamDb::connect(&db)?;
            let version = team.migrate()?;
            println!("{}: team schema at version {version}", team.location());
            Ok(ExitCode::SUCCESS)
        }
        Command::Team { command: TeamCommand::AddPerson { name, roles, db } } => {
            let team = reconagent_store::postgres::TeamDb::connect(&db)?;
            team.add_person(&name, &roles.iter().map(String::as_str).collect::<Vec<_>>())?;
            println!("{}: {name} may log in as {}", team.location(), roles.join(", "));
            Ok(ExitCode::SUCCESS)
        }
        Command::Secret { command } => secret(command),
        Command::Audit { command: AuditCommand::Verify { db, since_checkpoint: true, .. } } => stored::verify_since_checkpoint(db.as_deref()),
        Command::Audit { command: AuditCommand::Verify { db, expect, .. } } => stored::verify(db.as_deref(), expect.as_deref()),
        Command::Audit { command: AuditCommand::Head { db } } => stored::head(db.as_deref()),
        Command::Audit { command: AuditCommand::VerifyReport { file } } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            match reconagent_store::anchor::verify_report(&text) {
                Ok(summary) => {
                    println!("{}: {summary}", file.display());
                    Ok(ExitCode::SUCCESS)
                }
                Err(why) => {
                    println!("{}: NOT intact: {why}", file.display());
                    Ok(ExitCode::from(1))
                }
            }
        }
        Command::Audit { command: AuditCommand::Export { from, to, break_type, format, out, force, db } } => {
            let to = to.unwrap_or_else(|| Utc::now().date_naive());
            let from = from.unwrap_or(chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("a valid date"));
            stored::export(db.as_deref(), reconagent_store::export::ReportQuery { from, to, break_type }, &format, &out, force)
        }
        Command::Explain { break_id, breaks, policies, ref_data, as_of, db, replay, mode } => explain::run(explain::Request {
            break_id,
            breaks,
            policies: load_policies(policies.as_deref())?,
            refdata: load_refdata(ref_data.as_deref())?,
            as_of,
            db,
            replay,
            mode: mode.into(),
        }),
        Command::Policy { command: PolicyCommand::Check { file } } => match PolicySet::load_file(&file) {
            Ok(set) => {
                for w in &set.warnings {
                    println!("warning: {w}");
                }
                println!("{}: valid ({} plans, version {})", file.display(), set.plan_keys().len(), &set.version[..12]);
                Ok(ExitCode::SUCCESS)
            }
            Err(errors) => {
                for e in &errors.0 {
                    println!("error: {e}");
                }
                println!("{}: {} error(s); the file would not be used", file.display(), errors.0.len());
                Ok(ExitCode::from(1))
            }
        },
        Command::Policy { command: PolicyCommand::Diff { a, b, db } } => policy_cmd::diff(&a, &b, db.as_deref()),
        Command::Policy { command: PolicyCommand::Propose { file, note, db } } => policy_cmd::propose(&file, &note, db.as_deref()),
        Command::Policy { command: PolicyCommand::Proposals { all, db } } => policy_cmd::proposals(all, db.as_deref()),
        Command::Policy { command: PolicyCommand::Approve { proposal, reason, db } } => policy_cmd::decide(proposal, true, &reason, db.as_deref()),
        Command::Policy { command: PolicyCommand::Reject { proposal, reason, db } } => policy_cmd::decide(proposal, false, &reason, db.as_deref()),
        Command::Policy { command: PolicyCommand::Simulate { draft, policies, limit, break_type, db, as_of } } => {
            let current = load_policies(policies.as_deref())?;
            policy_cmd::simulate(current, &draft, limit, break_type.as_deref(), db.as_deref(), as_of.unwrap_or_else(Utc::now))
        }
        Command::Sample { seed, count, out_dir } => {
            let refdata = ReferenceData::bundled();
            let breaks = sample::generate(seed, count, &refdata);
            std::fs::create_dir_all(&out_dir)?;
            reconagent_store::fsio::write_atomic(&out_dir.join("sample_breaks.csv"), import::to_csv(&breaks).as_bytes())?;
            reconagent_store::fsio::write_atomic(&out_dir.join("sample_breaks.json"), (serde_json::to_string_pretty(&breaks)? + "\n").as_bytes())?;
            println!("wrote {count} breaks (seed {seed}) to {}", out_dir.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_run(graphs: &[ExecutionGraph]) {
    println!("{:<11} {:<20} {:<8} {:<12} {:>6} {:>9}  decided by (held for review because)", "break", "type", "tier", "decision", "agents", "time");
    let (mut invoked, mut planned, mut early, mut wall) = (0, 0, 0, 0u64);
    for g in graphs {
        let by = match &g.decision.decided_by {
            reconagent_engine::DecidedBy::Checkpoint { id, .. } => format!("checkpoint {id}"),
            reconagent_engine::DecidedBy::Agent { agent } => agent.to_string(),
            reconagent_engine::DecidedBy::Fallback => "fallback".into(),
            reconagent_engine::DecidedBy::FailSafe => "fail-safe".into(),
        };
        // Invariant S1: why a person must look, in the engine's words (every reason).
        let held = if g.decision.holds.is_empty() {
            String::new()
        } else {
            format!(" (held: {})", g.decision.holds.iter().map(|h| h.to_string()).collect::<Vec<_>>().join("; "))
        };
        println!(
            "{:<11} {:<20} {:<8} {:<12} {:>3}/{:<2} {:>7}us  {by}{held}",
            g.break_id,
            g.profile.break_type.as_str(),
            g.profile.tier.as_str(),
            g.decision.action.as_str(),
            g.agents_invoked(),
            g.agents_planned(),
            g.wall_us,
        );
        invoked += g.agents_invoked();
        planned += g.agents_planned();
        early += usize::from(g.early_exit().is_some());
        wall += g.wall_us;
    }
    if graphs.is_empty() {
        println!("no breaks");
        return;
    }
    let n = graphs.len();
    println!(
        "\n{n} breaks: {invoked} agents invoked of {planned} planned ({:.2} per break, v1 runs 7); {early} early exits ({:.0}%); mean {:.0}us per break",
        invoked as f64 / n as f64,
        early as f64 * 100.0 / n as f64,
        wall as f64 / n as f64
    );
    let mut by_action = std::collections::BTreeMap::new();
    for g in graphs {
        *by_action.entry(g.decision.action.as_str()).or_insert(0) += 1;
    }
    println!("decisions: {}", by_action.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", "));
}

/// `llm:VAR`, `postgres:USER@HOST:PORT/DB`, or a PostgreSQL URL or key=value string.
fn secret_named(name: &str) -> Result<reconagent_engine::secrets::Secret> {
    use reconagent_engine::secrets::Secret;
    if name.starts_with("postgres://") || name.starts_with("postgresql://") || name.contains("host=") || name.contains("user=") {
        if name.contains("password=") || reconagent_store::postgres::redact(name) != name {
            anyhow::bail!("the address carries a password: give it without one; the password is asked for separately");
        }
        return Ok(reconagent_store::postgres::password_secret_of(name)?);
    }
    Secret::parse(name).map_err(|e| anyhow::anyhow!(e))
}

fn secret(command: SecretCommand) -> Result<ExitCode> {
    use reconagent_engine::secrets;
    match command {
        SecretCommand::Set { name } => {
            let secret = secret_named(&name)?;
            let value = read_secret(&format!("{secret}: "))?;
            secrets::store(&secret, &value).map_err(|e| anyhow::anyhow!(e))?;
            println!("stored in the OS keyring: {secret}");
        }
        SecretCommand::Status { name } => {
            let secret = secret_named(&name)?;
            match secrets::read(&secret).map_err(|e| anyhow::anyhow!(e))? {
                Some(_) => println!("{secret}: stored in the OS keyring"),
                None => {
                    println!("{secret}: not in the OS keyring");
                    return Ok(ExitCode::from(1));
                }
            }
        }
        SecretCommand::Delete { name } => {
            let secret = secret_named(&name)?;
            if secrets::forget(&secret).map_err(|e| anyhow::anyhow!(e))? {
                println!("removed from the OS keyring: {secret}");
            } else {
                println!("{secret}: not in the OS keyring (nothing removed)");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A secret from the terminal with echo off, or standard input's first line when it is not one.
pub(crate) fn read_secret(prompt: &str) -> Result<String> {
    use std::io::{BufRead, IsTerminal, Write};
    let stdin = std::io::stdin();
    let mut line = String::new();
    if stdin.is_terminal() {
        // SAFETY: tcgetattr/tcsetattr on standard input with a termios it filled in.
        let saved = unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(0, &mut t) != 0 {
                anyhow::bail!("cannot read the terminal's settings to hide the secret");
            }
            let saved = t;
            t.c_lflag &= !libc::ECHO;
            libc::tcsetattr(0, libc::TCSANOW, &t);
            saved
        };
        // Asked only once the terminal no longer echoes what is typed.
        eprint!("{prompt}");
        let _ = std::io::stderr().flush();
        let read = stdin.lock().read_line(&mut line);
        // SAFETY: restores the settings read above.
        unsafe { libc::tcsetattr(0, libc::TCSANOW, &saved) };
        eprintln!();
        read?;
    } else {
        stdin.lock().read_line(&mut line)?;
    }
    let value = line.trim_end_matches(['\n', '\r']).to_string();
    anyhow::ensure!(!value.is_empty(), "no secret was given");
    Ok(value)
}
