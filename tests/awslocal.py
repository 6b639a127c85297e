"""awslocal.py: a moto_server on a free loopback port, for the tests."""
import contextlib
import os
import socket
import subprocess
import time

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

def clients_kw(url):
    return dict(endpoint_url=url, region_name="eu-west-1",
                aws_access_key_id="testing", aws_secret_access_key="testing")
