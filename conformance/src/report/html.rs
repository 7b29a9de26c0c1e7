//! The HTML report: one self-contained page that opens on what matters.
//!
//! Top to bottom: the run's verdict; a summary per suite and per area
//! (counts and a bar each); every failure, then every warning, then every
//! check that failed only under concurrent load, each with its rule, its
//! reference linked to the RFC section, expected against got as a diff and
//! the exchange that decided it expanded; last, the passes and skips of
//! each area, collapsed. No script: `<details>` does all the folding, and
//! a Content-Security-Policy forbids scripts and fetches outright, so a
//! target's answer that slipped past escaping still could not act.

use std::fmt::Write as _;

use super::escape::{esc, push, push_clipped};
use super::{citation, diff, evidence};
use crate::check::Suite;
use crate::runner::{Outcome, Report, Verdict};

/// Bytes of a message, note or leftover shown: they quote the target.
const NOTE: usize = 1024;

const STYLE: &str = "\
*{box-sizing:border-box}\
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;padding:1.2em 2em;max-width:1400px;color:#1f2328}\
h1{font-size:1.5em;margin:0 0 .2em}h2{font-size:1.2em;margin:1.4em 0 .5em}\
header p{margin:.2em 0}.run{color:#59636e}\
.verdict{font-size:1.1em}.verdict.failed b{color:#cf222e}.verdict.passed b{color:#1a7f37}\
code,pre{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace}\
.suites{display:grid;grid-template-columns:repeat(auto-fit,minmax(330px,1fr));gap:1em;align-items:start}\
.suite table{border-collapse:collapse;width:100%}\
.suite th,.suite td{padding:1px 6px;text-align:right;white-space:nowrap}\
.suite th:first-child,.suite td:first-child{text-align:left}\
.suite tr.total td{font-weight:bold;border-bottom:1px solid #d1d9e0}\
.suite td.bar{width:45%}\
td.zero{color:#c8ccd1}\
.bar span{display:flex;height:.8em;border-radius:2px;overflow:hidden;background:#eff2f5;min-width:4em}\
.bar i{display:block}\
i.fail,.n.fail{background:#cf222e}i.inconclusive{background:#8250df}i.warn{background:#d4a72c}i.pass{background:#2da44e}i.skip{background:#afb8c1}\
td.n.fail:not(.zero){color:#cf222e;background:none;font-weight:bold}td.n.fail{background:none}\
td.n.warn:not(.zero){color:#9a6700;font-weight:bold}\
.finding{border:1px solid #d1d9e0;border-left:5px solid #cf222e;border-radius:4px;padding:.5em .9em;margin:0 0 .9em}\
.finding.warn{border-left-color:#d4a72c}.finding.load{border-left-color:#8250df}.finding.inconclusive{border-left-color:#8250df}\
.finding h3{font-size:1em;margin:.1em 0 .3em;font-weight:normal}\
.v{font-weight:bold;text-transform:uppercase;margin-right:.4em}\
.fail .v{color:#cf222e}.warn .v{color:#9a6700}.pass .v{color:#1a7f37}.skip .v{color:#59636e}.load .v{color:#8250df}\
.meta{color:#59636e;margin:.1em 0}.tag{display:inline-block;border-radius:1em;padding:0 .6em;font-size:.85em;background:#eff2f5;color:#1f2328}\
.tag.load{background:#fbefff;color:#6639ba}.tag.confirmed{background:#ffebe9;color:#a40e26}\
.rule code{background:#eff2f5;padding:0 .3em;border-radius:3px}\
.diff{font:12.5px/1.4 ui-monospace,monospace;border:1px solid #d1d9e0;border-radius:4px;margin:.4em 0;max-height:24em;overflow:auto}\
.diff div{white-space:pre-wrap;overflow-wrap:anywhere;padding:0 .5em}\
.diff .key{background:#f6f8fa;border-bottom:1px solid #d1d9e0;font-family:system-ui,sans-serif;font-size:.9em}\
.diff .del{background:#ffebe9}.diff .ins{background:#dafbe1}.diff .key span{background:none}\
.diff .del mark{background:#ffcecb}.diff .ins mark{background:#aceebb}\
.exchange{margin:.4em 0}.label{font-weight:bold;margin:.2em 0}\
.pair{display:grid;grid-template-columns:1fr 1fr;gap:.5em;align-items:start}\
pre{background:#f6f8fa;padding:.5em;margin:0;max-height:22em;overflow:auto;white-space:pre-wrap;overflow-wrap:anywhere}\
details{margin:.3em 0}summary{cursor:pointer}\
ol.group{margin:.2em 0;padding-left:1.4em}\
.cut{color:#9a6700;font-style:italic}\
.area ul{list-style:none;padding-left:1em;margin:.2em 0}.area li{margin:.15em 0}\
.area .why{color:#59636e}\
a{color:#0969da}";

/// One self-contained HTML page: failures first, evidence expanded, the
/// rest collapsed (see the module documentation).
pub fn html(r: &Report) -> String {
    let mut out = String::with_capacity(64 * 1024);
    out.push_str(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">\
         <meta name=\"referrer\" content=\"no-referrer\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <title>idpsim conformance: ",
    );
    push_clipped(&mut out, &r.target, 512);
    out.push_str("</title><style>");
    out.push_str(STYLE);
    out.push_str("</style></head><body>\n");
    header(&mut out, r);
    summary(&mut out, r);
    findings(&mut out, r);
    rest(&mut out, r);
    out.push_str("</body></html>\n");
    out
}

fn header(out: &mut String, r: &Report) {
    out.push_str("<header><h1>idpsim conformance</h1><p class=\"run\">");
    push_clipped(out, &r.target, 512);
    out.push_str(" · ");
    push(out, &r.started);
    let _ = write!(
        out,
        " · {:.1} s · {} · capabilities advertised: {}</p>",
        r.millis as f64 / 1000.0,
        esc(r.tool),
        if r.capabilities.is_empty() {
            "none".to_owned()
        } else {
            esc(&r.capabilities.join(", "))
        }
    );
    let (class, word) = if r.passed() {
        ("passed", "passed")
    } else {
        ("failed", "failed")
    };
    let _ = write!(
        out,
        "<p class=\"verdict {class}\"><b>Run {word}</b>: {}</p>",
        esc(&r.summary()),
    );
    let c = Counts::of(&r.outcomes);
    if c.fail + c.warn + c.load > 0 {
        let _ = write!(out, "<p class=\"run\">{}</p>", esc(&r.confirmation()));
    }
    // What the run had to assume (unreadable schemas): said once, up top.
    for n in &r.notes {
        out.push_str("<p class=\"run\">note: ");
        push_clipped(out, n, 1024);
        out.push_str("</p>");
    }
    out.push_str("</header>\n");
}

/// Verdict counts of a set of outcomes.
#[derive(Default, Clone, Copy)]
struct Counts {
    fail: usize,
    warn: usize,
    pass: usize,
    skip: usize,
    /// SAML cases whose canary failed: neither refused nor accepted.
    inconclusive: usize,
    load: usize,
}

impl Counts {
    fn of<'a>(outcomes: impl IntoIterator<Item = &'a Outcome>) -> Counts {
        let mut c = Counts::default();
        for o in outcomes {
            match o.verdict {
                Verdict::Fail => c.fail += 1,
                Verdict::Warn => c.warn += 1,
                Verdict::Pass => c.pass += 1,
                Verdict::Skip => c.skip += 1,
                Verdict::Inconclusive => c.inconclusive += 1,
            }
            if o.under_load.is_some() {
                c.load += 1;
            }
        }
        c
    }

    /// The table cells: counts, then a bar whose parts are the counts.
    /// `inconclusive`: whether the table has that column (only runs that
    /// had an inconclusive case do).
    fn push_cells(self, out: &mut String, inconclusive: bool) {
        let extra = inconclusive.then_some(("inconclusive", self.inconclusive));
        for (class, n) in [
            ("fail", self.fail),
            ("warn", self.warn),
            ("pass", self.pass),
            ("skip", self.skip),
        ]
        .into_iter()
        .chain(extra)
        {
            let zero = if n == 0 { " zero" } else { "" };
            let _ = write!(out, "<td class=\"n {class}{zero}\">{n}</td>");
        }
        let _ = write!(
            out,
            "<td class=\"bar\"><span title=\"{} failed, {} warned, {} passed, {} skipped\">",
            self.fail, self.warn, self.pass, self.skip
        );
        for (class, n) in [
            ("fail", self.fail),
            ("inconclusive", self.inconclusive),
            ("warn", self.warn),
            ("pass", self.pass),
            ("skip", self.skip),
        ] {
            if n > 0 {
                let _ = write!(out, "<i class=\"{class}\" style=\"flex:{n}\"></i>");
            }
        }
        out.push_str("</span></td>");
    }
}

/// The suites present, in [`Suite::ALL`] order, each with its areas in the
/// registry's order (discovery before create before patch …).
fn suites(r: &Report) -> Vec<(Suite, Vec<&'static str>)> {
    let mut out: Vec<(Suite, Vec<&'static str>)> = Vec::new();
    // The SCIM suites, then SAML's (not among the suites a SCIM run picks).
    for suite in Suite::ALL.iter().chain([Suite::Saml].iter()) {
        let mut areas: Vec<&'static str> = Vec::new();
        for o in r.outcomes.iter().filter(|o| o.suite == *suite) {
            if !areas.contains(&o.area) {
                areas.push(o.area);
            }
        }
        if !areas.is_empty() {
            out.push((*suite, areas));
        }
    }
    out
}

fn area_anchor(suite: Suite, area: &str) -> String {
    format!("area-{}-{}", suite.name(), esc(area))
}

fn summary(out: &mut String, r: &Report) {
    out.push_str("<section id=\"summary\"><h2>Summary</h2><div class=\"suites\">");
    let inconclusive = Counts::of(&r.outcomes).inconclusive > 0;
    let extra_th = if inconclusive {
        "<th>inconclusive</th>"
    } else {
        ""
    };
    for (suite, areas) in suites(r) {
        let in_suite = || r.outcomes.iter().filter(move |o| o.suite == suite);
        let _ = write!(
            out,
            "<div class=\"suite\" data-suite=\"{s}\"><table><thead><tr><th>{s}</th>\
             <th>fail</th><th>warn</th><th>pass</th><th>skip</th>{extra_th}<th></th></tr></thead><tbody>",
            s = suite.name()
        );
        let _ = write!(
            out,
            "<tr class=\"total\" data-suite=\"{}\" data-area=\"\"><td>all {} checks</td>",
            suite.name(),
            in_suite().count()
        );
        Counts::of(in_suite()).push_cells(out, inconclusive);
        out.push_str("</tr>");
        for area in areas {
            let _ = write!(
                out,
                "<tr data-suite=\"{}\" data-area=\"{a}\"><td><a href=\"#{}\">{a}</a></td>",
                suite.name(),
                area_anchor(suite, area),
                a = esc(area)
            );
            Counts::of(in_suite().filter(|o| o.area == area)).push_cells(out, inconclusive);
            out.push_str("</tr>");
        }
        out.push_str("</tbody></table></div>");
    }
    out.push_str("</div></section>\n");
}

/// Where a row stands among the findings: real failures first, then
/// failed preconditions (the behaviour was never reached), then warnings,
/// then what failed only under load. `None`: not a finding.
fn rank(o: &Outcome) -> Option<u8> {
    match o.verdict {
        Verdict::Fail if !o.precondition => Some(0),
        Verdict::Fail => Some(1),
        Verdict::Inconclusive => Some(2),
        Verdict::Warn => Some(3),
        _ if o.under_load.is_some() => Some(4),
        _ => None,
    }
}

fn findings(out: &mut String, r: &Report) {
    let mut ordered: Vec<(u8, &Outcome)> = r
        .outcomes
        .iter()
        .filter_map(|o| rank(o).map(|k| (k, o)))
        .collect();
    // Stable: within a rank, the registry's order.
    ordered.sort_by_key(|(k, _)| *k);
    let c = Counts::of(&r.outcomes);
    let _ = write!(
        out,
        "<section id=\"findings\"><h2>Failures ({}) and warnings ({}){}</h2>",
        c.fail,
        c.warn,
        if c.inconclusive > 0 {
            format!(", inconclusive ({})", c.inconclusive)
        } else {
            String::new()
        }
    );
    if c.fail + c.warn + c.inconclusive == 0 {
        out.push_str("<p class=\"clean\">No check failed or warned.</p>");
    }
    let mut load_heading = false;
    for (k, o) in ordered {
        if k == 4 && !load_heading {
            load_heading = true;
            let _ = write!(
                out,
                "<h2>Failed only under concurrent load ({})</h2><p class=\"run\">These \
                 failed while other checks ran at once and passed when rerun alone: the \
                 target breaks under load, not the rule.</p>",
                c.load
            );
        }
        finding(out, o);
    }
    out.push_str("</section>\n");
}

fn finding(out: &mut String, o: &Outcome) {
    let (class, shown) = match (o.verdict, &o.under_load) {
        (Verdict::Fail, _) => ("fail", o),
        (Verdict::Inconclusive, _) => ("inconclusive", o),
        (Verdict::Warn, _) => ("warn", o),
        // The failure under load is what the reader needs to see; the
        // passing rerun's evidence follows it, collapsed.
        (_, Some(load)) => ("load", load.as_ref()),
        _ => ("pass", o),
    };
    let _ = write!(
        out,
        "<article class=\"check finding {class}\" id=\"{id}\" data-verdict=\"{verdict}\"><h3>\
         <span class=\"v\">{word}</span><code>{id}</code> {title}</h3>",
        id = esc(o.id),
        verdict = verdict_name(o.verdict),
        word = if class == "load" {
            "pass"
        } else {
            verdict_name(o.verdict)
        },
        title = esc(o.title),
    );
    out.push_str("<p class=\"meta\">");
    push_meta(out, o);
    match (o.confirmed, &o.under_load) {
        (Some(true), _) => {
            out.push_str(" · <span class=\"tag confirmed\">confirmed by a rerun alone</span>")
        }
        (Some(false), _) => out.push_str(
            " · <span class=\"tag\">not confirmed: no time was left to rerun it alone</span>",
        ),
        (_, Some(_)) => out.push_str(
            " · <span class=\"tag load\">failed only under concurrent load; passed alone</span>",
        ),
        _ => {}
    }
    out.push_str("</p>");
    if let Some(rule) = &shown.rule {
        out.push_str("<p class=\"rule\">");
        if shown.precondition {
            out.push_str("precondition not met <code>");
            push(out, rule);
            out.push_str("</code>: the behaviour the check judges was not reached");
        } else {
            out.push_str("rule <code>");
            push(out, rule);
            out.push_str("</code>");
        }
        out.push_str("</p>");
    }
    let mut messages = vec![&shown.message];
    if !std::ptr::eq(shown, o) {
        // The rerun's own remark, if it made one.
        messages.push(&o.message);
    }
    for m in messages.into_iter().flatten() {
        out.push_str("<p class=\"msg\">");
        push_clipped(out, m, NOTE);
        out.push_str("</p>");
    }
    if let (Some(e), Some(g)) = (&shown.expected, &shown.got) {
        diff::push(out, e, g);
    }
    evidence::push_exchanges(out, shown);
    if !std::ptr::eq(shown, o) && !o.exchanges.is_empty() {
        let _ = write!(
            out,
            "<details class=\"rerun\"><summary>the rerun alone, which passed ({} exchange{})</summary>",
            o.exchanges.len(),
            if o.exchanges.len() == 1 { "" } else { "s" }
        );
        evidence::push_exchanges(out, o);
        out.push_str("</details>");
    }
    let mut leftovers: Vec<&String> = shown.leftovers.iter().collect();
    if !std::ptr::eq(shown, o) {
        leftovers.extend(&o.leftovers);
    }
    for l in leftovers {
        out.push_str("<p class=\"cut\">left behind: ");
        push_clipped(out, l, NOTE);
        out.push_str("</p>");
    }
    out.push_str("</article>\n");
}

/// `rfc · etag · MUST · RFC 7644 §3.14` with the reference linked.
fn push_meta(out: &mut String, o: &Outcome) {
    let _ = write!(out, "{} · {} · ", o.suite.name(), esc(o.area));
    push_level_and_reference(out, o);
}

/// `MUST · RFC 7644 §3.14`, every RFC section a link to its anchor.
fn push_level_and_reference(out: &mut String, o: &Outcome) {
    let _ = write!(out, "{} · ", format!("{:?}", o.level).to_uppercase());
    for piece in citation::cite(o.reference) {
        match piece.url {
            Some(url) => {
                let _ = write!(
                    out,
                    "<a href=\"{}\" rel=\"noreferrer\">{}</a>",
                    esc(&url),
                    esc(piece.text)
                );
            }
            None => push(out, piece.text),
        }
    }
}

fn verdict_name(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
        Verdict::Warn => "warn",
        Verdict::Skip => "skip",
        Verdict::Inconclusive => "inconclusive",
    }
}

/// Every area collapsed: its passes and skips with their reasons; its
/// findings as links up to where they are shown.
fn rest(out: &mut String, r: &Report) {
    out.push_str("<section id=\"areas\"><h2>Every check, by area</h2>");
    for (suite, areas) in suites(r) {
        for area in areas {
            let rows: Vec<&Outcome> = r
                .outcomes
                .iter()
                .filter(|o| o.suite == suite && o.area == area)
                .collect();
            let c = Counts::of(rows.iter().copied());
            let _ = write!(
                out,
                "<details class=\"area\" id=\"{}\"><summary>{} · {} — ",
                area_anchor(suite, area),
                suite.name(),
                esc(area)
            );
            let parts: Vec<String> = [
                (c.fail, "failed"),
                (c.warn, "warned"),
                (c.pass, "passed"),
                (c.skip, "skipped"),
            ]
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, w)| format!("{n} {w}"))
            .collect();
            out.push_str(&parts.join(", "));
            out.push_str("</summary><ul>");
            for o in rows {
                let v = verdict_name(o.verdict);
                let _ = write!(
                    out,
                    "<li class=\"check {v}\" data-verdict=\"{v}\"><span class=\"v\">{v}</span>"
                );
                if rank(o).is_some() {
                    let _ = write!(
                        out,
                        "<a href=\"#{id}\"><code>{id}</code></a> ",
                        id = esc(o.id)
                    );
                } else {
                    let _ = write!(out, "<code>{}</code> ", esc(o.id));
                }
                push(out, o.title);
                out.push_str(" <span class=\"meta\">· ");
                push_level_and_reference(out, o);
                out.push_str("</span>");
                if o.under_load.is_some() {
                    out.push_str(
                        " <span class=\"tag load\">failed only under concurrent load</span>",
                    );
                }
                if o.verdict == Verdict::Skip
                    && let Some(m) = &o.message
                {
                    out.push_str("<br><span class=\"why\">skipped: ");
                    push_clipped(out, m, NOTE);
                    out.push_str("</span>");
                }
                for n in &o.notes {
                    out.push_str("<br><span class=\"why\">");
                    push_clipped(out, n, NOTE);
                    out.push_str("</span>");
                }
                out.push_str("</li>");
            }
            out.push_str("</ul></details>\n");
        }
    }
    out.push_str("</section>\n");
}

#[cfg(test)]
mod tests;
