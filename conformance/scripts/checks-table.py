#!/usr/bin/env python3
"""Regenerates the check table of conformance/README.md from `idpsim conform
--list` and the proof table in tests/proofs.rs. Run after adding checks:
    cargo build && python3 conformance/scripts/checks-table.py
The proofs test fails while the README misses a check."""
import pathlib, re, subprocess

root = pathlib.Path(__file__).resolve().parents[2]
listing = subprocess.run([str(root / "target/debug/idpsim"), "conform", "--list"], capture_output=True, text=True, check=True).stdout
proofs = (root / "conformance/tests/proofs.rs").read_text()
proof = {}
for m in re.finditer(r'(\w+): "([^"]+)" => Breaker::(Quirk\(Quirk::(\w+)\)|Proxy)', proofs):
    name, cid, quirk = m.group(1), m.group(2), m.group(4)
    proof[cid] = f"quirk `{quirk}`" if quirk else f"proxy (`proofs.rs::{name}`)"
rows = []
for line in listing.splitlines():
    parts = line.split()
    if len(parts) >= 4 and "." in parts[0]:
        cid, level, suite, ref = parts[0], parts[1], parts[2], " ".join(parts[3:])
        rows.append(f"| `{cid}` | {suite} | {level} | {ref} | {proof.get(cid, 'MISSING')} |")
readme = root / "conformance/README.md"
text = readme.read_text()
head = text[: text.index("| check | suite | level | reference | proof |")]
tail = text[text.index("\n## State"):]
tail = re.sub(r"\d+ checks so far", f"{len(rows)} checks so far", tail)
readme.write_text(head + "| check | suite | level | reference | proof |\n| --- | --- | --- | --- | --- |\n" + "\n".join(rows) + "\n" + tail)
print(f"{len(rows)} checks, {sum('MISSING' in r for r in rows)} without a proof")
