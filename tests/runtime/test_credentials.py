#!/usr/bin/env python3
"""test_credentials.py ECSC: where ecsc's calls go and who it says signs them.

moto checks signatures after INITIAL_NO_AUTH_ACTION_COUNT requests; the
test makes an IAM user and key with those. Then:
- endpoints: AWS_ENDPOINT_URL_<SERVICE> sends one service's calls to its
  own endpoint (the fault proxy, recording them) over AWS_ENDPOINT_URL and
  the profile's endpoint_url; --endpoint-url wins over it;
- ecsc whoami: the account, principal and region moto's
  sts:GetCallerIdentity gives, for keys from the environment and for a
  profile's temporary keys (moto's AssumeRole: key, secret and token
  checked); a wrong secret is refused (1), no keys is a usage error (2);
  with --debug no key id, secret or session token is printed."""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
from awslocal import Checks, moto_server  # noqa: E402
from proxy import Proxy  # noqa: E402

import boto3  # noqa: E402

ECSC = os.path.abspath(sys.argv[1])
SPEC = [os.path.join(HERE, "apply.ecs"), "--set", "subnets=subnet-0123456789abcdef0,subnet-0123456789abcdef1",
        "--set", "vpc=vpc-0123456789abcdef0",
        "--set", "sg=sg-0123456789abcdef0", "--set", "tag=1"]
ALLOW_ALL = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
check = Checks("runtime/credentials: ")


def ecsc(env, *args):
    return subprocess.run([ECSC, *args], capture_output=True, text=True, env=env, timeout=120)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"
with moto_server() as url:
    kw = dict(endpoint_url=url, region_name="eu-west-1",
              aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
    iam = boto3.client("iam", **kw)
    iam.create_user(UserName="ecsc")
    key = iam.create_access_key(UserName="ecsc")["AccessKey"]
    iam.put_user_policy(UserName="ecsc", PolicyName="all", PolicyDocument=ALLOW_ALL)
    user = dict(kw, aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    home = tempfile.mkdtemp()
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    base.update(HOME=home, AWS_REGION="eu-west-1", ECSC_POLL_SECONDS="0.2")
    env = dict(base, AWS_ENDPOINT_URL=url, AWS_ACCESS_KEY_ID=key["AccessKeyId"],
               AWS_SECRET_ACCESS_KEY=key["SecretAccessKey"])

    # ---- endpoints -------------------------------------------------------------------
    with Proxy(url) as p:
        r = ecsc(dict(env, AWS_ENDPOINT_URL_ECS=p.url), "plan", *SPEC)
        services = {c["service"] for c in p.calls()}
        check("AWS_ENDPOINT_URL_ECS takes ECS's calls, AWS_ENDPOINT_URL the others",
              r.returncode == 2 and services == {"ecs"}, f"{services} {r.stderr[-600:]}")
        p.reset()
        write(f"{home}/.aws/config", f"[default]\nendpoint_url = {url}\n")
        noenv = {k: v for k, v in env.items() if k != "AWS_ENDPOINT_URL"}
        r = ecsc(dict(noenv, AWS_ENDPOINT_URL_IAM=p.url), "plan", *SPEC)
        services = {c["service"] for c in p.calls()}
        check("AWS_ENDPOINT_URL_IAM wins over the profile's endpoint_url (query protocol)",
              r.returncode == 2 and services == {"iam"}, f"{services} {r.stderr[-600:]}")
        os.remove(f"{home}/.aws/config")
        p.reset()
        r = ecsc(dict(env, AWS_ENDPOINT_URL_ECS=p.url), "plan", *SPEC, "--endpoint-url", url)
        check("--endpoint-url wins over AWS_ENDPOINT_URL_ECS", r.returncode == 2 and not p.calls(),
              f"{len(p.calls())} {r.stderr[-600:]}")

    # ---- whoami ----------------------------------------------------------------------
    r = ecsc(env, "whoami")
    check("whoami: account, principal, region and source of environment keys",
          r.returncode == 0 and "account      123456789012\n" in r.stdout and
          "principal    arn:aws:iam::123456789012:user/ecsc\n" in r.stdout and
          "region       eu-west-1\n" in r.stdout and "credentials  environment" in r.stdout,
          r.stdout + r.stderr)
    r = ecsc(env, "whoami", "--region", "ap-northeast-1")
    check("whoami --region", r.returncode == 0 and "region       ap-northeast-1\n" in r.stdout,
          r.stdout + r.stderr)
    r = ecsc(dict(env, AWS_SECRET_ACCESS_KEY="wrong"), "whoami")
    check("whoami with a wrong secret is refused", r.returncode == 1 and
          "SignatureDoesNotMatch" in r.stderr, r.stdout + r.stderr)
    no_keys = {k: v for k, v in env.items() if not k.startswith("AWS_ACCESS") and
               not k.startswith("AWS_SECRET")}
    r = ecsc(no_keys, "whoami")
    check("whoami without keys is a usage error", r.returncode == 2 and
          "no AWS credentials" in r.stderr, r.stdout + r.stderr)
    r = ecsc(env, "whoami", "app.ecs")
    check("whoami takes no input", r.returncode == 2, r.stdout + r.stderr)

    # A profile's temporary keys (moto checks the token), traced: no secret printed.
    boto3.client("iam", **user).create_role(RoleName="deploy", AssumeRolePolicyDocument=(
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},'
        '"Action":"sts:AssumeRole"}]}'))
    boto3.client("iam", **user).put_role_policy(RoleName="deploy", PolicyName="all",
                                                PolicyDocument=ALLOW_ALL)
    temp = boto3.client("sts", **user).assume_role(
        RoleArn="arn:aws:iam::123456789012:role/deploy", RoleSessionName="ci")["Credentials"]
    write(f"{home}/.aws/credentials", f"[deploy]\naws_access_key_id = {temp['AccessKeyId']}\n"
          f"aws_secret_access_key = {temp['SecretAccessKey']}\n"
          f"aws_session_token = {temp['SessionToken']}\n")
    r = ecsc(no_keys, "whoami", "--profile", "deploy", "--debug")
    out = r.stdout + r.stderr
    check("whoami: a profile's temporary keys, the assumed role as principal",
          r.returncode == 0 and "principal    arn:aws:sts::123456789012:assumed-role/deploy/ci\n" in r.stdout
          and "credentials  shared credentials file (profile deploy)" in r.stdout, out)
    leaked = [name for name, v in (("key id", temp["AccessKeyId"]), ("secret", temp["SecretAccessKey"]),
                                   ("token", temp["SessionToken"])) if v in out]
    check("whoami --debug prints no key id, secret or token", "GetCallerIdentity" in r.stderr and
          not leaked, f"{leaked}")

check.finish()
