//! The policy loader and validator on arbitrary text: errors, never panics or hangs.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = reconagent_engine::policy::PolicySet::load(text, "fuzz.yaml");
        let _ = reconagent_engine::policy::outline::outline(text, "fuzz.yaml");
    }
});
