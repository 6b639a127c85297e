#!/usr/bin/env python3
"""proxy.py: an HTTP proxy between an AWS client and moto, for the tests.

Every request is forwarded unchanged (the signed headers' bytes, Host
included) and recorded: access key id, service and region from the SigV4
credential scope, the X-Amz-Security-Token header, operation from X-Amz-Target or the form's Action, and the body.
Faults are injected on a seeded schedule, one draw per request in arrival
order: throttle, error5xx (500 InternalFailure and 503 ServiceUnavailable
in turn), drop (the connection closes, nothing is forwarded) and
drop_after (forwarded, then the connection closes unanswered) and
error5xx_after (forwarded, then moto's answer replaced by a 500
InternalFailure: the endpoint acted and said it failed). latency_ms
delays each forwarded request. rewrite changes the JSON answers of named
operations where the endpoint cannot give the answer a test needs (moto's
CodeDeploy deployments never leave Created): {"GetDeployment": [PATCH,
...]}, each PATCH merged into the next successful answer of that
operation, the last one into every answer after it. route sends named
operations to another endpoint instead of the upstream ({"Operation":
"http://HOST:PORT"}: an endpoint that serves what the upstream does not),
recorded as the others with the endpoint in `routed`.

Control paths, never forwarded or recorded: GET /__proxy/calls,
POST /__proxy/reset, GET and POST /__proxy/config.

    python3 proxy.py --upstream URL [--port 0] [--latency-ms N] [--seed N]
        [--throttle P] [--error5xx P] [--drop P] [--drop-after P]
        [--error5xx-after P] [--max-faults N] [--max-faults-per-op N]
        [--fault-ops OP,OP] [--rewrite JSON] [--host H]

prints the port on its first line once listening. In the tests:

    with Proxy(moto_url, seed=1, throttle=0.2) as p:
        ... clients with endpoint_url=p.url ...
        p.calls()"""
import argparse
import http.client
import json
import random
import re
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

FAULTS = ("throttle", "error5xx", "drop", "drop_after", "error5xx_after")
# Hop-by-hop headers (RFC 9110 7.6.1), plus any a Connection header names.
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer",
              "transfer-encoding", "upgrade", "proxy-authenticate", "proxy-authorization"}
CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/aws4_request")
READ_ONLY = ("Describe", "List", "Get")

def mutating(calls):
    """The calls that change something."""
    return [c for c in calls if c["mutating"]]

def count(calls, op):
    """How many calls were of operation op."""
    return sum(1 for c in calls if c["operation"] == op)

class _Config:
    def __init__(self):
        self.latency_ms = 0
        self.seed = 0
        self.throttle = self.error5xx = self.drop = self.drop_after = self.error5xx_after = 0.0
        self.max_faults = None
        self.max_faults_per_op = None
        self.fault_ops = None
        self.rewrite = None
        self.route = None

    def update(self, kw):
        """Checks kw whole before applying any of it; returns whether the seed was given."""
        new = dict(vars(self))
        for k, v in kw.items():
            if k not in new:
                raise ValueError(f"unknown setting {k!r}")
            if k in FAULTS:
                v = float(v)
                if not 0.0 <= v <= 1.0:
                    raise ValueError(f"{k} must be a probability, not {v}")
            elif k == "latency_ms":
                v = float(v)
                if v < 0:
                    raise ValueError("latency_ms must not be negative")
            elif k == "seed":
                v = int(v)
            elif k in ("max_faults", "max_faults_per_op"):
                v = None if v is None else int(v)
            elif k == "fault_ops":
                v = None if v is None else [str(o) for o in ([v] if isinstance(v, str) else v)]
            elif k == "rewrite":
                if v is not None and not (isinstance(v, dict) and all(
                        isinstance(ps, list) and ps and all(isinstance(x, dict) for x in ps)
                        for ps in v.values())):
                    raise ValueError("rewrite must map operations to lists of JSON objects")
            elif k == "route":
                if v is not None and not (isinstance(v, dict) and all(
                        isinstance(u, str) and urlsplit(u).scheme == "http" and
                        urlsplit(u).hostname for u in v.values())):
                    raise ValueError("route must map operations to http://HOST:PORT")
            new[k] = v
        vars(self).update(new)
        return "seed" in kw

    def as_dict(self):
        return dict(vars(self))

class _State:
    """The configuration, the schedule and the log, behind one lock."""

    def __init__(self, upstream, **kw):
        u = urlsplit(upstream)
        if u.scheme != "http" or not u.hostname:
            raise ValueError(f"upstream must be http://HOST:PORT, not {upstream!r}")
        self.upstream = (u.hostname, u.port or 80)
        self.lock = threading.Lock()
        self.config = _Config()
        self.config.update(kw)
        self._restart()

    def _restart(self):
        self.rng = random.Random(self.config.seed)
        self.log = []
        self.next_index = 0
        self.faults = 0
        self.op_faults = {}
        self.errors5xx = 0
        self.rewrites = {}

    def reset(self):
        """Clears the log and the fault count; the schedule starts again from the seed."""
        with self.lock:
            self._restart()

    def configure(self, kw):
        with self.lock:
            if self.config.update(kw):
                self.rng = random.Random(self.config.seed)
            return self.config.as_dict()

    def arrive(self, record):
        """Numbers and logs a request and draws its fault; returns (fault, latency s, 5xx status)."""
        with self.lock:
            c = self.config
            record["index"] = self.next_index
            self.next_index += 1
            draw = self.rng.random()
            fault, edge = None, 0.0
            for kind in FAULTS:
                edge += getattr(c, kind)
                if draw < edge:
                    fault = kind
                    break
            if fault and ((c.fault_ops is not None and record["operation"] not in c.fault_ops)
                          or (c.max_faults is not None and self.faults >= c.max_faults)
                          or (c.max_faults_per_op is not None and
                              self.op_faults.get(record["operation"], 0) >= c.max_faults_per_op)):
                fault = None
            status = None
            if fault:
                self.faults += 1
                self.op_faults[record["operation"]] = self.op_faults.get(record["operation"], 0) + 1
                if fault == "error5xx":
                    status = 500 if self.errors5xx % 2 == 0 else 503
                    self.errors5xx += 1
            record["fault"] = fault
            self.log.append(record)
            return fault, c.latency_ms / 1000.0, status

    def rewritten(self, record, data):
        """data, an answer to record's operation, with the operation's next patch merged in
        (None when there is none for it)."""
        with self.lock:
            patches = (self.config.rewrite or {}).get(record["operation"])
            if not patches:
                return None
            n = self.rewrites.get(record["operation"], 0)
            self.rewrites[record["operation"]] = n + 1
            patch = patches[min(n, len(patches) - 1)]
        try:
            doc = json.loads(data or b"{}")
        except ValueError:
            return None
        _merge(doc, patch)
        record["rewritten"] = True
        return json.dumps(doc).encode()

    def finish(self, record, **kw):
        with self.lock:
            record.update(kw)

    def routed(self, operation):
        """The (host, port) operation is routed to, or None for the upstream."""
        with self.lock:
            url = (self.config.route or {}).get(operation)
        if not url:
            return None
        u = urlsplit(url)
        return u.hostname, u.port or 80

    def calls(self):
        with self.lock:
            return json.loads(json.dumps(self.log))

def _merge(doc, patch):
    """Merges patch into doc: objects member by member, anything else replaced."""
    for k, v in patch.items():
        if isinstance(v, dict) and isinstance(doc.get(k), dict):
            _merge(doc[k], v)
        else:
            doc[k] = v

def _parse_body(body, content_type):
    if not body:
        return None
    text = body.decode("utf-8", "replace")
    if "json" in content_type or text.lstrip().startswith("{"):
        try:
            return json.loads(text)
        except ValueError:
            pass
    if "x-www-form-urlencoded" in content_type:
        form = parse_qs(text, keep_blank_values=True)
        return {k: v[0] if len(v) == 1 else v for k, v in form.items()}
    return text

def _error(json_protocol, status, code, message, xml_type):
    """An AWS error response as (status, headers, body) in the request's protocol."""
    if json_protocol:
        body = json.dumps({"__type": code, "message": message}, separators=(",", ":")).encode()
        headers = [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", code),
                   ("x-amzn-RequestId", "proxy")]
    else:
        body = (f"<ErrorResponse><Error><Type>{xml_type}</Type><Code>{code}</Code>"
                f"<Message>{message}</Message></Error><RequestId>proxy</RequestId>"
                f"</ErrorResponse>").encode()
        headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", "proxy")]
    return status, headers + [("Content-Length", str(len(body)))], body

class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "proxy"

    def setup(self):
        super().setup()
        self.upstream = None
        self.server.track(self.connection, True)

    def finish(self):
        self.server.track(self.connection, False)
        if self.upstream:
            self.upstream.close()
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, *args):
        pass

    def _read_body(self):
        """The body by Content-Length (chunked bodies are decoded), and whether it was chunked."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts), True
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return (self.rfile.read(n) if n > 0 else b""), False

    def _send(self, status, headers, body, reason=None):
        self.send_response_only(status, reason)
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()

    def _control(self, path, body):
        state, status = self.server.state, 200
        if path == "/__proxy/calls" and self.command == "GET":
            out = state.calls()
        elif path == "/__proxy/reset" and self.command == "POST":
            state.reset()
            out = {"ok": True}
        elif path == "/__proxy/config" and self.command in ("GET", "POST"):
            try:
                out = state.configure(json.loads(body or b"{}") if self.command == "POST" else {})
            except (ValueError, TypeError, AttributeError) as e:
                status, out = 400, {"error": str(e)}
        else:
            status, out = 404, {"error": f"no {self.command} {path}"}
        data = json.dumps(out).encode()
        self._send(status, [("Content-Type", "application/json"),
                            ("Content-Length", str(len(data)))], data)

    def _forward(self, path, headers, body, routed=None):
        """Sends the request upstream on this connection's keep-alive connection, once more on a
        fresh one if a reused one turns out closed; returns the response and its body. A routed
        request goes to its endpoint on a connection of its own."""
        if routed:
            conn = http.client.HTTPConnection(*routed, timeout=120)
            try:
                conn.putrequest(self.command, path, skip_host=True, skip_accept_encoding=True)
                for k, v in headers:
                    conn.putheader(k, v)
                conn.endheaders(body if body else None)
                resp = conn.getresponse()
                return resp, resp.read()
            finally:
                conn.close()
        for attempt in (0, 1):
            reused = self.upstream is not None and self.upstream.sock is not None
            if self.upstream is None:
                self.upstream = http.client.HTTPConnection(*self.server.state.upstream, timeout=120)
            try:
                self.upstream.putrequest(self.command, path, skip_host=True,
                                         skip_accept_encoding=True)
                for k, v in headers:
                    self.upstream.putheader(k, v)
                self.upstream.endheaders(body if body else None)
                resp = self.upstream.getresponse()
                return resp, resp.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.upstream.close()
                if not reused or attempt:
                    raise
            except Exception:
                self.upstream.close()
                raise

    def _handle(self):
        try:
            body, chunked = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        path = self.path
        if "://" in path.split("?", 1)[0]:  # absolute form: keep the origin form
            u = urlsplit(path)
            path = (u.path or "/") + ("?" + u.query if u.query else "")
        target = urlsplit(path)
        if target.path.startswith("/__proxy/"):
            return self._control(target.path, body)

        h = self.headers
        content_type = h.get("Content-Type", "")
        parsed = _parse_body(body, content_type)
        scope = CREDENTIAL.search(h.get("Authorization", ""))
        query = parse_qs(target.query)
        if not scope and "X-Amz-Credential" in query:
            scope = CREDENTIAL.search("Credential=" + query["X-Amz-Credential"][0])
        amz_target = h.get("X-Amz-Target")
        if amz_target:
            operation = amz_target.rsplit(".", 1)[-1]
        elif isinstance(parsed, dict) and isinstance(parsed.get("Action"), str) \
                and "x-www-form-urlencoded" in content_type:
            operation = parsed["Action"]
        else:
            operation = query.get("Action", [None])[0]
        json_protocol = bool(amz_target) or "json" in content_type
        record = {
            "index": None,
            "time": time.time(),
            "method": self.command,
            "path": path,
            "service": scope.group(4) if scope else None,
            "region": scope.group(3) if scope else None,
            "access_key": scope.group(1) if scope else None,
            "security_token": h.get("X-Amz-Security-Token"),
            "operation": operation,
            "protocol": "json" if json_protocol else "query",
            "mutating": (not operation.startswith(READ_ONLY)) if operation
                        else self.command not in ("GET", "HEAD"),
            "fault": None,
            "status": None,
            "upstream_status": None,
            "body": parsed,
        }
        state = self.server.state
        fault, latency, status5xx = state.arrive(record)

        if fault == "drop":
            self.close_connection = True
            return
        if fault == "throttle":
            if json_protocol:
                reply = _error(True, 400, "ThrottlingException", "Rate exceeded", "Sender")
            else:
                reply = _error(False, 400, "Throttling", "Rate exceeded", "Sender")
            state.finish(record, status=400)
            return self._send(*reply)
        if fault == "error5xx":
            if status5xx == 500:
                reply = _error(json_protocol, 500, "InternalFailure",
                               "The request processing has failed because of an unknown error",
                               "Receiver")
            else:
                reply = _error(json_protocol, 503, "ServiceUnavailable",
                               "The service is unavailable", "Receiver")
            state.finish(record, status=status5xx)
            return self._send(*reply)

        if latency > 0:
            time.sleep(latency)
        hop = HOP_BY_HOP | {t.strip().lower() for v in h.get_all("Connection", [])
                            for t in v.split(",")}
        headers = [(k, v) for k, v in h.items() if k.lower() not in hop]
        if chunked:
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            headers.append(("Content-Length", str(len(body))))
        routed = state.routed(operation)
        if routed:
            state.finish(record, routed="http://%s:%d" % routed)
        try:
            resp, data = self._forward(path, headers, body, routed)
        except (OSError, http.client.HTTPException) as e:
            state.finish(record, status=None if fault else 502, error=str(e))
            if fault == "drop_after":
                self.close_connection = True
                return
            reply = _error(json_protocol, 502, "BadGateway", f"upstream: {e}", "Receiver")
            return self._send(*reply)
        state.finish(record, upstream_status=resp.status,
                     status=None if fault == "drop_after" else
                     500 if fault == "error5xx_after" else resp.status)
        if fault == "drop_after":
            self.close_connection = True
            return
        if fault == "error5xx_after":
            return self._send(*_error(json_protocol, 500, "InternalFailure",
                                      "The request processing has failed because of an "
                                      "unknown error", "Receiver"))
        hop = HOP_BY_HOP | {t.strip().lower() for v in resp.msg.get_all("Connection", [])
                            for t in v.split(",")}
        out = [(k, v) for k, v in resp.msg.items() if k.lower() not in hop]
        changed = state.rewritten(record, data) if 200 <= resp.status < 300 else None
        if changed is not None:
            data = changed
            out = [(k, v) for k, v in out if k.lower() != "content-length"]
            out.append(("Content-Length", str(len(data))))
        elif resp.msg.get("Content-Length") is None or resp.chunked:
            out = [(k, v) for k, v in out if k.lower() != "content-length"]
            out.append(("Content-Length", str(len(data))))
        self._send(resp.status, out, data, resp.reason)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _handle

class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, addr, state):
        self.state = state
        self.open = set()
        self.open_lock = threading.Lock()
        super().__init__(addr, _Handler)

    def track(self, sock, is_open):
        with self.open_lock:
            (self.open.add if is_open else self.open.discard)(sock)

    def close_all(self):
        with self.open_lock:
            for s in list(self.open):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)

class Proxy:
    """The proxy in this process, on a background thread.

    Settings (keywords here and to configure()): latency_ms, seed, throttle,
    error5xx, drop, drop_after, error5xx_after (probabilities), max_faults (a
    cap on the total, None for none), max_faults_per_op (a cap for each
    operation: 1 faults only its first call), fault_ops (operation names
    that may be faulted, None for all), rewrite (operation -> list of JSON
    patches for its successive answers, None for none), route (operation ->
    http://HOST:PORT it is sent to instead of the upstream, None for none)."""

    def __init__(self, upstream, port=0, host="127.0.0.1", **settings):
        self.state = _State(upstream, **settings)
        self.host, self.port = host, port
        self.url = None
        self._server = self._thread = None

    def start(self):
        """Listens and serves on a background thread; returns the proxy's URL."""
        self._server = _Server((self.host, self.port), self.state)
        self.port = self._server.server_address[1]
        self.url = f"http://{self.host}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name=f"proxy:{self.port}")
        self._thread.start()
        return self.url

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.close_all()
            self._server.server_close()
            self._thread.join()
            self._server = self._thread = None

    def calls(self):
        """The requests so far, in arrival order: a list of dicts with index, time (of arrival,
        time.time()), method, path,
        access_key, service, region, security_token, operation, protocol ("json" or "query"), mutating, fault, status
        (what the client got, None if nothing), upstream_status (None if not forwarded)
        and body (the JSON or form body as a dict where possible)."""
        return self.state.calls()

    def reset(self):
        """Clears the log and the fault count; the schedule starts again from the seed."""
        self.state.reset()

    def configure(self, **settings):
        """Changes settings from now on (a new seed restarts the schedule); returns them all."""
        return self.state.configure(settings)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

def main():
    ap = argparse.ArgumentParser(description="HTTP proxy that records AWS calls and injects faults.")
    ap.add_argument("--upstream", required=True, help="http://HOST:PORT to forward to")
    ap.add_argument("--port", type=int, default=0, help="port to listen on (0: any free one)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--latency-ms", type=float, default=0)
    ap.add_argument("--seed", type=int, default=0)
    for kind in FAULTS:
        ap.add_argument("--" + kind.replace("_", "-"), type=float, default=0.0, metavar="P")
    ap.add_argument("--max-faults", type=int, default=None, metavar="N")
    ap.add_argument("--max-faults-per-op", type=int, default=None, metavar="N")
    ap.add_argument("--fault-ops", default=None, metavar="OP,OP",
                    help="only these operations are faulted")
    ap.add_argument("--rewrite", default=None, metavar="JSON",
                    help='{"Operation": [patch, ...]}: patches merged into its answers')
    a = ap.parse_args()
    try:
        state = _State(a.upstream, latency_ms=a.latency_ms, seed=a.seed, max_faults=a.max_faults,
                       max_faults_per_op=a.max_faults_per_op,
                       fault_ops=a.fault_ops.split(",") if a.fault_ops else None,
                       rewrite=json.loads(a.rewrite) if a.rewrite else None,
                       **{k: getattr(a, k) for k in FAULTS})
    except ValueError as e:
        ap.error(str(e))
    server = _Server((a.host, a.port), state)
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()

if __name__ == "__main__":
    main()
