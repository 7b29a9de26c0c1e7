#!/usr/bin/env bash
# Entra's initial cycle over 100,000 users and 1,000 groups against the
# embedded reference SP, then incremental cycles after 1% and 10% of the
# users changed; /usr/bin/time -v gives the peak RSS of the process (the
# simulated IdP and the reference SP together). Usage:
# simulator/bench/entra-100k.sh [CONCURRENCY]
set -euo pipefail
cd "$(dirname "$0")/../.."
C=${1:-16}
cargo build --release --quiet
out=$(mktemp -d)
/usr/bin/time -v target/release/idpsim play simulator/bench/entra-100k.yaml \
  --concurrency "$C" 2>"$out/play.log" || true
grep -E '^  [✓✗]|cycle [0-9]+ \(|PASSED|FAILED' "$out/play.log"
grep -E 'User time|System time|Elapsed|Maximum resident' "$out/play.log"
