//! The HTTP side: one chat-completions request, sent by a [`ChatTransport`] with retries on
//! 429, 5xx, timeouts and broken connections (honouring `Retry-After`), and its answer read
//! into content and token counts.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

/// The longest `Retry-After` honoured; a server asking for more fails the call instead.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// One request, before it is sent.
#[derive(Debug, Clone)]
pub struct ChatRequest {
    pub model: String,
    pub system: String,
    pub user: String,
    pub max_tokens: u32,
    /// The schema's name (`pattern`, `decisioning`) and the JSON Schema of the answer.
    pub schema_name: &'static str,
    pub schema: Value,
    /// `json_schema` or `json_object`.
    pub response_format: String,
}

impl ChatRequest {
    /// The body as sent: temperature 0, one system and one user message, JSON answers.
    pub fn body(&self) -> Value {
        let format = if self.response_format == "json_object" {
            json!({"type": "json_object"})
        } else {
            json!({"type": "json_schema", "json_schema": {"name": self.schema_name, "schema": self.schema, "strict": true}})
        };
        json!({
            "model": self.model,
            "temperature": 0,
            "max_tokens": self.max_tokens,
            "messages": [
                {"role": "system", "content": self.system},
                {"role": "user", "content": self.user},
            ],
            "response_format": format,
        })
    }

    /// The body's bytes: built in a fixed order, so equal requests hash equal.
    pub fn body_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(&self.body()).unwrap_or_default()
    }

    /// A rough count of the prompt's tokens (characters / 4), for budgets before the call.
    pub fn estimated_prompt_tokens(&self) -> u64 {
        (self.system.chars().count() + self.user.chars().count()).div_ceil(4) as u64 + 8
    }
}

/// SHA-256 of a request body, hex.
pub fn request_hash(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

/// One HTTP response as received.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    pub retry_after: Option<Duration>,
    pub body: String,
}

/// Why a call gave no answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ChatError {
    #[error("HTTP {status} from the model endpoint: {message}")]
    Http { status: u16, message: String },
    #[error("no answer within {0} ms")]
    Timeout(u64),
    #[error("cannot reach the model endpoint: {0}")]
    Transport(String),
    #[error("{0}")]
    Refused(String),
}

impl ChatError {
    fn retryable(&self) -> bool {
        match self {
            ChatError::Http { status, .. } => *status == 429 || *status >= 500,
            ChatError::Timeout(_) | ChatError::Transport(_) => true,
            ChatError::Refused(_) => false,
        }
    }
}

/// Sends one request body and returns the response, blocking. Implemented over HTTP by
/// [`HttpTransport`]; `explain --replay` and tests plug in others.
pub trait ChatTransport: Send + Sync {
    /// # Errors
    /// A timeout or a transport failure; an HTTP status is a response, not an error.
    fn send(&self, body: &[u8], timeout: Duration) -> Result<RawResponse, ChatError>;
}

/// The real client: ureq over HTTP or HTTPS (rustls, the webpki roots).
pub struct HttpTransport {
    agent: ureq::Agent,
    url: String,
    api_key: Option<String>,
}

impl HttpTransport {
    /// `endpoint` is the API's base URL (`…/v1`); `api_key` is sent as a bearer token. A loopback
    /// endpoint never goes through a proxy from the environment.
    pub fn new(endpoint: &str, api_key: Option<String>) -> HttpTransport {
        let loopback = is_loopback(endpoint);
        let mut cfg = ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0);
        if loopback {
            cfg = cfg.proxy(None);
        }
        let agent: ureq::Agent = cfg.build().into();
        HttpTransport { agent, url: format!("{}/chat/completions", endpoint.trim_end_matches('/')), api_key }
    }
}

/// Whether a URL's host is 127.0.0.0/8, `localhost` or `[::1]`.
pub fn is_loopback(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?']).next().unwrap_or("");
    let host = if let Some(h) = host.strip_prefix('[') { h.split(']').next().unwrap_or("") } else { host.rsplit_once(':').map_or(host, |(h, _)| h) };
    host == "localhost" || host == "::1" || host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

impl ChatTransport for HttpTransport {
    fn send(&self, body: &[u8], timeout: Duration) -> Result<RawResponse, ChatError> {
        let mut req = self.agent.post(&self.url).header("Content-Type", "application/json").config().timeout_global(Some(timeout)).build();
        if let Some(k) = &self.api_key {
            req = req.header("Authorization", format!("Bearer {k}"));
        }
        let ms = timeout.as_millis() as u64;
        let mut resp = req.send(body).map_err(|e| match e {
            ureq::Error::Timeout(_) => ChatError::Timeout(ms),
            e => ChatError::Transport(e.to_string()),
        })?;
        let status = resp.status().as_u16();
        let retry_after = resp.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok()).map(Duration::from_secs);
        let body = resp.body_mut().with_config().limit(4 << 20).read_to_string().map_err(|e| match e {
            ureq::Error::Timeout(_) => ChatError::Timeout(ms),
            e => ChatError::Transport(format!("reading the answer: {e}")),
        })?;
        Ok(RawResponse { status, retry_after, body })
    }
}

/// A successful response, read.
#[derive(Debug, Clone)]
pub struct ChatAnswer {
    pub content: String,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub usage_estimated: bool,
    /// The whole response body, as stored with the exchange.
    pub raw: String,
}

/// Reads a 200 response body: the first choice's content and the `usage` (estimated from the
/// characters when the server gave none).
///
/// # Errors
/// A body that is not a chat completion.
pub fn read_answer(raw: &str, estimated_prompt_tokens: u64) -> Result<ChatAnswer, String> {
    let v: Value = serde_json::from_str(raw).map_err(|e| format!("the response is not JSON: {e}"))?;
    let content = v["choices"][0]["message"]["content"].as_str().ok_or("the response has no choices[0].message.content")?.to_string();
    let usage = &v["usage"];
    let (p, c, est) = match (usage["prompt_tokens"].as_u64(), usage["completion_tokens"].as_u64()) {
        (Some(p), Some(c)) => (p, c, false),
        _ => (estimated_prompt_tokens, content.chars().count().div_ceil(4) as u64, true),
    };
    Ok(ChatAnswer { content, prompt_tokens: p, completion_tokens: c, usage_estimated: est, raw: raw.to_string() })
}

/// How one call went: the answer or the last error, with the attempts made.
pub struct CallResult {
    pub result: Result<ChatAnswer, ChatError>,
    pub attempts: u32,
    pub latency: Duration,
}

/// Backoff before retry `n` (1-based) when the server gave no `Retry-After`: 250 ms doubling,
/// at most 8 s.
pub fn backoff(n: u32) -> Duration {
    Duration::from_millis((250u64 << n.saturating_sub(1).min(5)).min(8000))
}

/// Sends `body` with up to `retries` retries, blocking (run it on a blocking thread).
pub fn call(transport: &dyn ChatTransport, body: &[u8], timeout: Duration, retries: u32, estimated_prompt_tokens: u64) -> CallResult {
    let t0 = Instant::now();
    let mut attempts = 0;
    loop {
        attempts += 1;
        let (err, wait) = match transport.send(body, timeout) {
            Ok(r) if r.status == 200 => {
                let result = read_answer(&r.body, estimated_prompt_tokens).map_err(|m| ChatError::Http { status: 200, message: m });
                return CallResult { result, attempts, latency: t0.elapsed() };
            }
            Ok(r) => {
                let message: String = serde_json::from_str::<Value>(&r.body)
                    .ok()
                    .and_then(|v| v["error"]["message"].as_str().map(str::to_string))
                    .unwrap_or_else(|| r.body.chars().take(200).collect());
                (ChatError::Http { status: r.status, message }, r.retry_after)
            }
            Err(e) => (e, None),
        };
        if !err.retryable() || attempts > retries {
            return CallResult { result: Err(err), attempts, latency: t0.elapsed() };
        }
        if wait.is_some_and(|w| w > MAX_RETRY_AFTER) {
            let e = ChatError::Refused(format!(
                "{err}; the server asks to wait {} s, longer than {} s",
                wait.unwrap_or_default().as_secs(),
                MAX_RETRY_AFTER.as_secs()
            ));
            return CallResult { result: Err(e), attempts, latency: t0.elapsed() };
        }
        std::thread::sleep(wait.unwrap_or_else(|| backoff(attempts)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_are_recognised() {
        for u in ["http://127.0.0.1:8080/v1", "http://localhost/v1", "http://[::1]:9/v1", "http://127.4.5.6/v1"] {
            assert!(is_loopback(u), "{u}");
        }
        for u in ["https://api.openai.com/v1", "http://10.0.0.1/v1", "http://127.0.0.1.example.com/v1", "http://localhost.evil/v1"] {
            assert!(!is_loopback(u), "{u}");
        }
    }

    #[test]
    fn usage_is_read_or_estimated() {
        let a = read_answer(r#"{"choices":[{"message":{"content":"{}"}}],"usage":{"prompt_tokens":10,"completion_tokens":2}}"#, 99).unwrap();
        assert_eq!((a.prompt_tokens, a.completion_tokens, a.usage_estimated), (10, 2, false));
        let a = read_answer(r#"{"choices":[{"message":{"content":"12345678"}}]}"#, 99).unwrap();
        assert_eq!((a.prompt_tokens, a.completion_tokens, a.usage_estimated), (99, 2, true));
        assert!(read_answer("<html>", 1).is_err());
        assert!(read_answer(r#"{"choices":[]}"#, 1).is_err());
    }
}
