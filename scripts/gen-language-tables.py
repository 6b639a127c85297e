#!/usr/bin/env python3
"""Generates the reference tables of docs/language.md from the schema.

compiler/schema.def lists every block and field of the language and
compiler/schema.c defines their types. This script renders them as Markdown:
one section per declaration, one table per block (field | type | notes), and
a table of every enumeration. The output replaces the text between the
markers

    <!-- BEGIN GENERATED: scripts/gen-language-tables.py -->
    <!-- END GENERATED -->

in docs/language.md, so the reference cannot drift from the checker.

Usage (from any directory):

    scripts/gen-language-tables.py            print the tables on stdout
    scripts/gen-language-tables.py --write    rewrite docs/language.md in place
    scripts/gen-language-tables.py --check    exit 1 if docs/language.md is stale

Needs Python 3.8+ and a C preprocessor (`cc -E`, or $CC -E): schema.def is
expanded with the preprocessor so that its macros (TASKDEF_BLOCKS, ...) are
read exactly as the compiler reads them.
"""

import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA_DEF = os.path.join(ROOT, "compiler", "schema.def")
SCHEMA_C = os.path.join(ROOT, "compiler", "schema.c")
DOC = os.path.join(ROOT, "docs", "language.md")
BEGIN = "<!-- BEGIN GENERATED: scripts/gen-language-tables.py -->"
END = "<!-- END GENERATED -->"

# ---- schema.c: the types ----------------------------------------------------


class Type:
    def __init__(self, name):
        self.name = name
        self.kind = None        # STRING, INT, ... (ECS_TY_ without prefix)
        self.describe = ""
        self.elem = None        # type names, resolved later
        self.key = None
        self.alts = []
        self.values = []
        self.ref = None         # CONTAINER, PORT, ... (ECS_REF_ without prefix)
        self.arn_service = None
        self.min = 0
        self.max = 0
        self.rule = None        # NAME255, ... (ECS_RULE_ without prefix)


def c_int(text):
    """Evaluates the integer constant expressions schema.c uses (3600 * 1000LL)."""
    text = re.sub(r"(?<=\d)(LL|L|ULL|U)\b", "", text.strip())
    if not re.fullmatch(r"[-0-9 *+()]+", text):
        raise ValueError("not an integer constant: " + text)
    return int(eval(text, {"__builtins__": {}}))  # digits and * + - only


def parse_types(src):
    types = {}
    src = re.sub(r"/\*.*?\*/", "", src, flags=re.S)
    alts = {}
    for m in re.finditer(r"static const EcsType \*const (\w+)\[\] = \{(.*?)\};", src, re.S):
        alts[m.group(1)] = re.findall(r"&(\w+)", m.group(2))
    for m in re.finditer(r"(?:static )?const EcsType (\w+) = \{(.*?)\};", src, re.S):
        t = Type(m.group(1))
        body = m.group(2)
        t.kind = re.search(r"\.kind = ECS_TY_(\w+)", body).group(1)
        d = re.search(r'\.describe = "((?:[^"\\]|\\.)*)"', body)
        t.describe = d.group(1).replace('\\"', '"') if d else ""
        for attr in ("elem", "key"):
            a = re.search(r"\.%s = &(\w+)" % attr, body)
            if a:
                setattr(t, attr, a.group(1))
        a = re.search(r"\.alts = (\w+)", body)
        if a:
            t.alts = alts[a.group(1)]
        for attr in ("min", "max"):
            a = re.search(r"\.%s = ([^,}]+)" % attr, body)
            if a:
                setattr(t, attr, c_int(a.group(1)))
        a = re.search(r'\.arn_service = "([^"]*)"', body)
        if a:
            t.arn_service = a.group(1)
        a = re.search(r"\.rule = ECS_RULE_(\w+)", body)
        if a:
            t.rule = a.group(1)
        a = re.search(r"\.ref = ECS_REF_(\w+)", body)
        if a:
            t.ref = a.group(1)
        types[t.name] = t
    for m in re.finditer(r"\bENUM\((\w+),\s*\"([^\"]*)\",(.*?)\);", src, re.S):
        t = Type(m.group(1))
        t.kind = "ENUM"
        t.describe = m.group(2)
        t.values = re.findall(r'"([^"]*)"', m.group(3))
        types[t.name] = t
    for m in re.finditer(r"\bARN\((\w+),\s*\"([^\"]*)\",\s*\"([^\"]*)\"\);", src):
        t = Type(m.group(1))
        t.kind = "ARN"
        t.arn_service = m.group(2)
        t.describe = m.group(3)
        types[t.name] = t
    for m in re.finditer(r"\bREF\((\w+),\s*ECS_REF_(\w+),\s*\"([^\"]*)\"\);", src):
        t = Type(m.group(1))
        t.kind = "REF"
        t.ref = m.group(2)
        t.describe = m.group(3)
        types[t.name] = t
    return types


# ---- schema.def: blocks and fields ---------------------------------------------


class Block:
    def __init__(self, bid, parent, kind, shape, label, flags):
        self.id = bid
        self.parent = parent
        self.kind = kind
        self.shape = shape
        self.label = label      # None, "NAME" or a type name
        self.repeat = "B_REPEAT" in flags
        self.required = "B_REQUIRED" in flags
        self.children = []


class Field:
    def __init__(self, shape, name, type_, flags, api, extra=""):
        self.shape = shape
        self.name = name
        self.type = type_
        self.required = "F_REQUIRED" in flags
        self.replace = "F_REPLACE" in flags
        self.runtime = "F_RUNTIME" in flags
        self.api = api
        m = re.search(r'DEFAULT\("((?:[^"\\]|\\.)*)"\)', extra)
        self.default = m.group(1).replace('\\"', '"') if m else None


WRAPPER = """
#define BLOCK(id, parent, kind, shape, label, flags) @@B id|parent|kind|shape|label|flags
#define FIELD(shape, name, type, flags, api, ...) @@F shape~name~type~flags~api~__VA_ARGS__
#include "schema.def"
"""


def parse_schema():
    cc = os.environ.get("CC", "cc")
    out = subprocess.run(
        [cc, "-E", "-P", "-x", "c", "-I", os.path.dirname(SCHEMA_DEF), "-"],
        input=WRAPPER, capture_output=True, text=True, check=True).stdout
    blocks, fields = [], []
    for item in out.split("@@")[1:]:
        tag, rest = item[0], item[1:].strip()
        parts = [p.strip() for p in rest.split("~" if tag == "F" else "|")]
        if tag == "B":
            bid, parent, kind, shape, label = parts[:5]
            flags = "|".join(parts[5:])
            label = {"NOLABEL": None, "NAME": "NAME"}.get(
                label, re.sub(r"[()&\s]", "", label))
            blocks.append(Block(bid, parent, kind.strip('"'), shape, label, flags))
        elif tag == "F":
            shape, name, type_, flags, api = parts[:5]
            fields.append(Field(shape, name.strip('"'), type_, flags, api.strip('"'),
                                "~".join(parts[5:])))
    return blocks, fields


# ---- rendering ----------------------------------------------------------------------

REF_WORDS = {
    "ROLE": "`role` name", "POLICY": "`policy` name", "CONTAINER": "container name",
    "VOLUME": "volume name", "PORT": "`container.port`",
    "CAPACITY": "capacity provider name", "LOG_GROUP": "`log_group` name",
    "CLUSTER": "`cluster` name", "SERVICE": "`service` name", "TASK": "`task` name",
}

RULE_NOTES = {
    "NAME255": "1 to 255 letters, digits, `-` and `_`",
    "ROLE_NAME": "1 to 64 letters, digits and `_+=,.@-`",
    "LOG_GROUP_NAME": "1 to 512 letters, digits and `._-/#`",
    "IAM_PATH": "begins and ends with `/`",
    "SCHEDULE": "`cron(M H D MON WD Y)`, `rate(N minutes|hours|days)` or "
                "`at(YYYY-MM-DDThh:mm:ss)`",
    "RETENTION": "a retention CloudWatch Logs allows (1d, 3d, 5d, 7d, 14d, 30d, ... "
                 "3653d; see *Value types*) or 0d for never",
    "KMS_KEY_ARN": "the key's ARN (`arn:aws:kms:REGION:ACCOUNT:key/ID`); no key id or alias",
    "KMS_NO_ALIAS": "no alias",
    "TIMESTAMP": "a UTC time, `YYYY-MM-DDThh:mm:ssZ`",
    "URL_PATH": "1 to 1024 characters, begins with `/`, no spaces or `#`",
}


def fmt_duration(ms):
    for unit, size in (("d", 86400000), ("h", 3600000), ("m", 60000), ("s", 1000)):
        if ms % size == 0:
            return "%d%s" % (ms // size, unit)
    return "%dms" % ms


def enum_words(t):
    return [v.split("=", 1)[0] for v in t.values]


def type_text(types, name):
    """The short type of a value: `duration`, `list(string)`, ..."""
    t = types[name]
    k = t.kind
    if k == "STRING":
        return "string"
    if k in ("INT", "NUMBER", "BOOL", "DURATION", "SIZE", "CPU", "PERCENT", "RANGE"):
        return {"INT": "int", "NUMBER": "number", "BOOL": "bool"}.get(k, k.lower())
    if k == "ENUM":
        return "enum"
    if k == "ARN":
        return "ARN (`%s`)" % t.arn_service
    if k == "SECRET":
        return "secret"
    if k == "IMAGE":
        return "image"
    if k == "REF":
        return REF_WORDS[t.ref]
    if k == "ONEOF":
        return " or ".join(type_text(types, a) for a in t.alts)
    if k == "LIST":
        return "list(%s)" % type_text(types, t.elem)
    if k == "MAP":
        if t.key:
            return "map(%s → %s)" % (type_text(types, t.key),
                                     type_text(types, t.elem))
        return "map(%s)" % type_text(types, t.elem)
    raise ValueError("unknown type kind " + k)


def constraint_notes(types, name):
    """What a value must satisfy beyond its kind, as short phrases."""
    t = types[name]
    notes = []
    if t.kind == "ENUM":
        notes.append("one of " + ", ".join("`%s`" % w for w in enum_words(t)))
    if t.rule:
        notes.append(RULE_NOTES[t.rule])
    if t.kind in ("INT", "RANGE") and (t.min or t.max):
        if not (t.kind == "INT" and t.min == -2147483648 and t.max == 2147483647):
            if t.kind == "INT" and t.max == 2147483647:
                notes.append("at least %d" % t.min)
            else:
                notes.append("%d to %d" % (t.min, t.max))
    if t.kind == "RANGE" and "MiB" in t.describe:
        notes.append("in MiB")
    if t.kind == "PERCENT" and (t.min or t.max):
        notes.append("%d%% to %d%%" % (t.min, t.max))
    if t.kind == "DURATION" and (t.min or t.max):
        notes.append("%s to %s" % (fmt_duration(t.min), fmt_duration(t.max)))
    if t.kind in ("LIST", "MAP") and t.elem:
        notes.extend(constraint_notes(types, t.elem))
    if t.kind == "ONEOF":
        for a in t.alts:
            notes.extend(n for n in constraint_notes(types, a) if n not in notes)
    return notes


# Fields without an API member that steer the runtime (docs/runtime.md,
# "Runtime fields"): what each does instead.
RUNTIME_FIELDS = {
    "wait_for_steady_state": "read by apply: `false` does not wait for the service",
    "skip_destroy": "read by destroy (keeps the revisions) and templates (`DeletionPolicy` and "
                    "`UpdateReplacePolicy` `Retain`)",
    "force_delete": "read by destroy: DeleteService with `force`, without scaling to 0 first",
    "sigint_rollback": "read by apply: Ctrl-C during the wait rolls the service back to its "
                       "previous task definition",
}


# Defaults that depend on other fields: what the graph writes instead.
DEFAULT_UNLESS = {
    "network_mode": " (`bridge` for tasks on external instances, `EXTERNAL`)",
}


def field_row(types, f):
    notes = []
    if f.required:
        notes.append("**required**")
    notes.extend(constraint_notes(types, f.type))
    if f.default is not None:
        notes.append("default `%s`%s" % (f.default, DEFAULT_UNLESS.get(f.name, "")))
    if f.name in RUNTIME_FIELDS and not f.runtime:
        raise SystemExit("%s is in RUNTIME_FIELDS: mark its row F_RUNTIME" % f.name)
    if f.api:
        notes.append("API `%s`" % f.api)
    elif f.runtime:
        if f.name not in RUNTIME_FIELDS:
            raise SystemExit("%s is F_RUNTIME: say in RUNTIME_FIELDS what reads it" % f.name)
        notes.append(RUNTIME_FIELDS[f.name] + " ([runtime.md](runtime.md#runtime-fields))")
    else:
        notes.append("no single API member: ecsc derives it")
    if f.replace:
        notes.append("a change replaces the resource")
    cell = "; ".join(notes)
    return "| `%s` | %s | %s |" % (f.name, type_text(types, f.type), cell.replace("|", "\\|"))


def label_text(types, b):
    if b.parent == "ROOT":
        parent = (" in CLUSTER" if b.kind == "service" else
                  " [in CLUSTER]" if b.kind == "express_service" else "")
        return "`%s NAME%s { ... }`: NAME is unique among the spec's `%s` declarations" % (
            b.kind, parent, b.kind)
    if b.label is None:
        return "`%s { ... }`" % b.kind
    if b.label == "NAME":
        return "`%s NAME { ... }`: NAME is new, unique among its siblings" % b.kind
    t = types[b.label]
    return "`%s NAME { ... }`: NAME is a %s" % (b.kind, REF_WORDS[t.ref])


def subtree_signature(b, top=True):
    """Blocks with the same shape and the same blocks inside read the same."""
    return (b.shape, None if top else b.kind,
            tuple(subtree_signature(c, False) for c in b.children))


def render(types, blocks, fields):
    by_id = {b.id: b for b in blocks}
    for b in blocks:
        if b.parent != "ROOT":
            by_id[b.parent].children.append(b)
    by_shape = {}
    for f in fields:
        by_shape.setdefault(f.shape, []).append(f)
    out = []
    seen = {}      # subtree signature -> path where it was documented

    def emit_block(b, path, level):
        sig = subtree_signature(b)
        heading = "#" * level + " " + " › ".join(path)
        out.append(heading)
        out.append("")
        how = [label_text(types, b)]
        if b.parent != "ROOT":
            how.append("may be repeated" if b.repeat else "at most once")
            if b.required:
                how.append("at least one is required")
        out.append("Written " + "; ".join(how) + ".")
        out.append("")
        if sig in seen and b.parent != "ROOT":
            out.append("The same as `%s`%s." % (
                seen[sig], ", with the same blocks inside" if b.children else ""))
            out.append("")
            return
        seen.setdefault(sig, " › ".join(path))
        fs = by_shape.get(b.shape, [])
        if fs:
            out.append("| field | type | notes |")
            out.append("| --- | --- | --- |")
            out.extend(field_row(types, f) for f in fs)
        else:
            out.append("No fields of its own.")
        if b.children:
            out.append("")
            out.append("Blocks: " + ", ".join("`%s`" % c.kind for c in b.children) + ".")
        out.append("")
        for c in b.children:
            emit_block(c, path + [c.kind], min(level + 1, 4))

    for b in blocks:
        if b.parent == "ROOT":
            emit_block(b, [b.kind], 3)

    # Enumerations, with the fields that use each, as `block.field`.
    kinds = {}
    for b in blocks:
        kinds.setdefault(b.shape, [])
        if b.kind not in kinds[b.shape]:
            kinds[b.shape].append(b.kind)
    users = {}
    for f in fields:
        stack = [f.type]
        while stack:
            n = stack.pop()
            t = types[n]
            if t.kind == "ENUM":
                for k in kinds.get(f.shape, []):
                    users.setdefault(n, []).append("%s.%s" % (k, f.name))
            stack.extend([x for x in (t.elem, t.key) if x] + list(t.alts))
    out.append("### Enumerations")
    out.append("")
    out.append("Written as bare words, in any case. Where ecsc sends AWS another "
               "spelling, it follows the arrow.")
    out.append("")
    out.append("| values | what | fields |")
    out.append("| --- | --- | --- |")
    for n, t in types.items():
        if t.kind != "ENUM" or n not in users:
            continue
        vals = []
        for v in t.values:
            w, _, api = v.partition("=")
            vals.append("`%s` → `%s`" % (w, api) if api else "`%s`" % w)
        out.append("| %s | %s | %s |" % (", ".join(vals), t.describe,
                                          ", ".join("`%s`" % u for u in dict.fromkeys(users[n]))))
    out.append("")
    return "\n".join(out)


def main(argv):
    with open(SCHEMA_C, encoding="utf-8") as f:
        types = parse_types(f.read())
    blocks, fields = parse_schema()
    for f in fields:
        if f.type not in types:
            sys.exit("gen-language-tables: unknown type %s of field %s" % (f.type, f.name))
    tables = render(types, blocks, fields)
    if len(argv) == 1:
        sys.stdout.write(tables)
        return 0
    if argv[1] not in ("--write", "--check"):
        sys.stderr.write(__doc__)
        return 2
    with open(DOC, encoding="utf-8") as f:
        doc = f.read()
    start, end = doc.find(BEGIN), doc.find(END)
    if start < 0 or end < start:
        sys.exit("gen-language-tables: %s lacks the generated-section markers" % DOC)
    new = doc[:start] + BEGIN + "\n\n" + tables + "\n" + doc[end:]
    if argv[1] == "--check":
        if new != doc:
            sys.stderr.write("gen-language-tables: docs/language.md is stale; "
                             "run scripts/gen-language-tables.py --write\n")
            return 1
        return 0
    if new != doc:
        with open(DOC, "w", encoding="utf-8") as f:
            f.write(new)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
