//! The CSV break importer on arbitrary bytes: row errors, never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = reconagent_engine::import::parse_bytes(data, "fuzz.csv");
});
