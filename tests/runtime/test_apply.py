#!/usr/bin/env python3
"""test_apply.py ECSC: `ecsc plan`, `apply` and `destroy` against moto.

The spec tests/runtime/apply.ecs is applied to a moto_server through the
recording proxy (tests/runtime/proxy.py), which counts the calls ecsc
makes independently of ecsc's own report, and the result is read back
with boto3 straight from moto:

- a first apply creates everything; a second makes no mutating call;
- changing one image makes exactly one RegisterTaskDefinition and one
  UpdateService, which carries force_new_deployment (CreateService does not);
- a desired count changed out of band (autoscaling's) survives an apply;
- a revision CI registered and deployed for a service with
  ignore_task_definition_changes stays in place;
- a resource of another project is never changed;
- destroy removes everything the spec owns;
- apply asks for `yes` on a terminal (tested on a pseudo-terminal) and
  refuses off one without --yes, with zero mutating calls;
- a plan saved with --out is applied exactly, and refused with zero
  mutating calls after an out-of-band change or an edit of the spec;
- with throttling, 5xx answers, dropped connections and lost answers
  injected on a seeded schedule, apply converges with nothing duplicated;
- an interrupted apply converges when run again;
- the runtime fields: wait_for_steady_state = false is not waited for,
  Ctrl-C in the wait rolls back a service with sigint_rollback (and leaves
  the others rolling), destroy deletes a force_delete service at once and
  drains the others to 0 first, and keeps skip_destroy's revisions;
- a cluster without capacity providers gets no PutClusterCapacityProviders,
  and one whose providers left the spec has them taken off once."""
import json
import os
import re
import pty
import select
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True
from awslocal import Checks, clients_kw, ecsc_env, moto_server  # noqa: E402
from proxy import Proxy, count, mutating  # noqa: E402

import boto3  # noqa: E402

ECSC = os.path.abspath(sys.argv[1])
SPEC = f"{ROOT}/tests/runtime/apply.ecs"
check = Checks()




ENV = ecsc_env()


class Account:
    """A moto_server, the proxy in front of it, and the spec's parameters."""

    def __init__(self, url, **faults):
        self.url = url
        kw = clients_kw(url)
        self.ecs = boto3.client("ecs", **kw)
        self.iam = boto3.client("iam", **kw)
        self.ec2 = boto3.client("ec2", **kw)
        self.logs = boto3.client("logs", **kw)
        self.aas = boto3.client("application-autoscaling", **kw)
        vpc = self.ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
        subnets = [s["SubnetId"] for s in self.ec2.describe_subnets()["Subnets"]][:2]
        sg = self.ec2.describe_security_groups(
            Filters=[{"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]["GroupId"]
        self.sets = ["--set", "subnets=" + ",".join(subnets), "--set", f"vpc={vpc}",
                     "--set", f"sg={sg}"]
        self.proxy = Proxy(url, **faults)
        self.proxy_url = self.proxy.start()

    def ecsc(self, cmd, *args, tag="1.27.3", direct=False, timeout=120, spec=SPEC, yes=True,
             **popen):
        # apply asks for confirmation; these runs give --yes as CI would.
        yes = ["--yes"] if cmd == "apply" and yes else []
        argv = [ECSC, cmd, spec, *self.sets, "--set", f"tag={tag}", *args, *yes,
                "--endpoint-url", self.url if direct else self.proxy_url]
        return subprocess.run(argv, capture_output=True, text=True, env=ENV, timeout=timeout,
                              **popen)

    def service(self, name):
        s = self.ecs.describe_services(cluster="shop", services=[name])["services"]
        return s[0] if s else None

    def image(self, td_arn):
        return self.ecs.describe_task_definition(taskDefinition=td_arn)[
            "taskDefinition"]["containerDefinitions"][0]["image"]

    def active_revisions(self, family):
        return self.ecs.list_task_definitions(familyPrefix=family, status="ACTIVE")[
            "taskDefinitionArns"]


def ops(calls):
    return sorted(c["operation"] for c in mutating(calls))


def scenario(acct):
    p = acct.proxy
    # -- plan on an empty account -----------------------------------------------------------
    r = acct.ecsc("plan")
    check("plan of a new spec exits 2 (changes)", r.returncode == 2, r.stdout + r.stderr)
    check("plan lists the creations", "+ create    service web" in r.stdout and
          "+ create    cluster shop" in r.stdout, r.stdout)
    check("plan makes no mutating call", not mutating(p.calls()), ops(p.calls()))
    r = acct.ecsc("plan", "--json")
    try:
        doc = json.loads(r.stdout)
        ok = doc["format"] == "ecsc-plan" and doc["summary"]["create"] > 5 and \
            any(c["kind"] == "service" and c["action"] == "create" for c in doc["changes"])
    except (ValueError, KeyError) as e:
        ok, doc = False, str(e)
    check("plan --json is a plan", ok and r.returncode == 2, f"{r.returncode} {r.stdout[:300]}")

    # -- the first apply --------------------------------------------------------------------
    p.reset()
    r = acct.ecsc("apply")
    check("apply creates (exit 0)", r.returncode == 0, r.stderr[-2000:])
    calls = p.calls()
    created = ops(calls)
    check("apply creates each resource once",
          created.count("CreateService") == 2 and created.count("RegisterTaskDefinition") == 2 and
          created.count("CreateCluster") == 1 and created.count("CreateSecurityGroup") == 1,
          created)
    creates = [c.get("body") or {} for c in mutating(calls) if c["operation"] == "CreateService"]
    check("CreateService carries no forceNewDeployment (UpdateService's member)",
          creates and not any("forceNewDeployment" in b for b in creates), creates)
    web, worker = acct.service("web"), acct.service("worker")
    check("services exist with their desired counts",
          web and worker and web["status"] == "ACTIVE" and web["desiredCount"] == 2 and
          worker["desiredCount"] == 2, (web, worker))
    check("the web image is the spec's", web and
          acct.image(web["taskDefinition"]) == "public.ecr.aws/nginx/nginx:1.27.3")
    tags = {t["key"]: t["value"] for t in acct.ecs.describe_clusters(
        clusters=["shop"], include=["TAGS"])["clusters"][0].get("tags", [])}
    check("the cluster carries the declared project (not the file's name) and user tags",
          tags.get("ecsc:project") == "shop" and tags.get("Team") == "platform", tags)
    td_tags = {t["key"]: t["value"] for t in acct.ecs.list_tags_for_resource(
        resourceArn=web["taskDefinition"])["tags"]} if web else {}
    sg_tags = {t["Key"]: t["Value"] for t in acct.ec2.describe_security_groups(
        Filters=[{"Name": "group-name", "Values": ["web-service"]}])["SecurityGroups"][0]
        .get("Tags", [])}
    check("the task definition and the security group carry the declared project",
          td_tags.get("ecsc:project") == "shop" and sg_tags.get("ecsc:project") == "shop",
          (td_tags, sg_tags))
    targets = acct.aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
    check("the scalable target is registered", len(targets) == 1 and
          targets[0]["MinCapacity"] == 2 and targets[0]["MaxCapacity"] == 6, targets)
    groups = acct.ec2.describe_security_groups(
        Filters=[{"Name": "group-name", "Values": ["web-service"]}])["SecurityGroups"]
    check("the security group has its rule", len(groups) == 1 and any(
        perm.get("FromPort") == 8080 for perm in groups[0]["IpPermissions"]), groups)
    check("the service runs in that group", web and groups and groups[0]["GroupId"] in
          web["networkConfiguration"]["awsvpcConfiguration"]["securityGroups"],
          web and web.get("networkConfiguration"))
    roles = [x["RoleName"] for x in acct.iam.list_roles()["Roles"]]
    check("the task execution roles exist", any("exec" in x for x in roles), roles)
    check("apply waited for the services", "Waiting for 2 services" in r.stderr and
          "running 2/2" in r.stderr, r.stderr[-800:])

    # -- a second apply: nothing to do ------------------------------------------------------
    p.reset()
    r = acct.ecsc("apply")
    calls = p.calls()
    check("a second apply makes no mutating call", r.returncode == 0 and not mutating(calls),
          f"{r.returncode} {ops(calls)} {r.stderr[-1500:]}")
    reads = len(calls)
    # (3 of them read the log groups' tags, their ownership)
    check("a no-op apply reads in a handful of calls", reads <= 15, reads)
    r = acct.ecsc("plan")
    check("plan after apply exits 0 (no changes)", r.returncode == 0, r.stdout[-1500:])
    # The project is declared: renaming the file or reading the spec from
    # standard input keeps what apply made the spec's own.
    renamed = os.path.join(tempfile.mkdtemp(), "storefront.ecs")
    with open(SPEC) as src, open(renamed, "w") as dst:
        dst.write(src.read())
    r = acct.ecsc("plan", spec=renamed)
    check("a renamed spec owns what it made (plan exits 0, project `shop`)",
          r.returncode == 0 and "project `shop`" in r.stdout and
          "another project" not in r.stdout, r.stdout[-1500:])
    with open(SPEC) as src:
        r = acct.ecsc("plan", spec="-", stdin=src)
    check("plan from standard input uses the declared project (exit 0)",
          r.returncode == 0 and "project `shop`" in r.stdout and "stdin" not in r.stdout,
          r.stdout[-1500:] + r.stderr[-500:])
    undeclared = os.path.join(tempfile.mkdtemp(), "shop.ecs")
    with open(SPEC) as src, open(undeclared, "w") as dst:
        dst.write(src.read().replace('project "shop"', ""))
    p.reset()
    r = acct.ecsc("apply", spec=undeclared)
    check("apply of a spec that declares no project refuses (exit 1) before any call",
          r.returncode == 1 and 'project "shop"' in r.stderr and not p.calls(),
          f"{r.returncode} {r.stderr[-500:]} {len(p.calls())}")

    # -- one image changes ------------------------------------------------------------------
    p.reset()
    r = acct.ecsc("plan", tag="1.28.0")
    check("plan shows the new revision", r.returncode == 2 and
          "\n      ~ service web \u203a container app \u203a image = "
          '"public.ecr.aws/nginx/nginx:1.27.3" -> "public.ecr.aws/nginx/nginx:1.28.0"\n' in r.stdout
          and "\n      ~ service web \u203a task_definition = " in r.stdout, r.stdout[-1500:])
    r = acct.ecsc("plan", "--json", tag="1.28.0")
    fields = [(f["path"], f["spec_path"], f.get("old"), f.get("new"))
              for c in json.loads(r.stdout)["changes"] for f in c["fields"]
              if c["resource"] == "TaskDefinitionWeb"]
    check("plan --json carries the API path beside the spec's",
          fields == [("containerDefinitions[0].image", "service web \u203a container app \u203a image",
                      "public.ecr.aws/nginx/nginx:1.27.3", "public.ecr.aws/nginx/nginx:1.28.0")],
          fields)
    p.reset()
    r = acct.ecsc("apply", tag="1.28.0")
    calls = p.calls()
    check("an image bump is one RegisterTaskDefinition and one UpdateService",
          r.returncode == 0 and ops(calls) == ["RegisterTaskDefinition", "UpdateService"],
          f"{r.returncode} {ops(calls)} {r.stderr[-1500:]}")
    updates = [c.get("body") or {} for c in mutating(calls) if c["operation"] == "UpdateService"]
    check("the update forces a new deployment (force_new_deployment)",
          [u.get("forceNewDeployment") for u in updates] == [True], updates)
    web = acct.service("web")
    check("the service runs the new image",
          acct.image(web["taskDefinition"]) == "public.ecr.aws/nginx/nginx:1.28.0" and
          len(acct.active_revisions("web")) == 2, web["taskDefinition"])
    p.reset()
    r = acct.ecsc("apply", tag="1.28.0")
    check("re-applying the bump changes nothing", r.returncode == 0 and not mutating(p.calls()),
          ops(p.calls()))

    # -- autoscaling owns the desired count -------------------------------------------------
    acct.ecs.update_service(cluster="shop", service="web", desiredCount=5)
    p.reset()
    r = acct.ecsc("apply", tag="1.28.0")
    check("an autoscaled desired count survives apply",
          r.returncode == 0 and acct.service("web")["desiredCount"] == 5 and
          not mutating(p.calls()), f"{ops(p.calls())} {acct.service('web')['desiredCount']}")

    # -- CI owns the worker's task definitions ----------------------------------------------
    live = acct.ecs.describe_task_definition(taskDefinition="worker")["taskDefinition"]
    ci = acct.ecs.register_task_definition(
        family="worker", containerDefinitions=[dict(live["containerDefinitions"][0],
                                                    image="busybox:ci-42")],
        cpu=live["cpu"], memory=live["memory"], networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        executionRoleArn=live["executionRoleArn"])["taskDefinition"]["taskDefinitionArn"]
    acct.ecs.update_service(cluster="shop", service="worker", taskDefinition=ci)
    p.reset()
    r = acct.ecsc("apply", "--set", "worker_tag=2.0", tag="1.28.0")
    calls = p.calls()
    check("a CI-registered revision stays in place",
          r.returncode == 0 and acct.service("worker")["taskDefinition"] == ci and
          not mutating(calls), f"{ops(calls)} {acct.service('worker')['taskDefinition']}")

    # -- a service removed from the spec: pruned only when asked ----------------------------
    with open(SPEC) as f:
        text = f.read()
    smaller = os.path.join(tempfile.mkdtemp(), "apply.ecs")
    with open(smaller, "w") as f:
        f.write(text[:text.index("service worker")])
    r = acct.ecsc("plan", "--set", "worker_tag=2.0", tag="1.28.0", spec=smaller)
    check("without --prune, a removed service stays", r.returncode == 0, r.stdout[-800:])
    r = acct.ecsc("plan", "--prune", tag="1.28.0", spec=smaller)
    check("plan --prune lists its deletion", r.returncode == 2 and
          "- delete    service shop/worker" in r.stdout and
          "- delete    role worker-task-exec" in r.stdout, r.stdout[-1500:])
    ci = acct.service("worker")["taskDefinition"]
    p.reset()
    r = acct.ecsc("apply", "--prune", tag="1.28.0", spec=smaller)
    check("apply --prune deletes the service, its role and its revision",
          r.returncode == 0 and acct.service("worker")["status"] != "ACTIVE" and
          ops(p.calls()) == ["DeleteRole", "DeleteRolePolicy", "DeleteService",
                             "DeregisterTaskDefinition"],
          f"{r.returncode} {ops(p.calls())} {r.stderr[-1500:]}")
    check("... and leaves CI's revision", acct.active_revisions("worker") == [ci],
          acct.active_revisions("worker"))
    p.reset()
    r = acct.ecsc("apply", "--prune", tag="1.28.0", spec=smaller)
    check("a second apply --prune has nothing to do", r.returncode == 0 and
          not mutating(p.calls()), ops(p.calls()))
    r = acct.ecsc("apply", "--set", "worker_tag=2.0", tag="1.28.0")
    check("the service comes back with the full spec", r.returncode == 0 and
          acct.service("worker")["status"] == "ACTIVE", r.stderr[-1500:])

    # -- a change that cannot be made in place: the service is replaced ---------------------
    replaced = os.path.join(tempfile.mkdtemp(), "apply.ecs")
    with open(replaced, "w") as f:
        f.write(text.replace("service worker in shop {",
                             "service worker in shop {\n  launch_type = FARGATE"))
    old_arn = acct.service("worker")["serviceArn"]
    r = acct.ecsc("plan", "--set", "worker_tag=2.0", tag="1.28.0", spec=replaced)
    check("plan shows a replacement", r.returncode == 2 and
          "-/+ replace   service worker" in r.stdout and "launchType" in r.stdout and
          "1 to replace" in r.stdout, r.stdout[-1200:])
    # The plan replaces because the bundle says launchType cannot change in
    # place (its schema row's F_REPLACE): without that list it does not.
    bundle = os.path.join(tempfile.mkdtemp(), "replaced.json")
    r = subprocess.run([ECSC, "compile", "--target", "bundle", replaced, *acct.sets,
                        "--set", "tag=1.28.0", "--set", "worker_tag=2.0", "-o", bundle],
                       capture_output=True, text=True, env=ENV)
    with open(bundle) as f:
        doc = json.load(f)
    create = [q for q in doc["requests"] if q["operation"] == "CreateService" and
              q["params"]["serviceName"] == "worker"]
    check("the bundle lists what replaces the service", r.returncode == 0 and len(create) == 1
          and create[0].get("replace") == ["serviceName", "launchType"],
          create and create[0].get("replace"))
    r = subprocess.run([ECSC, "plan", bundle, "--endpoint-url", acct.proxy_url],
                       capture_output=True, text=True, env=ENV, timeout=120)
    check("... and plan from the bundle replaces it", r.returncode == 2 and
          "-/+ replace   service worker" in r.stdout, r.stdout[-1200:] + r.stderr[-600:])
    for q in create:
        del q["replace"]
    with open(bundle, "w") as f:
        json.dump(doc, f)
    r = subprocess.run([ECSC, "plan", bundle, "--endpoint-url", acct.proxy_url],
                       capture_output=True, text=True, env=ENV, timeout=120)
    check("... but not once the bundle's replace list is gone (then it is an update)",
          r.returncode == 2 and "-/+ replace" not in r.stdout and
          "~ update    service worker" in r.stdout, r.stdout[-1200:] + r.stderr[-600:])
    p.reset()
    r = acct.ecsc("apply", "--set", "worker_tag=2.0", tag="1.28.0", spec=replaced)
    worker = acct.service("worker")
    check("apply replaces the service: deleted, then created with the new launch type",
          r.returncode == 0 and ops(p.calls()) == ["CreateService", "DeleteService"] and
          worker["status"] == "ACTIVE" and worker.get("launchType") == "FARGATE",
          f"{r.returncode} {ops(p.calls())} {worker.get('launchType')} {r.stderr[-1500:]}")
    p.reset()
    r = acct.ecsc("apply", "--set", "worker_tag=2.0", tag="1.28.0", spec=replaced)
    check("... and stays replaced", r.returncode == 0 and not mutating(p.calls()),
          ops(p.calls()))

    # -- another project's resources are never changed --------------------------------------
    p.reset()
    r = acct.ecsc("apply", "--project", "someone-else", tag="1.28.0")
    check("apply refuses to change another project's resources, naming the owner",
          r.returncode == 1 and "another project, `shop`" in r.stderr + r.stdout,
          r.stdout[-800:] + r.stderr[-800:])
    check("... and makes no call that changes anything", not mutating(p.calls()),
          ops(p.calls()))

    # -- destroy ----------------------------------------------------------------------------
    ci = acct.service("worker")["taskDefinition"]
    r = acct.ecsc("destroy", tag="1.28.0", stdin=subprocess.DEVNULL)
    check("destroy without --yes off a terminal refuses", r.returncode == 2 and
          acct.service("web")["status"] == "ACTIVE", r.stderr[-500:])
    p.reset()
    r = acct.ecsc("destroy", "--yes", tag="1.28.0")
    check("destroy --yes exits 0", r.returncode == 0, r.stderr[-2000:])
    gone = [s for s in acct.ecs.describe_services(cluster="shop", services=["web", "worker"])[
        "services"] if s["status"] == "ACTIVE"] if acct.ecs.describe_clusters(
        clusters=["shop"])["clusters"] else []
    check("destroy leaves no service", not gone, gone)
    clusters = [c for c in acct.ecs.describe_clusters(clusters=["shop"])["clusters"]
                if c["status"] == "ACTIVE"]
    check("destroy deletes the cluster", not clusters, clusters)
    check("destroy deregisters its task definitions and leaves CI's",
          not acct.active_revisions("web") and acct.active_revisions("worker") == [ci],
          (acct.active_revisions("web"), acct.active_revisions("worker")))
    left_roles = [x["RoleName"] for x in acct.iam.list_roles()["Roles"] if "exec" in x["RoleName"]]
    check("destroy deletes the roles", not left_roles, left_roles)
    groups = acct.ec2.describe_security_groups(
        Filters=[{"Name": "group-name", "Values": ["web-service"]}])["SecurityGroups"]
    check("destroy deletes the security group", not groups, groups)
    lg = acct.logs.describe_log_groups()["logGroups"]
    check("destroy deletes the log groups", not lg, [g["logGroupName"] for g in lg])
    check("destroy deregisters the scalable target",
          not acct.aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"])
    r = acct.ecsc("plan", tag="1.28.0")
    check("after destroy, plan creates everything again", r.returncode == 2 and
          "+ create    service web" in r.stdout, r.stdout[-800:])


def faults(acct, seed):
    # Throttling, 5xx, requests dropped before moto and answers lost after it.
    acct.proxy.configure(seed=seed, throttle=0.12, error5xx=0.08, drop=0.05, drop_after=0.08)
    r = acct.ecsc("apply", "--parallelism", "4", timeout=300)
    calls = acct.proxy.calls()
    injected = [c["fault"] for c in calls if c["fault"]]
    print(f"     seed {seed}: {len(calls)} calls, faults: " +
          ", ".join(f"{k} {injected.count(k)}" for k in sorted(set(injected))))
    check("faults were injected", len(injected) >= 5 and "drop_after" in injected, injected)
    check("apply converges through faults", r.returncode == 0, r.stderr[-2000:])
    check("nothing is duplicated", len(acct.active_revisions("web")) == 1 and
          len(acct.active_revisions("worker")) == 1 and
          len(acct.ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [
              "web-service"]}])["SecurityGroups"]) == 1,
          (acct.active_revisions("web"), acct.active_revisions("worker")))
    acct.proxy.configure(throttle=0, error5xx=0, drop=0, drop_after=0)
    acct.proxy.reset()
    r = acct.ecsc("apply")
    check("after the faults, apply has nothing left to do",
          r.returncode == 0 and not mutating(acct.proxy.calls()), ops(acct.proxy.calls()))


def interrupt(acct):
    acct.proxy.configure(latency_ms=150)
    proc = subprocess.Popen([ECSC, "apply", SPEC, *acct.sets, "--set", "tag=1.27.3", "--yes",
                             "--endpoint-url", acct.proxy_url], env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Interrupted once some resources exist and others do not.
    for _ in range(200):
        if count(acct.proxy.calls(), "CreateRole") >= 1:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    made = ops(acct.proxy.calls())
    check("an interrupted apply stops early", proc.returncode != 0 and
          "CreateService" not in made, f"{proc.returncode} {made}")
    acct.proxy.configure(latency_ms=0)
    r = acct.ecsc("apply")
    check("re-running an interrupted apply converges", r.returncode == 0, r.stderr[-1500:])
    acct.proxy.reset()
    r = acct.ecsc("apply")
    check("... to the same state", r.returncode == 0 and not mutating(acct.proxy.calls()) and
          len(acct.active_revisions("web")) == 1, ops(acct.proxy.calls()))


def failing(acct):
    # Every deployment reports a failed task and none running.
    t0 = time.time()
    r = acct.ecsc("apply", "--timeout", "120s")
    took = time.time() - t0
    check("a rollout whose tasks fail stops the wait at once",
          r.returncode == 1 and took < 30 and "failed during the rollout" in r.stderr and
          "circuit breaker" in r.stderr, f"{r.returncode} {took:.1f}s {r.stderr[-1200:]}")
    # moto reports no deploymentConfiguration: the breaker's state is unknown, not off.
    check("an endpoint that does not report the circuit breaker: unknown, never off",
          "circuit breaker: unknown" in r.stderr and "circuit breaker: off" not in r.stderr,
          r.stderr[-600:])
    check("a failed rollout says what to do next: the service's events, no revision to "
          "roll back to for a service this apply created",
          "What to do next:" in r.stderr and
          "aws ecs describe-services --cluster shop --services" in r.stderr and
          "no earlier revision to roll back to" in r.stderr, r.stderr[-1200:])


def odd_bundle(acct):
    # A bundle asking for an operation ecsc does not plan is refused whole.
    path = os.path.join(tempfile.mkdtemp(), "odd.bundle.json")
    with open(path, "w") as f:
        json.dump({"format": "ecsc-bundle", "version": 1, "project": "odd", "requests": [
            {"id": "X/DeleteCluster", "resource": "X", "service": "ecs",
             "operation": "DeleteCluster", "params": {"cluster": "prod"}}]}, f)
    acct.ecs.create_cluster(clusterName="prod")
    r = subprocess.run([ECSC, "apply", path, "--yes", "--endpoint-url", acct.proxy_url],
                       capture_output=True, text=True, env=ENV, timeout=60)
    check("a bundle with an operation ecsc does not plan is refused",
          r.returncode == 1 and "cannot plan" in r.stderr and not mutating(acct.proxy.calls()) and
          acct.ecs.describe_clusters(clusters=["prod"])["clusters"][0]["status"] == "ACTIVE",
          r.stderr[-600:])


def exit_codes(acct):
    # One table: plan 0 / 2 changes / 1 anything else; the others 0 done,
    # 1 failed, 2 usage or input.
    missing = os.path.join(tempfile.mkdtemp(), "missing.ecs")
    no_keys = {k: v for k, v in ENV.items() if not k.startswith("AWS_ACCESS")}
    runs = {
        "plan of a missing file": ([ECSC, "plan", missing], ENV, 1),
        "apply of a missing file": ([ECSC, "apply", missing], ENV, 2),
        "destroy of a missing file": ([ECSC, "destroy", missing, "--yes"], ENV, 2),
        "plan with an unknown option": ([ECSC, "plan", SPEC, "--bogus"], ENV, 1),
        "plan without credentials": ([ECSC, "plan", SPEC, *acct.sets, "--set", "tag=1"], no_keys, 1),
        "apply without credentials": ([ECSC, "apply", SPEC, *acct.sets, "--set", "tag=1"], no_keys, 2),
    }
    for name, (argv, env, want) in runs.items():
        r = subprocess.run(argv + ["--endpoint-url", acct.proxy_url], capture_output=True,
                           text=True, env=env, timeout=60)
        check(f"{name} exits {want}", r.returncode == want, f"{r.returncode} {r.stderr[-300:]}")


def debug(acct):
    exit_codes(acct)
    odd_bundle(acct)
    secret = "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY"
    env = dict(ENV, AWS_SECRET_ACCESS_KEY=secret, AWS_SESSION_TOKEN="FwoGZXIvYXdzEXAMPLETOKEN")
    r = subprocess.run([ECSC, "plan", SPEC, *acct.sets, "--set", "tag=1", "--debug",
                        "--endpoint-url", acct.proxy_url], capture_output=True, text=True,
                       env=env, timeout=60)
    check("--debug traces the calls", "DescribeClusters" in r.stderr and "HTTP 200" in r.stderr,
          r.stderr[-600:])
    check("--debug never prints keys, tokens or signatures",
          secret not in r.stderr and "EXAMPLETOKEN" not in r.stderr and
          "Signature=" not in r.stderr and "testing" not in r.stderr, r.stderr[-600:])


def terminal(acct):
    # Services that never become stable (one task of two runs), watched on a
    # terminal until --timeout.
    master, slave = pty.openpty()
    proc = subprocess.Popen([ECSC, "apply", SPEC, *acct.sets, "--set", "tag=1", "--timeout", "2s",
                             "--yes",
                             "--endpoint-url", acct.proxy_url], stdin=slave, stdout=slave,
                            stderr=slave, env=ENV)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    proc.wait(timeout=60)
    os.close(master)
    text = out.decode(errors="replace")
    # Each redraw moves the cursor up over the block drawn before it.
    ups = re.findall(r"\x1b\[(\d+)A", text)
    check("on a terminal the progress is redrawn in place",
          len(ups) >= 2 and "running 1/2" in text and "elapsed" in text, text[-800:])
    check("--timeout ends the wait with exit 1", proc.returncode == 1 and "timed out" in text,
          f"{proc.returncode} {text[-400:]}")
    # On a pipe: no cursor movement, each line once, when it changes.
    r = subprocess.run([ECSC, "apply", SPEC, *acct.sets, "--set", "tag=2", "--timeout", "3s",
                        "--yes", "--endpoint-url", acct.proxy_url], capture_output=True,
                       text=True, env=ENV, timeout=60, stdin=subprocess.DEVNULL)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    check("on a pipe the progress is one line per change, without escapes",
          "\x1b[" not in r.stderr and "running 1/2" in r.stderr and
          all(a != b for a, b in zip(lines, lines[1:])) and r.returncode == 1,
          f"{r.returncode} {r.stderr[-800:]}")
    if os.environ.get("ECSC_SHOW_ROLLOUT"):
        print(text, r.stderr, sep="\n----\n")


def on_pty(argv, answer=None, prompt=b"Enter a value: ", timeout=120):
    """Runs argv with a pseudo-terminal as its standard input, output and
    error; types answer once prompt shows. Returns (exit status, output)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=ENV,
                            start_new_session=True)
    os.close(slave)
    out, sent, end = b"", False, time.time() + timeout
    while time.time() < end:
        ready, _, _ = select.select([master], [], [], 0.5)
        if not ready:
            if proc.poll() is not None:
                break
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
        if answer is not None and not sent and prompt in out:
            os.write(master, answer.encode() + b"\n")
            sent = True
    proc.wait(timeout=60)
    os.close(master)
    return proc.returncode, out.decode(errors="replace")


def confirmation(acct):
    p = acct.proxy
    argv = [ECSC, "apply", SPEC, *acct.sets, "--set", "tag=1.27.3", "--endpoint-url",
            acct.proxy_url]
    # Off a terminal, without --yes: refused before any change.
    p.reset()
    r = subprocess.run(argv, capture_output=True, text=True, env=ENV, timeout=120,
                       stdin=subprocess.DEVNULL)
    check("apply off a terminal without --yes refuses with exit 2",
          r.returncode == 2 and "pass --yes" in r.stderr and "+ create" in r.stderr,
          f"{r.returncode} {r.stderr[-800:]}")
    check("... making zero mutating calls (counted by the proxy), after reading",
          not mutating(p.calls()) and len(p.calls()) > 3 and
          not acct.ecs.describe_clusters(clusters=["shop"])["clusters"],
          (len(p.calls()), ops(p.calls())))
    # On a terminal: `no` (or anything but `yes`) changes nothing.
    for answer in ("no", "Yes", "y"):
        p.reset()
        status, out = on_pty(argv, answer)
        check(f"on a terminal apply asks; `{answer}` is not confirmation (exit 1)",
              status == 1 and "Only `yes` is accepted" in out and "not confirmed" in out,
              f"{status} {out[-600:]}")
        check(f"... `{answer}`: zero mutating calls, nothing in moto",
              not mutating(p.calls()) and
              not acct.ecs.describe_clusters(clusters=["shop"])["clusters"], ops(p.calls()))
    p.reset()
    status, out = on_pty(argv, "yes")
    clusters = acct.ecs.describe_clusters(clusters=["shop"])["clusters"]
    check("on a terminal `yes` applies (exit 0)",
          status == 0 and "Apply complete" in out and clusters and
          clusters[0]["status"] == "ACTIVE" and acct.service("web")["status"] == "ACTIVE",
          f"{status} {out[-800:]}")
    # With nothing to change there is nothing to confirm: exit 0, no question.
    p.reset()
    r = subprocess.run(argv, capture_output=True, text=True, env=ENV, timeout=120,
                       stdin=subprocess.DEVNULL)
    check("a no-change apply says so and exits 0 without asking, even off a terminal",
          r.returncode == 0 and "No changes" in r.stderr and "Enter a value" not in r.stderr
          and not mutating(p.calls()), f"{r.returncode} {r.stderr[-600:]}")
    status, out = on_pty(argv)
    check("... and on a terminal", status == 0 and "No changes" in out and
          "Enter a value" not in out, f"{status} {out[-600:]}")
    # destroy asks in the same way, for the project's name.
    p.reset()
    dargv = [ECSC, "destroy", *argv[2:]]
    status, out = on_pty(dargv, "yes", prompt=b"Enter the project's name: ")
    check("destroy on a terminal takes only the project's name (`yes`: exit 1, nothing deleted)",
          status == 1 and "not confirmed" in out and not mutating(p.calls()) and
          acct.service("web")["status"] == "ACTIVE", f"{status} {out[-600:]}")
    r = subprocess.run(dargv, capture_output=True, text=True, env=ENV, timeout=120,
                       stdin=subprocess.DEVNULL)
    check("destroy off a terminal without --yes: exit 2, as apply",
          r.returncode == 2 and "pass --yes" in r.stderr and not mutating(p.calls()),
          f"{r.returncode} {r.stderr[-400:]}")
    status, out = on_pty(dargv, "shop", prompt=b"Enter the project's name: ")
    check("destroy with the project's name deletes", status == 0 and
          acct.service("web")["status"] != "ACTIVE", f"{status} {out[-600:]}")


def knob_service(name, comment, fields, image):
    return f"""
# {comment}
service {name} in knobs {{
  cpu           = 0.25 vcpu
  memory        = 0.5 GiB
  desired_count = 2
{fields}  network {{
    subnets         = subnets
    security_groups = [sg]
  }}
  container app {{ image = "public.ecr.aws/{image}" }}
}}
"""


KNOBS = """project "knobs"
param subnets: list(string)
param sg: string
param tag: string
param calm_tag: string = "1.36"

cluster knobs {
  capacity FARGATE { weight = 1 }
}
""" + knob_service("calm", "Not waited for, deleted at once, its revisions kept.",
                   "  wait_for_steady_state = false\n  force_delete  = true\n"
                   "  skip_destroy  = true\n", "docker/library/busybox:${calm_tag}") + \
    knob_service("eager", "Rolled back on Ctrl-C during apply's wait.",
                 "  deployment { sigint_rollback = true }\n", "nginx/nginx:${tag}") + \
    knob_service("plain", "None of them: waited for, left rolling on Ctrl-C, scaled to 0 "
                 "before deletion.", "", "nginx/nginx:${tag}")


def knobs(acct):
    # The runtime fields, against a moto whose services never become
    # stable (one task of two runs).
    spec = os.path.join(tempfile.mkdtemp(), "knobs.ecs")
    with open(spec, "w") as f:
        f.write(KNOBS)
    base = [spec, "--set", acct.sets[1], "--set", acct.sets[5], "--endpoint-url", acct.proxy_url]

    def run(cmd, *args, timeout=120):
        yes = ["--yes"] if cmd == "apply" else []
        return subprocess.run([ECSC, cmd, *base, *args, *yes], capture_output=True, text=True,
                              env=ENV, timeout=timeout)

    def svc(name):
        return acct.ecs.describe_services(cluster="knobs", services=[name])["services"][0]

    p = acct.proxy
    r = run("apply", "--set", "tag=1.27.3", "--timeout", "3s")
    check("wait_for_steady_state = false: apply does not wait for calm, waits for the others",
          "Not waiting for knobs/calm (wait_for_steady_state = false)" in r.stderr and
          "Waiting for 2 services" in r.stderr and "knobs/calm:" not in r.stderr and
          r.returncode == 1 and "timed out" in r.stderr, f"{r.returncode} {r.stderr[-1500:]}")
    p.reset()
    r = run("apply", "--set", "tag=1.27.3", "--set", "calm_tag=1.37")
    check("wait_for_steady_state = false: a change to calm alone applies and exits 0 unwaited",
          r.returncode == 0 and "Waiting for" not in r.stderr and
          ops(p.calls()) == ["RegisterTaskDefinition", "UpdateService"],
          f"{r.returncode} {ops(p.calls())} {r.stderr[-1200:]}")
    before = {n: svc(n)["taskDefinition"] for n in ("eager", "plain")}

    # Ctrl-C during the rollout of a new image.
    p.reset()
    proc = subprocess.Popen([ECSC, "apply", *base, "--yes", "--set", "calm_tag=1.37", "--set",
                             "tag=1.28.0", "--timeout", "120s"], env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(1500):
        calls = [c["operation"] for c in p.calls()]
        updates = [i for i, o in enumerate(calls) if o == "UpdateService"]
        if len(updates) >= 2 and "DescribeServices" in calls[updates[-1]:]:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    eager, plain = svc("eager"), svc("plain")
    check("sigint_rollback: Ctrl-C in the wait rolls eager back to its previous task definition",
          eager["taskDefinition"] == before["eager"] and
          acct.image(eager["taskDefinition"]) == "public.ecr.aws/nginx/nginx:1.27.3",
          (before, eager["taskDefinition"], err[-1500:]))
    check("sigint_rollback: ... and says so",
          f"knobs/eager: sigint_rollback: rolling back to {before['eager'].split('/')[-1]}"
          in err and proc.returncode == 1, f"{proc.returncode} {err[-1500:]}")
    check("without sigint_rollback the rollout goes on (plain runs the new revision) and says so",
          plain["taskDefinition"] != before["plain"] and
          acct.image(plain["taskDefinition"]) == "public.ecr.aws/nginx/nginx:1.28.0" and
          "knobs/plain: its rollout goes on in ECS" in err, (plain["taskDefinition"], err[-1500:]))

    # destroy: calm at once (force_delete), the others scaled to 0 first;
    # calm's revisions stay (skip_destroy).
    p.reset()
    r = run("destroy", "--yes", "--set", "tag=1.28.0")
    calls = mutating(p.calls())
    deletes = {c["body"]["service"]: c["body"].get("force") for c in calls
               if c["operation"] == "DeleteService"}
    drains = sorted(c["body"]["service"] for c in calls if c["operation"] == "UpdateService"
                    and c["body"].get("desiredCount") == 0)
    check("force_delete: calm is deleted with force and no scale-down; the others drain to 0 "
          "first and are deleted without force",
          r.returncode == 0 and deletes == {"calm": True, "eager": False, "plain": False} and
          drains == ["eager", "plain"], f"{r.returncode} {deletes} {drains} {r.stderr[-1200:]}")
    order = [c["operation"] + "/" + c["body"].get("service", "") for c in calls
             if c["operation"] in ("UpdateService", "DeleteService")]
    check("force_delete: ... each drain before its deletion",
          all(order.index(f"UpdateService/{n}") < order.index(f"DeleteService/{n}")
              for n in ("eager", "plain")), order)
    gone = acct.ecs.describe_services(cluster="knobs", services=["calm", "eager", "plain"])
    check("destroy leaves no active service",
          all(s["status"] == "INACTIVE" for s in gone["services"]), gone["services"])
    check("skip_destroy: destroy keeps calm's revisions and deregisters the others'",
          len(acct.active_revisions("calm")) == 2 and not acct.active_revisions("eager") and
          not acct.active_revisions("plain") and "skip_destroy: the revisions of calm are kept"
          in r.stderr, (acct.active_revisions("calm"), acct.active_revisions("eager"),
                        r.stderr[-800:]))
    check("... and none of calm's revisions was deregistered",
          not any(c["operation"] == "DeregisterTaskDefinition" and
                  "task-definition/calm:" in c["body"].get("taskDefinition", "") for c in calls),
          ops(calls))


def saved(acct):
    """ecsc plan --out FILE, then ecsc apply FILE: exactly that plan, or a
    refusal that touches nothing when AWS or the spec changed since."""
    p = acct.proxy
    tmp = tempfile.mkdtemp()
    spec = os.path.join(tmp, "shop.ecs")
    with open(SPEC) as f, open(spec, "w") as g:
        g.write(f.read())
    plan = os.path.join(tmp, "web.plan")    # not .json: known by its first line
    # Keys that would stand out in the file.
    env = dict(ENV, AWS_SECRET_ACCESS_KEY="SecretKeyMarker/For+ThePlanTest",
               AWS_SESSION_TOKEN="SessionTokenMarker4711")

    def run(cmd, *args, tag="1.28.0"):
        return subprocess.run([ECSC, cmd, *args, *acct.sets, "--set", f"tag={tag}",
                               "--endpoint-url", acct.proxy_url], capture_output=True,
                              text=True, env=env, timeout=120, stdin=subprocess.DEVNULL)

    r = run("apply", spec, "--yes", tag="1.27.3")
    check("saved: the first apply creates (exit 0)", r.returncode == 0, r.stderr[-800:])
    web0 = acct.service("web")["taskDefinition"]

    def new_plan():
        p.reset()
        r = run("plan", spec, "--out", plan)
        check("plan --out exits 2 (changes), says where the plan went, and reads only",
              r.returncode == 2 and f"Saved the plan to {plan}" in r.stderr and
              "~ update" in r.stdout and not mutating(p.calls()),
              f"{r.returncode} {r.stdout[-600:]} {r.stderr[-400:]}")
        return r

    new_plan()
    text = open(plan).read()
    doc = json.loads(text)
    check("the saved plan holds the bundle, the spec's digest and the calls",
          doc["format"] == "ecsc-saved-plan" and doc["bundle"]["project"] == "shop" and
          [s["path"] for s in doc["sources"]] == [spec] and doc["calls"] == 2 and
          len(doc["live_digest"]) == 64, {k: doc[k] for k in doc if k != "bundle"})
    check("... and no secret: neither the keys nor the session token",
          "SecretKeyMarker" not in text and "SessionTokenMarker" not in text and
          "testing" not in text)
    check("... nor a value read from AWS (the image running now)",
          "nginx:1.27.3" not in text and "nginx:1.28.0" in text)
    check("... written whole: no temporary file is left beside it",
          sorted(os.listdir(tmp)) == ["shop.ecs", "web.plan"], os.listdir(tmp))
    r = run("plan", spec, "--out", os.path.join(tmp, "no-such-dir", "x.plan"))
    check("a plan that cannot be saved exits 1 and leaves nothing",
          r.returncode == 1 and "cannot write" in r.stderr and
          sorted(os.listdir(tmp)) == ["shop.ecs", "web.plan"], r.stderr[-400:])

    # An out-of-band change, made with boto3 straight into moto.
    acct.ecs.update_service(cluster="shop", service="worker", desiredCount=3)
    p.reset()
    r = subprocess.run([ECSC, "apply", plan, "--endpoint-url", acct.proxy_url],
                       capture_output=True, text=True, env=env, timeout=120,
                       stdin=subprocess.DEVNULL)
    check("apply of a plan made before an out-of-band change refuses (exit 1)",
          r.returncode == 1 and "the saved plan is stale: AWS changed" in r.stderr and
          "nothing was changed" in r.stderr, f"{r.returncode} {r.stderr[-800:]}")
    check("... with zero mutating calls (counted by the proxy); web still runs its revision",
          not mutating(p.calls()) and p.calls() and
          acct.service("web")["taskDefinition"] == web0, ops(p.calls()))

    # Planned again: applied as saved, without a question, off a terminal.
    new_plan()
    p.reset()
    r = subprocess.run([ECSC, "apply", plan, "--endpoint-url", acct.proxy_url],
                       capture_output=True, text=True, env=env, timeout=120,
                       stdin=subprocess.DEVNULL)
    web = acct.service("web")
    check("apply FILE makes exactly the saved calls, without asking (exit 0)",
          r.returncode == 0 and ops(p.calls()) == ["RegisterTaskDefinition", "UpdateService"] and
          "Enter a value" not in r.stderr, f"{r.returncode} {ops(p.calls())} {r.stderr[-800:]}")
    check("... and moto runs the new image; worker's count set out of band is kept",
          acct.image(web["taskDefinition"]) == "public.ecr.aws/nginx/nginx:1.28.0" and
          acct.service("worker")["desiredCount"] == 3, web["taskDefinition"])
    p.reset()
    r = subprocess.run([ECSC, "apply", plan, "--endpoint-url", acct.proxy_url],
                       capture_output=True, text=True, env=env, timeout=120,
                       stdin=subprocess.DEVNULL)
    check("a saved plan applies once: again, it is stale (its own changes), exit 1",
          r.returncode == 1 and "stale" in r.stderr and not mutating(p.calls()),
          f"{r.returncode} {r.stderr[-600:]}")

    # The spec changed since the plan: refused before any call at all.
    r = run("plan", spec, "--out", plan, tag="1.29.0")
    check("plan --out of a further change", r.returncode == 2, r.stderr[-400:])
    with open(spec, "a") as g:
        g.write("# edited after the plan\n")
    p.reset()
    r = subprocess.run([ECSC, "apply", plan, "--endpoint-url", acct.proxy_url],
                       capture_output=True, text=True, env=env, timeout=120,
                       stdin=subprocess.DEVNULL)
    check("apply of a plan whose spec changed refuses (exit 1) and calls nothing",
          r.returncode == 1 and f"the spec changed since the plan: {spec}" in r.stderr and
          not p.calls() and acct.service("web")["taskDefinition"] == web["taskDefinition"],
          f"{r.returncode} {len(p.calls())} {r.stderr[-600:]}")
    r = subprocess.run([ECSC, "plan", plan, "--endpoint-url", acct.proxy_url],
                       capture_output=True, text=True, env=env, timeout=60)
    check("plan of a saved plan says to apply it (exit 1)",
          r.returncode == 1 and "saved plan" in r.stderr, r.stderr[-300:])


def walk(acct):
    """The proxy rewrites DescribeServices to walk web's deployment from two
    deployments to one COMPLETED, with events, its circuit breaker and a
    real CloudWatch alarm in moto; the wait shows each step."""
    p = acct.proxy
    r = acct.ecsc("apply")
    check("walk: the first apply creates (exit 0)", r.returncode == 0, r.stderr[-800:])
    cw = boto3.client("cloudwatch", **clients_kw(acct.url))
    cw.put_metric_alarm(AlarmName="web-5xx", MetricName="HTTPCode_Target_5XX_Count",
                        Namespace="AWS/ApplicationELB", Statistic="Sum", Period=60,
                        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")
    cw.set_alarm_state(AlarmName="web-5xx", StateValue="OK", StateReason="quiet")
    real = acct.ecs.describe_services(cluster="shop", services=["web", "worker"])["services"]
    real = json.loads(json.dumps(real, default=lambda t: t.timestamp()))
    web = next(x for x in real if x["serviceName"] == "web")
    old = web["taskDefinition"]
    new = old.rsplit(":", 1)[0] + ":" + str(int(old.rsplit(":", 1)[1]) + 1)
    rev = lambda arn: arn.rsplit("/", 1)[1]  # noqa: E731

    def dep(status, td, running, pending, rollout):
        return dict(id="ecs-svc/" + status, status=status, taskDefinition=td, desiredCount=2,
                    runningCount=running, pendingCount=pending, failedTasks=0,
                    rolloutState=rollout)

    def step(running, deps, events):
        w = dict(web, runningCount=running, pendingCount=0, deployments=deps,
                 events=[dict(id=str(i), createdAt=1796630400 + i, message=m)
                         for i, m in enumerate(events)],
                 deploymentConfiguration=dict(
                     maximumPercent=200, minimumHealthyPercent=100,
                     deploymentCircuitBreaker=dict(enable=True, rollback=True),
                     alarms=dict(alarmNames=["web-5xx"], enable=True, rollback=True)))
        return {"services": [w if x["serviceName"] == "web" else x for x in real]}

    # As many answers as plan reads pass unchanged; then the walk.
    p.reset()
    acct.ecsc("plan", tag="1.28.0")
    reads = count(p.calls(), "DescribeServices")
    started = "(service web) has started 1 tasks: (task a1)."
    steps = [step(2, [dep("PRIMARY", new, 0, 1, "IN_PROGRESS"),
                      dep("ACTIVE", old, 2, 0, "COMPLETED")], [started]),
             step(3, [dep("PRIMARY", new, 2, 0, "IN_PROGRESS"),
                      dep("ACTIVE", old, 1, 0, "COMPLETED")],
                  ["(service web) has stopped 1 running tasks: (task o1).", started]),
             step(2, [dep("PRIMARY", new, 2, 0, "COMPLETED")],
                  ["(service web) has reached a steady state."])]
    p.configure(rewrite={"DescribeServices": [{}] * reads + steps})
    r = acct.ecsc("apply", tag="1.28.0")
    p.configure(rewrite=None)
    err = r.stderr
    want = [f"shop/web: running 2/2, pending 0, 2 deployments, IN_PROGRESS",
            f"PRIMARY {rev(new)}: running 0/2, pending 1, IN_PROGRESS",
            f"ACTIVE  {rev(old)}: running 2/2, pending 0, COMPLETED",
            "circuit breaker: on (rolls back), trips at 3 failed tasks, 0 so far; "
            "alarms (roll back on ALARM): web-5xx OK",
            f"event 08:00:00 {started}",
            "shop/web: running 3/2, pending 0, 2 deployments, IN_PROGRESS",
            "event 08:00:00 (service web) has stopped 1 running tasks",
            "shop/web: running 2/2, pending 0, 1 deployment, COMPLETED",
            "event 08:00:00 (service web) has reached a steady state."]
    at = [err.find(x) for x in want]
    check("on a pipe the wait shows each step of the walk, in order, and ends stable (exit 0)",
          r.returncode == 0 and -1 not in at and at == sorted(at) and "\x1b[" not in err,
          f"{r.returncode} {list(zip(want, at))} {err[-1500:]}")
    check("... with the alarm's state read from CloudWatch in moto",
          count(p.calls(), "DescribeAlarms") >= 1, ops(p.calls()))
    check("... each line once: nothing repeated while nothing changes",
          err.count(f"PRIMARY {rev(new)}: running 0/2, pending 1, IN_PROGRESS") == 1, err[-1500:])


def providers(acct):
    # A cluster with no capacity blocks has no PutClusterCapacityProviders:
    # none is sent on create, and providers it has live (the spec's before)
    # are taken off once, then nothing changes.
    spec = os.path.join(tempfile.mkdtemp(), "providers.ecs")

    def run(cluster, cmd="apply"):
        with open(spec, "w") as f:
            f.write('project "providers"\n' + cluster)
        return subprocess.run([ECSC, cmd, spec, "--endpoint-url", acct.proxy_url,
                                "--yes"], capture_output=True, text=True, env=ENV, timeout=120)

    def live():
        c = acct.ecs.describe_clusters(clusters=["bare"])["clusters"][0]
        return c.get("capacityProviders"), c.get("defaultCapacityProviderStrategy")

    p = acct.proxy
    p.reset()
    r = run("cluster bare {}\n")
    check("an empty cluster: created without a PutClusterCapacityProviders",
          r.returncode == 0 and "CreateCluster" in ops(p.calls()) and
          "PutClusterCapacityProviders" not in ops(p.calls()), f"{ops(p.calls())} {r.stderr[-800:]}")
    r = run("cluster bare { capacity FARGATE { weight = 1 } }\n")
    check("providers added: associated", r.returncode == 0 and live()[0] == ["FARGATE"],
          f"{live()} {r.stderr[-800:]}")
    p.reset()
    r = run("cluster bare {}\n")
    check("the apply's plan names the provider it takes off",
          '- cluster bare › capacity = "FARGATE"' in r.stderr, r.stderr[-800:])
    check("providers removed from the spec: taken off the cluster with one call",
          r.returncode == 0 and ops(p.calls()) == ["PutClusterCapacityProviders"] and
          live() == ([], []), f"{ops(p.calls())} {live()} {r.stderr[-800:]}")
    p.reset()
    r = run("cluster bare {}\n")
    check("... and a second apply makes no mutating call",
          r.returncode == 0 and ops(p.calls()) == [], f"{ops(p.calls())} {r.stderr[-800:]}")
    p.reset()
    r = run("cluster bare {}\n", "destroy")
    status = acct.ecs.describe_clusters(clusters=["bare"])["clusters"]
    check("destroy deletes the empty cluster and its log group, nothing else",
          r.returncode == 0 and ops(p.calls()) == ["DeleteCluster", "DeleteLogGroup"] and
          (not status or status[0]["status"] == "INACTIVE"), f"{ops(p.calls())} {r.stderr[-800:]}")


RUNS = [scenario] + [lambda a, s=s: faults(a, s) for s in (20261125, 4, 5)] + \
    [interrupt, failing, debug, terminal, knobs, confirmation, saved, walk, providers]
# test_apply.py ECSC NAME...: only those runs (while working on one).
RUNS = [fn for fn in RUNS if len(sys.argv) < 3 or fn.__name__ in sys.argv[2:]]
for fn in RUNS:
    env = dict(MOTO_ECS_SERVICE_RUNNING="2")
    if fn is failing:
        env = dict(MOTO_ECS_SERVICE_RUNNING="0", MOTO_ECS_SERVICE_FAILED_TASKS="1")
    if fn in (terminal, knobs):
        env = dict(MOTO_ECS_SERVICE_RUNNING="1")
    with moto_server(**env) as url:
        acct = Account(url)
        try:
            fn(acct)
        finally:
            acct.proxy.stop()

check.finish()
