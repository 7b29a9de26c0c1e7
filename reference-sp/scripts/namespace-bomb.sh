#!/usr/bin/env bash
# Peak resident memory of `idpsim target` (release) while it refuses the
# worst SAMLResponse bodies: the namespace-scope bomb of issue 14 at the
# full 512 KiB field limit (once, then 4 at once), the 10,000-attribute
# body, a PrefixList bomb and an exclusive-c14n amplification signed with
# the TEST-ONLY fixture key the target trusts by default. Prints each
# answer and the peak RSS above idle; the bar is < 64 MiB.
#
# Usage: reference-sp/scripts/namespace-bomb.sh
#   IDPSIM_BIN=path  measure that binary instead of building this tree's
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -z "${IDPSIM_BIN:-}" ]; then
  cargo build --release --quiet
  IDPSIM_BIN=target/release/idpsim
fi
out=$(mktemp -d)
/usr/bin/time -v "$IDPSIM_BIN" target --port 0 --token bomb >"$out/url" 2>"$out/time" &
pid=$!
for _ in $(seq 100); do [ -s "$out/url" ] && break; sleep 0.1; done
child=$(pgrep -P "$pid")
idle=$(awk '/VmHWM/ {print $2}' "/proc/$child/status")
BASE=$(head -1 "$out/url") KEY=certs/fixtures/TEST-ONLY-idp-signing.key.pem python3 - <<'PY'
import base64, os, subprocess, threading, time, urllib.error, urllib.parse, urllib.request

origin = os.environ["BASE"].split("/scim/")[0]
acs = origin + "/saml/acs"
MAX_XML = 512 * 1024 // 4 * 3 - 64
DSIG = "http://www.w3.org/2000/09/xmldsig#"
EXC = "http://www.w3.org/2001/10/xml-exc-c14n#"

def envelope(root_decls, inner):
    return (f'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"{root_decls} ID="_r" '
            f'Version="2.0" IssueInstant="2026-01-01T00:00:00Z" Destination="{acs}">'
            '<saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">http://www.okta.com/exkidpsim0000000000</saml:Issuer>'
            '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>'
            '<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a" Version="2.0" '
            'IssueInstant="2026-01-01T00:00:00Z"><saml:Issuer>http://www.okta.com/exkidpsim0000000000</saml:Issuer>'
            f'{inner}</saml:Assertion></samlp:Response>')

def fill(budget, item):
    parts, used, i = [], 0, 0
    while True:
        s = item(i)
        if used + len(s) > budget:
            return "".join(parts)
        parts.append(s); used += len(s); i += 1

def signed(root_decls, prefixes, payload):
    """A SignedInfo (written in canonical form) really signed by the fixture
    key, over a wrong digest: what an editor of one genuine response sends."""
    incl = (f'<ec:InclusiveNamespaces xmlns:ec="{EXC}" PrefixList="{prefixes}"></ec:InclusiveNamespaces>'
            if prefixes else "")
    si = (f'<ds:SignedInfo xmlns:ds="{DSIG}"><ds:CanonicalizationMethod Algorithm="{EXC}"></ds:CanonicalizationMethod>'
          '<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"></ds:SignatureMethod>'
          '<ds:Reference URI="#_a"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"></ds:Transform>'
          f'<ds:Transform Algorithm="{EXC}">{incl}</ds:Transform></ds:Transforms>'
          '<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"></ds:DigestMethod>'
          f'<ds:DigestValue>{base64.b64encode(bytes(32)).decode()}</ds:DigestValue></ds:Reference></ds:SignedInfo>')
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", os.environ["KEY"]],
                         input=si.encode(), capture_output=True, check=True).stdout
    sig = base64.b64encode(sig).decode()
    return envelope(root_decls, f'<ds:Signature xmlns:ds="{DSIG}">{si}<ds:SignatureValue>{sig}</ds:SignatureValue></ds:Signature>{payload}')

room = MAX_XML - 5000
bodies = {
    # Issue 14's body: the root declares thousands of prefixes, each of
    # thousands of children one more.
    "namespace-bomb": envelope(fill(room // 2, lambda i: f' xmlns:p{i}="urn:{i}"'),
                               fill(room // 2, lambda i: f'<c xmlns:q{i}="urn:{i}"/>')),
    "10000-attributes": envelope("", "<x" + "".join(f' a{i}=""' for i in range(10_000)) + "/>"),
    "prefix-list-bomb": signed("", " ".join(f"p{e}x{i}" for e in range(47) for i in range(64)),
                               "".join("<k" + "".join(f' xmlns:p{e}x{i}="urn:{i}"' for i in range(64)) + "/>" for e in range(47))),
    "c14n-amplification": signed(f' xmlns:p="urn:{"u" * (room // 2)}"', "",
                                 fill(room // 2, lambda i: "<p:eeeeeeee/>")),
}

def post(name, xml, results):
    b64 = base64.b64encode(xml.encode()).decode()
    assert len(b64) <= 512 * 1024, (name, len(b64))
    data = urllib.parse.urlencode({"SAMLResponse": b64}).encode()
    start = time.monotonic()
    try:
        r = urllib.request.urlopen(urllib.request.Request(acs, data), timeout=120)
        status, text = r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode()
    except Exception as e:  # a dropped connection
        status, text = "error", str(e)
    reason = text.split("<p id=reason>")[-1].split("</p>")[0] if "reason" in text else text[:120]
    results.append(f"{name}: {len(data) // 1024} KiB -> {status} in {time.monotonic() - start:.2f} s: {reason}")

for name, xml in bodies.items():
    results = []
    post(name, xml, results)
    print(results[0], flush=True)
results = []
threads = [threading.Thread(target=post, args=(f"namespace-bomb #{i}", bodies["namespace-bomb"], results)) for i in range(4)]
for t in threads: t.start()
for t in threads: t.join()
print("\n".join(results))
PY
# GNU time ignores SIGINT while it waits, so signal its child.
kill -INT "$child"
wait "$pid" || true
peak=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out/time")
echo "idle RSS ${idle} KiB, peak RSS ${peak} KiB: $(( (peak - idle) / 1024 )) MiB above idle (bar: < 64 MiB)"
