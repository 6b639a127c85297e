#!/usr/bin/env python3
"""test_scale.py ECSC: `ecsc scale` against moto.

The service of tests/cfn/deploy.ecs is created by replaying its bundle;
`ecsc scale` then sets its desired count through UpdateService, and ECS
reads the new count back. Unknown services and bad counts are refused."""
import os
import socket
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
from awslocal import clients_kw, moto_server  # noqa: E402

import boto3  # noqa: E402

ECSC = os.path.abspath(sys.argv[1])
SPEC = f"{ROOT}/tests/cfn/deploy.ecs"
fails = []

def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {detail}"))
    if not ok:
        fails.append(name)

with moto_server() as url:
    kw = clients_kw(url)
    ec2 = boto3.client("ec2", **kw)
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2]
    sg = ec2.describe_security_groups()["SecurityGroups"][0]["GroupId"]
    sets = ["--set", "subnets=" + ",".join(subnets), "--set", f"sg={sg}", "--set", "tag=1.27.3"]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        f.write(subprocess.run([ECSC, "compile", "--target", "bundle", *sets, SPEC],
                               capture_output=True, text=True, check=True).stdout)
    subprocess.run([sys.executable, f"{HERE}/../bundle/replay.py", f.name, "--endpoint-url", url],
                   check=True, capture_output=True)
    os.unlink(f.name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_REGION="eu-west-1",
               HOME=tempfile.mkdtemp())
    ecs = boto3.client("ecs", **kw)

    r = subprocess.run([ECSC, "scale", *sets, SPEC, "api", "5", "--endpoint-url", url],
                       capture_output=True, text=True, env=env)
    count = ecs.describe_services(cluster="shop", services=["api"])["services"][0]["desiredCount"]
    check("scale sets the desired count", r.returncode == 0 and count == 5 and
          "shop/api: desired count 5" in r.stdout, f"{r.returncode} {count} {r.stdout}{r.stderr}")

    r = subprocess.run([ECSC, "scale", *sets, SPEC, "nope", "1", "--endpoint-url", url],
                       capture_output=True, text=True, env=env)
    check("an unknown service is refused", r.returncode == 1 and "no service `nope`" in r.stderr,
          r.stderr)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        nobody = f"http://127.0.0.1:{closed.getsockname()[1]}"
    r = subprocess.run([ECSC, "scale", *sets, SPEC, "api", "2", "--endpoint-url", nobody],
                       capture_output=True, text=True, env=env)
    check("a call that fails is a failure (exit 1), not usage", r.returncode == 1 and
          "shop/api" in r.stderr, f"{r.returncode} {r.stderr}")
    r = subprocess.run([ECSC, "scale", *sets, SPEC, "api", "many", "--endpoint-url", url],
                       capture_output=True, text=True, env=env)
    check("a bad count is a usage error", r.returncode == 2, r.stderr)
    r = subprocess.run([ECSC, "scale", *sets, SPEC, "api", "3", "--endpoint-url", url],
                       capture_output=True, text=True, env={k: v for k, v in env.items()
                                                            if not k.startswith("AWS_ACCESS")})
    check("missing credentials are a usage error", r.returncode == 2 and "credentials" in r.stderr,
          r.stderr)

print(f"runtime/scale: {5 - len(fails)} passed, {len(fails)} failed")
sys.exit(1 if fails else 0)
