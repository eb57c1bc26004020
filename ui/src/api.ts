// The only module that talks to Tauri. Everything else calls these typed functions; errors
// arrive as ApiFailure with the Rust side's code and message.
import { commands, events } from "./bindings";
import type * as B from "./bindings";
import type { ApiError, Progress } from "./bindings";

// Replies use the Serialize shapes (every field present), requests the Deserialize ones. Every
// enum is a union generated from Rust: a renamed value fails `tsc` wherever it is used.
export type { AgentKind, ApiError, AppInfo, AuditEntryDto, BulkReview, DeskStats, BreakStatus, DecisionAction, EfficiencyDto, EventKind, ExportFormat, ExportSummary, FilterOptions, HeadlineDto, HumanAction, ImportSummary, NodeStatus, ProcessSummary, ProfileDto, Progress, Proposal, QueueSort, RiskTier, RunMode, SkipKind, Task } from "./bindings";
export type ActionRow = B.ActionRow_Serialize;
export type BreakDetail = B.BreakDetail_Serialize;
export type BreakDto = B.BreakDto_Serialize;
export type BreakRow = B.BreakRow_Serialize;
export type CheckpointDto = B.CheckpointDto_Serialize;
export type NodeDto = B.NodeDto_Serialize;
export type QueuePage = B.QueuePage_Serialize;
export type QueueCursor = B.QueueCursor;
export type RunDto = B.RunDto_Serialize;
export type LlmCallDto = B.LlmCallDto_Serialize;
export type LlmExchangeDto = B.LlmExchangeDto;
export type VerificationDto = B.VerificationDto_Serialize;
export type AuditQuery = B.AuditQuery_Deserialize;
export type ExportRequest = B.ExportRequest_Deserialize;
export type QueueFilter = B.QueueFilter_Deserialize;
export type StatsQuery = B.StatsQuery_Deserialize;
export type { PolicyEdit, EditValue, PolicyIssue, SimulationDto, SimRow, SimChange, Entry, CheckpointOutline } from "./bindings";
export type AgentOutline = B.AgentOutline_Serialize;
export type PolicyDraft = B.PolicyDraft_Serialize;
export type PolicyFileState = B.PolicyFileState_Serialize;
export type PolicySave = B.PolicySaveDto_Serialize;
export type PolicyProposal = B.PolicyProposalDto_Serialize;
export type PolicyOutline = B.Outline_Serialize;
export type PlanOutline = B.PlanOutline_Serialize;
export type DiffLine = B.DiffLine_Serialize;
export type { DatabaseProblem, KeySource } from "./bindings";
export type Connection = B.ConnectionDto_Serialize;
export type TeamAddress = B.TeamAddress_Deserialize;

export class ApiFailure extends Error {
  code: ApiError["code"];
  constructor(e: ApiError) {
    super(e.message);
    this.code = e.code;
  }
}

type Reply<T> = { status: "ok"; data: T } | { status: "error"; error: ApiError };

/** A command's data, or its error thrown as an ApiFailure; the data's type is the command's own. */
async function unwrap<T>(p: Promise<Reply<T>>): Promise<T> {
  const r = await p;
  if (r.status === "error") throw new ApiFailure(r.error);
  return r.data;
}

export const api = {
  appInfo: () => unwrap(commands.appInfo()),
  queue: (q: QueueFilter) => unwrap(commands.queue(q)),
  queueCount: (q: QueueFilter) => unwrap(commands.queueCount(q)),
  filterOptions: () => unwrap(commands.filterOptions()),
  breakDetail: (id: string) => unwrap(commands.breakDetail(id)),
  breakPresence: (id: string, open: boolean) => unwrap(commands.breakPresence(id, open)),
  llmExchange: (requestSha256: string) => unwrap(commands.llmExchange(requestSha256)),
  connection: () => unwrap(commands.connection()),
  connectTeamDatabase: (address: TeamAddress, password: string | null, remember: boolean) => unwrap(commands.connectTeamDatabase(address, password, remember)),
  useLocalDatabase: () => unwrap(commands.useLocalDatabase()),
  llmKeySource: (variable: string | null) => unwrap(commands.llmKeySource(variable)),
  llmKeyStore: (variable: string, key: string) => unwrap(commands.llmKeyStore(variable, key)),
  importFile: (path: string) => unwrap(commands.importFile(path)),
  loadSample: () => unwrap(commands.loadSample()),
  process: (ids: string[], mode: B.RunMode, rerunWaiting = false) => unwrap(commands.process(ids, mode, rerunWaiting)),
  processMatching: (filter: QueueFilter, mode: B.RunMode) => unwrap(commands.processMatching(filter, mode)),
  cancelProcessing: () => unwrap(commands.cancelProcessing()),
  review: (id: string, action: B.HumanAction, confirmed = false) => unwrap(commands.review(id, action, confirmed)),
  reviewMany: (ids: string[], action: B.HumanAction, confirmed = false) => unwrap(commands.reviewMany(ids, action, confirmed)),
  proposals: (all = false) => unwrap(commands.proposals(all)),
  decideProposal: (proposal: number, approve: boolean, reason: string) => unwrap(commands.decideProposal(proposal, approve, reason)),
  efficiency: (q: StatsQuery) => unwrap(commands.efficiency(q)),
  desk: (q: StatsQuery) => unwrap(commands.desk(q)),
  auditLog: (q: AuditQuery) => unwrap(commands.auditLog(q)),
  verifyAudit: () => unwrap(commands.verifyAudit()),
  exportReport: (r: ExportRequest) => unwrap(commands.exportReport(r)),
  databaseProblem: () => unwrap(commands.databaseProblem()),
  startNewDatabase: () => unwrap(commands.startNewDatabase()),
  policyFile: () => unwrap(commands.policyFile()),
  policyCheck: (base: string, edits: B.PolicyEdit[]) => unwrap(commands.policyCheck(base, edits)),
  policySimulate: (base: string, edits: B.PolicyEdit[], limit: number, breakType: string | null) => unwrap(commands.policySimulate(base, edits, limit, breakType)),
  policySave: (base: string, edits: B.PolicyEdit[], note: string, overwrite: boolean) => unwrap(commands.policySave(base, edits, note, overwrite)),
  policyHistory: () => unwrap(commands.policyHistory()),
  policyVersionDiff: (from: string, to: string) => unwrap(commands.policyVersionDiff(from, to)),
  policyRestore: (hash: string, loadedHash: string, note: string) => unwrap(commands.policyRestore(hash, loadedHash, note)),
  policyPropose: (base: string, edits: B.PolicyEdit[], note: string) => unwrap(commands.policyPropose(base, edits, note)),
  policyProposeVersion: (hash: string, note: string) => unwrap(commands.policyProposeVersion(hash, note)),
  policyProposals: () => unwrap(commands.policyProposals()),
  policyDecide: (proposal: number, approve: boolean, reason: string) => unwrap(commands.policyDecide(proposal, approve, reason)),
};

/** Unlistening can fail once the app (or a test's mock) is torn down; nothing is left to stop. */
const quiet = (un: () => unknown) => () => void Promise.resolve().then(un).catch(() => {});

/** Subscribes `cb` to one of Rust's events; returns the unsubscribe function (safe to call
 * before the subscription is in place). */
function subscribe<T>(event: { listen: (h: (e: { payload: T }) => void) => Promise<() => void> }, cb: (payload: T) => void): () => void {
  let stop: (() => void) | undefined;
  let cancelled = false;
  event.listen((e) => cb(e.payload)).then((un) => (cancelled ? quiet(un)() : (stop = quiet(un))));
  return () => {
    cancelled = true;
    stop?.();
  };
}

/** Subscribes to batch progress; returns the unsubscribe function. */
export function onProgress(cb: (p: Progress) => void): () => void {
  return subscribe(events.progressEvent, cb);
}

/** Subscribes to "data changed" pushes (runs recorded, reviews) so screens reload. */
export function onDataChanged(cb: () => void): () => void {
  return subscribe(events.dataChanged, () => cb());
}

/** Subscribes to "someone on the team opened or closed a break" pushes. */
export function onPresenceChanged(cb: () => void): () => void {
  return subscribe(events.presenceChanged, () => cb());
}

/** File dialogs (the only file access the app has). */
export async function chooseOpenFile(): Promise<string | null> {
  const { open } = await import("@tauri-apps/plugin-dialog");
  const r = await open({ multiple: false, filters: [{ name: "Breaks", extensions: ["csv", "json", "jsonl", "ndjson"] }] });
  return typeof r === "string" ? r : null;
}

export async function chooseSaveFile(defaultPath: string, ext: string): Promise<string | null> {
  const { save } = await import("@tauri-apps/plugin-dialog");
  return (await save({ defaultPath, filters: [{ name: ext.toUpperCase(), extensions: [ext] }] })) ?? null;
}
