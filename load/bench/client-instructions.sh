#!/usr/bin/env bash
# The load side's instructions per lookup against wrk's, counted rather
# than timed: valgrind's cachegrind counts every user-space instruction a
# process runs, so this figure does not move with the machine's load the
# way load/bench/client-cpu.sh's CPU seconds do (this VM has no hardware
# counters, so `perf stat -e instructions:u` is not available).
#
#   load/bench/client-instructions.sh [USERS] [ROUNDS] [WRK_SECONDS]   (defaults 2000, 6, 6)
#
# idpsim: `idpsim load import --lookups` under cachegrind twice, with one
# round and with ROUNDS rounds; the difference is ROUNDS-1 rounds of
# lookups with everything else (start-up, setup sync, reconcile) cancelled
# out. wrk: `wrk -t1 -c4` on the same paths and headers under cachegrind
# for 2 s and for WRK_SECONDS, the difference over the difference of
# requests. Both against `idpsim target` in a process of its own, which is
# not counted. IDPSIM_BIN=path runs another build.
set -euo pipefail
users=${1:-2000}
rounds=${2:-6}
secs=${3:-6}
for tool in wrk valgrind; do
  command -v $tool >/dev/null || { echo "$tool is missing: apt-get install $tool" >&2; exit 1; }
done
source "$(dirname "$0")/common.sh"

refs() { grep -E 'I +refs' "$1" | tr -d ',' | awk '{print $NF}'; }
# One worker thread, as wrk -t1 (CLIENT_THREADS=N to change it).
load() {
  TOKIO_WORKER_THREADS=${CLIENT_THREADS:-1} valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
    "$bin" load import --lookups --write-lookups "$work/paths.txt" --users "$users" \
    --groups $((users / 100)) --target "$url" --token bench-token --exempt owner@idpsim.test \
    -q --no-print-metrics -u 4 --import-rounds "$1" --summary "$work/summary.json" >"$2" 2>&1 \
    || { cat "$2" >&2; exit 1; }
}
# A first run syncs the directory, so both counted runs find it in place.
"$bin" load import --users "$users" --groups $((users / 100)) --target "$url" \
  --token bench-token --exempt owner@idpsim.test -q --no-print-metrics -u 4 \
  --import-rounds 1 >/dev/null 2>&1
load 1 "$work/one.out"
load "$rounds" "$work/many.out"
lookups=$(python3 -c "
import json; s = json.load(open('$work/summary.json'))
print(sum(h['ok'] for n, h in s['requests'].items() if n.endswith('/Users?filter')))")
cat >"$work/wrk.lua" <<LUA
local requests = {}
for path in io.lines("$work/paths.txt") do
  requests[#requests + 1] = wrk.format("GET", path)
end
local i = 0
request = function()
  i = i % #requests + 1
  return requests[i]
end
LUA
run_wrk() {
  valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
    wrk -t1 -c4 -d"$1s" -H "Authorization: Bearer bench-token" -H "Accept: application/scim+json" \
    -H "Accept-Charset: utf-8" -H "User-Agent: Okta SCIM Client 1.0.0" -s "$work/wrk.lua" "$origin" >"$2" 2>&1
}
run_wrk 2 "$work/wrk-short.out"
run_wrk "$secs" "$work/wrk-long.out"
python3 - "$(refs "$work/one.out")" "$(refs "$work/many.out")" "$lookups" "$rounds" \
  "$work/wrk-short.out" "$work/wrk-long.out" <<'PY'
import re, sys
one, many, lookups, rounds = map(int, sys.argv[1:5])
per_round = lookups // rounds
ours = (many - one) / (per_round * (rounds - 1))
def wrk(f):
    w = open(f).read()
    if "Non-2xx or 3xx responses" in w:
        sys.exit("wrk: the target refused some requests:\n" + w)
    n = int(re.search(r"(\d+) requests in", w).group(1))
    i = int(re.search(r"I\s+refs:\s+([\d,]+)", w).group(1).replace(",", ""))
    return n, i
(n1, i1), (n2, i2) = wrk(sys.argv[5]), wrk(sys.argv[6])
theirs = (i2 - i1) / (n2 - n1)
print(f"idpsim load import (lookups): {per_round * (rounds - 1)} lookups counted, {ours:,.0f} instructions/lookup")
print(f"wrk: {n2 - n1} requests counted, {theirs:,.0f} instructions/request")
print(f"ratio idpsim/wrk (instructions): {ours / theirs:.2f}")
PY
