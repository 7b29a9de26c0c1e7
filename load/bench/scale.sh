#!/usr/bin/env bash
# One row of load/README.md's scaling table: `idpsim target` in a process of
# its own, `idpsim load bulk-sync` against it, both processes' peak RSS.
#
#   load/bench/scale.sh USERS GROUPS [extra idpsim load args]
#
# Builds the release binary first (cargo build --release). Prints one
# Markdown row: users, groups, requests/s, users/s, load peak RSS (and per
# directory user, over the load process's base measured with --users 0),
# target peak RSS, reconcile time, bare listing time and their ratio.
set -euo pipefail
users=${1:?usage: scale.sh USERS GROUPS [args]}
groups=${2:?usage: scale.sh USERS GROUPS [args]}
shift 2
source "$(dirname "$0")/common.sh"

# peak RSS (KiB) of a load run: its own measure, from /usr/bin/time -v
peak() { awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$1"; }

# The load process's base: everything but the directory.
/usr/bin/time -v "$bin" load bulk-sync --users 1 --groups 0 --target "$url" --token bench-token \
  --exempt owner@idpsim.test -q --no-print-metrics >"$work/base.out" 2>&1
base=$(peak "$work/base.out")
curl -sf -X POST -H "Authorization: Bearer bench-token" "${url%/scim/v2}/admin/reset" >/dev/null

/usr/bin/time -v "$bin" load bulk-sync --users "$users" --groups "$groups" --target "$url" \
  --token bench-token --exempt owner@idpsim.test -q --no-print-metrics --measure-listing \
  --summary "$work/summary.json" "$@" >"$work/run.out" 2>&1 || { cat "$work/run.out" >&2; exit 1; }
load_kib=$(peak "$work/run.out")
target_kib=$(awk '/VmHWM/ {print $2}' "/proc/$tpid/status")
python3 - "$work/summary.json" "$work/run.out" "$users" "$groups" "$load_kib" "$base" "$target_kib" <<'PY'
import json, re, sys
s = json.load(open(sys.argv[1])); out = open(sys.argv[2]).read()
users, groups, load_kib, base, target_kib = map(int, sys.argv[3:8])
busy = sum(p.get("busy_seconds") or p["seconds"] for p in s["phases"])
users_busy = next(p.get("busy_seconds") or p["seconds"] for p in s["phases"] if p["name"] == "users")
reqs = sum(h["ok"] + h["failed"] for h in s["requests"].values())
rec = re.search(r"reconcile: clean .* in ([0-9.]+) s", out)
lst = re.search(r"listing alone: ([0-9.]+) s", out)
# The ratio as the run computed it, from unrounded seconds.
took = re.search(r"the reconcile took ([0-9.]+)", out)
if not rec:
    sys.exit("the reconcile was not clean:\n" + out)
r, l = float(rec.group(1)), float(lst.group(1)) if lst else float("nan")
ratio = float(took.group(1)) if took else r / l
print(f"| {users:,} | {groups:,} | {reqs / busy:,.0f} | {users / users_busy:,.0f} | "
      f"{load_kib / 1024:,.0f} MiB ({(load_kib - base) * 1024 / max(users, 1):,.0f} B/user) | "
      f"{target_kib / 1024:,.0f} MiB | {r:.1f} s | {l:.1f} s | {ratio:.2f} |")
PY
