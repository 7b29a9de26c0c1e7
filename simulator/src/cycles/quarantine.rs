//! Quarantine (IDP-ENGINES E5, E28): a job whose calls fail for a reason no
//! retry fixes, or too often, runs less often, down to once a day, and is
//! disabled after four weeks; the next attempt that meets none of its
//! causes ends it.

use serde::Serialize;

use super::clock::{Minutes, span};
use super::rules::CycleRules;

/// Why a job went into quarantine: the reason code Microsoft Graph reports
/// (synchronizationQuarantine) and the rule, in words, that tripped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trigger {
    pub reason: &'static str,
    pub rule: String,
}

impl Trigger {
    /// A 404 where an empty ListResponse was due: "SCIM compliance issue"
    /// quarantines "regardless of failure counts".
    pub fn scim_compliance(request: &str) -> Trigger {
        Trigger {
            reason: "EncounteredQuarantineException",
            rule: format!(
                "SCIM compliance: {request} answered HTTP/404 Not Found rather than the expected \
                 HTTP/200 OK with an empty ListResponse, which quarantines a job whatever the \
                 failure count"
            ),
        }
    }

    /// A 401: the admin credentials are refused.
    pub fn invalid_credentials(request: &str) -> Trigger {
        Trigger {
            reason: "EncounteredQuarantineException",
            rule: format!(
                "invalid credentials: {request} answered HTTP/401, which quarantines a job \
                 whatever the failure count"
            ),
        }
    }
}

/// The escrow thresholds, applied to the failures held and the operations
/// that succeeded since the job (re)started.
pub fn escrow_trigger(
    rules: &CycleRules,
    failed: u64,
    reference: u64,
    succeeded: u64,
) -> Option<Trigger> {
    let t = &rules.escrow;
    let total = failed + reference;
    if total < t.min_failures {
        return None;
    }
    if total > t.max_total {
        return Some(Trigger {
            reason: "EncounteredTotalEscrowThreshold",
            rule: format!(
                "{total} failures, more than the absolute threshold of {}",
                t.max_total
            ),
        });
    }
    // Reference failures count in neither the share nor the 40,000.
    if failed * 100 > t.max_percent * (failed + succeeded) {
        return Some(Trigger {
            reason: "EncounteredEscrowProportionThreshold",
            rule: format!(
                "{failed} of {} operations failed, more than {}% (evaluated from {} failures on)",
                failed + succeeded,
                t.max_percent,
                t.min_failures
            ),
        });
    }
    if failed > t.max_failures {
        // The Graph code for the count threshold is not documented; this
        // one is idpsim's reading of "base".
        return Some(Trigger {
            reason: "EncounteredBaseEscrowThreshold",
            rule: format!("{failed} failures, more than {}", t.max_failures),
        });
    }
    None
}

/// A quarantine in effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Quarantine {
    pub since: Minutes,
    pub trigger: Trigger,
    /// Attempts made while quarantined.
    pub attempts: u32,
}

impl Quarantine {
    /// When the next attempt runs: 6, 12 and 24 hours after the quarantine
    /// began, then every day.
    pub fn next_attempt(&self, rules: &CycleRules) -> Minutes {
        let a = self.attempts as usize;
        let hours = match rules.quarantine_retry_hours.get(a) {
            Some(h) => *h,
            None => {
                let last = rules.quarantine_retry_hours.last().copied().unwrap_or(0);
                let extra = (a + 1 - rules.quarantine_retry_hours.len()) as u64;
                last + extra * rules.quarantine_every_hours
            }
        };
        self.since.plus(Minutes::hours(hours))
    }

    /// Whether the job is disabled by the time of its next attempt.
    pub fn disables(&self, rules: &CycleRules) -> bool {
        self.next_attempt(rules) > self.since.plus(rules.disable_after)
    }

    /// One line for reports.
    pub fn describe(&self, rules: &CycleRules) -> String {
        format!(
            "quarantined since {} ({}): {}; cycles slow to once a day; next attempt at {}; disabled after {} in quarantine",
            self.since,
            self.trigger.reason,
            self.trigger.rule,
            self.next_attempt(rules),
            span(rules.disable_after)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cycles::rules::ENTRA_CYCLES;

    #[test]
    fn the_documented_examples() {
        let r = &ENTRA_CYCLES;
        assert_eq!(
            escrow_trigger(r, 4_000, 0, 0),
            None,
            "4,000 failures: not evaluated"
        );
        assert_eq!(
            escrow_trigger(r, 45_000, 0, 1_000_000).unwrap().reason,
            "EncounteredBaseEscrowThreshold"
        );
        assert_eq!(
            escrow_trigger(r, 30_000, 0, 5_000).unwrap().reason,
            "EncounteredEscrowProportionThreshold"
        );
        assert_eq!(escrow_trigger(r, 20_000, 0, 100_000), None);
        assert_eq!(
            escrow_trigger(r, 40_000, 21_000, 1_000_000).unwrap().reason,
            "EncounteredTotalEscrowThreshold"
        );
    }

    #[test]
    fn attempts_slow_to_daily_and_stop_after_four_weeks() {
        let mut q = Quarantine {
            since: Minutes(0),
            trigger: Trigger::scim_compliance("GET /Users"),
            attempts: 0,
        };
        let mut at = Vec::new();
        while !q.disables(&ENTRA_CYCLES) {
            at.push(q.next_attempt(&ENTRA_CYCLES).0 / 60);
            q.attempts += 1;
        }
        assert_eq!(&at[..5], [6, 12, 24, 48, 72]);
        assert_eq!(*at.last().unwrap(), 28 * 24, "the last attempt on day 28");
    }
}
