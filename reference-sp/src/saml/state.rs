//! What the SP remembers between requests: AuthnRequests it sent (per
//! browser), assertion IDs it consumed, and signed-in sessions. Every map
//! is bounded; when one is full of live entries the SP refuses new work
//! rather than forget something it must remember.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

const MAX_OUTSTANDING: usize = 10_000;
const MAX_REPLAY: usize = 100_000;
const MAX_SESSIONS: usize = 100_000;
/// How long an AuthnRequest may wait for its answer.
const REQUEST_LIFETIME: Duration = Duration::from_secs(600);

/// A signed-in browser.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: String,
    pub user_name: String,
    pub name_id: String,
    pub expires: Instant,
}

#[derive(Default)]
struct Maps {
    /// Request ID → (browser ID, expiry).
    outstanding: HashMap<String, (String, Instant)>,
    /// Assertion ID → when it can no longer be replayed anyway.
    consumed: HashMap<String, Instant>,
    sessions: HashMap<String, Session>,
}

#[derive(Default)]
pub struct SessionStore {
    maps: Mutex<Maps>,
}

fn purge<V>(m: &mut HashMap<String, V>, expiry: impl Fn(&V) -> Instant, now: Instant) {
    m.retain(|_, v| expiry(v) > now);
}

impl SessionStore {
    /// Remembers an AuthnRequest sent for this browser. `false` when too
    /// many are outstanding.
    pub fn remember_request(&self, request_id: &str, browser: &str) -> bool {
        let now = Instant::now();
        let mut m = self.maps.lock();
        if m.outstanding.len() >= MAX_OUTSTANDING {
            purge(&mut m.outstanding, |v| v.1, now);
            if m.outstanding.len() >= MAX_OUTSTANDING {
                return false;
            }
        }
        m.outstanding.insert(
            request_id.to_owned(),
            (browser.to_owned(), now + REQUEST_LIFETIME),
        );
        true
    }

    /// Takes the request out (each answers once); `Some(true)` if this
    /// browser sent it, `Some(false)` if another did, `None` if unknown.
    pub fn take_request(&self, request_id: &str, browser: Option<&str>) -> Option<bool> {
        let now = Instant::now();
        let mut m = self.maps.lock();
        let (owner, expires) = m.outstanding.get(request_id)?.clone();
        if expires <= now {
            m.outstanding.remove(request_id);
            return None;
        }
        if browser != Some(owner.as_str()) {
            // Left in place: a foreign browser must not be able to burn
            // someone else's request.
            return Some(false);
        }
        m.outstanding.remove(request_id);
        Some(true)
    }

    /// Records an assertion ID as consumed until `until`. `Err(true)` if it
    /// was seen before (a replay), `Err(false)` if the cache is full.
    pub fn consume_assertion(&self, id: &str, until: Instant) -> Result<(), bool> {
        let now = Instant::now();
        let mut m = self.maps.lock();
        if m.consumed.get(id).is_some_and(|t| *t > now) {
            return Err(true);
        }
        if m.consumed.len() >= MAX_REPLAY {
            purge(&mut m.consumed, |t| *t, now);
            if m.consumed.len() >= MAX_REPLAY {
                return Err(false);
            }
        }
        m.consumed.insert(id.to_owned(), until);
        Ok(())
    }

    /// Opens a session; `None` when the table is full of live sessions.
    pub fn open(&self, token: &str, s: Session) -> Option<()> {
        let now = Instant::now();
        let mut m = self.maps.lock();
        if m.sessions.len() >= MAX_SESSIONS {
            purge(&mut m.sessions, |s| s.expires, now);
            if m.sessions.len() >= MAX_SESSIONS {
                return None;
            }
        }
        m.sessions.insert(token.to_owned(), s);
        Some(())
    }

    /// The live session for a token; an expired one is removed.
    pub fn get(&self, token: &str) -> Option<Session> {
        let mut m = self.maps.lock();
        let s = m.sessions.get(token)?.clone();
        if s.expires <= Instant::now() {
            m.sessions.remove(token);
            return None;
        }
        Some(s)
    }

    pub fn close(&self, token: &str) {
        self.maps.lock().sessions.remove(token);
    }

    /// Ends every session of a user (deactivated or deleted over SCIM).
    pub fn end_user(&self, user_id: &str) -> usize {
        let mut m = self.maps.lock();
        let before = m.sessions.len();
        m.sessions.retain(|_, s| s.user_id != user_id);
        before - m.sessions.len()
    }

    /// Ends every session (the tenant was reset).
    pub fn end_all(&self) {
        self.maps.lock().sessions.clear();
    }

    pub fn live_sessions(&self) -> usize {
        self.maps.lock().sessions.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_answer_once_and_only_for_their_browser() {
        let s = SessionStore::default();
        assert!(s.remember_request("r1", "b1"));
        assert_eq!(s.take_request("r1", Some("b2")), Some(false));
        assert_eq!(s.take_request("r1", None), Some(false));
        assert_eq!(s.take_request("r1", Some("b1")), Some(true));
        assert_eq!(s.take_request("r1", Some("b1")), None);
        assert_eq!(s.take_request("nope", Some("b1")), None);
    }

    #[test]
    fn replays_are_caught() {
        let s = SessionStore::default();
        let until = Instant::now() + Duration::from_secs(60);
        assert_eq!(s.consume_assertion("a", until), Ok(()));
        assert_eq!(s.consume_assertion("a", until), Err(true));
        assert_eq!(s.consume_assertion("b", until), Ok(()));
    }
}
