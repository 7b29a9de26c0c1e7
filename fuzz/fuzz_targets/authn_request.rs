//! `idpsim serve`'s AuthnRequest decoding, both bindings. See
//! `idpsim_simulator::fuzzing::authn_request` for the input layout.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = idpsim_simulator::fuzzing::authn_request(data);
});
