//! What the SP remembers between requests: assertion IDs it consumed,
//! AuthnRequests already answered, and signed-in sessions. Every map is
//! bounded; when one is full of live entries the SP refuses new work
//! rather than forget something it must remember.
//!
//! An AuthnRequest in flight costs the SP nothing: its ID is a token the SP
//! signed (HMAC-SHA-256 under a key drawn at start-up that never leaves
//! the process) over its expiry, a nonce and the browser's binding cookie.
//! Anyone may start as many logins as they like without taking a slot a
//! real user needs; only an answer that passed every check of a signed
//! response writes anything (the request ID, so it answers once).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use aws_lc_rs::hmac;
use parking_lot::Mutex;
use subtle::ConstantTimeEq;

const MAX_REPLAY: usize = 100_000;
const MAX_SESSIONS: usize = 100_000;
/// Answered request IDs are written only for responses the IdP signed, so
/// this fills no faster than the replay cache beside it.
const MAX_ANSWERED: usize = 100_000;
/// How long an AuthnRequest may wait for its answer: time for a person to
/// type a password and pass MFA at the IdP.
const REQUEST_LIFETIME: Duration = Duration::from_secs(600);
/// Bytes of nonce and of (truncated) tag in a request ID: 128 bits each,
/// the length SAML Core §1.3.4 asks of an identifier's randomness and the
/// usual HMAC-SHA-256-128 truncation.
const NONCE_BYTES: usize = 16;
const TAG_BYTES: usize = 16;
/// `_`, then hex of expiry (8 bytes), nonce and tag. The leading
/// underscore makes it an xsd:ID, which may not start with a digit.
const REQUEST_ID_LEN: usize = 1 + 2 * (8 + NONCE_BYTES + TAG_BYTES);
/// Domain separation for the MAC: this key signs nothing else, but a
/// label keeps it that way if it ever does.
const LABEL: &[u8] = b"idpsim-sp authn-request v1\0";

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
    /// Request ID -> when it would have expired anyway.
    answered: HashMap<String, Instant>,
    /// Assertion ID -> when it can no longer be replayed anyway.
    consumed: HashMap<String, Instant>,
    sessions: HashMap<String, Session>,
}

/// Deliberately not `Debug`: it holds the request-signing key.
pub struct SessionStore {
    maps: Mutex<Maps>,
    key: hmac::Key,
    /// Request expiries count seconds from here (monotonic, and the key
    /// dies with the process, so no request outlives it).
    epoch: Instant,
}

impl Default for SessionStore {
    fn default() -> Self {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        SessionStore {
            maps: Mutex::default(),
            key: hmac::Key::generate(hmac::HMAC_SHA256, &rng)
                .expect("the system random source works"),
            epoch: Instant::now(),
        }
    }
}

fn purge<V>(m: &mut HashMap<String, V>, expiry: impl Fn(&V) -> Instant, now: Instant) {
    m.retain(|_, v| expiry(v) > now);
}

fn hex(bytes: &[u8], out: &mut String) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| char::from(c).to_digit(16).map(|d| d as u8);
    s.as_bytes()
        .chunks(2)
        .map(|p| match p {
            [h, l] => Some(digit(*h)? << 4 | digit(*l)?),
            _ => None,
        })
        .collect()
}

impl SessionStore {
    fn tag(&self, expiry: &[u8; 8], nonce: &[u8], browser: &str) -> [u8; TAG_BYTES] {
        let mut ctx = hmac::Context::with_key(&self.key);
        ctx.update(LABEL);
        ctx.update(expiry);
        ctx.update(nonce);
        ctx.update(browser.as_bytes());
        let full = ctx.sign();
        let mut tag = [0; TAG_BYTES];
        tag.copy_from_slice(&full.as_ref()[..TAG_BYTES]);
        tag
    }

    /// A new AuthnRequest ID for this browser: valid for
    /// [`REQUEST_LIFETIME`], answerable once, by this browser only. Keeps
    /// no state, so it cannot fail and a flood of logins costs no memory.
    pub fn issue_request(&self, browser: &str) -> String {
        let expiry = (self.epoch.elapsed() + REQUEST_LIFETIME)
            .as_secs()
            .to_be_bytes();
        let mut nonce = [0; NONCE_BYTES];
        aws_lc_rs::rand::fill(&mut nonce).expect("the system random source works");
        let tag = self.tag(&expiry, &nonce, browser);
        let mut id = String::with_capacity(REQUEST_ID_LEN);
        id.push('_');
        hex(&expiry, &mut id);
        hex(&nonce, &mut id);
        hex(&tag, &mut id);
        id
    }

    /// Takes the request out (each answers once); `Some(true)` if this
    /// browser was issued it, it is live and was not answered before;
    /// `Some(false)` if it was answered before (or the answered-request
    /// table is full of live entries); `None` if the SP never issued it to
    /// this browser, or it expired. A foreign browser cannot burn someone
    /// else's request: its tag does not verify, so nothing is written.
    pub fn take_request(&self, request_id: &str, browser: Option<&str>) -> Option<bool> {
        self.take_request_at(request_id, browser, Instant::now())
    }

    fn take_request_at(
        &self,
        request_id: &str,
        browser: Option<&str>,
        now: Instant,
    ) -> Option<bool> {
        let browser = browser?;
        let raw = request_id
            .strip_prefix('_')
            .filter(|_| request_id.len() == REQUEST_ID_LEN)
            .and_then(unhex)?;
        let (expiry, rest) = raw.split_at(8);
        let (nonce, tag) = rest.split_at(NONCE_BYTES);
        let expiry: [u8; 8] = expiry.try_into().ok()?;
        let want = self.tag(&expiry, nonce, browser);
        if !bool::from(want.ct_eq(tag)) {
            return None;
        }
        let expires = self.epoch + Duration::from_secs(u64::from_be_bytes(expiry));
        if expires <= now {
            return None;
        }
        let mut m = self.maps.lock();
        if m.answered.get(request_id).is_some_and(|t| *t > now) {
            return Some(false);
        }
        if m.answered.len() >= MAX_ANSWERED {
            purge(&mut m.answered, |t| *t, now);
            if m.answered.len() >= MAX_ANSWERED {
                return Some(false);
            }
        }
        m.answered.insert(request_id.to_owned(), expires);
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
        let r1 = s.issue_request("b1");
        assert_eq!(r1.len(), REQUEST_ID_LEN);
        assert_eq!(s.take_request(&r1, Some("b2")), None);
        assert_eq!(s.take_request(&r1, None), None);
        assert_eq!(s.take_request(&r1, Some("b1")), Some(true));
        assert_eq!(s.take_request(&r1, Some("b1")), Some(false));
        assert_eq!(s.take_request("nope", Some("b1")), None);
    }

    #[test]
    fn issuing_requests_keeps_no_state() {
        let s = SessionStore::default();
        // More than the 10,000 outstanding-request slots the SP once had.
        let ids: Vec<String> = (0..20_000).map(|_| s.issue_request("flood")).collect();
        assert_eq!(s.maps.lock().answered.len(), 0);
        let mine = s.issue_request("user");
        assert_eq!(s.take_request(&mine, Some("user")), Some(true));
        assert_eq!(s.take_request(&ids[0], Some("flood")), Some(true));
        assert_eq!(s.maps.lock().answered.len(), 2);
    }

    #[test]
    fn forged_tampered_foreign_key_and_expired_requests_are_refused() {
        let s = SessionStore::default();
        let id = s.issue_request("b");
        // Any one hex digit changed: expiry, nonce or tag.
        for at in [1, 17, 49, REQUEST_ID_LEN - 1] {
            let mut bad = id.clone().into_bytes();
            bad[at] = if bad[at] == b'0' { b'1' } else { b'0' };
            let bad = String::from_utf8(bad).unwrap();
            assert_eq!(s.take_request(&bad, Some("b")), None, "digit {at}");
        }
        assert_eq!(s.take_request(&id[..id.len() - 2], Some("b")), None);
        assert_eq!(s.take_request(&format!("{id}00"), Some("b")), None);
        assert_eq!(s.take_request(&id.replacen('_', "x", 1), Some("b")), None);
        // Another SP process (another key) did not issue it.
        assert_eq!(SessionStore::default().take_request(&id, Some("b")), None);
        let late = Instant::now() + REQUEST_LIFETIME + Duration::from_secs(2);
        assert_eq!(s.take_request_at(&id, Some("b"), late), None);
        assert_eq!(s.take_request(&id, Some("b")), Some(true));
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
