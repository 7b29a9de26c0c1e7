#!/usr/bin/env bash
# The load side's user-space CPU per request against wrk's, same machine,
# same run, same requests, against `idpsim target` in a process of its own
# (issue 20, goal 3: at most 2x).
#
#   load/bench/client-cpu.sh [USERS] [ROUNDS] [WRK_SECONDS]           (defaults 20000, 10, 10)
#   load/bench/client-cpu.sh --pages [USERS] [ROUNDS] [WRK_SECONDS]   (defaults 100000, 20, 10)
#
# Default: userName lookups, `GET /Users?filter=userName eq "…"` once per
# directory user, what Okta sends before each create. idpsim's figure is
# `idpsim load import --lookups --import-rounds ROUNDS`: the lookups
# phase's user CPU (`user_cpu_seconds` in the --summary, read from
# /proc/self/stat around the phase, so the process's start-up, the setup
# sync and the reconcile are left out) over the phase's requests. That run
# writes its request paths (--write-lookups); wrk sends the same paths with
# the same headers, cycling through them, and its figure is its whole
# process's user CPU (/usr/bin/time) over the requests it made. The
# machine's speed drifts, so wrk runs twice, before and after idpsim, and
# its figure is both runs' CPU over both runs' requests.
#
# --pages: every page of an import (GET /Users?startIndex=…&count=100,
# 100 KB bodies) on both sides instead.
#
# Both sides run one thread, as wrk -t1 does: idpsim's runtime gets one
# worker (TOKIO_WORKER_THREADS=1, its documented knob) for its measured
# run. CLIENT_THREADS=N gives it N instead; unset, on this two-core
# machine, it would take one per core and share them with the target.
#
# IDPSIM_BIN=path runs another build (an older one, to compare).
set -euo pipefail
mode=lookups
if [ "${1:-}" = "--pages" ]; then
  mode=pages
  shift
fi
if [ "$mode" = pages ]; then
  users=${1:-100000}
  rounds=${2:-20}
else
  users=${1:-20000}
  rounds=${2:-10}
fi
secs=${3:-10}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
source "$(dirname "$0")/common.sh"

# The directory is synced by a first run of one round (which also writes
# the lookups' paths), so that wrk finds the users before idpsim's measured
# run.
load() {
  local rounds=$1 summary=$2 extra=()
  [ "$mode" = lookups ] && extra=(--lookups --write-lookups "$work/paths.txt")
  TOKIO_WORKER_THREADS=${CLIENT_THREADS:-1} "$bin" load import "${extra[@]}" --users "$users" --groups $((users / 100)) --target "$url" \
    --token bench-token --exempt owner@idpsim.test -q --no-print-metrics -u 4 \
    --import-rounds "$rounds" --summary "$summary" >"$work/load.out" 2>&1 \
    || { cat "$work/load.out" >&2; exit 1; }
}
load 1 "$work/sync.json"
if [ "$mode" = pages ]; then
  phase=import
  pages=$(( (users + 1 + 99) / 100 ))
  cat >"$work/wrk.lua" <<LUA
local i = 0
request = function()
  local start = 1 + (i % $pages) * 100
  i = i + 1
  return wrk.format("GET", "/scim/v2/Users?startIndex=" .. start .. "&count=100")
end
LUA
  headers=()
else
  phase=lookups
  # Every request formatted once, before the run: wrk at its cheapest.
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
  # The headers the okta profile sends with a lookup.
  headers=(-H "Accept: application/scim+json" -H "Accept-Charset: utf-8" -H "User-Agent: Okta SCIM Client 1.0.0")
fi
run_wrk() {
  /usr/bin/time -v wrk -t1 -c4 -d"${secs}s" -H "Authorization: Bearer bench-token" "${headers[@]}" \
    -s "$work/wrk.lua" "$origin" >"$1" 2>&1
}
run_wrk "$work/wrk1.out"
load "$rounds" "$work/summary.json"
run_wrk "$work/wrk2.out"

python3 - "$work/summary.json" "$phase" "${CLIENT_THREADS:-1}" "$work/wrk1.out" "$work/wrk2.out" <<'PY'
import json, re, sys
s = json.load(open(sys.argv[1])); phase = sys.argv[2]; threads = int(sys.argv[3])
ph = next(p for p in s["phases"] if p["name"] == phase)
reqs = sum(h["ok"] + h["failed"] for h in s["requests"].values())
failed = sum(h["failed"] for h in s["events"].values())
if failed:
    sys.exit(f"idpsim load: {failed} failed events")
ours = ph["user_cpu_seconds"] / reqs
runs = []
for f in sys.argv[4:]:
    w = open(f).read()
    if re.search(r"Non-2xx or 3xx responses", w):
        sys.exit("wrk: the target refused some requests:\n" + w)
    n = int(re.search(r"(\d+) requests in", w).group(1))
    cpu = float(re.search(r"User time \(seconds\): ([0-9.]+)", w).group(1))
    runs.append((n, cpu))
n = sum(r[0] for r in runs); cpu = sum(r[1] for r in runs)
theirs = cpu / n
each = ", ".join(f"{c / r * 1e6:.1f}" for r, c in runs)
print(f"idpsim load import ({phase}, {threads} worker thread{'s'[:threads != 1]}): {reqs} requests, {ph['user_cpu_seconds']:.2f} s user CPU, {ours * 1e6:.1f} µs/request")
print(f"wrk (before, after): {n} requests, {cpu:.2f} s user CPU, {theirs * 1e6:.1f} µs/request ({each})")
print(f"ratio idpsim/wrk: {ours / theirs:.2f}")
PY
