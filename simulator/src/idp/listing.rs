//! Listing: pages the way an import asks for them, and idpsim's own
//! concurrent read of a whole endpoint.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::{Semaphore, oneshot};
use tokio::task::JoinSet;

use super::{EventError, Wire};
use crate::client::{Method, Response};
use crate::profile::ImportAdvance;

/// What an import brought in, and where the IdP's paging left holes.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    pub resources: Vec<Value>,
    /// `totalResults` of the last page.
    pub total: usize,
    /// 1-based index ranges (inclusive) the import never asked for: a page
    /// came back shorter than asked and the next `startIndex` jumped past
    /// the rest (Okta, IDP-ENGINES O27).
    pub skipped: Vec<(usize, usize)>,
}

impl Wire {
    /// One page of an endpoint's listing, `count` from `start`, as an
    /// import asks for it; an error status is an error.
    pub async fn list_page(
        &self,
        endpoint: &str,
        start: usize,
        count: usize,
    ) -> Result<Response, EventError> {
        let path = format!("/{endpoint}?startIndex={start}&count={count}");
        self.call_lazy(self.request(Method::GET, path, None), || {
            format!("list {endpoint} from {start}")
        })
        .await
    }

    /// A group found the way an IdP that lists all groups finds it
    /// (PingFederate, IDP-WIRE.md §6): `GET /Groups` with no parameters,
    /// then, while the target holds more than it sent, the following pages
    /// in the size it granted, matched by `displayName` (case-insensitive,
    /// as RFC 7643 makes `displayName`) on the IdP's side.
    pub async fn find_group_in_listing(&self, name: &str) -> Result<Option<Value>, EventError> {
        let mut path = "/Groups".to_owned();
        let mut start = 1usize;
        loop {
            let r = self
                .call_lazy(self.request(Method::GET, path, None), || {
                    format!("list Groups from {start} to find {name:?}")
                })
                .await?;
            let (total, items) = read_page("Groups", start, &r)?;
            let n = items.len();
            if let Some(g) = items.into_iter().find(|g| {
                g.get("displayName")
                    .and_then(Value::as_str)
                    .is_some_and(|d| d.eq_ignore_ascii_case(name))
            }) {
                return Ok(Some(g));
            }
            start += n;
            if n == 0 || start > total {
                return Ok(None);
            }
            too_many("Groups", start)?;
            path = format!("/Groups?startIndex={start}&count={n}");
        }
    }

    /// Lists every resource of an endpoint in pages of `page`, the way an
    /// import does, until `startIndex` passes `totalResults`.
    pub async fn list_all(&self, endpoint: &str, page: usize) -> Result<Vec<Value>, EventError> {
        let mut out = Vec::new();
        let mut start = 1usize;
        loop {
            let r = self.list_page(endpoint, start, page).await?;
            let (total, items) = read_page(endpoint, start, &r)?;
            let n = items.len();
            out.extend(items);
            start += n;
            if n == 0 || start > total {
                break;
            }
            too_many(endpoint, out.len())?;
        }
        Ok(out)
    }

    /// An import of an endpoint in pages of `page`, stepping `startIndex`
    /// as the profile does (IDP-ENGINES O27).
    pub async fn import(&self, endpoint: &str, page: usize) -> Result<Imported, EventError> {
        if self.profile.import_advance == ImportAdvance::ByItemsReceived {
            let resources = self.list_all(endpoint, page).await?;
            return Ok(Imported {
                total: resources.len(),
                resources,
                skipped: Vec::new(),
            });
        }
        let page = page.max(1);
        let mut out = Imported::default();
        let mut start = 1usize;
        loop {
            let r = self.list_page(endpoint, start, page).await?;
            let (total, items) = read_page(endpoint, start, &r)?;
            let n = items.len();
            let end = (start + page - 1).min(total);
            if start + n <= end {
                out.skipped.push((start + n, end));
            }
            out.resources.extend(items);
            out.total = total;
            // "the startIndex becomes startIndex+100", whatever the page held.
            start += page;
            if start > total {
                break;
            }
            too_many(endpoint, start)?;
        }
        Ok(out)
    }

    /// Every resource of an endpoint, with up to `in_flight` pages asked for
    /// at once. For idpsim's own reads (the reconcile), which no IdP makes:
    /// one page at a time, the client parsing while the target waited and
    /// the other way round, a 100k-user reconcile took longer than the
    /// users phase it checked. The first page gives the total and the page
    /// size the target grants; a target whose pages then do not add up (the
    /// total changes, a page comes back short) is read again one page at a
    /// time.
    pub async fn list_all_at_once(
        &self,
        endpoint: &str,
        page: usize,
        in_flight: usize,
    ) -> Result<Vec<Value>, EventError> {
        let first = self.list_page(endpoint, 1, page).await?;
        let (total, mut out) = read_page(endpoint, 1, &first)?;
        let step = out.len();
        if step == 0 || step >= total {
            return Ok(out);
        }
        too_many(endpoint, total)?;
        // Page i (from 0) starts after the first page and i pages more. Only
        // what arrives is held, so a target claiming millions costs nothing
        // before it sends them.
        let count = (total - step).div_ceil(step);
        let start_of = move |i: usize| 1 + step * (i + 1);
        let mut pages: Vec<(usize, Vec<Value>)> = Vec::new();
        let mut set = JoinSet::new();
        let mut next = 0;
        loop {
            while set.len() < in_flight.max(1) && next < count {
                let (wire, endpoint, i) = (self.clone(), endpoint.to_owned(), next);
                set.spawn(async move {
                    let start = start_of(i);
                    let r = wire.list_page(&endpoint, start, step).await?;
                    read_page(&endpoint, start, &r).map(|p| (i, p))
                });
                next += 1;
            }
            let Some(done) = set.join_next().await else {
                break;
            };
            let (i, (t, items)) = done.map_err(|e| {
                EventError::Protocol(format!("list {endpoint}: a page's task failed: {e}"))
            })??;
            if t != total || items.len() != step.min(total + 1 - start_of(i)) {
                // The pages still in flight are not waited for.
                drop(set);
                return self.list_all(endpoint, page).await;
            }
            pages.push((i, items));
        }
        pages.sort_unstable_by_key(|(i, _)| *i);
        out.extend(pages.into_iter().flat_map(|(_, items)| items));
        Ok(out)
    }
}

/// What reads a listing page by page, in the listing's order, each page
/// read where its body is (fetched in a task of its own, read and taken
/// in the task that asks for the pages).
pub trait PageSink {
    /// Reads and takes one page: its `totalResults` and how many resources
    /// it held.
    fn page(
        &mut self,
        endpoint: &str,
        start: usize,
        body: &[u8],
    ) -> Result<(usize, usize), EventError>;

    /// Forgets the endpoint's pages taken so far: it is read again from the
    /// start.
    fn restart(&mut self, endpoint: &str);
}

/// A page fetched: its place among the pages after the first, and the
/// answer (an error too waits its turn).
type Fetched = (usize, Result<Response, EventError>);

impl Wire {
    /// Every page of an endpoint handed to `sink` in the listing's order,
    /// with `in_flight` requests out at all times: each page is fetched in
    /// a task of its own, which gives its request slot to the next page as
    /// soon as its answer is in. The pages are read where they are taken,
    /// their strings compared where the body holds them: reading them in
    /// the fetching tasks meant copying every compared string out of the
    /// body to send it across, which cost more CPU than the reading itself
    /// saved by running beside the requests. At most twice `in_flight`
    /// pages are held at once (asked for, answered, or being read), so a
    /// slow page lets the others go on without the pages behind it piling
    /// up. A target whose pages do not add up is read again one page at a
    /// time, the sink told to start over.
    pub async fn each_page<S: PageSink>(
        &self,
        endpoint: &str,
        page: usize,
        in_flight: usize,
        sink: &mut S,
    ) -> Result<(), EventError> {
        let first = self.list_page(endpoint, 1, page).await?;
        let (total, step) = sink.page(endpoint, 1, &first.body)?;
        drop(first);
        if step == 0 || step >= total {
            return Ok(());
        }
        too_many(endpoint, total)?;
        let count = (total - step).div_ceil(step);
        let start_of = move |i: usize| 1 + step * (i + 1);
        let in_flight = in_flight.max(1);
        let held_at_most = 2 * in_flight;
        let slots = Arc::new(Semaphore::new(in_flight));
        let mut set = JoinSet::new();
        // Pages answered before one asked for earlier.
        let mut early: BTreeMap<usize, Result<Response, EventError>> = BTreeMap::new();
        let (mut next, mut due) = (0, 0);
        // Told when the page asked for last has its slot.
        let mut turn: Option<oneshot::Receiver<()>> = None;
        while due < count {
            let ready = early.remove(&due);
            // The pages after are asked for before this one is read, so
            // that they are on their way while it is.
            let held = set.len() + early.len() + usize::from(ready.is_some());
            for _ in held..held_at_most {
                if next == count {
                    break;
                }
                let (mine, after) = oneshot::channel();
                set.spawn(fetch(
                    Fetch {
                        wire: self.clone(),
                        endpoint: endpoint.to_owned(),
                        slots: slots.clone(),
                        turn: (turn.replace(after), mine),
                        start: start_of(next),
                        step,
                    },
                    next,
                ));
                next += 1;
            }
            let Some(answer) = ready else {
                // The page due is asked for and not yet in: the set holds it.
                let done = set.join_next().await.ok_or_else(|| {
                    EventError::Protocol(format!("list {endpoint}: page {due} was never asked for"))
                })?;
                let (i, answer) = done.map_err(|e| {
                    EventError::Protocol(format!("list {endpoint}: a page's task failed: {e}"))
                })?;
                early.insert(i, answer);
                continue;
            };
            let start = start_of(due);
            let (t, n) = sink.page(endpoint, start, &answer?.body)?;
            if t != total || n != step.min(total + 1 - start) {
                // The pages still in flight are not waited for.
                drop(set);
                sink.restart(endpoint);
                return self.each_page_in_turn(endpoint, page, sink).await;
            }
            due += 1;
        }
        Ok(())
    }

    /// [`Wire::each_page`] one page at a time, until `startIndex` passes
    /// `totalResults`.
    async fn each_page_in_turn<S: PageSink>(
        &self,
        endpoint: &str,
        page: usize,
        sink: &mut S,
    ) -> Result<(), EventError> {
        let mut start = 1usize;
        loop {
            let r = self.list_page(endpoint, start, page).await?;
            let (total, n) = sink.page(endpoint, start, &r.body)?;
            start += n;
            if n == 0 || start > total {
                return Ok(());
            }
            too_many(endpoint, start)?;
        }
    }
}

/// What a page's task needs to fetch it.
struct Fetch {
    wire: Wire,
    endpoint: String,
    slots: Arc<Semaphore>,
    /// Told when the page before has its slot; tells the page after.
    turn: (Option<oneshot::Receiver<()>>, oneshot::Sender<()>),
    start: usize,
    step: usize,
}

/// Page `i` (after the first) fetched once a request slot is free, the
/// slot given back as soon as the answer is in. The slots go out in page
/// order (each page waits for the one before to have its slot), so that
/// pages come back about in the order they are taken and the read-ahead is
/// not spent on pages far ahead.
async fn fetch(f: Fetch, i: usize) -> Fetched {
    let (before, after) = f.turn;
    if let Some(before) = before {
        // An error: the page before is gone, and so is its turn.
        let _ = before.await;
    }
    let _slot = f.slots.acquire().await.expect("never closed");
    let _ = after.send(());
    (i, f.wire.list_page(&f.endpoint, f.start, f.step).await)
}

/// A list page's `totalResults` and its resources.
pub(crate) fn read_page(
    endpoint: &str,
    start: usize,
    r: &Response,
) -> Result<(usize, Vec<Value>), EventError> {
    let what = || format!("list {endpoint} from {start}");
    let mut body = r
        .json()
        .ok_or_else(|| EventError::Protocol(format!("{}: the answer is not JSON", what())))?;
    let total = body
        .get("totalResults")
        .and_then(Value::as_u64)
        .ok_or_else(|| EventError::Protocol(format!("{}: no integer totalResults", what())))?
        as usize;
    // Taken, not cloned: the reconcile of a 100k directory reads every page.
    let items = match body.get_mut("Resources").map(Value::take) {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    };
    Ok((total, items))
}

/// A bound on what one listing holds in memory.
fn too_many(endpoint: &str, n: usize) -> Result<(), EventError> {
    if n > 10_000_000 {
        return Err(EventError::Protocol(format!(
            "list {endpoint}: more than 10 million resources; stopping"
        )));
    }
    Ok(())
}
