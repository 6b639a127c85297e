#!/usr/bin/env bash
# docs.sh: docs/diagnostics.md documents every diagnostic code, and the
# diagnostics it shows are what ecsc prints.
#
#   1. every code in compiler/internal.h's ECS_DIAG_CODES has a `### CODE`
#      section, and every section is a code that exists;
#   2. after each `<!-- golden: NAME -->` marker, the ```ecs block is
#      tests/diagnostics/NAME.ecs and the ```text block NAME.err (bytes that
#      are not printable UTF-8 are written \xNN on the page).
#
# Usage: tests/docs.sh     (from any directory; needs python3)

set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

exec python3 - "$root" <<'PY'
import os, re, sys

root = sys.argv[1]
doc_path = os.path.join(root, "docs/diagnostics.md")
gold = os.path.join(root, "tests/diagnostics")
failures = []

def show(b):
    s = b.decode("utf-8", errors="backslashreplace")
    return "".join(c if (c in "\n\t" or ord(c) >= 0x20) else "\\x%02x" % ord(c) for c in s)

codes = [m.group(1) for m in re.finditer(r"^\s*X\(([EW]\d{4}),",
         open(os.path.join(root, "compiler/internal.h")).read(), re.M)]
if not codes:
    failures.append("no codes found in compiler/internal.h")
try:
    doc = open(doc_path, encoding="utf-8").read()
except OSError as e:
    print("FAIL  docs/diagnostics.md: %s" % e)
    sys.exit(1)

sections = re.findall(r"^### ([EW]\d{4})\b", doc, re.M)
for c in codes:
    if c not in sections:
        failures.append("%s has no `### %s` section" % (c, c))
for c in sections:
    if c not in codes:
        failures.append("section `### %s` documents a code that does not exist" % c)
for c in set(sections):
    if sections.count(c) > 1:
        failures.append("`### %s` appears %d times" % (c, sections.count(c)))

checked = 0
for m in re.finditer(r"<!-- golden: ([\w.-]+) -->\n```ecs\n(.*?)```\n\n```text\n(.*?)```", doc, re.S):
    name, src, err = m.group(1), m.group(2), m.group(3)
    line = doc.count("\n", 0, m.start()) + 1
    for ext, shown in (("ecs", src), ("err", err)):
        path = os.path.join(gold, "%s.%s" % (name, ext))
        if not os.path.exists(path):
            failures.append("line %d: tests/diagnostics/%s.%s does not exist" % (line, name, ext))
            continue
        want = show(open(path, "rb").read())
        if shown != want:
            import difflib
            diff = "".join(difflib.unified_diff(shown.splitlines(True), want.splitlines(True),
                                                "docs/diagnostics.md", "%s.%s" % (name, ext)))
            failures.append("line %d: the %s block differs from tests/diagnostics/%s.%s:\n%s"
                            % (line, ext, name, ext, diff))
    checked += 1
markers = len(re.findall(r"<!-- golden: ", doc))
if markers != checked:
    failures.append("%d golden markers, but only %d are followed by an ```ecs and a ```text block"
                    % (markers, checked))

for f in failures:
    print("FAIL  " + f)
print("docs: %d codes, %d sections, %d examples checked against goldens, %d problems"
      % (len(codes), len(sections), checked, len(failures)))
sys.exit(1 if failures else 0)
PY
