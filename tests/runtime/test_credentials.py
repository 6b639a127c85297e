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
  with --debug no key id, secret or session token is printed;
- role profiles: role_arn with source_profile (its session name, external
  id and duration sent, the AssumeRole signed with the source's key, the
  calls after it with the assumed key and token), a chain of two,
  credential_source Environment, mfa_serial (the code typed on a pty; no
  terminal refused), a loop and an unsupported source refused, and the keys assumed again inside their refresh window;
- credential_process: a script printing Version 1 JSON with an
  Expiration; run again inside the refresh window, a role's source, a
  failure and a Version 2 answer named; its command split as botocore
  splits it and run without a shell;
- web identity: AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE and a profile's
  role_arn + web_identity_token_file (on a moto without signature checks:
  the exchange is unsigned); the order against it, botocore's chain the
  oracle: a role_arn with credential_source EcsContainer first,
  --profile ignoring the environment's web identity;
- container credentials (FULL_URI, RELATIVE_URI, the authorization token
  and its file) and IMDSv2 from loopback servers in this test speaking
  their protocols (IMDS refuses a GET without its PUT's token), with
  temporary keys of moto's that moto checks; AWS_EC2_METADATA_DISABLED;
  credential_source Ec2InstanceMetadata;
- IAM Identity Center: a token cache written by the test and a loopback
  portal for GetRoleCredentials (AWS_ENDPOINT_URL_SSO), sso_session and
  legacy profiles, missing, expired and refused tokens; the portal named
  by AWS_ENDPOINT_URL, the profile's endpoint_url and --endpoint-url as
  every service's endpoint is."""
import datetime
import hashlib
import json
import os
import pty
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
from awslocal import Checks, Local, assumable_role, moto_server, signing_user  # noqa: E402
from proxy import Proxy  # noqa: E402

import boto3  # noqa: E402

ECSC = os.path.abspath(sys.argv[1])
SPEC = [os.path.join(HERE, "apply.ecs"), "--set", "subnets=subnet-0123456789abcdef0,subnet-0123456789abcdef1",
        "--set", "vpc=vpc-0123456789abcdef0",
        "--set", "sg=sg-0123456789abcdef0", "--set", "tag=1"]
check = Checks("runtime/credentials: ")


def ecsc(env, *args):
    return subprocess.run([ECSC, *args], capture_output=True, text=True, env=env, timeout=120)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"
with moto_server() as url:
    key = signing_user(url)
    user = dict(endpoint_url=url, region_name="eu-west-1", aws_access_key_id=key["AccessKeyId"],
                aws_secret_access_key=key["SecretAccessKey"])
    home = tempfile.mkdtemp()
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    base.update(HOME=home, AWS_REGION="eu-west-1", ECSC_POLL_SECONDS="0.2",
                AWS_EC2_METADATA_DISABLED="true")
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
    temp = boto3.client("sts", **user).assume_role(
        RoleArn=assumable_role(url, key, "deploy"), RoleSessionName="ci")["Credentials"]
    write(f"{home}/.aws/credentials", f"[deploy]\naws_access_key_id = {temp['AccessKeyId']}\n"
          f"aws_secret_access_key = {temp['SecretAccessKey']}\n"
          f"aws_session_token = {temp['SessionToken']}\n")
    r = ecsc(no_keys, "whoami", "--profile", "deploy", "--debug")
    out = r.stdout + r.stderr
    check("whoami: a profile's temporary keys, the assumed role as principal",
          r.returncode == 0 and "principal    arn:aws:sts::123456789012:assumed-role/deploy/ci\n" in r.stdout
          and "credentials  static keys (profile deploy)" in r.stdout, out)
    leaked = [name for name, v in (("key id", temp["AccessKeyId"]), ("secret", temp["SecretAccessKey"]),
                                   ("token", temp["SessionToken"])) if v in out]
    check("whoami --debug prints no key id, secret or token", "GetCallerIdentity" in r.stderr and
          not leaked, f"{leaked}")

    # ---- role profiles ------------------------------------------------------------------
    assumable_role(url, key, "second")
    write(f"{home}/.aws/credentials", f"[base]\naws_access_key_id = {key['AccessKeyId']}\n"
          f"aws_secret_access_key = {key['SecretAccessKey']}\n")
    write(f"{home}/.aws/config", "[profile deploy]\n"
          "role_arn = arn:aws:iam::123456789012:role/deploy\nsource_profile = base\n"
          "role_session_name = ci-deploy\nexternal_id = ext-42\nduration_seconds = 1800\n"
          "[profile chained]\nrole_arn = arn:aws:iam::123456789012:role/second\n"
          "source_profile = deploy\nrole_session_name = hop\n"
          "[profile fromenv]\nrole_arn = arn:aws:iam::123456789012:role/second\n"
          "credential_source = Environment\n"
          "[profile loop1]\nrole_arn = arn:aws:iam::123456789012:role/second\nsource_profile = loop2\n"
          "[profile loop2]\nrole_arn = arn:aws:iam::123456789012:role/second\nsource_profile = loop1\n"
          "[profile imds]\nrole_arn = arn:aws:iam::123456789012:role/second\n"
          "credential_source = Ec2InstanceMetadata\n"
          "[profile bogus]\nrole_arn = arn:aws:iam::123456789012:role/second\n"
          "credential_source = Bogus\n"
          "[profile outer]\nrole_arn = arn:aws:iam::123456789012:role/second\n"
          "source_profile = keyed\nrole_session_name = outer\n"
          "[profile keyed]\nrole_arn = arn:aws:iam::123456789012:role/deploy\n"
          f"aws_access_key_id = {key['AccessKeyId']}\naws_secret_access_key = {key['SecretAccessKey']}\n")

    def signed(calls):
        return [(c["operation"], c["access_key"]) for c in calls]

    with Proxy(url) as p:
        penv = dict(no_keys, AWS_ENDPOINT_URL=p.url)
        r = ecsc(penv, "whoami", "--profile", "deploy", "--debug")
        calls = p.calls()
        ar = [c for c in calls if c["operation"] == "AssumeRole"]
        after = [c for c in calls if c["operation"] != "AssumeRole"]
        check("role profile: whoami names the assumed role and session",
              r.returncode == 0 and
              "principal    arn:aws:sts::123456789012:assumed-role/deploy/ci-deploy\n" in r.stdout and
              "credentials  assumed role (profile deploy)" in r.stdout, r.stdout + r.stderr)
        check("role profile: AssumeRole signed with the source profile's key, with the "
              "profile's session name, external id and duration",
              len(ar) == 1 and ar[0]["access_key"] == key["AccessKeyId"] and
              ar[0]["body"].get("RoleArn") == "arn:aws:iam::123456789012:role/deploy" and
              ar[0]["body"].get("RoleSessionName") == "ci-deploy" and
              ar[0]["body"].get("ExternalId") == "ext-42" and
              ar[0]["body"].get("DurationSeconds") == "1800", str(ar))
        check("role profile: the calls after it are signed with the assumed key and token",
              after and all(c["access_key"].startswith("ASIA") and c["access_key"] != key["AccessKeyId"]
                            and c["security_token"] for c in after), str(signed(calls)))
        check("role profile: --debug shows no assumed secret or token",
              "SecretAccessKey" not in r.stderr and "SessionToken" not in r.stderr, r.stderr[-600:])

        p.reset()
        r = ecsc(penv, "whoami", "--profile", "chained")
        calls = p.calls()
        ar = [c for c in calls if c["operation"] == "AssumeRole"]
        check("chained role profiles: base -> deploy -> second",
              r.returncode == 0 and "assumed-role/second/hop\n" in r.stdout and len(ar) == 2 and
              ar[0]["access_key"] == key["AccessKeyId"] and ar[1]["access_key"].startswith("ASIA") and
              calls[-1]["access_key"] not in (key["AccessKeyId"], ar[1]["access_key"]),
              r.stdout + r.stderr + str(signed(calls)))

        p.reset()
        r = ecsc(penv, "whoami", "--profile", "outer")
        ar = [c for c in p.calls() if c["operation"] == "AssumeRole"]
        check("a source profile's own keys win over its role_arn (one AssumeRole, as botocore)",
              r.returncode == 0 and "assumed-role/second/outer\n" in r.stdout and len(ar) == 1 and
              ar[0]["access_key"] == key["AccessKeyId"], r.stdout + r.stderr + str(signed(p.calls())))

        p.reset()
        r = ecsc(dict(penv, AWS_ACCESS_KEY_ID=key["AccessKeyId"],
                      AWS_SECRET_ACCESS_KEY=key["SecretAccessKey"]), "whoami", "--profile", "fromenv")
        ar = [c for c in p.calls() if c["operation"] == "AssumeRole"]
        check("credential_source = Environment assumes the role with the environment's keys",
              r.returncode == 0 and "assumed-role/second/ecsc-" in r.stdout and len(ar) == 1 and
              ar[0]["access_key"] == key["AccessKeyId"], r.stdout + r.stderr)

        r = ecsc(penv, "whoami", "--profile", "loop1")
        check("a source_profile loop is refused", r.returncode == 2 and "loop" in r.stderr, r.stderr)
        r = ecsc(penv, "whoami", "--profile", "bogus")
        check("an unknown credential_source is named", r.returncode == 2 and
              "(not Bogus)" in r.stderr, r.stderr)
        r = ecsc(dict(penv, AWS_EC2_METADATA_DISABLED="true"), "whoami", "--profile", "imds")
        check("credential_source Ec2InstanceMetadata without instance metadata is named",
              r.returncode == 2 and "Ec2InstanceMetadata, but no instance credentials" in r.stderr,
              r.stderr)

        # mfa_serial: the code is asked on the terminal (a pty here), and
        # refused without one.
        write(f"{home}/.aws/config", open(f"{home}/.aws/config").read() +
              "[profile mfa]\nrole_arn = arn:aws:iam::123456789012:role/second\nsource_profile = base\n"
              "mfa_serial = arn:aws:iam::123456789012:mfa/ecsc\nrole_session_name = withmfa\n")
        p.reset()
        pid, fd = pty.fork()
        if pid == 0:
            os.execve(ECSC, [ECSC, "whoami", "--profile", "mfa"], penv)
        seen = b""
        while b"Enter MFA code for arn:aws:iam::123456789012:mfa/ecsc: " not in seen:
            try:
                chunk = os.read(fd, 1024)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        os.write(fd, b"123456\n")
        while True:
            try:
                chunk = os.read(fd, 1024)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        ar = [c for c in p.calls() if c["operation"] == "AssumeRole"]
        check("mfa_serial: the code asked on the terminal goes with AssumeRole",
              status == 0 and b"assumed-role/second/withmfa" in seen and len(ar) == 1 and
              ar[0]["body"].get("SerialNumber") == "arn:aws:iam::123456789012:mfa/ecsc" and
              ar[0]["body"].get("TokenCode") == "123456", seen.decode(errors="replace") + str(ar))
        r = subprocess.run([ECSC, "whoami", "--profile", "mfa"], capture_output=True, text=True,
                           env=penv, timeout=60, start_new_session=True, stdin=subprocess.DEVNULL)
        check("mfa_serial without a terminal is refused", r.returncode == 2 and
              "there is no terminal" in r.stderr, r.stderr)

        # Refresh: with a refresh window longer than the keys live, every
        # call assumes the role again and signs with the new key.
        p.reset()
        r = ecsc(dict(penv, ECSC_CREDENTIALS_REFRESH_SECONDS="7200"), "plan", *SPEC,
                 "--profile", "deploy")
        calls = p.calls()
        ar = [c for c in calls if c["operation"] == "AssumeRole"]
        keys = {c["access_key"] for c in calls if c["operation"] != "AssumeRole"}
        check("temporary keys about to expire are refreshed before a call",
              r.returncode == 2 and len(ar) > 3 and len(keys) > 3 and key["AccessKeyId"] not in keys,
              f"{len(ar)} {len(keys)} {r.stderr[-600:]}")
        p.reset()
        r = ecsc(penv, "plan", *SPEC, "--profile", "deploy")
        ar = [c for c in p.calls() if c["operation"] == "AssumeRole"]
        check("keys far from expiry are not refreshed", r.returncode == 2 and len(ar) == 1,
              f"{len(ar)} {r.stderr[-600:]}")

    # ---- static keys in both files -------------------------------------------------------
    # botocore (the AWS CLI's core) is the oracle: a profile's keys come
    # from one file, the credentials file's first (with its session token
    # only), its other settings merge key by key, the credentials file's
    # winning.
    import botocore.exceptions
    import botocore.session

    def botocore_keys(profile):
        s = botocore.session.Session(profile=profile)
        s.set_config_variable("config_file", f"{home}/.aws/config")
        s.set_config_variable("credentials_file", f"{home}/.aws/credentials")
        try:
            c = s.get_credentials()
            return c.access_key, c.token, s.get_config_variable("region")
        except botocore.exceptions.PartialCredentialsError as e:
            return str(e)

    write(f"{home}/.aws/credentials", f"[both]\naws_access_key_id = {key['AccessKeyId']}\n"
          f"aws_secret_access_key = {key['SecretAccessKey']}\nregion = eu-central-1\n"
          f"[partial]\naws_access_key_id = {key['AccessKeyId']}\n")
    write(f"{home}/.aws/config", "[profile both]\naws_access_key_id = AKIAWRONGWRONGWRONG1\n"
          "aws_secret_access_key = wrong-config-secret\naws_session_token = config-file-token\n"
          "region = ap-south-1\n"
          f"[profile partial]\naws_access_key_id = {key['AccessKeyId']}\n"
          f"aws_secret_access_key = {key['SecretAccessKey']}\n"
          f"[profile confonly]\naws_access_key_id = {key['AccessKeyId']}\n"
          f"aws_secret_access_key = {key['SecretAccessKey']}\n")
    kenv = {k: v for k, v in no_keys.items() if k != "AWS_REGION"}
    with Proxy(url) as p:
        kenv["AWS_ENDPOINT_URL"] = p.url
        oracle = botocore_keys("both")
        r = ecsc(kenv, "whoami", "--profile", "both", "--debug")
        calls = p.calls()
        check("keys in both files: the credentials file's sign, without the config file's token, "
              "and its region wins (as botocore)",
              oracle == (key["AccessKeyId"], None, "eu-central-1") and r.returncode == 0 and
              "principal    arn:aws:iam::123456789012:user/ecsc\n" in r.stdout and
              "region       eu-central-1\n" in r.stdout and calls and
              all(c["access_key"] == key["AccessKeyId"] and not c["security_token"] for c in calls),
              f"{oracle} {r.stdout}{r.stderr[-600:]} {[(c['access_key'], c['security_token']) for c in calls]}")
        check("keys in both files: --debug prints neither file's secret",
              key["SecretAccessKey"] not in r.stderr and "wrong-config-secret" not in r.stderr and
              "config-file-token" not in r.stderr, "")
        p.reset()
        oracle = botocore_keys("partial")
        r = ecsc(kenv, "whoami", "--profile", "partial")
        check("a key id without its secret in the credentials file is refused, not completed "
              "from the config file (botocore: partial credentials)",
              "aws_secret_access_key" in str(oracle) and r.returncode == 2 and
              "the credentials file gives aws_access_key_id without aws_secret_access_key" in r.stderr
              and not p.calls() and key["AccessKeyId"] not in r.stderr, f"{oracle} {r.stderr}")
        oracle = botocore_keys("confonly")
        r = ecsc(dict(kenv, AWS_REGION="eu-west-1"), "whoami", "--profile", "confonly")
        check("keys in the config file alone sign", oracle[0] == key["AccessKeyId"] and
              r.returncode == 0 and "credentials  static keys (profile confonly)" in r.stdout and
              all(c["access_key"] == key["AccessKeyId"] for c in p.calls()), r.stdout + r.stderr)

    # ---- credential_process ------------------------------------------------------------
    runs = f"{home}/runs"
    write(f"{home}/proc.py", f"""import datetime, json, sys
open({runs!r}, "a").write("x")
if sys.argv[1] == "fail":
    print("cannot sign in", file=sys.stderr)
    sys.exit(3)
exp = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
print(json.dumps({{"Version": 2 if sys.argv[1] == "v2" else 1,
                  "AccessKeyId": {key['AccessKeyId']!r}, "SecretAccessKey": {key['SecretAccessKey']!r},
                  "Expiration": exp.strftime("%Y-%m-%dT%H:%M:%SZ")}}))
""")
    proc = f"{sys.executable} {home}/proc.py"
    write(f"{home}/.aws/config", f"[profile proc]\ncredential_process = {proc} ok\n"
          f"[profile procfail]\ncredential_process = {proc} fail\n"
          f"[profile procv2]\ncredential_process = {proc} v2\n"
          "[profile procrole]\nrole_arn = arn:aws:iam::123456789012:role/second\n"
          "source_profile = proc\nrole_session_name = viaproc\n"
          f"[profile procwins]\ncredential_process = {proc} ok\n"
          "aws_access_key_id = AKIAWRONGWRONGWRONG1\naws_secret_access_key = wrong-config-secret\n")

    def run_count():
        n = len(open(runs).read()) if os.path.exists(runs) else 0
        if os.path.exists(runs):
            os.remove(runs)
        return n

    with Proxy(url) as p:
        penv = dict(no_keys, AWS_ENDPOINT_URL=p.url)
        r = ecsc(penv, "whoami", "--profile", "proc", "--debug")
        check("credential_process: its keys sign the calls",
              r.returncode == 0 and "principal    arn:aws:iam::123456789012:user/ecsc\n" in r.stdout and
              "credentials  credential_process (profile proc)" in r.stdout and run_count() == 1 and
              all(c["access_key"] == key["AccessKeyId"] for c in p.calls()), r.stdout + r.stderr)
        check("credential_process: --debug shows no secret", key["SecretAccessKey"] not in
              r.stdout + r.stderr, "")
        r = ecsc(dict(penv, ECSC_CREDENTIALS_REFRESH_SECONDS="7200"), "plan", *SPEC, "--profile", "proc")
        n = run_count()
        check("credential_process: run again when its Expiration is inside the refresh window",
              r.returncode == 2 and n > 3, f"{n} {r.stderr[-600:]}")
        r = ecsc(penv, "plan", *SPEC, "--profile", "proc")
        n = run_count()
        check("credential_process: run once when its keys are far from expiry", r.returncode == 2 and n == 1,
              f"{n} {r.stderr[-600:]}")
        oracle = botocore_keys("procwins")
        run_count()
        r = ecsc(penv, "whoami", "--profile", "procwins")
        check("credential_process comes before the config file's keys (as botocore)",
              oracle[0] == key["AccessKeyId"] and r.returncode == 0 and
              "credentials  credential_process (profile procwins)" in r.stdout, r.stdout + r.stderr)
        r = ecsc(penv, "whoami", "--profile", "procrole")
        check("credential_process as a role's source_profile", r.returncode == 0 and
              "assumed-role/second/viaproc\n" in r.stdout, r.stdout + r.stderr)
        r = ecsc(penv, "whoami", "--profile", "procfail")
        check("credential_process failing is named, its stderr passed on", r.returncode == 2 and
              "credential_process failed (exit status 3)" in r.stderr and "cannot sign in" in r.stderr,
              r.stderr)
        r = ecsc(penv, "whoami", "--profile", "procv2")
        check("credential_process: only Version 1", r.returncode == 2 and "Version 1" in r.stderr, r.stderr)

        # Quoting: the command is split as botocore splits it (its
        # compat_shell_split, the oracle) and run without a shell: no
        # variable, tilde or glob expansion, no redirection.
        import botocore.compat
        argv_log = f"{home}/argv.json"
        write(f"{home}/dir with space/argv.py", f"""import json, sys
json.dump(sys.argv[1:], open({argv_log!r}, "w"))
print(json.dumps({{"Version": 1, "AccessKeyId": {key['AccessKeyId']!r},
                  "SecretAccessKey": {key['SecretAccessKey']!r}}}))
""")
        command = (f"'{sys.executable}' \"{home}/dir with space/argv.py\" plain "
                   "\"double \\\"quoted\\\" \\back \\n\" 'single $HOME ~ * \\' esc\\ aped a''b \"\" "
                   f"$HOME ~ >{home}/redirected")
        write(f"{home}/.aws/config", f"[profile quoted]\ncredential_process = {command}\n"
              f"[profile unclosed]\ncredential_process = {proc} 'ok\n"
              "[profile missing]\ncredential_process = /nonexistent/credential-helper --flag\n")
        expected = botocore.compat.compat_shell_split(command)[2:]
        r = ecsc(penv, "whoami", "--profile", "quoted")
        seen = json.load(open(argv_log)) if os.path.exists(argv_log) else None
        check("credential_process: split as botocore splits it, run without a shell",
              r.returncode == 0 and seen == expected and len(expected) == 9 and
              not os.path.exists(f"{home}/redirected"), f"{seen} != {expected} {r.stderr}")
        run_count()
        r = ecsc(penv, "whoami", "--profile", "unclosed")
        check("credential_process: an unclosed quote is refused before anything runs",
              r.returncode == 2 and "credential_process has an unclosed quote" in r.stderr and
              run_count() == 0, r.stderr)
        r = ecsc(penv, "whoami", "--profile", "missing")
        check("credential_process: a program that is not there is named",
              r.returncode == 2 and "/nonexistent/credential-helper cannot be run: No such file" in r.stderr,
              r.stderr)

    # ---- container credentials and instance metadata ------------------------------------
    temp = boto3.client("sts", **user).assume_role(
        RoleArn="arn:aws:iam::123456789012:role/deploy", RoleSessionName="box")["Credentials"]
    answer = json.dumps({"Code": "Success", "AccessKeyId": temp["AccessKeyId"],
                         "SecretAccessKey": temp["SecretAccessKey"], "Token": temp["SessionToken"],
                         "Expiration": temp["Expiration"].strftime("%Y-%m-%dT%H:%M:%SZ")})
    write(f"{home}/.aws/config", "")
    cenv = dict(no_keys, AWS_ENDPOINT_URL=url)
    agent = Local(lambda m, path, h: (200, answer) if h.get("Authorization") == "secret-auth"
                  else (401, "no"))
    write(f"{home}/auth", "secret-auth\n")
    r = ecsc(dict(cenv, AWS_CONTAINER_CREDENTIALS_FULL_URI=agent.url + "/creds",
                  AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=f"{home}/auth"), "whoami", "--debug")
    check("container credentials: FULL_URI with the token file's Authorization",
          r.returncode == 0 and "assumed-role/deploy/box\n" in r.stdout and
          "credentials  container credentials" in r.stdout and
          agent.log[-1][:2] == ("GET", "/creds") and temp["SecretAccessKey"] not in r.stderr and
          "secret-auth" not in r.stderr, r.stdout + r.stderr)
    r = ecsc(dict(cenv, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI="/v2/credentials/abc",
                  ECSC_CONTAINER_CREDENTIALS_HOST=agent.url,
                  AWS_CONTAINER_AUTHORIZATION_TOKEN="secret-auth"), "whoami")
    check("container credentials: RELATIVE_URI on the agent, AUTHORIZATION_TOKEN",
          r.returncode == 0 and agent.log[-1][1] == "/v2/credentials/abc", r.stdout + r.stderr)
    r = ecsc(dict(cenv, AWS_CONTAINER_CREDENTIALS_FULL_URI=agent.url + "/creds",
                  AWS_CONTAINER_AUTHORIZATION_TOKEN="wrong"), "whoami")
    check("container credentials refused (401) are named", r.returncode == 2 and
          "HTTP 401" in r.stderr, r.stderr)
    r = ecsc(dict(cenv, AWS_CONTAINER_CREDENTIALS_FULL_URI="http://198.51.100.7/creds"), "whoami")
    check("container credentials: plain http off loopback is refused", r.returncode == 2 and
          "plain http" in r.stderr, r.stderr)
    agent.close()

    def imds_answer(method, path, h):
        if method == "PUT" and path == "/latest/api/token":
            return (200, "imds-token-1") if h.get("X-aws-ec2-metadata-token-ttl-seconds") else (400, "")
        if h.get("X-aws-ec2-metadata-token") != "imds-token-1":
            return 401, ""
        if path == "/latest/meta-data/iam/security-credentials/":
            return 200, "box-role"
        if path == "/latest/meta-data/iam/security-credentials/box-role":
            return 200, answer
        return 404, ""
    imds = Local(imds_answer)
    ienv = {k: v for k, v in cenv.items() if k != "AWS_EC2_METADATA_DISABLED"}
    r = ecsc(dict(ienv, AWS_EC2_METADATA_SERVICE_ENDPOINT=imds.url + "/"), "whoami")
    methods = [(m, path, h.get("X-aws-ec2-metadata-token")) for m, path, h in imds.log]
    check("IMDSv2: a token by PUT, then the role and its keys by GETs carrying it",
          r.returncode == 0 and "assumed-role/deploy/box\n" in r.stdout and
          "credentials  instance metadata" in r.stdout and methods == [
              ("PUT", "/latest/api/token", None),
              ("GET", "/latest/meta-data/iam/security-credentials/", "imds-token-1"),
              ("GET", "/latest/meta-data/iam/security-credentials/box-role", "imds-token-1")],
          r.stdout + r.stderr + str(methods))
    n = len(imds.log)
    r = ecsc(dict(ienv, AWS_EC2_METADATA_SERVICE_ENDPOINT=imds.url, AWS_EC2_METADATA_DISABLED="true"),
             "whoami")
    check("AWS_EC2_METADATA_DISABLED=true: instance metadata is not asked", r.returncode == 2 and
          len(imds.log) == n, r.stderr)
    write(f"{home}/.aws/config", "[profile viaimds]\nrole_arn = arn:aws:iam::123456789012:role/second\n"
          "credential_source = Ec2InstanceMetadata\nrole_session_name = fromimds\n")
    r = ecsc(dict(ienv, AWS_EC2_METADATA_SERVICE_ENDPOINT=imds.url), "whoami", "--profile", "viaimds")
    check("credential_source Ec2InstanceMetadata: the instance's keys assume the role",
          r.returncode == 0 and "assumed-role/second/fromimds\n" in r.stdout, r.stdout + r.stderr)
    imds.close()

    # ---- IAM Identity Center -------------------------------------------------------------
    # The token cache `aws sso login` writes, and a loopback portal for
    # GetRoleCredentials (AWS_ENDPOINT_URL_SSO) that checks the bearer token.
    def portal_answer(method, path, h):
        if (h.get("x-amz-sso_bearer_token") != "sso-token-1" or
                path != "/federation/credentials?account_id=123456789012&role_name=Deploy"):
            return 401, '{"message": "Session token not found or invalid"}'
        return 200, json.dumps({"roleCredentials": {
            "accessKeyId": temp["AccessKeyId"], "secretAccessKey": temp["SecretAccessKey"],
            "sessionToken": temp["SessionToken"], "expiration": int(temp["Expiration"].timestamp() * 1000)}})
    portal = Local(portal_answer)
    write(f"{home}/.aws/config", "[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\n"
          "sso_role_name = Deploy\n"
          "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n"
          "[profile legacy]\nsso_start_url = https://old.awsapps.com/start\nsso_region = eu-west-1\n"
          "sso_account_id = 123456789012\nsso_role_name = Deploy\n")
    later = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    cache = f"{home}/.aws/sso/cache"

    def sha1(text):
        return hashlib.sha1(text.encode()).hexdigest()
    senv = dict(cenv, AWS_ENDPOINT_URL_SSO=portal.url)
    r = ecsc(senv, "whoami", "--profile", "sso")
    check("IAM Identity Center: no cached token says to run aws sso login", r.returncode == 2 and
          "run `aws sso login --profile sso`" in r.stderr and not portal.log, r.stderr)
    write(f"{cache}/{sha1('corp')}.json", json.dumps({"accessToken": "sso-token-1", "expiresAt": later,
                                                     "startUrl": "https://corp.awsapps.com/start"}))
    r = ecsc(senv, "whoami", "--profile", "sso", "--debug")
    check("IAM Identity Center (sso_session): the cached token exchanged by GetRoleCredentials",
          r.returncode == 0 and "assumed-role/deploy/box\n" in r.stdout and
          "credentials  IAM Identity Center" in r.stdout and len(portal.log) == 1 and
          "sso-token-1" not in r.stderr, r.stdout + r.stderr)
    write(f"{cache}/{sha1('https://old.awsapps.com/start')}.json", json.dumps(
        {"accessToken": "sso-token-1", "expiresAt": later}))
    r = ecsc(senv, "whoami", "--profile", "legacy")
    check("IAM Identity Center (legacy sso_start_url in the profile)", r.returncode == 0 and
          "assumed-role/deploy/box\n" in r.stdout, r.stdout + r.stderr)
    write(f"{cache}/{sha1('corp')}.json", json.dumps({"accessToken": "sso-token-1",
                                                     "expiresAt": "2020-01-01T00:00:00Z"}))
    r = ecsc(senv, "whoami", "--profile", "sso")
    check("IAM Identity Center: an expired token says to run aws sso login", r.returncode == 2 and
          "expired: run `aws sso login --profile sso`" in r.stderr, r.stderr)
    write(f"{cache}/{sha1('corp')}.json", json.dumps({"accessToken": "revoked", "expiresAt": later}))
    r = ecsc(senv, "whoami", "--profile", "sso")
    check("IAM Identity Center: a token the portal refuses is named", r.returncode == 2 and
          "GetRoleCredentials: HTTP 401" in r.stderr, r.stderr)
    # The portal's endpoint follows every service's rule: AWS_ENDPOINT_URL
    # and the profile's endpoint_url move it too (STS kept on moto by its
    # own variable), and --endpoint-url wins over AWS_ENDPOINT_URL_SSO.
    write(f"{cache}/{sha1('corp')}.json", json.dumps({"accessToken": "sso-token-1", "expiresAt": later}))
    onto = {k: v for k, v in cenv.items() if k != "AWS_ENDPOINT_URL"}
    onto["AWS_ENDPOINT_URL_STS"] = url
    n = len(portal.log)
    r = ecsc(dict(onto, AWS_ENDPOINT_URL=portal.url), "whoami", "--profile", "sso")
    check("IAM Identity Center: AWS_ENDPOINT_URL names the portal", r.returncode == 0 and
          "assumed-role/deploy/box\n" in r.stdout and len(portal.log) == n + 1, r.stdout + r.stderr)
    with open(f"{home}/.aws/config", "a") as f:
        f.write(f"[profile ssoat]\nsso_session = corp\nsso_account_id = 123456789012\n"
                f"sso_role_name = Deploy\nendpoint_url = {portal.url}\n")
    r = ecsc(onto, "whoami", "--profile", "ssoat")
    check("IAM Identity Center: the profile's endpoint_url names the portal", r.returncode == 0 and
          "assumed-role/deploy/box\n" in r.stdout and len(portal.log) == n + 2, r.stdout + r.stderr)
    dead = Local(lambda method, path, h: (500, "{}"))
    r = ecsc(dict(onto, AWS_ENDPOINT_URL_SSO=dead.url), "whoami", "--profile", "sso",
             "--endpoint-url", portal.url)
    check("IAM Identity Center: --endpoint-url wins over AWS_ENDPOINT_URL_SSO",
          not dead.log and len(portal.log) > n + 2 and
          portal.log[n + 2][1].startswith("/federation/credentials?"),
          f"{dead.log} {portal.log[n + 2:]} {r.stderr}")
    dead.close()
    portal.close()

# ---- web identity -----------------------------------------------------------------------
# AssumeRoleWithWebIdentity is unsigned, which moto's signature checking
# cannot take: this moto checks nothing, and the proxy shows the call
# unsigned with the file's token and the calls after it signed with the key
# it gave.
with moto_server(INITIAL_NO_AUTH_ACTION_COUNT="inf") as url2, Proxy(url2) as p:
    home = tempfile.mkdtemp()
    jwt = "eyJhbGciOiJSUzI1NiJ9." + "w" * 900 + ".sig"
    write(f"{home}/token", jwt + "\n")
    write(f"{home}/.aws/config", f"[profile web]\nrole_arn = arn:aws:iam::123456789012:role/fromprofile\n"
          f"web_identity_token_file = {home}/token\nrole_session_name = prof\n")
    wenv = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    wenv.update(HOME=home, AWS_REGION="eu-west-1", AWS_ENDPOINT_URL=p.url,
                AWS_ROLE_ARN="arn:aws:iam::123456789012:role/ci", AWS_WEB_IDENTITY_TOKEN_FILE=f"{home}/token",
                AWS_ROLE_SESSION_NAME="gha")
    r = ecsc(wenv, "whoami", "--debug")
    calls = p.calls()
    wi = [c for c in calls if c["operation"] == "AssumeRoleWithWebIdentity"]
    after = [c for c in calls if c["operation"] != "AssumeRoleWithWebIdentity"]
    check("web identity (AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE): the role and session named",
          r.returncode == 0 and "assumed-role/ci/gha\n" in r.stdout and
          "credentials  web identity" in r.stdout, r.stdout + r.stderr)
    check("web identity: AssumeRoleWithWebIdentity unsigned, with the file's token",
          len(wi) == 1 and wi[0]["access_key"] is None and wi[0]["body"].get("WebIdentityToken") == jwt and
          wi[0]["body"].get("RoleSessionName") == "gha", str(signed(calls)))
    check("web identity: the calls after it signed with the key it gave, and its token",
          after and all(c["access_key"] and c["security_token"] for c in after), str(signed(calls)))
    check("web identity: --debug shows no web identity token", jwt[:40] not in r.stderr + r.stdout, "")
    p.reset()
    penv = {k: v for k, v in wenv.items() if k not in ("AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
                                                     "AWS_WEB_IDENTITY_TOKEN_FILE")}
    r = ecsc(penv, "whoami", "--profile", "web")
    check("web identity from a profile's role_arn and web_identity_token_file",
          r.returncode == 0 and "assumed-role/fromprofile/prof\n" in r.stdout, r.stdout + r.stderr)
    # The order against web identity, with botocore's chain as the oracle
    # (the method of the credentials it would use): a role_arn with a
    # credential_source (here EcsContainer, a loopback agent) is
    # AssumeRole's even with web identity in the environment, and a
    # profile asked for with --profile ignores the environment's web
    # identity settings.
    agent = Local(lambda m, path, h: (200, json.dumps({
        "AccessKeyId": "ASIACONTAINERAGENT01", "SecretAccessKey": "container-secret",
        "Token": "container-token", "Expiration": "2099-01-01T00:00:00Z"})))
    write(f"{home}/.aws/config", open(f"{home}/.aws/config").read() +
          "[profile boxrole]\nrole_arn = arn:aws:iam::123456789012:role/boxrole\n"
          "credential_source = EcsContainer\nrole_session_name = viabox\n"
          f"[profile plain]\naws_access_key_id = AKIAPLAINPROFILE0001\naws_secret_access_key = plain\n")
    oracle_py = ("import sys, botocore.session\n"
                 "c = botocore.session.Session(profile=sys.argv[1] or None).get_credentials()\n"
                 "print(c.method if c else 'none')\n")

    def botocore_method(env, explicit):
        return subprocess.run([sys.executable, "-c", oracle_py, explicit], env=env, capture_output=True,
                              text=True, timeout=60).stdout.strip()
    oenv = dict(wenv, AWS_CONTAINER_CREDENTIALS_FULL_URI=agent.url + "/creds")
    for what, env_, argv, method, label, key_ in (
            ("AWS_PROFILE's role_arn with credential_source EcsContainer comes before web identity",
             dict(oenv, AWS_PROFILE="boxrole"), [], "assume-role", "assumed role (profile boxrole)",
             "ASIACONTAINERAGENT01"),
            ("--profile: the environment's web identity is not used",
             oenv, ["--profile", "plain"], "config-file",
             "static keys (profile plain)", "AKIAPLAINPROFILE0001"),
            ("no --profile: the environment's web identity before the profile's keys",
             dict(oenv, AWS_PROFILE="plain"), [], "assume-role-with-web-identity", "web identity", None)):
        oracle = botocore_method(env_, argv[1] if argv else "")
        p.reset()
        r = ecsc(env_, "whoami", *argv)
        calls = p.calls()
        first = calls[0] if calls else {}
        check(f"order (botocore: {oracle}): {what}",
              oracle == method and r.returncode == 0 and f"credentials  {label}" in r.stdout and
              (key_ is None and first.get("operation") == "AssumeRoleWithWebIdentity" or
               first.get("access_key") == key_), f"{oracle} {r.stdout}{r.stderr[-400:]} {signed(calls)}")
    agent.close()
    r = ecsc(dict(wenv, AWS_WEB_IDENTITY_TOKEN_FILE=f"{home}/missing"), "whoami")
    check("web identity: a missing token file is named", r.returncode == 2 and
          f"{home}/missing" in r.stderr, r.stderr)

check.finish()
