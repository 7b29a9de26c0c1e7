//! The process's user-space CPU time, from `/proc/self/stat`: what the load
//! side itself costs per request (the target runs in another process when
//! this is measured).

/// Seconds of user-space CPU this process has used, where Linux says.
pub fn user_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may hold spaces; fields after it are
    // plain. utime is field 14, in clock ticks.
    let after = &stat[stat.rfind(')')? + 1..];
    let utime: f64 = after.split_whitespace().nth(11)?.parse().ok()?;
    Some(utime / ticks_per_second())
}

/// Clock ticks per second: 100 on every Linux ABI idpsim runs on
/// (`sysconf(_SC_CLK_TCK)` without a libc binding).
fn ticks_per_second() -> f64 {
    100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_time_moves_with_work() {
        let before = user_seconds().expect("Linux has /proc/self/stat");
        // Spin until the clock moves two ticks, or give up after 20 s of
        // wall time (a starved machine).
        let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let mut x = 0u64;
        let mut now = before;
        while now < before + 0.02 && std::time::Instant::now() < until {
            for _ in 0..100_000 {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            }
            now = user_seconds().expect("read before");
        }
        std::hint::black_box(x);
        assert!(now >= before + 0.02, "{before} then {now}");
    }
}
