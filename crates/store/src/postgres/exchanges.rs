//! Model calls' exchanges and the per-day spending in the team database (team schema 9), so a
//! whole team shares the cache, every reviewer reads a break's prompt and answer, any machine
//! replays a run offline, and the per-day budget counts the team's spending. On a connection of
//! its own (opened on first use, again after a failure), so agents never wait on the store's.

use super::Connector;
use reconagent_engine::llm::exchanges::{Exchange, ExchangeStore};
use rust_decimal::Decimal;
use std::sync::Mutex;

/// A query for the connection's thread, with where its answer goes.
type Job = Box<dyn FnOnce(&mut Option<postgres::Client>, &Connector) + Send>;

/// [`ExchangeStore`] over `recon.llm_exchanges` and `recon.llm_spend`. The blocking client
/// may not run inside the agents' async runtime, so a thread of its own owns the connection and
/// answers each call in turn (as the history lookups do); it ends when this is dropped.
pub struct PgExchanges {
    jobs: Mutex<std::sync::mpsc::Sender<Job>>,
    location: String,
}

impl PgExchanges {
    pub fn new(connector: Connector) -> PgExchanges {
        let location = connector.location.clone();
        let (jobs, inbox) = std::sync::mpsc::channel::<Job>();
        let spawned = std::thread::Builder::new().name("pg-exchanges".into()).spawn(move || {
            let mut client = None;
            for job in inbox {
                job(&mut client, &connector);
            }
        });
        if let Err(e) = spawned {
            eprintln!("warning: no thread for the team database's model exchanges: {e}");
        }
        PgExchanges { jobs: Mutex::new(jobs), location }
    }

    fn with<T: Send + 'static>(&self, f: impl FnOnce(&mut postgres::Client) -> Result<T, postgres::Error> + Send + 'static) -> Result<T, String> {
        let (answer, answered) = std::sync::mpsc::sync_channel(1);
        let job: Job = Box::new(move |slot, connector| {
            if slot.as_ref().is_none_or(postgres::Client::is_closed) {
                match connector.connect() {
                    Ok(c) => *slot = Some(c),
                    Err(e) => {
                        let _ = answer.send(Err(e.to_string()));
                        return;
                    }
                }
            }
            let client = slot.as_mut().expect("connected just above");
            let result = f(client).map_err(|e| {
                *slot = None;
                crate::StoreError::from(e).to_string()
            });
            let _ = answer.send(result.map_err(|m| format!("{}: {m}", connector.location)));
        });
        self.jobs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .send(job)
            .map_err(|_| format!("{}: the exchanges thread has ended", self.location))?;
        answered.recv().map_err(|_| format!("{}: the exchanges thread has ended", self.location))?
    }
}

impl ExchangeStore for PgExchanges {
    fn get(&self, h: &str) -> Option<Exchange> {
        if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let key = h.to_string();
        let body: Option<Vec<u8>> = self
            .with(move |c| c.query_opt("SELECT body FROM recon.llm_exchanges WHERE request_sha256 = $1", &[&key]).map(|r| r.map(|r| r.get(0))))
            .ok()
            .flatten();
        Exchange::decode(&body?, h)
    }

    fn put(&self, ex: &Exchange) -> Result<(), String> {
        let (body, key, model) = (ex.encode()?, ex.request_sha256.clone(), ex.model.clone());
        self.with(move |c| c.execute("SELECT recon.keep_llm_exchange($1, $2, $3)", &[&key, &model, &body]).map(drop))
    }

    fn spent_on(&self, day: chrono::NaiveDate) -> Decimal {
        let day = day.to_string();
        let spent = self.with(move |c| {
            c.query_one("SELECT coalesce(sum(cost), 0)::text FROM recon.llm_spend WHERE day = $1::text::date", &[&day]).map(|r| r.get::<_, String>(0))
        });
        match spent.map(|t| t.parse::<Decimal>()) {
            Ok(Ok(d)) => d,
            // Unknown spending counts as the whole budget spent: a budget is never exceeded
            // because the ledger could not be read.
            other => {
                eprintln!("warning: the day's model spending could not be read ({other:?}): no model is asked");
                Decimal::MAX
            }
        }
    }

    fn add_spend(&self, day: chrono::NaiveDate, cost: Decimal) {
        let (day, cost) = (day.to_string(), cost.to_string());
        if let Err(e) = self.with(move |c| c.execute("SELECT recon.add_llm_spend($1::text::date, $2::text::numeric)", &[&day, &cost]).map(drop)) {
            eprintln!("warning: model spending not recorded: {e}");
        }
    }
}
