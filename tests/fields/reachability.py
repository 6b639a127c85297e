#!/usr/bin/env python3
"""reachability.py ECSC [--list] [ROW...]: every row of compiler/schema.def
reaches CloudFormation and the bundle, with its value, JSON type and unit.

For each FIELD row the test writes a spec that sets the field to a value made
from the row's type, in the block context tests/fields/cases.py gives for the
row's shape, and compiles it to a CloudFormation template and to a bundle.
The place the value must arrive is derived from reviewable data, never from
ecsc's output: the request of the shape's context, the row's API member
(found beneath the context's prefix in botocore's model of that request when
it is nested deeper), and the CloudFormation property found by walking the
resource schema that cfn-lint bundles beside the API path, name by name. The
expected JSON value is the row's value converted by the type of that member
in each model (string or integer, ENABLED/DISABLED for a switch, seconds or
minutes or days by the member's name, MiB or GiB likewise, name/value lists
for maps). Every template is linted by cfn-lint and every request validated
by botocore's parameter validator.

A row that fails is a defect unless cases.KNOWN lists it (with the issue
point it belongs to); a listed row that passes fails the test too, so the
list shrinks as defects are fixed. Runtime-only rows name the runtime test
that asserts them (cases.RUNTIME)."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import schema_rows  # noqa: E402
import cases  # noqa: E402
from apifill import fill  # noqa: E402

import botocore.session  # noqa: E402
from botocore.validate import ParamValidator  # noqa: E402

ROOT = schema_rows.ROOT
SESSION = botocore.session.get_session()
MODELS = {}

# The CloudFormation resource each API request's object is.
CFN_TYPE = {
    "ecs:CreateCluster": "AWS::ECS::Cluster",
    "ecs:PutClusterCapacityProviders": "AWS::ECS::ClusterCapacityProviderAssociations",
    "ecs:CreateCapacityProvider": "AWS::ECS::CapacityProvider",
    "ecs:RegisterTaskDefinition": "AWS::ECS::TaskDefinition",
    "ecs:CreateService": "AWS::ECS::Service",
    "ecs:CreateExpressGatewayService": "AWS::ECS::ExpressGatewayService",
    "ecs:CreateTaskSet": "AWS::ECS::TaskSet",
    "logs:CreateLogGroup": "AWS::Logs::LogGroup",
    "logs:PutRetentionPolicy": "AWS::Logs::LogGroup",
    "iam:CreateRole": "AWS::IAM::Role",
    "iam:PutRolePolicy": "AWS::IAM::Role",
    "iam:CreatePolicy": "AWS::IAM::ManagedPolicy",
    "ec2:CreateSecurityGroup": "AWS::EC2::SecurityGroup",
    "iam:AttachRolePolicy": "AWS::IAM::Role",
    "ec2:AuthorizeSecurityGroupIngress": "AWS::EC2::SecurityGroupIngress",
    "ec2:AuthorizeSecurityGroupEgress": "AWS::EC2::SecurityGroupEgress",
    "application-autoscaling:RegisterScalableTarget": "AWS::ApplicationAutoScaling::ScalableTarget",
    "application-autoscaling:PutScalingPolicy": "AWS::ApplicationAutoScaling::ScalingPolicy",
    "application-autoscaling:PutScheduledAction": "AWS::ApplicationAutoScaling::ScalableTarget",
}


# ---- the two models, as one kind of node --------------------------------------------
class Node:
    """A member's type in either model: kind is string, integer, number,
    boolean, timestamp, list, map or struct."""
    def __init__(self, kind, enum=None, members=None, member=None, name=""):
        self.kind, self.enum, self.members, self.member, self.name = kind, enum, members, member, name


def api_node(shape):
    t = shape.type_name
    if t == "structure":
        return Node("struct", members={k: (lambda v=v: api_node(v)) for k, v in shape.members.items()},
                    name=shape.name)
    if t == "list":
        return Node("list", member=lambda: api_node(shape.member))
    if t == "map":
        return Node("map", member=lambda: api_node(shape.value))
    kind = {"integer": "integer", "long": "integer", "double": "number", "float": "number",
            "boolean": "boolean", "timestamp": "timestamp"}.get(t, "string")
    return Node(kind, enum=getattr(shape, "enum", None) or None, name=shape.name)


def cfn_schema(rtype):
    import cfnlint.data.schemas as S
    from cfnlint.data.schemas.providers import us_east_1 as P
    base = os.path.dirname(S.__file__)
    return json.load(open(f"{base}/resources/{P.types[rtype]}.json"))


def cfn_node(schema, node):
    while "$ref" in node:
        node = schema["definitions"][node["$ref"].split("/")[-1]]
    t = node.get("type")
    if isinstance(t, list):
        t = [x for x in t if x != "null"][0] if "object" not in t else "object"
    if t == "object" or (t is None and "properties" in node):
        props = node.get("properties")
        if props is None:
            return Node("map", member=lambda: Node("string"))
        return Node("struct", members={k: (lambda v=v: cfn_node(schema, v)) for k, v in props.items()})
    if t == "array":
        return Node("list", member=lambda: cfn_node(schema, node.get("items", {})))
    if t in ("integer", "number", "boolean", "string"):
        return Node(t, enum=node.get("enum"))
    return Node("any")


def op_model(op):
    svc, name = op.split(":")
    if svc not in MODELS:
        MODELS[svc] = SESSION.get_service_model(svc)
    return MODELS[svc].operation_model(name)


# ---- paths ---------------------------------------------------------------------------
SEG = re.compile(r"^([^\[]+)(?:\[(\*|\d+|[\w-]+=[^\]]*)\])?$")


def split_path(path):
    """'a.b[name=x].c' -> [('a', None), ('b', 'name=x'), ('c', None)]; a
    member with a dot in its name is written in quotes: options."awslogs-group"."""
    out = []
    for part in re.findall(r'"[^"]*"(?:\[[^\]]*\])?|[^.]+', path):
        if part.startswith('"'):
            name, _, rest = part[1:].partition('"')
            sel = rest[1:-1] if rest else None
        else:
            m = SEG.match(part)
            name, sel = m.group(1), m.group(2)
        out.append((name, sel))
    return out


def join_path(segs):
    return ".".join((f'"{n}"' if "." in n or "-" in n else n) + (f"[{s}]" if s else "")
                    for n, s in segs)


def find_member(node, name, depth=0):
    """Every path beneath NODE to a member called NAME (through lists, as [*])."""
    found = []
    if node.kind == "list":
        return [[("", "*")] + p for p in find_member(node.member(), name, depth)]
    if node.kind != "struct" or depth > 5:
        return found
    for k, sub in node.members.items():
        if k == name:
            found.append([(k, None)])
        else:
            found += [[(k, None)] + p for p in find_member(sub(), name, depth + 1)]
    return found


def normalise(segs):
    """Folds the ('', '*') steps of find_member into the segment before."""
    out = []
    for n, s in segs:
        if n == "" and out:
            out[-1] = (out[-1][0], s)
        else:
            out.append((n, s))
    return out


def walk_model(node, segs, cfn_names=None):
    """Follows SEGS through NODE; returns (leaf node, segs renamed to the
    model's spelling). cfn_names maps an API name to the CloudFormation one
    where they differ other than by case; otherwise names match ignoring case."""
    renamed = []
    for name, sel in segs:
        if node.kind in ("doc", "any", "string") or (node.kind == "map" and sel):
            # A policy document: JSON text in the API, an object in CloudFormation.
            node = Node("doc", member=lambda: Node("doc"))
            renamed.append((name, sel))
            continue
        if node.kind == "map":
            renamed.append((name, sel))
            node = node.member()
            continue
        if node.kind != "struct":
            raise KeyError(f"{name}: not a structure")
        want = (cfn_names or {}).get(name, name)
        match = [k for k in node.members if k == want] or \
                [k for k in node.members if k.lower() == want.lower()]
        if not match:
            raise KeyError(f"no member {want} (has {', '.join(sorted(node.members))})")
        node = node.members[match[0]]()
        if sel and node.kind == "list":
            node = node.member()
            if "=" in sel:
                k, v = sel.split("=", 1)
                if cfn_names is not None and node.kind == "struct":
                    k = next((m for m in node.members if m.lower() == k.lower()), k)
                sel = f"{k}={v}"
        renamed.append((match[0], sel))
    return node, renamed


def lookup(doc, segs):
    """Every value at SEGS in DOC; a selector picks list elements."""
    vals = [doc]
    for name, sel in segs:
        nxt = []
        for v in vals:
            if isinstance(v, str) and v.startswith("{"):
                v = json.loads(v)  # a policy document sent as JSON text
            if not isinstance(v, dict) or name not in v:
                continue
            x = v[name]
            if sel is None:
                nxt.append(x)
            elif not isinstance(x, list):
                continue
            elif sel == "*":
                nxt += x
            elif sel.isdigit():
                nxt += x[int(sel):int(sel) + 1]
            else:
                k, want = sel.split("=", 1)
                nxt += [e for e in x if isinstance(e, dict) and str(e.get(k)) == want]
        vals = nxt
    return vals


# ---- expected values -----------------------------------------------------------------
def unit_of(member):
    """The unit a member's name says: the API's own naming is the data."""
    low = member.lower()
    if "minutes" in low:
        return "min"
    if "days" in low:
        return "day"
    if "gib" in low or low.endswith("gb"):
        return "gib"
    if "gbps" in low:
        return "gbps"
    return "s"


def expect(canon, node, member):
    """The JSON value CANON must be at a member of type NODE called MEMBER."""
    tag, v = canon
    if tag == "exact" or node.kind == "doc":
        return v
    if tag == "bool":
        if node.kind == "string" and node.enum and "ENABLED" in node.enum:
            return "ENABLED" if v else "DISABLED"
        if node.kind == "string":
            return "true" if v else "false"
        return v
    if tag == "dur":
        div = {"min": 60000, "day": 86400000}.get(unit_of(member), 1000)
        return scalar(v // div, node)
    if tag == "size":
        return scalar(v // 1024 if unit_of(member) == "gib" else v, node)
    if tag == "range":
        lo, hi, mib = v
        if node.kind == "string":
            return f"{lo}-{hi}"
        if mib and unit_of(member) == "gib":
            lo, hi = lo // 1024, hi // 1024
        mem = {k.lower(): k for k in node.members}
        return {mem["min"]: scalar(lo, node.members[mem["min"]]()),
                mem["max"]: scalar(hi, node.members[mem["max"]]())}
    if tag == "map":
        if node.kind == "list" and node.member().kind == "struct":
            el = node.member()
            keys = {k.lower(): k for k in el.members}
            kname = keys.get("name") or keys.get("key")
            vname = keys.get("value") or keys.get("valuefrom")
            if not kname or not vname:
                return v
            return [{kname: k, vname: x} for k, x in v.items()]
        return v
    if tag == "list":
        if node.kind == "string":
            return v[0] if len(v) == 1 else v
        return [scalar(x, node.member()) if not isinstance(x, dict) else x for x in v]
    return scalar(v, node)


def scalar(v, node):
    if node.kind == "string" and isinstance(v, (int, float)) and not isinstance(v, bool):
        return str(v)
    if node.kind in ("integer", "number") and isinstance(v, str) and re.fullmatch(r"-?\d+(\.\d+)?", v):
        return float(v) if "." in v else int(v)
    return v


def matches(got, want):
    """GOT holds WANT: equal scalars (a number equal whatever its JSON type
    is not enough: 1 and 1.0 are equal, "1" and 1 are not), lists and maps
    that contain what is wanted (ecsc adds its own tags)."""
    if isinstance(want, dict):
        return isinstance(got, dict) and all(k in got and matches(got[k], w) for k, w in want.items())
    if isinstance(want, list):
        if not isinstance(got, list):
            return False
        return all(any(matches(g, w) for g in got) for w in want)
    if isinstance(want, bool) or isinstance(got, bool):
        return got is want
    if isinstance(want, (int, float)):
        return isinstance(got, (int, float)) and got == want
    return got == want


# ---- compiling -------------------------------------------------------------------------
def compile_spec(ecsc, spec, tmp, name):
    path = f"{tmp}/{name}.ecs"
    open(path, "w").write(spec)
    out = {}
    for target, ext in (("cloudformation", "cfn.json"), ("bundle", "bundle.json")):
        dest = f"{tmp}/{name}.{ext}"
        r = subprocess.run([ecsc, "compile", "--target", target, "-o", dest, path],
                           capture_output=True, text=True)
        if r.returncode != 0:
            return None, r.stderr
        out[target] = json.load(open(dest))
    return out, ""


def resolve_cfn(v):
    """Intrinsic functions left as they are, except a Fn::Sub string's own text."""
    if isinstance(v, dict):
        if set(v) == {"Fn::Sub"} and isinstance(v["Fn::Sub"], str):
            return v["Fn::Sub"]
        return {k: resolve_cfn(x) for k, x in v.items()}
    if isinstance(v, list):
        return [resolve_cfn(x) for x in v]
    return v


def resolve_bundle(v):
    """A bundle's {"$json": doc} stays a document; {"$sub"} becomes its text."""
    if isinstance(v, dict):
        if "$json" in v:
            return resolve_bundle(v["$json"])
        if "$sub" in v:
            return v["$sub"]
        return {k: resolve_bundle(x) for k, x in v.items()}
    if isinstance(v, list):
        return [resolve_bundle(x) for x in v]
    return v


class Row:
    def __init__(self, field, case, key):
        self.field, self.case, self.key = field, case, key
        self.problems = []


def check_row(ecsc, tmp, row, types, cfn_cache):
    f, c = row.field, row.case
    spec = c.spec
    out, err = compile_spec(ecsc, spec, tmp, row.key.replace(".", "-"))
    if out is None:
        row.problems.append(f"the spec does not compile:\n{err}")
        return None
    if c.error:
        row.problems.append(f"no API member to check: {c.error}")
        return out
    if c.check:
        for p in c.check(out["cloudformation"], out["bundle"]):
            row.problems.append(p)
        return out
    for op, path, canon in c.places:
        api_segs = split_path(path)
        inp = api_node(op_model(op).input_shape)
        leaf, api_segs = walk_model(inp, api_segs)
        member = api_segs[-1][0]
        want_api = expect(canon, leaf, member)
        reqs = [resolve_bundle(r["params"]) for r in out["bundle"]["requests"]
                if f"{r['service']}:{r['operation']}" == op]
        got = [v for r in reqs if matches_sel(r, c.select) for v in lookup(r, api_segs)]
        if not any(matches(g, want_api) for g in got):
            row.problems.append(f"bundle {op} {join_path(api_segs)}: want {json.dumps(want_api)}, "
                                f"got {json.dumps(got) if got else 'nothing'}")
        if c.no_cfn:
            continue
        rtype = CFN_TYPE[op]
        if rtype not in cfn_cache:
            cfn_cache[rtype] = cfn_schema(rtype)
        sch = cfn_cache[rtype]
        cfn_path = c.cfn_path.get(op) if c.cfn_path else None
        try:
            if cfn_path:
                leaf_c, cfn_segs = walk_model(cfn_node(sch, sch), split_path(cfn_path), {})
            else:
                leaf_c, cfn_segs = walk_model(cfn_node(sch, sch), api_segs, cases.CFN_NAMES)
        except KeyError as e:
            row.problems.append(f"CloudFormation {rtype}: {path}: {e}")
            continue
        want_cfn = conform(expect(canon, leaf_c, cfn_segs[-1][0]), leaf_c)
        sel = {cfn_name(sch, k): v for k, v in (c.select or {}).items()}
        got = [v for r in out["cloudformation"].get("Resources", {}).values()
               if r["Type"] == rtype
               for props in [resolve_cfn(r.get("Properties", {}))] if matches_sel(props, sel)
               for v in lookup(props, cfn_segs)]
        if not any(matches(g, want_cfn) for g in got):
            row.problems.append(f"CloudFormation {rtype} {join_path(cfn_segs)}: want "
                                f"{json.dumps(want_cfn)}, got {json.dumps(got) if got else 'nothing'}")
    return out


def cfn_name(schema, api_key):
    for k in schema.get("properties", {}):
        if k.lower() == api_key.lower():
            return k
    return api_key


def conform(v, node):
    """Renames the keys of an expected list of name/value pairs to the
    CloudFormation spelling (Key/Value, Name/Value)."""
    if isinstance(v, list) and node.kind == "list":
        el = node.member()
        if el.kind == "struct":
            names = {k.lower(): k for k in el.members}
            return [{names.get(k.lower(), k): x for k, x in e.items()} if isinstance(e, dict) else e
                    for e in v]
    if isinstance(v, dict) and node.kind == "struct":
        names = {k.lower(): k for k in node.members}
        return {names.get(k.lower(), k): x for k, x in v.items()}
    return v


def matches_sel(params, sel):
    return all(str(params.get(k)) == v for k, v in (sel or {}).items())


def validate(outs):
    """cfn-lint over every template; botocore over every request."""
    problems = []
    validator = ParamValidator()
    for key, out in outs.items():
        for req in out["bundle"]["requests"]:
            model = op_model(f"{req['service']}:{req['operation']}")
            rep = validator.validate(fill(req["params"]), model.input_shape)
            if rep.has_errors():
                problems.append((key, f"botocore: {req['id']}: {rep.generate_report()}"))
    return problems


def lint(tmp, keys):
    files = [f"{tmp}/{k.replace('.', '-')}.cfn.json" for k in keys]
    if not files:
        return {}
    r = subprocess.run(["cfn-lint", "--regions", "eu-west-1", "--format", "parseable", "--", *files],
                       capture_output=True, text=True)
    found = {}
    for line in r.stdout.splitlines():
        path = line.split(":", 1)[0]
        key = os.path.basename(path)[:-len(".cfn.json")]
        found.setdefault(key, []).append("cfn-lint: " + line[len(path) + 1:])
    if r.returncode not in (0, 2, 4, 6, 8, 10, 12, 14) and not found:
        found["*"] = [f"cfn-lint exited {r.returncode}: {r.stderr}"]
    return found


def main():
    args = sys.argv[1:]
    ecsc = os.path.abspath(args.pop(0))
    listing = "--list" in args
    only = [a for a in args if not a.startswith("--")]
    blocks, fields, shapes, types = schema_rows.load()
    rows, unhandled = [], []
    for f in fields:
        for key, case in cases.cases_for(f, types, blocks):
            if case is None:
                unhandled.append(key)
            else:
                rows.append(Row(f, case, key))
    if unhandled:
        print(f"FAIL: {len(unhandled)} rows have no case and no written exemption: {', '.join(unhandled)}")
        sys.exit(1)
    stale = sorted(set(cases.KNOWN) - {r.key for r in rows})
    # (a KNOWN key must name a row or a row's variant)
    if stale:
        print(f"FAIL: cases.KNOWN lists rows the schema does not have: {', '.join(stale)}")
        sys.exit(1)
    if listing:
        for r in rows:
            c = r.case
            where = "; ".join(f"{op} {p}" for op, p, _ in c.places) if c.places else (c.error or str(c.note))
            print(f"{r.key:58} {c.kind:8} {where}")
        return
    if only:
        rows = [r for r in rows if r.key in only]
    tmp = tempfile.mkdtemp()
    outs, cfn_cache = {}, {}
    try:
        for r in rows:
            if r.case.kind != "value":
                continue
            try:
                out = check_row(ecsc, tmp, r, types, cfn_cache)
            except KeyError as e:
                r.problems.append(f"the declared API path is not in botocore's model: {e}")
                out = None
            if out:
                outs[r.key] = out
        for key, p in validate(outs):
            next(r for r in rows if r.key == key).problems.append(p)
        for key, ps in lint(tmp, list(outs)).items():
            for r in rows:
                if r.key.replace(".", "-") == key or key == "*":
                    r.problems += ps
    finally:
        shutil.rmtree(tmp)
    counts = {"value": 0, "runtime": 0, "exempt": 0}
    bad = []
    for r in rows:
        counts[r.case.kind] += 1
        if r.case.kind == "runtime":
            test, word = r.case.note
            if not os.path.exists(f"{ROOT}/{test}") or word not in open(f"{ROOT}/{test}").read():
                r.problems.append(f"no runtime test asserts it ({test} does not mention {word})")
        known = cases.KNOWN.get(r.key)
        if r.problems and not known:
            bad.append(f"FAIL {r.key}: " + "\n    ".join(r.problems))
        elif known and not r.problems and r.case.kind != "exempt":
            bad.append(f"FAIL {r.key}: listed as a known defect ({known}) but it passes: "
                       "remove it from cases.KNOWN")
    for b in bad:
        print(b)
    nknown = sum(1 for r in rows if r.key in cases.KNOWN)
    print(f"reachability: {len(rows)} rows: {counts['value']} set and found in both outputs, "
          f"{counts['runtime']} asserted by runtime tests, {counts['exempt']} exempt with a reason; "
          f"{nknown} known defects; {len(bad)} unexpected")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
