#!/usr/bin/env python3
"""test_codedeploy.py ECSC: a CODE_DEPLOY service's new revisions are CodeDeploy
deployments, against moto behind tests/runtime/proxy.py.

tests/runtime/codedeploy.ecs names its CodeDeploy application and deployment
group; moto's CodeDeploy holds them (CreateApplication, CreateDeploymentGroup)
and takes the deployments (CreateDeployment, GetDeployment, ListDeployments).
What moto's CodeDeploy lacks, and how the test stands in for it:

- a deployment never leaves `Created` and never carries errorInformation: the
  proxy rewrites GetDeployment's answers (InProgress with a deploymentOverview,
  then Succeeded; or Failed with CodeDeploy's error code and message);
- it does not validate the AppSpec: the request is checked against botocore's
  codedeploy model and the AppSpec's content against AWS's documented ECS
  AppSpec (version 0.0, one TargetService, the new revision's ARN, the load
  balancer's container name and port);
- it never touches ECS: once a deployment "succeeded", the test moves the
  service to the new revision itself, as CodeDeploy would, and the next plan
  has nothing to do.

Also: the first apply creates the service with CreateService (the
CODE_DEPLOY controller, the first revision) and no deployment; an image
change plans and applies RegisterTaskDefinition and CreateDeployment, never
UpdateService; a failed deployment exits 1 with its reason; a CreateDeployment
whose answer is lost (a 500 after moto acted) reaches moto once; a deployment
group that does not exist is a plan error."""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True
from awslocal import Checks, clients_kw, ecsc_env, moto_server  # noqa: E402
from proxy import Proxy, count, mutating  # noqa: E402

import boto3  # noqa: E402
import botocore.session  # noqa: E402
from botocore.validate import validate_parameters  # noqa: E402

ECSC = os.path.abspath(sys.argv[1])
SPEC = f"{ROOT}/tests/runtime/codedeploy.ecs"
TG = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-blue/0123456789abcdef"
MODEL = botocore.session.get_session().get_service_model("codedeploy")
check = Checks("runtime/codedeploy: ")


def ops(calls):
    return sorted(c["operation"] for c in mutating(calls))


def bodies(calls, op):
    return [c.get("body") or {} for c in calls if c["operation"] == op and c["upstream_status"]]


def appspec_of(body):
    """The AppSpec text of a CreateDeployment and its parsed content."""
    text = body.get("revision", {}).get("appSpecContent", {}).get("content", "")
    try:
        return text, json.loads(text)
    except ValueError:
        return text, None


def appspec_problems(spec, arn):
    """What AWS's ECS AppSpec ("resources" section for Amazon ECS deployments)
    requires, checked on the content ecsc sent."""
    out = []
    if not isinstance(spec, dict):
        return ["not a JSON object"]
    if spec.get("version") != 0.0:
        out.append(f"version {spec.get('version')!r}")
    res = spec.get("Resources")
    if not (isinstance(res, list) and len(res) == 1 and list(res[0]) == ["TargetService"]):
        return out + [f"Resources {res!r}"]
    target = res[0]["TargetService"]
    props = target.get("Properties", {})
    if target.get("Type") != "AWS::ECS::Service":
        out.append(f"Type {target.get('Type')!r}")
    if props.get("TaskDefinition") != arn:
        out.append(f"TaskDefinition {props.get('TaskDefinition')!r}, not {arn}")
    if props.get("LoadBalancerInfo") != {"ContainerName": "app", "ContainerPort": 8080}:
        out.append(f"LoadBalancerInfo {props.get('LoadBalancerInfo')!r}")
    allowed = {"TaskDefinition", "LoadBalancerInfo", "PlatformVersion", "NetworkConfiguration",
               "CapacityProviderStrategy"}
    if set(props) - allowed:
        out.append(f"unknown properties {sorted(set(props) - allowed)}")
    vpc = props.get("NetworkConfiguration", {}).get("AwsvpcConfiguration", {})
    if set(vpc) - {"Subnets", "SecurityGroups", "AssignPublicIp"} or \
            vpc.get("AssignPublicIp", "DISABLED") not in ("ENABLED", "DISABLED"):
        out.append(f"AwsvpcConfiguration {vpc!r}")
    return out


def botocore_problems(body):
    try:
        validate_parameters(body, MODEL.operation_model("CreateDeployment").input_shape)
        return None
    except Exception as e:  # botocore's ParamValidationError
        return str(e)


with moto_server() as url:
    kw = clients_kw(url)
    ec2 = boto3.client("ec2", **kw)
    ecs = boto3.client("ecs", **kw)
    cd = boto3.client("codedeploy", **kw)
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2]
    sg = ec2.describe_security_groups(
        Filters=[{"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]["GroupId"]
    sets = ["--set", "subnets=" + ",".join(subnets), "--set", f"sg={sg}",
            "--set", f"target_group={TG}"]
    cd.create_application(applicationName="shop", computePlatform="ECS")
    cd.create_deployment_group(
        applicationName="shop", deploymentGroupName="shop-web",
        serviceRoleArn="arn:aws:iam::123456789012:role/codedeploy",
        ecsServices=[{"serviceName": "web", "clusterName": "shop"}],
        deploymentStyle={"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"})
    p = Proxy(url)
    p.start()

    def ecsc(cmd, *args, tag="1.27.3"):
        yes = ["--yes"] if cmd == "apply" else []
        return subprocess.run([ECSC, cmd, SPEC, *sets, "--set", f"tag={tag}", *args, *yes,
                               "--endpoint-url", p.url],
                              capture_output=True, text=True, env=ecsc_env(), timeout=120)

    def service():
        return ecs.describe_services(cluster="shop", services=["web"])["services"][0]

    def latest(family="web"):
        arns = ecs.list_task_definitions(familyPrefix=family, status="ACTIVE")["taskDefinitionArns"]
        return max(arns, key=lambda a: int(a.rsplit(":", 1)[1]))

    # -- create: CreateService with the controller and the first revision, no deployment ------
    r = ecsc("apply")
    calls = p.calls()
    creates = bodies(calls, "CreateService")
    check("the first apply creates the service (exit 0)", r.returncode == 0, r.stderr[-2000:])
    check("CreateService carries the CODE_DEPLOY controller and the first revision",
          len(creates) == 1 and creates[0].get("deploymentController") == {"type": "CODE_DEPLOY"}
          and creates[0].get("taskDefinition", "").endswith(":1"), creates)
    check("creating starts no CodeDeploy deployment", count(calls, "CreateDeployment") == 0,
          ops(calls))
    check("moto's service is under CODE_DEPLOY on the first revision",
          service()["deploymentController"]["type"] == "CODE_DEPLOY"
          and service()["taskDefinition"].endswith("task-definition/web:1"), service())
    p.reset()
    r = ecsc("plan")
    check("plan after the create has nothing to do (exit 0)", r.returncode == 0, r.stdout)

    # -- an image change is planned as a deployment -------------------------------------------
    p.reset()
    r = ecsc("plan", "--json", tag="1.28.0")
    try:
        plan = json.loads(r.stdout)
        svc = [c for c in plan["changes"] if c["resource"] == "ServiceWeb"][0]
    except (ValueError, IndexError, KeyError):
        plan, svc = None, {}
    check("plan --json: the service's one call is codedeploy CreateDeployment",
          r.returncode == 2 and [(c["service"], c["operation"]) for c in svc.get("calls", [])]
          == [("codedeploy", "CreateDeployment")], f"{r.returncode} {svc} {r.stderr}")
    check("the planned deployment names the application and deployment group",
          svc and svc["calls"][0]["params"]["applicationName"] == "shop"
          and svc["calls"][0]["params"]["deploymentGroupName"] == "shop-web"
          and any("deployed by CodeDeploy" in n for n in svc["notes"]), svc)
    r = ecsc("plan", tag="1.28.0")
    check("plan shows a CodeDeploy deployment, not an UpdateService",
          "deployed by CodeDeploy (CreateDeployment, not UpdateService): application `shop`, "
          "deployment group `shop-web`" in r.stdout and "UpdateService" not in
          r.stdout.replace("not UpdateService", ""), r.stdout)
    check("plan reads the deployment group and makes no change",
          count(p.calls(), "GetDeploymentGroup") >= 1 and not mutating(p.calls()),
          ops(p.calls()))

    # -- apply: registered, deployed, waited for ---------------------------------------------
    p.reset()
    p.configure(rewrite={"GetDeployment": [
        {"deploymentInfo": {"status": "InProgress", "deploymentOverview": {
            "Pending": 0, "InProgress": 1, "Succeeded": 0, "Failed": 0, "Skipped": 0,
            "Ready": 0}}},
        {"deploymentInfo": {"status": "Succeeded", "deploymentOverview": {
            "Pending": 0, "InProgress": 0, "Succeeded": 1, "Failed": 0, "Skipped": 0,
            "Ready": 0}}}]})
    r = ecsc("apply", tag="1.28.0")
    calls = p.calls()
    p.configure(rewrite=None)
    new = latest()
    deploys = bodies(calls, "CreateDeployment")
    check("apply exits 0 once the deployment succeeded", r.returncode == 0, r.stderr[-2500:])
    check("an image change is one RegisterTaskDefinition and one CreateDeployment, no "
          "UpdateService", ops(calls) == ["CreateDeployment", "RegisterTaskDefinition"], ops(calls))
    check("CreateDeployment is signed for codedeploy with its JSON 1.1 target",
          [c["service"] for c in calls if c["operation"] == "CreateDeployment"] == ["codedeploy"],
          calls)
    body = deploys[0] if deploys else {}
    check("CreateDeployment is valid for botocore's codedeploy model",
          deploys and botocore_problems(body) is None, botocore_problems(body))
    text, spec = appspec_of(body)
    check("the AppSpec is AppSpecContent, JSON, version 0.0 as AWS writes it",
          body.get("revision", {}).get("revisionType") == "AppSpecContent"
          and '"version":0.0' in text, text)
    check("the AppSpec names the new revision, the container and its port",
          new.endswith(":2") and not appspec_problems(spec, new), (appspec_problems(spec, new), new))
    vpc = (spec or {}).get("Resources", [{}])[0].get("TargetService", {}).get(
        "Properties", {}).get("NetworkConfiguration", {}).get("AwsvpcConfiguration", {})
    check("the AppSpec carries the spec's network", vpc.get("Subnets") == subnets and
          vpc.get("SecurityGroups") == [sg], vpc)
    check("the new revision runs the new image",
          ecs.describe_task_definition(taskDefinition=new)["taskDefinition"][
              "containerDefinitions"][0]["image"].endswith(":1.28.0"))
    ids = cd.list_deployments(applicationName="shop", deploymentGroupName="shop-web")["deployments"]
    stored = cd.get_deployment(deploymentId=ids[0])["deploymentInfo"] if len(ids) == 1 else {}
    check("moto holds exactly that deployment",
          len(ids) == 1 and stored["revision"]["appSpecContent"]["content"] == text, ids)
    check("apply waited with GetDeployment and showed status and overview",
          count(calls, "GetDeployment") >= 2 and ids and
          f"CodeDeploy deployment {ids[0]} InProgress; Pending 0, InProgress 1" in r.stderr and
          f"CodeDeploy deployment {ids[0]} Succeeded" in r.stderr, r.stderr[-1500:])
    check("the service was not updated by ecsc (still on revision 1 until CodeDeploy acts)",
          service()["taskDefinition"].endswith(":1"), service()["taskDefinition"])

    # What CodeDeploy does once the traffic moved (moto's CodeDeploy does not).
    ecs.update_service(cluster="shop", service="web", taskDefinition=new)
    p.reset()
    r = ecsc("plan", tag="1.28.0")
    check("once the service runs the deployed revision, plan has nothing to do",
          r.returncode == 0 and not mutating(p.calls()), r.stdout[-1500:])

    # -- a failed deployment -----------------------------------------------------------------
    reason = "The overall deployment failed because too many individual instances failed"
    p.reset()
    p.configure(rewrite={"GetDeployment": [{"deploymentInfo": {
        "status": "Failed", "errorInformation": {"code": "HEALTH_CONSTRAINTS", "message": reason},
        "rollbackInfo": {"rollbackMessage": "Automatic rollback triggered"}}}]})
    r = ecsc("apply", tag="1.29.0")
    p.configure(rewrite=None)
    check("a failed deployment makes apply exit 1", r.returncode == 1, r.stderr[-1500:])
    check("apply prints the deployment's failure reason",
          f"failed: HEALTH_CONSTRAINTS: {reason}" in r.stderr and
          "rollback: Automatic rollback triggered" in r.stderr, r.stderr[-1500:])
    check("the failed deployment was started once", count(p.calls(), "CreateDeployment") == 1,
          ops(p.calls()))

    # -- a lost answer: the deployment is found, not started again ----------------------------
    p.reset()
    p.configure(error5xx_after=1.0, fault_ops=["CreateDeployment"], max_faults=1,
                rewrite={"GetDeployment": [{"deploymentInfo": {"status": "Succeeded"}}]})
    before = set(cd.list_deployments(applicationName="shop",
                                     deploymentGroupName="shop-web")["deployments"])
    r = ecsc("apply", tag="1.30.0")
    calls = p.calls()
    p.configure(error5xx_after=0.0, fault_ops=None, max_faults=None, rewrite=None)
    after = set(cd.list_deployments(applicationName="shop",
                                    deploymentGroupName="shop-web")["deployments"])
    made = [cd.get_deployment(deploymentId=i)["deploymentInfo"] for i in after - before]
    check("a CreateDeployment whose answer was lost reaches moto once",
          r.returncode == 0 and
          sum(1 for c in calls if c["operation"] == "CreateDeployment" and c["upstream_status"])
          == 1 and len(made) == 1, f"{r.returncode} {ops(calls)} {r.stderr[-1500:]}")
    check("the deployment found after the lost answer is the new revision's",
          made and not appspec_problems(json.loads(made[0]["revision"]["appSpecContent"]["content"]),
                                        latest()) and latest().endswith(":4"),
          made and made[0]["revision"])
    check("it was found with ListDeployments", count(calls, "ListDeployments") >= 1, ops(calls))

    # -- a deployment group that does not exist ----------------------------------------------
    p.reset()
    r = ecsc("plan", "--set", "group=nope", tag="1.31.0")
    check("a missing deployment group is a plan error (exit 1)",
          r.returncode == 1 and "CodeDeploy deployment group `nope` of application `shop`: "
          "DeploymentGroupDoesNotExistException" in r.stdout, f"{r.returncode} {r.stdout[-1500:]}")
    r = ecsc("apply", "--set", "group=nope", tag="1.31.0")
    check("apply then changes nothing", r.returncode == 1 and not mutating(p.calls()),
          ops(p.calls()))
    p.stop()

check.finish()
