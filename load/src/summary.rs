//! What a load run measured, kept as histograms so that the runs of several
//! shards merge exactly: counts add, and percentiles come from the merged
//! buckets, never from averaging percentiles.
//!
//! goose 0.19's own JSON report holds percentiles, not its histograms, so
//! idpsim writes this summary beside it, filled from goose's metrics (the
//! same bucketed times goose's tables are computed from).

use std::collections::BTreeMap;

use goose::metrics::{GooseMetrics, GooseRequestMetricTimingData};
use serde::{Deserialize, Serialize};

/// Times in microseconds, bucketed as goose buckets them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    /// Bucket (fastest time in it, µs) → how many.
    pub buckets: BTreeMap<u64, u64>,
    pub ok: u64,
    pub failed: u64,
    pub min_us: u64,
    pub max_us: u64,
    pub total_us: u64,
}

impl Histogram {
    pub fn count(&self) -> u64 {
        self.buckets.values().sum()
    }

    fn add_timing(&mut self, t: &GooseRequestMetricTimingData, ok: u64, failed: u64) {
        let other = Histogram {
            buckets: t.times_us.iter().map(|(b, n)| (*b, *n as u64)).collect(),
            ok,
            failed,
            min_us: t.minimum_time_us,
            max_us: t.maximum_time_us,
            total_us: t.total_time_us,
        };
        self.merge(&other);
    }

    pub fn merge(&mut self, o: &Histogram) {
        if o.count() == 0 && o.ok + o.failed == 0 {
            return;
        }
        let empty = self.count() == 0;
        for (b, n) in &o.buckets {
            *self.buckets.entry(*b).or_default() += n;
        }
        self.ok += o.ok;
        self.failed += o.failed;
        self.min_us = if empty {
            o.min_us
        } else {
            self.min_us.min(o.min_us)
        };
        self.max_us = self.max_us.max(o.max_us);
        self.total_us += o.total_us;
    }

    /// Removes the `n` fastest successful samples.
    fn drop_fastest(&mut self, mut n: u64) {
        n = n.min(self.ok);
        self.ok -= n;
        while n > 0 {
            let Some(mut first) = self.buckets.first_entry() else {
                break;
            };
            let take = n.min(*first.get());
            *first.get_mut() -= take;
            n -= take;
            if *first.get() == 0 {
                first.remove();
            }
        }
        if let Some((b, _)) = self.buckets.first_key_value() {
            self.min_us = self.min_us.max(*b);
        }
    }

    /// The time below which `p` percent of samples fall (the bucket's
    /// start, capped by the slowest time seen), in milliseconds.
    pub fn percentile_ms(&self, p: f64) -> Option<f64> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        let rank = ((p / 100.0) * n as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (b, c) in &self.buckets {
            seen += c;
            if seen >= rank {
                return Some((*b).min(self.max_us) as f64 / 1000.0);
            }
        }
        Some(self.max_us as f64 / 1000.0)
    }

    /// Failures as a percent of everything counted.
    pub fn error_rate(&self) -> f64 {
        let all = self.ok + self.failed;
        if all == 0 {
            0.0
        } else {
            100.0 * self.failed as f64 / all as f64
        }
    }
}

/// One phase of a run (a goose attack), e.g. `users` or `groups`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Phase {
    pub name: String,
    /// Wall time of the goose attack, its start-up and wind-down included.
    pub seconds: f64,
    /// From the first event's start to the last event's end (see
    /// [`crate::window`]); absent in summaries of older versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub busy_seconds: Option<f64>,
    /// CPU time this process spent in user space during the phase (the
    /// load side's own cost per request, with the target elsewhere);
    /// summed over shards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_cpu_seconds: Option<f64>,
}

impl Phase {
    /// The time rates are judged on: while events ran, or the wall time
    /// where that is unknown.
    pub fn busy(&self) -> f64 {
        self.busy_seconds.unwrap_or(self.seconds)
    }
}

/// A run, or several merged.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub run: String,
    pub profile: String,
    /// Shards merged into this summary (`0/1` for an unsharded run).
    pub shards: Vec<String>,
    pub phases: Vec<Phase>,
    /// Lifecycle events by transaction name (`okta join`, …).
    pub events: BTreeMap<String, Histogram>,
    /// Requests by `METHOD name` (`POST /Users`, …).
    pub requests: BTreeMap<String, Histogram>,
    /// Calls of an event that found nothing to do (a churn with no user
    /// left to change), by event name: not counted among its events.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub idle: BTreeMap<String, u64>,
    /// Objects created, deleted, listed, by kind (`users created`, …).
    pub objects: BTreeMap<String, u64>,
    /// Peak resident memory of the process, in KiB, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_rss_kib: Option<u64>,
}

impl Summary {
    /// Adds one goose attack's metrics as a phase that took `seconds`, of
    /// which `busy_seconds` with events running.
    /// `idle` counts, per event name, the calls that found no work left
    /// (goose users run whole iterations, so the last one of each may have
    /// nothing to do); they are the fastest samples and are taken out.
    pub fn add_phase(
        &mut self,
        name: &str,
        m: &GooseMetrics,
        seconds: f64,
        busy_seconds: Option<f64>,
        idle: &BTreeMap<String, u64>,
    ) {
        self.phases.push(Phase {
            name: name.to_owned(),
            seconds,
            busy_seconds,
            user_cpu_seconds: None,
        });
        for scenario in &m.transactions {
            for t in scenario {
                let name = t.transaction_name.name_for_transaction().to_string();
                let mut h = Histogram::default();
                h.add_timing(&t.run_times, t.success_count as u64, t.fail_count as u64);
                h.drop_fastest(idle.get(&name).copied().unwrap_or(0));
                self.events.entry(name).or_default().merge(&h);
            }
        }
        for (key, r) in &m.requests {
            self.requests.entry(key.clone()).or_default().add_timing(
                &r.raw_data,
                r.success_count as u64,
                r.fail_count as u64,
            );
        }
    }

    /// Wall time of all phases. Shards run side by side, so a merge keeps
    /// the longest shard's time per phase rather than the sum.
    pub fn seconds(&self) -> f64 {
        self.phases.iter().map(|p| p.seconds).sum::<f64>().max(1e-9)
    }

    /// Time with events running, summed over the phases: what rates are
    /// per second of.
    pub fn busy_seconds(&self) -> f64 {
        self.phases.iter().map(Phase::busy).sum::<f64>().max(1e-9)
    }

    pub fn all_requests(&self) -> Histogram {
        let mut h = Histogram::default();
        for r in self.requests.values() {
            h.merge(r);
        }
        h
    }

    pub fn all_events(&self) -> Histogram {
        let mut h = Histogram::default();
        for r in self.events.values() {
            h.merge(r);
        }
        h
    }

    /// Merges another shard's summary of the same run.
    pub fn merge(&mut self, o: &Summary) -> Result<(), String> {
        if self.run.is_empty() {
            self.run = o.run.clone();
            self.profile = o.profile.clone();
        } else if self.run != o.run || self.profile != o.profile {
            return Err(format!(
                "cannot merge a {} {} run into a {} {} run",
                o.profile, o.run, self.profile, self.run
            ));
        }
        self.shards.extend(o.shards.iter().cloned());
        for p in &o.phases {
            match self.phases.iter_mut().find(|q| q.name == p.name) {
                Some(q) => {
                    q.seconds = q.seconds.max(p.seconds);
                    q.busy_seconds = match (q.busy_seconds, p.busy_seconds) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        (a, b) => a.or(b),
                    };
                    q.user_cpu_seconds = match (q.user_cpu_seconds, p.user_cpu_seconds) {
                        (Some(a), Some(b)) => Some(a + b),
                        (a, b) => a.or(b),
                    };
                }
                None => self.phases.push(p.clone()),
            }
        }
        for (k, h) in &o.events {
            self.events.entry(k.clone()).or_default().merge(h);
        }
        for (k, h) in &o.requests {
            self.requests.entry(k.clone()).or_default().merge(h);
        }
        for (k, n) in &o.idle {
            *self.idle.entry(k.clone()).or_default() += n;
        }
        for (k, n) in &o.objects {
            *self.objects.entry(k.clone()).or_default() += n;
        }
        self.peak_rss_kib = match (self.peak_rss_kib, o.peak_rss_kib) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(times_ms: &[u64]) -> Histogram {
        let mut h = Histogram::default();
        for t in times_ms {
            h.merge(&Histogram {
                buckets: BTreeMap::from([(t * 1000, 1)]),
                ok: 1,
                failed: 0,
                min_us: t * 1000,
                max_us: t * 1000,
                total_us: t * 1000,
            });
        }
        h
    }

    #[test]
    fn merged_percentiles_come_from_merged_buckets() {
        // Shard a is fast, shard b slow: the p50 of the whole is not the
        // mean of the two p50s.
        let a = h(&[1, 1, 1, 1, 1, 1, 1, 1]);
        let b = h(&[100, 100]);
        let mut all = a.clone();
        all.merge(&b);
        assert_eq!(all.count(), 10);
        assert_eq!(all.percentile_ms(50.0), Some(1.0));
        assert_eq!(all.percentile_ms(90.0), Some(100.0));
        assert_eq!(all.min_us, 1000);
        assert_eq!(all.max_us, 100_000);
    }

    #[test]
    fn summaries_of_different_runs_do_not_merge() {
        let mut a = Summary {
            run: "bulk-sync".into(),
            profile: "okta".into(),
            ..Summary::default()
        };
        let b = Summary {
            run: "churn".into(),
            profile: "okta".into(),
            ..Summary::default()
        };
        assert!(a.merge(&b).is_err());
    }
}
