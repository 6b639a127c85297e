"""schema_rows.py: compiler/schema.def, shapes.def and the types of schema.c
read as data, for tests that are generated from the schema.

Only the leading columns are read (BLOCK: id, parent, kind, shape, label,
flags; FIELD: shape, name, type, flags, api, and the named DEFAULT(...)
after them), so a column added later does not break the reader."""
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _split_args(s):
    """Splits a macro's arguments at top-level commas."""
    out, depth, cur, quote = [], 0, "", False
    for i, ch in enumerate(s):
        if quote:
            cur += ch
            if ch == '"' and s[i - 1] != "\\":
                quote = False
            continue
        if ch == '"':
            quote = True
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
            continue
        cur += ch
    out.append(cur.strip())
    return out


def _strip_comments(text):
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def _expand_macros(text):
    """Expands schema.def's one-argument #define blocks (TASKDEF_BLOCKS(P))."""
    defs = {}
    pattern = re.compile(r"^#define (\w+)\((\w+)\)((?:[^\n]*\\\n)*[^\n]*)\n", re.M)
    for m in pattern.finditer(text):
        defs[m.group(1)] = (m.group(2), m.group(3).replace("\\\n", "\n"))
    text = pattern.sub("", text)
    for name, (arg, body) in defs.items():
        def expand(m, arg=arg, body=body):
            val = m.group(1)
            out = body.replace(arg + "##", val)
            return re.sub(r"\b%s\b" % arg, val, out)
        text = re.sub(r"^%s\((\w+)\)\s*$" % name, expand, text, flags=re.M)
    return re.sub(r"^#undef.*$", "", text, flags=re.M)


def _unquote(s):
    return s[1:-1] if s.startswith('"') else s


def _calls(text, macro):
    """The argument lists of every MACRO(...) call, which may span lines."""
    for m in re.finditer(r"\b%s\(" % macro, text):
        depth, i = 1, m.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            if text[i] == '"':
                i = text.index('"', i + 1)
            i += 1
        yield _split_args(text[m.end():i - 1])


class Field:
    def __init__(self, index, shape, name, type_, flags, api, *extra):
        self.index, self.shape, self.name, self.type = index, shape, name, type_
        self.required = "F_REQUIRED" in flags
        self.api = api
        self.default = None     # the DEFAULT column's text, as a spec writes the value
        for e in extra:
            m = re.fullmatch(r'DEFAULT\("(.*)"\)', e.strip(), re.S)
            if m:
                self.default = m.group(1).replace('\\"', '"')

    @property
    def key(self):
        return f"{self.shape}.{self.name}"


class Block:
    def __init__(self, id_, parent, kind, shape, label, flags):
        self.id, self.parent, self.kind, self.shape = id_, parent, kind, shape
        self.label, self.flags = label, flags


def load():
    """Returns (blocks, fields, shapes, types) read from the compiler's tables."""
    text = _expand_macros(_strip_comments(open(f"{ROOT}/compiler/schema.def").read()))
    blocks = [Block(*[_unquote(a) for a in args[:6]]) for args in _calls(text, "BLOCK")]
    fields = [Field(i, *[_unquote(a) for a in args[:5]], *args[5:])
              for i, args in enumerate(_calls(text, "FIELD"))]
    shapes = re.findall(r"SHAPE\((\w+)\)",
                        _strip_comments(open(f"{ROOT}/compiler/shapes.def").read()))
    return blocks, fields, shapes, load_types()


def load_types():
    """The TY_* definitions of schema.c: kind, unit, range, element, alternatives
    and enum words ("dsl=Api" pairs kept as given)."""
    src = _strip_comments(open(f"{ROOT}/compiler/schema.c").read())
    types = {}
    arrays = {m.group(1): re.findall(r"&(TY_\w+)", m.group(2)) for m in re.finditer(
        r"static const EcsType \*const (\w+)\[\] = \{([^}]*)\}", src)}
    for m in re.finditer(r"(?:static )?const EcsType (TY_\w+) = \{(.*?)\};", src, re.S):
        body = m.group(2)
        t = {"name": m.group(1)}
        for key, val in re.findall(r"\.(\w+)\s*=\s*([^,}]+)", body):
            t[key] = val.strip()
        t["kind"] = t.get("kind", "").replace("ECS_TY_", "")
        for k in ("unit", "min", "max"):
            if k in t:
                t[k] = eval(t[k].replace("LL", ""))  # integer literals and products
        if "elem" in t:
            t["elem"] = t["elem"].lstrip("&")
        if "key" in t:
            t["key"] = t["key"].lstrip("&")
        if "alts" in t:
            t["alts"] = arrays[t["alts"]]
        if "arn_service" in t:
            t["service"] = _unquote(t["arn_service"])
        types[t["name"]] = t
    for args in _calls(src, "ENUM"):
        if args[0].startswith("TY_"):
            types[args[0]] = {"name": args[0], "kind": "ENUM",
                              "values": [_unquote(a) for a in args[2:]]}
    for args in _calls(src, "ARN"):
        if args[0].startswith("TY_"):
            types[args[0]] = {"name": args[0], "kind": "ARN", "service": _unquote(args[1])}
    for args in _calls(src, "REF"):
        if args[0].startswith("TY_"):
            types[args[0]] = {"name": args[0], "kind": "REF", "ref": args[1]}
    return types
