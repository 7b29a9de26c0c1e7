//! SCIM filter parse, schema check and evaluation. See
//! `idpsim_scim::fuzzing::filter` for the input layout.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = idpsim_scim::fuzzing::filter(data);
});
