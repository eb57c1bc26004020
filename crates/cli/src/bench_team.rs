//! `bench --suite store --db postgres://OWNER@HOST/DB`: the team database's end-to-end rate
//! (claim, engine, record with the chain) with one and with two workers, each worker a
//! connection of its own, as on separate machines. Each run gets a fresh database (created,
//! migrated, filled with the same generated breaks, dropped afterwards) on the server the URL
//! names; the URL's role must be able to create databases.

use anyhow::{Context, Result};
use reconagent_engine::orchestrate::{CancelFlag, Orchestrator};
use reconagent_engine::refdata::ReferenceData;
use reconagent_engine::sample::{generate_from, sample_as_of};
use reconagent_store::postgres::{PgStore, TeamDb};
use reconagent_store::prelude::*;
use serde_json::json;
use std::time::Instant;

/// `url` with its database replaced by `db`.
fn with_database(url: &str, db: &str) -> Result<String> {
    let (base, rest) = url.rsplit_once('/').context("the URL names no database: postgres://OWNER@HOST:PORT/DB")?;
    let query = rest.split_once('?').map(|(_, q)| format!("?{q}")).unwrap_or_default();
    Ok(format!("{base}/{db}{query}"))
}

/// `url` logging in as `user` (no password: the benchmark's server trusts loopback).
fn with_user(url: &str, user: &str) -> Result<String> {
    let (scheme, rest) = url.split_once("://").context("not a URL")?;
    let host = rest.split_once('@').filter(|(userinfo, _)| !userinfo.contains('/')).map_or(rest, |(_, host)| host);
    Ok(format!("{scheme}://{user}@{host}"))
}

pub(crate) fn run(owner_url: &str, count: usize, report: &mut serde_json::Value) -> Result<()> {
    let owner = TeamDb::connect(owner_url)?;
    let mut rows = Vec::new();
    for workers in [1usize, 2] {
        let name = format!("reconagent_bench_{}_{workers}", std::process::id());
        owner.execute_admin(&format!("DROP DATABASE IF EXISTS {name}"))?;
        owner.execute_admin(&format!("CREATE DATABASE {name}"))?;
        let result = one(owner_url, &name, count, workers);
        owner.execute_admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
        let (rate, secs, entries, ok) = result?;
        println!("  team database, {workers} worker(s): {rate:>9.0} breaks/s   ({count} runs in {secs:.2} s; chain {entries} entries, intact: {ok})");
        rows.push(json!({"workers": workers, "breaks_per_s": rate, "seconds": secs, "chain_ok": ok}));
    }
    report["team_store"] = json!({ "server": owner.location(), "runs": rows });
    Ok(())
}

fn one(owner_url: &str, name: &str, count: usize, workers: usize) -> Result<(f64, f64, i64, bool)> {
    let db_owner = with_database(owner_url, name)?;
    let team = TeamDb::connect(&db_owner)?;
    team.migrate()?;
    team.add_person("bench_worker", &["processor"])?;
    let worker_url = with_user(&db_owner, "bench_worker")?;
    let feed = PgStore::connect(&worker_url)?;
    let refdata = ReferenceData::bundled();
    for (i, start) in (0..count).step_by(10_000).enumerate() {
        feed.import_breaks(&generate_from(100 + i as u64, start, 10_000.min(count - start), &refdata), "bench")?;
    }
    let orch = Orchestrator::bundled();
    feed.record_policy(&orch.policies, "bench")?;
    let started = Instant::now();
    std::thread::scope(|s| -> Result<()> {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let url = worker_url.clone();
                let orch = orch.clone();
                s.spawn(move || -> Result<usize> {
                    let store = PgStore::connect(&url)?;
                    let orch = orch.with_history(store.history()?);
                    let out = reconagent_api::runs::process_new(
                        &store,
                        &orch,
                        reconagent_engine::graph::RunMode::V2,
                        sample_as_of(),
                        CancelFlag::default(),
                        |_, _, _| {},
                    )?;
                    Ok(out.recorded)
                })
            })
            .collect();
        let mut recorded = 0;
        for h in handles {
            recorded += h.join().map_err(|_| anyhow::anyhow!("a worker panicked"))??;
        }
        anyhow::ensure!(recorded == count, "{recorded} of {count} breaks recorded");
        Ok(())
    })?;
    let secs = started.elapsed().as_secs_f64();
    let v = feed.verify()?;
    Ok((count as f64 / secs, secs, v.entries, v.ok))
}
