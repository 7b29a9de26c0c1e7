//! The exchanges behind a verdict, in HTML: the one that decided it
//! expanded, the check's others and its cleanup collapsed. Everything in
//! an exchange is the target's or about the target, so it is escaped and
//! bounded: a report of 155 checks stays small whatever the target sent.

use std::fmt::Write as _;

use idpsim_simulator::client::{Body, Exchange};

use super::escape::{self, push, push_clipped};
use crate::runner::Outcome;

/// Bytes of a body shown for the deciding exchange: a resource or a short
/// list page whole, a 10 MB answer as its start.
const DECIDING_BODY: usize = 4096;
/// Bytes of a body shown for any other exchange: enough to recognise it;
/// the JSON report has it whole.
const OTHER_BODY: usize = 512;
/// Bytes of a URL or an error.
const LINE: usize = 300;
/// Bytes of a header value: tokens and ETags fit, a stuffed header not.
const HEADER_VALUE: usize = 200;
/// Headers shown per request or response of the deciding exchange.
const HEADERS: usize = 16;
/// Exchanges of a check, besides the deciding one, shown with their
/// bodies (the check's own first, then its cleanup's); past these, one
/// line each.
const DETAILED: usize = 6;
/// Exchanges of a check listed at all, besides the deciding one; past
/// these, counted. The JSON report keeps them all.
const LISTED: usize = 24;

/// What is left of a check's allowance of detailed and listed exchanges.
struct Budget {
    detailed: usize,
    listed: usize,
}
/// A JSON body is pretty-printed only below this size: parsing a huge
/// answer to show its first 4 KiB would cost what the cut saves.
const PRETTY_BELOW: usize = 64 * 1024;

/// Appends the evidence of `o`: its deciding exchange expanded, then the
/// check's other exchanges and the cleanup's, each group collapsed.
pub fn push_exchanges(out: &mut String, o: &Outcome) {
    let all = &o.exchanges;
    if all.is_empty() {
        return;
    }
    let cleanup_from = o.cleanup_from.unwrap_or(all.len()).min(all.len());
    let decided = o.decided_by.filter(|d| *d < cleanup_from);
    if let Some(d) = decided {
        out.push_str(
            "<div class=\"exchange decided\"><div class=\"label\">▶ the exchange that decided the verdict</div>",
        );
        push_exchange(out, &all[d], DECIDING_BODY, true);
        out.push_str("</div>");
    }
    let others: Vec<(usize, &Exchange)> = all[..cleanup_from]
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != decided)
        .collect();
    let mut budget = Budget {
        detailed: DETAILED,
        listed: LISTED,
    };
    if !others.is_empty() {
        let _ = write!(
            out,
            "<details class=\"exchanges\"><summary>{} other exchange{} of the check</summary>",
            others.len(),
            plural(others.len())
        );
        push_group(out, &others, decided, &mut budget);
        out.push_str("</details>");
    }
    let cleanup: Vec<(usize, &Exchange)> = all[cleanup_from..]
        .iter()
        .enumerate()
        .map(|(i, x)| (cleanup_from + i, x))
        .collect();
    if !cleanup.is_empty() {
        let _ = write!(
            out,
            "<details class=\"exchanges cleanup\"><summary>cleanup: {} request{} after the verdict</summary>",
            cleanup.len(),
            plural(cleanup.len())
        );
        push_group(out, &cleanup, None, &mut budget);
        out.push_str("</details>");
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A group of exchanges: the first few with their bodies, each collapsed
/// under its one-line summary, then one line each, then a count.
fn push_group(
    out: &mut String,
    group: &[(usize, &Exchange)],
    decided: Option<usize>,
    budget: &mut Budget,
) {
    let listed = group.len().min(budget.listed);
    budget.listed -= listed;
    out.push_str("<ol class=\"group\">");
    for (i, x) in &group[..listed] {
        let before = decided.is_some_and(|d| d == i + 1);
        out.push_str("<li>");
        if budget.detailed > 0 {
            budget.detailed -= 1;
            out.push_str("<details><summary>");
            push_headline(out, x);
            if before {
                out.push_str(" <span class=\"tag\">just before the deciding one</span>");
            }
            out.push_str("</summary>");
            push_exchange(out, x, OTHER_BODY, false);
            out.push_str("</details>");
        } else {
            push_headline(out, x);
        }
        out.push_str("</li>");
    }
    out.push_str("</ol>");
    if group.len() > listed {
        let _ = write!(
            out,
            "<p class=\"cut\">… and {} more, in the JSON report</p>",
            group.len() - listed
        );
    }
}

/// `#3 PATCH http://… → 200`, or the transport error instead of a status.
fn push_headline(out: &mut String, x: &Exchange) {
    let _ = write!(out, "<code>#{} {:?} ", x.seq, x.method);
    push_clipped(out, &x.url, LINE);
    out.push_str(" → ");
    match (x.status, &x.error) {
        (Some(s), _) => {
            let _ = write!(out, "{s}");
        }
        (None, Some(e)) => push_clipped(out, e, LINE),
        (None, None) => out.push_str("no answer"),
    }
    out.push_str("</code>");
}

/// One exchange: the request as sent (headers redacted by the client) and
/// what came back, bodies cut to `body_max` bytes.
fn push_exchange(out: &mut String, x: &Exchange, body_max: usize, headers: bool) {
    out.push_str("<div class=\"pair\"><pre class=\"req\"><b>");
    let _ = write!(out, "{:?}", x.method);
    out.push_str("</b> ");
    push_clipped(out, &x.url, LINE);
    if x.attempt > 0 {
        let _ = write!(out, "  (retry {})", x.attempt);
    }
    if headers {
        push_headers(out, &x.request_headers);
    }
    if let Some(b) = &x.request_body {
        out.push_str("\n\n");
        push_body(out, b, body_max);
    }
    out.push_str("</pre><pre class=\"resp\"><b>");
    match (x.status, &x.error) {
        (Some(s), _) => {
            let _ = write!(out, "HTTP {s}");
        }
        (None, Some(e)) => push_clipped(out, e, LINE),
        (None, None) => out.push_str("no answer"),
    }
    out.push_str("</b>");
    if let Some(f) = x.fault {
        out.push_str("  (fault injected: ");
        push(out, f);
        out.push(')');
    }
    let _ = write!(out, "  {} ms", x.micros / 1000);
    if headers {
        push_headers(out, &x.response_headers);
    }
    if let Some(b) = &x.response_body {
        out.push_str("\n\n");
        push_body(out, b, body_max);
    }
    out.push_str("</pre></div>");
}

fn push_headers(out: &mut String, headers: &[(String, String)]) {
    for (k, v) in headers.iter().take(HEADERS) {
        out.push('\n');
        push_clipped(out, k, HEADER_VALUE);
        out.push_str(": ");
        push_clipped(out, v, HEADER_VALUE);
    }
    if headers.len() > HEADERS {
        let _ = write!(
            out,
            "\n<span class=\"cut\">… {} more headers</span>",
            headers.len() - HEADERS
        );
    }
}

/// A body, pretty-printed when it is JSON of a readable size, cut to `max`.
fn push_body(out: &mut String, body: &Body, max: usize) {
    let text = body.get();
    let trimmed = text.trim_start();
    if text.len() < PRETTY_BELOW
        && (trimmed.starts_with('{') || trimmed.starts_with('['))
        && let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
        && let Ok(pretty) = serde_json::to_string_pretty(&v)
    {
        let (shown, cut) = escape::clip(&pretty, max);
        push(out, shown);
        if cut {
            let _ = write!(
                out,
                "<span class=\"cut\">… cut: {} of {} bytes shown</span>",
                shown.len(),
                pretty.len()
            );
        }
        return;
    }
    push_clipped(out, &text, max);
}
