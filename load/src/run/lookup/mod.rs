//! `import --lookups`: every directory user looked up by userName, the
//! query Okta sends before each create (IDP-WIRE §1), each lookup one event
//! whose answer is checked.

use std::borrow::Cow;
use std::sync::Arc;

use idpsim_simulator::client::{ClientError, Method, Response};
use idpsim_simulator::idp::{EventError, Wire};
use serde::Deserialize;

use super::attack::{Did, Shared, Work, each_item};
use super::{LoadError, LoadPlan};
use crate::summary::Summary;

mod bare;

/// The lookup phase: one `GET /Users?filter=userName eq "…"` per active
/// user of this shard, `--import-rounds` times over. Without injected
/// faults each lookup goes out unrecorded (see [`bare`]); with them, through
/// the SCIM client's recorded path, which injects them.
pub(super) async fn lookups(
    plan: &LoadPlan,
    shared: &Arc<Shared>,
    summary: &mut Summary,
) -> Result<(), LoadError> {
    let targets = targets(plan, shared);
    if let Some(file) = &plan.lookups_file {
        write_paths(plan, &targets, file)?;
    }
    let items = targets.len() * plan.import_rounds.max(1);
    if plan.client.faults.is_off() {
        return bare::phase(plan, shared, targets, items, summary).await;
    }
    let targets = Arc::new(targets);
    let sh = shared.clone();
    let work: Work = Arc::new(move |wire: Wire, i: usize| {
        let sh = sh.clone();
        let list = targets.clone();
        Box::pin(async move {
            let (user_name, path) = &list[i % list.len()];
            look_up(&wire, user_name, path).await?;
            sh.count(LOOKED_UP, 1);
            Ok(Did::Sent)
        })
    });
    each_item(plan, shared, PHASE, EVENT, items, work, summary).await
}

const PHASE: &str = "lookups";
const EVENT: &str = "lookup";
const LOOKED_UP: &str = "users looked up";

/// The users to look up, with each one's query path (below the base URL),
/// built once: a round repeats the same requests.
pub(super) fn targets(plan: &LoadPlan, shared: &Shared) -> Vec<(String, String)> {
    let dir = shared.dir.lock().expect("not poisoned");
    let active: Vec<usize> = (0..dir.user_count())
        .filter(|&i| dir.user_at(i).is_some_and(|u| u.active))
        .collect();
    // Only the query path is needed from a wire; no request is sent.
    let client = idpsim_simulator::client::ScimClient::new(plan.client.clone())
        .expect("a client from a checked config");
    let wire = Wire::new(plan.profile, client);
    active[plan.shard.range(active.len())]
        .iter()
        .map(|&i| {
            let name = dir.user_at(i).expect("listed above").user_name.clone();
            let path = wire.query_path("Users", "userName", &name);
            (name, path)
        })
        .collect()
}

/// The lookups' paths from the origin (the base URL's path, then the
/// query), one a line: what wrk's script reads to send the same requests.
fn write_paths(
    plan: &LoadPlan,
    targets: &[(String, String)],
    file: &std::path::Path,
) -> Result<(), LoadError> {
    let base = reqwest::Url::parse(&plan.client.base_url)
        .map_err(|e| LoadError::Setup(format!("bad target URL: {e}")))?;
    let prefix = base.path().trim_end_matches('/');
    let mut out = String::with_capacity(targets.len() * (prefix.len() + 80));
    for (_, path) in targets {
        out.push_str(prefix);
        out.push_str(path);
        out.push('\n');
    }
    std::fs::write(file, out)
        .map_err(|e| LoadError::Setup(format!("cannot write {}: {e}", file.display())))
}

/// One lookup through the recorded path, its answer checked.
async fn look_up(wire: &Wire, user_name: &str, path: &str) -> Result<(), EventError> {
    let req = wire.request(Method::GET, path.to_owned(), None);
    judge(wire.client.send(&req).await, user_name)
}

/// A lookup's outcome as an event: 200 and exactly one resource, with that
/// userName.
fn judge(answer: Result<Response, ClientError>, user_name: &str) -> Result<(), EventError> {
    let what = || format!("look up Users userName {user_name:?}");
    let r = answer.map_err(|source| EventError::Transport {
        what: what(),
        source,
    })?;
    if r.status != 200 {
        return Err(EventError::Rejected {
            what: what(),
            status: r.status,
            body: r.text().chars().take(300).collect(),
        });
    }
    check(&r.body, user_name).map_err(|why| EventError::Protocol(format!("{}: {why}", what())))
}

/// The parts of a ListResponse a lookup checks, borrowed from the body.
#[derive(Deserialize)]
struct Found<'a> {
    #[serde(rename = "totalResults")]
    total: u64,
    #[serde(rename = "Resources", default, borrow)]
    resources: Resources<'a>,
}

/// How many resources came, and the first one's userName: all a lookup
/// needs, read without collecting them (no allocation per lookup).
#[derive(Default)]
struct Resources<'a> {
    count: usize,
    first: Option<Named<'a>>,
}

#[derive(Deserialize)]
struct Named<'a> {
    #[serde(rename = "userName", default, borrow)]
    user_name: Option<Cow<'a, str>>,
}

impl<'de: 'a, 'a> Deserialize<'de> for Resources<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Each<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Each<'a> {
            type Value = Resources<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an array of resources")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                let mut out = Resources::default();
                if let Some(first) = seq.next_element::<Named<'a>>()? {
                    out.first = Some(first);
                    out.count = 1;
                    // Of the others, only their number counts.
                    while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
                        out.count += 1;
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_seq(Each(std::marker::PhantomData))
    }
}

/// Whether `body` is a ListResponse holding exactly the user `user_name`
/// (userName is not case-exact, RFC 7643 §4.1.1); why not, if not.
pub(super) fn check(body: &[u8], user_name: &str) -> Result<(), String> {
    // Checked as UTF-8 once, whole: serde_json reading a `str` then takes
    // each key and string as it is, where from bytes it checks each one
    // again (a third of the check's time on a lookup's answer).
    let text =
        std::str::from_utf8(body).map_err(|e| format!("the answer is not UTF-8 JSON ({e})"))?;
    let found: Found<'_> = serde_json::from_str(text)
        .map_err(|e| format!("the answer is not a ListResponse ({e})"))?;
    let Resources { count, first } = found.resources;
    if found.total != 1 || count != 1 {
        return Err(format!(
            "expected exactly one user, got totalResults {} and {count} resources",
            found.total,
        ));
    }
    match first.and_then(|f| f.user_name) {
        Some(n) if n == user_name || n.to_lowercase() == user_name.to_lowercase() => Ok(()),
        Some(n) => Err(format!("the user found is {n:?}")),
        None => Err("the user found has no userName".into()),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use goose::config::GooseConfiguration;
    use idpsim_simulator::client::{Auth, ClientConfig, RetryPolicy};
    use idpsim_simulator::profile::Profile;
    use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers};

    use super::super::attack::shared_for;
    use super::super::{LoadPlan, RunKind, directory};
    use super::{check, lookups};
    use crate::Shard;
    use crate::summary::Summary;

    /// A target that answers a userName filter with that user, or, broken,
    /// with nobody.
    struct Echo {
        broken: bool,
    }

    impl Respond for Echo {
        fn respond(&self, req: &Request) -> ResponseTemplate {
            let filter = req
                .url
                .query_pairs()
                .find(|(k, _)| k == "filter")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            let name = filter
                .strip_prefix("userName eq \"")
                .and_then(|f| f.strip_suffix('"'))
                .unwrap_or_default();
            let resources: Vec<_> = if self.broken {
                vec![]
            } else {
                vec![serde_json::json!({"id": name, "userName": name})]
            };
            ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                "totalResults": resources.len(),
                "Resources": resources,
            }))
        }
    }

    pub(crate) fn plan(base_url: &str, token: &str, users: usize, rounds: usize) -> LoadPlan {
        let mut client = ClientConfig::new(base_url, Auth::Bearer(token.into()));
        client.retry = RetryPolicy::load();
        client.concurrency = 1;
        let mut goose = GooseConfiguration::default();
        goose.users = Some(3);
        goose.quiet = 1;
        goose.no_print_metrics = true;
        LoadPlan {
            kind: RunKind::Import,
            profile: Profile::by_name("okta").expect("shipped"),
            users,
            groups: 0,
            seed: 5,
            shard: Shard::default(),
            client,
            reset_url: None,
            exempt: vec![],
            goose,
            churn_rate: 1.0,
            import_rounds: rounds,
            lookups: true,
            lookups_file: None,
            member_wait: std::time::Duration::ZERO,
            measure_listing: false,
        }
    }

    /// The lookup phase alone against `target`: the summary, the failures
    /// and each userName's lookups as the target received them.
    async fn lookups_against(
        broken: bool,
        users: usize,
        rounds: usize,
    ) -> (Summary, Vec<String>, BTreeMap<String, usize>, Vec<String>) {
        let server = MockServer::start().await;
        Mock::given(matchers::method("GET"))
            .and(matchers::path("/scim/v2/Users"))
            .and(matchers::header("authorization", "Bearer t"))
            .and(matchers::header("accept", "application/scim+json"))
            .respond_with(Echo { broken })
            .mount(&server)
            .await;
        let plan = plan(&format!("{}/scim/v2", server.uri()), "t", users, rounds);
        let shared = shared_for(&plan, directory(&plan));
        let active: Vec<String> = shared
            .dir
            .lock()
            .unwrap()
            .users()
            .filter(|u| u.active)
            .map(|u| u.user_name.clone())
            .collect();
        let mut summary = Summary::default();
        lookups(&plan, &shared, &mut summary).await.unwrap();
        let mut asked: BTreeMap<String, usize> = BTreeMap::new();
        for r in server.received_requests().await.unwrap() {
            let filter = r
                .url
                .query_pairs()
                .find(|(k, _)| k == "filter")
                .map(|(_, v)| v.into_owned())
                .expect("every request is a filter lookup");
            *asked.entry(filter).or_default() += 1;
        }
        let failures = shared.failures.lock().unwrap().clone();
        (summary, failures, asked, active)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_lookup_per_user_per_round_and_a_wrong_answer_fails() {
        let (users, rounds) = (40, 3);
        let (summary, failures, asked, active) = lookups_against(false, users, rounds).await;
        assert!(active.len() > 10, "{} active users", active.len());
        let expected: BTreeMap<String, usize> = active
            .iter()
            .map(|n| (format!("userName eq \"{n}\""), rounds))
            .collect();
        assert_eq!(asked, expected, "one lookup per active user per round");
        let events = &summary.events["okta lookup"];
        assert_eq!(
            (events.ok, events.failed),
            ((active.len() * rounds) as u64, 0)
        );
        assert!(failures.is_empty(), "{failures:?}");

        // A target that finds nobody: every lookup is still sent once per
        // round, and every one is a failed event.
        let (summary, failures, asked, active) = lookups_against(true, users, rounds).await;
        assert_eq!(asked.values().sum::<usize>(), active.len() * rounds);
        assert!(asked.values().all(|&n| n == rounds), "{asked:?}");
        let events = &summary.events["okta lookup"];
        assert_eq!(
            (events.ok, events.failed),
            (0, (active.len() * rounds) as u64)
        );
        assert!(
            failures[0].contains("expected exactly one user, got totalResults 0"),
            "{failures:?}"
        );
    }

    #[test]
    fn only_exactly_the_user_asked_for_passes() {
        let one = br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults":1,"Resources":[{"id":"1","userName":"Ann@Example.com","name":{"givenName":"Ann"}}]}"#;
        assert_eq!(check(one, "ann@example.com"), Ok(()));
        let escaped = br#"{"totalResults":1,"Resources":[{"userName":"a\"b@example.com"}]}"#;
        assert_eq!(check(escaped, "a\"b@example.com"), Ok(()));
        for (body, user) in [
            (
                &br#"{"totalResults":0,"Resources":[]}"#[..],
                "ann@example.com",
            ),
            (br#"{"totalResults":0}"#, "ann@example.com"),
            (
                br#"{"totalResults":2,"Resources":[{"userName":"a"},{"userName":"a"}]}"#,
                "a",
            ),
            (
                br#"{"totalResults":1,"Resources":[{"userName":"bob"}]}"#,
                "ann",
            ),
            (br#"{"totalResults":1,"Resources":[{"id":"1"}]}"#, "ann"),
            (b"<html>", "ann"),
            (
                b"{\"totalResults\":1,\"Resources\":[{\"userName\":\"ann\xff\"}]}",
                "ann",
            ),
        ] {
            assert!(
                check(body, user).is_err(),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
