#!/usr/bin/env bash
# The load side's user-space CPU per request against wrk's, same machine,
# same run, same requests: every page of an import (GET /Users and
# /Groups?startIndex=…&count=100) against `idpsim target` in a process of
# its own.
#
#   load/bench/client-cpu.sh [USERS] [ROUNDS] [WRK_SECONDS]   (defaults 100000, 20, 10)
#
# idpsim's figure is the import phase's user CPU (`user_cpu_seconds` in the
# --summary, read from /proc/self/stat around the phase) over its requests,
# the listing read ROUNDS times so that goose's start-up is a small part;
# wrk's is its process's user CPU (/usr/bin/time) over the requests it made,
# cycling through the same page URLs with one connection per thread.
set -euo pipefail
users=${1:-100000}
rounds=${2:-20}
secs=${3:-10}
root=$(cd "$(dirname "$0")/../.." && pwd)
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
# IDPSIM_BIN runs another build (an older one, to compare) instead.
if [ -n "${IDPSIM_BIN:-}" ]; then
  bin=$IDPSIM_BIN
else
  cargo build --release --locked --quiet --manifest-path "$root/Cargo.toml" -p idpsim
  bin="$root/target/release/idpsim"
fi
work=$(mktemp -d)
trap 'kill "$tpid" 2>/dev/null || true; rm -rf "$work"' EXIT
"$bin" target --token bench-token --no-seat-limit >"$work/target.out" 2>"$work/target.err" &
tpid=$!
for _ in $(seq 100); do [ -s "$work/target.out" ] && break; sleep 0.1; done
url=$(head -1 "$work/target.out")

"$bin" load import --users "$users" --groups $((users / 100)) --target "$url" --token bench-token \
  --exempt owner@idpsim.test -q --no-print-metrics -u 4 --import-rounds "$rounds" --summary "$work/import.json" >"$work/import.out" 2>&1 \
  || { cat "$work/import.out" >&2; exit 1; }

pages=$(( (users + 1 + 99) / 100 ))
cat >"$work/pages.lua" <<LUA
local i = 0
request = function()
  local start = 1 + (i % $pages) * 100
  i = i + 1
  return wrk.format("GET", "/scim/v2/Users?startIndex=" .. start .. "&count=100")
end
LUA
/usr/bin/time -v wrk -t1 -c4 -d"${secs}s" -H "Authorization: Bearer bench-token" \
  -s "$work/pages.lua" "${url%/scim/v2}" >"$work/wrk.out" 2>&1

python3 - "$work/import.json" "$work/wrk.out" <<'PY'
import json, re, sys
s = json.load(open(sys.argv[1])); w = open(sys.argv[2]).read()
ph = next(p for p in s["phases"] if p["name"] == "import")
reqs = sum(h["ok"] + h["failed"] for h in s["requests"].values())
ours = ph["user_cpu_seconds"] / reqs
m = re.search(r"(\d+) requests in", w)
cpu = re.search(r"User time \(seconds\): ([0-9.]+)", w)
theirs = float(cpu.group(1)) / int(m.group(1))
print(f"idpsim load import: {reqs} requests, {ph['user_cpu_seconds']:.2f} s user CPU, {ours * 1e6:.1f} µs/request")
print(f"wrk:                {m.group(1)} requests, {cpu.group(1)} s user CPU, {theirs * 1e6:.1f} µs/request")
print(f"ratio idpsim/wrk: {ours / theirs:.2f}")
PY
