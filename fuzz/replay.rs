//! Reading kept fuzz inputs, shared by the `fuzz_regressions` tests of the
//! crates that own an entry point (each includes this file with `#[path]`).

use std::path::{Path, PathBuf};

/// `fuzz/<sub>` of the repository.
pub fn fuzz_dir(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz")
        .join(sub)
}

/// Every file directly in `fuzz/<sub>`, by name.
pub fn inputs(sub: &str) -> Vec<(String, Vec<u8>)> {
    let Ok(dir) = std::fs::read_dir(fuzz_dir(sub)) else {
        return Vec::new();
    };
    let mut out: Vec<(String, Vec<u8>)> = dir
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(e.path()).unwrap())
        })
        .collect();
    out.sort();
    out
}
