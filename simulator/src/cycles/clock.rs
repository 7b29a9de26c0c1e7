//! The virtual clock: minutes since the job started, so that four weeks of
//! Entra's schedule play in seconds. Nothing here sleeps.

use std::fmt;

use serde::Serialize;

/// A point in virtual time, in minutes since the first cycle.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Minutes(pub u64);

impl Minutes {
    pub const fn hours(h: u64) -> Minutes {
        Minutes(h * 60)
    }
    pub const fn days(d: u64) -> Minutes {
        Minutes(d * 24 * 60)
    }
    pub fn plus(self, d: Minutes) -> Minutes {
        Minutes(self.0.saturating_add(d.0))
    }
}

impl fmt::Display for Minutes {
    /// `day 0 00:40`: a virtual time reads as a day of the job and a clock.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (d, m) = (self.0 / (24 * 60), self.0 % (24 * 60));
        write!(f, "day {d} {:02}:{:02}", m / 60, m % 60)
    }
}

/// A duration for messages: `40 minutes`, `6 hours`, `2 days`.
pub fn span(m: Minutes) -> String {
    let plural = |n: u64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    match m.0 {
        n if n % (24 * 60) == 0 && n > 0 => plural(n / (24 * 60), "day"),
        n if n % 60 == 0 && n > 0 => plural(n / 60, "hour"),
        n => plural(n, "minute"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_as_day_and_clock() {
        assert_eq!(Minutes(40).to_string(), "day 0 00:40");
        assert_eq!(
            Minutes::days(28).plus(Minutes::hours(6)).to_string(),
            "day 28 06:00"
        );
        assert_eq!(span(Minutes(40)), "40 minutes");
        assert_eq!(span(Minutes::hours(1)), "1 hour");
        assert_eq!(span(Minutes::days(30)), "30 days");
    }
}
