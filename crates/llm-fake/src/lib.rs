//! A local OpenAI-compatible `/v1/chat/completions` server, written for Recon Agent's tests and
//! `reconagent bench --suite llm`. It listens on 127.0.0.1 only, answers deterministically and
//! can misbehave on purpose: 429 with `Retry-After`, 500, a hang, text that is not JSON, no
//! `usage`, a body that trickles in.
//!
//! **Answers.** The request's `response_format.json_schema.name` says which agent asks
//! (`pattern` or `decisioning`). The server reads the first `{` to the last `}` of the last user
//! message as the evidence (Recon Agent's prompts end with it) and answers:
//! - `decisioning`: the rules' draft (`evidence.draft.action`) with its confidence and a
//!   rationale that quotes the evidence's numbers;
//! - `pattern`: the history's counts as given (`evidence.history`) and a sentence on them.
//!
//! **Usage.** `prompt_tokens` is the characters of every message divided by 4 (rounded up),
//! `completion_tokens` the answer's characters divided by 4: deterministic, so cost figures are
//! reproducible.
//!
//! **Behaviour by model.** [`FakeServer::set`] gives a model name a [`Behaviour`]; any other
//! model gets [`Behaviour::Answer`]. Every request is counted ([`FakeServer::requests`]).

use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the server treats requests for one model.
#[derive(Debug, Clone, PartialEq)]
pub enum Behaviour {
    /// A valid answer (see the crate's docs).
    Answer,
    /// Always AUTO_RESOLVE with confidence 1 (a model that is confidently wrong).
    AlwaysAutoResolve,
    /// Always ESCALATE, with a reason.
    AlwaysEscalate,
    /// `429 Too Many Requests` with `Retry-After: retry_after_s` for the first `times` requests
    /// of this model, then answers.
    Throttle { times: usize, retry_after_s: u64 },
    /// `500` for the first `times` requests, then answers.
    ServerError { times: usize },
    /// Never answers (until the client gives up).
    Hang,
    /// Answers 200 with content that is not JSON.
    InvalidJson,
    /// Answers JSON that does not match the agent's schema.
    WrongShape,
    /// Answers without a `usage` object.
    MissingUsage,
    /// Sends the headers, then the body one byte every `byte_every_ms`.
    SlowBody { byte_every_ms: u64 },
}

struct Shared {
    behaviours: Mutex<HashMap<String, Behaviour>>,
    per_model: Mutex<HashMap<String, usize>>,
    requests: AtomicUsize,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    latency_ms: AtomicUsize,
    stop: AtomicBool,
    /// The last request bodies, newest last (at most 64).
    bodies: Mutex<Vec<Value>>,
    /// When set, a request without `Authorization: Bearer <key>` gets 401.
    key: Mutex<Option<String>>,
    unauthorized: AtomicUsize,
}

/// A running server; stops when dropped.
pub struct FakeServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl FakeServer {
    /// Starts on 127.0.0.1 at a free port, answering after `latency_ms`.
    pub fn start(latency_ms: u64) -> std::io::Result<FakeServer> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            behaviours: Mutex::default(),
            per_model: Mutex::default(),
            requests: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            latency_ms: AtomicUsize::new(latency_ms as usize),
            stop: AtomicBool::new(false),
            bodies: Mutex::default(),
            key: Mutex::default(),
            unauthorized: AtomicUsize::new(0),
        });
        let s = shared.clone();
        std::thread::Builder::new().name("llm-fake".into()).spawn(move || {
            for conn in listener.incoming() {
                if s.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let s = s.clone();
                let _ = std::thread::Builder::new().name("llm-fake-conn".into()).spawn(move || serve(conn, &s));
            }
        })?;
        Ok(FakeServer { addr, shared })
    }

    /// `http://127.0.0.1:PORT/v1`: what an endpoint setting points at.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    pub fn set(&self, model: &str, behaviour: Behaviour) {
        self.shared.behaviours.lock().unwrap_or_else(|p| p.into_inner()).insert(model.to_string(), behaviour);
        self.shared.per_model.lock().unwrap_or_else(|p| p.into_inner()).remove(model);
    }

    pub fn set_latency_ms(&self, ms: u64) {
        self.shared.latency_ms.store(ms as usize, Ordering::SeqCst);
    }

    /// Requests received so far (every one, answered or not).
    pub fn requests(&self) -> usize {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// The most chat requests it was answering at the same moment.
    pub fn max_in_flight(&self) -> usize {
        self.shared.max_in_flight.load(Ordering::SeqCst)
    }

    /// From now on, answers only requests that carry `Authorization: Bearer key` (others get
    /// 401, as a real endpoint does).
    pub fn require_key(&self, key: &str) {
        *self.shared.key.lock().unwrap_or_else(|p| p.into_inner()) = Some(key.to_string());
    }

    /// Requests refused for a missing or wrong key.
    pub fn unauthorized(&self) -> usize {
        self.shared.unauthorized.load(Ordering::SeqCst)
    }

    /// The most recent request bodies (at most 64), oldest first.
    pub fn bodies(&self) -> Vec<Value> {
        self.shared.bodies.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // wake the accept loop
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

fn serve(conn: TcpStream, s: &Shared) {
    let Ok(read_half) = conn.try_clone() else { return };
    let mut reader = BufReader::new(read_half);
    let mut out = conn;
    loop {
        // request line and headers
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let (method, path) = (parts.next().unwrap_or("").to_string(), parts.next().unwrap_or("").to_string());
        let mut length = 0usize;
        let mut bearer = None;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().unwrap_or(0);
                } else if k.eq_ignore_ascii_case("authorization") {
                    bearer = v.trim().strip_prefix("Bearer ").map(str::to_string);
                }
            }
        }
        let mut body = vec![0u8; length.min(16 << 20)];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        s.requests.fetch_add(1, Ordering::SeqCst);
        if method != "POST" || !path.ends_with("/chat/completions") {
            let _ = respond(&mut out, 404, &[], &json!({"error": {"message": format!("no route {method} {path}")}}).to_string());
            continue;
        }
        let wanted = s.key.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if wanted.is_some() && bearer != wanted {
            s.unauthorized.fetch_add(1, Ordering::SeqCst);
            let _ = respond(&mut out, 401, &[], &json!({"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}}).to_string());
            continue;
        }
        let Ok(req) = serde_json::from_slice::<Value>(&body) else {
            let _ = respond(&mut out, 400, &[], &json!({"error": {"message": "body is not JSON"}}).to_string());
            continue;
        };
        {
            let mut b = s.bodies.lock().unwrap_or_else(|p| p.into_inner());
            if b.len() == 64 {
                b.remove(0);
            }
            b.push(req.clone());
        }
        let model = req["model"].as_str().unwrap_or("").to_string();
        let behaviour = s.behaviours.lock().unwrap_or_else(|p| p.into_inner()).get(&model).cloned().unwrap_or(Behaviour::Answer);
        let nth = {
            let mut m = s.per_model.lock().unwrap_or_else(|p| p.into_inner());
            let n = m.entry(model.clone()).or_default();
            *n += 1;
            *n
        };
        let now = s.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        s.max_in_flight.fetch_max(now, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(s.latency_ms.load(Ordering::SeqCst) as u64));
        let ok = answer_once(&mut out, &req, &model, behaviour, nth);
        s.in_flight.fetch_sub(1, Ordering::SeqCst);
        if ok.is_err() {
            return;
        }
    }
}

/// Answers one request as `behaviour` says (the `nth` of its model). An error closes the
/// connection (a hang ends that way too, after ten minutes).
fn answer_once(out: &mut TcpStream, req: &Value, model: &str, behaviour: Behaviour, nth: usize) -> std::io::Result<()> {
    let ok = |content: String, usage: bool| completion(req, model, content, usage).to_string();
    match behaviour {
        Behaviour::Throttle { times, retry_after_s } if nth <= times => {
            respond(out, 429, &[("Retry-After", retry_after_s.to_string())], &json!({"error": {"message": "rate limited", "type": "rate_limit"}}).to_string())
        }
        Behaviour::ServerError { times } if nth <= times => respond(out, 500, &[], &json!({"error": {"message": "internal error"}}).to_string()),
        Behaviour::Hang => {
            std::thread::sleep(Duration::from_secs(600));
            Err(std::io::Error::other("hung up"))
        }
        Behaviour::SlowBody { byte_every_ms } => {
            let text = ok(answer(req, false), true);
            out.write_all(format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n", text.len()).as_bytes())?;
            for b in text.as_bytes() {
                std::thread::sleep(Duration::from_millis(byte_every_ms));
                out.write_all(&[*b])?;
                out.flush()?;
            }
            Ok(())
        }
        Behaviour::InvalidJson => respond(out, 200, &[], &ok("Sure! The break looks fine to me.".into(), true)),
        Behaviour::WrongShape => respond(out, 200, &[], &ok(json!({"verdict": "ok"}).to_string(), true)),
        Behaviour::MissingUsage => respond(out, 200, &[], &ok(answer(req, false), false)),
        Behaviour::AlwaysAutoResolve => respond(out, 200, &[], &ok(answer_forced(req, "AUTO_RESOLVE"), true)),
        Behaviour::AlwaysEscalate => respond(out, 200, &[], &ok(answer_forced(req, "ESCALATE"), true)),
        _ => respond(out, 200, &[], &ok(answer(req, false), true)),
    }
}

fn respond(out: &mut TcpStream, status: u16, headers: &[(&str, String)], body: &str) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        429 => "Too Many Requests",
        _ => "Internal Server Error",
    };
    let mut head = format!("HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes())?;
    out.write_all(body.as_bytes())?;
    out.flush()
}

fn tokens(chars: usize) -> u64 {
    chars.div_ceil(4) as u64
}

fn completion(req: &Value, model: &str, content: String, with_usage: bool) -> Value {
    let prompt_chars: usize = req["messages"].as_array().map(|m| m.iter().map(|x| x["content"].as_str().map_or(0, |c| c.chars().count())).sum()).unwrap_or(0);
    let completion_tokens = tokens(content.chars().count());
    let mut v = json!({
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
    });
    if with_usage {
        let p = tokens(prompt_chars);
        v["usage"] = json!({"prompt_tokens": p, "completion_tokens": completion_tokens, "total_tokens": p + completion_tokens});
    }
    v
}

/// The evidence: the last user message from its first `{` to its last `}`.
fn evidence(req: &Value) -> Value {
    let last = req["messages"].as_array().and_then(|m| m.iter().rev().find(|x| x["role"] == "user")).and_then(|x| x["content"].as_str()).unwrap_or("");
    match (last.find('{'), last.rfind('}')) {
        (Some(a), Some(b)) if a < b => serde_json::from_str(&last[a..=b]).unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

fn schema_name(req: &Value) -> String {
    req["response_format"]["json_schema"]["name"].as_str().unwrap_or("").to_string()
}

fn answer(req: &Value, _forced: bool) -> String {
    let ev = evidence(req);
    match schema_name(req).as_str() {
        "pattern" => {
            let h = &ev["history"];
            let n = |k: &str| h[k].as_u64().unwrap_or(0);
            let similar = n("similar_count");
            let unresolved = n("unresolved_count");
            let usual = if similar == 0 {
                Value::Null
            } else {
                json!(format!("{} similar breaks, {} resolved and {} still open", similar, n("resolved_count"), unresolved))
            };
            json!({
                "similar_count": similar,
                "resolved_count": n("resolved_count"),
                "auto_resolved_count": n("auto_resolved_count"),
                "unresolved_count": unresolved,
                "recurring_unresolved": unresolved >= 3,
                "prior_auto_resolve_rate": h["prior_auto_resolve_rate"].as_f64().unwrap_or(0.0),
                "usual_resolution": usual,
            })
            .to_string()
        }
        _ => {
            let action = ev["draft"]["action"].as_str().unwrap_or("HIL_REVIEW").to_string();
            let confidence = ev["draft"]["confidence"].as_f64().unwrap_or(0.5);
            let mut why = vec![format!("The rules propose {action}; the evidence supports it.")];
            if let Some(d) = ev["break"]["amount"].as_str() {
                why.push(format!("The break is {} {} between the two sides.", d, ev["break"]["currency"].as_str().unwrap_or("")));
            }
            if let Some(cp) = ev["break"]["counterparty"].as_str() {
                why.push(format!("Counterparty {cp}."));
            }
            json!({"action": action, "confidence": confidence, "rationale": why}).to_string()
        }
    }
}

fn answer_forced(req: &Value, action: &str) -> String {
    match schema_name(req).as_str() {
        "pattern" => answer(req, true),
        _ => json!({"action": action, "confidence": 1.0, "rationale": [format!("The model says {action}.")]}).to_string(),
    }
}

/// Policy files for tests: the shipped prompts and an `llm` section that backs PATTERN and
/// DECISIONING by one model at a fake server.
pub mod policy {
    use sha2::{Digest, Sha256};
    use std::path::{Path, PathBuf};

    /// The shipped prompt templates, by file name.
    pub const PROMPTS: [(&str, &str); 2] = [
        ("pattern.v1.md", include_str!("../../../policies/prompts/pattern.v1.md")),
        ("decisioning.v1.md", include_str!("../../../policies/prompts/decisioning.v1.md")),
    ];

    pub fn sha256(s: &str) -> String {
        hex::encode(Sha256::digest(s.as_bytes()))
    }

    /// An `llm` section (to append to a policy file) for PATTERN and DECISIONING on `model`,
    /// priced 0.15 / 0.60 per million tokens; `extra` is inserted before `agents` (budgets, ...).
    pub fn llm_section(endpoint: &str, model: &str, extra: &str, timeout_ms: u64, retries: u32) -> String {
        format!(
            "\nllm:\n  endpoint: {endpoint}\n  pseudonymise: true\n  prices:\n    {model}: {{prompt: \"0.15\", completion: \"0.60\"}}\n{extra}  agents:\n    PATTERN:\n      model: {model}\n      max_tokens: 300\n      timeout_ms: {timeout_ms}\n      retries: {retries}\n      prompt: prompts/pattern.v1.md\n      prompt_sha256: {}\n    DECISIONING:\n      model: {model}\n      max_tokens: 400\n      timeout_ms: {timeout_ms}\n      retries: {retries}\n      prompt: prompts/decisioning.v1.md\n      prompt_sha256: {}\n",
            sha256(PROMPTS[0].1),
            sha256(PROMPTS[1].1)
        )
    }

    /// Writes `base` + `section` as `dir/routing_policies.yaml` with the prompts beside it.
    pub fn write(dir: &Path, base: &str, section: &str) -> PathBuf {
        std::fs::create_dir_all(dir.join("prompts")).expect("a temporary folder");
        for (name, text) in PROMPTS {
            std::fs::write(dir.join("prompts").join(name), text).expect("a temporary folder");
        }
        let path = dir.join("routing_policies.yaml");
        std::fs::write(&path, format!("{base}{section}")).expect("a temporary folder");
        path
    }
}
