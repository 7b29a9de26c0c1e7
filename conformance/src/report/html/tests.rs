//! The HTML renderer on reports built by hand: order, escaping, links,
//! evidence layout and size.

use idpsim_simulator::client::{Body, Exchange, Method};

use super::html;
use crate::check::Check;
use crate::runner::{Outcome, Report, Verdict};

fn check(id: &str) -> Check {
    crate::checks::all()
        .into_iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no check {id}"))
}

fn row(id: &str, verdict: Verdict) -> Outcome {
    let mut o = crate::runner::skipped(&check(id), String::new());
    o.message = None;
    o.verdict = verdict;
    if matches!(verdict, Verdict::Fail | Verdict::Warn) {
        o.rule = Some("status".into());
        o.expected = Some("HTTP 404".into());
        o.got = Some("HTTP 200".into());
    }
    o
}

fn report(outcomes: Vec<Outcome>) -> Report {
    Report {
        schema_version: 1,
        tool: "idpsim test",
        target: "http://127.0.0.1:1/scim/v2".into(),
        started: "2026-01-01T00:00:00Z".into(),
        millis: 1234,
        capabilities: vec!["patch"],
        outcomes,
        notes: vec![],
    }
}

fn exchange(seq: u64, method: Method, url: &str, status: u16, body: &str) -> Exchange {
    Exchange {
        seq,
        method,
        url: url.into(),
        request_headers: vec![("authorization".into(), "<redacted>".into())],
        request_body: None,
        status: Some(status),
        response_headers: vec![("content-type".into(), "application/scim+json".into())],
        response_body: (!body.is_empty()).then(|| Body::recorded(body.to_owned())),
        error: None,
        micros: 1500,
        started: std::time::SystemTime::UNIX_EPOCH,
        attempt: 0,
        fault: None,
        plan: None,
    }
}

/// Where `needle` first occurs, or a panic that shows the page.
fn at(html: &str, needle: &str) -> usize {
    html.find(needle)
        .unwrap_or_else(|| panic!("no {needle:?} in the page"))
}

/// Failures, then failed preconditions, then warnings, then what failed
/// only under load; passes and skips only in the collapsed areas below.
#[test]
fn findings_come_first_in_order_and_the_rest_is_collapsed() {
    let mut precondition = row("rfc7644.patch.atomic", Verdict::Fail);
    precondition.precondition = true;
    let mut load_only = row("rfc7644.paging.count", Verdict::Pass);
    load_only.exchanges = vec![exchange(
        1,
        Method::GET,
        "http://t/Users?count=1",
        200,
        "{}",
    )];
    load_only.decided_by = Some(0);
    let mut under_load = row("rfc7644.paging.count", Verdict::Fail);
    under_load.exchanges = vec![exchange(1, Method::GET, "http://t/Users?count=1", 500, "")];
    under_load.decided_by = Some(0);
    load_only.under_load = Some(Box::new(under_load));
    let mut skipped = row("rfc7644.bulk.bulkid", Verdict::Skip);
    skipped.message = Some("bulk is not advertised".into());
    let r = report(vec![
        row("rfc7644.create.status-201", Verdict::Pass),
        row("rfc7644.etag.header", Verdict::Warn),
        precondition,
        load_only,
        skipped,
        row("rfc7644.delete.204-then-404", Verdict::Fail),
    ]);
    let page = html(&r);
    let findings = at(&page, "<section id=\"findings\"");
    let areas = at(&page, "<section id=\"areas\"");
    let fail = at(&page, "id=\"rfc7644.delete.204-then-404\"");
    let pre = at(&page, "id=\"rfc7644.patch.atomic\"");
    let warn = at(&page, "id=\"rfc7644.etag.header\"");
    let load = at(&page, "id=\"rfc7644.paging.count\"");
    assert!(findings < fail && fail < pre && pre < warn && warn < load && load < areas);
    assert!(
        page[pre..warn].contains("precondition not met <code>status</code>"),
        "{page}"
    );
    // What failed under load is shown open; the passing rerun, collapsed.
    let shown = &page[load..areas];
    assert!(shown.contains("failed only under concurrent load; passed alone"));
    let decided = at(shown, "<div class=\"exchange decided\">");
    let rerun = at(
        shown,
        "<details class=\"rerun\"><summary>the rerun alone, which passed (1 exchange)",
    );
    assert!(
        decided < rerun && shown[decided..rerun].contains("<b>HTTP 500</b>"),
        "{shown}"
    );
    assert!(shown[rerun..].contains("<b>HTTP 200</b>"), "{shown}");
    // Passes and skips: only below, inside closed <details>.
    for id in ["rfc7644.create.status-201", "rfc7644.bulk.bulkid"] {
        let i = at(&page, &format!("<code>{id}</code>"));
        assert!(i > areas, "{id} shown above the areas");
        let open = page[..i].rfind("<details").unwrap();
        assert!(page[open..i].starts_with("<details class=\"area\""));
    }
    assert!(!page[areas..].contains("<details class=\"area\" open"));
    assert!(page[areas..].contains("skipped: bulk is not advertised"));
}

/// Everything a target sends is text on the page: markup in a body, a
/// header, a URL, an error or a quoted answer is escaped, and the page has
/// no script of its own for it to reach.
#[test]
fn the_target_s_text_is_shown_literally() {
    let evil = r#"</script><img src=x onerror="document.title='pwned'"><script>alert(1)</script>"#;
    let mut o = row("rfc7644.read.unknown-404", Verdict::Fail);
    o.rule = Some(evil.into());
    o.expected = Some(format!("HTTP 404 {evil}"));
    o.got = Some(format!(
        "HTTP 200: {{\"detail\":{:?}, \"pad\":\"{}\"}}",
        evil,
        "x".repeat(120)
    ));
    o.message = Some(evil.into());
    o.notes = vec![evil.into()];
    o.leftovers = vec![evil.into()];
    let mut x = exchange(1, Method::GET, &format!("http://t/Users/{evil}"), 200, evil);
    x.response_headers.push(("x-evil".into(), evil.into()));
    x.request_body = Some(Body::recorded(format!("{{\"a\":{evil:?}}}")));
    let mut failed = exchange(2, Method::GET, "http://t/Users", 0, "");
    failed.status = None;
    failed.error = Some(evil.into());
    o.exchanges = vec![x, failed];
    o.decided_by = Some(0);
    let mut r = report(vec![o]);
    r.target = evil.into();
    r.started = evil.into();
    let page = html(&r);
    for tag in ["<img", "<script", "</script"] {
        assert!(!page.contains(tag), "{tag} in the page");
    }
    assert_eq!(page.matches("<style>").count(), 1);
    assert!(page.contains(
        "&lt;/script&gt;&lt;img src=x onerror=&quot;document.title=&#39;pwned&#39;&quot;&gt;"
    ));
    assert!(page.contains(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'"
    ));
}

#[test]
fn references_link_to_their_rfc_sections() {
    let page = html(&report(vec![row(
        "rfc7644.auth.no-token-401",
        Verdict::Fail,
    )]));
    assert!(page.contains(
        "<a href=\"https://www.rfc-editor.org/rfc/rfc7644#section-3.12\" rel=\"noreferrer\">RFC 7644 §3.12</a>, \
         <a href=\"https://www.rfc-editor.org/rfc/rfc7644#section-7\" rel=\"noreferrer\">§7</a>"
    ), "{page}");
}

/// The deciding exchange is open with its request and answer; the other
/// exchanges of the check and the cleanup are collapsed, each labelled.
#[test]
fn the_deciding_exchange_is_expanded_and_the_cleanup_collapsed() {
    let mut o = row("rfc7644.delete.204-then-404", Verdict::Fail);
    o.exchanges = vec![
        exchange(1, Method::POST, "http://t/Users", 201, r#"{"id":"u1"}"#),
        exchange(2, Method::DELETE, "http://t/Users/u1", 204, ""),
        exchange(
            3,
            Method::GET,
            "http://t/Users/u1",
            200,
            r#"{"id":"u1","active":false}"#,
        ),
        exchange(4, Method::DELETE, "http://t/Users/u1", 204, ""),
    ];
    o.decided_by = Some(2);
    o.cleanup_from = Some(3);
    let page = html(&report(vec![o]));
    let decided = at(&page, "<div class=\"exchange decided\">");
    let others = at(
        &page,
        "<details class=\"exchanges\"><summary>2 other exchanges of the check</summary>",
    );
    let cleanup = at(
        &page,
        "<details class=\"exchanges cleanup\"><summary>cleanup: 1 request after the verdict</summary>",
    );
    assert!(at(&page, "class=\"diff\"") < decided && decided < others && others < cleanup);
    let shown = &page[decided..others];
    assert!(shown.contains("<b>GET</b> http://t/Users/u1"), "{shown}");
    assert!(shown.contains("<b>HTTP 200</b>"), "{shown}");
    assert!(
        shown.contains("&quot;active&quot;: false"),
        "pretty JSON: {shown}"
    );
    assert!(
        page[others..cleanup].contains("#2 DELETE http://t/Users/u1 → 204</code> <span class=\"tag\">just before the deciding one</span>"),
        "{}",
        &page[others..cleanup]
    );
    assert!(page[cleanup..].contains("#4 DELETE http://t/Users/u1 → 204"));
}

/// Counts per suite and per area, with a bar whose parts are the counts.
#[test]
fn the_summary_counts_each_suite_and_area() {
    let page = html(&report(vec![
        row("rfc7644.create.status-201", Verdict::Pass),
        row("rfc7644.create.location", Verdict::Fail),
        row("rfc7644.etag.header", Verdict::Skip),
        row("okta.users.get-put-echo", Verdict::Warn),
    ]));
    assert!(page.contains(
        "<tr class=\"total\" data-suite=\"rfc\" data-area=\"\"><td>all 3 checks</td>\
         <td class=\"n fail\">1</td><td class=\"n warn zero\">0</td><td class=\"n pass\">1</td><td class=\"n skip\">1</td>"
    ), "{page}");
    assert!(page.contains(
        "<tr data-suite=\"rfc\" data-area=\"create\"><td><a href=\"#area-rfc-create\">create</a></td>\
         <td class=\"n fail\">1</td><td class=\"n warn zero\">0</td><td class=\"n pass\">1</td><td class=\"n skip zero\">0</td>\
         <td class=\"bar\"><span title=\"1 failed, 0 warned, 1 passed, 0 skipped\"><i class=\"fail\" style=\"flex:1\"></i><i class=\"pass\" style=\"flex:1\"></i></span></td>"
    ), "{page}");
    assert!(page.contains("<tr class=\"total\" data-suite=\"okta\""));
    assert!(
        !page.contains("data-suite=\"entra\""),
        "no row for a suite not run"
    );
}

/// A target that answers megabytes everywhere gets a bounded page: each
/// check's evidence is cut, however many exchanges and bytes it has.
#[test]
fn the_page_stays_small_whatever_the_target_sends() {
    let huge_json = format!("{{\"detail\":\"{}\"}}", "x".repeat(1 << 20));
    // Bodies share their bytes between clones, so 155 × 40 of them cost
    // two megabytes here.
    let json_body = Body::recorded(huge_json.clone());
    let text_body = Body::recorded("y".repeat(1 << 20));
    let mut x = exchange(
        1,
        Method::PATCH,
        &format!("http://t/{}", "p".repeat(10_000)),
        200,
        "",
    );
    x.request_headers = (0..30)
        .map(|i| (format!("h{i}"), "v".repeat(600)))
        .collect();
    x.request_body = Some(json_body);
    x.response_body = Some(text_body);
    let mut o = row("rfc7644.patch.atomic", Verdict::Fail);
    o.expected = Some("e".repeat(1 << 20));
    o.got = Some(format!("HTTP 200: {huge_json}"));
    o.message = Some("m".repeat(1 << 20));
    o.leftovers = vec!["l".repeat(1 << 20)];
    o.exchanges = vec![x; 40];
    o.decided_by = Some(20);
    o.cleanup_from = Some(30);
    let one = html(&report(vec![o.clone()])).len();
    let many = html(&report(vec![o; 155])).len();
    let empty = html(&report(vec![])).len();
    let per_check = (many - empty) / 155;
    eprintln!("{per_check} bytes per check; {many} bytes for 155 checks");
    // About 40 MB of evidence per check goes in; what comes out is bounded
    // by the cuts: 4 KiB of each side of the diff and of each body of the
    // deciding exchange, 512-byte bodies for six others, one line each for
    // the next 18, 300-byte lines, 16 headers of 200 bytes.
    assert!(per_check < 48 * 1024, "{per_check} bytes per check");
    assert!(
        one - empty < 48 * 1024,
        "{} bytes for one check",
        one - empty
    );
    assert!(many < 155 * 48 * 1024, "{many} bytes for 155 checks");
}

/// A clean run says so, and a report with no script needs none.
#[test]
fn a_clean_run_says_it_passed() {
    let page = html(&report(vec![row(
        "rfc7644.create.status-201",
        Verdict::Pass,
    )]));
    assert!(page.contains("<b>Run passed</b>: 1 passed, 0 warned, 0 failed, 0 skipped"));
    assert!(page.contains("No check failed or warned."));
    assert!(page.starts_with("<!doctype html>") && !page.contains("<script"));
}

#[test]
fn notes_are_said_once_in_the_header() {
    let mut r = report(vec![]);
    r.notes = vec!["/Schemas <unreadable>: checks assume RFC 7643".into()];
    let page = html(&r);
    let header = &page[page.find("<header>").unwrap()..page.find("</header>").unwrap()];
    assert!(
        header.contains("note: /Schemas &lt;unreadable&gt;: checks assume RFC 7643"),
        "{header}"
    );
    assert_eq!(page.matches("note: /Schemas").count(), 1);
}

#[test]
fn an_inconclusive_row_is_a_finding_with_a_column_of_its_own() {
    let clean = html(&report(vec![row(
        "rfc7644.read.unknown-404",
        Verdict::Pass,
    )]));
    assert!(!clean.contains("<th>inconclusive</th>"));
    let page = html(&report(vec![
        row("rfc7644.read.unknown-404", Verdict::Inconclusive),
        row("rfc7644.create.status-201", Verdict::Pass),
    ]));
    assert!(page.contains("<th>inconclusive</th>"), "{page}");
    assert!(page.contains("inconclusive (1)"), "{page}");
    let findings = &page[page.find("id=\"findings\"").unwrap()..page.find("id=\"areas\"").unwrap()];
    assert!(
        findings.contains("finding inconclusive") && findings.contains("rfc7644.read.unknown-404"),
        "{findings}"
    );
}
