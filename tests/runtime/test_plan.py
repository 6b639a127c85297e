#!/usr/bin/env python3
"""test_plan.py ECSC: what `ecsc plan` says, against goldens.

tests/runtime/plan/v1.ecs is applied to a moto_server; then v2.ecs, which
changes a scalar (an image), a list (a command), a map (an environment:
one key changed, one added, one removed), an IAM statement (one action
more, one less) and the launch type (a replacement), adds a service and
drops one, is planned with --prune. Its text must equal
plan/v2.plan.txt, and with --color=always plan/v2.plan.color.txt (ESC
written `\\e`); the moto-made ids (subnets, the security group) are
replaced by fixed names first. A spec that only narrows the statement
(plan/v3.ecs is made from v1 here) equals plan/v3.plan.txt and has no
"widens access" anywhere. --json carries the same facts at their paths.

ECSC_UPDATE_GOLDENS=1 rewrites the goldens from this run (then review
the diff)."""
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.dont_write_bytecode = True
from awslocal import Checks, clients_kw, ecsc_env, moto_server  # noqa: E402

import boto3  # noqa: E402

ECSC = os.path.abspath(sys.argv[1])
DIR = os.path.join(HERE, "plan")
UPDATE = os.environ.get("ECSC_UPDATE_GOLDENS") == "1"
check = Checks()


def golden(name, text):
    """Compares text with DIR/name (or writes it under UPDATE)."""
    path = os.path.join(DIR, name)
    if UPDATE:
        with open(path, "w") as f:
            f.write(text)
    try:
        with open(path) as f:
            want = f.read()
    except OSError:
        want = None
    if want == text:
        check(f"plan equals {name}", True)
        return
    import difflib
    diff = "".join(difflib.unified_diff((want or "").splitlines(True), text.splitlines(True),
                                        name, "this run"))
    check(f"plan equals {name}", False, diff[:4000] if want is not None else "missing golden")


with moto_server(MOTO_ECS_SERVICE_RUNNING="1") as url:
    ec2 = boto3.client("ec2", **clients_kw(url))
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2]
    sg = ec2.describe_security_groups(
        Filters=[{"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]["GroupId"]
    names = {subnets[0]: "subnet-AAAAAAAA", subnets[1]: "subnet-BBBBBBBB", sg: "sg-DEFAULT"}
    env = ecsc_env()

    def ecsc(cmd, spec, *args):
        argv = [ECSC, cmd, spec, "--set", "subnets=" + ",".join(subnets), "--set", f"sg={sg}",
                *args, "--endpoint-url", url]
        return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)

    def normal(text):
        for real, fixed in names.items():
            text = text.replace(real, fixed)
        return text.replace("\x1b", "\\e")

    r = ecsc("apply", f"{DIR}/v1.ecs", "--yes")
    check("v1 applies (exit 0)", r.returncode == 0, r.stderr[-1500:])
    r = ecsc("plan", f"{DIR}/v1.ecs")
    check("v1 planned again has no changes (exit 0)", r.returncode == 0, r.stdout[-1500:])

    r = ecsc("plan", f"{DIR}/v2.ecs", "--prune")
    check("v2 has changes (exit 2)", r.returncode == 2, r.stdout[-500:] + r.stderr[-1500:])
    text = normal(r.stdout)
    golden("v2.plan.txt", text)
    # What the goldens hold, said once more independently of them.
    lines = text.splitlines()

    def line(*words):
        return any(all(w in ln for w in words) for ln in lines)
    check("the image is an update old -> new",
          line("~ service web › container app › image",
               '"public.ecr.aws/nginx/nginx:1.27" -> "public.ecr.aws/nginx/nginx:1.28"'))
    check("the command gains its two words, one line each",
          line('+ service web › container app › command = "-e"') and
          line('+ service web › container app › command = "stderr"'))
    check("the environment is diffed key by key",
          line('~ service web › container app › environment › LOG_LEVEL = "info" -> "debug"') and
          line('+ service web › container app › environment › REGION = "eu"') and
          line('- service web › container app › environment › MODE = "a"'))
    check("the added action widens access, the removed one does not",
          line('+ role plans-tasks', '"s3:PutObject"', "# widens access") and
          line('- role plans-tasks', '"s3:ListBucket"') and
          not line('"s3:ListBucket"', "widens"))
    check("the launch type forces a replacement, with its reason",
          line("-/+ replace", "service web") and
          line('~ service web › launch_type = "FARGATE" -> "EC2"', "# forces replacement") and
          line("note: launchType cannot change in place"))
    check("the dropped service is deleted, the added one created",
          line("- delete", "service plans/old", "no longer in the spec") and
          line("+ create", "service extra  (ServiceExtra"))
    check("the summary counts each kind",
          line("Plan: 4 to add, 2 to change, 1 to replace, 3 to destroy"))

    r = ecsc("plan", f"{DIR}/v2.ecs", "--prune", "--color=always")
    check("v2 in colour has changes (exit 2)", r.returncode == 2, r.stderr[-1500:])
    color = normal(r.stdout)
    golden("v2.plan.color.txt", color)
    check("the colour golden is the text golden with escapes",
          re.sub(r"\\e\[[0-9;]*m", "", color) == text)

    r = ecsc("plan", f"{DIR}/v2.ecs", "--prune", "--json")
    try:
        doc = json.loads(r.stdout)
        by = {(c["kind"], c["name"]): c for c in doc["changes"]}
        role = by[("role", "plans-tasks")]
        put = [f for f in role["fields"] if f.get("new") == "s3:PutObject"]
        lst = [f for f in role["fields"] if f.get("old") == "s3:ListBucket"]
        svc = by[("service", "web")]
        lt = [f for f in svc["fields"] if f["path"] == "launchType"]
        ok = (role["widens_access"] and put and put[0]["widens"] and put[0]["change"] == "add" and
              lst and not lst[0].get("widens") and lst[0]["change"] == "remove" and
              svc["action"] == "replace" and lt and lt[0]["replace"] and
              lt[0]["old"] == "FARGATE" and lt[0]["new"] == "EC2" and
              lt[0]["spec_path"] == "service web › launch_type" and
              doc["summary"]["replace"] == 1 and doc["summary"]["delete"] == 3)
        detail = json.dumps([role["fields"], svc["fields"]])[:2000]
    except (ValueError, KeyError, IndexError) as e:
        ok, detail = False, f"{e}: {r.stdout[:1500]}"
    check("--json: the same facts at their paths (widens, replace, spec_path)", ok, detail)

    # Narrowing only: the statement loses an action and gains none.
    with open(f"{DIR}/v1.ecs") as f:
        v3 = f.read().replace('"s3:GetObject", "s3:ListBucket"', '"s3:GetObject"')
    tmp = tempfile.mkdtemp()
    with open(f"{tmp}/v3.ecs", "w") as f:
        f.write(v3)
    r = ecsc("plan", f"{tmp}/v3.ecs")
    check("v3 (narrowing) has changes (exit 2)", r.returncode == 2, r.stderr[-1500:])
    text = normal(r.stdout)
    golden("v3.plan.txt", text)
    check("narrowing widens nothing and asks no second look",
          "widens" not in text and "Look twice" not in text and
          '- role plans-tasks › policy inline' in text, text)

check.finish()
