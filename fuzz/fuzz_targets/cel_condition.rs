//! The checkpoint condition compiler (CEL plus the name checks) on arbitrary text, and an
//! evaluation of whatever compiles against no variables.
#![no_main]
use libfuzzer_sys::fuzz_target;
use reconagent_engine::policy::Condition;
use reconagent_engine::AgentKind;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(c) = Condition::compile(text, &AgentKind::ALL) {
            let _ = c.evaluate(&[]);
        }
    }
});
