#!/usr/bin/env python3
"""lsp.py [--services N] [--changes N] [--latency N] [--debounce MS] [ECSC]:
the language server's latency and memory on a generated spec.

Starts `ECSC lsp` (default build/ecsc) on a spec of N services
(bench/gen_services.py, default 1,000: about 1 MB) opened in a workspace
folder, then

1. latency: sends --latency (default 50) incremental didChange
   notifications, each waiting for the publishDiagnostics of its version,
   and reports the time from the change written to its diagnostics read
   (median, 95th percentile, worst), with the server's own debounce
   (25 ms, the server's default; --debounce sets initializationOptions.debounce);
2. memory: sends --changes (default 2,000) more, as fast as their
   diagnostics come back, reading the server's resident memory
   (/proc/PID/status VmRSS) every 250 changes and its peak (VmHWM) at the
   end.

Every change edits one service's `desired_count`, alternately to a valid
value and to an invalid one, so that half the analyses publish an error
(E0104) and half publish none: each answer is checked to be the one its
text calls for.

Exit status 1 when the median latency is 200 ms or more, or the resident
memory after the session exceeds the bound: 1.25 x the resident memory
after the first 250 changes (no growth with the session's length beyond
the allocator's slack). Figures and the bound are in bench/README.md.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


class Server:
    def __init__(self, cmd):
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.next_id = 1

    def send(self, msg):
        msg["jsonrpc"] = "2.0"
        body = json.dumps(msg).encode()
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.p.stdin.flush()

    def read(self):
        length = None
        while True:
            line = self.p.stdout.readline()
            if not line:
                raise SystemExit("bench: the server ended")
            line = line.strip()
            if not line:
                break
            k, _, v = line.partition(b":")
            if k.lower() == b"content-length":
                length = int(v)
        return json.loads(self.p.stdout.read(length))

    def request(self, method, params):
        rid = self.next_id
        self.next_id += 1
        self.send({"id": rid, "method": method, "params": params})
        while True:
            m = self.read()
            if m.get("id") == rid:
                return m

    def diagnostics(self, uri, version):
        while True:
            m = self.read()
            p = m.get("params", {})
            if m.get("method") == "textDocument/publishDiagnostics" and p.get("uri") == uri \
                    and p.get("version") == version:
                return p["diagnostics"]

    def cpu_ms(self):
        """The server's user + system CPU time so far."""
        with open(f"/proc/{self.p.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")

    def status(self, field):
        with open(f"/proc/{self.p.pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])     # KiB
        return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--services", type=int, default=1000)
    ap.add_argument("--changes", type=int, default=2000)
    ap.add_argument("--latency", type=int, default=50)
    ap.add_argument("--debounce", type=float, default=None)
    ap.add_argument("ecsc", nargs="?", default=os.path.join(ROOT, "build", "ecsc"))
    a = ap.parse_args()
    if not os.access(a.ecsc, os.X_OK):
        raise SystemExit(f"bench: {a.ecsc} not built; run scripts/setup.sh run")

    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, "services.ecs")
    text = subprocess.run([sys.executable, os.path.join(HERE, "gen_services.py"), str(a.services)],
                          check=True, capture_output=True, text=True).stdout
    with open(path, "w") as f:
        f.write(text)
    uri = "file://" + path
    lines = text.splitlines()
    targets = [i for i, l in enumerate(lines) if l.startswith("  desired_count = ")]
    col = len("  desired_count = ")

    s = Server([a.ecsc, "lsp"])
    opts = {} if a.debounce is None else {"debounce": a.debounce}
    s.request("initialize", {"processId": os.getpid(), "capabilities": {},
                             "workspaceFolders": [{"uri": "file://" + tmp, "name": "bench"}],
                             "initializationOptions": opts})
    s.send({"method": "initialized", "params": {}})
    t0 = time.perf_counter()
    s.send({"method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "ecs", "version": 1, "text": text}}})
    assert s.diagnostics(uri, 1) == [], "the generated spec is not clean"
    opened = (time.perf_counter() - t0) * 1000

    version = 1
    current = {i: "2" for i in targets}

    def change(k):
        """Edits a service's desired_count: to `-1` (E0104) on odd versions, back to a
        count in its autoscaling range on the next one; then the next service."""
        nonlocal version
        version += 1
        line = targets[((version - 1) // 2) % len(targets)]
        new = "-1" if version % 2 else str(version % 7 + 2)
        old = current[line]
        current[line] = new
        s.send({"method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"range": {"start": {"line": line, "character": col},
                                          "end": {"line": line, "character": col + len(old)}},
                                "text": new}]}})
        return version, new == "-1"

    def check(diags, bad):
        codes = [d["code"] for d in diags]
        assert codes == (["E0104"] if bad else []), codes

    lat = []
    cpu0 = s.cpu_ms()
    for k in range(a.latency):
        t = time.perf_counter()
        v, bad = change(k)
        check(s.diagnostics(uri, v), bad)
        lat.append((time.perf_counter() - t) * 1000)
        time.sleep(0.02)
    cpu = (s.cpu_ms() - cpu0) / a.latency
    lat.sort()
    med = statistics.median(lat)
    p95 = lat[min(len(lat) - 1, int(len(lat) * 0.95))]
    print(f"spec: {a.services} services, {len(text.encode()) / 1e6:.2f} MB; "
          f"didOpen to diagnostics {opened:.0f} ms")
    print(f"didChange to diagnostics ({a.latency} changes, debounce "
          f"{'default' if a.debounce is None else a.debounce}): median {med:.0f} ms, "
          f"p95 {p95:.0f} ms, worst {lat[-1]:.0f} ms; server CPU time {cpu:.0f} ms a change")

    rss = []
    t = time.perf_counter()
    for k in range(a.changes):
        v, bad = change(k)
        check(s.diagnostics(uri, v), bad)
        if (k + 1) % 250 == 0 or k + 1 == a.changes:
            rss.append((k + 1, s.status("VmRSS")))
    took = time.perf_counter() - t
    hwm = s.status("VmHWM")
    print(f"session: {a.changes} more changes in {took:.0f} s; VmRSS (MiB) after "
          + ", ".join(f"{n}: {r / 1024:.1f}" for n, r in rss))
    bound = rss[0][1] * 1.25
    print(f"peak RSS (VmHWM) {hwm / 1024:.1f} MiB; bound on the final VmRSS "
          f"{bound / 1024:.1f} MiB (1.25 x after {rss[0][0]} changes)")
    s.request("shutdown", None)
    s.send({"method": "exit"})
    s.p.wait(timeout=30)
    ok = med < 200 and rss[-1][1] <= bound
    print("ok" if ok else "FAILED: latency or memory over its bound")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
