//! See `idpsim_simulator::fuzzing::fixture`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = idpsim_simulator::fuzzing::fixture(data);
});
