#!/usr/bin/env python3
"""express_server.py: a loopback ECS endpoint for the Express Gateway operations, for the tests.

moto 5.2.1 serves none of CreateExpressGatewayService,
UpdateExpressGatewayService, DescribeExpressGatewayService and
DeleteExpressGatewayService. This server implements just those four from
botocore's ECS service model, and nothing else: every request is
validated against the operation's input shape (botocore's ParamValidator:
required members, unknown members, types, enums; a failure is a 400
InvalidParameterException with the validator's report), the services are
kept in memory by ARN, and every answer is built in, and checked against,
the operation's output shape (ECSExpressGatewayService) before it is sent.

What it models of Express Mode, beyond the shapes:

- a service is `arn:aws:ecs:REGION:ACCOUNT:service/CLUSTER/NAME` (cluster
  `default` when none is named), the region from the request's SigV4
  credential scope; a second create of an ACTIVE service's name is an
  InvalidParameterException;
- with `moto=URL`, the cluster must exist there (ClusterNotFoundException)
  and so must the roles the request names (InvalidParameterException):
  what the service needs is made before it;
- a create fills in what AWS fills in when the request leaves it out (cpu
  256, memory 512, health check path /ping, container port 80, a log
  configuration, a scaling target of one task), so a client that compares
  more than it asked for sees differences;
- each create or update is a new configuration (a service revision and a
  deployment); its endpoint (`ingressPaths`) appears after `ready_after`
  Describe calls, as the load balancer takes time to come up;
- tags are answered by Describe only with `include = ["TAGS"]`; TagResource
  of one of its services adds or replaces tags by key (of any other ARN,
  with `moto=URL`, it is passed on to moto, so that the operation can be
  routed here whole);
- a delete makes the service DRAINING, INACTIVE after `drain_after`
  Describe calls; an update or delete of a service that is not ACTIVE is a
  ServiceNotActiveException, of one that does not exist a
  ServiceNotFoundException; Describe of an unknown ARN is a
  ResourceNotFoundException.

    with ExpressServer(moto=moto_url) as x:
        ... route the four operations to x.url (proxy.py's `route`) ...
        x.services()   # ARN -> service, as Describe would answer with tags
        x.calls()      # [{"operation", "body", "status"}]"""
import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import botocore.exceptions
import botocore.session
import botocore.validate

MODEL = botocore.session.get_session().get_service_model("ecs")
OPERATIONS = ("CreateExpressGatewayService", "UpdateExpressGatewayService",
              "DescribeExpressGatewayService", "DeleteExpressGatewayService", "TagResource")
ACCOUNT = "123456789012"
CREDENTIAL = re.compile(r"Credential=[^/,\s]+/\d{8}/([^/,\s]+)/")
# The members of a configuration (ExpressGatewayServiceConfiguration) an
# update may set.
CONFIG_MEMBERS = ("executionRoleArn", "taskRoleArn", "cpu", "memory", "networkConfiguration",
                  "healthCheckPath", "primaryContainer", "scalingTarget")


class ApiError(Exception):
    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def check_output(value, shape, path="service"):
    """Raises ValueError where value does not fit the botocore output shape."""
    t = shape.type_name
    if t == "structure":
        if not isinstance(value, dict):
            raise ValueError(f"{path}: not an object")
        for k, v in value.items():
            if k not in shape.members:
                raise ValueError(f"{path}.{k}: not a member of {shape.name}")
            check_output(v, shape.members[k], f"{path}.{k}")
        for k in shape.required_members:
            if k not in value:
                raise ValueError(f"{path}.{k}: required by {shape.name}")
    elif t == "list":
        if not isinstance(value, list):
            raise ValueError(f"{path}: not a list")
        for i, v in enumerate(value):
            check_output(v, shape.member, f"{path}[{i}]")
    elif t == "string":
        if not isinstance(value, str):
            raise ValueError(f"{path}: not a string")
        if shape.enum and value not in shape.enum:
            raise ValueError(f"{path}: {value!r} is not one of {shape.enum}")
    elif t == "integer":
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"{path}: not an integer")
    elif t == "boolean":
        if not isinstance(value, bool):
            raise ValueError(f"{path}: not a boolean")
    elif t == "timestamp":
        if not isinstance(value, (int, float)):
            raise ValueError(f"{path}: not epoch seconds")


class _State:
    def __init__(self, moto, ready_after, drain_after):
        self.lock = threading.Lock()
        self.moto = moto
        self.ready_after, self.drain_after = ready_after, drain_after
        self.services = {}      # ARN -> {"service": {...}, "describes": n, "drains": n}
        self.log = []
        self.clock = 1_700_000_000.0

    def _now(self):
        self.clock += 1.0
        return self.clock

    def _moto(self, service):
        import boto3
        return boto3.client(service, endpoint_url=self.moto, region_name="eu-west-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def _check_dependencies(self, p):
        """The cluster and the roles must exist in moto before the service."""
        if not self.moto:
            return
        cluster = p.get("cluster", "default")
        found = self._moto("ecs").describe_clusters(clusters=[cluster])["clusters"]
        if not any(c.get("status") == "ACTIVE" for c in found):
            raise ApiError("ClusterNotFoundException", f"Cluster not found: {cluster}")
        iam = self._moto("iam")
        for member in ("executionRoleArn", "infrastructureRoleArn", "taskRoleArn"):
            arn = p.get(member)
            if arn is None:
                continue
            try:
                iam.get_role(RoleName=arn.rsplit("/", 1)[-1])
            except iam.exceptions.NoSuchEntityException:
                raise ApiError("InvalidParameterException", f"{member}: no role {arn}")

    def _configuration(self, arn, p, previous):
        name = arn.rsplit("/", 1)[-1]
        c = dict(previous or {})
        for k in CONFIG_MEMBERS:
            if k in p:
                c[k] = json.loads(json.dumps(p[k]))
        c.setdefault("cpu", "256")
        c.setdefault("memory", "512")
        c.setdefault("healthCheckPath", "/ping")
        pc = c.setdefault("primaryContainer", {})
        pc.setdefault("containerPort", 80)
        pc.setdefault("awsLogsConfiguration", {"logGroup": f"/aws/ecs/{name}",
                                               "logStreamPrefix": "ecs"})
        st = c.setdefault("scalingTarget", {})
        st.setdefault("minTaskCount", 1)
        st.setdefault("maxTaskCount", 1)
        st.setdefault("autoScalingMetric", "AVERAGE_CPU")
        st.setdefault("autoScalingTargetValue", 60)
        c.pop("ingressPaths", None)
        c["serviceRevisionArn"] = arn.replace(":service/", ":service-revision/") + \
            "/" + uuid.uuid4().hex[:16]
        c["createdAt"] = self._now()
        return c

    def _get(self, p, not_found="ServiceNotFoundException"):
        entry = self.services.get(p["serviceArn"])
        if not entry:
            raise ApiError(not_found, f"Service not found: {p['serviceArn']}")
        return entry

    def _answer(self, entry, tags):
        s = json.loads(json.dumps(entry["service"]))
        if not tags:
            s.pop("tags", None)
        return {"service": s}

    def call(self, op, region, p):
        if op == "TagResource" and p["resourceArn"] not in self.services:
            if not self.moto:
                raise ApiError("ResourceNotFoundException", f"{p['resourceArn']}: not found")
            try:
                self._moto("ecs").tag_resource(resourceArn=p["resourceArn"], tags=p["tags"])
            except botocore.exceptions.ClientError as e:
                raise ApiError(e.response["Error"]["Code"], e.response["Error"]["Message"])
            return {}
        with self.lock:
            if op == "TagResource":
                s = self.services[p["resourceArn"]]["service"]
                keys = {t["key"] for t in p["tags"]}
                s["tags"] = [t for t in s.get("tags", []) if t["key"] not in keys] + p["tags"]
                return {}
            if op == "CreateExpressGatewayService":
                cluster = p.get("cluster", "default")
                name = p.get("serviceName") or "express-" + uuid.uuid4().hex[:8]
                arn = f"arn:aws:ecs:{region}:{ACCOUNT}:service/{cluster}/{name}"
                old = self.services.get(arn)
                if old and old["service"]["status"]["statusCode"] != "INACTIVE":
                    raise ApiError("InvalidParameterException",
                                   f"Creation of service was not idempotent: {name} exists")
                self._check_dependencies(p)
                t = self._now()
                s = {"cluster": cluster, "serviceName": name, "serviceArn": arn,
                     "infrastructureRoleArn": p["infrastructureRoleArn"],
                     "status": {"statusCode": "ACTIVE"},
                     "currentDeployment": arn.replace(":service/", ":service-deployment/") +
                     "/" + uuid.uuid4().hex[:16],
                     "activeConfigurations": [self._configuration(arn, p, None)],
                     "tags": p.get("tags", []), "createdAt": t, "updatedAt": t}
                self.services[arn] = {"service": s, "describes": 0, "drains": 0}
                return self._answer(self.services[arn], True)
            if op == "DescribeExpressGatewayService":
                entry = self._get(p, "ResourceNotFoundException")
                s = entry["service"]
                entry["describes"] += 1
                code = s["status"]["statusCode"]
                if code == "DRAINING":
                    entry["drains"] += 1
                    if entry["drains"] >= self.drain_after:
                        s["status"] = {"statusCode": "INACTIVE"}
                elif code == "ACTIVE" and entry["describes"] >= self.ready_after:
                    for c in s["activeConfigurations"]:
                        host = f"{s['serviceName']}-{uuid.uuid5(uuid.NAMESPACE_URL, s['serviceArn']).hex[:12]}"
                        c.setdefault("ingressPaths", [{"accessType": "PUBLIC",
                                                       "endpoint": f"{host}.ecs.{region}.on.aws"}])
                return self._answer(entry, "TAGS" in p.get("include", []))
            entry = self._get(p)
            s = entry["service"]
            if s["status"]["statusCode"] != "ACTIVE":
                raise ApiError("ServiceNotActiveException", "Service is not ACTIVE")
            if op == "UpdateExpressGatewayService":
                self._check_dependencies(dict(p, cluster=s["cluster"],
                                              infrastructureRoleArn=s["infrastructureRoleArn"]))
                s["activeConfigurations"] = [
                    self._configuration(s["serviceArn"], p, s["activeConfigurations"][-1])]
                s["currentDeployment"] = s["serviceArn"].replace(
                    ":service/", ":service-deployment/") + "/" + uuid.uuid4().hex[:16]
                s["updatedAt"] = self._now()
                entry["describes"] = 0
                # Its answer is an UpdatedExpressGatewayService: the new
                # configuration as targetConfiguration.
                out = {k: s[k] for k in ("serviceArn", "cluster", "serviceName", "status",
                                         "createdAt", "updatedAt")}
                out["targetConfiguration"] = json.loads(json.dumps(s["activeConfigurations"][-1]))
                return {"service": out}
            # DeleteExpressGatewayService
            s["status"] = {"statusCode": "DRAINING"}
            s["updatedAt"] = self._now()
            return self._answer(entry, False)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _reply(self, status, doc, code=None):
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        if code:
            self.send_header("x-amzn-ErrorType", code)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        state = self.server.state
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        op = (self.headers.get("X-Amz-Target") or "").rsplit(".", 1)[-1]
        scope = CREDENTIAL.search(self.headers.get("Authorization", ""))
        region = scope.group(1) if scope else "us-east-1"
        record = {"operation": op, "body": None, "status": None}
        with state.lock:
            state.log.append(record)
        try:
            if op not in OPERATIONS:
                raise ApiError("UnknownOperationException", f"{op or 'no operation'}: this "
                               "endpoint serves only the Express Gateway operations")
            try:
                params = json.loads(body or b"{}")
            except ValueError:
                raise ApiError("SerializationException", "the body is not JSON")
            record["body"] = params
            model = MODEL.operation_model(op)
            report = botocore.validate.ParamValidator().validate(params, model.input_shape)
            if report.has_errors():
                raise ApiError("InvalidParameterException", report.generate_report())
            out = state.call(op, region, params)
            if "service" in model.output_shape.members:
                check_output(out["service"], model.output_shape.members["service"])
            record["status"] = 200
            self._reply(200, out)
        except ApiError as e:
            record["status"] = e.status
            record["error"] = e.code
            self._reply(e.status, {"__type": e.code, "message": e.message}, e.code)
        except ValueError as e:     # an answer that does not fit the model: the server's bug
            record["status"] = 500
            self._reply(500, {"__type": "ServerException", "message": str(e)}, "ServerException")


class ExpressServer:
    """The server on a background thread, on a free loopback port."""

    def __init__(self, moto=None, ready_after=2, drain_after=2):
        self.state = _State(moto, ready_after, drain_after)
        self.url = None
        self._server = self._thread = None

    def start(self):
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.state = self.state
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self.url

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._server = None

    def services(self):
        """ARN -> the service as Describe would answer it, with its tags."""
        with self.state.lock:
            return {a: json.loads(json.dumps(e["service"]))
                    for a, e in self.state.services.items()}

    def calls(self):
        with self.state.lock:
            return json.loads(json.dumps(self.state.log))

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
