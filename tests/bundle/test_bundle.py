#!/usr/bin/env python3
"""test_bundle.py ECSC CASE: `ecsc compile --target bundle` end to end.

Cases:
  validate  every request of every sample's bundle passes botocore's own
            parameter validator for its operation (placeholders replaced by
            well-formed values), the bundle matches docs/bundle.schema.json,
            and every request comes after those it depends on
  golden    tests/bundle/golden/NAME.ecs gives NAME.bundle.json byte for
            byte (UPDATE=1 rewrites them)
  replay    tests/bundle/replay.py sends the bundle of tests/cfn/deploy.ecs
            to moto, and ECS, IAM and Logs read back what the spec says
"""
import glob
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from awslocal import clients_kw, moto_server  # noqa: E402
from apifill import fill  # noqa: E402

ECSC, CASE = os.path.abspath(sys.argv[1]), sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

def fail(msg):
    print(f"FAIL {CASE}: {msg}")
    sys.exit(1)

def bundle(spec, *args, cwd=None):
    r = subprocess.run([ECSC, "compile", "--target", "bundle", *args, spec],
                       capture_output=True, text=True, cwd=cwd)
    if r.returncode != 0:
        fail(f"{spec} exited {r.returncode}: {r.stderr}")
    return r.stdout

def case_validate():
    import botocore.session
    import jsonschema
    from botocore.validate import ParamValidator
    schema = json.load(open(f"{ROOT}/docs/bundle.schema.json"))
    session = botocore.session.get_session()
    models, checked, bad = {}, 0, 0
    specs = sorted(glob.glob(f"{ROOT}/samples/*.ecs")) + [f"{ROOT}/samples/multi-file"] \
        + sorted(glob.glob(f"{HERE}/golden/*.ecs"))
    for spec in specs:
        doc = json.loads(bundle(spec))
        try:
            jsonschema.validate(doc, schema)
        except jsonschema.ValidationError as e:
            fail(f"{spec}: not a valid bundle: {e.message} at {list(e.absolute_path)}")
        seen = set()
        for req in doc["requests"]:
            for d in req["depends_on"]:
                if d not in seen:
                    fail(f"{spec}: {req['id']} depends on {d}, which comes later or not at all")
            if req["id"] in seen:
                fail(f"{spec}: duplicate request id {req['id']}")
            seen.add(req["id"])
            svc = req["service"]
            if svc not in models:
                models[svc] = session.get_service_model(svc)
            op = models[svc].operation_model(req["operation"])
            meta = models[svc].metadata
            proto = req["protocol"]
            if proto["type"] == "json" and proto["target"] != f"{meta['targetPrefix']}.{req['operation']}":
                fail(f"{spec}: {req['id']}: target {proto['target']}")
            if proto["type"] != "json" and proto["version"] != meta["apiVersion"]:
                fail(f"{spec}: {req['id']}: version {proto['version']} != {meta['apiVersion']}")
            report = ParamValidator().validate(fill(req["params"]), op.input_shape)
            checked += 1
            if report.has_errors():
                bad += 1
                print(f"FAIL {os.path.basename(spec)} {req['id']}\n{report.generate_report()}")
            # A task definition given to CodeDeploy: its members make a valid
            # CreateDeployment (the runtime adds the AppSpec).
            for own in req.get("ownership", []):
                if own["owner"] != "codedeploy":
                    continue
                if "codedeploy" not in models:
                    models["codedeploy"] = session.get_service_model("codedeploy")
                params = dict(own["codedeploy"], revision={
                    "revisionType": "AppSpecContent", "appSpecContent": {"content": "{}"}})
                report = ParamValidator().validate(
                    params, models["codedeploy"].operation_model("CreateDeployment").input_shape)
                checked += 1
                if report.has_errors():
                    bad += 1
                    print(f"FAIL {os.path.basename(spec)} {req['id']} CreateDeployment\n"
                          f"{report.generate_report()}")
    if bad:
        fail(f"{bad} of {checked} requests are invalid")
    print(f"validate: {checked} requests of {len(specs)} bundles valid against botocore and the schema")

def case_golden():
    update = os.environ.get("UPDATE") == "1"
    bad = 0
    cases = sorted(glob.glob(f"{HERE}/golden/*.ecs"))
    for s in cases:
        out = bundle(os.path.basename(s), cwd=os.path.dirname(s))
        if out != bundle(os.path.basename(s), cwd=os.path.dirname(s)):
            fail(f"{s}: two compilations gave different bytes")
        want = s[:-4] + ".bundle.json"
        if update:
            open(want, "w").write(out)
        elif not os.path.exists(want) or open(want).read() != out:
            bad += 1
            d = subprocess.run(["diff", "-u", want, "-"], input=out, capture_output=True, text=True)
            print(f"FAIL {os.path.basename(want)}\n{d.stdout[:4000]}")
    if bad:
        fail(f"{bad} golden bundles differ (UPDATE=1 to rewrite, then review the diff)")
    # -o writes atomically, --depfile lists the inputs, a failure leaves
    # an existing output as it was.
    tmp = tempfile.mkdtemp()
    try:
        out, dep = f"{tmp}/b.json", f"{tmp}/b.json.d"
        r = subprocess.run([ECSC, "compile", "--target", "bundle", "-o", out, "--depfile", dep,
                            f"{ROOT}/samples/multi-file"], capture_output=True, text=True)
        if r.returncode != 0 or json.load(open(out))["format"] != "ecsc-bundle":
            fail(f"-o: exit {r.returncode}: {r.stderr}")
        listed = open(dep).read()
        if not listed.startswith(out + ":") or "services.ecs" not in listed or "roles.ecs" not in listed:
            fail(f"depfile:\n{listed}")
        before = open(out).read()
        bad_spec = f"{tmp}/bad.ecs"
        open(bad_spec, "w").write("cluster main {\n")
        r = subprocess.run([ECSC, "compile", "--target", "bundle", "-o", out, bad_spec],
                           capture_output=True, text=True)
        if r.returncode != 1 or open(out).read() != before or len(os.listdir(tmp)) != 3:
            fail(f"failed compile: exit {r.returncode}, output changed or files left: {os.listdir(tmp)}")
    finally:
        import shutil
        shutil.rmtree(tmp)
    print(f"golden: {len(cases)} bundles match; -o, --depfile and failures behave")

def case_replay():
    import boto3
    with moto_server() as url:
        kw = clients_kw(url)
        ec2 = boto3.client("ec2", **kw)
        subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2]
        sg = ec2.describe_security_groups()["SecurityGroups"][0]["GroupId"]
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            f.write(bundle(f"{ROOT}/tests/cfn/deploy.ecs", "--set", "subnets=" + ",".join(subnets),
                           "--set", f"sg={sg}", "--set", "tag=1.27.3"))
        r = subprocess.run([sys.executable, f"{HERE}/replay.py", f.name, "--endpoint-url", url],
                           capture_output=True, text=True)
        os.unlink(f.name)
        if r.returncode != 0:
            fail(f"replay failed:\n{r.stdout}{r.stderr}")
        ecs = boto3.client("ecs", **kw)
        svc = ecs.describe_services(cluster="shop", services=["api"])["services"][0]
        if svc["desiredCount"] != 2:
            fail(f"desired count {svc['desiredCount']}")
        aws = svc["networkConfiguration"]["awsvpcConfiguration"]
        if aws["subnets"] != subnets or aws["securityGroups"] != [sg]:
            fail(f"network {aws}")
        td = ecs.describe_task_definition(taskDefinition=svc["taskDefinition"], include=["TAGS"])
        tags = {t["key"]: t["value"] for t in td.get("tags", [])}
        td = td["taskDefinition"]
        want = ("api", "512", "1024", "awsvpc", ["FARGATE"])
        got = (td["family"], td["cpu"], td["memory"], td["networkMode"], td["requiresCompatibilities"])
        if got != want:
            fail(f"task definition {got}")
        if tags.get("ecsc:project") != "deploy":
            fail(f"task definition tags {tags}")
        iam = boto3.client("iam", **kw)
        role = iam.get_role(RoleName="api-task-exec")["Role"]
        if td["executionRoleArn"] != role["Arn"]:
            fail(f"execution role {td['executionRoleArn']}")
        doc = iam.get_role_policy(RoleName="api-task-exec", PolicyName="execution")["PolicyDocument"]
        if isinstance(doc, str):
            doc = json.loads(doc)
        reads = [s for s in doc["Statement"] if s.get("Sid") == "ReadParameters"]
        if not reads or reads[0]["Resource"] != [f"arn:aws:ssm:eu-west-1:123456789012:parameter/shop/api/db-password"]:
            fail(f"execution policy {doc}")
        app = td["containerDefinitions"][0]
        if app["image"] != "public.ecr.aws/nginx/nginx:1.27.3" or app["secrets"][0]["name"] != "DB_PASSWORD":
            fail(f"container {app}")
        logs = boto3.client("logs", **kw)
        groups = {g["logGroupName"]: g.get("retentionInDays") for g in logs.describe_log_groups()["logGroups"]}
        if groups.get("/aws/ecs/api/app") != 14 or groups.get("/aws/ecs/shop") != 90:
            fail(f"log groups {groups}")
        print(f"replay: {r.stdout.strip()}; service, task definition, roles and log groups match")

{"validate": case_validate, "golden": case_golden, "replay": case_replay}[CASE]()
