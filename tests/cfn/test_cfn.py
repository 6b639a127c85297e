#!/usr/bin/env python3
"""test_cfn.py ECSC CASE: `ecsc compile` end to end.

Cases:
  lint        every sample and golden spec compiles in JSON and YAML, the two
              formats carry the same document, and cfn-lint reports nothing
  golden      tests/cfn/golden/NAME.ecs gives NAME.cfn.json and NAME.cfn.yaml
              byte for byte (UPDATE=1 rewrites them)
  limits      a spec past 500 resources is refused with E0300; no file written
  atomic      an existing output is untouched when compilation fails, and no
              temporary file is left; the depfile lists every input
  retain      skip_destroy: DeletionPolicy and UpdateReplacePolicy Retain on the
              task definitions that set it, none elsewhere, cfn-lint clean; the
              bundle carries the runtime fields and matches its schema
  deploy      moto's CloudFormation creates the stack of tests/cfn/deploy.ecs
              and ECS reads back what the spec says; the stack's outputs
              are the values ECS and Logs report
"""
import glob
import re
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from awslocal import clients_kw, moto_server  # noqa: E402

ECSC, CASE = os.path.abspath(sys.argv[1]), sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

def run(*args, **kw):
    return subprocess.run([ECSC, *args], capture_output=True, text=True, **kw)

def fail(msg):
    print(f"FAIL {CASE}: {msg}")
    sys.exit(1)

def specs():
    out = sorted(glob.glob(f"{ROOT}/samples/*.ecs")) + [f"{ROOT}/samples/multi-file"]
    return out + sorted(glob.glob(f"{HERE}/golden/*.ecs"))

def case_lint():
    import yaml
    tmp = tempfile.mkdtemp()
    try:
        files = []
        for s in specs():
            name = os.path.basename(s).replace(".ecs", "")
            for fmt in ("json", "yaml"):
                out = f"{tmp}/{name}.{fmt}"
                r = run("compile", "--format", fmt, "-o", out, s)
                if r.returncode != 0:
                    fail(f"{s} ({fmt}) exited {r.returncode}: {r.stderr}")
                files.append(out)
            a = json.load(open(f"{tmp}/{name}.json"))
            b = yaml.safe_load(open(f"{tmp}/{name}.yaml"))
            if a != b:
                fail(f"{s}: the YAML template differs from the JSON one")
        r = subprocess.run(["cfn-lint", "--regions", "eu-west-1", "us-east-1", "--", *files],
                           capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"cfn-lint found problems (exit {r.returncode}):\n{r.stdout}{r.stderr}")
        print(f"lint: {len(files)} templates, cfn-lint clean")
    finally:
        shutil.rmtree(tmp)

def case_golden():
    # Security group rules take no tags in CloudFormation: a warning says so.
    r = run("compile", f"{HERE}/golden/service.ecs")
    if r.returncode != 0 or "warning[W0006]" not in r.stderr or '"Source"' in r.stdout:
        fail(f"rule tags: expected W0006 and no tags in the template: {r.stderr}")
    update = os.environ.get("UPDATE") == "1"
    bad = 0
    cases = sorted(glob.glob(f"{HERE}/golden/*.ecs"))
    for s in cases:
        base = s[:-4]
        for fmt in ("json", "yaml"):
            r = run("compile", "--format", fmt, os.path.basename(s), cwd=os.path.dirname(s))
            if r.returncode != 0:
                fail(f"{s} exited {r.returncode}: {r.stderr}")
            want = f"{base}.cfn.{fmt}"
            if update:
                open(want, "w").write(r.stdout)
                continue
            if not os.path.exists(want) or open(want).read() != r.stdout:
                bad += 1
                d = subprocess.run(["diff", "-u", want, "-"], input=r.stdout, capture_output=True, text=True)
                print(f"FAIL {os.path.basename(want)}\n{d.stdout[:4000]}")
    if bad:
        fail(f"{bad} golden templates differ (UPDATE=1 to rewrite, then review the diff)")
    print(f"golden: {len(cases)} specs, {2 * len(cases)} templates match")

def case_limits():
    """Past 500 resources a spec is split into stacks, deployed in order;
    what cannot be split is refused with E0300 and nothing is written."""
    import yaml
    tmp = tempfile.mkdtemp()
    try:
        spec = f"{tmp}/big.ecs"
        with open(spec, "w") as f:
            f.write('project "shop_app.v2"\n')
            f.write('cluster main { capacity FARGATE { weight = 1 } }\n')
            for i in range(130):
                f.write(f'service s{i} in main {{ cpu = 256 memory = 512 '
                        f'network {{ subnets = ["subnet-0a1b2c3d"] }} '
                        f'container app {{ image = "nginx:1.27" }} }}\n')
        r = run("compile", spec)
        m = re.search(r"error\[E0300\]: the spec needs (\d+) stacks", r.stderr)
        if r.returncode != 1 or not m:
            fail(f"stdout: expected exit 1 with E0300, got {r.returncode}: {r.stderr}")
        nstacks = int(m.group(1))
        out = f"{tmp}/stacks"
        for fmt in ("json", "yaml"):
            r = run("compile", "--format", fmt, "-o", out, spec)
            if r.returncode != 0:
                fail(f"split ({fmt}) exited {r.returncode}: {r.stderr}")
        files = sorted(os.listdir(out))
        names = ["01-base"] + [f"{i:02d}-services" for i in range(2, nstacks + 1)]
        if files != sorted(f"{n}.{x}" for n in names for x in ("json", "yaml")):
            fail(f"stack files {files}")
        docs = [json.load(open(f"{out}/{n}.json")) for n in names]
        for n, d in zip([f"{n}.yaml" for n in names], docs):
            if yaml.safe_load(open(f"{out}/{n}")) != d:
                fail(f"{n} differs from its JSON")
        counts = [len(d["Resources"]) for d in docs]
        outputs = [len(d.get("Outputs", {})) for d in docs]
        if sum(counts) != 523 or max(counts) > 500 or max(outputs) > 200:
            fail(f"resources per stack {counts}, outputs {outputs}")
        exports = {o["Export"]["Name"] for d in docs for o in d.get("Outputs", {}).values() if "Export" in o}
        # CloudFormation's export names: letters, digits, `:` and `-`; the
        # project's `_` and `.` become `-`.
        bad = sorted(x for x in exports if not re.fullmatch(r"shop-app-v2-[A-Za-z0-9:-]+", x))
        if not exports or bad:
            fail(f"export names outside [A-Za-z0-9:-] or not from the project: {bad[:3]}")
        imports = set()
        def walk(v):
            if isinstance(v, dict):
                if "Fn::ImportValue" in v:
                    imports.add(v["Fn::ImportValue"])
                for x in v.values():
                    walk(x)
            elif isinstance(v, list):
                for x in v:
                    walk(x)
        walk(docs[1:])
        if not imports or not imports <= exports:
            fail(f"imports without exports: {sorted(imports - exports)[:5]}")
        r = subprocess.run(["cfn-lint", "--regions", "eu-west-1", "--",
                            *[f"{out}/{n}.json" for n in names]], capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"cfn-lint on the stacks:\n{r.stdout}")
        # What services share cannot be split: 501 log groups.
        with open(spec, "w") as f:
            for i in range(501):
                f.write(f"log_group g{i} {{ retention = 7d }}\n")
        r = run("compile", "-o", f"{tmp}/refused", spec)
        if r.returncode != 1 or "error[E0300]" not in r.stderr or os.path.exists(f"{tmp}/refused"):
            fail(f"501 shared resources: expected E0300 and nothing written, got {r.returncode}: {r.stderr}")
        print(f"limits: 523 resources split {counts}, {len(imports)} imports all exported, cfn-lint clean; 501 shared refused")
    finally:
        shutil.rmtree(tmp)

def case_atomic():
    tmp = tempfile.mkdtemp()
    try:
        good, bad = f"{tmp}/good.ecs", f"{tmp}/bad.ecs"
        shutil.copy(f"{ROOT}/samples/minimal.ecs", good)
        open(bad, "w").write('cluster main { capacity FARGATE { weight = 1 } }\n'
                             'service web in main { container app { image = "x:1" } \n')
        out = f"{tmp}/stack.json"
        open(out, "w").write("previous contents\n")
        r = run("compile", "-o", out, bad)
        if r.returncode != 1:
            fail(f"bad spec: expected exit 1, got {r.returncode}")
        if open(out).read() != "previous contents\n":
            fail("the existing output was changed by a failed compilation")
        leftovers = [f for f in os.listdir(tmp) if ".tmp" in f]
        if leftovers:
            fail(f"temporary files left behind: {leftovers}")
        dep = f"{tmp}/stack.d"
        r = run("compile", "-o", out, "--depfile", dep, good)
        if r.returncode != 0:
            fail(f"good spec exited {r.returncode}: {r.stderr}")
        json.load(open(out))
        text = open(dep).read()
        if not text.startswith(out.replace(" ", "\\ ") + ":") or good not in text:
            fail(f"depfile does not list the input:\n{text}")
        # A directory of specs: every file is a prerequisite.
        r = run("compile", "-o", out, "--depfile", dep, f"{ROOT}/samples/multi-file")
        listed = open(dep).read()
        for f in glob.glob(f"{ROOT}/samples/multi-file/**/*.ecs", recursive=True):
            if os.path.basename(f) not in listed:
                fail(f"depfile misses {f}:\n{listed}")
        # An unwritable output directory is an I/O error (exit 2).
        r = run("compile", "-o", f"{tmp}/no/such/dir/out.json", good)
        if r.returncode != 2:
            fail(f"unwritable output: expected exit 2, got {r.returncode}")
        # Deterministic bytes.
        a = run("compile", good).stdout
        b = run("compile", good).stdout
        if a != b:
            fail("two compilations gave different bytes")
        print("atomic: untouched on failure, no temporary files, depfile complete, deterministic")
    finally:
        shutil.rmtree(tmp)

def case_retain():
    """skip_destroy keeps the task definition's revisions: in a template,
    DeletionPolicy and UpdateReplacePolicy Retain on the task definition
    (of a service and of a task), on no other resource; in a bundle, the
    runtime fields travel beside the requests that create them."""
    import jsonschema
    tmp = tempfile.mkdtemp()
    try:
        spec = f"{tmp}/retain.ecs"
        with open(spec, "w") as f:
            f.write('project "retain"\n'
                    'cluster main { capacity FARGATE { weight = 1 } }\n'
                    'task batch {\n  cpu = 0.25 vcpu\n  memory = 512 MiB\n  skip_destroy = true\n'
                    '  container job { image = "busybox:1.36" }\n}\n'
                    'service kept in main {\n  cpu = 0.25 vcpu\n  memory = 512 MiB\n'
                    '  skip_destroy = true\n  force_delete = true\n  wait_for_steady_state = false\n'
                    '  deployment { sigint_rollback = true }\n'
                    '  network { subnets = ["subnet-0a1b2c3d4e5f60718"] }\n'
                    '  container app { image = "nginx:1.27" }\n}\n'
                    'service plain in main {\n  cpu = 0.25 vcpu\n  memory = 512 MiB\n'
                    '  network { subnets = ["subnet-0a1b2c3d4e5f60718"] }\n'
                    '  container app { image = "nginx:1.27" }\n}\n')
        out = f"{tmp}/retain.json"
        r = run("compile", "-o", out, spec)
        if r.returncode != 0:
            fail(f"compile exited {r.returncode}: {r.stderr}")
        res = json.load(open(out))["Resources"]
        retained = sorted(k for k, v in res.items()
                          if v.get("DeletionPolicy") == "Retain" and
                          v.get("UpdateReplacePolicy") == "Retain")
        if retained != ["TaskDefinitionBatch", "TaskDefinitionKept"]:
            fail(f"resources retained: {retained} (want the two task definitions with skip_destroy)")
        if any("DeletionPolicy" in v or "UpdateReplacePolicy" in v
               for k, v in res.items() if k not in retained):
            fail("a resource without skip_destroy carries a policy")
        if res["TaskDefinitionBatch"]["Type"] != "AWS::ECS::TaskDefinition":
            fail(f"TaskDefinitionBatch is {res['TaskDefinitionBatch']['Type']}")
        r = subprocess.run(["cfn-lint", "--regions", "eu-west-1", "--", out],
                           capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"cfn-lint found problems (exit {r.returncode}):\n{r.stdout}{r.stderr}")
        r = run("compile", "--target", "bundle", spec)
        if r.returncode != 0:
            fail(f"compile --target bundle exited {r.returncode}: {r.stderr}")
        doc = json.loads(r.stdout)
        jsonschema.validate(doc, json.load(open(f"{ROOT}/docs/bundle.schema.json")))
        runtime = {q["id"]: q["runtime"] for q in doc["requests"] if "runtime" in q}
        want = {"TaskDefinitionBatch/RegisterTaskDefinition": {"skip_destroy": True},
                "TaskDefinitionKept/RegisterTaskDefinition": {"skip_destroy": True},
                "ServiceKept/CreateService": {"wait_for_steady_state": False,
                                              "force_delete": True, "sigint_rollback": True}}
        if runtime != want:
            fail(f"the bundle's runtime fields: {runtime}")
        print("retain: DeletionPolicy and UpdateReplacePolicy Retain on the 2 task definitions "
              "with skip_destroy, none elsewhere, cfn-lint clean; the bundle carries the runtime "
              "fields of 3 requests and matches its schema")
    finally:
        shutil.rmtree(tmp)

def case_deploy():
    import boto3
    with moto_server() as url:
        kw = clients_kw(url)
        ec2 = boto3.client("ec2", **kw)
        subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2]
        sg = ec2.describe_security_groups()["SecurityGroups"][0]["GroupId"]
        r = run("compile", "--set", "subnets=" + ",".join(subnets), "--set", f"sg={sg}",
                "--set", "tag=1.27.3", f"{HERE}/deploy.ecs")
        if r.returncode != 0:
            fail(f"compile exited {r.returncode}: {r.stderr}")
        cfn = boto3.client("cloudformation", **kw)
        cfn.create_stack(StackName="ecsc-deploy", TemplateBody=r.stdout,
                         Capabilities=["CAPABILITY_NAMED_IAM"])
        status = ""
        for _ in range(100):
            status = cfn.describe_stacks(StackName="ecsc-deploy")["Stacks"][0]["StackStatus"]
            if not status.endswith("IN_PROGRESS"):
                break
            time.sleep(0.1)
        if status != "CREATE_COMPLETE":
            fail(f"stack status {status}")
        ecs = boto3.client("ecs", **kw)
        svc = ecs.describe_services(cluster="shop", services=["api"])["services"]
        if len(svc) != 1 or svc[0]["serviceName"] != "api":
            fail(f"service api not found: {svc}")
        if svc[0]["desiredCount"] != 2:
            fail(f"desired count {svc[0]['desiredCount']}")
        td = ecs.describe_task_definition(taskDefinition=svc[0]["taskDefinition"])["taskDefinition"]
        # moto's CloudFormation model of a task definition keeps its family,
        # memory and container definitions (it drops cpu, network mode and
        # roles), so those are what can be read back.
        if (td["family"], td["memory"]) != ("api", "1024"):
            fail(f"task definition: {td['family']} {td['memory']}")
        cds = {c["name"]: c for c in td["containerDefinitions"]}
        if cds["app"]["image"] != "public.ecr.aws/nginx/nginx:1.27.3":
            fail(f"image {cds['app']['image']}")
        ports = [(p["containerPort"], p["protocol"]) for p in cds["app"]["portMappings"]]
        if ports != [(8080, "tcp")]:
            fail(f"ports {ports}")
        if [s["name"] for s in cds["app"].get("secrets", [])] != ["DB_PASSWORD"]:
            fail(f"secrets {cds['app'].get('secrets')}")
        if cds["app"]["logConfiguration"]["options"]["awslogs-group"] != "/aws/ecs/api/app":
            fail(f"log configuration {cds['app']['logConfiguration']}")
        if cds["app"]["environment"] != [{"name": "LOG_LEVEL", "value": "info"}]:
            fail(f"environment {cds['app']['environment']}")
        if cds["app"].get("readonlyRootFilesystem") is not True:
            fail("the root filesystem is not read-only")
        iam = boto3.client("iam", **kw)
        role = iam.get_role(RoleName="api-task-exec")["Role"]
        trust = role["AssumeRolePolicyDocument"]
        if isinstance(trust, str):
            trust = json.loads(trust)
        if trust["Statement"][0]["Principal"]["Service"] != "ecs-tasks.amazonaws.com":
            fail(f"trust policy {trust}")
        policy = iam.get_role_policy(RoleName="api-task-exec", PolicyName="execution")["PolicyDocument"]
        if isinstance(policy, str):
            try:
                policy = json.loads(policy)
            except ValueError:      # moto keeps a CloudFormation policy as Python text
                import ast
                policy = ast.literal_eval(policy)
        sids = [s.get("Sid") for s in policy["Statement"]]
        if "ReadParameters" not in sids:
            fail(f"execution policy statements {sids}")
        logs = boto3.client("logs", **kw)
        groups = {g["logGroupName"]: g.get("retentionInDays")
                  for g in logs.describe_log_groups()["logGroups"]}
        if groups.get("/aws/ecs/api/app") != 14 or "/aws/ecs/shop" not in groups:
            fail(f"log groups {groups}")
        # The stack's outputs, evaluated by moto, are what ECS and Logs say.
        outs = {o["OutputKey"]: o["OutputValue"]
                for o in cfn.describe_stacks(StackName="ecsc-deploy")["Stacks"][0].get("Outputs", [])}
        group = [g for g in logs.describe_log_groups()["logGroups"] if g["logGroupName"] == "/aws/ecs/api/app"][0]
        want = {"ServiceApiName": "api", "ServiceApiArn": svc[0]["serviceArn"],
                "TaskDefinitionApiArn": td["taskDefinitionArn"], "TaskDefinitionApiFamily": "api",
                "TaskDefinitionApiRevision": str(td["revision"]),
                "LogGroupApiAppName": "/aws/ecs/api/app", "LogGroupApiAppArn": group["arn"]}
        # CloudFormation's log group Arn ends in ":*" as DescribeLogGroups'
        # does; moto's leaves it off.
        got = {k: outs.get(k) for k in want}
        for k in ("LogGroupApiAppArn",):
            got[k], want[k] = (got[k] or "").removesuffix(":*"), want[k].removesuffix(":*")
        if got != want:
            fail(f"outputs {got} != {want}")
        print(f"deploy: stack CREATE_COMPLETE; service, task definition, role, log groups and "
              f"{len(want)} outputs match")

{"lint": case_lint, "golden": case_golden, "limits": case_limits,
 "atomic": case_atomic, "retain": case_retain, "deploy": case_deploy}[CASE]()
