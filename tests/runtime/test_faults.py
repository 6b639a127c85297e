#!/usr/bin/env python3
"""test_faults.py ECSC [SEEDS]: lost answers, one operation at a time.

tests/runtime/faults.ecs (every kind of create the runtime makes, and a
service deployed by a task set) is applied to moto through the proxy with
a fault injected at exactly one operation or at each operation once: a
500 after moto acted (error5xx_after) or a connection closed after moto
acted (drop_after). The proxy counts the calls that reached moto; boto3
reads the state straight from moto afterwards:

- a create whose answer is lost is made once: the resources it would
  have made are looked up before it is sent again (task sets, services,
  revisions, roles, policies, policy versions, security groups), and the
  others are safe to repeat or answer "already exists";
- a delete whose answer is lost has succeeded when the resource is gone:
  destroy and apply --prune finish in one run;
- a log group the project does not own is reported and left, with its
  events (another project's is named); a cluster is deleted after its
  services are INACTIVE;
- seeded runs with every kind of fault on every operation (SEEDS of
  them, 3 by default): apply converges with nothing duplicated and
  destroy finishes in one run with nothing left."""
import json
import os
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True
from awslocal import Checks, clients_kw, ecsc_env, moto_server  # noqa: E402
from proxy import Proxy, mutating  # noqa: E402

import boto3  # noqa: E402

ECSC = os.path.abspath(sys.argv[1])
SEEDS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
SPEC = os.path.join(HERE, "faults.ecs")
ENV = ecsc_env()
check = Checks()

# The creates a lost answer could duplicate: looked up before a resend.
PROBED = ["CreatePolicy", "CreatePolicyVersion", "CreateRole", "RegisterTaskDefinition",
          "CreateSecurityGroup", "CreateService", "CreateTaskSet"]
DELETES = ["DeleteService", "DeleteCluster", "DeregisterTaskDefinition", "DeleteRole",
           "DeleteRolePolicy", "DetachRolePolicy", "DeletePolicy", "DeleteSecurityGroup",
           "DeleteLogGroup", "DeregisterScalableTarget", "DeleteScalingPolicy",
           "PutClusterCapacityProviders"]


class Account:
    def __init__(self, url):
        self.url = url
        kw = clients_kw(url)
        self.ecs, self.iam, self.ec2, self.logs, self.aas = (
            boto3.client(s, **kw) for s in ("ecs", "iam", "ec2", "logs", "application-autoscaling"))
        self.proxy = Proxy(url)
        self.proxy.start()
        self.dir = os.path.dirname(ENV["HOME"] + "/")

    def reset(self):
        urllib.request.urlopen(urllib.request.Request(self.url + "/moto-api/reset", method="POST"),
                               timeout=30).read()
        self.proxy.configure(throttle=0, error5xx=0, drop=0, drop_after=0, error5xx_after=0,
                             fault_ops=None, max_faults=None, max_faults_per_op=None)
        self.proxy.reset()

    def bundle(self, *sets):
        vpc = self.ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
        subnets = [s["SubnetId"] for s in self.ec2.describe_subnets()["Subnets"]][:2]
        out = subprocess.run([ECSC, "compile", "--target", "bundle", SPEC,
                              "--set", "subnets=" + ",".join(subnets), "--set", f"vpc={vpc}",
                              *sets], capture_output=True, text=True, check=True).stdout
        b = json.loads(out)
        for r in b["requests"]:
            if r["operation"] == "CreateTaskSet":   # moto would run its tasks, and fail
                r["params"].pop("scale", None)
        path = os.path.join(self.dir, f"faults{len(sets)}.bundle.json")
        with open(path, "w") as f:
            json.dump(b, f)
        self.requests = b["requests"]
        return path

    def ecsc(self, cmd, path, *args):
        yes = ["--yes"] if cmd == "apply" else []
        return subprocess.run([ECSC, cmd, path, "--endpoint-url", self.proxy.url, *args, *yes],
                              capture_output=True, text=True, env=ENV, timeout=300)

    def faults(self, **kw):
        self.proxy.reset()
        self.proxy.configure(**kw)

    def state(self):
        """What exists in moto of what the spec names."""
        s = {}
        svc = self.ecs.describe_services(cluster="faults", services=["web", "api"])["services"] \
            if self.ecs.describe_clusters(clusters=["faults"])["clusters"] else []
        s["services"] = sum(x["status"] == "ACTIVE" for x in svc)
        s["task sets"] = sum(len([t for t in x.get("taskSets", []) if t["status"] != "DRAINING"])
                             for x in svc if x["serviceName"] == "api" and x["status"] == "ACTIVE")
        s["clusters"] = sum(c["status"] == "ACTIVE" for c in
                            self.ecs.describe_clusters(clusters=["faults"])["clusters"])
        for fam in ("web", "api"):
            s[f"{fam} revisions"] = len(self.ecs.list_task_definitions(
                familyPrefix=fam, status="ACTIVE")["taskDefinitionArns"])
        s["security groups"] = len(self.ec2.describe_security_groups(Filters=[
            {"Name": "group-name", "Values": ["web-service"]}])["SecurityGroups"])
        pols = [p for p in self.iam.list_policies(Scope="Local")["Policies"]
                if p["PolicyName"] == "reader"]
        s["policies"] = len(pols)
        s["policy versions"] = sum(len(self.iam.list_policy_versions(PolicyArn=p["Arn"])[
            "Versions"]) for p in pols)
        names = {r["params"]["RoleName"] for r in self.requests if r["operation"] == "CreateRole"}
        s["roles"] = sum(r["RoleName"] in names for r in self.iam.list_roles()["Roles"])
        s["log groups"] = len(self.logs.describe_log_groups()["logGroups"])
        s["scalable targets"] = len(self.aas.describe_scalable_targets(
            ServiceNamespace="ecs")["ScalableTargets"])
        s["scaling policies"] = len(self.aas.describe_scaling_policies(
            ServiceNamespace="ecs")["ScalingPolicies"])
        return s


APPLIED = {"services": 2, "task sets": 1, "clusters": 1, "web revisions": 1, "api revisions": 1,
           "security groups": 1, "policies": 1, "policy versions": 1, "roles": 3,
           "log groups": 3, "scalable targets": 1, "scaling policies": 1}
GONE = {k: 0 for k in APPLIED}


def reached(calls, op):
    """Calls of op that moto answered (whatever the client was told)."""
    return sum(1 for c in calls if c["operation"] == op and c.get("upstream_status"))


def made(acct):
    return sum(1 for r in acct.requests for op in PROBED if r["operation"] == op)


def converged(acct, path, what):
    acct.faults()
    r = acct.ecsc("apply", path, "--no-wait")
    again = sorted(c["operation"] for c in mutating(acct.proxy.calls()))
    check(f"{what}: the next apply has nothing to do", r.returncode == 0 and not again,
          f"{r.returncode} {again} {r.stderr[-800:]}")


def creates(acct, kind):
    # Each probed create's every answer lost: sent once, found after.
    acct.reset()
    path = acct.bundle()
    acct.faults(**{kind: 1.0}, fault_ops=PROBED)
    r = acct.ecsc("apply", path, "--no-wait")
    calls = acct.proxy.calls()
    sent = {op: reached(calls, op) for op in PROBED if reached(calls, op)}
    want = {op: sum(1 for q in acct.requests if q["operation"] == op) for op in PROBED}
    want = {op: n for op, n in want.items() if n}
    check(f"{kind} on every answer of {', '.join(PROBED[:1])}...: apply exits 0",
          r.returncode == 0, r.stderr[-1500:])
    check(f"{kind}: each create reached moto once, however many answers were lost",
          sent == want, (sent, want))
    check(f"{kind}: one of each resource in moto", acct.state() == APPLIED, acct.state())
    converged(acct, path, kind)
    # A policy document changed: CreatePolicyVersion's answers lost.
    path = acct.bundle("--set", "action=ecs:List*")
    acct.faults(**{kind: 1.0}, fault_ops=["CreatePolicyVersion"])
    r = acct.ecsc("apply", path, "--no-wait")
    check(f"{kind}: a new policy version is made once",
          r.returncode == 0 and reached(acct.proxy.calls(), "CreatePolicyVersion") == 1 and
          acct.state()["policy versions"] == 2,
          f"{r.returncode} {acct.state()} {r.stderr[-800:]}")
    # Every create's first answer lost, whether it has a lookup or not.
    acct.reset()
    path = acct.bundle()
    acct.faults(**{kind: 1.0}, max_faults_per_op=1,
                fault_ops=sorted({q["operation"] for q in acct.requests}))
    r = acct.ecsc("apply", path, "--no-wait")
    faulted = sorted({c["operation"] for c in acct.proxy.calls() if c["fault"]})
    check(f"{kind} on the first answer of each of {len(faulted)} operations: apply exits 0",
          r.returncode == 0 and len(faulted) >= 14, f"{faulted} {r.stderr[-1500:]}")
    check(f"{kind}: nothing duplicated", acct.state() == APPLIED, acct.state())
    converged(acct, path, kind)
    return path


def deletes(acct, path, kind):
    # Each delete's first answer lost (libcurl resends on a dropped
    # connection; ecsc resends after a 5xx): gone means done.
    acct.faults(**{kind: 1.0}, max_faults_per_op=1, fault_ops=DELETES)
    r = acct.ecsc("destroy", path, "--yes")
    faulted = sorted({c["operation"] for c in acct.proxy.calls() if c["fault"]})
    check(f"destroy with {kind} on the first answer of each of {len(faulted)} deletes: exit 0",
          r.returncode == 0 and len(faulted) >= 9, f"{faulted} {r.stderr[-1500:]}")
    check(f"{kind}: destroy leaves nothing", acct.state() == GONE, acct.state())


def prune(acct, kind):
    acct.reset()
    full = acct.bundle()
    r = acct.ecsc("apply", full, "--no-wait")
    with open(full) as f:
        b = json.load(f)
    b["requests"] = [q for q in b["requests"] if "Web" not in q["resource"]]
    for q in b["requests"]:
        q["depends_on"] = [x for x in q.get("depends_on", []) if "Web" not in x]
    smaller = os.path.join(acct.dir, "pruned.bundle.json")
    with open(smaller, "w") as f:
        json.dump(b, f)
    acct.faults(**{kind: 1.0}, max_faults_per_op=1, fault_ops=DELETES)
    r = acct.ecsc("apply", smaller, "--prune", "--no-wait")
    s = acct.state()
    check(f"apply --prune with {kind} on each delete's first answer: one run, exit 0",
          r.returncode == 0 and s["services"] == 1 and s["web revisions"] == 0 and
          s["security groups"] == 0, f"{s} {r.stderr[-1500:]}")


def ownership(acct):
    # A log group with the spec's name made by someone else (holding
    # events), and one of another project: reported, never changed.
    acct.reset()
    path = acct.bundle()
    acct.logs.create_log_group(logGroupName="/aws/ecs/web/app", tags={"owner": "someone-else"})
    acct.logs.create_log_stream(logGroupName="/aws/ecs/web/app", logStreamName="s")
    acct.logs.put_log_events(logGroupName="/aws/ecs/web/app", logStreamName="s",
                             logEvents=[{"timestamp": int(time.time() * 1000), "message": "theirs"}])
    acct.logs.create_log_group(logGroupName="/aws/ecs/api/api", tags={"ecsc:project": "other"})
    acct.faults()
    r = acct.ecsc("apply", path, "--no-wait")
    check("apply refuses a log group it does not own, naming the owning project",
          r.returncode == 1 and "/aws/ecs/web/app" in r.stderr and "not owned" in r.stderr and
          "another project, `other`" in r.stderr and not mutating(acct.proxy.calls()),
          f"{r.returncode} {r.stderr[-1200:]}")
    # Everything applied, then the web log group replaced by someone else's.
    for name in ("/aws/ecs/api/api", "/aws/ecs/web/app"):
        acct.logs.delete_log_group(logGroupName=name)
    r = acct.ecsc("apply", path, "--no-wait")
    # (moto keeps a deleted log group's tags for the next of its name:
    # the ownership tag is taken off instead.)
    arn = acct.logs.describe_log_groups(logGroupNamePrefix="/aws/ecs/web/app")[
        "logGroups"][0]["logGroupArn"]
    acct.logs.untag_resource(resourceArn=arn, tagKeys=["ecsc:project"])
    acct.logs.tag_resource(resourceArn=arn, tags={"owner": "someone-else"})
    acct.logs.create_log_stream(logGroupName="/aws/ecs/web/app", logStreamName="s")
    acct.logs.put_log_events(logGroupName="/aws/ecs/web/app", logStreamName="s",
                             logEvents=[{"timestamp": int(time.time() * 1000), "message": "theirs"}])
    acct.faults()
    r = acct.ecsc("destroy", path, "--yes")
    calls = acct.proxy.calls()
    events = acct.logs.get_log_events(logGroupName="/aws/ecs/web/app", logStreamName="s")["events"]
    left = [g["logGroupName"] for g in acct.logs.describe_log_groups()["logGroups"]]
    check("destroy leaves the log group it does not own, with its events, and says so",
          left == ["/aws/ecs/web/app"] and [e["message"] for e in events] == ["theirs"] and
          r.returncode == 0 and "not owned" in r.stderr and not any(
              c["operation"] == "DeleteLogGroup" and c["body"].get("logGroupName") ==
              "/aws/ecs/web/app" for c in calls), f"{left} {r.returncode} {r.stderr[:1500]!r}")
    order = [c["operation"] for c in calls if c["operation"] in
             ("DeleteService", "DescribeServices", "DeleteCluster")]
    check("the cluster is deleted after its services are INACTIVE",
          "DeleteCluster" in order and order.index("DeleteCluster") > max(
              i for i, o in enumerate(order) if o == "DescribeServices") > max(
              i for i, o in enumerate(order) if o == "DeleteService") and
          acct.state()["clusters"] == 0, order)


def seeded(acct, seed, tally):
    acct.reset()
    path = acct.bundle()
    acct.faults(seed=seed, throttle=0.1, error5xx=0.06, drop=0.04, drop_after=0.06,
                error5xx_after=0.06)
    r = acct.ecsc("apply", path, "--no-wait", "--parallelism", "4")
    injected = [c["fault"] for c in acct.proxy.calls() if c["fault"]]
    s = acct.state()
    dup = {k: v for k, v in s.items() if v > APPLIED[k]}
    tally["applies"] += r.returncode == 0
    tally["duplicates"] += bool(dup)
    print(f"     seed {seed}: apply exit {r.returncode}, {len(acct.proxy.calls())} calls, "
          f"{len(injected)} faults, duplicates {dup or 'none'}")
    check(f"seed {seed}: apply converges in one run with nothing duplicated",
          r.returncode == 0 and s == APPLIED, f"{s} {r.stderr[-1500:]}")
    acct.faults(seed=seed + 1, throttle=0.1, error5xx=0.06, drop=0.04, drop_after=0.06,
                error5xx_after=0.06)
    r = acct.ecsc("destroy", path, "--yes", "--parallelism", "4")
    s = acct.state()
    tally["destroys"] += r.returncode == 0 and s == GONE
    print(f"     seed {seed}: destroy exit {r.returncode}, "
          f"{sum(1 for c in acct.proxy.calls() if c['fault'])} faults, left "
          f"{ {k: v for k, v in s.items() if v} or 'nothing'}")
    check(f"seed {seed}: destroy finishes in one run with nothing left",
          r.returncode == 0 and s == GONE, f"{s} {r.stderr[-1500:]}")


with moto_server() as url:
    acct = Account(url)
    try:
        for kind in ("error5xx_after", "drop_after"):
            path = creates(acct, kind)
            deletes(acct, path, kind)
            prune(acct, kind)
        ownership(acct)
        tally = {"applies": 0, "destroys": 0, "duplicates": 0}
        for seed in range(1, SEEDS + 1):
            seeded(acct, 1000 + seed, tally)
        print(f"     {SEEDS} seeds: {tally['applies']} applies converged, "
              f"{tally['duplicates']} with duplicates, {tally['destroys']} destroys finished "
              "in one run with nothing left")
    finally:
        acct.proxy.stop()

check.finish()
