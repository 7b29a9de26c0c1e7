#!/usr/bin/env python3
"""Regenerates the check table of conformance/README.md from `idpsim conform
--list` and the proof table in tests/proofs.rs, and every count of checks
and scenarios that README.md and conformance/README.md print. Run after
adding checks or scenarios:
    cargo build && python3 conformance/scripts/checks-table.py
The proofs test fails while the README misses a check or a count drifts
(`readme_counts_are_the_registry_s`)."""
import pathlib, re, subprocess

root = pathlib.Path(__file__).resolve().parents[2]
listing = subprocess.run([str(root / "target/debug/idpsim"), "conform", "--list"], capture_output=True, text=True, check=True).stdout
proofs = (root / "conformance/tests/proofs.rs").read_text()
proof = {}
for m in re.finditer(r'(\w+): "([^"]+)" => "([^"]+)", Breaker::(Quirk\(Quirk::(\w+)\)|Proxy)', proofs):
    name, cid, rule, quirk = m.group(1), m.group(2), m.group(3), m.group(5)
    how = f"quirk `{quirk}`" if quirk else f"proxy (`proofs.rs::{name}`)"
    proof.setdefault(cid, []).append(f"{how} → `{rule}`")
rows = []
suites = {}
for line in listing.splitlines():
    parts = line.split()
    if len(parts) >= 4 and "." in parts[0]:
        cid, level, suite, ref = parts[0], parts[1], parts[2], " ".join(parts[3:])
        rows.append(f"| `{cid}` | {suite} | {level} | {ref} | {'; '.join(proof.get(cid, ['MISSING']))} |")
        suites[suite] = suites.get(suite, 0) + 1
readme = root / "conformance/README.md"
text = readme.read_text()
head = text[: text.index("| check | suite | level | reference | proof")]
tail = text[text.index("\n## State"):]
counts = (f"{len(rows)} checks: {suites.get('rfc', 0)} in the `rfc` suite, "
          f"{suites.get('okta', 0)} in `okta` (with the okta-aiw replays), "
          f"{suites.get('entra', 0)} in `entra` (with the entra-2020 replays).")
tail = re.sub(r"\d+ checks: \d+ in the `rfc` suite, [^\n]*", counts, tail)
main = root / "README.md"
scenarios = len(list((root / "scenarios").glob("*.yaml")))
main.write_text(re.sub(r"\| \d+ scenarios \|", f"| {scenarios} scenarios |",
                       re.sub(r"\d+ checks of the catalogue", f"{len(rows)} checks of the catalogue",
                              main.read_text())))
readme.write_text(head + "| check | suite | level | reference | proof → rule it fails |\n| --- | --- | --- | --- | --- |\n" + "\n".join(rows) + "\n" + tail)
print(f"{len(rows)} checks, {sum('MISSING' in r for r in rows)} without a proof")
