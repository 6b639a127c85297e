#!/usr/bin/env python3
"""apply.py: `ecsc apply` of 1, 10 and 50 services against moto, timed and counted.

    python3 bench/apply.py [--ecsc build/ecsc] [--sizes 1,10,50] [--latency-ms 50]
        [--json FILE]

For each size N a spec of one cluster and N Fargate services is generated
(each with an app container and a sidecar, an environment, a port,
desired_count = 2, the subnets parameter and the default security group,
CPU target-tracking autoscaling and the image tag as parameter `tag`) and
written to a temporary directory. moto_server runs on a free loopback port
(services report their tasks running, AWS managed policies exist) behind
the recording proxy of tests/runtime/proxy.py, which adds --latency-ms to
every call and counts the calls ecsc makes.

Three phases are measured, each on a fresh moto (POST /moto-api/reset)
twice: with ecsc's default parallelism and with --parallelism 1 (the same
calls one at a time):

- create: the first apply;
- no-op: a second apply, which should only read;
- bump: every service's image tag changed (a RegisterTaskDefinition and
  an UpdateService per service).

apply waits for the services to be stable (on moto they are at once), and
the wait's reads are in the counts. Printed: N, phase, wall seconds in
parallel and sequentially, calls (mutating ones) and reads of the parallel
run, and the operations behind the counts; calls answered with an error
(such as the DescribeTaskDefinition of a family that does not exist yet)
are noted."""
import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "tests", "runtime"))
sys.dont_write_bytecode = True
from awslocal import clients_kw, moto_server  # noqa: E402
from proxy import Proxy, mutating  # noqa: E402

import boto3  # noqa: E402

TAGS = ("1.27.3", "1.28.0")


def spec(n):
    """A spec of one cluster and n services."""
    out = ["# bench/apply.py: one cluster and %d services." % n,
           "param subnets: list(string)",
           "param sg: string",
           "param tag: string",
           "",
           "cluster bench {",
           "  capacity FARGATE { weight = 1 }",
           '  tags = { Team = "platform" }',
           "}",
           ""]
    for i in range(n):
        out.append(f'''service svc-{i} in bench {{
  cpu           = 0.5 vcpu
  memory        = 1 GiB
  desired_count = 2
  network {{
    subnets         = subnets
    security_groups = [sg]
  }}
  container app {{
    image       = "public.ecr.aws/nginx/nginx:${{tag}}"
    port http {{ container_port = 8080 }}
    environment = {{ SERVICE = "svc-{i}", LOG_LEVEL = "info" }}
  }}
  container log-router {{
    image              = "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.4"
    memory_reservation = 64 MiB
    essential          = false
  }}
  autoscaling {{ min = 2  max = 6  target cpu {{ metric = cpu  value = 60% }} }}
}}
''')
    return "\n".join(out)


class Bench:
    def __init__(self, ecsc, moto_url, latency_ms, work):
        self.ecsc_path = ecsc
        self.moto_url = moto_url
        self.work = work
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self.env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                        AWS_REGION="eu-west-1", HOME=os.path.join(work, "home"),
                        ECSC_POLL_SECONDS="0.2")
        os.makedirs(self.env["HOME"], exist_ok=True)
        self.proxy = Proxy(moto_url, latency_ms=latency_ms)
        self.proxy_url = self.proxy.start()

    def reset(self):
        """A fresh moto; the default VPC's subnets and security group are the parameters."""
        req = urllib.request.Request(self.moto_url + "/moto-api/reset", data=b"", method="POST")
        urllib.request.urlopen(req, timeout=30).read()
        kw = clients_kw(self.moto_url)
        ec2 = boto3.client("ec2", **kw)
        # moto loads a service's backend on its first request: done here, untimed.
        boto3.client("ecs", **kw).list_clusters()
        boto3.client("iam", **kw).list_roles(MaxItems=1)
        boto3.client("logs", **kw).describe_log_groups(limit=1)
        boto3.client("application-autoscaling", **kw).describe_scalable_targets(
            ServiceNamespace="ecs")
        boto3.client("resourcegroupstaggingapi", **kw).get_resources(ResourcesPerPage=1)
        subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2]
        sg = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["default"]}])[
            "SecurityGroups"][0]["GroupId"]
        self.sets = ["--set", "subnets=" + ",".join(subnets), "--set", f"sg={sg}"]
        self.proxy.reset()

    def apply(self, spec_path, tag, parallelism):
        argv = [self.ecsc_path, "apply", spec_path, *self.sets, "--set", f"tag={tag}", "--yes",
                "--endpoint-url", self.proxy_url]
        if parallelism:
            argv += ["--parallelism", str(parallelism)]
        self.proxy.reset()
        t = time.monotonic()
        r = subprocess.run(argv, capture_output=True, text=True, env=self.env, timeout=1800)
        wall = time.monotonic() - t
        calls = self.proxy.calls()
        if r.returncode != 0:
            raise SystemExit(f"apply failed ({r.returncode}): {' '.join(argv)}\n"
                             f"{r.stdout[-2000:]}\n{r.stderr[-3000:]}")
        return dict(wall=wall, calls=len(calls), mutating=len(mutating(calls)),
                    reads=len(calls) - len(mutating(calls)),
                    ops=collections.Counter(c["operation"] for c in calls),
                    errors=[(c["operation"], c["status"]) for c in calls
                            if c["status"] is None or c["status"] >= 400],
                    stderr=r.stderr)

    def run(self, spec_path, parallelism):
        """The three phases on a fresh moto."""
        self.reset()
        return {"create": self.apply(spec_path, TAGS[0], parallelism),
                "no-op": self.apply(spec_path, TAGS[0], parallelism),
                "bump": self.apply(spec_path, TAGS[1], parallelism)}


def ops_text(ops):
    items = sorted(ops.items(), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{op} {k}" for op, k in items)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ecsc", default=os.path.join(ROOT, "build", "ecsc"))
    ap.add_argument("--sizes", default="1,10,50")
    ap.add_argument("--latency-ms", type=float, default=50)
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    a = ap.parse_args()
    ecsc = os.path.abspath(a.ecsc)
    sizes = [int(s) for s in a.sizes.split(",") if s]
    work = tempfile.mkdtemp(prefix="ecsc-bench-apply-")
    results = []
    try:
        with moto_server(MOTO_ECS_SERVICE_RUNNING="2",
                         MOTO_IAM_LOAD_MANAGED_POLICIES="true") as url:
            b = Bench(ecsc, url, a.latency_ms, work)
            try:
                for n in sizes:
                    path = os.path.join(work, f"services-{n}.ecs")
                    with open(path, "w") as f:
                        f.write(spec(n))
                    r = subprocess.run([ecsc, "check", path, "--set", "subnets=subnet-0a1b2c3d",
                                        "--set", "sg=sg-0123456789abcdef0",
                                        "--set", f"tag={TAGS[0]}"],
                                       capture_output=True, text=True)
                    if r.returncode != 0:
                        raise SystemExit(f"ecsc check {path} failed:\n{r.stderr}")
                    par = b.run(path, None)
                    seq = b.run(path, 1)
                    for phase in ("create", "no-op", "bump"):
                        p, s = par[phase], seq[phase]
                        results.append(dict(n=n, phase=phase, parallel_s=p["wall"],
                                            sequential_s=s["wall"], calls=p["calls"],
                                            mutating=p["mutating"], reads=p["reads"],
                                            ops=dict(p["ops"]), seq_calls=s["calls"],
                                            seq_ops=dict(s["ops"]), errors=p["errors"],
                                            seq_errors=s["errors"]))
                        print(f"N={n} {phase}: {p['wall']:.1f} s parallel, "
                              f"{s['wall']:.1f} s sequential, {p['calls']} calls",
                              file=sys.stderr, flush=True)
                        if p["ops"] != s["ops"]:
                            print(f"  note: the sequential run made other calls: "
                                  f"{ops_text(s['ops'])}", file=sys.stderr)
                        for label, e in (("parallel", p["errors"]), ("sequential", s["errors"])):
                            if e:
                                print(f"  note: answered with an error ({label}): " +
                                      ", ".join(f"{op} {st} x{k}" for (op, st), k in
                                                sorted(collections.Counter(e).items(),
                                                       key=str)), file=sys.stderr)
            finally:
                b.proxy.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"\n{'N':>4}  {'phase':<7} {'parallel':>9} {'sequential':>11} "
          f"{'calls (mutating)':>17} {'reads':>6}")
    for r in results:
        print(f"{r['n']:>4}  {r['phase']:<7} {r['parallel_s']:>8.1f}s {r['sequential_s']:>10.1f}s "
              f"{r['calls']:>8} ({r['mutating']:>4}) {r['reads']:>8}")
    print()
    for r in results:
        print(f"N={r['n']} {r['phase']}: {ops_text(collections.Counter(r['ops']))}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
