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
  execution_role  the generated execution policy: log writes on the log
                  groups the task uses, image pulls on its ECR repositories
                  (and nothing of ECR without one), per case
  egress          a service's security group keeps no egress but its own
                  rules: in the template, the bundle replayed against moto,
                  and the runtime, whose plan then finds nothing to change
  outputs         the stack outputs of each resource type, at their paths
                  (Fn::GetAtt only of the type schema's read-only
                  properties), exported under --export-prefix with valid,
                  unique names; cfn-lint clean
  service_role    CreateService's role: a written one for a load balancer
                  outside awsvpc, none elsewhere, with W0010 said
  external        ECS Anywhere: networkMode bridge unless said (none on
                  Windows), launchType EXTERNAL, no network needed; both
                  outputs valid (cfn-lint, botocore)
  providers       a cluster's capacity provider association: made with its
                  providers and default strategy, left out without them
  group_rules     a service, an Express service and a Managed Instances
                  provider wait for their security group's rules
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


def compile_spec(spec, *args, targets=("cloudformation", "bundle")):
    """(template, bundle) of a spec given as text or as a path."""
    path, tmp = spec, None
    if "\n" in spec:
        with tempfile.NamedTemporaryFile("w", suffix=".ecs", delete=False) as f:
            f.write(spec)
        path = tmp = f.name
    try:
        outs = []
        for target in targets:
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


def group_not_made(label, cfn, bundle, name):
    """Neither the template nor the bundle creates or changes log group name."""
    check(f"{label}: no AWS::Logs::LogGroup for {name}",
          not [r for r in of_type(cfn, "AWS::Logs::LogGroup").values()
               if r["Properties"]["LogGroupName"] == name])
    check(f"{label}: no logs request for {name}",
          not [r for r in bundle["requests"]
               if r["service"] == "logs" and r["params"].get("logGroupName") == name])


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
    group_not_made("existing", cfn, bundle, "/shop/existing")

    # A declared group with managed = false exists already, whatever the
    # logging block says: named, never created.
    spec = ('log_group audit {\n  name = "/shop/audit"\n  managed = false\n}\n' +
            service('  container app {\n    image = "nginx:1.27"\n'
                    '    logging {\n      group = audit\n      retention = 7d\n    }\n  }\n'))
    cfn, bundle = compile_spec(spec)
    group_not_made("unmanaged", cfn, bundle, "/shop/audit")
    opts = [c["LogConfiguration"]["Options"] for c in containers(cfn)]
    check("unmanaged: the container writes to it",
          [o["awslogs-group"] for o in opts] == ["/shop/audit"], opts)


# ---- the execution role --------------------------------------------------------------------

ACCT = "123456789012"
ECR = f"{ACCT}.dkr.ecr.eu-west-1.amazonaws.com"
LOG_ARN = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:%s:*"
REPO_ARN = "arn:${AWS::Partition}:ecr:eu-west-1:" + ACCT + ":repository/%s"


def statements(cfn, bundle, role):
    """{Sid: (Action, Resource)} of the execution policy of `role` (a
    RoleName), from the template and from the bundle, with Fn::Sub and
    $sub both written as the text they substitute."""
    def plain(v):
        if isinstance(v, dict) and set(v) in ({"Fn::Sub"}, {"$sub"}):
            return next(iter(v.values()))
        return v

    def by_sid(doc):
        return {s["Sid"]: (s["Action"], [plain(r) for r in s["Resource"]])
                for s in doc["Statement"]}
    cfn_docs = [p["PolicyDocument"] for r in of_type(cfn, "AWS::IAM::Role").values()
                if r["Properties"]["RoleName"] == role
                for p in r["Properties"].get("Policies", []) if p["PolicyName"] == "execution"]
    api_docs = [r["params"]["PolicyDocument"]["$json"] for r in requests(bundle, "iam:PutRolePolicy")
                if r["params"]["RoleName"] == role and r["params"]["PolicyName"] == "execution"]
    return (by_sid(cfn_docs[0]) if cfn_docs else {}), (by_sid(api_docs[0]) if api_docs else {})


def policy_is(label, spec, want, role="web-task-exec", deploy_time=False):
    """The execution policy in the template and, unless a parameter is left
    to deploy time (which a bundle cannot do), in the bundle."""
    targets = ("cloudformation",) if deploy_time else ("cloudformation", "bundle")
    outs = compile_spec(spec, targets=targets)
    cfn, bundle = outs[0], (outs[1] if len(outs) > 1 else {"requests": []})
    got_cfn, got_api = statements(cfn, bundle, role)
    for where, got in (("CloudFormation", got_cfn), ("bundle", got_api))[:len(targets)]:
        check(f"{label}: {where}", got == want,
              "\n  got  " + json.dumps(got, sort_keys=True) + "\n  want " + json.dumps(want, sort_keys=True))


PULL = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
WRITE = ["logs:CreateLogStream", "logs:PutLogEvents"]


def case_execution_role():
    # A public image and the managed group: logs on that group, no ECR.
    policy_is("public image", service('  container app { image = "nginx:1.27" }\n'),
              {"WriteLogs": (WRITE, [LOG_ARN % "/aws/ecs/web/app"])})
    # Images in ECR, by tag and by digest, in two repositories (one with a
    # path): the token on "*", the pulls on those repositories only.
    digest = "sha256:" + "ab" * 32
    policy_is("ECR images", service(
        f'  container app {{ image = "{ECR}/shop/web:1.4" }}\n'
        f'  container side {{\n    image = "{ECR}/sidecar@{digest}"\n    essential = false\n'
        '    logging { group = "/shop/side"  retention = 7d }\n  }\n'),
        {"RegistryToken": ("ecr:GetAuthorizationToken", ["*"]),
         "PullImages": (PULL, [REPO_ARN % "shop/web", REPO_ARN % "sidecar"]),
         "WriteLogs": (WRITE, [LOG_ARN % "/aws/ecs/web/app", LOG_ARN % "/shop/side"])})
    # An image known only at deploy time may be anywhere: pulls on "*".
    policy_is("deploy-time image", "param image: string\n" + service(
        '  container app { image = image }\n'),
        {"RegistryToken": ("ecr:GetAuthorizationToken", ["*"]), "PullImages": (PULL, ["*"]),
         "WriteLogs": (WRITE, [LOG_ARN % "/aws/ecs/web/app"])}, deploy_time=True)
    # A tag known only at deploy time hides neither registry nor repository.
    policy_is("deploy-time tag", "param tag: string\n" + service(
        f'  container app {{ image = "{ECR}/shop/web:${{tag}}" }}\n'
        '  container side {\n    image = "public.ecr.aws/nginx/nginx:${tag}"\n'
        '    essential = false\n  }\n'),
        {"RegistryToken": ("ecr:GetAuthorizationToken", ["*"]),
         "PullImages": (PULL, [REPO_ARN % "shop/web"]),
         "WriteLogs": (WRITE, [LOG_ARN % "/aws/ecs/web/app", LOG_ARN % "/aws/ecs/web/side"])},
        deploy_time=True)
    # Logs to another region, to a group named in options, or made by ECS.
    policy_is("awslogs options", service(
        '  container app {\n    image = "nginx:1.27"\n'
        '    logging {\n      create_group = false\n'
        '      options = { awslogs-region = "us-east-1" }\n    }\n  }\n'),
        {"WriteLogs": (WRITE, ["arn:${AWS::Partition}:logs:us-east-1:${AWS::AccountId}:"
                               "log-group:/aws/ecs/web/app:*"]),
         "CreateLogGroups": ("logs:CreateLogGroup", ["*"])})
    # Service Connect's proxy writes its awslogs group as the execution role.
    policy_is("Service Connect logs", service(
        '  container app {\n    image = "nginx:1.27"\n    port http { container_port = 80 }\n  }\n'
        '  service_connect {\n    namespace = "internal"\n    logging {\n      driver = awslogs\n'
        '      options = { awslogs-group = "/shop/sc", awslogs-stream-prefix = "sc" }\n'
        '    }\n  }\n'),
        {"WriteLogs": (WRITE, [LOG_ARN % "/aws/ecs/web/app", LOG_ARN % "/shop/sc"])})
    # No awslogs container, no image in ECR, no secret: no policy at all.
    policy_is("nothing needed", service(
        '  container app {\n    image = "nginx:1.27"\n    logging { enabled = false }\n  }\n'),
        {})
    # A cluster's shared role gathers every service's groups and repositories.
    spec = ('role shared {}\ncluster main {\n  capacity FARGATE { weight = 1 }\n'
            '  execution_role = shared\n}\n' + "".join(
                f'service {n} in main {{\n  cpu = 256\n  memory = 512\n'
                f'  network {{ subnets = ["{SUBNET}"] }}\n'
                f'  container app {{ image = "{img}" }}\n}}\n'
                for n, img in (("a", f"{ECR}/a:1"), ("b", "nginx:1.27"))))
    policy_is("shared role", spec,
              {"RegistryToken": ("ecr:GetAuthorizationToken", ["*"]),
               "PullImages": (PULL, [REPO_ARN % "a"]),
               "WriteLogs": (WRITE, [LOG_ARN % "/aws/ecs/a/app", LOG_ARN % "/aws/ecs/b/app"])},
              role="shared")


# ---- security groups -----------------------------------------------------------------------

def sg_spec(egress=""):
    return ('project "egress"\nparam vpc: string\nparam subnet: string\n' + CLUSTER +
            "service web in main {\n  cpu = 256\n  memory = 512\n"
            "  network { subnets = [subnet] }\n"
            '  container app { image = "nginx:1.27" }\n'
            "  security_group {\n    vpc = vpc\n"
            "    ingress http { from_port = 80  cidr_ipv4 = \"10.0.0.0/8\" }\n"
            f"{egress}  }}\n}}\n")


ALL_OUT = "    egress all { protocol = all  cidr_ipv4 = \"0.0.0.0/0\" }\n"
HTTPS_OUT = "    egress https { from_port = 443  cidr_ipv4 = \"0.0.0.0/0\" }\n"


def egress_of(ec2):
    g = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["web-service"]}])
    return sorted((p["IpProtocol"], p.get("FromPort"), r["CidrIp"])
                  for p in g["SecurityGroups"][0]["IpPermissionsEgress"] for r in p.get("IpRanges", []))


def case_egress():
    """Like the seed's groups, a service's group has no egress but its own
    rules: the template blocks EC2's default, the bundle revokes it before
    the rules are authorized (and replays cleanly when a rule equals it),
    and the runtime converges with nothing left to change."""
    sys.path.insert(0, os.path.dirname(HERE))
    from awslocal import clients_kw, ecsc_env, moto_server
    import boto3
    sets = ("--set", "vpc=vpc-0123456789abcdef0", "--set", f"subnet={SUBNET}")
    cfn, bundle = compile_spec(sg_spec(), *sets)
    sg = [r["Properties"] for r in of_type(cfn, "AWS::EC2::SecurityGroup").values()]
    check("template: the group's egress reaches only 127.0.0.1/32",
          [p.get("SecurityGroupEgress") for p in sg] == [[{"CidrIp": "127.0.0.1/32", "IpProtocol": "-1"}]],
          sg)
    ids = [r["id"] for r in bundle["requests"]]
    rv = [r for r in requests(bundle, "ec2:RevokeSecurityGroupEgress")]
    check("bundle: the default egress is revoked after CreateSecurityGroup",
          len(rv) == 1 and rv[0]["params"]["IpPermissions"] == [
              {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
          and rv[0]["params"]["GroupId"]["$from"]["request"] in rv[0]["depends_on"], rv)
    for label, egress, want in (("no egress", "", []),
                                ("egress to all", ALL_OUT, [("-1", None, "0.0.0.0/0")]),
                                ("egress to 443", HTTPS_OUT, [("tcp", 443, "0.0.0.0/0")])):
        with moto_server() as url:
            kw = clients_kw(url)
            ec2 = boto3.client("ec2", **kw)
            vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
            subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
            mine = ("--set", f"vpc={vpc}", "--set", f"subnet={subnet}")
            b, = compile_spec(sg_spec(egress), *mine, targets=("bundle",))
            rev = [r["id"] for r in requests(b, "ec2:RevokeSecurityGroupEgress")]
            auth = [r for r in requests(b, "ec2:AuthorizeSecurityGroupEgress")]
            order = [r["id"] for r in b["requests"]]
            check(f"{label}: egress rules come after the revoke",
                  len(rev) == 1 and all(rev[0] in a["depends_on"] and order.index(rev[0]) < order.index(a["id"])
                      for a in auth), [a["depends_on"] for a in auth])
            with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
                json.dump(b, f)
            r = subprocess.run([sys.executable, f"{ROOT}/tests/bundle/replay.py", f.name,
                                "--endpoint-url", url], capture_output=True, text=True)
            os.unlink(f.name)
            check(f"{label}: the bundle replays cleanly", r.returncode == 0, r.stderr[-800:])
            check(f"{label}: after the replay, egress is {want}", egress_of(ec2) == want,
                  egress_of(ec2))
        with moto_server() as url:
            kw = clients_kw(url)
            ec2 = boto3.client("ec2", **kw)
            vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
            subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
            with tempfile.NamedTemporaryFile("w", suffix=".ecs", delete=False) as f:
                f.write(sg_spec(egress))
            env = ecsc_env()
            run = [f.name, "--set", f"vpc={vpc}", "--set", f"subnet={subnet}", "--endpoint-url", url]
            a = subprocess.run([ECSC, "apply", "--no-wait", "--yes", *run], capture_output=True, text=True, env=env)
            check(f"{label}: apply", a.returncode == 0, a.stderr[-800:])
            check(f"{label}: after apply, egress is {want}", egress_of(ec2) == want, egress_of(ec2))
            p = subprocess.run([ECSC, "plan", *run], capture_output=True, text=True, env=env)
            check(f"{label}: then plan finds nothing to change", p.returncode == 0,
                  f"exit {p.returncode}: {p.stdout[-800:]}{p.stderr[-400:]}")
            os.unlink(f.name)
    # A group made before, with EC2's default egress still on it: the plan
    # says so, and apply revokes it.
    with moto_server() as url:
        kw = clients_kw(url)
        ec2 = boto3.client("ec2", **kw)
        vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
        subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
        ec2.create_security_group(GroupName="web-service", Description="ECS service web", VpcId=vpc,
                                  TagSpecifications=[{"ResourceType": "security-group", "Tags": [
                                      {"Key": "ecsc:project", "Value": "egress"}]}])
        with tempfile.NamedTemporaryFile("w", suffix=".ecs", delete=False) as f:
            f.write(sg_spec())
        env = ecsc_env()
        run = [f.name, "--set", f"vpc={vpc}", "--set", f"subnet={subnet}",
               "--endpoint-url", url]
        p = subprocess.run([ECSC, "plan", *run], capture_output=True, text=True, env=env)
        check("older group: plan shows the default egress going", p.returncode == 2 and
              "0.0.0.0/0" in p.stdout, f"exit {p.returncode}: {p.stdout[-1200:]}")
        a = subprocess.run([ECSC, "apply", "--no-wait", "--yes", *run], capture_output=True, text=True, env=env)
        check("older group: apply revokes it", a.returncode == 0 and egress_of(ec2) == [],
              f"{egress_of(ec2)} {a.stderr[-800:]}")
        os.unlink(f.name)


# ---- stack outputs -------------------------------------------------------------------------

ASG_ARN = (f"arn:aws:autoscaling:eu-west-1:{ACCT}:autoScalingGroup:8e2c4a1b-3d5f-4e6a-9b7c-"
           "0d1e2f3a4b5c:autoScalingGroupName/ec2")
OUTPUTS_SPEC = (
    'project "shop"\n'
    "cluster main {\n  capacity FARGATE { weight = 1 }\n"
    f'  capacity ec2 {{\n    auto_scaling_group {{ arn = "{ASG_ARN}" }}\n  }}\n}}\n'
    "service web in main {\n  cpu = 256\n  memory = 512\n"
    f'  network {{ subnets = ["{SUBNET}"] }}\n'
    '  container app { image = "nginx:1.27" }\n'
    '  security_group { vpc = "vpc-0123456789abcdef0" }\n'
    "  autoscaling {\n    min = 1\n    max = 4\n"
    "    target cpu { metric = cpu  value = 60% }\n  }\n}\n"
    "service canary in main {\n  cpu = 256\n  memory = 512\n"
    f'  network {{ subnets = ["{SUBNET}"] }}\n'
    '  container app { image = "nginx:1.27" }\n'
    "  deployment { controller = EXTERNAL }\n  task_set { scale = 100% }\n}\n")

# What each resource type outputs: suffix -> how the value reads it.
WANT_OUTPUTS = {
    "AWS::ECS::Cluster": {"Name": ("Ref",), "Arn": ("GetAtt", "Arn")},
    "AWS::ECS::CapacityProvider": {"Name": ("Ref",)},
    "AWS::ECS::Service": {"Name": ("GetAtt", "Name"), "Arn": ("Ref",)},
    "AWS::ECS::TaskDefinition": {"Arn": ("Ref",), "Family": ("name",), "Revision": ("revision",)},
    "AWS::ECS::TaskSet": {"Id": ("GetAtt", "Id"), "Arn": ("task-set",)},
    "AWS::EC2::SecurityGroup": {"Id": ("GetAtt", "GroupId")},
    "AWS::Logs::LogGroup": {"Name": ("Ref",), "Arn": ("GetAtt", "Arn")},
    "AWS::IAM::Role": {"Arn": ("GetAtt", "Arn")},
    "AWS::ApplicationAutoScaling::ScalingPolicy": {"Arn": ("GetAtt", "Arn")},
}


def read_only(rtype):
    """The attributes Fn::GetAtt may read: the read-only properties of the
    type's registry schema, as cfn-lint bundles it."""
    import cfnlint.data.schemas as S
    from cfnlint.data.schemas.providers import us_east_1 as P
    base = os.path.dirname(S.__file__)
    schema = json.load(open(f"{base}/resources/{P.types[rtype]}.json"))
    return {p.split("/")[-1] for p in schema.get("readOnlyProperties", [])}


def case_outputs():
    import re
    spec_path = None
    with tempfile.NamedTemporaryFile("w", suffix=".ecs", delete=False) as f:
        f.write(OUTPUTS_SPEC)
        spec_path = f.name
    try:
        r = subprocess.run([ECSC, "compile", "--export-prefix", "shop-prod", spec_path],
                           capture_output=True, text=True)
        check("compile --export-prefix", r.returncode == 0, r.stderr)
        cfn = json.loads(r.stdout)
        res, outs = cfn["Resources"], cfn.get("Outputs", {})
        want = {}
        for lid, rr in res.items():
            for suffix, how in WANT_OUTPUTS.get(rr["Type"], {}).items():
                want[lid + suffix] = (lid, rr, how)
        check("one output per resource and suffix, no others", set(outs) == set(want),
              f"missing {sorted(set(want) - set(outs))}, extra {sorted(set(outs) - set(want))}")
        for oid, (lid, rr, how) in sorted(want.items()):
            v = outs.get(oid, {}).get("Value")
            if how[0] == "Ref":
                ok = v == {"Ref": lid}
            elif how[0] == "GetAtt":
                ok = v == {"Fn::GetAtt": [lid, how[1]]} and how[1] in read_only(rr["Type"])
            elif how[0] == "name":
                ok = v == rr["Properties"]["Family"]
            elif how[0] == "revision":
                ok = v == {"Fn::Select": ["6", {"Fn::Split": [":", {"Ref": lid}]}]}
            else:
                svc = rr["Properties"]["Service"]["Fn::GetAtt"][0]
                ok = v == {"Fn::Sub": "arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:"
                                      f"task-set/main/{res[svc]['Properties']['ServiceName']}/${{{lid}.Id}}"}
            check(f"{oid}: {how}", ok, v)
        names = [o.get("Export", {}).get("Name") for o in outs.values()]
        check("every output exported as shop-prod-OUTPUT",
              names == [f"shop-prod-{oid}" for oid in outs], names[:5])
        check("export names unique, at most 255 of [A-Za-z0-9:-]",
              len(set(names)) == len(names) and all(
                  n and len(n) <= 255 and re.fullmatch(r"[A-Za-z0-9:-]+", n) for n in names))
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as t:
            t.write(r.stdout)
        lint = subprocess.run(["cfn-lint", "--regions", "eu-west-1", "--", t.name],
                              capture_output=True, text=True)
        os.unlink(t.name)
        check("cfn-lint", lint.returncode == 0, lint.stdout[-1500:])
        # An export name is letters, digits, `:` and `-`; at most 255 long.
        bad = subprocess.run([ECSC, "compile", "--export-prefix", "shop_prod", spec_path],
                             capture_output=True, text=True)
        check("--export-prefix shop_prod: a usage error", bad.returncode == 2 and
              "--export-prefix" in bad.stderr and not bad.stdout, bad.stderr)
        long = subprocess.run([ECSC, "compile", "--export-prefix", "p" * 230, spec_path],
                              capture_output=True, text=True)
        check("an export name past 255 characters: E0300", long.returncode == 1 and
              "error[E0300]" in long.stderr and "255" in long.stderr and not long.stdout,
              long.stderr[-600:])
        # Split into stacks, what the services share must leave room for
        # the exports in its stack's 200 outputs.
        with open(spec_path, "w") as f:
            f.write('project "big"\n' + CLUSTER + "".join(
                f"log_group g{i} {{ retention = 7d }}\n" for i in range(80)) + "".join(
                f"service s{i} in main {{\n  cpu = 256\n  memory = 512\n"
                f'  network {{ subnets = ["{SUBNET}"] }}\n'
                '  container app { image = "nginx:1.27" }\n}\n' for i in range(100)))
        big = subprocess.run([ECSC, "compile", "-o", spec_path + ".d", spec_path],
                             capture_output=True, text=True)
        check("shared resources past a stack's outputs: E0300, nothing written",
              big.returncode == 1 and "error[E0300]" in big.stderr and "outputs" in big.stderr
              and not os.path.exists(spec_path + ".d"), big.stderr[-600:])
    finally:
        os.unlink(spec_path)


# ---- the service role -------------------------------------------------------------------

EC2 = "cluster main { capacity legacy { kind = ec2 } }\n"
TG = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/%s/0123456789abcdef"


def ec2_service(name, body):
    """An EC2 bridge service with a load balancer on app.http."""
    own = ("  launch_type = EC2\n  requires_compatibilities = [EC2]\n  network_mode = bridge\n"
           '  memory = 512 MiB\n  container app {\n    image = "nginx:1.27"\n'
           '    port http { container_port = 80 }\n  }\n')
    return (f"service {name} in main {{\n{own}{body}"
            f'  load_balancer {{\n    target_group = "{TG % name}"\n    container = app.http\n  }}\n}}\n')


def roles_of(cfn, bundle):
    """{service name: its role as written} in the template and in the bundle."""
    return ({r["Properties"]["ServiceName"]: r["Properties"].get("Role")
             for r in of_type(cfn, "AWS::ECS::Service").values()},
            {r["params"]["serviceName"]: r["params"].get("role")
             for r in requests(bundle, "ecs:CreateService")})


def case_service_role():
    """CreateService takes `role` only for a load balancer of tasks not in
    the awsvpc mode. A role written where it is not taken is left out, and
    `ecsc check` says so (W0010)."""
    arn = "arn:aws:iam::123456789012:role/lb"
    spec = EC2 + ec2_service("web", f'  service_role = "{arn}"\n') + ec2_service("made", "")
    cfn, bundle = compile_spec(spec)
    for label, got in (("template", roles_of(cfn, bundle)[0]), ("bundle", roles_of(cfn, bundle)[1])):
        check(f"{label}: a bridge service's written role is its role", got.get("web") == arn, got)
        check(f"{label}: a bridge service without one gets the made role",
              got.get("made") is not None and got.get("made") != arn, got)
    r = subprocess.run([ECSC, "check", "-"], input=spec, capture_output=True, text=True)
    check("check: a used role is not warned of", r.returncode == 0 and "W0010" not in r.stderr,
          r.stderr)
    unused = (EC2 + f'service worker in main {{\n  launch_type = EC2\n  service_role = "{arn}"\n'
              '  cpu = 256\n  memory = 512 MiB\n'
              f'  network {{ subnets = ["{SUBNET}"] }}\n  container app {{ image = "nginx:1.27" }}\n}}\n')
    cfn, bundle = compile_spec(unused)
    for label, got in (("template", roles_of(cfn, bundle)[0]), ("bundle", roles_of(cfn, bundle)[1])):
        check(f"{label}: no role without a load balancer", got == {"worker": None}, got)
    r = subprocess.run([ECSC, "check", "-"], input=unused, capture_output=True, text=True)
    check("check: the role left out is warned of (W0010)",
          "warning[W0010]" in r.stderr and "no load balancer" in r.stderr, r.stderr)


# ---- external instances -----------------------------------------------------------------

def lint_template(label, cfn):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as t:
        json.dump(cfn, t)
    lint = subprocess.run(["cfn-lint", "--regions", "eu-west-1", "--", t.name],
                          capture_output=True, text=True)
    os.unlink(t.name)
    check(f"{label}: cfn-lint", lint.returncode == 0, lint.stdout[-1500:])


def validate_bundle(label, bundle):
    """Every request of the bundle is valid input of its operation (botocore)."""
    import botocore.session
    from botocore.validate import ParamValidator
    sys.path.insert(0, os.path.dirname(HERE))
    from apifill import fill
    session = botocore.session.get_session()
    for req in bundle["requests"]:
        op = session.get_service_model(req["service"]).operation_model(req["operation"])
        report = ParamValidator().validate(fill(req["params"]), op.input_shape)
        check(f"{label}: {req['id']} valid for botocore", not report.has_errors(),
              report.generate_report())


def case_external():
    """ECS Anywhere has no awsvpc: a task definition for external instances
    is bridge unless said (no networkMode at all on Windows, whose default
    mode it must use), its service needs no network and runs under the
    EXTERNAL launch type; a network mode said is kept. An EC2 task
    definition's service in a cluster without providers runs under EC2."""
    spec = ("cluster edge {}\n"
            "service sensor in edge {\n  launch_type = EXTERNAL\n  memory = 256 MiB\n"
            '  container app { image = "busybox:1.36" }\n}\n'
            "service relay in edge {\n  requires_compatibilities = [EXTERNAL]\n  memory = 256 MiB\n"
            '  container app { image = "busybox:1.36" }\n}\n'
            "service hosted in edge {\n  launch_type = EXTERNAL\n  network_mode = host\n"
            '  memory = 256 MiB\n  container app { image = "busybox:1.36" }\n}\n'
            "task job {\n  requires_compatibilities = [EXTERNAL]\n  memory = 256 MiB\n"
            '  container app { image = "busybox:1.36" }\n}\n'
            "task winjob {\n  requires_compatibilities = [EXTERNAL]\n  memory = 1 GiB\n"
            "  runtime_platform { os_family = WINDOWS_SERVER_2022_CORE }\n"
            '  container app { image = "mcr.microsoft.com/windows/servercore:ltsc2022" }\n}\n')
    r = subprocess.run([ECSC, "check", "-"], input=spec, capture_output=True, text=True)
    check("check: clean (no E0220 for a bridge service without a network)",
          r.returncode == 0 and "error" not in r.stderr, r.stderr)
    cfn, bundle = compile_spec(spec)
    want = {"sensor": "bridge", "relay": "bridge", "hosted": "host", "job": "bridge",
            "winjob": None}
    got = {r["Properties"]["Family"]: r["Properties"].get("NetworkMode", None)
           for r in of_type(cfn, "AWS::ECS::TaskDefinition").values()}
    check("template: NetworkMode of each task definition", got == want, got)
    got = {r["params"]["family"]: r["params"].get("networkMode", None)
           for r in requests(bundle, "ecs:RegisterTaskDefinition")}
    check("bundle: networkMode of each task definition", got == want, got)
    want = {"sensor": ("EXTERNAL", None), "relay": ("EXTERNAL", None), "hosted": ("EXTERNAL", None)}
    got = {r["Properties"]["ServiceName"]: (r["Properties"].get("LaunchType"),
                                            r["Properties"].get("NetworkConfiguration"))
           for r in of_type(cfn, "AWS::ECS::Service").values()}
    check("template: LaunchType EXTERNAL, no NetworkConfiguration", got == want, got)
    got = {r["params"]["serviceName"]: (r["params"].get("launchType"),
                                        r["params"].get("networkConfiguration"))
           for r in requests(bundle, "ecs:CreateService")}
    check("bundle: launchType EXTERNAL, no networkConfiguration", got == want, got)
    lint_template("external", cfn)
    validate_bundle("external", bundle)
    # The launch type follows the compatibilities in a cluster without
    # providers: EC2 for an EC2 task definition, also a declared one.
    spec = ("cluster plain {}\n"
            "task legacy {\n  requires_compatibilities = [EC2]\n  network_mode = bridge\n"
            '  memory = 256 MiB\n  container app { image = "busybox:1.36" }\n}\n'
            "service own in plain {\n  requires_compatibilities = [EC2]\n"
            "  network_mode = bridge\n  memory = 256 MiB\n"
            '  container app { image = "busybox:1.36" }\n}\n'
            "service named in plain {\n  task_definition = legacy\n}\n"
            "service fargate in plain {\n  cpu = 256\n  memory = 512\n"
            f'  network {{ subnets = ["{SUBNET}"] }}\n'
            '  container app { image = "busybox:1.36" }\n}\n')
    cfn, bundle = compile_spec(spec)
    want = {"own": "EC2", "named": "EC2", "fargate": "FARGATE"}
    got = {r["Properties"]["ServiceName"]: r["Properties"].get("LaunchType")
           for r in of_type(cfn, "AWS::ECS::Service").values()}
    check("template: LaunchType follows requiresCompatibilities", got == want, got)
    got = {r["params"]["serviceName"]: r["params"].get("launchType")
           for r in requests(bundle, "ecs:CreateService")}
    check("bundle: launchType follows requiresCompatibilities", got == want, got)


# ---- a cluster's capacity provider association --------------------------------------------

def case_providers():
    """A cluster's association with its capacity providers is made when it
    has `capacity` blocks, with them and its default strategy at their
    paths, and left out when it has none (nothing to associate); the
    services of a cluster wait for the association only when there is one."""
    spec = ("cluster bare {}\ncluster mixed {\n  capacity FARGATE { weight = 1 }\n"
            "  capacity FARGATE_SPOT {}\n}\n" +
            "".join(f"service {n} in {c} {{\n  cpu = 256\n  memory = 512\n"
                    f'  network {{ subnets = ["{SUBNET}"] }}\n'
                    '  container app { image = "nginx:1.27" }\n}\n'
                    for n, c in (("a", "bare"), ("b", "mixed"))))
    cfn, bundle = compile_spec(spec)
    assoc = {r["Properties"]["Cluster"]["Ref"]: r["Properties"] for r in
             of_type(cfn, "AWS::ECS::ClusterCapacityProviderAssociations").values()}
    check("template: one association, of the cluster with providers",
          assoc == {"ClusterMixed": {"Cluster": {"Ref": "ClusterMixed"},
                                     "CapacityProviders": ["FARGATE", "FARGATE_SPOT"],
                                     "DefaultCapacityProviderStrategy": [
                                         {"CapacityProvider": "FARGATE", "Weight": 1, "Base": 0}]}},
          assoc)
    deps = {r["Properties"]["ServiceName"]: r.get("DependsOn", [])
            for r in of_type(cfn, "AWS::ECS::Service").values()}
    check("template: only the service of that cluster waits for it",
          "CapacityProvidersMixed" in deps["b"] and
          not any(d.startswith("CapacityProviders") for d in deps["a"]), deps)
    put = [r["params"] for r in requests(bundle, "ecs:PutClusterCapacityProviders")]
    check("bundle: one PutClusterCapacityProviders, of the cluster with providers",
          put == [{"cluster": "mixed", "capacityProviders": ["FARGATE", "FARGATE_SPOT"],
                   "defaultCapacityProviderStrategy": [
                       {"capacityProvider": "FARGATE", "weight": 1, "base": 0}]}], put)
    lint_template("providers", cfn)
    validate_bundle("providers", bundle)


# ---- what a security group's users wait for ------------------------------------------------

def waits_for_rules(label, cfn, bundle, rtype, op):
    """Each resource of rtype (request op) that names a security group made
    here waits for every rule of that group: DependsOn in the template; in
    the bundle depends_on, with the rules sent first."""
    rules = {}
    for k, r in cfn["Resources"].items():
        if r["Type"] in ("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"):
            rules.setdefault(r["Properties"]["GroupId"]["Fn::GetAtt"][0], []).append(k)
    users = of_type(cfn, rtype)
    check(f"{label}: {rtype} and the rules of its group", users and rules, (list(users), rules))
    for k, r in users.items():
        groups = [g for g in rules if g in json.dumps(r["Properties"])]
        want = [x for g in groups for x in rules[g]]
        check(f"{label}: {k} depends on its group's {len(want)} rules",
              groups and set(want) <= set(r.get("DependsOn", [])), (groups, r.get("DependsOn")))
    ids = [r["id"] for r in bundle["requests"]]
    auth = {r["id"]: r["params"]["GroupId"]["$from"]["request"] for r in bundle["requests"]
            if r["operation"].startswith("AuthorizeSecurityGroup")}
    for r in requests(bundle, op):
        mine = [a for a, g in auth.items() if g in json.dumps(r["params"])]
        check(f"{label}: {r['id']} comes after its group's {len(mine)} rules",
              mine and all(a in r["depends_on"] and ids.index(a) < ids.index(r["id"]) for a in mine),
              (mine, r["depends_on"]))


def case_group_rules():
    """A service, an Express service and a Managed Instances provider start
    their tasks or instances only once their security group's rules are in
    place (a group without its rules lets nothing in). Past 16 rules too."""
    many = "".join(f'    ingress p{i} {{ from_port = {8000 + i}  cidr_ipv4 = "10.0.0.0/8" }}\n'
                   for i in range(20))
    spec = (CLUSTER + "service web in main {\n  cpu = 256\n  memory = 512\n"
            f'  network {{ subnets = ["{SUBNET}"] }}\n'
            '  container app { image = "nginx:1.27" }\n'
            '  security_group {\n    vpc = "vpc-0123456789abcdef0"\n' + many +
            '    egress all { protocol = all  cidr_ipv4 = "0.0.0.0/0" }\n  }\n}\n'
            "express_service api {\n"
            '  primary_container { image = "nginx:1.27" }\n'
            f'  network {{ subnets = ["{SUBNET}"] }}\n'
            '  security_group {\n    vpc = "vpc-0123456789abcdef0"\n'
            '    ingress https { from_port = 443  cidr_ipv4 = "10.0.0.0/8" }\n  }\n}\n')
    cfn, bundle = compile_spec(spec)
    waits_for_rules("service", cfn, bundle, "AWS::ECS::Service", "ecs:CreateService")
    waits_for_rules("express", cfn, bundle, "AWS::ECS::ExpressGatewayService",
                    "ecs:CreateExpressGatewayService")
    lint_template("group rules", cfn)
    cfn, bundle = compile_spec(f"{ROOT}/samples/managed-instances.ecs")
    waits_for_rules("managed instances", cfn, bundle, "AWS::ECS::CapacityProvider",
                    "ecs:CreateCapacityProvider")


CASES = {"log_groups": case_log_groups, "execution_role": case_execution_role,
         "egress": case_egress, "outputs": case_outputs, "service_role": case_service_role,
         "external": case_external, "providers": case_providers, "group_rules": case_group_rules}
CASES[CASE]()
print(f"{CASE}: {'FAIL' if failures else 'ok'} ({len(failures)} failed)")
sys.exit(1 if failures else 0)
