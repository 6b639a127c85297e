#!/usr/bin/env python3
"""test_graph.py ECSC: the resource graph's derived behaviour, spec by spec.

Each case compiles a small spec with --emit=graph and asserts what the seed
design promises: ownership rules, the derived execution-role policy, the
task set of an EXTERNAL controller, managed log groups, id stability."""
import json
import os
import subprocess
import sys
import tempfile

ECSC = sys.argv[1]
failures = []
ran = []

CLUSTER = 'cluster main {\n  capacity FARGATE { weight = 1 }\n}\n'

def graph(spec, *args):
    with tempfile.NamedTemporaryFile("w", suffix=".ecs", delete=False) as f:
        f.write(spec)
        path = f.name
    try:
        out = subprocess.run([ECSC, "check", "--emit=graph", *args, path],
                             capture_output=True, text=True)
    finally:
        os.unlink(path)
    if out.returncode != 0:
        raise AssertionError(f"ecsc exited {out.returncode}: {out.stderr}")
    return {r["id"]: r for r in json.loads(out.stdout)["resources"]}

def case(fn):
    ran.append(fn.__name__)
    try:
        fn()
        print(f"ok   {fn.__name__}")
    except AssertionError as e:
        failures.append(fn.__name__)
        print(f"FAIL {fn.__name__}: {e}")
    return fn

def service(body, name="web", size="  cpu = 256\n  memory = 512\n"):
    net = '' if 'network {' in body else '  network { subnets = ["subnet-0a1b2c3d"] }\n'
    return CLUSTER + f'service {name} in main {{\n{size}{net}{body}\n}}\n'

APP = '  container app { image = "nginx:1.27" port http { container_port = 80 } }\n'

@case
def desired_count_is_initial_only():
    g = graph(service('  desired_count = 3\n' + APP))
    s = g["ServiceWeb"]
    assert s["properties"]["desiredCount"] == 3
    owned = {o["property"]: o["owner"] for o in s["ownership"]}
    assert owned == {"desiredCount": "initial-only"}, owned

@case
def ci_owns_task_definition_and_load_balancers():
    g = graph(service('  ignore_task_definition_changes = true\n' + APP +
        '  load_balancer {\n    target_group = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/w/0123456789abcdef"\n'
        '    container = app.http\n  }\n  deployment { controller = CODE_DEPLOY }\n'))
    owned = {o["property"]: o["owner"] for o in g["ServiceWeb"]["ownership"]}
    assert owned.get("taskDefinition") == "external", owned
    assert owned.get("loadBalancers") == "external", owned
    lb = g["ServiceWeb"]["properties"]["loadBalancers"][0]
    assert lb["containerName"] == "app" and lb["containerPort"] == 80, lb

@case
def load_balancers_owned_independently():
    g = graph(service('  ignore_task_definition_changes = true\n  ignore_load_balancer_changes = false\n' + APP))
    owned = {o["property"] for o in g["ServiceWeb"]["ownership"]}
    assert "taskDefinition" in owned and "loadBalancers" not in owned, owned

@case
def execution_policy_is_exactly_the_referenced_secrets():
    g = graph(service('  container app {\n    image = "nginx:1.27"\n'
        '    secrets = { DB = ssm("/web/db"), KEY = secret("arn:aws:secretsmanager:eu-west-1:123456789012:secret:web-key-AbCdEf", key = "k") }\n  }\n'))
    doc = g["ExecutionRoleWeb"]["properties"]["ExecutionPolicy"]
    by_sid = {s["Sid"]: s for s in doc["Statement"]}
    assert by_sid["ReadParameters"]["Action"] == "ssm:GetParameters"
    assert by_sid["ReadParameters"]["Resource"] == [
        {"$sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/web/db"}], by_sid["ReadParameters"]
    assert by_sid["ReadSecrets"]["Resource"] == [
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:web-key-AbCdEf"], by_sid["ReadSecrets"]
    secrets = g["TaskDefinitionWeb"]["properties"]["containerDefinitions"][0]["secrets"]
    assert {"name": "KEY", "valueFrom": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:web-key-AbCdEf:k::"} in secrets, secrets

def read_secrets(g):
    doc = g["ExecutionRoleWeb"]["properties"]["ExecutionPolicy"]
    return {s["Sid"]: s for s in doc["Statement"]}.get("ReadSecrets", {}).get("Resource", [])

FSX_CREDS = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:fsx-creds-AbCdEf"

@case
def fsx_windows_credentials_reach_the_execution_role():
    # A secret-typed field outside a container feeds the execution role too.
    g = graph(service('  runtime_platform { os_family = WINDOWS_SERVER_2022_FULL }\n'
        '  volume data { fsx_windows {\n    file_system_id = "fs-0123456789abcdef0"\n'
        f'    root_directory = "share"\n    credentials = secret("{FSX_CREDS}")\n'
        '    domain = "corp.example.com"\n  } }\n'
        '  container app { image = "mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022" }\n',
        size="  cpu = 1 vcpu\n  memory = 2 GiB\n"))
    assert read_secrets(g) == [FSX_CREDS], read_secrets(g)

@case
def service_connect_log_secrets_reach_the_execution_role():
    arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:sc-log-key-AbCdEf"
    g = graph(service(APP + '  service_connect {\n    namespace = "internal"\n'
        '    logging {\n      driver = awsfirelens\n'
        f'      secret_options = {{ apikey = secret("{arn}") }}\n    }}\n  }}\n'))
    assert read_secrets(g) == [arn], read_secrets(g)

@case
def no_secrets_no_secret_statements():
    g = graph(service(APP))
    sids = [s["Sid"] for s in g["ExecutionRoleWeb"]["properties"]["ExecutionPolicy"]["Statement"]]
    assert sids == ["WriteLogs"], sids

@case
def cluster_shares_one_execution_role():
    spec = ('role shared-exec {}\ncluster main {\n  capacity FARGATE { weight = 1 }\n  execution_role = shared-exec\n}\n'
            'service a in main { cpu = 256 memory = 512 network { subnets = ["subnet-0a1b2c3d"] } container x { image = "a:1" secrets = { A = ssm("/a") } } }\n'
            'service b in main { cpu = 256 memory = 512 network { subnets = ["subnet-0a1b2c3d"] } container x { image = "b:1" secrets = { B = ssm("/b") } } }\n')
    g = graph(spec)
    assert "ExecutionRoleA" not in g and "ExecutionRoleB" not in g, sorted(g)
    for td in ("TaskDefinitionA", "TaskDefinitionB"):
        assert g[td]["properties"]["executionRoleArn"] == {"$ref": "RoleSharedExec", "$attr": "Arn"}
    res = [s for s in g["RoleSharedExec"]["properties"]["ExecutionPolicy"]["Statement"] if s["Sid"] == "ReadParameters"][0]["Resource"]
    assert len(res) == 2, res

@case
def external_controller_moves_network_to_task_set():
    g = graph(service('  deployment { controller = EXTERNAL }\n  task_set { scale = 50% }\n'
                      '  network { subnets = ["subnet-0a1b2c3d"] }\n' + APP))
    s, ts = g["ServiceWeb"]["properties"], g["TaskSetWeb"]
    assert "networkConfiguration" not in s and "taskDefinition" not in s, s
    assert ts["properties"]["networkConfiguration"]["awsvpcConfiguration"]["subnets"] == ["subnet-0a1b2c3d"]
    assert ts["properties"]["scale"] == {"value": 50, "unit": "PERCENT"}
    assert {o["property"] for o in ts["ownership"]} == {"scale"}

@case
def managed_log_group_per_container():
    g = graph(service(APP + '  container side { image = "busybox:1.36" logging { retention = 30d } }\n'))
    assert g["LogGroupWebApp"]["properties"] == {"logGroupName": "/aws/ecs/web/app", "retentionInDays": 14}
    assert g["LogGroupWebSide"]["properties"]["retentionInDays"] == 30
    opts = g["TaskDefinitionWeb"]["properties"]["containerDefinitions"][0]["logConfiguration"]["options"]
    assert opts["awslogs-group"] == "/aws/ecs/web/app"

@case
def ecs_creates_the_group_when_asked():
    g = graph(service('  container app { image = "nginx:1.27" logging { create_group = false } }\n'))
    assert "LogGroupWebApp" not in g
    opts = g["TaskDefinitionWeb"]["properties"]["containerDefinitions"][0]["logConfiguration"]["options"]
    assert opts["awslogs-create-group"] == "true"

@case
def logging_off():
    g = graph(service('  container app { image = "nginx:1.27" logging { enabled = false } }\n'))
    assert "logConfiguration" not in g["TaskDefinitionWeb"]["properties"]["containerDefinitions"][0]

@case
def ids_are_stable_when_another_declaration_is_renamed():
    a = graph(service(APP) + 'log_group audit { retention = 30d }\n')
    b = graph(service(APP) + 'log_group audit2 { retention = 30d }\n')
    assert set(a) - {"LogGroupAudit"} == set(b) - {"LogGroupAudit2"}, (sorted(a), sorted(b))

@case
def parameters_are_substituted():
    g = graph('param tag: string = "1.0"\n' + service('  container app { image = "nginx:${tag}" }\n'), "--set", "tag=2.5")
    assert g["TaskDefinitionWeb"]["properties"]["containerDefinitions"][0]["image"] == "nginx:2.5"

@case
def autoscaling_clamps_to_desired_count():
    g = graph(service('  desired_count = 5\n' + APP + '  autoscaling { min = 1 max = 3 target cpu { metric = cpu value = 60% } }\n'))
    t = g["ScalableTargetWeb"]["properties"]
    assert (t["MinCapacity"], t["MaxCapacity"]) == (1, 5), t
    p = g["ScalingPolicyWebCpu"]["properties"]["TargetTrackingScalingPolicyConfiguration"]
    assert p["TargetValue"] == 60 and p["PredefinedMetricSpecification"]["PredefinedMetricType"] == "ECSServiceAverageCPUUtilization"

@case
def deterministic_bytes():
    spec = service(APP)
    with tempfile.NamedTemporaryFile("w", suffix=".ecs", delete=False) as f:
        f.write(spec)
    outs = {subprocess.run([ECSC, "check", "--emit=graph", f.name], capture_output=True).stdout for _ in range(3)}
    os.unlink(f.name)
    assert len(outs) == 1

print(f"graph: {len(ran) - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
