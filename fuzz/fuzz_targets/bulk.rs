//! The reference SP's `POST /Bulk` on a fresh tenant. See
//! `idpsim_reference_sp::fuzzing::bulk`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = idpsim_reference_sp::fuzzing::bulk(data);
});
