//! Verification of the state against the log: the audit chain proves the entries were not
//! changed; this proves the tables say what the entries say. Replaying the entries in order
//! gives every break's expected status, decision, tier, assignee and latest run; every run row
//! and action row must have the entry that produced it (and no entry may lack its row), and a
//! run's rows (its `runs` row, its seven `run_nodes`, its `run_checkpoints`) must hash to the
//! digest its entry committed to. Edits made directly to `breaks.status` or `runs.decision`,
//! deleted entries (with or without their runs), and forged rows are named.

use crate::error::Result;
use crate::lifecycle::HumanAction;
use crate::run_rows::rows_digest;
use rusqlite::Connection;
use serde_json::{json, Value};
use std::collections::HashMap;

/// What the log says of one break. Texts are interned (`Names`): a million breaks hold a few
/// distinct statuses, decisions, tiers and assignees, and 24 bytes each instead of four strings.
#[derive(Default, Clone, Copy, PartialEq, Debug)]
struct Expected {
    status: Name,
    decision: Name,
    tier: Name,
    assignee: Name,
    /// The work queue the latest run routed it to.
    queue: Name,
    /// Whether a run entry named the queue (entries written before schema 8 did not).
    queue_known: bool,
    latest_run_id: Option<i64>,
    /// Whether a run entry named the tier (entries written before schema 4 did not).
    tier_known: bool,
}

/// An interned text; 0 is none.
pub(crate) type Name = u32;

/// Texts interned as [`Name`]s (the team database's check uses them too).
#[derive(Default)]
pub(crate) struct Names {
    ids: HashMap<String, Name>,
    texts: Vec<String>,
}

impl Names {
    pub(crate) fn of(&mut self, text: Option<&str>) -> Name {
        let Some(t) = text else { return 0 };
        if let Some(n) = self.ids.get(t) {
            return *n;
        }
        self.texts.push(t.to_string());
        let n = self.texts.len() as Name;
        self.ids.insert(t.to_string(), n);
        n
    }

    pub(crate) fn text(&self, n: Name) -> Option<&str> {
        (n > 0).then(|| self.texts[n as usize - 1].as_str())
    }
}

/// A stored row's values, as a digest takes them.
pub(crate) type Row = Vec<Value>;

/// A run's row as its digest takes it (`run_rows::rows_digest`), or `None` when there is none.
pub(crate) fn run_row(conn: &Connection, run_id: i64) -> rusqlite::Result<Option<Vec<Value>>> {
    use rusqlite::OptionalExtension;
    conn.prepare_cached(
        "SELECT break_id, mode, policy_key, policy_version, break_type, tier, decision, confidence, decided_by, early_exit FROM runs WHERE run_id = ?1",
    )?
    .query_row([run_id], |r| {
        Ok(vec![
            Value::from(r.get::<_, String>(0)?),
            Value::from(r.get::<_, String>(1)?),
            Value::from(r.get::<_, String>(2)?),
            Value::from(r.get::<_, String>(3)?),
            Value::from(r.get::<_, String>(4)?),
            Value::from(r.get::<_, String>(5)?),
            Value::from(r.get::<_, String>(6)?),
            json!(r.get::<_, f64>(7)?),
            Value::from(r.get::<_, String>(8)?),
            json!(r.get::<_, Option<String>>(9)?),
        ])
    })
    .optional()
}

/// A run's node rows and checkpoint rows as its digest takes them. Files older than schema 4 have
/// no checkpoint table (and no digests): only a run whose entry has a digest asks.
pub(crate) fn node_and_checkpoint_rows(conn: &Connection, run_id: i64) -> rusqlite::Result<(Vec<Row>, Vec<Row>)> {
    let nodes = conn
        .prepare_cached("SELECT agent, status, started_us, finished_us, waited_us, attempts, skip_reason, error FROM run_nodes WHERE run_id = ?1")?
        .query_map([run_id], |r| {
            Ok(vec![
                Value::from(r.get::<_, String>(0)?),
                Value::from(r.get::<_, String>(1)?),
                json!(r.get::<_, Option<i64>>(2)?),
                json!(r.get::<_, Option<i64>>(3)?),
                json!(r.get::<_, i64>(4)?),
                json!(r.get::<_, i64>(5)?),
                json!(r.get::<_, Option<String>>(6)?),
                json!(r.get::<_, Option<String>>(7)?),
            ])
        })?
        .collect::<std::result::Result<_, _>>()?;
    let cps = conn
        .prepare_cached("SELECT checkpoint_id, after_agent, fired, error FROM run_checkpoints WHERE run_id = ?1")?
        .query_map([run_id], |r| {
            Ok(vec![
                Value::from(r.get::<_, String>(0)?),
                Value::from(r.get::<_, String>(1)?),
                json!(r.get::<_, i64>(2)?),
                json!(r.get::<_, Option<String>>(3)?),
            ])
        })?
        .collect::<std::result::Result<_, _>>()?;
    Ok((nodes, cps))
}

/// The first disagreement between the tables and the log, with the entry it concerns (0 when it
/// concerns no single entry), or `None` when they agree.
pub(crate) fn check(conn: &Connection) -> Result<Option<(i64, String)>> {
    let mut expected: HashMap<Box<str>, Expected> = HashMap::new();
    let mut names = Names::default();
    let new = names.of(Some("NEW"));
    let mut run_entries = 0i64;
    // Per replaced break, its BREAK_REPLACED entries in order.
    let mut replaced: HashMap<String, Vec<Replacement>> = HashMap::new();
    // Per HUMAN_ACTION entry: its seq, break, kind, and a digest of what its action row must
    // hold (who, when, decision, reason, assignee, comment); None for a payload this build
    // cannot read as an action (written by an early build), whose row is checked by kind only.
    let mut action_entries: Vec<(i64, String, String, Option<[u8; 32]>)> = Vec::new();
    let mut graph_stmt = conn.prepare("SELECT graph FROM runs WHERE run_id = ?1")?;
    let mut entries =
        conn.prepare("SELECT seq, kind, subject, payload, actor, at FROM audit_log WHERE kind IN ('RUN', 'HUMAN_ACTION', 'BREAK_REPLACED') ORDER BY seq")?;
    let mut rows = entries.query([])?;
    while let Some(r) = rows.next()? {
        let (seq, kind, subject, payload): (i64, String, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        let (entry_actor, entry_at): (String, String) = (r.get(4)?, r.get(5)?);
        let p: Value = serde_json::from_str(&payload)?;
        if kind == "RUN" {
            run_entries += 1;
            let Some(run_id) = p["run_id"].as_i64() else { return Ok(Some((seq, format!("entry {seq} (RUN {subject}) names no run")))) };
            let row = run_row(conn, run_id).ok().flatten();
            let Some(row) = row else {
                return Ok(Some((seq, format!("entry {seq} records run {run_id} of {subject}, which is not in the runs table (deleted)"))));
            };
            if row[0] != subject || Some(row[6].as_str()) != Some(p["decision"].as_str()) || Some(row[1].as_str()) != Some(p["mode"].as_str()) {
                return Ok(Some((
                    seq,
                    format!(
                        "run {run_id}: the runs table says {} {} {}, its entry {seq} says {subject} {} {} (edited)",
                        row[0],
                        row[1].as_str().unwrap_or(""),
                        row[6].as_str().unwrap_or(""),
                        p["mode"].as_str().unwrap_or(""),
                        p["decision"].as_str().unwrap_or("")
                    ),
                )));
            }
            if let Some(digest) = p["rows"].as_str() {
                let (mut nodes, mut cps) = node_and_checkpoint_rows(conn, run_id)?;
                let graph = match graph_stmt.query_row([run_id], |r| Ok(crate::run_rows::graph_text(run_id, r.get_ref(0)?)))? {
                    Ok(g) => g,
                    Err(e) => return Ok(Some((seq, format!("{e} (edited)")))),
                };
                // A run recorded since schema 10 has no node rows: its graph holds them, and its
                // digest was taken with none apart from the graph. A node row added to it, or one
                // of an older run's rows edited or deleted, fails the digest.
                if rows_digest(&row, &graph, &mut nodes, &mut cps) != digest {
                    return Ok(Some((
                        seq,
                        format!("run {run_id} of {subject}: its stored rows do not match the digest its entry {seq} committed to (edited)"),
                    )));
                }
            }
            if p["shadow"].as_bool() != Some(true) {
                let (status, decision) = (names.of(Some(p["status"].as_str().unwrap_or_default())), names.of(p["decision"].as_str()));
                let (tier, tier_known) = match p["tier"].as_str() {
                    Some(t) => (names.of(Some(t)), true),
                    None => (names.of(row[5].as_str()), false),
                };
                let e = expected.entry(subject.as_str().into()).or_default();
                e.status = status;
                e.decision = decision;
                e.latest_run_id = Some(run_id);
                e.tier = tier;
                e.tier_known |= tier_known;
                if let Some(q) = p.get("queue") {
                    e.queue = names.of(q.as_str());
                    e.queue_known = true;
                }
            }
        } else if kind == "BREAK_REPLACED" {
            replaced.entry(subject.clone()).or_default().push(Replacement {
                seq,
                old: p["old"].as_str().unwrap_or_default().to_string(),
                new: p["new"].as_str().unwrap_or_default().to_string(),
                by: entry_actor.clone(),
                at: entry_at.clone(),
                reason: p["reason"].as_str().unwrap_or_default().to_string(),
                from: p["from"].as_str().unwrap_or_default().to_string(),
            });
            // NEW again, decided on the new contents, in no queue; the assignee stays.
            let e = expected.entry(subject.as_str().into()).or_default();
            *e = Expected { status: new, assignee: e.assignee, queue_known: e.queue_known, ..Default::default() };
        } else {
            let action = &p["action"];
            let (to, decision, assignee) = (p["to"].as_str().map(|t| names.of(Some(t))), action["decision"].as_str(), action["assignee"].as_str());
            let (decision, assignee) = (decision.map(|d| names.of(Some(d))), assignee.map(|a| names.of(Some(a))));
            let e = expected.entry(subject.as_str().into()).or_default();
            if let Some(to) = to {
                e.status = to;
            }
            if let Some(d) = decision {
                e.decision = d;
            }
            if let Some(a) = assignee {
                e.assignee = a;
            }
            let row = serde_json::from_value::<HumanAction>(action.clone()).ok().map(|a| {
                let (decision, reason, assignee, comment) = a.fields();
                ActionFields {
                    actor: entry_actor.clone(),
                    at: entry_at.clone(),
                    decision: decision.map(str::to_string),
                    reason: reason.map(str::to_string),
                    assignee: assignee.map(str::to_string),
                    comment: comment.map(str::to_string),
                }
            });
            action_entries.push((seq, subject, action["kind"].as_str().unwrap_or_default().to_string(), row.as_ref().map(ActionFields::digest)));
        }
    }
    // Rows without an entry.
    let runs: i64 = conn.query_row("SELECT COUNT(*) FROM runs", [], |r| r.get(0))?;
    if runs != run_entries {
        let orphan: Option<i64> = conn
            .query_row(
                "SELECT run_id FROM runs r WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.kind = 'RUN' AND json_extract(a.payload, '$.run_id') = r.run_id) LIMIT 1",
                [],
                |r| r.get(0),
            )
            .ok();
        return Ok(Some((
            0,
            format!(
                "{runs} runs are stored but {run_entries} RUN entries record them{}",
                orphan.map(|o| format!(" (run {o} has none: inserted directly)")).unwrap_or_default()
            ),
        )));
    }
    let stored: i64 = conn.query_row("SELECT COUNT(*) FROM actions", [], |r| r.get(0))?;
    if stored as usize != action_entries.len() {
        return Ok(Some((0, format!("{stored} human actions are stored but {} HUMAN_ACTION entries record them", action_entries.len()))));
    }
    let mut stmt = conn.prepare("SELECT break_id, kind, actor, at, decision, reason, assignee, comment FROM actions ORDER BY action_id")?;
    let mut actions = stmt.query([])?;
    for (seq, subject, entry_kind, want) in &action_entries {
        let Some(r) = actions.next()? else { break };
        let (break_id, kind): (String, String) = (r.get(0)?, r.get(1)?);
        if &break_id != subject || &kind != entry_kind {
            return Ok(Some((*seq, format!("action on {break_id} ({kind}) disagrees with its entry {seq} ({entry_kind} on {subject})"))));
        }
        let Some(want) = want else { continue };
        let row = ActionFields { actor: r.get(2)?, at: r.get(3)?, decision: r.get(4)?, reason: r.get(5)?, assignee: r.get(6)?, comment: r.get(7)? };
        if &row.digest() != want {
            // Rare: read the entry again to name what differs.
            let (actor, at, payload): (String, String, String) =
                conn.query_row("SELECT actor, at, payload FROM audit_log WHERE seq = ?1", [seq], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            let p: Value = serde_json::from_str(&payload)?;
            let a: HumanAction = serde_json::from_value(p["action"].clone())?;
            let (decision, reason, assignee, comment) = a.fields();
            let entry = ActionFields {
                actor,
                at,
                decision: decision.map(str::to_string),
                reason: reason.map(str::to_string),
                assignee: assignee.map(str::to_string),
                comment: comment.map(str::to_string),
            };
            return Ok(Some((
                *seq,
                format!("action on {break_id} ({kind}) was edited: {}; its entry {seq} records otherwise", row.differences(&entry).join(", ")),
            )));
        }
    }
    // Every break against its replayed history.
    let mut stmt = conn.prepare("SELECT break_id, status, decision, tier, assignee, latest_run_id, work_queue FROM breaks ORDER BY break_id")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let id: String = r.get(0)?;
        let (status, decision, tier, assignee, latest): (String, Option<String>, Option<String>, Option<String>, Option<i64>) =
            (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?);
        let queue: Option<String> = r.get(6)?;
        let want = expected.remove(id.as_str()).unwrap_or(Expected { status: new, ..Default::default() });
        let want_status = names.text(want.status).filter(|s| !s.is_empty()).unwrap_or("NEW");
        let (want_decision, want_tier, want_assignee) = (names.text(want.decision), names.text(want.tier), names.text(want.assignee));
        let mut differs = Vec::new();
        if status != want_status {
            differs.push(format!("status {status}, the log says {want_status}"));
        }
        if decision.as_deref() != want_decision {
            differs.push(format!("decision {}, the log says {}", decision.as_deref().unwrap_or("none"), want_decision.unwrap_or("none")));
        }
        if want.tier_known && tier.as_deref() != want_tier {
            differs.push(format!("tier {}, the log says {}", tier.as_deref().unwrap_or("none"), want_tier.unwrap_or("none")));
        }
        if assignee.as_deref() != want_assignee {
            differs.push(format!("assignee {}, the log says {}", assignee.as_deref().unwrap_or("none"), want_assignee.unwrap_or("none")));
        }
        if want.queue_known && queue.as_deref() != names.text(want.queue) {
            differs.push(format!("work queue {}, the log says {}", queue.as_deref().unwrap_or("none"), names.text(want.queue).unwrap_or("none")));
        }
        if latest != want.latest_run_id {
            differs.push(format!(
                "latest run {}, the log says {}",
                latest.map_or("none".into(), |v| v.to_string()),
                want.latest_run_id.map_or("none".into(), |v| v.to_string())
            ));
        }
        if !differs.is_empty() {
            return Ok(Some((0, format!("break {id}: {}", differs.join("; ")))));
        }
    }
    if let Some(id) = expected.keys().next() {
        return Ok(Some((0, format!("the log records break {id}, which is not in the breaks table (deleted)"))));
    }
    if let Some(bad) = contents(conn, &replaced)? {
        return Ok(Some(bad));
    }
    policy_texts(conn)
}

/// Policies against the log: every stored version's text still hashes to its version (the
/// rules an auditor reads as in force are the ones that were), and every version and every save
/// says who, when, from which file, with which note (and, for a save, the file's hash before it)
/// as its POLICY_SAVED entry does; a save or version without its entry is named.
fn policy_texts(conn: &Connection) -> Result<Option<(i64, String)>> {
    let mut rows = PolicyRows::default();
    let mut stmt = conn.prepare("SELECT seq, subject, actor, at, payload FROM audit_log WHERE kind = 'POLICY_SAVED' ORDER BY seq")?;
    rows.entries = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?.collect::<std::result::Result<_, _>>()?;
    let mut stmt = conn.prepare("SELECT hash, text, source, author, note, saved_at FROM policy_versions ORDER BY rowid")?;
    rows.versions = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))?.collect::<std::result::Result<_, _>>()?;
    let mut stmt = conn.prepare("SELECT save_id, hash, path, author, note, saved_at, previous FROM policy_saves ORDER BY save_id")?;
    rows.saves =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))?.collect::<std::result::Result<_, _>>()?;
    check_policies(&rows)
}

/// A POLICY_SAVED entry: seq, subject (the version), actor, at, payload.
pub(crate) type PolicyEntry = (i64, String, String, String, String);
/// A stored version: hash, text, source, author, note, saved_at.
pub(crate) type VersionRow = (String, String, String, String, String, String);
/// A stored save: id, hash, path, author, note, saved_at, previous.
pub(crate) type SaveRow = (i64, String, String, String, String, String, Option<String>);

/// The policy tables and their entries, as any backend reads them (they are small).
#[derive(Default)]
pub(crate) struct PolicyRows {
    pub(crate) entries: Vec<PolicyEntry>,
    pub(crate) versions: Vec<VersionRow>,
    pub(crate) saves: Vec<SaveRow>,
}

/// Every stored version's text still hashes to its version, and every version and save says
/// who, when, from which file, with which note (and, for a save, the file's hash before it) as
/// its POLICY_SAVED entry does; a save or version without its entry is named.
pub(crate) fn check_policies(rows: &PolicyRows) -> Result<Option<(i64, String)>> {
    struct Saved {
        seq: i64,
        version: String,
        actor: String,
        at: String,
        source: String,
        note: String,
        previous: Option<String>,
    }
    let mut by_save: HashMap<i64, Saved> = HashMap::new();
    let mut by_version: HashMap<(String, String), i64> = HashMap::new();
    let mut saved: Vec<Saved> = Vec::new();
    for (seq, subject, actor, at, payload) in &rows.entries {
        let p: Value = serde_json::from_str(payload)?;
        let e = Saved {
            seq: *seq,
            version: subject.clone(),
            // A team's approved proposal is its author's save, the approver the entry's actor.
            actor: p["proposed_by"].as_str().unwrap_or(actor).to_string(),
            at: at.clone(),
            source: p["source"].as_str().unwrap_or_default().to_string(),
            note: p["note"].as_str().unwrap_or_default().to_string(),
            previous: p["previous"].as_str().map(str::to_string),
        };
        by_version.insert((e.version.clone(), e.at.clone()), e.seq);
        match p["save_id"].as_i64() {
            Some(id) => {
                by_save.insert(id, e);
            }
            None => saved.push(e),
        }
    }
    let entry_of = |seq: i64| by_save.values().chain(&saved).find(|e| e.seq == seq);
    for (hash, text, source, author, note, at) in &rows.versions {
        if &reconagent_engine::policy::PolicySet::content_hash(text) != hash {
            return Ok(Some((0, format!("the text of policy version {hash:.12} was edited: it no longer hashes to its version"))));
        }
        let Some(e) = by_version.get(&(hash.clone(), at.clone())).and_then(|seq| entry_of(*seq)) else {
            return Ok(Some((0, format!("policy version {hash:.12} of {at} is stored but no POLICY_SAVED entry records it (inserted or re-dated directly)"))));
        };
        if let Some(d) = differences(&[("author", author, &e.actor), ("file", source, &e.source), ("note", note, &e.note)]) {
            return Ok(Some((e.seq, format!("policy version {hash:.12} was edited: {d}"))));
        }
    }
    let mut seen = 0;
    for (id, hash, path, author, note, at, previous) in &rows.saves {
        let Some(e) = by_save.get(id) else {
            return Ok(Some((0, format!("policy save {id} is stored but no POLICY_SAVED entry records it (inserted directly)"))));
        };
        seen += 1;
        let (prev_row, prev_log) = (previous.clone().unwrap_or_default(), e.previous.clone().unwrap_or_default());
        if let Some(d) = differences(&[
            ("version", hash, &e.version),
            ("file", path, &e.source),
            ("author", author, &e.actor),
            ("note", note, &e.note),
            ("time", at, &e.at),
            ("previous", &prev_row, &prev_log),
        ]) {
            return Ok(Some((e.seq, format!("policy save {id} was edited: {d}"))));
        }
    }
    if seen != by_save.len() {
        return Ok(Some((0, format!("{} policy saves are recorded in the log but {seen} are stored (deleted)", by_save.len()))));
    }
    Ok(None)
}

/// The fields whose stored value (first) is not the logged one (second), in words.
fn differences(fields: &[(&str, &String, &String)]) -> Option<String> {
    let d: Vec<String> = fields.iter().filter(|(_, row, log)| row != log).map(|(name, row, log)| format!("{name} `{row}` (the log: `{log}`)")).collect();
    (!d.is_empty()).then(|| d.join(", "))
}

/// A break's contents as an import commits to them: `break_id`, a tab, the SHA-256 of its
/// stored JSON, a newline; an IMPORT entry's `contents` is the SHA-256 of these lines for the
/// breaks it inserted, in the order inserted.
pub(crate) fn content_line(break_id: &str, data: &str) -> String {
    format!("{break_id}\t{}\n", content_digest(data))
}

/// The SHA-256 (hex) of a break's stored contents, as IMPORT and BREAK_REPLACED entries record it.
pub(crate) fn content_digest(data: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data.as_bytes()))
}

/// The breaks' contents against the log. Breaks are stored in the order imported (rowid), so
/// walking them in that order beside the IMPORT entries gives each entry the breaks it
/// inserted: their contents as imported (the first kept version of a replaced break) must hash
/// to the entry's `contents` (imports written before it was recorded are checked by count and
/// time only). A replaced break's kept versions and its contents now must match its
/// BREAK_REPLACED entries' `old` and `new` digests, in order. An amount or counterparty edited
/// in the file is named.
fn contents(conn: &Connection, replaced: &HashMap<String, Vec<Replacement>>) -> Result<Option<(i64, String)>> {
    use sha2::Digest;
    let digest = content_digest;
    let mut versions = conn.prepare("SELECT data, replaced_by, replaced_at, reason, status FROM break_versions WHERE break_id = ?1 ORDER BY version_id")?;
    let mut imports = conn.prepare("SELECT seq, at, payload FROM audit_log WHERE kind = 'IMPORT' ORDER BY seq")?;
    let mut imports = imports.query([])?;
    let mut breaks = conn.prepare("SELECT break_id, imported_at, data FROM breaks ORDER BY rowid")?;
    let mut breaks = breaks.query([])?;
    let mut counted = 0u64;
    while let Some(e) = imports.next()? {
        let (seq, at, payload): (i64, String, String) = (e.get(0)?, e.get(1)?, e.get(2)?);
        let p: Value = serde_json::from_str(&payload)?;
        let inserted = p["inserted"].as_u64().unwrap_or(0);
        let want = p["contents"].as_str();
        let mut hasher = sha2::Sha256::new();
        for _ in 0..inserted {
            let Some(b) = breaks.next()? else {
                return Ok(Some((seq, format!("the IMPORT entries record {} breaks or more, but {counted} are stored (deleted)", counted + 1))));
            };
            counted += 1;
            let (id, imported_at, data): (String, String, String) = (b.get(0)?, b.get(1)?, b.get(2)?);
            if imported_at != at {
                return Ok(Some((
                    seq,
                    format!(
                        "break {id} was imported at {imported_at}, but the import entry {seq} that inserted it is of {at} (inserted directly, or reordered)"
                    ),
                )));
            }
            // As imported: a replaced break's first kept version; then each replacement in turn.
            let mut first_kept: Option<String> = None;
            if let Some(reps) = replaced.get(&id) {
                let kept: Vec<(String, String, String, String, String)> =
                    versions.query_map([&id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?.collect::<std::result::Result<_, _>>()?;
                if kept.len() != reps.len() {
                    return Ok(Some((
                        reps[0].seq,
                        format!("break {id}: {} replaced versions are kept but {} BREAK_REPLACED entries record them", kept.len(), reps.len()),
                    )));
                }
                for ((data, by, at, reason, status), rep) in kept.iter().zip(reps) {
                    let rseq = rep.seq;
                    if digest(data) != rep.old {
                        return Ok(Some((rseq, format!("break {id}: a kept earlier version's contents were edited (entry {rseq} records otherwise)"))));
                    }
                    if let Some(d) = differences(&[
                        ("replaced by", by, &rep.by),
                        ("replaced at", at, &rep.at),
                        ("reason", reason, &rep.reason),
                        ("status", status, &rep.from),
                    ]) {
                        return Ok(Some((rseq, format!("break {id}: the record of its replacement was edited: {d}"))));
                    }
                }
                let last = reps.last().expect("a replaced break has an entry");
                if digest(&data) != last.new {
                    return Ok(Some((
                        last.seq,
                        format!("break {id}: its contents were edited since it was last replaced (entry {} records otherwise)", last.seq),
                    )));
                }
                first_kept = kept.into_iter().next().map(|k| k.0);
            }
            hasher.update(content_line(&id, first_kept.as_deref().unwrap_or(&data)).as_bytes());
        }
        if let Some(want) = want {
            if hex::encode(hasher.finalize()) != want {
                return Ok(Some((seq, format!("the contents of a break imported by entry {seq} were edited (an amount, a counterparty, a date: the import recorded a different digest)"))));
            }
        }
    }
    if let Some(b) = breaks.next()? {
        let id: String = b.get(0)?;
        return Ok(Some((0, format!("break {id} is stored but no IMPORT entry records it (inserted directly)"))));
    }
    Ok(None)
}

/// What a human action's row holds besides its break and kind, as its entry records it.
pub(crate) struct ActionFields {
    pub(crate) actor: String,
    pub(crate) at: String,
    pub(crate) decision: Option<String>,
    pub(crate) reason: Option<String>,
    pub(crate) assignee: Option<String>,
    pub(crate) comment: Option<String>,
}

impl ActionFields {
    /// An action's fields as its entry records it, by `actor` at `at`.
    pub(crate) fn of(a: &HumanAction, actor: &str, at: &str) -> ActionFields {
        let (decision, reason, assignee, comment) = a.fields();
        ActionFields {
            actor: actor.to_string(),
            at: at.to_string(),
            decision: decision.map(str::to_string),
            reason: reason.map(str::to_string),
            assignee: assignee.map(str::to_string),
            comment: comment.map(str::to_string),
        }
    }

    fn digest(&self) -> [u8; 32] {
        use sha2::Digest;
        let text = json!([self.actor, self.at, self.decision, self.reason, self.assignee, self.comment]).to_string();
        sha2::Sha256::digest(text.as_bytes()).into()
    }

    /// The fields of `self` (the row) that differ from `entry`, in words.
    pub(crate) fn differences(&self, entry: &ActionFields) -> Vec<String> {
        let show = |v: &Option<String>| v.as_deref().map_or("none".to_string(), |s| format!("`{s}`"));
        let mut out = Vec::new();
        if self.actor != entry.actor {
            out.push(format!("actor `{}` (the log: `{}`)", self.actor, entry.actor));
        }
        if self.at != entry.at {
            out.push(format!("time {} (the log: {})", self.at, entry.at));
        }
        for (name, row, log) in [
            ("decision", &self.decision, &entry.decision),
            ("reason", &self.reason, &entry.reason),
            ("assignee", &self.assignee, &entry.assignee),
            ("comment", &self.comment, &entry.comment),
        ] {
            if row != log {
                out.push(format!("{name} {} (the log: {})", show(row), show(log)));
            }
        }
        out
    }
}

/// A BREAK_REPLACED entry: what its kept version must say.
struct Replacement {
    seq: i64,
    /// SHA-256 of the contents replaced (the kept version's).
    old: String,
    /// SHA-256 of the contents that replaced them.
    new: String,
    by: String,
    at: String,
    reason: String,
    /// The status the break had (kept with the version).
    from: String,
}
