//! Criterion benchmarks: orchestration overhead per break (zero-latency agents) per plan, and
//! batch throughput. Figures are recorded in docs/performance.md, never asserted in tests.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use reconagent_engine::graph::RunMode;
use reconagent_engine::orchestrate::{BatchOptions, Orchestrator};
use reconagent_engine::refdata::ReferenceData;
use reconagent_engine::sample::{generate, sample_as_of};
use reconagent_engine::RiskTier;

fn overhead(c: &mut Criterion) {
    let orch = Orchestrator::bundled();
    let breaks = generate(7, 2000, &ReferenceData::bundled());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut group = c.benchmark_group("classify_plan_execute");
    for tier in RiskTier::ALL {
        let Some(b) = breaks.iter().find(|b| {
            reconagent_engine::classify::classify(b, &orch.refdata, &orch.policies.classifier, sample_as_of()).tier == tier
                && b.break_type == reconagent_engine::BreakType::TradeOmsMismatch
        }) else {
            continue;
        };
        group.bench_with_input(BenchmarkId::new("v2_trade", tier.as_str()), b, |bench, b| {
            bench.iter(|| rt.block_on(orch.process_break(b, RunMode::V2, sample_as_of())))
        });
    }
    let b = &breaks[0];
    group.bench_function("v1", |bench| bench.iter(|| rt.block_on(orch.process_break(b, RunMode::V1, sample_as_of()))));
    group.finish();
}

fn throughput(c: &mut Criterion) {
    let orch = Orchestrator::bundled();
    let breaks = generate(11, 10_000, &ReferenceData::bundled());
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let mut group = c.benchmark_group("batch");
    group.throughput(Throughput::Elements(breaks.len() as u64));
    group.sample_size(10);
    group.bench_function("v2_10k_breaks", |bench| {
        bench.iter(|| {
            let opts = BatchOptions::new(RunMode::V2, sample_as_of());
            let mut n = 0usize;
            rt.block_on(orch.process_batch(breaks.clone(), breaks.len(), &opts, |_| n += 1, |_| {}));
            n
        })
    });
    group.finish();
}

criterion_group!(benches, overhead, throughput);
criterion_main!(benches);
