#!/usr/bin/env bash
# Peak resident memory of `idpsim target` holding N users (default 100,000)
# and N/100 groups of 100 members, loaded over /Bulk, measured by
# /usr/bin/time -v. Usage: reference-sp/scripts/rss.sh [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-100000}
cargo build --release --quiet
out=$(mktemp -d)
/usr/bin/time -v target/release/idpsim target --port 0 --token rss --no-seat-limit \
  >"$out/url" 2>"$out/time" &
pid=$!
for _ in $(seq 100); do [ -s "$out/url" ] && break; sleep 0.1; done
BASE=$(head -1 "$out/url") N=$N python3 - <<'PY'
import json, os, urllib.request
base, n = os.environ["BASE"], int(os.environ["N"])
def bulk(ops):
    body = json.dumps({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": ops}).encode()
    req = urllib.request.Request(base + "/Bulk", body, {"Authorization": "Bearer rss", "Content-Type": "application/scim+json"})
    res = json.load(urllib.request.urlopen(req))
    bad = [o for o in res["Operations"] if not o["status"].startswith("2")]
    assert not bad, bad[:1]
    return res["Operations"]
ids = []
for start in range(0, n, 1000):
    ops = []
    for i in range(start, min(start + 1000, n)):
        ops.append({"method": "POST", "path": "/Users", "bulkId": f"u{i}", "data": {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "userName": f"user{i:06d}@example.com", "externalId": f"00u{i:017d}",
            "name": {"givenName": f"Given{i}", "familyName": f"Family{i}", "formatted": f"Given{i} Family{i}"},
            "displayName": f"Given{i} Family{i}", "title": "Engineer", "active": True, "locale": "en-US",
            "emails": [{"value": f"user{i:06d}@example.com", "type": "work", "primary": True}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": f"Dept{i % 50}", "employeeNumber": str(i)}}})
    ids += [o["location"].rsplit("/", 1)[1] for o in bulk(ops)]
groups = []
for g in range(n // 100):
    groups.append({"method": "POST", "path": "/Groups", "bulkId": f"g{g}", "data": {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": f"group-{g}",
        "members": [{"value": u} for u in ids[g * 100:(g + 1) * 100]]}})
for s in range(0, len(groups), 100):
    bulk(groups[s:s + 100])
req = urllib.request.Request(base + "/Users?count=0", headers={"Authorization": "Bearer rss"})
print("users held:", json.load(urllib.request.urlopen(req))["totalResults"])
PY
# GNU time ignores SIGINT while it waits, so signal its child.
pkill -INT -P "$pid"
wait $pid || true
grep -E 'Maximum resident set size|Elapsed' "$out/time"
