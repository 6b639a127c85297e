#!/usr/bin/env python3
"""test_derived.py ECSC CASE: what the graph derives, read in both outputs.

Each case compiles small specs (and samples) to a CloudFormation template
and to a bundle and asserts the value at its path in each: the resource a
feature needs, the IAM statement with its actions and resources, the order
of the requests.

Cases:
  log_groups      a group named in a string with a retention is created
                  once, kept as long as said, and created before the task
                  definition that writes to it; a group named alone, or
                  declared with managed = false, is never created
"""
import json
import os
import subprocess
import sys
import tempfile

ECSC, CASE = os.path.abspath(sys.argv[1]), sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
failures = []

CLUSTER = "cluster main {\n  capacity FARGATE { weight = 1 }\n}\n"
SUBNET = "subnet-0a1b2c3d4e5f60718"


def service(body, name="web"):
    return (CLUSTER + f"service {name} in main {{\n  cpu = 256\n  memory = 512\n"
            f'  network {{ subnets = ["{SUBNET}"] }}\n{body}\n}}\n')


def compile_spec(spec, *args):
    """(template, bundle) of a spec given as text or as a path."""
    path, tmp = spec, None
    if "\n" in spec:
        with tempfile.NamedTemporaryFile("w", suffix=".ecs", delete=False) as f:
            f.write(spec)
        path = tmp = f.name
    try:
        outs = []
        for target in ("cloudformation", "bundle"):
            r = subprocess.run([ECSC, "compile", "--target", target, *args, path],
                               capture_output=True, text=True)
            if r.returncode != 0:
                raise AssertionError(f"ecsc compile --target {target} exited {r.returncode}: "
                                     f"{r.stderr}")
            outs.append(json.loads(r.stdout))
        return tuple(outs)
    finally:
        if tmp:
            os.unlink(tmp)


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {detail}"))
    if not ok:
        failures.append(name)


def of_type(cfn, rtype):
    return {k: r for k, r in cfn["Resources"].items() if r["Type"] == rtype}


def requests(bundle, op):
    return [r for r in bundle["requests"] if f"{r['service']}:{r['operation']}" == op]


def containers(cfn):
    return [c for td in of_type(cfn, "AWS::ECS::TaskDefinition").values()
            for c in td["Properties"]["ContainerDefinitions"]]


# ---- log groups ----------------------------------------------------------------------------

def group_is_managed(label, cfn, bundle, name, days):
    """The template creates `name` once with `days` of retention, and the
    container writing to it names it and waits for it; the bundle creates
    it and sets its retention before registering the task definition."""
    groups = {k: r["Properties"] for k, r in of_type(cfn, "AWS::Logs::LogGroup").items()
              if r["Properties"].get("LogGroupName") == name}
    check(f"{label}: CloudFormation creates {name} once", len(groups) == 1, groups)
    if len(groups) != 1:
        return
    (lid, props), = groups.items()
    check(f"{label}: RetentionInDays {days}", props.get("RetentionInDays") == days, props)
    for k, td in of_type(cfn, "AWS::ECS::TaskDefinition").items():
        for c in td["Properties"]["ContainerDefinitions"]:
            opts = c.get("LogConfiguration", {}).get("Options", {})
            if opts.get("awslogs-group") != name:
                continue
            check(f"{label}: {k} waits for {lid}", lid in td.get("DependsOn", []),
                  td.get("DependsOn"))
            check(f"{label}: ECS is not asked to create {name}",
                  "awslogs-create-group" not in opts, opts)
    ids = [r["id"] for r in bundle["requests"]]
    create = [r["id"] for r in requests(bundle, "logs:CreateLogGroup")
              if r["params"]["logGroupName"] == name]
    keep = [r for r in requests(bundle, "logs:PutRetentionPolicy")
            if r["params"]["logGroupName"] == name]
    check(f"{label}: the bundle creates {name} once", len(create) == 1, create)
    check(f"{label}: PutRetentionPolicy {days}",
          [r["params"]["retentionInDays"] for r in keep] == [days], keep)
    for td in requests(bundle, "ecs:RegisterTaskDefinition"):
        if not any(c.get("logConfiguration", {}).get("options", {}).get("awslogs-group") == name
                   for c in td["params"]["containerDefinitions"]):
            continue
        before = create + [r["id"] for r in keep]
        check(f"{label}: {td['id']} comes after {before}",
              all(b in td["depends_on"] and ids.index(b) < ids.index(td["id"]) for b in before),
              td["depends_on"])


def case_log_groups():
    # The sample promises "a log group ecsc manages, kept for a week".
    cfn, bundle = compile_spec(f"{ROOT}/samples/ec2-autoscaling.ecs")
    group_is_managed("ec2-autoscaling", cfn, bundle, "/aws/ecs/ex-ec2-autoscaling/ecs-sample", 7)

    # Two containers naming one group: one group, made once.
    spec = service('  container app {\n    image = "nginx:1.27"\n'
                   '    logging {\n      group = "/shop/web"\n      retention = 7d\n    }\n  }\n'
                   '  container side {\n    image = "busybox:1.36"\n    essential = false\n'
                   '    logging {\n      group = "/shop/web"\n      retention = 7d\n    }\n  }\n')
    cfn, bundle = compile_spec(spec)
    group_is_managed("shared", cfn, bundle, "/shop/web", 7)

    # A class alone makes the group ecsc's too, with the default retention.
    spec = service('  container app {\n    image = "nginx:1.27"\n'
                   '    logging {\n      group = "/shop/ia"\n      class = INFREQUENT_ACCESS\n    }\n  }\n')
    cfn, bundle = compile_spec(spec)
    group_is_managed("class", cfn, bundle, "/shop/ia", 14)
    made = [r["params"] for r in requests(bundle, "logs:CreateLogGroup")
            if r["params"]["logGroupName"] == "/shop/ia"]
    check("class: logGroupClass", [p.get("logGroupClass") for p in made] == ["INFREQUENT_ACCESS"],
          made)

    # A group named alone exists already: nothing creates it.
    spec = service('  container app {\n    image = "nginx:1.27"\n'
                   '    logging { group = "/shop/existing" }\n  }\n')
    cfn, bundle = compile_spec(spec)
    check("existing: no AWS::Logs::LogGroup for it",
          not [r for r in of_type(cfn, "AWS::Logs::LogGroup").values()
               if r["Properties"]["LogGroupName"] == "/shop/existing"])
    check("existing: no logs request for it",
          not [r for r in bundle["requests"]
               if r["service"] == "logs" and r["params"].get("logGroupName") == "/shop/existing"])

    # A declared group with managed = false exists already, whatever the
    # logging block says: named, never created.
    spec = ('log_group audit {\n  name = "/shop/audit"\n  managed = false\n}\n' +
            service('  container app {\n    image = "nginx:1.27"\n'
                    '    logging {\n      group = audit\n      retention = 7d\n    }\n  }\n'))
    cfn, bundle = compile_spec(spec)
    check("unmanaged: no AWS::Logs::LogGroup for it",
          not [r for r in of_type(cfn, "AWS::Logs::LogGroup").values()
               if r["Properties"]["LogGroupName"] == "/shop/audit"])
    check("unmanaged: no logs request for it",
          not [r for r in bundle["requests"]
               if r["service"] == "logs" and r["params"].get("logGroupName") == "/shop/audit"])
    opts = [c["LogConfiguration"]["Options"] for c in containers(cfn)]
    check("unmanaged: the container writes to it",
          [o["awslogs-group"] for o in opts] == ["/shop/audit"], opts)


CASES = {"log_groups": case_log_groups}
CASES[CASE]()
print(f"{CASE}: {'FAIL' if failures else 'ok'} ({len(failures)} failed)")
sys.exit(1 if failures else 0)
