#!/usr/bin/env python3
"""test_aws.py AWS_CALL: the runtime's AWS client against moto in auth mode.

moto checks signatures after the first INITIAL_NO_AUTH_ACTION_COUNT
requests (it recomputes them with botocore): the test makes an IAM user
and key with those, then the client must be accepted with the right
secret and refused with a wrong one, for a JSON 1.1 service (ECS) and a
query one (IAM, signed for us-east-1), with keys from the environment and
from a credentials file profile. Given ECSC too, `ecsc apply` of
tests/runtime/apply.ecs (every service the runtime calls: ECS, IAM, EC2,
CloudWatch Logs, Application Auto Scaling, the tagging API) is accepted
with the right secret, and `ecsc plan` refused with a wrong one."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from awslocal import assumable_role, moto_server, signing_user  # noqa: E402
from proxy import Proxy  # noqa: E402

import boto3  # noqa: E402

CALL = os.path.abspath(sys.argv[1])
ECSC = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else None
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
fails = []
total = 7

def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {detail}"))
    if not ok:
        fails.append(name)

def call(env, *args):
    r = subprocess.run([CALL, *args], capture_output=True, text=True, env=env)
    status, code = (r.stdout.split("\n", 1)[0].split(" ") + ["", ""])[:2]
    return r.returncode, status, code, r.stdout

os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"
with moto_server() as url:
    key = signing_user(url)
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    base.update(AWS_ENDPOINT_URL=url, AWS_REGION="eu-west-1", HOME=tempfile.mkdtemp(),
                AWS_EC2_METADATA_DISABLED="true")
    good = dict(base, AWS_ACCESS_KEY_ID=key["AccessKeyId"], AWS_SECRET_ACCESS_KEY=key["SecretAccessKey"])
    bad = dict(good, AWS_SECRET_ACCESS_KEY="not-the-secret")

    rc, status, code, out = call(good, "json", "ecs", "AmazonEC2ContainerServiceV20141113.CreateCluster",
                                 '{"clusterName": "signed"}')
    check("json call with the right secret is accepted", rc == 0 and status == "200" and '"signed"' in out, out)
    rc, status, code, out = call(bad, "json", "ecs", "AmazonEC2ContainerServiceV20141113.ListClusters", "{}")
    check("json call with a wrong secret is refused", rc == 1 and status == "403" and
          code == "SignatureDoesNotMatch", out)
    rc, status, code, out = call(good, "query", "iam", "GetUser", "2010-05-08", "UserName=ecsc")
    check("query call (IAM, us-east-1) is accepted", rc == 0 and status == "200" and "<UserName>ecsc</UserName>" in out, out)
    rc, status, code, out = call(bad, "query", "iam", "GetUser", "2010-05-08", "UserName=ecsc")
    check("query call with a wrong secret is refused", rc == 1 and code == "SignatureDoesNotMatch", out)
    rc, status, code, out = call(dict(good, AWS_ACCESS_KEY_ID="AKIAUNKNOWN0000000"), "json", "ecs",
                                 "AmazonEC2ContainerServiceV20141113.ListClusters", "{}")
    check("an unknown key is refused", rc == 1 and code == "InvalidClientTokenId", out)

    # Keys from a credentials file profile; region from the config file.
    home = base["HOME"]
    os.makedirs(f"{home}/.aws")
    with open(f"{home}/.aws/credentials", "w") as f:
        f.write(f"[deploy]\naws_access_key_id = {key['AccessKeyId']}\n"
                f"aws_secret_access_key = {key['SecretAccessKey']}\n")
    with open(f"{home}/.aws/config", "w") as f:
        f.write("[profile deploy]\nregion = eu-west-1\n")
    env = {k: v for k, v in base.items() if k != "AWS_REGION"}
    rc, status, code, out = call(env, "--profile", "deploy", "json", "ecs",
                                 "AmazonEC2ContainerServiceV20141113.DescribeClusters", '{"clusters": ["signed"]}')
    check("profile from ~/.aws/credentials and ~/.aws/config", rc == 0 and '"signed"' in out, out)
    rc, status, code, out = call(dict(env, AWS_PROFILE="missing"), "json", "ecs",
                                 "AmazonEC2ContainerServiceV20141113.ListClusters", "{}")
    check("no credentials is a clear error", rc == 2, out)

    # Session tokens are longer than inih's default 200-byte line. moto's
    # AssumeRole gives a 356-character one and checks it exactly: a request
    # signed with it is accepted. A 1,500-character one (as long as real STS
    # gives) is not moto's, so moto refuses it; the proxy shows it was read
    # from the file and sent whole in X-Amz-Security-Token.
    total += 2
    user = dict(endpoint_url=url, region_name="eu-west-1",
                aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    sts = boto3.client("sts", **user)
    temp = sts.assume_role(RoleArn=assumable_role(url, key, "deploy"), RoleSessionName="ecsc")["Credentials"]
    long_token = "IQoJb3JpZ2luX2VjE" + "".join(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[(i * 7 + 3) % 64]
        for i in range(1500 - 18)) + "="
    for name, token, accepted in (("moto's", temp["SessionToken"], True), ("a 1,500-character", long_token, False)):
        with open(f"{home}/.aws/credentials", "w") as f:
            f.write(f"[deploy]\naws_access_key_id = {temp['AccessKeyId']}\n"
                    f"aws_secret_access_key = {temp['SecretAccessKey']}\n"
                    f"aws_session_token = {token}\n")
        with Proxy(url) as p:
            rc, status, code, out = call(dict(env, AWS_ENDPOINT_URL=p.url), "--profile", "deploy", "json",
                                         "ecs", "AmazonEC2ContainerServiceV20141113.ListClusters", "{}")
            sent = p.calls()
        check(f"{name} session token ({len(token)} characters) from the credentials file is sent whole",
              len(token) > 300 and len(sent) == 1 and sent[0]["security_token"] == token and
              sent[0]["access_key"] == temp["AccessKeyId"] and
              ((rc == 0 and status == "200") if accepted else code == "InvalidClientTokenId"),
              out + str([(c["access_key"], len(c["security_token"] or "")) for c in sent]))

    # The region: --region, else AWS_REGION, else AWS_DEFAULT_REGION, else
    # the profile's; the proxy reads it from each request's signing scope.
    with open(f"{home}/.aws/credentials", "w") as f:
        f.write(f"[deploy]\naws_access_key_id = {key['AccessKeyId']}\n"
                f"aws_secret_access_key = {key['SecretAccessKey']}\n")
    with open(f"{home}/.aws/config", "w") as f:
        f.write("[profile deploy]\nregion = ap-south-1\n")
    layers = [("the profile's region", {}, [], "ap-south-1"),
              ("AWS_DEFAULT_REGION over the profile's", {"AWS_DEFAULT_REGION": "eu-central-1"}, [],
               "eu-central-1"),
              ("AWS_REGION over AWS_DEFAULT_REGION", {"AWS_REGION": "us-west-2"}, [], "us-west-2"),
              ("--region over AWS_REGION", {}, ["--region", "ca-central-1"], "ca-central-1")]
    renv = dict(env)
    with Proxy(url) as p:
        for name, more, args, want in layers:
            total += 1
            renv.update(more, AWS_ENDPOINT_URL=p.url)
            p.reset()
            rc, status, code, out = call(renv, "--profile", "deploy", *args, "json", "ecs",
                                         "AmazonEC2ContainerServiceV20141113.ListClusters", "{}")
            regions = [c["region"] for c in p.calls()]
            check(f"region: {name}", rc == 0 and regions == [want], f"{regions} {out}")

    if ECSC:
        total += 3
        ec2 = boto3.client("ec2", endpoint_url=url, region_name="eu-west-1",
                           aws_access_key_id=key["AccessKeyId"],
                           aws_secret_access_key=key["SecretAccessKey"])
        vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
        subnets = [x["SubnetId"] for x in ec2.describe_subnets()["Subnets"]][:2]
        sg = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [
            "default"]}])["SecurityGroups"][0]["GroupId"]
        spec = [f"{ROOT}/tests/runtime/apply.ecs", "--set", "subnets=" + ",".join(subnets),
                "--set", f"vpc={vpc}", "--set", f"sg={sg}", "--set", "tag=1"]
        r = subprocess.run([ECSC, "apply", *spec, "--no-wait", "--yes"], capture_output=True, text=True,
                           env=good)
        check("ecsc apply signs every service's calls", r.returncode == 0 and
              "Apply complete" in r.stderr, r.stderr[-1500:])
        r = subprocess.run([ECSC, "plan", *spec], capture_output=True, text=True, env=bad)
        check("ecsc plan with a wrong secret is refused", r.returncode == 1 and
              "SignatureDoesNotMatch" in r.stderr, r.stderr[-800:])
        with Proxy(url) as p:
            r = subprocess.run([ECSC, "plan", *spec, "--region", "us-east-2"], capture_output=True,
                               text=True, env=dict(good, AWS_ENDPOINT_URL=p.url, AWS_DEFAULT_REGION="eu-west-1"))
            regions = {c["region"] for c in p.calls() if c["service"] != "iam"}
        check("ecsc plan --region wins over AWS_REGION", r.returncode in (0, 2) and
              "region us-east-2" in r.stdout and regions == {"us-east-2"}, f"{regions} {r.stderr[-800:]}")

print(f"runtime/aws: {total - len(fails)} passed, {len(fails)} failed")
sys.exit(1 if fails else 0)
