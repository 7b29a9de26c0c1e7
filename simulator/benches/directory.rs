//! Generating a seeded directory: 100k users should take well under a second.

use criterion::{Criterion, criterion_group, criterion_main};
use idpsim_simulator::directory::{Directory, Generate};
use std::hint::black_box;

fn generate(c: &mut Criterion) {
    let mut g = c.benchmark_group("directory");
    g.sample_size(10);
    for users in [10_000, 100_000] {
        g.bench_function(
            format!("generate/{users}-users-{}-groups", users / 100),
            |b| {
                b.iter(|| {
                    black_box(Directory::generate(&Generate {
                        seed: 7,
                        users,
                        groups: users / 100,
                        domain: "example.com".into(),
                    }))
                })
            },
        );
    }
    g.finish();
}

criterion_group!(benches, generate);
criterion_main!(benches);
