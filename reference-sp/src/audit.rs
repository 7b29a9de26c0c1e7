//! The audit log: every identity event with its time, so a harness can
//! measure how long deprovisioning took from the IdP's side.

use std::collections::VecDeque;

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The most events kept. Past it the oldest are dropped and counted, so a
/// 100k-user load run cannot grow the log without bound.
pub const CAPACITY: usize = 200_000;

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
    next: u64,
    dropped: u64,
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
        if self.events.len() == CAPACITY {
            self.events.pop_front();
            self.dropped += 1;
        }
        self.events.push_back(Event {
            seq: self.next,
            at: now_rfc3339(),
            action,
            actor,
            id: id.map(str::to_owned),
            name: name.map(str::to_owned),
            detail,
        });
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
