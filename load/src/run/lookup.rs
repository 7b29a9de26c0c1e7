//! `import --lookups`: every directory user looked up by userName, the
//! query Okta sends before each create (IDP-WIRE §1), each lookup one event
//! whose answer is checked.

use std::borrow::Cow;
use std::sync::Arc;

use idpsim_simulator::client::Method;
use idpsim_simulator::idp::{EventError, Wire};
use serde::Deserialize;

use super::attack::{Did, Shared, Work, each_item};
use super::{LoadError, LoadPlan};
use crate::summary::Summary;

/// The lookup phase: one `GET /Users?filter=userName eq "…"` per active
/// user of this shard, `--import-rounds` times over.
pub(super) async fn lookups(
    plan: &LoadPlan,
    shared: &Arc<Shared>,
    summary: &mut Summary,
) -> Result<(), LoadError> {
    let targets = Arc::new(targets(plan, shared));
    if let Some(file) = &plan.lookups_file {
        write_paths(plan, &targets, file)?;
    }
    let items = targets.len() * plan.import_rounds.max(1);
    let sh = shared.clone();
    let list = targets.clone();
    let work: Work = Arc::new(move |wire: Wire, i: usize| {
        let sh = sh.clone();
        let list = list.clone();
        Box::pin(async move {
            let (user_name, path) = &list[i % list.len()];
            look_up(&wire, user_name, path).await?;
            sh.count("users looked up", 1);
            Ok(Did::Sent)
        })
    });
    each_item(plan, shared, "lookups", "lookup", items, work, summary).await
}

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

/// One lookup, its answer checked: 200 and exactly one resource, with that
/// userName.
async fn look_up(wire: &Wire, user_name: &str, path: &str) -> Result<(), EventError> {
    let req = wire.request(Method::GET, path.to_owned(), None);
    let what = || format!("look up Users userName {user_name:?}");
    let r = wire
        .client
        .send(&req)
        .await
        .map_err(|source| EventError::Transport {
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
    resources: Vec<Named<'a>>,
}

#[derive(Deserialize)]
struct Named<'a> {
    #[serde(rename = "userName", default, borrow)]
    user_name: Option<Cow<'a, str>>,
}

/// Whether `body` is a ListResponse holding exactly the user `user_name`
/// (userName is not case-exact, RFC 7643 §4.1.1); why not, if not.
pub(super) fn check(body: &[u8], user_name: &str) -> Result<(), String> {
    let found: Found<'_> = serde_json::from_slice(body)
        .map_err(|e| format!("the answer is not a ListResponse ({e})"))?;
    if found.total != 1 || found.resources.len() != 1 {
        return Err(format!(
            "expected exactly one user, got totalResults {} and {} resources",
            found.total,
            found.resources.len()
        ));
    }
    match found.resources[0].user_name.as_deref() {
        Some(n) if n == user_name || n.to_lowercase() == user_name.to_lowercase() => Ok(()),
        Some(n) => Err(format!("the user found is {n:?}")),
        None => Err("the user found has no userName".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn only_exactly_the_user_asked_for_passes() {
        let one = br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults":1,"Resources":[{"id":"1","userName":"Ann@Example.com","name":{"givenName":"Ann"}}]}"#;
        assert_eq!(check(one, "ann@example.com"), Ok(()));
        let escaped = br#"{"totalResults":1,"Resources":[{"userName":"a\"b@example.com"}]}"#;
        assert_eq!(check(escaped, "a\"b@example.com"), Ok(()));
        for (body, user) in [
            (&br#"{"totalResults":0,"Resources":[]}"#[..], "ann@example.com"),
            (br#"{"totalResults":0}"#, "ann@example.com"),
            (
                br#"{"totalResults":2,"Resources":[{"userName":"a"},{"userName":"a"}]}"#,
                "a",
            ),
            (br#"{"totalResults":1,"Resources":[{"userName":"bob"}]}"#, "ann"),
            (br#"{"totalResults":1,"Resources":[{"id":"1"}]}"#, "ann"),
            (b"<html>", "ann"),
        ] {
            assert!(check(body, user).is_err(), "{}", String::from_utf8_lossy(body));
        }
    }
}
