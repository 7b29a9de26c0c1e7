//! What a cycle did, as findings a reader can act on: each write and why,
//! loops (the same write again, with what the target read back), escrowed
//! operations and their next retry, and the quarantine state with its rule.

use serde::Serialize;
use serde_json::Value;

use super::clock::{Minutes, span};

/// Detail kept per cycle; counts are always complete. A 100,000-user
/// initial cycle makes 100,000 creates, which a report summarises.
pub const DETAIL: usize = 50;

/// What repeats from one cycle to the next: the writes (object, op,
/// attribute), the loops, the escrow count and the quarantine state.
type Shape = (
    Vec<(String, String, Option<String>)>,
    Vec<String>,
    usize,
    (bool, bool),
    (bool, usize),
);

/// One write and the reason for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Write {
    /// `user jo@contoso.com`, `group Engineering`.
    pub object: String,
    /// `POST` and `DELETE` (no attribute), or the PATCH op: `Add`,
    /// `Replace`, `Remove`.
    pub op: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
    pub value: Value,
    /// What the target held before, as Entra read it.
    pub read: Value,
    pub why: String,
}

/// A write repeated from the cycle before: the target does not keep what
/// Entra writes (IDP-ENGINES E9), so Entra writes it every cycle.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Loop {
    pub object: String,
    pub attribute: String,
    /// What Entra wrote, both times.
    pub written: Value,
    /// What the target's read returned before the second write.
    pub read_back: Value,
    pub message: String,
}

/// An escrowed operation after the cycle.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Escrowed {
    pub object: String,
    pub operation: String,
    pub error: String,
    /// Retries made so far.
    pub retried: u32,
    /// `day 0 01:20`, or `never` once every retry failed.
    pub next_retry: String,
    pub reference: bool,
}

/// The job's quarantine state after a cycle.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuarantineState {
    pub since: String,
    pub reason: String,
    pub rule: String,
    pub next_attempt: String,
    pub disabled: bool,
}

/// One cycle (or one on-demand round between cycles).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CycleReport {
    /// 1-based; on-demand rounds carry the number of the last cycle.
    pub number: u32,
    /// `initial`, `incremental` or `on-demand`.
    pub kind: &'static str,
    pub at: String,
    /// Objects read or written.
    pub evaluated: usize,
    pub requests: u64,
    pub writes_total: usize,
    /// The first [`DETAIL`] writes.
    pub writes: Vec<Write>,
    pub loops: Vec<Loop>,
    pub escrowed_total: usize,
    /// The first [`DETAIL`] escrowed operations.
    pub escrowed: Vec<Escrowed>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quarantine: Option<QuarantineState>,
    /// Anything else worth knowing: skips, pending references, parallel
    /// membership PATCHes, a job that is disabled.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl CycleReport {
    pub(crate) fn new(number: u32, kind: &'static str, at: Minutes) -> Self {
        CycleReport {
            number,
            kind,
            at: at.to_string(),
            evaluated: 0,
            requests: 0,
            writes_total: 0,
            writes: Vec::new(),
            loops: Vec::new(),
            escrowed_total: 0,
            escrowed: Vec::new(),
            quarantine: None,
            notes: Vec::new(),
        }
    }

    pub(crate) fn wrote(&mut self, w: Write) {
        self.writes_total += 1;
        if self.writes.len() < DETAIL {
            self.writes.push(w);
        }
    }

    /// Whether the cycle did nothing a reader needs to see.
    pub fn is_quiet(&self) -> bool {
        self.writes_total == 0
            && self.loops.is_empty()
            && self.escrowed_total == 0
            && self.quarantine.is_none()
            && self.notes.is_empty()
    }

    /// What changes from one cycle to the next when a job repeats itself:
    /// reports with the same shape are printed once.
    fn shape(&self) -> Shape {
        (
            self.writes
                .iter()
                .map(|w| (w.object.clone(), w.op.clone(), w.attribute.clone()))
                .collect(),
            self.loops.iter().map(|l| l.message.clone()).collect(),
            self.escrowed_total,
            (
                self.quarantine.is_some(),
                self.quarantine.as_ref().is_some_and(|q| q.disabled),
            ),
            (self.evaluated > 0, self.notes.len()),
        )
    }

    /// Lines for `idpsim play`.
    pub fn lines(&self, interval: Minutes) -> Vec<String> {
        let mut out = vec![format!(
            "cycle {} ({}) at {}: {} objects evaluated, {} requests, {} writes, {} loops, {} escrowed",
            self.number,
            self.kind,
            self.at,
            self.evaluated,
            self.requests,
            self.writes_total,
            self.loops.len(),
            self.escrowed_total
        )];
        if self.kind == "on-demand" {
            out[0] = format!(
                "on demand at {}: {} objects evaluated, {} writes",
                self.at, self.evaluated, self.writes_total
            );
        }
        for w in &self.writes {
            let attr = w
                .attribute
                .as_deref()
                .map(|a| format!(" {a}"))
                .unwrap_or_default();
            out.push(format!(
                "  wrote {}: {}{attr} = {} ({})",
                w.object,
                w.op,
                clip(&w.value),
                w.why
            ));
        }
        if self.writes_total > self.writes.len() {
            out.push(format!(
                "  … and {} more writes",
                self.writes_total - self.writes.len()
            ));
        }
        for l in &self.loops {
            out.push(format!(
                "  LOOP {} (Entra would re-send this every {})",
                l.message,
                span(interval)
            ));
        }
        for e in &self.escrowed {
            out.push(format!(
                "  escrowed {}: {} failed ({}); retried {} times; next retry {}",
                e.object,
                e.operation,
                clip_text(&e.error),
                e.retried,
                e.next_retry
            ));
        }
        if self.escrowed_total > self.escrowed.len() {
            out.push(format!(
                "  … and {} more escrowed",
                self.escrowed_total - self.escrowed.len()
            ));
        }
        if let Some(q) = &self.quarantine {
            out.push(if q.disabled {
                format!(
                    "  DISABLED: quarantined since {} for longer than four weeks ({}: {})",
                    q.since, q.reason, q.rule
                )
            } else {
                format!(
                    "  QUARANTINED since {} ({}): {}; next attempt at {}",
                    q.since, q.reason, q.rule, q.next_attempt
                )
            });
        }
        out.extend(self.notes.iter().map(|n| format!("  {n}")));
        out
    }
}

/// Lines for a run of cycles: each printed in full unless it repeats the
/// one before, runs of repeats and of idle cycles folded into one line.
pub fn summarise(reports: &[CycleReport], interval: Minutes) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < reports.len() {
        let r = &reports[i];
        out.extend(r.lines(interval));
        let mut j = i + 1;
        while j < reports.len() && reports[j].shape() == r.shape() && j + 1 < reports.len() {
            j += 1;
        }
        let what = if r.is_quiet() {
            "nothing to do"
        } else {
            "the same as the cycle above"
        };
        if j == i + 2 {
            out.push(format!(
                "cycle {} at {}: {what}",
                reports[i + 1].number,
                reports[i + 1].at
            ));
        } else if j > i + 2 {
            out.push(format!(
                "cycles {}–{} ({} to {}): {what}",
                reports[i + 1].number,
                reports[j - 1].number,
                reports[i + 1].at,
                reports[j - 1].at
            ));
        }
        i = j;
    }
    out
}

fn clip(v: &Value) -> String {
    clip_text(&v.to_string())
}

fn clip_text(s: &str) -> String {
    if s.chars().count() > 160 {
        format!("{}…", s.chars().take(160).collect::<String>())
    } else {
        s.to_owned()
    }
}
