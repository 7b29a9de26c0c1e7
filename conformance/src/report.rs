//! Reports of a run: console (grouped, coloured), JSON (versioned),
//! JUnit XML, Markdown and one self-contained HTML page.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use quick_junit::{NonSuccessKind, Report as JUnit, TestCase, TestCaseStatus, TestSuite};

use crate::runner::{Outcome, Report, Verdict};

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

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One self-contained HTML page, filterable by verdict and area.
pub fn html(r: &Report) -> String {
    let mut rows = String::new();
    // Failures first: they are what a reader opens the page for.
    let mut ordered: Vec<&Outcome> = r.outcomes.iter().collect();
    ordered.sort_by_key(|o| match o.verdict {
        Verdict::Fail => 0,
        Verdict::Warn => 1,
        Verdict::Inconclusive => 2,
        Verdict::Pass => 3,
        Verdict::Skip => 4,
    });
    for o in ordered {
        let v = format!("{:?}", o.verdict).to_lowercase();
        let mut detail = String::new();
        if let (Some(e), Some(g)) = (&o.expected, &o.got) {
            let rule = o.rule.as_deref().unwrap_or("?");
            let _ = write!(
                detail,
                "<p><b>{}</b> <code>{}</code><br><b>expected</b> {}<br><b>got</b> {}</p>",
                if o.precondition {
                    "precondition not met"
                } else {
                    "rule"
                },
                esc(rule),
                esc(e),
                esc(g)
            );
        }
        if let Some(m) = &o.message {
            let _ = write!(detail, "<p>{}</p>", esc(m));
        }
        if !o.exchanges.is_empty() {
            let _ = write!(
                detail,
                "<details><summary>{} exchanges</summary><pre>{}</pre></details>",
                o.exchanges.len(),
                esc(&serde_json::to_string_pretty(&o.exchanges).unwrap_or_default())
            );
        }
        let _ = writeln!(
            rows,
            "<tr class=\"{v}\" data-area=\"{area}\"><td class=\"v\">{v}</td><td><code>{id}</code><br>{title}{detail}</td><td>{reference}</td><td>{area}</td></tr>",
            area = esc(o.area),
            id = esc(o.id),
            title = esc(o.title),
            reference = esc(o.reference)
        );
    }
    let mut areas: Vec<&str> = r.outcomes.iter().map(|o| o.area).collect();
    areas.sort();
    areas.dedup();
    let options: String = areas
        .iter()
        .map(|a| format!("<option>{}</option>", esc(a)))
        .collect();
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>idpsim conformance: {target}</title>
<style>
body{{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}}
table{{border-collapse:collapse;width:100%;table-layout:fixed}}td,th{{border-bottom:1px solid #ddd;padding:.4em;text-align:left;vertical-align:top;overflow-wrap:anywhere}}
th:nth-child(1){{width:5em}}th:nth-child(3){{width:16em}}th:nth-child(4){{width:7em}}
.v{{font-weight:bold;text-transform:uppercase}}.pass .v{{color:#1a7f37}}.fail .v{{color:#cf222e}}.warn .v{{color:#9a6700}}.inconclusive .v{{color:#8250df}}.skip .v{{color:#777}}
pre{{background:#f6f8fa;padding:.5em;overflow:auto;max-height:20em;white-space:pre-wrap;word-break:break-all}}.bar label{{margin-right:1em}}
</style></head><body>
<h1>idpsim conformance</h1>
<p>{target} · {started} · <b>{summary}</b></p>
<div class="bar">
<label><input type="checkbox" data-v="pass" checked> pass</label>
<label><input type="checkbox" data-v="fail" checked> fail</label>
<label><input type="checkbox" data-v="warn" checked> warn</label>
<label><input type="checkbox" data-v="skip" checked> skip</label>
<label><input type="checkbox" data-v="inconclusive" checked> inconclusive</label>
<label>area <select id="area"><option value="">all</option>{options}</select></label>
</div>
<table><thead><tr><th>verdict</th><th>check</th><th>reference</th><th>area</th></tr></thead><tbody>
{rows}</tbody></table>
<script>
function apply(){{var on={{}};document.querySelectorAll('.bar input').forEach(function(i){{on[i.dataset.v]=i.checked}});
var a=document.getElementById('area').value;document.querySelectorAll('tbody tr').forEach(function(tr){{
tr.style.display=(on[tr.className]&&(!a||tr.dataset.area===a))?'':'none'}})}}
document.querySelectorAll('.bar input,#area').forEach(function(e){{e.addEventListener('change',apply)}});
</script></body></html>
"#,
        target = esc(&r.target),
        started = esc(&r.started),
        summary = esc(&r.summary()),
    )
}
