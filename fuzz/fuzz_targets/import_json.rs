//! The JSON and JSON Lines break importers on arbitrary bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = reconagent_engine::import::parse_bytes(data, "fuzz.json");
    let _ = reconagent_engine::import::parse_bytes(data, "fuzz.jsonl");
});
