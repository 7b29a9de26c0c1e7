//! SCIM PATCH request parse and apply. See `idpsim_scim::fuzzing::patch`
//! for the input layout.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = idpsim_scim::fuzzing::patch(data);
});
