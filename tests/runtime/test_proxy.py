#!/usr/bin/env python3
"""test_proxy.py: the test proxy (proxy.py) against moto.

Requests go through unchanged and are recorded with their service and
operation, for ECS (JSON) and IAM and EC2 (query); botocore reads the
injected throttling and 5xx errors; a dropped request never reaches moto
and a drop_after or error5xx_after one does; a seed gives the same schedule every time;
latency is added, 16 connections are served at once, and moto in auth
mode accepts the signatures that pass through. The control paths and the
command line are checked too."""
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

sys.dont_write_bytecode = True  # nothing written into the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
from awslocal import Checks, clients_kw, moto_server  # noqa: E402
from proxy import Proxy, count, mutating  # noqa: E402

import boto3  # noqa: E402
import botocore.config  # noqa: E402
import botocore.exceptions  # noqa: E402

NO_RETRY = botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"},
                                  max_pool_connections=16)
LOST = (botocore.exceptions.ConnectionError, botocore.exceptions.HTTPClientError)
check = Checks('runtime/proxy: ')


def client(service, url, **kw):
    return boto3.client(service, config=NO_RETRY, **dict(clients_kw(url), **kw))

def error(f, *args, **kw):
    """What a call raised: ("ok", None), ("client", code, status) or ("lost", class name)."""
    try:
        f(*args, **kw)
        return ("ok", None)
    except botocore.exceptions.ClientError as e:
        return ("client", e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
    except LOST as e:
        return ("lost", type(e).__name__)

def control(url, path, body=None):
    req = urllib.request.Request(url + path, method="GET" if body is None else "POST",
                                 data=None if body is None else json.dumps(body).encode())
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())

def clusters(ecs):
    return {a.rsplit("/", 1)[-1] for a in ecs.list_clusters()["clusterArns"]}

with moto_server() as moto, Proxy(moto) as p:
    ecs, iam, ec2 = (client(s, p.url) for s in ("ecs", "iam", "ec2"))
    direct_ecs = client("ecs", moto)

    # ---- forwarding and recording
    r = ecs.create_cluster(clusterName="through")
    ecs.list_clusters()
    calls = p.calls()
    check("ECS (JSON) calls are forwarded and recorded",
          r["cluster"]["clusterName"] == "through" and "through" in clusters(direct_ecs)
          and [(c["index"], c["service"], c["operation"], c["mutating"], c["upstream_status"], c["fault"])
               for c in calls] == [(0, "ecs", "CreateCluster", True, 200, None),
                                   (1, "ecs", "ListClusters", False, 200, None)]
          and calls[0]["body"] == {"clusterName": "through"} and calls[0]["protocol"] == "json",
          calls)
    p.reset()
    iam.create_role(RoleName="r1", AssumeRolePolicyDocument="{}")
    role = iam.get_role(RoleName="r1")["Role"]["RoleName"]
    vpcs = ec2.describe_vpcs()["Vpcs"]
    calls = p.calls()
    check("IAM and EC2 (query) calls are forwarded and recorded",
          role == "r1" and vpcs and
          [(c["service"], c["operation"], c["mutating"], c["upstream_status"], c["protocol"]) for c in calls]
          == [("iam", "CreateRole", True, 200, "query"), ("iam", "GetRole", False, 200, "query"),
              ("ec2", "DescribeVpcs", False, 200, "query")]
          and calls[0]["body"].get("RoleName") == "r1" and calls[0]["body"].get("Action") == "CreateRole",
          calls)
    check("mutating() and count()", [c["operation"] for c in mutating(calls)] == ["CreateRole"]
          and count(calls, "GetRole") == 1 and count(calls, "DeleteRole") == 0, calls)

    # ---- the control paths
    got = control(p.url, "/__proxy/calls")
    control(p.url, "/__proxy/config", {"latency_ms": 0})
    check("GET /__proxy/calls is the log, control requests are not in it",
          got == calls and p.calls() == calls, got)
    control(p.url, "/__proxy/reset", {})
    check("POST /__proxy/reset clears the log", p.calls() == [] and control(p.url, "/__proxy/calls") == [])
    try:
        control(p.url, "/__proxy/config", {"no_such_setting": 1})
        bad = None
    except urllib.error.HTTPError as e:
        bad = e.code
    check("a bad setting is refused with 400", bad == 400, bad)

    # ---- faults that botocore reads as AWS errors
    p.configure(throttle=1.0)
    got = [error(ecs.list_clusters), error(iam.list_roles), error(ec2.describe_vpcs)]
    calls = p.calls()
    check("throttle: ThrottlingException (JSON) and Throttling (query), not forwarded",
          got == [("client", "ThrottlingException", 400), ("client", "Throttling", 400),
                  ("client", "Throttling", 400)]
          and all(c["fault"] == "throttle" and c["upstream_status"] is None and c["status"] == 400
                  for c in calls), (got, calls))
    p.configure(throttle=0.0, error5xx=1.0)
    p.reset()
    got = [error(ecs.list_clusters), error(ecs.list_clusters), error(iam.list_roles)]
    check("error5xx: 500 InternalFailure and 503 ServiceUnavailable in turn",
          got == [("client", "InternalFailure", 500), ("client", "ServiceUnavailable", 503),
                  ("client", "InternalFailure", 500)], got)
    p.configure(error5xx=1.0, max_faults=2)
    p.reset()
    got = [error(ecs.list_clusters)[0] for _ in range(4)]
    check("max_faults caps the faults", got == ["client", "client", "ok", "ok"]
          and [c["fault"] for c in p.calls()] == ["error5xx", "error5xx", None, None], got)

    # ---- dropped connections
    p.configure(error5xx=0.0, max_faults=None, drop=1.0, fault_ops=["CreateCluster"])
    p.reset()
    got = error(ecs.create_cluster, clusterName="dropped")
    listed = error(ecs.list_clusters)
    check("drop: the connection is lost and moto never sees the request",
          got[0] == "lost" and "dropped" not in clusters(direct_ecs)
          and p.calls()[0]["fault"] == "drop" and p.calls()[0]["upstream_status"] is None,
          (got, p.calls()))
    check("fault_ops: other operations are not faulted", listed == ("ok", None)
          and p.calls()[1]["fault"] is None, listed)
    p.configure(drop=0.0, drop_after=1.0)
    got = error(ecs.create_cluster, clusterName="applied")
    last = p.calls()[-1]
    check("drop_after: the connection is lost but moto has applied the change",
          got[0] == "lost" and "applied" in clusters(direct_ecs)
          and last["fault"] == "drop_after" and last["upstream_status"] == 200 and last["status"] is None,
          (got, last))
    check("the connection after a drop works", error(ecs.list_clusters) == ("ok", None))
    p.configure(drop_after=0.0, error5xx_after=1.0)
    got = error(ecs.create_cluster, clusterName="acted")
    last = p.calls()[-1]
    check("error5xx_after: a 500 answers a change moto has applied",
          got == ("client", "InternalFailure", 500) and "acted" in clusters(direct_ecs)
          and last["fault"] == "error5xx_after" and last["upstream_status"] == 200
          and last["status"] == 500, (got, last))
    p.configure(error5xx_after=0.0, error5xx=1.0, max_faults_per_op=1, fault_ops=None)
    p.reset()
    for name in ("once-a", "once-b"):
        error(ecs.create_cluster, clusterName=name)
    error(ecs.list_clusters)
    error(ecs.list_clusters)
    check("max_faults_per_op: each operation's first call is faulted, the next is not",
          [(c["operation"], c["fault"]) for c in p.calls()] ==
          [("CreateCluster", "error5xx"), ("CreateCluster", None),
           ("ListClusters", "error5xx"), ("ListClusters", None)], p.calls())
    p.configure(error5xx=0.0, max_faults_per_op=None)

    # ---- rewritten answers
    p.configure(rewrite={"DescribeClusters": [{"clusters": [{"status": "PROVISIONING"}]},
                                              {"failures": [{"reason": "patched"}]}]})
    p.reset()
    got = [ecs.describe_clusters(clusters=["acted"]) for _ in range(3)]
    check("rewrite: each answer takes the next patch, the last one repeats, moto's members stay",
          got[0]["clusters"] == [{"status": "PROVISIONING"}]
          and [g["failures"][0]["reason"] for g in got[1:]] == ["patched", "patched"]
          and got[1]["clusters"][0]["clusterName"] == "acted"
          and [c.get("rewritten") for c in p.calls()] == [True, True, True]
          and ecs.list_clusters()["clusterArns"] and p.calls()[-1].get("rewritten") is None,
          (got, p.calls()))
    try:
        p.configure(rewrite={"X": {}})
        refused = False
    except ValueError:
        refused = True
    check("rewrite: a bad setting is refused", refused)
    p.configure(rewrite=None)

    # ---- a seeded schedule
    def schedule(seed):
        p.configure(seed=seed, throttle=0.3, error5xx=0.2, drop=0.0, drop_after=0.0, fault_ops=None)
        p.reset()
        for _ in range(20):
            error(ecs.list_clusters)
        return [c["fault"] for c in p.calls()]
    first, second, other = schedule(7), schedule(7), schedule(8)
    check("the same seed gives the same schedule",
          first == second and {"throttle", "error5xx", None} <= set(first) and other != first,
          (first, second, other))
    p.configure(seed=7)
    p.reset()
    before = p.configure(throttle=0.0, error5xx=0.0)
    check("configure() returns the settings", before["seed"] == 7 and before["throttle"] == 0.0, before)

    # ---- latency and concurrency
    def timed(n):
        t = time.monotonic()
        for _ in range(n):
            ecs.list_clusters()
        return (time.monotonic() - t) / n
    base = timed(3)
    p.configure(latency_ms=300)
    slow = timed(3)
    check("latency_ms delays each forwarded request", slow >= 0.29 and slow < base + 2.0,
          f"{base:.3f}s then {slow:.3f}s a call")
    p.reset()
    results = []
    def one(i):
        results.append(error(ecs.describe_clusters, clusters=[f"c{i}"]))
    threads = [threading.Thread(target=one, args=(i,)) for i in range(16)]
    t = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    took = time.monotonic() - t
    check("16 concurrent connections are served in parallel",
          len(results) == 16 and all(r == ("ok", None) for r in results) and took < 16 * 0.3 / 2
          and sorted(c["index"] for c in p.calls()) == list(range(16)),
          f"{took:.2f}s, {results}")
    p.configure(latency_ms=0)

    # ---- the command line
    cli = subprocess.Popen([sys.executable, os.path.join(HERE, "proxy.py"), "--upstream", moto,
                            "--port", "0", "--seed", "3", "--throttle", "1", "--max-faults", "1"],
                           stdout=subprocess.PIPE, text=True)
    try:
        port = int(cli.stdout.readline())
        url = f"http://127.0.0.1:{port}"
        cecs = client("ecs", url)
        got = [error(cecs.list_clusters), error(cecs.list_clusters)]
        logged = control(url, "/__proxy/calls")
        check("command line: prints the port, throttles, caps, logs",
              got == [("client", "ThrottlingException", 400), ("ok", None)]
              and [c["fault"] for c in logged] == ["throttle", None], (got, logged))
    finally:
        cli.terminate()
        cli.wait()

# ---- signatures reach moto intact: moto in auth mode, Host and all signed headers checked
os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"
try:
    with moto_server() as moto, Proxy(moto) as p:
        kw = dict(aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
        iam = client("iam", p.url, **kw)
        iam.create_user(UserName="proxy")
        key = iam.create_access_key(UserName="proxy")["AccessKey"]
        iam.put_user_policy(UserName="proxy", PolicyName="all", PolicyDocument=
                            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}')
        good = dict(aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
        ok_ecs = error(client("ecs", p.url, **good).create_cluster, clusterName="signed")
        ok_iam = error(client("iam", p.url, **good).get_user, UserName="proxy")
        wrong = dict(good, aws_secret_access_key="wrong")
        bad_iam = error(client("iam", p.url, **wrong).get_user, UserName="proxy")
        try:  # moto answers ECS's auth errors in XML: botocore keeps it as the message
            client("ecs", p.url, **wrong).list_clusters()
            bad_ecs = None
        except botocore.exceptions.ClientError as e:
            bad_ecs = (e.response["ResponseMetadata"]["HTTPStatusCode"],
                       "SignatureDoesNotMatch" in e.response["Error"]["Message"])
        check("moto in auth mode accepts signatures through the proxy and refuses a wrong one",
              ok_ecs == ("ok", None) and ok_iam == ("ok", None)
              and bad_iam == ("client", "SignatureDoesNotMatch", 403) and bad_ecs == (403, True),
              (ok_ecs, ok_iam, bad_iam, bad_ecs))
finally:
    del os.environ["INITIAL_NO_AUTH_ACTION_COUNT"]

check.finish()
