#!/usr/bin/env bash
# Okta full sync of 100,000 users and 1,000 groups against the reference SP
# running as its own process, so that /usr/bin/time -v gives each side's CPU
# and peak memory separately. Usage: simulator/bench/sync-100k.sh [CONCURRENCY]
set -euo pipefail
cd "$(dirname "$0")/../.."
C=${1:-16}
cargo build --release --quiet
out=$(mktemp -d)
/usr/bin/time -v target/release/idpsim target --port 0 --token bench --no-seat-limit --max-results 1000 \
  >"$out/url" 2>"$out/target.time" &
tpid=$!
for _ in $(seq 100); do [ -s "$out/url" ] && break; sleep 0.1; done
BASE=$(head -1 "$out/url")
/usr/bin/time -v target/release/idpsim play simulator/bench/okta-100k.yaml \
  --target "$BASE" --token bench --exempt owner@idpsim.test --concurrency "$C" 2>"$out/play.log" || true
# GNU time ignores SIGINT while it waits, so signal its child.
pkill -INT -P "$tpid"
wait "$tpid" || true
grep -E 'sync all|expect|PASSED|FAILED' "$out/play.log"
echo "--- IdP (idpsim play)"
grep -E 'User time|System time|Elapsed|Maximum resident' "$out/play.log"
echo "--- target (idpsim target)"
grep -E 'User time|System time|Elapsed|Maximum resident' "$out/target.time"
