//! The reference SP's ACS on a decoded SAMLResponse: parse, structure,
//! canonicalization, signature check and, for re-signed inputs, every
//! check after it. See `idpsim_reference_sp::fuzzing::Acs::run` for the
//! input layout.
#![no_main]

use std::sync::LazyLock;

use idpsim_certs::Material;
use idpsim_reference_sp::fuzzing::Acs;
use libfuzzer_sys::fuzz_target;

static ACS: LazyLock<Acs> = LazyLock::new(|| {
    let m = Material::fixtures();
    Acs::new(&m.idp_signing.cert_pem, &m.idp_signing.key_pem).expect("the fixture key loads")
});

fuzz_target!(|data: &[u8]| {
    let _ = ACS.run(data);
});
