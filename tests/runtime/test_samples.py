#!/usr/bin/env python3
"""test_samples.py ECSC: every sample applied to moto, re-applied, destroyed.

Each sample is compiled to a bundle, which `ecsc apply` reads as it is
after the changes moto needs (below), through the recording proxy. The
first apply must succeed (and the log groups exist with their retention),
a second must make no mutating call, and after
`ecsc destroy --yes` a plan must find nothing of the sample left.

What moto needs, and the bundle is changed for:
- subnets, security groups and VPCs that exist: the samples' IDs are
  replaced by moto's default VPC, its subnets and its default group, and
  a service without security groups gets the default one (moto fails
  with a 500 on an awsvpc configuration without them);
- AWS managed policies newer than moto's copy are replaced by local
  policies of the same name;
- containers of task definitions without a task-level memory get a
  container memory (moto requires one where ECS accepts a reservation);
- PredictiveScaling policies are left out (moto's enum check refuses them)
  and so are managed instances capacity providers (moto fails with a
  500); what used them runs on Fargate;
- a task set's `scale` is dropped (moto tries to run its tasks and fails);
- moto serves no Express Gateway operation: a sample with an
  express_service has them served by tests/runtime/express_server.py (a
  loopback server checking every request against botocore's model), the
  proxy routing them there;
- moto reports a fixed running count (MOTO_ECS_SERVICE_RUNNING): it is set
  to the sample's desired count, and a sample whose services want
  different counts is applied with --no-wait."""
import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True
from awslocal import Checks, clients_kw, ecsc_env, moto_server  # noqa: E402
from express_server import OPERATIONS, ExpressServer  # noqa: E402
from proxy import Proxy, mutating  # noqa: E402

import boto3  # noqa: E402

ECSC = os.path.abspath(sys.argv[1])
ENV = ecsc_env()
check = Checks()




def for_moto(bundle, url):
    kw = clients_kw(url)
    ec2, iam = boto3.client("ec2", **kw), boto3.client("iam", **kw)
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]]
    sg = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["default"]}])[
        "SecurityGroups"][0]["GroupId"]
    text = json.dumps(bundle)
    for i, s in enumerate(sorted(set(re.findall(r"subnet-[0-9a-f]{17}", text)))):
        text = text.replace(s, subnets[i % len(subnets)])
    text = re.sub(r"sg-[0-9a-f]{17}", sg, text)
    text = re.sub(r"vpc-[0-9a-f]{17}", vpc, text)
    text = text.replace("arn:${AWS::Partition}:iam::aws:policy/", "arn:aws:iam::aws:policy/")
    for arn in sorted(set(re.findall(r"arn:aws:iam::aws:policy/[A-Za-z0-9/_-]+", text))):
        try:
            iam.get_policy(PolicyArn=arn)
        except iam.exceptions.NoSuchEntityException:
            name = arn.rsplit("/", 1)[1]
            local = iam.create_policy(PolicyName=name, PolicyDocument=json.dumps({
                "Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": "ecs:List*", "Resource": "*"}]}))
            text = text.replace(arn, local["Policy"]["Arn"])
    bundle = json.loads(text)
    counts = set()
    for r in bundle["requests"]:
        p = r["params"]
        aws = p.get("networkConfiguration", {}).get("awsvpcConfiguration")
        if aws is not None and not aws.get("securityGroups"):
            aws["securityGroups"] = [sg]
        if r["operation"] == "RegisterTaskDefinition" and "memory" not in p:
            ec2 = "EC2" in p.get("requiresCompatibilities", [])
            for c in p["containerDefinitions"]:
                if "memory" not in c and (ec2 or "memoryReservation" not in c):
                    c["memory"] = max(c.get("memoryReservation", 0), 128)
        if r["operation"] == "CreateTaskSet":
            p.pop("scale", None)
    # moto 5.2.1 refuses PredictiveScaling (its enum check fails on the
    # value it lists) and managed instances capacity providers (a 500):
    # those requests go, and what names them runs on Fargate.
    managed = {r["params"]["name"] for r in bundle["requests"]
               if r["operation"] == "CreateCapacityProvider" and
               "managedInstancesProvider" in r["params"]}
    dropped = {r["id"] for r in bundle["requests"]
               if r["params"].get("PolicyType") == "PredictiveScaling" or
               (r["operation"] == "CreateCapacityProvider" and r["params"]["name"] in managed)}
    bundle["requests"] = [r for r in bundle["requests"] if r["id"] not in dropped]
    for r in bundle["requests"]:
        r["depends_on"] = [d for d in r.get("depends_on", []) if d not in dropped]
        p = r["params"]
        for key in ("capacityProviders",):
            if key in p:
                p[key] = [c for c in p[key] if c not in managed] or ["FARGATE"]
        for key in ("defaultCapacityProviderStrategy", "capacityProviderStrategy"):
            if key in p:
                p[key] = [dict(s, capacityProvider="FARGATE") if s["capacityProvider"] in managed
                          else s for s in p[key]]
        if r["operation"] == "CreateService":
            counts.add(p.get("desiredCount", 1))
    return bundle, counts


samples = sys.argv[2:] or sorted(f for f in os.listdir(f"{ROOT}/samples") if f.endswith(".ecs"))
for spec in samples:
    bundle = json.loads(subprocess.run(
        [ECSC, "compile", "--target", "bundle", f"{ROOT}/samples/{spec}"],
        capture_output=True, text=True, check=True).stdout)
    express = any("ExpressGatewayService" in r["operation"] for r in bundle["requests"])
    counts = {r["params"].get("desiredCount", 1) for r in bundle["requests"]
              if r["operation"] == "CreateService"}
    running = str(max(counts)) if counts else "1"
    with moto_server(MOTO_ECS_SERVICE_RUNNING=running) as url, \
            contextlib.ExitStack() as stack:
        route = None
        if express:
            x = stack.enter_context(ExpressServer(moto=url))
            route = {op: x.url for op in OPERATIONS}
        bundle, counts = for_moto(bundle, url)
        path = os.path.join(tempfile.mkdtemp(), spec.replace(".ecs", ".bundle.json"))
        with open(path, "w") as f:
            json.dump(bundle, f)
        wait = [] if len(counts) <= 1 else ["--no-wait"]
        with Proxy(url, route=route) as proxy:
            def ecsc(*args):
                return subprocess.run([ECSC, *args, path, "--endpoint-url", proxy.url, *wait],
                                      capture_output=True, text=True, env=ENV, timeout=300)
            r = ecsc("apply", "--yes", "--timeout", "60s")
            made = len(mutating(proxy.calls()))
            check(f"{spec}: apply", r.returncode == 0 and made > 0,
                  f"{r.returncode} {r.stderr[-1500:]}")
            # Every log group the spec manages exists, kept as long as it says.
            want = {q["params"]["logGroupName"]: q["params"]["retentionInDays"]
                    for q in bundle["requests"] if q["operation"] == "PutRetentionPolicy"}
            logs = boto3.client("logs", **clients_kw(url))
            got = {g["logGroupName"]: g.get("retentionInDays")
                   for g in logs.describe_log_groups()["logGroups"] if g["logGroupName"] in want}
            check(f"{spec}: log groups and their retention", got == want, f"{got} != {want}")
            proxy.reset()
            r = ecsc("apply", "--yes", "--timeout", "60s")
            again = [c["operation"] for c in mutating(proxy.calls())]
            check(f"{spec}: a second apply makes no mutating call", r.returncode == 0 and
                  not again, f"{again} {r.stderr[-1500:]}")
            r = ecsc("destroy", "--yes")
            check(f"{spec}: destroy", r.returncode == 0, r.stderr[-1500:])
            r = ecsc("plan", "--json")
            try:
                summary = json.loads(r.stdout)["summary"]
            except (ValueError, KeyError):
                summary = {"unchanged": -1, "errors": -1}
            check(f"{spec}: nothing is left after destroy",
                  summary["unchanged"] == 0 and summary["errors"] == 0,
                  f"{summary} {r.stdout[-1500:]}")

check.finish()
