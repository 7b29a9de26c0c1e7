//! What one hostile `SAMLResponse` may cost in memory, counted by a global
//! allocator, through the entry point `POST /saml/acs` runs (base64, parse,
//! structure, c14n, signature). A body of 4n bytes may cost at most about
//! four times one of n (a quadratic cost would be sixteen), and the largest
//! body under the field limit at most 64 MiB at its peak.
//!
//! Its own binary: the allocator counts every allocation of the process,
//! and only the thread being measured is tallied.

mod saml_bombs;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use saml_bombs::{CASES, Case, MAX_XML, encode, fixture};

struct Counting;

thread_local! {
    static ON: Cell<bool> = const { Cell::new(false) };
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
    static TOTAL: Cell<usize> = const { Cell::new(0) };
}

fn grew(n: usize) {
    let _ = ON.try_with(|on| {
        if on.get() {
            TOTAL.set(TOTAL.get() + n);
            let live = LIVE.get() + n as isize;
            LIVE.set(live);
            PEAK.set(PEAK.get().max(live));
        }
    });
}

fn shrank(n: usize) {
    let _ = ON.try_with(|on| {
        if on.get() {
            LIVE.set(LIVE.get() - n as isize);
        }
    });
}

// SAFETY: every call is forwarded to `System` unchanged; the counters are
// thread-local `Cell`s of plain integers, which neither allocate nor run
// destructors.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            shrank(layout.size());
            grew(new_size);
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

struct Cost {
    /// Every byte allocated, freed or not.
    total: usize,
    /// The most held at once, above what was held before.
    peak: usize,
}

fn measure(f: impl FnOnce()) -> Cost {
    TOTAL.set(0);
    LIVE.set(0);
    PEAK.set(0);
    ON.set(true);
    f();
    ON.set(false);
    Cost {
        total: TOTAL.get(),
        peak: PEAK.get().max(0) as usize,
    }
}

const BUDGET: usize = 64 * 1024 * 1024;

/// The largest XML a case is built at. `IDPSIM_BUDGET_MAX_XML` lowers it
/// (to run these against a parser that would exhaust the machine).
fn max_xml() -> usize {
    std::env::var("IDPSIM_BUDGET_MAX_XML")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(MAX_XML)
}

fn run(case: &Case, size: usize) -> (Cost, String) {
    let xml = (case.build)(size);
    assert!(xml.len() <= size, "{}: {} > {size}", case.name, xml.len());
    let body = encode(&xml);
    let f = fixture();
    let mut verdict = None;
    let cost = measure(|| verdict = Some(f.validate(&body)));
    let why = match verdict.expect("ran") {
        Ok(()) => panic!("{}: accepted", case.name),
        Err(e) => e.to_string(),
    };
    (cost, why)
}

fn check(name: &str) {
    let case = CASES.iter().find(|c| c.name == name).expect("a case");
    let big = max_xml();
    let (small, small_why) = run(case, big / 4);
    let (large, large_why) = run(case, big);
    eprintln!(
        "{name}: {} KiB of XML allocates {} KiB (peak {} KiB); {} KiB allocates {} KiB (peak {} KiB); {large_why}",
        big / 4 / 1024,
        small.total / 1024,
        small.peak / 1024,
        big / 1024,
        large.total / 1024,
        large.peak / 1024
    );
    let ratio = large.total as f64 / small.total.max(1) as f64;
    assert!(
        ratio <= 5.0,
        "{name}: 4x the input allocated {ratio:.1}x the bytes ({} -> {})",
        small.total,
        large.total
    );
    assert!(
        large.peak < BUDGET,
        "{name}: peak {} bytes is over the 64 MiB budget",
        large.peak
    );
    for why in [&small_why, &large_why] {
        assert!(
            why.contains(case.refusal),
            "{name}: refused for {why:?}, not {:?}",
            case.refusal
        );
    }
}

#[test]
fn namespace_bomb() {
    check("namespace-bomb");
}

#[test]
fn namespaces_within_caps() {
    check("namespaces-within-caps");
}

#[test]
fn attribute_bomb() {
    check("attribute-bomb");
}

#[test]
fn attributes_within_caps() {
    check("attributes-within-caps");
}

#[test]
fn deep_nesting() {
    check("deep-nesting");
}

#[test]
fn entity_expansion() {
    check("entity-expansion");
}

#[test]
fn character_references() {
    check("character-references");
}

#[test]
fn huge_signature_value() {
    check("huge-signature-value");
}

#[test]
fn huge_text() {
    check("huge-text");
}

#[test]
fn prefix_list_bomb() {
    check("prefix-list-bomb");
}

#[test]
fn prefix_list_within_caps() {
    check("prefix-list-within-caps");
}

#[test]
fn c14n_amplification() {
    check("c14n-amplification");
}

#[test]
fn every_case_is_checked() {
    let src = include_str!("budget_saml.rs");
    for c in CASES {
        assert!(
            src.contains(&format!("check(\"{}\")", c.name)),
            "{} has no test",
            c.name
        );
    }
}
