//! The safety oracle from raw bytes: `POLICY\n%%\nBREAKS` (or only BREAKS, under the bundled
//! policy). Whatever policy loads and whatever rows import are run through the real
//! orchestrator, and every graph must satisfy invariant S1 (`safety::verify`): an error ends in
//! review with its reason, an AUTO_RESOLVE meets the whole rule. A panic anywhere is a crash.
#![no_main]
use libfuzzer_sys::fuzz_target;
use reconagent_engine::graph::RunMode;
use reconagent_engine::orchestrate::Orchestrator;
use reconagent_engine::policy::PolicySet;
use reconagent_engine::refdata::ReferenceData;
use std::sync::{Arc, OnceLock};

fn bundled() -> Arc<PolicySet> {
    static SET: OnceLock<Arc<PolicySet>> = OnceLock::new();
    SET.get_or_init(|| Arc::new(PolicySet::bundled())).clone()
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (policy, breaks) = match text.split_once("\n%%\n") {
        Some((p, b)) => (PolicySet::load(p, "fuzz.yaml").map(Arc::new).unwrap_or_else(|_| bundled()), b),
        None => (bundled(), text),
    };
    let Ok(report) = reconagent_engine::import::parse_bytes(breaks.as_bytes(), "fuzz") else { return };
    let orch = Orchestrator::new(policy, Arc::new(ReferenceData::bundled()));
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    let as_of = "2026-11-21T00:00:00Z".parse().unwrap();
    for b in report.breaks.iter().take(8) {
        for mode in [RunMode::V2, RunMode::V1] {
            let g = rt.block_on(orch.process_break(b, mode, as_of));
            if let Err(e) = reconagent_engine::safety::verify(&g, b, &orch.policies.classifier, &orch.refdata) {
                panic!("invariant S1 broken: {e}\nbreak {b:?}\ndecision {:?}", g.decision);
            }
        }
    }
});
