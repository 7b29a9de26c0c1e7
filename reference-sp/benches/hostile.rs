//! What the worst `SAMLResponse` bodies we can build cost the ACS in CPU,
//! through the entry point `POST /saml/acs` runs on its verification pool
//! (base64, parse, structure, c14n, signature). Each body is as large as
//! the 512 KiB field allows; the budget is 250 ms for any of them. The
//! inputs are those of `tests/budget_saml.rs`, which bounds their memory.
//!
//! `cargo bench -p idpsim-reference-sp --bench hostile`

#[path = "../tests/saml_bombs/mod.rs"]
mod saml_bombs;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use saml_bombs::{CASES, MAX_XML, encode, fixture};

fn hostile(c: &mut Criterion) {
    let mut g = c.benchmark_group("hostile");
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    let f = fixture();
    // The campaign's CPU body: 10,000 attributes (111 KiB) took 17.9 s.
    let attrs: String = (0..10_000).map(|i| format!(" a{i}=\"\"")).collect();
    let campaign = encode(&format!(
        r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r" Version="2.0"><x{attrs}/></samlp:Response>"#
    ));
    g.bench_function("10000-attributes", |b| {
        b.iter(|| black_box(f.validate(&campaign)))
    });
    for case in CASES {
        let body = encode(&(case.build)(MAX_XML));
        let why = f
            .validate(&body)
            .expect_err("hostile bodies are refused")
            .to_string();
        assert!(why.contains(case.refusal), "{}: {why}", case.name);
        g.bench_function(case.name, |b| b.iter(|| black_box(f.validate(&body))));
    }
    g.finish();
}

criterion_group!(benches, hostile);
criterion_main!(benches);
