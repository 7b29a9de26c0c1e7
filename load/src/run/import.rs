//! `import`: the target read page by page, as an IdP import reads it.

use std::sync::Arc;

use idpsim_simulator::client::ScimClient;
use idpsim_simulator::idp::Wire;

use super::attack::{Did, Shared, Work, each_item};
use super::{LoadError, LoadPlan};
use crate::summary::Summary;

/// The import phase: every page of users and groups, in the profile's page
/// size, each page one event.
pub(super) async fn import(
    plan: &LoadPlan,
    shared: &Arc<Shared>,
    summary: &mut Summary,
) -> Result<(), LoadError> {
    let client =
        ScimClient::new(plan.client.clone()).map_err(|e| LoadError::Setup(e.to_string()))?;
    let wire = Wire {
        profile: plan.profile,
        client,
    };
    let page = plan.profile.import_page.unwrap_or(100);
    let mut pages: Vec<(&'static str, usize)> = Vec::new();
    for endpoint in ["Users", "Groups"] {
        let r = wire
            .list_page(endpoint, 1, 1)
            .await
            .map_err(|e| LoadError::Setup(format!("cannot count {endpoint}: {e}")))?;
        let total = r
            .json()
            .and_then(|v| v["totalResults"].as_u64())
            .unwrap_or(0) as usize;
        pages.extend((0..total.div_ceil(page)).map(|p| (endpoint, 1 + p * page)));
    }
    let one_pass = pages.len();
    let pages: Vec<_> = pages
        .into_iter()
        .cycle()
        .take(one_pass * plan.import_rounds.max(1))
        .collect();
    let pages = Arc::new(pages);
    let sh = shared.clone();
    let list = pages.clone();
    let work: Work = Arc::new(move |wire: Wire, i: usize| {
        let sh = sh.clone();
        let (endpoint, start) = list[i];
        Box::pin(async move {
            let r = wire.list_page(endpoint, start, page).await?;
            let n = resources_in(&r.body);
            sh.count(
                if endpoint == "Users" {
                    "users listed"
                } else {
                    "groups listed"
                },
                n as u64,
            );
            Ok(Did::Sent)
        })
    });
    each_item(
        plan,
        shared,
        "import",
        "import page",
        pages.len(),
        work,
        summary,
    )
    .await
}

/// How many resources a page holds: the elements of its top-level
/// `Resources` array, counted by skipping over the bytes between them. An
/// import counts what it read; parsing each page (even into nothing) made
/// the load side spend more per page than wrk spends per request in all.
/// Not a validator: anything but an object counts none.
fn resources_in(body: &[u8]) -> usize {
    let mut scan = Scan { body, at: 0 };
    if scan.next_token() != Some(b'{') {
        return 0;
    }
    // Top-level members: `"key": value`, until `Resources`.
    loop {
        match scan.next_token() {
            Some(b'"') => {}
            _ => return 0,
        }
        let key_start = scan.at;
        if !scan.skip_string() {
            return 0;
        }
        let key = &body[key_start..scan.at - 1];
        if scan.next_token() != Some(b':') {
            return 0;
        }
        if key == b"Resources" {
            return scan.count_elements();
        }
        if !scan.skip_value() {
            return 0;
        }
        match scan.next_token() {
            Some(b',') => {}
            _ => return 0,
        }
    }
}

struct Scan<'b> {
    body: &'b [u8],
    at: usize,
}

impl Scan<'_> {
    /// The next byte that is not whitespace, consumed.
    fn next_token(&mut self) -> Option<u8> {
        while let Some(&b) = self.body.get(self.at) {
            self.at += 1;
            if !b.is_ascii_whitespace() {
                return Some(b);
            }
        }
        None
    }

    /// Past the closing quote of a string whose opening quote is consumed.
    fn skip_string(&mut self) -> bool {
        loop {
            let Some(i) = memchr::memchr2(b'"', b'\\', &self.body[self.at..]) else {
                return false;
            };
            self.at += i + 1;
            if self.body[self.at - 1] == b'"' {
                return true;
            }
            // An escape: the next byte is taken whatever it is.
            self.at += 1;
        }
    }

    /// Past one value (its first byte not yet consumed): strings skipped
    /// whole, containers by depth.
    fn skip_value(&mut self) -> bool {
        let mut depth = 0usize;
        loop {
            let Some(b) = self.next_token() else {
                return false;
            };
            match b {
                b'"' => {
                    if !self.skip_string() {
                        return false;
                    }
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => match depth.checked_sub(1) {
                    Some(d) => depth = d,
                    None => return false,
                },
                // Between members and elements, never a value's start.
                b',' | b':' if depth > 0 => {}
                b',' | b':' => return false,
                _ => {
                    // A number or literal: up to the next structural byte.
                    while let Some(&c) = self.body.get(self.at) {
                        if matches!(c, b',' | b':' | b'"' | b'{' | b'}' | b'[' | b']')
                            || c.is_ascii_whitespace()
                        {
                            break;
                        }
                        self.at += 1;
                    }
                }
            }
            if depth == 0 {
                return true;
            }
        }
    }

    /// The elements of an array whose `[` is next, or none if it is not an
    /// array.
    fn count_elements(&mut self) -> usize {
        if self.next_token() != Some(b'[') {
            return 0;
        }
        let mut n = 0;
        loop {
            let before = self.at;
            if self.next_token() == Some(b']') && n == 0 {
                return 0;
            }
            self.at = before;
            if !self.skip_value() {
                return 0;
            }
            n += 1;
            match self.next_token() {
                Some(b',') => {}
                Some(b']') => return n,
                _ => return 0,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn resources_are_counted_and_garbage_is_none() {
        let page = br#"{"totalResults":9,"Resources":[{"id":"a","x":[1,{"y":2}]},{"id":"b"}]}"#;
        assert_eq!(super::resources_in(page), 2);
        assert_eq!(super::resources_in(br#"{"totalResults":0}"#), 0);
        assert_eq!(super::resources_in(b"<html>"), 0);
        assert_eq!(super::resources_in(br#"{"Resources":[]}"#), 0);
        // Strings that hold what delimits values, and a key named like the
        // array inside a resource.
        let tricky = br#"{ "a": "x\"]}," , "n": -1.5e3, "o": {"Resources": [1,2,3]},
            "Resources" : [ {"v": "\\", "w": [{"Resources": []}]} , "s,]}" , 7 , null ] }"#;
        assert_eq!(super::resources_in(tricky), 4);
        assert_eq!(super::resources_in(br#"{"Resources":[{"a":"#), 0);
    }
}
