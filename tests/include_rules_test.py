#!/usr/bin/env python3
"""The rooms' include rules (docs/architecture.md), checked on every source file.

- protocol/, storage/ and profiles/ know no room above them: no actors/, net/
  or tools/ header, no CAF, no Beast.
- actors/sync/ and actors/recording/ are the CAF-free rules the actors run:
  no CAF, no net/, no actor header (only each other and the rooms below).
- actors/ and net/ do not include each other; tools/ankisync wires them.
"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent)
include = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.M)
caf = ("caf/",)
beast = ("boost/beast", "boost/asio")


def rules(rel):
    """(forbidden prefixes, allowed exceptions) for a file at `rel`."""
    top = rel.parts[0]
    if top in ("protocol", "storage", "profiles"):
        return ("actors/", "net/", "tools/") + caf + beast, ()
    if top == "actors" and len(rel.parts) > 2 and rel.parts[1] in ("sync", "recording"):
        return ("actors/", "net/", "tools/") + caf + beast, ("actors/sync/", "actors/recording/")
    if top == "actors":
        return ("net/", "tools/") + beast, ()
    if top == "net":
        return ("actors/", "tools/") + caf, ()
    return (), ()


broken = []
checked = 0
for path in sorted(root.rglob("*")):
    if path.suffix not in (".hpp", ".cpp", ".h") or not path.is_file():
        continue
    rel = path.relative_to(root)
    if rel.parts[0].startswith("build") or rel.parts[0] in ("tests", "property_tests"):
        continue
    forbidden, allowed = rules(rel)
    if not forbidden:
        continue
    checked += 1
    for name in include.findall(path.read_text(errors="replace")):
        if name.startswith(forbidden) and not name.startswith(allowed):
            broken.append(f"{rel}: includes {name}")

if checked == 0:
    sys.exit(f"no source files found under {root}")
for line in broken:
    print(line)
print(f"{checked} files checked, {len(broken)} includes across rooms")
sys.exit(1 if broken else 0)
