#!/usr/bin/env python3
"""seeds.py REPO OUT: the fuzz targets' seed corpora, made from the
repository's own inputs: OUT/fuzz_spec from samples/, the goldens' specs and
tests/diagnostics; OUT/fuzz_fmt from the same and the fmt goldens; OUT/fuzz_lsp from
language server sessions on samples and diagnostics tests; OUT/fuzz_bundle from the bundle goldens; OUT/fuzz_values
from values of every parameter type; OUT/fuzz_live and OUT/fuzz_xml from AWS
answers shaped like the golden bundle's resources (JSON for ECS, Logs and
Auto Scaling, XML for IAM, STS and EC2)."""
import hashlib
import json
import pathlib
import sys

repo, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])


def put(target, data):
    d = out / target
    d.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


for pattern in ("samples/**/*.ecs", "tests/cfn/golden/*.ecs", "tests/bundle/golden/*.ecs",
                "tests/diagnostics/*.ecs", "tests/graph/**/*.ecs"):
    for f in sorted(repo.glob(pattern)):
        put("fuzz_spec", f.read_bytes())
        put("fuzz_fmt", f.read_bytes())
for f in sorted(repo.glob("tests/fmt/*.ecs")):
    put("fuzz_fmt", f.read_bytes())

# Language server sessions (fuzz_lsp): message bodies between lines `%%`.
def session(text, requests):
    uri = "file:///nonexistent/spec.ecs"
    td = {"uri": uri}
    msgs = [{"jsonrpc": "2.0", "id": 1, "method": "initialize",
             "params": {"capabilities": {}, "initializationOptions": {"debounce": 0}}},
            {"jsonrpc": "2.0", "method": "initialized", "params": {}},
            {"jsonrpc": "2.0", "method": "textDocument/didOpen",
             "params": {"textDocument": {"uri": uri, "languageId": "ecs", "version": 1,
                                         "text": text}}},
            {"jsonrpc": "2.0", "method": "textDocument/didChange",
             "params": {"textDocument": {"uri": uri, "version": 2},
                        "contentChanges": [{"range": {"start": {"line": 1, "character": 2},
                                                      "end": {"line": 1, "character": 4}},
                                            "text": "x\u00e9"}]}}]
    for i, (method, extra) in enumerate(requests):
        params = {"textDocument": td, **extra}
        msgs.append({"jsonrpc": "2.0", "id": 10 + i, "method": method, "params": params})
    msgs += [{"jsonrpc": "2.0", "id": 99, "method": "shutdown"},
             {"jsonrpc": "2.0", "method": "exit"}]
    return "\n%%\n".join(json.dumps(m) for m in msgs)


at = {"position": {"line": 3, "character": 6}}
everything = [("textDocument/hover", at), ("textDocument/completion", at),
              ("textDocument/definition", at), ("textDocument/references",
                                                {**at, "context": {"includeDeclaration": True}}),
              ("textDocument/prepareRename", at), ("textDocument/rename", {**at, "newName": "n"}),
              ("textDocument/documentSymbol", {}),
              ("textDocument/codeAction", {"range": {"start": {"line": 0, "character": 0},
                                                     "end": {"line": 9, "character": 0}},
                                           "context": {"diagnostics": []}}),
              ("textDocument/formatting", {"options": {"tabSize": 2, "insertSpaces": True}})]
for f in sorted(repo.glob("samples/*.ecs"))[:6] + sorted(repo.glob("tests/diagnostics/E01*.ecs"))[:6]:
    put("fuzz_lsp", session(f.read_text(errors="replace"), everything))
put("fuzz_lsp", "R" + "Content-Length: 2\r\n\r\n{}Content-Length: x\r\n\r\n")


# A unit of two buffers (one imports the other, unsaved: no file is read)
# whose errors come and go, then a close: diagnostics published per file.
# Their directory exists (imports are read from the directories of the
# inputs); the files do not.
def two_files():
    a, b = "file:///tmp/ecsc-fuzz-lsp-a.ecs", "file:///tmp/ecsc-fuzz-lsp-b.ecs"
    service = ('import "ecsc-fuzz-lsp-b.ecs"\nservice web in mian {\n  cpu = 256\n  memory = 512 MiB\n'
               '  container app { image = "nginx:1.27" }\n'
               '  network { subnets = ["subnet-0a1b2c3d"] }\n}\n')
    def opened(uri, text):
        return {"jsonrpc": "2.0", "method": "textDocument/didOpen",
                "params": {"textDocument": {"uri": uri, "languageId": "ecs", "version": 1,
                                            "text": text}}}
    def request(i, method, uri, extra):
        return {"jsonrpc": "2.0", "id": i, "method": method,
                "params": {"textDocument": {"uri": uri}, **extra}}
    msgs = [{"jsonrpc": "2.0", "id": 1, "method": "initialize",
             "params": {"capabilities": {}, "initializationOptions": {"debounce": 0}}},
            opened(b, "cluster main {\n}\ncluster main {\n}\n"), opened(a, service),
            request(2, "textDocument/documentSymbol", a, {}),
            {"jsonrpc": "2.0", "method": "textDocument/didChange",
             "params": {"textDocument": {"uri": a, "version": 2},
                        "contentChanges": [{"range": {"start": {"line": 1, "character": 15},
                                                      "end": {"line": 1, "character": 19}},
                                            "text": "main"}]}},
            request(3, "textDocument/rename", a, {"position": {"line": 1, "character": 16},
                                                  "newName": "prod"}),
            {"jsonrpc": "2.0", "method": "textDocument/didClose",
             "params": {"textDocument": {"uri": b}}},
            request(4, "textDocument/references", a, {"position": {"line": 1, "character": 16},
                                                      "context": {"includeDeclaration": True}}),
            {"jsonrpc": "2.0", "id": 99, "method": "shutdown"},
            {"jsonrpc": "2.0", "method": "exit"}]
    return "\n%%\n".join(json.dumps(m) for m in msgs)


put("fuzz_lsp", two_files())

bundles = sorted(repo.glob("tests/bundle/golden/*.bundle.json"))
for f in bundles:
    put("fuzz_bundle", f.read_bytes())

put("fuzz_values", json.dumps({"s": "y", "n": 2.5, "i": 3, "b": False, "d": "90s",
                               "z": "1GiB", "u": "1 vcpu", "p": "75%",
                               "ls": ["subnet-1", "subnet-2"], "li": [4, 5]}))
put("fuzz_values", json.dumps({"s": "a,b", "ls": [], "unknown": 1}))
put("fuzz_values", json.dumps({"i": "x", "z": 10, "ls": "subnet-3", "b": "true"}))

# AWS answers for the resources of the bundle fuzz_live plans against.
bundle = json.loads((repo / "tests/bundle/golden/service.bundle.json").read_text())
json_answers, xml_answers = [], []
clusters, services, groups, roles = [], [], [], []
for r in bundle["requests"]:
    p, op = r["params"], r["operation"]
    if op == "CreateCluster":
        clusters.append(dict(p, status="ACTIVE", clusterArn="arn:aws:ecs:eu-west-1:"
                             "123456789012:cluster/" + p["clusterName"]))
    elif op == "CreateService":
        services.append(dict(p, status="ACTIVE", serviceArn="arn:aws:ecs:eu-west-1:"
                             "123456789012:service/" + p["serviceName"],
                             taskDefinition="arn:aws:ecs:eu-west-1:123456789012:"
                             "task-definition/" + str(p.get("taskDefinition", "x")) + ":3"))
    elif op == "RegisterTaskDefinition":
        json_answers.append(json.dumps({"taskDefinition": dict(p, revision=3, status="ACTIVE"),
                                        "tags": [{"key": "ecsc:digest", "value": "0"}]}))
    elif op == "CreateSecurityGroup":
        groups.append(p)
    elif op == "CreateRole":
        roles.append(p)
    elif op == "CreateLogGroup":
        json_answers.append(json.dumps({"logGroups": [{"logGroupName": p["logGroupName"],
                                                       "retentionInDays": 7}]}))
json_answers.append(json.dumps({"clusters": clusters, "failures": []}))
json_answers.append(json.dumps({"services": services, "failures": []}))
json_answers.append(json.dumps({"resourceTagMappingList": [], "PaginationToken": ""}))
json_answers.append(json.dumps({"scalableTargets": [], "scalingPolicies": [],
                                "scheduledActions": []}))
ns = ' xmlns="https://iam.amazonaws.com/doc/2010-05-08/"'
xml_answers.append(
    "<GetCallerIdentityResponse><GetCallerIdentityResult>"
    "<Arn>arn:aws:iam::123456789012:user/ci</Arn><Account>123456789012</Account>"
    "</GetCallerIdentityResult></GetCallerIdentityResponse>")
xml_answers.append(
    "<GetAccountAuthorizationDetailsResponse%s><GetAccountAuthorizationDetailsResult>"
    "<RoleDetailList>%s</RoleDetailList><Policies/><IsTruncated>false</IsTruncated>"
    "</GetAccountAuthorizationDetailsResult></GetAccountAuthorizationDetailsResponse>" % (
        ns, "".join("<member><RoleName>%s</RoleName><Path>/</Path>"
                    "<AssumeRolePolicyDocument>%%7B%%22Version%%22%%3A%%222012-10-17%%22%%7D"
                    "</AssumeRolePolicyDocument><RolePolicyList/><Tags><member><Key>"
                    "ecsc:project</Key><Value>%s</Value></member></Tags></member>"
                    % (r.get("RoleName", "r"), bundle.get("project", "p")) for r in roles)))
xml_answers.append(
    '<DescribeSecurityGroupsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
    "<requestId>1</requestId><securityGroupInfo>%s</securityGroupInfo>"
    "</DescribeSecurityGroupsResponse>" % "".join(
        "<item><groupId>sg-0123</groupId><groupName>%s</groupName><vpcId>%s</vpcId>"
        "<ipPermissions/><ipPermissionsEgress><item><ipProtocol>-1</ipProtocol>"
        "<ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges></item>"
        "</ipPermissionsEgress><tagSet/></item>" % (g.get("GroupName", "g"), g.get("VpcId", "v"))
        for g in groups))
xml_answers.append("<ErrorResponse><Error><Code>NoSuchEntity</Code><Message>no</Message>"
                   "</Error></ErrorResponse>")
for a in json_answers + xml_answers:
    put("fuzz_live", a)
put("fuzz_live", "\n%%\n".join(json_answers + xml_answers))
put("fuzz_live", "\n%%\n".join(xml_answers + json_answers))
for a in xml_answers:
    put("fuzz_xml", a)
    put("fuzz_xml", a + " ")   # the other protocol (odd length: EC2's)
