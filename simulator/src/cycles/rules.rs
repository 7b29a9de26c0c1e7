//! Entra's provisioning schedule as data: the cycle interval, when an
//! escrowed operation is retried, when a soft-deleted user is purged and
//! when the job is quarantined and disabled. Each number cites its source;
//! the one the sources leave open is marked as idpsim's default.

use super::clock::Minutes;

/// When a job goes into quarantine because too many operations failed
/// (application-provisioning-quarantine-status.md, "Escrow thresholds").
#[derive(Debug, Clone, PartialEq)]
pub struct EscrowThresholds {
    /// "5,000 failures are the minimum to start evaluating".
    pub min_failures: u64,
    /// "more than 40% of provisioning events fail"; reference failures
    /// (a manager, a group member) do not count.
    pub max_percent: u64,
    /// "or there are more than 40,000 failures", non-reference.
    pub max_failures: u64,
    /// "an absolute threshold of 60,000 failures", reference ones included.
    pub max_total: u64,
}

/// The job's schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct CycleRules {
    /// Incremental cycles run about every 40 minutes, not configurable
    /// (how-provisioning-works.md; known-issues.md).
    pub interval: Minutes,
    /// An escrowed operation is retried in the next cycle, then these many
    /// hours after its first failure; after the last it is flagged and no
    /// longer retried (application-provisioning-quarantine-status.md,
    /// "Retry duration", MicrosoftDocs/azure-docs commit fc89013).
    pub escrow_retry_hours: &'static [u64],
    /// A soft-deleted user is hard-deleted 30 days later, and only then
    /// deleted in the target (how-provisioning-works.md, "Deprovisioning").
    pub hard_delete_after: Minutes,
    pub escrow: EscrowThresholds,
    /// While quarantined, the job runs again these many hours after the
    /// quarantine began, then every `quarantine_every_hours`: "the first
    /// retry will happen in 6 hours … 12 hours … 24 hours … every 24 hours
    /// after the 3rd retry" (application-provisioning-quarantine-status.md).
    pub quarantine_retry_hours: &'static [u64],
    pub quarantine_every_hours: u64,
    /// "If the provisioning job stays in quarantine for more than four
    /// weeks, the provisioning job is disabled."
    pub disable_after: Minutes,
}

/// Entra ID's provisioning service, both jobs (the flag changes shapes,
/// not the schedule).
pub const ENTRA_CYCLES: CycleRules = CycleRules {
    interval: Minutes(40),
    escrow_retry_hours: &[6, 12, 24, 48, 96, 168],
    hard_delete_after: Minutes::days(30),
    escrow: EscrowThresholds {
        min_failures: 5_000,
        max_percent: 40,
        max_failures: 40_000,
        max_total: 60_000,
    },
    quarantine_retry_hours: &[6, 12, 24],
    quarantine_every_hours: 24,
    disable_after: Minutes::days(28),
};
