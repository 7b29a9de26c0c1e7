//! The part of a phase during which requests were in flight.
//!
//! goose starts its users one by one and notices that they finished only
//! when its parent loop next wakes (every half second), so a phase's wall
//! time carries up to a second of goose's own bookkeeping whatever the
//! directory's size. Rates are judged on this window instead: from the
//! first event's start to the last event's end.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// First start and last end, in nanoseconds since a process-wide epoch, so
/// that goose users on any thread update it without a lock.
#[derive(Debug)]
pub struct Window {
    first: AtomicU64,
    last: AtomicU64,
}

impl Default for Window {
    fn default() -> Self {
        Window {
            first: AtomicU64::new(u64::MAX),
            last: AtomicU64::new(0),
        }
    }
}

fn ns(at: Instant) -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    let epoch = *EPOCH.get_or_init(Instant::now);
    u64::try_from(at.saturating_duration_since(epoch).as_nanos()).unwrap_or(u64::MAX)
}

impl Window {
    /// An event starts.
    pub fn started(&self) {
        self.started_at(Instant::now());
    }

    /// An event started at `at`: for a caller that reads the clock anyway.
    pub fn started_at(&self, at: Instant) {
        let at = ns(at);
        // Only the first start moves it: a load, not a contended write, on
        // every other event.
        if at < self.first.load(Ordering::Relaxed) {
            self.first.fetch_min(at, Ordering::Relaxed);
        }
    }

    /// An event has ended.
    pub fn ended(&self) {
        self.ended_at(Instant::now());
    }

    /// An event ended at `at`.
    pub fn ended_at(&self, at: Instant) {
        self.last.fetch_max(ns(at), Ordering::Relaxed);
    }

    /// Seconds from the first start to the last end; `None` before any
    /// event ended.
    pub fn seconds(&self) -> Option<f64> {
        let (first, last) = (
            self.first.load(Ordering::Relaxed),
            self.last.load(Ordering::Relaxed),
        );
        (last >= first && first != u64::MAX).then(|| (last - first) as f64 / 1e9)
    }

    pub fn clear(&self) {
        self.first.store(u64::MAX, Ordering::Relaxed);
        self.last.store(0, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_first_start_to_last_end() {
        let w = Window::default();
        assert_eq!(w.seconds(), None);
        w.started();
        std::thread::sleep(std::time::Duration::from_millis(20));
        w.started();
        w.ended();
        let s = w.seconds().expect("an event ended");
        assert!(s >= 0.02, "{s}");
        w.clear();
        assert_eq!(w.seconds(), None);
    }
}
