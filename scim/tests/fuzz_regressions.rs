//! The `scim_filter` and `scim_patch` fuzz targets' inputs replayed on the
//! stable toolchain through the entry points the fuzzer calls
//! (`idpsim_scim::fuzzing`): the seeds (taken from this crate's unit
//! tests) and every kept finding.

#[path = "../../fuzz/replay.rs"]
mod replay;

use replay::inputs;

use idpsim_scim::fuzzing;

#[test]
fn scim_filter_inputs_replay() {
    let seeds = inputs("seeds/scim_filter");
    assert!(!seeds.is_empty(), "the scim_filter seeds are missing");
    let parsed = seeds
        .iter()
        .filter(|(_, d)| fuzzing::filter(d).is_ok())
        .count();
    // The seeds hold the unit tests' refusals too; most must evaluate.
    assert!(parsed * 2 > seeds.len(), "{parsed} of {}", seeds.len());
    for (name, data) in seeds.iter().filter(|(n, _)| n.starts_with("with-resource")) {
        assert!(
            fuzzing::filter(data).is_ok_and(|n| n > 0),
            "seed {name} should match"
        );
    }
    for (_, data) in inputs("regressions/scim_filter") {
        let _ = std::hint::black_box(fuzzing::filter(&data));
    }
}

#[test]
fn scim_patch_inputs_replay() {
    let seeds = inputs("seeds/scim_patch");
    assert!(!seeds.is_empty(), "the scim_patch seeds are missing");
    let applied = seeds
        .iter()
        .filter(|(_, d)| fuzzing::patch(d).is_ok())
        .count();
    assert!(applied * 2 > seeds.len(), "{applied} of {}", seeds.len());
    for (_, data) in inputs("regressions/scim_patch") {
        let _ = std::hint::black_box(fuzzing::patch(&data));
    }
}
