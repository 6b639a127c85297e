#!/usr/bin/env python3
"""replay.py BUNDLE --endpoint-url URL [--region R]: send a bundle's
requests, in order, through boto3, resolving its placeholders.

A small, independent reader of the bundle format (docs/bundle.md): it
knows nothing of ecsc. $from takes a field of an earlier response, $sub
the partition, region and account of the endpoint, $json sends an object
as JSON text once its placeholders are resolved."""
import argparse
import json
import re
import sys

import boto3

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bundle")
    ap.add_argument("--endpoint-url", required=True)
    ap.add_argument("--region", default="eu-west-1")
    a = ap.parse_args()
    bundle = json.load(open(a.bundle))
    assert bundle["format"] == "ecsc-bundle" and bundle["version"] == 1
    kw = dict(endpoint_url=a.endpoint_url, region_name=a.region,
              aws_access_key_id="testing", aws_secret_access_key="testing")
    clients = {}
    account = boto3.client("sts", **kw).get_caller_identity()["Account"]
    pseudo = {"AWS::Partition": "aws", "AWS::Region": a.region, "AWS::AccountId": account}
    responses = {}

    def resolve(v):
        if isinstance(v, dict):
            if "$from" in v:
                f = v["$from"]
                out = responses[f["request"]]
                for part in f["field"].split("."):
                    out = out[part]
                return out
            if "$sub" in v:
                return re.sub(r"\$\{([A-Za-z:]+)\}", lambda m: pseudo[m.group(1)], v["$sub"])
            if "$json" in v:
                return json.dumps(resolve(v["$json"]))
            return {k: resolve(x) for k, x in v.items()}
        if isinstance(v, list):
            return [resolve(x) for x in v]
        return v

    done = set()
    for req in bundle["requests"]:
        missing = [d for d in req["depends_on"] if d not in done]
        if missing:
            sys.exit(f"replay: {req['id']} comes before {missing}")
        svc = req["service"]
        if svc not in clients:
            clients[svc] = boto3.client(svc, **kw)
        params = resolve(req["params"])
        responses[req["id"]] = clients[svc]._make_api_call(req["operation"], params)
        done.add(req["id"])
    print(f"replay: {len(bundle['requests'])} requests sent")

main()
