//! Escrow: a failed operation is kept and retried in later cycles with
//! growing gaps (IDP-ENGINES E28), and counted toward quarantine.

use indexmap::IndexMap;
use serde::Serialize;

use super::Object;
use super::clock::Minutes;
use super::rules::CycleRules;

/// One escrowed operation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub operation: String,
    pub error: String,
    /// Attempts that failed, the first included.
    pub failures: u32,
    pub first_failed: Minutes,
    /// `None` once every retry failed: flagged, no longer retried.
    pub next_retry: Option<Minutes>,
    /// A manager or group-member update; counted apart for quarantine.
    pub reference: bool,
}

/// What failed, as the escrow records it.
#[derive(Debug, Clone)]
pub struct Failed {
    pub operation: String,
    pub error: String,
    /// A manager or group-member update.
    pub reference: bool,
}

/// Every escrowed operation, by the object it concerns.
#[derive(Debug, Clone, Default)]
pub struct Escrow {
    entries: IndexMap<Object, Entry>,
}

impl Escrow {
    /// Records a failure at `now`. The first is retried at `next_cycle`,
    /// later ones on the rules' schedule from the first failure.
    pub fn fail(
        &mut self,
        object: Object,
        failed: Failed,
        now: Minutes,
        next_cycle: Minutes,
        rules: &CycleRules,
    ) -> &Entry {
        let e = self.entries.entry(object).or_insert_with(|| Entry {
            operation: String::new(),
            error: String::new(),
            failures: 0,
            first_failed: now,
            next_retry: None,
            reference: failed.reference,
        });
        e.operation = failed.operation;
        e.error = failed.error;
        e.failures += 1;
        let retry = (e.failures - 1) as usize;
        e.next_retry = match retry {
            0 => Some(next_cycle),
            r => rules
                .escrow_retry_hours
                .get(r - 1)
                .map(|h| e.first_failed.plus(Minutes::hours(*h)).max(next_cycle)),
        };
        e
    }

    /// The operation went through: the entry is gone.
    pub fn succeed(&mut self, object: &Object) -> Option<Entry> {
        self.entries.shift_remove(object)
    }

    /// Objects whose retry is due at `now`; every one, flagged ones too,
    /// when `all`: a quarantined job retries what it holds at each attempt,
    /// "for 28 days after the first failure" (quarantine-status.md).
    pub fn due(&self, now: Minutes, all: bool) -> Vec<Object> {
        self.entries
            .iter()
            .filter(|(_, e)| all || e.next_retry.is_some_and(|t| t <= now))
            .map(|(o, _)| o.clone())
            .collect()
    }

    pub fn entries(&self) -> impl Iterator<Item = (&Object, &Entry)> {
        self.entries.iter()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Failures held: (non-reference, reference).
    pub fn counts(&self) -> (u64, u64) {
        let r = self.entries.values().filter(|e| e.reference).count() as u64;
        (self.entries.len() as u64 - r, r)
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Follows a group's rename.
    pub fn rename(&mut self, from: &Object, to: Object) {
        if let Some(e) = self.entries.shift_remove(from) {
            self.entries.insert(to, e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cycles::rules::ENTRA_CYCLES;

    #[test]
    fn retries_next_cycle_then_with_growing_gaps_then_never() {
        let mut e = Escrow::default();
        let u = Object::User("a".into());
        let mut now = Minutes(0);
        let mut seen = Vec::new();
        for _ in 0..9 {
            let next = now.plus(Minutes(40));
            let failed = Failed {
                operation: "create".into(),
                error: "409".into(),
                reference: false,
            };
            let entry = e.fail(u.clone(), failed, now, next, &ENTRA_CYCLES);
            seen.push(entry.next_retry);
            if let Some(t) = entry.next_retry {
                now = t;
            }
        }
        let h = |x: u64| Some(Minutes::hours(x));
        assert_eq!(
            seen,
            [
                Some(Minutes(40)),
                h(6),
                h(12),
                h(24),
                h(48),
                h(96),
                h(168),
                None,
                None
            ]
        );
        assert!(
            e.due(Minutes::days(100), false).is_empty(),
            "flagged, not retried"
        );
        assert_eq!(e.counts(), (1, 0));
        assert!(e.succeed(&u).is_some());
        assert!(e.is_empty());
    }
}
