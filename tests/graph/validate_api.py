#!/usr/bin/env python3
"""validate_api.py ECSC SPEC...: check every node of each spec's resource
graph against botocore's service model for the API call that creates it.

The graph stores a resource's properties as that call's request parameters
(ECS RegisterTaskDefinition, CreateService, ...). botocore's own parameter
validator is the oracle: any unknown member, missing required member or
wrong type fails the test. Deploy-time values ({"$ref": ...}, {"$sub": ...})
are replaced by well-formed strings first. A few graph properties belong to
follow-up calls rather than the create call; they are listed in FOLLOW_UP
and checked against those calls instead."""
import json
import subprocess
import sys

import botocore.session
from botocore.validate import ParamValidator

CREATE = {
    "AWS::ECS::Cluster": ("ecs", "CreateCluster"),
    "AWS::ECS::CapacityProvider": ("ecs", "CreateCapacityProvider"),
    "AWS::ECS::ClusterCapacityProviderAssociations": ("ecs", "PutClusterCapacityProviders"),
    "AWS::ECS::TaskDefinition": ("ecs", "RegisterTaskDefinition"),
    "AWS::ECS::Service": ("ecs", "CreateService"),
    "AWS::ECS::TaskSet": ("ecs", "CreateTaskSet"),
    "AWS::ECS::ExpressGatewayService": ("ecs", "CreateExpressGatewayService"),
    "AWS::Logs::LogGroup": ("logs", "CreateLogGroup"),
    "AWS::IAM::Role": ("iam", "CreateRole"),
    "AWS::IAM::ManagedPolicy": ("iam", "CreatePolicy"),
    "AWS::IAM::InstanceProfile": ("iam", "CreateInstanceProfile"),
    "AWS::EC2::SecurityGroup": ("ec2", "CreateSecurityGroup"),
    "AWS::EC2::SecurityGroupIngress": ("ec2", "AuthorizeSecurityGroupIngress"),
    "AWS::EC2::SecurityGroupEgress": ("ec2", "AuthorizeSecurityGroupEgress"),
    "AWS::ApplicationAutoScaling::ScalableTarget": ("application-autoscaling", "RegisterScalableTarget"),
    "AWS::ApplicationAutoScaling::ScalingPolicy": ("application-autoscaling", "PutScalingPolicy"),
    "AWS::ApplicationAutoScaling::ScheduledAction": ("application-autoscaling", "PutScheduledAction"),
}

# Properties set by a second call: (service, operation, how to build its params).
FOLLOW_UP = {
    ("AWS::Logs::LogGroup", "retentionInDays"):
        ("logs", "PutRetentionPolicy", lambda p: {"logGroupName": p["logGroupName"], "retentionInDays": p["retentionInDays"]}),
    ("AWS::IAM::InstanceProfile", "Roles"):
        ("iam", "AddRoleToInstanceProfile", lambda p: {"InstanceProfileName": p["InstanceProfileName"], "RoleName": p["Roles"][0]}),
    ("AWS::IAM::Role", "ManagedPolicyArns"):
        ("iam", "AttachRolePolicy", lambda p: {"RoleName": p["RoleName"], "PolicyArn": "arn:aws:iam::aws:policy/X"}),
    ("AWS::IAM::Role", "InlinePolicy"):
        ("iam", "PutRolePolicy", lambda p: {"RoleName": p["RoleName"], "PolicyName": "inline", "PolicyDocument": json.dumps(p["InlinePolicy"])}),
    ("AWS::IAM::Role", "ExecutionPolicy"):
        ("iam", "PutRolePolicy", lambda p: {"RoleName": p["RoleName"], "PolicyName": "execution", "PolicyDocument": json.dumps(p["ExecutionPolicy"])}),
}

# IAM and EC2 take documents and rule lists in their own shapes.
def adapt(rtype, params):
    if rtype == "AWS::IAM::Role":
        params["AssumeRolePolicyDocument"] = json.dumps(params["AssumeRolePolicyDocument"])
    if rtype == "AWS::IAM::ManagedPolicy":
        params["PolicyDocument"] = json.dumps(params["PolicyDocument"])
    if rtype in ("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"):
        perm = {}
        for k_in, k_out in (("IpProtocol", "IpProtocol"), ("FromPort", "FromPort"), ("ToPort", "ToPort")):
            if k_in in params:
                perm[k_out] = params.pop(k_in)
        for k, lst, key in (("CidrIp", "IpRanges", "CidrIp"), ("CidrIpv6", "Ipv6Ranges", "CidrIpv6"),
                            ("PrefixListId", "PrefixListIds", "PrefixListId")):
            if k in params:
                perm[lst] = [{key: params.pop(k)}]
        for k in ("SourceSecurityGroupId", "DestinationSecurityGroupId"):
            if k in params:
                perm["UserIdGroupPairs"] = [{"GroupId": params.pop(k)}]
        params.pop("Description", None)
        params["IpPermissions"] = [perm]
    return params

def resolve(v):
    """Replaces deploy-time placeholders with well-formed values."""
    if isinstance(v, dict):
        if "$ref" in v:
            attr = v.get("$attr")
            if attr == "Arn":
                return "arn:aws:iam::123456789012:role/" + v["$ref"]
            if attr == "GroupId":
                return "sg-0123456789abcdef0"
            return v["$ref"]
        if "$sub" in v:
            return (v["$sub"].replace("${AWS::Partition}", "aws")
                    .replace("${AWS::Region}", "eu-west-1")
                    .replace("${AWS::AccountId}", "123456789012"))
        return {k: resolve(x) for k, x in v.items()}
    if isinstance(v, list):
        return [resolve(x) for x in v]
    return v

def main():
    ecsc, specs = sys.argv[1], sys.argv[2:]
    session = botocore.session.get_session()
    models = {}
    validator = ParamValidator()
    failures = checked = 0
    for spec in specs:
        out = subprocess.run([ecsc, "check", "--emit=graph", spec], capture_output=True, text=True)
        if out.returncode != 0:
            print(f"FAIL {spec}: ecsc exited {out.returncode}\n{out.stderr}")
            failures += 1
            continue
        graph = json.loads(out.stdout)
        for r in graph["resources"]:
            params = resolve(r["properties"])
            if r.get("tags") and r["type"] == "AWS::Logs::LogGroup":
                params["tags"] = r["tags"]
            calls = []
            for (rtype, key), (svc, op, build) in FOLLOW_UP.items():
                if rtype == r["type"] and key in params:
                    calls.append((svc, op, build(params)))
            for (rtype, key) in FOLLOW_UP:
                if rtype == r["type"]:
                    params.pop(key, None)
            svc, op = CREATE[r["type"]]
            calls.insert(0, (svc, op, adapt(r["type"], params)))
            for svc, op, p in calls:
                if svc not in models:
                    models[svc] = session.get_service_model(svc)
                shape = models[svc].operation_model(op).input_shape
                report = validator.validate(p, shape)
                checked += 1
                if report.has_errors():
                    failures += 1
                    print(f"FAIL {spec}: {r['id']} {svc}:{op}\n{report.generate_report()}")
    print(f"{checked} requests checked against botocore models, {failures} failed")
    sys.exit(1 if failures else 0)

main()
