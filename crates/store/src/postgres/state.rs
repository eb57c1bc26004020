//! Verification of a team database's tables against its log, as `sqlite/state.rs` does for
//! the embedded store: the chain proves the entries were not changed; this proves the tables
//! say what the entries say. No team role can write the tables, but their owner (or anyone
//! with the server's files) can; an edit made that way is named here.
//!
//! Checked: every RUN entry has its run row, whose break, mode and decision agree and whose
//! rows (run, nodes, checkpoints, graph) hash to the digest the entry committed to, and no run
//! row lacks its entry; every human action row agrees with its HUMAN_ACTION entry in order
//! (who, when, what; for an approved proposal its author, and the approver beside it); every
//! break's status, decision, tier, assignee and latest run are what replaying the entries
//! gives; every break's contents against the IMPORT entry that inserted it (a digest over the
//! breaks it inserted, in order), and each replacement's kept version, who, when, why and both
//! digests against its BREAK_REPLACED entry; policy versions and saves against their entries
//! (shared with SQLite), and each version's four-eyes and auto-resolve limits against what its
//! text says.

use crate::error::Result;
use crate::lifecycle::HumanAction;
use crate::run_rows::rows_digest;
use crate::sqlite::state::{content_digest, content_line, ActionFields, Name, Names};
use postgres::GenericClient;
use serde_json::{json, Value};
use std::collections::HashMap;

/// Entries and rows read per query.
const PAGE: i64 = 5_000;

/// What the log says of one break. Texts are interned (`Names`, as the embedded store's check
/// does): a million breaks hold a few distinct statuses, decisions, tiers, assignees and queues,
/// so the map stays a few dozen bytes a break (an export at a million breaks verifies first).
#[derive(Default, Clone, Copy, PartialEq, Debug)]
struct Expected {
    status: Name,
    decision: Name,
    tier: Name,
    assignee: Name,
    /// The work queue the latest run routed it to; `None` while no run entry has named one
    /// (entries written before team schema 5 did not).
    queue: Option<Name>,
    latest_run_id: Option<i64>,
}

/// One RUN entry: its seq, break, run id, mode, decision and rows digest.
struct RunEntry {
    seq: i64,
    subject: String,
    run_id: i64,
    mode: String,
    decision: String,
    digest: Option<String>,
}

/// One HUMAN_ACTION entry: seq, break, kind, the row it must have, who approved it.
type ActionEntry = (i64, String, String, Option<ActionFields>, Option<String>);

/// The first disagreement, with its entry (0 when none in particular), or `None`.
pub(crate) fn check(tx: &mut impl GenericClient) -> Result<Option<(i64, String)>> {
    let mut expected: HashMap<Box<str>, Expected> = HashMap::new();
    let mut names = Names::default();
    // Runs: no row without an entry, nor an entry without its row (counted first, so a deleted
    // run is named as such); then each page's runs against their rows as the log is read.
    let stored: i64 = tx.query_one("SELECT count(*) FROM recon.runs", &[])?.get(0);
    let logged: i64 = tx.query_one("SELECT count(*) FROM recon.audit_log WHERE kind = 'RUN'", &[])?.get(0);
    if stored != logged {
        return Ok(Some((0, format!("{stored} runs are stored but {logged} RUN entries record them"))));
    }
    let mut actions: Vec<ActionEntry> = Vec::new();
    // Per replaced break, its BREAK_REPLACED entries in order: (seq, payload, actor, at).
    let mut replaced: HashMap<String, Vec<(i64, Value, String, String)>> = HashMap::new();
    // IMPORT entries: (seq, breaks inserted, digest of their contents).
    let mut imports: Vec<(i64, i64, Option<String>)> = Vec::new();
    let mut after = 0i64;
    loop {
        let page = tx.query(
            "SELECT seq, kind, subject, payload, actor, at FROM recon.audit_log
              WHERE seq > $1 AND kind IN ('RUN', 'HUMAN_ACTION', 'BREAK_REPLACED', 'IMPORT') ORDER BY seq LIMIT $2",
            &[&after, &PAGE],
        )?;
        let Some(last) = page.last().map(|r| r.get::<_, i64>(0)) else { break };
        let mut runs: Vec<RunEntry> = Vec::new();
        for r in &page {
            let (seq, kind, subject, payload, actor, at): (i64, String, String, String, String, String) =
                (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5));
            let p: Value = serde_json::from_str(&payload)?;
            if kind == "IMPORT" {
                imports.push((seq, p["inserted"].as_i64().unwrap_or(-1), p["contents"].as_str().map(str::to_string)));
                continue;
            }
            let e = match expected.get_mut(subject.as_str()) {
                Some(e) => e,
                None => expected.entry(subject.clone().into_boxed_str()).or_default(),
            };
            match kind.as_str() {
                "RUN" => {
                    let Some(run_id) = p["run_id"].as_i64() else { return Ok(Some((seq, format!("entry {seq} (RUN {subject}) names no run")))) };
                    if p["shadow"].as_bool() != Some(true) {
                        e.status = names.of(p["status"].as_str());
                        e.decision = names.of(p["decision"].as_str());
                        e.tier = names.of(p["tier"].as_str());
                        e.latest_run_id = Some(run_id);
                        if let Some(q) = p.get("queue") {
                            e.queue = Some(names.of(q.as_str()));
                        }
                    }
                    runs.push(RunEntry {
                        seq,
                        subject,
                        run_id,
                        mode: p["mode"].as_str().unwrap_or_default().to_string(),
                        decision: p["decision"].as_str().unwrap_or_default().to_string(),
                        digest: p["rows"].as_str().map(str::to_string),
                    });
                }
                "BREAK_REPLACED" => {
                    // NEW again, in no queue; the assignee stays.
                    let queue = e.queue.map(|_| 0);
                    *e = Expected { assignee: e.assignee, queue, ..Default::default() };
                    replaced.entry(subject).or_default().push((seq, p, actor, at));
                }
                _ => {
                    let action = &p["action"];
                    if let Some(to) = p["to"].as_str() {
                        e.status = names.of(Some(to));
                    }
                    if let Some(d) = action["decision"].as_str() {
                        e.decision = names.of(Some(d));
                    }
                    if let Some(a) = action["assignee"].as_str() {
                        e.assignee = names.of(Some(a));
                    }
                    // An approved proposal is its author's action, with the approver beside it.
                    let (by, approved_by) = match p["proposed_by"].as_str() {
                        Some(author) => (author.to_string(), Some(actor.clone())),
                        None => (actor.clone(), None),
                    };
                    let row = serde_json::from_value::<HumanAction>(action.clone()).ok().map(|a| ActionFields::of(&a, &by, &at));
                    actions.push((seq, subject, action["kind"].as_str().unwrap_or_default().to_string(), row, approved_by));
                }
            }
        }
        if let Some(bad) = check_runs(tx, &runs)? {
            return Ok(Some(bad));
        }
        after = last;
    }

    // Actions, in order, against their entries.
    let stored: i64 = tx.query_one("SELECT count(*) FROM recon.actions", &[])?.get(0);
    if stored != actions.len() as i64 {
        return Ok(Some((0, format!("{stored} human actions are stored but {} HUMAN_ACTION entries record them", actions.len()))));
    }
    let mut after = 0i64;
    let mut next = actions.iter();
    loop {
        let page = tx.query(
            "SELECT action_id, break_id, kind, actor, at, decision, reason, assignee, comment, approved_by FROM recon.actions WHERE action_id > $1 ORDER BY action_id LIMIT $2",
            &[&after, &PAGE],
        )?;
        let Some(last) = page.last().map(|r| r.get::<_, i64>(0)) else { break };
        for r in &page {
            let Some((seq, subject, kind, want, approved_by)) = next.next() else { break };
            let (break_id, row_kind): (String, String) = (r.get(1), r.get(2));
            if &break_id != subject || &row_kind != kind {
                return Ok(Some((*seq, format!("action on {break_id} ({row_kind}) disagrees with its entry {seq} ({kind} on {subject})"))));
            }
            let row = ActionFields { actor: r.get(3), at: r.get(4), decision: r.get(5), reason: r.get(6), assignee: r.get(7), comment: r.get(8) };
            let mut differs = want.as_ref().map(|w| row.differences(w)).unwrap_or_default();
            let row_approver: Option<String> = r.get(9);
            if &row_approver != approved_by {
                differs.push(format!("approved by {} (the log: {})", row_approver.as_deref().unwrap_or("nobody"), approved_by.as_deref().unwrap_or("nobody")));
            }
            if !differs.is_empty() {
                return Ok(Some((*seq, format!("action on {break_id} ({row_kind}) was edited: {}; its entry {seq} records otherwise", differs.join(", ")))));
            }
        }
        after = last;
    }

    // Every break against its replayed history.
    let mut after = String::new();
    loop {
        let page = tx.query(
            "SELECT break_id, status, decision, tier, assignee, latest_run_id, work_queue FROM recon.breaks WHERE break_id > $1 ORDER BY break_id LIMIT $2",
            &[&after, &PAGE],
        )?;
        let Some(last) = page.last().map(|r| r.get::<_, String>(0)) else { break };
        for r in &page {
            let id: String = r.get(0);
            let want = expected.remove(id.as_str()).unwrap_or_default();
            let text = |n: Name| names.text(n).map(str::to_string);
            let (want_decision, want_tier, want_assignee) = (text(want.decision), text(want.tier), text(want.assignee));
            let want_status = names.text(want.status).unwrap_or("NEW");
            let (status, decision, tier, assignee, latest): (String, Option<String>, Option<String>, Option<String>, Option<i64>) =
                (r.get(1), r.get(2), r.get(3), r.get(4), r.get(5));
            let queue: Option<String> = r.get(6);
            let none = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".into());
            let mut differs = Vec::new();
            if status != want_status {
                differs.push(format!("status {status}, the log says {want_status}"));
            }
            if decision != want_decision {
                differs.push(format!("decision {}, the log says {}", none(&decision), none(&want_decision)));
            }
            if tier != want_tier {
                differs.push(format!("tier {}, the log says {}", none(&tier), none(&want_tier)));
            }
            if assignee != want_assignee {
                differs.push(format!("assignee {}, the log says {}", none(&assignee), none(&want_assignee)));
            }
            if let Some(want_queue) = want.queue.map(text) {
                if queue != want_queue {
                    differs.push(format!("work queue {}, the log says {}", none(&queue), none(&want_queue)));
                }
            }
            if latest != want.latest_run_id {
                let show = |v: Option<i64>| v.map_or("none".into(), |v| v.to_string());
                differs.push(format!("latest run {}, the log says {}", show(latest), show(want.latest_run_id)));
            }
            if !differs.is_empty() {
                return Ok(Some((0, format!("break {id}: {}", differs.join("; ")))));
            }
        }
        after = last;
    }
    if let Some(id) = expected.keys().next() {
        return Ok(Some((0, format!("the log records break {id}, which is not in the breaks table (deleted)"))));
    }
    if let Some(bad) = contents(tx, &imports, &replaced)? {
        return Ok(Some(bad));
    }
    policies(tx)
}

/// One page of RUN entries against their rows: the run row says what the entry says, and its
/// rows (run, nodes, checkpoints, graph) hash to the digest the entry committed to.
fn check_runs(tx: &mut impl GenericClient, chunk: &[RunEntry]) -> Result<Option<(i64, String)>> {
    if chunk.is_empty() {
        return Ok(None);
    }
    let ids: Vec<i64> = chunk.iter().map(|r| r.run_id).collect();
    let mut rows: HashMap<i64, (Vec<Value>, String)> = HashMap::new();
    for r in tx.query(
        "SELECT run_id, break_id, mode, policy_key, policy_version, break_type, tier, decision, confidence, decided_by, early_exit, graph
           FROM recon.runs WHERE run_id = ANY($1)",
        &[&ids],
    )? {
        let row = vec![
            Value::from(r.get::<_, String>(1)),
            Value::from(r.get::<_, String>(2)),
            Value::from(r.get::<_, String>(3)),
            Value::from(r.get::<_, String>(4)),
            Value::from(r.get::<_, String>(5)),
            Value::from(r.get::<_, String>(6)),
            Value::from(r.get::<_, String>(7)),
            json!(r.get::<_, f64>(8)),
            Value::from(r.get::<_, String>(9)),
            json!(r.get::<_, Option<String>>(10)),
        ];
        rows.insert(r.get(0), (row, r.get(11)));
    }
    let mut nodes: HashMap<i64, Vec<Vec<Value>>> = HashMap::new();
    for r in tx.query(
        "SELECT run_id, agent, status, started_us, finished_us, waited_us, attempts, skip_reason, error FROM recon.run_nodes WHERE run_id = ANY($1)",
        &[&ids],
    )? {
        nodes.entry(r.get(0)).or_default().push(vec![
            Value::from(r.get::<_, String>(1)),
            Value::from(r.get::<_, String>(2)),
            json!(r.get::<_, Option<i64>>(3)),
            json!(r.get::<_, Option<i64>>(4)),
            json!(r.get::<_, i64>(5)),
            json!(i64::from(r.get::<_, i32>(6))),
            json!(r.get::<_, Option<String>>(7)),
            json!(r.get::<_, Option<String>>(8)),
        ]);
    }
    let mut checkpoints: HashMap<i64, Vec<Vec<Value>>> = HashMap::new();
    for r in tx.query("SELECT run_id, checkpoint_id, after_agent, fired, error FROM recon.run_checkpoints WHERE run_id = ANY($1)", &[&ids])? {
        checkpoints.entry(r.get(0)).or_default().push(vec![
            Value::from(r.get::<_, String>(1)),
            Value::from(r.get::<_, String>(2)),
            json!(i64::from(r.get::<_, bool>(3))),
            json!(r.get::<_, Option<String>>(4)),
        ]);
    }
    for e in chunk {
        let Some((row, graph)) = rows.get(&e.run_id) else {
            return Ok(Some((e.seq, format!("entry {} records run {} of {}, which is not in the runs table (deleted)", e.seq, e.run_id, e.subject))));
        };
        if row[0] != e.subject.as_str() || row[1] != e.mode.as_str() || row[6] != e.decision.as_str() {
            return Ok(Some((
                e.seq,
                format!(
                    "run {}: the runs table says {} {} {}, its entry {} says {} {} {} (edited)",
                    e.run_id,
                    row[0].as_str().unwrap_or(""),
                    row[1].as_str().unwrap_or(""),
                    row[6].as_str().unwrap_or(""),
                    e.seq,
                    e.subject,
                    e.mode,
                    e.decision
                ),
            )));
        }
        if let Some(digest) = &e.digest {
            let mut n = nodes.remove(&e.run_id).unwrap_or_default();
            let mut c = checkpoints.remove(&e.run_id).unwrap_or_default();
            if &rows_digest(row, graph, &mut n, &mut c) != digest {
                return Ok(Some((
                    e.seq,
                    format!("run {} of {}: its stored rows do not match the digest its entry {} committed to (edited)", e.run_id, e.subject, e.seq),
                )));
            }
        }
    }
    Ok(None)
}

/// Policy versions and saves against their entries (the check SQLite runs), and each version's
/// stored four-eyes limits against its own text: the database enforces the stored copy, so an
/// edited copy would lift a limit the text still states.
fn policies(tx: &mut impl GenericClient) -> Result<Option<(i64, String)>> {
    use crate::sqlite::state::{check_policies, PolicyRows};
    let rows = PolicyRows {
        entries: tx
            .query("SELECT seq, subject, actor, at, payload FROM recon.audit_log WHERE kind = 'POLICY_SAVED' ORDER BY seq", &[])?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
            .collect(),
        versions: tx
            .query("SELECT hash, text, source, author, note, saved_at FROM recon.policy_versions ORDER BY saved_at, hash", &[])?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
            .collect(),
        saves: tx
            .query("SELECT save_id, hash, path, author, note, saved_at, previous FROM recon.policy_saves ORDER BY save_id", &[])?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5), r.get(6)))
            .collect(),
    };
    if let Some(bad) = check_policies(&rows)? {
        return Ok(Some(bad));
    }
    if let Some(bad) = policy_proposals(tx, &rows.entries)? {
        return Ok(Some(bad));
    }
    for r in tx.query("SELECT hash, text, source, authority, auto_resolve FROM recon.policy_versions ORDER BY saved_at, hash", &[])? {
        let (hash, text, source, authority, auto_resolve): (String, String, String, Value, Value) = (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4));
        // A text that no longer loads (a newer build's) is checked by its hash alone.
        let Ok(set) = reconagent_engine::policy::PolicySet::load(&text, &source) else { continue };
        for (what, stored, says) in [("four-eyes", authority, set.authority.to_json()), ("auto-resolve", auto_resolve, set.classifier.auto_resolve_json())] {
            if stored != says {
                return Ok(Some((0, format!("the {what} limits stored with policy version {hash:.12} were edited: they are {stored}, its text says {says}"))));
            }
        }
    }
    Ok(None)
}

/// Policy proposals (team schema 12) against their entries: each proposal says what its
/// POLICY_PROPOSAL entry says (version, author, time, file, note, the version it was made from)
/// and its text hashes to its version; a rejected one has its rejection entry (who, when, why);
/// an approved one its POLICY_SAVED entry, whose actor (the approver) is not its author; an open
/// one neither; and no entry lacks its proposal.
fn policy_proposals(tx: &mut impl GenericClient, saved: &[crate::sqlite::state::PolicyEntry]) -> Result<Option<(i64, String)>> {
    // proposal id -> (seq, subject, actor, at, payload) of the proposal, and of its decision
    let mut made: HashMap<i64, (i64, String, String, String, Value)> = HashMap::new();
    let mut decided: HashMap<i64, (i64, String, String, String, Value)> = HashMap::new();
    for r in tx.query("SELECT seq, subject, actor, at, payload FROM recon.audit_log WHERE kind = 'POLICY_PROPOSAL' ORDER BY seq", &[])? {
        let (seq, subject, actor, at, payload): (i64, String, String, String, String) = (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4));
        let p: Value = serde_json::from_str(&payload)?;
        let Some(id) = p["proposal"].as_i64() else { return Ok(Some((seq, format!("entry {seq} (POLICY_PROPOSAL) names no proposal")))) };
        let slot = if p.get("decision").is_some() { &mut decided } else { &mut made };
        slot.insert(id, (seq, subject, actor, at, p));
    }
    for (seq, subject, actor, at, payload) in saved {
        let p: Value = serde_json::from_str(payload)?;
        if let Some(id) = p["proposal"].as_i64() {
            if p["proposed_by"].as_str() == Some(actor.as_str()) {
                return Ok(Some((*seq, format!("entry {seq}: policy proposal {id} was approved by its own author {actor}"))));
            }
            decided.insert(id, (*seq, subject.clone(), actor.clone(), at.clone(), p));
        }
    }
    let rows = tx.query(
        "SELECT proposal_id, hash, text, path, note, previous, author, proposed_at, state, decided_by, decided_at, reason, save_id, authority, auto_resolve
           FROM recon.policy_proposals ORDER BY proposal_id",
        &[],
    )?;
    if rows.len() != made.len() {
        return Ok(Some((0, format!("{} policy proposals are stored but {} POLICY_PROPOSAL entries record them", rows.len(), made.len()))));
    }
    let text = |v: &Value, k: &str| v[k].as_str().map(str::to_string);
    for r in &rows {
        let id: i64 = r.get(0);
        let (hash, body, path, note, previous, author, at): (String, String, String, String, Option<String>, String, String) =
            (r.get(1), r.get(2), r.get(3), r.get(4), r.get(5), r.get(6), r.get(7));
        let (state, decided_by, decided_at, reason, save_id): (String, Option<String>, Option<String>, Option<String>, Option<i64>) =
            (r.get(8), r.get(9), r.get(10), r.get(11), r.get(12));
        let Some((seq, subject, actor, e_at, p)) = made.get(&id) else {
            return Ok(Some((0, format!("policy proposal {id} is stored but no POLICY_PROPOSAL entry records it (inserted directly)"))));
        };
        if reconagent_engine::policy::PolicySet::content_hash(&body) != hash {
            return Ok(Some((*seq, format!("the text of policy proposal {id} was edited: it no longer hashes to its version"))));
        }
        let same = [
            ("version", Some(hash.clone()), Some(subject.clone())),
            ("author", Some(author.clone()), Some(actor.clone())),
            ("time", Some(at.clone()), Some(e_at.clone())),
            ("file", Some(path.clone()), text(p, "source")),
            ("note", Some(note.clone()), text(p, "note")),
            ("previous", previous.clone(), text(p, "previous")),
        ];
        if let Some((what, row, log)) = same.iter().find(|(_, row, log)| row != log) {
            return Ok(Some((
                *seq,
                format!("policy proposal {id} was edited: {what} `{}` (the log: `{}`)", row.clone().unwrap_or_default(), log.clone().unwrap_or_default()),
            )));
        }
        // The limits the database would copy into the version on approval are its text's.
        let (authority, auto_resolve): (Value, Value) = (r.get(13), r.get(14));
        if let Ok(set) = reconagent_engine::policy::PolicySet::load(&body, &path) {
            if authority != set.authority.to_json() || auto_resolve != set.classifier.auto_resolve_json() {
                return Ok(Some((*seq, format!("the limits stored with policy proposal {id} were edited: they are not what its text says"))));
            }
        }
        let decision = decided.get(&id);
        let ok = match (state.as_str(), decision) {
            ("OPEN", None) => true,
            ("REJECTED", Some((_, _, by, when, p))) => {
                p["decision"].as_str() == Some("REJECTED")
                    && decided_by.as_deref() == Some(by)
                    && decided_at.as_deref() == Some(when)
                    && reason == text(p, "reason")
            }
            ("APPROVED", Some((_, _, by, when, p))) => {
                p.get("decision").is_none()
                    && decided_by.as_deref() == Some(by)
                    && decided_at.as_deref() == Some(when)
                    && save_id == p["save_id"].as_i64()
                    && reason == text(p, "approval_reason")
            }
            _ => false,
        };
        if !ok {
            let log = decision.map_or("no decision".to_string(), |(seq, ..)| format!("entry {seq}"));
            return Ok(Some((
                decision.map_or(*seq, |d| d.0),
                format!("policy proposal {id} was edited: it is {state} by {} but the log has {log}", decided_by.unwrap_or_default()),
            )));
        }
    }
    if let Some(id) = decided.keys().find(|id| !made.contains_key(id)) {
        return Ok(Some((0, format!("the log decides policy proposal {id}, which is not stored (deleted)"))));
    }
    Ok(None)
}

/// Each break's contents against the IMPORT entry that inserted it (what it was imported with:
/// its first kept version if it was replaced since), and each replacement against its entry.
fn contents(
    tx: &mut impl GenericClient,
    imports: &[(i64, i64, Option<String>)],
    replaced: &HashMap<String, Vec<(i64, Value, String, String)>>,
) -> Result<Option<(i64, String)>> {
    let stored: i64 = tx.query_one("SELECT count(*) FROM recon.breaks", &[])?.get(0);
    let recorded: i64 = imports.iter().map(|i| i.1.max(0)).sum();
    if stored != recorded {
        let stray: Option<String> = tx
            .query_opt(
                "SELECT break_id FROM recon.breaks b WHERE NOT EXISTS (SELECT 1 FROM recon.audit_log a WHERE a.seq = b.import_seq AND a.kind = 'IMPORT') LIMIT 1",
                &[],
            )?
            .map(|r| r.get(0));
        let why = stray.map(|id| format!(" (break {id} has none: inserted directly)")).unwrap_or_default();
        return Ok(Some((0, format!("{stored} breaks are stored but the IMPORT entries record {recorded}{why}"))));
    }
    for (seq, inserted, digest) in imports {
        let rows = tx.query(
            "SELECT b.break_id, COALESCE((SELECT v.data FROM recon.break_versions v WHERE v.break_id = b.break_id ORDER BY v.version_id LIMIT 1), b.data)
               FROM recon.breaks b WHERE b.import_seq = $1 ORDER BY b.ord",
            &[seq],
        )?;
        if rows.len() as i64 != *inserted {
            return Ok(Some((*seq, format!("IMPORT entry {seq} inserted {inserted} breaks; {} are stored with it", rows.len()))));
        }
        let Some(digest) = digest else { continue };
        use sha2::Digest;
        let mut all = sha2::Sha256::new();
        for r in &rows {
            all.update(content_line(r.get(0), r.get(1)).as_bytes());
        }
        if &hex::encode(all.finalize()) != digest {
            return Ok(Some((*seq, format!("the contents of the breaks IMPORT entry {seq} inserted were edited (they no longer hash to its digest)"))));
        }
    }
    for (id, entries) in replaced {
        let versions =
            tx.query("SELECT data, status, replaced_by, replaced_at, reason FROM recon.break_versions WHERE break_id = $1 ORDER BY version_id", &[id])?;
        if versions.len() != entries.len() {
            return Ok(Some((entries[0].0, format!("break {id} has {} kept versions; the log records {} replacements", versions.len(), entries.len()))));
        }
        let current: Option<String> = tx.query_opt("SELECT data FROM recon.breaks WHERE break_id = $1", &[id])?.map(|r| r.get(0));
        for (i, ((seq, p, actor, at), v)) in entries.iter().zip(&versions).enumerate() {
            let next: Option<String> = versions.get(i + 1).map(|n| n.get(0)).or_else(|| current.clone());
            let text = |k: &str| p[k].as_str().unwrap_or_default().to_string();
            let (data, status, by, when, reason): (String, String, String, String, String) = (v.get(0), v.get(1), v.get(2), v.get(3), v.get(4));
            let mut differs = Vec::new();
            if content_digest(&data) != text("old") {
                differs.push("the kept contents".to_string());
            }
            if next.as_deref().map(content_digest) != Some(text("new")) {
                differs.push("the contents that replaced them".to_string());
            }
            for (name, row, log) in [("status", &status, &text("from")), ("by", &by, actor), ("at", &when, at), ("reason", &reason, &text("reason"))] {
                if row != log {
                    differs.push(format!("{name} `{row}` (the log: `{log}`)"));
                }
            }
            if !differs.is_empty() {
                return Ok(Some((*seq, format!("replacement {} of break {id} disagrees with its entry {seq}: {}", i + 1, differs.join(", ")))));
            }
        }
    }
    Ok(None)
}
