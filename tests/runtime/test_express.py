#!/usr/bin/env python3
"""test_express.py ECSC: `ecsc plan`, `apply` and `destroy` of an Express Mode service.

moto 5.2.1 serves none of the Express Gateway operations (its
DescribeExpressGatewayService answers HTTP 500), so they are served by
tests/runtime/express_server.py, a loopback server built from botocore's
ECS model that validates every request against the operation's input
shape and every answer against its output shape, and keeps the services
in memory. The recording proxy (tests/runtime/proxy.py) routes those
operations (and TagResource, which the server passes on to moto for ARNs
not its own) to that server and everything else to moto, and counts every
call. The spec is tests/runtime/express.ecs (samples/express.ecs with the
account's subnets and VPC).

Checked, each against the server's or moto's state rather than ecsc's own
report:
- apply creates the service once, with the spec's values at their paths
  (cpu, memory, image, port, health check, scaling, subnets, the security
  group and roles ecsc made in moto, the ownership tag), after the roles,
  group, log group and cluster it needs; it waits until the service is
  ACTIVE with an endpoint and prints its URL, and fails (exit 1) when the
  endpoint is not up within --timeout;
- a second apply makes no mutating call, and plan exits 0;
- a new image is one UpdateExpressGatewayService carrying the new
  primaryContainer, shown field by field in the plan; a new tag is one
  TagResource; a new infrastructure role replaces the service (delete,
  wait for INACTIVE, create);
- a saved plan is refused, with no mutating call, after the service
  changed out of band;
- a create whose answer is lost is not sent again blind: the service is
  looked up, found, and not duplicated;
- an Express service of the spec's name that another project owns (or
  none) is never changed or deleted, and blocks the apply;
- destroy deletes the service, waits until it is INACTIVE, then deletes
  its roles, group, log group and cluster; with --prune, an owned Express
  service gone from the spec is deleted as one (DeleteExpressGatewayService,
  never DeleteService)."""
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
from express_server import ACCOUNT, OPERATIONS, ExpressServer  # noqa: E402
from proxy import Proxy, count, mutating  # noqa: E402

import boto3  # noqa: E402

ECSC = os.path.abspath(sys.argv[1])
SPEC = f"{HERE}/express.ecs"
ENV = ecsc_env()
REGION = "eu-west-1"
ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/ex-express/ex-express-api"
check = Checks()


def ops(calls):
    return sorted(c["operation"] for c in mutating(calls))


class Account:
    def __init__(self, url, express):
        self.url, self.express = url, express
        kw = clients_kw(url)
        self.ecs = boto3.client("ecs", **kw)
        self.iam = boto3.client("iam", **kw)
        self.ec2 = boto3.client("ec2", **kw)
        self.logs = boto3.client("logs", **kw)
        self.vpc = self.ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
        self.subnets = [s["SubnetId"] for s in self.ec2.describe_subnets(
            Filters=[{"Name": "vpc-id", "Values": [self.vpc]}])["Subnets"]][:2]
        self.proxy = Proxy(url, route={op: express.url for op in OPERATIONS})
        self.proxy_url = self.proxy.start()

    def ecsc(self, cmd, *args, spec=SPEC, tag="1.27", team="api", timeout=120):
        yes = ["--yes"] if cmd in ("apply", "destroy") else []
        argv = [ECSC, cmd, spec, "--set", "subnets=" + ",".join(self.subnets),
                "--set", f"vpc={self.vpc}", "--set", f"tag={tag}", "--set", f"team={team}",
                *args, *yes, "--endpoint-url", self.proxy_url]
        return subprocess.run(argv, capture_output=True, text=True, env=ENV, timeout=timeout)

    def service(self, arn=ARN):
        return self.express.services().get(arn)

    def group_id(self):
        g = self.ec2.describe_security_groups(
            Filters=[{"Name": "tag:ecsc:project", "Values": ["express"]}])["SecurityGroups"]
        return g[0]["GroupId"] if g else None

    def role_arn(self, name):
        try:
            return self.iam.get_role(RoleName=name)["Role"]["Arn"]
        except self.iam.exceptions.NoSuchEntityException:
            return None


def config(s):
    """The newest active configuration."""
    return max(s["activeConfigurations"], key=lambda c: c["createdAt"])


def created(acct):
    p = acct.proxy
    r = acct.ecsc("plan")
    check("plan of a new express service exits 2 and lists it",
          r.returncode == 2 and "+ create    express service ex-express-api" in r.stdout,
          r.stdout[-1500:] + r.stderr[-600:])
    check("plan makes no mutating call", not mutating(p.calls()), ops(p.calls()))
    p.reset()
    r = acct.ecsc("apply")
    check("apply creates (exit 0)", r.returncode == 0, r.stdout[-1500:] + r.stderr[-2000:])
    calls = p.calls()
    made = ops(calls)
    check("the service is created once", made.count("CreateExpressGatewayService") == 1, made)
    s = acct.service()
    check("the server holds it ACTIVE", s and s["status"]["statusCode"] == "ACTIVE", s)
    if not s:
        return False
    c = config(s)
    pc = c["primaryContainer"]
    check("cpu and memory in the API's units",
          (c["cpu"], c["memory"]) == ("512", "1024"), (c["cpu"], c["memory"]))
    check("the container: image, port, command, environment, secrets",
          pc["image"] == "public.ecr.aws/nginx/nginx:1.27" and pc["containerPort"] == 8080 and
          pc["command"] == ["nginx", "-g", "daemon off;"] and
          pc["environment"] == [{"name": "LOG_LEVEL", "value": "info"}] and
          pc["secrets"] == [{"name": "API_KEY", "valueFrom": "/ex-express/api-key"}], pc)
    check("its logs go to the managed group with the spec's prefix",
          pc["awsLogsConfiguration"] == {"logGroup": "/aws/ecs/ex-express-api",
                                         "logStreamPrefix": "api"}, pc)
    groups = {g["logGroupName"]: g for g in acct.logs.describe_log_groups(
        logGroupNamePrefix="/aws/ecs/ex-express-api")["logGroups"]}
    check("the log group exists with 30 days' retention",
          groups.get("/aws/ecs/ex-express-api", {}).get("retentionInDays") == 30, groups)
    check("health check path and scaling target",
          c["healthCheckPath"] == "/health" and c["scalingTarget"] == {
              "minTaskCount": 1, "maxTaskCount": 4, "autoScalingMetric": "AVERAGE_CPU",
              "autoScalingTargetValue": 80}, c)
    gid = acct.group_id()
    check("the network: the account's subnets and the group ecsc made in moto",
          gid and c["networkConfiguration"] == {"subnets": acct.subnets, "securityGroups": [gid]},
          (c["networkConfiguration"], gid))
    rules = acct.ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0] if gid else {}
    check("the group lets 8080 in from 10.0.0.0/16",
          any(x.get("FromPort") == 8080 and x.get("IpProtocol") == "tcp" and
              {"CidrIp": "10.0.0.0/16"} in x.get("IpRanges", [])
              for x in rules.get("IpPermissions", [])), rules)
    exec_arn = acct.role_arn("ex-express-api-exec")
    infra_arn = acct.role_arn("ex-express-api-infra")
    check("the execution and infrastructure roles are the ones ecsc made",
          exec_arn and c["executionRoleArn"] == exec_arn and
          s["infrastructureRoleArn"] == infra_arn, (c.get("executionRoleArn"), exec_arn,
                                                    s["infrastructureRoleArn"], infra_arn))
    attached = [a["PolicyName"] for a in acct.iam.list_attached_role_policies(
        RoleName="ex-express-api-infra")["AttachedPolicies"]] if infra_arn else []
    check("the infrastructure role carries the managed policy Express Mode needs",
          "AmazonECSInfrastructureRoleforExpressGatewayServices" in attached, attached)
    trust = acct.iam.get_role(RoleName="ex-express-api-infra")["Role"][
        "AssumeRolePolicyDocument"] if infra_arn else {}
    check("the infrastructure role is trusted by ecs.amazonaws.com",
          "ecs.amazonaws.com" in json.dumps(trust), trust)
    policies = [json.dumps(acct.iam.get_role_policy(RoleName="ex-express-api-exec",
                                                    PolicyName=n)["PolicyDocument"])
                for n in acct.iam.list_role_policies(RoleName="ex-express-api-exec")[
                    "PolicyNames"]] if exec_arn else []
    check("the execution role may read the container's SSM secret and write its logs",
          any("ssm:GetParameters" in d and "/ex-express/api-key" in d for d in policies) and
          any("logs:PutLogEvents" in d for d in policies), policies)
    check("the service carries the ownership tag and the spec's",
          {"key": "ecsc:project", "value": "express"} in s["tags"] and
          {"key": "Service", "value": "api"} in s["tags"], s["tags"])
    # Order: the service after what it needs.
    order = [c["operation"] for c in mutating(calls)]
    at = order.index("CreateExpressGatewayService")
    check("the service is created after its cluster, roles, group and log group",
          all(op in order[:at] for op in ("CreateCluster", "CreateRole", "AttachRolePolicy",
                                          "CreateSecurityGroup", "CreateLogGroup")), order)
    url = c.get("ingressPaths", [{}])[0].get("endpoint")
    check("apply waits until it is ACTIVE with an endpoint and prints the URL",
          url and f"ACTIVE at https://{url}" in r.stderr, (url, r.stderr[-1500:]))
    # Describe before the create answers "not found"; nothing else may fail.
    bad = [x for x in acct.express.calls() if x["status"] != 200 and
           (x["operation"], x.get("error")) != ("DescribeExpressGatewayService",
                                                 "ResourceNotFoundException")]
    check("every Express request fit botocore's model", not bad, bad)
    return True


def unchanged(acct):
    p = acct.proxy
    p.reset()
    r = acct.ecsc("apply")
    check("a second apply makes no mutating call", r.returncode == 0 and not mutating(p.calls()),
          ops(p.calls()) + [r.stderr[-1200:]])
    r = acct.ecsc("plan")
    check("plan of the applied spec exits 0", r.returncode == 0, r.stdout[-1500:])


def updated(acct):
    p = acct.proxy
    before = config(acct.service())["serviceRevisionArn"]
    r = acct.ecsc("plan", tag="1.28")
    check("a new image is planned as an update, field by field",
          r.returncode == 2 and "~ update    express service ex-express-api" in r.stdout and
          re.search(r"nginx:1\.27\"? -> \"?public\.ecr\.aws/nginx/nginx:1\.28", r.stdout),
          r.stdout[-1500:])
    r = acct.ecsc("plan", "--json", tag="1.28")
    try:
        ch = [c for c in json.loads(r.stdout)["changes"] if c["kind"] == "express service"][0]
        paths = [f["path"] for f in ch["fields"]]
    except (ValueError, KeyError, IndexError) as e:
        paths = [str(e)]
    check("the plan's path is the image's", any("image" in x for x in paths) and
          not any("cpu" in x or "scalingTarget" in x for x in paths), paths)
    p.reset()
    r = acct.ecsc("apply", tag="1.28")
    made = ops(p.calls())
    check("the update is one UpdateExpressGatewayService", r.returncode == 0 and
          made == ["UpdateExpressGatewayService"], made + [r.stderr[-1200:]])
    body = [c["body"] for c in mutating(p.calls())][0] if made else {}
    check("it names the service by ARN and carries the new container",
          body.get("serviceArn") == ARN and
          body.get("primaryContainer", {}).get("image") == "public.ecr.aws/nginx/nginx:1.28" and
          "serviceName" not in body and "tags" not in body, body)
    c = config(acct.service())
    check("the server's new configuration has the image and kept the rest",
          c["serviceRevisionArn"] != before and
          c["primaryContainer"]["image"] == "public.ecr.aws/nginx/nginx:1.28" and
          c["cpu"] == "512" and c["scalingTarget"]["maxTaskCount"] == 4, c)
    check("apply waited for the updated service's endpoint", "ACTIVE at https://" in r.stderr,
          r.stderr[-800:])
    p.reset()
    r = acct.ecsc("apply", tag="1.28", team="edge")
    made = [c for c in mutating(p.calls()) if c["operation"] != "TagRole"]
    tags = acct.service()["tags"]
    check("a changed tag is one TagResource of the service (the roles get TagRole)",
          r.returncode == 0 and [c["operation"] for c in made] == ["TagResource"] and
          made[0]["body"]["resourceArn"] == ARN and count(p.calls(), "TagRole") == 2 and
          {"key": "Service", "value": "edge"} in tags, [made, tags, r.stderr[-800:]])


def saved(acct):
    # A saved plan is refused, with no mutating call, once the Express
    # service changed out of band (a tag the spec does not name, added with
    # boto3: the calls planned again are the same, the state read is not).
    path = os.path.join(tempfile.mkdtemp(), "express.plan")
    r = acct.ecsc("plan", "--out", path, tag="1.29", team="edge")
    check("plan --out saves the plan of an express service", r.returncode == 2 and
          os.path.exists(path), r.stderr[-800:])
    ecs = boto3.client("ecs", endpoint_url=acct.express.url, region_name=REGION,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    ecs.tag_resource(resourceArn=ARN, tags=[{"key": "oob", "value": "1"}])
    acct.proxy.reset()
    r = subprocess.run([ECSC, "apply", path, "--endpoint-url", acct.proxy_url],
                       capture_output=True, text=True, env=ENV, timeout=120)
    check("the saved plan is refused after the express service changed out of band",
          r.returncode == 1 and not mutating(acct.proxy.calls()),
          ops(acct.proxy.calls()) + [r.returncode, r.stderr[-800:]])
    acct.proxy.reset()
    r = acct.ecsc("apply", tag="1.28", team="edge")
    check("a fresh plan of the same spec has nothing to do (the tag is not the spec's)",
          r.returncode == 0 and not mutating(acct.proxy.calls()), ops(acct.proxy.calls()))


def replaced(acct):
    # A new infrastructure role cannot change in place.
    other = acct.iam.create_role(RoleName="other-infra", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "ecs.amazonaws.com"}}]}))
    arn = other["Role"]["Arn"]
    text = open(SPEC).read().replace('  health_check_path = "/health"\n',
                                     f'  health_check_path = "/health"\n'
                                     f'  infrastructure_role = "{arn}"\n')
    spec = os.path.join(tempfile.mkdtemp(), "express.ecs")
    with open(spec, "w") as f:
        f.write(text)
    r = acct.ecsc("plan", spec=spec, tag="1.28", team="edge")
    check("a new infrastructure role is planned as a replacement",
          r.returncode == 2 and "-/+ replace   express service ex-express-api" in r.stdout and
          "forces replacement" in r.stdout, r.stdout[-1500:])
    acct.proxy.reset()
    r = acct.ecsc("apply", spec=spec, tag="1.28", team="edge")
    made = [c["operation"] for c in mutating(acct.proxy.calls())]
    check("the replacement deletes, waits, then creates", r.returncode == 0 and
          "DeleteExpressGatewayService" in made and "CreateExpressGatewayService" in made and
          made.index("DeleteExpressGatewayService") < made.index("CreateExpressGatewayService"),
          made + [r.stderr[-1500:]])
    s = acct.service()
    check("the new service runs with the new role", s and s["status"]["statusCode"] == "ACTIVE" and
          s["infrastructureRoleArn"] == arn, s)
    return spec


def lost_answer(url, express):
    # The create's answer is lost (the connection drops after the server
    # made it): ecsc looks it up and does not create a second one.
    acct = Account(url, express)
    acct.proxy.configure(drop_after=1.0, max_faults=1, fault_ops=["CreateExpressGatewayService"])
    r = acct.ecsc("apply")
    acct.proxy.configure(drop_after=0.0)
    creates = [c for c in acct.express.calls() if c["operation"] == "CreateExpressGatewayService"]
    check("a lost create's answer: apply succeeds", r.returncode == 0, r.stderr[-1500:])
    check("a lost create is not sent again once the service is found",
          len(creates) == 1 and count(acct.proxy.calls(), "DescribeExpressGatewayService") >= 1,
          [c["status"] for c in creates])
    acct.proxy.stop()
    return acct


def never_ready(url):
    # An endpoint that does not come up within --timeout fails the apply
    # (exit 1, saying so), the service made and left for the next apply.
    with ExpressServer(moto=url, ready_after=10**6) as x:
        acct = Account(url, x)
        r = acct.ecsc("apply", "--timeout", "2s")
        s = acct.service()
        check("apply exits 1 when the endpoint is not up within --timeout",
              r.returncode == 1 and "timed out" in r.stderr and
              "its endpoint not ready yet" in r.stderr and s and
              s["status"]["statusCode"] == "ACTIVE", (r.returncode, r.stderr[-800:]))
        acct.proxy.stop()


def not_owned(url):
    # Another project's Express service of the spec's name: never touched.
    with ExpressServer(moto=url) as x:
        acct = Account(url, x)
        ecs = boto3.client("ecs", endpoint_url=x.url, region_name=REGION,
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        acct.ecs.create_cluster(clusterName="ex-express")
        infra = acct.iam.create_role(RoleName="their-infra", AssumeRolePolicyDocument="{}")
        ecs.create_express_gateway_service(
            serviceName="ex-express-api", cluster="ex-express",
            infrastructureRoleArn=infra["Role"]["Arn"], executionRoleArn=infra["Role"]["Arn"],
            primaryContainer={"image": "theirs:1"},
            tags=[{"key": "ecsc:project", "value": "other"}])
        def state():
            s = acct.service()
            return (s["status"], s["tags"], config(s)["serviceRevisionArn"])
        before = state()
        # apply refuses the whole plan (exit 1); destroy leaves what it does
        # not own and says so (exit 0), as for every other kind.
        for cmd, want in (("apply", 1), ("destroy", 0)):
            acct.proxy.reset()
            r = acct.ecsc(cmd)
            check(f"{cmd} refuses to change another project's express service",
                  r.returncode == want and "another project, `other`" in r.stdout + r.stderr and
                  not any("Express" in c["operation"] for c in mutating(acct.proxy.calls())),
                  ops(acct.proxy.calls()) + [r.returncode, r.stderr[-800:]])
        check("the other project's service is as it was", state() == before, state())
        acct.proxy.stop()


def destroyed(acct, spec):
    p = acct.proxy
    p.reset()
    r = acct.ecsc("destroy", spec=spec, tag="1.28", team="edge")
    made = [c["operation"] for c in mutating(p.calls())]
    check("destroy exits 0", r.returncode == 0, r.stderr[-1500:])
    check("destroy deletes the service once, before its roles, group and cluster",
          made.count("DeleteExpressGatewayService") == 1 and
          all(made.index("DeleteExpressGatewayService") < made.index(op)
              for op in ("DeleteRole", "DeleteSecurityGroup", "DeleteCluster")), made)
    check("destroy never calls DeleteService for an express service",
          "DeleteService" not in made, made)
    s = acct.service()
    check("the service is INACTIVE", s and s["status"]["statusCode"] == "INACTIVE", s)
    status = acct.ecs.describe_clusters(clusters=["ex-express"])["clusters"]
    check("its cluster, roles, group and log group are gone",
          (not status or status[0]["status"] == "INACTIVE") and
          acct.role_arn("ex-express-api-exec") is None and acct.group_id() is None and
          not acct.logs.describe_log_groups(logGroupNamePrefix="/aws/ecs/ex-express-api")[
              "logGroups"], (status, acct.group_id()))
    check("the role ecsc did not make is kept", acct.role_arn("other-infra") is not None)
    r = acct.ecsc("plan", "--json", spec=spec)
    try:
        summary = json.loads(r.stdout)["summary"]
    except (ValueError, KeyError):
        summary = {}
    check("nothing of the spec is left", summary.get("unchanged") == 0 and
          summary.get("errors") == 0, summary)


def pruned(url):
    # An owned service gone from the spec that ECS reports as ECS-managed
    # (an Express service) is pruned with DeleteExpressGatewayService.
    with ExpressServer(moto=url) as x:
        acct = Account(url, x)
        acct.ecs.create_cluster(clusterName="ex-express",
                                tags=[{"key": "ecsc:project", "value": "express"}])
        acct.ecs.create_service(cluster="ex-express", serviceName="old-api", desiredCount=0,
                                tags=[{"key": "ecsc:project", "value": "express"}])
        acct.proxy.configure(rewrite={"DescribeServices": [{"services": [
            {"serviceName": "old-api", "status": "ACTIVE", "resourceManagementType": "ECS"}]}]})
        r = acct.ecsc("plan", "--prune", "--json")
        acct.proxy.configure(rewrite=None)
        try:
            doc = json.loads(r.stdout)
            old = [c for c in doc["changes"] if "old-api" in json.dumps(c)]
        except (ValueError, KeyError):
            old = []
        calls = json.dumps(old)
        check("--prune deletes an owned express service gone from the spec as one",
              old and old[0]["kind"] == "express service" and
              "DeleteExpressGatewayService" in calls and '"DeleteService"' not in calls,
              r.stdout[-1500:] + r.stderr[-600:])
        acct.proxy.stop()


with moto_server() as url:
    with ExpressServer(moto=url) as express:
        acct = Account(url, express)
        if created(acct):
            unchanged(acct)
            updated(acct)
            saved(acct)
            spec = replaced(acct)
            destroyed(acct, spec)
        acct.proxy.stop()
with moto_server() as url:
    with ExpressServer(moto=url) as express:
        lost_answer(url, express)
with moto_server() as url:
    never_ready(url)
with moto_server() as url:
    not_owned(url)
with moto_server() as url:
    pruned(url)
check.finish()
