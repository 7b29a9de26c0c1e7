//! See `idpsim_simulator::fuzzing::reconcile_page`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = idpsim_simulator::fuzzing::reconcile_page(data);
});
