//! Pass/fail rules judged on a [`Summary`], so the same rules judge one
//! process's run and the merge of many shards.
//!
//! The grammar is goose's (`p95<500ms`, `error-rate<1%`, `rps>=200`, an
//! optional ` for NAME`), with two additions: `NAME` may be a lifecycle
//! event (`okta join`) as well as a request (`POST /Users`), and `eps` is
//! lifecycle events per second.

use std::fmt;
use std::str::FromStr;

use crate::summary::{Histogram, Summary};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Metric {
    Percentile(f64),
    ErrorRate,
    /// Requests per second over the run.
    Rps,
    /// Lifecycle events per second over the run.
    Eps,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Lt,
    Le,
    Gt,
    Ge,
}

/// One rule, as given.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    text: String,
    metric: Metric,
    op: Op,
    /// Milliseconds, percent, or per second.
    limit: f64,
    name: Option<String>,
}

/// A rule judged.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Verdict {
    pub rule: String,
    /// What was observed, with its unit; `no samples` when nothing matched.
    pub observed: String,
    pub passed: bool,
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn parse_time_ms(v: &str) -> Result<f64, String> {
    let (num, scale) = if let Some(n) = v.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = v.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = v.strip_suffix('s') {
        (n, 1000.0)
    } else {
        (v, 1.0)
    };
    num.trim()
        .parse::<f64>()
        .map(|x| x * scale)
        .map_err(|_| format!("{v:?} is not a time such as 500ms or 2s"))
}

impl FromStr for Threshold {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let text = s.trim().to_owned();
        let (rule, name) = match text.split_once(" for ") {
            Some((r, n)) if !n.trim().is_empty() => (r.trim(), Some(n.trim().to_owned())),
            Some(_) => return Err(format!("{text:?}: `for` needs a name")),
            None => (text.as_str(), None),
        };
        let at = rule
            .find(['<', '>'])
            .ok_or_else(|| format!("{text:?}: expected METRIC<VALUE, such as p95<500ms"))?;
        let (metric_s, rest) = rule.split_at(at);
        let (op, value) = if let Some(v) = rest.strip_prefix("<=") {
            (Op::Le, v)
        } else if let Some(v) = rest.strip_prefix(">=") {
            (Op::Ge, v)
        } else if let Some(v) = rest.strip_prefix('<') {
            (Op::Lt, v)
        } else {
            (Op::Gt, &rest[1..])
        };
        let value = value.trim();
        let metric_s = metric_s.trim();
        let (metric, limit) = match metric_s {
            "error-rate" => (
                Metric::ErrorRate,
                value
                    .trim_end_matches('%')
                    .trim()
                    .parse::<f64>()
                    .map_err(|_| format!("{text:?}: {value:?} is not a percent"))?,
            ),
            "rps" | "eps" => (
                if metric_s == "rps" {
                    Metric::Rps
                } else {
                    Metric::Eps
                },
                value
                    .parse::<f64>()
                    .map_err(|_| format!("{text:?}: {value:?} is not a number"))?,
            ),
            p if p.starts_with('p') => {
                let pct: f64 = p[1..]
                    .parse()
                    .map_err(|_| format!("{text:?}: {p:?} is not a percentile such as p95"))?;
                if !(pct > 0.0 && pct < 100.0) {
                    return Err(format!("{text:?}: a percentile is between 0 and 100"));
                }
                (
                    Metric::Percentile(pct),
                    parse_time_ms(value).map_err(|e| format!("{text:?}: {e}"))?,
                )
            }
            other => {
                return Err(format!(
                    "{text:?}: unknown metric {other:?}; use pNN, error-rate, rps or eps"
                ));
            }
        };
        Ok(Threshold {
            text,
            metric,
            op,
            limit,
            name,
        })
    }
}

impl Threshold {
    /// Judges the rule on a summary. A rule naming something the run never
    /// did fails: a typo must not pass silently.
    pub fn judge(&self, s: &Summary) -> Verdict {
        let fail = |observed: String| Verdict {
            rule: self.text.clone(),
            observed,
            passed: false,
        };
        let hist: Option<Histogram> = match &self.name {
            None => Some(match self.metric {
                Metric::Eps => s.all_events(),
                _ => s.all_requests(),
            }),
            Some(n) => s.events.get(n).or_else(|| s.requests.get(n)).cloned(),
        };
        let Some(h) = hist else {
            let mut known: Vec<&str> = s.events.keys().map(String::as_str).collect();
            known.extend(s.requests.keys().map(String::as_str));
            return fail(format!(
                "no event or request named {:?} (known: {})",
                self.name.as_deref().unwrap_or_default(),
                known.join(", ")
            ));
        };
        let (value, observed) = match self.metric {
            Metric::Percentile(p) => match h.percentile_ms(p) {
                Some(v) => (v, format!("{v:.1}ms")),
                None => return fail("no samples".into()),
            },
            Metric::ErrorRate => {
                if h.ok + h.failed == 0 {
                    return fail("no samples".into());
                }
                let v = h.error_rate();
                (v, format!("{v:.2}% ({} of {})", h.failed, h.ok + h.failed))
            }
            Metric::Rps | Metric::Eps => {
                let v = (h.ok + h.failed) as f64 / s.busy_seconds();
                (v, format!("{v:.1}/s"))
            }
        };
        let passed = match self.op {
            Op::Lt => value < self.limit,
            Op::Le => value <= self.limit,
            Op::Gt => value > self.limit,
            Op::Ge => value >= self.limit,
        };
        Verdict {
            rule: self.text.clone(),
            observed,
            passed,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::summary::Phase;

    fn summary() -> Summary {
        let mut events = BTreeMap::new();
        events.insert(
            "okta join".to_owned(),
            Histogram {
                buckets: BTreeMap::from([(2_000, 90), (40_000, 10)]),
                ok: 99,
                failed: 1,
                min_us: 2_000,
                max_us: 40_000,
                total_us: 580_000,
            },
        );
        Summary {
            run: "bulk-sync".into(),
            profile: "okta".into(),
            phases: vec![Phase {
                name: "users".into(),
                seconds: 10.5,
                busy_seconds: Some(10.0),
                user_cpu_seconds: None,
            }],
            events,
            ..Summary::default()
        }
    }

    #[test]
    fn rules_parse_and_judge() {
        let s = summary();
        let judge = |r: &str| r.parse::<Threshold>().unwrap().judge(&s);
        assert!(judge("p90<3ms for okta join").passed);
        let v = judge("p95<10ms for okta join");
        assert!(!v.passed);
        assert_eq!(v.observed, "40.0ms");
        assert!(judge("error-rate<=1% for okta join").passed);
        assert!(!judge("error-rate<1% for okta join").passed);
        assert!(judge("eps>=10").passed);
        assert!(!judge("eps>10").passed);
        let typo = judge("p95<1s for okta jion");
        assert!(!typo.passed && typo.observed.contains("known: okta join"));
    }

    #[test]
    fn bad_rules_are_refused_with_the_reason() {
        for bad in ["p95", "p100<1s", "latency<1s", "p95<fast", "p95<1s for "] {
            assert!(bad.parse::<Threshold>().is_err(), "{bad}");
        }
    }
}
