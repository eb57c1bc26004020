//! The application core: one store, the policies in force, the long task in flight.

use crate::dto::AppInfo;
use crate::error::{ApiError, ApiResult, ErrorCode};
use reconagent_engine::orchestrate::{CancelFlag, Orchestrator};
use reconagent_engine::policy::PolicySet;
use reconagent_engine::refdata::ReferenceData;
use reconagent_store::prelude::*;
use reconagent_store::QueueFilter;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

/// The app's state: one store, the policies in force, the batch in flight. Every operation the
/// desktop app offers is a method, grouped by domain in this crate's modules.
///
/// ```
/// # fn main() -> reconagent_api::ApiResult<()> {
/// let dir = tempfile::tempdir().unwrap();
/// let core = reconagent_api::Core::open(&dir.path().join("doc.db"), true)?;
/// let info = core.info()?;
/// assert!(info.loaded_sample, "an empty database gets the bundled sample breaks");
/// assert_eq!(info.breaks, info.new_breaks);
/// # Ok(())
/// # }
/// ```
pub struct Core {
    /// Declared before the store: its PATTERN history holds a read connection, which closes
    /// before the store's own (see `SqliteStore`'s `Drop`).
    pub(crate) orchestrator: RwLock<Orchestrator>,
    pub(crate) store: Arc<dyn Backend>,
    pub(crate) running: Mutex<Option<CancelFlag>>,
    loaded_sample: bool,
    /// The policy file the engine runs under and the editor saves to.
    pub(crate) policy_path: PathBuf,
    /// Why the file (or the team's policy) is not in force (the bundled policies, or the
    /// file, are).
    pub(crate) policy_problem: Mutex<Option<String>>,
    /// Why the policy's model-backed agents cannot run (the built-in agents do), if so.
    pub(crate) model_problem: Mutex<Option<String>>,
    /// On a team database: why this desktop cannot run the team's policy, when it cannot.
    /// Nothing is processed then (`Core::may_process`).
    pub(crate) team_blocked: Mutex<Option<String>>,
}

/// The agents `policies` runs with: its enabled model-backed agents over the real HTTP client
/// (requests and answers kept beside the database file, or in the team database itself:
/// [`reconagent_store::backend::exchanges_for`]), else the built-in agents, with why the models cannot run (an API key not set).
pub(crate) fn agents_for(policies: &PolicySet, store: &dyn Backend) -> (reconagent_engine::agents::AgentSet, Option<String>) {
    let builtin = reconagent_engine::agents::AgentSet::builtin();
    let exchanges = reconagent_store::backend::exchanges_for(store);
    match reconagent_engine::llm::agent::attach(builtin.clone(), policies, exchanges, false) {
        Ok(Some((agents, _))) => (agents, None),
        Ok(None) => (builtin, None),
        Err(e) => (builtin, Some(format!("the policy's model-backed agents cannot run, so the built-in agents decide alone: {e}"))),
    }
}

/// The team's policy in force (a team database's newest approved save), its prompt templates
/// read from `dir`; `None` where one person works alone or the team has none yet. The app and
/// `reconagent process` both load it here.
///
/// # Errors
/// Why the team's policy cannot run here, in words: it cannot be read, its text does not load
/// with this build, or a prompt template beside the policy file is not the one its text records.
/// Nothing may then be processed here: running anything else would bypass the team's approval.
pub fn team_policies(store: &dyn Backend, dir: &Path) -> Result<Option<PolicySet>, String> {
    let Some(team) = store.team_policy().map_err(|e| format!("the team's policy cannot be read: {e}"))? else {
        return Ok(None);
    };
    let mut set = PolicySet::load(&team.text, TEAM_POLICY_NAME)
        .map_err(|e| format!("the team's policy version {:.12} does not load with this build:\n{e}", team.hash))?;
    set.read_prompts(dir).map_err(|e| format!("the team's policy version {:.12} cannot run here:\n{e}", team.hash))?;
    Ok(Some(set))
}

/// What this desktop says, and keeps, when it cannot run the team's policy: nothing is processed.
pub(crate) fn cannot_run_team_policy(why: &str) -> String {
    format!("{why}\nNothing is processed on this desktop until it can run the team's policy (its own file is shown, not used).")
}

/// What a team's policy is called in messages and on the title bar (the CLI's worker says the
/// same: `stored::policy_in_force`).
pub(crate) const TEAM_POLICY_NAME: &str = "team policy";

impl Core {
    /// Opens the SQLite database at `db` with the policy file beside it. With
    /// `sample_if_empty`, an empty database gets the bundled sample breaks (the desktop app's
    /// first start).
    ///
    /// # Errors
    /// The database cannot be opened (foreign, newer, corrupt: nothing is changed).
    pub fn open(db: &Path, sample_if_empty: bool) -> ApiResult<Core> {
        Self::open_with_policies(db, &db.with_file_name("routing_policies.yaml"), sample_if_empty)
    }

    /// As [`Core::open`], running under the policy file at `policy_path`.
    ///
    /// # Errors
    /// The database cannot be opened, or a missing policy file cannot be created.
    pub fn open_with_policies(db: &Path, policy_path: &Path, sample_if_empty: bool) -> ApiResult<Core> {
        Self::with_backend(reconagent_store::open_backend(db)?, policy_path, sample_if_empty)
    }

    /// A core over any backend, running under the policy file at `policy_path` (written from
    /// the bundled policies when it does not exist). An invalid file is not used: the bundled
    /// policies run, and the Policies screen shows why.
    ///
    /// # Errors
    /// A missing policy file cannot be created, or the store fails.
    pub fn with_backend(store: Arc<dyn Backend>, policy_path: &Path, sample_if_empty: bool) -> ApiResult<Core> {
        if !policy_path.exists() {
            if let Some(dir) = policy_path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| ApiError::new(ErrorCode::Io, format!("{}: {e}", dir.display())))?;
            }
            reconagent_store::fsio::write_atomic(policy_path, reconagent_engine::policy::BUNDLED_POLICIES.as_bytes())
                .map_err(|e| ApiError::new(ErrorCode::Io, format!("cannot create {}: {e}", policy_path.display())))?;
        }
        // The shipped prompt templates beside the policy file, for model-backed agents (never
        // overwriting one a person edited).
        let dir = PolicySet::prompt_dir(policy_path);
        for (_, file, text) in reconagent_engine::policy::outline::SHIPPED_PROMPTS {
            let path = dir.join(file);
            if !path.exists() {
                let written = path.parent().map_or(Ok(()), std::fs::create_dir_all).and_then(|()| reconagent_store::fsio::write_atomic(&path, text.as_bytes()));
                written.map_err(|e| ApiError::new(ErrorCode::Io, format!("cannot create {}: {e}", path.display())))?;
            }
        }
        let (file_policies, file_problem) = match PolicySet::load_file(policy_path) {
            Ok(p) => (p, None),
            Err(e) => (PolicySet::bundled(), Some(format!("{} is not valid, so the bundled policies are in force:\n{e}", policy_path.display()))),
        };
        // A team runs under its policy in force, the same on every desktop and worker; until it
        // has one (the first proposal approved), each runs its own file.
        let (policies, policy_problem, team_blocked) = match team_policies(&*store, dir) {
            Ok(Some(team)) => (team, None, None),
            Ok(None) => (file_policies, file_problem, None),
            Err(why) => (file_policies, Some(cannot_run_team_policy(&why)), Some(why)),
        };
        // A desktop that cannot run the team's policy runs nothing, so records no version in use.
        let recorded = if team_blocked.is_some() { Ok(()) } else { store.record_policy(&policies, "in force at start") };
        match recorded {
            // A team database's auditor or approver runs nothing, so records no version.
            Err(reconagent_store::StoreError::Team { code: Some(c), .. }) if c == "42501" => {}
            r => r?,
        }
        let mut loaded_sample = false;
        // The sample goes only into a database of one's own, never into a team's.
        let sample_if_empty = sample_if_empty && store.database_file().is_some();
        if sample_if_empty && store.queue_count(&QueueFilter::default())? == 0 {
            store.import_breaks(&reconagent_engine::sample::bundled_breaks_as_of(chrono::Utc::now()), "bundled sample (empty database at start)")?;
            loaded_sample = true;
        }
        let (agents, model_problem) = agents_for(&policies, &*store);
        let orchestrator = Orchestrator::new(Arc::new(policies), Arc::new(ReferenceData::bundled())).with_agents(agents).with_history(store.history()?);
        Ok(Core {
            store,
            orchestrator: RwLock::new(orchestrator),
            running: Mutex::new(None),
            loaded_sample,
            policy_path: policy_path.to_path_buf(),
            policy_problem: Mutex::new(policy_problem),
            model_problem: Mutex::new(model_problem),
            team_blocked: Mutex::new(team_blocked),
        })
    }

    /// The store this core works on.
    pub fn store(&self) -> &dyn Backend {
        &*self.store
    }

    pub(crate) fn orchestrator(&self) -> Orchestrator {
        self.orchestrator.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// What the title bar and the status line show.
    pub fn info(&self) -> ApiResult<AppInfo> {
        let o = self.orchestrator();
        Ok(AppInfo {
            database: self.store.location(),
            actor: self.store.actor().to_string(),
            policy_source: o.policies.source_name.clone(),
            policy_version: o.policies.version.clone(),
            breaks: self.store.queue_count(&QueueFilter::default())? as i32,
            new_breaks: self.store.count_with_status(BreakStatus::New)? as i32,
            loaded_sample: self.loaded_sample,
            as_of: chrono::Utc::now().format("%Y-%m-%dT%H:%MZ").to_string(),
        })
    }

    /// Refuses processing while this desktop cannot run the team's policy: runs under any other
    /// policy would bypass the team's four eyes on policies.
    pub(crate) fn may_process(&self) -> ApiResult<()> {
        match &*self.team_blocked.lock().unwrap_or_else(|p| p.into_inner()) {
            Some(why) => Err(ApiError::new(ErrorCode::Invalid, format!("nothing is processed here while this desktop cannot run the team's policy: {why}"))),
            None => Ok(()),
        }
    }

    /// Claims the one slot for long work (a batch or a simulation) and returns its cancel flag.
    pub(crate) fn start_task(&self) -> ApiResult<CancelFlag> {
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        if running.is_some() {
            return Err(ApiError::new(ErrorCode::Busy, "a batch or simulation is already running"));
        }
        let cancel = CancelFlag::default();
        *running = Some(cancel.clone());
        Ok(cancel)
    }

    pub(crate) fn end_task(&self) {
        *self.running.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Cancels the batch or simulation in flight, if any: breaks not started stay as they were.
    pub fn cancel_processing(&self) -> bool {
        match &*self.running.lock().unwrap_or_else(|p| p.into_inner()) {
            Some(c) => {
                c.cancel();
                true
            }
            None => false,
        }
    }
}
