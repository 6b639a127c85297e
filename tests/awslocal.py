"""awslocal.py: a moto_server on a free loopback port, for the tests."""
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

@contextlib.contextmanager
def moto_server(**extra_env):
    """Starts moto_server and yields its URL; stops it on exit. Services
    report their tasks running (MOTO_ECS_SERVICE_RUNNING) and AWS managed
    policies exist (MOTO_IAM_LOAD_MANAGED_POLICIES)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, MOTO_ECS_SERVICE_RUNNING="1", MOTO_IAM_LOAD_MANAGED_POLICIES="true")
    env.update(extra_env)
    server = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait()

def signing_user(url):
    """An IAM user allowed everything and its access key, made in a moto
    whose first requests are not checked (INITIAL_NO_AUTH_ACTION_COUNT 3)."""
    import boto3
    iam = boto3.client("iam", endpoint_url=url, region_name="eu-west-1",
                       aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
    iam.create_user(UserName="ecsc")
    key = iam.create_access_key(UserName="ecsc")["AccessKey"]
    iam.put_user_policy(UserName="ecsc", PolicyName="all", PolicyDocument=(
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'))
    return key


def assumable_role(url, key, name):
    """A role anyone may assume, allowed everything, made with key."""
    import boto3
    iam = boto3.client("iam", endpoint_url=url, region_name="eu-west-1",
                       aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=(
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},'
        '"Action":"sts:AssumeRole"}]}'))
    iam.put_role_policy(RoleName=name, PolicyName="all", PolicyDocument=(
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'))
    return f"arn:aws:iam::123456789012:role/{name}"


def clients_kw(url):
    return dict(endpoint_url=url, region_name="eu-west-1",
                aws_access_key_id="testing", aws_secret_access_key="testing")


def ecsc_env(**extra):
    """The environment ecsc runs in against moto: test keys and region, no
    AWS_* of the caller's, an empty HOME (no ~/.aws), no instance metadata
    (a machine on EC2 would give its keys), a fast poll."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               AWS_REGION="eu-west-1", HOME=tempfile.mkdtemp(), ECSC_POLL_SECONDS="0.2",
               AWS_EC2_METADATA_DISABLED="true")
    env.update(extra)
    return env


class Checks:
    """ok/FAIL lines, then a final `N passed, N failed` line and the exit
    status (finish)."""

    def __init__(self, prefix=""):
        self.prefix, self.passed, self.fails = prefix, 0, []

    def __call__(self, name, ok, detail=""):
        print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {detail}"))
        if ok:
            self.passed += 1
        else:
            self.fails.append(name)

    def finish(self):
        print(f"{self.prefix}{self.passed} passed, {len(self.fails)} failed")
        sys.exit(1 if self.fails else 0)


class Local:
    """A loopback HTTP server answering with answer(method, path, headers)
    -> (status, body); every request is logged as (method, path, headers),
    and its arrival time (time.time()) in times."""

    def __init__(self, answer):
        log, times = self.log, self.times = [], []

        class H(BaseHTTPRequestHandler):
            def do(self):
                times.append(time.time())
                log.append((self.command, self.path, dict(self.headers)))
                status, body = answer(self.command, self.path, self.headers)
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            do_GET = do_PUT = do

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
