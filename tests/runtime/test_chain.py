#!/usr/bin/env python3
"""test_chain.py ECSC: the credential chain against a moto that checks
every signature.

moto checks each call's signature, and the session token of temporary
keys, once INITIAL_NO_AUTH_ACTION_COUNT requests have passed (here: the
three that make the signing user); POST /moto-api/reset-auth with a count
lets that many requests through unchecked again, which the unsigned
sts:AssumeRoleWithWebIdentity needs (count 1, just before the run), and 0
checks everything again. The recording proxy (proxy.py) reads the key id
of each call's Credential scope and its X-Amz-Security-Token, so each
case says which key signed which call, and moto's answer says the key was
good. Every key handed out below is a distinct temporary key of moto's
(a session of one role), so the principal ecsc whoami prints names the
source too.

- environment keys with a session token sign every call of a plan (a wrong
  token is refused by moto: the check is real);
- web identity: the unsigned exchange, then calls signed with the key it
  issued;
- the order, one case per adjacent pair of the chain: environment over the
  profile, a profile's role_arn over the environment's web identity, web
  identity over IAM Identity Center, Identity Center over the credentials
  file's keys, those over credential_process, that over the config
  file's keys, those over container credentials, those over instance
  metadata (IMDSv2), which comes last;
- a refresh during an apply: a container endpoint handing out keys that
  expire in 604 s (4 s before the 10-minute refresh window;
  the proxy delays each call 400 ms), so the apply
  fetches new ones: two keys sign its calls, each call with the key
  current when it was made, moto taking both; the service in moto after;
- the region (the signing scope's): --region over AWS_REGION and the
  config file, AWS_REGION and AWS_DEFAULT_REGION over the config file,
  the config file's alone; a 1,500-character session token read whole
  from the credentials file and sent (one call unchecked: moto checks
  only the tokens it issued);
- redaction: the secret key and session token of every source, the web
  identity token, the container authorization token and the Identity
  Center access token appear in no output of any run here (plain,
  --debug, and failing sources: a refused container endpoint, a refused
  portal token, a web identity exchange moto refuses, a wrong session
  token, a failing credential_process)."""
import datetime
import hashlib
import json
import os
import secrets
import sys
import subprocess
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True
from awslocal import Checks, Local, assumable_role, moto_server, signing_user  # noqa: E402
from proxy import Proxy, mutating  # noqa: E402

import boto3  # noqa: E402

ECSC = os.path.abspath(sys.argv[1])
SPEC = os.path.join(HERE, "apply.ecs")
check = Checks("runtime/chain: ")
OUTPUTS = []     # (what, stdout + stderr) of every run, for the redaction checks
SECRETS = {}     # name -> a secret string some source handed ecsc
WORK = tempfile.mkdtemp()


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


with moto_server(INITIAL_NO_AUTH_ACTION_COUNT="3", MOTO_ECS_SERVICE_RUNNING="2") as url:
    user = signing_user(url)
    kw = dict(endpoint_url=url, region_name="eu-west-1", aws_access_key_id=user["AccessKeyId"],
              aws_secret_access_key=user["SecretAccessKey"])
    role = assumable_role(url, user, "deploy")
    sts = boto3.client("sts", **kw)
    ec2 = boto3.client("ec2", **kw)
    sets = ["--set", "subnets=" + ",".join(
        s["SubnetId"] for s in ec2.describe_subnets()["Subnets"][:2]),
        "--set", "vpc=" + ec2.describe_vpcs()["Vpcs"][0]["VpcId"],
        "--set", "sg=" + ec2.describe_security_groups(Filters=[
            {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]["GroupId"],
        "--set", "tag=1.27.3"]

    def auth(count):
        """moto lets count requests through unchecked from now on (0: none)."""
        urllib.request.urlopen(urllib.request.Request(
            f"{url}/moto-api/reset-auth", data=str(count).encode(), method="POST",
            headers={"Content-Type": "text/plain"})).read()

    def temp(session, seconds=None):
        """A temporary key of moto's for a session of the role; its secret
        and token are recorded as secrets."""
        c = sts.assume_role(RoleArn=role, RoleSessionName=session)["Credentials"]
        SECRETS[f"{session} secret key"] = c["SecretAccessKey"]
        SECRETS[f"{session} session token"] = c["SessionToken"]
        exp = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
               if seconds else c["Expiration"])
        return {"AccessKeyId": c["AccessKeyId"], "SecretAccessKey": c["SecretAccessKey"],
                "SessionToken": c["SessionToken"], "Expiration": iso(exp)}

    def static(k, section):
        return (f"[{section}]\naws_access_key_id = {k['AccessKeyId']}\n"
                f"aws_secret_access_key = {k['SecretAccessKey']}\n"
                f"aws_session_token = {k['SessionToken']}\n")

    def container_json(k):
        return json.dumps({"AccessKeyId": k["AccessKeyId"], "SecretAccessKey": k["SecretAccessKey"],
                           "Token": k["SessionToken"], "Expiration": k["Expiration"]})

    proxy = Proxy(url)
    proxy.start()
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    base.update(AWS_REGION="eu-west-1", ECSC_POLL_SECONDS="0.2", AWS_EC2_METADATA_DISABLED="true",
                AWS_ENDPOINT_URL=proxy.url)

    def ecsc(what, extra, *args, home=None, latency=0):
        """ecsc with base + extra (None values removed) and a HOME of its own
        (or home), through the proxy (latency ms on each call), its calls
        from the start in proxy.calls()."""
        env = dict(base, HOME=home or tempfile.mkdtemp(), **extra)
        env = {k: v for k, v in env.items() if v is not None}
        proxy.reset()
        proxy.configure(latency_ms=latency)
        t = time.time()
        r = subprocess.run([ECSC, *args], capture_output=True, text=True, env=env, timeout=180)
        r.seconds = time.time() - t
        OUTPUTS.append((what, r.stdout + r.stderr))
        return r

    def signed_by(k, calls):
        """Every call signed with k's key and token, and moto took the
        signature (its refusals are 403s; a 404 is an answer)."""
        return bool(calls) and all(c["access_key"] == k["AccessKeyId"] and
                                   c["security_token"] == k["SessionToken"] and
                                   c["status"] not in (None, 403) for c in calls)

    def who(calls):
        return [(c["operation"], c["access_key"], c["status"]) for c in calls]

    # ---- environment keys with a session token ------------------------------------------
    envk = temp("from-env")
    envvars = dict(AWS_ACCESS_KEY_ID=envk["AccessKeyId"], AWS_SECRET_ACCESS_KEY=envk["SecretAccessKey"],
                   AWS_SESSION_TOKEN=envk["SessionToken"])
    r = ecsc("environment plan", envvars, "plan", SPEC, *sets)
    calls = proxy.calls()
    check("environment keys with a session token sign every call of a plan, moto taking them",
          r.returncode == 2 and len(calls) > 5 and signed_by(envk, calls),
          f"{r.returncode} {who(calls)} {r.stderr[-500:]}")
    r = ecsc("environment, wrong token", dict(envvars, AWS_SESSION_TOKEN=envk["SessionToken"][:-4] + "AAAA"),
             "whoami", "--debug")
    calls = proxy.calls()
    check("a wrong session token is refused by moto (its check is on)",
          r.returncode == 1 and calls and calls[0]["status"] == 403, f"{who(calls)} {r.stderr[-300:]}")

    # ---- web identity ---------------------------------------------------------------------
    wtoken = "eyJ" + secrets.token_urlsafe(40)
    SECRETS["web identity token"] = wtoken
    tokfile = f"{WORK}/web-identity-token"
    write(tokfile, wtoken)
    web = dict(AWS_ROLE_ARN=role, AWS_WEB_IDENTITY_TOKEN_FILE=tokfile, AWS_ROLE_SESSION_NAME="from-web")
    auth(1)
    r = ecsc("web identity", web, "whoami", "--debug")
    calls = proxy.calls()
    auth(0)
    after = calls[1:]
    check("web identity: the exchange unsigned, then every call signed with the key it issued",
          r.returncode == 0 and calls and calls[0]["operation"] == "AssumeRoleWithWebIdentity" and
          calls[0]["access_key"] is None and after and
          all(c["access_key"] and c["access_key"] != user["AccessKeyId"] and c["security_token"]
              and c["status"] == 200 for c in after) and
          "assumed-role/deploy/from-web\n" in r.stdout, f"{who(calls)} {r.stdout}{r.stderr[-300:]}")
    r = ecsc("web identity refused", web, "whoami", "--debug")
    calls = proxy.calls()
    check("web identity refused by moto (no unchecked request left: its 500 for an unsigned call) "
          "is an error", r.returncode != 0 and len(calls) == 1 and calls[0]["status"] == 500 and
          "AssumeRoleWithWebIdentity" in r.stderr, f"{r.returncode} {who(calls)} {r.stderr[-300:]}")

    # ---- the order, one case per adjacent pair ----------------------------------------------
    ssotok = "sso-" + secrets.token_urlsafe(40)
    SECRETS["IAM Identity Center access token"] = ssotok
    ssok = temp("from-sso")
    later = iso(datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1))

    def portal_answer(method, path, h):
        if h.get("x-amz-sso_bearer_token") != ssotok:
            return 401, '{"message": "Session token not found or invalid"}'
        return 200, json.dumps({"roleCredentials": {
            "accessKeyId": ssok["AccessKeyId"], "secretAccessKey": ssok["SecretAccessKey"],
            "sessionToken": ssok["SessionToken"], "expiration": 4102444800000}})
    portal = Local(portal_answer)
    conttok = "auth-" + secrets.token_urlsafe(30)
    SECRETS["container authorization token"] = conttok
    contk = temp("from-container")
    agent = Local(lambda m, path, h: (200, container_json(contk)) if h.get("Authorization") == conttok
                  else (401, "{}"))
    imdsk = temp("from-imds")

    def imds_answer(method, path, h):
        if method == "PUT" and path == "/latest/api/token":
            return 200, "imds-token"
        if h.get("X-aws-ec2-metadata-token") != "imds-token":
            return 401, ""
        if path == "/latest/meta-data/iam/security-credentials/":
            return 200, "box"
        return 200, json.dumps({"Code": "Success", "AccessKeyId": imdsk["AccessKeyId"],
                                "SecretAccessKey": imdsk["SecretAccessKey"],
                                "Token": imdsk["SessionToken"], "Expiration": imdsk["Expiration"]})
    imds = Local(imds_answer)
    filek, confk, procfk, basek = temp("from-file"), temp("from-config"), temp("from-process"), temp("from-base")
    proc = f"{WORK}/process.py"
    write(proc, "import json\nprint(json.dumps(" + repr({
        "Version": 1, "AccessKeyId": procfk["AccessKeyId"], "SecretAccessKey": procfk["SecretAccessKey"],
        "SessionToken": procfk["SessionToken"], "Expiration": procfk["Expiration"]}) + "))\n")
    sso_conf = ("[default]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Deploy\n"
                "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n")
    container = dict(AWS_CONTAINER_CREDENTIALS_FULL_URI=agent.url + "/creds",
                     AWS_CONTAINER_AUTHORIZATION_TOKEN=conttok)
    on_ec2 = dict(AWS_EC2_METADATA_DISABLED=None, AWS_EC2_METADATA_SERVICE_ENDPOINT=imds.url)

    def home_with(credentials=None, config=None):
        home = tempfile.mkdtemp()
        if credentials:
            write(f"{home}/.aws/credentials", credentials)
        if config:
            write(f"{home}/.aws/config", config)
        write(f"{home}/.aws/sso/cache/{hashlib.sha1(b'corp').hexdigest()}.json",
              json.dumps({"accessToken": ssotok, "expiresAt": later}))
        return home

    # (what wins, over what, its key or None (checked apart), environment, credentials, config)
    pairs = [
        ("environment", "the profile's keys", envk, envvars, static(filek, "default"), None),
        ("a profile's role_arn", "the environment's web identity", None, web,
         static(basek, "base"), f"[default]\nrole_arn = {role}\nsource_profile = base\n"
         "role_session_name = from-role\n"),
        ("web identity", "IAM Identity Center", None, dict(web, AWS_ENDPOINT_URL_SSO=portal.url),
         None, sso_conf),
        ("IAM Identity Center", "the credentials file's keys", ssok,
         dict(AWS_ENDPOINT_URL_SSO=portal.url), static(filek, "default"),
         sso_conf),
        ("the credentials file's keys", "credential_process", filek, {}, static(filek, "default"),
         f"[default]\ncredential_process = {sys.executable} {proc}\n"),
        ("credential_process", "the config file's keys", procfk, {}, None,
         f"[default]\ncredential_process = {sys.executable} {proc}\n" +
         static(confk, "default").split("\n", 1)[1]),
        ("the config file's keys", "container credentials", confk, dict(container), None,
         static(confk, "default")),
        ("container credentials", "instance metadata", contk, dict(container, **on_ec2), None, None),
        ("instance metadata", "nothing", imdsk, on_ec2, None, None),
    ]
    for winner, loser, k, extra, creds, conf in pairs:
        web_run = winner == "web identity"
        if web_run:
            auth(1)
        r = ecsc(f"order: {winner}", extra, "whoami", "--debug", home=home_with(creds, conf))
        calls = proxy.calls()
        if web_run:
            auth(0)
        if winner == "a profile's role_arn":
            ok = (len(calls) == 2 and calls[0]["operation"] == "AssumeRole" and
                  calls[0]["access_key"] == basek["AccessKeyId"] and calls[0]["status"] == 200 and
                  calls[1]["access_key"] not in (None, basek["AccessKeyId"]) and
                  calls[1]["status"] == 200 and "assumed-role/deploy/from-role\n" in r.stdout)
        elif winner == "web identity":
            ok = (len(calls) == 2 and calls[0]["operation"] == "AssumeRoleWithWebIdentity" and
                  calls[0]["access_key"] is None and calls[1]["status"] == 200 and
                  "assumed-role/deploy/from-web\n" in r.stdout and not portal.log)
        else:
            session = next(n.split(" ")[0] for n, v in SECRETS.items() if v == k["SecretAccessKey"])
            ok = signed_by(k, calls) and f"assumed-role/deploy/{session}\n" in r.stdout
        check(f"order: {winner} over {loser}", r.returncode == 0 and ok,
              f"{who(calls)} {r.stdout}{r.stderr[-400:]}")
    check("order: the container endpoint was asked only when it won, IMDS only when last",
          len(agent.log) == 1 and [m for m, _, _ in imds.log].count("PUT") == 1,
          f"{len(agent.log)} {[(m, p) for m, p, _ in imds.log]}")

    # ---- failing sources (their secrets must not show) ------------------------------------------
    bad = Local(lambda m, path, h: (401, '{"message": "no"}'))
    r = ecsc("container refused", dict(AWS_CONTAINER_CREDENTIALS_FULL_URI=bad.url + "/creds",
                                       AWS_CONTAINER_AUTHORIZATION_TOKEN=conttok), "whoami", "--debug")
    check("a refused container endpoint is an error", r.returncode == 2 and bad.log, r.stderr[-300:])
    home = home_with(None, sso_conf)
    r = ecsc("portal refused", dict(AWS_ENDPOINT_URL_SSO=bad.url), "whoami", "--debug", home=home)
    check("a refused Identity Center token is an error", r.returncode == 2 and
          "GetRoleCredentials" in r.stderr, r.stderr[-300:])
    failing = f"{WORK}/failing.py"
    write(failing, "import sys\nsys.stderr.write('no session\\n')\nsys.exit(3)\n")
    r = ecsc("credential_process failing", {}, "whoami", "--debug",
             home=home_with(None, f"[default]\ncredential_process = {sys.executable} {failing}\n"))
    check("a failing credential_process is an error", r.returncode == 2 and "no session" in r.stderr,
          r.stderr[-300:])
    bad.close()

    # ---- a refresh during an apply ------------------------------------------------------------
    # Each call is delayed 400 ms on its way to moto, so the apply outlasts
    # the 4 s its first keys have before their refresh window.
    handed = []

    def refreshing(method, path, h):
        k = temp(f"refresh-{len(handed)}", seconds=604)
        handed.append(k)
        return 200, container_json(k)
    agent2 = Local(refreshing)
    r = ecsc("apply with a refresh", dict(AWS_CONTAINER_CREDENTIALS_FULL_URI=agent2.url + "/creds"),
             "apply", SPEC, *sets, "--yes", latency=400)
    calls = proxy.calls()
    used = [c["access_key"] for c in calls]
    keys = [k["AccessKeyId"] for k in handed]
    check("apply with keys expiring during it succeeds", r.returncode == 0, r.stdout[-300:] + r.stderr[-600:])
    check("the container endpoint was asked again during the apply", len(handed) >= 2,
          f"{len(handed)} fetches, {len(calls)} calls in {r.seconds:.1f} s")
    check("two keys sign the apply's calls, each a key the endpoint handed out, moto taking both",
          len(set(used)) >= 2 and set(used) <= set(keys) and
          all(c["status"] != 403 for c in calls) and mutating(calls),
          f"{sorted(set(used))} {keys} {[c['status'] for c in calls if c['status'] == 403]}")
    # Each call carries the key current when it was made: the first key's
    # calls all arrive before the second fetch, the later keys' after it.
    if len(handed) >= 2:
        t2 = agent2.times[1]
        first = [c for c in calls if c["access_key"] == keys[0]]
        later_calls = [c for c in calls if c["access_key"] != keys[0]]
        check("the first key's calls come before the refresh, the others after",
              first and later_calls and max(c["time"] for c in first) <= t2 + 0.5 and
              min(c["time"] for c in later_calls) >= t2 and
              all(c["security_token"] == next(k["SessionToken"] for k in handed
                                              if k["AccessKeyId"] == c["access_key"]) for c in calls),
              f"{t2} {[(round(c['time'] - t2, 2), c['access_key'][-4:]) for c in calls]}")
    svc = boto3.client("ecs", **kw).describe_services(cluster="shop", services=["web"])["services"]
    check("the service is in moto after the apply", svc and svc[0]["status"] == "ACTIVE" and
          svc[0]["desiredCount"] == 2, str(svc))
    agent2.close()

    # ---- the region, and a long session token ----------------------------------------------------
    # The region is the signing scope's, as the proxy reads it.
    home = home_with(static(filek, "default"), "[default]\nregion = us-west-2\n")
    for what, extra, args, want in (
            ("--region over AWS_REGION and the config file", {}, ["--region", "ap-northeast-1"],
             "ap-northeast-1"),
            ("AWS_REGION over the config file", {}, [], "eu-west-1"),
            ("AWS_DEFAULT_REGION over the config file", dict(AWS_REGION=None, AWS_DEFAULT_REGION="ca-central-1"),
             [], "ca-central-1"),
            ("the config file's region alone", dict(AWS_REGION=None), [], "us-west-2")):
        r = ecsc(f"region: {what}", extra, "whoami", *args, home=home)
        calls = proxy.calls()
        check(f"region: {what}", r.returncode == 0 and f"region       {want}\n" in r.stdout and
              [c["region"] for c in calls] == [want] and signed_by(filek, calls),
              f"{[(c['region'], c['status']) for c in calls]} {r.stdout}{r.stderr[-300:]}")
    # A token of 1,500 characters (real STS tokens run past 1,000) in the
    # credentials file reaches the endpoint whole. moto checks only tokens
    # it issued (its longest are some 360 characters), so this one call
    # passes unchecked.
    longk = dict(filek, SessionToken="IQoJb3JpZ2luX2Vj" + secrets.token_urlsafe(1500)[:1484])
    SECRETS["1,500-character session token"] = longk["SessionToken"]
    auth(1)
    r = ecsc("a 1,500-character session token", {}, "whoami", "--debug",
             home=home_with(static(longk, "default")))
    calls = proxy.calls()
    auth(0)
    check("a 1,500-character session token is read whole from the credentials file and sent",
          r.returncode == 0 and len(longk["SessionToken"]) == 1500 and len(calls) == 1 and
          calls[0]["security_token"] == longk["SessionToken"] and
          calls[0]["access_key"] == filek["AccessKeyId"], f"{who(calls)} {r.stderr[-300:]}")

    # ---- redaction ------------------------------------------------------------------------------
    for k in handed:
        SECRETS[f"{k['AccessKeyId']} secret"] = k["SecretAccessKey"]
    leaks = [(what, name) for what, out in OUTPUTS for name, value in SECRETS.items() if value in out]
    traced = sum("GetCallerIdentity" in out for _, out in OUTPUTS)
    check(f"no secret of any source in the output of {len(OUTPUTS)} runs ({traced} traced with "
          f"--debug, {len(SECRETS)} secrets)", not leaks and traced >= 8 and len(OUTPUTS) >= 15,
          str(leaks[:10]))
    for s in (portal, agent, imds):
        s.close()
    proxy.stop()

check.finish()
