//! Reports read back: the JUnit file parses as JUnit, the JSON has its
//! versioned shape, the HTML and Markdown name every check.

use idpsim_conformance::runner::{self, Options, Target, Verdict};
use idpsim_conformance::{checks, report};
use idpsim_reference_sp::{Config, Quirk};
use quick_xml::Reader;
use quick_xml::events::Event;

async fn report_with_failures() -> runner::Report {
    // A target whose ETags are broken, with etag checks forced on.
    let sp = idpsim_reference_sp::spawn(Config::default().with_quirk(Quirk::NoEtag))
        .await
        .unwrap();
    let target = Target {
        base_url: sp.base_url().to_owned(),
        token: Some(sp.token().to_owned()),
    };
    let opts = Options {
        skip: vec![idpsim_conformance::check::Capability::Bulk],
        ..Options::default()
    };
    runner::run(&checks::all(), &target, &opts).await
}

#[tokio::test]
async fn junit_parses_as_junit() {
    let r = report_with_failures().await;
    assert!(
        r.count(Verdict::Fail) >= 2 && r.count(Verdict::Skip) >= 2,
        "{}",
        r.summary()
    );
    let xml = report::junit(&r);
    let mut reader = Reader::from_str(&xml);
    let (mut suites, mut cases, mut failures, mut skipped) = (0, 0, 0, 0);
    let mut root = None;
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                root.get_or_insert(name.clone());
                match name.as_str() {
                    "testsuite" => suites += 1,
                    "testcase" => cases += 1,
                    "failure" => failures += 1,
                    "skipped" => skipped += 1,
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(root.as_deref(), Some("testsuites"));
    assert_eq!(suites, 3);
    assert_eq!(cases, r.outcomes.len());
    assert_eq!(failures, r.count(Verdict::Fail));
    assert_eq!(skipped, r.count(Verdict::Skip));
}

#[tokio::test]
async fn json_markdown_and_html_name_every_check() {
    let r = report_with_failures().await;
    let json: serde_json::Value = serde_json::from_str(&report::json(&r)).unwrap();
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["outcomes"].as_array().unwrap().len(), r.outcomes.len());
    let failed = json["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["verdict"] == "fail")
        .unwrap();
    assert!(
        failed["expected"].is_string()
            && failed["got"].is_string()
            && failed["exchanges"].is_array()
    );
    let md = report::markdown(&r);
    let html = report::html(&r);
    let console = report::console(&r, false);
    for o in &r.outcomes {
        assert!(
            md.contains(o.id) && html.contains(o.id) && console.contains(o.id),
            "{}",
            o.id
        );
    }
    assert!(console.trim_end().ends_with(&r.summary()));
    assert!(
        html.starts_with("<!doctype html>")
            && !html.contains("<script src")
            && !html.contains("<link"),
        "self-contained"
    );
}

/// A failure names its rule in every report, and the console shows the
/// exchange that decided it first, marked, and the cleanup's DELETEs after
/// it, labelled (not as the last two lines of evidence).
#[tokio::test]
async fn failures_show_their_rule_and_deciding_exchange_first() {
    let r = report_with_failures().await;
    let o = r
        .outcomes
        .iter()
        .find(|o| o.id == "rfc7644.etag.if-match-412")
        .unwrap();
    assert_eq!(
        (o.verdict, o.rule.as_deref()),
        (Verdict::Fail, Some("status"))
    );
    let decided = &o.exchanges[o.decided_by.expect("a deciding exchange")];
    assert_eq!(format!("{:?}", decided.method), "PATCH");
    let cleanup = o.cleanup_from.expect("the user was deleted");
    assert!(
        o.exchanges[cleanup..]
            .iter()
            .all(|x| format!("{:?}", x.method) == "DELETE")
    );

    let console = report::console(&r, false);
    // The check's block: its line and the indented lines under it.
    let lines: Vec<&str> = console
        .lines()
        .skip_while(|l| !l.contains("FAIL rfc7644.etag.if-match-412"))
        .enumerate()
        .take_while(|(i, l)| *i == 0 || l.starts_with("       "))
        .map(|(_, l)| l.trim())
        .collect();
    let block = lines.join("\n");
    let at = |p: &str| {
        lines
            .iter()
            .position(|l| l.starts_with(p))
            .unwrap_or_else(|| panic!("no {p:?} in {block}"))
    };
    assert!(at("rule: status") < at("expected:"));
    assert!(
        lines[at("▶ PATCH")].ends_with("(decided the verdict)"),
        "{block}"
    );
    assert!(at("▶ PATCH") < at("cleanup: DELETE"), "{block}");

    let json: serde_json::Value = serde_json::from_str(&report::json(&r)).unwrap();
    let row = json["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == "rfc7644.etag.if-match-412")
        .unwrap();
    assert_eq!(row["rule"], "status");
    assert!(report::junit(&r).contains("[status] expected PATCH with a stale If-Match"));
    assert!(report::markdown(&r).contains("[status] expected PATCH with a stale If-Match"));
    assert!(report::html(&r).contains("<code>status</code>"));
}
