"""`ecsc lsp` end to end through pytest-lsp's client (which also checks each
answer against the protocol and the capabilities the server announced)."""
import asyncio
import json
import select
import subprocess
import time

import pytest
from lsprotocol import types

from conftest import ECSC, ROOT

SPEC = """\
cluster main { capacity FARGATE { weight = 1 } }
service web in main {
  cpu    = 0.5 vcpu
  memory = 1 GiB
  container app {
    image = "nginx:1.27"
    port http { container_port = 80 }
  }
  load_balancer {
    target_group = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/0123456789abcdef"
    container    = app.htp
  }
  network { subnets = ["subnet-0a1b2c3d"] }
}
"""


async def diagnostics_of(client, uri, timeout=60):
    """The diagnostics of uri, waiting until some are published (callers
    drop the ones they have seen from client.diagnostics first). It polls
    what the client stored, so a notification that came before the wait
    began is not missed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while uri not in client.diagnostics:
        if loop.time() > deadline:
            raise AssertionError(f"no diagnostics for {uri} in {timeout} s")
        await asyncio.sleep(0.005)
    return client.diagnostics[uri]


def open_doc(client, path, text):
    path.write_text(text)
    uri = path.as_uri()
    client.diagnostics.pop(uri, None)
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="ecs", version=1, text=text)))
    return uri


@pytest.mark.asyncio
async def test_diagnostics_open_and_change(client, tmp_path):
    uri = open_doc(client, tmp_path / "web.ecs", SPEC)
    diags = await diagnostics_of(client, uri)
    assert len(diags) == 1
    d = diags[0]
    assert d.code == "E0011"
    assert d.severity == types.DiagnosticSeverity.Error
    assert "container `app` has no port `htp`" in d.message
    assert "did you mean `http`?" in d.message
    # line 11 (0-based 10), `htp` after `app.`
    assert (d.range.start.line, d.range.start.character) == (10, 23)
    assert (d.range.end.line, d.range.end.character) == (10, 26)
    # An incremental change fixes it: `htp` -> `http`.
    client.diagnostics.pop(uri)
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangePartial(
            range=types.Range(start=types.Position(line=10, character=25),
                              end=types.Position(line=10, character=25)), text="t")]))
    assert list(await diagnostics_of(client, uri)) == []


@pytest.mark.asyncio
async def test_positions_count_utf16(client, tmp_path):
    # Before the error on its line: an emoji (two UTF-16 units, four bytes)
    # and an e-acute (one unit, two bytes).
    text = SPEC.replace('container    = app.htp', 'container    = app.htp # \U0001F680 \u00e9')
    text = text.replace('image = "nginx:1.27"', 'image = "nginx:1.27" # \U0001F680\u00e9')
    text = text.replace("  load_balancer {", "  environment = { K = \"\U0001F680\u00e9\" }\n  load_balancer {")
    text = text.replace("environment", "environmen")   # unknown field, after the emoji
    text = text.replace('{ K = "\U0001F680\u00e9" }', '{ K = "\U0001F680\u00e9" } x = 1')
    uri = open_doc(client, tmp_path / "u.ecs", text)
    diags = await diagnostics_of(client, uri)
    by_code = {d.code: d for d in diags}
    line = text.splitlines()[by_code["E0100"].range.start.line]
    assert line.startswith("  environmen")
    # The second unknown field `x`, after `"🚀é" } `: UTF-16 column.
    xs = [d for d in diags if "`x`" in d.message]
    assert xs, diags
    x = xs[0].range.start
    col16 = len(line[:line.index(" x = 1") + 1].encode("utf-16-le")) // 2
    assert x.character == col16
    assert col16 != len(line[:line.index(" x = 1") + 1].encode())


def frame(obj=None, raw=None):
    body = raw if raw is not None else json.dumps(obj).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_frames(data):
    out = []
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        n = int(head.split(b":")[1])
        out.append(json.loads(rest[:n]))
        data = rest[n:]
    return out


def test_bad_frames_get_errors_not_a_crash():
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}
    data = (frame(init) + frame(raw=b"{not json") + b"Content-Type: x\r\n\r\n"
            + frame(raw=b"[1,2]") + frame({"jsonrpc": "2.0", "id": 7, "method": "no/such"})
            + frame(raw=b'{"jsonrpc":"2.0","id":8,"method":"textDocument/hover","params":5}')
            + frame({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
            + frame({"jsonrpc": "2.0", "method": "exit"}))
    p = subprocess.run([ECSC, "lsp"], input=data, capture_output=True, timeout=30)
    assert p.returncode == 0, p.stderr
    msgs = read_frames(p.stdout)
    assert msgs[0]["id"] == 1 and "capabilities" in msgs[0]["result"]
    errors = [m["error"]["code"] for m in msgs if "error" in m]
    assert errors == [-32700, -32700, -32600, -32601, -32602], msgs
    assert msgs[-1] == {"id": 2, "result": None, "jsonrpc": "2.0"}


def test_positions_out_of_range_are_clamped():
    """A line, column or version beyond any integer (1e300, -1e300, 9e18) is
    clamped into range: the answers are those for the last place in the
    text, not a crash or undefined behaviour (the fuzzer once found the
    cast)."""
    uri = "file:///t/a.ecs"
    text = "cluster main {\n}\n"
    msgs = [{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}},
            {"jsonrpc": "2.0", "method": "textDocument/didOpen",
             "params": {"textDocument": {"uri": uri, "languageId": "ecs", "version": 1e300,
                                         "text": text}}},
            {"jsonrpc": "2.0", "id": 2, "method": "textDocument/prepareRename",
             "params": {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 1e300}}},
            {"jsonrpc": "2.0", "id": 3, "method": "textDocument/prepareRename",
             "params": {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 9}}},
            {"jsonrpc": "2.0", "method": "textDocument/didChange",
             "params": {"textDocument": {"uri": uri, "version": 9e18},
                        "contentChanges": [{"range": {"start": {"line": 1e300, "character": -1e300},
                                                      "end": {"line": 1e20, "character": 1e300}},
                                            "text": "\ncluster second {\n}\n"}]}},
            {"jsonrpc": "2.0", "id": 4, "method": "textDocument/documentSymbol",
             "params": {"textDocument": {"uri": uri}}},
            {"jsonrpc": "2.0", "id": 5, "method": "shutdown"},
            {"jsonrpc": "2.0", "method": "exit"}]
    p = subprocess.run([ECSC, "lsp"], input=b"".join(frame(m) for m in msgs),
                       capture_output=True, timeout=30)
    assert p.returncode == 0, p.stderr
    answers = {m["id"]: m for m in read_frames(p.stdout) if "id" in m}
    # Column 1e300 on line 0 is the line's end: past the name, nothing to rename.
    assert answers[2].get("result") is None, answers[2]
    assert answers[3]["result"]["placeholder"] == "main", answers[3]
    # The change at (1e300, -1e300)..(1e20, 1e300) is an insertion at the end.
    symbols = answers[4]["result"]
    assert [x["name"] for x in symbols] == ["main", "second"], answers[4]
    assert symbols[1]["range"]["start"]["line"] == 3, symbols[1]
    assert answers[5]["result"] is None


def test_exit_without_shutdown_is_status_1():
    p = subprocess.run([ECSC, "lsp"], input=frame({"jsonrpc": "2.0", "method": "exit"}),
                       capture_output=True, timeout=30)
    assert p.returncode == 1


def test_vscode_extension_folder():
    """editors/vscode: a manifest that starts `ecsc lsp` through
    vscode-languageclient for .ecs files, nothing fetched from anywhere but
    its one dependency, and a TextMate grammar whose patterns compile."""
    import re
    import shutil
    folder = ROOT / "editors" / "vscode"
    pkg = json.loads((folder / "package.json").read_text())
    assert pkg["main"] == "./extension.js" and (folder / "extension.js").exists()
    assert list(pkg["dependencies"]) == ["vscode-languageclient"]
    assert pkg["contributes"]["languages"][0]["extensions"] == [".ecs"]
    for f in folder.rglob("*"):
        if f.is_file():
            assert "://" not in f.read_text(), f      # no registry or download URL
    js = (folder / "extension.js").read_text()
    assert "require('vscode-languageclient/node')" in js and "args: ['lsp']" in js
    if shutil.which("node"):
        subprocess.run(["node", "--check", str(folder / "extension.js")], check=True)
    grammar = json.loads((folder / "syntaxes" / "ecs.tmLanguage.json").read_text())

    def patterns(node):
        for k, v in (node.items() if isinstance(node, dict) else enumerate(node)):
            if k in ("match", "begin", "end") and isinstance(v, str):
                yield v
            elif isinstance(v, (dict, list)):
                yield from patterns(v)
    pats = list(patterns(grammar))
    assert len(pats) > 10
    for p in pats:
        re.compile(p)
    # Every declaration keyword the tree-sitter grammar knows is a keyword here.
    js_grammar = (ROOT / "grammar" / "grammar.js").read_text()
    for kw in ("cluster", "service", "express_service", "task", "role", "policy", "log_group"):
        assert f"'{kw}'" in js_grammar or f'"{kw}"' in js_grammar, kw
        assert any(kw in p for p in pats), kw


def session(msgs, raw=b""):
    """Runs `ecsc lsp` on the frames of msgs (then raw bytes); its answers by
    id, its notifications and its exit status."""
    data = b"".join(frame(m) for m in msgs) + raw
    p = subprocess.run([ECSC, "lsp"], input=data, capture_output=True, timeout=30)
    out = read_frames(p.stdout)
    return ({m["id"]: m for m in out if "id" in m and m["id"] is not None},
            [m for m in out if "id" not in m or m["id"] is None], p.returncode)


def rpc(i, method, params=None):
    m = {"jsonrpc": "2.0", "method": method, "params": params if params is not None else {}}
    if i is not None:
        m["id"] = i
    return m


INIT = rpc(1, "initialize", {"capabilities": {}})
END = [rpc(99, "shutdown"), rpc(None, "exit")]


def test_requests_before_initialize_and_after_close():
    """Before `initialize` a request is refused (-32002) and a notification
    dropped; a closed document is no longer known (its requests fail, its
    changes are ignored) and its diagnostics are cleared."""
    uri = "file:///t/a.ecs"
    doc = {"textDocument": {"uri": uri, "languageId": "ecs", "version": 1,
                            "text": "cluster main {\n  bogus = 1\n}\n"}}
    at = {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 9}}
    answers, notes, rc = session([
        rpc(2, "textDocument/hover", at), rpc(None, "textDocument/didOpen", doc),
        INIT, rpc(3, "textDocument/hover", at),
        rpc(None, "textDocument/didOpen", doc), rpc(4, "textDocument/documentSymbol", at),
        rpc(None, "textDocument/didClose", {"textDocument": {"uri": uri}}),
        rpc(None, "textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                             "contentChanges": [{"text": "x"}]}),
        rpc(5, "textDocument/hover", at), rpc(6, "textDocument/formatting", at),
        rpc(7, "textDocument/completion", at), rpc(8, "textDocument/rename",
                                                   dict(at, newName="x")),
        rpc(None, "textDocument/didClose", {"textDocument": {"uri": uri}})] + END)
    assert rc == 0
    assert answers[2]["error"]["code"] == -32002
    # The didOpen before initialize was dropped: the document is not open.
    assert answers[3]["error"]["code"] == -32602 and "not open" in answers[3]["error"]["message"]
    assert [s["name"] for s in answers[4]["result"]] == ["main"]
    for i in (5, 6, 7, 8):
        assert answers[i]["error"]["code"] == -32602, answers[i]
    pubs = [n["params"] for n in notes if n.get("method") == "textDocument/publishDiagnostics"]
    assert [len(p["diagnostics"]) for p in pubs] == [1, 0], pubs     # E0100, then cleared
    assert answers[99]["result"] is None


def test_odd_uris():
    """URIs that are no file, percent escapes that are broken or encode NUL,
    `localhost` and other hosts, and a path that is a directory: each is a
    document or refused, never a crash."""
    text = "cluster main {\n}\n"
    uris = ["untitled:Untitled-1", "file://", "file:///", "file:///t/%", "file:///t/%zz.ecs",
            "file:///t/a%00b.ecs", "file://localhost/t/b.ecs", "file://elsewhere/t/c.ecs",
            "file:///t/%E2%82%AC%20d.ecs?query#frag", "file:///t/%e2%82%ac%20e.ecs",
            "file:///tmp", "file:///t/" + "x" * 5000]
    msgs = [INIT]
    for k, uri in enumerate(uris):
        msgs.append(rpc(None, "textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "ecs", "version": 1, "text": text}}))
        msgs.append(rpc(10 + k, "textDocument/documentSymbol", {"textDocument": {"uri": uri}}))
    answers, notes, rc = session(msgs + END)
    assert rc == 0
    got = {uri: answers[10 + k] for k, uri in enumerate(uris)}
    # Not a local file: not opened (nothing to compile it with).
    for uri in ("untitled:Untitled-1", "file://", "file://elsewhere/t/c.ecs"):
        assert got[uri]["error"]["code"] == -32602, got[uri]
    for uri in ("file:///t/%E2%82%AC%20d.ecs?query#frag", "file://localhost/t/b.ecs",
                "file:///t/%zz.ecs", "file:///t/" + "x" * 5000):
        assert [s["name"] for s in got[uri]["result"]] == ["main"], (uri, got[uri])
    # Diagnostics and places name a document by its URI as the client wrote
    # it (the escapes' case, a query), not as the server would spell its path.
    pubs = {n["params"]["uri"] for n in notes if n.get("method") == "textDocument/publishDiagnostics"}
    for uri in ("file:///t/%E2%82%AC%20d.ecs?query#frag", "file:///t/%e2%82%ac%20e.ecs",
                "file://localhost/t/b.ecs"):
        assert uri in pubs, (uri, pubs)
    answers, _, _ = session([INIT, rpc(None, "textDocument/didOpen", {"textDocument": {
        "uri": uris[9], "languageId": "ecs", "version": 1, "text": text + "service web in main {}\n"}}),
        rpc(2, "textDocument/definition", {"textDocument": {"uri": uris[9]},
                                           "position": {"line": 2, "character": 16}})] + END)
    assert answers[2]["result"]["uri"] == uris[9], answers[2]


def test_positions_in_text_that_is_not_utf8():
    """A client's text with a byte that is not UTF-8 (a lead byte before a
    line break): a position counts such a byte as one character and never
    reaches past its line, so an edit lands where the client put it."""
    uri = "file:///t/bad.ecs"
    # The body is written by hand: JSON cannot carry this byte escaped.
    opened = (b'{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":'
              b'{"uri":"' + uri.encode() + b'","languageId":"ecs","version":1,'
              b'"text":"# \xf0\\ncluster main {\\n}\\n"}}}')
    symbols = rpc(3, "textDocument/documentSymbol", {"textDocument": {"uri": uri}})
    # The client deletes the stray byte: line 0, characters 2 to 3.
    change = rpc(None, "textDocument/didChange", {
        "textDocument": {"uri": uri, "version": 2},
        "contentChanges": [{"range": {"start": {"line": 0, "character": 2},
                                      "end": {"line": 0, "character": 3}}, "text": ""}]})
    data = (frame(INIT) + frame(raw=opened) + frame(dict(symbols, id=2)) + frame(change)
            + frame(symbols) + b"".join(frame(m) for m in END))
    p = subprocess.run([ECSC, "lsp"], input=data, capture_output=True, timeout=30)
    assert p.returncode == 0
    out = read_frames(p.stdout)
    answers = {m["id"]: m for m in out if m.get("id")}
    pubs = [m["params"]["diagnostics"] for m in out
            if m.get("method") == "textDocument/publishDiagnostics"]
    assert [d["code"] for d in pubs[0]] == ["E0003"], pubs
    # The text is now `# \ncluster main {\n}\n`: clean, the cluster on line 1.
    assert pubs[-1] == [], pubs
    syms = answers[3]["result"]
    assert [s["name"] for s in syms] == ["main"], syms
    assert syms[0]["range"]["start"] == {"line": 1, "character": 0}, syms


def test_a_frame_too_large_is_skipped_whole():
    """A frame over the size limit is refused and its body skipped as it
    arrives: a frame inside that body is never read as one."""
    inner = frame(rpc(5, "shutdown"))
    data = (frame(INIT) + b"Content-Length: 99999999999999999999999999\r\n\r\n" + inner)
    answers, notes, rc = session([], raw=data)
    assert rc == 1                      # the input ended inside the skipped body
    assert 5 not in answers, answers
    assert [n["error"]["message"] for n in notes] == ["frame too large: dropped"], notes
    # Just over the limit, then a real frame after the skipped bytes.
    big = 64 * 1024 * 1024 + 1
    data = (frame(INIT) + b"Content-Length: %d\r\n\r\n" % big + b" " * big
            + b"".join(frame(m) for m in END))
    answers, notes, rc = session([], raw=data)
    assert rc == 0 and answers[99]["result"] is None
    assert [n["error"]["code"] for n in notes] == [-32700]


class Server:
    """`ecsc lsp` as a process, written to and read from as time passes."""

    def __init__(self):
        self.p = subprocess.Popen([ECSC, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.buf = b""

    def send(self, msg):
        self.p.stdin.write(frame(msg))
        self.p.stdin.flush()

    def read(self, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            head, sep, rest = self.buf.partition(b"\r\n\r\n")
            if sep:
                n = int(head.split(b":")[1])
                if len(rest) >= n:
                    self.buf = rest[n:]
                    return json.loads(rest[:n])
            left = deadline - time.monotonic()
            assert left > 0, "no message from the server"
            if select.select([self.p.stdout], [], [], left)[0]:
                chunk = self.p.stdout.read1(65536)
                assert chunk, "the server ended"
                self.buf += chunk

    def publish(self, uri):
        """The next publishDiagnostics for uri (skipping other messages)."""
        while True:
            m = self.read()
            if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri:
                return m["params"]

    def close(self):
        self.send(rpc(99, "shutdown"))
        self.send(rpc(None, "exit"))
        assert self.p.wait(timeout=30) == 0


def test_changes_are_debounced():
    """Changes closer together than the debounce (initializationOptions) get
    one analysis, of the last text, the debounce after the last change."""
    s = Server()
    s.send(rpc(1, "initialize", {"capabilities": {}, "initializationOptions": {"debounce": 800}}))
    assert "capabilities" in s.read()["result"]
    uri = "file:///t/d.ecs"
    good, bad = "cluster main {\n}\n", "cluster main {\n  bogus = 1\n}\n"
    s.send(rpc(None, "textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "ecs", "version": 1, "text": good}}))
    assert s.publish(uri) == {"uri": uri, "version": 1, "diagnostics": []}   # at once
    for v in range(2, 7):
        s.send(rpc(None, "textDocument/didChange", {
            "textDocument": {"uri": uri, "version": v},
            "contentChanges": [{"text": bad if v % 2 == 0 else good}]}))
        time.sleep(0.02)
    last = time.monotonic()
    p = s.publish(uri)
    waited = time.monotonic() - last
    assert p["version"] == 6 and [d["code"] for d in p["diagnostics"]] == ["E0100"], p
    assert waited > 0.6, waited
    # A request needs the analysis now: it does not wait for the debounce.
    s.send(rpc(None, "textDocument/didChange", {
        "textDocument": {"uri": uri, "version": 7}, "contentChanges": [{"text": good}]}))
    t = time.monotonic()
    s.send(rpc(2, "textDocument/documentSymbol", {"textDocument": {"uri": uri}}))
    assert s.publish(uri) == {"uri": uri, "version": 7, "diagnostics": []}
    assert time.monotonic() - t < 0.75
    s.close()


def test_errors_gone_from_the_first_of_two_files(tmp_path):
    """A unit of two files (an import) whose first file had errors and has
    none after a change: the empty list goes to that file, the second file's
    turn comes after it (the server once crashed there)."""
    (tmp_path / "shared.ecs").write_text("cluster main {\n}\n")
    uri = (tmp_path / "a.ecs").as_uri()
    good = ('import "shared.ecs"\n\nservice web in main {\n  cpu    = 256\n  memory = 512 MiB\n'
            '  container app { image = "nginx:1.27" }\n'
            '  network { subnets = ["subnet-0a1b2c3d"] }\n}\n')
    bad = good.replace("in main", "in mian")
    answers, notes, rc = session([
        INIT, rpc(None, "textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "ecs", "version": 1, "text": bad}}),
        rpc(2, "textDocument/documentSymbol", {"textDocument": {"uri": uri}}),
        rpc(None, "textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                             "contentChanges": [{"text": good}]}),
        rpc(3, "textDocument/documentSymbol", {"textDocument": {"uri": uri}})] + END)
    assert rc == 0, notes
    pubs = [(n["params"]["uri"], n["params"].get("version"), [d["code"] for d in n["params"]["diagnostics"]])
            for n in notes if n.get("method") == "textDocument/publishDiagnostics"]
    assert (uri, 1, ["E0011"]) in pubs and pubs[-1][:2] == (uri, 2), pubs
    assert [c for u, v, c in pubs if v == 2] == [[]], pubs
    assert [s["name"] for s in answers[3]["result"]] == ["web"]
