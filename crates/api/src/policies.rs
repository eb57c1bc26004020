//! The Policies screen: load the file in force, check a draft (edits applied by Rust, errors
//! and warnings from the engine's own validator), diff, simulate, save, history and restore.

use crate::dto::Progress;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::Core;
use reconagent_engine::orchestrate::Orchestrator;
use reconagent_engine::policy::edit::{apply, diff};
pub use reconagent_engine::policy::edit::{DiffLine, EditValue, PolicyEdit};
pub use reconagent_engine::policy::outline::Outline as PolicyOutline;
use reconagent_engine::policy::outline::{outline, Outline};
use reconagent_engine::policy::{PolicyError, PolicySet};
/// Where a model endpoint's key comes from (the engine's type, shown as is).
pub use reconagent_engine::secrets::KeySource;
use reconagent_engine::simulate::{simulate, GroupDelta, SideTotals};
use reconagent_engine::DecisionAction;
use serde::Serialize;
use specta::Type;
use std::sync::Arc;

/// A problem (or warning) on a path of the file, as the form shows it beside the field.
#[derive(Debug, Clone, Serialize, Type)]
pub struct PolicyIssue {
    /// `policies.CASH_RECONCILIATION.LOW.checkpoints[0].when`; empty for the whole file.
    pub path: String,
    /// 1-based line (0 when unknown).
    pub line: i32,
    /// 1-based column (0 when unknown).
    pub column: i32,
    /// What is wrong, in the validator's words.
    pub message: String,
}

impl From<&PolicyError> for PolicyIssue {
    fn from(e: &PolicyError) -> PolicyIssue {
        PolicyIssue { path: e.path.clone(), line: e.line.min(i32::MAX as u64) as i32, column: e.column.min(i32::MAX as u64) as i32, message: e.message.clone() }
    }
}

/// A policy text with everything the editor shows about it.
#[derive(Debug, Clone, Serialize, Type)]
pub struct PolicyDraft {
    /// The file.
    pub path: String,
    /// The YAML text.
    pub text: String,
    /// Content hash (the policy version this text would be).
    pub hash: String,
    /// `None` when the text is not YAML of the file's shape (see `errors`).
    pub outline: Option<Outline>,
    /// What makes it invalid (nothing can be saved while any remain).
    pub errors: Vec<PolicyIssue>,
    /// What is allowed but probably not meant.
    pub warnings: Vec<PolicyIssue>,
    /// Against the text the edits were applied to (empty for a loaded file).
    pub diff: Vec<DiffLine>,
}

/// The file as it is on disk, and what the engine runs under.
#[derive(Debug, Clone, Serialize, Type)]
pub struct PolicyFileState {
    /// The file on disk, checked.
    pub draft: PolicyDraft,
    /// The version the engine runs under.
    pub in_force_version: String,
    /// In a team database: where the policy comes from, and that a change is a proposal for
    /// another policy admin ([`Core::policy_propose`]). `None` where one person saves alone.
    pub team: Option<String>,
    /// Set when the file on disk is invalid and the bundled policies run instead.
    pub problem: Option<String>,
}

#[derive(Debug, Clone, Serialize, Type)]
/// One version in the policy history.
pub struct PolicySaveDto {
    /// The save's id, or `v:` and the hash for a version used without a save.
    pub save_id: String,
    /// The version's content hash.
    pub hash: String,
    /// The file.
    pub path: String,
    /// Who saved it.
    pub author: String,
    /// What the change is for.
    pub note: String,
    /// ISO 8601, UTC.
    pub saved_at: String,
    /// The hash the file had before.
    pub previous: Option<String>,
}

impl From<reconagent_store::PolicySave> for PolicySaveDto {
    /// A version used without a save gets `v:` and its hash as id.
    fn from(s: reconagent_store::PolicySave) -> Self {
        let save_id = s.save_id.map_or_else(|| format!("v:{}", s.hash), |id| id.to_string());
        PolicySaveDto { save_id, hash: s.hash, path: s.path, author: s.author, note: s.note, saved_at: s.saved_at, previous: s.previous }
    }
}

/// A policy change proposed in a team database, for another policy admin to decide.
#[derive(Debug, Clone, Serialize, Type)]
pub struct PolicyProposalDto {
    /// The proposal's number.
    pub proposal_id: u32,
    /// The version the change makes.
    pub hash: String,
    /// What the change is for.
    pub note: String,
    /// The version it was made from.
    pub previous: Option<String>,
    /// Who proposed it.
    pub author: String,
    /// ISO 8601, UTC.
    pub proposed_at: String,
    /// OPEN, APPROVED or REJECTED.
    pub state: String,
    /// Who approved or rejected it.
    pub decided_by: Option<String>,
    /// When, ISO 8601, UTC.
    pub decided_at: Option<String>,
    /// Why it was rejected (or the approver's remark).
    pub reason: Option<String>,
    /// Proposed by the person logged in here (who may not decide it).
    pub mine: bool,
    /// Against the version it was made from (whole text when that version is not stored).
    pub diff: Vec<DiffLine>,
}

/// Per-break averages for one side of a simulation row.
#[derive(Debug, Clone, Serialize, Type)]
pub struct SimSide {
    /// Breaks replayed.
    pub breaks: i32,
    /// Mean agents started.
    pub agents_per_break: f64,
    /// Share ended early by a checkpoint, 0 to 1.
    pub early_exit_rate: f64,
    /// Mean modelled time.
    pub modelled_ms_per_break: f64,
    /// Decimal text, dollars per break.
    pub modelled_cost_per_break: String,
    /// Breaks auto-resolved.
    pub auto_resolved: i32,
}

impl From<&SideTotals> for SimSide {
    fn from(s: &SideTotals) -> SimSide {
        let n = s.breaks.max(1) as f64;
        SimSide {
            breaks: s.breaks as i32,
            agents_per_break: s.agents_invoked as f64 / n,
            early_exit_rate: s.early_exits as f64 / n,
            modelled_ms_per_break: s.modelled_ms as f64 / n,
            modelled_cost_per_break: crate::dto::cost_text(s.modelled_cost / rust_decimal::Decimal::from(s.breaks.max(1) as u64)),
            auto_resolved: s.auto_resolved as i32,
        }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
/// One type and tier of a simulation, under both policies.
pub struct SimRow {
    /// The break type.
    pub break_type: String,
    /// The tier.
    pub tier: String,
    /// Under the policies in force.
    pub current: SimSide,
    /// Under the draft.
    pub draft: SimSide,
}

impl From<&GroupDelta> for SimRow {
    fn from(g: &GroupDelta) -> SimRow {
        SimRow { break_type: g.break_type.clone(), tier: g.tier.clone(), current: (&g.current).into(), draft: (&g.draft).into() }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
/// A break the draft decides differently.
pub struct SimChange {
    /// Which break.
    pub break_id: String,
    /// The break type.
    pub break_type: String,
    /// Its tier under the policies in force.
    pub current_tier: String,
    /// Its tier under the draft.
    pub draft_tier: String,
    /// The decision in force.
    pub current: DecisionAction,
    /// The draft's decision.
    pub draft: DecisionAction,
    /// Whether the draft moves it toward less human review.
    pub risky: bool,
}

#[derive(Debug, Clone, Serialize, Type)]
/// What replaying recent breaks under a draft showed.
pub struct SimulationDto {
    /// The version in force.
    pub current_version: String,
    /// The draft's version.
    pub draft_version: String,
    /// Per type and tier.
    pub rows: Vec<SimRow>,
    /// Every break.
    pub all: SimRow,
    /// Risky ones first.
    pub changes: Vec<SimChange>,
    /// Changes toward less review.
    pub risky: i32,
    /// Whether it was cancelled.
    pub cancelled: bool,
    /// How long it took.
    pub seconds: f64,
}

/// A role's refusal by the team database, said as what the person may not do.
fn for_role(e: reconagent_store::StoreError, what: &str) -> ApiError {
    let mut a = ApiError::from(e);
    if a.code == ErrorCode::Forbidden && a.message.contains("permission denied") {
        a.message = format!("{what} (the database said: {})", a.message);
    }
    a
}

fn policy_error(e: reconagent_engine::policy::PolicyErrors) -> ApiError {
    ApiError::new(ErrorCode::Invalid, e.to_string())
}

impl Core {
    /// What the policy being edited is called: the team's policy when it is the one in force,
    /// else the file.
    fn policy_name(&self) -> String {
        let team = crate::core::TEAM_POLICY_NAME;
        if self.store.policy_changes_need_approval() && self.orchestrator().policies.source_name == team {
            team.to_string()
        } else {
            self.policy_path.display().to_string()
        }
    }

    fn describe(&self, base: Option<&str>, text: String) -> PolicyDraft {
        let name = self.policy_name();
        let dir = PolicySet::prompt_dir(&self.policy_path);
        let (errors, warnings) = match PolicySet::load(&text, &name).and_then(|mut set| set.read_prompts(dir).map(|()| set)) {
            Ok(set) => (vec![], set.warnings.iter().map(PolicyIssue::from).collect()),
            Err(e) => (e.0.iter().map(PolicyIssue::from).collect(), vec![]),
        };
        let (outline, errors) = match outline(&text, &name) {
            Ok(mut o) => {
                // what each prompt file beside the policy hashes to now, for "record the file's hash"
                for a in o.llm.iter_mut().flat_map(|l| l.agents.iter_mut()) {
                    let safe = !a.prompt.starts_with('/') && !a.prompt.split(['/', '\\']).any(|p| p == "..");
                    a.prompt_file_sha256 =
                        std::fs::read(dir.join(&a.prompt)).ok().filter(|_| safe).map(|b| PolicySet::content_hash(&String::from_utf8_lossy(&b)));
                }
                (Some(o), errors)
            }
            // The shape error is already among the validator's errors; do not repeat it.
            Err(e) if errors.is_empty() => (None, e.0.iter().map(PolicyIssue::from).collect()),
            Err(_) => (None, errors),
        };
        PolicyDraft {
            path: name,
            hash: PolicySet::content_hash(&text),
            diff: base.map(|b| diff(b, &text, 3)).unwrap_or_default(),
            text,
            outline,
            errors,
            warnings,
        }
    }

    /// The policy the editor works on, checked: the file on disk, or in a team database the
    /// team's policy in force (the file until the team has one).
    pub fn policy_file(&self) -> ApiResult<PolicyFileState> {
        self.reload_team_policy()?;
        // After the reload, the engine runs the team's policy whenever this desktop can.
        let running = self.orchestrator().policies.clone();
        let team = self.store.policy_changes_need_approval();
        let teams = team && running.source_name == crate::core::TEAM_POLICY_NAME;
        let text = if teams {
            running.text.to_string()
        } else {
            std::fs::read_to_string(&self.policy_path).map_err(|e| ApiError::new(ErrorCode::Io, format!("{}: {e}", self.policy_path.display())))?
        };
        let blocked = self.team_blocked.lock().unwrap_or_else(|p| p.into_inner()).is_some();
        let team_notice = team.then(|| match (teams, blocked) {
            (true, _) => format!(
                "The team's policy in force (version {:.12}): every desktop and worker on this database runs it. A change is a proposal; another policy admin approves it before it is in force.",
                running.version
            ),
            (false, true) => format!(
                "This desktop cannot run the team's policy (below), so it processes nothing; its file {} is shown, not used.",
                self.policy_path.display()
            ),
            (false, false) => format!(
                "The team has no policy in force yet, so this desktop runs its file {}. A change is a proposal; once another policy admin approves it, it is the team's policy.",
                self.policy_path.display()
            ),
        });
        Ok(PolicyFileState {
            draft: self.describe(None, text),
            in_force_version: self.orchestrator().policies.version.clone(),
            team: team_notice,
            problem: match (
                self.policy_problem.lock().unwrap_or_else(|p| p.into_inner()).clone(),
                self.model_problem.lock().unwrap_or_else(|p| p.into_inner()).clone(),
            ) {
                (Some(a), Some(b)) => Some(format!("{a}\n{b}")),
                (a, b) => a.or(b),
            },
        })
    }

    /// `base` with `edits` applied, checked by the engine's validator, with the diff.
    pub fn policy_check(&self, base: &str, edits: &[PolicyEdit]) -> ApiResult<PolicyDraft> {
        let name = self.policy_name();
        match apply(base, edits, &name) {
            Ok(text) => Ok(self.describe(Some(base), text)),
            // An edit that cannot be written (a number field emptied mid-edit) is an error on
            // its field, like any other: the draft stays as it was, with no outline.
            Err(e) => Ok(PolicyDraft {
                path: name,
                hash: PolicySet::content_hash(base),
                diff: Vec::new(),
                text: base.to_string(),
                outline: None,
                errors: e.0.iter().map(PolicyIssue::from).collect(),
                warnings: Vec::new(),
            }),
        }
    }

    /// Saves `base` + `edits` to the policy file if it still has the hash of `base` (or
    /// whatever it has, with `overwrite`), and switches the engine to it.
    pub fn policy_save(&self, base: &str, edits: &[PolicyEdit], note: &str, overwrite: bool) -> ApiResult<PolicySaveDto> {
        if note.trim().is_empty() {
            return Err(ApiError::new(ErrorCode::Invalid, "say in a few words what this change is for (the note is kept in the history)"));
        }
        let text = apply(base, edits, &self.policy_path.display().to_string()).map_err(policy_error)?;
        let expected = PolicySet::content_hash(base);
        self.save_text(&text, if overwrite { None } else { Some(expected.as_str()) }, note)
    }

    fn save_text(&self, text: &str, expected: Option<&str>, note: &str) -> ApiResult<PolicySaveDto> {
        if self.store.policy_changes_need_approval() {
            return Err(ApiError::new(ErrorCode::Invalid, "in a team database a policy change is proposed, and another policy admin approves it (Propose)"));
        }
        let (set, save) = reconagent_store::policies::save_policy_file(&*self.store, &self.policy_path, text, expected, note.trim()).map_err(|e| match e {
            reconagent_store::StoreError::PolicyChangedOnDisk { .. } => ApiError::new(ErrorCode::Conflict, e.to_string()),
            other => ApiError::from(other),
        })?;
        // Only now, after the file and its history are written, does the engine switch.
        self.switch_engine(Arc::new(set));
        Ok(save.into())
    }

    /// Where the model endpoint's key for `var` (the policy's `llm.api_key_env`) would come
    /// from: the environment, the OS keyring, or neither and why. Never the key.
    pub fn llm_key_source(&self, var: Option<&str>) -> reconagent_engine::secrets::KeySource {
        reconagent_engine::secrets::llm_key_source(var.map(str::trim).filter(|v| !v.is_empty()))
    }

    /// Stores `key` in the OS keyring as `llm:VAR`, then backs the policy in force by it at
    /// once (its model agents run when the key was what they lacked). Returns where the key
    /// now comes from (the environment still wins when the variable is set).
    ///
    /// # Errors
    /// `Invalid` for a variable name that is not one or an empty key; `Io` when the keyring
    /// refused or cannot be reached (no desktop session).
    pub fn llm_key_store(&self, var: &str, key: &str) -> ApiResult<reconagent_engine::secrets::KeySource> {
        use reconagent_engine::secrets::{self, Secret};
        let secret = Secret::parse(&format!("llm:{}", var.trim())).map_err(|e| ApiError::new(ErrorCode::Invalid, e))?;
        if key.trim().is_empty() {
            return Err(ApiError::new(ErrorCode::Invalid, "type the key to store"));
        }
        secrets::store(&secret, key.trim()).map_err(|e| ApiError::new(ErrorCode::Io, e))?;
        self.switch_engine(self.orchestrator().policies.clone());
        Ok(secrets::llm_key_source(Some(var.trim())))
    }

    /// In a team database: proposes `base` + `edits` for another policy admin to approve. The
    /// engine does not switch; the change is in force for the whole team once approved.
    ///
    /// # Errors
    /// `Invalid` for an empty note, a draft the validator refuses (nothing proposed), or a store
    /// where one person saves alone; `Conflict` when the team's policy in force is no longer
    /// `base` (someone's change was approved meanwhile); the database's refusal of a person
    /// who is no policy admin.
    pub fn policy_propose(&self, base: &str, edits: &[PolicyEdit], note: &str) -> ApiResult<PolicyProposalDto> {
        let text = apply(base, edits, &self.policy_name()).map_err(policy_error)?;
        self.propose_text(&text, &PolicySet::content_hash(base), note)
    }

    /// In a team database: proposes a stored version again (a restore, made a proposal).
    pub fn policy_propose_version(&self, hash: &str, note: &str) -> ApiResult<PolicyProposalDto> {
        let text = self.store.policy_text(hash)?;
        let note = if note.trim().is_empty() { format!("restore version {:.12}", hash) } else { note.to_string() };
        let base = self.orchestrator().policies.version.clone();
        self.propose_text(&text, &base, &note)
    }

    fn propose_text(&self, text: &str, base: &str, note: &str) -> ApiResult<PolicyProposalDto> {
        if !self.store.policy_changes_need_approval() {
            return Err(ApiError::new(ErrorCode::Invalid, "here one person saves alone: a save is in force at once (policy_save)"));
        }
        if note.trim().is_empty() {
            return Err(ApiError::new(ErrorCode::Invalid, "say in a few words what this change is for (the note is kept in the history)"));
        }
        let name = self.policy_name();
        let mut set = PolicySet::load(text, &name).map_err(policy_error)?;
        set.read_prompts(PolicySet::prompt_dir(&self.policy_path)).map_err(policy_error)?;
        if let Some(team) = self.store.team_policy()? {
            if team.hash != base {
                return Err(ApiError::new(
                    ErrorCode::Conflict,
                    format!(
                        "the team's policy changed while you edited it (now version {:.12}, you started from {:.12}): load it again and redo the change",
                        team.hash, base
                    ),
                ));
            }
        }
        let proposal =
            self.store.propose_policy(&set, &name, note.trim(), Some(base)).map_err(|e| for_role(e, "only a policy admin proposes policy changes"))?;
        self.proposal_dto(proposal)
    }

    /// In a team database: policy proposals, open ones first, then the 50 most recently
    /// decided, each with its diff against the version it was made from.
    pub fn policy_proposals(&self) -> ApiResult<Vec<PolicyProposalDto>> {
        let mut all = self.store.policy_proposals(false, 200)?;
        all.sort_by_key(|p| (p.state != "OPEN", -p.proposal_id));
        // Most proposals are made from the same few versions: each is read once.
        let mut texts = std::collections::HashMap::new();
        all.into_iter().take(100).map(|p| self.proposal_dto_with(p, &mut texts)).collect()
    }

    /// Another policy admin approves (the team's policy switches on every desktop; this one at
    /// once) or rejects with a reason. The database refuses the proposal's author.
    pub fn policy_decide(&self, proposal: i64, approve: bool, reason: &str) -> ApiResult<PolicyProposalDto> {
        let decided = self.store.decide_policy_proposal(proposal, approve, reason).map_err(|e| for_role(e, "only a policy admin decides policy proposals"))?;
        self.reload_team_policy()?;
        self.proposal_dto(decided)
    }

    /// Switches the engine to the team's policy in force if it is not the one running (another
    /// desktop's approval, heard as POLICY_SAVED). Returns whether it switched. Where one
    /// person works alone, nothing to do. A batch already running finishes under the version
    /// it started with (each run records its version).
    pub fn reload_team_policy(&self) -> ApiResult<bool> {
        if !self.store.policy_changes_need_approval() {
            return Ok(false);
        }
        let set = match crate::core::team_policies(&*self.store, PolicySet::prompt_dir(&self.policy_path)) {
            Ok(Some(set)) => set,
            Ok(None) => return Ok(false),
            Err(why) => {
                *self.policy_problem.lock().unwrap_or_else(|p| p.into_inner()) = Some(crate::core::cannot_run_team_policy(&why));
                *self.team_blocked.lock().unwrap_or_else(|p| p.into_inner()) = Some(why);
                return Ok(false);
            }
        };
        let was_blocked = self.team_blocked.lock().unwrap_or_else(|p| p.into_inner()).take().is_some();
        if set.version == self.orchestrator().policies.version && !was_blocked {
            return Ok(false);
        }
        *self.policy_problem.lock().unwrap_or_else(|p| p.into_inner()) = None;
        self.switch_engine(Arc::new(set));
        Ok(true)
    }

    /// Runs the engine under `set` from the next break, with the agents it asks for (its
    /// model-backed agents, or the built-in ones and why not), the history and reference data
    /// kept. A save, a stored key and the team's new policy all switch through here.
    fn switch_engine(&self, set: Arc<PolicySet>) {
        let (agents, problem) = crate::core::agents_for(&set, &*self.store);
        *self.model_problem.lock().unwrap_or_else(|p| p.into_inner()) = problem;
        let mut orch = self.orchestrator.write().unwrap_or_else(|p| p.into_inner());
        *orch = Orchestrator::new(set, orch.refdata.clone()).with_agents(agents).with_history(orch.history.clone());
    }

    fn proposal_dto(&self, p: reconagent_store::PolicyProposal) -> ApiResult<PolicyProposalDto> {
        self.proposal_dto_with(p, &mut std::collections::HashMap::new())
    }

    /// The proposal with its diff against the version it was made from (`texts` caches the
    /// versions read; a version not stored diffs as empty).
    fn proposal_dto_with(&self, p: reconagent_store::PolicyProposal, texts: &mut std::collections::HashMap<String, String>) -> ApiResult<PolicyProposalDto> {
        let before = match p.previous.as_deref() {
            Some(h) => texts.entry(h.to_string()).or_insert_with(|| self.store.policy_text(h).unwrap_or_default()).clone(),
            None => String::new(),
        };
        Ok(PolicyProposalDto {
            proposal_id: p.proposal_id.try_into().unwrap_or(u32::MAX),
            diff: diff(&before, &p.text, 3),
            mine: p.author == self.store.actor(),
            hash: p.hash,
            note: p.note,
            previous: p.previous,
            author: p.author,
            proposed_at: p.proposed_at,
            state: p.state,
            decided_by: p.decided_by,
            decided_at: p.decided_at,
            reason: p.reason,
        })
    }

    /// Saves and versions first used without a save, newest first.
    pub fn policy_history(&self) -> ApiResult<Vec<PolicySaveDto>> {
        Ok(self.store.policy_history(500)?.into_iter().map(Into::into).collect())
    }

    /// The diff between two stored versions (by hash).
    pub fn policy_version_diff(&self, from: &str, to: &str) -> ApiResult<Vec<DiffLine>> {
        Ok(diff(&self.store.policy_text(from)?, &self.store.policy_text(to)?, 3))
    }

    /// Saves a stored version's text as a new save of the file (the current file is replaced
    /// only if it is what the editor last loaded: `loaded_hash`).
    pub fn policy_restore(&self, hash: &str, loaded_hash: &str, note: &str) -> ApiResult<PolicySaveDto> {
        let text = self.store.policy_text(hash)?;
        let note = if note.trim().is_empty() { format!("restored version {:.12}", hash) } else { note.to_string() };
        self.save_text(&text, Some(loaded_hash), &note)
    }

    /// Replays the `limit` most recent breaks (of `break_type`, if given) through the policies in force and through
    /// `base` + `edits`; nothing is recorded. Cancel with [`Core::cancel_processing`].
    pub fn policy_simulate(
        &self,
        base: &str,
        edits: &[PolicyEdit],
        limit: usize,
        break_type: Option<&str>,
        mut on_progress: impl FnMut(Progress),
    ) -> ApiResult<SimulationDto> {
        let name = self.policy_name();
        let text = apply(base, edits, &name).map_err(policy_error)?;
        let draft_set = PolicySet::load(&text, &name).map_err(policy_error)?;
        // Both sides run the rules alone: a simulation over thousands of breaks asks no model
        // (and pays nothing).
        let builtin = reconagent_engine::agents::AgentSet::builtin();
        let current = self.orchestrator().with_agents(builtin.clone());
        let draft = Orchestrator::new(Arc::new(draft_set), current.refdata.clone()).with_agents(builtin).with_history(current.history.clone());
        let breaks = self.store.recent_breaks(limit.clamp(1, 100_000), break_type.filter(|t| !t.is_empty()))?;
        let total = breaks.len();
        let cancel = self.start_task()?;
        let tracker = crate::progress::Tracker::new(crate::dto::Task::Simulate);
        let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()));
        let result = rt.map(|rt| {
            rt.block_on(simulate(&current, &draft, breaks, total, chrono::Utc::now(), &cancel, |done, total| {
                on_progress(tracker.report(done, total, ""));
            }))
        });
        self.end_task();
        let sim = result?;
        Ok(SimulationDto {
            current_version: sim.current_version,
            draft_version: sim.draft_version,
            rows: sim.groups.iter().map(SimRow::from).collect(),
            all: (&sim.all).into(),
            risky: sim.changes.iter().filter(|c| c.risky).count() as i32,
            changes: sim
                .changes
                .into_iter()
                .map(|c| SimChange {
                    break_id: c.break_id,
                    break_type: c.break_type,
                    current_tier: c.current_tier,
                    draft_tier: c.draft_tier,
                    current: c.current,
                    draft: c.draft,
                    risky: c.risky,
                })
                .collect(),
            cancelled: sim.cancelled,
            seconds: tracker.elapsed_seconds(),
        })
    }
}
