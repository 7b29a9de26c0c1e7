# Sourced by the load/bench scripts. Sets $root, $bin (IDPSIM_BIN, or a
# release build made now), $work (a directory removed on exit) and starts
# `idpsim target` in a process of its own: $tpid, $url (its SCIM base URL)
# and $origin (the URL without the base path), token `bench-token`.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [ -n "${IDPSIM_BIN:-}" ]; then
  bin=$IDPSIM_BIN
else
  cargo build --release --locked --quiet --manifest-path "$root/Cargo.toml" -p idpsim
  bin="$root/target/release/idpsim"
fi
work=$(mktemp -d)
trap 'kill "${tpid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
"$bin" target --token bench-token --no-seat-limit >"$work/target.out" 2>"$work/target.err" &
tpid=$!
for _ in $(seq 100); do
  [ -s "$work/target.out" ] && break
  sleep 0.1
done
url=$(head -1 "$work/target.out")
[ -n "$url" ] || { echo "the target did not start:" >&2; cat "$work/target.err" >&2; exit 1; }
origin=${url%/scim/v2}
