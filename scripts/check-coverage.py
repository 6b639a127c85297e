#!/usr/bin/env python3
"""Checks docs/coverage.md against the schema.

docs/coverage.md maps every input of the seed Terraform module to its ecsc
spelling, a path of blocks and fields such as

    service › deployment › circuit_breaker › rollback

This script reads compiler/schema.def (through the C preprocessor, as the
compiler reads it) and checks the page:

  * every backticked spelling in the "ecsc spelling" column is a path that
    exists: a declaration, then blocks nested as schema.def nests them, and
    last a block or a field of the block before it. Upper-case words after a
    name are labels (`service NAME in CLUSTER`, `capacity FARGATE`) and are
    skipped; a last segment `...` stands for anything below;
  * every other backticked path with a `›` exists too, from a declaration or,
    when it starts lower down (`logging › group`), from some block of that
    kind. In a GAP row the first path after "Missing:" is the proposed
    schema row: it must *not* exist yet, or the gap may be closed;
  * each row's status agrees with its spelling column (spelled rows have a
    spelling, plumbing and GAP rows have `none`), and the summary counts at
    the top of the page match the rows;
  * a row whose note says the input is refused or missing ("wrongly",
    "not yet", "cannot be") is a GAP row, not a spelled or derived one;
  * the "Gaps at a glance" list has one bullet per GAP row, naming the
    row's seed input, and says "none." when there are no GAP rows.

Usage (from any directory):

    scripts/check-coverage.py [FILE]          check docs/coverage.md (or FILE);
                                              exit 1 and list problems
    scripts/check-coverage.py --counts [FILE] print the counts from the rows

Needs Python 3.8+ and a C preprocessor (`cc -E`, or $CC -E).
"""

import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA_DEF = os.path.join(ROOT, "compiler", "schema.def")
DOC = os.path.join(ROOT, "docs", "coverage.md")

MODULES = ["root", "cluster", "service", "container-definition", "express-service", "shared"]
STATUSES = ["spelled", "derived", "plumbing", "gaps"]
SEP = "›"

WRAPPER = """
#define BLOCK(id, parent, kind, shape, label, flags) @@B id|parent|kind|shape
#define FIELD(shape, name, type, flags, api, ...) @@F shape|name
#include "schema.def"
"""


class Schema:
    """Blocks by parent and kind, and field names by shape."""

    def __init__(self):
        cc = os.environ.get("CC", "cc")
        out = subprocess.run(
            [cc, "-E", "-P", "-x", "c", "-I", os.path.dirname(SCHEMA_DEF), "-"],
            input=WRAPPER, capture_output=True, text=True, check=True).stdout
        self.children = {}      # block id -> {kind: (block id, shape)}
        self.fields = {}        # shape -> set of field names
        self.by_kind = {}       # kind -> [block id, ...] anywhere in the tree
        self.shape = {"ROOT": None}
        for item in out.split("@@")[1:]:
            tag, rest = item[0], item[1:].strip()
            parts = [p.strip().strip('"') for p in rest.split("|")]
            if tag == "B":
                bid, parent, kind, shape = parts[:4]
                self.children.setdefault(parent, {})[kind] = bid
                self.by_kind.setdefault(kind, []).append(bid)
                self.shape[bid] = shape
            elif tag == "F":
                shape, name = parts[:2]
                self.fields.setdefault(shape, set()).add(name)

    def walk(self, start, names):
        """Resolves names below block `start`; returns None or an error."""
        cur = start
        for i, name in enumerate(names):
            last = i == len(names) - 1
            if name in ("...", "…") and last:
                return None
            child = self.children.get(cur, {}).get(name)
            if child:
                cur = child
                continue
            if last and name in self.fields.get(self.shape[cur], ()):
                return None
            where = "the top level" if cur == "ROOT" else "`%s`" % cur.lower()
            what = "block or field" if last else "block"
            return "no %s `%s` in %s" % (what, name, where)
        return None


LABEL = re.compile(r"^(?:[A-Z][A-Z0-9_]*|in)$")


def split_path(text):
    """`a NAME › b › c` -> ([a, b, c], error): names, labels dropped."""
    names = []
    for seg in text.split(SEP):
        words = seg.split()
        if not words:
            return None, "empty segment"
        bad = [w for w in words[1:] if not LABEL.match(w)]
        if bad:
            return None, "`%s` after `%s` is not a label" % (" ".join(bad), words[0])
        names.append(words[0])
    return names, None


def resolve(schema, text, absolute):
    """None if the path exists, else a reason."""
    names, err = split_path(text)
    if err:
        return err
    if absolute or names[0] in schema.children["ROOT"]:
        return schema.walk("ROOT", names)
    starts = schema.by_kind.get(names[0], [])
    if not starts:
        return "no block `%s` anywhere" % names[0]
    errors = [schema.walk(b, names[1:]) for b in starts]
    if any(e is None for e in errors):
        return None
    return errors[0]


GAP_WORDS = re.compile(r"wrongly|not yet|cannot be (?:given|written|expressed)", re.I)
GLANCE = "**Gaps at a glance**"


def check_glance(lines, gap_rows, bad):
    """The "Gaps at a glance" list agrees with the GAP rows."""
    at = [i for i, l in enumerate(lines) if l.startswith(GLANCE)]
    if len(at) != 1:
        bad(0, "the page needs one line starting %s" % GLANCE)
        return
    i = at[0]
    bullets = []
    for line in lines[i + 1:]:
        if line.startswith("* "):
            bullets.append(line)
        elif bullets and line.startswith("  "):
            bullets[-1] += " " + line.strip()
        elif line.strip() and not line.startswith("---") and bullets:
            break
        elif line.startswith("---"):
            break
    if not gap_rows:
        if not lines[i].startswith(GLANCE + ": none.") or bullets:
            bad(i + 1, "there are no GAP rows: the line must read `%s: none.` with no list"
                % GLANCE)
        return
    if len(bullets) != len(gap_rows):
        bad(i + 1, "%d bullets at a glance for %d GAP rows" % (len(bullets), len(gap_rows)))
    for n, seed in gap_rows:
        if not any(seed in b for b in bullets):
            bad(n, "GAP row %s is not listed at a glance" % seed)


def status_of(notes):
    if notes.startswith("none: Terraform plumbing"):
        return "plumbing"
    if notes.startswith("derived:"):
        return "derived"
    if notes.startswith("**GAP**"):
        return "gaps"
    return "spelled"


def ticks(text):
    return re.findall(r"`([^`]+)`", text)


def main(argv):
    schema = Schema()
    files = [a for a in argv if not a.startswith("--")]
    doc = files[0] if files else DOC
    name = os.path.relpath(doc, ROOT) if doc == DOC else doc
    lines = open(doc, encoding="utf-8").read().split("\n")
    problems = []
    counts = {m: dict.fromkeys(STATUSES, 0) for m in MODULES}

    def bad(lineno, msg):
        problems.append("%s:%d: %s" % (name, lineno, msg))

    gap_rows = []

    for n, line in enumerate(lines, 1):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        is_row = line.startswith("| ") and cells and cells[0] in MODULES
        if not is_row:
            # Prose and other tables: every path with a `›` must exist.
            for t in ticks(line):
                if SEP in t and t != SEP:
                    err = resolve(schema, t, absolute=False)
                    if err:
                        bad(n, "`%s`: %s" % (t, err))
            continue
        if len(cells) == 2 + len(STATUSES):
            continue            # the summary table itself
        if len(cells) != 4:
            bad(n, "a row needs 4 cells, this one has %d" % len(cells))
            continue
        module, _seed, spelling, notes = cells
        status = status_of(notes)
        counts[module][status] += 1

        spellings = ticks(spelling)
        if spelling == "none":
            if status == "spelled":
                bad(n, "a spelled row needs a spelling (or a status prefix in its notes)")
        elif not spellings:
            bad(n, "spelling column is neither `none` nor backticked paths")
        elif status in ("plumbing", "gaps"):
            bad(n, "a %s row must have `none` as its spelling" % status)
        for t in spellings:
            err = resolve(schema, t, absolute=True)
            if err:
                bad(n, "`%s`: %s" % (t, err))

        if status in ("spelled", "derived") and GAP_WORDS.search(notes):
            bad(n, "the note says `%s`: a row ecsc cannot express is a GAP row"
                % GAP_WORDS.search(notes).group(0))
        if status == "gaps":
            gap_rows.append((n, _seed))

        before, missing, after = notes.partition("Missing:")
        for t in ticks(before):
            if SEP in t:
                err = resolve(schema, t, absolute=False)
                if err:
                    bad(n, "`%s`: %s" % (t, err))
        if status == "gaps" and missing:
            proposed = [t for t in ticks(after) if SEP in t]
            if proposed and resolve(schema, proposed[0], absolute=False) is None:
                bad(n, "GAP proposes `%s`, which exists now: update the row"
                    % proposed[0])

    total = {s: sum(counts[m][s] for m in MODULES) for s in STATUSES}
    rows = sum(total.values())
    summary = ("**%d inputs: %d spelled, %d derived, %d plumbing, %d gaps.**"
               % (rows, total["spelled"], total["derived"], total["plumbing"],
                  total["gaps"]))
    table = ["| %s | %d | %s |" % (m, sum(counts[m].values()),
                                   " | ".join(str(counts[m][s]) for s in STATUSES))
             for m in MODULES]
    if "--counts" in argv:
        print(summary)
        print("\n".join(table))
        return 0

    check_glance(lines, gap_rows, bad)
    if summary not in lines:
        bad(0, "summary line should read: %s" % summary)
    for row in table:
        if row not in lines:
            bad(0, "summary table row should read: %s" % row)

    if problems:
        print("\n".join(problems), file=sys.stderr)
        print("%d problem(s)" % len(problems), file=sys.stderr)
        return 1
    print("%s: %d rows, every spelling in the schema" % (name, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
