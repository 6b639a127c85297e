#!/usr/bin/env python3
"""test_dot.py ECSC SAMPLE...: `ecsc graph` as Graphviz reads it.

Each sample's DOT, with and without --inputs, is laid out by Graphviz
(`dot -Tjson0`, the validator) and compared with the graph's JSON dump
(`ecsc check --emit=graph`):

- every node of the graph is drawn once, and the edges are exactly its
  depends_on (plus the legend's and, with --inputs, the inputs');
- each service sits in a box `service NAME` holding its task definition,
  nested in the box of the cluster its request names (`cluster NAME`);
- a legend is drawn; its input entry only with --inputs;
- with --inputs, each subnet, security group and target group of a
  service's request and each image and secret of a task definition is one
  input node (`KIND\\nVALUE`) with an edge from the node that uses it;
  without --inputs there is none."""
import json
import os
import subprocess
import sys

ECSC = sys.argv[1]
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {detail}"))
    if ok:
        passed += 1
    else:
        failed += 1


def layout(sample, *args):
    dot = subprocess.run([ECSC, "graph", *args, sample], capture_output=True, text=True,
                         check=True).stdout
    out = subprocess.run(["dot", "-Tjson0"], input=dot, capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out)


def ref(v):
    return v.get("$ref") if isinstance(v, dict) else None


def strings(v):
    return [x for x in (v if isinstance(v, list) else [v]) if isinstance(x, str)]


for sample in sys.argv[2:]:
    name = os.path.basename(sample.rstrip("/"))
    graph = json.loads(subprocess.run([ECSC, "check", "--emit=graph", sample],
                                      capture_output=True, text=True, check=True).stdout)
    res = {r["id"]: r for r in graph["resources"]}
    deps = {(r["id"], d) for r in graph["resources"] for d in r["depends_on"]}
    for inputs in (False, True):
        tag = f"{name}{' --inputs' if inputs else ''}"
        g = layout(sample, *(["--inputs"] if inputs else []))
        objs = g["objects"]
        nodes = {o["name"]: o for o in objs if "nodes" not in o and "subgraphs" not in o
                 and not o["name"].startswith("cluster_")}
        boxes = [o for o in objs if o["name"].startswith("cluster")]
        gvid = {o["_gvid"]: o["name"] for o in objs}
        edges = {(gvid[e["tail"]], gvid[e["head"]]) for e in g.get("edges", [])}
        drawn = {n for n in nodes if n in res}
        check(f"{tag}: every node drawn once", drawn == set(res) and
              sum(1 for o in objs if o["name"] in res) == len(res),
              sorted(set(res) ^ drawn))
        graph_edges = {e for e in edges if e[0] in res and e[1] in res}
        check(f"{tag}: the edges are the graph's depends_on", graph_edges == deps,
              sorted(graph_edges ^ deps)[:6])

        def box_of(node_id, label_prefix):
            """The innermost box labelled label_prefix... that holds node_id."""
            k = next(o["_gvid"] for o in objs if o["name"] == node_id)
            hold = [b for b in boxes if k in b.get("nodes", []) and
                    b.get("label", "").startswith(label_prefix)]
            return min(hold, key=lambda b: len(b["nodes"])) if hold else None

        ok, bad = True, []
        for r in graph["resources"]:
            if r["type"] != "AWS::ECS::Service":
                continue
            sbox = box_of(r["id"], "service ")
            td = ref(r["properties"].get("taskDefinition"))
            cl = ref(r["properties"].get("cluster"))
            in_box = sbox and (not td or box_of(td, "service ") is sbox)
            nested = True
            if cl:
                cbox = box_of(cl, "cluster ")
                nested = bool(cbox) and sbox is not None and \
                    sbox["_gvid"] in cbox.get("subgraphs", []) and \
                    cbox["label"] == "cluster " + res[cl]["name"]
            if not (in_box and nested):
                ok = False
                bad.append(r["id"])
        check(f"{tag}: each service and its task definition in its box, inside its cluster's",
              ok, bad)
        legend = [b for b in boxes if b.get("label") == "legend"]
        check(f"{tag}: a legend, its input entry only with --inputs",
              len(legend) == 1 and ("legend_input" in nodes) == inputs,
              [b.get("label") for b in boxes])

        # What the inputs must be, read from the requests themselves.
        want = set()
        for r in graph["resources"]:
            p = r["properties"]
            if r["type"] == "AWS::ECS::Service":
                net = p.get("networkConfiguration", {}).get("awsvpcConfiguration", {})
                want |= {(r["id"], "subnet", s) for s in strings(net.get("subnets", []))}
                want |= {(r["id"], "security group", s)
                         for s in strings(net.get("securityGroups", []))}
                want |= {(r["id"], "target group", lb["targetGroupArn"])
                         for lb in p.get("loadBalancers", [])
                         if isinstance(lb.get("targetGroupArn"), str)}
            if r["type"] == "AWS::ECS::ExpressGatewayService":
                net = p.get("networkConfiguration", {})
                want |= {(r["id"], "subnet", s) for s in strings(net.get("subnets", []))}
                want |= {(r["id"], "security group", s)
                         for s in strings(net.get("securityGroups", []))}
                c = p.get("primaryContainer", {})
                want |= {(r["id"], "image", s) for s in strings(c.get("image"))}
                want |= {(r["id"], "secret", s["valueFrom"]) for s in c.get("secrets", [])
                         if isinstance(s.get("valueFrom"), str)}
            if r["type"] == "AWS::ECS::TaskDefinition":
                for c in p.get("containerDefinitions", []):
                    want |= {(r["id"], "image", s) for s in strings(c.get("image"))}
                    want |= {(r["id"], "secret", s["valueFrom"]) for s in c.get("secrets", [])
                             if isinstance(s.get("valueFrom"), str)}
        inputs_drawn = {n: o for n, o in nodes.items() if n.startswith("input")}
        if not inputs:
            check(f"{tag}: no input nodes", not inputs_drawn, sorted(inputs_drawn))
            continue
        labels = {n: tuple(o["label"].split("\\n", 1)) for n, o in inputs_drawn.items()}
        got = {(t, *labels[h]) for t, h in edges if h in labels}
        missing = want - got
        check(f"{tag}: each subnet, group, target group, image and secret is an input "
              f"with an edge from its user ({len(want)})", want and not missing,
              sorted(missing)[:5])
        values = list(labels.values())
        check(f"{tag}: each input once, each used", len(values) == len(set(values)) and
              all(any(h == n for _, h in edges) for n in labels), values)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
