#!/usr/bin/env python3
"""test_scale.py ECSC: `ecsc scale` against moto.

The service of tests/cfn/deploy.ecs is created by replaying its bundle;
`ecsc scale` then sets its desired count through UpdateService, and ECS
reads the new count back. Unknown services and bad counts are refused; a
service of another project (or of none) is left alone; a count outside the
spec's autoscaling min..max is refused before any call; --wait waits for
the service as apply does."""
import os
import socket
import subprocess
import sys
import tempfile
import textwrap

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

# Tasks "run" at once, so a service made with two is COMPLETED, as ECS
# reports a service after its rollout; scaling makes no new deployment.
with moto_server(MOTO_ECS_SERVICE_RUNNING="2") as url:
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

    def desired(cluster, name):
        return ecs.describe_services(cluster=cluster, services=[name])["services"][0]["desiredCount"]

    def scale(*args, spec=SPEC, endpoint=url):
        return subprocess.run([ECSC, "scale", *sets, spec, *args, "--endpoint-url", endpoint],
                              capture_output=True, text=True, env=env)

    # --project: the project whose tag the service must carry, as for apply.
    r = scale("api", "3", "--project", "deploy")
    check("--project names the owning project", r.returncode == 0 and desired("shop", "api") == 3,
          f"{r.returncode} {r.stderr}")
    r = scale("api", "4", "--project", "other")
    check("a service of another project is left alone, naming its project",
          r.returncode == 1 and desired("shop", "api") == 3 and
          "belongs to another project, `deploy` (this is `other`)" in r.stderr,
          f"{r.returncode} {desired('shop', 'api')} {r.stderr}")
    arn = ecs.describe_services(cluster="shop", services=["api"])["services"][0]["serviceArn"]
    ecs.untag_resource(resourceArn=arn, tagKeys=["ecsc:project"])
    r = scale("api", "4")
    check("a service without the project tag is left alone",
          r.returncode == 1 and desired("shop", "api") == 3 and "no ecsc:project tag" in r.stderr,
          f"{r.returncode} {r.stderr}")
    ecs.tag_resource(resourceArn=arn, tags=[{"key": "ecsc:project", "value": "deploy"}])

    # --wait: the apply's wait for a steady state, on this service.
    r = subprocess.run([ECSC, "scale", *sets, SPEC, "api", "4", "--wait", "--timeout", "60s",
                        "--endpoint-url", url], capture_output=True, text=True,
                       env={**env, "ECSC_POLL_SECONDS": "0.2"})
    check("--wait waits for the service to be stable", r.returncode == 0 and
          "Waiting for 1 service to be stable" in r.stderr and "shop/api: running 4/4" in r.stderr
          and desired("shop", "api") == 4, f"{r.returncode} {r.stderr}")

    # Autoscaling's range, from the spec.
    tmp = tempfile.mkdtemp()
    scaled = f"{tmp}/scaled.ecs"
    with open(scaled, "w") as f:
        f.write(textwrap.dedent("""\
            project "scaled"
            param subnets: list(string)
            param sg: string
            param tag: string
            cluster batch { capacity FARGATE { weight = 1 } }
            service web in batch {
              cpu           = 0.25 vcpu
              memory        = 0.5 GiB
              desired_count = 2
              network {
                subnets         = subnets
                security_groups = [sg]
              }
              container app { image = "public.ecr.aws/nginx/nginx:${tag}" }
              autoscaling {
                min = 1
                max = 10
                target cpu { metric = cpu  value = 60% }
              }
            }
            """))
    with open(f"{tmp}/scaled.json", "w") as f:
        f.write(subprocess.run([ECSC, "compile", "--target", "bundle", *sets, scaled],
                               capture_output=True, text=True, check=True).stdout)
    subprocess.run([sys.executable, f"{HERE}/../bundle/replay.py", f"{tmp}/scaled.json",
                    "--endpoint-url", url], check=True, capture_output=True)
    r = scale("web", "20", spec=scaled)
    check("a count above autoscaling's max is refused, naming the range",
          r.returncode == 1 and desired("batch", "web") == 2 and
          "batch/web: 20 is outside the service's autoscaling range (min 1, max 10 in the spec)"
          in r.stderr, f"{r.returncode} {desired('batch', 'web')} {r.stderr}")
    r = scale("web", "0", spec=scaled)
    check("a count below autoscaling's min is refused", r.returncode == 1 and
          "(min 1, max 10 in the spec)" in r.stderr and desired("batch", "web") == 2, r.stderr)
    r = scale("web", "20", spec=scaled, endpoint=nobody)
    check("the range is checked before any call", r.returncode == 1 and
          "outside the service's autoscaling range" in r.stderr and "not changed" not in r.stderr,
          r.stderr)
    r = scale("web", "10", spec=scaled)
    check("autoscaling's max itself is a count", r.returncode == 0 and desired("batch", "web") == 10,
          f"{r.returncode} {r.stderr}")

    # Without a declared project scale refuses, as plan and apply do.
    with open(f"{tmp}/undeclared.ecs", "w") as f:
        f.write(open(scaled).read().replace('project "scaled"\n', ""))
    r = scale("web", "3", spec=f"{tmp}/undeclared.ecs")
    check("a spec without a project is refused", r.returncode == 1 and
          "the spec declares no project" in r.stderr and desired("batch", "web") == 10, r.stderr)
    r = scale("web", "3", "--project", "scaled", spec=f"{tmp}/undeclared.ecs")
    check("--project stands for the declaration", r.returncode == 0 and
          desired("batch", "web") == 3, f"{r.returncode} {r.stderr}")

print(f"runtime/scale: {16 - len(fails)} passed, {len(fails)} failed")
sys.exit(1 if fails else 0)
