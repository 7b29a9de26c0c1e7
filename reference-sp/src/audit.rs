//! The audit log: every identity event with its time, so a harness can
//! measure how long deprovisioning took from the IdP's side.

use std::collections::VecDeque;

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The most events kept. Past it the oldest are dropped and counted, so a
/// 100k-user load run cannot grow the log without bound.
pub const CAPACITY: usize = 200_000;
/// The most bytes the kept events may take (their texts plus each event's
/// fixed size). A count alone bounds nothing when one event can carry
/// anything a client sent; 64 MiB holds the full 200,000 events of a
/// 100k-user run (about 250 bytes each) with room to spare.
pub const MAX_BYTES: usize = 64 * 1024 * 1024;
/// The most bytes of a name or detail kept. Details quote what others
/// sent (a refused SAML response's `StatusMessage`, read before any
/// signature check; a NameID), so only an excerpt is stored.
pub const MAX_TEXT_BYTES: usize = 512;

/// One event.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    /// Position in the log, from 1; stable across drops, for paging.
    pub seq: u64,
    /// RFC 3339 with nanoseconds.
    pub at: String,
    /// What happened (`user.created`, `user.deactivated`, `group.member_added`, …).
    pub action: &'static str,
    /// Who caused it: `scim`, `admin` or `jit`.
    pub actor: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A bounded, append-only log.
#[derive(Debug, Default)]
pub struct Audit {
    events: VecDeque<Event>,
    /// What `events` takes, as [`Event::cost`] counts it.
    bytes: usize,
    next: u64,
    dropped: u64,
}

impl Event {
    /// The bytes this event holds: its own size plus its texts.
    fn cost(&self) -> usize {
        std::mem::size_of::<Event>()
            + self.at.len()
            + [&self.id, &self.name, &self.detail]
                .iter()
                .map(|t| t.as_ref().map_or(0, String::len))
                .sum::<usize>()
    }
}

/// At most [`MAX_TEXT_BYTES`] of `s` (cut on a character boundary), with
/// `…` and the full length when cut.
pub fn excerpt(s: &str) -> String {
    if s.len() <= MAX_TEXT_BYTES {
        return s.to_owned();
    }
    let mut end = MAX_TEXT_BYTES;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &s[..end], s.len())
}

/// One page of the log.
#[derive(Debug, Serialize)]
pub struct Page {
    pub events: Vec<Event>,
    /// Pass as `after` to read on.
    pub last_seq: u64,
    /// Events dropped because the log was full.
    pub dropped: u64,
}

impl Audit {
    pub fn record(
        &mut self,
        action: &'static str,
        actor: &'static str,
        id: Option<&str>,
        name: Option<&str>,
        detail: Option<String>,
    ) {
        self.next += 1;
        let event = Event {
            seq: self.next,
            at: now_rfc3339(),
            action,
            actor,
            id: id.map(excerpt),
            name: name.map(excerpt),
            detail: detail.as_deref().map(excerpt),
        };
        self.bytes += event.cost();
        self.events.push_back(event);
        while self.events.len() > CAPACITY || self.bytes > MAX_BYTES {
            let Some(old) = self.events.pop_front() else {
                break;
            };
            self.bytes -= old.cost();
            self.dropped += 1;
        }
    }

    /// Events with `seq > after`, at most `limit`.
    pub fn page(&self, after: u64, limit: usize) -> Page {
        let start = self.events.partition_point(|e| e.seq <= after);
        let events: Vec<Event> = self.events.range(start..).take(limit).cloned().collect();
        let last_seq = events.last().map(|e| e.seq).unwrap_or(after);
        Page {
            events,
            last_seq,
            dropped: self.dropped,
        }
    }
}

/// The current time as RFC 3339 UTC.
pub fn now_rfc3339() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .expect("UTC times always format")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attacker_sized_text_is_stored_as_a_bounded_excerpt() {
        let mut a = Audit::default();
        let huge = "é".repeat(300_000);
        a.record(
            "saml.refused",
            "saml",
            Some(&huge),
            Some(&huge),
            Some(huge.clone()),
        );
        let e = &a.page(0, 1).events[0];
        for t in [&e.id, &e.name, &e.detail] {
            let t = t.as_deref().unwrap();
            assert!(t.len() <= MAX_TEXT_BYTES + 32, "{} bytes kept", t.len());
            assert!(t.ends_with("… (600000 bytes)"), "{}", &t[t.len() - 40..]);
        }
        a.record("x", "saml", None, None, Some("short".into()));
        assert_eq!(a.page(1, 1).events[0].detail.as_deref(), Some("short"));
    }

    #[test]
    fn the_log_is_bounded_in_bytes() {
        let mut a = Audit::default();
        let big = "x".repeat(MAX_TEXT_BYTES);
        let per = {
            let mut one = Audit::default();
            one.record("e", "saml", Some(&big), Some(&big), Some(big.clone()));
            one.bytes
        };
        // Enough events to pass the byte bound well before the count bound.
        let n = MAX_BYTES / per + 1_000;
        assert!(n < CAPACITY);
        for _ in 0..n {
            a.record("e", "saml", Some(&big), Some(&big), Some(big.clone()));
        }
        assert!(a.bytes <= MAX_BYTES);
        assert_eq!(a.events.len() as u64 + a.dropped, n as u64);
        assert!(a.dropped > 500, "{} dropped", a.dropped);
        // The newest are the ones kept.
        assert_eq!(a.events.back().unwrap().seq, n as u64);
    }
}
