//! See `idpsim_simulator::fuzzing::http_answer`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(Some(len)) = idpsim_simulator::fuzzing::http_answer(data) {
        assert!(len <= data.len());
    }
});
