//! The HTML report as a person opens it: headless Chromium (Debian's
//! `chromium` and `chromium-driver`) renders the reports of a clean run,
//! of a run against a quirked reference SP and of a run against a target
//! whose answers carry markup, and the test reads the DOM over WebDriver:
//! the first visible checks are the failures, then the warnings; the
//! summary's counts are the JSON report's; every link outside the page
//! goes to rfc-editor.org; nothing the target sent runs or fetches.
//! Full-page screenshots land in `target/conformance-report-*.png`.

#[path = "../../tests/support/chromium.rs"]
mod chromium;
// Only the answer hook is used here.
#[allow(dead_code)]
mod proxy;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fantoccini::{Client, Locator};
use idpsim_conformance::check::Capability;
use idpsim_conformance::runner::{self, Options, Target};
use idpsim_conformance::{checks, report};
use idpsim_reference_sp::{Config, Quirk};
use proxy::{Hooks, Req, Resp};
use serde_json::Value;

/// Markup a hostile target puts in its answers: if any of it were parsed
/// as HTML, an image would appear and the title would change. Two, since
/// a broken escape can make the first tag swallow what follows it.
const PAYLOADS: [&str; 2] = [
    r#"</script><img src=x onerror="document.title='pwned'"><script>document.title='pwned'</script>"#,
    r#"<img src=x onerror="document.title='pwned'"><script>document.title='pwned'</script>"#,
];

const WINDOW: (u32, u32) = (1280, 900);

async fn run(target: Target, opts: Options) -> runner::Report {
    runner::run(&checks::all(), &target, &opts).await
}

async fn clean() -> runner::Report {
    let sp = idpsim_reference_sp::spawn(Config::default()).await.unwrap();
    let target = Target {
        base_url: sp.base_url().to_owned(),
        token: Some(sp.token().to_owned()),
    };
    run(target, Options::default()).await
}

/// ETags missing and deletes that only deactivate: failures and warnings
/// in several areas; bulk skipped, so there are skips too.
async fn quirked() -> runner::Report {
    let sp = idpsim_reference_sp::spawn(
        Config::default()
            .with_quirk(Quirk::NoEtag)
            .with_quirk(Quirk::SoftDelete),
    )
    .await
    .unwrap();
    let target = Target {
        base_url: sp.base_url().to_owned(),
        token: Some(sp.token().to_owned()),
    };
    let opts = Options {
        skip: vec![Capability::Bulk],
        ..Options::default()
    };
    run(target, opts).await
}

/// The reference SP behind a proxy that puts [`PAYLOADS`] in headers of
/// every answer and the first in every JSON object it returns, and
/// answers a user's creation 200 instead of 201, so that many checks fail
/// quoting them.
async fn hostile() -> runner::Report {
    let sp = idpsim_reference_sp::spawn(Config::default()).await.unwrap();
    let hooks = Hooks {
        mutate: |req: &Req, resp: &mut Resp| {
            // First among the headers: nothing of the target's before it
            // could swallow it into another tag.
            resp.headers
                .insert(0, ("x-image".into(), PAYLOADS[1].into()));
            resp.headers.push(("x-note".into(), PAYLOADS[0].into()));
            if let Value::Object(body) = &mut resp.body {
                body.insert("urn:example:note".into(), PAYLOADS[0].into());
            }
            if req.is("POST", "/Users") && resp.status == 201 {
                resp.status = 200;
            }
        },
        ..Hooks::default()
    };
    let origin = proxy::start(sp.origin(), hooks).await;
    let target = Target {
        base_url: format!("{origin}/scim/v2"),
        token: Some(sp.token().to_owned()),
    };
    let r = run(target, Options::default()).await;
    drop(sp);
    r
}

fn target_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target");
    std::fs::create_dir_all(&dir).unwrap();
    dir.canonicalize().unwrap()
}

/// Verdict counts per (suite, area) from the JSON report, with area ""
/// for the suite's total.
fn counts_from_json(json: &Value) -> BTreeMap<(String, String), [usize; 4]> {
    let mut counts: BTreeMap<(String, String), [usize; 4]> = BTreeMap::new();
    for o in json["outcomes"].as_array().unwrap() {
        let slot = match o["verdict"].as_str().unwrap() {
            "fail" => 0,
            "warn" => 1,
            "pass" => 2,
            "skip" => 3,
            v => panic!("verdict {v}"),
        };
        let suite = o["suite"].as_str().unwrap().to_owned();
        let area = o["area"].as_str().unwrap().to_owned();
        counts.entry((suite.clone(), area)).or_default()[slot] += 1;
        counts.entry((suite, String::new())).or_default()[slot] += 1;
    }
    counts
}

/// The summary table's counts, read from the rendered page.
async fn counts_from_page(c: &Client) -> BTreeMap<(String, String), [usize; 4]> {
    let mut counts = BTreeMap::new();
    for row in c
        .find_all(Locator::Css("#summary tr[data-suite]"))
        .await
        .unwrap()
    {
        let suite = row.attr("data-suite").await.unwrap().unwrap();
        let area = row.attr("data-area").await.unwrap().unwrap();
        let mut n = [0; 4];
        for (slot, class) in ["fail", "warn", "pass", "skip"].iter().enumerate() {
            let cell = row
                .find(Locator::Css(&format!("td.n.{class}")))
                .await
                .unwrap();
            n[slot] = cell.text().await.unwrap().trim().parse().unwrap();
        }
        assert!(counts.insert((suite, area), n).is_none(), "a row twice");
    }
    counts
}

/// What the reader sees of one report, checked against its JSON; the
/// page's visible text is returned for further checks.
async fn look_at(c: &Client, name: &str, r: &runner::Report) -> String {
    let dir = target_dir();
    let page = dir.join(format!("conformance-report-{name}.html"));
    std::fs::write(&page, report::html(r)).unwrap();
    c.set_window_size(WINDOW.0, WINDOW.1).await.unwrap();
    c.goto(&format!("file://{}", page.display())).await.unwrap();
    let json: Value = serde_json::from_str(&report::json(r)).unwrap();
    let verdicts: Vec<&str> = json["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["verdict"].as_str().unwrap())
        .collect();
    let count = |v: &str| verdicts.iter().filter(|x| **x == v).count();
    let concurrency_only = json["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o.get("under_load").is_some())
        .count();

    // The summary says what the JSON says, area by area.
    assert_eq!(counts_from_page(c).await, counts_from_json(&json), "{name}");

    // The checks a reader sees without opening anything, top to bottom:
    // the failures, then the warnings, then what failed only under load.
    let mut visible = Vec::new();
    let mut first_top = None;
    for e in c.find_all(Locator::Css(".check")).await.unwrap() {
        if e.is_displayed().await.unwrap() {
            if first_top.is_none() {
                first_top = Some(e.rectangle().await.unwrap().1);
            }
            visible.push(e.attr("data-verdict").await.unwrap().unwrap());
        }
    }
    let mut expected = vec!["fail"; count("fail")];
    expected.extend(vec!["warn"; count("warn")]);
    expected.extend(vec!["pass"; concurrency_only]);
    assert_eq!(visible, expected, "{name}: visible checks in order");
    if let Some(top) = first_top {
        assert!(
            top < f64::from(WINDOW.1),
            "{name}: the first failure starts at {top} px, below the first screen"
        );
    }

    // Links leave the page only for the RFC Editor.
    let mut rfc_links = 0;
    for a in c.find_all(Locator::Css("a")).await.unwrap() {
        let href = a.attr("href").await.unwrap().unwrap_or_default();
        if href.starts_with('#') {
            continue;
        }
        assert!(
            href.starts_with("https://www.rfc-editor.org/rfc/rfc"),
            "{name}: link to {href}"
        );
        rfc_links += 1;
    }
    assert!(
        rfc_links >= verdicts.len() / 2,
        "{name}: {rfc_links} RFC links"
    );

    // Nothing ran and nothing was fetched.
    let (title, elements, fetched) = {
        let v = c
            .execute(
                "return [document.title, \
                 document.querySelectorAll('script,img,iframe,object,embed,link').length, \
                 performance.getEntriesByType('resource').length]",
                vec![],
            )
            .await
            .unwrap();
        (
            v[0].as_str().unwrap().to_owned(),
            v[1].as_u64().unwrap(),
            v[2].as_u64().unwrap(),
        )
    };
    assert!(title.starts_with("idpsim conformance: "), "{name}: {title}");
    assert_eq!(
        (elements, fetched),
        (0, 0),
        "{name}: active elements, fetches"
    );
    let text = c
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    // The whole page, for a person to look at: the window grown by what
    // the page is taller than the viewport.
    let sizes = c
        .execute(
            "return [document.documentElement.scrollHeight, window.outerHeight - window.innerHeight]",
            vec![],
        )
        .await
        .unwrap();
    let height = sizes[0].as_u64().unwrap() + sizes[1].as_u64().unwrap();
    c.set_window_size(WINDOW.0, (height as u32).clamp(WINDOW.1, 16_000))
        .await
        .unwrap();
    let png = c.screenshot().await.unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    std::fs::write(dir.join(format!("conformance-report-{name}.png")), png).unwrap();
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_html_report_opens_on_its_failures_in_chromium() {
    let clean = clean().await;
    let quirked = quirked().await;
    let hostile = hostile().await;
    assert!(clean.passed(), "{}", clean.summary());
    assert!(
        quirked.count(runner::Verdict::Fail) >= 3
            && quirked.count(runner::Verdict::Warn) >= 1
            && quirked.count(runner::Verdict::Skip) >= 1,
        "{}",
        quirked.summary()
    );
    assert!(!hostile.passed(), "{}", hostile.summary());

    let browser = chromium::launch("conformance-report", WINDOW).await;
    let c = &browser.client;
    let text = look_at(c, "clean", &clean).await;
    assert!(text.contains("No check failed or warned."), "{text}");
    let text = look_at(c, "quirked", &quirked).await;
    assert!(text.contains("rfc7644.etag.if-match-412"));
    assert!(text.contains("▶ the exchange that decided the verdict"));
    let text = look_at(c, "hostile", &hostile).await;
    // The markup is on the page as text, where a reader sees it.
    for payload in PAYLOADS {
        assert!(text.contains(payload), "{payload} shown literally");
    }
    browser.close().await;
}
