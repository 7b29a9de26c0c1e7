//! Reports of a run: console (grouped, coloured), JSON (versioned),
//! JUnit XML, Markdown and one self-contained HTML page.
//!
//! The HTML page is split by what it draws: [`html`] lays out the page,
//! `evidence` the exchanges (bounded, whatever the target sent), `diff`
//! expected against got, [`citation`] the links to RFC sections, and
//! `escape` makes the target's text inert.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use quick_junit::{NonSuccessKind, Report as JUnit, TestCase, TestCaseStatus, TestSuite};

use crate::runner::{Outcome, Report, Verdict};

mod citation;
mod diff;
mod escape;
mod evidence;
mod html;

pub use citation::{Cited, cite};
pub use html::html;

fn groups(r: &Report) -> BTreeMap<(&'static str, &'static str), Vec<&Outcome>> {
    let mut g: BTreeMap<(&'static str, &'static str), Vec<&Outcome>> = BTreeMap::new();
    for o in &r.outcomes {
        g.entry((o.suite.name(), o.area)).or_default().push(o);
    }
    g
}

/// The console report, ending with `N passed, N failed, N skipped`.
pub fn console(r: &Report, colour: bool) -> String {
    let paint = |code: &str, s: &str| {
        if colour {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "conformance of {} ({} checks)",
        r.target,
        r.outcomes.len()
    );
    for n in &r.notes {
        let _ = writeln!(out, "note: {n}");
    }
    for ((suite, area), rows) in groups(r) {
        let _ = writeln!(out, "\n{suite} · {area}");
        for o in rows {
            let mark = match o.verdict {
                Verdict::Pass => paint("32", "PASS"),
                Verdict::Fail => paint("31", "FAIL"),
                Verdict::Warn => paint("33", "WARN"),
                Verdict::Skip => paint("90", "SKIP"),
                Verdict::Inconclusive => paint("35", "INCONCLUSIVE"),
            };
            let _ = writeln!(out, "  {mark} {}  {}", o.id, o.title);
            if let (Some(e), Some(g)) = (&o.expected, &o.got) {
                let rule = o.rule.as_deref().unwrap_or("?");
                if o.precondition {
                    // Not the check's subject: it was never reached.
                    let _ = writeln!(
                        out,
                        "       precondition not met [{rule}]; the behaviour was not judged"
                    );
                } else {
                    let _ = writeln!(out, "       rule: {rule}");
                }
                let _ = writeln!(out, "       expected: {e}\n       got:      {g}");
                evidence(&mut out, o);
            }
            if let Some(m) = &o.message {
                let _ = writeln!(out, "       {m}");
            }
            if let Some(load) = &o.under_load {
                let _ = writeln!(
                    out,
                    "       failed only under concurrent load ({}), passed alone:",
                    headline(load)
                );
                let _ = writeln!(
                    out,
                    "       got:      {}",
                    load.got.clone().unwrap_or_default()
                );
                evidence(&mut out, load);
                let _ = writeln!(out, "       alone:");
                evidence(&mut out, o);
            }
            if o.confirmed == Some(false) {
                let _ = writeln!(
                    out,
                    "       not confirmed: no time was left to rerun it alone"
                );
            }
            for l in &o.leftovers {
                let _ = writeln!(out, "       left behind: {l}");
            }
        }
    }
    let _ = writeln!(out, "\n{}", r.confirmation());
    let _ = writeln!(out, "{}", r.summary());
    out
}

/// The exchange that decided the verdict first (marked), one before it for
/// context, then the cleanup's DELETEs, labelled.
fn evidence(out: &mut String, o: &Outcome) {
    let line = |x: &idpsim_simulator::client::Exchange| {
        let status = x
            .status
            .map(|s| s.to_string())
            .unwrap_or_else(|| x.error.clone().unwrap_or_default());
        format!("{:?} {} → {status}", x.method, x.url)
    };
    let cleanup_from = o.cleanup_from.unwrap_or(o.exchanges.len());
    if let Some(d) = o.decided_by.filter(|d| *d < o.exchanges.len()) {
        let _ = writeln!(
            out,
            "       ▶ {}  (decided the verdict)",
            line(&o.exchanges[d])
        );
        if d > 0 {
            let _ = writeln!(out, "         before it: {}", line(&o.exchanges[d - 1]));
        }
    }
    for x in &o.exchanges[cleanup_from.min(o.exchanges.len())..] {
        let _ = writeln!(out, "         cleanup: {}", line(x));
    }
}

fn headline(o: &Outcome) -> String {
    let rule = o.rule.as_deref().unwrap_or("?");
    let e = o.expected.clone().unwrap_or_default();
    if o.precondition {
        format!("precondition not met [{rule}]: expected {e}")
    } else {
        format!("[{rule}] expected {e}")
    }
}

/// The JSON report (schema in conformance/README.md).
pub fn json(r: &Report) -> String {
    serde_json::to_string_pretty(r).expect("reports serialise") + "\n"
}

/// JUnit XML: one testsuite per suite, one testcase per check.
pub fn junit(r: &Report) -> String {
    let mut report = JUnit::new("idpsim conformance");
    let mut suites: BTreeMap<&str, TestSuite> = BTreeMap::new();
    for o in &r.outcomes {
        let status = match o.verdict {
            Verdict::Pass | Verdict::Warn => TestCaseStatus::success(),
            Verdict::Skip => {
                let mut s = TestCaseStatus::skipped();
                if let (TestCaseStatus::Skipped { message, .. }, Some(m)) = (&mut s, &o.message) {
                    *message = Some(m.clone().into());
                }
                s
            }
            Verdict::Fail | Verdict::Inconclusive => {
                let kind = if o.verdict == Verdict::Fail {
                    NonSuccessKind::Failure
                } else {
                    NonSuccessKind::Error
                };
                let mut s = TestCaseStatus::non_success(kind);
                if let TestCaseStatus::NonSuccess {
                    message,
                    description,
                    ..
                } = &mut s
                {
                    *message = Some(headline(o).into());
                    *description = Some(
                        format!(
                            "{}\nrule: {}{}\nexpected: {}\ngot: {}\n{}",
                            o.reference,
                            o.rule.clone().unwrap_or_default(),
                            if o.precondition {
                                " (precondition not met)"
                            } else {
                                ""
                            },
                            o.expected.clone().unwrap_or_default(),
                            o.got.clone().unwrap_or_default(),
                            serde_json::to_string_pretty(&o.exchanges).unwrap_or_default()
                        )
                        .into(),
                    );
                }
                s
            }
        };
        let mut case = TestCase::new(o.id, status);
        case.set_classname(format!("{}.{}", o.suite.name(), o.area));
        case.set_time(std::time::Duration::from_millis(o.millis));
        suites
            .entry(o.suite.name())
            .or_insert_with(|| TestSuite::new(o.suite.name()))
            .add_test_case(case);
    }
    for (_, s) in suites {
        report.add_test_suite(s);
    }
    report.to_string().expect("JUnit serialises")
}

/// Markdown for CI summaries: a table, failures with their evidence.
pub fn markdown(r: &Report) -> String {
    let mut out = format!(
        "## idpsim conformance: {}\n\n{}\n\n| verdict | check | reference |\n| --- | --- | --- |\n",
        r.target,
        r.summary()
    );
    for n in &r.notes {
        let _ = writeln!(out, "> note: {n}\n");
    }
    for o in &r.outcomes {
        let v = match o.verdict {
            Verdict::Pass => "✅ pass",
            Verdict::Fail => "❌ fail",
            Verdict::Warn => "⚠️ warn",
            Verdict::Skip => "⏭ skip",
            Verdict::Inconclusive => "❔ inconclusive",
        };
        let _ = writeln!(
            out,
            "| {v} | `{}` {} | {} |",
            o.id,
            o.title.replace('|', "\\|"),
            o.reference
        );
    }
    for o in r.outcomes.iter().filter(|o| o.verdict == Verdict::Fail) {
        let _ = writeln!(
            out,
            "\n### ❌ `{}`\n\n{}\n\ngot: {}\n",
            o.id,
            headline(o),
            o.got.clone().unwrap_or_default()
        );
    }
    out
}
