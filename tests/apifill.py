"""apifill.py: a bundle's placeholders replaced by well-formed values, so that
botocore's parameter validator can read its requests."""
import json

FILL = {"arn": "arn:aws:iam::123456789012:role/placeholder", "id": "ecs-svc/1234567890123456789",
        "security-group-id": "sg-0123456789abcdef0"}


def fill(v):
    if isinstance(v, dict):
        if "$from" in v:
            return FILL[v["$from"]["type"]]
        if "$sub" in v:
            return (v["$sub"].replace("${AWS::Partition}", "aws")
                    .replace("${AWS::Region}", "eu-west-1")
                    .replace("${AWS::AccountId}", "123456789012"))
        if "$json" in v:
            return json.dumps(fill(v["$json"]))
        return {k: fill(x) for k, x in v.items()}
    if isinstance(v, list):
        return [fill(x) for x in v]
    return v
